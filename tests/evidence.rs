//! `mlguard evidence`: per Trust Services Criterion, the controls that test it and their results,
//! dated and tied to a commit. The criteria come from the loaded rules' `@tsc` annotations.

use mlguard::config::Config;
use mlguard::engine::{Engine, Rule};
use mlguard::findings::Suppression;
use mlguard::report::evidence::{self, rfc3339, Stamp};
use mlguard::scan::{self, ScanOutput, ScanRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/examples")
        .join(name)
}

fn fixed() -> Stamp {
    Stamp {
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        dirty: false,
        time: "2026-01-31T09:30:00Z".into(),
    }
}

fn run(dir: &Path, engine: &Engine, enabled: &dyn Fn(&Rule) -> bool) -> ScanOutput {
    let config = Config::discover(None, dir).expect("the example's config is valid");
    let req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: Arc::new(config),
        ..Default::default()
    };
    scan::run(&req, engine, enabled)
}

fn doc_for(out: &ScanOutput, engine: &Engine, enabled: &dyn Fn(&Rule) -> bool) -> Value {
    evidence::json(
        out,
        engine.rules(),
        enabled,
        "ml-platform-inventory",
        &fixed(),
    )
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/evidence.schema.json"),
    )
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the schema compiles")
}

fn criterion<'v>(doc: &'v Value, c: &str) -> &'v Value {
    doc["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["criterion"] == c)
        .unwrap_or_else(|| panic!("no criterion {c}"))
}

#[test]
fn evidence_markdown_of_the_multi_file_platform() {
    let engine = Engine::load(&[]).unwrap();
    let out = run(&example("ml-platform-inventory"), &engine, &|_| true);
    insta::assert_snapshot!(evidence::markdown(&doc_for(&out, &engine, &|_| true)));
}

#[test]
fn evidence_json_follows_its_schema() {
    let engine = Engine::load(&[]).unwrap();
    let schema = schema();
    for name in [
        "ml-platform-inventory",
        "ml-platform",
        "ml-platform-violations",
    ] {
        let out = run(&example(name), &engine, &|_| true);
        let doc = doc_for(&out, &engine, &|_| true);
        let errors: Vec<String> = schema
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
    }
}

#[test]
fn every_built_in_criterion_is_listed_with_the_rules_that_name_it() {
    let engine = Engine::load(&[]).unwrap();
    let out = run(&example("ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    let listed: Vec<&str> = doc["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "CC6.1", "CC6.3", "CC6.6", "CC7.1", "CC7.2", "CC8.1", "CC9.2", "PI1.2", "PI1.3",
            "C1.1", "C1.2", "A1.2"
        ]
    );
    for c in doc["criteria"].as_array().unwrap() {
        let id = c["criterion"].as_str().unwrap();
        let from_rules: Vec<&str> = {
            let mut v: Vec<&str> = engine
                .rules()
                .iter()
                .filter(|r| r.tsc.iter().any(|t| t == id))
                .map(|r| r.id.as_str())
                .collect();
            v.sort();
            v
        };
        let shown: Vec<&str> = c["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap())
            .collect();
        assert_eq!(shown, from_rules, "{id}");
        // the clean platform passes everything
        assert_eq!(c["status"], "passed", "{id}");
    }
}

#[test]
fn a_finding_fails_every_criterion_its_rule_names_with_its_location() {
    let engine = Engine::load(&[]).unwrap();
    let out = run(&example("ml-platform-inventory"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    // MM001 names PI1.3 and CC7.2
    for c in ["PI1.3", "CC7.2"] {
        let crit = criterion(&doc, c);
        assert_eq!(crit["status"], "failed");
        let f = crit["failed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "MM001")
            .unwrap();
        assert_eq!(
            (f["file"].as_str(), f["line"].as_u64()),
            (Some("serving.tf"), Some(114))
        );
    }
    let mm = criterion(&doc, "PI1.3")["controls"][0].clone();
    assert_eq!(
        (mm["rule"].as_str(), mm["status"].as_str()),
        (Some("MM001"), Some("failed"))
    );
    assert_eq!(criterion(&doc, "A1.2")["status"], "passed");
    assert_eq!(criterion(&doc, "CC9.2")["checked"]["ai_services"], 2);
}

#[test]
fn suppressed_findings_are_listed_with_reason_and_expiry_and_do_not_fail() {
    let engine = Engine::load(&[]).unwrap();
    let mut out = run(&example("ml-platform-inventory"), &engine, &|_| true);
    let i = out.findings.iter().position(|f| f.rule == "TP001").unwrap();
    let mut f = out.findings.remove(i);
    f.suppression = Some(Suppression {
        reason: Some("OpenAI is reviewed as a vendor outside this repository".into()),
        until: Some("2027-06-30".into()),
        span: None,
    });
    out.suppressed.push(f);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    let c = criterion(&doc, "CC9.2");
    assert_eq!(c["status"], "passed");
    assert_eq!(c["suppressed"][0]["until"], "2027-06-30");
    let md = evidence::markdown(&doc);
    assert!(md.contains("| TP001 | third-party AI service `openai` is used"));
    assert!(md.contains("| OpenAI is reviewed as a vendor outside this repository | 2027-06-30 |"));
}

#[test]
fn rules_turned_off_are_not_run_and_leave_their_criterion_untested() {
    let engine = Engine::load(&[]).unwrap();
    let enabled = |r: &Rule| r.id != "TP001";
    let out = run(&example("ml-platform-inventory"), &engine, &enabled);
    let doc = doc_for(&out, &engine, &enabled);
    let c = criterion(&doc, "CC9.2");
    assert_eq!(c["status"], "not-tested");
    assert_eq!(c["controls"][0]["status"], "not-run");
}

#[test]
fn a_user_rule_adds_its_criterion() {
    let dir = tempfile::tempdir().unwrap();
    let rule = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/custom-rules/rules/NB001-notebook-reads-raw.cedar"),
    )
    .unwrap()
    .replace("@id(\"NB001\")", "@id(\"NB900\")")
    .replace("@tsc(\"CC6.1\")", "@tsc(\"CC6.2\")");
    std::fs::write(dir.path().join("NB900-notebook-reads-raw.cedar"), rule).unwrap();
    let engine = Engine::load(&[dir.path()]).unwrap();
    let out = run(&example("ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    let c = criterion(&doc, "CC6.2");
    assert_eq!(c["controls"][0]["rule"], "NB900");
    assert_eq!(c["controls"][0]["builtin"], false);
    assert_eq!(c["status"], "passed");
    assert_eq!(doc["rules"]["custom"], 1);
}

#[test]
fn timestamps_are_rfc3339_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
}

#[test]
fn outside_a_git_repository_there_is_no_commit() {
    let dir = tempfile::tempdir().unwrap();
    let stamp = Stamp::now(dir.path());
    assert_eq!(stamp.commit, None);
    assert!(!stamp.dirty);
    assert_eq!(stamp.time.len(), "2026-01-31T09:30:00Z".len());
}

#[test]
fn the_evidence_command_dates_the_report_and_names_the_commit() {
    let dir = example("ml-platform");
    let run = assert_cmd::Command::cargo_bin("mlguard")
        .unwrap()
        .args(["evidence", "--format", "json"])
        .arg(&dir)
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    assert!(schema().is_valid(&doc));
    let time = doc["scanned"]["time"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.starts_with("20"));
    // the example lives in this repository; a source tarball has no commit
    if Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert_eq!(doc["scanned"]["commit"].as_str().map(str::len), Some(40));
    }
    let md = assert_cmd::Command::cargo_bin("mlguard")
        .unwrap()
        .arg("evidence")
        .arg(&dir)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&md.get_output().stdout).starts_with("# SOC 2 evidence"));
}

#[test]
fn a_criterion_with_nothing_in_scope_is_not_applicable_not_passed() {
    // one tiered bucket: no LLM agents and no guardrails, so CC7.1 tested nothing
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"lake\" {\n  bucket = \"acme-lake\"\n  tags = { \"data-tier\" = \"raw\", \"data-source\" = \"crm\", \"data-license\" = \"internal\" }\n}\n",
    )
    .unwrap();
    let engine = Engine::load(&[]).unwrap();
    let out = run(dir.path(), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    let c = criterion(&doc, "CC7.1");
    assert_eq!(c["checked"]["agents"], 0);
    assert_eq!(c["checked"]["guardrails"], 0);
    assert_eq!(c["status"], "not-applicable");
    for control in c["controls"].as_array().unwrap() {
        assert_eq!(control["status"], "not-applicable", "{control}");
    }
    assert!(doc["summary"]["not_applicable"].as_u64().unwrap() >= 1);
    // a criterion with something in scope is decided by its controls as before
    assert_ne!(criterion(&doc, "CC6.1")["status"], "not-applicable");
    let md = evidence::markdown(&doc);
    assert!(md.contains("## CC7.1"));
    assert!(md.contains("not applicable (nothing in scope it can check)"));
}

#[test]
fn a_control_that_cannot_check_the_codes_cloud_is_not_applicable_not_passed() {
    // every built-in rule checks the three clouds now: a user's monitoring rule that names AWS
    // only cannot check the Azure platform's online endpoint
    let dir = tempfile::tempdir().unwrap();
    let rule = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/MM001-endpoint-without-monitoring.cedar"),
    )
    .unwrap();
    let rule: String = rule
        .lines()
        .filter(|l| !l.starts_with("@message_") && !l.starts_with("@help_"))
        .map(|l| match l {
            l if l.starts_with("@id(") => "@id(\"MM900\")".to_string(),
            l if l.starts_with("@name(") => {
                "@name(\"endpoint-without-sagemaker-monitor\")".to_string()
            }
            l if l.starts_with("@tsc(") => "@tsc(\"PI1.5\")".to_string(),
            l if l.starts_with("@clouds(") => "@clouds(\"aws\")".to_string(),
            l => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        dir.path()
            .join("MM900-endpoint-without-sagemaker-monitor.cedar"),
        rule,
    )
    .unwrap();
    let engine = Engine::load(&[dir.path()]).unwrap();
    let out = run(&example("azure-ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    let r = control_of(&doc, "PI1.5", "MM900");
    assert_eq!(r["status"], "not-applicable", "{r}");
    assert_eq!(r["not_checkable_on"], serde_json::json!(["azure"]), "{r}");
    // PI1.5 rests on MM900 alone: nothing checked it, so it did not pass
    assert_eq!(criterion(&doc, "PI1.5")["status"], "not-applicable");
    // the built-in MM001 checks Azure
    assert_eq!(control_of(&doc, "PI1.3", "MM001")["status"], "passed");
    let md = evidence::markdown(&doc);
    assert!(
        md.contains("not applicable (not checkable on azure)"),
        "{md}"
    );
    // AWS code is checked by it
    let out = run(&example("ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert_eq!(control_of(&doc, "PI1.5", "MM900")["status"], "passed");
}

#[test]
fn monitoring_registry_and_guardrail_controls_check_google_cloud() {
    // the GCP platform: an alert policy watches its endpoint, no Model Garden deployment, a
    // Model Armor floor setting covers its agent
    let engine = Engine::load(&[]).unwrap();
    let out = run(&example("gcp-ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    for (c, rule) in [("CC7.2", "MM001"), ("CC8.1", "MR003"), ("CC7.1", "LL001")] {
        let r = control_of(&doc, c, rule);
        assert_eq!(r["status"], "passed", "{r}");
        assert!(r.get("not_checkable_on").is_none(), "{r}");
    }
    assert_eq!(criterion(&doc, "PI1.3")["status"], "passed");
    assert_eq!(criterion(&doc, "CC7.1")["checked"]["guardrails"], 1);
    // and the violations platform fails each of them once
    let out = run(&example("gcp-ml-platform-violations"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    for (c, rule) in [("CC7.2", "MM001"), ("CC8.1", "MR003"), ("CC7.1", "LL001")] {
        let r = control_of(&doc, c, rule);
        assert_eq!(r["status"], "failed", "{r}");
        assert_eq!(r["failed"], 1, "{r}");
    }
}

fn control_of(doc: &Value, c: &str, rule: &str) -> Value {
    criterion(doc, c)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap()
        .clone()
}

#[test]
fn azure_endpoints_are_evidence_for_mm001_and_mr003() {
    // the clean Azure platform has an online endpoint with a model monitor and a deployment that
    // serves a registered model: both controls passed, checkable on Azure
    let engine = Engine::load(&[]).unwrap();
    let out = run(&example("azure-ml-platform"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert!(schema().is_valid(&doc));
    for (c, rule) in [("CC7.2", "MM001"), ("PI1.3", "MM001"), ("CC8.1", "MR003")] {
        let r = control_of(&doc, c, rule);
        assert_eq!(r["status"], "passed", "{r}");
        assert!(r.get("not_checkable_on").is_none(), "{r}");
    }
    assert_eq!(criterion(&doc, "PI1.3")["status"], "passed");
    assert_eq!(criterion(&doc, "PI1.3")["checked"]["endpoints"], 1);
    assert_eq!(doc["accounts"][0]["kind"], "subscription");
    let md = evidence::markdown(&doc);
    assert!(
        md.contains("| Deploys into | Azure subscription this subscription |"),
        "{md}"
    );
    // the violations platform fails both, once each
    let out = run(&example("azure-ml-platform-violations"), &engine, &|_| true);
    let doc = doc_for(&out, &engine, &|_| true);
    assert_eq!(control_of(&doc, "PI1.3", "MM001")["failed"], 1);
    assert_eq!(control_of(&doc, "CC8.1", "MR003")["failed"], 1);
}
