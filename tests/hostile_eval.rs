//! Hostile configurations against the built binary: every input is generated into a temporary
//! tree. The scan must end (no stack overflow, no unbounded work), keep what it can evaluate, and
//! report what it could not as an error entry, so the exit code is 1.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// A scan tree: the files given, under a directory that ends the tree (a `.git` marker).
/// The buckets these tests name `ml-raw...` are raw by the config file: a name alone gives no
/// tier without ML evidence in its unit (model.md, "Datastores and tiers" step 4).
fn raw_by_config() -> (&'static str, String) {
    (
        "mlguard.toml",
        "[tiers]\n\"arn:aws:s3:::ml-raw*\" = \"raw\"\n".to_string(),
    )
}

fn tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".git"), "").unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    tmp
}

struct Scan {
    code: i32,
    doc: Value,
    took: Duration,
}

impl Scan {
    fn errors(&self) -> Vec<String> {
        self.doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{}:{}:{}: {}",
                    e["file"].as_str().unwrap_or(""),
                    e["line"],
                    e["column"],
                    e["message"].as_str().unwrap()
                )
            })
            .collect()
    }

    fn rules(&self) -> Vec<String> {
        let mut rules: Vec<String> = self.doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}:{}",
                    f["rule"].as_str().unwrap(),
                    f["file"].as_str().unwrap(),
                    f["line"]
                )
            })
            .collect();
        rules.sort();
        rules
    }

    fn summary(&self, key: &str) -> u64 {
        self.doc["summary"][key].as_u64().unwrap()
    }

    /// Exactly one error, containing `needle`; returns it.
    fn one_error(&self, needle: &str) -> String {
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains(needle), "{errors:#?}");
        assert_eq!(self.code, 1);
        errors[0].clone()
    }
}

fn scan(dir: &tempfile::TempDir, extra: &[&str]) -> Scan {
    let start = Instant::now();
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(dir.path())
        .output()
        .unwrap();
    let took = start.elapsed();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}), exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Scan { code, doc, took }
}

/// The name `mlguard inventory` gives the only bucket of a tree: proves a value evaluated.
fn bucket_name(dir: &tempfile::TempDir) -> String {
    let out = cargo_bin_cmd!("mlguard")
        .args(["inventory", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["data_stores"][0]["name"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// `n` locals, each the one before it, written last-first: `l{n-1} = local.l{n-2}` ... `l0`.
fn chained_locals(n: usize, link: &str) -> String {
    let mut tf = String::from("locals {\n");
    for i in (1..n).rev() {
        let prev = format!("local.l{}", i - 1);
        writeln!(tf, "  l{i} = {}", link.replace("PREV", &prev)).unwrap();
    }
    tf.push_str("  l0 = \"ml-raw-data\"\n}\n");
    writeln!(
        tf,
        "resource \"aws_s3_bucket\" \"raw\" {{\n  bucket = local.l{}\n}}",
        n - 1
    )
    .unwrap();
    tf
}

#[test]
fn ten_thousand_chained_locals_evaluate_to_the_right_value() {
    let dir = tree(&[("main.tf", chained_locals(10_000, "PREV"))]);
    let s = scan(&dir, &[]);
    assert_eq!(s.errors(), Vec::<String>::new());
    assert_eq!(s.summary("resources"), 1);
    assert_eq!(bucket_name(&dir), "ml-raw-data");
}

#[test]
fn chained_locals_through_functions_and_templates_evaluate() {
    // three evaluation levels per link
    let dir = tree(&[("main.tf", chained_locals(10_000, "lower(\"${PREV}\")"))]);
    let s = scan(&dir, &[]);
    assert_eq!(s.errors(), Vec::<String>::new());
    assert_eq!(bucket_name(&dir), "ml-raw-data");
}

#[test]
fn a_chain_deeper_than_the_depth_budget_is_an_error_not_a_crash() {
    let dir = tree(&[("main.tf", chained_locals(60_000, "PREV"))]);
    let s = scan(&dir, &[]);
    let e = s.one_error("evaluation nests deeper than 50000 levels here");
    assert!(e.contains("treated as unknown"), "{e}");
    // the bucket is still there, its name unknown
    assert_eq!(s.summary("resources"), 1);
}

#[test]
fn two_thousand_chained_resource_references_evaluate() {
    let mut tf = String::new();
    for i in (1..2_000).rev() {
        writeln!(
            tf,
            "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"${{aws_s3_bucket.b{}.bucket}}-x\"\n}}",
            i - 1
        )
        .unwrap();
    }
    tf.push_str("resource \"aws_s3_bucket\" \"b0\" {\n  bucket = \"ml-raw\"\n}\n");
    let dir = tree(&[("main.tf", tf), raw_by_config()]);
    let s = scan(&dir, &["--select", "DT009"]);
    assert_eq!(s.errors(), Vec::<String>::new());
    assert_eq!(s.summary("resources"), 2_000);
    // every bucket's name starts with ml-raw, so the config makes all raw, and all lack a
    // public access block
    assert_eq!(s.rules().len(), 2_000);
}

#[test]
fn a_thousand_chained_variable_defaults_evaluate() {
    let mut tf = String::new();
    for i in (1..1_000).rev() {
        writeln!(tf, "variable \"v{i}\" {{\n  default = var.v{}\n}}", i - 1).unwrap();
    }
    tf.push_str("variable \"v0\" {\n  default = \"ml-raw-data\"\n}\n");
    tf.push_str("resource \"aws_s3_bucket\" \"raw\" {\n  bucket = var.v999\n}\n");
    let dir = tree(&[("main.tf", tf)]);
    let s = scan(&dir, &[]);
    assert_eq!(s.errors(), Vec::<String>::new());
    assert_eq!(bucket_name(&dir), "ml-raw-data");
}

#[test]
fn a_thousand_chained_module_outputs_evaluate() {
    let mut tf = String::new();
    for i in (1..1_000).rev() {
        writeln!(
            tf,
            "module \"m{i}\" {{\n  source = \"./child\"\n  x = module.m{}.out\n}}",
            i - 1
        )
        .unwrap();
    }
    tf.push_str("module \"m0\" {\n  source = \"./child\"\n  x = \"ml-raw-data\"\n}\n");
    tf.push_str("resource \"aws_s3_bucket\" \"raw\" {\n  bucket = module.m999.out\n}\n");
    let child = "variable \"x\" {}\noutput \"out\" {\n  value = var.x\n}\n".to_string();
    let dir = tree(&[("main.tf", tf), ("child/main.tf", child)]);
    let s = scan(&dir, &[]);
    assert_eq!(s.errors(), Vec::<String>::new());
    assert_eq!(s.summary("modules"), 1_001);
    assert_eq!(bucket_name(&dir), "ml-raw-data");
}

#[test]
fn a_template_that_renders_itself_is_an_error() {
    let dir = tree(&[
        ("t.tpl", "x${templatefile(\"t.tpl\", {})}".to_string()),
        (
            "main.tf",
            "resource \"aws_s3_bucket\" \"raw\" {\n  bucket = \"ml-raw-data\"\n  tags = { t = templatefile(\"t.tpl\", {}) }\n}\n"
                .to_string(),
        ),
        raw_by_config(),
    ]);
    let s = scan(&dir, &[]);
    let e = s.one_error("`templatefile` calls nest deeper than 16 levels here");
    assert!(e.starts_with("t.tpl:1:"), "{e}");
    // the bucket is still analysed
    assert!(
        s.rules().iter().any(|r| r.starts_with("DT009")),
        "{:?}",
        s.rules()
    );
}

#[test]
fn templatefile_fan_out_of_two_to_the_29_ends_with_an_error() {
    let mut files = Vec::new();
    for i in 0..29 {
        let next = format!("t{}.tpl", i + 1);
        files.push((
            format!("t{i}.tpl"),
            format!(
                "${{try(templatefile(\"{next}\", {{}}), \"\")}}${{try(templatefile(\"{next}\", {{}}), \"\")}}"
            ),
        ));
    }
    files.push(("t29.tpl".into(), "leaf".into()));
    files.push((
        "main.tf".into(),
        "locals {\n  t = templatefile(\"t0.tpl\", {})\n}\n".into(),
    ));
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let dir = tree(&files);
    let s = scan(&dir, &[]);
    assert_eq!(s.code, 1);
    let errors = s.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`templatefile` calls nest deeper than 16 levels")),
        "{errors:#?}"
    );
    assert!(s.took < Duration::from_secs(120), "{:?}", s.took);
}

#[test]
fn a_triple_for_of_a_billion_iterations_stops_at_the_step_budget() {
    let tf = "locals {\n  x = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n}\n\
              resource \"aws_s3_bucket\" \"raw\" {\n  bucket = \"ml-raw-data\"\n}\n";
    let dir = tree(&[("main.tf", tf.to_string())]);
    let s = scan(&dir, &[]);
    let e = s.one_error("stopped here after 5000000 steps");
    assert!(e.starts_with("main.tf:2:"), "{e}");
    assert!(s.took < Duration::from_secs(120), "{:?}", s.took);
}

#[test]
fn nine_locals_joining_the_previous_ten_times_stop_at_the_string_limit() {
    let mut tf = format!("locals {{\n  l0 = \"{}\"\n", "a".repeat(1000));
    for i in 1..10 {
        let prev = vec![format!("local.l{}", i - 1); 10].join(", ");
        writeln!(tf, "  l{i} = join(\"\", [{prev}])").unwrap();
    }
    tf.push_str(
        "}\nresource \"aws_s3_bucket\" \"raw\" {\n  bucket = \"ml-raw-${length(local.l9)}\"\n}\n",
    );
    let dir = tree(&[("main.tf", tf)]);
    let s = scan(&dir, &[]);
    // l5 would be 100 MB
    let e = s.one_error("longer than the 16 MiB allowed");
    assert!(e.starts_with("main.tf:7:"), "{e}");
}

#[test]
fn module_count_times_resource_count_stops_at_the_instance_budget() {
    let dir = tree(&[
        (
            "main.tf",
            "module \"m\" {\n  source = \"./m\"\n  count  = 1000\n}\n".to_string(),
        ),
        (
            "m/main.tf",
            "resource \"terraform_data\" \"x\" {\n  count = 1000\n  input = count.index\n}\n"
                .to_string(),
        ),
    ]);
    let s = scan(&dir, &[]);
    let e = s.one_error("would take this root module past 100000 resource and module instances");
    assert!(e.starts_with("m/main.tf:1:"), "{e}");
}

#[test]
fn a_count_over_the_block_limit_is_an_error() {
    let dir = tree(&[(
        "main.tf",
        "resource \"aws_s3_bucket\" \"raw\" {\n  count  = 1e9\n  bucket = \"ml-raw-${count.index}\"\n}\n"
            .to_string(),
    )]);
    let s = scan(&dir, &[]);
    s.one_error("is more than the 100000 instances one block may have");
}

#[test]
fn a_value_nested_past_the_depth_limit_is_an_error() {
    let dir = tree(&[("main.tf", chained_locals(300, "[PREV]"))]);
    let s = scan(&dir, &[]);
    s.one_error("a value nested deeper than 256 levels");
}

const VIOLATIONS: &str = "resource \"aws_s3_bucket\" \"raw\" {\n  bucket = \"ml-raw-data\"\n}\n";

#[test]
fn a_module_calling_its_own_directory_is_an_error_and_the_module_is_still_scanned() {
    let clean = tree(&[("main.tf", VIOLATIONS.to_string()), raw_by_config()]);
    let expected = scan(&clean, &[]).rules();
    assert!(!expected.is_empty());
    let looped = tree(&[
        ("main.tf", VIOLATIONS.to_string()),
        (
            "loop.tf",
            "module \"x\" {\n  source = \"./\"\n}\n".to_string(),
        ),
        raw_by_config(),
    ]);
    let s = scan(&looped, &[]);
    assert_eq!(s.rules(), expected);
    assert_eq!(s.summary("resources"), 1);
    let e = s.one_error("module.x calls the directory of the module it is declared in");
    assert!(e.starts_with("loop.tf:2:12:"), "{e}");
}

#[test]
fn a_root_and_module_cycle_is_an_error_and_both_are_still_scanned() {
    let dir = tree(&[
        (
            "main.tf",
            format!("{VIOLATIONS}module \"sub\" {{\n  source = \"./sub\"\n}}\n"),
        ),
        (
            "sub/main.tf",
            "resource \"aws_s3_bucket\" \"two\" {\n  bucket = \"ml-raw-two\"\n}\nmodule \"back\" {\n  source = \"../\"\n}\n"
                .to_string(),
        ),
        raw_by_config(),
    ]);
    let s = scan(&dir, &[]);
    assert_eq!(s.summary("resources"), 2);
    let rules = s.rules();
    assert!(rules.iter().any(|r| r == "DT009 main.tf:1"), "{rules:?}");
    assert!(
        rules.iter().any(|r| r == "DT009 sub/main.tf:1"),
        "{rules:?}"
    );
    let e = s.one_error("module.back calls `../`, a module that (indirectly) calls this one");
    assert!(e.starts_with("sub/main.tf:5:12:"), "{e}");
}

#[test]
fn a_cycle_between_two_modules_under_a_root_keeps_the_root() {
    let dir = tree(&[
        (
            "main.tf",
            format!("{VIOLATIONS}module \"a\" {{\n  source = \"./mods/a\"\n}}\n"),
        ),
        (
            "mods/a/main.tf",
            "module \"b\" {\n  source = \"../b\"\n}\n".to_string(),
        ),
        (
            "mods/b/main.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"ml-raw-b\"\n}\nmodule \"a\" {\n  source = \"../a\"\n}\n"
                .to_string(),
        ),
    ]);
    let s = scan(&dir, &[]);
    // one root (the top); the modules are evaluated once, through it
    assert_eq!(s.summary("resources"), 2);
    s.one_error("module.a calls `../a`, a module that (indirectly) calls this one");
}

#[test]
fn the_human_format_reports_a_budget_error_too() {
    let dir = tree(&[("main.tf", chained_locals(300, "[PREV]"))]);
    let out = cargo_bin_cmd!("mlguard")
        .arg("scan")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("a value nested deeper than 256 levels"),
        "{text}"
    );
}

#[test]
fn a_budget_error_inside_try_is_still_reported() {
    let mut tf = format!("locals {{\n  l0 = \"{}\"\n", "a".repeat(1000));
    for i in 1..10 {
        let prev = vec![format!("local.l{}", i - 1); 10].join(", ");
        writeln!(tf, "  l{i} = try(join(\"\", [{prev}]), \"small\")").unwrap();
    }
    tf.push_str("}\n");
    let dir = tree(&[("main.tf", tf)]);
    let s = scan(&dir, &[]);
    s.one_error("longer than the 16 MiB allowed");
}

#[test]
fn functions_over_large_collections_in_loops_spend_the_step_budget() {
    // 100,000 sorts of a 1,000-element list: few iterations, much work
    let tf = "locals {\n  big = range(1000)\n  x = [for i in range(1000) : [for j in range(100) : sort(local.big)]]\n}\n";
    let dir = tree(&[("main.tf", tf.to_string())]);
    let s = scan(&dir, &[]);
    let e = s.one_error("stopped here after 5000000 steps");
    assert!(e.starts_with("main.tf:3:"), "{e}");
}

#[test]
fn flattening_many_copies_of_a_large_string_stops_at_the_copy_limit() {
    // a 1 MiB string, 16 references to it, then 1,000 lists of those flattened: 16 GB of copies
    let tf = format!(
        "locals {{\n  k = \"{}\"\n  big = join(\"\", [for i in range(1024) : local.k])\n  \
         sixteen = [for i in range(16) : local.big]\n  \
         x = flatten([for i in range(1000) : local.sixteen])\n}}\n",
        "a".repeat(1024)
    );
    let dir = tree(&[("main.tf", tf)]);
    let s = scan(&dir, &[]);
    let e = s.one_error("more than the 256 MiB allowed");
    assert!(e.starts_with("main.tf:5:"), "{e}");
}
