//! The built binary, run as users and CI run it.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn a_clean_scan_exits_zero() {
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            "DT002",
            &fixture("rules/DT002-training-reads-raw/silent"),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no findings"));
}

#[test]
fn findings_exit_one() {
    cargo_bin_cmd!("mlguard")
        .args(["scan", &fixture("rules/DT002-training-reads-raw/fire")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("DT002"));
}

#[test]
fn fail_on_above_the_findings_exits_zero() {
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--fail-on",
            "critical",
            &fixture("rules/DT002-training-reads-raw/fire"),
        ])
        .assert()
        .code(0);
}

#[test]
fn a_file_that_does_not_parse_exits_one_and_the_rest_is_still_scanned() {
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "DT002",
            &fixture("scenarios/broken-file-beside-violation"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["rule"], "DT002");
}

#[test]
fn usage_errors_exit_two() {
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--format", "yaml"])
        .assert()
        .code(2);
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", "XX999", "."])
        .assert()
        .code(2);
    cargo_bin_cmd!("mlguard")
        .args(["explain", "nope"])
        .assert()
        .code(2);
}

#[test]
fn a_rule_that_does_not_validate_exits_two_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.cedar"),
        "@id(\"X001\") @name(\"bad\") @severity(\"low\") @tsc(\"CC6.1\") @message(\"m\") @help(\"h\")\n\
         forbid (principal, action == MLGuard::Action::\"read\", resource) when { resource.no_such_attribute == 1 };\n",
    )
    .unwrap();
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--policies",
            dir.path().to_str().unwrap(),
            &fixture("rules/DT002-training-reads-raw/silent"),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.cedar")
                .and(predicate::str::contains("no_such_attribute")),
        );
}

#[test]
fn json_output_has_every_field_of_version_1() {
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "DT002",
            &fixture("rules/DT002-training-reads-raw/fire"),
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "mlguard");
    for key in [
        "files",
        "modules",
        "resources",
        "findings",
        "suppressed",
        "baseline",
        "unresolved",
        "parse_errors",
        "by_severity",
    ] {
        assert!(doc["summary"].get(key).is_some(), "summary.{key}");
    }
    for key in ["findings", "suppressed", "unresolved", "warnings", "errors"] {
        assert!(doc[key].is_array(), "{key}");
    }
    assert_eq!(doc["audit"], false);
    let f = &doc["findings"][0];
    for key in [
        "rule",
        "name",
        "severity",
        "tsc",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "address",
        "principals",
        "resources",
        "related",
        "fingerprint",
    ] {
        assert!(f.get(key).is_some(), "finding.{key}");
    }
    assert_eq!(f["file"], "main.tf");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["tsc"], serde_json::json!(["CC6.1"]));
    assert_eq!(f["address"], "aws_iam_role_policy.trainer_data");
    assert!(f["fingerprint"].as_str().unwrap().len() >= 16);
}

#[test]
fn human_output_shows_the_statement_and_the_bucket() {
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            "DT002",
            &fixture("rules/DT002-training-reads-raw/fire"),
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn bare_file_arguments_report_only_those_files() {
    // the violation is in policies/trainer.json; naming main.tf alone still reports it because the
    // finding's related locations (the attachment, the bucket) are in main.tf
    let dir = fixture("scenarios/json-policy-file");
    cargo_bin_cmd!("mlguard")
        .current_dir(&dir)
        .args(["scan", "main.tf"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("DT002"));
    cargo_bin_cmd!("mlguard")
        .current_dir(&dir)
        .args(["scan", "policies/trust.json"])
        .assert()
        .code(0);
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_page() {
    cargo_bin_cmd!("mlguard")
        .args(["rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DT002"));
    cargo_bin_cmd!("mlguard")
        .args(["explain", "training-reads-raw"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Why an auditor cares"));
    cargo_bin_cmd!("mlguard")
        .args(["schema"])
        .assert()
        .success()
        .stdout(predicate::str::contains("entity Datastore"));
}

#[test]
fn users_rules_run_beside_the_built_in_ones() {
    cargo_bin_cmd!("mlguard")
        .args(["check-policies", &fixture("custom-rules/rules")])
        .assert()
        .code(0);
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "NB001",
            "--policies",
            &fixture("custom-rules/rules"),
            &fixture("custom-rules/platform"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule"], "NB001");
    assert_eq!(doc["findings"][0]["line"], 20);
}

#[test]
fn a_users_rule_that_does_not_validate_is_an_error_with_its_location() {
    cargo_bin_cmd!("mlguard")
        .args(["check-policies", &fixture("custom-rules/rules-bad")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("NB002").and(predicate::str::contains("`workloads`")));
}

#[test]
fn a_users_rule_cannot_reuse_a_built_in_id() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(fixture("custom-rules/rules/NB001-notebook-reads-raw.cedar"))
            .unwrap();
    std::fs::write(dir.path().join("x.cedar"), text.replace("NB001", "DT002")).unwrap();
    cargo_bin_cmd!("mlguard")
        .args(["check-policies", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already used"));
}

#[test]
fn rules_beside_the_config_file_are_loaded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::copy(
        fixture("custom-rules/rules/NB001-notebook-reads-raw.cedar"),
        dir.path().join("policies/NB001.cedar"),
    )
    .unwrap();
    std::fs::copy(
        fixture("custom-rules/platform/main.tf"),
        dir.path().join("main.tf"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mlguard.toml"),
        "[rules]\nselect = [\"NB001\"]\n",
    )
    .unwrap();
    cargo_bin_cmd!("mlguard")
        .args(["scan", dir.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NB001"));
}

#[test]
fn a_bad_config_file_exits_two_pointing_into_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mlguard.toml"),
        "[tiers]\n\"aws_s3_bucket.x\" = \"rawish\"\n",
    )
    .unwrap();
    cargo_bin_cmd!("mlguard")
        .args(["scan", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rawish").and(predicate::str::contains("not a tier")));
}

/// A GCP finding reads in GCP's words, an AWS finding in AWS's, from the same rule.
#[test]
fn findings_read_in_the_words_of_their_cloud() {
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "DT009,DT007",
            &fixture("examples/gcp-ml-platform-violations"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "does not enforce public access prevention with uniform bucket-level access",
        ))
        .stdout(predicate::str::contains("customer-managed Cloud KMS key"))
        .stdout(predicate::str::contains("all four settings").not());
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "DT009",
            &fixture("examples/ml-platform-violations"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("all four settings"))
        .stdout(predicate::str::contains("uniform bucket-level access").not());
}

/// `mlguard access` shows a GCP member reaching a bucket by impersonating a service account.
#[test]
fn access_shows_the_account_a_member_acts_as() {
    cargo_bin_cmd!("mlguard")
        .args(["access", &fixture("scenarios/gcp-iam-impersonation")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "(acting as google_service_account.trainer)",
        ));
}

#[test]
fn a_custom_workload_declared_in_the_config_is_usable_from_the_config_a_tag_and_a_rule() {
    // fixtures/custom-rules/tags: `analytics` declared once; one role gets it from [workloads],
    // one from its mlguard:workload tag; the rule beside the config keys on a datastore tag
    let out = cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "PII001",
            &fixture("custom-rules/tags"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "PII001");
    assert_eq!(findings[0]["line"], 36);
    assert_eq!(findings[0]["principals"][0], "aws_iam_role.dashboards");
    assert_eq!(findings[0]["resources"][0], "aws_s3_bucket.customers");
    assert_eq!(
        findings[0]["message"],
        "`aws_iam_role.dashboards` (analytics) can read `aws_s3_bucket.customers`, tagged classification = pii"
    );
    assert!(doc["warnings"].as_array().unwrap().is_empty(), "{doc:#}");
    // the tagged role is analytics too: who can read the metrics bucket says so
    let out = cargo_bin_cmd!("mlguard")
        .args(["access", "--format", "json", &fixture("custom-rules/tags")])
        .output()
        .unwrap();
    let access: Value = serde_json::from_slice(&out.stdout).unwrap();
    let metrics = access["datastores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["address"] == "aws_s3_bucket.metrics")
        .unwrap();
    let reports = metrics["access"]["read"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["principal"] == "aws_iam_role.reports")
        .unwrap();
    assert_eq!(reports["workloads"][0], "analytics");
}

#[test]
fn an_undeclared_workload_stays_a_config_error_that_names_the_declaration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mlguard.toml"),
        "[classification]\ncustom_workloads = [\"analytics\"]\n\n[workloads]\n\"aws_iam_role.x\" = [\"analytcs\"]\n",
    )
    .unwrap();
    cargo_bin_cmd!("mlguard")
        .args(["scan", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`analytcs` is not a workload")
                .and(predicate::str::contains("analytics"))
                .and(predicate::str::contains("custom_workloads")),
        );
}

#[test]
fn a_cedar_error_in_a_users_rule_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.cedar"),
        "@id(\"X001\")\nforbid (principal, action, resource) when { resource.tier == };\n",
    )
    .unwrap();
    let out = cargo_bin_cmd!("mlguard")
        .args(["check-policies", dir.path().to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // the snippet's header carries the file with line and column, not `[2:…]` alone
    assert!(stderr.contains("broken.cedar:2:"), "{stderr}");
    // a validation error (an attribute the schema lacks) as well
    let out = cargo_bin_cmd!("mlguard")
        .args(["check-policies", &fixture("custom-rules/rules-bad")])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NB002-typo.cedar:"), "{stderr}");
}

#[test]
fn version_names_the_version_and_the_commit() {
    let out = cargo_bin_cmd!("mlguard").arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("mlguard {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // built from a git checkout here, so the commit is known: one of this branch's (HEAD, or an
    // earlier one when a commit landed after the build)
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    if git(&["rev-parse", "HEAD"]).is_some() {
        let commit = text
            .split("(commit ")
            .nth(1)
            .and_then(|c| c.split(')').next())
            .unwrap_or_else(|| panic!("no commit in {text}"));
        assert_eq!(commit.len(), 12, "{text}");
        assert!(
            git(&["merge-base", "--is-ancestor", commit, "HEAD"]).is_some(),
            "{commit} is not a commit of this branch"
        );
    }
}

#[test]
fn access_wraps_long_action_lists_below_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let actions: Vec<String> = [
        "GetObject",
        "GetObjectAcl",
        "GetObjectAttributes",
        "GetObjectLegalHold",
        "GetObjectRetention",
        "GetObjectTagging",
        "GetObjectTorrent",
        "GetObjectVersion",
        "GetObjectVersionAcl",
        "GetObjectVersionAttributes",
        "GetObjectVersionTagging",
        "GetObjectVersionTorrent",
        "PutObject",
        "PutObjectAcl",
        "PutObjectTagging",
    ]
    .iter()
    .map(|a| format!("\"s3:{a}\""))
    .collect();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "resource \"aws_s3_bucket\" \"raw\" {{\n  bucket = \"acme-raw\"\n  tags = {{ \"data-tier\" = \"raw\" }}\n}}\n\
             resource \"aws_iam_role\" \"etl\" {{\n  name = \"etl\"\n  assume_role_policy = \"{{}}\"\n}}\n\
             resource \"aws_iam_role_policy\" \"etl\" {{\n  role = aws_iam_role.etl.id\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{ Effect = \"Allow\", Action = [{}], Resource = \"${{aws_s3_bucket.raw.arn}}/*\" }}]\n  }})\n}}\n",
            actions.join(", ")
        ),
    )
    .unwrap();
    let out = cargo_bin_cmd!("mlguard")
        .args(["access", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("8 actions"), "{text}");
    assert!(
        text.contains("\n      s3:GetObjectAcl, s3:GetObjectAttributes,"),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 160, "a line too long: {line}");
    }
    for a in ["s3:GetObjectVersionTorrent", "s3:GetObjectAttributes"] {
        assert!(text.contains(a), "{a} missing:\n{text}");
    }
}
