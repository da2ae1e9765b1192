//! A scanned tree written by an attacker: links out of it, FIFOs, devices, huge files. The built
//! binary never reads outside the tree, never blocks and never reads without bound.
#![cfg(unix)]

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Content that lives outside the scanned tree: it must never show up in any output.
const SECRET: &str = "topsecret-from-outside";

struct Setup {
    _dir: tempfile::TempDir,
    /// The scanned tree (no git repository around it: the root is the tree itself).
    tree: PathBuf,
    /// Next to the tree, not under it.
    outside: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let tree = base.join("tree");
    let outside = base.join("outside");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(outside.join("evil")).unwrap();
    std::fs::write(outside.join("secret.txt"), format!("{SECRET}\n")).unwrap();
    std::fs::write(
        outside.join("evil/main.tf"),
        format!("resource \"aws_s3_bucket\" \"evil\" {{\n  bucket = \"{SECRET}\"\n}}\n"),
    )
    .unwrap();
    Setup {
        _dir: dir,
        tree,
        outside,
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    fn assert_no_secret(&self) {
        assert!(!self.stdout.contains(SECRET), "stdout: {}", self.stdout);
        assert!(!self.stderr.contains(SECRET), "stderr: {}", self.stderr);
    }

    /// The JSON document's error messages with their files.
    fn errors(&self) -> Vec<(String, String)> {
        self.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["file"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn has_error(&self, file: &str, says: &str) -> bool {
        self.errors()
            .iter()
            .any(|(f, m)| f == file && m.contains(says))
    }
}

/// Run the binary; a read that blocks fails the test by the timeout instead of hanging it.
fn run(args: &[&str]) -> Run {
    let out = cargo_bin_cmd!("mlguard")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let code = out
        .status
        .code()
        .expect("exited, not killed by the timeout");
    Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every report that shows bucket names or values, for one tree.
fn every_report(tree: &Path) -> Vec<Run> {
    let t = path(tree);
    vec![
        run(&["scan", t]),
        run(&["scan", "--format", "json", t]),
        run(&["inventory", t]),
        run(&["inventory", "--format", "json", t]),
        run(&["access", t]),
        run(&["access", "--format", "json", t]),
    ]
}

#[test]
fn file_through_a_linked_directory_is_refused_and_a_file_inside_is_read() {
    let s = setup();
    symlink(&s.outside, s.tree.join("etc")).unwrap();
    write(&s.tree.join("names/inside.txt"), "inside-name\n");
    write(
        &s.tree.join("main.tf"),
        r#"resource "aws_s3_bucket" "leak" {
  bucket = trimspace(file("etc/secret.txt"))
}
resource "aws_s3_bucket" "fine" {
  bucket = trimspace(file("names/inside.txt"))
}
"#,
    );
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
    let inventory = run(&["inventory", "--format", "json", path(&s.tree)]);
    assert!(
        inventory.stdout.contains("inside-name"),
        "the control is read"
    );
    let scan = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(scan.code, 1);
    assert!(
        scan.has_error(
            "main.tf",
            "file `etc/secret.txt` resolves outside the scanned tree"
        ),
        "{:?}",
        scan.errors()
    );
    let human = run(&["scan", path(&s.tree)]);
    assert!(human.stdout.contains("etc/secret.txt"), "{}", human.stdout);
}

#[test]
fn a_linked_file_never_becomes_a_bucket_name() {
    let s = setup();
    symlink(s.outside.join("secret.txt"), s.tree.join("name.txt")).unwrap();
    write(
        &s.tree.join("main.tf"),
        r#"resource "aws_s3_bucket" "b" {
  bucket = file("name.txt")
}
resource "aws_s3_bucket" "abs" {
  bucket = file("/etc/passwd")
}
"#,
    );
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
    let scan = run(&["scan", "--format", "json", path(&s.tree)]);
    assert!(scan.has_error("main.tf", "file `name.txt` resolves outside"));
    assert!(scan.has_error("main.tf", "file `/etc/passwd` resolves outside"));
}

#[test]
fn a_variables_file_linked_out_of_the_tree_is_refused_without_a_snippet() {
    let s = setup();
    // content that would not parse: today's parse error would quote it
    std::fs::write(s.outside.join("secret.txt"), format!("{SECRET} ={{\n")).unwrap();
    symlink(
        s.outside.join("secret.txt"),
        s.tree.join("terraform.tfvars"),
    )
    .unwrap();
    write(
        &s.tree.join("main.tf"),
        "variable \"x\" {\n  default = \"a\"\n}\n",
    );
    for args in [vec!["scan"], vec!["scan", "--format", "json"]] {
        let mut args = args.clone();
        args.push(path(&s.tree));
        let r = run(&args);
        r.assert_no_secret();
        assert_eq!(r.code, 1, "{}", r.stdout);
    }
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert!(
        r.has_error(
            "terraform.tfvars",
            "this variables file resolves outside the scanned tree"
        ),
        "{:?}",
        r.errors()
    );
}

#[test]
fn a_module_through_a_linked_directory_is_refused() {
    let s = setup();
    symlink(&s.outside, s.tree.join("mods")).unwrap();
    write(
        &s.tree.join("main.tf"),
        "module \"m\" {\n  source = \"./mods/evil\"\n}\n",
    );
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(
        r.has_error(
            "main.tf",
            "module.m comes from `./mods/evil`, which resolves outside"
        ),
        "{:?}",
        r.errors()
    );
}

#[test]
fn a_module_manifest_dir_outside_the_tree_is_refused() {
    let s = setup();
    let absolute = s.outside.join("evil");
    write(
        &s.tree.join(".terraform/modules/modules.json"),
        &serde_json::json!({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "abs", "Source": "registry/abs", "Dir": path(&absolute)},
            {"Key": "up", "Source": "registry/up", "Dir": "../outside/evil"},
            {"Key": "ok", "Source": "registry/ok", "Dir": ".terraform/modules/ok"},
        ]})
        .to_string(),
    );
    write(
        &s.tree.join(".terraform/modules/ok/main.tf"),
        "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"downloaded-inside\"\n}\n",
    );
    write(
        &s.tree.join("main.tf"),
        "module \"abs\" {\n  source = \"registry/abs\"\n}\nmodule \"up\" {\n  source = \"registry/up\"\n}\nmodule \"ok\" {\n  source = \"registry/ok\"\n}\n",
    );
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
    let inventory = run(&["inventory", "--format", "json", path(&s.tree)]);
    assert!(
        inventory.stdout.contains("downloaded-inside"),
        "the control is read"
    );
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    for key in ["abs", "up"] {
        assert!(
            r.has_error("main.tf", &format!("module.{key} is in `")),
            "{key}: {:?}",
            r.errors()
        );
    }
}

#[test]
fn a_fifo_named_like_a_variables_file_or_read_by_file_does_not_block() {
    let s = setup();
    mkfifo(&s.tree.join("a.auto.tfvars"));
    mkfifo(&s.tree.join("pipe.txt"));
    mkfifo(&s.tree.join("policy.json"));
    std::fs::create_dir_all(s.tree.join(".terraform/modules")).unwrap();
    mkfifo(&s.tree.join(".terraform/modules/modules.json"));
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = file(\"pipe.txt\")\n}\n",
    );
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(r.has_error(
        "a.auto.tfvars",
        "this variables file is a FIFO, not a regular file"
    ));
    assert!(r.has_error("main.tf", "file `pipe.txt` is a FIFO, not a regular file"));
    assert!(r.has_error(
        ".terraform/modules/modules.json",
        "this module manifest is a FIFO"
    ));
    // a JSON file is read only to see whether it is a policy: a warning
    let warnings = r.json()["warnings"].to_string();
    assert!(warnings.contains("this JSON file is a FIFO"), "{warnings}");
}

#[test]
fn links_to_a_device_are_refused_and_a_chosen_device_stops_at_the_limit() {
    let s = setup();
    symlink("/dev/zero", s.tree.join("zero.auto.tfvars")).unwrap();
    symlink("/dev/zero", s.tree.join("zero.txt")).unwrap();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = file(\"zero.txt\")\n}\n",
    );
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(r.has_error("zero.auto.tfvars", "resolves outside the scanned tree"));
    assert!(r.has_error("main.tf", "file `zero.txt` resolves outside"));
    // the user's own --var-file is read, but never past the limit
    let r = run(&[
        "scan",
        "--format",
        "json",
        "--var-file",
        "/dev/zero",
        path(&s.tree),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.errors()
            .iter()
            .any(|(_, m)| m.contains("larger than the 16 MiB limit")),
        "{:?}",
        r.errors()
    );
}

#[test]
fn pre_commit_file_arguments_with_hostile_siblings_do_not_block_or_leak() {
    let s = setup();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"fine\"\n}\n",
    );
    mkfifo(&s.tree.join("fifo.tf"));
    symlink("/dev/zero", s.tree.join("zero.tf")).unwrap();
    symlink(s.outside.join("evil/main.tf"), s.tree.join("evil.tf")).unwrap();
    let main = s.tree.join("main.tf");
    let r = run(&["scan", "--format", "json", path(&main)]);
    r.assert_no_secret();
    assert_eq!(r.json()["summary"]["resources"], 1, "{}", r.stdout);
    // a file argument that is itself a link out of the tree is refused, not followed
    let evil = s.tree.join("evil.tf");
    for args in [
        vec!["scan", path(&evil)],
        vec!["scan", "--format", "json", path(&evil)],
        vec!["inventory", "--format", "json", path(&evil)],
    ] {
        let r = run(&args);
        r.assert_no_secret();
    }
    let r = run(&["scan", "--format", "json", path(&evil)]);
    assert_eq!(r.code, 1);
    // file arguments are shown relative to the working directory
    assert!(
        r.errors().iter().any(|(f, m)| f.ends_with("tree/evil.tf")
            && m.contains("this file resolves outside the scanned tree")),
        "{:?}",
        r.errors()
    );
}

#[test]
fn discovery_follows_links_inside_the_tree_only() {
    let s = setup();
    write(
        &s.tree.join("lib/bucket.tf.src"),
        "resource \"aws_s3_bucket\" \"shared\" {\n  bucket = \"linked-inside\"\n}\n",
    );
    std::fs::create_dir_all(s.tree.join("app")).unwrap();
    symlink("../lib/bucket.tf.src", s.tree.join("app/bucket.tf")).unwrap();
    symlink(s.outside.join("evil/main.tf"), s.tree.join("app/evil.tf")).unwrap();
    // a linked directory is not walked into
    symlink(&s.outside, s.tree.join("vendor")).unwrap();
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
    let inventory = run(&["inventory", "--format", "json", path(&s.tree)]);
    assert!(inventory.stdout.contains("linked-inside"));
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.json()["summary"]["resources"], 1);
    assert!(
        r.has_error("app/evil.tf", "this file resolves outside the scanned tree"),
        "{:?}",
        r.errors()
    );
    assert_eq!(r.errors().len(), 1, "{:?}", r.errors());
}

#[test]
fn a_file_over_the_size_limit_is_an_error_and_the_rest_is_scanned() {
    let s = setup();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"fine\"\n}\n",
    );
    let big = std::fs::File::create(s.tree.join("big.tf")).unwrap();
    big.set_len(17 << 20).unwrap();
    let json = std::fs::File::create(s.tree.join("data.json")).unwrap();
    json.set_len(17 << 20).unwrap();
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(
        r.has_error(
            "big.tf",
            "is larger than the 16 MiB limit for one file (17.0 MiB)"
        ),
        "{:?}",
        r.errors()
    );
    assert_eq!(r.errors().len(), 1, "{:?}", r.errors());
    assert_eq!(r.json()["summary"]["resources"], 1);
    let warnings = r.json()["warnings"].to_string();
    assert!(warnings.contains("data.json"), "{warnings}");
}

#[test]
fn too_many_jobs_are_clamped() {
    let s = setup();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"fine\"\n}\n",
    );
    let r = run(&[
        "scan",
        "--jobs",
        "100000",
        "--format",
        "json",
        path(&s.tree),
    ]);
    assert_eq!(r.json()["summary"]["resources"], 1);
    assert!(r.stderr.contains("--jobs 100000"), "{}", r.stderr);
}

#[test]
fn a_repositorys_config_and_rules_cannot_link_out_or_block() {
    let s = setup();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"fine\"\n}\n",
    );
    // content that would not parse as TOML or Cedar: an error would quote it
    std::fs::write(s.outside.join("secret.txt"), format!("{SECRET} ={{\n")).unwrap();
    symlink(s.outside.join("secret.txt"), s.tree.join("mlguard.toml")).unwrap();
    let r = run(&["scan", path(&s.tree)]);
    r.assert_no_secret();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("resolves outside"), "{}", r.stderr);

    std::fs::remove_file(s.tree.join("mlguard.toml")).unwrap();
    write(&s.tree.join("mlguard.toml"), "");
    std::fs::create_dir_all(s.tree.join("policies")).unwrap();
    symlink(
        s.outside.join("secret.txt"),
        s.tree.join("policies/x.cedar"),
    )
    .unwrap();
    let r = run(&["scan", path(&s.tree)]);
    r.assert_no_secret();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("links outside"), "{}", r.stderr);

    std::fs::remove_file(s.tree.join("policies/x.cedar")).unwrap();
    mkfifo(&s.tree.join("policies/x.cedar"));
    let r = run(&["scan", path(&s.tree)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a FIFO"), "{}", r.stderr);
}

#[test]
fn ignore_files_that_link_out_block_or_stream_are_not_read() {
    let s = setup();
    write(
        &s.tree.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"fine\"\n}\n",
    );
    write(
        &s.tree.join("sub/main.tf"),
        "resource \"aws_s3_bucket\" \"c\" {\n  bucket = \"hidden\"\n}\n",
    );
    // at the top: every ignore file is off, and everything is scanned
    symlink("/dev/zero", s.tree.join(".ignore")).unwrap();
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(
        r.has_error(
            ".ignore",
            "this ignore file resolves outside the scanned tree"
        ),
        "{:?}",
        r.errors()
    );
    assert_eq!(r.json()["summary"]["resources"], 2);

    // below the top: that directory is skipped and says so
    std::fs::remove_file(s.tree.join(".ignore")).unwrap();
    mkfifo(&s.tree.join("sub/.gitignore"));
    let r = run(&["scan", "--format", "json", path(&s.tree)]);
    assert_eq!(r.code, 1);
    assert!(
        r.has_error("sub/.gitignore", "this ignore file is a FIFO"),
        "{:?}",
        r.errors()
    );
    assert_eq!(r.json()["summary"]["resources"], 1);

    // a link to a file outside: its lines would show in a glob error
    std::fs::remove_file(s.tree.join("sub/.gitignore")).unwrap();
    std::fs::write(s.outside.join("secret.txt"), format!("{{{SECRET}\n")).unwrap();
    symlink(s.outside.join("secret.txt"), s.tree.join(".gitignore")).unwrap();
    for r in every_report(&s.tree) {
        r.assert_no_secret();
    }
}

#[test]
fn fileset_lists_inside_the_tree_only() {
    let s = setup();
    symlink(&s.outside, s.tree.join("etc")).unwrap();
    write(&s.tree.join("names/inside.txt"), "x\n");
    write(
        &s.tree.join("main.tf"),
        r#"resource "aws_s3_bucket" "listed" {
  for_each = fileset(".", "**/*.txt")
  bucket   = replace(each.key, "/", "-")
}
resource "aws_s3_bucket" "linked" {
  for_each = fileset("etc", "*")
  bucket   = each.key
}
resource "aws_s3_bucket" "up" {
  for_each = fileset("..", "**")
  bucket   = replace(each.key, "/", "-")
}
"#,
    );
    let r = run(&["inventory", "--format", "json", path(&s.tree)]);
    r.assert_no_secret();
    assert!(r.stdout.contains("names-inside.txt"), "{}", r.stdout);
    assert!(!r.stdout.contains("secret.txt"), "{}", r.stdout);
    let scan = run(&["scan", "--format", "json", path(&s.tree)]);
    assert!(
        scan.stdout.contains("is outside the scanned tree"),
        "{}",
        scan.stdout
    );
    assert!(!scan.stdout.contains("secret.txt"), "{}", scan.stdout);
}
