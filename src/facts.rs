//! Facts for Cedar: entities for principals, datastores, documents and statements, and one
//! request per access grant or declaration, each carrying the named spans a rule's `@blame` can
//! point at and the values its `@message` can show.

use crate::access::{Analysis, Grant};
use crate::findings::{Located, Related};
use crate::model::{Datastore, Document, Inventory, Principal};
use crate::source::{Sources, Span};
use cedar_policy::{EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

pub const NAMESPACE: &str = "MLGuard";

/// One request to Cedar, with everything a finding needs if a rule forbids it.
#[derive(Clone, Debug)]
pub struct Fact {
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resource: EntityUid,
    pub context: Vec<(String, RestrictedExpression)>,
    /// Named spans (`statement`, `action`, `resource`, `wildcard`, `attachment`, `block`, ...), in
    /// the order of preference when a rule names none.
    pub spans: Vec<(&'static str, Located)>,
    pub related: Vec<Related>,
    pub principals: Vec<String>,
    pub resources: Vec<String>,
    /// Values for message placeholders (`workloads`, `tier`, `actions`, `attribute`, `value`).
    pub vars: Vec<(&'static str, String)>,
    /// The address (with instance keys) of the resource the fact is about.
    pub address: String,
}

pub struct Facts {
    pub entities: Vec<cedar_policy::Entity>,
    pub facts: Vec<Fact>,
}

pub fn uid(kind: &str, id: &str) -> EntityUid {
    let name = EntityTypeName::from_str(&format!("{NAMESPACE}::{kind}"))
        .expect("entity type names are fixed identifiers");
    EntityUid::from_type_name_and_id(name, EntityId::new(id))
}

fn s(v: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(v.into())
}

fn set<I: IntoIterator<Item = T>, T: Into<String>>(items: I) -> RestrictedExpression {
    RestrictedExpression::new_set(items.into_iter().map(|i| s(i)))
}

fn b(v: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(v)
}

/// `module.a["x"].aws_iam_role.r[0]` -> `module.a.aws_iam_role.r`: fingerprints ignore instance keys.
pub fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_str = false;
    for c in address.chars() {
        match (c, in_str) {
            ('"', _) if depth > 0 => in_str = !in_str,
            ('[', false) => depth += 1,
            (']', false) if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn located(span: Span, address: &str, path: impl Into<String>) -> Located {
    Located {
        span,
        address: strip_keys(address),
        path: path.into(),
    }
}

pub fn principal_uid(i: usize) -> EntityUid {
    uid("Principal", &format!("p{i}"))
}

pub fn datastore_uid(i: usize) -> EntityUid {
    uid("Datastore", &format!("d{i}"))
}

pub fn document_uid(i: usize) -> EntityUid {
    uid("PolicyDocument", &format!("doc{i}"))
}

pub fn statement_uid(doc: usize, st: usize) -> EntityUid {
    uid("Statement", &format!("doc{doc}/{st}"))
}

pub fn action_uid(name: &str) -> EntityUid {
    uid("Action", name)
}

fn principal_entity(i: usize, p: &Principal) -> cedar_policy::Entity {
    let mut attrs = vec![
        ("address".to_string(), s(&p.address)),
        ("kind".to_string(), s(p.kind.as_str())),
        ("workloads".to_string(), set(p.workloads.iter().cloned())),
        ("workload_reason".to_string(), s(&p.workload_reason.text)),
        ("in_configuration".to_string(), b(p.is_internal())),
        (
            "inference_log_reader".to_string(),
            b(p.inference_log_reader),
        ),
        ("unknown".to_string(), set(p.unknown.iter().cloned())),
    ];
    if let Some(n) = &p.name {
        attrs.push(("name".to_string(), s(n)));
    }
    let tags = p.tags.map.iter().map(|(k, v)| (k.clone(), s(v)));
    cedar_policy::Entity::new_with_tags(principal_uid(i), attrs, [], tags)
        .expect("principal attributes are plain values")
}

fn datastore_entity(i: usize, d: &Datastore, all: &[Datastore]) -> cedar_policy::Entity {
    let mut attrs = vec![
        ("address".to_string(), s(&d.address)),
        ("kind".to_string(), s(d.kind.as_str())),
        ("label".to_string(), s(d.label(all))),
        ("tier_reason".to_string(), s(&d.tier_reason.text)),
        ("roles".to_string(), set(d.roles.iter().map(|t| t.as_str()))),
        ("unknown".to_string(), set(d.unknown.iter().cloned())),
    ];
    if let Some(n) = &d.name {
        attrs.push(("name".to_string(), s(n)));
    }
    if let Some(t) = d.tier {
        attrs.push(("tier".to_string(), s(t.as_str())));
    }
    let tags = d.tags.map.iter().map(|(k, v)| (k.clone(), s(v)));
    cedar_policy::Entity::new_with_tags(datastore_uid(i), attrs, [], tags)
        .expect("datastore attributes are plain values")
}

fn document_entity(i: usize, d: &Document, analysis: &Analysis) -> cedar_policy::Entity {
    let tiers = analysis.document_tiers.get(i).cloned().unwrap_or_default();
    let attrs = [
        ("address".to_string(), s(&d.owner)),
        ("name".to_string(), s(&d.name)),
        ("kind".to_string(), s(d.kind.as_str())),
        ("boundary".to_string(), b(d.boundary)),
        (
            "statements".to_string(),
            RestrictedExpression::new_long(d.statements.len() as i64),
        ),
        (
            "data_tiers".to_string(),
            set(tiers.iter().map(|t| t.as_str())),
        ),
    ];
    cedar_policy::Entity::new(
        document_uid(i),
        attrs.into_iter().collect(),
        Default::default(),
    )
    .expect("document attributes are plain values")
}

fn tier_label(d: &Datastore) -> String {
    match d.tier {
        Some(t) => format!("{} tier, from {}", t.as_str(), d.tier_reason.text),
        None => format!("unclassified: {}", d.tier_reason.text),
    }
}

pub fn build(inv: &Inventory, analysis: &Analysis, sources: &Sources) -> Facts {
    let _ = sources;
    let mut entities =
        Vec::with_capacity(inv.principals.len() + inv.datastores.len() + inv.documents.len() + 1);
    entities.push(cedar_policy::Entity::new_no_attrs(
        uid("Repo", "scan"),
        Default::default(),
    ));
    entities.extend(
        inv.principals
            .iter()
            .enumerate()
            .map(|(i, p)| principal_entity(i, p)),
    );
    entities.extend(
        inv.datastores
            .iter()
            .enumerate()
            .map(|(i, d)| datastore_entity(i, d, &inv.datastores)),
    );
    entities.extend(
        inv.documents
            .iter()
            .enumerate()
            .map(|(i, d)| document_entity(i, d, analysis)),
    );

    let mut facts =
        Vec::with_capacity(analysis.grants.len() + inv.datastores.len() + inv.documents.len());
    let repo = uid("Repo", "scan");
    let declare = |resource: EntityUid, spans: Vec<(&'static str, Located)>, address: &str| Fact {
        principal: repo.clone(),
        action: action_uid("declare"),
        resource,
        context: Vec::new(),
        spans,
        related: Vec::new(),
        principals: Vec::new(),
        resources: Vec::new(),
        vars: Vec::new(),
        address: address.to_string(),
    };
    for (i, d) in inv.datastores.iter().enumerate() {
        let mut spans = vec![("block", located(d.span, &d.address, ""))];
        if let Some(t) = d.tags.span {
            spans.push(("tags", located(t, &d.address, "tags")));
        }
        let mut f = declare(datastore_uid(i), spans, &d.address);
        f.resources = vec![d.address.clone()];
        f.vars = vec![(
            "tier",
            d.tier.map_or("unclassified", |t| t.as_str()).to_string(),
        )];
        facts.push(f);
    }
    for (i, d) in inv.documents.iter().enumerate() {
        let mut f = declare(
            document_uid(i),
            vec![("document", located(d.span, &d.owner, ""))],
            &d.owner,
        );
        let tiers = analysis.document_tiers.get(i).cloned().unwrap_or_default();
        f.vars = vec![
            (
                "tier",
                tiers
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("value", d.name.clone()),
        ];
        // each statement that reaches a tier is a related location
        for st in &d.statements {
            let reach = analysis.statements.get(&(i, st.index));
            let st_tiers: BTreeSet<&str> = reach
                .map(|r| r.data_tiers.iter().map(|t| t.as_str()).collect())
                .unwrap_or_default();
            if !st_tiers.is_empty() && !d.external {
                f.related.push(Related {
                    span: st.span,
                    label: format!(
                        "reaches {}",
                        st_tiers.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        facts.push(f);
    }
    statement_facts(inv, analysis, &mut entities, &mut facts);
    let mut workloads_cache: HashMap<usize, String> = HashMap::new();
    for g in &analysis.grants {
        facts.push(grant_fact(inv, g, &mut workloads_cache));
    }
    Facts { entities, facts }
}

/// One `Statement` entity and declaration per statement of a scanned document.
fn statement_facts(
    inv: &Inventory,
    analysis: &Analysis,
    entities: &mut Vec<cedar_policy::Entity>,
    facts: &mut Vec<Fact>,
) {
    for (d, doc) in inv.documents.iter().enumerate() {
        for st in &doc.statements {
            let reach = analysis
                .statements
                .get(&(d, st.index))
                .cloned()
                .unwrap_or_default();
            let attrs = [
                (
                    "document".to_string(),
                    RestrictedExpression::new_entity_uid(document_uid(d)),
                ),
                (
                    "effect".to_string(),
                    s(if st.is_allow() { "Allow" } else { "Deny" }),
                ),
                ("document_kind".to_string(), s(doc.kind.as_str())),
                ("boundary".to_string(), b(doc.boundary)),
                ("wildcard_action".to_string(), b(reach.wildcard_action)),
                ("wildcard_resource".to_string(), b(reach.wildcard_resource)),
                ("conditional".to_string(), b(!st.conditions.is_empty())),
                (
                    "data_tiers".to_string(),
                    set(reach.data_tiers.iter().map(|t| t.as_str())),
                ),
                (
                    "unknown".to_string(),
                    set(if st.unknown {
                        vec!["elements".to_string()]
                    } else {
                        Vec::new()
                    }),
                ),
            ];
            entities.push(
                cedar_policy::Entity::new(
                    statement_uid(d, st.index),
                    attrs.into_iter().collect(),
                    Default::default(),
                )
                .expect("statement attributes are plain values"),
            );
            let at = |span: Span, path: String| located(span, &doc.owner, path);
            let mut spans = Vec::new();
            if !doc.external {
                spans.push(("statement", at(st.span, st.path.clone())));
                // the element that carries the wildcard: the action when it is one, else the resource
                let wildcard = match (&st.actions, &st.resources) {
                    (Some(a), _) if reach.wildcard_action => {
                        Some(at(a.span, format!("{}.Action", st.path)))
                    }
                    (_, Some(r)) if reach.wildcard_resource => {
                        Some(at(r.span, format!("{}.Resource", st.path)))
                    }
                    _ => None,
                };
                if let Some(w) = wildcard {
                    spans.push(("wildcard", w));
                }
                if let Some(a) = &st.actions {
                    spans.push(("action", at(a.span, format!("{}.Action", st.path))));
                }
                if let Some(r) = &st.resources {
                    spans.push(("resource", at(r.span, format!("{}.Resource", st.path))));
                }
            }
            spans.push(("document", at(doc.span, String::new())));
            let mut related = Vec::new();
            let mut principals = BTreeSet::new();
            let mut resources = BTreeSet::new();
            for g in analysis
                .grants
                .iter()
                .filter(|g| g.document == d && g.statement == st.index)
            {
                principals.insert(inv.principals[g.principal].address.clone());
                let ds = &inv.datastores[g.datastore];
                if ds.tier.is_some_and(|t| t.is_data_tier()) {
                    resources.insert(ds.address.clone());
                }
            }
            for ds in inv
                .datastores
                .iter()
                .filter(|ds| resources.contains(&ds.address))
            {
                let r = Related {
                    span: ds.span,
                    label: format!("`{}`: {}", ds.address, tier_label(ds)),
                };
                if !related.contains(&r) {
                    related.push(r);
                }
            }
            facts.push(Fact {
                principal: uid("Repo", "scan"),
                action: action_uid("declare"),
                resource: statement_uid(d, st.index),
                context: Vec::new(),
                spans,
                related,
                principals: principals.into_iter().collect(),
                resources: resources.into_iter().collect(),
                vars: vec![
                    (
                        "tier",
                        reach
                            .data_tiers
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    ("value", doc.name.clone()),
                ],
                address: doc.owner.clone(),
            });
        }
    }
}

fn grant_fact(inv: &Inventory, g: &Grant, workloads_cache: &mut HashMap<usize, String>) -> Fact {
    let p = &inv.principals[g.principal];
    let d = &inv.datastores[g.datastore];
    let doc = &inv.documents[g.document];
    let st = &doc.statements[g.statement];
    let at = |span: Span, path: String| located(span, &doc.owner, path);
    let attachment = g.attachment.map(|a| &inv.attachments[a]);
    let mut spans = Vec::new();
    match (doc.external, attachment) {
        // the statement is not in a scanned file: point at what brought it in
        (true, Some(att)) => spans.push(("statement", located(att.span, &att.address, ""))),
        _ => {
            spans.push(("statement", at(st.span, st.path.clone())));
            if let Some(a) = &st.actions {
                spans.push(("action", at(a.span, format!("{}.Action", st.path))));
            }
            if let Some(r) = &st.resources {
                spans.push(("resource", at(r.span, format!("{}.Resource", st.path))));
            }
            spans.push(("document", at(doc.span, String::new())));
        }
    }
    spans.push(("datastore", located(d.span, &d.address, "")));
    let mut related = Vec::new();
    if let Some(att) = attachment {
        spans.push(("attachment", located(att.span, &att.address, "")));
        if !att.span.contains(&st.span) {
            related.push(Related {
                span: att.span,
                label: format!("attached to `{}` here", p.address),
            });
        }
    }
    related.push(Related {
        span: d.span,
        label: format!("`{}`: {}", d.address, tier_label(d)),
    });
    let workloads = workloads_cache
        .entry(g.principal)
        .or_insert_with(|| {
            if p.workloads.is_empty() {
                "no workload".to_string()
            } else {
                p.workloads.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        })
        .clone();
    let context = vec![
        ("actions".to_string(), set(g.actions.iter().cloned())),
        ("conditional".to_string(), b(g.conditional)),
        ("wildcard_action".to_string(), b(g.wildcard_action)),
        ("wildcard_resource".to_string(), b(g.wildcard_resource)),
        ("via".to_string(), s(doc.kind.as_str())),
    ];
    Fact {
        principal: principal_uid(g.principal),
        action: action_uid(g.class.as_str()),
        resource: datastore_uid(g.datastore),
        context,
        spans,
        related,
        principals: vec![p.address.clone()],
        resources: vec![d.address.clone()],
        vars: vec![
            ("workloads", workloads),
            (
                "tier",
                d.tier.map_or("unclassified", |t| t.as_str()).to_string(),
            ),
            (
                "actions",
                g.actions.iter().cloned().collect::<Vec<_>>().join(", "),
            ),
            (
                "conditional",
                if g.conditional { " (conditional)" } else { "" }.to_string(),
            ),
        ],
        address: doc.owner.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys_are_stripped_from_addresses() {
        assert_eq!(
            strip_keys(r#"module.team["a[b]"].aws_iam_role.this[0]"#),
            "module.team.aws_iam_role.this"
        );
    }
}
