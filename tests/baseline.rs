//! Baselines: `--write-baseline` then `--baseline` round trip. Fingerprints must survive lines
//! inserted above every finding; baseline findings are reported as such and never fail.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::Path;

/// These tests are about the mechanism, not the rule pack: they run the access rules only.
const ACCESS_RULES: &str = "DT001,DT002,DT003,DT004,DT005,DT008";

const BUCKET_AND_ROLE: &str = r#"resource "aws_s3_bucket" "landing" {
  bucket = "acme-ml-landing"
  tags = {
    "data-tier" = "raw"
  }
}

resource "aws_iam_role" "trainer" {
  name               = "ml-trainer"
  assume_role_policy = "{}"
  tags = {
    "mlguard:workload" = "training"
  }
}
"#;

fn policy(name: &str, action: &str) -> String {
    format!(
        r#"
resource "aws_iam_role_policy" "{name}" {{
  name = "{name}"
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{
      Effect   = "Allow"
      Action   = ["{action}"]
      Resource = ["${{aws_s3_bucket.landing.arn}}/*"]
    }}]
  }})
}}
"#
    )
}

fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--format", "json"])
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc)
}

fn rules_and_lines(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
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

#[test]
fn a_baseline_survives_lines_inserted_above_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        format!(
            "{BUCKET_AND_ROLE}{}{}",
            policy("first", "s3:GetObject"),
            policy("second", "s3:GetObjectVersion")
        ),
    )
    .unwrap();
    let baseline = dir.path().join("mlguard-baseline.json");
    let b = baseline.to_str().unwrap();

    // writing the baseline accepts today's findings: reported as baseline, exit 0
    let (code, doc) = scan(dir.path(), &["--write-baseline", b]);
    assert_eq!(code, 0);
    assert_eq!(doc["findings"], serde_json::json!([]));
    let before = rules_and_lines(&doc["baseline"]);
    assert_eq!(before.len(), 2);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["findings"].as_array().unwrap().len(), 2);

    // insert lines above every finding: at the top of the file, above each block and inside
    // each block above the statement
    let text = std::fs::read_to_string(&tf).unwrap();
    let mut shifted =
        String::from("# owned by the ML platform team\n\nlocals {\n  team = \"ml\"\n}\n\n");
    for line in text.lines() {
        if line.starts_with("resource \"aws_iam_role_policy\"") {
            shifted.push_str("# reviewed\n\n");
        }
        shifted.push_str(line);
        shifted.push('\n');
        if line.starts_with("resource \"aws_iam_role_policy\"") {
            shifted.push_str("  # an unrelated comment\n\n  description_only = true\n");
        }
    }
    std::fs::write(&tf, shifted).unwrap();

    let (code, doc) = scan(dir.path(), &["--baseline", b]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["findings"],
        serde_json::json!([]),
        "nothing new is reported"
    );
    let after = rules_and_lines(&doc["baseline"]);
    assert_eq!(after.len(), 2);
    for ((a1, l1), (a2, l2)) in before.iter().zip(&after) {
        assert_eq!(a1, a2);
        assert!(
            l2 > l1,
            "the finding moved down ({l1} -> {l2}) and is still matched"
        );
    }
    assert_eq!(doc["summary"]["baseline"], 2);

    // a new finding is reported and fails; the old ones stay in the baseline
    std::fs::write(
        &tf,
        format!(
            "{}{}",
            std::fs::read_to_string(&tf).unwrap(),
            policy("third", "s3:GetObject")
        ),
    )
    .unwrap();
    let (code, doc) = scan(dir.path(), &["--baseline", b]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_and_lines(&doc["findings"])
            .into_iter()
            .map(|(a, _)| a)
            .collect::<Vec<_>>(),
        ["aws_iam_role_policy.third"]
    );
    assert_eq!(doc["summary"]["baseline"], 2);
}

#[test]
fn baseline_findings_never_fail_at_any_threshold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!("{BUCKET_AND_ROLE}{}", policy("only", "s3:GetObject")),
    )
    .unwrap();
    let baseline = dir.path().join("b.json");
    let b = baseline.to_str().unwrap();
    assert_eq!(scan(dir.path(), &["--write-baseline", b]).0, 0);
    let (code, doc) = scan(dir.path(), &["--baseline", b, "--fail-on", "info"]);
    assert_eq!(code, 0);
    assert_eq!(doc["baseline"][0]["rule"], "DT002");
    // human output counts them
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--baseline", b])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "no findings in 1 file, 1 module, 3 resources; 1 in the baseline",
        ));
}

#[test]
fn a_missing_or_invalid_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), BUCKET_AND_ROLE).unwrap();
    let missing = dir.path().join("nope.json");
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--baseline",
            missing.to_str().unwrap(),
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read baseline"));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"version\": 7, \"findings\": []}").unwrap();
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--baseline",
            bad.to_str().unwrap(),
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("version 7"));
}
