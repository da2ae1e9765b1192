//! Suppressions as cli.md specifies them: every comment form and placement, config exceptions for
//! JSON files, expiry against an injected date, reasonless, unused and malformed suppressions,
//! strict mode and audit mode.

use assert_cmd::cargo::cargo_bin_cmd;
use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::findings::Severity;
use mlguard::report::{json, Report};
use mlguard::scan::{self, ScanRequest};
use mlguard::suppress::{Date, Options};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// These tests are about the mechanism, not the rule pack: they run the access rules only.
const ACCESS_RULES: &str = "DT001,DT002,DT003,DT004,DT005,DT008";

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name)
}

fn options(today: &str) -> Options {
    let engine = Engine::load(&[]).unwrap();
    Options {
        today: Date::parse(today).unwrap(),
        known: engine
            .rules()
            .iter()
            .flat_map(|r| [r.id.clone(), r.name.clone()])
            .collect(),
        ..Default::default()
    }
}

/// The JSON document of a scan of `dir` with its config file and these options.
fn scan_with(dir: &Path, opts: Options) -> Value {
    let engine = Engine::load(&[]).unwrap();
    let config = Config::discover(None, dir).unwrap();
    let req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: Arc::new(config),
        suppress: opts,
        ..Default::default()
    };
    let out = scan::run(&req, &engine, &|r| {
        ACCESS_RULES.split(',').any(|id| id == r.id)
    });
    json::document(&Report {
        scan: &out,
        fail_on: Severity::Low,
    })
}

/// (address, line) of each entry of a list.
fn places(doc: &Value, key: &str) -> Vec<(String, u64)> {
    doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["address"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn warnings(doc: &Value) -> Vec<(u64, String)> {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["line"].as_u64().unwrap(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_placement_covers_its_block_or_statement() {
    let doc = scan_with(&scenario("suppress-placement"), options("2026-11-27"));
    // above the block; inside the block; `//` above one object statement; above a nested
    // `statement` block; at the end of the offending line
    assert_eq!(
        places(&doc, "suppressed"),
        [
            ("aws_iam_role_policy.above_block".to_string(), 24),
            ("aws_iam_role_policy.inside_block".to_string(), 37),
            ("aws_iam_role_policy.object_statement".to_string(), 51),
            ("aws_iam_role_policy.nested".to_string(), 69),
            ("aws_iam_role_policy.trailing".to_string(), 91),
        ]
    );
    // the statement beside a suppressed one, and the nested block after a suppressed one
    assert_eq!(
        places(&doc, "findings"),
        [
            ("aws_iam_role_policy.object_statement".to_string(), 57),
            ("aws_iam_role_policy.nested".to_string(), 74),
        ]
    );
    let reasons: Vec<&str> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "the bootstrap job reads raw data once; SEC-101",
            "inside the block, above an attribute; SEC-102",
            "slashes, above one statement object; SEC-103",
            "above a nested statement block; SEC-104",
            "on the offending line; SEC-105",
        ]
    );
    assert_eq!(doc["summary"]["suppressed"], 5);
    assert_eq!(warnings(&doc), []);
    assert_eq!(doc["audit"], false);
}

#[test]
fn suppressions_work_inside_called_modules() {
    let doc = scan_with(&scenario("suppress-module"), options("2026-11-27"));
    assert_eq!(
        places(&doc, "suppressed"),
        [("module.trainer.aws_iam_role_policy.read".to_string(), 15)]
    );
    assert_eq!(
        places(&doc, "findings"),
        [("module.trainer.aws_iam_role_policy.read".to_string(), 19)]
    );
    assert_eq!(doc["suppressed"][0]["file"], "modules/trainer/main.tf");
}

#[test]
fn json_policy_files_are_suppressed_by_config_exceptions() {
    let doc = scan_with(&scenario("suppress-exceptions"), options("2026-11-27"));
    assert_eq!(doc["findings"], serde_json::json!([]));
    let s = &doc["suppressed"][0];
    assert_eq!(s["file"], "policies/trainer.json");
    assert_eq!(
        s["reason"],
        "the vision trainer replays raw events by design; SEC-401"
    );
    assert_eq!(s["until"], "2099-12-31");
    // after its date the exception stops working, with a warning pointing into mlguard.toml
    let doc = scan_with(&scenario("suppress-exceptions"), options("2100-01-01"));
    assert_eq!(doc["suppressed"], serde_json::json!([]));
    assert_eq!(doc["findings"][0]["file"], "policies/trainer.json");
    let w = &doc["warnings"][0];
    assert!(w["file"].as_str().unwrap().ends_with("mlguard.toml"), "{w}");
    assert_eq!(w["line"], 3);
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains("expired on 2099-12-31"));
}

#[test]
fn until_is_inclusive_and_expired_suppressions_warn() {
    // on the day itself the suppression still holds
    let doc = scan_with(&scenario("suppress-expiry"), options("2026-06-30"));
    assert_eq!(
        places(&doc, "suppressed"),
        [
            ("aws_iam_role_policy.expiring".to_string(), 24),
            ("aws_iam_role_policy.no_reason".to_string(), 37)
        ]
    );
    assert_eq!(doc["suppressed"][0]["until"], "2026-06-30");
    // the day after, the finding is back and a warning says why
    let doc = scan_with(&scenario("suppress-expiry"), options("2026-07-01"));
    assert_eq!(
        places(&doc, "findings"),
        [
            ("aws_iam_role_policy.expiring".to_string(), 24),
            ("aws_iam_role_policy.malformed".to_string(), 50)
        ]
    );
    assert_eq!(
        warnings(&doc),
        [
            (3, "suppression of `DT002` matches no finding".to_string()),
            (
                19,
                "suppression of `DT002` expired on 2026-06-30; its findings are reported again"
                    .to_string()
            ),
            (32, "suppression has no reason".to_string()),
            (
                45,
                "malformed suppression: unexpected `the`; write the reason after `--`".to_string()
            ),
        ]
    );
}

#[test]
fn strict_mode_turns_reasonless_and_unused_suppressions_into_info_findings() {
    let doc = scan_with(
        &scenario("suppress-expiry"),
        Options {
            strict: true,
            ..options("2026-06-30")
        },
    );
    let meta: Vec<(String, String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        meta,
        [
            ("SP001".to_string(), "info".to_string(), 3),
            ("SP002".to_string(), "info".to_string(), 32),
            ("DT002".to_string(), "high".to_string(), 50),
        ]
    );
}

#[test]
fn audit_mode_turns_every_suppression_off_and_says_so() {
    for dir in ["suppress-placement", "suppress-exceptions"] {
        let doc = scan_with(
            &scenario(dir),
            Options {
                ignore_all: true,
                ..options("2026-11-27")
            },
        );
        assert_eq!(doc["audit"], true);
        assert_eq!(doc["suppressed"], serde_json::json!([]), "{dir}");
        assert!(!doc["findings"].as_array().unwrap().is_empty());
        let w = warnings(&doc);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].1.contains("--ignore-suppressions"));
    }
}

#[test]
fn the_cli_applies_suppressions_and_suppressed_findings_never_fail() {
    // every finding suppressed: exit 0, and the JSON lists them with their reason
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--format", "json"])
        .arg(scenario("suppress-exceptions"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["suppressed"], 1);
    // audit: the same finding fails
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--ignore-suppressions"])
        .arg(scenario("suppress-exceptions"))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("suppressions off (audit)"));
    // strict mode: the module alone has no value for its bucket, so its suppression is unused;
    // that is an info finding, which fails only with --fail-on info
    let module = scenario("suppress-module").join("modules/trainer/main.tf");
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--strict-suppressions",
            "--format",
            "json",
        ])
        .arg(&module)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule"], "SP001");
    assert_eq!(doc["findings"][0]["severity"], "info");
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--strict-suppressions",
            "--fail-on",
            "info",
        ])
        .arg(&module)
        .assert()
        .code(1);
}
