//! The Azure front end: what an evaluated root module declares on Azure (azurerm 3.x and 4.x
//! resource and argument names, checked against hashicorp/terraform-provider-azurerm's
//! `website/docs/r/*.html.markdown` at v4.x; managed online endpoints through `azapi_resource`),
//! as typed items: storage accounts and their containers (ADLS Gen2 filesystems included, with
//! their POSIX ACL entries), Log Analytics workspaces, Application Insights, ML workspaces,
//! online endpoints and deployments, Azure OpenAI accounts and deployments, diagnostic
//! settings, identities, role assignments and custom role definitions.
//!
//! Role assignment scopes are resolved here to a [`Scope`] so the access analysis can apply
//! Azure's inheritance (management group > subscription > resource group > account > container)
//! without reading Terraform again.

use super::{tags_in, Tags};
use crate::source::Span;
use crate::terraform::value::{Address, Mode, Part, Reference, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A boolean argument: its value when known, and where it is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flag {
    /// Not written: the provider's default applies.
    #[default]
    Absent,
    Known(bool),
    /// Written, but not known statically.
    Unknown,
}

impl Flag {
    fn of(v: Option<&Value>) -> Flag {
        match v {
            None => Flag::Absent,
            Some(v) if v.is_null() => Flag::Absent,
            Some(v) => v.as_bool().map_or(Flag::Unknown, Flag::Known),
        }
    }

    /// The value with the provider's default for an absent argument; `None` when unknown.
    pub fn or_default(self, default: bool) -> Option<bool> {
        match self {
            Flag::Absent => Some(default),
            Flag::Known(b) => Some(b),
            Flag::Unknown => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct StorageAccount {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    /// `resource_group_name` as written (a reference to a resource group's `name`, or text).
    pub resource_group: Option<Vec<Part>>,
    pub tags: BTreeMap<String, String>,
    pub tags_span: Option<Span>,
    /// `allow_nested_items_to_be_public` (3.x and 4.x; the provider's default is true, unlike
    /// the Azure API's: hashicorp/terraform-provider-azurerm#27513) or the 2.x
    /// `allow_blob_public_access`.
    pub nested_public: Flag,
    pub nested_public_span: Option<Span>,
    /// `public_network_access_enabled` (default true).
    pub public_network: Flag,
    /// `network_rules { default_action = "Deny" }`, or an `azurerm_storage_account_network_rules`.
    pub network_deny: bool,
    /// `shared_access_key_enabled` (default true): account keys and SAS work.
    pub shared_key: Flag,
    /// `customer_managed_key` block or an `azurerm_storage_account_customer_managed_key`.
    pub cmk: bool,
    /// `blob_properties { versioning_enabled = true }`.
    pub versioning: bool,
    /// `versioning_enabled` is written but not known statically.
    pub versioning_unknown: bool,
    /// Lifecycle rules (`azurerm_storage_management_policy`) that delete base blobs: (prefix
    /// filters, days; empty prefixes cover every container).
    pub lifecycle: Vec<(Vec<String>, i64)>,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    /// Index into `Azure::accounts`.
    pub account: Option<usize>,
    /// `container_access_type`: `private` (default), `blob` or `container`.
    pub access_type: Option<String>,
    pub access_type_span: Option<Span>,
    pub metadata: BTreeMap<String, String>,
    pub metadata_span: Option<Span>,
    /// An ADLS Gen2 filesystem (`azurerm_storage_data_lake_gen2_filesystem`).
    pub filesystem: bool,
    /// Not a declared container: the containers Azure ML creates itself in an ML workspace's
    /// default storage account (`address` and `account` are the account's).
    pub whole_account: bool,
    pub unknown: BTreeSet<String>,
}

/// One POSIX ACL entry of an ADLS Gen2 filesystem or path: data access outside RBAC.
#[derive(Clone, Debug)]
pub struct Ace {
    /// Index into `Azure::containers`.
    pub container: usize,
    /// `user`, `group`, `mask`, `other` (lower case).
    pub kind: String,
    /// The object id (`id`), as written.
    pub id: Option<Value>,
    /// Who `id` names, resolved once identities are known.
    pub assignee: Assignee,
    /// What the entry grants, after the ACL's mask.
    pub read: bool,
    pub write: bool,
    /// `default` entries apply to children created later; `access` entries to the path itself.
    pub default_scope: bool,
    /// The ACL's `mask` entry removed some of the entry's permissions (`read` and `write` are
    /// what is left).
    pub masked: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LogWorkspace {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub resource_group: Option<Vec<Part>>,
    pub tags: BTreeMap<String, String>,
    pub tags_span: Option<Span>,
    /// `retention_in_days` (absent: 30 days, the service default).
    pub retention_days: Option<i64>,
    pub retention_span: Option<Span>,
    /// Linked to a dedicated cluster with a customer-managed key.
    pub cmk: bool,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct AppInsights {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    /// The Log Analytics workspace it stores into (`workspace_id`).
    pub workspace: Option<Arc<Address>>,
}

#[derive(Clone, Debug)]
pub struct MlWorkspace {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub resource_group: Option<Vec<Part>>,
    /// Its default storage account (`storage_account_id`), index into `Azure::accounts`.
    pub storage_account: Option<usize>,
    pub app_insights: Option<Arc<Address>>,
}

/// A managed online endpoint or deployment (`azapi_resource` of the
/// `Microsoft.MachineLearningServices/workspaces/onlineEndpoints[/deployments]` type).
#[derive(Clone, Debug)]
pub struct OnlineEndpoint {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    /// A deployment (logging is configured per deployment), else the endpoint.
    pub deployment: bool,
    /// `properties.appInsightsEnabled`.
    pub app_insights: Flag,
    /// `properties.dataCollector` collects both `model_inputs` and `model_outputs`.
    pub data_collector: bool,
    /// Where logging is written: `dataCollector`, else `appInsightsEnabled`.
    pub logging_span: Option<Span>,
    /// The body could not be read (unknown, or `jsonencode` of something unresolved).
    pub body_unknown: bool,
    /// `tags` say `data-classification = public`.
    pub public_data: bool,
    /// A deployment's endpoint (`parent_id`, a reference to the endpoint resource).
    pub parent: Option<Arc<Address>>,
    /// A deployment's `properties.model`: the model asset it serves (a workspace or registry
    /// model id), as written; `None` when not written (a custom container carries the model).
    pub model: Option<String>,
    pub model_span: Option<Span>,
    /// `properties.model` is written but not known statically.
    pub model_unknown: bool,
}

/// An Azure ML schedule (`azapi_resource` of the `.../workspaces/schedules` type) whose action
/// creates a model monitor (`actionType = "CreateMonitor"`), with what it monitors.
#[derive(Clone, Debug)]
pub struct MonitorSchedule {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    /// `properties.monitorDefinition.monitoringTarget.deploymentId`: the resources it refers to.
    pub target_refs: Vec<Arc<Address>>,
    /// The same, as text when written literally (an ARM or `azureml:` id).
    pub target_text: Option<String>,
    /// The target could not be read (unknown, or not written): it may monitor any endpoint.
    pub target_unknown: bool,
    /// `signals` by their `signalType` (`DataDrift`, `PredictionDrift`, ...).
    pub signals: Vec<String>,
    /// The trigger: a cron `expression`, or a recurrence `frequency`.
    pub trigger: Option<String>,
}

/// `azurerm_monitor_metric_alert`: the resources its `scopes` name.
#[derive(Clone, Debug)]
pub struct MetricAlert {
    pub address: Arc<Address>,
    pub span: Span,
    pub scope_refs: Vec<Arc<Address>>,
    pub scope_texts: Vec<String>,
    /// Some scope could not be read.
    pub scopes_unknown: bool,
}

/// What monitors or alerts target, indexed once (a lookup per endpoint, not a scan): the
/// first item naming each address or endpoint name, and the first whose target is not known.
#[derive(Clone, Debug, Default)]
pub struct TargetIndex {
    by_address: HashMap<Arc<Address>, usize>,
    /// Endpoint names (lower case) in `/onlineEndpoints/<name>` of ARM or `azureml:` ids.
    by_name: HashMap<String, usize>,
    unknown: Option<usize>,
}

impl TargetIndex {
    fn add(&mut self, i: usize, refs: &[Arc<Address>], texts: &[&str], unknown: bool) {
        for r in refs {
            self.by_address.entry(r.clone()).or_insert(i);
        }
        for t in texts {
            let lower = t.to_ascii_lowercase();
            for after in lower.split("/onlineendpoints/").skip(1) {
                let name = after.split('/').next().unwrap_or_default();
                if !name.is_empty() {
                    self.by_name.entry(name.to_string()).or_insert(i);
                }
            }
        }
        if unknown && self.unknown.is_none() {
            self.unknown = Some(i);
        }
    }
}

/// A subscription the configuration deploys into or names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedSubscription {
    /// Its id when written literally; `None` is the subscription the provider runs in, not
    /// known statically ("this subscription", as an unknown AWS account is "this account").
    pub id: Option<String>,
    /// What names it (`provider "azurerm"`, `data.azurerm_subscription.current`, the scope of
    /// `azurerm_role_assignment.x`).
    pub how: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct CognitiveAccount {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub resource_group: Option<Vec<Part>>,
    /// `kind`: `OpenAI`, `AIServices`, ...
    pub kind: Option<String>,
    pub cmk: bool,
}

impl CognitiveAccount {
    /// Azure OpenAI: an account of kind `OpenAI` or `AIServices` (rules.md, TP001).
    pub fn is_openai(&self) -> bool {
        matches!(self.kind.as_deref(), Some(k) if k.eq_ignore_ascii_case("OpenAI") || k.eq_ignore_ascii_case("AIServices"))
    }
}

#[derive(Clone, Debug)]
pub struct CognitiveDeployment {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub account: Option<Arc<Address>>,
    /// `model { format, name }` (`OpenAI/gpt-4o`) and `version`.
    pub model: Option<String>,
    pub model_version: Option<String>,
    pub rai_policy: Option<Value>,
}

/// A custom content filter policy (`azurerm_cognitive_account_rai_policy`).
#[derive(Clone, Debug)]
pub struct RaiPolicy {
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub account: Option<Arc<Address>>,
    /// `content_filter` blocks with `filter_enabled = false` or `block_enabled = false`.
    pub disabled_filters: Vec<Span>,
}

/// `azurerm_monitor_diagnostic_setting`: where a resource's logs go.
#[derive(Clone, Debug)]
pub struct DiagnosticSetting {
    pub address: Arc<Address>,
    pub span: Span,
    pub target: Option<Arc<Address>>,
    pub log_workspace: Option<Arc<Address>>,
    pub storage_account: Option<Arc<Address>>,
    /// Enabled log categories and category groups (`enabled_log`, or `log` with `enabled`).
    pub categories: BTreeSet<String>,
    /// A category could not be evaluated.
    pub categories_unknown: bool,
}

impl DiagnosticSetting {
    /// Sends request and response logs: the `RequestResponse` or `Audit` category, or the
    /// `allLogs` / `audit` groups (IL002 on Azure OpenAI).
    pub fn logs_requests(&self) -> bool {
        self.categories.iter().any(|c| {
            ["requestresponse", "audit", "alllogs"].contains(&c.to_ascii_lowercase().as_str())
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    /// `azurerm_user_assigned_identity`.
    UserAssigned,
    /// The system-assigned identity of a resource (`identity { type = "SystemAssigned" }`).
    SystemAssigned,
    /// `azuread_service_principal`, `azuread_group`, `azuread_user`.
    Directory(&'static str),
}

#[derive(Clone, Debug)]
pub struct Identity {
    /// The resource; for a system-assigned identity, the resource that has it.
    pub address: Arc<Address>,
    pub span: Span,
    pub name: Option<String>,
    pub kind: IdentityKind,
}

/// Where a role assignment applies, resolved from its `scope`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    ManagementGroup,
    Subscription,
    /// A resource group, by its name when known and by its address when declared.
    ResourceGroup {
        name: Option<String>,
        address: Option<Arc<Address>>,
    },
    StorageAccount(usize),
    Container(usize),
    LogWorkspace(usize),
    AppInsights(usize),
    /// An ML workspace, by index into `Azure::ml_workspaces`.
    MlWorkspace(usize),
    /// A cognitive services account, by index into `Azure::cognitive`.
    Cognitive(usize),
    /// Another resource: covers nothing the rules read.
    Other,
    /// Not known statically: covers nothing (never guessed).
    Unknown,
}

impl Scope {
    /// Wider than one resource (DT005's resource wildcard).
    pub fn is_broad(&self) -> bool {
        matches!(
            self,
            Scope::ManagementGroup | Scope::Subscription | Scope::ResourceGroup { .. }
        )
    }
}

/// Who a role assignment names, resolved from its `principal_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    /// Index into `Azure::identities`.
    Identity(usize),
    /// The identity running Terraform (`data.azurerm_client_config.*.object_id`).
    Deployer,
    /// An object id written literally, with `principal_type` when given.
    ObjectId { id: String, kind: Option<String> },
    /// Not known statically (a variable without value): never guessed.
    Unknown,
}

/// The role a role assignment grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// A built-in role by name or id.
    Builtin(String),
    /// A custom role of the configuration, index into `Azure::role_definitions`.
    Custom(usize),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub address: Arc<Address>,
    pub span: Span,
    pub scope: Scope,
    pub scope_span: Span,
    pub role: RoleRef,
    pub role_span: Span,
    pub assignee: Assignee,
    /// An ABAC `condition`: the grant is conditional.
    pub condition: bool,
    /// A PIM eligible assignment (`azurerm_pim_eligible_role_assignment`): the principal holds
    /// the role only once it activates it.
    pub eligible: bool,
    /// The scope is a management group of the configuration (its address).
    pub management_group: Option<Arc<Address>>,
}

/// A subscription a management group declares it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// The subscription the provider deploys into (`data "azurerm_subscription"` without
    /// `subscription_id`).
    Current,
    /// A subscription id (GUID), lower case.
    Id(String),
    /// Not known statically.
    Unknown,
}

/// An `azurerm_management_group` of the configuration.
#[derive(Clone, Debug)]
pub struct ManagementGroup {
    pub address: Arc<Address>,
    /// `parent_management_group_id`, when it names a management group of the configuration.
    pub parent: Option<Arc<Address>>,
    /// Its subscriptions: `subscription_ids` and `azurerm_management_group_subscription_association`s.
    pub members: Vec<Subscription>,
    /// `subscription_ids` is written, or an association names the group: the configuration
    /// says which subscriptions it holds.
    pub declared: bool,
}

#[derive(Clone, Debug)]
pub struct CustomRole {
    pub address: Arc<Address>,
    pub span: Span,
    pub definition: crate::access::azure_roles::RoleDefinition,
}

/// An Azure ML datastore (`azurerm_machine_learning_datastore_blobstorage`, `_datalake_gen2`):
/// the container it points at is ML data.
#[derive(Clone, Debug)]
pub struct MlDatastore {
    pub address: Arc<Address>,
    pub span: Span,
    pub container: Option<usize>,
}

/// What one root module declares on Azure.
#[derive(Clone, Debug, Default)]
pub struct Azure {
    pub accounts: Vec<StorageAccount>,
    pub containers: Vec<Container>,
    pub aces: Vec<Ace>,
    pub log_workspaces: Vec<LogWorkspace>,
    pub app_insights: Vec<AppInsights>,
    pub ml_workspaces: Vec<MlWorkspace>,
    pub endpoints: Vec<OnlineEndpoint>,
    pub cognitive: Vec<CognitiveAccount>,
    pub deployments: Vec<CognitiveDeployment>,
    pub rai_policies: Vec<RaiPolicy>,
    pub diagnostics: Vec<DiagnosticSetting>,
    pub identities: Vec<Identity>,
    pub assignments: Vec<RoleAssignment>,
    pub role_definitions: Vec<CustomRole>,
    pub ml_datastores: Vec<MlDatastore>,
    /// Model monitors (Azure ML schedules that create a monitor).
    pub schedules: Vec<MonitorSchedule>,
    pub metric_alerts: Vec<MetricAlert>,
    /// Per online endpoint (by index into `endpoints`), its deployments.
    pub endpoint_deployments: Vec<Vec<usize>>,
    monitor_targets: TargetIndex,
    alert_targets: TargetIndex,
    /// The subscriptions it deploys into (the provider's first) and names.
    pub subscriptions: Vec<NamedSubscription>,
    /// Management groups of the configuration and the subscriptions they declare.
    pub management_groups: Vec<ManagementGroup>,
    /// The default `azurerm` provider's `subscription_id`, when written literally: the
    /// subscription this root module deploys into.
    pub provider_subscription: Option<String>,
    /// Identities used by ML resources, with the workload the resource shows and why.
    pub workloads: Vec<(usize, &'static str, String, Span)>,
}

impl Azure {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.containers.is_empty()
            && self.log_workspaces.is_empty()
            && self.app_insights.is_empty()
            && self.ml_workspaces.is_empty()
            && self.endpoints.is_empty()
            && self.cognitive.is_empty()
            && self.assignments.is_empty()
    }

    /// The deployments of an online endpoint (their `parent_id` names it).
    pub fn deployments_of(&self, e: usize) -> impl Iterator<Item = usize> + '_ {
        self.endpoint_deployments
            .get(e)
            .into_iter()
            .flatten()
            .copied()
    }

    /// The first of `items` (by index) whose target names an online endpoint or one of its
    /// deployments.
    fn target_of(&self, index: &TargetIndex, e: usize) -> Option<usize> {
        let addresses = std::iter::once(&self.endpoints[e].address)
            .chain(self.deployments_of(e).map(|d| &self.endpoints[d].address));
        let by_name = self.endpoints[e]
            .name
            .as_ref()
            .and_then(|n| index.by_name.get(&n.to_ascii_lowercase()));
        addresses
            .filter_map(|a| index.by_address.get(a))
            .chain(by_name)
            .chain(index.unknown.as_ref())
            .min()
            .copied()
    }

    /// The model monitor that targets an online endpoint (one of its deployments); a monitor
    /// whose target is not known may target it.
    pub fn monitor_of(&self, e: usize) -> Option<&MonitorSchedule> {
        self.target_of(&self.monitor_targets, e)
            .map(|i| &self.schedules[i])
    }

    /// A metric alert whose scopes include the endpoint or one of its deployments (weaker
    /// evidence); an alert whose scopes are not known may watch it.
    pub fn alert_of(&self, e: usize) -> Option<&MetricAlert> {
        self.target_of(&self.alert_targets, e)
            .map(|i| &self.metric_alerts[i])
    }

    /// Does a scope cover a container? Azure's inheritance: an assignment on a management
    /// group, subscription, resource group or account reaches every container below it.
    /// Subscriptions and management groups reach the containers of this root module (one
    /// deployment, one subscription, as model.md's deployment units).
    pub fn covers_container(&self, scope: &Scope, c: usize) -> bool {
        match scope {
            Scope::Container(x) => *x == c,
            Scope::ManagementGroup | Scope::Subscription => true,
            _ => self.containers[c]
                .account
                .is_some_and(|a| self.covers_account(scope, a)),
        }
    }

    /// Does a scope cover a storage account as a whole (its keys)?
    pub fn covers_account(&self, scope: &Scope, a: usize) -> bool {
        let itself = matches!(scope, Scope::StorageAccount(x) if *x == a);
        self.covers_resource(scope, itself, &self.accounts[a].resource_group)
    }

    /// Does a scope cover a Log Analytics workspace?
    pub fn covers_log_workspace(&self, scope: &Scope, w: usize) -> bool {
        let itself = matches!(scope, Scope::LogWorkspace(x) if *x == w);
        self.covers_resource(scope, itself, &self.log_workspaces[w].resource_group)
    }

    /// Inheritance for one resource: the scope is the resource itself, or a management group,
    /// subscription or resource group above it.
    fn covers_resource(&self, scope: &Scope, itself: bool, group: &Option<Vec<Part>>) -> bool {
        match scope {
            Scope::ManagementGroup | Scope::Subscription => true,
            Scope::ResourceGroup { name, address } => self.in_group(group, name, address),
            _ => itself,
        }
    }

    /// Does a scope cover an ML workspace or cognitive account (model control plane)? A
    /// subscription or management group does, as `*` does on AWS; a resource group when it
    /// holds one of the configuration's workspaces or accounts, or when the group of one of
    /// them is not known.
    pub fn covers_control(&self, scope: &Scope) -> bool {
        match scope {
            Scope::ManagementGroup
            | Scope::Subscription
            | Scope::MlWorkspace(_)
            | Scope::Cognitive(_) => true,
            Scope::ResourceGroup { name, address } => self
                .ml_workspaces
                .iter()
                .map(|w| &w.resource_group)
                .chain(self.cognitive.iter().map(|c| &c.resource_group))
                .any(|rg| {
                    let known = matches!(rg.as_deref(), Some([Part::Lit(_)] | [Part::Ref(_)]));
                    !known || self.in_group(rg, name, address)
                }),
            _ => false,
        }
    }

    /// Does a management group of the configuration hold this root module's subscription?
    /// `Some(false)` only when the configuration declares the subscriptions of the group and of
    /// every group below it, each of them is known, and none is the provider's subscription
    /// (or the group holds none at all); `None` when that cannot be told (never guessed).
    pub fn management_group_holds_unit(&self, group: &Address) -> Option<bool> {
        let mut pending = vec![group];
        let mut seen: BTreeSet<&Address> = BTreeSet::new();
        let mut unknown = false;
        while let Some(g) = pending.pop() {
            if !seen.insert(g) {
                continue;
            }
            let mg = self.management_groups.iter().find(|m| *m.address == *g)?;
            if !mg.declared {
                return None;
            }
            for m in &mg.members {
                match m {
                    Subscription::Current => return Some(true),
                    Subscription::Id(id) => match &self.provider_subscription {
                        Some(p) if p == id => return Some(true),
                        Some(_) => {}
                        None => unknown = true,
                    },
                    Subscription::Unknown => unknown = true,
                }
            }
            pending.extend(
                self.management_groups
                    .iter()
                    .filter(|c| c.parent.as_deref() == Some(g))
                    .map(|c| &*c.address),
            );
        }
        (!unknown).then_some(false)
    }

    fn in_group(
        &self,
        written: &Option<Vec<Part>>,
        name: &Option<String>,
        address: &Option<Arc<Address>>,
    ) -> bool {
        match written.as_deref() {
            Some([Part::Lit(s)]) => name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)),
            Some([Part::Ref(r)]) => address.as_ref().is_some_and(|a| **a == *r.target),
            _ => false,
        }
    }
}

/// The address a value refers to, when it is exactly one reference (`azurerm_x.y.id`).
fn single_ref(v: &Value) -> Option<&Reference> {
    match &v.kind {
        crate::terraform::value::Kind::Symbolic(parts) => match parts.as_slice() {
            [Part::Ref(r)] => Some(r),
            _ => None,
        },
        _ => None,
    }
}

/// A value as the report shows it: the text, or its parts with references as `${...}`.
pub(crate) fn display_text(v: &Value) -> String {
    if let Some(s) = v.as_str() {
        return s.to_string();
    }
    match v.string_parts() {
        Some(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Ref(r) => format!("${{{}.{}}}", r.target, r.attr),
            })
            .collect(),
        None => "(not known statically)".to_string(),
    }
}

/// A subscription's id from its GUID or its resource id (`/subscriptions/<id>`).
fn subscription_id(text: &str) -> &str {
    let t = text.trim_matches('/');
    match t.split_once('/') {
        Some((head, rest)) if head.eq_ignore_ascii_case("subscriptions") => {
            rest.split('/').next().unwrap_or_default()
        }
        _ if t.contains('/') => "",
        _ => t,
    }
}

/// One element of a metric alert's `scopes`.
fn scope_item(v: &Value, alert: &mut MetricAlert) {
    match v.string_parts() {
        Some(parts) => {
            let mut any = false;
            for p in &parts {
                if let Part::Ref(r) = p {
                    alert.scope_refs.push(r.target.clone());
                    any = true;
                }
            }
            match v.as_str() {
                Some(s) => alert.scope_texts.push(s.to_string()),
                None if !any => alert.scopes_unknown = true,
                None => {}
            }
        }
        None => alert.scopes_unknown = true,
    }
}

fn ref_target(v: Option<&Value>) -> Option<Arc<Address>> {
    v.and_then(single_ref).map(|r| r.target.clone())
}

fn blocks<'a>(r: &'a ResourceInstance, name: &str) -> Vec<&'a Value> {
    r.attrs
        .get(name)
        .map(|v| v.one_or_many())
        .unwrap_or_default()
}

fn attr_span(r: &ResourceInstance, name: &str) -> Option<Span> {
    r.attrs.entry(name).map(|e| e.key_span.to(e.value.span))
}

fn name_of(r: &ResourceInstance, unknown: &mut BTreeSet<String>) -> Option<String> {
    match r.attrs.get("name") {
        Some(v) if v.has_unknown() => {
            unknown.insert("name".into());
            None
        }
        Some(v) => v.as_str().map(str::to_string),
        None => None,
    }
}

/// A role assignment scope written as an ARM resource id (`/subscriptions/...`).
fn parse_scope_text(text: &str, az: &Azure) -> Scope {
    let segs: Vec<&str> = text.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let find = |key: &str| {
        lower
            .iter()
            .position(|s| s == key)
            .and_then(|i| segs.get(i + 1).copied())
    };
    if lower.first().map(String::as_str) == Some("providers")
        && lower.get(1).map(String::as_str) == Some("microsoft.management")
    {
        return Scope::ManagementGroup;
    }
    if let Some(c) = find("containers") {
        let account = find("storageaccounts");
        return az
            .containers
            .iter()
            .position(|x| {
                x.name.as_deref() == Some(c)
                    && x.account.and_then(|a| az.accounts[a].name.as_deref()) == account
            })
            .map_or(Scope::Other, Scope::Container);
    }
    if let Some(a) = find("storageaccounts") {
        return az
            .accounts
            .iter()
            .position(|x| x.name.as_deref() == Some(a))
            .map_or(Scope::Other, Scope::StorageAccount);
    }
    if lower.iter().any(|s| s == "providers") {
        return Scope::Other;
    }
    if let Some(rg) = find("resourcegroups") {
        return Scope::ResourceGroup {
            name: Some(rg.to_string()),
            address: None,
        };
    }
    if lower.first().map(String::as_str) == Some("subscriptions") {
        return Scope::Subscription;
    }
    Scope::Unknown
}

/// Collects one root module's Azure resources.
struct Collector<'a> {
    ev: &'a Evaluated,
    az: Azure,
    by_address: HashMap<Arc<Address>, &'a ResourceInstance>,
}

/// What an evaluated root module declares on Azure.
pub fn collect(ev: &Evaluated) -> Azure {
    let mut c = Collector {
        ev,
        az: Azure::default(),
        by_address: ev
            .instances
            .iter()
            .map(|r| (r.address.clone(), r))
            .collect(),
    };
    c.run();
    c.az
}

impl<'a> Collector<'a> {
    fn managed(&self, rtype: &'a str) -> impl Iterator<Item = &'a ResourceInstance> + 'a {
        self.ev
            .instances
            .iter()
            .filter(move |r| r.address.mode == Mode::Managed && r.address.rtype == rtype)
    }

    fn account_index(&self, v: Option<&Value>) -> Option<usize> {
        let target = ref_target(v)?;
        self.az.accounts.iter().position(|a| a.address == target)
    }

    fn account_by_name(&self, v: Option<&Value>) -> Option<usize> {
        let v = v?;
        if let Some(r) = single_ref(v) {
            return self.az.accounts.iter().position(|a| a.address == r.target);
        }
        let name = v.as_str()?;
        self.az
            .accounts
            .iter()
            .position(|a| a.name.as_deref() == Some(name))
    }

    fn run(&mut self) {
        self.accounts();
        self.containers();
        self.log_workspaces();
        for r in self.managed("azurerm_application_insights") {
            self.az.app_insights.push(AppInsights {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                workspace: ref_target(r.attrs.get("workspace_id")),
            });
        }
        for r in self.managed("azurerm_machine_learning_workspace") {
            let storage_account = self.account_index(r.attrs.get("storage_account_id"));
            self.az.ml_workspaces.push(MlWorkspace {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                storage_account,
                resource_group: r
                    .attrs
                    .get("resource_group_name")
                    .and_then(Value::string_parts),
                app_insights: ref_target(r.attrs.get("application_insights_id")),
            });
        }
        // workspaces and registries written with azapi (newer API versions, AI Foundry hubs)
        for r in self.managed("azapi_resource") {
            let ty = r
                .attrs
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            if ty.starts_with("microsoft.machinelearningservices/workspaces@")
                || ty.starts_with("microsoft.machinelearningservices/registries@")
            {
                self.az.ml_workspaces.push(MlWorkspace {
                    address: r.address.clone(),
                    span: r.span,
                    name: r
                        .attrs
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    resource_group: r.attrs.get("parent_id").and_then(Value::string_parts),
                    storage_account: self.azapi_storage_account(r),
                    app_insights: None,
                });
            }
        }
        self.default_storage();
        self.endpoints();
        self.schedules();
        self.metric_alerts();
        self.index_targets();
        self.subscriptions();
        self.cognitive();
        self.diagnostics();
        self.identities();
        self.role_definitions();
        self.assignments();
        for i in 0..self.az.aces.len() {
            if let Some(id) = self.az.aces[i].id.clone() {
                self.az.aces[i].assignee = self.assignee(&id, None);
            }
        }
        self.ml_datastores();
        self.management_groups();
    }

    fn accounts(&mut self) {
        for r in self.managed("azurerm_storage_account") {
            let mut unknown = BTreeSet::new();
            let name = name_of(r, &mut unknown);
            let Tags {
                map: tags,
                unknown: tags_unknown,
                ..
            } = tags_in(r, "tags", &BTreeMap::new());
            if tags_unknown {
                unknown.insert("tags".into());
            }
            let (nested_public, nested_public_span) = [
                "allow_nested_items_to_be_public",
                "allow_blob_public_access",
            ]
            .iter()
            .find_map(|k| r.attrs.get(k).map(|v| (Flag::of(Some(v)), attr_span(r, k))))
            .unwrap_or((Flag::Absent, None));
            let network_deny = blocks(r, "network_rules").iter().any(|b| {
                b.get("default_action")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("Deny"))
            });
            let versioning = blocks(r, "blob_properties")
                .iter()
                .any(|b| b.get("versioning_enabled").and_then(Value::as_bool) == Some(true));
            // a `versioning_enabled` from a value not known, or blob properties not known at
            // all (absent means off: the provider's default)
            let versioning_unknown = !versioning
                && (r.attrs.get("blob_properties").is_some_and(|v| {
                    v.has_unknown() && v.as_object().is_none() && v.one_or_many().is_empty()
                }) || blocks(r, "blob_properties").iter().any(|b| {
                    b.get("versioning_enabled")
                        .is_some_and(|v| !v.is_null() && v.as_bool().is_none())
                }));
            let cmk = !blocks(r, "customer_managed_key").is_empty();
            self.az.accounts.push(StorageAccount {
                address: r.address.clone(),
                span: r.span,
                name,
                resource_group: r
                    .attrs
                    .get("resource_group_name")
                    .and_then(Value::string_parts),
                tags,
                tags_span: attr_span(r, "tags"),
                nested_public,
                nested_public_span,
                public_network: Flag::of(r.attrs.get("public_network_access_enabled")),
                network_deny,
                shared_key: Flag::of(r.attrs.get("shared_access_key_enabled")),
                cmk,
                versioning,
                versioning_unknown,
                lifecycle: Vec::new(),
                unknown,
            });
        }
        // settings written as resources of their own
        for r in self.managed("azurerm_storage_account_network_rules") {
            if let Some(a) = self.account_index(r.attrs.get("storage_account_id")) {
                if r.attrs
                    .get("default_action")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("Deny"))
                {
                    self.az.accounts[a].network_deny = true;
                }
            }
        }
        for r in self.managed("azurerm_storage_account_customer_managed_key") {
            if let Some(a) = self.account_index(r.attrs.get("storage_account_id")) {
                self.az.accounts[a].cmk = true;
            }
        }
        for r in self.managed("azurerm_storage_management_policy") {
            let Some(a) = self.account_index(r.attrs.get("storage_account_id")) else {
                continue;
            };
            for rule in blocks(r, "rule") {
                if rule.get("enabled").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                let prefixes: Vec<String> = rule
                    .get("filters")
                    .map(|f| f.one_or_many())
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|f| {
                        f.get("prefix_match")
                            .map(|p| p.one_or_many())
                            .unwrap_or_default()
                    })
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                let days = rule
                    .get("actions")
                    .map(|x| x.one_or_many())
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|x| {
                        x.get("base_blob")
                            .map(|b| b.one_or_many())
                            .unwrap_or_default()
                    })
                    .find_map(|b| {
                        b.get("delete_after_days_since_modification_greater_than")
                            .or_else(|| b.get("delete_after_days_since_creation_greater_than"))
                            .and_then(Value::as_number)
                    });
                if let Some(days) = days {
                    self.az.accounts[a].lifecycle.push((prefixes, days as i64));
                }
            }
        }
    }

    fn containers(&mut self) {
        for (rtype, filesystem) in [
            ("azurerm_storage_container", false),
            ("azurerm_storage_data_lake_gen2_filesystem", true),
        ] {
            for r in self.managed(rtype) {
                let mut unknown = BTreeSet::new();
                let name = name_of(r, &mut unknown);
                // 4.x names the account by id, 3.x by name
                let account = self
                    .account_index(r.attrs.get("storage_account_id"))
                    .or_else(|| self.account_by_name(r.attrs.get("storage_account_name")));
                let Tags {
                    map: metadata,
                    unknown: md_unknown,
                    ..
                } = tags_in(r, "metadata", &BTreeMap::new());
                if md_unknown {
                    unknown.insert("metadata".into());
                }
                let access = r.attrs.get("container_access_type");
                if access.is_some_and(Value::has_unknown) {
                    unknown.insert("container_access_type".into());
                }
                let index = self.az.containers.len();
                self.az.containers.push(Container {
                    address: r.address.clone(),
                    span: r.span,
                    name,
                    account,
                    access_type: access.and_then(Value::as_str).map(str::to_string),
                    access_type_span: attr_span(r, "container_access_type"),
                    metadata,
                    metadata_span: attr_span(r, "metadata"),
                    filesystem,
                    whole_account: false,
                    unknown,
                });
                if filesystem {
                    self.aces(r, index);
                }
            }
        }
        // ACLs on paths of a filesystem apply to that filesystem's data
        for r in self.managed("azurerm_storage_data_lake_gen2_path") {
            let fs = r.attrs.get("filesystem_name");
            let index = fs.and_then(|v| {
                let target = single_ref(v).map(|x| x.target.clone());
                let name = v.as_str();
                self.az.containers.iter().position(|c| {
                    c.filesystem
                        && (target.as_ref() == Some(&c.address)
                            || (name.is_some() && c.name.as_deref() == name))
                })
            });
            if let Some(i) = index {
                self.aces(r, i);
            }
        }
    }

    /// The ACL entries one filesystem or path writes. A `mask` entry limits the named user and
    /// group entries and the owning group of its scope (`access` or `default`): what such an
    /// entry grants is its permissions AND the mask's. An entry whose permissions are not known
    /// grants nothing (never guessed); an unknown mask limits nothing.
    fn aces(&mut self, r: &ResourceInstance, container: usize) {
        let entries: Vec<(&Value, String, bool, Option<&str>)> = blocks(r, "ace")
            .into_iter()
            .map(|e| {
                let kind = e
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                // `access` is the provider's default scope
                let default_scope = e
                    .get("scope")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("default"));
                let perms = e.get("permissions").and_then(Value::as_str);
                (e, kind, default_scope, perms)
            })
            .collect();
        let bits = |perms: &str| (perms.starts_with('r'), perms.get(1..2) == Some("w"));
        let mask = |default_scope: bool| {
            entries
                .iter()
                .find(|(_, kind, d, _)| kind == "mask" && *d == default_scope)
                .and_then(|(_, _, _, perms)| perms.map(bits))
        };
        for &(e, ref kind, default_scope, perms) in &entries {
            let (mut read, mut write) = bits(perms.unwrap_or_default());
            let id = e.get("id").filter(|v| !v.is_null()).cloned();
            // named users and groups, and the owning group (a `group` entry without id)
            let limited = kind == "group" || (kind == "user" && id.is_some());
            let masked = match mask(default_scope) {
                Some((mr, mw)) if limited => {
                    let before = (read, write);
                    read &= mr;
                    write &= mw;
                    before != (read, write)
                }
                _ => false,
            };
            self.az.aces.push(Ace {
                container,
                kind: kind.clone(),
                id,
                assignee: Assignee::Unknown,
                read,
                write,
                default_scope,
                masked,
                span: e.span,
            });
        }
    }

    fn log_workspaces(&mut self) {
        for r in self.managed("azurerm_log_analytics_workspace") {
            let mut unknown = BTreeSet::new();
            let name = name_of(r, &mut unknown);
            let Tags {
                map: tags,
                unknown: tags_unknown,
                ..
            } = tags_in(r, "tags", &BTreeMap::new());
            if tags_unknown {
                unknown.insert("tags".into());
            }
            let retention = r.attrs.get("retention_in_days");
            if retention.is_some_and(Value::has_unknown) {
                unknown.insert("retention_days".into());
            }
            self.az.log_workspaces.push(LogWorkspace {
                address: r.address.clone(),
                span: r.span,
                name,
                resource_group: r
                    .attrs
                    .get("resource_group_name")
                    .and_then(Value::string_parts),
                tags,
                tags_span: attr_span(r, "tags"),
                retention_days: retention.and_then(Value::as_number).map(|n| n as i64),
                retention_span: attr_span(r, "retention_in_days"),
                cmk: false,
                unknown,
            });
        }
        // a workspace linked to a dedicated cluster whose key is the customer's
        let cmk_clusters: BTreeSet<Arc<Address>> = self
            .managed("azurerm_log_analytics_cluster_customer_managed_key")
            .filter_map(|r| ref_target(r.attrs.get("log_analytics_cluster_id")))
            .collect();
        for r in self.managed("azurerm_log_analytics_linked_service") {
            let cluster = ref_target(r.attrs.get("write_access_id"));
            if cluster.is_some_and(|c| cmk_clusters.contains(&c)) {
                if let Some(w) = ref_target(r.attrs.get("workspace_id")) {
                    for ws in self.az.log_workspaces.iter_mut().filter(|x| x.address == w) {
                        ws.cmk = true;
                    }
                }
            }
        }
    }

    fn endpoints(&mut self) {
        const ENDPOINT: &str = "microsoft.machinelearningservices/workspaces/onlineendpoints@";
        const DEPLOYMENT: &str =
            "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments@";
        for r in self.managed("azapi_resource") {
            let Some(ty) = r.attrs.get("type").and_then(Value::as_str) else {
                continue;
            };
            let ty = ty.to_ascii_lowercase();
            let deployment = ty.starts_with(DEPLOYMENT);
            if !deployment && !ty.starts_with(ENDPOINT) {
                continue;
            }
            let body = r.attrs.get("body").map(Value::decoded);
            let props = body.and_then(|b| b.get("properties")).map(Value::decoded);
            let collector = props.and_then(|p| p.get("dataCollector"));
            let collected = |key: &str| {
                collector
                    .and_then(|c| c.get("collections"))
                    .and_then(|c| c.get(key))
                    .and_then(|c| c.get("dataCollectionMode"))
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case("Enabled"))
            };
            let tags = tags_in(r, "tags", &BTreeMap::new()).map;
            let model = props.and_then(|p| p.get("model")).filter(|v| !v.is_null());
            self.az.endpoints.push(OnlineEndpoint {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                deployment,
                app_insights: Flag::of(props.and_then(|p| p.get("appInsightsEnabled"))),
                data_collector: collected("model_inputs") && collected("model_outputs"),
                logging_span: collector
                    .or_else(|| props.and_then(|p| p.get("appInsightsEnabled")))
                    .map(|v| v.span),
                body_unknown: body.is_none_or(|b| b.has_unknown() || b.as_object().is_none()),
                public_data: tags
                    .get("data-classification")
                    .is_some_and(|v| v.eq_ignore_ascii_case("public")),
                parent: ref_target(r.attrs.get("parent_id")),
                model: model.map(display_text),
                model_span: model.map(|v| v.span),
                model_unknown: model.is_some_and(|v| v.has_unknown()),
            });
        }
        // azurerm 4.x has the endpoint (its deployments are still azapi resources)
        for r in self.managed("azurerm_machine_learning_online_endpoint") {
            let tags = tags_in(r, "tags", &BTreeMap::new()).map;
            self.az.endpoints.push(OnlineEndpoint {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                deployment: false,
                app_insights: Flag::Absent,
                data_collector: false,
                logging_span: None,
                body_unknown: false,
                public_data: tags
                    .get("data-classification")
                    .is_some_and(|v| v.eq_ignore_ascii_case("public")),
                parent: None,
                model: None,
                model_span: None,
                model_unknown: false,
            });
        }
    }

    /// Deployments by their endpoint, and what monitors and alerts target, once.
    fn index_targets(&mut self) {
        let az = &mut self.az;
        let by_address: HashMap<Arc<Address>, usize> = az
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.deployment)
            .map(|(i, e)| (e.address.clone(), i))
            .collect();
        az.endpoint_deployments = vec![Vec::new(); az.endpoints.len()];
        for (d, e) in az
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.deployment)
        {
            if let Some(&i) = e.parent.as_ref().and_then(|p| by_address.get(p)) {
                az.endpoint_deployments[i].push(d);
            }
        }
        for (i, m) in az.schedules.iter().enumerate() {
            let texts: Vec<&str> = m.target_text.as_deref().into_iter().collect();
            az.monitor_targets
                .add(i, &m.target_refs, &texts, m.target_unknown);
        }
        for (i, a) in az.metric_alerts.iter().enumerate() {
            let texts: Vec<&str> = a.scope_texts.iter().map(String::as_str).collect();
            az.alert_targets
                .add(i, &a.scope_refs, &texts, a.scopes_unknown);
        }
    }

    /// `properties.storageAccount` of an azapi workspace: a reference to a storage account of
    /// the configuration, or its ARM id.
    fn azapi_storage_account(&self, r: &ResourceInstance) -> Option<usize> {
        let v = r
            .attrs
            .get("body")
            .map(Value::decoded)
            .and_then(|b| b.get("properties"))
            .map(Value::decoded)
            .and_then(|p| p.get("storageAccount"))?;
        if let Some(a) = self.account_index(Some(v)) {
            return Some(a);
        }
        let text = v.as_str()?.to_ascii_lowercase();
        let name = text.split("/storageaccounts/").nth(1)?.split('/').next()?;
        self.az.accounts.iter().position(|a| {
            a.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The default storage account of an ML workspace holds containers Azure ML creates itself
    /// (`azureml-blobstore-<id>` for registered models and job outputs, `azureml` for run
    /// files), never declared in Terraform: one store for them, named by the account. The
    /// containers the configuration declares there are stores of their own.
    fn default_storage(&mut self) {
        let accounts: BTreeSet<usize> = self
            .az
            .ml_workspaces
            .iter()
            .filter_map(|w| w.storage_account)
            .collect();
        for a in accounts {
            let account = &self.az.accounts[a];
            self.az.containers.push(Container {
                address: account.address.clone(),
                span: account.span,
                name: None,
                account: Some(a),
                access_type: None,
                access_type_span: None,
                metadata: BTreeMap::new(),
                metadata_span: None,
                filesystem: false,
                whole_account: true,
                unknown: BTreeSet::new(),
            });
        }
    }

    /// Azure ML schedules that create a model monitor, with the deployment they target.
    fn schedules(&mut self) {
        const SCHEDULE: &str = "microsoft.machinelearningservices/workspaces/schedules@";
        for r in self.managed("azapi_resource") {
            let is_schedule = r
                .attrs
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().starts_with(SCHEDULE));
            if !is_schedule {
                continue;
            }
            let props = r
                .attrs
                .get("body")
                .map(Value::decoded)
                .and_then(|b| b.get("properties"))
                .map(Value::decoded);
            // a disabled schedule monitors nothing
            if props
                .and_then(|p| p.get("isEnabled"))
                .and_then(Value::as_bool)
                == Some(false)
            {
                continue;
            }
            let action = props.and_then(|p| p.get("action")).map(Value::decoded);
            let action_type = action.and_then(|a| a.get("actionType"));
            match action_type.and_then(Value::as_str) {
                Some(t) if t.eq_ignore_ascii_case("CreateMonitor") => {}
                // a job or batch-endpoint schedule, or a body not known: not a monitor
                _ => continue,
            }
            let definition = action
                .and_then(|a| a.get("monitorDefinition"))
                .map(Value::decoded);
            let target = definition
                .and_then(|d| d.get("monitoringTarget"))
                .and_then(|t| t.get("deploymentId"))
                .filter(|v| !v.is_null());
            let (target_refs, target_text, target_unknown) = match target {
                Some(v) => match v.string_parts() {
                    Some(parts) => {
                        let refs: Vec<Arc<Address>> = parts
                            .iter()
                            .filter_map(|p| match p {
                                Part::Ref(r) => Some(r.target.clone()),
                                Part::Lit(_) => None,
                            })
                            .collect();
                        let text = v.as_str().map(str::to_string);
                        let unknown = refs.is_empty() && text.is_none();
                        (refs, text, unknown)
                    }
                    None => (Vec::new(), None, true),
                },
                None => (Vec::new(), None, true),
            };
            let signals = definition
                .and_then(|d| d.get("signals"))
                .and_then(Value::as_object)
                .map(|entries| {
                    entries
                        .iter()
                        .map(|e| {
                            e.value
                                .get("signalType")
                                .and_then(Value::as_str)
                                .unwrap_or(e.key.as_str())
                                .to_string()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let trigger = props.and_then(|p| p.get("trigger")).map(Value::decoded);
            let trigger = trigger
                .and_then(|t| t.get("expression").or_else(|| t.get("frequency")))
                .and_then(Value::as_str)
                .map(str::to_string);
            self.az.schedules.push(MonitorSchedule {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                target_refs,
                target_text,
                target_unknown,
                signals,
                trigger,
            });
        }
    }

    fn metric_alerts(&mut self) {
        for r in self.managed("azurerm_monitor_metric_alert") {
            let mut alert = MetricAlert {
                address: r.address.clone(),
                span: r.span,
                scope_refs: Vec::new(),
                scope_texts: Vec::new(),
                scopes_unknown: false,
            };
            match r.attrs.get("scopes") {
                Some(v) if v.has_unknown() && single_ref(v).is_none() => {
                    // a list with an unresolved element still names its known elements
                    let items = v.one_or_many();
                    alert.scopes_unknown = items.is_empty();
                    for item in items {
                        scope_item(item, &mut alert);
                    }
                }
                Some(v) => {
                    for item in v.one_or_many() {
                        scope_item(item, &mut alert);
                    }
                }
                None => alert.scopes_unknown = true,
            }
            self.az.metric_alerts.push(alert);
        }
    }

    /// The provider's subscription (or "this subscription"), then the subscriptions the
    /// configuration names: `azurerm_subscription` data sources and resources with a
    /// `subscription_id`, and role-assignment scopes written as `/subscriptions/<id>/...`.
    fn subscriptions(&mut self) {
        let provider = self
            .ev
            .providers
            .iter()
            .filter(|(name, _)| name == "azurerm")
            .find(|(_, body)| body.get("alias").is_none_or(Value::is_null));
        let (id, span) = match provider {
            Some((_, body)) => {
                let v = body.get("subscription_id").filter(|v| !v.is_null());
                (
                    v.and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    v.map_or(body.span, |v| v.span),
                )
            }
            None => (None, Span::default()),
        };
        self.az.subscriptions.push(NamedSubscription {
            id,
            how: "provider \"azurerm\"".into(),
            span,
        });
        let mut named = Vec::new();
        // `data "azurerm_subscription" "current" {}` and `azurerm_client_config` read the
        // provider's own subscription
        for r in self.ev.instances.iter().filter(|r| {
            r.address.mode == Mode::Data
                && (r.address.rtype == "azurerm_client_config"
                    || (r.address.rtype == "azurerm_subscription"
                        && r.attrs.get("subscription_id").is_none_or(Value::is_null)))
        }) {
            self.az.subscriptions.push(NamedSubscription {
                id: self.az.subscriptions[0].id.clone(),
                how: r.address.to_string(),
                span: r.span,
            });
        }
        for r in self.ev.instances.iter().filter(|r| {
            r.address.rtype == "azurerm_subscription"
                || (r.address.mode == Mode::Data
                    && matches!(
                        r.address.rtype.as_str(),
                        "azurerm_subscription" | "azurerm_subscriptions"
                    ))
        }) {
            if let Some(id) = r.attrs.get("subscription_id").and_then(Value::as_str) {
                named.push(NamedSubscription {
                    id: Some(id.to_string()),
                    how: r.address.to_string(),
                    span: attr_span(r, "subscription_id").unwrap_or(r.span),
                });
            }
        }
        // the subscriptions a management group holds: `subscription_ids` (GUIDs) and
        // associations (`/subscriptions/<id>`)
        for r in self.managed("azurerm_management_group") {
            let Some(v) = r.attrs.get("subscription_ids").filter(|v| !v.is_null()) else {
                continue;
            };
            for item in v.one_or_many() {
                if let Some(id) = item.as_str().map(subscription_id).filter(|s| !s.is_empty()) {
                    named.push(NamedSubscription {
                        id: Some(id.to_string()),
                        how: r.address.to_string(),
                        span: item.span,
                    });
                }
            }
        }
        for r in self.managed("azurerm_management_group_subscription_association") {
            let Some(v) = r.attrs.get("subscription_id") else {
                continue;
            };
            if let Some(id) = v.as_str().map(subscription_id).filter(|s| !s.is_empty()) {
                named.push(NamedSubscription {
                    id: Some(id.to_string()),
                    how: r.address.to_string(),
                    span: v.span,
                });
            }
        }
        for r in self.managed("azurerm_role_assignment") {
            let Some(v) = r.attrs.get("scope") else {
                continue;
            };
            let Some(parts) = v.string_parts() else {
                continue;
            };
            let Some(Part::Lit(text)) = parts.first() else {
                continue;
            };
            let mut segs = text.trim_start_matches('/').split('/');
            if segs
                .next()
                .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"))
            {
                if let Some(id) = segs.next().filter(|s| !s.is_empty()) {
                    named.push(NamedSubscription {
                        id: Some(id.to_string()),
                        how: format!("the scope of {}", r.address),
                        span: v.span,
                    });
                }
            }
        }
        self.az.subscriptions.extend(named);
    }

    fn cognitive(&mut self) {
        for r in self.managed("azurerm_cognitive_account") {
            self.az.cognitive.push(CognitiveAccount {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                resource_group: r
                    .attrs
                    .get("resource_group_name")
                    .and_then(Value::string_parts),
                kind: r
                    .attrs
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                cmk: !blocks(r, "customer_managed_key").is_empty(),
            });
        }
        for r in self.managed("azurerm_cognitive_deployment") {
            let model = blocks(r, "model").first().copied();
            let text = |k: &str| {
                model
                    .and_then(|m| m.get(k))
                    .filter(|v| !v.is_null())
                    .map(display_text)
            };
            self.az.deployments.push(CognitiveDeployment {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                model: match (text("format"), text("name")) {
                    (Some(f), Some(n)) => Some(format!("{f}/{n}")),
                    (None, n) => n,
                    (Some(_), None) => None,
                },
                model_version: text("version"),
                account: ref_target(r.attrs.get("cognitive_account_id")),
                rai_policy: r
                    .attrs
                    .get("rai_policy_name")
                    .filter(|v| !v.is_null())
                    .cloned(),
            });
        }
        for r in self.managed("azurerm_cognitive_account_rai_policy") {
            let disabled_filters = blocks(r, "content_filter")
                .into_iter()
                .filter(|f| {
                    f.get("filter_enabled").and_then(Value::as_bool) == Some(false)
                        || f.get("block_enabled").and_then(Value::as_bool) == Some(false)
                })
                .map(|f| f.span)
                .collect();
            self.az.rai_policies.push(RaiPolicy {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                account: ref_target(r.attrs.get("cognitive_account_id")),
                disabled_filters,
            });
        }
    }

    fn diagnostics(&mut self) {
        for r in self.managed("azurerm_monitor_diagnostic_setting") {
            let mut categories = BTreeSet::new();
            let mut categories_unknown = false;
            for b in blocks(r, "enabled_log") {
                for key in ["category", "category_group"] {
                    match b.get(key) {
                        Some(v) if v.has_unknown() => categories_unknown = true,
                        Some(v) => categories.extend(v.as_str().map(str::to_string)),
                        None => {}
                    }
                }
            }
            // the 3.x `log` block, with `enabled`
            for b in blocks(r, "log") {
                if b.get("enabled").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                for key in ["category", "category_group"] {
                    match b.get(key) {
                        Some(v) if v.has_unknown() => categories_unknown = true,
                        Some(v) => categories.extend(v.as_str().map(str::to_string)),
                        None => {}
                    }
                }
            }
            self.az.diagnostics.push(DiagnosticSetting {
                address: r.address.clone(),
                span: r.span,
                target: ref_target(r.attrs.get("target_resource_id")),
                log_workspace: ref_target(r.attrs.get("log_analytics_workspace_id")),
                storage_account: ref_target(r.attrs.get("storage_account_id")),
                categories,
                categories_unknown,
            });
        }
    }

    fn identities(&mut self) {
        for r in self.managed("azurerm_user_assigned_identity") {
            self.az.identities.push(Identity {
                address: r.address.clone(),
                span: r.span,
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                kind: IdentityKind::UserAssigned,
            });
        }
        for (rtype, kind) in [
            ("azuread_service_principal", "service-principal"),
            ("azuread_group", "group"),
            ("azuread_user", "user"),
        ] {
            for r in self.managed(rtype) {
                let name = ["display_name", "user_principal_name"]
                    .iter()
                    .find_map(|k| r.attrs.get(k).and_then(Value::as_str))
                    .map(str::to_string)
                    .or_else(|| self.application_name(r));
                self.az.identities.push(Identity {
                    address: r.address.clone(),
                    span: r.span,
                    name,
                    kind: IdentityKind::Directory(kind),
                });
            }
        }
        // workloads from the graph: the identities ML compute and endpoints run as
        let rs: Vec<&ResourceInstance> = self
            .ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
            .collect();
        for r in rs {
            {
                let Some(workload) = self.workload_of(r) else {
                    continue;
                };
                for id in blocks(r, "identity") {
                    let system = id
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.contains("SystemAssigned"));
                    if system {
                        let i = self.system_identity(r);
                        self.az.workloads.push((
                            i,
                            workload,
                            format!("the identity of {}", r.address),
                            r.span,
                        ));
                    }
                    for uid in id
                        .get("identity_ids")
                        .map(|v| v.one_or_many())
                        .unwrap_or_default()
                    {
                        if let Some(t) = single_ref(uid).map(|x| x.target.clone()) {
                            if let Some(i) = self.az.identities.iter().position(|x| x.address == t)
                            {
                                self.az.workloads.push((
                                    i,
                                    workload,
                                    format!("assigned to {}", r.address),
                                    uid.span,
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    /// A service principal's display name is its application's (`azuread_application`, named
    /// by `client_id` in azuread 3.x, `application_id` in 2.x; `name` before 1.0). The
    /// application's `description` is prose, not a name, and is not read.
    fn application_name(&self, sp: &ResourceInstance) -> Option<String> {
        let app = ["client_id", "application_id"]
            .iter()
            .find_map(|k| ref_target(sp.attrs.get(k)))
            .filter(|t| t.mode == Mode::Managed && t.rtype == "azuread_application")?;
        let app = self.by_address.get(&app)?;
        ["display_name", "name"]
            .iter()
            .find_map(|k| app.attrs.get(k).and_then(Value::as_str))
            .map(str::to_string)
    }

    /// The workload a resource's identity does: ML compute trains or runs notebooks, online
    /// endpoints serve (azurerm resources, or `azapi_resource` by its ARM type).
    fn workload_of(&self, r: &ResourceInstance) -> Option<&'static str> {
        match r.address.rtype.as_str() {
            "azurerm_machine_learning_compute_cluster" => Some("training"),
            "azurerm_machine_learning_compute_instance" => Some("notebook"),
            "azurerm_machine_learning_synapse_spark" => Some("pipeline"),
            "azurerm_machine_learning_online_endpoint" => Some("inference"),
            "azapi_resource" => {
                let ty = r.attrs.get("type").and_then(Value::as_str)?;
                // online endpoints and their deployments (`endpoints()` reads the same types)
                if ty
                    .to_ascii_lowercase()
                    .starts_with("microsoft.machinelearningservices/workspaces/onlineendpoints")
                {
                    return Some("inference");
                }
                if !ty
                    .to_ascii_lowercase()
                    .starts_with("microsoft.machinelearningservices/workspaces/computes@")
                {
                    return None;
                }
                let compute = r
                    .attrs
                    .get("body")
                    .map(Value::decoded)
                    .and_then(|b| b.get("properties"))
                    .and_then(|p| p.get("computeType"))
                    .and_then(Value::as_str)?;
                match compute {
                    "AmlCompute" => Some("training"),
                    "ComputeInstance" => Some("notebook"),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The system-assigned identity of a resource, created on first use.
    fn system_identity(&mut self, r: &ResourceInstance) -> usize {
        if let Some(i) = self
            .az
            .identities
            .iter()
            .position(|x| x.kind == IdentityKind::SystemAssigned && x.address == r.address)
        {
            return i;
        }
        self.az.identities.push(Identity {
            address: r.address.clone(),
            span: blocks(r, "identity").first().map_or(r.span, |b| b.span),
            name: r
                .attrs
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            kind: IdentityKind::SystemAssigned,
        });
        self.az.identities.len() - 1
    }

    fn role_definitions(&mut self) {
        use crate::access::azure_roles::RoleDefinition;
        for r in self.managed("azurerm_role_definition") {
            let mut def = RoleDefinition {
                name: r
                    .attrs
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                id: r
                    .attrs
                    .get("role_definition_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                ..RoleDefinition::default()
            };
            for p in blocks(r, "permissions") {
                let list = |k: &str| -> Vec<String> {
                    p.get(k)
                        .map(|v| v.one_or_many())
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                };
                def.actions.extend(list("actions"));
                def.not_actions.extend(list("not_actions"));
                def.data_actions.extend(list("data_actions"));
                def.not_data_actions.extend(list("not_data_actions"));
            }
            self.az.role_definitions.push(CustomRole {
                address: r.address.clone(),
                span: r.span,
                definition: def,
            });
        }
    }

    fn assignments(&mut self) {
        // PIM active assignments are role assignments with a schedule; eligible ones let the
        // principal activate the role (docs/azure.md, "PIM")
        let rs: Vec<(&ResourceInstance, bool)> = [
            ("azurerm_role_assignment", false),
            ("azurerm_pim_active_role_assignment", false),
            ("azurerm_pim_eligible_role_assignment", true),
        ]
        .into_iter()
        .flat_map(|(rtype, eligible)| self.managed(rtype).map(move |r| (r, eligible)))
        .collect();
        for (r, eligible) in rs {
            let scope_value = r.attrs.get("scope");
            let scope = scope_value.map_or(Scope::Unknown, |v| self.scope(v));
            let (role, role_span) = self.role(r);
            let assignee = match r.attrs.get("principal_id") {
                Some(v) => self.assignee(v, r.attrs.get("principal_type")),
                None => Assignee::Unknown,
            };
            self.az.assignments.push(RoleAssignment {
                address: r.address.clone(),
                span: r.span,
                scope,
                scope_span: scope_value.map_or(r.span, |v| v.span),
                role,
                role_span,
                assignee,
                condition: r
                    .attrs
                    .get("condition")
                    .is_some_and(|v| !v.is_null() && v.as_str() != Some("")),
                eligible,
                management_group: scope_value
                    .and_then(single_ref)
                    .map(|x| x.target.clone())
                    .filter(|t| t.mode == Mode::Managed && t.rtype == "azurerm_management_group"),
            });
        }
    }

    fn role(&self, r: &ResourceInstance) -> (RoleRef, Span) {
        if let Some(v) = r.attrs.get("role_definition_name").filter(|v| !v.is_null()) {
            return match v.as_str() {
                Some(name) => (
                    match self
                        .az
                        .role_definitions
                        .iter()
                        .position(|d| d.definition.name.eq_ignore_ascii_case(name))
                    {
                        Some(i) => RoleRef::Custom(i),
                        None => RoleRef::Builtin(name.to_string()),
                    },
                    v.span,
                ),
                None => match single_ref(v) {
                    // `azurerm_role_definition.x.name`
                    Some(x) => (self.custom_by_address(&x.target), v.span),
                    None => (RoleRef::Unknown, v.span),
                },
            };
        }
        if let Some(v) = r.attrs.get("role_definition_id").filter(|v| !v.is_null()) {
            if let Some(x) = single_ref(v) {
                // a custom role of the configuration; `data.azurerm_role_definition` names
                // a role by its `name` (below)
                if x.target.rtype == "azurerm_role_definition" && x.target.mode == Mode::Managed {
                    return (self.custom_by_address(&x.target), v.span);
                }
                // `data.azurerm_role_definition.x.id` with a known name
                if let Some(name) = self
                    .by_address
                    .get(&x.target)
                    .and_then(|d| d.attrs.get("name"))
                    .and_then(Value::as_str)
                {
                    return (RoleRef::Builtin(name.to_string()), v.span);
                }
                return (RoleRef::Unknown, v.span);
            }
            // `"${data.azurerm_subscription.x.id}${data.azurerm_role_definition.y.id}"`
            if let Some(parts) = v.string_parts() {
                let named = parts.iter().rev().find_map(|p| match p {
                    Part::Ref(x) if x.target.rtype == "azurerm_role_definition" => Some(x),
                    _ => None,
                });
                if let Some(x) = named {
                    if x.target.mode == Mode::Managed {
                        return (self.custom_by_address(&x.target), v.span);
                    }
                    if let Some(name) = self
                        .by_address
                        .get(&x.target)
                        .and_then(|d| d.attrs.get("name"))
                        .and_then(Value::as_str)
                    {
                        return (RoleRef::Builtin(name.to_string()), v.span);
                    }
                }
            }
            // a literal id, maybe with a reference in front (`${data.azurerm_subscription.x.id}/providers/...`)
            if let Some(parts) = v.string_parts() {
                if let Some(Part::Lit(tail)) = parts.last() {
                    let guid = tail.rsplit('/').next().unwrap_or_default();
                    if guid.len() == 36 {
                        return (RoleRef::Builtin(guid.to_string()), v.span);
                    }
                }
            }
            return (RoleRef::Unknown, v.span);
        }
        (RoleRef::Unknown, r.span)
    }

    fn custom_by_address(&self, a: &Address) -> RoleRef {
        self.az
            .role_definitions
            .iter()
            .position(|d| *d.address == *a)
            .map_or(RoleRef::Unknown, RoleRef::Custom)
    }

    fn scope(&self, v: &Value) -> Scope {
        let Some(parts) = v.string_parts() else {
            return Scope::Unknown;
        };
        match parts.as_slice() {
            [Part::Lit(s)] => parse_scope_text(s, &self.az),
            [Part::Ref(r)] => self.scope_of_ref(r),
            // `"${azurerm_storage_account.a.id}/blobServices/default/containers/${azurerm_storage_container.c.name}"`
            [Part::Ref(first), rest @ ..] => {
                let text: String = rest
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => s.as_str(),
                        Part::Ref(_) => "\u{0}",
                    })
                    .collect();
                let lower = text.to_ascii_lowercase();
                let Some(at) = lower.find("/containers/") else {
                    return Scope::Unknown;
                };
                let segment = text[at + "/containers/".len()..]
                    .split('/')
                    .next()
                    .unwrap_or_default();
                let account = self
                    .az
                    .accounts
                    .iter()
                    .position(|a| a.address == first.target);
                if segment == "\u{0}" {
                    let last = rest.iter().rev().find_map(|p| match p {
                        Part::Ref(r) => Some(r),
                        Part::Lit(_) => None,
                    });
                    if let Some(r) = last {
                        if let Some(i) = self
                            .az
                            .containers
                            .iter()
                            .position(|c| c.address == r.target)
                        {
                            return Scope::Container(i);
                        }
                    }
                    return Scope::Unknown;
                }
                self.az
                    .containers
                    .iter()
                    .position(|c| {
                        c.name.as_deref() == Some(segment)
                            && account.is_some()
                            && c.account == account
                    })
                    .map_or(Scope::Unknown, Scope::Container)
            }
            _ => Scope::Unknown,
        }
    }

    fn scope_of_ref(&self, r: &Reference) -> Scope {
        let t = &r.target;
        // the index of the scope's resource among those of its kind
        let find = |mut addresses: &mut dyn Iterator<Item = &Arc<Address>>| {
            Iterator::position(&mut addresses, |a| **a == **t)
        };
        match t.rtype.as_str() {
            "azurerm_subscription" => Scope::Subscription,
            "azurerm_management_group" => Scope::ManagementGroup,
            "azurerm_resource_group" => Scope::ResourceGroup {
                name: self
                    .by_address
                    .get(t)
                    .and_then(|x| x.attrs.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                address: Some(t.clone()),
            },
            "azurerm_storage_account" => find(&mut self.az.accounts.iter().map(|a| &a.address))
                .map_or(Scope::Other, Scope::StorageAccount),
            "azurerm_storage_container" | "azurerm_storage_data_lake_gen2_filesystem" => {
                find(&mut self.az.containers.iter().map(|a| &a.address))
                    .map_or(Scope::Other, Scope::Container)
            }
            "azurerm_log_analytics_workspace" => {
                find(&mut self.az.log_workspaces.iter().map(|a| &a.address))
                    .map_or(Scope::Other, Scope::LogWorkspace)
            }
            "azurerm_application_insights" => {
                find(&mut self.az.app_insights.iter().map(|a| &a.address))
                    .map_or(Scope::Other, Scope::AppInsights)
            }
            "azurerm_machine_learning_workspace" => {
                find(&mut self.az.ml_workspaces.iter().map(|a| &a.address))
                    .map_or(Scope::Other, Scope::MlWorkspace)
            }
            "azapi_resource" => self
                .az
                .ml_workspaces
                .iter()
                .position(|w| w.address == *t)
                .map_or(Scope::Other, Scope::MlWorkspace),
            "azurerm_cognitive_account" => find(&mut self.az.cognitive.iter().map(|a| &a.address))
                .map_or(Scope::Other, Scope::Cognitive),
            _ if t.mode == Mode::Data && t.rtype == "azurerm_client_config" => Scope::Unknown,
            _ => Scope::Other,
        }
    }

    fn assignee(&mut self, v: &Value, kind: Option<&Value>) -> Assignee {
        if let Some(r) = single_ref(v) {
            let t = &r.target;
            if t.mode == Mode::Data && t.rtype == "azurerm_client_config" {
                return Assignee::Deployer;
            }
            if let Some(i) = self
                .az
                .identities
                .iter()
                .position(|x| x.address == *t && x.kind != IdentityKind::SystemAssigned)
            {
                return Assignee::Identity(i);
            }
            // `azurerm_x.y.identity[0].principal_id`: the resource's system-assigned identity
            if r.attr.starts_with("identity") && r.attr.ends_with("principal_id") {
                if let Some(res) = self.by_address.get(t).copied() {
                    return Assignee::Identity(self.system_identity(res));
                }
            }
            return Assignee::Unknown;
        }
        match v.as_str() {
            Some(id) if !id.is_empty() => Assignee::ObjectId {
                id: id.to_string(),
                kind: kind.and_then(Value::as_str).map(str::to_string),
            },
            _ => Assignee::Unknown,
        }
    }

    /// Management groups and the subscriptions they declare (`subscription_ids`, authoritative
    /// on the group, or `azurerm_management_group_subscription_association`s; the provider
    /// does not support both on one group), and the provider's subscription.
    fn management_groups(&mut self) {
        self.az.provider_subscription = self.ev.providers.iter().find_map(|(name, body)| {
            (name == "azurerm" && body.get("alias").is_none())
                .then(|| body.get("subscription_id").and_then(Value::as_str))
                .flatten()
                .map(str::to_ascii_lowercase)
        });
        for r in self.managed("azurerm_management_group") {
            let ids = r.attrs.get("subscription_ids").filter(|v| !v.is_null());
            // a list not known as a whole is one unknown member
            let members = match ids.map(|v| v.as_list()) {
                Some(Some(items)) => items.iter().map(|x| self.subscription(x)).collect(),
                Some(None) => vec![Subscription::Unknown],
                None => Vec::new(),
            };
            self.az.management_groups.push(ManagementGroup {
                address: r.address.clone(),
                parent: ref_target(r.attrs.get("parent_management_group_id"))
                    .filter(|t| t.mode == Mode::Managed),
                members,
                declared: ids.is_some(),
            });
        }
        for r in self.managed("azurerm_management_group_subscription_association") {
            let Some(group) = ref_target(r.attrs.get("management_group_id")) else {
                continue;
            };
            let member = r
                .attrs
                .get("subscription_id")
                .map_or(Subscription::Unknown, |v| self.subscription(v));
            if let Some(mg) = self
                .az
                .management_groups
                .iter_mut()
                .find(|m| m.address == group)
            {
                mg.declared = true;
                mg.members.push(member);
            }
        }
    }

    /// A subscription as written: a GUID, `/subscriptions/GUID`, or a `data
    /// "azurerm_subscription"` (the current one without `subscription_id`).
    fn subscription(&self, v: &Value) -> Subscription {
        if let Some(r) = single_ref(v) {
            if r.target.mode == Mode::Data && r.target.rtype == "azurerm_client_config" {
                return Subscription::Current;
            }
            if r.target.mode == Mode::Data && r.target.rtype == "azurerm_subscription" {
                let data = self.by_address.get(&r.target);
                return match data.and_then(|d| d.attrs.get("subscription_id")) {
                    None => Subscription::Current,
                    Some(id) => id.as_str().map_or(Subscription::Unknown, |id| {
                        Subscription::Id(id.to_ascii_lowercase())
                    }),
                };
            }
            return Subscription::Unknown;
        }
        match v.as_str() {
            Some(text) => {
                let id = text
                    .trim()
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                Subscription::Id(id.to_ascii_lowercase())
            }
            None => Subscription::Unknown,
        }
    }

    fn ml_datastores(&mut self) {
        for rtype in [
            "azurerm_machine_learning_datastore_blobstorage",
            "azurerm_machine_learning_datastore_datalake_gen2",
        ] {
            let rs: Vec<&ResourceInstance> = self.managed(rtype).collect();
            for r in rs {
                let target = ref_target(r.attrs.get("storage_container_id"));
                let container =
                    target.and_then(|t| self.az.containers.iter().position(|c| c.address == t));
                self.az.ml_datastores.push(MlDatastore {
                    address: r.address.clone(),
                    span: r.span,
                    container,
                });
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The Azure resources of one `main.tf` (also used by `access::azure`'s tests).
    pub(crate) fn eval(tf: &str) -> Azure {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
        let ev = crate::terraform::evaluate_dir(dir.path(), &[], &[]);
        collect(&ev.evaluated)
    }

    const BASE: &str = r#"
data "azurerm_subscription" "current" {}
data "azurerm_client_config" "current" {}
resource "azurerm_management_group" "ml" {
  display_name = "ml"
}
resource "azurerm_resource_group" "rg" {
  name     = "rg-ml"
  location = "westeurope"
}
resource "azurerm_resource_group" "other" {
  name     = "rg-web"
  location = "westeurope"
}
resource "azurerm_storage_account" "lake" {
  name                     = "acmelake"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_account" "web" {
  name                = "acmeweb"
  resource_group_name = "rg-web"
  location            = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_container" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.lake.id
  metadata = {
    datatier = "raw"
  }
}
resource "azurerm_storage_container" "curated" {
  name                 = "curated"
  storage_account_name = azurerm_storage_account.lake.name
}
resource "azurerm_storage_container" "site" {
  name               = "site"
  storage_account_id = azurerm_storage_account.web.id
}
resource "azurerm_user_assigned_identity" "trainer" {
  name                = "trainer"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
}
"#;

    /// The containers (by name) an assignment at `scope` covers.
    fn covered(scope: &str) -> Vec<String> {
        let az = eval(&format!(
            "{BASE}\nresource \"azurerm_role_assignment\" \"a\" {{\n  scope = {scope}\n  role_definition_name = \"Storage Blob Data Reader\"\n  principal_id = azurerm_user_assigned_identity.trainer.principal_id\n}}\n"
        ));
        assert_eq!(az.assignments.len(), 1);
        let a = &az.assignments[0];
        (0..az.containers.len())
            .filter(|&c| az.covers_container(&a.scope, c))
            .map(|c| az.containers[c].name.clone().unwrap())
            .collect()
    }

    #[test]
    fn scopes_inherit_down_the_hierarchy() {
        let all = vec!["raw", "curated", "site"];
        assert_eq!(covered("azurerm_management_group.ml.id"), all);
        assert_eq!(covered("data.azurerm_subscription.current.id"), all);
        assert_eq!(
            covered("\"/subscriptions/00000000-0000-0000-0000-000000000000\""),
            all
        );
        assert_eq!(
            covered("azurerm_resource_group.rg.id"),
            vec!["raw", "curated"]
        );
        assert_eq!(
            covered("\"/subscriptions/0000/resourceGroups/rg-web\""),
            vec!["site"]
        );
        assert_eq!(
            covered("azurerm_storage_account.lake.id"),
            vec!["raw", "curated"]
        );
        assert_eq!(
            covered("azurerm_storage_container.raw.resource_manager_id"),
            vec!["raw"]
        );
        assert_eq!(covered("azurerm_storage_container.raw.id"), vec!["raw"]);
        assert_eq!(
            covered("\"${azurerm_storage_account.lake.id}/blobServices/default/containers/${azurerm_storage_container.curated.name}\""),
            vec!["curated"]
        );
        assert_eq!(
            covered("\"/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/acmelake/blobServices/default/containers/raw\""),
            vec!["raw"]
        );
        assert_eq!(
            covered("\"/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/acmelake\""),
            vec!["raw", "curated"]
        );
        // unknown scopes cover nothing
        assert!(covered("var.scope").is_empty());
        assert!(covered(
            "\"/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv\""
        )
        .is_empty());
    }

    #[test]
    fn assignees_and_roles_resolve() {
        let az = eval(&format!(
            r#"{BASE}
resource "azurerm_machine_learning_workspace" "ws" {{
  name                = "mlw"
  storage_account_id  = azurerm_storage_account.lake.id
  identity {{
    type = "SystemAssigned"
  }}
}}
resource "azurerm_role_definition" "lake_reader" {{
  name  = "lake-reader"
  scope = data.azurerm_subscription.current.id
  permissions {{
    actions          = []
    data_actions     = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]
    not_data_actions = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"]
  }}
}}
resource "azurerm_role_assignment" "sys" {{
  scope              = azurerm_storage_account.lake.id
  role_definition_id = azurerm_role_definition.lake_reader.role_definition_resource_id
  principal_id       = azurerm_machine_learning_workspace.ws.identity[0].principal_id
}}
resource "azurerm_role_assignment" "me" {{
  scope                = azurerm_storage_account.lake.id
  role_definition_name = "Owner"
  principal_id         = data.azurerm_client_config.current.object_id
}}
resource "azurerm_role_assignment" "lit" {{
  scope                = azurerm_storage_container.raw.id
  role_definition_id   = "/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
  principal_id         = "11111111-2222-3333-4444-555555555555"
  principal_type       = "Group"
  condition_version    = "2.0"
  condition            = "((!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}})))"
}}
data "azurerm_role_definition" "contributor" {{
  name = "Contributor"
}}
resource "azurerm_role_assignment" "joined" {{
  scope              = azurerm_storage_account.lake.id
  role_definition_id = "${{data.azurerm_subscription.current.id}}${{data.azurerm_role_definition.contributor.id}}"
  principal_id       = data.azurerm_client_config.current.object_id
}}
resource "azurerm_role_assignment" "unknown" {{
  scope                = azurerm_storage_account.lake.id
  role_definition_name = "Reader"
  principal_id         = var.someone
}}
"#
        ));
        let by = |name: &str| {
            az.assignments
                .iter()
                .find(|a| a.address.name == name)
                .unwrap()
        };
        let sys = by("sys");
        assert_eq!(sys.role, RoleRef::Custom(0));
        let Assignee::Identity(i) = sys.assignee else {
            panic!("{:?}", sys.assignee)
        };
        assert_eq!(az.identities[i].kind, IdentityKind::SystemAssigned);
        assert_eq!(
            az.identities[i].address.rtype,
            "azurerm_machine_learning_workspace"
        );
        assert_eq!(by("me").assignee, Assignee::Deployer);
        assert_eq!(by("me").role, RoleRef::Builtin("Owner".into()));
        let lit = by("lit");
        assert_eq!(
            lit.assignee,
            Assignee::ObjectId {
                id: "11111111-2222-3333-4444-555555555555".into(),
                kind: Some("Group".into())
            }
        );
        assert_eq!(
            lit.role,
            RoleRef::Builtin("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1".into())
        );
        assert!(lit.condition);
        assert_eq!(lit.scope, Scope::Container(0));
        assert_eq!(by("unknown").assignee, Assignee::Unknown);
        assert_eq!(by("joined").role, RoleRef::Builtin("Contributor".into()));
        assert_eq!(az.ml_workspaces[0].storage_account, Some(0));
        // the curated container names its account by name (azurerm 3.x)
        assert_eq!(az.containers[1].account, Some(0));
    }

    #[test]
    fn storage_settings_endpoints_and_logging() {
        let az = eval(
            r#"
resource "azurerm_storage_account" "a" {
  name                            = "acmedata"
  allow_nested_items_to_be_public = true
  shared_access_key_enabled       = false
  public_network_access_enabled   = false
  network_rules {
    default_action = "Deny"
  }
  blob_properties {
    versioning_enabled = true
  }
}
resource "azurerm_storage_account_customer_managed_key" "a" {
  storage_account_id = azurerm_storage_account.a.id
  key_vault_id       = "kv"
  key_name           = "k"
}
resource "azurerm_storage_data_lake_gen2_filesystem" "fs" {
  name               = "features"
  storage_account_id = azurerm_storage_account.a.id
  ace {
    type        = "user"
    id          = "99999999-2222-3333-4444-555555555555"
    permissions = "r-x"
  }
  ace {
    type        = "other"
    permissions = "---"
  }
}
resource "azurerm_cognitive_account" "oai" {
  name     = "oai"
  kind     = "OpenAI"
  sku_name = "S0"
}
resource "azurerm_monitor_diagnostic_setting" "oai" {
  name                       = "oai"
  target_resource_id         = azurerm_cognitive_account.oai.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.law.id
  enabled_log {
    category = "RequestResponse"
  }
}
resource "azurerm_log_analytics_workspace" "law" {
  name              = "law"
  retention_in_days = 90
}
resource "azapi_resource" "blue" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2024-04-01"
  name      = "blue"
  body = {
    properties = {
      appInsightsEnabled = false
      dataCollector = {
        collections = {
          model_inputs  = { dataCollectionMode = "Enabled" }
          model_outputs = { dataCollectionMode = "Enabled" }
        }
      }
    }
  }
}
"#,
        );
        let a = &az.accounts[0];
        assert_eq!(a.nested_public, Flag::Known(true));
        assert_eq!(a.shared_key.or_default(true), Some(false));
        assert!(a.network_deny && a.cmk && a.versioning);
        assert_eq!(a.public_network, Flag::Known(false));
        assert!(az.containers[0].filesystem);
        assert_eq!(az.aces.len(), 2);
        assert!(az.aces[0].read && !az.aces[0].write);
        assert!(!az.aces[1].read);
        assert!(az.cognitive[0].is_openai());
        assert!(az.diagnostics[0].logs_requests());
        assert_eq!(az.log_workspaces[0].retention_days, Some(90));
        let e = &az.endpoints[0];
        assert!(e.deployment && e.data_collector && !e.body_unknown);
        assert_eq!(e.app_insights, Flag::Known(false));
    }
}
