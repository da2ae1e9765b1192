//! Azure role assignments, ACL entries and public containers as resolved bindings
//! (`access::bindings`), from what `access::azure` says each one grants.

use super::azure::{ace_reach, assignment_reach, Reach, Store};
use super::bindings::{Member, Resolved};
use super::catalog::ActionClass;
use crate::config::Config;
use crate::model::azure_build::AzureUnit;
use crate::model::{DatastoreId, Inventory, PrincipalId};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Every Azure binding of the inventory, resolved.
pub fn resolve(inv: &Inventory, _config: &Config) -> Vec<Resolved> {
    let mut out = Vec::new();
    for unit in &inv.azure.units {
        for (ai, document, principals) in &unit.assignments {
            let reach = assignment_reach(&unit.front, &unit.front.assignments[*ai]);
            out.push(resolved(unit, *document, 0, principals, &reach, false));
        }
        for (ei, document, statement, principals) in &unit.aces {
            let reach = ace_reach(&unit.front, *ei);
            out.push(resolved(
                unit, *document, *statement, principals, &reach, false,
            ));
        }
        for (ci, document, anyone) in &unit.public {
            let mut reach = Reach {
                role_known: true,
                ..Reach::default()
            };
            let store = Store::Container(*ci);
            reach
                .stores
                .entry((store, ActionClass::Read))
                .or_default()
                .insert("anonymous blob read".into());
            if unit.front.containers[*ci].access_type.as_deref() == Some("container") {
                reach
                    .stores
                    .entry((store, ActionClass::List))
                    .or_default()
                    .insert("anonymous container list".into());
            }
            out.push(resolved(unit, *document, 0, &[*anyone], &reach, true));
        }
    }
    out
}

fn store_id(unit: &AzureUnit, s: Store) -> Option<DatastoreId> {
    match s {
        Store::Container(i) => unit.containers.get(i).copied(),
        Store::LogWorkspace(i) => unit.log_workspaces.get(i).copied(),
        Store::AppInsights(i) => unit.app_insights.get(i).copied(),
    }
}

fn resolved(
    unit: &AzureUnit,
    document: usize,
    statement: usize,
    principals: &[PrincipalId],
    reach: &Reach,
    public: bool,
) -> Resolved {
    Resolved {
        document,
        statement,
        members: principals
            .iter()
            .map(|&p| Member {
                principal: p,
                through: None,
            })
            .collect(),
        stores: reach
            .stores
            .iter()
            .filter_map(|((s, class), ops)| {
                Some((store_id(unit, *s)?, *class, Arc::new(ops.clone())))
            })
            .collect(),
        control: reach
            .control
            .iter()
            .map(|(c, ops)| (*c, ops.iter().cloned().collect::<BTreeSet<String>>()))
            .collect(),
        wildcard_action: reach.wildcard_action,
        wildcard_resource: reach.wildcard_resource,
        public,
        conditional: reach.conditional,
        ..Resolved::default()
    }
}
