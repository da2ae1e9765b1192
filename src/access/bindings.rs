//! Access through role bindings, the model of every cloud but AWS: a role (a set of
//! permissions) granted to members on a scope (an organization, folder, project, bucket,
//! dataset, table; an Azure management group, subscription, resource group, account,
//! container). A cloud's front end (`access::gcp`) resolves each binding statement to the
//! principals it reaches, the datastores under its scope and the action classes of the role's
//! permissions; this module turns that into the same grants, statement reach and document tiers
//! the AWS IAM analysis produces, so facts, rules and reports do not know which cloud they read.

use super::catalog::ActionClass;
use super::{firm_tier, Analysis, ControlGrant, Coverage, Grant};
use crate::model::classify::Tier;
use crate::model::{DocumentId, Inventory, PrincipalId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What one binding statement (`documents[document].statements[statement]`) grants, resolved
/// by the cloud's front end.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub document: DocumentId,
    pub statement: usize,
    /// Principals the binding reaches (members, members of convenience groups, principals that
    /// can act as a member service account, with `through` set on those).
    pub members: Vec<Member>,
    /// Datastores under its scope, each with the classes the role grants there and the
    /// permissions behind each class (`storage.objects.get`).
    pub stores: Vec<(usize, ActionClass, Arc<BTreeSet<String>>)>,
    /// Control-plane classes (approve-model, deploy-model, invoke-model) with their permissions.
    pub control: Vec<(ActionClass, BTreeSet<String>)>,
    /// The role covers every data permission of a service (`roles/storage.admin`,
    /// `roles/owner`, a custom role listing them all): the wildcard of DT005.
    pub wildcard_action: bool,
    /// The scope is wider than one datastore (a project, folder or organization): the
    /// resource wildcard of DT005 when the role is broad.
    pub wildcard_resource: bool,
    /// A member is the public (`allUsers`, `allAuthenticatedUsers`).
    pub public: bool,
    /// An IAM condition the analysis cannot decide.
    pub conditional: bool,
    /// Grants reached through another principal (impersonation): they add grants, but the
    /// statement's own reach (DT001, DT005, DT006) stays what its role gives on its scope.
    pub derived: bool,
    /// How much of each datastore it covers; `None` is the whole resource (a binding is on a
    /// bucket, dataset or table, or a scope above it), `Part` one object's ACL.
    pub coverage: Option<Coverage>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Member {
    pub principal: PrincipalId,
    /// The service accounts whose rights it uses (impersonation), when not its own: it acts as
    /// the first, which acts as the next, ...
    pub through: Option<Arc<[PrincipalId]>>,
}

/// Add what the resolved bindings grant to the analysis: one grant per (member, datastore,
/// class), one control grant per (member, class), and per statement and document the tiers it
/// reaches, like `access::analyze` does for IAM statements.
pub fn apply(inv: &Inventory, resolved: &[Resolved], out: &mut Analysis) {
    if out.document_tiers.len() < inv.documents.len() {
        out.document_tiers
            .resize(inv.documents.len(), BTreeSet::new());
        out.document_firm_tiers
            .resize(inv.documents.len(), BTreeSet::new());
    }
    let mut doc_tiers: BTreeMap<DocumentId, (BTreeSet<Tier>, BTreeSet<Tier>)> = BTreeMap::new();
    for r in resolved.iter().filter(|r| !r.derived) {
        let entry = out.statements.entry((r.document, r.statement)).or_default();
        entry.public |= r.public;
        entry.wildcard_action |= r.wildcard_action;
        entry.wildcard_resource |= r.wildcard_resource && r.wildcard_action;
        let dt = doc_tiers.entry(r.document).or_default();
        for (ds, class, _) in &r.stores {
            let d = &inv.datastores[*ds];
            if let Some(t) = d.tier {
                entry.tiers.insert(t);
            }
            if let Some(t) = firm_tier(d) {
                entry.firm_tiers.insert(t);
            }
            if matches!(class, ActionClass::Read | ActionClass::Write) {
                if let Some(t) = d.tier.filter(|t| t.is_data_tier()) {
                    entry.data_tiers.insert(t);
                    dt.0.insert(t);
                }
                if let Some(t) = firm_tier(d).filter(|t| t.is_data_tier()) {
                    entry.firm_data_tiers.insert(t);
                    dt.1.insert(t);
                }
            }
        }
    }
    for r in resolved {
        for m in &r.members {
            for (ds, class, actions) in &r.stores {
                out.grants.push(Grant {
                    principal: m.principal,
                    datastore: *ds,
                    class: *class,
                    actions: actions.clone(),
                    document: r.document,
                    statement: r.statement,
                    attachment: None,
                    conditional: r.conditional,
                    wildcard_action: r.wildcard_action,
                    wildcard_resource: r.wildcard_resource,
                    kms_gate: "not-needed",
                    // conditions that narrow a binding keep the grant `conditional`
                    coverage: r.coverage.unwrap_or(Coverage::Whole),
                    through: m.through.clone(),
                });
            }
            for (class, actions) in &r.control {
                out.control.push(ControlGrant {
                    principal: m.principal,
                    class: *class,
                    actions: actions.clone(),
                    document: r.document,
                    statement: r.statement,
                    attachment: None,
                    conditional: r.conditional,
                });
            }
        }
    }
    for (d, (tiers, firm)) in doc_tiers {
        out.document_tiers[d].extend(tiers);
        out.document_firm_tiers[d].extend(firm);
    }
}
