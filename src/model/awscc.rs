//! The awscc provider (AWS Cloud Control): its resources mapped onto the model the `aws`
//! provider's resources build, so every rule reads them unchanged.
//!
//! Cloud Control types name their arguments after CloudFormation (`bucket_name`, `role_name`,
//! `assume_role_policy_document`, inline `policies = [{ policy_name, policy_document }]`), write
//! nested settings as object attributes rather than blocks, and give `tags` either as a list of
//! `{ key, value }` objects or as a map. Each awscc instance is translated once into the shape of
//! its `aws` counterpart: same address, same spans (a renamed argument keeps the span of the key
//! as written), arguments renamed, tag lists turned into maps. The model's stages then dispatch on
//! `aws_type`, the counterpart type. What has no one-to-one counterpart (lifecycle rules, the
//! public access block and versioning written on the bucket itself, a managed policy that names
//! the roles it attaches to, a user that names its groups, a monitoring schedule that names its
//! endpoint) is read here, in the hooks below.
//!
//! Attribute names checked against hashicorp/terraform-provider-awscc v1.96.0
//! (docs/resources/*.md).

use super::{Attachment, Builder, Entity, LifecycleRule, PrincipalKind};
use crate::terraform::value::{Entry, Kind, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use std::borrow::Cow;
use std::sync::Arc;

/// An awscc type, its `aws` counterpart, and the arguments to rename on the way: a dotted path
/// (through objects and lists of objects) and the new key. Renames apply in order, so a later
/// path uses the names an earlier rename gave.
struct Mapping {
    awscc: &'static str,
    aws: &'static str,
    renames: &'static [(&'static str, &'static str)],
}

/// Inline policies of a role, user or group: `policies = [{ policy_name, policy_document }]`
/// read as `inline_policy { name, policy }` blocks.
const INLINE_POLICIES: [(&str, &str); 3] = [
    ("policies", "inline_policy"),
    ("inline_policy.policy_name", "name"),
    ("inline_policy.policy_document", "policy"),
];

const JOB_DEFINITION: &[(&str, &str)] = &[("job_definition_name", "name")];

const MAPPINGS: &[Mapping] = &[
    // datastores
    Mapping {
        awscc: "awscc_s3_bucket",
        aws: "aws_s3_bucket",
        renames: &[
            ("bucket_name", "bucket"),
            // default encryption, as the `aws` provider's inline block (v3) reads it
            ("bucket_encryption", "server_side_encryption_configuration"),
            (
                "server_side_encryption_configuration.server_side_encryption_configuration",
                "rule",
            ),
            (
                "server_side_encryption_configuration.rule.server_side_encryption_by_default",
                "apply_server_side_encryption_by_default",
            ),
            ("logging_configuration", "logging"),
            ("logging.destination_bucket_name", "target_bucket"),
            ("logging.log_file_prefix", "target_prefix"),
        ],
    },
    Mapping {
        awscc: "awscc_s3_bucket_policy",
        aws: "aws_s3_bucket_policy",
        renames: &[("policy_document", "policy")],
    },
    Mapping {
        awscc: "awscc_logs_log_group",
        aws: "aws_cloudwatch_log_group",
        renames: &[("log_group_name", "name")],
    },
    Mapping {
        awscc: "awscc_logs_resource_policy",
        aws: "aws_cloudwatch_log_resource_policy",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_kms_key",
        aws: "aws_kms_key",
        renames: &[("key_policy", "policy")],
    },
    // principals and policies
    Mapping {
        awscc: "awscc_iam_role",
        aws: "aws_iam_role",
        renames: &[
            ("role_name", "name"),
            ("assume_role_policy_document", "assume_role_policy"),
            INLINE_POLICIES[0],
            INLINE_POLICIES[1],
            INLINE_POLICIES[2],
        ],
    },
    Mapping {
        awscc: "awscc_iam_user",
        aws: "aws_iam_user",
        renames: &[
            ("user_name", "name"),
            INLINE_POLICIES[0],
            INLINE_POLICIES[1],
            INLINE_POLICIES[2],
        ],
    },
    Mapping {
        awscc: "awscc_iam_group",
        aws: "aws_iam_group",
        renames: &[
            ("group_name", "name"),
            INLINE_POLICIES[0],
            INLINE_POLICIES[1],
            INLINE_POLICIES[2],
        ],
    },
    Mapping {
        awscc: "awscc_iam_role_policy",
        aws: "aws_iam_role_policy",
        renames: &[
            ("role_name", "role"),
            ("policy_name", "name"),
            ("policy_document", "policy"),
        ],
    },
    Mapping {
        awscc: "awscc_iam_user_policy",
        aws: "aws_iam_user_policy",
        renames: &[
            ("user_name", "user"),
            ("policy_name", "name"),
            ("policy_document", "policy"),
        ],
    },
    Mapping {
        awscc: "awscc_iam_group_policy",
        aws: "aws_iam_group_policy",
        renames: &[
            ("group_name", "group"),
            ("policy_name", "name"),
            ("policy_document", "policy"),
        ],
    },
    Mapping {
        awscc: "awscc_iam_managed_policy",
        aws: "aws_iam_policy",
        renames: &[
            ("managed_policy_name", "name"),
            ("policy_document", "policy"),
        ],
    },
    // SageMaker
    Mapping {
        awscc: "awscc_sagemaker_model",
        aws: "aws_sagemaker_model",
        renames: &[("model_name", "name"), ("containers", "container")],
    },
    Mapping {
        awscc: "awscc_sagemaker_endpoint",
        aws: "aws_sagemaker_endpoint",
        renames: &[("endpoint_name", "name")],
    },
    Mapping {
        awscc: "awscc_sagemaker_monitoring_schedule",
        aws: "aws_sagemaker_monitoring_schedule",
        renames: &[("monitoring_schedule_name", "name")],
    },
    Mapping {
        awscc: "awscc_sagemaker_data_quality_job_definition",
        aws: "aws_sagemaker_data_quality_job_definition",
        renames: JOB_DEFINITION,
    },
    Mapping {
        awscc: "awscc_sagemaker_model_quality_job_definition",
        aws: "aws_sagemaker_model_quality_job_definition",
        renames: JOB_DEFINITION,
    },
    Mapping {
        awscc: "awscc_sagemaker_model_bias_job_definition",
        aws: "aws_sagemaker_model_bias_job_definition",
        renames: JOB_DEFINITION,
    },
    Mapping {
        awscc: "awscc_sagemaker_model_explainability_job_definition",
        aws: "aws_sagemaker_model_explainability_job_definition",
        renames: JOB_DEFINITION,
    },
    // Bedrock
    Mapping {
        awscc: "awscc_bedrock_agent",
        aws: "aws_bedrockagent_agent",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_bedrock_knowledge_base",
        aws: "aws_bedrockagent_knowledge_base",
        renames: &[],
    },
    // jobs, logging and places AI services are named
    Mapping {
        awscc: "awscc_glue_job",
        aws: "aws_glue_job",
        renames: &[("role", "role_arn")],
    },
    Mapping {
        awscc: "awscc_stepfunctions_state_machine",
        aws: "aws_sfn_state_machine",
        renames: &[("state_machine_name", "name")],
    },
    Mapping {
        awscc: "awscc_cloudwatch_alarm",
        aws: "aws_cloudwatch_metric_alarm",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_cloudtrail_trail",
        aws: "aws_cloudtrail",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_lambda_function",
        aws: "aws_lambda_function",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_secretsmanager_secret",
        aws: "aws_secretsmanager_secret",
        renames: &[],
    },
    Mapping {
        awscc: "awscc_ssm_parameter",
        aws: "aws_ssm_parameter",
        renames: &[],
    },
];

/// The `aws` resource type the model reads an awscc type as; any other type unchanged. SageMaker
/// and Bedrock types without a mapping keep their service prefix (`awscc_bedrock_prompt` ->
/// `aws_bedrock_prompt`): ML evidence and Bedrock use go by that prefix, and their arguments are
/// read by no stage, so a counterpart whose arguments differ does no harm.
pub fn aws_type(rtype: &str) -> Cow<'_, str> {
    let Some(rest) = rtype.strip_prefix("awscc_") else {
        return Cow::Borrowed(rtype);
    };
    if let Some(m) = MAPPINGS.iter().find(|m| m.awscc == rtype) {
        return Cow::Borrowed(m.aws);
    }
    if rest.starts_with("sagemaker_") || rest.starts_with("bedrock") {
        return Cow::Owned(format!("aws_{rest}"));
    }
    Cow::Borrowed(rtype)
}

/// Does `attr` hold the resource's own ARN? Cloud Control names it after the type
/// (`awscc_sagemaker_model.model_arn`, `awscc_bedrock_agent.agent_arn`,
/// `awscc_iam_managed_policy.policy_arn`) where the `aws` provider says `arn`; other `*_arn`
/// attributes point at other resources (`execution_role_arn`).
pub fn names_own_arn(rtype: &str, attr: &str) -> bool {
    attr == "arn"
        || (is_awscc(rtype)
            && attr
                .strip_suffix("_arn")
                .is_some_and(|stem| rtype.ends_with(&format!("_{stem}"))))
}

/// A type of the awscc provider.
pub fn is_awscc(rtype: &str) -> bool {
    rtype.starts_with("awscc_")
}

/// The root module with its awscc instances in the shape of their `aws` counterparts; `None`
/// when it declares none (the common case costs nothing).
pub(super) fn translate(ev: &Evaluated) -> Option<Evaluated> {
    if !ev.instances.iter().any(|r| is_awscc(&r.address.rtype)) {
        return None;
    }
    let instances = ev
        .instances
        .iter()
        .map(
            |r| match MAPPINGS.iter().find(|m| m.awscc == r.address.rtype) {
                Some(m) => ResourceInstance {
                    attrs: translate_attrs(&r.attrs, m),
                    ..r.clone()
                },
                None if is_awscc(&r.address.rtype) => ResourceInstance {
                    attrs: pairs_as_map(&r.attrs, "tags", "key"),
                    ..r.clone()
                },
                None => r.clone(),
            },
        )
        .collect();
    Some(Evaluated {
        root_dir: ev.root_dir.clone(),
        instances,
        providers: ev.providers.clone(),
        ..Evaluated::default()
    })
}

fn translate_attrs(attrs: &Value, m: &Mapping) -> Value {
    let mut out = pairs_as_map(attrs, "tags", "key");
    if m.awscc == "awscc_cloudwatch_alarm" {
        out = pairs_as_map(&out, "dimensions", "name");
    }
    for (path, new) in m.renames {
        let steps: Vec<&str> = path.split('.').collect();
        out = rename(&out, &steps, new);
    }
    out
}

/// Rename the key at `path` (through objects and every element of lists) to `new`. Each step
/// goes down one object, or one list of objects, so the depth is the path's length whatever the
/// value holds (a list of lists is no shape Cloud Control writes and is left as it is).
fn rename(v: &Value, path: &[&str], new: &str) -> Value {
    match &v.kind {
        Kind::List(items) => Value::new(
            Kind::List(Arc::new(
                items
                    .iter()
                    .map(|x| match x.kind {
                        Kind::Object(_) => rename_in_object(x, path, new),
                        _ => x.clone(),
                    })
                    .collect(),
            )),
            v.span,
        ),
        _ => rename_in_object(v, path, new),
    }
}

fn rename_in_object(v: &Value, path: &[&str], new: &str) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return v.clone();
    };
    match &v.kind {
        Kind::Object(entries) => {
            let entries: Vec<Entry> = entries
                .iter()
                .map(|e| {
                    if e.key != *first {
                        return e.clone();
                    }
                    if rest.is_empty() {
                        Entry {
                            key: new.to_string(),
                            ..e.clone()
                        }
                    } else {
                        Entry {
                            value: rename(&e.value, rest, new),
                            ..e.clone()
                        }
                    }
                })
                .collect();
            Value::new(Kind::Object(Arc::new(entries)), v.span)
        }
        _ => v.clone(),
    }
}

/// A list of `{ key, value }` objects (`{ name, value }` for alarm dimensions) under `attr` as
/// the map the `aws` provider writes; a map stays a map. Each entry keeps the span of the object
/// that wrote it. A list with a key not known here stays a list, which the model reads as tags
/// it cannot know.
fn pairs_as_map(attrs: &Value, attr: &str, key_field: &str) -> Value {
    let Some(list) = attrs.get(attr).and_then(Value::as_list) else {
        return attrs.clone();
    };
    let mut map = Vec::with_capacity(list.len());
    for item in list {
        let (Some(key), Some(value)) = (
            item.get(key_field).and_then(Value::as_str),
            item.get("value"),
        ) else {
            return attrs.clone();
        };
        map.push(Entry {
            key: key.to_string(),
            key_span: item.span,
            value: value.clone(),
        });
    }
    let Some(entries) = attrs.as_object() else {
        return attrs.clone();
    };
    let entries: Vec<Entry> = entries
        .iter()
        .map(|e| {
            if e.key == attr {
                Entry {
                    value: Value::new(Kind::Object(Arc::new(map.clone())), e.value.span),
                    ..e.clone()
                }
            } else {
                e.clone()
            }
        })
        .collect();
    Value::new(Kind::Object(Arc::new(entries)), attrs.span)
}

impl Builder<'_> {
    /// Storage settings an `awscc_s3_bucket` writes on itself, where the `aws` provider has
    /// resources of their own: versioning, the public access block, lifecycle rules. (Default
    /// encryption is renamed to the inline block `storage` reads.)
    pub(super) fn awscc_storage(&mut self, r: &ResourceInstance) {
        if r.address.rtype != "awscc_s3_bucket" {
            return;
        }
        let Some(Entity::Datastore(d)) = self.by_address.get(&r.address).copied() else {
            return;
        };
        let a = &r.attrs;
        match a
            .get("versioning_configuration")
            .filter(|v| !v.is_null())
            .map(|v| v.get("status").unwrap_or(v))
        {
            Some(s) if s.has_unknown() => {
                self.inv.datastores[d].unknown.insert("versioning".into());
            }
            Some(s) => self.inv.datastores[d].storage.versioning = s.as_str() == Some("Enabled"),
            None => {}
        }
        if let Some(block) = a
            .get("public_access_block_configuration")
            .filter(|v| !v.is_null())
        {
            match super::ml::all_four(block) {
                Some(on) => self.inv.datastores[d].storage.public_access_block |= on,
                None => {
                    self.inv.datastores[d]
                        .unknown
                        .insert("public_access_block".into());
                }
            }
        }
        let rules: Vec<&Value> = a
            .get("lifecycle_configuration")
            .and_then(|c| c.get("rules"))
            .map(|v| v.one_or_many())
            .unwrap_or_default();
        for rule in rules {
            if rule.get("status").and_then(Value::as_str) != Some("Enabled") {
                continue;
            }
            let days = |v: Option<&Value>| v.and_then(Value::as_number).map(|n| n as i64);
            let noncurrent = rule
                .get("noncurrent_version_expiration")
                .and_then(|e| e.get("noncurrent_days"));
            self.inv.datastores[d]
                .storage
                .lifecycle
                .push(LifecycleRule {
                    prefix: rule
                        .get("prefix")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    expiration_days: days(rule.get("expiration_in_days")),
                    noncurrent_days: days(noncurrent)
                        .or_else(|| days(rule.get("noncurrent_version_expiration_in_days"))),
                });
        }
    }

    /// Links an awscc resource writes on itself: the roles, users and groups an
    /// `awscc_iam_managed_policy` attaches to, and the groups an `awscc_iam_user` joins.
    pub(super) fn awscc_iam_links(&mut self, r: &ResourceInstance) {
        let list = |k: &str| -> Vec<Value> {
            r.attrs
                .get(k)
                .map(|v| v.one_or_many().into_iter().cloned().collect())
                .unwrap_or_default()
        };
        match r.address.rtype.as_str() {
            "awscc_iam_managed_policy" => {
                let Some(doc) = self.policy_docs.get(&r.address).copied() else {
                    return;
                };
                for (key, kind) in [
                    ("roles", PrincipalKind::Role),
                    ("users", PrincipalKind::User),
                    ("groups", PrincipalKind::Group),
                ] {
                    for v in list(key) {
                        if let Some(p) = self.principal_ref(&v, kind) {
                            self.inv.attachments.push(Attachment {
                                principal: p,
                                document: doc,
                                span: v.span,
                                address: r.address.to_string(),
                            });
                        }
                    }
                }
            }
            "awscc_iam_user" => {
                let Some(Entity::Principal(user)) = self.by_address.get(&r.address).copied() else {
                    return;
                };
                for g in list("groups") {
                    if let Some(group) = self.principal_ref(&g, PrincipalKind::Group) {
                        self.inv.principals[user].groups.insert(group);
                    }
                }
            }
            _ => {}
        }
    }

    /// An `awscc_sagemaker_monitoring_schedule` may name its endpoint directly (`endpoint_name`)
    /// or define its job inline (`monitoring_job_definition.monitoring_inputs[].endpoint_input`),
    /// where the `aws` provider goes through a separate job definition.
    pub(super) fn awscc_ml_links(&mut self, ev: &Evaluated) {
        for r in ev
            .instances
            .iter()
            .filter(|r| r.address.rtype == "awscc_sagemaker_monitoring_schedule")
        {
            let a = &r.attrs;
            let inline = a
                .get("monitoring_schedule_config")
                .and_then(|c| c.get("monitoring_job_definition"))
                .and_then(|d| d.get("monitoring_inputs"))
                .map(|i| i.one_or_many())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| i.get("endpoint_input").and_then(|e| e.get("endpoint_name")));
            let names: Vec<Value> = a
                .get("endpoint_name")
                .into_iter()
                .chain(inline)
                .cloned()
                .collect();
            for n in names {
                if let Some(ep) = self.endpoint_named(&n) {
                    self.inv.endpoints[ep].monitored = true;
                }
            }
        }
    }

    /// The endpoint of this root a value names: by reference or by its literal name.
    fn endpoint_named(&self, v: &Value) -> Option<usize> {
        use crate::terraform::value::Part;
        (0..self.inv.endpoints.len()).find(|&i| {
            let ep = &self.inv.endpoints[i];
            ep.root == self.root
                && match &v.kind {
                    Kind::Symbolic(parts) => matches!(parts.as_slice(),
                        [Part::Ref(r)] if r.target.to_string() == ep.address),
                    Kind::String(s) => ep.name.as_deref() == Some(s),
                    _ => false,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::new(
            Kind::Object(Arc::new(
                entries
                    .into_iter()
                    .map(|(k, v)| Entry {
                        key: k.to_string(),
                        key_span: Span::default(),
                        value: v,
                    })
                    .collect(),
            )),
            Span::default(),
        )
    }

    fn s(text: &str) -> Value {
        Value::string(text, Span::default())
    }

    #[test]
    fn awscc_types_read_as_their_aws_counterparts() {
        assert_eq!(aws_type("awscc_s3_bucket"), "aws_s3_bucket");
        assert_eq!(aws_type("awscc_logs_log_group"), "aws_cloudwatch_log_group");
        assert_eq!(aws_type("awscc_bedrock_agent"), "aws_bedrockagent_agent");
        assert_eq!(aws_type("awscc_bedrock_prompt"), "aws_bedrock_prompt");
        assert_eq!(aws_type("awscc_sagemaker_space"), "aws_sagemaker_space");
        assert_eq!(aws_type("awscc_ec2_vpc"), "awscc_ec2_vpc");
        assert_eq!(aws_type("aws_s3_bucket"), "aws_s3_bucket");
    }

    #[test]
    fn own_arn_attributes_are_told_from_references_to_others() {
        assert!(names_own_arn("awscc_sagemaker_model", "model_arn"));
        assert!(names_own_arn("awscc_bedrock_agent", "agent_arn"));
        assert!(names_own_arn("awscc_iam_managed_policy", "policy_arn"));
        assert!(names_own_arn("awscc_s3_bucket", "arn"));
        assert!(!names_own_arn(
            "awscc_sagemaker_model",
            "execution_role_arn"
        ));
        assert!(!names_own_arn(
            "awscc_bedrock_agent",
            "customer_encryption_key_arn"
        ));
        assert!(!names_own_arn("aws_sagemaker_model", "model_arn"));
    }

    #[test]
    fn inline_policies_and_nested_encryption_are_renamed_through_lists() {
        let role = MAPPINGS
            .iter()
            .find(|m| m.awscc == "awscc_iam_role")
            .unwrap();
        let attrs = obj(vec![
            ("role_name", s("trainer")),
            (
                "policies",
                Value::new(
                    Kind::List(Arc::new(vec![obj(vec![
                        ("policy_name", s("read")),
                        ("policy_document", s("{}")),
                    ])])),
                    Span::default(),
                ),
            ),
        ]);
        let out = translate_attrs(&attrs, role);
        assert_eq!(out.get("name").and_then(Value::as_str), Some("trainer"));
        let inline = out.get("inline_policy").and_then(Value::as_list).unwrap();
        assert_eq!(inline[0].get("name").and_then(Value::as_str), Some("read"));
        assert!(inline[0].get("policy").is_some());

        let bucket = MAPPINGS
            .iter()
            .find(|m| m.awscc == "awscc_s3_bucket")
            .unwrap();
        let attrs = obj(vec![(
            "bucket_encryption",
            obj(vec![(
                "server_side_encryption_configuration",
                Value::new(
                    Kind::List(Arc::new(vec![obj(vec![(
                        "server_side_encryption_by_default",
                        obj(vec![("sse_algorithm", s("aws:kms"))]),
                    )])])),
                    Span::default(),
                ),
            )]),
        )]);
        let out = translate_attrs(&attrs, bucket);
        let rule = out
            .get("server_side_encryption_configuration")
            .and_then(|c| c.get("rule"))
            .and_then(Value::as_list)
            .unwrap();
        assert_eq!(
            rule[0]
                .get("apply_server_side_encryption_by_default")
                .and_then(|d| d.get("sse_algorithm"))
                .and_then(Value::as_str),
            Some("aws:kms")
        );
    }

    #[test]
    fn tag_lists_become_maps_and_unknown_keys_stay_lists() {
        let list = |key: Value| {
            obj(vec![(
                "tags",
                Value::new(
                    Kind::List(Arc::new(vec![obj(vec![
                        ("key", key),
                        ("value", s("training")),
                    ])])),
                    Span::default(),
                ),
            )])
        };
        let out = pairs_as_map(&list(s("mlguard:tier")), "tags", "key");
        assert_eq!(
            out.get("tags")
                .and_then(|t| t.get("mlguard:tier"))
                .and_then(Value::as_str),
            Some("training")
        );
        let unknown = list(Value::unknown("var.k", Span::default()));
        assert!(pairs_as_map(&unknown, "tags", "key")
            .get("tags")
            .and_then(Value::as_list)
            .is_some());
    }
}
