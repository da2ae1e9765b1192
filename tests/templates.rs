//! `templatefile` with inputs not known: a JSON document keeps its known parts, anything else
//! stays unknown, and a JSON template rendered from known inputs must parse.

use mlguard::terraform::evaluate_dir;
use mlguard::terraform::value::{Kind, Value};
use std::collections::HashMap;

fn outputs(files: &[(&str, &str)]) -> (HashMap<String, Value>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".git"), "").unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let ev = evaluate_dir(dir.path(), &[], &[]);
    let errors = ev
        .evaluated
        .errors
        .iter()
        .map(|e| e.message.clone())
        .collect();
    (ev.evaluated.outputs.into_iter().collect(), errors)
}

const MAIN: &str = r#"
variable "b" {
  type = string
}
output "policy" {
  value = templatefile("p.json", { b = var.b, arns = [var.b] })
}
output "script" {
  value = templatefile("run.sh", { x = var.b })
}
output "alone" {
  value = templatefile("alone.tpl", { x = var.b })
}
output "known" {
  value = templatefile("p.json", { b = "raw", arns = ["arn:aws:s3:::raw"] })
}
"#;

const POLICY: &str = r#"{
  "Statement": [
    { "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${b}/*" },
    { "Action": ["s3:PutObject"], "Resource": ${jsonencode(arns)} }
  ]
}
"#;

#[test]
fn a_policy_template_keeps_its_known_parts() {
    let (out, errors) = outputs(&[
        ("main.tf", MAIN),
        ("p.json", POLICY),
        ("run.sh", "#!/bin/sh\necho ${x}\n"),
        ("alone.tpl", "\n${x}\n"),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    let policy = &out["policy"];
    assert!(matches!(policy.kind, Kind::Json(_)), "{policy:?}");
    let statements = policy
        .decoded()
        .get("Statement")
        .unwrap()
        .as_list()
        .unwrap();
    assert_eq!(
        statements[0].get("Action").unwrap().as_str(),
        Some("s3:GetObject")
    );
    // unknown, never a wildcard or a prefix
    assert!(statements[0].get("Resource").unwrap().is_unknown());
    assert!(statements[1].get("Resource").unwrap().is_unknown());
    assert_eq!(
        statements[1].get("Action").unwrap().as_list().unwrap()[0].as_str(),
        Some("s3:PutObject")
    );
    // not JSON, or no document: unknown as before
    assert!(out["script"].is_unknown());
    assert!(out["alone"].is_unknown());
    // every input known: the rendered string, as Terraform gives it
    assert!(out["known"]
        .as_str()
        .is_some_and(|s| s.contains("arn:aws:s3:::raw/*")));
}

#[test]
fn a_json_template_that_renders_broken_is_an_error_only_with_known_inputs() {
    let main = r#"
variable "v" {
  type = string
}
output "known" {
  value = templatefile("p.json", { v = "bare" })
}
output "unknown" {
  value = templatefile("q.json", { v = var.v })
}
output "script" {
  value = templatefile("run.sh", { v = "}{" })
}
"#;
    let tpl = "{\"Resource\": ${v}}\n";
    let (out, errors) = outputs(&[
        ("main.tf", main),
        ("p.json", tpl),
        ("q.json", tpl),
        ("run.sh", "${v}"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(out["unknown"]
        .decoded()
        .get("Resource")
        .unwrap()
        .is_unknown());
    assert_eq!(out["script"].as_str(), Some("}{"));
}
