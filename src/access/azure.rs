//! Azure RBAC semantics: what one role assignment, or one ADLS Gen2 ACL entry, lets its
//! assignee do to which container, Log Analytics workspace or Application Insights component,
//! and which model control-plane rights it carries.
//!
//! - A role grants an operation when its actions (or dataActions) match it and its notActions
//!   (notDataActions) do not (`azure_roles`); the assignment's scope reaches every resource
//!   below it (management group > subscription > resource group > account > container); a
//!   management group whose declared subscriptions leave out the deployment's reaches none
//!   of it.
//! - `listKeys`, `ListAccountSas` and `listServiceSas` on an account whose shared-key access is
//!   not disabled (`shared_access_key_enabled` absent or true) read and write every container
//!   of the account: control-plane roles such as Contributor are data readers there.
//! - An ABAC `condition` makes every grant of the assignment conditional (never dropped), and
//!   so does PIM eligibility: the principal gets the role when it activates it, which it may
//!   do at any time the role's policy allows.
//! - An unknown role, scope or assignee grants nothing (never guessed); a role name the
//!   built-in table does not know is listed so users see it.
//! - ACL entries (`ace` with `r`/`w`, after the ACL's `mask`) grant read/write on their
//!   filesystem outside RBAC; `default` entries grant it on data written later under the
//!   path, which is the filesystem's data too.

use super::azure_roles::{self, Operation, RoleDefinition, Target};
use super::catalog::ActionClass;
use crate::model::azure::{Azure, RoleAssignment, RoleRef, Scope};
use std::collections::{BTreeMap, BTreeSet};

/// A store of the Azure front end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Store {
    Container(usize),
    LogWorkspace(usize),
    AppInsights(usize),
}

/// What one assignment (or ACL entry) grants.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// Per store and class, the operations behind it.
    pub stores: BTreeMap<(Store, ActionClass), BTreeSet<String>>,
    /// Control-plane classes (approve-model, deploy-model, invoke-model, and
    /// manage-permissions at a scope).
    pub control: BTreeMap<ActionClass, BTreeSet<String>>,
    /// The role has a pattern covering every operation of a service (`*`, `Microsoft.Storage/*`)
    /// behind some data grant.
    pub wildcard_action: bool,
    /// The scope is wider than one resource (resource group, subscription, management group).
    pub wildcard_resource: bool,
    pub conditional: bool,
    /// The role is known (built-in or custom in the configuration).
    pub role_known: bool,
}

/// The role definition an assignment names, when known.
pub fn role_of<'a>(az: &'a Azure, a: &RoleAssignment) -> Option<&'a RoleDefinition> {
    match &a.role {
        RoleRef::Builtin(name) => {
            azure_roles::builtin_by_name(name).or_else(|| azure_roles::builtin_by_id(name))
        }
        RoleRef::Custom(i) => az.role_definitions.get(*i).map(|r| &r.definition),
        RoleRef::Unknown => None,
    }
}

/// What a role assignment grants, after Azure's scope inheritance and the key paths.
pub fn assignment_reach(az: &Azure, a: &RoleAssignment) -> Reach {
    let mut out = Reach {
        conditional: a.condition || a.eligible,
        wildcard_resource: a.scope.is_broad(),
        ..Reach::default()
    };
    let Some(role) = role_of(az, a) else {
        return out;
    };
    out.role_known = true;
    if a.scope == Scope::Unknown || a.scope == Scope::Other {
        return out;
    }
    // a management group whose declared subscriptions leave out this deployment's reaches
    // nothing of it
    if let Some(group) = &a.management_group {
        if az.management_group_holds_unit(group) == Some(false) {
            return out;
        }
    }
    let ops = role.operations();
    // what the scope covers, once per assignment (not once per operation)
    let containers: Vec<usize> = (0..az.containers.len())
        .filter(|&c| az.covers_container(&a.scope, c))
        .collect();
    let keyed: Vec<(usize, bool)> = (0..az.containers.len())
        .filter_map(|c| {
            let acc = az.containers[c].account?;
            az.covers_account(&a.scope, acc).then(|| {
                // the account key reads and writes every container unless shared-key access is
                // off; unknown means no grant (never guessed)
                (
                    c,
                    az.accounts[acc].shared_key.or_default(true) == Some(true),
                )
            })
        })
        .collect();
    let workspaces: Vec<usize> = (0..az.log_workspaces.len())
        .filter(|&w| az.covers_log_workspace(&a.scope, w))
        .collect();
    let insights: Vec<usize> = (0..az.app_insights.len())
        .filter(|&w| match &a.scope {
            Scope::ManagementGroup | Scope::Subscription => true,
            Scope::AppInsights(x) => *x == w,
            _ => false,
        })
        .collect();
    let add = |store: Store, class: ActionClass, op: &Operation, out: &mut Reach| {
        out.stores
            .entry((store, class))
            .or_default()
            .insert(op.name.to_string());
        if matches!(class, ActionClass::Read | ActionClass::Write) && role.wildcard_for(op) {
            out.wildcard_action = true;
        }
    };
    for op in &ops {
        match op.target {
            Target::Container => {
                for &c in &containers {
                    add(Store::Container(c), op.class, op, &mut out);
                }
            }
            Target::StorageAccount => {
                for &(c, key_works) in &keyed {
                    add(Store::Container(c), ActionClass::Admin, op, &mut out);
                    if op.key && key_works {
                        add(Store::Container(c), ActionClass::Read, op, &mut out);
                        add(Store::Container(c), ActionClass::Write, op, &mut out);
                    }
                }
            }
            Target::LogWorkspace => {
                for &w in &workspaces {
                    add(Store::LogWorkspace(w), op.class, op, &mut out);
                }
            }
            Target::AppInsights => {
                for &w in &insights {
                    add(Store::AppInsights(w), op.class, op, &mut out);
                }
            }
            Target::MlWorkspace | Target::CognitiveAccount => {
                let fits = match (&a.scope, op.target) {
                    (Scope::MlWorkspace(_), Target::CognitiveAccount)
                    | (Scope::Cognitive(_), Target::MlWorkspace) => false,
                    (s, _) => az.covers_control(s),
                };
                if fits {
                    out.control
                        .entry(op.class)
                        .or_default()
                        .insert(op.name.to_string());
                }
            }
            Target::Any => {
                // granting roles at a scope manages permissions of everything below it
                for &c in &containers {
                    add(Store::Container(c), op.class, op, &mut out);
                }
                for &w in &workspaces {
                    add(Store::LogWorkspace(w), op.class, op, &mut out);
                }
            }
        }
    }
    out
}

/// What an ADLS Gen2 ACL entry grants on its filesystem (data access outside RBAC).
pub fn ace_reach(az: &Azure, ace: usize) -> Reach {
    let e = &az.aces[ace];
    let mut out = Reach {
        role_known: true,
        ..Reach::default()
    };
    let store = Store::Container(e.container);
    // the operation names say which ACL granted it: the path's own, or the default ACL its
    // new children inherit
    let scope = if e.default_scope {
        "default ACL"
    } else {
        "ACL"
    };
    if e.read {
        out.stores
            .entry((store, ActionClass::Read))
            .or_default()
            .insert(format!("{scope} r"));
    }
    if e.write {
        out.stores
            .entry((store, ActionClass::Write))
            .or_default()
            .insert(format!("{scope} w"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::azure::tests::eval;

    const BASE: &str = r#"
data "azurerm_subscription" "current" {}
resource "azurerm_resource_group" "rg" {
  name     = "rg-ml"
  location = "westeurope"
}
resource "azurerm_storage_account" "lake" {
  name                = "acmelake"
  resource_group_name = azurerm_resource_group.rg.name
}
resource "azurerm_storage_account" "locked" {
  name                      = "acmelocked"
  resource_group_name       = azurerm_resource_group.rg.name
  shared_access_key_enabled = false
}
resource "azurerm_storage_container" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.lake.id
}
resource "azurerm_storage_container" "features" {
  name               = "features"
  storage_account_id = azurerm_storage_account.locked.id
}
resource "azurerm_log_analytics_workspace" "law" {
  name                = "law"
  resource_group_name = "rg-monitoring"
}
resource "azurerm_machine_learning_workspace" "ws" {
  name                = "mlw"
  resource_group_name = azurerm_resource_group.rg.name
}
resource "azurerm_user_assigned_identity" "u" {
  name = "u"
}
"#;

    /// (container or workspace name, class) pairs one assignment grants, plus flags.
    fn grants(role: &str, scope: &str, extra: &str) -> (BTreeSet<(String, String)>, Reach) {
        let az = eval(&format!(
            "{BASE}\nresource \"azurerm_role_assignment\" \"a\" {{\n  scope = {scope}\n  {role}\n  principal_id = azurerm_user_assigned_identity.u.principal_id\n  {extra}\n}}\n"
        ));
        let r = assignment_reach(&az, &az.assignments[0]);
        let set = r
            .stores
            .keys()
            .map(|(s, c)| {
                let name = match s {
                    Store::Container(i) => az.containers[*i].name.clone().unwrap(),
                    Store::LogWorkspace(i) => az.log_workspaces[*i].name.clone().unwrap(),
                    Store::AppInsights(i) => format!("ai{i}"),
                };
                (name, c.as_str().to_string())
            })
            .collect();
        (set, r)
    }

    fn pairs(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn blob_reader_at_account_reads_its_containers_only() {
        let (g, r) = grants(
            "role_definition_name = \"Storage Blob Data Reader\"",
            "azurerm_storage_account.lake.id",
            "",
        );
        assert_eq!(g, pairs(&[("raw", "list"), ("raw", "read")]));
        assert!(!r.wildcard_action && !r.wildcard_resource && !r.conditional);
    }

    #[test]
    fn contributor_reads_through_keys_unless_shared_key_is_off() {
        let (g, r) = grants(
            "role_definition_name = \"Contributor\"",
            "azurerm_resource_group.rg.id",
            "",
        );
        // `acmelake` keeps shared keys: Contributor's listKeys reads and writes `raw`
        assert!(g.contains(&("raw".into(), "read".into())), "{g:?}");
        assert!(g.contains(&("raw".into(), "write".into())));
        // `acmelocked` turned them off: admin only
        assert!(g.contains(&("features".into(), "admin".into())));
        assert!(!g.contains(&("features".into(), "read".into())));
        // Contributor cannot write role assignments
        assert!(!g.contains(&("raw".into(), "manage-permissions".into())));
        assert!(r.wildcard_action && r.wildcard_resource);
        // the workspace is in another resource group
        assert!(!g.iter().any(|(n, _)| n == "law"));
        let (g, _) = grants(
            "role_definition_name = \"Reader\"",
            "\"/subscriptions/0000/resourceGroups/rg-monitoring\"",
            "",
        );
        assert!(g.contains(&("law".into(), "read".into())), "{g:?}");
        assert!(r.control.contains_key(&ActionClass::DeployModel));
    }

    #[test]
    fn owner_at_subscription_manages_permissions_everywhere() {
        let (g, _) = grants(
            "role_definition_name = \"Owner\"",
            "data.azurerm_subscription.current.id",
            "",
        );
        assert!(g.contains(&("raw".into(), "manage-permissions".into())));
        assert!(g.contains(&("law".into(), "read".into())));
        assert!(g.contains(&("law".into(), "manage-permissions".into())));
    }

    #[test]
    fn conditions_and_unknowns() {
        let (g, r) = grants(
            "role_definition_name = \"Storage Blob Data Contributor\"",
            "azurerm_storage_container.raw.id",
            "condition_version = \"2.0\"\n  condition = \"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'x/'\"",
        );
        assert!(g.contains(&("raw".into(), "write".into())));
        assert!(r.conditional);
        let (g, r) = grants(
            "role_definition_name = var.role",
            "azurerm_storage_account.lake.id",
            "",
        );
        assert!(g.is_empty() && !r.role_known);
        let (g, r) = grants(
            "role_definition_name = \"Storage Blob Data Owner\"",
            "var.scope",
            "",
        );
        assert!(g.is_empty() && r.role_known);
    }

    #[test]
    fn control_plane_roles() {
        let (_, r) = grants(
            "role_definition_name = \"AzureML Data Scientist\"",
            "azurerm_machine_learning_workspace.ws.id",
            "",
        );
        assert!(r.control.contains_key(&ActionClass::DeployModel));
        assert!(r.control.contains_key(&ActionClass::ApproveModel));
        let (_, r) = grants(
            "role_definition_name = \"Reader\"",
            "azurerm_machine_learning_workspace.ws.id",
            "",
        );
        assert!(r.control.is_empty());
    }

    #[test]
    fn acl_entries_grant_data_access() {
        let az = eval(
            r#"
resource "azurerm_storage_account" "a" {
  name = "acmedl"
}
resource "azurerm_user_assigned_identity" "u" {
  name = "u"
}
resource "azurerm_storage_data_lake_gen2_filesystem" "fs" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.a.id
}
resource "azurerm_storage_data_lake_gen2_path" "p" {
  path               = "landing"
  filesystem_name    = azurerm_storage_data_lake_gen2_filesystem.fs.name
  storage_account_id = azurerm_storage_account.a.id
  resource           = "directory"
  ace {
    type        = "user"
    id          = azurerm_user_assigned_identity.u.principal_id
    permissions = "rwx"
  }
}
"#,
        );
        assert_eq!(az.aces.len(), 1);
        assert_eq!(
            az.aces[0].assignee,
            crate::model::azure::Assignee::Identity(0)
        );
        let r = ace_reach(&az, 0);
        let classes: Vec<_> = r.stores.keys().map(|(_, c)| c.as_str()).collect();
        assert_eq!(classes, ["read", "write"]);
    }

    #[test]
    fn acl_masks_limit_named_entries_and_the_owning_group_only() {
        let az = eval(
            r#"
variable "mask" {}
resource "azurerm_storage_account" "a" {
  name = "acmedl"
}
resource "azurerm_storage_data_lake_gen2_filesystem" "fs" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.a.id
  ace {
    type        = "user"
    permissions = "rwx"
  }
  ace {
    type        = "group"
    permissions = "rwx"
  }
  ace {
    type        = "user"
    id          = "11111111-1111-1111-1111-111111111111"
    permissions = "rw-"
  }
  ace {
    type        = "other"
    permissions = "rw-"
  }
  ace {
    type        = "mask"
    permissions = "r--"
  }
  ace {
    scope       = "default"
    type        = "group"
    id          = "22222222-2222-2222-2222-222222222222"
    permissions = "rw-"
  }
  ace {
    scope       = "default"
    type        = "mask"
    permissions = var.mask
  }
}
"#,
        );
        let got: Vec<(&str, bool, bool, bool, bool)> = az
            .aces
            .iter()
            .map(|e| (e.kind.as_str(), e.default_scope, e.read, e.write, e.masked))
            .collect();
        assert_eq!(
            got,
            [
                // the owning user and `other` are outside the mask's class
                ("user", false, true, true, false),
                // the owning group and the named user lose `w` to the mask
                ("group", false, true, false, true),
                ("user", false, true, false, true),
                ("other", false, true, true, false),
                ("mask", false, true, false, false),
                // a default mask not known limits nothing (never guessed)
                ("group", true, true, true, false),
                ("mask", true, false, false, false),
            ]
        );
        // the default entry's grant says it is the default ACL's
        let r = ace_reach(&az, 5);
        let ops: Vec<&String> = r.stores.values().flatten().collect();
        assert_eq!(ops, ["default ACL r", "default ACL w"]);
    }

    #[test]
    fn management_groups_reach_the_subscriptions_they_declare() {
        const SUB: &str = "11111111-1111-1111-1111-111111111111";
        const OTHER: &str = "22222222-2222-2222-2222-222222222222";
        // what a Storage Blob Data Reader on `azurerm_management_group.top` reads here
        let reads = |provider: &str, groups: &str| -> bool {
            let az = eval(&format!(
                r#"
provider "azurerm" {{
  features {{}}
  {provider}
}}
data "azurerm_subscription" "current" {{}}
data "azurerm_subscription" "other" {{
  subscription_id = "{OTHER}"
}}
resource "azurerm_storage_account" "a" {{
  name = "acmelake"
}}
resource "azurerm_storage_container" "raw" {{
  name               = "raw"
  storage_account_id = azurerm_storage_account.a.id
}}
resource "azurerm_user_assigned_identity" "u" {{
  name = "u"
}}
{groups}
resource "azurerm_role_assignment" "a" {{
  scope                = azurerm_management_group.top.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.u.principal_id
}}
"#
            ));
            let a = az.assignments.last().unwrap();
            assert!(a.management_group.is_some());
            assignment_reach(&az, a)
                .stores
                .keys()
                .any(|(_, c)| *c == ActionClass::Read)
        };
        let provider = format!("subscription_id = \"{SUB}\"");
        let group = |ids: &str| {
            format!("resource \"azurerm_management_group\" \"top\" {{\n  display_name = \"top\"\n  {ids}\n}}")
        };
        // membership not declared: the group is taken to hold the deployment (as before)
        assert!(reads(&provider, &group("")));
        // declared, without the provider's subscription: nothing here
        assert!(!reads(
            &provider,
            &group(&format!("subscription_ids = [\"{OTHER}\"]"))
        ));
        assert!(!reads(
            &provider,
            &group("subscription_ids = [data.azurerm_subscription.other.subscription_id]")
        ));
        // an empty list holds no subscription, whatever the provider's
        assert!(!reads("", &group("subscription_ids = []")));
        // declared, with it (case-insensitively, or as the current subscription)
        assert!(reads(
            &provider,
            &group(&format!("subscription_ids = [\"{}\"]", SUB.to_uppercase()))
        ));
        assert!(reads(
            "",
            &group("subscription_ids = [data.azurerm_subscription.current.subscription_id]")
        ));
        // the provider's subscription not known: cannot tell, the group reaches it
        assert!(reads(
            "",
            &group(&format!("subscription_ids = [\"{OTHER}\"]"))
        ));
        // a value not known: cannot tell either
        assert!(reads(
            &provider,
            &format!(
                "variable \"subs\" {{}}\n{}",
                group("subscription_ids = var.subs")
            )
        ));
        // associations declare membership too
        let assoc = |sub: &str| {
            format!("{}\nresource \"azurerm_management_group_subscription_association\" \"s\" {{\n  management_group_id = azurerm_management_group.top.id\n  subscription_id     = \"/subscriptions/{sub}\"\n}}", group(""))
        };
        assert!(!reads(&provider, &assoc(OTHER)));
        assert!(reads(&provider, &assoc(SUB)));
        // a child group's subscriptions are below its parent
        let child = |ids: &str| {
            format!("{}\nresource \"azurerm_management_group\" \"child\" {{\n  parent_management_group_id = azurerm_management_group.top.id\n  {ids}\n}}", group(&format!("subscription_ids = [\"{OTHER}\"]")))
        };
        assert!(reads(
            &provider,
            &child(&format!("subscription_ids = [\"{SUB}\"]"))
        ));
        assert!(!reads(&provider, &child("subscription_ids = []")));
        // a child whose membership is not declared: cannot tell
        assert!(reads(&provider, &child("")));
    }

    #[test]
    fn pim_eligibility_is_a_conditional_grant() {
        let base = r#"
resource "azurerm_storage_account" "a" {
  name = "acmedl"
}
resource "azurerm_storage_container" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.a.id
}
resource "azurerm_user_assigned_identity" "u" {
  name = "u"
}
data "azurerm_role_definition" "owner" {
  name = "Storage Blob Data Owner"
}
"#;
        for (kind, conditional) in [("active", false), ("eligible", true)] {
            let az = eval(&format!(
                "{base}\nresource \"azurerm_pim_{kind}_role_assignment\" \"p\" {{\n  scope = azurerm_storage_account.a.id\n  role_definition_id = data.azurerm_role_definition.owner.id\n  principal_id = azurerm_user_assigned_identity.u.principal_id\n}}\n"
            ));
            assert_eq!(az.assignments.len(), 1, "{kind}");
            assert_eq!(az.assignments[0].eligible, conditional);
            assert_eq!(
                az.assignments[0].role,
                crate::model::azure::RoleRef::Builtin("Storage Blob Data Owner".into())
            );
            let r = assignment_reach(&az, &az.assignments[0]);
            assert!(r.role_known, "{kind}");
            assert_eq!(r.conditional, conditional, "{kind}");
            let classes: BTreeSet<&str> = r.stores.keys().map(|(_, c)| c.as_str()).collect();
            assert!(classes.contains("read") && classes.contains("manage-permissions"));
        }
    }
}
