//! GCP IAM semantics: which bindings are in force (`_iam_policy` authoritative for the whole
//! resource, `_iam_binding` for its role, members additive), what each reaches (a project's,
//! folder's or organization's bindings reach every datastore under it; a dataset's reach its
//! tables), what its role allows (predefined roles from the generated table, custom roles from
//! the configuration, permissions mapped to action classes), who it names (members,
//! convenience groups of the basic roles, BigQuery's special groups), the default access
//! GCS and BigQuery give the basic roles, GCS ACL entries (legacy roles, ignored under uniform
//! bucket-level access), deny policies (`access::gcp_deny`: what they surely remove), and
//! impersonation (whoever can act as a service account reaches what it reaches, along chains of
//! accounts within a budget).

use super::bindings::{Member as Reached, Resolved};
use super::catalog::ActionClass;
use super::gcp_deny::Denies;
use super::Coverage;
use crate::config::Config;
use crate::model::gcp::{Acl, Authority, Binding, Gcp, Level, Member, Project, RoleRef};
use crate::model::{Cloud, DatastoreId, DatastoreKind, Inventory, PrincipalId, StoreKind};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

/// The generated role table: `scripts/gen_gcp_roles.py`.
const ROLES: &str = include_str!("data/gcp_roles.tsv");

/// The role table, indexed on first use (an AWS-only scan never pays for it); a role's
/// permission list is parsed the first time that role is looked up (a scan meets a few of the
/// table's roles).
struct RoleTable {
    /// The permissions the analysis reads; roles name them by index.
    permissions: Vec<&'static str>,
    /// Role -> its permission indices as written, and the permissions once parsed.
    roles: HashMap<&'static str, (&'static str, OnceLock<Vec<&'static str>>)>,
}

fn roles() -> &'static RoleTable {
    static TABLE: OnceLock<RoleTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut lines = ROLES.lines().filter(|l| !l.starts_with('#'));
        let permissions: Vec<&str> = lines
            .next()
            .and_then(|l| l.strip_prefix("permissions\t"))
            .map(|l| l.split(',').collect())
            .unwrap_or_default();
        let roles = lines
            .filter_map(|l| l.split_once('\t'))
            .map(|(role, ids)| (role, (ids, OnceLock::new())))
            .collect();
        RoleTable { permissions, roles }
    })
}

/// The permissions of a predefined role (empty when the role is not in the table or holds
/// nothing the analysis reads).
pub fn role_permissions(role: &str) -> &'static [&'static str] {
    let table = roles();
    let Some((ids, parsed)) = table.roles.get(role) else {
        return &[];
    };
    parsed.get_or_init(|| {
        ids.split(',')
            .filter_map(|i| i.parse::<usize>().ok())
            .filter_map(|i| table.permissions.get(i).copied())
            .collect()
    })
}

/// The class a permission gives on a kind of store, if it touches one.
pub fn classify(permission: &str, kind: StoreKind) -> Option<ActionClass> {
    use ActionClass::*;
    let (service, rest) = permission.split_once('.')?;
    let (resource, verb) = rest.rsplit_once('.')?;
    let iam = |v: &str| match v {
        "setIamPolicy" => Some(ManagePermissions),
        _ => None,
    };
    match (kind, service, resource) {
        (StoreKind::Bucket | StoreKind::Prefix, "storage", "objects") => match verb {
            "get" => Some(Read),
            "create" | "delete" | "update" | "restore" | "move" => Some(Write),
            "list" => Some(List),
            "setIamPolicy" => Some(ManagePermissions),
            _ => Some(Admin),
        },
        // a prefix (managed folder) is administered through its own IAM policy
        (StoreKind::Prefix, "storage", "managedFolders") => match verb {
            "setIamPolicy" => Some(ManagePermissions),
            "list" => Some(List),
            "create" => None,
            _ => Some(Admin),
        },
        (StoreKind::Bucket, "storage", "buckets" | "managedFolders") => match verb {
            "setIamPolicy" => Some(ManagePermissions),
            "createTagBinding" | "deleteTagBinding" => Some(Tagging),
            "list" | "listEffectiveTags" | "listTagBindings" => Some(List),
            "create" => None,
            _ => Some(Admin),
        },
        (StoreKind::Dataset | StoreKind::Table, "bigquery", "tables") => match verb {
            "getData" | "export" => Some(Read),
            "updateData" => Some(Write),
            "list" => Some(List),
            v => iam(v).or(Some(Admin)),
        },
        (StoreKind::Dataset | StoreKind::Table, "bigquery", "datasets") => match verb {
            "setIamPolicy" => Some(ManagePermissions),
            "create" => None,
            _ => Some(Admin),
        },
        (StoreKind::MlDataset, "aiplatform", "datasets" | "dataItems") => match verb {
            "export" | "get" if resource == "dataItems" => Some(Read),
            "export" => Some(Read),
            "import" | "create" | "update" | "delete" if resource == "dataItems" => Some(Write),
            "import" => Some(Write),
            "list" => Some(List),
            "create" => None,
            _ => Some(Admin),
        },
        (
            StoreKind::FeatureStore,
            "aiplatform",
            "featurestores"
            | "entityTypes"
            | "featureOnlineStores"
            | "featureViews"
            | "featureGroups",
        ) => match verb {
            "readFeatureValues"
            | "streamingReadFeatureValues"
            | "exportFeatureValues"
            | "batchReadFeatureValues"
            | "exportFeatures"
            | "readFeatures"
            | "fetchFeatureValues"
            | "searchNearestEntities" => Some(Read),
            "writeFeatureValues"
            | "importFeatureValues"
            | "deleteFeatureValues"
            | "importFeatures"
            | "writeFeatures"
            | "directWrite" => Some(Write),
            "list" => Some(List),
            "setIamPolicy" => Some(ManagePermissions),
            "create" => None,
            _ => Some(Admin),
        },
        (StoreKind::LogBucket, "logging", "logEntries" | "privateLogEntries") => match verb {
            "list" => Some(Read),
            "create" => Some(Write),
            _ => None,
        },
        (StoreKind::LogBucket, "logging", "views") => match verb {
            "access" => Some(Read),
            "setIamPolicy" => Some(ManagePermissions),
            _ => None,
        },
        (StoreKind::LogBucket, "logging", "buckets") => match verb {
            "write" => Some(Write),
            "update" | "delete" => Some(Admin),
            _ => None,
        },
        _ => None,
    }
}

/// A class and the permissions that give it.
type ClassPermissions = (ActionClass, Arc<BTreeSet<String>>);

/// Permissions grouped by the class each gives on a kind of store, in class order.
fn classes_of<'p>(
    permissions: impl Iterator<Item = &'p str>,
    kind: StoreKind,
) -> Vec<ClassPermissions> {
    let mut by_class: BTreeMap<ActionClass, BTreeSet<String>> = BTreeMap::new();
    for p in permissions {
        if let Some(c) = classify(p, kind) {
            by_class.entry(c).or_default().insert(p.to_string());
        }
    }
    by_class
        .into_iter()
        .map(|(c, actions)| (c, Arc::new(actions)))
        .collect()
}

/// The ML control plane: deploying to endpoints and uploading models.
fn control_class(permission: &str) -> Option<ActionClass> {
    match permission {
        "aiplatform.endpoints.deploy"
        | "aiplatform.endpoints.undeploy"
        | "aiplatform.endpoints.create"
        | "aiplatform.endpoints.update" => Some(ActionClass::DeployModel),
        "aiplatform.models.upload" | "aiplatform.models.update" => Some(ActionClass::ApproveModel),
        _ => None,
    }
}

/// Permissions that let a member act as a service account.
const IMPERSONATION: [&str; 6] = [
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.getOpenIdToken",
];

fn store_kind(kind: &DatastoreKind) -> Option<StoreKind> {
    match kind {
        DatastoreKind::Store {
            cloud: Cloud::Gcp,
            kind,
        } => Some(*kind),
        _ => None,
    }
}

/// Same project? A known project matches itself; an unknown one matches any of its unit.
fn same_project(a: &Project, a_root: usize, b: &Project, b_root: usize) -> bool {
    match (&a.0, &b.0) {
        (Some(x), Some(y)) => x == y,
        _ => a_root == b_root,
    }
}

struct Ctx<'a> {
    inv: &'a Inventory,
    gcp: &'a Gcp,
    /// Bindings in force, after authoritative resources.
    live: Vec<usize>,
    /// The permissions of each live binding's role.
    perms: HashMap<usize, Vec<String>>,
    /// Per datastore, the authoritative bindings on it: `None` for a whole policy, else the
    /// role an `_iam_binding` owns (they replace the default access of the basic roles).
    replacing: HashMap<DatastoreId, Vec<Option<String>>>,
    denies: Denies<'a>,
}

/// Per datastore and class, the permissions a binding grants there.
type StoreGrants = Vec<(DatastoreId, ActionClass, Arc<BTreeSet<String>>)>;
/// Per control-plane class, the permissions.
type ControlGrants = Vec<(ActionClass, BTreeSet<String>)>;

/// Chains of impersonation: at most this many accounts from the principal to the grant, and
/// at most this many (principal, account reached) steps per scan (docs/security.md).
const MAX_HOPS: usize = 8;
const MAX_CHAINS: usize = 100_000;

/// The resolved bindings, and where a budget stopped the analysis (a span and why).
pub fn resolve(inv: &Inventory, _config: &Config) -> (Vec<Resolved>, Vec<(Span, String)>) {
    let gcp = &inv.gcp;
    let live = in_force(gcp);
    let mut perms = HashMap::new();
    for &b in &live {
        perms.insert(b, permissions_of(gcp, &gcp.bindings[b].role));
    }
    let mut replacing: HashMap<DatastoreId, Vec<Option<String>>> = HashMap::new();
    for b in &gcp.bindings {
        if let Level::Datastore(d) = b.level {
            match (&b.authority, &b.role) {
                (Authority::Policy, _) => replacing.entry(d).or_default().push(None),
                (Authority::Role, RoleRef::Predefined(r)) => {
                    replacing.entry(d).or_default().push(Some(r.clone()))
                }
                _ => {}
            }
        }
    }
    let (denies, deny_error) = Denies::new(inv);
    let ctx = Ctx {
        inv,
        gcp,
        live,
        perms,
        replacing,
        denies,
    };
    // who holds each basic role on each project: the convenience groups' members
    let basic_holders = ctx.basic_holders();
    let mut out = Vec::new();
    for &b in &ctx.live {
        out.extend(ctx.resolve_binding(b, &basic_holders));
    }
    let mut errors = ctx.impersonation(&mut out, &basic_holders);
    errors.extend(deny_error);
    (out, errors)
}

/// Bindings that hold: an `_iam_policy` replaces every other binding of its resource, an
/// `_iam_binding` the members of its role there (Terraform applies them and they fight; the
/// authoritative one is what the configuration says the policy is).
fn in_force(gcp: &Gcp) -> Vec<usize> {
    let resource_key = |b: &Binding| -> Option<String> {
        match &b.level {
            Level::Datastore(d) => Some(format!("d{d}")),
            Level::ServiceAccount(p) => Some(format!("p{p}")),
            Level::Project(p) => Some(format!("project:{}:{:?}", b.root, p.0)),
            Level::Folder | Level::Organization => None,
        }
    };
    let mut with_policy: BTreeSet<String> = BTreeSet::new();
    let mut role_bound: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, b) in gcp.bindings.iter().enumerate() {
        if gcp.acls.contains_key(&i) {
            continue;
        }
        let Some(k) = resource_key(b) else { continue };
        match b.authority {
            Authority::Policy if !b.dataset_acl => {
                with_policy.insert(k);
            }
            Authority::Role => {
                if let RoleRef::Predefined(r) = &b.role {
                    role_bound.insert((k, r.clone()));
                }
            }
            _ => {}
        }
    }
    (0..gcp.bindings.len())
        .filter(|&i| {
            let b = &gcp.bindings[i];
            // ACL entries are not IAM: no policy or binding replaces them
            if gcp.acls.contains_key(&i) {
                return true;
            }
            let Some(k) = resource_key(b) else {
                return true;
            };
            match b.authority {
                Authority::Policy => true,
                _ if with_policy.contains(&k) => false,
                Authority::Additive => match &b.role {
                    RoleRef::Predefined(r) => !role_bound.contains(&(k, r.clone())),
                    _ => true,
                },
                Authority::Role => true,
            }
        })
        .collect()
}

fn permissions_of(gcp: &Gcp, role: &RoleRef) -> Vec<String> {
    match role {
        RoleRef::Predefined(r) => role_permissions(r).iter().map(|p| p.to_string()).collect(),
        RoleRef::Custom(i) => gcp.custom_roles[*i].permissions.clone(),
        RoleRef::Unknown(_) => Vec::new(),
    }
}

impl Ctx<'_> {
    /// (basic role, project, root) -> principals holding it through project bindings.
    fn basic_holders(&self) -> Vec<(&'static str, Project, usize, PrincipalId)> {
        let mut out = Vec::new();
        for &b in &self.live {
            let binding = &self.gcp.bindings[b];
            let Level::Project(project) = &binding.level else {
                continue;
            };
            let RoleRef::Predefined(role) = &binding.role else {
                continue;
            };
            let basic = match role.as_str() {
                "roles/viewer" => "roles/viewer",
                "roles/editor" => "roles/editor",
                "roles/owner" => "roles/owner",
                _ => continue,
            };
            for m in &binding.members {
                if let Member::Principal(p) = m {
                    out.push((basic, project.clone(), binding.root, *p));
                }
            }
        }
        out
    }

    /// The GCP datastores a binding's level reaches.
    fn stores_under(&self, binding: &Binding) -> Vec<DatastoreId> {
        let inv = self.inv;
        match &binding.level {
            Level::Datastore(d) => {
                let mut v = vec![*d];
                // a dataset's bindings reach its tables
                v.extend(
                    self.gcp
                        .stores
                        .iter()
                        .filter(|(_, i)| i.parent == Some(*d))
                        .map(|(t, _)| *t),
                );
                v
            }
            Level::Project(project) => self
                .gcp
                .stores
                .iter()
                .filter(|(d, info)| {
                    same_project(
                        project,
                        binding.root,
                        &info.project,
                        inv.datastores[**d].root,
                    )
                })
                .map(|(d, _)| *d)
                .collect(),
            // folders and organizations: every project of the unit
            Level::Folder | Level::Organization => self
                .gcp
                .stores
                .keys()
                .filter(|d| inv.datastores[**d].root == binding.root)
                .copied()
                .collect(),
            Level::ServiceAccount(_) => Vec::new(),
        }
    }

    fn members(
        &self,
        binding: &Binding,
        holders: &[(&'static str, Project, usize, PrincipalId)],
    ) -> (Vec<Reached>, bool) {
        let mut out = Vec::new();
        let mut public = false;
        for m in &binding.members {
            match m {
                Member::Principal(p) => {
                    public |= self.inv.principals[*p].kind.is_public();
                    out.push(Reached {
                        principal: *p,
                        through: None,
                    });
                }
                Member::Convenience { basic, project } => {
                    let role = crate::model::gcp::convenience_role(basic);
                    out.extend(
                        holders
                            .iter()
                            .filter(|(r, pr, root, _)| {
                                *r == role && same_project(project, binding.root, pr, *root)
                            })
                            .map(|(.., p)| Reached {
                                principal: *p,
                                through: None,
                            }),
                    );
                }
                Member::Unknown => {}
            }
        }
        out.sort();
        out.dedup();
        (out, public)
    }

    fn resolve_binding(
        &self,
        b: usize,
        holders: &[(&'static str, Project, usize, PrincipalId)],
    ) -> Vec<Resolved> {
        let binding = &self.gcp.bindings[b];
        let perms = &self.perms[&b];
        let (members, _) = self.members(binding, holders);
        let acl = self.gcp.acls.get(&b).copied();
        let basic = match &binding.level {
            Level::Project(_) => match &binding.role {
                RoleRef::Predefined(r) => basic_default(r),
                _ => None,
            },
            _ => None,
        };
        let mut stores: StoreGrants = Vec::new();
        // the role's classes depend on the kind of store only: classified once per kind, not
        // per store (a project binding reaches every store of the project), and the stores of
        // one kind share the permission sets
        let mut by_kind: HashMap<StoreKind, Vec<ClassPermissions>> = HashMap::new();
        for d in self.stores_under(binding) {
            let Some(kind) = store_kind(&self.inv.datastores[d].kind) else {
                continue;
            };
            // GCS ignores ACLs on a bucket with uniform bucket-level access
            if acl.is_some() && self.gcp.stores.get(&d).is_some_and(|i| i.uniform) {
                continue;
            }
            // one object's ACL reaches the prefixes that may hold it
            if acl == Some(Acl::Object) {
                let path = self.gcp.stores.get(&d).and_then(|i| i.prefix.as_deref());
                let object = self.gcp.acl_objects.get(&b);
                if path.zip(object).is_some_and(|(p, o)| !o.starts_with(p)) {
                    continue;
                }
            }
            let role_classes = by_kind
                .entry(kind)
                .or_insert_with(|| classes_of(perms.iter().map(String::as_str), kind));
            // a basic role reaches objects and table data through the store's default access
            let with_defaults = basic
                .filter(|(_, _)| self.default_in_force(d, binding))
                .map(|(_, defaults)| {
                    classes_of(
                        perms
                            .iter()
                            .map(String::as_str)
                            .chain(defaults.iter().copied()),
                        kind,
                    )
                });
            for (c, actions) in with_defaults.as_ref().unwrap_or(role_classes) {
                stores.push((d, *c, actions.clone()));
            }
        }
        let mut control: BTreeMap<ActionClass, BTreeSet<String>> = BTreeMap::new();
        if matches!(
            binding.level,
            Level::Project(_) | Level::Folder | Level::Organization
        ) {
            for p in perms {
                if let Some(c) = control_class(p) {
                    control.entry(c).or_default().insert(p.clone());
                }
            }
        }
        let control: Vec<(ActionClass, BTreeSet<String>)> = control.into_iter().collect();
        if self.denies.is_empty() {
            return vec![self.finish(b, members, &stores, control, acl)];
        }
        // deny rules take permissions from some members: members left the same share a grant
        let control_project = match &binding.level {
            Level::Project(p) => p.clone(),
            _ => Project(None),
        };
        let mut groups: Vec<(Vec<Reached>, StoreGrants, ControlGrants)> = Vec::new();
        for m in members {
            let p = m.principal;
            let kept: StoreGrants = stores
                .iter()
                .filter_map(|(d, c, actions)| {
                    let (project, root) = self.scope_of(*d);
                    let left: BTreeSet<String> = actions
                        .iter()
                        .filter(|a| !self.denies.denies(p, a, &project, root))
                        .cloned()
                        .collect();
                    let left = if left.len() == actions.len() {
                        actions.clone()
                    } else {
                        Arc::new(left)
                    };
                    (!left.is_empty()).then_some((*d, *c, left))
                })
                .collect();
            let kept_control: Vec<(ActionClass, BTreeSet<String>)> = control
                .iter()
                .filter_map(|(c, actions)| {
                    let left: BTreeSet<String> = actions
                        .iter()
                        .filter(|a| !self.denies.denies(p, a, &control_project, binding.root))
                        .cloned()
                        .collect();
                    (!left.is_empty()).then_some((*c, left))
                })
                .collect();
            match groups
                .iter_mut()
                .find(|(_, s, c)| *s == kept && *c == kept_control)
            {
                Some(g) => g.0.push(m),
                None => groups.push((vec![m], kept, kept_control)),
            }
        }
        if groups.is_empty() {
            return vec![self.finish(b, Vec::new(), &stores, control, acl)];
        }
        groups
            .into_iter()
            .map(|(members, stores, control)| self.finish(b, members, &stores, control, acl))
            .collect()
    }

    /// A datastore's project and unit, where deny policies are placed.
    fn scope_of(&self, d: DatastoreId) -> (Project, usize) {
        let project = self
            .gcp
            .stores
            .get(&d)
            .map(|i| i.project.clone())
            .unwrap_or_default();
        (project, self.inv.datastores[d].root)
    }

    /// One resolved grant of a binding to some of its members.
    fn finish(
        &self,
        b: usize,
        members: Vec<Reached>,
        stores: &[(DatastoreId, ActionClass, Arc<BTreeSet<String>>)],
        control: Vec<(ActionClass, BTreeSet<String>)>,
        acl: Option<Acl>,
    ) -> Resolved {
        let binding = &self.gcp.bindings[b];
        let classes_seen: BTreeSet<ActionClass> = stores.iter().map(|(_, c, _)| *c).collect();
        // a public member opens the statement only if it is left something
        let public = !stores.is_empty()
            && members
                .iter()
                .any(|m| self.inv.principals[m.principal].kind.is_public());
        // share one list among the stores granted the same permissions
        let mut shared: Vec<Arc<BTreeSet<String>>> = Vec::new();
        let stores = stores
            .iter()
            .map(|(d, c, actions)| {
                let arc = match shared
                    .iter()
                    .find(|a| Arc::ptr_eq(a, actions) || **a == *actions)
                {
                    Some(a) => a.clone(),
                    None => {
                        shared.push(actions.clone());
                        actions.clone()
                    }
                };
                (*d, *c, arc)
            })
            .collect();
        Resolved {
            document: binding.document,
            statement: binding.statement,
            members,
            stores,
            control,
            public,
            conditional: binding.conditional,
            wildcard_resource: matches!(
                binding.level,
                Level::Project(_) | Level::Folder | Level::Organization
            ),
            // a role that reads, writes and grants: it covers every data permission of the
            // service. A dataset's `projectOwners` OWNER entry is everywhere (a dataset needs
            // an owner): the project's owner binding that fills the group is the grant to
            // judge, not the entry.
            wildcard_action: [
                ActionClass::Read,
                ActionClass::Write,
                ActionClass::ManagePermissions,
            ]
            .iter()
            .all(|c| classes_seen.contains(c))
                && binding
                    .members
                    .iter()
                    .any(|m| !matches!(m, Member::Convenience { .. }))
                // an ACL's OWNER is full control of one bucket or its objects, not a service
                && acl.is_none(),
            // one object's ACL is a part of the bucket the configuration names
            coverage: (acl == Some(Acl::Object)).then_some(Coverage::Part),
            derived: false,
        }
    }

    /// Is the default access for the basic roles in force on a store? A GCS bucket gives project editors and owners
    /// `roles/storage.legacyBucketOwner` and viewers `legacyBucketReader`, and object access
    /// through its default object ACL (or, with uniform bucket-level access, the legacy object
    /// roles); a BigQuery dataset without `access` blocks gives `projectReaders` READER,
    /// `projectWriters` WRITER and `projectOwners` OWNER. An authoritative binding or policy on
    /// the bucket, or access blocks on the dataset, replace these.
    ///
    /// The project binding of the basic role carries these grants, so a finding points at the
    /// binding to change. Object ACLs of a bucket without uniform bucket-level access are not
    /// IAM: no policy replaces them.
    fn default_in_force(&self, d: DatastoreId, project_binding: &Binding) -> bool {
        let Some(info) = self.gcp.stores.get(&d) else {
            return false;
        };
        let RoleRef::Predefined(basic) = &project_binding.role else {
            return false;
        };
        let kind = store_kind(&self.inv.datastores[d].kind);
        // the store whose policy decides: a table's dataset
        let holder = info.parent.unwrap_or(d);
        let replaced = |legacy: &[&str]| {
            self.replacing.get(&holder).is_some_and(|roles| {
                roles
                    .iter()
                    .any(|r| r.as_deref().is_none_or(|r| legacy.contains(&r)))
            })
        };
        match kind {
            // a prefix's objects are its bucket's: the bucket's default access reaches them
            Some(StoreKind::Bucket | StoreKind::Prefix) => {
                let legacy: &[&str] = if basic == "roles/viewer" {
                    &[
                        "roles/storage.legacyObjectReader",
                        "roles/storage.legacyBucketReader",
                    ]
                } else {
                    &[
                        "roles/storage.legacyObjectOwner",
                        "roles/storage.legacyBucketOwner",
                    ]
                };
                !info.uniform || !replaced(legacy)
            }
            // dataset access blocks are the whole ACL (a dataset IAM policy too)
            Some(StoreKind::Dataset | StoreKind::Table) => !replaced(&[]),
            _ => false,
        }
    }

    /// Impersonation: a member that can act as a service account gets, through it, every
    /// grant the account has, pointed at the binding that lets it act; an account that can act
    /// as another passes that one's grants on: a principal reaches, by the shortest chain of at
    /// most `MAX_HOPS` accounts, the accounts it cannot act as directly (each once, so cycles
    /// end), at most `MAX_CHAINS` steps in all.
    fn impersonation(
        &self,
        out: &mut Vec<Resolved>,
        holders: &[(&'static str, Project, usize, PrincipalId)],
    ) -> Vec<(Span, String)> {
        let mut errors = Vec::new();
        // (binding, account, members that may act as it, binding conditional)
        let mut acting: Vec<(usize, PrincipalId, Vec<PrincipalId>)> = Vec::new();
        for &b in &self.live {
            let binding = &self.gcp.bindings[b];
            let acts: Vec<&String> = self.perms[&b]
                .iter()
                .filter(|p| IMPERSONATION.contains(&p.as_str()))
                .collect();
            if acts.is_empty() {
                continue;
            }
            let accounts: Vec<PrincipalId> = match &binding.level {
                Level::ServiceAccount(sa) => vec![*sa],
                Level::Project(project) => self
                    .gcp
                    .service_accounts
                    .iter()
                    .filter(|(p, pr)| {
                        same_project(project, binding.root, pr, self.inv.principals[**p].root)
                    })
                    .map(|(p, _)| *p)
                    .collect(),
                _ => Vec::new(),
            };
            let (members, _) = self.members(binding, holders);
            for sa in accounts {
                let project = self
                    .gcp
                    .service_accounts
                    .get(&sa)
                    .cloned()
                    .unwrap_or_default();
                let root = self.inv.principals[sa].root;
                // a member denied every way of acting as the account does not act as it
                let can: Vec<PrincipalId> = members
                    .iter()
                    .map(|m| m.principal)
                    .filter(|&m| m != sa)
                    .filter(|&m| {
                        acts.iter()
                            .any(|a| !self.denies.denies(m, a, &project, root))
                    })
                    .collect();
                if !can.is_empty() {
                    acting.push((b, sa, can));
                }
            }
        }
        if acting.is_empty() {
            return errors;
        }
        // what each account reaches itself (linear in the resolved bindings)
        let mut own: HashMap<PrincipalId, Vec<usize>> = HashMap::new();
        for (i, r) in out.iter().enumerate().filter(|(_, r)| !r.derived) {
            if r.stores.is_empty() && r.control.is_empty() {
                continue;
            }
            for m in r.members.iter().filter(|m| m.through.is_none()) {
                own.entry(m.principal).or_default().push(i);
            }
        }
        // which accounts each principal can act as: whether only under a condition, and the
        // binding a chain through that first account is pointed at (an unconditional one first)
        let mut next: BTreeMap<PrincipalId, BTreeMap<PrincipalId, (bool, usize)>> = BTreeMap::new();
        for (b, sa, can) in &acting {
            let conditional = self.gcp.bindings[*b].conditional;
            for m in can {
                let e = next
                    .entry(*m)
                    .or_default()
                    .entry(*sa)
                    .or_insert((conditional, *b));
                if e.0 && !conditional {
                    *e = (false, *b);
                }
            }
        }
        let mut extra = Vec::new();
        let derive = |extra: &mut Vec<Resolved>,
                      b: usize,
                      members: Vec<Reached>,
                      account: PrincipalId,
                      conditional: bool| {
            let binding = &self.gcp.bindings[b];
            for &i in own.get(&account).into_iter().flatten() {
                let r = &out[i];
                extra.push(Resolved {
                    document: binding.document,
                    statement: binding.statement,
                    members: members.clone(),
                    stores: r.stores.clone(),
                    control: r.control.clone(),
                    conditional: conditional || r.conditional,
                    coverage: r.coverage,
                    derived: true,
                    ..Resolved::default()
                });
            }
        };
        // one hop: each binding passes on the grants of each account it lets its members act as
        for (b, sa, can) in &acting {
            let members = can
                .iter()
                .map(|m| Reached {
                    principal: *m,
                    through: Some(Arc::from([*sa])),
                })
                .collect();
            derive(
                &mut extra,
                *b,
                members,
                *sa,
                self.gcp.bindings[*b].conditional,
            );
        }
        // chains: from each principal, the accounts it reaches only through others, each by
        // its shortest path, pointed at the binding of the first hop
        let mut steps = 0usize;
        'principals: for (m, direct) in &next {
            let mut seen: BTreeSet<PrincipalId> = direct.keys().copied().collect();
            seen.insert(*m);
            let mut queue: VecDeque<(Vec<PrincipalId>, bool, usize)> = direct
                .iter()
                .map(|(sa, (c, b))| (vec![*sa], *c, *b))
                .collect();
            while let Some((path, conditional, first)) = queue.pop_front() {
                steps += 1;
                if steps > MAX_CHAINS {
                    let binding = &self.gcp.bindings[first];
                    let st = &self.inv.documents[binding.document].statements[binding.statement];
                    errors.push((
                        st.span,
                        format!(
                            "impersonation chains pass the budget of {MAX_CHAINS} steps here: \
                             the grants of the chains not followed are not in the analysis"
                        ),
                    ));
                    break 'principals;
                }
                let last = path[path.len() - 1];
                if path.len() > 1 {
                    let members = vec![Reached {
                        principal: *m,
                        through: Some(path.clone().into()),
                    }];
                    derive(&mut extra, first, members, last, conditional);
                }
                let Some(onward) = next.get(&last) else {
                    continue;
                };
                for (t, (c, _)) in onward {
                    if seen.contains(t) {
                        continue;
                    }
                    if path.len() >= MAX_HOPS {
                        let binding = &self.gcp.bindings[first];
                        let st =
                            &self.inv.documents[binding.document].statements[binding.statement];
                        errors.push((
                            st.span,
                            format!(
                                "a chain of impersonation from here is longer than {MAX_HOPS} \
                                 service accounts: it is followed no further"
                            ),
                        ));
                        break;
                    }
                    seen.insert(*t);
                    let mut longer = path.clone();
                    longer.push(*t);
                    queue.push_back((longer, conditional || *c, first));
                }
            }
        }
        out.extend(extra);
        errors.sort();
        errors.dedup();
        errors
    }
}

/// The default data access of a basic role held on the project: (role, permissions).
fn basic_default(role: &str) -> Option<(&'static str, &'static [&'static str])> {
    const VIEWER: [&str; 4] = [
        "storage.objects.get",
        "storage.objects.list",
        "bigquery.tables.getData",
        "bigquery.tables.list",
    ];
    const EDITOR: [&str; 8] = [
        "storage.objects.get",
        "storage.objects.list",
        "storage.objects.create",
        "storage.objects.delete",
        "bigquery.tables.getData",
        "bigquery.tables.list",
        "bigquery.tables.updateData",
        "bigquery.tables.export",
    ];
    match role {
        "roles/viewer" => Some(("roles/viewer", &VIEWER)),
        "roles/editor" => Some(("roles/editor", &EDITOR)),
        "roles/owner" => Some(("roles/owner", &EDITOR)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_expands_predefined_roles() {
        assert!(roles().roles.len() > 250, "{} roles", roles().roles.len());
        let viewer = role_permissions("roles/storage.objectViewer");
        assert!(viewer.contains(&"storage.objects.get"));
        assert!(!viewer.contains(&"storage.objects.create"));
        assert!(
            role_permissions("roles/bigquery.dataEditor").contains(&"bigquery.tables.updateData")
        );
        assert!(role_permissions("roles/iam.serviceAccountTokenCreator")
            .contains(&"iam.serviceAccounts.getAccessToken"));
        assert!(role_permissions("roles/no.such").is_empty());
        // every role's list, parsed on its first lookup, names only permissions of the table
        for (role, (ids, _)) in &roles().roles {
            assert_eq!(
                role_permissions(role).len(),
                ids.split(',').count(),
                "{role}"
            );
        }
    }

    #[test]
    fn basic_roles_hold_no_data_reads_of_their_own() {
        // they reach data through the stores' default access, which `basic_default` models
        for role in ["roles/viewer", "roles/editor"] {
            let perms = role_permissions(role);
            assert!(!perms.contains(&"storage.objects.get"), "{role}");
            assert!(!perms.contains(&"bigquery.tables.getData"), "{role}");
        }
        assert!(basic_default("roles/viewer").is_some());
        assert!(basic_default("roles/storage.admin").is_none());
    }

    #[test]
    fn permissions_map_to_classes_per_kind_of_store() {
        use ActionClass::*;
        let c = classify;
        assert_eq!(c("storage.objects.get", StoreKind::Bucket), Some(Read));
        assert_eq!(c("storage.objects.create", StoreKind::Bucket), Some(Write));
        assert_eq!(c("storage.objects.list", StoreKind::Bucket), Some(List));
        assert_eq!(
            c("storage.buckets.setIamPolicy", StoreKind::Bucket),
            Some(ManagePermissions)
        );
        assert_eq!(c("storage.buckets.update", StoreKind::Bucket), Some(Admin));
        assert_eq!(c("storage.objects.get", StoreKind::Dataset), None);
        assert_eq!(c("bigquery.tables.getData", StoreKind::Table), Some(Read));
        assert_eq!(
            c("bigquery.tables.updateData", StoreKind::Dataset),
            Some(Write)
        );
        assert_eq!(
            c("bigquery.datasets.setIamPolicy", StoreKind::Dataset),
            Some(ManagePermissions)
        );
        assert_eq!(
            c("aiplatform.datasets.export", StoreKind::MlDataset),
            Some(Read)
        );
        assert_eq!(
            c("aiplatform.datasets.import", StoreKind::MlDataset),
            Some(Write)
        );
        assert_eq!(
            c(
                "aiplatform.featureViews.fetchFeatureValues",
                StoreKind::FeatureStore
            ),
            Some(Read)
        );
        assert_eq!(c("logging.views.access", StoreKind::LogBucket), Some(Read));
        assert_eq!(c("logging.buckets.create", StoreKind::LogBucket), None);
        assert_eq!(
            control_class("aiplatform.endpoints.deploy"),
            Some(DeployModel)
        );
        assert_eq!(
            control_class("aiplatform.models.upload"),
            Some(ApproveModel)
        );
        assert_eq!(control_class("aiplatform.endpoints.predict"), None);
    }

    #[test]
    fn unknown_projects_are_the_units_own() {
        let known = |s: &str| Project(Some(s.to_string()));
        assert!(same_project(&known("a"), 0, &known("a"), 1));
        assert!(!same_project(&known("a"), 0, &known("b"), 0));
        assert!(same_project(&Project(None), 0, &known("b"), 0));
        assert!(!same_project(&Project(None), 0, &known("b"), 1));
    }
}
