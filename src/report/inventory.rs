//! `mlguard inventory`: the system boundary as the infrastructure code declares it, the first
//! draft of a SOC 2 system description (Section 3): data stores and their tiers, the training
//! pipeline, model serving, inference-log stores, the model registry and the third-party AI
//! services. Every item names its Terraform address and the file and line that declare it.
//!
//! The JSON document is built first (`json`, schema in `docs/schemas/inventory.schema.json`);
//! the Markdown is rendered from it, so both always say the same thing.

use crate::access::catalog::ActionClass;
use crate::access::Analysis;
use crate::config::Config;
use crate::model::classify::Tier;
use crate::model::ml::Component;
use crate::model::{Datastore, DatastoreKind, Inventory, PrincipalId};
use crate::report::escape::{md_code, md_code_cell, md_message, md_text};
use crate::source::{Sources, Span};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// Everything the report reads, from one scan.
pub struct Input<'a> {
    pub inventory: &'a Inventory,
    pub analysis: &'a Analysis,
    pub sources: &'a Sources,
    pub config: &'a Config,
}

/// `file` and `line` of a span, relative to the scanned path.
pub(crate) fn at(sources: &Sources, span: Span) -> (String, u32) {
    if (span.file as usize) >= sources.len() {
        return (String::new(), 0);
    }
    let f = sources.get(span.file);
    (f.display.clone(), f.position(span.start).line)
}

fn located(sources: &Sources, span: Span, mut v: Map<String, Value>) -> Value {
    let (file, line) = at(sources, span);
    v.insert("file".into(), json!(file));
    v.insert("line".into(), json!(line));
    Value::Object(v)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The display name of each third-party AI service, with its provider.
fn provider(service: &str) -> (&'static str, &'static str) {
    match service {
        "bedrock" => ("Amazon Bedrock", "Amazon Web Services"),
        "openai" => ("OpenAI API", "OpenAI"),
        "anthropic" => ("Anthropic API", "Anthropic"),
        "vertex-ai" => ("Vertex AI", "Google Cloud"),
        "azure-openai" => ("Azure OpenAI Service", "Microsoft"),
        _ => ("", ""),
    }
}

struct Ctx<'a> {
    i: &'a Input<'a>,
    /// Per (datastore, class): the grants, as report rows.
    access: BTreeMap<(usize, ActionClass), Vec<Value>>,
}

impl<'a> Ctx<'a> {
    fn new(i: &'a Input<'a>) -> Ctx<'a> {
        let inv = i.inventory;
        let mut access: BTreeMap<(usize, ActionClass), Vec<Value>> = BTreeMap::new();
        for g in &i.analysis.grants {
            let p = &inv.principals[g.principal];
            let doc = &inv.documents[g.document];
            // a managed policy's statement is not in a scanned file: show where it is attached
            let span = match (doc.external, g.attachment) {
                (true, Some(a)) => inv.attachments[a].span,
                _ => doc.statements[g.statement].span,
            };
            let row = located(
                i.sources,
                span,
                obj(
                    json!({"principal": p.address, "unit": unit(inv, p.root), "kind": p.kind.as_str(),
                    "workloads": p.workloads.iter().collect::<Vec<_>>(),
                    "actions": g.actions.iter().collect::<Vec<_>>(),
                    "policy": doc.name, "conditional": g.conditional}),
                ),
            );
            access.entry((g.datastore, g.class)).or_default().push(row);
        }
        for rows in access.values_mut() {
            rows.sort_by_key(|r| {
                (
                    r["principal"].as_str().unwrap_or("").to_string(),
                    r["unit"].as_str().unwrap_or("").to_string(),
                    r["file"].as_str().unwrap_or("").to_string(),
                    r["line"].as_u64(),
                )
            });
            rows.dedup_by(|a, b| {
                a["principal"] == b["principal"] && a["unit"] == b["unit"] && a["line"] == b["line"]
            });
        }
        Ctx { i, access }
    }

    fn rows(&self, d: usize, class: ActionClass) -> Vec<Value> {
        self.access.get(&(d, class)).cloned().unwrap_or_default()
    }

    /// Datastores a principal can read or write.
    fn reach(&self, p: PrincipalId, class: ActionClass) -> Vec<String> {
        let inv = self.i.inventory;
        let set: BTreeSet<&str> = self
            .i
            .analysis
            .grants
            .iter()
            .filter(|g| g.principal == p && g.class == class)
            .map(|g| inv.datastores[g.datastore].address.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    fn principal_address(&self, p: Option<PrincipalId>) -> Value {
        p.map_or(Value::Null, |p| {
            json!(self.i.inventory.principals[p].address)
        })
    }

    fn datastore(&self, id: usize, d: &Datastore) -> Value {
        let inv = self.i.inventory;
        let s = &d.storage;
        let prefix = match &d.kind {
            DatastoreKind::Prefix { prefix, .. } => Some(prefix.as_str()),
            _ => None,
        };
        let covering: Vec<_> = s
            .lifecycle
            .iter()
            .filter(|r| r.prefix.is_empty() || prefix.is_some_and(|p| p.starts_with(&r.prefix)))
            .collect();
        let retention = match d.kind {
            DatastoreKind::LogGroup => json!({"days": s.retention_days.filter(|n| *n > 0),
                "source": if s.retention_days.is_some() { "retention_in_days" } else { "none" }}),
            // another cloud's own retention (BigQuery table expiration, a log bucket's days)
            DatastoreKind::Store { .. } if s.retention_days.is_some() => {
                json!({"days": s.retention_days.filter(|n| *n > 0), "source": "retention"})
            }
            _ => json!({"days": covering.iter().filter_map(|r| r.expiration_days).min(),
                "noncurrent_days": covering.iter().filter_map(|r| r.noncurrent_days).min(),
                "source": if covering.iter().any(|r| r.expiration_days.is_some()) { "lifecycle" } else { "none" }}),
        };
        let encryption = match d.kind {
            DatastoreKind::LogGroup => {
                json!({"algorithm": if s.kms_key { Some("aws:kms") } else { None }, "customer_managed_key": s.kms_key})
            }
            _ => json!({"algorithm": s.encryption, "customer_managed_key": s.kms_key}),
        };
        let is_bucket = matches!(d.kind.as_str(), "bucket" | "prefix");
        located(
            self.i.sources,
            d.span,
            obj(json!({
                "address": d.address,
                "unit": unit(inv, d.root),
                "kind": d.kind.as_str(),
                "name": d.label(&inv.datastores),
                "tier": d.tier.map(Tier::as_str),
                "classified_by": {"source": d.tier_reason.source, "reason": d.tier_reason.text},
                "encryption": encryption,
                "versioning": if is_bucket { json!(s.versioning) } else { Value::Null },
                "public_access_block": if is_bucket { json!(s.public_access_block) } else { Value::Null },
                "retention": retention,
                "unknown": d.unknown.iter().collect::<Vec<_>>(),
                "read": self.rows(id, ActionClass::Read),
                "write": self.rows(id, ActionClass::Write),
                "account": crate::report::accounts::of_datastore(inv, id, d),
            })),
        )
    }

    fn component(&self, c: &Component) -> Value {
        let mut attrs = Map::new();
        for (k, v) in &c.attrs {
            match attrs.get_mut(*k) {
                Some(Value::Array(list)) => list.push(json!(v)),
                _ => {
                    attrs.insert(k.to_string(), json!([v]));
                }
            }
        }
        let (reads, writes) = match c.role {
            Some(p) => (
                self.reach(p, ActionClass::Read),
                self.reach(p, ActionClass::Write),
            ),
            None => (Vec::new(), Vec::new()),
        };
        located(
            self.i.sources,
            c.span,
            obj(
                json!({"address": c.address, "unit": unit(self.i.inventory, c.root), "kind": c.kind, "name": c.name, "role": self.principal_address(c.role),
                "reads": reads, "writes": writes, "settings": attrs}),
            ),
        )
    }

    fn components(&self, kinds: &[&str]) -> Vec<&'a Component> {
        let mut out: Vec<&Component> = self
            .i
            .inventory
            .components
            .iter()
            .filter(|c| kinds.contains(&c.kind))
            .collect();
        out.sort_by(|a, b| (&a.address, a.root).cmp(&(&b.address, b.root)));
        out
    }
}

/// The root directory of a root's deployment unit (`None` for a policy file outside every root).
fn unit(inv: &crate::model::Inventory, root: usize) -> Value {
    json!(inv.units.get(root).and_then(|u| u.dir.clone()))
}

/// A component points at a resource: by reference to its address, or by its name.
fn points_at(c: &Component, address: &str, name: Option<&str>, keys: &[&str]) -> bool {
    c.refs.iter().any(|r| r == address)
        || name.is_some_and(|n| {
            c.attrs
                .iter()
                .any(|(k, v)| keys.contains(k) && (v == n || v.split('/').any(|part| part == n)))
        })
}

fn setting<'c>(c: &'c Component, key: &str) -> Option<&'c str> {
    c.attrs
        .iter()
        .find(|(k, _)| k.ends_with(key))
        .map(|(_, v)| v.as_str())
}

pub fn json(i: &Input) -> Value {
    let cx = Ctx::new(i);
    let inv = i.inventory;
    let sources = i.sources;

    // data stores: every one, tiered first in tier order, then by address
    let mut order: Vec<usize> = (0..inv.datastores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&inv.datastores[a], &inv.datastores[b]);
        (x.tier.is_none(), x.tier, &x.address, x.root).cmp(&(
            y.tier.is_none(),
            y.tier,
            &y.address,
            y.root,
        ))
    });
    let data_stores: Vec<Value> = order
        .iter()
        .map(|&d| cx.datastore(d, &inv.datastores[d]))
        .collect();

    // training pipeline
    let comp = |kinds: &[&str]| -> Vec<Value> {
        cx.components(kinds)
            .into_iter()
            .map(|c| cx.component(c))
            .collect()
    };
    let mut roles: Vec<usize> = (0..inv.principals.len())
        .filter(|&p| {
            let pr = &inv.principals[p];
            pr.is_internal()
                && ["training", "pipeline", "notebook"]
                    .iter()
                    .any(|w| pr.workloads.contains(*w))
        })
        .collect();
    roles.sort_by(|&a, &b| {
        let (x, y) = (&inv.principals[a], &inv.principals[b]);
        (&x.address, x.root).cmp(&(&y.address, y.root))
    });
    let roles: Vec<Value> = roles
        .into_iter()
        .map(|p| {
            let pr = &inv.principals[p];
            let used_by: BTreeSet<&str> = inv
                .components
                .iter()
                .filter(|c| c.role == Some(p))
                .map(|c| c.address.as_str())
                .collect();
            located(
                sources,
                pr.span,
                obj(json!({"address": pr.address, "unit": unit(inv, pr.root), "name": pr.name,
                    "workloads": pr.workloads.iter().collect::<Vec<_>>(),
                    "workload_reason": {"source": pr.workload_reason.source, "reason": pr.workload_reason.text},
                    "used_by": used_by, "reads": cx.reach(p, ActionClass::Read),
                    "writes": cx.reach(p, ActionClass::Write)})),
            )
        })
        .collect();
    let training = json!({
        "pipelines": comp(&["pipeline", "glue-job"]),
        "notebooks": comp(&["notebook"]),
        "feature_groups": comp(&["feature-group"]),
        "roles": roles,
    });

    // serving
    let models = cx.components(&["model"]);
    let configs = cx.components(&["endpoint-config"]);
    let schedules = cx.components(&["monitoring-schedule"]);
    let jobs = cx.components(&["monitoring-job"]);
    let scaling = cx.components(&["autoscaling-target"]);
    let azure_index = azure_endpoints(inv);
    let mut endpoints: Vec<&crate::model::ml::Endpoint> = inv.endpoints.iter().collect();
    endpoints.sort_by(|a, b| (&a.address, a.root).cmp(&(&b.address, b.root)));
    let endpoints: Vec<Value> = endpoints
        .into_iter()
        .map(|e| {
            let config = e.config.map(|c| &inv.endpoint_configs[c]);
            let config_comp = config.and_then(|c| configs.iter().find(|x| x.address == c.address));
            let azure = azure_endpoint(i, &azure_index, e);
            let mut served: Vec<Value> = models
                .iter()
                .filter(|m| {
                    config_comp.is_some_and(|c| {
                        points_at(c, &m.address, m.name.as_deref(), &["production_variants.model_name"])
                    })
                })
                .map(|m| {
                    let typed = inv.models.iter().find(|x| x.address == m.address);
                    let registry = typed.is_some_and(|t| t.from_registry);
                    let package = setting(m, "model_package_name");
                    let artifact = setting(m, "model_data_url");
                    located(
                        sources,
                        m.span,
                        obj(json!({"address": m.address, "name": m.name,
                            "source": if registry { "model-registry" } else if artifact.is_some() { "artifact" } else { "container" },
                            "model_package": package, "artifact": artifact,
                            "execution_role": cx.principal_address(m.role)})),
                    )
                })
                .collect();
            let capture = config.map(|c| {
                let on = c.capture_span.is_some()
                    && c.capture_enabled
                    && c.sampling_percentage != Some(0);
                json!({"enabled": on,
                    "sampling_percentage": c.sampling_percentage,
                    "modes": c.capture_modes.iter().collect::<Vec<_>>(),
                    "destination": config_comp.and_then(|x| setting(x, "destination_s3_uri"))})
            });
            let mut monitoring: Vec<Value> = schedules
                .iter()
                .filter(|s| {
                    jobs.iter().any(|j| {
                        points_at(s, &j.address, j.name.as_deref(), &["monitoring_schedule_config.monitoring_job_definition_name"])
                            && (j.refs.contains(&e.address)
                                || e.name.as_deref().is_some_and(|n| {
                                    j.attrs.iter().any(|(k, v)| k.ends_with("endpoint_name") && v == n)
                                }))
                    })
                })
                .map(|s| {
                    located(
                        sources,
                        s.span,
                        obj(json!({"address": s.address, "name": s.name,
                            "type": setting(s, "monitoring_type"),
                            "schedule": setting(s, "schedule_expression")})),
                    )
                })
                .collect();
            let autoscaling: Vec<Value> = scaling
                .iter()
                .filter(|t| {
                    t.refs.contains(&e.address)
                        || e.name.as_deref().is_some_and(|n| {
                            t.name.as_deref().is_some_and(|id| id.split('/').nth(1) == Some(n))
                        })
                })
                .map(|t| {
                    located(
                        sources,
                        t.span,
                        obj(json!({"address": t.address, "resource_id": t.name,
                            "dimension": setting(t, "scalable_dimension"),
                            "min_capacity": setting(t, "min_capacity"),
                            "max_capacity": setting(t, "max_capacity")})),
                    )
                })
                .collect();
            let config_v = config.map(|c| {
                located(
                    sources,
                    c.span,
                    obj(json!({"address": c.address, "name": c.name, "serverless": c.serverless})),
                )
            });
            let mut extra = Map::new();
            let mut capture = capture;
            if let Some(az) = &azure {
                if let (Some(c), Some(d)) = (capture.as_mut(), az.destination) {
                    c["destination"] = json!(d);
                }
            }
            if let Some(az) = azure {
                served.extend(az.models);
                monitoring.extend(az.monitors);
                extra.insert("deployments".into(), json!(az.deployments));
            }
            let mut v = obj(json!({"address": e.address, "unit": unit(inv, e.root), "name": e.name, "configuration": config_v,
                    "models": served, "data_capture": capture, "monitoring_schedules": monitoring,
                    "metric_alarm": e.alarmed, "autoscaling": autoscaling}));
            v.extend(extra);
            located(sources, e.span, v)
        })
        .collect();

    // inference-log stores
    let inference_logs: Vec<Value> = order
        .iter()
        .filter(|&&d| {
            let ds = &inv.datastores[d];
            ds.tier == Some(Tier::InferenceLogs) || ds.roles.contains(&Tier::InferenceLogs)
        })
        .map(|&d| {
            let ds = &inv.datastores[d];
            let mut v = obj(cx.datastore(d, ds));
            let receives: Vec<Value> = ds
                .capture_spans
                .iter()
                .map(|s| located(sources, *s, Map::new()))
                .collect();
            v.insert("receives_from".into(), json!(receives));
            Value::Object(v)
        })
        .collect();

    // model registry
    let control = |class: ActionClass| -> Vec<Value> {
        let mut rows: Vec<Value> = i
            .analysis
            .control
            .iter()
            .filter(|g| g.class == class)
            .map(|g| {
                let p = &inv.principals[g.principal];
                let doc = &inv.documents[g.document];
                let span = match (doc.external, g.attachment) {
                    (true, Some(a)) => inv.attachments[a].span,
                    _ => doc.statements[g.statement].span,
                };
                located(
                    sources,
                    span,
                    obj(json!({"principal": p.address, "unit": unit(inv, p.root), "workloads": p.workloads.iter().collect::<Vec<_>>(),
                        "actions": g.actions.iter().collect::<Vec<_>>(), "policy": doc.name,
                        "conditional": g.conditional})),
                )
            })
            .collect();
        rows.sort_by_key(|r| {
            (
                r["principal"].to_string(),
                r["unit"].to_string(),
                r["line"].as_u64(),
            )
        });
        rows
    };
    let registry = json!({
        "package_groups": comp(&["model-package-group"]),
        "approve": control(ActionClass::ApproveModel),
        "deploy": control(ActionClass::DeployModel),
    });

    // third-party AI services
    let declared: BTreeSet<String> = i
        .config
        .subservices
        .declared
        .iter()
        .map(|s| s.get_ref().to_ascii_lowercase())
        .collect();
    let mut by_service: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for u in &inv.ai_uses {
        by_service.entry(u.service).or_default().push(located(
            sources,
            u.span,
            obj(json!({"how": u.how, "unit": unit(inv, u.root)})),
        ));
    }
    let services: Vec<Value> = by_service
        .into_iter()
        .map(|(svc, mut uses)| {
            uses.sort_by_key(|u| (u["file"].to_string(), u["line"].as_u64()));
            let (name, org) = provider(svc);
            json!({"service": svc, "name": name, "provider": org,
                "declared": declared.contains(svc), "detected": uses})
        })
        .collect();
    let deployment_spans: HashMap<(usize, String), Span> = inv
        .azure
        .units
        .iter()
        .flat_map(|u| {
            u.front
                .deployments
                .iter()
                .map(move |d| ((u.root, d.address.to_string()), d.span))
        })
        .collect();
    let mut agents: Vec<&crate::model::ml::Agent> = inv.agents.iter().collect();
    agents.sort_by(|a, b| (&a.address, a.root).cmp(&(&b.address, b.root)));
    let agents: Vec<Value> = agents
        .into_iter()
        .map(|a| {
            // an Azure OpenAI deployment is declared by its block (its finding points at the
            // content filter that is off)
            let span = deployment_spans
                .get(&(a.root, a.address.clone()))
                .copied()
                .unwrap_or(a.span);
            located(
                sources,
                span,
                obj(json!({"address": a.address, "unit": unit(inv, a.root), "guardrail": a.guardrail})),
            )
        })
        .collect();

    let ai_deployments = azure_openai_deployments(i);
    json!({
        "version": 1,
        "tool": {"name": "mlguard", "version": env!("CARGO_PKG_VERSION")},
        "accounts": crate::report::accounts::json(inv, sources),
        "data_stores": data_stores,
        "training": training,
        "serving": {"endpoints": endpoints, "ai_deployments": ai_deployments},
        "inference_logs": inference_logs,
        "model_registry": registry,
        "ai_services": {"services": services, "agents": agents, "guardrails": comp(&["guardrail"])},
    })
}

/// What an Azure ML online endpoint serves: its deployments (each a configuration), the model
/// assets they name, and the model monitors that target them.
struct AzureEndpoint {
    deployments: Vec<Value>,
    models: Vec<Value>,
    monitors: Vec<Value>,
    /// Where the first deployment's requests and responses go.
    destination: Option<&'static str>,
}

/// Each Azure online endpoint of the inventory, by (root, address): its unit and its index
/// in the front end.
type AzureEndpoints<'a> =
    HashMap<(usize, &'a str), (&'a crate::model::azure_build::AzureUnit, usize)>;

fn azure_endpoints(inv: &Inventory) -> AzureEndpoints<'_> {
    let mut out = HashMap::new();
    for unit in &inv.azure.units {
        for (&fi, &ii) in &unit.endpoints {
            if let Some(e) = inv.endpoints.get(ii) {
                out.insert((e.root, e.address.as_str()), (unit, fi));
            }
        }
    }
    out
}

fn azure_endpoint(
    i: &Input,
    index: &AzureEndpoints,
    e: &crate::model::ml::Endpoint,
) -> Option<AzureEndpoint> {
    let &(unit, fi) = index.get(&(e.root, e.address.as_str()))?;
    let front = &unit.front;
    let mut out = AzureEndpoint {
        deployments: Vec::new(),
        models: Vec::new(),
        monitors: Vec::new(),
        destination: None,
    };
    out.destination = front.deployments_of(fi).next().and_then(|d| {
        let dep = &front.endpoints[d];
        if dep.data_collector {
            Some("the deployment's data collector")
        } else if dep.app_insights == crate::model::azure::Flag::Known(true) {
            Some("the workspace's Application Insights")
        } else {
            None
        }
    });
    for d in front.deployments_of(fi) {
        let dep = &front.endpoints[d];
        let logged =
            dep.data_collector || dep.app_insights == crate::model::azure::Flag::Known(true);
        out.deployments.push(located(
            i.sources,
            dep.span,
            obj(
                json!({"address": dep.address.to_string(), "name": dep.name, "model": dep.model,
                "request_logging": logged}),
            ),
        ));
        // a deployment serves a model asset of a workspace or a registry, or a custom
        // container that carries its model
        out.models.push(located(
            i.sources,
            dep.span,
            obj(
                json!({"address": dep.address.to_string(), "name": dep.model,
                "source": if dep.model.is_some() { "model-registry" } else { "container" },
                "model_package": dep.model, "artifact": null, "execution_role": null}),
            ),
        ));
    }
    if let Some(m) = front.monitor_of(fi) {
        out.monitors.push(located(
            i.sources,
            m.span,
            obj(json!({"address": m.address.to_string(), "name": m.name,
                "type": if m.signals.is_empty() { None } else { Some(m.signals.join(", ")) },
                "schedule": m.trigger})),
        ));
    }
    Some(out)
}

/// Azure OpenAI model deployments (`azurerm_cognitive_deployment`): which model, on which
/// account, with which content filter.
fn azure_openai_deployments(i: &Input) -> Vec<Value> {
    let inv = i.inventory;
    let mut rows: Vec<(String, usize, Value)> = Vec::new();
    for unit in &inv.azure.units {
        for d in &unit.front.deployments {
            rows.push((
                d.address.to_string(),
                unit.root,
                located(
                    i.sources,
                    d.span,
                    obj(json!({"address": d.address.to_string(), "unit": self::unit(inv, unit.root),
                        "service": "azure-openai", "name": d.name,
                        "account": d.account.as_ref().map(|a| a.to_string()),
                        "model": d.model, "model_version": d.model_version,
                        "content_filter": d.rai_policy.as_ref().map(crate::model::azure::display_text)})),
                ),
            ));
        }
    }
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    rows.into_iter().map(|(_, _, v)| v).collect()
}

// ---- Markdown, rendered from the JSON document ----

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

// Every string of the document comes from the scanned code: cells and text go through
// `escape`, so a name cannot break a table row, open markup or embed HTML.

/// `file:line` as a code span in a table cell.
fn loc(v: &Value) -> String {
    md_code_cell(&format!("{}:{}", s(&v["file"]), v["line"]))
}

/// A string value as a code span in a table cell, `-` when there is none.
fn code(v: &Value) -> String {
    match v.as_str() {
        Some(x) if !x.is_empty() => md_code_cell(x),
        _ => "-".into(),
    }
}

/// An address as a code span in a table cell.
fn addr(v: &Value) -> String {
    md_code_cell(s(v))
}

fn list_code(v: &Value) -> String {
    let items: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(md_code_cell)
        .collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Principals of access rows, each once.
fn who(rows: &Value) -> String {
    let mut seen = BTreeSet::new();
    let items: Vec<String> = rows
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| seen.insert(s(&r["principal"]).to_string()))
        .map(|r| {
            let w = list_plain(&r["workloads"]);
            let cond = if r["conditional"] == true {
                ", conditional"
            } else {
                ""
            };
            if w.is_empty() {
                format!("{}{cond}", addr(&r["principal"]))
            } else {
                format!("{} ({w}{cond})", addr(&r["principal"]))
            }
        })
        .collect();
    if items.is_empty() {
        "no one in the configuration".into()
    } else {
        items.join("<br>")
    }
}

/// Strings of a list as Markdown text, comma-separated.
fn list_plain(v: &Value) -> String {
    md_text(
        &v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn tier(v: &Value) -> String {
    v["tier"].as_str().map_or("unclassified".into(), md_text)
}

fn encryption(v: &Value) -> String {
    let e = &v["encryption"];
    match (e["algorithm"].as_str(), e["customer_managed_key"] == true) {
        (Some(a), true) => format!("{}, customer-managed key", md_text(a)),
        (Some("aws:kms" | "aws:kms:dsse"), false) => "KMS, AWS-managed key".into(),
        (Some(a), false) => md_text(a),
        (None, _) => "not declared".into(),
    }
}

fn retention(v: &Value) -> String {
    let r = &v["retention"];
    match (r["days"].as_i64(), r["noncurrent_days"].as_i64()) {
        (Some(d), Some(n)) => format!("{d} days (old versions {n} days)"),
        (Some(d), None) => format!("{d} days"),
        _ if v["unknown"]
            .as_array()
            .is_some_and(|u| u.iter().any(|x| x == "retention_days")) =>
        {
            "set from a value not known statically".into()
        }
        _ => "not defined".into(),
    }
}

fn yes_no(v: &Value) -> &'static str {
    match v.as_bool() {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

fn classified(v: &Value) -> String {
    let c = &v["classified_by"];
    let reason = md_message(s(&c["reason"]), true);
    match s(&c["source"]) {
        "config" => format!("mlguard.toml: {reason}"),
        _ => reason,
    }
}

pub fn markdown(doc: &Value) -> String {
    let mut out = String::new();
    out.push_str("# System description: infrastructure inventory (draft)\n\n");
    out.push_str(
        "This inventory lists the components of the AI/ML system as its infrastructure code \
         declares them. Each item names the Terraform address and the file and line that declare \
         it. It is a first draft of the system boundary: review it, add what lives outside this \
         code (people, procedures, other repositories), and remove what is out of scope.\n\n",
    );

    // where it runs: accounts, projects and subscriptions
    let accounts = doc["accounts"].as_array().cloned().unwrap_or_default();
    if !accounts.is_empty() {
        out.push_str("## Cloud accounts, projects and subscriptions\n\n");
        out.push_str(
            "The accounts the code deploys into. One the code does not name is the one Terraform \
             runs in (\"this account\", \"this project\", \"this subscription\").\n\n",
        );
        out.push_str("| Cloud | Kind | Id | Units | Named by |\n|---|---|---|---|---|\n");
        for a in &accounts {
            let named: Vec<String> = a["declared"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| format!("{} at {}", md_code_cell(s(&d["how"])), loc(d)))
                .collect();
            let units: Vec<String> = a["units"]
                .as_array()
                .into_iter()
                .flatten()
                .map(code)
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                match s(&a["cloud"]) {
                    "aws" => "AWS",
                    "gcp" => "Google Cloud",
                    _ => "Azure",
                },
                md_text(s(&a["kind"])),
                if a["id"].is_null() {
                    md_text(s(&a["name"]))
                } else {
                    code(&a["id"])
                },
                units.join(", "),
                if named.is_empty() && a["id"].is_null() {
                    "not named: the one Terraform runs in".to_string()
                } else if named.is_empty() {
                    "the provider".to_string()
                } else {
                    named.join("<br>")
                }
            );
        }
        out.push('\n');
    }

    // 1. data stores
    out.push_str("## 1. Data stores and data tiers\n\n");
    out.push_str(
        "Training data moves through three tiers: raw, processed and training-ready. Model \
         artifacts, inference logs and application logs are kept in stores of their own.\n\n",
    );
    let stores = doc["data_stores"].as_array().cloned().unwrap_or_default();
    if stores.is_empty() {
        out.push_str("The code declares no data stores.\n\n");
    } else {
        out.push_str("| Data store | Unit | Name | Tier | How it was classified | Encryption | Versioning | Retention | Can read | Can write | Declared at |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for d in &stores {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                addr(&d["address"]),
                code(&d["unit"]),
                addr(&d["name"]),
                tier(d),
                classified(d),
                encryption(d),
                yes_no(&d["versioning"]),
                retention(d),
                who(&d["read"]),
                who(&d["write"]),
                loc(d)
            );
        }
        out.push('\n');
    }

    // 2. training pipeline
    let t = &doc["training"];
    out.push_str("## 2. Training pipeline\n\n");
    let sub = |out: &mut String, title: &str, items: &Value, none: &str| {
        let _ = writeln!(out, "### {title}\n");
        let items = items.as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            let _ = writeln!(out, "{none}\n");
            return;
        }
        out.push_str("| Component | Name | Runs as | Reads | Writes | Declared at |\n|---|---|---|---|---|---|\n");
        for c in &items {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                addr(&c["address"]),
                code(&c["name"]),
                code(&c["role"]),
                list_code(&c["reads"]),
                list_code(&c["writes"]),
                loc(c)
            );
        }
        out.push('\n');
    };
    sub(
        &mut out,
        "Pipelines and data processing jobs",
        &t["pipelines"],
        "The code declares no pipelines or processing jobs.",
    );
    sub(
        &mut out,
        "Notebooks",
        &t["notebooks"],
        "The code declares no notebooks.",
    );
    out.push_str("### Feature stores\n\n");
    let fgs = t["feature_groups"].as_array().cloned().unwrap_or_default();
    if fgs.is_empty() {
        out.push_str("The code declares no feature groups.\n\n");
    } else {
        out.push_str("| Feature group | Name | Offline store | Runs as | Declared at |\n|---|---|---|---|---|\n");
        for c in &fgs {
            let uri = c["settings"]["offline_store_config.s3_storage_config.s3_uri"]
                .get(0)
                .cloned()
                .unwrap_or(Value::Null);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                addr(&c["address"]),
                code(&c["name"]),
                code(&uri),
                code(&c["role"]),
                loc(c)
            );
        }
        out.push('\n');
    }
    out.push_str("### Training, processing and notebook roles\n\n");
    let roles = t["roles"].as_array().cloned().unwrap_or_default();
    if roles.is_empty() {
        out.push_str(
            "No role in the code is identified as a training, processing or notebook role.\n\n",
        );
    } else {
        out.push_str("| Role | Workload | Identified from | Used by | Reads | Writes | Declared at |\n|---|---|---|---|---|---|---|\n");
        for r in &roles {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                addr(&r["address"]),
                list_plain(&r["workloads"]),
                md_message(s(&r["workload_reason"]["reason"]), true),
                list_code(&r["used_by"]),
                list_code(&r["reads"]),
                list_code(&r["writes"]),
                loc(r)
            );
        }
        out.push('\n');
    }

    // 3. serving
    out.push_str("## 3. Model serving\n\n");
    let eps = doc["serving"]["endpoints"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if eps.is_empty() {
        out.push_str("The code declares no model endpoints.\n\n");
    }
    for e in &eps {
        let name = e["name"].as_str().unwrap_or(s(&e["address"]));
        let _ = writeln!(
            out,
            "### Endpoint {}\n\n{}, declared at {}.\n",
            md_code(name),
            md_code(s(&e["address"])),
            md_code(&format!("{}:{}", s(&e["file"]), e["line"]))
        );
        out.push_str("| | |\n|---|---|\n");
        let cfg = &e["configuration"];
        let _ = writeln!(
            out,
            "| Configuration | {} |",
            if cfg.is_null() {
                "not found in the code".into()
            } else {
                format!("{} at {}", addr(&cfg["address"]), loc(cfg))
            }
        );
        if let Some(deps) = e["deployments"].as_array() {
            let list: Vec<String> = deps
                .iter()
                .map(|d| {
                    format!(
                        "{} at {} ({})",
                        addr(&d["address"]),
                        loc(d),
                        if d["request_logging"] == true {
                            "logs requests and responses"
                        } else {
                            "no request logging"
                        }
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "| Deployments | {} |",
                if list.is_empty() {
                    "none in the code".to_string()
                } else {
                    list.join("<br>")
                }
            );
        }
        let models = e["models"].as_array().cloned().unwrap_or_default();
        if models.is_empty() {
            out.push_str("| Model | not found in the code |\n");
        }
        for m in &models {
            let source = match s(&m["source"]) {
                "model-registry" => format!("model registry package {}", code(&m["model_package"])),
                "artifact" => format!(
                    "artifact {} (not from the model registry)",
                    code(&m["artifact"])
                ),
                _ => "container image only (not from the model registry)".into(),
            };
            let _ = writeln!(
                out,
                "| Model | {} at {}: {source} |",
                addr(&m["address"]),
                loc(m)
            );
        }
        let c = &e["data_capture"];
        let capture = if c["enabled"] == true {
            format!(
                "on, {}% of requests, {} to {}",
                c["sampling_percentage"]
                    .as_i64()
                    .map_or("-".into(), |n| n.to_string()),
                match list_plain(&c["modes"]) {
                    m if m == "Input, Output" => "requests and responses".to_string(),
                    m if m.is_empty() => "nothing captured".to_string(),
                    m => m,
                },
                code(&c["destination"])
            )
        } else {
            "off".into()
        };
        let _ = writeln!(out, "| Request/response capture | {capture} |");
        let schedules = e["monitoring_schedules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let monitoring = if schedules.is_empty() {
            if e["metric_alarm"] == true && e.get("deployments").is_some() {
                "no model monitor; an Azure Monitor metric alert watches it".into()
            } else if e["metric_alarm"] == true {
                "no monitoring schedule; a CloudWatch alarm watches it".into()
            } else {
                "none".into()
            }
        } else {
            schedules
                .iter()
                .map(|m| {
                    format!(
                        "{} ({}, {}) at {}",
                        addr(&m["address"]),
                        md_text(m["type"].as_str().unwrap_or("monitoring")),
                        md_text(m["schedule"].as_str().unwrap_or("no schedule")),
                        loc(m)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(out, "| Model monitoring | {monitoring} |");
        let scaling = e["autoscaling"].as_array().cloned().unwrap_or_default();
        let scaling = if scaling.is_empty() {
            "none".into()
        } else {
            scaling
                .iter()
                .map(|a| {
                    format!(
                        "{}: {} to {} instances at {}",
                        addr(&a["address"]),
                        md_text(a["min_capacity"].as_str().unwrap_or("?")),
                        md_text(a["max_capacity"].as_str().unwrap_or("?")),
                        loc(a)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(out, "| Autoscaling | {scaling} |\n");
    }

    let ai = doc["serving"]["ai_deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !ai.is_empty() {
        out.push_str("### Azure OpenAI deployments\n\n| Deployment | Name | Account | Model | Version | Content filter | Declared at |\n|---|---|---|---|---|---|---|\n");
        for d in &ai {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                addr(&d["address"]),
                code(&d["name"]),
                code(&d["account"]),
                code(&d["model"]),
                code(&d["model_version"]),
                match d["content_filter"].as_str() {
                    Some(p) => md_code_cell(p),
                    None => "the default (Microsoft.DefaultV2)".into(),
                },
                loc(d)
            );
        }
        out.push('\n');
    }

    // 4. inference logs
    out.push_str("## 4. Inference-log stores\n\n");
    out.push_str(
        "Where model requests and responses (and the serving containers' own logs) land, how \
         long they are kept, how they are encrypted, and who can read them.\n\n",
    );
    let logs = doc["inference_logs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if logs.is_empty() {
        out.push_str("The code declares no inference-log stores.\n\n");
    } else {
        out.push_str("| Store | Name | Receives from | Retention | Encryption | Can read | Declared at |\n|---|---|---|---|---|---|---|\n");
        for d in &logs {
            let from: Vec<String> = d["receives_from"]
                .as_array()
                .into_iter()
                .flatten()
                .map(loc)
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                addr(&d["address"]),
                addr(&d["name"]),
                if from.is_empty() {
                    classified(d)
                } else {
                    from.join(", ")
                },
                retention(d),
                encryption(d),
                who(&d["read"]),
                loc(d)
            );
        }
        out.push('\n');
    }

    // 5. registry
    let r = &doc["model_registry"];
    out.push_str("## 5. Model registry and promotion\n\n### Model package groups\n\n");
    let groups = r["package_groups"].as_array().cloned().unwrap_or_default();
    if groups.is_empty() {
        out.push_str("The code declares no model package groups.\n\n");
    } else {
        out.push_str("| Model package group | Name | Declared at |\n|---|---|---|\n");
        for g in &groups {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                addr(&g["address"]),
                code(&g["name"]),
                loc(g)
            );
        }
        out.push('\n');
    }
    for (key, title) in [
        ("approve", "Who can approve models"),
        ("deploy", "Who can deploy models"),
    ] {
        let _ = writeln!(out, "### {title}\n");
        let rows = r[key].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            out.push_str("No principal in the configuration.\n\n");
            continue;
        }
        out.push_str("| Principal | Workload | Actions | Granted by | Conditional |\n|---|---|---|---|---|\n");
        for g in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | policy {} at {} | {} |",
                addr(&g["principal"]),
                list_plain(&g["workloads"]),
                list_code(&g["actions"]),
                addr(&g["policy"]),
                loc(g),
                yes_no(&g["conditional"])
            );
        }
        out.push('\n');
    }

    // 6. subservice organizations
    let ai = &doc["ai_services"];
    out.push_str("## 6. Third-party AI services (subservice organizations)\n\n");
    let services = ai["services"].as_array().cloned().unwrap_or_default();
    if services.is_empty() {
        out.push_str("The code uses no third-party AI service.\n\n");
    } else {
        out.push_str("| Service | Provider | Declared as a subservice organization | Detected through |\n|---|---|---|---|\n");
        for v in &services {
            let how: Vec<String> = v["detected"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| format!("{} at {}", md_message(s(&d["how"]), true), loc(d)))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_text(s(&v["name"])),
                md_text(s(&v["provider"])),
                if v["declared"] == true {
                    "yes"
                } else {
                    "no (add it to `[subservices] declared` in mlguard.toml)"
                },
                how.join("<br>")
            );
        }
        out.push('\n');
        out.push_str(
            "Each provider above processes data on the system's behalf. Decide with the auditor, \
             for each one, whether the report uses the carve-out method (the provider's controls \
             are excluded from the description and its own SOC 2 report is reviewed instead, with \
             the complementary controls expected of it listed) or the inclusive method (the \
             provider's relevant controls are described and tested as part of this system).\n\n",
        );
    }
    out.push_str("### LLM agents and guardrails\n\n");
    let agents = ai["agents"].as_array().cloned().unwrap_or_default();
    let guardrails = ai["guardrails"].as_array().cloned().unwrap_or_default();
    if agents.is_empty() && guardrails.is_empty() {
        out.push_str("The code declares no LLM agents or guardrails.\n\n");
    } else {
        out.push_str("| Resource | Kind | Guardrail | Declared at |\n|---|---|---|---|\n");
        for a in &agents {
            let _ = writeln!(
                out,
                "| {} | agent | {} | {} |",
                addr(&a["address"]),
                if a["guardrail"] == true {
                    "configured"
                } else {
                    "none"
                },
                loc(a)
            );
        }
        for g in &guardrails {
            let _ = writeln!(
                out,
                "| {} | guardrail | {} | {} |",
                addr(&g["address"]),
                code(&g["name"]),
                loc(g)
            );
        }
        out.push('\n');
    }
    out
}
