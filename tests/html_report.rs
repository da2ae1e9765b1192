//! `scan --format html` and `access --format dot` from the built binary: the graph the page
//! carries for the example platform, the findings views, the escaping of crafted names in the
//! markup, the script's data and DOT. (scripts/browser-test.py runs the page in Chromium.)

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

const VIOLATIONS: &str = "fixtures/examples/ml-platform-violations";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = cargo_bin_cmd!("mlguard").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn html(dir: &str, extra: &[&str]) -> String {
    let mut args = vec!["scan", dir, "--format", "html"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    out
}

/// The JSON the page's script reads.
fn data(page: &str) -> Value {
    let open = r#"<script type="application/json" id="data">"#;
    let start = page.find(open).expect("data script") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("the data parses as JSON")
}

/// A node's index; nodes are `[side, kind, address, detail, unit, tier, ...]`.
fn node(d: &Value, address: &str) -> usize {
    d["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|n| n[2] == address)
        .unwrap_or_else(|| panic!("no node {address}"))
}

/// The edges (class, findings' rules) from one node to another. An edge is
/// `[from, to, class index, grants, findings]` in the page's data.
fn edges(d: &Value, from: &str, to: &str) -> Vec<(String, Vec<String>)> {
    let (f, t) = (node(d, from), node(d, to));
    d["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e[0] == f && e[1] == t)
        .map(|e| {
            let rules = e[4]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    d["findings"][i.as_u64().unwrap() as usize]["rule"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            let class = d["classes"][e[2].as_u64().unwrap() as usize].as_str();
            (class.unwrap().to_string(), rules)
        })
        .collect()
}

#[test]
fn the_example_platform_graph_has_its_principals_datastores_and_edges() {
    let page = html(VIOLATIONS, &[]);
    let d = data(&page);
    // every datastore `mlguard access` lists is a node, every grant an edge of its class
    let (_, access, _) = run(&["access", VIOLATIONS, "--format", "json"]);
    let access: Value = serde_json::from_str(&access).unwrap();
    let mut grants = 0;
    for store in access["datastores"].as_array().unwrap() {
        let address = store["address"].as_str().unwrap();
        let n = node(&d, address);
        let tier = store["tier"].as_str().unwrap_or("unclassified");
        assert_eq!(d["nodes"][n][5], tier, "{address}");
        for (class, rows) in store["access"].as_object().unwrap() {
            for r in rows.as_array().unwrap() {
                let p = r["principal"].as_str().unwrap();
                assert!(
                    edges(&d, p, address).iter().any(|(c, _)| c == class),
                    "{p} -> {address} {class}"
                );
                grants += 1;
            }
        }
    }
    assert_eq!(grants, 21);
    // the findings that rest on edges: the statement they point at, not every edge between
    // the same ends
    let raw = edges(&d, "aws_iam_role.trainer", "aws_s3_bucket.raw");
    let read = raw.iter().find(|(c, _)| c == "read").unwrap();
    assert!(read.1.contains(&"DT002".to_string()) && read.1.contains(&"DT005".to_string()));
    let features = edges(&d, "aws_iam_role.serving", "aws_s3_bucket.features");
    assert_eq!(
        features,
        vec![
            ("read".to_string(), vec!["DT003".to_string()]),
            ("list".to_string(), vec!["DT006".to_string()])
        ]
    );
    // the scientist's deploy right reaches the unit's endpoints, and MR002 rests on it
    let deploy = edges(&d, "aws_iam_role.scientist", "model endpoints");
    assert_eq!(
        deploy,
        vec![("deploy-model".to_string(), vec!["MR002".to_string()])]
    );
    // the analyst reads inference logs (IL005); the line is drawn red
    assert!(page.contains(r#"class="edge k-read s-finding" d="#));
    // one drawn line per pair, and a node per principal and datastore in the SVG
    let pairs: std::collections::BTreeSet<(u64, u64)> = d["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_u64().unwrap()))
        .collect();
    assert_eq!(page.matches(r#"<path id="e"#).count(), pairs.len());
    assert_eq!(
        page.matches(r#"<g class="node "#).count(),
        d["nodes"].as_array().unwrap().len()
    );
}

#[test]
fn the_page_is_self_contained_and_the_same_on_every_run() {
    let page = html(VIOLATIONS, &[]);
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for loads in [
        "<link",
        " src=",
        "<img",
        "<iframe",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!page.contains(loads), "the page loads something: {loads}");
    }
    assert_eq!(page, html(VIOLATIONS, &[]));
}

#[test]
fn findings_are_grouped_by_rule_with_a_summary_first() {
    let page = html(VIOLATIONS, &[]);
    let summary = page.find(r#"<section id="summary">"#).unwrap();
    let graph = page.find(r#"<section id="access">"#).unwrap();
    let findings = page.find(r#"<section id="findings">"#).unwrap();
    assert!(summary < graph && graph < findings);
    assert!(page.contains(r#"<td class="sev-critical" id="count-critical">1</td>"#));
    assert!(page.contains(r#"<td class="sev-high" id="count-high">10</td>"#));
    assert!(page.contains("1 files, 1 modules, 45 resources"));
    // the one critical rule comes first, with its help, TSC and snippet
    let first = &page[findings..];
    let dt006 = first.find(r#"data-rule="DT006""#).unwrap();
    assert!(dt006 < first.find(r#"data-rule="DT002""#).unwrap());
    assert!(first.contains(r#"<span class="tsc">CC6.1, CC6.6</span>"#));
    assert!(first.contains(r#"<span class="ln">  155</span>"#));
    assert_eq!(page.matches(r#"data-status="open""#).count(), 22);
}

#[test]
fn baseline_findings_are_shown_apart() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.json");
    let base = base.to_str().unwrap();
    let (_, _, _) = run(&[
        "scan",
        VIOLATIONS,
        "--write-baseline",
        base,
        "--format",
        "json",
    ]);
    let page = html(VIOLATIONS, &["--baseline", base]);
    assert_eq!(page.matches(r#"data-status="open""#).count(), 0);
    assert_eq!(page.matches(r#"data-status="baseline""#).count(), 22);
    let baseline = page.find(r#"<section id="baseline">"#).unwrap();
    let findings = &page[page.find(r#"<section id="findings">"#).unwrap()..baseline];
    assert!(findings.contains(r#"<p class="empty">none</p>"#));
    // the lines they rest on are amber, not red
    assert!(!page.contains("s-finding\" d="));
    assert!(page.contains("s-accepted\" d="));
}

const CRAFTED: &str = "</script><img src=x onerror=alert(1)>\"'&<!--\u{2028}\u{1b}[31m";

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

fn crafted_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let evil = hcl(CRAFTED);
    let tf = format!(
        r#"
resource "aws_s3_bucket" "raw" {{
  bucket = "acme-raw-{evil}"
  tags   = {{ "data-tier" = "raw" }}
}}
resource "aws_iam_role" "trainer" {{
  name               = "trainer-{evil}"
  assume_role_policy = "{{}}"
  tags               = {{ "mlguard:workload" = "training", "owner" = "{evil}" }}
}}
resource "aws_iam_role_policy" "trainer" {{
  name   = "read-{evil}"
  role   = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.raw.arn}}/*" }}]
  }})
}}
"#
    );
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    dir
}

#[test]
fn crafted_names_are_text_in_the_markup_and_exact_in_the_data() {
    let dir = crafted_tree();
    let page = html(dir.path().to_str().unwrap(), &[]);
    // two scripts end, nothing else does; nothing is injected
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(!page.contains("<img"));
    assert!(!page.contains("<!--"));
    assert!(!page.contains('\u{2028}'));
    assert!(!page.chars().any(|c| c.is_control() && c != '\n'));
    // the markup shows them as text
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // the script reads them back exactly
    let d = data(&page);
    let statement = d["edges"][0][3][0][0].as_u64().unwrap() as usize;
    let policy = d["statements"][statement][1].as_u64().unwrap() as usize;
    assert_eq!(
        d["strings"][policy].as_str().unwrap(),
        format!("read-{CRAFTED}")
    );
    let trainer = node(&d, "aws_iam_role.trainer");
    assert_eq!(
        d["nodes"][trainer][3].as_str().unwrap(),
        format!("trainer-{CRAFTED}")
    );
}

/// Every line of DOT has its quoted strings closed, and a backslash only ever escapes.
fn assert_balanced_dot(dot: &str) {
    for line in dot.lines() {
        let mut quoted = false;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' if quoted => {
                    let next = chars.next();
                    assert!(
                        matches!(next, Some('\\' | '"' | 'n')),
                        "stray escape in {line:?}"
                    );
                }
                '"' => quoted = !quoted,
                _ => {}
            }
        }
        assert!(!quoted, "unclosed string in {line:?}");
    }
}

#[test]
fn access_dot_is_a_graph_with_escaped_names() {
    let (code, dot, err) = run(&["access", VIOLATIONS, "--format", "dot"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(dot.starts_with("digraph access {\n") && dot.ends_with("}\n"));
    assert!(dot.contains("subgraph cluster_u0 {\n    label=\". (aws)\";"));
    assert!(dot.contains("[label=\"aws_s3_bucket.raw\\n(bucket)\", color=red];"));
    assert!(dot.contains("label=\"read\", color=red, style=solid, tooltip=\"raw\""));
    assert_balanced_dot(&dot);

    let dir = crafted_tree();
    let (code, dot, err) = run(&["access", dir.path().to_str().unwrap(), "--format", "dot"]);
    assert_eq!(code, Some(0), "{err}");
    assert_balanced_dot(&dot);
    assert!(!dot.chars().any(|c| c.is_control() && c != '\n'));
    assert!(dot.contains(
        r#"tooltip="read-</script><img src=x onerror=alert(1)>\"'&<!--\\u{2028}\\u{1b}[31m""#
    ));
}

#[test]
fn a_large_estate_starts_folded_with_only_unit_titles_in_the_markup() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
resource "aws_s3_bucket" "lake" {
  count  = 320
  bucket = "acme-raw-${count.index}"
  tags   = { "data-tier" = "raw" }
}
"#,
    )
    .unwrap();
    let page = html(dir.path().to_str().unwrap(), &[]);
    let d = data(&page);
    assert!(d["nodes"].as_array().unwrap().len() > 300);
    assert_eq!(d["folded"], true);
    // the script makes groups, nodes and lines as units unfold
    assert!(!page.contains(r#"<g class="node "#));
    assert!(!page.contains(r#"<g class="group""#));
    assert!(page.contains(r#"<text class="unit" id="ur0""#));
}

#[test]
fn the_graph_groups_each_cloud_apart() {
    // the GCP platform is drawn under gcp, the Azure one under azure: never under aws
    for (dir, cloud) in [
        ("gcp-ml-platform-violations", "gcp"),
        ("azure-ml-platform-violations", "azure"),
    ] {
        let path = format!("{}/fixtures/examples/{dir}", env!("CARGO_MANIFEST_DIR"));
        let (code, dot, err) = run(&["access", "--format", "dot", &path]);
        assert_eq!(code, Some(0), "{err}");
        assert!(dot.contains(&format!("({cloud})")), "{dot}");
        assert!(!dot.contains("(aws)"), "{dot}");
    }
}
