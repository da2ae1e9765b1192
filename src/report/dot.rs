//! `mlguard access --format dot`: the access graph of the HTML report as Graphviz DOT, for people
//! who render graphs their own way. One cluster per deployment unit and cloud, holding one
//! cluster per workload (principals) and per tier (datastores, then registries, endpoints and AI
//! services); one edge per (principal, target, action class), red when a finding rests on it.

use crate::report::escape::dot;
use crate::report::graph::{Graph, Side};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub fn render(graph: &Graph) -> String {
    let mut out = String::from(
        "digraph access {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n",
    );
    // clusters by (unit, cloud), then by group
    let mut units: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (gi, g) in graph.groups.iter().enumerate() {
        units.entry((&g.unit, g.cloud)).or_default().push(gi);
    }
    for (u, ((unit, cloud), groups)) in units.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_u{u} {{\n    label=\"{} ({})\";\n    style=rounded;",
            dot(unit),
            dot(cloud)
        );
        for &gi in groups {
            let g = &graph.groups[gi];
            let _ = writeln!(
                out,
                "    subgraph cluster_g{gi} {{\n      label=\"{}\";\n      style=filled;\n      fillcolor=\"{}\";",
                dot(&g.key),
                if g.side == Side::Left { "#eef2fb" } else { "#f3f3f3" }
            );
            for &n in &g.nodes {
                let node = &graph.nodes[n];
                let flagged = node
                    .findings
                    .iter()
                    .any(|&f| graph.findings[f].1 == crate::report::graph::Status::Open);
                let _ = writeln!(
                    out,
                    "      n{n} [label=\"{}\\n({})\"{}];",
                    dot(&node.address),
                    dot(node.kind),
                    if flagged { ", color=red" } else { "" }
                );
            }
            out.push_str("    }\n");
        }
        out.push_str("  }\n");
    }
    for e in &graph.edges {
        let (color, style) = (
            match e.state(graph) {
                "finding" => "red",
                "accepted" => "orange",
                _ => "gray40",
            },
            match e.class.as_str() {
                "read" | "write" => "solid",
                "list" => "dotted",
                _ => "dashed",
            },
        );
        let at: Vec<String> = e.grants.iter().map(|g| dot(&g.document)).collect();
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", color={color}, style={style}, tooltip=\"{}\"];",
            e.from,
            e.to,
            e.class.as_str(),
            at.join(", ")
        );
    }
    out.push_str("}\n");
    out
}
