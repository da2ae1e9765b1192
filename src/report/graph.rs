//! The access graph that `--format html` draws and `mlguard access --format dot` writes:
//! principals (grouped by deployment unit and workload) on one side; datastores (grouped by unit
//! and tier), the model registry and endpoints that approve and deploy rights reach, and the
//! third-party AI services in use on the other. One edge per (principal, target, action class),
//! with the grants behind it and the findings that rest on it.

use crate::access::catalog::ActionClass;
use crate::findings::Finding;
use crate::model::Inventory;
use crate::scan::ScanOutput;
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

/// Which column a node is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Principals.
    Left,
    /// Datastores, registries, endpoints, AI services.
    Right,
}

/// A box of nodes that share a deployment unit, a cloud and a workload (left) or a tier (right).
#[derive(Clone, Debug)]
pub struct Group {
    pub side: Side,
    pub unit: String,
    pub cloud: &'static str,
    /// Workload(s), tier, `model-registry`, `model-deployment` or `ai-services`.
    pub key: String,
    pub nodes: Vec<usize>,
}

impl Group {
    pub fn title(&self) -> String {
        format!("{} · {} · {}", self.unit, self.cloud, self.key)
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub side: Side,
    /// `role`, `user`, `anyone`, ... for principals; `bucket`, `prefix`, `log-group` for
    /// datastores; `model-registry`, `model-deployment`, `ai-service`.
    pub kind: &'static str,
    /// The address (or, for a registry, endpoint set or AI service, a description).
    pub address: String,
    /// The bucket or log group name, the workloads, the members of a registry or endpoint set.
    pub detail: String,
    pub unit: String,
    /// `aws`, `gcp` or `azure`: a unit holding more than one cloud draws a group for each.
    pub cloud: &'static str,
    pub tier: Option<&'static str>,
    pub workloads: Vec<String>,
    /// Where it is declared.
    pub span: Option<Span>,
    /// How its tier or workload was decided.
    pub reason: String,
    pub group: usize,
    /// Indices into [`Graph::findings`].
    pub findings: Vec<usize>,
}

/// One statement behind an edge.
#[derive(Clone, Debug)]
pub struct EdgeGrant {
    pub actions: Vec<String>,
    /// `inline`, `managed`, `resource`, ...
    pub via: &'static str,
    pub document: String,
    /// The statement, or the attachment of a managed policy not in the scanned files.
    pub span: Span,
    pub conditional: bool,
    pub kms_gate: &'static str,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub class: ActionClass,
    pub grants: Vec<EdgeGrant>,
    /// Indices into [`Graph::findings`] that rest on it.
    pub findings: Vec<usize>,
}

/// Whether a finding counts, is suppressed or is in the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Suppressed,
    Baseline,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Suppressed => "suppressed",
            Status::Baseline => "baseline",
        }
    }
}

pub struct Graph<'a> {
    pub nodes: Vec<Node>,
    pub groups: Vec<Group>,
    pub edges: Vec<Edge>,
    /// Every finding of the scan with its status: open, then suppressed, then baseline.
    pub findings: Vec<(&'a Finding, Status)>,
}

impl Edge {
    /// `finding` when an open finding rests on it, `accepted` when only suppressed or baseline
    /// ones do, else `none`.
    pub fn state(&self, graph: &Graph) -> &'static str {
        let statuses = self.findings.iter().map(|&i| graph.findings[i].1);
        let mut state = "none";
        for s in statuses {
            if s == Status::Open {
                return "finding";
            }
            state = "accepted";
        }
        state
    }
}

const UNIT_NONE: &str = "-";

fn unit_of(inv: &Inventory, root: usize) -> String {
    inv.units
        .get(root)
        .and_then(|u| u.dir.clone())
        .unwrap_or_else(|| UNIT_NONE.to_string())
}

/// Tier groups in the order data flows, then what is not a datastore.
fn right_rank(key: &str) -> usize {
    const ORDER: [&str; 11] = [
        "raw",
        "processed",
        "training-ready",
        "model-artifacts",
        "inference-logs",
        "application-logs",
        "other",
        "unclassified",
        "model-registry",
        "model-deployment",
        "ai-services",
    ];
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

fn overlaps(a: Span, b: Span) -> bool {
    a.file == b.file && a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// Build the graph of one scan.
pub fn build(scan: &ScanOutput) -> Graph<'_> {
    let inv = &scan.inventory;
    let analysis = &scan.analysis;
    let findings: Vec<(&Finding, Status)> = scan
        .findings
        .iter()
        .map(|f| (f, Status::Open))
        .chain(scan.suppressed.iter().map(|f| (f, Status::Suppressed)))
        .chain(scan.baseline.iter().map(|f| (f, Status::Baseline)))
        .collect();

    let mut nodes: Vec<Node> = Vec::new();
    let mut principal_node: HashMap<usize, usize> = HashMap::new();
    let mut datastore_node: HashMap<usize, usize> = HashMap::new();
    let mut control_node: BTreeMap<(String, &'static str, ActionClass), usize> = BTreeMap::new();

    let mut principal = |nodes: &mut Vec<Node>, p: usize| -> usize {
        *principal_node.entry(p).or_insert_with(|| {
            let pr = &inv.principals[p];
            nodes.push(Node {
                side: Side::Left,
                kind: pr.kind.as_str(),
                address: pr.address.clone(),
                detail: pr.name.clone().unwrap_or_default(),
                unit: unit_of(inv, pr.root),
                cloud: pr.cloud.as_str(),
                tier: None,
                workloads: pr.workloads.iter().cloned().collect(),
                span: Some(pr.span),
                reason: pr.workload_reason.text.clone(),
                group: 0,
                findings: Vec::new(),
            });
            nodes.len() - 1
        })
    };

    // datastores worth drawing: tiered, or reached by someone (as `mlguard access` lists them)
    let reached: std::collections::HashSet<usize> =
        analysis.grants.iter().map(|g| g.datastore).collect();
    for (i, d) in inv.datastores.iter().enumerate() {
        if d.tier.is_none() && !reached.contains(&i) {
            continue;
        }
        datastore_node.insert(i, nodes.len());
        nodes.push(Node {
            side: Side::Right,
            kind: d.kind.as_str(),
            address: d.address.clone(),
            detail: d.label(&inv.datastores),
            unit: unit_of(inv, d.root),
            cloud: d.kind.cloud().as_str(),
            tier: Some(d.tier.map_or("unclassified", |t| t.as_str())),
            workloads: Vec::new(),
            span: Some(d.span),
            reason: d.tier_reason.text.clone(),
            group: 0,
            findings: Vec::new(),
        });
    }

    // edges keyed by (principal node, target node, class)
    let mut edges: BTreeMap<(usize, usize, ActionClass), Vec<EdgeGrant>> = BTreeMap::new();
    let grant_span = |document: usize, statement: usize, attachment: Option<usize>| {
        let doc = &inv.documents[document];
        // a managed policy's statement is not in a scanned file: show where it is attached
        match (doc.external, attachment) {
            (true, Some(a)) => inv.attachments[a].span,
            _ => doc.statements[statement].span,
        }
    };
    for g in &analysis.grants {
        let Some(&to) = datastore_node.get(&g.datastore) else {
            continue;
        };
        let from = principal(&mut nodes, g.principal);
        let doc = &inv.documents[g.document];
        edges
            .entry((from, to, g.class))
            .or_default()
            .push(EdgeGrant {
                actions: g.actions.iter().cloned().collect(),
                via: doc.kind.as_str(),
                document: doc.name.clone(),
                span: grant_span(g.document, g.statement, g.attachment),
                conditional: g.conditional,
                kms_gate: g.kms_gate,
            });
    }
    for g in &analysis.control {
        let from = principal(&mut nodes, g.principal);
        let unit = unit_of(inv, inv.principals[g.principal].root);
        let cloud = inv.principals[g.principal].cloud.as_str();
        let to = *control_node
            .entry((unit.clone(), cloud, g.class))
            .or_insert_with(|| {
                let (kind, address, members) = control_target(inv, &unit, g.class);
                nodes.push(Node {
                    side: Side::Right,
                    kind,
                    address,
                    detail: members,
                    unit: unit.clone(),
                    cloud,
                    tier: None,
                    workloads: Vec::new(),
                    span: None,
                    reason: String::new(),
                    group: 0,
                    findings: Vec::new(),
                });
                nodes.len() - 1
            });
        let doc = &inv.documents[g.document];
        edges
            .entry((from, to, g.class))
            .or_default()
            .push(EdgeGrant {
                actions: g.actions.iter().cloned().collect(),
                via: doc.kind.as_str(),
                document: doc.name.clone(),
                span: grant_span(g.document, g.statement, g.attachment),
                conditional: g.conditional,
                kms_gate: "not-needed",
            });
    }
    // third-party and managed AI services in use, one node per unit and service
    let mut ai: BTreeMap<(String, &'static str), Vec<&crate::model::ml::AiUse>> = BTreeMap::new();
    for u in &inv.ai_uses {
        ai.entry((unit_of(inv, u.root), u.service))
            .or_default()
            .push(u);
    }
    for ((unit, service), uses) in ai {
        nodes.push(Node {
            side: Side::Right,
            kind: "ai-service",
            address: service.to_string(),
            detail: uses
                .iter()
                .map(|u| u.how.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            unit,
            cloud: crate::model::Cloud::of_ai_service(service).as_str(),
            tier: None,
            workloads: Vec::new(),
            span: uses.first().map(|u| u.span),
            reason: String::new(),
            group: 0,
            findings: Vec::new(),
        });
    }

    let mut edges: Vec<Edge> = edges
        .into_iter()
        .map(|((from, to, class), mut grants)| {
            grants.sort_by_key(|g| g.span);
            grants.dedup_by(|a, b| a.span == b.span && a.actions == b.actions);
            Edge {
                from,
                to,
                class,
                grants,
                findings: Vec::new(),
            }
        })
        .collect();

    attach_findings(&mut nodes, &mut edges, &findings);
    let groups = group(&mut nodes);
    Graph {
        nodes,
        groups,
        edges,
        findings,
    }
}

/// The registry or endpoint set an approve or deploy right reaches in a unit, and its members.
fn control_target(
    inv: &Inventory,
    unit: &str,
    class: ActionClass,
) -> (&'static str, String, String) {
    let in_unit = |root: usize| unit_of(inv, root) == unit;
    match class {
        ActionClass::ApproveModel => {
            let groups: Vec<&str> = inv
                .components
                .iter()
                .filter(|c| c.kind == "model-package-group" && in_unit(c.root))
                .map(|c| c.address.as_str())
                .collect();
            (
                "model-registry",
                "model registry".to_string(),
                groups.join(", "),
            )
        }
        ActionClass::InvokeModel => (
            "model-deployment",
            "model invocation".to_string(),
            String::new(),
        ),
        _ => {
            let endpoints: Vec<&str> = inv
                .endpoints
                .iter()
                .filter(|e| in_unit(e.root))
                .map(|e| e.address.as_str())
                .collect();
            (
                "model-deployment",
                "model endpoints".to_string(),
                endpoints.join(", "),
            )
        }
    }
}

/// Which findings rest on which edges and involve which nodes. A finding rests on an edge when
/// it names the principal (or no principal) and the target (or no target), is about the edge's
/// unit, and either names both or points at the statement behind the edge.
fn attach_findings(nodes: &mut [Node], edges: &mut [Edge], findings: &[(&Finding, Status)]) {
    let mut by_address: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (f, _)) in findings.iter().enumerate() {
        let mut names: Vec<&str> = f
            .principals
            .iter()
            .chain(&f.resources)
            .map(String::as_str)
            .collect();
        names.push(&f.address);
        names.sort_unstable();
        names.dedup();
        for n in names {
            by_address.entry(n).or_default().push(i);
        }
    }
    let in_unit = |f: &Finding, unit: &str| f.units.is_empty() || f.units.iter().any(|u| u == unit);
    for node in nodes.iter_mut() {
        if let Some(list) = by_address.get(node.address.as_str()) {
            node.findings = list
                .iter()
                .copied()
                .filter(|&i| in_unit(findings[i].0, &node.unit))
                .collect();
        }
    }
    // findings that name no principal can still rest on a statement: index them by file
    let mut unnamed_by_file: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, (f, _)) in findings.iter().enumerate() {
        if f.principals.is_empty() {
            unnamed_by_file
                .entry(f.primary.span.file)
                .or_default()
                .push(i);
        }
    }
    // every statement that grants a principal something: a finding that points at one of them
    // rests on the edges that statement makes, not on others between the same ends
    let mut principal_spans: HashMap<usize, Vec<Span>> = HashMap::new();
    for e in edges.iter() {
        principal_spans
            .entry(e.from)
            .or_default()
            .extend(e.grants.iter().map(|g| g.span));
    }
    for e in edges.iter_mut() {
        let (p, t) = (&nodes[e.from], &nodes[e.to]);
        let spans = &principal_spans[&e.from];
        let datastore = t.tier.is_some();
        let mut candidates: Vec<usize> = by_address
            .get(p.address.as_str())
            .cloned()
            .unwrap_or_default();
        for g in &e.grants {
            if let Some(list) = unnamed_by_file.get(&g.span.file) {
                candidates.extend(list);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        e.findings = candidates
            .into_iter()
            .filter(|&i| {
                let f = findings[i].0;
                let names_p = f.principals.contains(&p.address);
                let names_t = datastore && f.resources.contains(&t.address);
                let principal_ok = f.principals.is_empty() || names_p;
                let target_ok = f.resources.is_empty() || names_t;
                let points_at = |s: Span| {
                    overlaps(f.primary.span, s) || f.related.iter().any(|r| overlaps(r.span, s))
                };
                let at_statement = e.grants.iter().any(|g| points_at(g.span));
                let at_other_statement = !at_statement && spans.iter().any(|&s| points_at(s));
                principal_ok
                    && target_ok
                    && in_unit(f, &p.unit)
                    && (at_statement || (names_p && names_t && !at_other_statement))
            })
            .collect();
    }
}

/// Sort nodes into groups: principals by unit, cloud and workload, the rest by unit, cloud and tier
/// (or kind);
/// inside a group, targets by the mean position of the principals that reach them (fewer
/// crossings), principals by address.
fn group(nodes: &mut [Node]) -> Vec<Group> {
    let key = |n: &Node| -> (Side, String, &'static str, usize, String) {
        match n.side {
            Side::Left => {
                let w = if n.workloads.is_empty() {
                    "no workload".to_string()
                } else {
                    n.workloads.join(", ")
                };
                // principals with a workload first, `no workload` last
                (
                    Side::Left,
                    n.unit.clone(),
                    n.cloud,
                    usize::from(n.workloads.is_empty()),
                    w,
                )
            }
            Side::Right => {
                let k = match n.tier {
                    Some(t) => t.to_string(),
                    None if n.kind == "ai-service" => "ai-services".to_string(),
                    None => n.kind.to_string(),
                };
                (Side::Right, n.unit.clone(), n.cloud, right_rank(&k), k)
            }
        }
    };
    let mut by_key: BTreeMap<(Side, String, &'static str, usize, String), Vec<usize>> =
        BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_key.entry(key(n)).or_default().push(i);
    }
    let mut groups = Vec::new();
    for ((side, unit, cloud, _, k), mut members) in by_key {
        members.sort_by(|&a, &b| nodes[a].address.cmp(&nodes[b].address));
        for &m in &members {
            nodes[m].group = groups.len();
        }
        groups.push(Group {
            side,
            unit,
            cloud,
            key: k,
            nodes: members,
        });
    }
    groups
}

/// Order the members of each right-hand group by the mean row of the principals that reach them
/// (the barycenter heuristic), so edges cross less. Rows are the left column's order.
pub fn order_targets(graph: &mut Graph) {
    let mut row: HashMap<usize, usize> = HashMap::new();
    let mut r = 0;
    for g in graph.groups.iter().filter(|g| g.side == Side::Left) {
        for &n in &g.nodes {
            row.insert(n, r);
            r += 1;
        }
    }
    let mut sum: HashMap<usize, (usize, usize)> = HashMap::new();
    for e in &graph.edges {
        let s = sum.entry(e.to).or_default();
        s.0 += row.get(&e.from).copied().unwrap_or(0);
        s.1 += 1;
    }
    for g in graph.groups.iter_mut().filter(|g| g.side == Side::Right) {
        let nodes = &graph.nodes;
        g.nodes.sort_by(|&a, &b| {
            let bary = |n: usize| {
                sum.get(&n)
                    .map_or(usize::MAX, |&(s, c)| s * 1000 / c.max(1))
            };
            (bary(a), &nodes[a].address).cmp(&(bary(b), &nodes[b].address))
        });
    }
}
