//! Storage settings of buckets and log groups, and the ML resources the controls are about:
//! SageMaker endpoint configurations, endpoints, models, Bedrock agents, and every use of a
//! third-party AI service.

use super::{Builder, DatastoreId, DatastoreKind, Entity, LifecycleRule};
use crate::source::Span;
use crate::terraform::value::{Kind, Part, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct EndpointConfig {
    pub root: usize,
    pub address: String,
    pub name: Option<String>,
    pub span: Span,
    /// The `data_capture_config` block, when written.
    pub capture_span: Option<Span>,
    pub capture_enabled: bool,
    pub sampling_percentage: Option<i64>,
    /// `Input`, `Output` (`InputAndOutput` counts as both).
    pub capture_modes: BTreeSet<String>,
    /// Every production variant is serverless (no capture possible).
    pub serverless: bool,
    /// Tagged `data-classification = public`.
    pub public: bool,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub root: usize,
    pub address: String,
    pub name: Option<String>,
    pub span: Span,
    pub config: Option<usize>,
    /// A monitoring schedule targets it through its job definition's `endpoint_input`.
    pub monitored: bool,
    /// A CloudWatch metric alarm names it in its dimensions (weaker evidence).
    pub alarmed: bool,
    pub public: bool,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub root: usize,
    pub address: String,
    pub name: Option<String>,
    pub span: Span,
    /// The `primary_container` (or first `container`) block.
    pub container_span: Span,
    /// A container names a `model_package_name` (the model registry).
    pub from_registry: bool,
    /// An endpoint configuration serves it.
    pub served: bool,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub root: usize,
    pub address: String,
    pub span: Span,
    pub guardrail: bool,
    pub unknown: BTreeSet<String>,
}

/// One place the configuration uses a third-party AI service.
#[derive(Clone, Debug)]
pub struct AiUse {
    /// `bedrock`, `openai`, `anthropic`, `vertex-ai`, `azure-openai`.
    pub service: &'static str,
    pub span: Span,
    /// How it was detected, for the report.
    pub how: String,
    /// The root module (deployment unit) it is in.
    pub root: usize,
}

/// An ML resource the system description lists, kept as data rather than a type per resource:
/// what it is, where it is declared, the role it runs as, what it points at, and a few literal
/// settings worth showing (names, URIs, capacities, schedules).
#[derive(Clone, Debug)]
pub struct Component {
    pub root: usize,
    /// `pipeline`, `glue-job`, `notebook`, `feature-group`, `model`, `endpoint-config`,
    /// `model-package-group`, `autoscaling-target`, `monitoring-job`, `monitoring-schedule`,
    /// `guardrail` (see `COMPONENTS`).
    pub kind: &'static str,
    pub address: String,
    pub name: Option<String>,
    pub span: Span,
    pub role: Option<super::PrincipalId>,
    /// Addresses of the resources its attributes reference, in source order, without duplicates.
    pub refs: Vec<String>,
    /// Selected settings by dotted path (`offline_store_config.s3_storage_config.s3_uri`), one
    /// entry per value (a path inside repeated blocks can appear more than once). A value only
    /// known at apply time is shown with its references (`${aws_s3_bucket.lake.bucket}`).
    pub attrs: Vec<(&'static str, String)>,
}

/// Resource type, component kind, the attribute that names it, the attribute that names its
/// role, and the settings kept.
type ComponentSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const COMPONENTS: &[ComponentSpec] = &[
    (
        "aws_sagemaker_pipeline",
        "pipeline",
        "pipeline_name",
        "role_arn",
        &["pipeline_display_name"],
    ),
    (
        "aws_glue_job",
        "glue-job",
        "name",
        "role_arn",
        &["command.script_location"],
    ),
    ("aws_sfn_state_machine", "pipeline", "name", "role_arn", &[]),
    (
        "aws_sagemaker_notebook_instance",
        "notebook",
        "name",
        "role_arn",
        &["instance_type"],
    ),
    (
        "aws_sagemaker_domain",
        "notebook",
        "domain_name",
        "default_user_settings.execution_role",
        &[],
    ),
    (
        "aws_sagemaker_user_profile",
        "notebook",
        "user_profile_name",
        "user_settings.execution_role",
        &[],
    ),
    (
        "aws_sagemaker_feature_group",
        "feature-group",
        "feature_group_name",
        "role_arn",
        &[
            "offline_store_config.s3_storage_config.s3_uri",
            "online_store_config.enable_online_store",
        ],
    ),
    (
        "aws_sagemaker_model",
        "model",
        "name",
        "execution_role_arn",
        &[
            "primary_container.model_package_name",
            "primary_container.model_data_url",
            "container.model_package_name",
            "container.model_data_url",
        ],
    ),
    (
        "aws_sagemaker_endpoint_configuration",
        "endpoint-config",
        "name",
        "",
        &[
            "production_variants.variant_name",
            "production_variants.model_name",
            "production_variants.instance_type",
            "production_variants.initial_instance_count",
            "data_capture_config.destination_s3_uri",
        ],
    ),
    (
        "aws_sagemaker_model_package_group",
        "model-package-group",
        "model_package_group_name",
        "",
        &[],
    ),
    (
        "aws_appautoscaling_target",
        "autoscaling-target",
        "resource_id",
        "role_arn",
        &["scalable_dimension", "min_capacity", "max_capacity"],
    ),
    (
        "aws_sagemaker_monitoring_schedule",
        "monitoring-schedule",
        "name",
        "",
        &[
            "monitoring_schedule_config.monitoring_job_definition_name",
            "monitoring_schedule_config.monitoring_type",
            "monitoring_schedule_config.schedule_config.schedule_expression",
        ],
    ),
    (
        "aws_sagemaker_data_quality_job_definition",
        "monitoring-job",
        "name",
        "role_arn",
        &["data_quality_job_input.endpoint_input.endpoint_name"],
    ),
    (
        "aws_sagemaker_model_quality_job_definition",
        "monitoring-job",
        "name",
        "role_arn",
        &["model_quality_job_input.endpoint_input.endpoint_name"],
    ),
    (
        "aws_sagemaker_model_bias_job_definition",
        "monitoring-job",
        "name",
        "role_arn",
        &["model_bias_job_input.endpoint_input.endpoint_name"],
    ),
    (
        "aws_sagemaker_model_explainability_job_definition",
        "monitoring-job",
        "name",
        "role_arn",
        &["model_explainability_job_input.endpoint_input.endpoint_name"],
    ),
    ("aws_bedrock_guardrail", "guardrail", "name", "", &[]),
];

/// Values at a dotted path, through nested blocks.
fn at_path<'v>(v: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut cur = vec![v];
    for key in path.split('.') {
        cur = cur
            .into_iter()
            .filter_map(|x| x.get(key))
            .flat_map(|x| x.one_or_many())
            .collect();
    }
    cur
}

/// A setting as text: literals as written, references as `${address.attr}`.
fn show(v: &Value) -> Option<String> {
    if let Some(s) = v.to_plain_string() {
        return Some(s);
    }
    match &v.kind {
        Kind::Symbolic(parts) => Some(
            parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.clone(),
                    Part::Ref(r) => format!("${{{}.{}}}", r.target, r.attr),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Every resource address a value references.
fn references(v: &Value, out: &mut Vec<String>) {
    match &v.kind {
        Kind::Symbolic(parts) => {
            for p in parts {
                if let Part::Ref(r) = p {
                    let a = r.target.to_string();
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        Kind::List(items) => items.iter().for_each(|x| references(x, out)),
        Kind::Object(entries) => entries.iter().for_each(|e| references(&e.value, out)),
        Kind::Json(inner) => references(inner, out),
        _ => {}
    }
}

fn blocks<'v>(v: &'v Value, key: &str) -> Vec<&'v Value> {
    v.get(key).map(|x| x.one_or_many()).unwrap_or_default()
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_number).map(|n| n as i64)
}

fn tagged_public(r: &ResourceInstance) -> bool {
    r.attrs
        .get("tags")
        .and_then(|t| t.get("data-classification"))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("public"))
}

/// Which AI service an environment variable, secret or parameter name points at.
fn service_of_name(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase().replace(['-', '/', '.'], "_");
    let key =
        n.contains("api_key") || n.contains("apikey") || n.ends_with("_key") || n.contains("token");
    if !key {
        return None;
    }
    if n.contains("azure_openai") {
        Some("azure-openai")
    } else if n.contains("openai") {
        Some("openai")
    } else if n.contains("anthropic") || n.contains("claude") {
        Some("anthropic")
    } else if n.contains("vertex") || n.contains("gemini") {
        Some("vertex-ai")
    } else {
        None
    }
}

impl Builder<'_> {
    /// Encryption, versioning, public access blocks, lifecycle and retention of datastores.
    pub(super) fn storage(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let bucket = |b: &Self| a.get("bucket").and_then(|v| b.datastore_ref(v));
        match super::awscc::aws_type(&r.address.rtype).as_ref() {
            "aws_s3_bucket_server_side_encryption_configuration" => {
                if let Some(d) = bucket(self) {
                    self.encryption(d, a);
                }
            }
            "aws_s3_bucket_versioning" => {
                let Some(d) = bucket(self) else { return };
                let status = blocks(a, "versioning_configuration")
                    .first()
                    .and_then(|c| c.get("status"))
                    .cloned();
                match status {
                    Some(s) if s.is_unknown() => {
                        self.inv.datastores[d].unknown.insert("versioning".into());
                    }
                    Some(s) => {
                        self.inv.datastores[d].storage.versioning = s.as_str() == Some("Enabled")
                    }
                    None => {}
                }
            }
            "aws_s3_bucket_public_access_block" => {
                let Some(d) = bucket(self) else { return };
                match all_four(a) {
                    Some(on) => self.inv.datastores[d].storage.public_access_block |= on,
                    None => {
                        self.inv.datastores[d]
                            .unknown
                            .insert("public_access_block".into());
                    }
                }
            }
            "aws_s3_bucket_lifecycle_configuration" => {
                let Some(d) = bucket(self) else { return };
                for rule in blocks(a, "rule") {
                    if rule.get("status").and_then(Value::as_str) != Some("Enabled") {
                        continue;
                    }
                    self.lifecycle_rule(d, rule);
                }
            }
            "aws_s3_bucket" => {
                let Some(Entity::Datastore(d)) = self.by_address.get(&r.address).copied() else {
                    return;
                };
                // the inline blocks of provider v3 and earlier
                for v in blocks(a, "versioning") {
                    if v.get("enabled").and_then(Value::as_bool) == Some(true) {
                        self.inv.datastores[d].storage.versioning = true;
                    }
                }
                if a.get("server_side_encryption_configuration").is_some() {
                    self.encryption(d, &Value::new(Kind::Object(vec![].into()), r.span));
                    for c in blocks(a, "server_side_encryption_configuration") {
                        self.encryption(d, c);
                    }
                }
                for rule in blocks(a, "lifecycle_rule") {
                    if rule.get("enabled").and_then(Value::as_bool) == Some(true) {
                        self.lifecycle_rule(d, rule);
                    }
                }
            }
            "aws_cloudwatch_log_group" => {
                let Some(Entity::Datastore(d)) = self.by_address.get(&r.address).copied() else {
                    return;
                };
                let ds = &mut self.inv.datastores[d];
                match a.entry("retention_in_days") {
                    Some(e) if e.value.has_unknown() => {
                        ds.unknown.insert("retention_days".into());
                    }
                    Some(e) => {
                        ds.storage.retention_days = e.value.as_number().map(|n| n as i64);
                        ds.storage.retention_span = Some(e.key_span.to(e.value.span));
                    }
                    None => {}
                }
                match a.get("kms_key_id") {
                    Some(k) if k.has_unknown() => {
                        ds.unknown.insert("kms_key".into());
                    }
                    Some(k) if !k.is_null() => ds.storage.kms_key = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn encryption(&mut self, d: DatastoreId, config: &Value) {
        for rule in blocks(config, "rule") {
            for by_default in blocks(rule, "apply_server_side_encryption_by_default") {
                let ds = &mut self.inv.datastores[d];
                match by_default.get("sse_algorithm") {
                    Some(alg) if alg.has_unknown() => {
                        ds.unknown.insert("encryption".into());
                    }
                    Some(alg) => ds.storage.encryption = alg.as_str().map(str::to_string),
                    None => {}
                }
                ds.storage.encryption_span = Some(by_default.span);
                match by_default.get("kms_master_key_id") {
                    Some(k) if k.has_unknown() => {
                        ds.unknown.insert("kms_key".into());
                    }
                    // `alias/aws/s3` names the AWS managed key, not one the customer manages
                    Some(k) if !k.is_null() && k.as_str() != Some("") => {
                        ds.storage.kms_key =
                            !k.as_str().is_some_and(|id| id.contains("alias/aws/"));
                        ds.storage.kms_key_id = k.string_parts();
                    }
                    _ => {}
                }
            }
        }
    }

    fn lifecycle_rule(&mut self, d: DatastoreId, rule: &Value) {
        let prefix = blocks(rule, "filter")
            .first()
            .and_then(|f| {
                f.get("prefix")
                    .or_else(|| blocks(f, "and").first().and_then(|a| a.get("prefix")))
                    .and_then(Value::as_str)
            })
            .or_else(|| rule.get("prefix").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        let expiration_days = blocks(rule, "expiration")
            .first()
            .and_then(|e| int(e.get("days")));
        let noncurrent_days = blocks(rule, "noncurrent_version_expiration")
            .first()
            .and_then(|e| int(e.get("noncurrent_days")).or_else(|| int(e.get("days"))));
        self.inv.datastores[d]
            .storage
            .lifecycle
            .push(LifecycleRule {
                prefix,
                expiration_days,
                noncurrent_days,
            });
    }

    /// An account-level public access block with all four settings covers every bucket.
    pub(super) fn account_public_access_block(&mut self, instances: &[ResourceInstance]) {
        let covered = instances
            .iter()
            .filter(|r| r.address.rtype == "aws_s3_account_public_access_block")
            .any(|r| all_four(&r.attrs) == Some(true));
        if covered {
            for d in self
                .inv
                .datastores
                .iter_mut()
                .filter(|d| d.root == self.root && d.kind == DatastoreKind::Bucket)
            {
                d.storage.public_access_block = true;
            }
        }
    }

    /// SageMaker, Bedrock and third-party AI resources.
    pub(super) fn ml(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let aws_type = super::awscc::aws_type(&r.address.rtype);
        let rtype = aws_type.as_ref();
        let name = a.get("name").and_then(Value::as_str).map(str::to_string);
        match rtype {
            "aws_sagemaker_endpoint_configuration" => {
                let mut unknown = BTreeSet::new();
                let capture = blocks(a, "data_capture_config").into_iter().next();
                let mut modes = BTreeSet::new();
                let mut enabled = false;
                let mut sampling = None;
                if let Some(c) = capture {
                    enabled = match c.get("enable_capture") {
                        Some(v) if v.has_unknown() => {
                            unknown.insert("capture".into());
                            true
                        }
                        Some(v) => v.as_bool().unwrap_or(true),
                        None => true,
                    };
                    sampling = match c.get("initial_sampling_percentage") {
                        Some(v) if v.has_unknown() => {
                            unknown.insert("sampling".into());
                            None
                        }
                        v => int(v),
                    };
                    for opt in blocks(c, "capture_options") {
                        match opt.get("capture_mode") {
                            Some(m) if m.has_unknown() => {
                                unknown.insert("capture_modes".into());
                            }
                            Some(m) => match m.as_str() {
                                Some("InputAndOutput") => {
                                    modes.insert("Input".to_string());
                                    modes.insert("Output".to_string());
                                }
                                Some(m) => {
                                    modes.insert(m.to_string());
                                }
                                None => {}
                            },
                            None => {}
                        }
                    }
                }
                let variants = blocks(a, "production_variants");
                let serverless = !variants.is_empty()
                    && variants
                        .iter()
                        .all(|v| v.get("serverless_config").is_some());
                self.inv.endpoint_configs.push(EndpointConfig {
                    root: self.root,
                    address: r.address.to_string(),
                    name,
                    span: r.span,
                    capture_span: capture.map(|c| c.span),
                    capture_enabled: enabled,
                    sampling_percentage: sampling,
                    capture_modes: modes,
                    serverless,
                    public: tagged_public(r),
                    unknown,
                });
            }
            "aws_sagemaker_endpoint" => self.inv.endpoints.push(Endpoint {
                root: self.root,
                address: r.address.to_string(),
                name,
                span: r.span,
                config: None,
                monitored: false,
                alarmed: false,
                public: tagged_public(r),
                unknown: BTreeSet::new(),
            }),
            "aws_sagemaker_model" => {
                let containers: Vec<&Value> = blocks(a, "primary_container")
                    .into_iter()
                    .chain(blocks(a, "container"))
                    .collect();
                let mut unknown = BTreeSet::new();
                let from_registry = containers
                    .iter()
                    .any(|c| match c.get("model_package_name") {
                        Some(v) if v.has_unknown() => {
                            unknown.insert("model_package_name".to_string());
                            false
                        }
                        Some(v) => !v.is_null(),
                        None => false,
                    });
                self.inv.models.push(Model {
                    root: self.root,
                    address: r.address.to_string(),
                    name,
                    span: r.span,
                    container_span: containers.first().map_or(r.span, |c| c.span),
                    from_registry,
                    served: false,
                    unknown,
                });
            }
            "aws_bedrockagent_agent" => {
                let guardrail = !blocks(a, "guardrail_configuration").is_empty();
                self.inv.agents.push(Agent {
                    root: self.root,
                    address: r.address.to_string(),
                    span: r.span,
                    guardrail,
                    unknown: BTreeSet::new(),
                });
            }
            _ => {}
        }
        self.component(r);
        if rtype == "aws_bedrock_model_invocation_logging_configuration" {
            self.inv.bedrock_invocation_logging = true;
        }
        // third-party AI services: the resource types of the service itself
        if rtype.starts_with("aws_bedrock") {
            self.ai_use("bedrock", r.span, format!("resource `{}`", r.address));
        } else if rtype.starts_with("google_vertex_ai_") {
            self.ai_use("vertex-ai", r.span, format!("resource `{}`", r.address));
        } else if rtype == "azurerm_cognitive_account"
            && matches!(
                a.get("kind").and_then(Value::as_str),
                Some("OpenAI" | "AIServices")
            )
        {
            self.ai_use("azure-openai", r.span, format!("resource `{}`", r.address));
        } else if rtype.starts_with("openai_") {
            self.ai_use("openai", r.span, format!("resource `{}`", r.address));
        } else if rtype.starts_with("anthropic_") {
            self.ai_use("anthropic", r.span, format!("resource `{}`", r.address));
        }
        // API keys by name: secrets, parameters, environment variables (never their values)
        match rtype {
            "aws_secretsmanager_secret" | "aws_ssm_parameter" => {
                if let Some(e) = a.entry("name").or_else(|| a.entry("name_prefix")) {
                    if let Some(svc) = e.value.as_str().and_then(service_of_name) {
                        self.ai_use(
                            svc,
                            e.value.span,
                            format!(
                                "{} named `{}`",
                                r.address.rtype,
                                e.value.as_str().unwrap_or("")
                            ),
                        );
                    }
                }
            }
            "aws_lambda_function" => {
                for env in blocks(a, "environment") {
                    for v in env
                        .get("variables")
                        .and_then(Value::as_object)
                        .unwrap_or_default()
                    {
                        if let Some(svc) = service_of_name(&v.key) {
                            self.ai_use(
                                svc,
                                v.key_span,
                                format!("environment variable `{}` of `{}`", v.key, r.address),
                            );
                        }
                    }
                }
            }
            "aws_ecs_task_definition" => {
                if let Some(defs) = a.get("container_definitions") {
                    if let Ok(decoded) = crate::parse::json::decode_value(defs, self.sources) {
                        for c in decoded.one_or_many() {
                            for list in ["environment", "secrets"] {
                                for env in c.get(list).map(|l| l.one_or_many()).unwrap_or_default()
                                {
                                    if let Some(n) = env.get("name").and_then(Value::as_str) {
                                        if let Some(svc) = service_of_name(n) {
                                            self.ai_use(
                                                svc,
                                                env.span,
                                                format!(
                                                    "environment variable `{n}` of `{}`",
                                                    r.address
                                                ),
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The resources of `COMPONENTS`, for the system description.
    fn component(&mut self, r: &ResourceInstance) {
        let aws_type = super::awscc::aws_type(&r.address.rtype);
        let rtype = aws_type.as_ref();
        let Some((_, kind, name_key, role_key, keep)) =
            COMPONENTS.iter().find(|(t, ..)| *t == rtype)
        else {
            return;
        };
        let a = &r.attrs;
        if rtype == "aws_appautoscaling_target"
            && a.get("service_namespace").and_then(Value::as_str) != Some("sagemaker")
        {
            return;
        }
        let role = at_path(a, role_key)
            .first()
            .and_then(|v| self.principal_ref(v, super::PrincipalKind::Role));
        let mut refs = Vec::new();
        references(a, &mut refs);
        let attrs = keep
            .iter()
            .flat_map(|k| {
                at_path(a, k)
                    .into_iter()
                    .filter_map(move |v| Some((*k, show(v)?)))
            })
            .collect();
        self.inv.components.push(Component {
            root: self.root,
            kind,
            address: r.address.to_string(),
            name: at_path(a, name_key).first().and_then(|v| show(v)),
            span: r.span,
            role,
            refs,
            attrs,
        });
    }

    fn ai_use(&mut self, service: &'static str, span: Span, how: String) {
        self.inv.ai_uses.push(AiUse {
            service,
            span,
            how,
            root: self.root,
        });
    }

    /// Links between ML resources: endpoint -> configuration, configuration -> model, monitoring
    /// schedules and alarms -> endpoint; and AI use through IAM statements and providers.
    pub(super) fn ml_links(&mut self, ev: &Evaluated) {
        let root = self.root;
        let configs: Vec<usize> = (0..self.inv.endpoint_configs.len())
            .filter(|&i| self.inv.endpoint_configs[i].root == root)
            .collect();
        let endpoints: Vec<usize> = (0..self.inv.endpoints.len())
            .filter(|&i| self.inv.endpoints[i].root == root)
            .collect();
        let models: Vec<usize> = (0..self.inv.models.len())
            .filter(|&i| self.inv.models[i].root == root)
            .collect();
        let names = |v: &Value, addresses: &[(String, Option<String>)]| -> Option<usize> {
            match &v.kind {
                Kind::Symbolic(parts) => match parts.as_slice() {
                    [Part::Ref(r)] => addresses
                        .iter()
                        .position(|(a, _)| *a == r.target.to_string()),
                    _ => None,
                },
                Kind::String(s) => addresses.iter().position(|(_, n)| n.as_deref() == Some(s)),
                _ => None,
            }
        };
        let config_keys: Vec<(String, Option<String>)> = configs
            .iter()
            .map(|&i| {
                (
                    self.inv.endpoint_configs[i].address.clone(),
                    self.inv.endpoint_configs[i].name.clone(),
                )
            })
            .collect();
        let endpoint_keys: Vec<(String, Option<String>)> = endpoints
            .iter()
            .map(|&i| {
                (
                    self.inv.endpoints[i].address.clone(),
                    self.inv.endpoints[i].name.clone(),
                )
            })
            .collect();
        let model_keys: Vec<(String, Option<String>)> = models
            .iter()
            .map(|&i| {
                (
                    self.inv.models[i].address.clone(),
                    self.inv.models[i].name.clone(),
                )
            })
            .collect();
        let mut job_definitions: Vec<(String, Option<String>, Option<usize>)> = Vec::new();
        for r in &ev.instances {
            let a = &r.attrs;
            match super::awscc::aws_type(&r.address.rtype).as_ref() {
                "aws_sagemaker_endpoint" => {
                    let Some(ep) = endpoint_keys
                        .iter()
                        .position(|(addr, _)| *addr == r.address.to_string())
                    else {
                        continue;
                    };
                    if let Some(c) = a
                        .get("endpoint_config_name")
                        .and_then(|v| names(v, &config_keys))
                    {
                        self.inv.endpoints[endpoints[ep]].config = Some(configs[c]);
                    }
                }
                "aws_sagemaker_endpoint_configuration" => {
                    for v in blocks(a, "production_variants") {
                        if let Some(m) = v.get("model_name").and_then(|n| names(n, &model_keys)) {
                            self.inv.models[models[m]].served = true;
                        }
                    }
                }
                t if t.starts_with("aws_sagemaker_") && t.ends_with("_job_definition") => {
                    let input_key = t
                        .trim_start_matches("aws_sagemaker_")
                        .trim_end_matches("_definition")
                        .to_string()
                        + "_input";
                    let endpoint = blocks(a, &input_key)
                        .into_iter()
                        .flat_map(|i| blocks(i, "endpoint_input"))
                        .find_map(|e| {
                            e.get("endpoint_name")
                                .and_then(|n| names(n, &endpoint_keys))
                        });
                    let name = a.get("name").and_then(Value::as_str).map(str::to_string);
                    job_definitions.push((r.address.to_string(), name, endpoint));
                }
                "aws_cloudwatch_metric_alarm" => {
                    let dims: Vec<&Value> = a
                        .get("dimensions")
                        .and_then(Value::as_object)
                        .map(|d| d.iter().map(|e| &e.value).collect())
                        .unwrap_or_default();
                    for d in dims {
                        if let Some(ep) = names(d, &endpoint_keys) {
                            self.inv.endpoints[endpoints[ep]].alarmed = true;
                        }
                    }
                }
                _ => {}
            }
        }
        let jd_keys: Vec<(String, Option<String>)> = job_definitions
            .iter()
            .map(|(a, n, _)| (a.clone(), n.clone()))
            .collect();
        for r in ev.instances.iter().filter(|r| {
            super::awscc::aws_type(&r.address.rtype) == "aws_sagemaker_monitoring_schedule"
        }) {
            for cfg in blocks(&r.attrs, "monitoring_schedule_config") {
                let jd = cfg
                    .get("monitoring_job_definition_name")
                    .and_then(|n| names(n, &jd_keys));
                if let Some(ep) = jd.and_then(|j| job_definitions[j].2) {
                    self.inv.endpoints[endpoints[ep]].monitored = true;
                }
            }
        }
        // IAM statements that name an AI service's actions explicitly (a bare `*` is not use)
        let docs: Vec<usize> = (0..self.inv.documents.len())
            .filter(|&d| self.inv.documents[d].root == root && !self.inv.documents[d].external)
            .collect();
        for d in docs {
            let uses: Vec<(Span, String)> = self.inv.documents[d]
                .statements
                .iter()
                .filter(|s| s.is_allow())
                .filter_map(|s| s.actions.as_ref())
                .flat_map(|f| f.items.iter())
                .filter_map(|e| e.literal().map(|l| (e.span, l.to_string())))
                .filter(|(_, l)| l.to_ascii_lowercase().starts_with("bedrock:"))
                .collect();
            for (span, action) in uses {
                self.ai_use("bedrock", span, format!("IAM action `{action}`"));
            }
        }
        for (name, body) in &ev.providers {
            if let Some(svc) = match name.as_str() {
                "openai" => Some("openai"),
                "anthropic" => Some("anthropic"),
                _ => None,
            } {
                self.ai_use(svc, body.span, format!("provider `{name}`"));
            }
        }
        // unused by capture but still served: nothing else to link
        let _ = DatastoreKind::Bucket;
    }
}

/// All four public access block settings: `Some(true)` when all are true, `None` when unknown.
pub(super) fn all_four(a: &Value) -> Option<bool> {
    let mut all = true;
    for k in [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ] {
        match a.get(k) {
            Some(v) if v.has_unknown() => return None,
            Some(v) => all &= v.as_bool() == Some(true),
            None => all = false,
        }
    }
    Some(all)
}

/// Resource types that are ML work by themselves: SageMaker (feature groups, models,
/// endpoints, pipelines, notebooks...), Bedrock, Vertex AI, Azure Machine Learning.
pub fn is_ml_resource(rtype: &str) -> bool {
    [
        "aws_sagemaker_",
        "aws_bedrock",
        "google_vertex_ai_",
        "azurerm_machine_learning_",
    ]
    .iter()
    .any(|p| rtype.starts_with(p))
}

/// Data jobs that count as ML evidence when they feed an ML resource.
const DATA_JOBS: [&str; 2] = ["aws_glue_job", "aws_emr_cluster"];

/// Bucket names in a literal text: `s3://name/...` and `arn:aws:s3:::name/...`.
fn bucket_names_in(text: &str, out: &mut BTreeSet<String>) {
    for marker in ["s3://", "arn:aws:s3:::"] {
        for (at, _) in text.match_indices(marker) {
            let name: String = text[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
}

impl Builder<'_> {
    /// The buckets a value touches: references to buckets of this unit (by name when known,
    /// else by unit and address) and bucket names in S3 URIs and ARNs.
    fn buckets_touched(&self, v: &Value, out: &mut BTreeSet<String>) {
        match &v.kind {
            Kind::String(s) => bucket_names_in(s, out),
            Kind::Symbolic(parts) => {
                for p in parts {
                    match p {
                        Part::Lit(s) => bucket_names_in(s, out),
                        Part::Ref(r) => {
                            if let Some(Entity::Datastore(d)) = self.by_address.get(&r.target) {
                                let ds = &self.inv.datastores[*d];
                                if ds.kind == DatastoreKind::Bucket {
                                    out.insert(ds.name.clone().unwrap_or_else(|| {
                                        format!("{}:{}", self.root, ds.address)
                                    }));
                                }
                            }
                        }
                    }
                }
            }
            Kind::List(items) => items.iter().for_each(|x| self.buckets_touched(x, out)),
            Kind::Object(entries) => entries
                .iter()
                .for_each(|e| self.buckets_touched(&e.value, out)),
            Kind::Json(inner) => self.buckets_touched(inner, out),
            _ => {}
        }
    }

    /// What shows ML work in this unit (model.md, "Datastores and tiers" step 4): ML resources,
    /// roles an ML service assumes, the buckets ML resources use, Glue jobs and EMR clusters
    /// that may feed them; and the words that name the unit's environment.
    pub(super) fn unit_evidence(
        &mut self,
        ev: &Evaluated,
        default_tags: &std::collections::BTreeMap<String, String>,
    ) {
        self.stage_words(ev, default_tags);
        let mut ml = Vec::new();
        let mut ml_buckets = BTreeSet::new();
        let mut data_jobs = Vec::new();
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == crate::terraform::value::Mode::Managed)
        {
            let aws_type = super::awscc::aws_type(&r.address.rtype);
            let rtype = aws_type.as_ref();
            if is_ml_resource(rtype) {
                ml.push(r.address.to_string());
                self.buckets_touched(&r.attrs, &mut ml_buckets);
            } else if DATA_JOBS.contains(&rtype) {
                let mut buckets = BTreeSet::new();
                self.buckets_touched(&r.attrs, &mut buckets);
                data_jobs.push((r.address.to_string(), buckets));
            }
        }
        for p in self.inv.principals.iter().filter(|p| p.root == self.root) {
            if let Some(service) = &p.ml_service {
                ml.push(format!("{} (assumed by {service})", p.address));
            }
        }
        let e = &mut self.inv.evidence[self.root];
        // ML resources first: the reason text names the first piece of evidence
        ml.append(&mut e.ml);
        e.ml = ml;
        e.ml_buckets = ml_buckets;
        e.data_jobs = data_jobs;
    }
}
