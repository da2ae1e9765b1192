//! What the resource graph says about tiers and workloads: a SageMaker data capture destination
//! holds inference logs, a model's `model_data_url` bucket holds model artifacts, the role of a
//! notebook is a notebook workload, and so on. Then classification in precedence order.

use super::classify::{self, Tier, TIER_TAG_KEYS, WORKLOAD_TAG_KEY};
use super::{Builder, DatastoreId, DatastoreKind, PrincipalId, PrincipalKind, Reason};
use crate::facts::strip_keys;
use crate::source::Span;
use crate::terraform::value::Value;
use crate::terraform::ResourceInstance;
use std::collections::BTreeSet;

/// Nested block lists by path: `blocks(v, &["data_capture_config"])`.
fn blocks<'v>(v: &'v Value, path: &[&str]) -> Vec<&'v Value> {
    let mut cur = vec![v];
    for key in path {
        cur = cur
            .into_iter()
            .filter_map(|x| x.get(key))
            .flat_map(|x| x.one_or_many())
            .collect();
    }
    cur
}

impl Builder<'_> {
    pub(super) fn graph(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let what = format!("{}", r.address);
        let rtype = super::awscc::aws_type(&r.address.rtype);
        match rtype.as_ref() {
            "aws_sagemaker_endpoint_configuration" => {
                for uri in blocks(a, &["data_capture_config", "destination_s3_uri"]) {
                    self.s3_role(
                        uri,
                        Tier::InferenceLogs,
                        &format!("the data capture destination of `{what}`"),
                    );
                }
                for uri in blocks(
                    a,
                    &["async_inference_config", "output_config", "s3_output_path"],
                ) {
                    self.s3_role(
                        uri,
                        Tier::InferenceLogs,
                        &format!("the async inference output of `{what}`"),
                    );
                }
            }
            "aws_bedrock_model_invocation_logging_configuration" => {
                for cfg in blocks(a, &["logging_config"]) {
                    for s3 in blocks(cfg, &["s3_config"]) {
                        let why = format!("the invocation logging bucket of `{what}`");
                        self.bucket_destination(
                            s3,
                            "bucket_name",
                            "key_prefix",
                            Tier::InferenceLogs,
                            why,
                            s3.span,
                        );
                    }
                    for cw in blocks(cfg, &["cloudwatch_config"]) {
                        if let Some(d) =
                            cw.get("log_group_name").and_then(|n| self.log_group_ref(n))
                        {
                            self.add_tier_role(
                                d,
                                Tier::InferenceLogs,
                                format!("the invocation log group of `{what}`"),
                                cw.span,
                            );
                        }
                    }
                }
            }
            "aws_sagemaker_model" => {
                for c in blocks(a, &["primary_container"])
                    .into_iter()
                    .chain(blocks(a, &["container"]))
                {
                    if let Some(uri) = c.get("model_data_url") {
                        self.s3_bucket_role(
                            uri,
                            Tier::ModelArtifacts,
                            &format!("the model data of `{what}`"),
                        );
                    }
                    for src in blocks(c, &["model_data_source", "s3_data_source", "s3_uri"]) {
                        self.s3_bucket_role(
                            src,
                            Tier::ModelArtifacts,
                            &format!("the model data of `{what}`"),
                        );
                    }
                }
                self.role_workload(
                    a.get("execution_role_arn"),
                    "inference",
                    &format!("the execution role of `{what}`"),
                    true,
                );
            }
            "aws_s3_bucket_logging" => {
                let why = format!("the access-log target of `{what}`");
                self.bucket_destination(
                    a,
                    "target_bucket",
                    "target_prefix",
                    Tier::ApplicationLogs,
                    why,
                    r.span,
                );
            }
            "aws_s3_bucket" => {
                for l in blocks(a, &["logging"]) {
                    let why = format!("the access-log target of `{what}`");
                    self.bucket_destination(
                        l,
                        "target_bucket",
                        "target_prefix",
                        Tier::ApplicationLogs,
                        why,
                        l.span,
                    );
                }
            }
            "aws_lb" | "aws_alb" | "aws_elb" => {
                for l in blocks(a, &["access_logs"]) {
                    let why = format!("the load balancer access logs of `{what}`");
                    self.bucket_destination(
                        l,
                        "bucket",
                        "prefix",
                        Tier::ApplicationLogs,
                        why,
                        l.span,
                    );
                }
            }
            "aws_cloudtrail" => {
                let why = format!("the trail bucket of `{what}`");
                self.bucket_destination(
                    a,
                    "s3_bucket_name",
                    "s3_key_prefix",
                    Tier::ApplicationLogs,
                    why,
                    r.span,
                );
            }
            "aws_cloudwatch_log_group" => {
                let name = a.get("name").and_then(Value::as_str).unwrap_or("");
                if name.starts_with("/aws/sagemaker/Endpoints/") {
                    if let Some(d) = self.log_group_named(name) {
                        self.add_tier_role(
                            d,
                            Tier::InferenceLogs,
                            "the log group of a SageMaker endpoint's containers".into(),
                            r.span,
                        );
                    }
                }
            }
            "aws_sagemaker_notebook_instance" => {
                self.role_workload(
                    a.get("role_arn"),
                    "notebook",
                    &format!("the role of notebook `{what}`"),
                    true,
                );
            }
            "aws_sagemaker_domain" => {
                for s in blocks(a, &["default_user_settings"]) {
                    self.role_workload(
                        s.get("execution_role"),
                        "notebook",
                        &format!("the default execution role of `{what}`"),
                        true,
                    );
                }
            }
            "aws_sagemaker_user_profile" | "aws_sagemaker_space" => {
                for s in blocks(a, &["user_settings"]) {
                    self.role_workload(
                        s.get("execution_role"),
                        "notebook",
                        &format!("the execution role of `{what}`"),
                        true,
                    );
                }
            }
            "aws_sagemaker_pipeline"
            | "aws_glue_job"
            | "aws_sfn_state_machine"
            | "aws_sagemaker_processing_job" => {
                // a Glue job or a state machine is ETL, ML only when it feeds ML (see ml.rs)
                let ml = rtype.starts_with("aws_sagemaker_");
                self.role_workload(
                    a.get("role_arn"),
                    "pipeline",
                    &format!("the role of `{what}`"),
                    ml,
                );
            }
            "aws_sagemaker_data_quality_job_definition"
            | "aws_sagemaker_model_quality_job_definition"
            | "aws_sagemaker_model_bias_job_definition"
            | "aws_sagemaker_model_explainability_job_definition" => {
                self.role_workload(
                    a.get("role_arn"),
                    "monitoring",
                    &format!("the role of monitoring job `{what}`"),
                    true,
                );
            }
            "aws_iam_role" => {
                let Some(super::Entity::Principal(p)) = self.by_address.get(&r.address).copied()
                else {
                    return;
                };
                if let Some(trust) = a.get("assume_role_policy") {
                    let trust = crate::parse::json::decode_value(trust, self.sources).ok();
                    if trust.as_ref().is_some_and(trusts_federation) {
                        self.graph_workloads.entry(p).or_default().push((
                            "human",
                            "trusted by SAML or SSO federation".into(),
                            r.span,
                            false,
                        ));
                    }
                    self.inv.principals[p].ml_service = trust.as_ref().and_then(trusted_ml_service);
                }
            }
            _ => {}
        }
    }

    /// A destination given as a bucket attribute and a key prefix attribute (logging targets,
    /// invocation logging): the prefix becomes a datastore of its own.
    fn bucket_destination(
        &mut self,
        block: &Value,
        bucket: &str,
        prefix: &str,
        tier: Tier,
        why: String,
        span: Span,
    ) {
        if let Some(d) = block.get(bucket).and_then(|b| self.datastore_ref(b)) {
            let prefix = block
                .get(prefix)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let d = self.prefix_datastore(d, &prefix);
            self.add_tier_role(d, tier, why, span);
        }
    }

    fn log_group_ref(&self, v: &Value) -> Option<DatastoreId> {
        match v.as_str() {
            Some(name) => self.log_group_named(name),
            None => self
                .datastore_ref(v)
                .filter(|d| self.inv.datastores[*d].kind == DatastoreKind::LogGroup),
        }
    }

    /// A source URI (a model's artifacts): it classifies the whole bucket.
    fn s3_bucket_role(&mut self, uri: &Value, tier: Tier, why: &str) {
        if let Some((bucket, _)) = self.s3_uri(uri) {
            self.add_tier_role(bucket, tier, why.to_string(), uri.span);
        }
    }

    /// A destination URI: its prefix becomes a datastore of its own (a capture or output path).
    fn s3_role(&mut self, uri: &Value, tier: Tier, why: &str) {
        if let Some((bucket, prefix)) = self.s3_uri(uri) {
            let d = self.prefix_datastore(bucket, &prefix);
            self.add_tier_role(d, tier, why.to_string(), uri.span);
        }
    }

    pub(super) fn add_tier_role(&mut self, d: DatastoreId, tier: Tier, why: String, span: Span) {
        self.inv.datastores[d].roles.insert(tier);
        match tier {
            Tier::InferenceLogs => self.inv.datastores[d].capture_spans.push(span),
            Tier::ApplicationLogs => self.inv.datastores[d].app_log_spans.push(span),
            _ => {}
        }
        self.tier_roles
            .entry(d)
            .or_default()
            .push((tier, why, span));
    }

    fn role_workload(&mut self, v: Option<&Value>, workload: &'static str, why: &str, ml: bool) {
        let Some(v) = v else { return };
        if let Some(p) = self.principal_ref(v, PrincipalKind::Role) {
            self.graph_workloads.entry(p).or_default().push((
                workload,
                why.to_string(),
                v.span,
                ml,
            ));
        }
    }

    /// Decide every tier and workload of this root module from config, tags and the graph; the
    /// name step waits until every unit is known (`Inventory::classify_by_name`).
    pub(super) fn classify(&mut self) {
        // keys may name the unit: `apps/lake:aws_s3_bucket.raw`
        let unit = unit_label(&self.inv.evidence[self.root].dir, self.config);
        let ids: Vec<DatastoreId> = (0..self.inv.datastores.len())
            .filter(|&i| self.inv.datastores[i].root == self.root)
            .collect();
        for d in ids {
            let (tier, reason) = self.decide_tier(d, &unit);
            let ds = &mut self.inv.datastores[d];
            ds.tier = tier;
            ds.tier_reason = reason;
        }
        let ids: Vec<PrincipalId> = (0..self.inv.principals.len())
            .filter(|&i| {
                self.inv.principals[i].root == self.root && self.inv.principals[i].is_internal()
            })
            .collect();
        let readers: Vec<String> = self
            .config
            .inference_logs
            .readers
            .iter()
            .map(|r| r.get_ref().clone())
            .collect();
        for p in ids {
            let (workloads, reason) = self.decide_workloads(p, &unit);
            // an ML workload someone declared, or that an ML resource shows, is ML evidence for
            // the unit; a person, a Glue job or a state machine is not
            let ml_work = workloads.iter().any(|w| w != "human");
            let evidence = match reason.source {
                "config" | "tag" => ml_work.then_some(reason.source),
                "graph" => self
                    .graph_workloads
                    .get(&p)
                    .is_some_and(|found| found.iter().any(|f| f.3))
                    .then_some("graph"),
                _ => None,
            };
            let pr = &mut self.inv.principals[p];
            pr.workloads = workloads;
            pr.workload_reason = reason;
            pr.inference_log_reader = readers
                .iter()
                .any(|r| unit_key_matches(r, &unit, &pr.address));
            if let Some(source) = evidence {
                let line = format!("{} (workload from {source})", pr.address);
                self.inv.evidence[self.root].ml.push(line);
            }
        }
        // members of other clouds' bindings (`group:audit@example.com`) are named in the config
        // by their member string
        for pr in self.inv.principals[self.first.principal..]
            .iter_mut()
            .filter(|p| p.root == self.root && !p.is_internal() && p.cloud != super::Cloud::Aws)
        {
            // a member string has a colon of its own (`group:`), never a unit qualifier
            pr.inference_log_reader = readers
                .iter()
                .any(|r| *r == pr.address || unit_key_matches(r, &unit, &pr.address));
        }
    }

    fn decide_tier(&mut self, d: DatastoreId, unit: &str) -> (Option<Tier>, Reason) {
        let ds = &self.inv.datastores[d];
        // 1. config, by address or by ARN pattern; the most specific key wins
        // (`lake/capture/access/*` over `lake/capture/*` for the deeper prefix)
        let arn = arn_of(d, &self.inv.datastores);
        let mut best: Option<(&String, &toml::Spanned<String>)> = None;
        for (key, tier) in &self.config.tiers {
            let k = key.get_ref();
            // `gs://bucket/prefix/*` is the GCS spelling of an S3 ARN pattern
            let hit = if k.starts_with("arn:") || k.starts_with("gs://") {
                arn.as_deref().is_some_and(|a| {
                    crate::access::catalog::glob_match(k, a, false) || k.trim_end_matches('*') == a
                })
            } else {
                !matches!(ds.kind, DatastoreKind::Prefix { .. })
                    && unit_key_matches(k, unit, &ds.address)
            };
            if hit && best.is_none_or(|(b, _)| k.len() > b.len()) {
                best = Some((k, tier));
            }
        }
        if let Some((k, tier)) = best {
            return (
                Tier::parse(tier.get_ref()),
                Reason {
                    source: "config",
                    text: format!("mlguard.toml [tiers] {k:?}"),
                    span: None,
                },
            );
        }
        // 2. a tag (prefixes inherit their bucket's tags, so a tag classifies the bucket only)
        if !ds.kind.is_prefix() {
            for key in TIER_TAG_KEYS {
                if let Some(v) = ds.tags.map.get(key) {
                    match Tier::from_tag_value(v) {
                        Some(t) => {
                            return (
                                Some(t),
                                Reason {
                                    source: "tag",
                                    text: format!("tag {key} = {v:?}"),
                                    span: ds.tags.span,
                                },
                            )
                        }
                        None => {
                            self.inv.notes.push((
                                ds.tags.span,
                                format!("tag {key} = {v:?} on `{}` is not a tier", ds.address),
                            ));
                        }
                    }
                }
            }
        }
        // 3. the graph: inference logs win over model artifacts, which win over application logs
        if let Some(roles) = self.tier_roles.get(&d) {
            for wanted in [
                Tier::InferenceLogs,
                Tier::ModelArtifacts,
                Tier::ApplicationLogs,
            ] {
                if let Some((t, why, span)) = roles.iter().find(|(t, _, _)| *t == wanted) {
                    return (
                        Some(*t),
                        Reason {
                            source: "graph",
                            text: why.clone(),
                            span: Some(*span),
                        },
                    );
                }
            }
        }
        (
            None,
            Reason {
                source: "none",
                text: "no tier in config, tags or graph".into(),
                span: None,
            },
        )
    }

    fn decide_workloads(&mut self, p: PrincipalId, unit: &str) -> (BTreeSet<String>, Reason) {
        let pr = &self.inv.principals[p];
        for (key, list) in &self.config.workloads {
            if unit_key_matches(key.get_ref(), unit, &pr.address) {
                return (
                    list.get_ref().iter().map(|w| w.get_ref().clone()).collect(),
                    Reason {
                        source: "config",
                        text: format!("mlguard.toml [workloads] {:?}", key.get_ref()),
                        span: None,
                    },
                );
            }
        }
        if let Some(v) = pr.tags.map.get(WORKLOAD_TAG_KEY) {
            let classification = &self.config.classification;
            let (ok, unknown) = classify::workloads_from_tag(v, &|w| classification.is_workload(w));
            if !unknown.is_empty() {
                self.inv.notes.push((
                    pr.tags.span,
                    format!(
                        "tag {WORKLOAD_TAG_KEY} on `{}` names no workload: {}",
                        pr.address,
                        unknown.join(", ")
                    ),
                ));
            }
            return (
                ok,
                Reason {
                    source: "tag",
                    text: format!("tag {WORKLOAD_TAG_KEY} = {v:?}"),
                    span: pr.tags.span,
                },
            );
        }
        if pr.kind == PrincipalKind::User {
            return (
                BTreeSet::from(["human".to_string()]),
                Reason {
                    source: "graph",
                    text: "an IAM user is a person".into(),
                    span: None,
                },
            );
        }
        if let Some(found) = self.graph_workloads.get(&p) {
            let workloads: BTreeSet<String> = found.iter().map(|(w, ..)| w.to_string()).collect();
            let why: BTreeSet<&str> = found.iter().map(|(_, why, ..)| why.as_str()).collect();
            return (
                workloads,
                Reason {
                    source: "graph",
                    text: why.into_iter().collect::<Vec<_>>().join("; "),
                    span: found.first().map(|f| f.2),
                },
            );
        }
        (
            BTreeSet::new(),
            Reason {
                source: "none",
                text: "no workload in config, tags or graph".into(),
                span: None,
            },
        )
    }
}

/// A unit's name in config keys: its root directory relative to the config file's directory,
/// with `/` (`.` for the directory itself).
pub fn unit_label(dir: &std::path::Path, config: &crate::config::Config) -> String {
    let base = config
        .path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let rel = match &base {
        Some(b) => dir.strip_prefix(b).unwrap_or(&dir),
        None => &dir,
    };
    let text = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if text.is_empty() {
        ".".into()
    } else {
        text
    }
}

/// A key naming one unit's resource: `apps/lake:aws_s3_bucket.raw` -> (`apps/lake`, address).
/// Addresses have no `:` outside instance keys, so the first `:` before any `[` separates them.
pub fn split_unit_key(key: &str) -> (Option<&str>, &str) {
    if key.starts_with("arn:") {
        return (None, key);
    }
    let head = key.split('[').next().unwrap_or(key);
    match head.find(':') {
        Some(at) => (Some(&key[..at]), &key[at + 1..]),
        None => (None, key),
    }
}

/// A config key, perhaps qualified by its unit, matches an address of the unit `unit`.
pub fn unit_key_matches(key: &str, unit: &str, address: &str) -> bool {
    let (in_unit, key) = split_unit_key(key);
    in_unit.is_none_or(|u| u.trim_end_matches('/') == unit) && config_key_matches(key, address)
}

/// A `[tiers]`/`[workloads]` key matches an address: exactly, or without instance keys when the
/// key has none (it then covers every instance).
pub fn config_key_matches(key: &str, address: &str) -> bool {
    key == address || (!key.contains('[') && strip_keys(address) == key)
}

/// The ARN of a datastore when its name is known (`arn:aws:s3:::bucket/prefix/`).
fn arn_of(d: DatastoreId, all: &[super::Datastore]) -> Option<String> {
    let ds = &all[d];
    match &ds.kind {
        DatastoreKind::Bucket => ds.name.as_ref().map(|n| format!("arn:aws:s3:::{n}")),
        DatastoreKind::Prefix { bucket, prefix } => all[*bucket]
            .name
            .as_ref()
            .map(|n| format!("arn:aws:s3:::{n}/{prefix}")),
        DatastoreKind::LogGroup => ds
            .name
            .as_ref()
            .map(|n| format!("arn:aws:logs:*:*:log-group:{n}")),
        // GCS: `gs://bucket`, and a prefix's name is `bucket/prefix/`
        DatastoreKind::Store {
            cloud: super::Cloud::Gcp,
            kind: super::StoreKind::Bucket | super::StoreKind::Prefix,
        } => ds.name.as_ref().map(|n| format!("gs://{n}")),
        DatastoreKind::Store { .. } => None,
    }
}

/// The ML service (`sagemaker.amazonaws.com`) a trust policy lets assume the role.
fn trusted_ml_service(doc: &Value) -> Option<String> {
    let statements = super::policy::statements(doc)?;
    statements
        .iter()
        .filter(|s| s.is_allow())
        .filter_map(|s| s.principals.as_ref())
        .flat_map(|(_, ps, _)| ps.iter())
        .filter(|p| p.kind == "Service")
        .filter_map(|p| p.id.literal())
        .find(|id| classify::ML_SERVICES.contains(id))
        .map(str::to_string)
}

/// A trust policy that lets people in through SAML or an identity center.
fn trusts_federation(doc: &Value) -> bool {
    let Some(statements) = super::policy::statements(doc) else {
        return false;
    };
    statements.iter().any(|s| {
        let saml_action = s.actions.as_ref().is_some_and(|a| {
            a.items.iter().any(|e| {
                e.literal()
                    .is_some_and(|x| x.eq_ignore_ascii_case("sts:AssumeRoleWithSAML"))
            })
        });
        let federated = s.principals.as_ref().is_some_and(|(_, ps, _)| {
            ps.iter().any(|p| {
                p.kind == "Federated" && p.id.literal().is_some_and(|x| x.contains("saml-provider"))
            })
        });
        s.is_allow() && (saml_action || federated)
    })
}

/// Attributes that name a resource, in the order the stage-word count reads them (`bucket`
/// only on `aws_s3_bucket`: elsewhere it points at a bucket).
const NAME_ATTRIBUTES: [&str; 10] = [
    "name",
    "name_prefix",
    "function_name",
    "identifier",
    "cluster_identifier",
    "cluster_name",
    "domain_name",
    "pipeline_name",
    "feature_group_name",
    "user_name",
];

fn name_value(r: &ResourceInstance) -> Option<&Value> {
    let attrs: &[&str] = if super::awscc::aws_type(&r.address.rtype) == "aws_s3_bucket" {
        &["bucket", "bucket_prefix"]
    } else {
        &NAME_ATTRIBUTES
    };
    attrs
        .iter()
        .filter_map(|k| r.attrs.get(k))
        .find(|v| v.as_str().is_some())
}

/// Does this expression text read an environment-like variable, local or the workspace
/// (`"${var.environment}-data"`, `"${terraform.workspace}-raw"`)?
fn reads_environment(text: &str) -> bool {
    if text.contains("terraform.workspace") {
        return true;
    }
    ["var.", "local."].iter().any(|prefix| {
        text.match_indices(prefix).any(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            classify::is_environment_key(&ident)
        })
    })
}

/// Lowercase alphanumeric runs of a source text: the words written literally in it.
fn written_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .flat_map(classify::words)
        .collect()
}

impl Builder<'_> {
    /// Words of this unit's names that name its environment or stage rather than its data: the
    /// value of an environment tag, a word a name takes from `var.environment`-like values or
    /// the workspace, or a word in the names of most of the unit's resources (`-training` on
    /// everything in a staff-training environment).
    pub(super) fn stage_words(
        &mut self,
        ev: &crate::terraform::Evaluated,
        default_tags: &std::collections::BTreeMap<String, String>,
    ) {
        use crate::terraform::value::Mode;
        let mut out: std::collections::BTreeMap<String, String> = Default::default();
        let from_tag = |key: &str, value: &str, out: &mut std::collections::BTreeMap<_, _>| {
            if classify::is_environment_key(key) {
                for w in classify::words(value) {
                    if classify::is_name_word(&w) {
                        out.entry(w)
                            .or_insert_with(|| format!("the environment tag {key} = {value:?}"));
                    }
                }
            }
        };
        for (k, v) in default_tags {
            from_tag(k, v, &mut out);
        }
        let mut named = 0usize;
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.mode == Mode::Managed)
        {
            for e in r
                .attrs
                .get("tags")
                .and_then(Value::as_object)
                .unwrap_or_default()
            {
                if let Some(v) = e.value.as_str() {
                    from_tag(&e.key, v, &mut out);
                }
            }
            let Some(v) = name_value(r) else { continue };
            let Some(name) = v.as_str() else { continue };
            named += 1;
            let found: BTreeSet<String> = classify::words(name)
                .into_iter()
                .filter(|w| classify::is_name_word(w))
                .collect();
            if found.is_empty() {
                continue;
            }
            for w in &found {
                *counts.entry(w.clone()).or_default() += 1;
            }
            let file = self.sources.get(v.span.file);
            let text = file.slice(v.span);
            if reads_environment(text) {
                let written = written_words(text);
                for w in found.into_iter().filter(|w| !written.contains(w)) {
                    out.entry(w).or_insert_with(|| {
                        format!(
                            "`{}` takes it from an environment value: {}",
                            r.address,
                            text.split_whitespace().collect::<Vec<_>>().join(" ")
                        )
                    });
                }
            }
        }
        for (w, c) in counts {
            if c >= 3 && c * 2 > named {
                out.entry(w).or_insert_with(|| {
                    format!("in the names of {c} of the unit's {named} named resources")
                });
            }
        }
        self.inv.evidence[self.root].stage_words = out;
    }
}

impl super::Inventory {
    /// The name step (model.md, "Datastores and tiers" step 4 and "Principals and workloads"),
    /// once every unit is known: a bucket or prefix that config, tags and the graph left
    /// unclassified takes a tier from its name only when its unit shows ML work; a role takes
    /// workloads from its name only when an ML service assumes it or its unit shows ML work.
    /// Words that name the unit's environment never count, and log groups never take a tier
    /// from their name. `[classification] names = false` turns the step off.
    pub fn classify_by_name(&mut self, config: &crate::config::Config) {
        // a Glue job or EMR cluster is ML evidence when an ML resource of any unit uses a bucket
        // it touches
        let ml_buckets: BTreeSet<String> = self
            .evidence
            .iter()
            .flat_map(|e| e.ml_buckets.iter().cloned())
            .collect();
        for ev in &mut self.evidence {
            let feeding: Vec<String> = ev
                .data_jobs
                .iter()
                .filter_map(|(job, buckets)| {
                    let shared = buckets.iter().find(|b| ml_buckets.contains(*b))?;
                    Some(format!("{job} (its bucket {shared} feeds an ML resource)"))
                })
                .collect();
            ev.ml.extend(feeding);
        }
        let names_on = config.classification.names_enabled();
        for d in 0..self.datastores.len() {
            if self.datastores[d].tier_reason.source != "none" {
                continue;
            }
            let decision = self.tier_by_name(d, names_on);
            let ds = &mut self.datastores[d];
            (ds.tier, ds.tier_reason, ds.name_hint) = decision;
        }
        if !self.gcp.stores.is_empty() {
            self.gcp_inherit_tiers();
        }
        if !self.azure.is_empty() {
            self.azure_inferred_tiers();
        }
        // documents by the principal they attach to, once (groups reach their members)
        let mut attached: std::collections::HashMap<PrincipalId, Vec<usize>> = Default::default();
        for a in &self.attachments {
            attached.entry(a.principal).or_default().push(a.document);
        }
        for p in 0..self.principals.len() {
            let pr = &self.principals[p];
            if pr.workload_reason.source != "none" || !pr.is_internal() {
                continue;
            }
            let decision = self.workloads_by_name(p, names_on, &attached);
            let pr = &mut self.principals[p];
            (pr.workloads, pr.workload_reason) = decision;
        }
    }

    fn tier_by_name(&self, d: DatastoreId, names_on: bool) -> (Option<Tier>, Reason, Option<Tier>) {
        let ds = &self.datastores[d];
        let unit = &self.evidence[ds.root];
        let label = match &ds.kind {
            DatastoreKind::Prefix { prefix, .. } => prefix.clone(),
            // a GCS prefix's words are its path's, not its bucket's
            DatastoreKind::Store {
                kind: super::StoreKind::Prefix,
                ..
            } => self
                .gcp
                .stores
                .get(&d)
                .and_then(|i| i.prefix.clone())
                .unwrap_or_default(),
            _ => ds.name.clone().unwrap_or_else(|| ds.target.name.clone()),
        };
        let none = |text: String| Reason {
            source: "none",
            text,
            span: None,
        };
        let stage = |w: &str| unit.stage_words.contains_key(w);
        let named = classify::tier_from_name(&label, &stage);
        let (tier, word) = match named {
            classify::NameTier::Tier(t, w) => (t, w),
            classify::NameTier::Ambiguous => {
                return (
                    None,
                    none(format!("ambiguous: name {label:?} has words of two tiers")),
                    None,
                )
            }
            classify::NameTier::None => {
                let text = match classify::tier_from_name(&label, &|_| false) {
                    classify::NameTier::Tier(_, w) => format!(
                        "no tier in config, tags or graph; the word {w:?} in {label:?} names the environment ({})",
                        unit.stage_words.get(&w).map_or("", String::as_str)
                    ),
                    _ => "no tier in config, tags, graph or name".into(),
                };
                return (None, none(text), None);
            }
        };
        if let DatastoreKind::Store { kind, .. } = ds.kind {
            // of other clouds' stores, only object buckets and datasets take a tier from their
            // name (a table takes its dataset's)
            if !matches!(
                kind,
                super::StoreKind::Bucket | super::StoreKind::Dataset | super::StoreKind::Prefix
            ) {
                let text = format!(
                    "no tier in config, tags or graph; a {} takes none from its name ({label:?})",
                    kind.as_str()
                );
                return (None, none(text), None);
            }
        }
        if ds.kind.is_log_store() {
            let text = format!(
                "no tier in config, tags or graph; a log group takes none from its name ({label:?})"
            );
            return (None, none(text), None);
        }
        if !names_on {
            let text = format!(
                "no tier in config, tags or graph; names are off ([classification] names = false), {label:?} suggests {}",
                tier.as_str()
            );
            return (None, none(text), Some(tier));
        }
        let Some(evidence) = unit.ml.first() else {
            let text = format!(
                "no tier in config, tags or graph; the name word {word:?} in {label:?} is not used: no ML evidence in its unit"
            );
            return (None, none(text), Some(tier));
        };
        let more = match unit.ml.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        (
            Some(tier),
            Reason {
                source: "name",
                text: format!("name word {word:?} in {label:?}; ML evidence: {evidence}{more}"),
                span: None,
            },
            Some(tier),
        )
    }

    /// An ML action (`sagemaker:CreateEndpoint`, `bedrock:InvokeModel`) that an Allow of a
    /// policy attached to the principal (or its groups) names explicitly: the principal does
    /// ML work whatever its unit holds.
    fn ml_action_of(
        &self,
        p: PrincipalId,
        attached: &std::collections::HashMap<PrincipalId, Vec<usize>>,
    ) -> Option<String> {
        let pr = &self.principals[p];
        std::iter::once(&p)
            .chain(pr.groups.iter())
            .filter_map(|x| attached.get(x))
            .flatten()
            .flat_map(|&d| self.documents[d].statements.iter())
            .filter(|st| st.is_allow())
            .filter_map(|st| st.actions.as_ref())
            .flat_map(|f| f.items.iter())
            .filter_map(|e| e.literal())
            .find(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("sagemaker:") || l.starts_with("bedrock:")
            })
            .map(|l| format!("`{l}`"))
    }

    fn workloads_by_name(
        &self,
        p: PrincipalId,
        names_on: bool,
        attached: &std::collections::HashMap<PrincipalId, Vec<usize>>,
    ) -> (BTreeSet<String>, Reason) {
        let pr = &self.principals[p];
        let unit = &self.evidence[pr.root];
        let none = |text: String| {
            (
                BTreeSet::new(),
                Reason {
                    source: "none",
                    text,
                    span: None,
                },
            )
        };
        let label = pr.name.clone().unwrap_or_else(|| {
            pr.target
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_default()
        });
        let stage = |w: &str| unit.stage_words.contains_key(w);
        let mut found = classify::workloads_from_name(&label, &stage);
        let mut label = format!("{label:?}");
        // a GCP service account without workload words of its own: the names of the services
        // and Kubernetes workloads it runs (model::gcp `hosts`)
        if found.is_empty() {
            let mut named = Vec::new();
            for h in self.gcp.hosts.get(&p).into_iter().flatten() {
                let words = classify::workloads_from_name(&h.name, &stage);
                if !words.is_empty() {
                    found.extend(words);
                    named.push(format!("{:?} of the {}, which runs as it", h.name, h.what));
                }
            }
            if !named.is_empty() {
                label = named.join(", ");
            }
        }
        if found.is_empty() {
            return none("no workload in config, tags, graph or name".into());
        }
        let list = found.iter().copied().collect::<Vec<_>>().join(", ");
        if !names_on {
            return none(format!(
                "no workload in config, tags or graph; names are off ([classification] names = false), {label} suggests {list}"
            ));
        }
        let evidence = match (&pr.ml_service, self.ml_action_of(p, attached), unit.ml.first()) {
            (Some(service), _, _) => format!("assumed by {service}"),
            (None, Some(action), _) => format!("its policies name {action}"),
            (None, None, Some(e)) => format!("ML evidence: {e}"),
            (None, None, None) => {
                return none(format!(
                    "no workload in config, tags or graph; the name {label} suggests {list}, not used: no ML evidence"
                ))
            }
        };
        (
            found.into_iter().map(str::to_string).collect(),
            Reason {
                source: "name",
                text: format!("name {label}; {evidence}"),
                span: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values_are_recognised_in_name_expressions() {
        assert!(reads_environment("\"acme-${var.environment}-data\""));
        assert!(reads_environment("\"${terraform.workspace}-raw\""));
        assert!(reads_environment("\"x-${local.env}\""));
        assert!(!reads_environment("\"acme-${var.project}-raw\""));
        assert!(!reads_environment("\"acme-${var.environment_id_suffix}\""));
        assert_eq!(
            written_words("\"acme-${var.env}-raw\""),
            ["acme", "env", "raw", "var"]
                .map(String::from)
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn config_keys_may_name_their_unit() {
        assert_eq!(
            split_unit_key("apps/lake:aws_s3_bucket.raw"),
            (Some("apps/lake"), "aws_s3_bucket.raw")
        );
        assert_eq!(
            split_unit_key("aws_s3_bucket.raw[\"a:b\"]"),
            (None, "aws_s3_bucket.raw[\"a:b\"]")
        );
        assert_eq!(
            split_unit_key("arn:aws:s3:::lake/raw/*"),
            (None, "arn:aws:s3:::lake/raw/*")
        );
        assert!(unit_key_matches(
            "apps/lake:aws_s3_bucket.raw",
            "apps/lake",
            "aws_s3_bucket.raw"
        ));
        assert!(!unit_key_matches(
            "apps/web:aws_s3_bucket.raw",
            "apps/lake",
            "aws_s3_bucket.raw"
        ));
        assert!(unit_key_matches(
            "aws_s3_bucket.raw",
            "apps/lake",
            "aws_s3_bucket.raw"
        ));
        assert!(unit_key_matches(
            ".:aws_iam_role.t",
            ".",
            "aws_iam_role.t[\"x\"]"
        ));
    }
}
