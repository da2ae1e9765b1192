//! Every fixture folder is scanned and compared with its `expected.json`: exact rule ids, files
//! and lines (and any other finding field the file names). Rule fixtures live in
//! `fixtures/rules/<stem>/{fire,silent}`, cross-file cases in `fixtures/scenarios/<name>`.

use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::findings::Severity;
use mlguard::report::{json, Report};
use mlguard::scan::{self, ScanRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for group in ["rules", "scenarios", "examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(group)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.join("expected.json").exists() {
                out.push(p.clone());
            }
            for sub in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                if sub.path().join("expected.json").exists() {
                    out.push(sub.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// The scan's JSON document, plus the access report under `access` (as `mlguard access` prints it).
pub fn scan_json(dir: &Path) -> Value {
    let engine = Engine::load(&[]).expect("built-in rules load");
    let config = Config::discover(None, dir).expect("the fixture's mlguard.toml is valid");
    let mut req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: Arc::new(config),
        ..Default::default()
    };
    let vars = dir.join("vars.tfvars");
    if vars.exists() {
        req.var_files.push(vars);
    }
    let out = scan::run(&req, &engine, &|_| true);
    let mut doc = json::document(&Report {
        scan: &out,
        fail_on: Severity::Low,
    });
    doc["access"] = mlguard::report::access::json(&out.inventory, &out.analysis, &out.sources)
        ["datastores"]
        .clone();
    doc
}

/// Expected access rows (`{"datastore", "class", "principal", ...}`) must be in the access report;
/// rows listed under `absent` must not.
fn check_access(want: &Value, got: &Value) -> Vec<String> {
    let mut rows = Vec::new();
    for d in got.as_array().unwrap() {
        for (class, list) in d["access"].as_object().unwrap() {
            for r in list.as_array().unwrap() {
                rows.push(serde_json::json!({"datastore": d["address"], "datastore_unit": d["unit"], "unit": r["unit"], "class": class, "principal": r["principal"],
                    "conditional": r["conditional"], "file": r["file"], "line": r["line"], "kms_gate": r["kms_gate"], "through": r["through"]}));
            }
        }
    }
    let mut problems = Vec::new();
    for w in want["rows"].as_array().into_iter().flatten() {
        if !rows.iter().any(|r| fits(w, r)) {
            problems.push(format!("missing access row {w}"));
        }
    }
    for w in want
        .get("absent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if rows.iter().any(|r| fits(w, r)) {
            problems.push(format!("unexpected access row {w}"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "access rows were:\n{}",
            serde_json::to_string_pretty(&rows).unwrap()
        ));
    }
    problems
}

/// Does `actual` have every field `expected` names, with the same value?
fn fits(expected: &Value, actual: &Value) -> bool {
    expected
        .as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| actual.get(k) == Some(v))
}

/// A rule's `@message` or `@help` template as a pattern in which every `{placeholder}` must be
/// filled with some text: "opens  data" (an empty `{tier}`) or a `{tier}` left as written fails.
fn template_pattern(template: &str) -> regex::Regex {
    let placeholder = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
    let mut pattern = String::from("(?s)^");
    let mut last = 0;
    for m in placeholder.find_iter(template) {
        pattern.push_str(&regex::escape(&template[last..m.start()]));
        pattern.push_str(r"[^{}\s](?:[^{}]*[^{}\s])?");
        last = m.end();
    }
    pattern.push_str(&regex::escape(&template[last..]));
    pattern.push('$');
    regex::Regex::new(&pattern).unwrap()
}

/// Every finding's message and help, against its rule's templates: the default wording or one
/// of its clouds' (`@message_gcp`, `@help_azure`, ...), whichever the finding was worded in.
fn unfilled_placeholders(doc: &Value) -> Vec<String> {
    type Wordings = Vec<(regex::Regex, regex::Regex)>;
    static TEMPLATES: std::sync::OnceLock<Vec<(String, Wordings)>> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        let engine = Engine::load(&[]).expect("built-in rules load");
        engine
            .rules()
            .iter()
            .map(|r| {
                let mut wordings = vec![(template_pattern(&r.message), template_pattern(&r.help))];
                for (_, message, help) in &r.variants {
                    wordings.push((
                        template_pattern(message.as_deref().unwrap_or(&r.message)),
                        template_pattern(help.as_deref().unwrap_or(&r.help)),
                    ));
                }
                (r.id.clone(), wordings)
            })
            .collect()
    });
    let mut problems = Vec::new();
    for f in doc["findings"].as_array().into_iter().flatten() {
        let Some((_, wordings)) = templates.iter().find(|(id, _)| f["rule"] == id.as_str()) else {
            continue;
        };
        let message = f["message"].as_str().unwrap_or_default();
        let help = f["help"].as_str().unwrap_or_default();
        if !wordings
            .iter()
            .any(|(m, h)| m.is_match(message) && h.is_match(help))
        {
            problems.push(format!(
                "{} message or help has an empty or unfilled placeholder: {message:?} / {help:?}",
                f["rule"]
            ));
        }
    }
    problems
}

#[test]
fn template_pattern_rejects_empty_and_unfilled_placeholders() {
    let p = template_pattern("a resource policy opens {tier} data to anyone: {resources}");
    assert!(p.is_match("a resource policy opens raw, processed data to anyone: `aws_s3_bucket.a`"));
    assert!(!p.is_match("a resource policy opens  data to anyone: `aws_s3_bucket.a`"));
    assert!(!p.is_match("a resource policy opens {tier} data to anyone: `aws_s3_bucket.a`"));
    assert!(!p.is_match("a resource policy opens raw data to anyone: "));
}

fn check(dir: &Path) -> Result<(), String> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
            .map_err(|e| format!("{}: bad expected.json: {e}", dir.display()))?;
    let mut actual = scan_json(dir);
    // a rule's own fixtures (fixtures/rules/<ID-name>/...) are about that rule alone
    let rule = dir
        .parent()
        .filter(|p| p.parent().is_some_and(|g| g.ends_with("fixtures/rules")))
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .split('-')
                .next()
                .unwrap_or("")
                .to_string()
        });
    let mut problems = unfilled_placeholders(&actual);
    if let Some(rule) = rule {
        let findings = actual["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule.as_str())
            .cloned()
            .collect();
        actual["findings"] = Value::Array(findings);
    }
    for key in ["findings", "errors", "unresolved"] {
        let Some(want) = expected.get(key).and_then(Value::as_array) else {
            continue;
        };
        let got = actual[key].as_array().unwrap();
        if want.len() != got.len() || !want.iter().zip(got).all(|(w, g)| fits(w, g)) {
            problems.push(format!(
                "{key}: expected\n{}\ngot\n{}",
                serde_json::to_string_pretty(want).unwrap(),
                serde_json::to_string_pretty(got).unwrap()
            ));
        }
    }
    if let Some(want) = expected.get("access") {
        problems.extend(check_access(want, &actual["access"]));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{}", dir.display(), problems.join("\n")))
    }
}

#[test]
fn every_fixture_matches_its_expected_findings() {
    let cases = cases();
    assert!(cases.len() >= 5, "fixture folders are missing");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_rule_has_docs_and_a_firing_and_a_silent_fixture() {
    let engine = Engine::load(&[]).expect("built-in rules load");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ids = std::collections::BTreeSet::new();
    for rule in engine.rules() {
        assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
        let stem = rule.stem();
        assert_eq!(
            rule.file,
            format!("policies/{stem}.cedar"),
            "the policy file is named by its stem"
        );
        assert!(rule.docs().is_some(), "docs/rules/{stem}.md is missing");
        let docs = rule.docs().unwrap();
        for section in [
            "## What it does",
            "## Why an auditor cares",
            "## Example",
            "## How to fix",
            "## Suppress",
        ] {
            assert!(
                docs.contains(section),
                "docs/rules/{stem}.md lacks `{section}`"
            );
        }
        for case in ["fire", "silent"] {
            let dir = root.join("fixtures/rules").join(&stem).join(case);
            let expected: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("expected.json"))
                    .unwrap_or_else(|_| panic!("{} lacks expected.json", dir.display())),
            )
            .unwrap();
            let fired = expected["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule.id.as_str());
            assert_eq!(
                fired,
                case == "fire",
                "{}: the {case} case must {}fire {}",
                dir.display(),
                if case == "fire" { "" } else { "not " },
                rule.id
            );
        }
        assert!(rule.message.contains('{') || !rule.message.is_empty());
        assert!(!rule.tsc.is_empty(), "{} names no TSC criterion", rule.id);
    }
}

#[test]
fn the_violations_example_trips_every_built_in_rule_exactly_once() {
    let engine = Engine::load(&[]).expect("built-in rules load");
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/ml-platform-violations");
    let doc = scan_json(&dir);
    let mut counts = std::collections::BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        *counts
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    for rule in engine.rules() {
        assert_eq!(
            counts.get(&rule.id),
            Some(&1),
            "{} should fire exactly once: {counts:?}",
            rule.id
        );
    }
    assert_eq!(counts.len(), engine.rules().len());
}

#[test]
fn the_clean_example_platform_has_no_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/ml-platform");
    let doc = scan_json(&dir);
    assert_eq!(
        doc["findings"],
        serde_json::json!([]),
        "{:#}",
        doc["findings"]
    );
    assert_eq!(doc["unresolved"], serde_json::json!([]));
    assert!(doc["summary"]["resources"].as_u64().unwrap() > 40);
}
