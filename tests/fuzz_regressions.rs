//! Inputs the fuzz targets (fuzz/, scripts/fuzz.sh) found crashing, replayed through the built
//! binary the way a user meets them. Every file under tests/fuzz-regressions/TARGET/ is one input
//! in the form that target reads; a named test below says what each one broke.
//!
//! A replay passes when mlguard exits with one of its own codes (0 clean, 1 findings or errors,
//! 2 usage): a panic exits 101 and an abort (stack overflow) dies by a signal.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longest a replay may take: every input here is small, and a scan of it is quick once fixed.
const REPLAY_TIMEOUT: Duration = Duration::from_secs(60);

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// The packed form of the `hcl_eval` target (fuzz/src/lib.rs, `unpack`): text before the first
/// `#%% PATH` line is `main.tf`, each such line starts another file. Paths are cleaned the same way.
fn unpack(input: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = vec![("main.tf".into(), String::new())];
    for line in input.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("#%% ") {
            let parts: Vec<&str> = name
                .trim_end_matches(['\n', '\r'])
                .split('/')
                .filter(|p| !p.is_empty())
                .collect();
            let ok = |p: &&str| {
                p.len() <= 64
                    && *p != "."
                    && *p != ".."
                    && *p != ".git"
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            };
            if files.len() < 16 && !parts.is_empty() && parts.len() <= 4 && parts.iter().all(ok) {
                files.push((parts.join("/"), String::new()));
                continue;
            }
        }
        files
            .last_mut()
            .expect("one file at least")
            .1
            .push_str(line);
    }
    files
}

fn write_tree(dir: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        let full = dir.join(path);
        if full.is_dir() {
            continue;
        }
        std::fs::create_dir_all(full.parent().expect("a file has a parent")).unwrap();
        std::fs::write(&full, text).unwrap();
    }
}

/// Run mlguard and fail on a panic, an abort or a hang.
fn run_mlguard(args: &[&str], what: &str) {
    let out = cargo_bin_cmd!("mlguard")
        .args(args)
        .timeout(REPLAY_TIMEOUT)
        .output()
        .expect("mlguard runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: mlguard {args:?} ended with {:?}\n{}",
        out.status,
        stderr.chars().take(4000).collect::<String>()
    );
    assert!(
        !stderr.contains("panicked"),
        "{what}: mlguard {args:?} panicked\n{stderr}"
    );
}

/// A Terraform tree: scanned, and its access report, inventory and evidence written, in every format.
fn replay_tree(files: &[(String, String)], what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), files);
    let dir = tmp.path().to_str().unwrap();
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        run_mlguard(&["scan", "--format", format, dir], what);
    }
    for format in ["human", "json", "markdown"] {
        run_mlguard(&["access", "--format", format, dir], what);
    }
    for format in ["json", "markdown"] {
        run_mlguard(&["inventory", "--format", format, dir], what);
        run_mlguard(&["evidence", "--format", format, dir], what);
    }
}

/// A Cedar rule file, loaded as `check-policies` and as a scan's `--policies` load it.
fn replay_cedar(text: &str, what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("rules.cedar"), text).unwrap();
    std::fs::write(tmp.path().join("main.tf"), "").unwrap();
    run_mlguard(&["check-policies", rules.to_str().unwrap()], what);
    run_mlguard(
        &[
            "scan",
            "--policies",
            rules.to_str().unwrap(),
            tmp.path().to_str().unwrap(),
        ],
        what,
    );
}

/// Replay one input as its target reads it.
fn replay(target: &str, input: &str, what: &str) {
    match target {
        "hcl_eval" => replay_tree(&unpack(input), what),
        "policy_json" => replay_tree(&[("policy.json".into(), input.into())], what),
        "config_toml" => replay_tree(
            &[
                ("mlguard.toml".into(), input.into()),
                (
                    "main.tf".into(),
                    "resource \"aws_s3_bucket\" \"b\" { bucket = \"b\" }\n".into(),
                ),
            ],
            what,
        ),
        "suppressions" => replay_tree(&[("main.tf".into(), input.into())], what),
        "cedar_rules" => replay_cedar(input, what),
        _ => panic!("no fuzz target `{target}`"),
    }
}

/// Every stored input of every target.
#[test]
fn stored_fuzz_inputs_do_not_crash() {
    let mut count = 0;
    for target in [
        "hcl_eval",
        "policy_json",
        "config_toml",
        "suppressions",
        "cedar_rules",
    ] {
        for path in inputs(target) {
            let bytes = std::fs::read(&path).unwrap();
            // the targets skip what is not UTF-8: mlguard reads such a file as unreadable
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            replay(target, &text, &path.display().to_string());
            count += 1;
        }
    }
    // the directory is there: an empty walk would pass without testing anything
    assert!(count > 0, "no inputs under tests/fuzz-regressions/");
}

fn stored(target: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// policy_json: a `Statement` list whose first element is `{}` shifted the statement indices of
/// the access analysis (index out of bounds in access/mod.rs) in `scan`, `access` and `inventory`.
#[test]
fn an_empty_statement_object_before_a_statement_does_not_panic() {
    for name in [
        "empty-statement-object-before-a-statement.json",
        "statement-shape-access-230.json",
    ] {
        let text = stored("policy_json", name);
        replay("policy_json", &text, name);
        // attached where documents attach, as the fuzz target attaches it
        let module = format!(
            "resource \"aws_iam_role\" \"r\" {{\n  name = \"r\"\n}}\n\
             resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"acme-rawvee-nts\"\n}}\n\
             resource \"aws_iam_role_policy\" \"p\" {{\n  role   = aws_iam_role.r.id\n  policy = <<EOT\n{text}\nEOT\n}}\n"
        );
        replay("hcl_eval", &module, name);
    }
}

/// suppressions: a multi-byte character earlier on the line of a `# mlguard:ignore` comment put
/// a byte offset inside it (char boundary panic in suppress.rs); the comment still counts.
#[test]
fn a_multibyte_character_before_a_suppression_comment_does_not_panic() {
    let text = stored("suppressions", "multibyte-before-comment.tf");
    replay("suppressions", &text, "multibyte-before-comment.tf");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), &text).unwrap();
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--format", "json", tmp.path().to_str().unwrap()])
        .timeout(REPLAY_TIMEOUT)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("`é` is not a rule id"),
        "the malformed second comment is reported: {warnings}"
    );
}

/// The replay unpacks inputs as the fuzz target does: paths stay inside the tree.
#[test]
fn packed_inputs_unpack_inside_the_tree() {
    let files = unpack("a = 1\n#%% x.tfvars\nb = 2\n#%% ../../etc/x\nc\n#%% /abs/y.tf\nd\n");
    assert_eq!(
        files,
        vec![
            ("main.tf".to_string(), "a = 1\n".to_string()),
            ("x.tfvars".into(), "b = 2\n#%% ../../etc/x\nc\n".into()),
            ("abs/y.tf".into(), "d\n".into()),
        ]
    );
}
