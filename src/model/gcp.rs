//! Google Cloud recognition: GCS buckets and their prefixes, BigQuery datasets and tables,
//! Vertex AI datasets and feature stores, Cloud Logging buckets as datastores (labels are their
//! tags); service accounts and IAM members as principals; every IAM binding resource as a
//! `Binding` document whose statements are the bindings it writes; Vertex AI endpoints'
//! request-response logging as the inference-log graph; the service accounts workloads run as;
//! Vertex AI endpoints, Model Garden deployments and agent engines with what monitors and guards
//! them (alert policies, Model Armor floor settings); Data Access audit configs. `access::gcp`
//! turns the bindings into grants.
//!
//! Resource and attribute names follow the google provider's documentation and schema at commit
//! e03b7622a26c of hashicorp/terraform-provider-google (2026-08-21, after release v7.45.0;
//! `website/docs/r/`, `google/services/`).

use super::classify::Tier;
use super::policy::{Condition, Effect, Element, Field, Principal as PolicyPrincipal, Statement};
use super::{
    Builder, Cloud, DatastoreId, DatastoreKind, Document, DocumentId, DocumentKind, Entity,
    LifecycleRule, PrincipalId, PrincipalKind, StoreKind, Tags,
};
use crate::source::Span;
use crate::terraform::value::{Address, Kind, Mode, Part, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

mod acl;
mod deny;
pub use acl::Acl;
pub use deny::{Attachment, DenyRule, DenySubject, ProjectDecl};

/// What the GCP front end found that the binding analysis needs.
#[derive(Debug, Default)]
pub struct Gcp {
    pub bindings: Vec<Binding>,
    /// Per GCP datastore: its project and parent (a table's dataset).
    pub stores: BTreeMap<DatastoreId, StoreInfo>,
    /// Service accounts of the configuration, with their project.
    pub service_accounts: BTreeMap<PrincipalId, Project>,
    /// Custom roles (`google_project_iam_custom_role`, `google_organization_iam_custom_role`).
    pub custom_roles: Vec<CustomRole>,
    /// A Data Access audit config covers `aiplatform.googleapis.com` (or `allServices`).
    pub vertex_audit_logging: bool,
    /// Bindings that are GCS ACL entries (index into `bindings`), with what they cover.
    pub acls: HashMap<usize, Acl>,
    /// The object an object ACL binding is on, when its name is known.
    pub acl_objects: HashMap<usize, String>,
    /// The rules of `google_iam_deny_policy` resources.
    pub deny_rules: Vec<DenyRule>,
    /// `google_project` resources: the names a project goes by and where it sits.
    pub projects: Vec<ProjectDecl>,
    /// What each service account of the configuration runs that carries no workload itself
    /// (Cloud Run services, functions, Kubernetes workloads through Workload Identity): their
    /// names, for the name step.
    pub hosts: BTreeMap<PrincipalId, Vec<Host>>,
}

/// A service, function or Kubernetes workload a service account runs.
#[derive(Clone, Debug)]
pub struct Host {
    /// Its name (`fraud-scoring`, `ml-serving/predictor`).
    pub name: String,
    /// What it is, for the reason text.
    pub what: String,
}

/// The Kubernetes namespace and service account of a Workload Identity member,
/// `serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`.
pub fn kubernetes_account(member: &str) -> Option<(&str, &str)> {
    let rest = member.strip_prefix("serviceAccount:")?;
    let (pool, tail) = rest.split_once('[')?;
    if !pool.ends_with(".svc.id.goog") {
        return None;
    }
    let inner = tail.strip_suffix(']')?;
    let (ns, ksa) = inner.split_once('/')?;
    (!ns.is_empty() && !ksa.is_empty()).then_some((ns, ksa))
}

impl Gcp {
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty() && self.stores.is_empty()
    }
}

/// A project as the configuration names it: a literal id, a reference to a `google_project`,
/// or not known (the provider's default project, or an unresolved value). Two unknown projects
/// of one unit are taken to be the same, as an unknown AWS account is "this account".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Project(pub Option<String>);

#[derive(Clone, Debug)]
pub struct StoreInfo {
    pub project: Project,
    /// A table's dataset.
    pub parent: Option<DatastoreId>,
    /// A bucket with uniform bucket-level access (`true`): object ACLs do not apply.
    pub uniform: bool,
    /// A prefix's path in its bucket (`curated/`), with `parent` its bucket.
    pub prefix: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CustomRole {
    pub root: usize,
    pub address: Arc<Address>,
    /// `role_id`.
    pub id: Option<String>,
    pub permissions: Vec<String>,
    /// Some permissions could not be evaluated.
    pub unknown: bool,
}

/// Where a binding is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Organization,
    Folder,
    Project(Project),
    Datastore(DatastoreId),
    ServiceAccount(PrincipalId),
}

/// The role a binding grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// `roles/storage.objectViewer`, or a BigQuery basic role mapped to its IAM role.
    Predefined(String),
    /// An index into `Gcp::custom_roles`.
    Custom(usize),
    /// Not known (an unresolved variable, a custom role outside the configuration).
    Unknown(String),
}

/// Who a binding names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    Principal(PrincipalId),
    /// `projectViewer:`, `projectEditor:`, `projectOwner:` (and BigQuery's `projectReaders`,
    /// `projectWriters`, `projectOwners`): whoever holds that basic role on the project.
    Convenience {
        basic: &'static str,
        project: Project,
    },
    Unknown,
}

/// How a binding resource relates to the others on the same resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// `_iam_member`, `google_bigquery_dataset_access`: adds one member.
    Additive,
    /// `_iam_binding`: the members of its role on the resource are exactly these.
    Role,
    /// `_iam_policy`, a dataset's `access` blocks: the whole policy of the resource.
    Policy,
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub root: usize,
    pub document: DocumentId,
    pub statement: usize,
    pub level: Level,
    pub role: RoleRef,
    pub members: Vec<Member>,
    pub conditional: bool,
    pub authority: Authority,
    /// A BigQuery dataset's `access` blocks (their ACL replaces the default special groups).
    pub dataset_acl: bool,
}

const BASIC_CONVENIENCE: [(&str, &str); 6] = [
    ("projectViewer", "roles/viewer"),
    ("projectEditor", "roles/editor"),
    ("projectOwner", "roles/owner"),
    ("projectReaders", "roles/viewer"),
    ("projectWriters", "roles/editor"),
    ("projectOwners", "roles/owner"),
];

/// Label keys that carry a tier (GCP label keys are lower case: no `DataTier`).
const TIER_LABELS: [&str; 2] = ["mlguard-tier", "data-tier"];

/// Does the module declare anything of Google's? (AWS-only scans skip this front end.)
pub fn uses_gcp(ev: &Evaluated) -> bool {
    ev.instances
        .iter()
        .any(|r| r.address.rtype.starts_with("google_"))
}

fn managed(ev: &Evaluated) -> impl Iterator<Item = &ResourceInstance> {
    ev.instances
        .iter()
        .filter(|r| r.address.mode == Mode::Managed && r.address.rtype.starts_with("google_"))
}

fn blocks<'v>(v: &'v Value, key: &str) -> Vec<&'v Value> {
    match v.get(key) {
        Some(b) => match &b.kind {
            Kind::List(items) => items.iter().collect(),
            Kind::Object(_) => vec![b],
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn block<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    blocks(v, key).into_iter().next()
}

/// The single reference a value is, when it is one (`google_bigquery_dataset.logs.dataset_id`).
fn sole_ref(v: &Value) -> Option<&crate::terraform::value::Reference> {
    match &v.kind {
        Kind::Symbolic(parts) => parts.iter().find_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Lit(_) => None,
        }),
        _ => None,
    }
}

impl Builder<'_> {
    /// Everything GCP of one root module, before classification.
    pub(super) fn gcp(&mut self, ev: &Evaluated) {
        let default_labels = provider_labels(ev);
        let default_project = provider_project(ev);
        // datastores and service accounts first: bindings refer to them
        for r in managed(ev) {
            let labels = || labels_of(r, &default_labels);
            let kind = match r.address.rtype.as_str() {
                "google_storage_bucket" => Some((StoreKind::Bucket, "name")),
                "google_bigquery_dataset" => Some((StoreKind::Dataset, "dataset_id")),
                "google_bigquery_table" => Some((StoreKind::Table, "table_id")),
                "google_vertex_ai_dataset" => Some((StoreKind::MlDataset, "display_name")),
                "google_vertex_ai_featurestore"
                | "google_vertex_ai_feature_online_store"
                | "google_vertex_ai_feature_group" => Some((StoreKind::FeatureStore, "name")),
                "google_logging_project_bucket_config" => Some((StoreKind::LogBucket, "bucket_id")),
                _ => None,
            };
            if let Some((kind, name_attr)) = kind {
                let tags = if kind == StoreKind::LogBucket {
                    Tags::default()
                } else {
                    labels()
                };
                self.datastore(
                    r,
                    DatastoreKind::Store {
                        cloud: Cloud::Gcp,
                        kind,
                    },
                    name_attr,
                    tags,
                );
                let id = self.inv.datastores.len() - 1;
                let project = self.gcp_project(r.attrs.get("project"), &default_project);
                self.inv.gcp.stores.insert(
                    id,
                    super::gcp::StoreInfo {
                        project,
                        parent: None,
                        uniform: r
                            .attrs
                            .get("uniform_bucket_level_access")
                            .and_then(Value::as_bool)
                            == Some(true),
                        prefix: None,
                    },
                );
                self.gcp_storage(r, id, kind);
            }
            if r.address.rtype == "google_service_account" {
                self.principal(r, PrincipalKind::ServiceAccount, Tags::default());
                let p = self.inv.principals.len() - 1;
                let pr = &mut self.inv.principals[p];
                pr.cloud = Cloud::Gcp;
                // the account id is its name (the email's local part)
                pr.name = r
                    .attrs
                    .get("account_id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if r.attrs.get("account_id").is_some_and(Value::has_unknown) {
                    pr.unknown.insert("name".into());
                }
                let project = self.gcp_project(r.attrs.get("project"), &default_project);
                self.inv.gcp.service_accounts.insert(p, project);
            }
        }
        // managed folders and the config's `gs://` prefixes: datastores inside their bucket
        for r in managed(ev).filter(|r| r.address.rtype == "google_storage_managed_folder") {
            let Some(bucket) = r
                .attrs
                .get("bucket")
                .and_then(|v| self.gcp_store_ref(v, StoreKind::Bucket))
            else {
                continue;
            };
            let path = r.attrs.get("name");
            let known = path.and_then(Value::as_str);
            if known.is_none_or(str::is_empty) {
                // a folder whose path is not known: nothing to compare keys or config with
                continue;
            }
            self.gcp_prefix(bucket, known.unwrap_or(""), Some(r));
        }
        self.gcp_config_prefixes();
        // tables belong to their dataset
        let tables: Vec<(DatastoreId, DatastoreId)> = managed(ev)
            .filter(|r| r.address.rtype == "google_bigquery_table")
            .filter_map(|r| {
                let t = self.store_of(&r.address)?;
                let d = self.gcp_dataset_ref(r.attrs.get("dataset_id")?)?;
                Some((t, d))
            })
            .collect();
        for (t, d) in tables {
            if let Some(info) = self.inv.gcp.stores.get_mut(&t) {
                info.parent = Some(d);
            }
            // a table without its own key or expiration inherits its dataset's
            let parent = self.inv.datastores[d].storage.clone();
            let own_expiry = self.inv.datastores[t].unknown.contains("retention_days");
            let st = &mut self.inv.datastores[t].storage;
            if !st.kms_key {
                st.kms_key = parent.kms_key;
                st.encryption = st.encryption.take().or(parent.encryption);
            }
            if st.retention_days.is_none() && !own_expiry {
                st.retention_days = parent.retention_days;
            }
        }
        for r in managed(ev) {
            if let Some(rtype) = r.address.rtype.strip_suffix("_iam_custom_role") {
                if rtype == "google_project" || rtype == "google_organization" {
                    let (permissions, unknown) = strings_of(r.attrs.get("permissions"));
                    self.inv.gcp.custom_roles.push(CustomRole {
                        root: self.root,
                        address: r.address.clone(),
                        id: r
                            .attrs
                            .get("role_id")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        permissions,
                        unknown,
                    });
                }
            }
        }
        let policies: HashMap<Address, &ResourceInstance> = ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Data && r.address.rtype == "google_iam_policy")
            .map(|r| ((*r.address).clone(), r))
            .collect();
        for r in managed(ev) {
            self.gcp_iam(r, &default_project, &policies);
        }
        self.gcp_acls(ev, &default_project);
        self.gcp_deny_policies(ev);
        let first_endpoint = self.inv.endpoints.len();
        for r in managed(ev) {
            self.gcp_graph(r);
        }
        self.gcp_workload_identity(ev);
        self.gcp_endpoint_alerts(ev, first_endpoint);
        self.gcp_agents(ev, &default_project);
    }

    /// The datastore declared at an address of this root.
    fn store_of(&self, address: &Address) -> Option<DatastoreId> {
        match self.by_address.get(address)? {
            Entity::Datastore(d) => Some(*d),
            Entity::Principal(_) => None,
        }
    }

    fn gcp_project(&self, v: Option<&Value>, default: &Project) -> Project {
        match v {
            None => default.clone(),
            Some(v) if v.is_null() => default.clone(),
            Some(v) => match (&v.kind, sole_ref(v)) {
                (Kind::String(s), _) => Project(Some(s.clone())),
                (_, Some(r)) if r.target.rtype == "google_project" => {
                    Project(Some(format!("{}", r.target)))
                }
                _ => Project(None),
            },
        }
    }

    /// A dataset named by reference (`google_bigquery_dataset.x.dataset_id`) or by its id.
    fn gcp_dataset_ref(&self, v: &Value) -> Option<DatastoreId> {
        if let Some(r) = sole_ref(v) {
            return self
                .store_of(&r.target)
                .filter(|&d| self.inv.datastores[d].kind.as_str() == StoreKind::Dataset.as_str());
        }
        let name = v.as_str()?;
        self.gcp_store_named(StoreKind::Dataset, name)
    }

    fn gcp_store_named(&self, kind: StoreKind, name: &str) -> Option<DatastoreId> {
        (self.first.datastore..self.inv.datastores.len()).find(|&i| {
            let d = &self.inv.datastores[i];
            d.root == self.root
                && d.kind
                    == DatastoreKind::Store {
                        cloud: Cloud::Gcp,
                        kind,
                    }
                && d.name.as_deref() == Some(name)
        })
    }

    /// Encryption, versioning, public access prevention and retention of one store.
    fn gcp_storage(&mut self, r: &ResourceInstance, id: DatastoreId, kind: StoreKind) {
        let a = &r.attrs;
        let mut unknown: Vec<&str> = Vec::new();
        // a customer-managed key, wherever this kind of store names it
        let key = match kind {
            StoreKind::Bucket => {
                block(a, "encryption").and_then(|e| e.entry("default_kms_key_name"))
            }
            StoreKind::Dataset => {
                block(a, "default_encryption_configuration").and_then(|e| e.entry("kms_key_name"))
            }
            StoreKind::Table => {
                block(a, "encryption_configuration").and_then(|e| e.entry("kms_key_name"))
            }
            StoreKind::MlDataset | StoreKind::FeatureStore => {
                block(a, "encryption_spec").and_then(|e| e.entry("kms_key_name"))
            }
            StoreKind::LogBucket => block(a, "cmek_settings").and_then(|e| e.entry("kms_key_name")),
            // a prefix holds its bucket's settings
            StoreKind::Prefix => None,
        };
        let st = &mut self.inv.datastores[id].storage;
        if let Some(e) = key {
            if e.value.has_unknown() && sole_ref(&e.value).is_none() {
                unknown.push("kms_key");
                unknown.push("encryption");
            } else if !e.value.is_null() {
                st.kms_key = true;
                st.encryption = Some("cloud-kms".into());
                st.encryption_span = Some(e.key_span.to(e.value.span));
            }
        }
        match kind {
            StoreKind::Bucket => {
                if let Some(v) = block(a, "versioning").and_then(|v| v.get("enabled")) {
                    match v.as_bool() {
                        Some(b) => st.versioning = b,
                        None => unknown.push("versioning"),
                    }
                }
                let pap = a.get("public_access_prevention");
                let ubla = a.get("uniform_bucket_level_access");
                if pap.is_some_and(|v| v.has_unknown()) || ubla.is_some_and(|v| v.has_unknown()) {
                    unknown.push("public_access_block");
                } else {
                    st.public_access_block = pap.and_then(Value::as_str) == Some("enforced")
                        && ubla.and_then(Value::as_bool) == Some(true);
                }
                for rule in blocks(a, "lifecycle_rule") {
                    let deletes = block(rule, "action")
                        .and_then(|x| x.get("type"))
                        .and_then(Value::as_str)
                        == Some("Delete");
                    let Some(cond) = block(rule, "condition") else {
                        continue;
                    };
                    if !deletes {
                        continue;
                    }
                    let num = |k: &str| cond.get(k).and_then(Value::as_number).map(|n| n as i64);
                    let archived =
                        cond.get("with_state").and_then(Value::as_str) == Some("ARCHIVED");
                    let prefixes = strings_of(cond.get("matches_prefix")).0;
                    let noncurrent = num("days_since_noncurrent_time")
                        .or(num("num_newer_versions").map(|_| 0))
                        .or(if archived { num("age") } else { None });
                    let expiration = if archived { None } else { num("age") };
                    let prefix_list = if prefixes.is_empty() {
                        vec![String::new()]
                    } else {
                        prefixes
                    };
                    for prefix in prefix_list {
                        st.lifecycle.push(LifecycleRule {
                            prefix,
                            expiration_days: expiration,
                            noncurrent_days: noncurrent,
                        });
                    }
                }
            }
            StoreKind::Dataset => match a.get("default_table_expiration_ms") {
                Some(v) if v.has_unknown() => unknown.push("retention_days"),
                Some(v) => {
                    if let Some(ms) = v.as_number() {
                        st.retention_days = Some(((ms / 86_400_000.0).ceil() as i64).max(1));
                        st.retention_span = Some(v.span);
                    }
                }
                None => {}
            },
            StoreKind::Table => {
                // an absolute expiration time: finite, but no number of days to compare
                if a.get("expiration_time").is_some_and(|v| !v.is_null()) {
                    unknown.push("retention_days");
                }
            }
            StoreKind::LogBucket => match a.get("retention_days") {
                Some(v) if v.has_unknown() => unknown.push("retention_days"),
                Some(v) => {
                    st.retention_days = v.as_number().map(|n| n as i64);
                    st.retention_span = Some(v.span);
                }
                // Cloud Logging keeps a bucket's logs 30 days unless told otherwise
                None => st.retention_days = Some(30),
            },
            StoreKind::MlDataset | StoreKind::FeatureStore | StoreKind::Prefix => {}
        }
        let ds = &mut self.inv.datastores[id];
        ds.unknown.extend(unknown.into_iter().map(str::to_string));
    }

    /// A member string: a principal of the configuration or outside it, a convenience group.
    fn gcp_member(&mut self, v: &Value, default_project: &Project) -> Member {
        // a reference to a service account (`.email`, `.member`, `.id`, `.name`)
        if let Kind::Symbolic(parts) = &v.kind {
            for p in parts {
                if let Part::Ref(r) = p {
                    if let Some(Entity::Principal(id)) = self.by_address.get(&r.target) {
                        return Member::Principal(*id);
                    }
                }
            }
            return Member::Unknown;
        }
        let Some(text) = v.as_str() else {
            return Member::Unknown;
        };
        let (prefix, rest) = text.split_once(':').unwrap_or((text, ""));
        for (conv, _) in BASIC_CONVENIENCE {
            if prefix == conv || text == conv {
                let project = if rest.is_empty() {
                    default_project.clone()
                } else {
                    Project(Some(rest.to_string()))
                };
                return Member::Convenience {
                    basic: conv,
                    project,
                };
            }
        }
        let kind = match prefix {
            "allUsers" => PrincipalKind::Anyone,
            "allAuthenticatedUsers" => PrincipalKind::Authenticated,
            "user" => PrincipalKind::User,
            "group" => PrincipalKind::Group,
            "domain" => PrincipalKind::Domain,
            "principal" | "principalSet" => PrincipalKind::Federated,
            "serviceAccount" => {
                let local = rest.split('@').next().unwrap_or("");
                let declared = (self.first.principal..self.inv.principals.len()).find(|&i| {
                    let p = &self.inv.principals[i];
                    p.root == self.root
                        && p.kind == PrincipalKind::ServiceAccount
                        && p.is_internal()
                        && p.name.as_deref() == Some(local)
                });
                if let Some(p) = declared {
                    if rest.ends_with(".iam.gserviceaccount.com") {
                        return Member::Principal(p);
                    }
                }
                // Google's own service agents (`service-123@gcp-sa-aiplatform...`)
                if rest.contains("@gcp-sa-") || rest.contains("@cloudservices.") {
                    PrincipalKind::Service
                } else {
                    PrincipalKind::ServiceAccount
                }
            }
            // `deleted:...` members and anything unrecognised grant nothing
            _ => return Member::Unknown,
        };
        let id = self.external_principal(kind, text, v.span);
        self.inv.principals[id].cloud = Cloud::Gcp;
        Member::Principal(id)
    }

    /// One IAM resource: its bindings as a `Binding` document.
    fn gcp_iam(
        &mut self,
        r: &ResourceInstance,
        default_project: &Project,
        policies: &HashMap<Address, &ResourceInstance>,
    ) {
        let rtype = r.address.rtype.as_str();
        if rtype == "google_bigquery_dataset" {
            self.gcp_dataset_access(r, default_project);
            return;
        }
        if matches!(
            rtype,
            "google_project_iam_audit_config"
                | "google_folder_iam_audit_config"
                | "google_organization_iam_audit_config"
        ) {
            if audits_vertex(&r.attrs) {
                self.inv.gcp.vertex_audit_logging = true;
            }
            return;
        }
        let (authority, base) = if let Some(b) = rtype.strip_suffix("_iam_member") {
            (Authority::Additive, b)
        } else if let Some(b) = rtype.strip_suffix("_iam_binding") {
            (Authority::Role, b)
        } else if let Some(b) = rtype.strip_suffix("_iam_policy") {
            (Authority::Policy, b)
        } else if rtype == "google_bigquery_dataset_access" {
            (Authority::Additive, "google_bigquery_dataset_access")
        } else {
            return;
        };
        let a = &r.attrs;
        let (level, target_attr) = match base {
            "google_project" => (
                Level::Project(self.gcp_project(a.get("project"), default_project)),
                "project",
            ),
            "google_folder" => (Level::Folder, "folder"),
            "google_organization" => (Level::Organization, "org_id"),
            "google_storage_bucket" => match a
                .get("bucket")
                .and_then(|v| self.gcp_store_ref(v, StoreKind::Bucket))
            {
                Some(d) => (Level::Datastore(d), "bucket"),
                None => return,
            },
            "google_storage_managed_folder" => match self.managed_folder_ref(a) {
                Some(d) => (Level::Datastore(d), "managed_folder"),
                None => return,
            },
            "google_bigquery_dataset" | "google_bigquery_dataset_access" => {
                match a.get("dataset_id").and_then(|v| self.gcp_dataset_ref(v)) {
                    Some(d) => (Level::Datastore(d), "dataset_id"),
                    None => return,
                }
            }
            "google_bigquery_table" => match a
                .get("table_id")
                .and_then(|v| self.gcp_store_ref(v, StoreKind::Table))
            {
                Some(d) => (Level::Datastore(d), "table_id"),
                None => return,
            },
            "google_service_account" => {
                match a
                    .get("service_account_id")
                    .and_then(|v| self.gcp_service_account_ref(v))
                {
                    Some(p) => (Level::ServiceAccount(p), "service_account_id"),
                    None => return,
                }
            }
            _ => return,
        };
        let resource_field = a.entry(target_attr).map(|e| Field {
            not: false,
            items: vec![element(&e.value)],
            span: e.key_span.to(e.value.span),
        });
        // the bindings it writes: (role entry, member values, condition, span, path)
        let mut written: Vec<WrittenBinding> = Vec::new();
        let doc_span;
        if authority == Authority::Policy {
            let Some(pd) = a.get("policy_data") else {
                return;
            };
            let Some(data) = sole_ref(pd).and_then(|x| policies.get(&x.target)) else {
                return;
            };
            doc_span = data.span;
            for (i, b) in blocks(&data.attrs, "binding").into_iter().enumerate() {
                written.push(WrittenBinding {
                    role: b.entry("role").cloned(),
                    members: b.entry("members").cloned(),
                    condition: block(b, "condition").map(|c| c.span),
                    span: b.span,
                    path: format!("binding[{i}]"),
                });
            }
            // `audit_config` holds on project, folder and organization policies alike
            if matches!(
                rtype,
                "google_project_iam_policy"
                    | "google_folder_iam_policy"
                    | "google_organization_iam_policy"
            ) && audits_vertex_policy(&data.attrs)
            {
                self.inv.gcp.vertex_audit_logging = true;
            }
        } else if rtype == "google_bigquery_dataset_access" {
            doc_span = r.span;
            written.push(self.access_entry(a, r.span, String::new()));
        } else {
            doc_span = r.span;
            written.push(WrittenBinding {
                role: a.entry("role").cloned(),
                members: a.entry("member").or_else(|| a.entry("members")).cloned(),
                condition: block(a, "condition").map(|c| c.span),
                span: r.span,
                path: String::new(),
            });
        }
        let owner = r.address.to_string();
        let governs = match level {
            Level::Datastore(d) => Some(d),
            _ => None,
        };
        self.gcp_binding_document(
            owner,
            doc_span,
            governs,
            level,
            authority,
            false,
            written,
            resource_field,
            default_project,
        );
    }

    /// A dataset's `access` blocks: its whole ACL when there is one.
    fn gcp_dataset_access(&mut self, r: &ResourceInstance, default_project: &Project) {
        let Some(d) = self.store_of(&r.address) else {
            return;
        };
        let entries = blocks(&r.attrs, "access");
        if entries.is_empty() {
            return;
        }
        let written: Vec<WrittenBinding> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| self.access_entry(e, e.span, format!("access[{i}]")))
            .collect();
        self.gcp_binding_document(
            r.address.to_string(),
            r.span,
            Some(d),
            Level::Datastore(d),
            Authority::Policy,
            true,
            written,
            None,
            default_project,
        );
    }

    /// One BigQuery access entry: `role` with one of `user_by_email`, `group_by_email`,
    /// `domain`, `special_group`, `iam_member` (views, datasets and routines authorised on the
    /// dataset are not principals).
    fn access_entry(&self, e: &Value, span: Span, path: String) -> WrittenBinding {
        let member = [
            "user_by_email",
            "group_by_email",
            "domain",
            "special_group",
            "iam_member",
        ]
        .iter()
        // the provider takes "" for "not this kind" (modules write `lookup(x, "domain", "")`)
        .find_map(|k| {
            e.entry(k)
                .filter(|x| !x.value.is_null() && x.value.as_str() != Some(""))
                .map(|x| (*k, x))
        })
        .map(|(k, x)| {
            let prefix = match k {
                "user_by_email" => {
                    if x.value
                        .as_str()
                        .is_some_and(|s| s.ends_with(".gserviceaccount.com"))
                        || sole_ref(&x.value)
                            .is_some_and(|r| r.target.rtype == "google_service_account")
                    {
                        "serviceAccount:"
                    } else {
                        "user:"
                    }
                }
                "group_by_email" => "group:",
                "domain" => "domain:",
                _ => "",
            };
            let mut entry = x.clone();
            entry.value = prefixed(prefix, &x.value);
            entry
        });
        WrittenBinding {
            role: e.entry("role").map(|r| {
                let mut r = r.clone();
                if let Some(mapped) = r.value.as_str().and_then(bigquery_basic_role) {
                    r.value = Value::string(mapped, r.value.span);
                }
                r
            }),
            members: member,
            condition: block(e, "condition").map(|c| c.span),
            span,
            path,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn gcp_binding_document(
        &mut self,
        owner: String,
        doc_span: Span,
        governs: Option<DatastoreId>,
        level: Level,
        authority: Authority,
        dataset_acl: bool,
        written: Vec<WrittenBinding>,
        resource_field: Option<Field>,
        default_project: &Project,
    ) {
        let document = self.inv.documents.len();
        let mut statements = Vec::new();
        for w in written {
            let Some(role_entry) = w.role else { continue };
            let role = self.gcp_role(&role_entry.value);
            let member_values: Vec<Value> = match &w.members {
                Some(m) => m.value.one_or_many().into_iter().cloned().collect(),
                None => Vec::new(),
            };
            let members: Vec<Member> = member_values
                .iter()
                .map(|m| self.gcp_member(m, default_project))
                .collect();
            let index = statements.len();
            let conditions = w
                .condition
                .map(|span| Condition {
                    operator: "iam-condition".into(),
                    key: "condition".into(),
                    values: Vec::new(),
                    span,
                })
                .into_iter()
                .collect::<Vec<_>>();
            statements.push(Statement {
                index,
                sid: None,
                effect: Effect::Allow,
                actions: Some(Field {
                    not: false,
                    items: vec![element(&role_entry.value)],
                    span: role_entry.key_span.to(role_entry.value.span),
                }),
                resources: resource_field.clone(),
                principals: w.members.as_ref().map(|m| {
                    (
                        false,
                        member_values
                            .iter()
                            .map(|v| PolicyPrincipal {
                                kind: "member".into(),
                                id: element(v),
                            })
                            .collect(),
                        m.key_span.to(m.value.span),
                    )
                }),
                conditions,
                span: w.span,
                path: w.path,
                unknown: role_entry.value.has_unknown(),
            });
            self.inv.gcp.bindings.push(Binding {
                root: self.root,
                document,
                statement: index,
                level: level.clone(),
                role,
                members,
                conditional: w.condition.is_some(),
                authority,
                dataset_acl,
            });
        }
        if statements.is_empty() {
            return;
        }
        self.inv.documents.push(Document {
            root: self.root,
            name: owner.clone(),
            owner,
            kind: DocumentKind::Binding,
            span: doc_span,
            statements,
            external: false,
            governs,
            boundary: false,
            key: None,
        });
    }

    fn gcp_store_ref(&self, v: &Value, kind: StoreKind) -> Option<DatastoreId> {
        if let Some(r) = sole_ref(v) {
            return self.store_of(&r.target);
        }
        let name = v.as_str()?;
        // `b/name`, `projects/p/datasets/d/tables/t`: the last segment names it
        let name = name.rsplit('/').next().unwrap_or(name);
        self.gcp_store_named(kind, name)
    }

    fn gcp_service_account_ref(&self, v: &Value) -> Option<PrincipalId> {
        if let Some(r) = sole_ref(v) {
            return match self.by_address.get(&r.target)? {
                Entity::Principal(p) => Some(*p),
                Entity::Datastore(_) => None,
            };
        }
        // `projects/p/serviceAccounts/name@p.iam.gserviceaccount.com`
        let text = v.as_str()?;
        let email = text.rsplit('/').next().unwrap_or(text);
        let local = email.split('@').next()?;
        (self.first.principal..self.inv.principals.len()).find(|&i| {
            let p = &self.inv.principals[i];
            p.root == self.root
                && p.kind == PrincipalKind::ServiceAccount
                && p.is_internal()
                && p.name.as_deref() == Some(local)
        })
    }

    fn gcp_role(&self, v: &Value) -> RoleRef {
        if let Some(r) = sole_ref(v) {
            if let Some(i) = self
                .inv
                .gcp
                .custom_roles
                .iter()
                .position(|c| c.root == self.root && *c.address == *r.target)
            {
                return RoleRef::Custom(i);
            }
            return RoleRef::Unknown(format!("{}", r.target));
        }
        let Some(text) = v.as_str() else {
            return RoleRef::Unknown("an unresolved role".into());
        };
        if text.starts_with("roles/") {
            return RoleRef::Predefined(text.to_string());
        }
        // `projects/p/roles/id`, `organizations/o/roles/id`
        if let Some((_, id)) = text.rsplit_once("/roles/") {
            if let Some(i) = self
                .inv
                .gcp
                .custom_roles
                .iter()
                .position(|c| c.root == self.root && c.id.as_deref() == Some(id))
            {
                return RoleRef::Custom(i);
            }
        }
        RoleRef::Unknown(text.to_string())
    }

    /// What the graph says: request-response logging destinations, log sinks, and the service
    /// accounts Vertex AI workloads run as.
    fn gcp_graph(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        match r.address.rtype.as_str() {
            "google_vertex_ai_endpoint" => {
                self.vertex_endpoint(r);
                if let Some(out) = block(a, "predict_request_response_logging_config")
                    .and_then(|c| block(c, "bigquery_destination"))
                    .and_then(|d| d.get("output_uri"))
                {
                    let why = format!("request-response logging destination of {}", r.address);
                    for d in self.bq_uri_stores(out) {
                        self.add_tier_role(d, Tier::InferenceLogs, why.clone(), out.span);
                    }
                }
            }
            "google_logging_project_sink"
            | "google_logging_folder_sink"
            | "google_logging_organization_sink" => {
                let Some(dest) = a.get("destination") else {
                    return;
                };
                let filter = a.get("filter").and_then(Value::as_str).unwrap_or("");
                let tier = if filter.contains("aiplatform") {
                    Tier::InferenceLogs
                } else {
                    Tier::ApplicationLogs
                };
                let why = format!("destination of log sink {}", r.address);
                for d in self.sink_stores(dest) {
                    self.add_tier_role(d, tier, why.clone(), dest.span);
                }
            }
            "google_workbench_instance" => {
                for sa in block(a, "gce_setup")
                    .map(|g| blocks(g, "service_accounts"))
                    .unwrap_or_default()
                {
                    let why = format!("service account of the Workbench instance {}", r.address);
                    self.gcp_workload(sa.get("email"), "notebook", &why);
                }
            }
            "google_vertex_ai_reasoning_engine" => {
                let sa = block(a, "spec").and_then(|s| s.get("service_account"));
                let why = format!("service account of the agent engine {}", r.address);
                self.gcp_workload(sa, "inference", &why);
            }
            "google_vertex_ai_persistent_resource" => {
                let sa = block(a, "resource_runtime_spec")
                    .and_then(|s| block(s, "service_account_spec"))
                    .and_then(|s| s.get("service_account"));
                let why = format!("service account of the training cluster {}", r.address);
                self.gcp_workload(sa, "training", &why);
            }
            "google_vertex_ai_endpoint_with_model_garden_deployment" => {
                self.model_garden_deployment(r);
            }
            "google_colab_notebook_execution" => {
                let why = format!("service account of the notebook execution {}", r.address);
                self.gcp_workload(a.get("service_account"), "notebook", &why);
            }
            "google_colab_schedule" => {
                let sa = block(a, "create_notebook_execution_job_request")
                    .and_then(|j| block(j, "notebook_execution_job"))
                    .and_then(|j| j.get("service_account"));
                let why = format!("service account of the notebook schedule {}", r.address);
                self.gcp_workload(sa, "notebook", &why);
            }
            // ETL, as a Glue job is on AWS: a pipeline, but not ML evidence by itself
            "google_dataflow_job" | "google_dataflow_flex_template_job" => {
                let why = format!("service account of the Dataflow job {}", r.address);
                self.gcp_etl_workload(a.get("service_account_email"), &why);
            }
            "google_composer_environment" => {
                let sa = block(a, "config")
                    .and_then(|c| block(c, "node_config"))
                    .and_then(|n| n.get("service_account"));
                let why = format!("service account of the Composer environment {}", r.address);
                self.gcp_etl_workload(sa, &why);
            }
            // serverless services carry no workload of their own, as a Lambda function on AWS:
            // their names feed the name step of the account they run as
            "google_cloud_run_v2_service" | "google_cloud_run_v2_worker_pool" => {
                let sa = block(a, "template").and_then(|t| t.get("service_account"));
                self.gcp_host(sa, r, "Cloud Run service");
            }
            "google_cloud_run_v2_job" => {
                let sa = block(a, "template")
                    .and_then(|t| block(t, "template"))
                    .and_then(|t| t.get("service_account"));
                self.gcp_host(sa, r, "Cloud Run job");
            }
            "google_cloud_run_service" => {
                let sa = block(a, "template")
                    .and_then(|t| block(t, "spec"))
                    .and_then(|s| s.get("service_account_name"));
                self.gcp_host(sa, r, "Cloud Run service");
            }
            "google_cloudfunctions2_function" => {
                let sa = block(a, "service_config").and_then(|c| c.get("service_account_email"));
                self.gcp_host(sa, r, "Cloud Function");
            }
            "google_cloudfunctions_function" => {
                self.gcp_host(a.get("service_account_email"), r, "Cloud Function");
            }
            _ => {}
        }
    }

    fn gcp_workload(&mut self, v: Option<&Value>, workload: &'static str, why: &str) {
        self.gcp_graph_workload(v, workload, why, true);
    }

    fn gcp_etl_workload(&mut self, v: Option<&Value>, why: &str) {
        self.gcp_graph_workload(v, "pipeline", why, false);
    }

    /// `ml`: the workload is ML evidence for the unit (a Vertex AI resource runs as the account),
    /// not only ETL that may or may not feed ML.
    fn gcp_graph_workload(
        &mut self,
        v: Option<&Value>,
        workload: &'static str,
        why: &str,
        ml: bool,
    ) {
        let Some(v) = v else { return };
        let p = match self.gcp_member_principal(v) {
            Some(p) => p,
            None => return,
        };
        self.graph_workloads
            .entry(p)
            .or_default()
            .push((workload, why.to_string(), v.span, ml));
    }

    /// A service account runs a serverless service or function: the service's name is a name
    /// the name step may read for the account.
    fn gcp_host(&mut self, sa: Option<&Value>, r: &ResourceInstance, what: &'static str) {
        let Some(p) = sa.and_then(|v| self.gcp_member_principal(v)) else {
            return;
        };
        let Some(name) = r.attrs.get("name").and_then(Value::as_str) else {
            return;
        };
        self.inv.gcp.hosts.entry(p).or_default().push(Host {
            name: name.to_string(),
            what: format!("{what} {}", r.address),
        });
    }

    /// GKE Workload Identity: a `roles/iam.workloadIdentityUser` binding on a service account
    /// whose member is a Kubernetes service account (`serviceAccount:P.svc.id.goog[ns/ksa]`)
    /// lets pods running as that Kubernetes account act as it. The Kubernetes account's
    /// namespace and name, and the names of the Kubernetes workloads of the configuration that
    /// run as it, are names the name step may read for the Google account.
    fn gcp_workload_identity(&mut self, ev: &Evaluated) {
        let mut ksas: Vec<(PrincipalId, String, String, Span)> = Vec::new();
        for r in managed(ev) {
            let rtype = r.address.rtype.as_str();
            if rtype != "google_service_account_iam_member"
                && rtype != "google_service_account_iam_binding"
            {
                continue;
            }
            let a = &r.attrs;
            if a.get("role").and_then(Value::as_str) != Some("roles/iam.workloadIdentityUser") {
                continue;
            }
            let Some(gsa) = a
                .get("service_account_id")
                .and_then(|v| self.gcp_service_account_ref(v))
            else {
                continue;
            };
            let members = a.get("member").or_else(|| a.get("members"));
            for m in members.map(Value::one_or_many).unwrap_or_default() {
                if let Some((ns, ksa)) = m.as_str().and_then(kubernetes_account) {
                    ksas.push((gsa, ns.to_string(), ksa.to_string(), m.span));
                }
            }
        }
        if ksas.is_empty() {
            return;
        }
        // Kubernetes workloads of the configuration: (namespace, service account, name, address)
        let mut pods: Vec<(String, String, String, String)> = Vec::new();
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            let rtype = r.address.rtype.as_str();
            let kind = rtype.strip_suffix("_v1").unwrap_or(rtype);
            let pod_spec = match kind {
                "kubernetes_deployment" | "kubernetes_stateful_set" | "kubernetes_job" => {
                    block(&r.attrs, "spec")
                        .and_then(|s| block(s, "template"))
                        .and_then(|t| block(t, "spec"))
                }
                "kubernetes_cron_job" => block(&r.attrs, "spec")
                    .and_then(|s| block(s, "job_template"))
                    .and_then(|j| block(j, "spec"))
                    .and_then(|s| block(s, "template"))
                    .and_then(|t| block(t, "spec")),
                _ => None,
            };
            let Some(pod_spec) = pod_spec else { continue };
            let Some(ksa) = pod_spec.get("service_account_name").and_then(Value::as_str) else {
                continue;
            };
            let meta = block(&r.attrs, "metadata");
            let Some(name) = meta.and_then(|m| m.get("name")).and_then(Value::as_str) else {
                continue;
            };
            let ns = meta
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .unwrap_or("default");
            pods.push((
                ns.to_string(),
                ksa.to_string(),
                name.to_string(),
                r.address.to_string(),
            ));
        }
        for (gsa, ns, ksa, _) in ksas {
            let hosts = self.inv.gcp.hosts.entry(gsa).or_default();
            hosts.push(Host {
                name: format!("{ns}/{ksa}"),
                what: format!("Kubernetes service account {ns}/{ksa} (through Workload Identity)"),
            });
            for (_, _, name, address) in pods.iter().filter(|(n, k, ..)| *n == ns && *k == ksa) {
                hosts.push(Host {
                    name: name.clone(),
                    what: format!(
                        "Kubernetes workload {address} ({ns}/{ksa}, through Workload Identity)"
                    ),
                });
            }
        }
    }

    /// A service account of the configuration a value names (reference or email).
    fn gcp_member_principal(&self, v: &Value) -> Option<PrincipalId> {
        if let Kind::Symbolic(parts) = &v.kind {
            return parts.iter().find_map(|p| match p {
                Part::Ref(r) => match self.by_address.get(&r.target)? {
                    Entity::Principal(p) => Some(*p),
                    Entity::Datastore(_) => None,
                },
                Part::Lit(_) => None,
            });
        }
        let text = v.as_str()?;
        let text = text.strip_prefix("serviceAccount:").unwrap_or(text);
        self.gcp_service_account_ref(&Value::string(text, v.span))
    }

    /// `bq://project.dataset.table`: the dataset, and the table when it is declared.
    fn bq_uri_stores(&self, v: &Value) -> Vec<DatastoreId> {
        let mut out = Vec::new();
        if let Kind::Symbolic(parts) = &v.kind {
            for p in parts {
                if let Part::Ref(r) = p {
                    if let Some(d) = self.store_of(&r.target) {
                        out.push(d);
                    }
                }
            }
            return out;
        }
        let Some(text) = v.as_str().and_then(|s| s.strip_prefix("bq://")) else {
            return out;
        };
        let parts: Vec<&str> = text.split('.').collect();
        if let Some(ds) = parts.get(1) {
            if let Some(d) = self.gcp_store_named(StoreKind::Dataset, ds) {
                out.push(d);
            }
        }
        if let Some(t) = parts.get(2) {
            if let Some(d) = self.gcp_store_named(StoreKind::Table, t) {
                out.push(d);
            }
        }
        out
    }

    /// A log sink's destination: a bucket, a dataset or a log bucket.
    fn sink_stores(&self, v: &Value) -> Vec<DatastoreId> {
        if let Kind::Symbolic(parts) = &v.kind {
            return parts
                .iter()
                .filter_map(|p| match p {
                    Part::Ref(r) => self.store_of(&r.target),
                    Part::Lit(_) => None,
                })
                .collect();
        }
        let Some(text) = v.as_str() else {
            return Vec::new();
        };
        let last = text.rsplit('/').next().unwrap_or("");
        let kind = if text.starts_with("storage.googleapis.com/") {
            StoreKind::Bucket
        } else if text.starts_with("bigquery.googleapis.com/") {
            StoreKind::Dataset
        } else if text.starts_with("logging.googleapis.com/") {
            StoreKind::LogBucket
        } else {
            return Vec::new();
        };
        self.gcp_store_named(kind, last).into_iter().collect()
    }

    /// A Vertex AI endpoint as an endpoint configuration for IL001: its request-response logging.
    fn vertex_endpoint(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let mut unknown = BTreeSet::new();
        let config = block(a, "predict_request_response_logging_config");
        let enabled = match config.and_then(|c| c.get("enabled")) {
            Some(v) => match v.as_bool() {
                Some(b) => b,
                None => {
                    unknown.insert("capture".to_string());
                    false
                }
            },
            None => false,
        };
        let sampling_percentage = match config.and_then(|c| c.get("sampling_rate")) {
            Some(v) => match v.as_number() {
                // a rate above 0 samples something, however small
                Some(rate) if rate > 0.0 => Some(((rate * 100.0).round() as i64).max(1)),
                Some(_) => Some(0),
                None => {
                    unknown.insert("capture".to_string());
                    None
                }
            },
            // the API's default sampling rate is 0: nothing is logged
            None => config.map(|_| 0),
        };
        let public = a
            .get("labels")
            .and_then(|l| l.get("data-classification"))
            .and_then(Value::as_str)
            == Some("public");
        // the endpoint itself, for MM001 (its id is `name`, what alert filters name)
        self.inv.endpoints.push(super::ml::Endpoint {
            root: self.root,
            address: r.address.to_string(),
            name: a.get("name").and_then(Value::as_str).map(str::to_string),
            span: r.span,
            config: Some(self.inv.endpoint_configs.len()),
            monitored: false,
            alarmed: false,
            public,
            unknown: BTreeSet::new(),
        });
        self.inv.endpoint_configs.push(super::ml::EndpointConfig {
            root: self.root,
            address: r.address.to_string(),
            name: a
                .get("display_name")
                .and_then(Value::as_str)
                .map(str::to_string),
            span: r.span,
            capture_span: config.map(|c| c.span),
            capture_enabled: enabled,
            sampling_percentage,
            // Vertex AI logs the request and the response together
            capture_modes: if config.is_some() {
                BTreeSet::from(["Input".to_string(), "Output".to_string()])
            } else {
                BTreeSet::new()
            },
            serverless: false,
            public,
            unknown,
        });
    }
}

impl Builder<'_> {
    /// The prefix datastore of a GCS bucket (`curated/`), created on first use: a managed
    /// folder (its own resource) or a `[tiers]` key `gs://bucket/prefix/*`. It holds its
    /// bucket's settings, labels (for provenance) and the lifecycle rules that cover it.
    fn gcp_prefix(
        &mut self,
        bucket: DatastoreId,
        prefix: &str,
        resource: Option<&ResourceInstance>,
    ) -> DatastoreId {
        let prefix = if prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        if let Some(d) = self.gcp_prefix_of(bucket, &prefix) {
            return d;
        }
        let b = self.inv.datastores[bucket].clone();
        let info = self.inv.gcp.stores.get(&bucket).cloned();
        let mut storage = b.storage.clone();
        // rules whose `matches_prefix` covers every key under the prefix cover the prefix whole
        storage.lifecycle = storage
            .lifecycle
            .into_iter()
            .filter(|l| prefix.starts_with(l.prefix.as_str()))
            .map(|l| LifecycleRule {
                prefix: String::new(),
                ..l
            })
            .collect();
        let id = self.inv.datastores.len();
        self.inv.datastores.push(super::Datastore {
            address: resource.map_or_else(
                || format!("{}/{prefix}", b.address),
                |r| r.address.to_string(),
            ),
            target: resource.map_or(b.target.clone(), |r| r.address.clone()),
            kind: DatastoreKind::Store {
                cloud: Cloud::Gcp,
                kind: StoreKind::Prefix,
            },
            name: b.name.as_ref().map(|n| format!("{n}/{prefix}")),
            name_prefix: None,
            span: resource.map_or(b.span, |r| r.span),
            tier: None,
            tier_reason: super::Reason::default(),
            name_hint: None,
            roles: BTreeSet::new(),
            storage,
            capture_spans: Vec::new(),
            app_log_spans: Vec::new(),
            ..b
        });
        if let Some(r) = resource {
            self.by_address
                .insert((*r.address).clone(), Entity::Datastore(id));
        }
        self.inv.gcp.stores.insert(
            id,
            StoreInfo {
                project: info.as_ref().map(|i| i.project.clone()).unwrap_or_default(),
                parent: Some(bucket),
                uniform: info.is_some_and(|i| i.uniform),
                prefix: Some(prefix),
            },
        );
        id
    }

    fn gcp_prefix_of(&self, bucket: DatastoreId, prefix: &str) -> Option<DatastoreId> {
        self.inv
            .gcp
            .stores
            .iter()
            .find(|(_, i)| i.parent == Some(bucket) && i.prefix.as_deref() == Some(prefix))
            .map(|(d, _)| *d)
    }

    /// `[tiers]` keys `gs://bucket/prefix/*`: the prefix of a bucket of this root.
    fn gcp_config_prefixes(&mut self) {
        let keys: Vec<String> = self
            .config
            .tiers
            .keys()
            .filter_map(|k| k.get_ref().strip_prefix("gs://").map(str::to_string))
            .collect();
        for rest in keys {
            let Some((bucket, key)) = rest.split_once('/') else {
                continue;
            };
            let prefix = key.trim_end_matches('*');
            if prefix.is_empty() || prefix.contains(['*', '?']) || bucket.contains(['*', '?']) {
                continue;
            }
            if let Some(b) = self.gcp_store_named(StoreKind::Bucket, bucket) {
                self.gcp_prefix(b, prefix, None);
            }
        }
    }

    /// The managed folder an IAM resource names: by reference, or by its path in `bucket`.
    fn managed_folder_ref(&self, a: &Value) -> Option<DatastoreId> {
        let v = a.get("managed_folder")?;
        if let Some(r) = sole_ref(v) {
            return self.store_of(&r.target);
        }
        let bucket = a
            .get("bucket")
            .and_then(|b| self.gcp_store_ref(b, StoreKind::Bucket))?;
        let path = v.as_str()?;
        // `managedFolders/curated/` or `curated/`
        let path = path.strip_prefix("managedFolders/").unwrap_or(path);
        let path = if path.ends_with('/') {
            path.to_string()
        } else {
            format!("{path}/")
        };
        self.gcp_prefix_of(bucket, &path)
    }

    /// A Model Garden deployment: an endpoint (MM001) serving a publisher's or Hugging Face
    /// model picked by name, never a version of the project's Model Registry (MR003).
    fn model_garden_deployment(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let source = a
            .entry("publisher_model_name")
            .filter(|e| !e.value.is_null())
            .or_else(|| {
                a.entry("hugging_face_model_id")
                    .filter(|e| !e.value.is_null())
            });
        self.inv.endpoints.push(super::ml::Endpoint {
            root: self.root,
            address: r.address.to_string(),
            name: None,
            span: r.span,
            config: None,
            monitored: false,
            alarmed: false,
            public: false,
            unknown: BTreeSet::new(),
        });
        self.inv.models.push(super::ml::Model {
            root: self.root,
            address: r.address.to_string(),
            name: source.and_then(|e| e.value.as_str()).map(str::to_string),
            span: r.span,
            container_span: source.map_or(r.span, |e| e.key_span.to(e.value.span)),
            from_registry: false,
            served: true,
            unknown: BTreeSet::new(),
        });
    }

    /// MM001's weaker evidence on Google Cloud: a Cloud Monitoring alert policy whose condition
    /// selects Vertex AI endpoint metrics. It names one endpoint by reference or by
    /// `endpoint_id`, or, naming none, watches every endpoint of the unit. (Vertex AI model
    /// monitoring jobs have no Terraform resource.)
    fn gcp_endpoint_alerts(&mut self, ev: &Evaluated, first: usize) {
        if first == self.inv.endpoints.len() {
            return;
        }
        let endpoints: Vec<usize> = (first..self.inv.endpoints.len()).collect();
        for r in managed(ev).filter(|r| r.address.rtype == "google_monitoring_alert_policy") {
            if r.attrs.get("enabled").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            for cond in blocks(&r.attrs, "conditions") {
                for (kind, key) in ALERT_QUERIES {
                    if let Some(q) = block(cond, kind).and_then(|c| c.get(key)) {
                        self.alert_covers(q, &endpoints);
                    }
                }
            }
        }
    }

    fn alert_covers(&mut self, q: &Value, endpoints: &[usize]) {
        let Some(parts) = q.string_parts() else {
            if q.has_unknown() {
                // a filter not known: it may watch the endpoints; never a finding for want of it
                for &e in endpoints {
                    self.inv.endpoints[e].unknown.insert("alarmed".into());
                }
            }
            return;
        };
        let mut text = String::new();
        let mut named = Vec::new();
        let mut other_refs = false;
        for p in &parts {
            match p {
                Part::Lit(l) => text.push_str(l),
                Part::Ref(r) => {
                    let target = r.target.to_string();
                    match endpoints
                        .iter()
                        .find(|&&e| self.inv.endpoints[e].address == target)
                    {
                        Some(&e) => named.push(e),
                        None => other_refs = true,
                    }
                    text.push('\u{0}');
                }
            }
        }
        if !named.is_empty() {
            for e in named {
                self.inv.endpoints[e].alarmed = true;
            }
            return;
        }
        if !VERTEX_ENDPOINT_METRICS.iter().any(|m| text.contains(m)) {
            return;
        }
        match endpoint_ids(&text) {
            // no endpoint_id: every endpoint's series
            None => {
                for &e in endpoints {
                    self.inv.endpoints[e].alarmed = true;
                }
            }
            Some(ids) if ids.iter().any(|i| i.contains('\u{0}')) || other_refs => {
                for &e in endpoints {
                    self.inv.endpoints[e].unknown.insert("alarmed".into());
                }
            }
            Some(ids) => {
                for &e in endpoints {
                    let ep = &self.inv.endpoints[e];
                    let id = ep.name.as_deref();
                    if ids.iter().any(|i| id_matches(i, id)) {
                        self.inv.endpoints[e].alarmed = true;
                    }
                }
            }
        }
    }

    /// LL001 on Google Cloud: an agent (`google_vertex_ai_reasoning_engine`) is guarded when a
    /// Model Armor floor setting of the configuration covers its project (set on the project,
    /// or on a folder or organization, which reach every project of the unit), screens Vertex
    /// AI (`integrated_services` has `AI_PLATFORM`) in blocking mode
    /// (`ai_platform_floor_setting.inspect_and_block`), is enforced, and enables a filter.
    fn gcp_agents(&mut self, ev: &Evaluated, default_project: &Project) {
        let mut floors: Vec<(Option<Project>, Option<bool>)> = Vec::new();
        for r in managed(ev).filter(|r| r.address.rtype == "google_model_armor_floorsetting") {
            floors.push((floor_scope(r.attrs.get("parent")), floor_blocks(&r.attrs)));
            self.inv.components.push(super::ml::Component {
                root: self.root,
                kind: "guardrail",
                address: r.address.to_string(),
                name: r
                    .attrs
                    .get("parent")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                span: r.span,
                role: None,
                refs: Vec::new(),
                attrs: Vec::new(),
            });
        }
        for r in managed(ev).filter(|r| r.address.rtype == "google_vertex_ai_reasoning_engine") {
            let project = self.gcp_project(r.attrs.get("project"), default_project);
            let mut guardrail = false;
            let mut unknown = false;
            for (scope, blocks) in &floors {
                let covers = match scope {
                    None => Some(true),
                    Some(p) => same_project_of_unit(p, &project),
                };
                match (covers, blocks) {
                    (Some(true), Some(true)) => guardrail = true,
                    (Some(false), _) | (_, Some(false)) => {}
                    _ => unknown = true,
                }
            }
            self.inv.agents.push(super::ml::Agent {
                root: self.root,
                address: r.address.to_string(),
                span: r.span,
                guardrail,
                unknown: if unknown && !guardrail {
                    BTreeSet::from(["guardrail".to_string()])
                } else {
                    BTreeSet::new()
                },
            });
        }
    }
}

/// Alert policy conditions and the attribute holding their query.
const ALERT_QUERIES: [(&str, &str); 5] = [
    ("condition_threshold", "filter"),
    ("condition_absent", "filter"),
    ("condition_matched_log", "filter"),
    ("condition_monitoring_query_language", "query"),
    ("condition_prometheus_query_language", "query"),
];

/// How a query selects Vertex AI online prediction: the endpoint resource type, its metric
/// prefix, and the PromQL spelling of those metrics.
const VERTEX_ENDPOINT_METRICS: [&str; 3] = [
    "aiplatform.googleapis.com/Endpoint",
    "aiplatform.googleapis.com/prediction/online/",
    "aiplatform_googleapis_com:prediction_online_",
];

/// The values an alert query compares `endpoint_id` with (`resource.labels.endpoint_id =
/// "123"`, `endpoint_id == '123'`, `endpoint_id="123"`), or `None` when it names none. A
/// value written with a reference holds a NUL where the reference was.
fn endpoint_ids(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut seen = false;
    for (at, _) in text.match_indices("endpoint_id") {
        seen = true;
        let rest = text[at + "endpoint_id".len()..]
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '=' | '~' | '!' | ':'));
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            // a comparison not written as a quoted literal: not known
            out.push("\u{0}".to_string());
            continue;
        };
        let inner = &rest[1..];
        let end = inner.find(quote).unwrap_or(inner.len());
        out.push(inner[..end].to_string());
    }
    seen.then_some(out)
}

/// Does an `endpoint_id` value name this endpoint id? A regular expression (`=~ "12.*"`)
/// names whatever it may match: any endpoint.
fn id_matches(value: &str, id: Option<&str>) -> bool {
    if value.contains(['*', '|', '+', '?', '[']) {
        return true;
    }
    id == Some(value)
}

/// A floor setting's `parent`: `projects/P` (a project), else a folder or organization
/// (`None`: every project of the unit).
fn floor_scope(parent: Option<&Value>) -> Option<Project> {
    let Some(v) = parent else {
        return Some(Project(None));
    };
    let parts = v.string_parts().unwrap_or_default();
    let head = match parts.first() {
        Some(Part::Lit(l)) => l.as_str(),
        _ => return Some(Project(None)),
    };
    if head.starts_with("folders/") || head.starts_with("organizations/") {
        return None;
    }
    // the provider's own example writes `project/NAME`
    let Some(rest) = head
        .strip_prefix("projects/")
        .or_else(|| head.strip_prefix("project/"))
    else {
        return Some(Project(None));
    };
    match parts.get(1) {
        None => Some(Project(Some(rest.to_string()))),
        Some(Part::Ref(r)) if rest.is_empty() && r.target.rtype == "google_project" => {
            Some(Project(Some(format!("{}", r.target))))
        }
        _ => Some(Project(None)),
    }
}

/// Does a floor setting's project cover an agent's? Known ids must be equal; a project number
/// against an id cannot be compared (`None`); an unknown project is the unit's (the same one).
fn same_project_of_unit(floor: &Project, agent: &Project) -> Option<bool> {
    match (&floor.0, &agent.0) {
        (Some(f), Some(a)) if f == a => Some(true),
        (Some(f), Some(a)) => {
            let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if number(f) != number(a) {
                None
            } else {
                Some(false)
            }
        }
        _ => Some(true),
    }
}

/// Does a floor setting block what its filters find in Vertex AI? `None` when a setting that
/// decides it is not known.
fn floor_blocks(a: &Value) -> Option<bool> {
    let enforced = match a.get("enable_floor_setting_enforcement") {
        None => Some(false),
        Some(v) if v.is_null() => Some(false),
        Some(v) => v.as_bool(),
    };
    let vertex = match a.get("integrated_services") {
        None => Some(false),
        Some(v) if v.has_unknown() => None,
        Some(v) => Some(
            v.one_or_many()
                .iter()
                .any(|s| s.as_str() == Some("AI_PLATFORM")),
        ),
    };
    let blocking =
        match block(a, "ai_platform_floor_setting").and_then(|s| s.get("inspect_and_block")) {
            None => Some(false),
            Some(v) if v.is_null() => Some(false),
            Some(v) => v.as_bool(),
        };
    let filters = block(a, "filter_config").map_or(Some(false), |f| {
        if f.has_unknown() {
            return None;
        }
        let enabled = |b: Option<&Value>| {
            b.and_then(|x| x.get("filter_enforcement"))
                .and_then(Value::as_str)
                == Some("ENABLED")
        };
        let sdp = block(f, "sdp_settings");
        Some(
            enabled(block(f, "pi_and_jailbreak_filter_settings"))
                || enabled(block(f, "malicious_uri_filter_settings"))
                || block(f, "rai_settings").is_some_and(|r| !blocks(r, "rai_filters").is_empty())
                || enabled(sdp.and_then(|s| block(s, "basic_config")))
                || sdp.and_then(|s| block(s, "advanced_config")).is_some(),
        )
    });
    let all = [enforced, vertex, blocking, filters];
    if all.contains(&Some(false)) {
        Some(false)
    } else if all.contains(&None) {
        None
    } else {
        Some(true)
    }
}

struct WrittenBinding {
    role: Option<crate::terraform::value::Entry>,
    members: Option<crate::terraform::value::Entry>,
    condition: Option<Span>,
    span: Span,
    path: String,
}

/// BigQuery's basic dataset roles are its IAM roles under other names.
fn bigquery_basic_role(role: &str) -> Option<&'static str> {
    match role {
        "READER" => Some("roles/bigquery.dataViewer"),
        "WRITER" => Some("roles/bigquery.dataEditor"),
        "OWNER" => Some("roles/bigquery.dataOwner"),
        _ => None,
    }
}

fn element(v: &Value) -> Element {
    Element {
        parts: v.string_parts().unwrap_or_default(),
        span: v.span,
        unknown: v.has_unknown() && v.string_parts().is_none(),
    }
}

fn prefixed(prefix: &str, v: &Value) -> Value {
    if prefix.is_empty() {
        return v.clone();
    }
    match &v.kind {
        Kind::String(s) => Value::string(format!("{prefix}{s}"), v.span),
        Kind::Symbolic(parts) => {
            let mut out = vec![Part::Lit(prefix.to_string())];
            out.extend(parts.iter().cloned());
            crate::terraform::value::string_from_parts(out, v.span)
        }
        _ => v.clone(),
    }
}

/// The strings of a list value, and whether some could not be known.
fn strings_of(v: Option<&Value>) -> (Vec<String>, bool) {
    let Some(v) = v else {
        return (Vec::new(), false);
    };
    let mut unknown = v.is_unknown();
    let mut out = Vec::new();
    for item in v.one_or_many() {
        match item.as_str() {
            Some(s) => out.push(s.to_string()),
            None => unknown = true,
        }
    }
    (out, unknown)
}

/// An audit config for Vertex AI (or every service) that logs data reads or writes.
fn audits_vertex(a: &Value) -> bool {
    let service = a.get("service").and_then(Value::as_str);
    matches!(service, Some("aiplatform.googleapis.com" | "allServices"))
        && blocks(a, "audit_log_config").iter().any(|c| {
            matches!(
                c.get("log_type").and_then(Value::as_str),
                Some("DATA_READ" | "DATA_WRITE")
            )
        })
}

/// `data "google_iam_policy"` `audit_config` blocks.
fn audits_vertex_policy(a: &Value) -> bool {
    blocks(a, "audit_config").iter().any(|c| {
        let service = c.get("service").and_then(Value::as_str);
        matches!(service, Some("aiplatform.googleapis.com" | "allServices"))
            && blocks(c, "audit_log_configs").iter().any(|l| {
                matches!(
                    l.get("log_type").and_then(Value::as_str),
                    Some("DATA_READ" | "DATA_WRITE")
                )
            })
    })
}

/// The root module's `google` provider `project` (without alias).
fn provider_project(ev: &Evaluated) -> Project {
    for (name, body) in &ev.providers {
        if (name == "google" || name == "google-beta") && body.get("alias").is_none() {
            if let Some(p) = body.get("project").and_then(Value::as_str) {
                return Project(Some(p.to_string()));
            }
        }
    }
    Project(None)
}

/// `default_labels` of the root module's `google` provider (without alias).
fn provider_labels(ev: &Evaluated) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, body) in &ev.providers {
        if name != "google" || body.get("alias").is_some() {
            continue;
        }
        for e in body
            .get("default_labels")
            .and_then(|t| t.as_object())
            .unwrap_or_default()
        {
            if let Some(s) = e.value.to_plain_string() {
                out.insert(e.key.clone(), s);
            }
        }
    }
    out
}

/// Labels as tags: the provider's default labels, the resource's winning; the tier label keys
/// map onto the tag keys the classifier reads.
fn labels_of(r: &ResourceInstance, defaults: &BTreeMap<String, String>) -> Tags {
    let mut tags = super::tags_in(r, "labels", defaults);
    // `mlguard-tier` is the label spelling of `mlguard:tier` (label keys take no colon)
    if let Some(v) = tags.map.get(TIER_LABELS[0]).cloned() {
        tags.map.entry("mlguard:tier".into()).or_insert(v);
    }
    tags
}

/// Reason text for a GCP convenience member, for reports.
pub fn convenience_role(basic: &str) -> &'static str {
    BASIC_CONVENIENCE
        .iter()
        .find(|(c, _)| *c == basic)
        .map_or("roles/viewer", |(_, r)| r)
}

impl super::Inventory {
    /// A BigQuery table without a tier of its own holds its dataset's tier, and a GCS prefix
    /// (managed folder) its bucket's: the dataset or bucket is the unit of access and of
    /// classification. Runs after the name step, so a dataset classified by its name passes
    /// that on (and the table's findings are of medium confidence too).
    pub(super) fn gcp_inherit_tiers(&mut self) {
        let inherits: Vec<(DatastoreId, DatastoreId)> = self
            .gcp
            .stores
            .iter()
            .filter_map(|(t, info)| info.parent.map(|d| (*t, d)))
            .filter(|(t, _)| self.datastores[*t].tier_reason.source == "none")
            .collect();
        for (t, d) in inherits {
            let parent = &self.datastores[d];
            let Some(tier) = parent.tier else { continue };
            let reason = super::Reason {
                source: parent.tier_reason.source,
                text: format!(
                    "in {} {} ({})",
                    parent.kind.as_str(),
                    parent.address,
                    parent.tier_reason.text
                ),
                span: parent.tier_reason.span,
            };
            let table = &mut self.datastores[t];
            table.tier = Some(tier);
            table.tier_reason = reason;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_identity_members_name_a_kubernetes_account() {
        assert_eq!(
            kubernetes_account("serviceAccount:acme-ml.svc.id.goog[ml/runner]"),
            Some(("ml", "runner"))
        );
        assert_eq!(
            kubernetes_account("serviceAccount:a@acme-ml.iam.gserviceaccount.com"),
            None
        );
        assert_eq!(
            kubernetes_account("user:acme-ml.svc.id.goog[ml/runner]"),
            None
        );
        assert_eq!(
            kubernetes_account("serviceAccount:acme-ml.svc.id.goog[ml/]"),
            None
        );
        assert_eq!(
            kubernetes_account("serviceAccount:acme-ml.svc.id.goog[ml/runner"),
            None
        );
    }

    #[test]
    fn alert_queries_name_endpoint_ids() {
        assert_eq!(
            endpoint_ids("resource.type = \"aiplatform.googleapis.com/Endpoint\""),
            None
        );
        assert_eq!(
            endpoint_ids("resource.labels.endpoint_id = \"123\" AND x"),
            Some(vec!["123".to_string()])
        );
        assert_eq!(
            endpoint_ids("filter resource.endpoint_id == '7'"),
            Some(vec!["7".to_string()])
        );
        // a comparison with a value not written as a quoted literal is not known
        assert_eq!(
            endpoint_ids("endpoint_id = \u{0}"),
            Some(vec!["\u{0}".to_string()])
        );
        assert!(id_matches("123", Some("123")));
        assert!(!id_matches("123", Some("124")));
        assert!(!id_matches("123", None));
        assert!(id_matches("12.*", Some("999")));
    }

    #[test]
    fn floor_settings_cover_projects_folders_and_organizations() {
        let s = Span::default();
        assert_eq!(
            floor_scope(Some(&Value::string("projects/acme-ml", s))),
            Some(Project(Some("acme-ml".into())))
        );
        assert_eq!(floor_scope(Some(&Value::string("folders/12", s))), None);
        assert_eq!(
            floor_scope(Some(&Value::string("organizations/12", s))),
            None
        );
        assert_eq!(floor_scope(None), Some(Project(None)));
        let id = |x: &str| Project(Some(x.to_string()));
        assert_eq!(same_project_of_unit(&id("a"), &id("a")), Some(true));
        assert_eq!(same_project_of_unit(&id("a"), &id("b")), Some(false));
        // a project number against an id cannot be compared
        assert_eq!(same_project_of_unit(&id("123456"), &id("acme-ml")), None);
        assert_eq!(
            same_project_of_unit(&Project(None), &id("acme-ml")),
            Some(true)
        );
    }
}
