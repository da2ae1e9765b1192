//! Access analysis: who can do what to which datastore, through which statement, with IAM's
//! semantics (Allow/Deny, Not* elements, wildcards, resource types) over the inventory.

pub mod catalog;
pub mod matcher;

use crate::model::policy::{Element, Field, Statement};
use crate::model::{Datastore, DatastoreKind, DocumentId, Inventory, PrincipalId};
use catalog::{ActionClass, ActionInfo, ResourceKinds};
use std::collections::{BTreeSet, HashMap};

/// One way a principal reaches a datastore: a statement that grants an action class.
#[derive(Clone, Debug)]
pub struct Grant {
    pub principal: PrincipalId,
    pub datastore: usize,
    pub class: ActionClass,
    /// The IAM actions granted, as the catalog spells them (`s3:GetObject`).
    pub actions: BTreeSet<String>,
    pub document: DocumentId,
    pub statement: usize,
    /// Index into `Inventory::attachments`.
    pub attachment: usize,
    /// An Allow whose conditions could not be decided.
    pub conditional: bool,
    /// Through an action wildcard covering a whole service (`*`, `s3:*`, any `NotAction`).
    pub wildcard_action: bool,
    /// Through a resource wildcard covering every bucket (`*`, `arn:aws:s3:::*`, any `NotResource`).
    pub wildcard_resource: bool,
}

/// What one statement can touch, before principals are considered.
struct Reach {
    /// (datastore, action) pairs.
    pairs: Vec<(usize, &'static ActionInfo)>,
}

pub fn analyze(inv: &Inventory) -> Vec<Grant> {
    let index = matcher::Index::new(&inv.datastores);
    let mut reach_cache: HashMap<(DocumentId, usize), Reach> = HashMap::new();
    let mut reach = |doc: DocumentId, st: &Statement| -> Vec<(usize, &'static ActionInfo)> {
        reach_cache
            .entry((doc, st.index))
            .or_insert_with(|| Reach {
                pairs: statement_reach(st, inv.documents[doc].root, &inv.datastores, &index),
            })
            .pairs
            .clone()
    };
    let mut grants = Vec::new();
    // Denies apply across every identity policy of the principal.
    let mut by_principal: HashMap<PrincipalId, Vec<usize>> = HashMap::new();
    for (i, a) in inv.attachments.iter().enumerate() {
        by_principal.entry(a.principal).or_default().push(i);
    }
    let mut principals: Vec<_> = by_principal.into_iter().collect();
    principals.sort_by_key(|(p, _)| *p);
    for (principal, attachments) in principals {
        let mut denied: BTreeSet<(usize, &'static str)> = BTreeSet::new();
        for &ai in &attachments {
            let doc = inv.attachments[ai].document;
            for st in inv.documents[doc]
                .statements
                .iter()
                .filter(|s| !s.is_allow())
            {
                if !st.conditions.is_empty() {
                    continue; // a conditional Deny removes nothing for certain
                }
                for (ds, action) in reach(doc, st) {
                    denied.insert((ds, action.name));
                }
            }
        }
        for &ai in &attachments {
            let doc = inv.attachments[ai].document;
            for st in inv.documents[doc]
                .statements
                .iter()
                .filter(|s| s.is_allow())
            {
                let wildcard_action = st.actions.as_ref().is_some_and(is_service_wildcard);
                let wildcard_resource = st.resources.as_ref().is_some_and(|f| {
                    f.not
                        || f.items
                            .iter()
                            .any(|e| e.literal().is_some_and(matcher::is_every_bucket))
                });
                let mut by_key: HashMap<(usize, ActionClass), BTreeSet<String>> = HashMap::new();
                for (ds, action) in reach(doc, st) {
                    let Some(class) = action.class else { continue };
                    if denied.contains(&(ds, action.name)) {
                        continue;
                    }
                    by_key
                        .entry((ds, class))
                        .or_default()
                        .insert(action.full_name());
                }
                let mut keys: Vec<_> = by_key.into_iter().collect();
                keys.sort_by_key(|((ds, class), _)| (*ds, *class));
                for ((datastore, class), actions) in keys {
                    grants.push(Grant {
                        principal,
                        datastore,
                        class,
                        actions,
                        document: doc,
                        statement: st.index,
                        attachment: ai,
                        conditional: !st.conditions.is_empty(),
                        wildcard_action,
                        wildcard_resource,
                    });
                }
            }
        }
    }
    grants
}

/// `*`, `s3:*`, or any `NotAction`: a wildcard over a whole service.
fn is_service_wildcard(f: &Field) -> bool {
    f.not
        || f.items.iter().any(|e| {
            e.literal().is_some_and(|s| {
                s == "*"
                    || s.split_once(':')
                        .is_some_and(|(svc, act)| !svc.contains('*') && act == "*")
            })
        })
}

/// Every (datastore, action) pair a statement's Action and Resource elements cover.
fn statement_reach(
    st: &Statement,
    root: usize,
    datastores: &[Datastore],
    index: &matcher::Index,
) -> Vec<(usize, &'static ActionInfo)> {
    let (Some(actions), Some(resources)) = (&st.actions, &st.resources) else {
        return Vec::new();
    };
    let matched = actions_of(actions);
    if !matched.iter().any(|a| a.class.is_some()) {
        return Vec::new();
    }
    let patterns: Vec<String> = resources
        .items
        .iter()
        .filter(|e| !e.unknown)
        .map(|e| index.render(&e.parts, root, datastores))
        .collect();
    // NotResource covers what its patterns do not name: every datastore is a candidate
    let mut candidates: Vec<usize> = Vec::new();
    let mut all = resources.not;
    for p in &patterns {
        match index.candidates(p) {
            matcher::Candidates::All => all = true,
            matcher::Candidates::Some(ids) => candidates.extend(ids),
        }
    }
    if all {
        candidates = (0..datastores.len()).collect();
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut out = Vec::new();
    for i in candidates {
        let ds = &datastores[i];
        let (service, kinds) = match ds.kind {
            DatastoreKind::Bucket => (
                "s3",
                [
                    (ResourceKinds::BUCKET, matcher::bucket_targets(i, ds, false)),
                    (ResourceKinds::OBJECT, matcher::bucket_targets(i, ds, true)),
                ],
            ),
            DatastoreKind::LogGroup => (
                "logs",
                [
                    (
                        ResourceKinds::LOG_GROUP,
                        matcher::log_group_targets(i, ds, false),
                    ),
                    (
                        ResourceKinds::LOG_STREAM,
                        matcher::log_group_targets(i, ds, true),
                    ),
                ],
            ),
        };
        let mut seen: BTreeSet<&'static str> = BTreeSet::new();
        for (kind, target) in &kinds {
            let hit = patterns.iter().any(|p| matcher::matches(p, target));
            let covered = if resources.not { !hit } else { hit };
            if !covered {
                continue;
            }
            for a in matched
                .iter()
                .filter(|a| a.service == service && a.resources.intersects(*kind))
            {
                if seen.insert(a.name) {
                    out.push((i, *a));
                }
            }
        }
    }
    out
}

/// Catalogued actions an Action or NotAction element covers.
fn actions_of(field: &Field) -> Vec<&'static ActionInfo> {
    let listed: Vec<&'static ActionInfo> = field
        .items
        .iter()
        .filter_map(Element::literal)
        .flat_map(catalog::matching)
        .collect();
    if field.not {
        catalog::actions()
            .iter()
            .filter(|a| !listed.iter().any(|l| std::ptr::eq(*l, *a)))
            .collect()
    } else {
        let mut v = listed;
        v.sort_by_key(|a| (a.service, a.name));
        v.dedup_by(|a, b| std::ptr::eq(*a, *b));
        v
    }
}
