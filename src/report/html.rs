//! `--format html`: one self-contained page (no network requests; script and style inline, a
//! Content-Security-Policy that forbids loading anything) with the access graph and the findings.
//!
//! The graph is laid out here, in Rust, as SVG: two columns (principals by unit and workload;
//! datastores by unit and tier, then registries, endpoints and AI services), edges as curves
//! between them. The layout is deterministic, testable without a browser and needs no graph
//! library in the page; a small script (`html/report.js`) adds details on click, filters,
//! search and collapsing groups, laying the columns out again the same way.
//!
//! Every string from the scanned code goes through `escape::html*` in the markup and through
//! `escape::script_json` in the data the script reads; the script writes values with
//! `textContent` only. Only the source lines that findings and edges point at are embedded.

use crate::access::catalog::ActionClass;
use crate::findings::{Finding, Severity};
use crate::report::escape::{html, html_attr, html_message, script_json, text};
use crate::report::graph::{self, Graph, Side, Status};
use crate::report::{help_uri, Format, Report};
use crate::source::{Sources, Span};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

pub struct Html;

impl Format for Html {
    fn render(&self, report: &Report, _color: bool) -> String {
        render(report)
    }
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Geometry shared with the script (the data's `layout`), which lays the columns out again.
pub(crate) const LEFT_X: u32 = 16;
pub(crate) const RIGHT_X: u32 = 600;
pub(crate) const NODE_W: u32 = 280;
pub(crate) const NODE_H: u32 = 16;
pub(crate) const ROW: u32 = 20;
pub(crate) const HEADER: u32 = 22;
pub(crate) const GAP: u32 = 12;
pub(crate) const TOP: u32 = 12;
/// Characters of a label drawn in a node box; the full text is in its tooltip and details.
const LABEL_CHARS: usize = 42;
/// Lines drawn in the markup at most; beyond, the script draws what it shows.
const DRAWN_LINES: usize = 2000;
/// Beyond this many nodes the page starts with every unit folded onto its title (the script's
/// `FOLD_NODES`), and the markup holds only the unit titles: the script makes groups, nodes and
/// lines as they are unfolded.
const FOLD_NODES: usize = 300;
/// Beyond this many findings their snippets are in the script's data (shared with the
/// statements' snippets), not each in the markup.
const INLINE_SNIPPETS: usize = 400;
/// Lines of a statement or finding embedded at most (the span's first lines).
const SNIPPET_LINES: u32 = 16;

/// Strings that repeat across the data (units, files, reasons, policy names), each once.
#[derive(Default)]
struct Strings {
    index: HashMap<String, usize>,
    list: Vec<String>,
}

impl Strings {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// The snippets the page embeds, each once: (file, first line, last line) -> index. A snippet
/// is `[file, first line, text]`, its lines joined by line breaks and their common indentation
/// removed.
#[derive(Default)]
struct Snippets {
    index: HashMap<(u32, u32, u32), usize>,
    list: Vec<Value>,
    strings: Strings,
}

impl Snippets {
    fn add(&mut self, sources: &Sources, span: Span) -> Option<usize> {
        if (span.file as usize) >= sources.len() {
            return None;
        }
        let file = sources.get(span.file);
        let first = file.position(span.start).line;
        let last = file
            .position(span.end)
            .line
            .clamp(first, first + SNIPPET_LINES - 1);
        let key = (span.file, first, last);
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        let lines = lines_of(sources, span.file, first, last);
        let indent = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0);
        let text: Vec<&str> = lines
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        let file = self.strings.id(&file.display);
        self.list.push(json!([file, first, text.join("\n")]));
        self.index.insert(key, self.list.len() - 1);
        Some(self.list.len() - 1)
    }
}

/// Lines `first..=last` of a file, each with its hidden characters as visible escapes (tabs as
/// spaces, so a snippet lines up).
fn lines_of(sources: &Sources, file: u32, first: u32, last: u32) -> Vec<String> {
    let f = sources.get(file);
    let text_all = f.text.as_str();
    let mut out = Vec::new();
    for line in first..=last {
        let Some(start) = f.line_start(line) else {
            break;
        };
        let end = f
            .line_start(line + 1)
            .map_or(text_all.len(), |e| e as usize);
        let raw = text_all
            .get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
            .replace('\t', "    ");
        out.push(text(&raw).into_owned());
    }
    out
}

fn location(sources: &Sources, span: Span) -> (String, u32) {
    if (span.file as usize) >= sources.len() {
        return (String::new(), 0);
    }
    let f = sources.get(span.file);
    (f.display.clone(), f.position(span.start).line)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Vertical positions of the groups and nodes of one column, stacked as the script stacks them.
pub(crate) struct Column {
    /// A band naming the deployment unit and cloud above its groups: (first group, y).
    pub unit_y: Vec<(usize, u32)>,
    pub group_y: Vec<(usize, u32)>,
    pub node_y: HashMap<usize, u32>,
    pub height: u32,
}

pub(crate) fn stack(graph: &Graph, side: Side) -> Column {
    let mut y = TOP;
    let mut unit_y = Vec::new();
    let mut group_y = Vec::new();
    let mut node_y = HashMap::new();
    let mut unit: Option<(&str, &str)> = None;
    for (gi, g) in graph
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.side == side)
    {
        if unit != Some((&g.unit, g.cloud)) {
            unit = Some((&g.unit, g.cloud));
            unit_y.push((gi, y));
            y += HEADER;
        }
        group_y.push((gi, y));
        y += HEADER;
        for &n in &g.nodes {
            node_y.insert(n, y);
            y += ROW;
        }
        y += GAP;
    }
    Column {
        unit_y,
        group_y,
        node_y,
        height: y,
    }
}

/// One drawn line per (principal, target): the edges of every action class between them.
pub(crate) struct Link {
    pub from: usize,
    pub to: usize,
    pub edges: Vec<usize>,
}

pub(crate) fn links(graph: &Graph) -> Vec<Link> {
    let mut by_pair: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, e) in graph.edges.iter().enumerate() {
        by_pair.entry((e.from, e.to)).or_default().push(i);
    }
    by_pair
        .into_iter()
        .map(|((from, to), edges)| Link { from, to, edges })
        .collect()
}

/// The class a line is drawn as: the most consequential of its edges'.
fn line_class(graph: &Graph, link: &Link) -> &'static str {
    const RANK: [&str; 9] = [
        "manage-permissions",
        "write",
        "admin",
        "tagging",
        "deploy-model",
        "approve-model",
        "invoke-model",
        "read",
        "list",
    ];
    RANK.iter()
        .copied()
        .find(|k| {
            link.edges
                .iter()
                .any(|&e| graph.edges[e].class.as_str() == *k)
        })
        .unwrap_or("read")
}

fn link_state(graph: &Graph, link: &Link) -> &'static str {
    let states: Vec<&str> = link
        .edges
        .iter()
        .map(|&e| graph.edges[e].state(graph))
        .collect();
    ["finding", "accepted"]
        .into_iter()
        .find(|s| states.contains(s))
        .unwrap_or("none")
}

pub(crate) fn edge_path(x1: u32, y1: u32, x2: u32, y2: u32) -> String {
    let mid = (x1 + x2) / 2;
    format!("M{x1} {y1}C{mid} {y1} {mid} {y2} {x2} {y2}")
}

fn svg(graph: &Graph) -> String {
    let left = stack(graph, Side::Left);
    let right = stack(graph, Side::Right);
    let height = left.height.max(right.height).max(60);
    let width = RIGHT_X + NODE_W + LEFT_X;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="access graph">"#
    );
    out.push_str(r#"<g id="edges">"#);
    let links = links(graph);
    // a large estate starts folded by unit in the script, which then draws the few lines it
    // shows; drawing every line here would only make the page slower to open
    let folded = graph.nodes.len() > FOLD_NODES;
    let drawn = if links.len() <= DRAWN_LINES && !folded {
        &links[..]
    } else {
        &[]
    };
    for (i, link) in drawn.iter().enumerate() {
        let (Some(&y1), Some(&y2)) = (left.node_y.get(&link.from), right.node_y.get(&link.to))
        else {
            continue;
        };
        let half = NODE_H / 2;
        // no tooltip per line: the script adds it on hover (a large estate has tens of
        // thousands of lines)
        let _ = write!(
            out,
            r#"<path id="e{i}" class="edge k-{} s-{}" d="{}"/>"#,
            line_class(graph, link),
            link_state(graph, link),
            edge_path(LEFT_X + NODE_W, y1 + half, RIGHT_X, y2 + half),
        );
    }
    out.push_str("</g>");
    for (side, column, x) in [(Side::Left, &left, LEFT_X), (Side::Right, &right, RIGHT_X)] {
        let id = if side == Side::Left { "left" } else { "right" };
        let _ = write!(out, r#"<g id="{id}">"#);
        for (k, &(gi, y)) in column.unit_y.iter().enumerate() {
            let g = &graph.groups[gi];
            let _ = write!(
                out,
                r#"<text class="unit" id="u{}{k}" y="15" transform="translate({x},{y})">unit {} · {}</text>"#,
                &id[..1],
                html(&truncate(&g.unit, LABEL_CHARS)),
                g.cloud
            );
        }
        for &(gi, y) in column.group_y.iter().filter(|_| !folded) {
            let g = &graph.groups[gi];
            let _ = write!(
                out,
                r#"<g class="group" id="g{gi}" transform="translate({x},{y})"><rect class="ghead" width="{NODE_W}" height="{}" rx="3"/><text x="6" y="14">▾ {} ({})</text><title>{}</title></g>"#,
                HEADER - 4,
                html(&truncate(&g.key, LABEL_CHARS - 6)),
                g.nodes.len(),
                html(&g.title()),
            );
            for &n in &g.nodes {
                let node = &graph.nodes[n];
                let ny = column.node_y[&n];
                let flagged = node
                    .findings
                    .iter()
                    .any(|&f| graph.findings[f].1 == Status::Open);
                let _ = write!(
                    out,
                    r#"<g class="node k-{}{}" id="n{n}" transform="translate({x},{ny})"><rect width="{NODE_W}" height="{NODE_H}" rx="3"/><text x="6" y="12">{}</text><title>{}</title></g>"#,
                    node.kind,
                    if flagged { " flagged" } else { "" },
                    html(&truncate(&node.address, LABEL_CHARS)),
                    html(&node.address),
                );
            }
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// The data the script reads: nodes, groups, edges with their grants, findings, snippets. Edges
/// are the bulk of a large estate (tens of thousands), so they are arrays, not objects, and the
/// statements and action lists they share are tables they index:
/// `edges[i] = [from, to, class index, [[statement, action list, flags], ...], [finding, ...]]`
/// with `flags = conditional + 2 * kms gate index`; `statements[i] = [via, policy, file, line,
/// snippet]`. Edges are sorted by (from, to), so the drawn lines are runs of them.
fn data(
    graph: &Graph,
    sources: &Sources,
    snippets: &mut Snippets,
    finding_snippets: &[Option<usize>],
) -> Value {
    // nodes as arrays too, their repeated strings (units, reasons, files) in one table:
    // `[side, kind, address, detail, unit, tier, workloads, reason, file, line, findings]`
    let strings = std::cell::RefCell::new(std::mem::take(&mut snippets.strings));
    let intern = |s: &str| strings.borrow_mut().id(s);
    let nodes: Vec<Value> = graph
        .nodes
        .iter()
        .map(|n| {
            let (file, line) = n.span.map_or((String::new(), 0), |s| location(sources, s));
            json!([
                usize::from(n.side == Side::Right),
                n.kind,
                n.address,
                n.detail,
                intern(&n.unit),
                n.tier,
                n.workloads,
                intern(&n.reason),
                intern(&file),
                line,
                n.findings
            ])
        })
        .collect();
    // `[side, unit, cloud, key, nodes]`
    let groups: Vec<Value> = graph
        .groups
        .iter()
        .map(|g| {
            json!([
                usize::from(g.side == Side::Right),
                intern(&g.unit),
                intern(g.cloud),
                intern(&g.key),
                g.nodes
            ])
        })
        .collect();
    snippets.strings = strings.take();
    let mut statements: Vec<Value> = Vec::new();
    let mut statement_index: HashMap<(Span, &str, &str), usize> = HashMap::new();
    let mut action_lists: Vec<&[String]> = Vec::new();
    let mut action_index: HashMap<&[String], usize> = HashMap::new();
    let edges: Vec<Value> = graph
        .edges
        .iter()
        .map(|e| {
            let grants: Vec<Value> = e
                .grants
                .iter()
                .map(|g| {
                    let st = *statement_index
                        .entry((g.span, g.via, g.document.as_str()))
                        .or_insert_with(|| {
                            let (file, line) = location(sources, g.span);
                            let snippet = snippets.add(sources, g.span);
                            let strings = &mut snippets.strings;
                            statements.push(json!([
                                strings.id(g.via),
                                strings.id(&g.document),
                                strings.id(&file),
                                line,
                                snippet
                            ]));
                            statements.len() - 1
                        });
                    let actions = *action_index.entry(&g.actions).or_insert_with(|| {
                        action_lists.push(&g.actions);
                        action_lists.len() - 1
                    });
                    let kms = KMS_GATES.iter().position(|k| *k == g.kms_gate).unwrap_or(0);
                    json!([st, actions, usize::from(g.conditional) + 2 * kms])
                })
                .collect();
            let class = ActionClass::ALL
                .iter()
                .position(|c| *c == e.class)
                .unwrap_or(0);
            json!([e.from, e.to, class, grants, e.findings])
        })
        .collect();
    let findings: Vec<Value> = graph
        .findings
        .iter()
        .enumerate()
        .map(|(i, (f, status))| {
            let (file, line) = location(sources, f.primary.span);
            json!({"rule": f.rule, "severity": f.severity.as_str(),
                   "status": status.as_str(), "message": f.message,
                   "file": snippets.strings.id(&file), "line": line,
                   "units": f.units, "snippet": finding_snippets.get(i).copied().flatten()})
        })
        .collect();
    json!({"layout": {"left_x": LEFT_X, "right_x": RIGHT_X, "node_w": NODE_W, "node_h": NODE_H,
                      "row": ROW, "header": HEADER, "gap": GAP, "top": TOP},
           "classes": ActionClass::ALL.map(ActionClass::as_str), "kms_gates": KMS_GATES,
           "folded": graph.nodes.len() > FOLD_NODES, "label_chars": LABEL_CHARS,
           "strings": snippets.strings.list, "nodes": nodes, "groups": groups, "statements": statements, "actions": action_lists,
           "edges": edges, "findings": findings, "snippets": snippets.list})
}

/// The KMS gate of a read (`access::Grant::kms_gate`), by index in the data.
const KMS_GATES: [&str; 4] = ["not-needed", "granted", "denied", "unknown"];

fn options(values: &BTreeSet<String>) -> String {
    let mut out = String::from(r#"<option value="">all</option>"#);
    for v in values {
        let _ = write!(
            out,
            r#"<option value="{}">{}</option>"#,
            html_attr(v),
            html(v)
        );
    }
    out
}

fn filters(graph: &Graph) -> String {
    let mut tiers = BTreeSet::new();
    let mut workloads = BTreeSet::new();
    let mut units = BTreeSet::new();
    for n in &graph.nodes {
        if let Some(t) = n.tier {
            tiers.insert(t.to_string());
        }
        workloads.extend(n.workloads.iter().cloned());
        units.insert(n.unit.clone());
    }
    let mut rules = BTreeSet::new();
    for (f, _) in &graph.findings {
        rules.insert(f.rule.clone());
        units.extend(f.units.iter().cloned());
    }
    let severities: BTreeSet<String> = Severity::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let classes: BTreeSet<String> = graph
        .edges
        .iter()
        .map(|e| e.class.as_str().to_string())
        .collect();
    let mut out = String::from(r#"<form id="filters" onsubmit="return false">"#);
    for (id, label, values) in [
        ("f-unit", "unit", &units),
        ("f-tier", "tier", &tiers),
        ("f-workload", "workload", &workloads),
        ("f-class", "access", &classes),
        ("f-rule", "rule", &rules),
        ("f-severity", "severity", &severities),
    ] {
        let _ = write!(
            out,
            r#"<label>{label} <select id="{id}">{}</select></label>"#,
            options(values)
        );
    }
    out.push_str(r#"<label><input type="checkbox" id="f-flagged"> only edges with findings</label><label>search <input type="search" id="f-search" placeholder="address or name"></label><button type="button" id="collapse-all">collapse all</button><button type="button" id="expand-all">expand all</button></form>"#);
    out
}

fn snippet_html(sources: &Sources, span: Span) -> String {
    if (span.file as usize) >= sources.len() {
        return String::new();
    }
    let f = sources.get(span.file);
    let first = f.position(span.start).line;
    let last = f
        .position(span.end)
        .line
        .clamp(first, first + SNIPPET_LINES - 1);
    let mut out = String::from(r#"<pre class="snippet">"#);
    for (i, line) in lines_of(sources, span.file, first, last).iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<span class="ln">{:>5}</span> {}"#,
            first as usize + i,
            html(line)
        );
    }
    out.push_str("</pre>");
    out
}

/// One finding; its snippet in the markup, or (`snippet`, a large report) a placeholder the
/// script fills from the shared snippets.
fn finding_html(
    i: usize,
    f: &Finding,
    status: Status,
    sources: &Sources,
    snippet: Option<usize>,
) -> String {
    let (file, line) = location(sources, f.primary.span);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<div class="finding sev-{sev}" id="f{i}" data-i="{i}" data-rule="{}" data-severity="{sev}" data-status="{}"><div class="fhead"><span class="badge sev-{sev}">{sev}</span> <span class="rule">{}</span> {}</div><div class="where">{}:{line}"#,
        html_attr(&f.rule),
        status.as_str(),
        html(&f.rule),
        html_message(&f.message),
        html(&file),
        sev = f.severity.as_str(),
    );
    for r in &f.related {
        let (rf, rl) = location(sources, r.span);
        let _ = write!(
            out,
            r#" <span class="related">· {}:{rl} {}</span>"#,
            html(&rf),
            html_message(&r.label)
        );
    }
    out.push_str("</div>");
    if let Some(note) = f.confidence_note() {
        let _ = write!(out, r#"<div class="note">{}</div>"#, html_message(&note));
    }
    if let Some(s) = &f.suppression {
        let _ = write!(
            out,
            r#"<div class="note">suppressed: {}{}</div>"#,
            html(s.reason.as_deref().unwrap_or("no reason given")),
            s.until
                .as_deref()
                .map(|u| format!(" (until {})", html(u)))
                .unwrap_or_default()
        );
    }
    match snippet {
        Some(s) => {
            let _ = write!(out, r#"<pre class="snippet" data-s="{s}"></pre>"#);
        }
        None => out.push_str(&snippet_html(sources, f.primary.span)),
    }
    out.push_str("</div>");
    out
}

/// Findings of one status grouped by rule, most severe rule first.
fn by_rule(
    graph: &Graph,
    status: Status,
    sources: &Sources,
    finding_snippets: &[Option<usize>],
) -> String {
    let mut rules: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<usize>> = BTreeMap::new();
    for (i, (f, s)) in graph.findings.iter().enumerate() {
        if *s == status {
            rules
                .entry((std::cmp::Reverse(f.severity), f.rule.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut out = String::new();
    for ((_, rule), list) in rules {
        let f0 = graph.findings[list[0]].0;
        let _ = write!(
            out,
            r#"<details class="rulegroup"{} data-rule="{}"><summary><span class="badge sev-{sev}">{sev}</span> <b>{}</b> {} <span class="tsc">{}</span> <span class="count">· {}</span></summary><p class="help">{} <a href="{}">rule documentation</a></p>"#,
            // a large report opens with its rules closed: thousands of findings laid out at once
            // would make it slow to open
            if finding_snippets.is_empty() {
                " open"
            } else {
                ""
            },
            html_attr(rule),
            html(rule),
            html(&f0.name),
            html(&f0.tsc.join(", ")),
            crate::report::plural(list.len(), "finding", "findings"),
            html_message(&f0.help),
            html_attr(&help_uri(&f0.rule, &f0.name)),
            sev = f0.severity.as_str(),
        );
        for i in list {
            let snippet = finding_snippets.get(i).copied().flatten();
            out.push_str(&finding_html(
                i,
                graph.findings[i].0,
                status,
                sources,
                snippet,
            ));
        }
        out.push_str("</details>");
    }
    if out.is_empty() {
        out.push_str(r#"<p class="empty">none</p>"#);
    }
    out
}

fn summary(report: &Report, graph: &Graph) -> String {
    let scan = report.scan;
    let mut out =
        String::from(r#"<section id="summary"><h2>Summary</h2><table class="counts"><tr>"#);
    for s in Severity::ALL {
        let _ = write!(out, r#"<th class="sev-{0}">{0}</th>"#, s.as_str());
    }
    out.push_str("<th>suppressed</th><th>baseline</th></tr><tr>");
    for s in Severity::ALL {
        let _ = write!(
            out,
            r#"<td class="sev-{}" id="count-{}">{}</td>"#,
            s.as_str(),
            s.as_str(),
            report.count(s)
        );
    }
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td></tr></table>",
        scan.suppressed.len(),
        scan.baseline.len()
    );
    // rules that fired
    let mut fired: BTreeMap<&str, (&Finding, [usize; 3])> = BTreeMap::new();
    for (f, status) in &graph.findings {
        let e = fired.entry(f.rule.as_str()).or_insert((f, [0; 3]));
        e.1[*status as usize] += 1;
    }
    out.push_str(r#"<h3>Rules that fired</h3><table class="rules"><tr><th>rule</th><th>name</th><th>severity</th><th>TSC</th><th>open</th><th>suppressed</th><th>baseline</th></tr>"#);
    for (rule, (f, n)) in &fired {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td class="sev-{sev}">{sev}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            html(rule),
            html(&f.name),
            html(&f.tsc.join(", ")),
            n[0],
            n[1],
            n[2],
            sev = f.severity.as_str()
        );
    }
    out.push_str("</table>");
    // coverage
    let mut causes: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &scan.unresolved {
        *causes.entry(u.cause()).or_default() += 1;
    }
    let _ = write!(
        out,
        r#"<h3>Coverage</h3><ul class="coverage"><li>{} files, {} modules, {} resources</li><li>{} principals and {} datastores in the graph, {} edges</li><li>{} parse errors, {} warnings</li><li>{} unresolved values"#,
        scan.stats.files,
        scan.stats.modules,
        scan.stats.resources,
        graph.nodes.iter().filter(|n| n.side == Side::Left).count(),
        graph.nodes.iter().filter(|n| n.tier.is_some()).count(),
        graph.edges.len(),
        scan.errors.len(),
        scan.warnings.len() + scan.rule_errors.len(),
        scan.unresolved.len(),
    );
    if !causes.is_empty() {
        out.push_str(": ");
        let parts: Vec<String> = causes
            .iter()
            .map(|(c, n)| format!("{} {n}", html(c)))
            .collect();
        out.push_str(&parts.join(", "));
    }
    out.push_str("</li>");
    if scan.audit {
        out.push_str("<li><b>audit mode</b>: every suppression is off</li>");
    }
    out.push_str("</ul></section>");
    out
}

/// Criteria, the rules that test each, and their open findings.
fn by_tsc(graph: &Graph) -> String {
    let mut tsc: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (f, status) in &graph.findings {
        for c in &f.tsc {
            let n = tsc
                .entry(c)
                .or_default()
                .entry(f.rule.as_str())
                .or_default();
            if *status == Status::Open {
                *n += 1;
            }
        }
    }
    let mut out = String::from(
        r#"<table class="tsc"><tr><th>criterion</th><th>rules (open findings)</th></tr>"#,
    );
    for (c, rules) in tsc {
        let list: Vec<String> = rules
            .iter()
            .map(|(r, n)| format!("{} ({n})", html(r)))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            html(c),
            list.join(", ")
        );
    }
    out.push_str("</table>");
    out
}

fn problems(report: &Report) -> String {
    let scan = report.scan;
    let sources = &scan.sources;
    if scan.errors.is_empty() && scan.warnings.is_empty() && scan.rule_errors.is_empty() {
        return String::new();
    }
    let mut out = String::from(r#"<section id="problems"><h2>Errors and warnings</h2><ul>"#);
    for e in &scan.errors {
        let (file, line) = e.span.map_or((e.path.clone().unwrap_or_default(), 0), |s| {
            location(sources, s)
        });
        let _ = write!(
            out,
            r#"<li class="error">{}:{line}: {}</li>"#,
            html(&file),
            html(&e.message)
        );
    }
    for w in &scan.warnings {
        let (file, line) = w.span.map_or((String::new(), 0), |s| location(sources, s));
        let _ = write!(out, "<li>{}:{line}: {}</li>", html(&file), html(&w.message));
    }
    for e in &scan.rule_errors {
        let _ = write!(
            out,
            "<li>rule {} failed to evaluate: {}</li>",
            html(&e.rule),
            html(&e.message)
        );
    }
    out.push_str("</ul></section>");
    out
}

pub fn render(report: &Report) -> String {
    let scan = report.scan;
    let mut graph = graph::build(scan);
    graph::order_targets(&mut graph);
    let mut snippets = Snippets::default();
    let finding_snippets: Vec<Option<usize>> = if graph.findings.len() > INLINE_SNIPPETS {
        graph
            .findings
            .iter()
            .map(|(f, _)| snippets.add(&scan.sources, f.primary.span))
            .collect()
    } else {
        Vec::new()
    };
    let data = data(&graph, &scan.sources, &mut snippets, &finding_snippets);
    // the scanned directory's own name: the report is attached to tickets, not the local path
    let base = scan
        .sources
        .base()
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| ".".to_string());
    let title = format!("mlguard report: {base}");
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title><style>{STYLE}</style></head><body>
<header><h1>mlguard report</h1><p class="meta">{} · mlguard {} · {} findings, {} suppressed, {} baseline</p>
<nav><a href="#summary">summary</a> <a href="#access">access graph</a> <a href="#findings">findings</a> <a href="#tsc">by criterion</a> <a href="#suppressed">suppressed</a> <a href="#baseline">baseline</a></nav></header>
<main>"##,
        html(&title),
        html(&base),
        env!("CARGO_PKG_VERSION"),
        scan.findings.len(),
        scan.suppressed.len(),
        scan.baseline.len(),
    );
    out.push_str(&summary(report, &graph));
    out.push_str(&problems(report));
    let _ = write!(
        out,
        r#"<section id="access"><h2>Access graph</h2><p class="legend">Principals by unit and workload on the left; datastores by unit and tier, the model registry and endpoints, and AI services on the right. <span class="key s-finding">red</span>: a finding rests on the edge; <span class="key s-accepted">amber</span>: only suppressed or baseline findings; grey: none. One line per principal and target, drawn as its most consequential access: <span class="key">thick</span> write or manage permissions, <span class="key">dashed</span> admin, permissions and tagging, <span class="key">dash-dot</span> approve and deploy models, <span class="key">solid</span> read, <span class="key">dotted</span> list only. Click a node or line for the statements behind it; click a group or unit title to fold it.</p>{}<div id="graph-wrap"><div id="canvas">{}</div><aside id="details"><p class="empty">Click a node or an edge.</p></aside></div></section>"#,
        filters(&graph),
        svg(&graph)
    );
    let _ = write!(
        out,
        r#"<section id="findings"><h2>Findings by rule</h2>{}</section><section id="tsc"><h2>By Trust Services Criterion</h2>{}</section><section id="suppressed"><h2>Suppressed</h2>{}</section><section id="baseline"><h2>Baseline</h2>{}</section>"#,
        by_rule(&graph, Status::Open, &scan.sources, &finding_snippets),
        by_tsc(&graph),
        by_rule(&graph, Status::Suppressed, &scan.sources, &finding_snippets),
        by_rule(&graph, Status::Baseline, &scan.sources, &finding_snippets),
    );
    let _ = write!(
        out,
        "</main>\n<script type=\"application/json\" id=\"data\">{}</script>\n<script>{SCRIPT}</script>\n</body></html>\n",
        script_json(&data)
    );
    out
}
