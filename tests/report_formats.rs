//! The output formats: SARIF against the official 2.1.0 schema and GitHub's expectations, JUnit
//! as XML, GitHub workflow commands, the Markdown comment and the human report at scale. Each
//! rendered output is also snapshotted.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// These tests are about the mechanism, not the rule pack: they run the access rules only.
const ACCESS_RULES: &str = "DT001,DT002,DT003,DT004,DT005,DT008";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn scenario(name: &str) -> PathBuf {
    root().join("fixtures/scenarios").join(name)
}

/// Run `mlguard scan --format FORMAT ARGS...`; returns (exit code, stdout).
fn scan(format: &str, args: &[&Path]) -> (i32, String) {
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--format", format])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Where `dir` sits inside the repository, as SARIF and GitHub paths show it.
fn repo_prefix(dir: &Path) -> String {
    // outside a git checkout (a source archive) the scanned directory is the root
    let top = dir
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(dir);
    let rel = dir
        .strip_prefix(top)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    if rel.is_empty() {
        rel
    } else {
        format!("{rel}/")
    }
}

/// The SARIF document with machine-specific parts (the repository's absolute path) replaced.
fn redact(text: &str) -> String {
    let dir = scenario("suppress-placement");
    let top = dir
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(&dir);
    text.replace(&format!("file://{}/", top.display()), "file:///[ROOT]/")
        .replace(&repo_prefix(&dir), "[SCENARIO]/")
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the vendored SARIF schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let v = schema_validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema_and_has_what_github_reads() {
    let dir = scenario("suppress-placement");
    let (code, text) = scan("sarif", &[&dir]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "DT002");
    assert_eq!(
        rule["helpUri"],
        format!(
            "{}rules/DT002-training-reads-raw.md",
            mlguard::report::DOCS_BASE
        )
    );
    assert_eq!(
        rule["properties"]["tags"],
        serde_json::json!(["security", "CC6.1"])
    );
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file:///"));
    let results = run["results"].as_array().unwrap();
    // two findings, five suppressed with their justification
    assert_eq!(results.len(), 7);
    let first = &results[0];
    assert_eq!(first["ruleId"], "DT002");
    assert_eq!(first["level"], "error");
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    // relative to the repository root, not to the scanned directory
    assert_eq!(
        loc["artifactLocation"]["uri"],
        format!("{}main.tf", repo_prefix(&dir))
    );
    assert_eq!(loc["region"]["startLine"], 57);
    assert_eq!(loc["region"]["startColumn"], 7);
    assert!(
        first["partialFingerprints"]["mlguard/v1"]
            .as_str()
            .unwrap()
            .len()
            >= 16
    );
    assert!(!first["relatedLocations"].as_array().unwrap().is_empty());
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 5);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "the bootstrap job reads raw data once; SEC-101"
    );
    insta::assert_snapshot!("sarif", redact(&text));
}

#[test]
fn sarif_columns_count_utf16_code_units_and_every_severity_validates() {
    let dir = tempfile::tempdir().unwrap();
    // `📦` is one character but two UTF-16 code units: the statement starts at character
    // column 25 and UTF-16 column 26
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
  tags = { "data-tier" = "raw" }
}
resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = "{}"
  tags = { "mlguard:workload" = "training" }
}
resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.trainer.id
  policy = jsonencode({
    Statement = [/* 📦 */{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["${aws_s3_bucket.raw.arn}/*"]
    }]
  })
}
"#,
    )
    .unwrap();
    let (_, json) = scan("json", &[dir.path()]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["findings"][0]["line"], 13);
    assert_eq!(json["findings"][0]["column"], 25);
    let (_, sarif) = scan("sarif", &[dir.path()]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_valid_sarif(&sarif);
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 13);
    assert_eq!(region["startColumn"], 26);
    // outside a git repository the scanned directory is the root
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "main.tf"
    );
    for (severity, score) in [
        (mlguard::findings::Severity::Critical, Some("9.5")),
        (mlguard::findings::Severity::High, Some("8.0")),
        (mlguard::findings::Severity::Medium, Some("5.5")),
        (mlguard::findings::Severity::Low, Some("3.0")),
        (mlguard::findings::Severity::Info, None),
    ] {
        assert_eq!(mlguard::report::sarif::security_severity(severity), score);
    }
}

#[test]
fn sarif_of_a_scan_with_errors_warnings_and_exceptions_validates() {
    for dir in [
        scenario("broken-file-beside-violation"),
        scenario("suppress-expiry"),
        scenario("suppress-exceptions"),
        root().join("fixtures/rules/DT002-training-reads-raw/silent"),
    ] {
        let (_, text) = scan("sarif", &[&dir]);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_valid_sarif(&doc);
    }
    let (_, text) = scan("sarif", &[&scenario("suppress-exceptions")]);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let s = &doc["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
}

#[test]
fn junit_is_xml_with_one_testcase_per_rule_per_file() {
    let (code, text) = scan("junit", &[&scenario("suppress-placement")]);
    assert_eq!(code, 1);
    let xml = roxmltree::Document::parse(&text).expect("well-formed XML");
    let suites = xml.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("failures"), Some("1"));
    let suites: Vec<_> = suites
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1, "one rule, one file");
    // every other selected rule ran and found nothing: one passing test case each, counted in
    // the totals
    let selected = ACCESS_RULES.split(',').count();
    let passes = &suites[1];
    assert_eq!(passes.attribute("name"), Some("rules without findings"));
    let passing: Vec<_> = passes
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(passing.len(), selected - 1);
    assert!(passing
        .iter()
        .all(|c| c.children().all(|n| !n.is_element())));
    assert!(passing
        .iter()
        .any(|c| c.attribute("classname") == Some("DT001 policy-spans-tiers")));
    assert!(!passing
        .iter()
        .any(|c| c.attribute("classname").unwrap().starts_with("DT002")));
    assert_eq!(
        xml.root_element().attribute("tests"),
        Some(selected.to_string().as_str())
    );
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("high"));
    let body = failure.text().unwrap();
    assert!(body.contains("main.tf:57:7: DT002"), "{body}");
    assert!(body.contains("main.tf:74:3: DT002"), "{body}");
    insta::assert_snapshot!("junit", text);

    // a clean scan, a parse error, an all-suppressed file
    let (_, text) = scan("junit", &[&scenario("broken-file-beside-violation")]);
    let xml = roxmltree::Document::parse(&text).unwrap();
    assert!(xml.descendants().any(|n| n.has_tag_name("error")));
    let (_, text) = scan("junit", &[&scenario("suppress-exceptions")]);
    let xml = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(xml.root_element().attribute("failures"), Some("0"));
    assert!(xml.descendants().any(|n| n.has_tag_name("skipped")));
}

#[test]
fn github_format_is_workflow_commands_with_repository_paths() {
    let dir = scenario("suppress-expiry");
    let (code, text) = scan("github", &[&dir]);
    assert_eq!(code, 1);
    let prefix = repo_prefix(&dir);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "::error file={prefix}main.tf,line=24,col=18,endLine=28,title=DT002 training-reads-raw::"
        )),
        "{first}"
    );
    // messages are escaped onto one line; warnings are annotated too
    assert!(text
        .lines()
        .all(|l| !l.starts_with("::") || !l.contains('\r')));
    assert!(text.contains(&format!(
        "::warning file={prefix}main.tf,line=32,col=1::suppression has no reason"
    )));
    insta::assert_snapshot!("github", text.replace(&prefix, "[SCENARIO]/"));
}

#[test]
fn markdown_is_a_pull_request_comment_with_totals_and_collapsed_details() {
    let (_, text) = scan("markdown", &[&scenario("suppress-placement")]);
    assert!(text.starts_with("## mlguard: 2 findings\n"));
    assert!(text.contains("| 🟠 high | 2 |"));
    assert!(text
        .contains("| TSC criterion | Findings | Highest |\n|---|---:|---|\n| CC6.1 | 2 | high |"));
    assert!(text.contains("### `main.tf`"));
    assert!(text.contains("<details><summary>Suppressed: 5 findings</summary>"));
    insta::assert_snapshot!("markdown", text);
}

/// A module with `n` policies that each let the training role read the raw tier.
fn many_findings(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut tf = String::from(
        r#"resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
  tags = { "data-tier" = "raw" }
}
resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = "{}"
  tags = { "mlguard:workload" = "training" }
}
"#,
    );
    for i in 0..n {
        tf.push_str(&format!(
            r#"resource "aws_iam_role_policy" "p{i}" {{
  role = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["${{aws_s3_bucket.raw.arn}}/*"]
    }}]
  }})
}}
"#
        ));
    }
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    dir
}

#[test]
fn hundreds_of_findings_stay_readable() {
    let dir = many_findings(300);
    // human: grouped by rule, three snippets, one line per other finding, a table, the summary
    let (code, text) = scan("human", &[dir.path()]);
    assert_eq!(code, 1);
    assert!(text.contains("━━ DT002 training-reads-raw (high, CC6.1): 300 findings"));
    assert!(text.contains("  and 297 more:\n    main.tf:43:18  `aws_iam_role.trainer` (training) can read raw datastore `aws_s3_bucket.raw`\n"));
    assert_eq!(
        text.matches("╭─[main.tf:").count(),
        3 * 2,
        "three snippets, each with its related bucket"
    );
    assert!(text.contains("RULE    NAME               SEVERITY  FINDINGS SUPPRESSED BASELINE\nDT002   training-reads-raw high           300          0        0\n"));
    assert!(text.ends_with("300 findings (300 high) in 1 file, 1 module, 302 resources\n"));
    assert!(text.lines().count() < 420, "{} lines", text.lines().count());
    // --quiet: the summary only
    let out = cargo_bin_cmd!("mlguard")
        .args(["scan", "--select", ACCESS_RULES, "--quiet"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "300 findings (300 high) in 1 file, 1 module, 302 resources\n"
    );
    // markdown: within GitHub's comment limit, the rest summarised
    let (_, md) = scan("markdown", &[dir.path()]);
    assert!(
        md.chars().count() <= mlguard::report::markdown::LIMIT,
        "{}",
        md.len()
    );
    assert!(md.contains("more not shown to stay within the comment limit"));
    assert!(md.contains("| 🟠 high | 300 |"));
    // SARIF stays valid
    let (_, sarif) = scan("sarif", &[dir.path()]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_valid_sarif(&sarif);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 300);
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.sarif");
    cargo_bin_cmd!("mlguard")
        .args([
            "scan",
            "--select",
            ACCESS_RULES,
            "--format",
            "sarif",
            "--output",
        ])
        .arg(&file)
        .arg(scenario("suppress-exceptions"))
        .assert()
        .code(0)
        .stdout("");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
}
