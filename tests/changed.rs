//! `--changed-since REV` in a real git repository built in a temporary directory: only findings
//! whose primary or related span is in a changed file are reported, the whole module is still
//! analysed, and a revision that does not exist is a usage error with a hint.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::PredicateBooleanExt;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// These tests are about the mechanism, not the rule pack: they run the access rules only.
const ACCESS_RULES: &str = "DT001,DT002,DT003,DT004,DT005,DT008";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn policy(name: &str, action: &str) -> String {
    format!(
        r#"resource "aws_iam_role_policy" "{name}" {{
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

/// A repository whose module spreads over three files: the bucket and role (`shared.tf`) and
/// two policies that each fire DT002 (`a.tf`, `b.tf`). Two commits.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let module = root.join("infra");
    std::fs::create_dir(&module).unwrap();
    std::fs::write(
        module.join("shared.tf"),
        r#"resource "aws_s3_bucket" "landing" {
  bucket = "acme-ml-landing"
  tags = { "data-tier" = "raw" }
}

resource "aws_iam_role" "trainer" {
  name               = "ml-trainer"
  assume_role_policy = "{}"
  tags = { "mlguard:workload" = "training" }
}
"#,
    )
    .unwrap();
    std::fs::write(module.join("a.tf"), policy("a", "s3:GetObject")).unwrap();
    std::fs::write(module.join("b.tf"), policy("b", "s3:GetObject")).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "first"]);
    // the second commit changes b.tf only
    std::fs::write(module.join("b.tf"), policy("b", "s3:GetObjectVersion")).unwrap();
    git(root, &["commit", "-qam", "second"]);
    dir
}

fn reported(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let out = cargo_bin_cmd!("mlguard")
        .current_dir(dir)
        .args(["scan", "--select", ACCESS_RULES, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let files = doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["file"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (out.status.code().unwrap_or(-1), files)
}

#[test]
fn only_findings_in_files_changed_since_the_revision_are_reported() {
    let repo = repository();
    let root = repo.path();
    // without the flag: both policies
    assert_eq!(
        reported(root, &["infra"]),
        (1, vec!["a.tf".to_string(), "b.tf".to_string()])
    );
    // since HEAD~1: only b.tf, although the bucket and role it needs live in shared.tf
    assert_eq!(
        reported(root, &["--changed-since", "HEAD~1", "infra"]),
        (1, vec!["b.tf".to_string()])
    );
    // since HEAD: nothing changed, nothing reported, exit 0
    assert_eq!(
        reported(root, &["--changed-since", "HEAD", "infra"]),
        (0, vec![])
    );
    // the working tree counts: an uncommitted edit to a.tf and an untracked file
    std::fs::write(
        root.join("infra/a.tf"),
        policy("a", "s3:GetObjectAcl") + &policy("a2", "s3:GetObject"),
    )
    .unwrap();
    std::fs::write(root.join("infra/c.tf"), policy("c", "s3:GetObject")).unwrap();
    let (code, files) = reported(root, &["--changed-since", "HEAD", "infra"]);
    assert_eq!(code, 1);
    assert_eq!(files, ["a.tf", "c.tf"]);
}

#[test]
fn a_change_to_a_related_file_reports_the_findings_that_point_there() {
    let repo = repository();
    let root = repo.path();
    // retag the bucket: the findings' related span (the bucket) is in the changed file
    let shared = root.join("infra/shared.tf");
    let text = std::fs::read_to_string(&shared).unwrap();
    std::fs::write(
        &shared,
        text.replace("acme-ml-landing", "acme-ml-landing-v2"),
    )
    .unwrap();
    assert_eq!(
        reported(root, &["--changed-since", "HEAD", "infra"]),
        (1, vec!["a.tf".to_string(), "b.tf".to_string()])
    );
}

#[test]
fn a_revision_that_does_not_exist_is_a_usage_error_with_a_hint() {
    let repo = repository();
    cargo_bin_cmd!("mlguard")
        .current_dir(repo.path())
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--changed-since",
            "origin/main",
            "infra",
        ])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("`origin/main` does not exist")
                .and(predicates::str::contains("fetch")),
        );
    // outside a repository
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("main.tf"), "").unwrap();
    cargo_bin_cmd!("mlguard")
        .current_dir(plain.path())
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--changed-since",
            "HEAD~1",
            ".",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("git repository"));
}
