//! The inventory: typed resources (datastores, principals, policy documents and how they attach)
//! built from evaluated Terraform instances and standalone JSON policy files, classified into
//! tiers and workloads (config, then tags, then the graph, then the name).

pub mod awscc;
pub mod azure;
pub mod azure_build;
pub mod classify;
pub mod gcp;
pub(crate) mod graph;
mod iam;
pub mod ml;
pub mod policy;
mod resolve;

use crate::config::Config;
use crate::source::{Sources, Span};
use crate::terraform::value::{Address, Mode, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use classify::Tier;
use policy::Statement;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

pub type DatastoreId = usize;
pub type PrincipalId = usize;
pub type DocumentId = usize;

#[derive(Clone, Debug, Default)]
pub struct Tags {
    pub map: BTreeMap<String, String>,
    /// The `tags` attribute, when written.
    pub span: Option<Span>,
    /// Some tags could not be evaluated.
    pub unknown: bool,
}

/// The cloud a datastore, principal or grant belongs to. AWS resources are recognised by
/// `model` itself; every other cloud has a front end of its own (`model::gcp`) that fills the
/// same inventory, so rules, facts and reports stay cloud-neutral.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cloud {
    #[default]
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    /// The cloud of a Terraform address (`module.x.google_storage_bucket.raw` is GCP) or of a
    /// file path (AWS: IAM JSON policy files).
    pub fn of_address(address: &str) -> Cloud {
        let stripped = crate::facts::strip_keys(address);
        let rtype = stripped.rsplit('.').nth(1).unwrap_or("");
        if rtype.starts_with("google_") {
            Cloud::Gcp
        } else if rtype.starts_with("azurerm_")
            || rtype.starts_with("azuread_")
            || rtype.starts_with("azapi_")
        {
            Cloud::Azure
        } else {
            Cloud::Aws
        }
    }

    /// The cloud of a third-party AI service (`AiUse::service`) when it is a cloud's own.
    pub fn of_ai_service(service: &str) -> Cloud {
        match service {
            "vertex-ai" => Cloud::Gcp,
            "azure-openai" => Cloud::Azure,
            _ => Cloud::Aws,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

/// What a datastore of a cloud other than AWS is, in cloud-neutral words (the Cedar `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// An object store: a GCS bucket, an Azure storage container.
    Bucket,
    /// A warehouse dataset (BigQuery) holding tables.
    Dataset,
    /// One table of a dataset.
    Table,
    /// A managed ML dataset (Vertex AI dataset).
    MlDataset,
    /// A feature store (Vertex AI featurestore, feature online store).
    FeatureStore,
    /// A log store (Cloud Logging bucket, Log Analytics workspace): like a log group.
    LogBucket,
    /// The objects under a prefix of a bucket (a GCS managed folder, or a prefix named in the
    /// config): like an S3 prefix.
    Prefix,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Bucket => "bucket",
            StoreKind::Dataset => "dataset",
            StoreKind::Table => "table",
            StoreKind::MlDataset => "ml-dataset",
            StoreKind::FeatureStore => "feature-store",
            StoreKind::LogBucket => "log-bucket",
            StoreKind::Prefix => "prefix",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatastoreKind {
    Bucket,
    /// Keys under a prefix of a bucket (data lakes split tiers by prefix).
    Prefix {
        bucket: DatastoreId,
        /// Ends with `/` unless empty.
        prefix: String,
    },
    LogGroup,
    /// A datastore of another cloud, recognised by that cloud's front end. The AWS access
    /// analysis never matches ARNs against it; the cloud's own binding analysis does.
    Store {
        cloud: Cloud,
        kind: StoreKind,
    },
}

impl DatastoreKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DatastoreKind::Bucket => "bucket",
            DatastoreKind::Prefix { .. } => "prefix",
            DatastoreKind::LogGroup => "log-group",
            DatastoreKind::Store { kind, .. } => kind.as_str(),
        }
    }

    pub fn service(&self) -> &'static str {
        match self {
            DatastoreKind::Bucket | DatastoreKind::Prefix { .. } => "s3",
            DatastoreKind::LogGroup => "logs",
            DatastoreKind::Store { .. } => "",
        }
    }

    pub fn cloud(&self) -> Cloud {
        match self {
            DatastoreKind::Store { cloud, .. } => *cloud,
            _ => Cloud::Aws,
        }
    }

    /// Keys under a prefix of a bucket (an S3 prefix, a GCS managed folder or prefix): its tier
    /// comes from config, graph or name, never from the bucket's tags.
    pub fn is_prefix(&self) -> bool {
        matches!(
            self,
            DatastoreKind::Prefix { .. }
                | DatastoreKind::Store {
                    kind: StoreKind::Prefix,
                    ..
                }
        )
    }

    /// Holds logs (a log group, a log bucket): never a tier from its name, never a bucket rule.
    pub fn is_log_store(&self) -> bool {
        matches!(
            self,
            DatastoreKind::LogGroup
                | DatastoreKind::Store {
                    kind: StoreKind::LogBucket,
                    ..
                }
        )
    }
}

/// How a tier or workload was decided, shown in reports and `explain`.
#[derive(Clone, Debug, Default)]
pub struct Reason {
    /// Where it came from: `config`, `tag`, `graph`, `name`, or `none`. Findings that rest on
    /// `name` are of medium confidence.
    pub source: &'static str,
    pub text: String,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Datastore {
    /// The root module it was declared in (addresses are unique only within one).
    pub root: usize,
    pub address: String,
    pub target: Arc<Address>,
    pub kind: DatastoreKind,
    /// The bucket or log group name, when known.
    pub name: Option<String>,
    /// When the name is not known but starts with this (`bucket_prefix`): the rest is chosen at
    /// apply time.
    pub name_prefix: Option<String>,
    pub span: Span,
    pub tags: Tags,
    pub tier: Option<Tier>,
    pub tier_reason: Reason,
    /// The tier its name suggests when the name step finds one, used or not (no ML evidence,
    /// names off): `mlguard init` offers it for review.
    pub name_hint: Option<Tier>,
    /// Roles the graph gives it (`inference-logs`, `model-artifacts`, `application-logs`), all of them.
    pub roles: BTreeSet<Tier>,
    /// How it is stored: encryption, versioning, public access block, lifecycle, retention.
    pub storage: Storage,
    /// Destinations that send inference data here (capture URIs, invocation logging targets).
    pub capture_spans: Vec<Span>,
    /// Destinations that send application logs here (access logs, load balancer logs, trails).
    pub app_log_spans: Vec<Span>,
    /// Attributes that could not be evaluated (not the same as absent).
    pub unknown: BTreeSet<String>,
}

/// Storage settings of a bucket (prefixes share their bucket's) or a log group.
#[derive(Clone, Debug, Default)]
pub struct Storage {
    /// Default encryption algorithm: `aws:kms`, `aws:kms:dsse`, `AES256`.
    pub encryption: Option<String>,
    /// The encryption rule, when written.
    pub encryption_span: Option<Span>,
    /// A customer-managed KMS key is named (`kms_master_key_id`, `kms_key_id`).
    pub kms_key: bool,
    /// The key as written (a reference to an `aws_kms_key`, an ARN, an alias), for the KMS gate.
    pub kms_key_id: Option<Vec<crate::terraform::value::Part>>,
    /// S3 versioning is enabled.
    pub versioning: bool,
    /// A public access block with all four settings true covers it (its own or the account's).
    pub public_access_block: bool,
    pub lifecycle: Vec<LifecycleRule>,
    /// A log group's `retention_in_days` (0 means never expire).
    pub retention_days: Option<i64>,
    pub retention_span: Option<Span>,
}

/// An enabled lifecycle rule of a bucket.
#[derive(Clone, Debug)]
pub struct LifecycleRule {
    /// Keys it applies to (empty: all).
    pub prefix: String,
    pub expiration_days: Option<i64>,
    pub noncurrent_days: Option<i64>,
}

impl Datastore {
    /// `s3://bucket/prefix` or the log group name, for messages.
    pub fn label(&self, all: &[Datastore]) -> String {
        match &self.kind {
            DatastoreKind::Prefix { bucket, prefix } => {
                format!(
                    "{}/{prefix}",
                    all[*bucket]
                        .name
                        .as_deref()
                        .unwrap_or(&all[*bucket].address)
                )
            }
            _ => self.name.clone().unwrap_or_else(|| self.address.clone()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    Role,
    User,
    Group,
    /// An AWS service (`sagemaker.amazonaws.com`).
    Service,
    /// An AWS account (root), or a role of another account.
    Account,
    /// `*`: anyone, inside or outside the configuration (GCP `allUsers`).
    Anyone,
    /// A workload identity of another cloud (a GCP service account, an Azure managed identity or
    /// service principal).
    ServiceAccount,
    /// Every account of a domain (GCP `domain:`).
    Domain,
    /// Anyone signed in to the cloud (GCP `allAuthenticatedUsers`): public too.
    Authenticated,
    /// An identity federated from outside (GCP `principal://`, `principalSet://`).
    Federated,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::Service => "service",
            PrincipalKind::Account => "account",
            PrincipalKind::Anyone => "anyone",
            PrincipalKind::ServiceAccount => "service-account",
            PrincipalKind::Domain => "domain",
            PrincipalKind::Authenticated => "authenticated",
            PrincipalKind::Federated => "federated",
        }
    }

    /// Open to the public: anyone, or anyone signed in.
    pub fn is_public(self) -> bool {
        matches!(self, PrincipalKind::Anyone | PrincipalKind::Authenticated)
    }
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub root: usize,
    /// Terraform address, or for principals outside the configuration their ARN or name.
    pub address: String,
    /// `None` for principals outside the configuration.
    pub target: Option<Arc<Address>>,
    pub kind: PrincipalKind,
    pub name: Option<String>,
    /// IAM path (`/` by default).
    pub path: String,
    pub span: Span,
    pub tags: Tags,
    pub workloads: BTreeSet<String>,
    pub workload_reason: Reason,
    /// Groups a user belongs to.
    pub groups: BTreeSet<PrincipalId>,
    /// The permissions boundary: a document, or unknown (`Some(None)`).
    pub boundary: Option<Option<DocumentId>>,
    /// A declared inference-log reader (`[inference_logs] readers`).
    pub inference_log_reader: bool,
    /// The ML service its trust policy lets assume it (`sagemaker.amazonaws.com`): ML evidence
    /// for the name step.
    pub ml_service: Option<String>,
    pub unknown: BTreeSet<String>,
    pub cloud: Cloud,
}

impl Principal {
    /// Lives in the scanned configuration (not another account, a service or anyone).
    pub fn is_internal(&self) -> bool {
        self.target.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// An identity policy written inline on a role, user or group.
    Inline,
    /// A customer managed policy (`aws_iam_policy`).
    Managed,
    /// An AWS managed policy, from the catalog.
    AwsManaged,
    /// A policy on a resource (`aws_s3_bucket_policy`, `aws_cloudwatch_log_resource_policy`).
    Resource,
    /// A JSON policy file in the tree that nothing loads.
    Standalone,
    /// Role bindings of another cloud (GCP IAM members, bindings and policies, BigQuery access
    /// entries; Azure role assignments): each statement is one role granted to its members on
    /// one scope. `access::bindings` analyses them; the AWS analysis leaves them alone.
    Binding,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Inline => "inline",
            DocumentKind::Managed => "managed",
            DocumentKind::AwsManaged => "aws-managed",
            DocumentKind::Resource => "resource",
            DocumentKind::Standalone => "standalone",
            DocumentKind::Binding => "binding",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Document {
    pub root: usize,
    /// The block that holds it (`aws_iam_role_policy.trainer`), or the JSON file's path.
    pub owner: String,
    /// A name for reports: the policy name, the managed policy name, the file.
    pub name: String,
    pub kind: DocumentKind,
    /// The document itself: the `jsonencode(...)`, heredoc, data block, or JSON object.
    pub span: Span,
    pub statements: Vec<Statement>,
    /// The document lives outside the scanned files (AWS managed): findings point at attachments.
    pub external: bool,
    /// For bucket policies: the datastore it is attached to (its prefixes follow it).
    pub governs: Option<DatastoreId>,
    /// Used as a permissions boundary somewhere (limits, never grants).
    pub boundary: bool,
    /// For KMS key policies: the key it governs.
    pub key: Option<Arc<Address>>,
}

#[derive(Clone, Debug)]
pub struct Attachment {
    pub principal: PrincipalId,
    pub document: DocumentId,
    /// The block or element that attaches it.
    pub span: Span,
    pub address: String,
}

/// A deployment unit: a root module with the modules it calls, one `terraform apply` and usually
/// one account. A JSON policy file nothing loads joins the unit whose root directory holds it, or
/// is a unit of its own without a directory.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    /// The root directory relative to the scanned path, `/`-separated, `.` for the scanned
    /// directory; `None` for a policy file outside every root.
    pub dir: Option<String>,
    /// The absolute root directory.
    pub path: std::path::PathBuf,
    /// Account ids its default `aws` provider names literally (`allowed_account_ids`, the
    /// account of an `assume_role` role ARN).
    pub accounts: BTreeSet<String>,
    /// `[[account_groups]]` that list it.
    pub groups: BTreeSet<String>,
}

impl Unit {
    /// Known to deploy into the same account as `other`.
    pub fn shares_account(&self, other: &Unit) -> bool {
        !self.accounts.is_disjoint(&other.accounts) || !self.groups.is_disjoint(&other.groups)
    }
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub datastores: Vec<Datastore>,
    pub principals: Vec<Principal>,
    pub documents: Vec<Document>,
    pub attachments: Vec<Attachment>,
    pub endpoint_configs: Vec<ml::EndpointConfig>,
    pub endpoints: Vec<ml::Endpoint>,
    pub models: Vec<ml::Model>,
    pub agents: Vec<ml::Agent>,
    /// Every place a third-party AI service is used, in the order found.
    pub ai_uses: Vec<ml::AiUse>,
    /// Other ML resources the system description lists (pipelines, notebooks, feature groups,
    /// model package groups, autoscaling targets, monitoring schedules, guardrails), as data.
    pub components: Vec<ml::Component>,
    /// An `aws_bedrock_model_invocation_logging_configuration` is declared.
    pub bedrock_invocation_logging: bool,
    /// What the GCP front end found that the binding analysis needs (role bindings, projects).
    pub gcp: gcp::Gcp,
    /// What the Azure front end found, per root module (role assignments and their scopes).
    pub azure: azure_build::AzureUnits,
    /// Azure OpenAI accounts no diagnostic setting sends request logs from (IL002).
    pub azure_openai_unlogged: Vec<(String, Span)>,
    /// Resource instances seen, of any type.
    pub resources: usize,
    /// Root modules added.
    pub roots: usize,
    /// The deployment unit of each root, by root index.
    pub units: Vec<Unit>,
    /// Values a rule or the access report could not classify (a tag value that is no tier, ...).
    pub notes: Vec<(Option<Span>, String)>,
    /// Per root module (deployment unit), by its index: what shows ML work there and which
    /// words name its environment; the name step reads it.
    pub evidence: Vec<UnitEvidence>,
}

/// What a deployment unit (a root module with the modules it calls) shows about ML work, for
/// the name step (model.md, "Datastores and tiers" step 4).
#[derive(Clone, Debug, Default)]
pub struct UnitEvidence {
    /// The root module's directory (empty for a standalone JSON policy file).
    pub dir: std::path::PathBuf,
    /// ML resources of the unit, and principals whose ML workload came from config, a tag or
    /// the graph, or that an ML service assumes: `address (why)`.
    pub ml: Vec<String>,
    /// Glue jobs and EMR clusters with the buckets they touch: evidence when an ML resource of
    /// any unit touches one of those buckets too (a job feeding a feature group).
    pub data_jobs: Vec<(String, BTreeSet<String>)>,
    /// Buckets the unit's ML resources touch (by name, else by address).
    pub ml_buckets: BTreeSet<String>,
    /// Name words that name the environment or stage here, not data, with why.
    pub stage_words: BTreeMap<String, String>,
}

impl Inventory {
    /// Add what one evaluated root module declares.
    pub fn add_module(&mut self, ev: &Evaluated, sources: &Sources, config: &Config) {
        // awscc resources read in the shape of their `aws` counterparts (model::awscc)
        let translated = awscc::translate(ev);
        let ev = translated.as_ref().unwrap_or(ev);
        let root = self.roots;
        self.roots += 1;
        let dir = crate::source::display_path(sources.base(), &ev.root_dir);
        self.units.push(Unit {
            groups: config
                .account_groups
                .iter()
                .filter(|g| g.contains(&dir))
                .map(|g| g.name.get_ref().clone())
                .collect(),
            dir: Some(dir),
            path: ev.root_dir.clone(),
            accounts: provider_accounts(ev),
        });
        self.evidence.push(UnitEvidence {
            dir: ev.root_dir.clone(),
            ..UnitEvidence::default()
        });
        self.resources += ev.instances.len();
        let first = First {
            datastore: self.datastores.len(),
            principal: self.principals.len(),
            document: self.documents.len(),
        };
        let mut b = Builder {
            root,
            first,
            inv: self,
            sources,
            config,
            by_address: HashMap::new(),
            doc_by_span: HashMap::new(),
            managed_docs: HashMap::new(),
            policy_docs: HashMap::new(),
            external: HashMap::new(),
            tier_roles: HashMap::new(),
            graph_workloads: HashMap::new(),
        };
        let default_tags = default_tags(ev);
        // things others refer to, then what connects them, then the graph, then classification
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            // the `aws` provider's default tags are not the awscc provider's
            let no_defaults = BTreeMap::new();
            let defaults = if awscc::is_awscc(&r.address.rtype) {
                &no_defaults
            } else {
                &default_tags
            };
            let tags = || tags_of(r, defaults);
            match awscc::aws_type(&r.address.rtype).as_ref() {
                "aws_s3_bucket" => b.datastore(r, DatastoreKind::Bucket, "bucket", tags()),
                "aws_cloudwatch_log_group" => {
                    b.datastore(r, DatastoreKind::LogGroup, "name", tags())
                }
                "aws_iam_role" => b.principal(r, PrincipalKind::Role, tags()),
                "aws_iam_user" => b.principal(r, PrincipalKind::User, tags()),
                "aws_iam_group" => b.principal(r, PrincipalKind::Group, Tags::default()),
                _ => {}
            }
        }
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            b.storage(r);
            b.awscc_storage(r);
        }
        b.account_public_access_block(&ev.instances);
        b.config_prefixes();
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            b.iam(r);
        }
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            b.iam_links(r);
            b.awscc_iam_links(r);
        }
        b.external_principals();
        if gcp::uses_gcp(ev) {
            b.gcp(ev);
        }
        b.azure(ev);
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            b.graph(r);
        }
        b.classify();
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            b.ml(r);
        }
        b.ml_links(ev);
        b.awscc_ml_links(ev);
        b.unit_evidence(ev, &default_tags);
    }

    /// A JSON policy file found in the tree (not loaded by Terraform): part of the unit whose root
    /// directory holds it (the deepest), or a unit of its own.
    pub fn add_standalone(&mut self, owner: String, path: &std::path::Path, doc: &Value) {
        if let Some(statements) = policy::statements(doc) {
            let holder = (0..self.units.len())
                .filter(|&u| self.units[u].dir.is_some() && path.starts_with(&self.units[u].path))
                .max_by_key(|&u| self.units[u].path.components().count());
            let root = match holder {
                Some(u) => u,
                None => {
                    self.roots += 1;
                    self.units.push(Unit {
                        path: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                        ..Unit::default()
                    });
                    self.evidence.push(UnitEvidence::default());
                    self.roots - 1
                }
            };
            self.documents.push(Document {
                root,
                name: owner.clone(),
                owner,
                kind: DocumentKind::Standalone,
                span: doc.span,
                statements,
                external: false,
                governs: None,
                boundary: false,
                key: None,
            });
        }
    }

    /// The bucket a datastore lives in (itself for a bucket).
    pub fn bucket_of(&self, d: DatastoreId) -> DatastoreId {
        match &self.datastores[d].kind {
            DatastoreKind::Prefix { bucket, .. } => *bucket,
            _ => d,
        }
    }
}

/// Builds one root module's part of the inventory.
struct Builder<'a> {
    root: usize,
    /// Where this root's items start: a root's datastores, principals and documents are
    /// contiguous, so lookups within the root skip every other root's.
    first: First,
    inv: &'a mut Inventory,
    sources: &'a Sources,
    config: &'a Config,
    by_address: HashMap<Address, Entity>,
    /// Documents already registered, by where they are written and what they say: one
    /// `jsonencode` under `for_each` renders a different document per instance.
    doc_by_span: HashMap<(Span, u64), DocumentId>,
    /// AWS managed policies already loaded, by name.
    managed_docs: HashMap<String, DocumentId>,
    /// Customer managed policies (`aws_iam_policy`) by address.
    policy_docs: HashMap<Address, DocumentId>,
    /// Principals outside the configuration, by kind and identifier.
    external: HashMap<(PrincipalKind, String), PrincipalId>,
    /// Tiers the graph gives datastores, with the span that shows it.
    tier_roles: HashMap<DatastoreId, Vec<(Tier, String, Span)>>,
    /// Workloads the graph gives principals, and whether the resource that shows it is an ML
    /// resource (a SageMaker model, not a Glue job or a person).
    graph_workloads: HashMap<PrincipalId, Vec<(&'static str, String, Span, bool)>>,
}

#[derive(Clone, Copy)]
struct First {
    datastore: DatastoreId,
    principal: PrincipalId,
    document: DocumentId,
}

/// What an address names in the current root module.
#[derive(Clone, Copy)]
enum Entity {
    Datastore(DatastoreId),
    Principal(PrincipalId),
}

impl Builder<'_> {
    fn datastore(
        &mut self,
        r: &ResourceInstance,
        kind: DatastoreKind,
        name_attr: &str,
        tags: Tags,
    ) {
        let mut unknown = BTreeSet::new();
        let name = match r.attrs.get(name_attr) {
            Some(v) if v.has_unknown() => {
                unknown.insert("name".to_string());
                None
            }
            Some(v) => v.as_str().map(str::to_string),
            None => None,
        };
        if tags.unknown {
            unknown.insert("tags".to_string());
        }
        // `bucket_prefix`: Terraform appends a unique suffix to it
        let name_prefix = match (&kind, r.attrs.get(name_attr)) {
            (DatastoreKind::Bucket, None) => r
                .attrs
                .get("bucket_prefix")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            _ => None,
        };
        let id = self.inv.datastores.len();
        self.inv.datastores.push(Datastore {
            root: self.root,
            address: r.address.to_string(),
            target: r.address.clone(),
            kind,
            name,
            name_prefix,
            span: r.span,
            tags,
            tier: None,
            tier_reason: Reason::default(),
            name_hint: None,
            roles: BTreeSet::new(),
            storage: Storage::default(),
            capture_spans: Vec::new(),
            app_log_spans: Vec::new(),
            unknown,
        });
        self.by_address
            .insert((*r.address).clone(), Entity::Datastore(id));
    }

    fn principal(&mut self, r: &ResourceInstance, kind: PrincipalKind, tags: Tags) {
        let mut unknown = BTreeSet::new();
        let name = match r.attrs.get("name") {
            Some(v) if v.has_unknown() => {
                unknown.insert("name".to_string());
                None
            }
            Some(v) => v.as_str().map(str::to_string),
            None => None,
        };
        let path = r
            .attrs
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_string();
        let id = self.inv.principals.len();
        self.inv.principals.push(Principal {
            root: self.root,
            address: r.address.to_string(),
            target: Some(r.address.clone()),
            kind,
            name,
            path,
            span: r.span,
            tags,
            workloads: BTreeSet::new(),
            workload_reason: Reason::default(),
            groups: BTreeSet::new(),
            boundary: None,
            inference_log_reader: false,
            ml_service: None,
            unknown,
            cloud: Cloud::Aws,
        });
        self.by_address
            .insert((*r.address).clone(), Entity::Principal(id));
    }

    /// A principal outside the configuration, created once per root.
    fn external_principal(&mut self, kind: PrincipalKind, id: &str, span: Span) -> PrincipalId {
        if let Some(p) = self.external.get(&(kind, id.to_string())) {
            return *p;
        }
        let p = self.inv.principals.len();
        self.inv.principals.push(Principal {
            root: self.root,
            address: id.to_string(),
            target: None,
            kind,
            name: Some(id.to_string()),
            path: "/".into(),
            span,
            tags: Tags::default(),
            workloads: BTreeSet::new(),
            workload_reason: Reason {
                source: "none",
                text: "outside the configuration".into(),
                span: None,
            },
            groups: BTreeSet::new(),
            boundary: None,
            inference_log_reader: false,
            ml_service: None,
            unknown: BTreeSet::new(),
            cloud: Cloud::Aws,
        });
        self.external.insert((kind, id.to_string()), p);
        p
    }

    /// Principals that resource policies name and the configuration does not declare: anyone,
    /// AWS services, other accounts and their roles.
    fn external_principals(&mut self) {
        use crate::terraform::value::Part;
        let docs: Vec<DocumentId> = (self.first.document..self.inv.documents.len())
            .filter(|&d| {
                self.inv.documents[d].root == self.root
                    && self.inv.documents[d].kind == DocumentKind::Resource
            })
            .collect();
        for d in docs {
            let entries: Vec<(String, policy::Element)> = self.inv.documents[d]
                .statements
                .iter()
                .filter_map(|st| st.principals.as_ref())
                .flat_map(|(_, ps, _)| ps.iter().map(|p| (p.kind.clone(), p.id.clone())))
                .collect();
            for (kind, id) in entries {
                if matches!(id.parts.as_slice(), [Part::Ref(_)]) {
                    continue;
                }
                let Some(text) = id.literal() else { continue };
                let external = match kind.as_str() {
                    "*" => Some(PrincipalKind::Anyone),
                    "AWS" if text == "*" => Some(PrincipalKind::Anyone),
                    "Service" => Some(PrincipalKind::Service),
                    "AWS" => {
                        let internal =
                            [PrincipalKind::Role, PrincipalKind::User]
                                .into_iter()
                                .any(|k| {
                                    self.principal_ref(&Value::string(text, id.span), k)
                                        .is_some()
                                });
                        (!internal).then_some(PrincipalKind::Account)
                    }
                    _ => Some(PrincipalKind::Account),
                };
                if let Some(k) = external {
                    let name = if k == PrincipalKind::Anyone {
                        "*"
                    } else {
                        text
                    };
                    self.external_principal(k, name, id.span);
                }
            }
        }
    }

    /// Prefix datastores named by `[tiers]` ARN patterns (`arn:aws:s3:::lake/curated/*`).
    fn config_prefixes(&mut self) {
        let patterns: Vec<(String, Span)> = self
            .config
            .tiers
            .keys()
            .filter(|k| k.get_ref().starts_with("arn:"))
            .map(|k| (k.get_ref().clone(), Span::default()))
            .collect();
        for (pattern, _) in patterns {
            let Some(rest) = pattern.strip_prefix("arn:aws:s3:::") else {
                continue;
            };
            let Some((bucket, key)) = rest.split_once('/') else {
                continue;
            };
            let prefix = key.trim_end_matches('*');
            if prefix.is_empty() || bucket.contains(['*', '?']) {
                continue;
            }
            let buckets: Vec<DatastoreId> = (self.first.datastore..self.inv.datastores.len())
                .filter(|&i| {
                    let d = &self.inv.datastores[i];
                    d.root == self.root
                        && d.kind == DatastoreKind::Bucket
                        && d.name.as_deref() == Some(bucket)
                })
                .collect();
            for b in buckets {
                self.prefix_datastore(b, prefix);
            }
        }
    }

    /// The prefix datastore of a bucket, created on first use.
    fn prefix_datastore(&mut self, bucket: DatastoreId, prefix: &str) -> DatastoreId {
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        if prefix.is_empty() {
            return bucket;
        }
        // a prefix datastore is in its bucket's root, after the bucket
        if let Some(i) = (bucket..self.inv.datastores.len()).find(|&i| {
            self.inv.datastores[i].kind
                == DatastoreKind::Prefix {
                    bucket,
                    prefix: prefix.clone(),
                }
        }) {
            return i;
        }
        let b = self.inv.datastores[bucket].clone();
        let id = self.inv.datastores.len();
        self.inv.datastores.push(Datastore {
            address: format!("{}/{prefix}", b.address),
            kind: DatastoreKind::Prefix { bucket, prefix },
            tier: None,
            tier_reason: Reason::default(),
            name_hint: None,
            roles: BTreeSet::new(),
            capture_spans: Vec::new(),
            app_log_spans: Vec::new(),
            ..b
        });
        id
    }
}

/// Account ids the root's default `aws` provider names literally (all `aws` providers' when
/// every one has an alias): `allowed_account_ids` and `assume_role` role ARNs.
fn provider_accounts(ev: &Evaluated) -> BTreeSet<String> {
    let aws: Vec<&Value> = ev
        .providers
        .iter()
        .filter(|(name, _)| name == "aws")
        .map(|(_, body)| body)
        .collect();
    let default: Vec<&Value> = aws
        .iter()
        .copied()
        .filter(|b| b.get("alias").is_none_or(Value::is_null))
        .collect();
    let chosen = if default.is_empty() { aws } else { default };
    let mut out = BTreeSet::new();
    let account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    for body in chosen {
        for id in body
            .get("allowed_account_ids")
            .map(|v| v.one_or_many())
            .unwrap_or_default()
        {
            if let Some(s) = id.as_str().filter(|s| account(s)) {
                out.insert(s.to_string());
            }
        }
        for role in body
            .get("assume_role")
            .map(|v| v.one_or_many())
            .unwrap_or_default()
        {
            let arn = role.get("role_arn").and_then(Value::as_str);
            if let Some(id) = arn.and_then(|a| a.split(':').nth(4)).filter(|s| account(s)) {
                out.insert(id.to_string());
            }
        }
    }
    out
}

/// `default_tags` of the root module's `aws` provider (without alias).
fn default_tags(ev: &Evaluated) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, body) in &ev.providers {
        if name != "aws" || body.get("alias").is_some() {
            continue;
        }
        for b in body
            .get("default_tags")
            .and_then(Value::as_list)
            .unwrap_or_default()
        {
            for e in b
                .get("tags")
                .and_then(|t| t.as_object())
                .unwrap_or_default()
            {
                if let Some(s) = e.value.to_plain_string() {
                    out.insert(e.key.clone(), s);
                }
            }
        }
    }
    out
}

fn tags_of(r: &ResourceInstance, defaults: &BTreeMap<String, String>) -> Tags {
    tags_in(r, "tags", defaults)
}

/// A resource's string map attribute (`tags`, GCP's `labels`) over the provider's defaults, the
/// resource's values winning; a value not known makes the whole map unknown.
pub(crate) fn tags_in(
    r: &ResourceInstance,
    attribute: &str,
    defaults: &BTreeMap<String, String>,
) -> Tags {
    let mut tags = Tags {
        map: defaults.clone(),
        ..Tags::default()
    };
    if let Some(e) = r.attrs.entry(attribute) {
        tags.span = Some(e.key_span.to(e.value.span));
        match &e.value.decoded().kind {
            crate::terraform::value::Kind::Object(entries) => {
                for t in entries.iter() {
                    match t.value.to_plain_string() {
                        Some(s) => {
                            tags.map.insert(t.key.clone(), s);
                        }
                        None if t.value.is_null() => {}
                        None => tags.unknown = true,
                    }
                }
            }
            crate::terraform::value::Kind::Null => {}
            _ => tags.unknown = true,
        }
    }
    tags
}
