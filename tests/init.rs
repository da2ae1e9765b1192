//! `mlguard init` round-trips: a scan with the file it writes finds the same findings (rule,
//! file, line), all at high confidence, since the file lists every classification and turns
//! names off. And the command never overwrites a file without `--force`.

use assert_cmd::Command;
use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::scan::{self, ScanRequest};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for group in ["rules", "scenarios", "examples"] {
        for e in std::fs::read_dir(root.join(group)).unwrap().flatten() {
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

type Found = BTreeSet<(String, String, u32, String)>;

fn scan(dir: &Path, config: Config, engine: &Engine) -> (Found, scan::ScanOutput) {
    let mut req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: Arc::new(config),
        ..Default::default()
    };
    let vars = dir.join("vars.tfvars");
    if vars.exists() {
        req.var_files.push(vars);
    }
    let out = scan::run(&req, engine, &|_| true);
    let found = out
        .findings
        .iter()
        .chain(&out.suppressed)
        .map(|f| {
            let file = out.sources.get(f.primary.span.file);
            (
                f.rule.clone(),
                file.display.clone(),
                file.position(f.primary.span.start).line,
                f.confidence.as_str().to_string(),
            )
        })
        .collect();
    (found, out)
}

#[test]
fn a_scan_with_the_written_file_finds_the_same_at_high_confidence() {
    let engine = Engine::load(&[]).unwrap();
    let mut medium_before = 0;
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let config = Config::discover(None, &dir).unwrap();
        let (before, out) = scan(&dir, config, &engine);
        medium_before += before.iter().filter(|f| f.3 == "medium").count();
        let target = dir.join("mlguard.toml");
        let used = Config::discover(None, &dir).unwrap();
        let text = mlguard::init::render(&out, &used, &target);
        let mut written = Config::parse("mlguard.toml", &text)
            .unwrap_or_else(|e| panic!("{}: {}\n{text}", dir.display(), e.message));
        written.path = Some(target);
        assert!(!written.classification.names_enabled());
        let (after, _) = scan(&dir, written, &engine);
        let strip = |f: &Found| -> BTreeSet<(String, String, u32)> {
            f.iter()
                .map(|(r, f, l, _)| (r.clone(), f.clone(), *l))
                .collect()
        };
        if strip(&before) != strip(&after) {
            problems.push(format!(
                "{}: before {:?}\nafter {:?}\nwith\n{text}",
                dir.display(),
                strip(&before),
                strip(&after)
            ));
        }
        if let Some(f) = after.iter().find(|f| f.3 != "high") {
            problems.push(format!("{}: {f:?} is not high confidence", dir.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(
        medium_before > 0,
        "some fixture should rest on names before init"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn init_writes_once_then_needs_force_and_prints_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("unit");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/names-ml-unit"),
        &dir,
    );
    std::fs::remove_file(dir.join("expected.json")).unwrap();
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init"])
        .arg(&dir)
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.join("mlguard.toml")).unwrap();
    assert!(written.contains("names = false"), "{written}");
    assert!(
        written.contains("\"aws_s3_bucket.exports\" = \"raw\""),
        "{written}"
    );
    assert!(
        written.contains("# aws_s3_bucket.exports (main.tf:3): from name: name word \"raw\" in \"acme-raw-exports\"; ML evidence: "),
        "{written}"
    );
    // a second run refuses, naming --force
    let refused = Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init"])
        .arg(&dir)
        .assert()
        .code(2);
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--force"), "{stderr}");
    // --print leaves the file alone; the scan now reads it, so the tiers come from config
    std::fs::write(
        dir.join("mlguard.toml"),
        "# reviewed by hand\n[classification]\nnames = false\n",
    )
    .unwrap();
    let printed = Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init", "--print"])
        .arg(&dir)
        .assert()
        .success();
    let stdout = String::from_utf8(printed.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("[tiers]"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.join("mlguard.toml")).unwrap(),
        "# reviewed by hand\n[classification]\nnames = false\n"
    );
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init", "--force"])
        .arg(&dir)
        .assert()
        .success();
    assert!(std::fs::read_to_string(dir.join("mlguard.toml"))
        .unwrap()
        .contains("[workloads]"));
}

#[test]
fn names_off_in_the_config_turns_the_name_step_off() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("unit");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/names-ml-unit"),
        &dir,
    );
    let json = |dir: &Path| -> serde_json::Value {
        let out = Command::cargo_bin("mlguard")
            .unwrap()
            .args(["scan", "--format", "json"])
            .arg(dir)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert!(!json(&dir)["findings"].as_array().unwrap().is_empty());
    std::fs::write(
        dir.join("mlguard.toml"),
        "[classification]\nnames = false\n",
    )
    .unwrap();
    assert_eq!(json(&dir)["findings"], serde_json::json!([]));
    // strictly validated like every key
    std::fs::write(
        dir.join("mlguard.toml"),
        "[classification]\nnames = \"no\"\n",
    )
    .unwrap();
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["scan"])
        .arg(&dir)
        .assert()
        .code(2);
    std::fs::write(dir.join("mlguard.toml"), "[classification]\nname = false\n").unwrap();
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["scan"])
        .arg(&dir)
        .assert()
        .code(2);
}

/// A finding that rests on a name says so in every format.
#[test]
fn every_format_shows_medium_confidence() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/names-ml-unit");
    for (format, needle) in [
        // miette wraps the title: the start of the note is enough
        ("human", "(medium"),
        ("json", "\"confidence\": \"medium\""),
        ("sarif", "\"confidence\": \"medium\""),
        (
            "github",
            "medium confidence: tier of `aws_s3_bucket.exports` from its name",
        ),
        (
            "junit",
            "medium confidence: tier of `aws_s3_bucket.exports` from its name",
        ),
        ("markdown", "**Confidence:** medium confidence"),
    ] {
        let out = Command::cargo_bin("mlguard")
            .unwrap()
            .args(["scan", "--select", "DT002", "--format", format])
            .arg(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{format}:\n{text}");
    }
    // the same unit classified by its config file: high
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/names-ml-unit-config");
    let out = Command::cargo_bin("mlguard")
        .unwrap()
        .args(["scan", "--select", "DT002", "--format", "sarif"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"confidence\": \"high\""), "{text}");
    assert!(!text.contains("\"confidence\": \"medium\""), "{text}");
}

/// `--force` replaces a link with a file; it never writes through it.
#[cfg(unix)]
#[test]
fn init_never_writes_through_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("unit");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/names-ml-unit"),
        &dir,
    );
    let outside = tmp.path().join("outside.txt");
    std::os::unix::fs::symlink(&outside, dir.join("mlguard.toml")).unwrap();
    // a dangling link is a file that exists
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init"])
        .arg(&dir)
        .assert()
        .code(2);
    Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init", "--force"])
        .arg(&dir)
        .assert()
        .success();
    assert!(!outside.exists());
    let meta = std::fs::symlink_metadata(dir.join("mlguard.toml")).unwrap();
    assert!(meta.file_type().is_file());
}

#[test]
fn init_keeps_declared_custom_workloads_so_the_file_it_writes_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/custom-rules/tags");
    let out = Command::cargo_bin("mlguard")
        .unwrap()
        .args(["init", "--print", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("custom_workloads = [\"analytics\"]"),
        "{text}"
    );
    assert!(
        text.contains("\"aws_iam_role.reports\" = [\"analytics\"]"),
        "{text}"
    );
    Config::parse("mlguard.toml", &text).expect("the written file is a valid configuration");
}
