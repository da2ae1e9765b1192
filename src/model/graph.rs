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
        match r.address.rtype.as_str() {
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
                );
            }
            "aws_sagemaker_domain" => {
                for s in blocks(a, &["default_user_settings"]) {
                    self.role_workload(
                        s.get("execution_role"),
                        "notebook",
                        &format!("the default execution role of `{what}`"),
                    );
                }
            }
            "aws_sagemaker_user_profile" | "aws_sagemaker_space" => {
                for s in blocks(a, &["user_settings"]) {
                    self.role_workload(
                        s.get("execution_role"),
                        "notebook",
                        &format!("the execution role of `{what}`"),
                    );
                }
            }
            "aws_sagemaker_pipeline"
            | "aws_glue_job"
            | "aws_sfn_state_machine"
            | "aws_sagemaker_processing_job" => {
                self.role_workload(
                    a.get("role_arn"),
                    "pipeline",
                    &format!("the role of `{what}`"),
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
                );
            }
            "aws_iam_role" => {
                if let Some(trust) = a.get("assume_role_policy") {
                    if trusts_federation(trust, self.sources) {
                        if let Some(super::Entity::Principal(p)) =
                            self.by_address.get(&r.address).copied()
                        {
                            self.graph_workloads.entry(p).or_default().push((
                                "human",
                                "trusted by SAML or SSO federation".into(),
                                r.span,
                            ));
                        }
                    }
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

    fn add_tier_role(&mut self, d: DatastoreId, tier: Tier, why: String, span: Span) {
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

    fn role_workload(&mut self, v: Option<&Value>, workload: &'static str, why: &str) {
        let Some(v) = v else { return };
        if let Some(p) = self.principal_ref(v, PrincipalKind::Role) {
            self.graph_workloads
                .entry(p)
                .or_default()
                .push((workload, why.to_string(), v.span));
        }
    }

    /// Decide every tier and workload of this root module: config, tag, graph, name.
    pub(super) fn classify(&mut self) {
        let ids: Vec<DatastoreId> = (0..self.inv.datastores.len())
            .filter(|&i| self.inv.datastores[i].root == self.root)
            .collect();
        for d in ids {
            let (tier, reason) = self.decide_tier(d);
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
            let (workloads, reason) = self.decide_workloads(p);
            let pr = &mut self.inv.principals[p];
            pr.workloads = workloads;
            pr.workload_reason = reason;
            pr.inference_log_reader = readers.iter().any(|r| config_key_matches(r, &pr.address));
        }
    }

    fn decide_tier(&mut self, d: DatastoreId) -> (Option<Tier>, Reason) {
        let ds = &self.inv.datastores[d];
        // 1. config, by address or by ARN pattern
        let arn = arn_of(d, &self.inv.datastores);
        for (key, tier) in &self.config.tiers {
            let k = key.get_ref();
            let hit = if k.starts_with("arn:") {
                arn.as_deref().is_some_and(|a| {
                    crate::access::catalog::glob_match(k, a, false) || k.trim_end_matches('*') == a
                })
            } else {
                !matches!(ds.kind, DatastoreKind::Prefix { .. })
                    && config_key_matches(k, &ds.address)
            };
            if hit {
                return (
                    Tier::parse(tier.get_ref()),
                    Reason {
                        source: "config",
                        text: format!("mlguard.toml [tiers] {k:?}"),
                        span: None,
                    },
                );
            }
        }
        // 2. a tag (prefixes inherit their bucket's tags, so a tag classifies the bucket only)
        if !matches!(ds.kind, DatastoreKind::Prefix { .. }) {
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
        // 4. the name: the bucket or log group name, else the Terraform label
        let label = match &ds.kind {
            DatastoreKind::Prefix { prefix, .. } => prefix.clone(),
            _ => ds.name.clone().unwrap_or_else(|| ds.target.name.clone()),
        };
        match classify::tier_from_name(&label) {
            classify::NameTier::Tier(t) => (
                Some(t),
                Reason {
                    source: "name",
                    text: format!("name {label:?}"),
                    span: None,
                },
            ),
            classify::NameTier::None => (
                None,
                Reason {
                    source: "none",
                    text: "no tier in config, tags, graph or name".into(),
                    span: None,
                },
            ),
            classify::NameTier::Ambiguous => (
                None,
                Reason {
                    source: "name",
                    text: format!("ambiguous: name {label:?} has words of two tiers"),
                    span: None,
                },
            ),
        }
    }

    fn decide_workloads(&mut self, p: PrincipalId) -> (BTreeSet<String>, Reason) {
        let pr = &self.inv.principals[p];
        for (key, list) in &self.config.workloads {
            if config_key_matches(key.get_ref(), &pr.address) {
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
            let (ok, unknown) = classify::workloads_from_tag(v);
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
            let workloads: BTreeSet<String> = found.iter().map(|(w, _, _)| w.to_string()).collect();
            let why: BTreeSet<&str> = found.iter().map(|(_, why, _)| why.as_str()).collect();
            return (
                workloads,
                Reason {
                    source: "graph",
                    text: why.into_iter().collect::<Vec<_>>().join("; "),
                    span: found.first().map(|f| f.2),
                },
            );
        }
        let label = pr.name.clone().unwrap_or_else(|| {
            pr.target
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_default()
        });
        let found = classify::workloads_from_name(&label);
        if found.is_empty() {
            (
                BTreeSet::new(),
                Reason {
                    source: "none",
                    text: "no workload in config, tags, graph or name".into(),
                    span: None,
                },
            )
        } else {
            (
                found.into_iter().map(str::to_string).collect(),
                Reason {
                    source: "name",
                    text: format!("name {label:?}"),
                    span: None,
                },
            )
        }
    }
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
    }
}

/// A trust policy that lets people in through SAML or an identity center.
fn trusts_federation(trust: &Value, sources: &crate::source::Sources) -> bool {
    let Ok(doc) = crate::parse::json::decode_value(trust, sources) else {
        return false;
    };
    let Some(statements) = super::policy::statements(&doc) else {
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
