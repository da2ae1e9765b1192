//! `mlguard evidence`: per Trust Services Criterion, the controls (rules) that test it, what was
//! checked, what passed, what failed (file:line) and what was suppressed (reason, expiry), dated
//! and tied to the commit scanned. The criteria-to-rules mapping comes from the loaded rules'
//! `@tsc` annotations, so users' own rules appear too.
//!
//! The JSON document is built first (`json`, schema in `docs/schemas/evidence.schema.json`); the
//! Markdown is rendered from it.

use crate::engine::Rule;
use crate::findings::Finding;
use crate::model::classify::Tier;
use crate::model::DocumentKind;
use crate::report::escape::{md_code_cell, md_message, md_text};
use crate::scan::ScanOutput;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// When and what was scanned: injectable so that tests render a fixed report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// `git rev-parse HEAD` of the scanned path, when it is in a repository.
    pub commit: Option<String>,
    /// The working tree has changes the commit does not contain.
    pub dirty: bool,
    /// UTC, RFC 3339 (`2026-11-27T14:32:43Z`).
    pub time: String,
}

impl Stamp {
    /// The commit of the repository holding `path` (none outside git) and the system clock.
    pub fn now(path: &Path) -> Stamp {
        let dir = if path.is_dir() {
            path
        } else {
            path.parent().unwrap_or(Path::new("."))
        };
        let git = |args: &[&str]| -> Option<String> {
            let out = std::process::Command::new("git")
                .arg("-C")
                .arg(if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                })
                .args(args)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let commit = git(&["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
        let dirty = commit.is_some()
            && git(&["status", "--porcelain", "--", "."]).is_some_and(|s| !s.is_empty());
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Stamp {
            commit,
            dirty,
            time: rfc3339(secs),
        }
    }
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The criteria the built-in pack covers, in the report's order, with their subject. Criteria
/// that only users' rules name follow, sorted.
pub const CRITERIA: [(&str, &str); 12] = [
    (
        "CC6.1",
        "Logical access security over protected information assets",
    ),
    (
        "CC6.3",
        "Role-based access, least privilege and segregation of duties",
    ),
    (
        "CC6.6",
        "Protection against threats from outside the system boundary",
    ),
    (
        "CC7.1",
        "Detection of configurations that introduce vulnerabilities",
    ),
    ("CC7.2", "Monitoring of system components for anomalies"),
    (
        "CC8.1",
        "Authorized, tested and approved changes to infrastructure, data and software",
    ),
    ("CC9.2", "Risk management of vendors and business partners"),
    ("PI1.2", "Complete and accurate system inputs"),
    ("PI1.3", "Complete, accurate and timely system processing"),
    (
        "C1.1",
        "Identification and protection of confidential information",
    ),
    ("C1.2", "Disposal of confidential information"),
    ("A1.2", "Data backup and recovery infrastructure"),
];

/// The population counts of the inventory, by key (`label` words them).
fn population(scan: &ScanOutput) -> Vec<(&'static str, usize)> {
    let inv = &scan.inventory;
    let tier = |t: Tier| inv.datastores.iter().filter(|d| d.tier == Some(t)).count();
    let inference_logs = inv
        .datastores
        .iter()
        .filter(|d| d.tier == Some(Tier::InferenceLogs) || d.roles.contains(&Tier::InferenceLogs))
        .count();
    let comps = |k: &str| inv.components.iter().filter(|c| c.kind == k).count();
    let services: BTreeSet<&str> = inv.ai_uses.iter().map(|u| u.service).collect();
    vec![
        ("data_stores", inv.datastores.len()),
        (
            "data_tier_stores",
            inv.datastores
                .iter()
                .filter(|d| d.tier.is_some_and(Tier::is_data_tier))
                .count(),
        ),
        ("model_artifact_stores", tier(Tier::ModelArtifacts)),
        ("inference_log_stores", inference_logs),
        (
            "principals",
            inv.principals.iter().filter(|p| p.is_internal()).count(),
        ),
        (
            "policy_documents",
            inv.documents.iter().filter(|d| !d.external).count(),
        ),
        (
            "resource_policies",
            inv.documents
                .iter()
                .filter(|d| d.kind == DocumentKind::Resource)
                .count(),
        ),
        ("access_grants", scan.analysis.grants.len()),
        ("endpoints", inv.endpoints.len()),
        ("endpoint_configurations", inv.endpoint_configs.len()),
        ("models", inv.models.len()),
        ("model_package_groups", comps("model-package-group")),
        ("ai_services", services.len()),
        ("agents", inv.agents.len()),
        ("guardrails", comps("guardrail")),
    ]
}

/// Which population counts describe what a criterion is about (all of them for criteria the
/// built-in pack does not name).
/// The clouds the scanned code deploys to: those of its datastores, its own principals and the
/// AI services it uses.
fn clouds_present(scan: &ScanOutput) -> BTreeSet<&'static str> {
    let inv = &scan.inventory;
    inv.datastores
        .iter()
        .map(|d| d.kind.cloud())
        .chain(
            inv.principals
                .iter()
                .filter(|p| p.is_internal())
                .map(|p| p.cloud),
        )
        .chain(
            inv.ai_uses
                .iter()
                .map(|u| crate::model::Cloud::of_ai_service(u.service)),
        )
        .map(|c| c.as_str())
        .collect()
}

fn relevant(criterion: &str) -> &'static [&'static str] {
    match criterion {
        "CC6.1" => &[
            "data_stores",
            "data_tier_stores",
            "principals",
            "policy_documents",
            "access_grants",
        ],
        "CC6.3" => &["data_tier_stores", "principals", "policy_documents"],
        "CC6.6" => &["data_tier_stores", "resource_policies"],
        "CC7.1" => &["agents", "guardrails"],
        "CC7.2" => &[
            "endpoints",
            "endpoint_configurations",
            "inference_log_stores",
            "ai_services",
        ],
        "CC8.1" => &[
            "models",
            "endpoints",
            "model_artifact_stores",
            "model_package_groups",
            "principals",
        ],
        "CC9.2" => &["ai_services"],
        "PI1.2" => &["data_tier_stores", "principals"],
        "PI1.3" => &["endpoints"],
        "C1.1" => &["data_tier_stores", "inference_log_stores", "principals"],
        "C1.2" => &["inference_log_stores"],
        "A1.2" => &["model_artifact_stores"],
        _ => &[],
    }
}

fn finding(scan: &ScanOutput, f: &Finding, baseline: bool) -> Value {
    let file = scan.sources.get(f.primary.span.file);
    let pos = file.position(f.primary.span.start);
    let mut v = json!({"rule": f.rule, "name": f.name, "severity": f.severity.as_str(),
        "message": f.message, "file": file.display, "line": pos.line, "address": f.address,
        "fingerprint": f.fingerprint, "confidence": f.confidence.as_str()});
    if let Some(reason) = &f.confidence_reason {
        v["confidence_reason"] = json!(reason);
    }
    if baseline {
        v["baseline"] = json!(true);
    }
    if let Some(s) = &f.suppression {
        v["reason"] = json!(s.reason);
        v["until"] = json!(s.until);
    }
    v
}

/// The evidence document. `enabled`: the rules that ran (the config's `[rules]` select/ignore).
pub fn json(
    scan: &ScanOutput,
    rules: &[Rule],
    enabled: &dyn Fn(&Rule) -> bool,
    scanned: &str,
    stamp: &Stamp,
) -> Value {
    let pop = population(scan);
    let present = clouds_present(scan);
    let mut criteria: Vec<(String, String)> = CRITERIA
        .iter()
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
    let extra: BTreeSet<&String> = rules
        .iter()
        .flat_map(|r| r.tsc.iter())
        .filter(|c| !CRITERIA.iter().any(|(k, _)| k == c))
        .collect();
    criteria.extend(extra.into_iter().map(|c| (c.clone(), String::new())));

    let mut sorted: Vec<&Rule> = rules.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    let (mut passed, mut failed, mut untested, mut not_applicable) = (0, 0, 0, 0);
    for (c, title) in &criteria {
        let about = |f: &&Finding| f.tsc.iter().any(|t| t == c);
        let failing: Vec<Value> = scan
            .findings
            .iter()
            .filter(about)
            .map(|f| finding(scan, f, false))
            .chain(
                scan.baseline
                    .iter()
                    .filter(about)
                    .map(|f| finding(scan, f, true)),
            )
            .collect();
        let suppressed: Vec<Value> = scan
            .suppressed
            .iter()
            .filter(about)
            .map(|f| finding(scan, f, false))
            .collect();
        let controls: Vec<Value> = sorted
            .iter()
            .filter(|r| r.tsc.iter().any(|t| t == c))
            .map(|r| {
                let n = failing
                    .iter()
                    .filter(|f| f["rule"] == r.id.as_str())
                    .count();
                let s = suppressed
                    .iter()
                    .filter(|f| f["rule"] == r.id.as_str())
                    .count();
                // a rule that cannot check a cloud of the code (MM001 on Google Cloud) did not
                // pass there: it says so, and is not applicable when it checks none of them
                let unchecked: Vec<&str> = present
                    .iter()
                    .copied()
                    .filter(|c| !r.clouds.is_empty() && !r.clouds.iter().any(|rc| rc == c))
                    .collect();
                let status = if !enabled(r) {
                    "not-run"
                } else if n > 0 {
                    "failed"
                } else if !present.is_empty() && unchecked.len() == present.len() {
                    "not-applicable"
                } else {
                    "passed"
                };
                let mut control = json!({"rule": r.id, "name": r.name,
                    "severity": r.severity.as_str(), "builtin": r.builtin, "status": status,
                    "failed": n, "suppressed": s});
                if !unchecked.is_empty() {
                    control["not_checkable_on"] = json!(unchecked);
                }
                control
            })
            .collect();
        let keys = relevant(c);
        let mut checked = Map::new();
        for (k, n) in &pop {
            if keys.is_empty() || keys.contains(k) {
                checked.insert(k.to_string(), json!(n));
            }
        }
        // a control that ran over nothing it is about (0 LLM agents) did not pass: it had
        // nothing to test
        let in_scope = checked.values().any(|n| n.as_u64() != Some(0));
        let mut controls = controls;
        if failing.is_empty() && !in_scope {
            for r in &mut controls {
                if r["status"] == "passed" {
                    r["status"] = json!("not-applicable");
                }
            }
        }
        let ran = controls.iter().any(|r| r["status"] != "not-run");
        // every control that ran is not applicable (none can check this code's clouds)
        let checkable = controls
            .iter()
            .any(|r| r["status"] == "passed" || r["status"] == "failed");
        let status = if !failing.is_empty() {
            failed += 1;
            "failed"
        } else if ran && (!in_scope || !checkable) {
            not_applicable += 1;
            "not-applicable"
        } else if ran {
            passed += 1;
            "passed"
        } else {
            untested += 1;
            "not-tested"
        };
        out.push(json!({"criterion": c, "title": title, "status": status,
            "checked": checked, "controls": controls, "failed": failing, "suppressed": suppressed}));
    }
    let mut counts = Map::new();
    for (k, n) in &pop {
        counts.insert(k.to_string(), json!(n));
    }
    json!({
        "version": 1,
        "tool": {"name": "mlguard", "version": env!("CARGO_PKG_VERSION")},
        "scanned": {"path": scanned, "commit": stamp.commit, "uncommitted_changes": stamp.dirty,
                    "time": stamp.time},
        "rules": {"loaded": rules.len(), "ran": rules.iter().filter(|r| enabled(r)).count(),
                  "custom": rules.iter().filter(|r| !r.builtin).count()},
        "summary": {"criteria": criteria.len(), "passed": passed, "failed": failed,
                    "not_tested": untested, "not_applicable": not_applicable, "findings": scan.findings.len() + scan.baseline.len(),
                    "suppressed": scan.suppressed.len(), "audit": scan.audit},
        "population": counts,
        "accounts": crate::report::accounts::json(&scan.inventory, &scan.sources),
        "criteria": out,
    })
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A message in a table cell: its quoted parts as code, the rest as text (`escape`).
fn cell(text: &str) -> String {
    md_message(text, true)
}

fn label(key: &str) -> &'static str {
    match key {
        "data_stores" => "data stores",
        "data_tier_stores" => "data stores in the raw, processed and training-ready tiers",
        "model_artifact_stores" => "model-artifact stores",
        "inference_log_stores" => "inference-log stores",
        "principals" => "principals (roles, users, groups)",
        "policy_documents" => "policy documents",
        "resource_policies" => "resource policies",
        "access_grants" => "access grants to data stores",
        "endpoints" => "model endpoints",
        "endpoint_configurations" => "endpoint configurations",
        "models" => "models",
        "model_package_groups" => "model package groups",
        "ai_services" => "third-party AI services",
        "agents" => "LLM agents",
        "guardrails" => "LLM guardrails",
        _ => "items",
    }
}

fn result(status: &str) -> &'static str {
    match status {
        "passed" => "passed",
        "failed" => "**failed**",
        "not-run" => "not run (turned off in the configuration)",
        "not-applicable" => "not applicable (nothing in scope it can check)",
        _ => "not tested",
    }
}

/// A control's result, naming the clouds it cannot check when the code holds some.
fn control_result(control: &Value) -> String {
    let status = s(&control["status"]);
    let unchecked: Vec<&str> = control["not_checkable_on"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match (status, unchecked.is_empty()) {
        (_, true) => result(status).to_string(),
        ("not-applicable", false) => {
            format!("not applicable (not checkable on {})", unchecked.join(", "))
        }
        (_, false) => format!(
            "{} (not checkable on {})",
            result(status),
            unchecked.join(", ")
        ),
    }
}

pub fn markdown(doc: &Value) -> String {
    let mut out =
        String::from("# SOC 2 evidence: automated tests of AI/ML infrastructure controls\n\n");
    let sc = &doc["scanned"];
    let commit = match sc["commit"].as_str() {
        Some(c) if sc["uncommitted_changes"] == true => {
            format!("{}, with uncommitted changes", md_code_cell(c))
        }
        Some(c) => md_code_cell(c),
        None => "not in a git repository".into(),
    };
    let rules = &doc["rules"];
    let _ = writeln!(
        out,
        "| | |\n|---|---|\n| Infrastructure code | {} |\n| Commit | {commit} |\n| Tested at | {} (UTC) |\n| Tool | {} {} |\n| Controls | {} loaded ({} custom), {} run |\n",
        md_code_cell(s(&sc["path"])),
        md_text(s(&sc["time"])),
        md_text(s(&doc["tool"]["name"])),
        md_text(s(&doc["tool"]["version"])),
        rules["loaded"],
        rules["custom"],
        rules["ran"],
    );
    let accounts: Vec<String> = doc["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let cloud = match s(&a["cloud"]) {
                "aws" => "AWS",
                "gcp" => "Google Cloud",
                _ => "Azure",
            };
            let name = if a["id"].is_null() {
                md_text(s(&a["name"]))
            } else {
                md_code_cell(s(&a["id"]))
            };
            format!("{cloud} {} {name}", md_text(s(&a["kind"])))
        })
        .collect();
    if !accounts.is_empty() {
        // a row of the table above: the deployment targets the evidence is about
        out.truncate(out.trim_end_matches('\n').len());
        let _ = writeln!(out, "\n| Deploys into | {} |\n", accounts.join("<br>"));
    }
    if doc["summary"]["audit"] == true {
        out.push_str("Suppressions were turned off for this run: every finding counts.\n\n");
    }
    out.push_str(
        "Each control below is an automated rule evaluated against the infrastructure code at \
         the commit above. A control passes when it ran and reported nothing for the criterion; \
         it is not applicable when the code holds nothing the criterion is about (every count \
         under \"What was checked\" is 0); a suppressed finding is an accepted exception, listed with its reason and expiry.\n\n",
    );
    out.push_str("## Summary\n\n| Criterion | Subject | Result | Controls | Failed | Suppressed |\n|---|---|---|---|---|---|\n");
    let criteria = doc["criteria"].as_array().cloned().unwrap_or_default();
    for c in &criteria {
        let ids: Vec<String> = c["controls"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| md_text(s(&r["rule"])))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            md_text(s(&c["criterion"])),
            md_text(s(&c["title"])),
            result(s(&c["status"])),
            if ids.is_empty() {
                "none".into()
            } else {
                ids.join(", ")
            },
            c["failed"].as_array().map_or(0, Vec::len),
            c["suppressed"].as_array().map_or(0, Vec::len),
        );
    }
    out.push('\n');
    for c in &criteria {
        let title = md_text(s(&c["title"]));
        let _ = writeln!(
            out,
            "## {}{}\n\nResult: {}.\n",
            md_text(s(&c["criterion"])),
            if title.is_empty() {
                String::new()
            } else {
                format!(": {title}")
            },
            result(s(&c["status"]))
        );
        let checked: Vec<String> = c["checked"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{n} {}", label(k)))
            .collect();
        let _ = writeln!(out, "What was checked: {}.\n", checked.join(", "));
        let controls = c["controls"].as_array().cloned().unwrap_or_default();
        if controls.is_empty() {
            out.push_str("No loaded rule tests this criterion.\n\n");
            continue;
        }
        out.push_str("| Control | Name | Severity | Result | Findings | Suppressed |\n|---|---|---|---|---|---|\n");
        for r in &controls {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} |",
                md_text(s(&r["rule"])),
                if r["builtin"] == false {
                    " (custom)"
                } else {
                    ""
                },
                md_text(s(&r["name"])),
                md_text(s(&r["severity"])),
                control_result(r),
                r["failed"],
                r["suppressed"]
            );
        }
        out.push('\n');
        let failed = c["failed"].as_array().cloned().unwrap_or_default();
        if !failed.is_empty() {
            out.push_str("Failed:\n\n| Control | Finding | Location |\n|---|---|---|\n");
            for f in &failed {
                let _ = writeln!(
                    out,
                    "| {} | {}{} | {} |",
                    md_text(s(&f["rule"])),
                    cell(s(&f["message"])),
                    if f["baseline"] == true {
                        " (in the baseline)"
                    } else {
                        ""
                    },
                    md_code_cell(&format!("{}:{}", s(&f["file"]), f["line"]))
                );
            }
            out.push('\n');
        }
        let suppressed = c["suppressed"].as_array().cloned().unwrap_or_default();
        if !suppressed.is_empty() {
            out.push_str("Suppressed:\n\n| Control | Finding | Location | Reason | Until |\n|---|---|---|---|---|\n");
            for f in &suppressed {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    md_text(s(&f["rule"])),
                    cell(s(&f["message"])),
                    md_code_cell(&format!("{}:{}", s(&f["file"]), f["line"])),
                    f["reason"].as_str().map_or("no reason given".into(), cell),
                    f["until"].as_str().map_or("no expiry".into(), md_text)
                );
            }
            out.push('\n');
        }
    }
    out
}
