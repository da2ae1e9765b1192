//! The built binary on code written to attack the tool that reads it: inputs that used to crash
//! it, rule files that used to overflow its stack, and names crafted to inject terminal escapes,
//! GitHub workflow commands, Markdown and HTML into every output format.
#![cfg(unix)]

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    cargo_bin_cmd!("mlguard").args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const TRAINER: &str = r#"
resource "aws_iam_role" "trainer" {
  name               = "ml-trainer"
  assume_role_policy = "{}"
  tags = {
    "mlguard:workload" = "training"
  }
}
"#;

// ---- crashes ----

/// Every element shape JSON allows sits before the statement that grants; none may shift the
/// statement indexes the access analysis uses (`Statement = [{}, {...}]` panicked).
#[test]
fn statement_lists_with_elements_that_are_not_statements_are_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let tf = format!(
        r#"
resource "aws_s3_bucket" "landing" {{
  bucket = "acme-ml-landing"
  tags   = {{ "data-tier" = "raw" }}
}}
{TRAINER}
resource "aws_iam_role_policy" "trainer_data" {{
  name = "read-data"
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{}}, [], "x", 3, null, [[{{}}]], {{ Effect = "Maybe" }},
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${{aws_s3_bucket.landing.arn}}/*"]
      }}
    ]
  }})
}}

resource "aws_s3_bucket_policy" "landing" {{
  bucket = aws_s3_bucket.landing.id
  policy = jsonencode({{
    Statement = [{{}}, "y", [],
      {{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.landing.arn}}/*" }}
    ]
  }})
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), &tf).unwrap();
    let root = path(dir.path());

    let access = run(&["access", root]);
    assert_eq!(access.status.code(), Some(0), "{}", stderr(&access));
    let text = stdout(&access);
    assert!(text.contains("aws_iam_role.trainer (training)"), "{text}");
    assert!(text.contains("via inline read-data [main.tf:"), "{text}");
    assert!(
        text.contains("via resource aws_s3_bucket_policy.landing"),
        "{text}"
    );
    for command in ["inventory", "evidence"] {
        let out = run(&[command, root]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
    }
    let scan = run(&["scan", "--format", "json", root]);
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    let doc: Value = serde_json::from_slice(&scan.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"DT002"), "{rules:?}");
    assert!(rules.contains(&"DT006"), "{rules:?}");
    // the finding points at the statement that grants, the eighth element
    let granting = tf
        .lines()
        .position(|l| l.contains(r#"Action   = ["s3:GetObject"]"#))
        .unwrap()
        - 1;
    let dt002 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "DT002")
        .unwrap();
    assert_eq!(dt002["line"], granting, "{dt002}");
}

/// A multi-byte character in a block comment before a suppression comment (slicing inside `é`
/// panicked); the suppression still applies.
#[test]
fn multi_byte_characters_before_a_suppression_comment_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let tf = format!(
        r#"locals {{
  a = 1 /* é ü 😀 */
}}

resource "aws_s3_bucket" "landing" {{
  bucket = "acme-ml-landing"
  tags   = {{ "data-tier" = "raw" }}
}}
{TRAINER}
# mlguard:ignore DT002 -- the bootstrap job reads raw data once (é)
resource "aws_iam_role_policy" "trainer_data" {{
  name = "read-data"
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.landing.arn}}/*" }}]
  }})
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let out = run(&[
        "scan",
        "--format",
        "json",
        "--select",
        "DT002",
        path(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["suppressed"][0]["rule"], "DT002");
}

/// A policy document's `condition` blocks can be an empty list (`dynamic "condition"` over
/// nothing, or `condition = []`); reading its first element panicked.
#[test]
fn policy_documents_with_no_condition_blocks_are_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let tf = format!(
        r#"
resource "aws_s3_bucket" "landing" {{
  bucket = "acme-ml-landing"
  tags   = {{ "data-tier" = "raw" }}
}}
{TRAINER}
data "aws_iam_policy_document" "d" {{
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.landing.arn}}/*"]
    dynamic "condition" {{
      for_each = []
      content {{
        test     = "StringEquals"
        variable = "aws:PrincipalTag/team"
        values   = ["ml"]
      }}
    }}
  }}
  statement {{
    actions   = ["s3:PutObject"]
    resources = ["${{aws_s3_bucket.landing.arn}}/*"]
    condition = []
  }}
}}

resource "aws_iam_role_policy" "p" {{
  role   = aws_iam_role.trainer.id
  policy = data.aws_iam_policy_document.d.json
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let out = run(&["access", path(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("read ") && text.contains("s3:GetObject"),
        "{text}"
    );
    assert!(
        text.contains("write ") && text.contains("s3:PutObject"),
        "{text}"
    );
    assert!(!text.contains("conditional"), "{text}");
}

/// The analysis marks references to datastores with private-use characters; a literal holding
/// them named a datastore past the last one (index out of bounds) or forged a reference.
#[test]
fn literal_strings_cannot_forge_datastore_references() {
    let dir = tempfile::tempdir().unwrap();
    let tf = format!(
        r#"
resource "aws_s3_bucket" "landing" {{
  bucket = "acme-ml-landing"
  tags   = {{ "data-tier" = "raw" }}
}}
{TRAINER}
resource "aws_iam_role_policy" "trainer_data" {{
  name = "read-data"
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = ["arn:aws:s3:::\uE0109999999\uE011/*", "\uE0109999999\uE011", "arn:aws:s3:::\uE0100\uE011/*"]
    }}]
  }})
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let root = path(dir.path());
    for command in ["access", "inventory", "evidence"] {
        let out = run(&[command, root]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
    }
    let out = stdout(&run(&["access", root]));
    assert!(out.contains("1 datastores, 0 grants"), "{out}");
    let out = run(&["scan", "--select", "DT002", root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// ---- users' rules ----

const RULE_HEAD: &str = r#"@id("US900")
@name("deep")
@severity("low")
@tsc("CC6.1")
@message("m")
@help("h")
forbid (principal, action == MLGuard::Action::"read", resource is MLGuard::Datastore)
when { "#;

fn rule_dir(condition: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deep.cedar"),
        format!("{RULE_HEAD}{condition} }};\n"),
    )
    .unwrap();
    dir
}

/// Cedar's parser recursed once per level: 700 nested parentheses aborted the process (exit
/// 134). Such rules are refused before parsing, with a span in the file, exit 2.
#[test]
fn deeply_nested_users_rules_are_refused_with_their_location() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/rules/DT002-training-reads-raw/fire"
    );
    let deep = rule_dir(&format!("{}true{}", "(".repeat(700), ")".repeat(700)));
    for args in [
        vec!["check-policies", path(deep.path())],
        vec!["scan", "--policies", path(deep.path()), fixture],
        vec!["evidence", "--policies", path(deep.path()), fixture],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("nests expressions more than 64 levels deep"),
            "{err}"
        );
        // the `when` braces are level 1: the 64th parenthesis opens level 65
        assert!(err.contains("deep.cedar:8:71"), "{err}");
        assert!(err.contains("level 65"), "{err}");
    }

    // chains Cedar nests without brackets
    let else_if = rule_dir(&format!("{} true", "if true then true else ".repeat(3000)));
    let members = rule_dir(&format!("resource{}", ".a".repeat(5000)));
    for dir in [&else_if, &members] {
        let out = run(&["check-policies", path(dir.path())]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("levels deep"), "{}", stderr(&out));
    }
    let sum = rule_dir(&format!("{} == 2", vec!["1"; 50_000].join(" + ")));
    let out = run(&["check-policies", path(sum.path())]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has more than 1000 operators"),
        "{}",
        stderr(&out)
    );

    // within the limits the rule loads and runs
    let fine = rule_dir(&format!("{}true{}", "(".repeat(60), ")".repeat(60)));
    let out = run(&["scan", "--policies", path(fine.path()), fixture]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("US900"));
}

/// Rules beside the config file come from the scanned repository: the same check applies.
#[test]
fn deeply_nested_rules_beside_the_config_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/deep.cedar"),
        format!(
            "{RULE_HEAD}{}true{} }};\n",
            "[".repeat(700),
            "]".repeat(700)
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("mlguard.toml"), "").unwrap();
    std::fs::write(dir.path().join("main.tf"), TRAINER).unwrap();
    let out = run(&["scan", path(dir.path())]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("levels deep"), "{}", stderr(&out));
}

/// A rule file from the scanned repository with a raw control character is refused before any
/// error can print it; escapes in its annotations are shown as escapes wherever it is listed.
#[test]
fn users_rules_cannot_write_control_characters_to_the_terminal() {
    let raw = tempfile::tempdir().unwrap();
    std::fs::write(
        raw.path().join("r.cedar"),
        format!("// \u{1b}]0;pwned\u{7}\n{RULE_HEAD}true }};\n"),
    )
    .unwrap();
    let out = run(&["check-policies", path(raw.path())]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("holds the control character U+001B"), "{err}");
    assert!(err.contains("\\u{1b}]0;pwned\\u{7}"), "{err}");
    assert_no_raw_controls("stderr", &err);

    let escaped = tempfile::tempdir().unwrap();
    std::fs::write(
        escaped.path().join("r.cedar"),
        RULE_HEAD
            .replace(r#"@name("deep")"#, r#"@name("deep\u{1b}[2J\n::error::x")"#)
            .replace(r#"@help("h")"#, r#"@help("h\n::error::help")"#)
            + "true };\n",
    )
    .unwrap();
    let out = run(&["rules", "--policies", path(escaped.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&out);
    assert_no_raw_controls("rules", &list);
    assert_no_workflow_commands("rules", &list);
    assert!(list.contains("deep\\u{1b}[2J\\n::error::x"), "{list}");
}

/// A discovered mlguard.toml comes from the repository too: a raw control character in it is a
/// configuration error whose snippet shows it escaped.
#[test]
fn config_errors_show_control_characters_as_escapes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mlguard.toml"),
        "# \u{1b}]0;pwned\u{7} title\n[rules]\nselect = [\"DT002\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("main.tf"), TRAINER).unwrap();
    let out = run(&["scan", path(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_no_raw_controls("stderr", &err);
    assert!(err.contains("# \\u{1b}]0;pwned\\u{7} title"), "{err}");
    assert!(err.contains("mlguard.toml:1:3]"), "{err}");
}

// ---- escaping ----

/// A value that tries everything: a terminal title and colour, BEL, a workflow command after a
/// line break, a Markdown link and image, raw HTML, a table break, an HTML comment that would
/// hide the rest of a comment, backticks.
const EVIL: &str = "x|<img src=https://e.example/t.png onerror=alert(1)>`*_[l](https://e.example)_\u{7}\u{1b}]0;title\u{7}\r\n::error::value\n\n<!-- hidden";

/// `s` as an HCL string literal body.
fn hcl(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("$$"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A tree whose directory, file names, resource labels, bucket names, tag values and policy
/// names all carry [`EVIL`]-like text.
fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("mod\n::error::dir\u{1b}[2J");
    std::fs::create_dir(&module).unwrap();
    let evil = hcl(EVIL);
    let tf = format!(
        r#"resource "aws_s3_bucket" "a\n\n<!--x|`y`<img src=https://e.example/p.png>" {{
  bucket = "acme-raw-{evil}"
  tags = {{
    "data-tier" = "raw"
    "owner"     = "{evil}"
  }}
}}

resource "aws_s3_bucket" "later" {{
  bucket = "acme-raw-later"
  tags   = {{ "data-tier" = "raw" }}
}}

resource "aws_iam_role" "trainer" {{
  name               = "ml-trainer-{evil}"
  assume_role_policy = "{{}}"
  tags = {{
    "mlguard:workload" = "training"
  }}
}}

resource "aws_iam_role_policy" "trainer_data" {{
  name = "read-{evil}"
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = [
          "${{aws_s3_bucket.later.arn}}/*",
          "arn:aws:s3:::acme-raw-{evil}/*",
        ]
      }}
    ]
  }})
}}
"#
    );
    std::fs::write(
        module.join("main\n::error file=a.tf::pwned\u{1b}[31m\u{7}.tf"),
        tf,
    )
    .unwrap();
    // raw control characters in the file's own text reach the code snippets
    std::fs::write(
        module.join("raw.tf"),
        "# raw \u{1b}[31m ESC and \u{7} BEL and \u{9b} CSI\nresource \"aws_s3_bucket\" \"other\" {\n  bucket = \"acme-training-\u{1b}]8;;https://e.example\u{7}x\"\n  tags   = { \"data-tier\" = \"training\" }\n}\n",
    )
    .unwrap();
    // a file name that is a workflow command by itself, with enough findings to list them
    // one per line (the grouped human report)
    let body: String = (0..5)
        .map(|i| {
            format!(
                "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"acme-raw-{i}\"\n  tags   = {{ \"data-tier\" = \"raw\" }}\n}}\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("::error title=pwned::x.tf"), body).unwrap();
    dir
}

/// Raw control characters other than line breaks (and the tabs some formats indent with).
fn assert_no_raw_controls(what: &str, out: &str) {
    for (n, line) in out.lines().enumerate() {
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "{what}: line {} holds a raw control character: {line:?}",
            n + 1
        );
    }
}

/// No line GitHub's runner would run as a workflow command.
fn assert_no_workflow_commands(what: &str, out: &str) {
    for line in out.lines() {
        assert!(
            !line.trim_start().starts_with("::") && !line.contains("##["),
            "{what}: {line:?}"
        );
    }
}

/// A Markdown line with its code spans blanked out and backslash escapes removed: what is left
/// is what renders as markup.
fn outside_code(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() {
            out.push(' ');
            i += 2;
            continue;
        }
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            // the closing run: the next run of exactly the same length
            let mut j = i + run;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let r = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if r == run {
                        close = Some(j + r);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            match close {
                Some(end) => {
                    out.push_str(" CODE ");
                    i = end;
                }
                None => {
                    out.extend(std::iter::repeat_n('`', run));
                    i += run;
                }
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The tags the reports write themselves; any other `<` would be HTML from the code.
const OUR_TAGS: [&str; 11] = [
    "<details>",
    "</details>",
    "<summary>",
    "</summary>",
    "<b>",
    "</b>",
    "<a href=\"https://github.com/mlguard/mlguard/",
    "</a>",
    "<code>",
    "</code>",
    "<br>",
];

/// Markdown that renders as intended: no HTML, link, image or comment from the code, every table
/// row as wide as its header.
fn assert_safe_markdown(what: &str, md: &str) {
    assert_no_raw_controls(what, md);
    assert_no_workflow_commands(what, md);
    let mut columns: Option<usize> = None;
    for line in md.lines() {
        let plain = outside_code(line);
        assert!(!plain.contains("<!--"), "{what}: comment in {line:?}");
        assert!(!plain.contains("]("), "{what}: link in {line:?}");
        assert!(!plain.contains('`'), "{what}: stray backtick in {line:?}");
        for (at, _) in plain.match_indices('<') {
            assert!(
                OUR_TAGS.iter().any(|t| plain[at..].starts_with(t)),
                "{what}: HTML from the code in {line:?}"
            );
        }
        if line.starts_with('|') {
            // cells are split at every `|` not escaped, code spans included
            let bytes = line.as_bytes();
            let bars = (0..bytes.len())
                .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
                .count();
            match columns {
                None => columns = Some(bars),
                Some(n) => assert_eq!(bars, n, "{what}: a row breaks its table: {line:?}"),
            }
        } else {
            columns = None;
        }
    }
}

fn scan_format(root: &str, format: &str) -> (Option<i32>, String) {
    let out = run(&["scan", "--format", format, root]);
    assert_eq!(stderr(&out), "", "{format}");
    (out.status.code(), stdout(&out))
}

#[test]
fn human_output_shows_control_characters_as_escapes_and_no_workflow_commands() {
    let dir = hostile_tree();
    let (code, out) = scan_format(path(dir.path()), "human");
    assert_eq!(code, Some(1));
    assert_no_raw_controls("human", &out);
    assert_no_workflow_commands("human", &out);
    // names and snippets show what they hold
    assert!(
        out.contains(
            "mod\\n::error::dir\\u{1b}[2J/main\\n::error file=a.tf::pwned\\u{1b}[31m\\u{7}.tf"
        ),
        "{out}"
    );
    assert!(out.contains("\\u{3a}:error title=pwned::x.tf:"), "{out}");

    // one file alone: each finding with its snippet, where the file's own control characters
    // show as escapes and the labels still point at the bucket after the escapes moved the text
    let raw = dir.path().join("mod\n::error::dir\u{1b}[2J/raw.tf");
    let out = run(&["scan", path(&raw)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = stdout(&out);
    assert_no_raw_controls("human", &out);
    assert!(
        out.contains("# raw \\u{1b}[31m ESC and \\u{7} BEL and \\u{9b} CSI"),
        "{out}"
    );
    assert!(out.contains("raw.tf:2:1]"), "{out}");
    assert!(
        out.contains("bucket = \"acme-training-\\u{1b}]8;;https://e.example\\u{7}x\""),
        "{out}"
    );
    let label = out
        .lines()
        .find(|l| l.contains("tier-without-public-access-block"))
        .unwrap();
    assert!(
        label.contains("╰──── tier-without-public-access-block"),
        "{out}"
    );
}

/// `scan --repos`: repository names are directory names, shown escaped like file names.
#[test]
fn bulk_scans_escape_repository_names() {
    let dir = hostile_tree();
    let repos = tempfile::tempdir().unwrap();
    let repo = repos.path().join("::error::repo\u{1b}[2J");
    std::fs::create_dir(&repo).unwrap();
    std::fs::create_dir(repo.join(".git")).unwrap();
    let module = dir.path().join("mod\n::error::dir\u{1b}[2J");
    for entry in std::fs::read_dir(&module).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), repo.join(entry.file_name())).unwrap();
    }
    for quiet in [false, true] {
        let mut args = vec!["scan", "--repos", path(repos.path())];
        if quiet {
            args.push("--quiet");
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = stdout(&out);
        assert_no_raw_controls("bulk", &text);
        assert_no_workflow_commands("bulk", &text);
        assert!(text.contains("\\u{3a}:error::repo\\u{1b}[2J"), "{text}");
    }
}

#[test]
fn the_pull_request_comment_lists_every_finding_and_embeds_nothing() {
    let dir = hostile_tree();
    let root = path(dir.path());
    let (_, json) = scan_format(root, "json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let findings = doc["findings"].as_array().unwrap().len();
    assert!(findings > 10);
    let (code, md) = scan_format(root, "markdown");
    assert_eq!(code, Some(1));
    assert_safe_markdown("markdown", &md);
    // a label holding `\n\n<!--` hides nothing: every finding has its entry
    let entries = md
        .lines()
        .filter(|l| l.starts_with("<details><summary>") && l.contains(" line "))
        .count();
    assert_eq!(entries, findings);
    assert!(md.contains("aws_s3_bucket.a\\n\\n&lt;!--x|</code>y<code>&lt;img"));
}

#[test]
fn github_annotations_keep_each_command_on_one_line() {
    let dir = hostile_tree();
    let (code, out) = scan_format(path(dir.path()), "github");
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = out.lines().collect();
    let (summary, commands) = lines.split_last().unwrap();
    assert!(summary.contains("findings"), "{summary}");
    for line in commands {
        assert!(
            ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line:?}"
        );
        assert!(!line.contains('\r'), "{line:?}");
        // the message (after the properties) shows control characters as escapes
        let message = &line[line.find("::").unwrap() + 2..];
        let message = &message[message.find("::").unwrap() + 2..];
        assert!(!message.chars().any(char::is_control), "{line:?}");
    }
    // the file property is the real path, percent-escaped where the toolkit escapes
    assert!(out.contains(
        "file=mod%0A%3A%3Aerror%3A%3Adir\u{1b}[2J/main%0A%3A%3Aerror file=a.tf%3A%3Apwned"
    ));
}

#[test]
fn json_and_sarif_carry_the_exact_values_and_parse() {
    let dir = hostile_tree();
    let root = path(dir.path());
    let (_, json) = scan_format(root, "json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let files: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files
        .contains(&"mod\n::error::dir\u{1b}[2J/main\n::error file=a.tf::pwned\u{1b}[31m\u{7}.tf"));
    let (_, sarif) = scan_format(root, "sarif");
    let doc: Value = serde_json::from_str(&sarif).unwrap();
    let messages: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(messages
        .iter()
        .any(|m| m.contains("`aws_s3_bucket.a\n\n<!--x|`y`<img src=https://e.example/p.png>`")));
}

#[test]
fn junit_is_well_formed_xml_with_the_names_it_can_hold() {
    let dir = hostile_tree();
    let (code, xml) = scan_format(path(dir.path()), "junit");
    assert_eq!(code, Some(1));
    assert_no_raw_controls("junit", &xml);
    assert_no_workflow_commands("junit", &xml);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    // line breaks come back exactly; ESC and BEL, which XML 1.0 cannot hold, as escapes
    assert!(
        suites.contains(
            &"mod\n::error::dir\\u{1b}[2J/main\n::error file=a.tf::pwned\\u{1b}[31m\\u{7}.tf"
        ),
        "{suites:?}"
    );
    assert!(suites.contains(&"::error title=pwned::x.tf"), "{suites:?}");
}

#[test]
fn access_inventory_and_evidence_escape_every_name() {
    let dir = hostile_tree();
    let root = path(dir.path());
    let human = run(&["access", root]);
    assert_eq!(human.status.code(), Some(0), "{}", stderr(&human));
    let text = stdout(&human);
    assert_no_raw_controls("access", &text);
    assert_no_workflow_commands("access", &text);
    assert!(text.contains("acme-raw-x|<img"), "{text}");
    assert!(
        text.contains("\\r\\n::error::value\\n\\n<!-- hidden"),
        "{text}"
    );
    for command in ["access", "inventory", "evidence"] {
        let out = run(&[command, "--format", "markdown", root]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        assert_safe_markdown(command, &stdout(&out));
    }
    // the inventory table holds the bucket name in one cell, as a code span
    let out = stdout(&run(&["inventory", "--format", "markdown", root]));
    let row = out
        .lines()
        .find(|l| l.contains("acme-raw-x"))
        .expect("the bucket's row");
    assert!(
        row.contains("``acme-raw-x\\|<img src=https://e.example/t.png onerror=alert(1)>`*_[l](https://e.example)_\\u{7}\\u{1b}]0;title\\u{7}\\r\\n::error::value\\n\\n<!-- hidden``"),
        "{row}"
    );
}

#[test]
fn azure_subscriptions_endpoints_and_deployments_are_escaped_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let evil = hcl(EVIL);
    let tf = format!(
        r#"provider "azurerm" {{
  features {{}}
  subscription_id = "{evil}"
}}
resource "azurerm_user_assigned_identity" "u" {{
  name = "u"
}}
resource "azurerm_role_assignment" "a" {{
  scope                = "/subscriptions/{evil}/resourceGroups/rg"
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.u.principal_id
}}
resource "azurerm_storage_account" "ws" {{
  name = "acme-{evil}"
}}
resource "azurerm_machine_learning_workspace" "ml" {{
  name               = "ml"
  storage_account_id = azurerm_storage_account.ws.id
}}
resource "azapi_resource" "ep" {{
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "ep-{evil}"
  parent_id = azurerm_machine_learning_workspace.ml.id
  body      = {{ properties = {{ authMode = "Key" }} }}
}}
resource "azapi_resource" "dep" {{
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2024-04-01"
  name      = "dep-{evil}"
  parent_id = azapi_resource.ep.id
  body      = {{ properties = {{ model = "azureml:{evil}:1", appInsightsEnabled = true }} }}
}}
resource "azapi_resource" "monitor" {{
  type      = "Microsoft.MachineLearningServices/workspaces/schedules@2024-04-01"
  name      = "mon-{evil}"
  parent_id = azurerm_machine_learning_workspace.ml.id
  body = {{
    properties = {{
      trigger = {{ triggerType = "Cron", expression = "{evil}" }}
      action = {{
        actionType        = "CreateMonitor"
        monitorDefinition = {{
          monitoringTarget = {{ deploymentId = azapi_resource.dep.id }}
          signals          = {{ s = {{ signalType = "{evil}" }} }}
        }}
      }}
    }}
  }}
}}
resource "azurerm_cognitive_account" "oai" {{
  name = "oai"
  kind = "OpenAI"
}}
resource "azurerm_cognitive_deployment" "chat" {{
  name                 = "chat-{evil}"
  cognitive_account_id = azurerm_cognitive_account.oai.id
  rai_policy_name      = "{evil}"
  model {{
    format  = "OpenAI"
    name    = "{evil}"
    version = "{evil}"
  }}
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let root = path(dir.path());
    let human = run(&["access", root]);
    assert_eq!(human.status.code(), Some(0), "{}", stderr(&human));
    let text = stdout(&human);
    assert_no_raw_controls("access", &text);
    assert_no_workflow_commands("access", &text);
    assert!(text.contains("Azure subscription x|<img"), "{text}");
    for command in ["access", "inventory", "evidence"] {
        let out = run(&[command, "--format", "markdown", root]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        let md = stdout(&out);
        assert_safe_markdown(command, &md);
        assert!(
            md.contains("x\\|<img") || md.contains("x|<img"),
            "{command}: {md}"
        );
    }
    // JSON carries the values exactly
    let out = run(&["inventory", "--format", "json", root]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // the provider's id as written (a scope's is cut at its first `/`, as ARM ids are read)
    assert!(
        doc["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == EVIL),
        "{}",
        doc["accounts"]
    );
    assert_eq!(doc["serving"]["ai_deployments"][0]["model_version"], EVIL);
    assert_eq!(
        doc["serving"]["endpoints"][0]["monitoring_schedules"][0]["schedule"],
        EVIL
    );
}
