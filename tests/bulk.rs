//! `scan --repos`, `--shard` and `merge`, run as the built binary on temporary trees of git
//! repositories copied from the rule fixtures.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read fixture").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy fixture file");
        }
    }
}

/// A repository (a directory with `.git`) holding one rule fixture.
fn repo(root: &Path, name: &str, fixture: &str) {
    let dir = root.join(name);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/rules")
            .join(fixture),
        &dir,
    );
    std::fs::create_dir_all(dir.join(".git")).expect("create .git");
}

/// Three repositories: one with a DT002 finding, one clean, one whose config is invalid.
fn tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("temp dir");
    repo(t.path(), "team-a/fire", "DT002-training-reads-raw/fire");
    repo(t.path(), "team-b/silent", "DT002-training-reads-raw/silent");
    repo(t.path(), "broken", "DT002-training-reads-raw/silent");
    std::fs::write(t.path().join("broken/mlguard.toml"), "no_such_key = 1\n").expect("config");
    t
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

fn bulk_json(root: &Path, extra: &[&str]) -> (Vec<Value>, i32) {
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--repos", "--format", "json", "--select", "DT002"])
        .args(extra)
        .arg(root)
        .output()
        .expect("runs");
    (lines(&out.stdout), out.status.code().unwrap_or(-1))
}

#[test]
fn every_repository_is_one_json_line_then_the_total_and_the_worst_exit_code() {
    let t = tree();
    let (docs, code) = bulk_json(t.path(), &[]);
    assert_eq!(docs.len(), 4, "{docs:?}");
    let mut repos: Vec<&str> = docs[..3]
        .iter()
        .filter_map(|d| d["repo"].as_str())
        .collect();
    repos.sort();
    assert_eq!(repos, ["broken", "team-a/fire", "team-b/silent"]);
    for d in &docs[..3] {
        assert_eq!(d["version"], 1);
    }
    let fire = docs
        .iter()
        .find(|d| d["repo"] == "team-a/fire")
        .expect("fire");
    assert!(fire["summary"]["findings"].as_u64() > Some(0));
    // the broken config fails its repository only
    let broken = docs.iter().find(|d| d["repo"] == "broken").expect("broken");
    assert_eq!(broken["failed"], true);
    assert!(broken["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let total = &docs[3];
    assert_eq!(total["kind"], "total");
    assert_eq!(total["repos"], 3);
    assert_eq!(total["failed"], 1);
    assert_eq!(total["summary"]["findings"], fire["summary"]["findings"]);
    assert_eq!(total["exit_code"], 2);
    assert_eq!(code, 2);
}

#[test]
fn shards_partition_the_repositories_and_merge_back_to_the_unsharded_result() {
    let t = tree();
    let (all, _) = bulk_json(t.path(), &[]);
    let mut files = Vec::new();
    let mut seen = 0;
    for k in 1..=3 {
        let file = t.path().join(format!("shard-{k}.jsonl"));
        let out = cargo_bin_cmd!("mlguard")
            .args(["scan", "--repos", "--format", "json", "--select", "DT002"])
            .args(["--shard", &format!("{k}/3"), "--output"])
            .arg(&file)
            .arg(t.path())
            .output()
            .expect("runs");
        assert!(out.status.code().is_some());
        let docs = lines(&std::fs::read(&file).expect("shard output"));
        seen += docs.len() - 1;
        files.push(file);
    }
    assert_eq!(seen, 3, "each repository in exactly one shard");
    let out = cargo_bin_cmd!("mlguard")
        .arg("merge")
        .args(&files)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "the worst exit code of the shards"
    );
    let merged = lines(&out.stdout);
    let mut expected: Vec<&Value> = all[..3].iter().collect();
    expected.sort_by_key(|d| d["repo"].as_str().unwrap_or_default().to_string());
    assert_eq!(merged[..3].iter().collect::<Vec<_>>(), expected);
    assert_eq!(merged[3]["summary"], all[3]["summary"]);
    assert_eq!(merged[3]["exit_code"], 2);
}

#[test]
fn human_output_ends_with_the_summary_table() {
    let t = tree();
    std::fs::remove_dir_all(t.path().join("broken")).expect("remove");
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--repos", "--quiet", "--select", "DT002"])
        .arg(t.path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("2 repositories"), "{text}");
    assert!(text.contains("TOP RULES"), "{text}");
    assert!(text.contains("DT002"), "{text}");
    assert!(text.contains("SLOWEST REPOSITORIES"), "{text}");
}

#[test]
fn a_tree_without_repositories_is_a_usage_error() {
    let t = tempfile::tempdir().expect("temp dir");
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--repos"])
        .arg(t.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no git repositories"));
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    cargo_bin_cmd!("mlguard")
        .args(["scan", "--repos", "--shard", "4/3", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a shard"));
}

#[test]
fn merging_something_that_is_not_a_result_is_a_usage_error() {
    let t = tempfile::tempdir().expect("temp dir");
    let f = t.path().join("x.jsonl");
    std::fs::write(&f, "{\"version\": 1}\nnope\n").expect("write");
    cargo_bin_cmd!("mlguard")
        .arg("merge")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("x.jsonl:2: not JSON"));
}
