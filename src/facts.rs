//! Facts for Cedar: entities for principals, datastores and documents, and one request per access
//! grant or declaration, each with the named spans a rule's `@blame` can point at.

use crate::access::Grant;
use crate::findings::{Located, Related};
use crate::model::{Datastore, Document, Inventory, Principal};
use crate::source::{Sources, Span};
use cedar_policy::{EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use std::collections::HashMap;
use std::str::FromStr;

pub const NAMESPACE: &str = "MLGuard";

/// One request to Cedar, with everything a finding needs if a rule forbids it.
#[derive(Clone, Debug)]
pub struct Fact {
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resource: EntityUid,
    pub context: Vec<(String, RestrictedExpression)>,
    /// Named spans (`statement`, `action`, `resource`, `attachment`, `block`, ...), in the order
    /// of preference when a rule names none.
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

fn set<'a>(items: impl IntoIterator<Item = &'a String>) -> RestrictedExpression {
    RestrictedExpression::new_set(items.into_iter().map(|i| s(i.clone())))
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

fn block(span: Span, address: &str) -> Located {
    Located {
        span,
        address: strip_keys(address),
        path: String::new(),
    }
}

fn principal_entity(i: usize, p: &Principal) -> cedar_policy::Entity {
    let mut attrs = vec![
        ("address".to_string(), s(&p.address)),
        ("kind".to_string(), s(p.kind.as_str())),
        ("workloads".to_string(), set(&p.workloads)),
        ("workload_reason".to_string(), s(&p.workload_reason.text)),
        ("unknown".to_string(), set(&p.unknown)),
    ];
    if let Some(n) = &p.name {
        attrs.push(("name".to_string(), s(n)));
    }
    let tags = p.tags.map.iter().map(|(k, v)| (k.clone(), s(v)));
    cedar_policy::Entity::new_with_tags(principal_uid(i), attrs, [], tags)
        .expect("principal attributes are plain values")
}

fn datastore_entity(i: usize, d: &Datastore) -> cedar_policy::Entity {
    let mut attrs = vec![
        ("address".to_string(), s(&d.address)),
        ("kind".to_string(), s(d.kind.as_str())),
        ("tier_reason".to_string(), s(&d.tier_reason.text)),
        ("unknown".to_string(), set(&d.unknown)),
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

fn document_entity(i: usize, d: &Document) -> cedar_policy::Entity {
    let attrs = [
        ("address".to_string(), s(&d.owner)),
        ("kind".to_string(), s(d.kind.as_str())),
        (
            "statements".to_string(),
            RestrictedExpression::new_long(d.statements.len() as i64),
        ),
    ];
    cedar_policy::Entity::new(
        document_uid(i),
        attrs.into_iter().collect(),
        Default::default(),
    )
    .expect("document attributes are plain values")
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

pub fn action_uid(name: &str) -> EntityUid {
    uid("Action", name)
}

fn tier_label(d: &Datastore) -> String {
    match d.tier {
        Some(t) => format!("{} tier, from {}", t.as_str(), d.tier_reason.text),
        None => format!("unclassified: {}", d.tier_reason.text),
    }
}

pub fn build(inv: &Inventory, grants: &[Grant], sources: &Sources) -> Facts {
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
            .map(|(i, d)| datastore_entity(i, d)),
    );
    entities.extend(
        inv.documents
            .iter()
            .enumerate()
            .map(|(i, d)| document_entity(i, d)),
    );

    let mut facts = Vec::with_capacity(grants.len() + inv.datastores.len() + inv.documents.len());
    let repo = uid("Repo", "scan");
    for (i, d) in inv.datastores.iter().enumerate() {
        let mut spans = vec![("block", block(d.span, &d.address))];
        if let Some(t) = d.tags.span {
            spans.insert(
                0,
                (
                    "tags",
                    Located {
                        span: t,
                        address: strip_keys(&d.address),
                        path: "tags".into(),
                    },
                ),
            );
            spans.rotate_left(1); // the block stays the default
        }
        facts.push(Fact {
            principal: repo.clone(),
            action: action_uid("declare"),
            resource: datastore_uid(i),
            context: Vec::new(),
            spans,
            related: Vec::new(),
            principals: Vec::new(),
            resources: vec![d.address.clone()],
            vars: vec![(
                "tier",
                d.tier.map_or("unclassified", |t| t.as_str()).to_string(),
            )],
            address: d.address.clone(),
        });
    }
    for (i, d) in inv.documents.iter().enumerate() {
        facts.push(Fact {
            principal: repo.clone(),
            action: action_uid("declare"),
            resource: document_uid(i),
            context: Vec::new(),
            spans: vec![("document", block(d.span, &d.owner))],
            related: Vec::new(),
            principals: Vec::new(),
            resources: Vec::new(),
            vars: Vec::new(),
            address: d.owner.clone(),
        });
    }
    let mut workloads_cache: HashMap<usize, String> = HashMap::new();
    for g in grants {
        let p = &inv.principals[g.principal];
        let d = &inv.datastores[g.datastore];
        let doc = &inv.documents[g.document];
        let att = &inv.attachments[g.attachment];
        let st = &doc.statements[g.statement];
        let stmt_loc = |span: Span, path: String| Located {
            span,
            address: strip_keys(&doc.owner),
            path,
        };
        let attachment = block(att.span, &att.address);
        let mut spans = Vec::new();
        if doc.external {
            // the statement is not in a scanned file: point at what brought it in
            spans.push(("statement", attachment.clone()));
        } else {
            spans.push(("statement", stmt_loc(st.span, st.path.clone())));
            if let Some(a) = &st.actions {
                spans.push(("action", stmt_loc(a.span, format!("{}.Action", st.path))));
            }
            if let Some(r) = &st.resources {
                spans.push((
                    "resource",
                    stmt_loc(r.span, format!("{}.Resource", st.path)),
                ));
            }
            spans.push(("document", stmt_loc(doc.span, String::new())));
        }
        spans.push(("attachment", attachment));
        let mut related = Vec::new();
        if !att.span.contains(&st.span) {
            related.push(Related {
                span: att.span,
                label: format!("attached to `{}` here", p.address),
            });
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
            ("actions".to_string(), set(&g.actions)),
            (
                "conditional".to_string(),
                RestrictedExpression::new_bool(g.conditional),
            ),
            (
                "wildcard_action".to_string(),
                RestrictedExpression::new_bool(g.wildcard_action),
            ),
            (
                "wildcard_resource".to_string(),
                RestrictedExpression::new_bool(g.wildcard_resource),
            ),
            ("via".to_string(), s(doc.kind.as_str())),
        ];
        facts.push(Fact {
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
        });
    }
    Facts { entities, facts }
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
