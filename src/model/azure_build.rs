//! The Azure front end's results added to the shared inventory: containers and ADLS Gen2
//! filesystems as object stores, Log Analytics workspaces and Application Insights as log
//! stores, identities as principals, every role assignment (and every ADLS ACL, and every
//! public container) as a `Binding` document, online endpoint deployments as endpoint
//! configurations, Azure OpenAI accounts as AI service uses, and what the graph says about
//! tiers and workloads. `access::azure` turns the bindings into grants.

use super::azure::{self, Assignee, Azure, IdentityKind, RoleRef};
use super::classify::Tier;
use super::policy::{Effect, Element, Field, Principal as PolicyPrincipal, Statement};
use super::{
    Builder, Cloud, DatastoreId, DatastoreKind, Document, DocumentId, DocumentKind, LifecycleRule,
    PrincipalId, PrincipalKind, StoreKind, Tags,
};
use crate::source::Span;
use crate::terraform::value::{Address, Part};
use crate::terraform::{Evaluated, ResourceInstance};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// One root module's Azure resources, with the inventory ids they became.
#[derive(Debug, Default)]
pub struct AzureUnit {
    pub root: usize,
    pub front: Azure,
    /// Datastore of each container, by the front end's index.
    pub containers: Vec<DatastoreId>,
    pub log_workspaces: Vec<DatastoreId>,
    pub app_insights: Vec<DatastoreId>,
    /// The binding documents: (assignment index, document); statement 0 is the assignment.
    pub assignments: Vec<(usize, DocumentId, Vec<PrincipalId>)>,
    /// ACL entries: (ace index, document, statement, principals).
    pub aces: Vec<(usize, DocumentId, usize, Vec<PrincipalId>)>,
    /// Public containers: (container index, document, the `anyone` principal, classes).
    pub public: Vec<(usize, DocumentId, PrincipalId)>,
    /// Stores of an ML workspace's default storage account: model artifacts by inference,
    /// when nothing else classifies them (`Inventory::azure_inferred_tiers`).
    pub inferred: Vec<(DatastoreId, String, Span)>,
    /// Inventory endpoint of each online endpoint, by the front end's index.
    pub endpoints: BTreeMap<usize, usize>,
}

/// What the Azure front ends found, per root module.
#[derive(Debug, Default)]
pub struct AzureUnits {
    pub units: Vec<AzureUnit>,
}

impl AzureUnits {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// Does the module declare anything of Azure's? (Other scans skip this front end.)
pub fn uses_azure(ev: &Evaluated) -> bool {
    ev.instances
        .iter()
        .any(|r| r.address.rtype.starts_with("azurerm_") || r.address.rtype.starts_with("azapi_"))
}

/// Metadata keys that carry a tier: container metadata keys must be C# identifiers, so
/// `mlguard:tier` and `data-tier` cannot be written there.
const TIER_METADATA: [&str; 3] = ["datatier", "mlguard_tier", "data_tier"];

fn element_of(text: &str, span: Span) -> Element {
    Element {
        parts: vec![Part::Lit(text.to_string())],
        span,
        unknown: false,
    }
}

impl Builder<'_> {
    /// Everything Azure of one root module, before classification.
    pub(super) fn azure(&mut self, ev: &Evaluated) {
        if !uses_azure(ev) {
            return;
        }
        let front = azure::collect(ev);
        if front.is_empty() {
            return;
        }
        let by_address: HashMap<&Address, &ResourceInstance> =
            ev.instances.iter().map(|r| (&*r.address, r)).collect();
        let mut unit = AzureUnit {
            root: self.root,
            ..AzureUnit::default()
        };
        // containers: the account's tags when the whole account is one tier, then the
        // container's metadata
        for c in &front.containers {
            let Some(r) = by_address.get(&*c.address) else {
                continue;
            };
            let account = c.account.map(|a| &front.accounts[a]);
            let mut tags = Tags::default();
            if let Some(a) = account {
                tags.map.extend(a.tags.clone());
                tags.unknown |= a.unknown.contains("tags");
            }
            for (k, v) in &c.metadata {
                let key = if TIER_METADATA.contains(&k.to_ascii_lowercase().as_str()) {
                    "mlguard:tier".to_string()
                } else {
                    k.clone()
                };
                tags.map.insert(key, v.clone());
            }
            tags.span = c.metadata_span.or(account.and_then(|a| a.tags_span));
            tags.unknown |= c.unknown.contains("metadata");
            self.datastore(
                r,
                DatastoreKind::Store {
                    cloud: Cloud::Azure,
                    kind: StoreKind::Bucket,
                },
                "name",
                tags,
            );
            let id = self.inv.datastores.len() - 1;
            let d = &mut self.inv.datastores[id];
            if let Some(a) = account {
                if a.cmk {
                    d.storage.encryption = Some("azure-key-vault".into());
                    d.storage.kms_key = true;
                }
                d.storage.versioning = a.versioning;
                if a.versioning_unknown {
                    d.unknown.insert("versioning".into());
                }
                // DT009: blob public access off and the account closed to the public network
                d.storage.public_access_block = a.nested_public == azure::Flag::Known(false)
                    && (a.public_network == azure::Flag::Known(false) || a.network_deny);
                if a.nested_public == azure::Flag::Unknown
                    || (a.nested_public == azure::Flag::Known(false)
                        && a.public_network == azure::Flag::Unknown
                        && !a.network_deny)
                {
                    d.unknown.insert("public_access_block".into());
                }
                // lifecycle rules whose prefixes cover the whole container
                let name = c.name.clone().unwrap_or_default();
                for (prefixes, days) in &a.lifecycle {
                    let covers = prefixes.is_empty()
                        || prefixes
                            .iter()
                            .any(|p| p.trim_end_matches('/') == name && !name.is_empty());
                    if covers {
                        d.storage.lifecycle.push(LifecycleRule {
                            prefix: String::new(),
                            expiration_days: Some(*days),
                            noncurrent_days: a.versioning.then_some(*days),
                        });
                    }
                }
            } else {
                d.unknown.insert("public_access_block".into());
            }
            unit.containers.push(id);
        }
        for w in &front.log_workspaces {
            let Some(r) = by_address.get(&*w.address) else {
                continue;
            };
            let tags = Tags {
                map: w.tags.clone(),
                span: w.tags_span,
                unknown: w.unknown.contains("tags"),
            };
            self.datastore(
                r,
                DatastoreKind::Store {
                    cloud: Cloud::Azure,
                    kind: StoreKind::LogBucket,
                },
                "name",
                tags,
            );
            let id = self.inv.datastores.len() - 1;
            let d = &mut self.inv.datastores[id];
            // the service keeps rows 30 days unless told otherwise: never unbounded
            d.storage.retention_days = Some(w.retention_days.unwrap_or(30));
            d.storage.retention_span = w.retention_span;
            if w.unknown.contains("retention_days") {
                d.unknown.insert("retention_days".into());
            }
            if w.cmk {
                d.storage.encryption = Some("azure-key-vault".into());
                d.storage.kms_key = true;
            }
            unit.log_workspaces.push(id);
        }
        for w in &front.app_insights {
            let Some(r) = by_address.get(&*w.address) else {
                continue;
            };
            self.datastore(
                r,
                DatastoreKind::Store {
                    cloud: Cloud::Azure,
                    kind: StoreKind::LogBucket,
                },
                "name",
                Tags::default(),
            );
            let id = self.inv.datastores.len() - 1;
            // classic and workspace-based components keep 90 days by default
            self.inv.datastores[id].storage.retention_days = Some(90);
            unit.app_insights.push(id);
        }
        // identities
        let mut identity_ids = Vec::new();
        for i in &front.identities {
            let p = match i.kind {
                IdentityKind::SystemAssigned => self.external_principal(
                    PrincipalKind::ServiceAccount,
                    &format!("{} (system-assigned identity)", i.address),
                    i.span,
                ),
                _ => match by_address.get(&*i.address) {
                    Some(r) => {
                        let kind = match i.kind {
                            IdentityKind::Directory("user") => PrincipalKind::User,
                            IdentityKind::Directory("group") => PrincipalKind::Group,
                            _ => PrincipalKind::ServiceAccount,
                        };
                        self.principal(r, kind, Tags::default());
                        self.inv.principals.len() - 1
                    }
                    None => continue,
                },
            };
            let pr = &mut self.inv.principals[p];
            pr.cloud = Cloud::Azure;
            if i.kind == IdentityKind::SystemAssigned {
                // a resource's own identity lives in the configuration, by its resource
                pr.target = Some(i.address.clone());
                pr.name = i.name.clone();
                pr.workload_reason.text.clear();
            }
            if pr.name.is_none() {
                pr.name = i.name.clone();
            }
            identity_ids.push(p);
        }
        for (i, workload, why, span) in &front.workloads {
            if let Some(&p) = identity_ids.get(*i) {
                self.graph_workloads.entry(p).or_default().push((
                    workload,
                    why.clone(),
                    *span,
                    true,
                ));
            }
        }
        // role assignments: one binding document each
        for (ai, a) in front.assignments.iter().enumerate() {
            let principals = self.azure_assignee(&identity_ids, &a.assignee, a.span);
            if let RoleRef::Builtin(name) = &a.role {
                let known = crate::access::azure_roles::builtin_by_name(name)
                    .or_else(|| crate::access::azure_roles::builtin_by_id(name))
                    .is_some();
                if !known {
                    self.inv.notes.push((
                        Some(a.role_span),
                        format!(
                            "`{}` names the role `{name}`, which is neither a built-in Azure role nor a role definition of the configuration: it grants nothing here",
                            a.address
                        ),
                    ));
                }
            }
            let role_text = match &a.role {
                RoleRef::Builtin(n) => n.clone(),
                RoleRef::Custom(i) => front.role_definitions[*i].definition.name.clone(),
                RoleRef::Unknown => String::new(),
            };
            let document = self.inv.documents.len();
            let governs = match a.scope {
                azure::Scope::Container(c) => unit.containers.get(c).copied(),
                _ => None,
            };
            self.inv.documents.push(Document {
                root: self.root,
                owner: a.address.to_string(),
                name: a.address.to_string(),
                kind: DocumentKind::Binding,
                span: a.span,
                statements: vec![Statement {
                    index: 0,
                    sid: None,
                    effect: Effect::Allow,
                    actions: Some(Field {
                        not: false,
                        items: vec![element_of(&role_text, a.role_span)],
                        span: a.role_span,
                    }),
                    resources: Some(Field {
                        not: false,
                        items: Vec::new(),
                        span: a.scope_span,
                    }),
                    principals: None,
                    conditions: Vec::new(),
                    span: a.span,
                    path: "assignment".into(),
                    unknown: a.role == RoleRef::Unknown,
                }],
                external: false,
                governs,
                boundary: false,
                key: None,
            });
            unit.assignments.push((ai, document, principals));
        }
        // ADLS ACL entries: one document per resource that writes them
        let mut ace_docs: BTreeMap<Arc<Address>, DocumentId> = BTreeMap::new();
        for (ei, e) in front.aces.iter().enumerate() {
            if !(e.read || e.write) || !matches!(e.kind.as_str(), "user" | "group") {
                continue;
            }
            let principals = self.azure_assignee(&identity_ids, &e.assignee, e.span);
            if principals.is_empty() {
                continue;
            }
            let owner = front.containers[e.container].address.clone();
            let document = *ace_docs.entry(owner.clone()).or_insert_with(|| {
                self.inv.documents.push(Document {
                    root: self.root,
                    owner: format!("{owner} (ACL)"),
                    name: format!("{owner} (ACL)"),
                    kind: DocumentKind::Binding,
                    span: e.span,
                    statements: Vec::new(),
                    external: false,
                    governs: unit.containers.get(e.container).copied(),
                    boundary: false,
                    key: None,
                });
                self.inv.documents.len() - 1
            });
            let st = self.inv.documents[document].statements.len();
            self.inv.documents[document].statements.push(Statement {
                index: st,
                sid: None,
                effect: Effect::Allow,
                actions: Some(Field {
                    not: false,
                    items: Vec::new(),
                    span: e.span,
                }),
                resources: None,
                principals: None,
                conditions: Vec::new(),
                span: e.span,
                path: format!("ace[{st}]"),
                unknown: false,
            });
            unit.aces.push((ei, document, st, principals));
        }
        // public containers: anyone reads their blobs
        for (ci, c) in front.containers.iter().enumerate() {
            let access = c.access_type.as_deref().unwrap_or("private");
            if access == "private" {
                continue;
            }
            let allowed = c
                .account
                .and_then(|a| front.accounts[a].nested_public.or_default(true));
            if allowed != Some(true) {
                continue;
            }
            let span = c.access_type_span.unwrap_or(c.span);
            let anyone = self.external_principal(PrincipalKind::Anyone, "*", span);
            self.inv.principals[anyone].cloud = Cloud::Azure;
            let document = self.inv.documents.len();
            self.inv.documents.push(Document {
                root: self.root,
                owner: c.address.to_string(),
                name: format!("{} (container_access_type = {access})", c.address),
                kind: DocumentKind::Binding,
                span,
                statements: vec![Statement {
                    index: 0,
                    sid: None,
                    effect: Effect::Allow,
                    actions: None,
                    resources: None,
                    principals: Some((
                        false,
                        vec![PolicyPrincipal {
                            kind: "*".into(),
                            id: element_of("*", span),
                        }],
                        span,
                    )),
                    conditions: Vec::new(),
                    span,
                    path: "container_access_type".into(),
                    unknown: false,
                }],
                external: false,
                governs: unit.containers.get(ci).copied(),
                boundary: false,
                key: None,
            });
            unit.public.push((ci, document, anyone));
        }
        self.azure_graph(&front, &mut unit);
        self.azure_ml(&front, &mut unit);
        unit.front = front;
        self.inv.azure.units.push(unit);
    }

    /// The principals an assignee names (none when it is not known).
    fn azure_assignee(
        &mut self,
        identities: &[PrincipalId],
        who: &Assignee,
        span: Span,
    ) -> Vec<PrincipalId> {
        let p = match who {
            Assignee::Identity(i) => match identities.get(*i) {
                Some(p) => *p,
                None => return Vec::new(),
            },
            Assignee::Deployer => self.external_principal(
                PrincipalKind::Account,
                "the identity running Terraform (azurerm_client_config.object_id)",
                span,
            ),
            Assignee::ObjectId { id, kind } => {
                let k = match kind.as_deref() {
                    Some("User") => PrincipalKind::User,
                    Some("Group") => PrincipalKind::Group,
                    Some("ServicePrincipal") => PrincipalKind::ServiceAccount,
                    _ => PrincipalKind::Account,
                };
                self.external_principal(k, &format!("object id {id}"), span)
            }
            Assignee::Unknown => return Vec::new(),
        };
        self.inv.principals[p].cloud = Cloud::Azure;
        vec![p]
    }

    /// Tiers from the graph: diagnostic settings of Azure OpenAI accounts and online endpoints
    /// land in inference-log stores (a workspace's own diagnostic logs are job and compute
    /// events, application logs); the Application Insights of a workspace whose deployments
    /// log to it; a container an ML datastore points at is ML data (evidence for names).
    fn azure_graph(&mut self, front: &Azure, unit: &mut AzureUnit) {
        let inference_targets: BTreeSet<Arc<Address>> = front
            .cognitive
            .iter()
            .filter(|c| c.is_openai())
            .map(|c| c.address.clone())
            .chain(front.endpoints.iter().map(|e| e.address.clone()))
            .collect();
        for s in &front.diagnostics {
            let Some(target) = &s.target else { continue };
            // other resources' diagnostic logs are application logs (IL004 when they share a
            // workspace with inference logs)
            let tier = if inference_targets.contains(target) {
                Tier::InferenceLogs
            } else {
                Tier::ApplicationLogs
            };
            let why = format!(
                "destination of the diagnostic setting {} of {target}",
                s.address
            );
            if let Some(w) = &s.log_workspace {
                if let Some(i) = front.log_workspaces.iter().position(|x| x.address == *w) {
                    if let Some(&d) = unit.log_workspaces.get(i) {
                        self.add_tier_role(d, tier, why.clone(), s.span);
                    }
                }
            }
        }
        // deployments that log to Application Insights: the workspace's component
        if front
            .endpoints
            .iter()
            .any(|e| e.app_insights == azure::Flag::Known(true))
        {
            for w in &front.ml_workspaces {
                let Some(ai) = &w.app_insights else { continue };
                if let Some(i) = front.app_insights.iter().position(|x| x.address == *ai) {
                    if let Some(&d) = unit.app_insights.get(i) {
                        let why = format!(
                            "Application Insights of {} (online endpoint logs)",
                            w.address
                        );
                        self.add_tier_role(d, Tier::InferenceLogs, why, w.span);
                    }
                }
            }
        }
        for m in &front.ml_datastores {
            if let Some(name) = m.container.and_then(|c| front.containers[c].name.clone()) {
                self.inv.evidence[self.root].ml_buckets.insert(name);
            }
        }
        // a workspace's default storage: the containers Azure ML creates there hold registered
        // models and job outputs (the first workspace naming the account says why)
        let mut workspace_of: HashMap<usize, &azure::MlWorkspace> = HashMap::new();
        for w in &front.ml_workspaces {
            if let Some(a) = w.storage_account {
                workspace_of.entry(a).or_insert(w);
            }
        }
        for (c, container) in front.containers.iter().enumerate() {
            let Some(a) = container.account.filter(|_| container.whole_account) else {
                continue;
            };
            let (Some(w), Some(&d)) = (workspace_of.get(&a), unit.containers.get(c)) else {
                continue;
            };
            let why = format!(
                "the containers Azure ML creates in `{}`, the default storage of the Azure ML workspace `{}`, hold its registered models and job outputs",
                front.accounts[a].address,
                w.address
            );
            unit.inferred.push((d, why, w.span));
        }
    }

    /// Online endpoint deployments (IL001), online endpoints (MM001), Azure OpenAI accounts (TP001, IL002) and custom
    /// content filters that turn filtering off (LL001).
    fn azure_ml(&mut self, front: &Azure, unit: &mut AzureUnit) {
        let mut configs: BTreeMap<usize, usize> = BTreeMap::new();
        for (di, e) in front
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.deployment)
        {
            configs.insert(di, self.inv.endpoint_configs.len());
            // what it serves (MR003): a model asset of a workspace or registry, or, without
            // `model`, whatever its container image carries
            let mut model_unknown = BTreeSet::new();
            if e.body_unknown || e.model_unknown {
                model_unknown.insert("model_package_name".to_string());
            }
            self.inv.models.push(super::ml::Model {
                root: self.root,
                address: e.address.to_string(),
                name: e.name.clone(),
                span: e.span,
                container_span: e.model_span.unwrap_or(e.span),
                from_registry: e.model.is_some(),
                served: true,
                unknown: model_unknown,
            });
            let mut unknown = BTreeSet::new();
            if e.body_unknown || e.app_insights == azure::Flag::Unknown {
                unknown.insert("capture".to_string());
            }
            let logged = e.data_collector || e.app_insights == azure::Flag::Known(true);
            self.inv.endpoint_configs.push(super::ml::EndpointConfig {
                root: self.root,
                address: e.address.to_string(),
                name: e.name.clone(),
                span: e.span,
                capture_span: e.logging_span,
                capture_enabled: logged,
                sampling_percentage: logged.then_some(100),
                capture_modes: if logged {
                    BTreeSet::from(["Input".to_string(), "Output".to_string()])
                } else {
                    BTreeSet::new()
                },
                serverless: false,
                public: e.public_data,
                unknown,
            });
        }
        // online endpoints (MM001, the inventory's model serving): monitored when a model
        // monitor targets one of their deployments, alarmed when a metric alert watches them
        for (ei, e) in front
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.deployment)
        {
            unit.endpoints.insert(ei, self.inv.endpoints.len());
            let public = e.public_data
                || front
                    .deployments_of(ei)
                    .any(|d| front.endpoints[d].public_data);
            self.inv.endpoints.push(super::ml::Endpoint {
                root: self.root,
                address: e.address.to_string(),
                name: e.name.clone(),
                span: e.span,
                config: front
                    .deployments_of(ei)
                    .find_map(|d| configs.get(&d).copied()),
                monitored: front.monitor_of(ei).is_some(),
                alarmed: front.alert_of(ei).is_some(),
                public,
                unknown: BTreeSet::new(),
            });
        }
        // ML resources written with azapi are ML evidence like azurerm_machine_learning_*
        for w in front
            .ml_workspaces
            .iter()
            .filter(|w| w.address.rtype == "azapi_resource")
            .map(|w| &w.address)
            .chain(front.endpoints.iter().map(|e| &e.address))
        {
            self.inv.evidence[self.root]
                .ml
                .push(format!("{w} (Azure ML)"));
        }
        for c in front.cognitive.iter().filter(|c| c.is_openai()) {
            let logged = front.diagnostics.iter().any(|s| {
                s.target.as_ref() == Some(&c.address) && (s.logs_requests() || s.categories_unknown)
            });
            if !logged {
                self.inv
                    .azure_openai_unlogged
                    .push((c.address.to_string(), c.span));
            }
            self.inv.evidence[self.root]
                .ml
                .push(format!("{} (Azure OpenAI)", c.address));
        }
        for d in &front.deployments {
            let Some(policy) = d.rai_policy.as_ref() else {
                continue;
            };
            let named = |p: &azure::RaiPolicy| match policy.as_str() {
                Some(n) => p.name.as_deref() == Some(n),
                None => matches!(&policy.kind, crate::terraform::value::Kind::Symbolic(parts)
                    if parts.iter().any(|x| matches!(x, Part::Ref(r) if r.target == p.address))),
            };
            if let Some(p) = front.rai_policies.iter().find(|p| named(p)) {
                if !p.disabled_filters.is_empty() {
                    self.inv.agents.push(super::ml::Agent {
                        root: self.root,
                        address: d.address.to_string(),
                        span: p.disabled_filters[0],
                        guardrail: false,
                        unknown: BTreeSet::new(),
                    });
                }
            }
        }
    }
}

impl super::Inventory {
    /// After the name step: the stores of an ML workspace's default storage account that
    /// config, metadata, tags, the graph and names left unclassified hold model artifacts, by
    /// inference (`source = "inferred"`: findings resting on it are of medium confidence).
    pub(super) fn azure_inferred_tiers(&mut self) {
        for unit in &self.azure.units {
            for (d, why, span) in &unit.inferred {
                let ds = &mut self.datastores[*d];
                if ds.tier.is_some()
                    || ds.tier_reason.source != "none" && !ds.tier_reason.source.is_empty()
                {
                    continue;
                }
                ds.tier = Some(Tier::ModelArtifacts);
                ds.tier_reason = super::Reason {
                    source: "inferred",
                    text: why.clone(),
                    span: Some(*span),
                };
            }
        }
    }
}
