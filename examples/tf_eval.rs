//! Print what the evaluator makes of a root module: every resource instance with its
//! arguments as JSON (symbolic and unknown parts shown by their reason), then what it could not
//! resolve. Usage: `cargo run --example tf_eval -- DIR [VAR_FILE]`.
//! `tf_eval --survey TREE` evaluates every directory of a tree as a root module and counts the IAM
//! policy documents it resolved fully (known, or symbolic only in references) and the causes of
//! what it did not.

use mlguard::terraform::evaluate_dir;
use mlguard::terraform::value::{Kind, Part, Value};
use std::path::PathBuf;

fn show(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match &v.kind {
        Kind::Symbolic(parts) => J::String(
            parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.clone(),
                    Part::Ref(r) => format!("${{{r}}}"),
                })
                .collect(),
        ),
        Kind::Unknown(why) => J::String(format!("(unknown: {why})")),
        Kind::List(items) => J::Array(items.iter().map(show).collect()),
        Kind::Object(entries) => J::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), show(&e.value)))
                .collect(),
        ),
        Kind::Json(inner) => serde_json::json!({ "jsonencode": show(inner) }),
        _ => v.to_json().unwrap_or(J::Null),
    }
}

fn survey(tree: &std::path::Path) {
    let mut dirs = std::collections::BTreeSet::new();
    for e in ignore::WalkBuilder::new(tree).build().flatten() {
        let p = e.path();
        if mlguard::terraform::module::is_config_file(p) {
            dirs.insert(p.parent().unwrap().to_path_buf());
        }
    }
    let (mut docs, mut resolved, mut instances, mut errors) = (0, 0, 0, 0);
    let mut causes: std::collections::BTreeMap<String, usize> = Default::default();
    for dir in &dirs {
        let ev = evaluate_dir(dir, &[], &[]);
        instances += ev.evaluated.instances.len();
        errors += ev.evaluated.errors.len();
        for i in &ev.evaluated.instances {
            let keys: &[&str] = match i.address.rtype.as_str() {
                "aws_iam_policy_document" => &["json"],
                t if t.starts_with("aws_iam_") || t.ends_with("_policy") => {
                    &["policy", "assume_role_policy"]
                }
                _ => &[],
            };
            for k in keys {
                if let Some(v) = i.attrs.get(k) {
                    docs += 1;
                    if !v.has_unknown() {
                        resolved += 1;
                    }
                }
            }
        }
        for u in &ev.evaluated.unresolved {
            // group causes by their wording, without names
            let cause: String = u.what.split('`').step_by(2).collect::<Vec<_>>().join("`…`");
            *causes.entry(cause).or_default() += 1;
        }
    }
    println!(
        "directories {} instances {instances} errors {errors}",
        dirs.len()
    );
    println!("policy documents {docs}, fully resolved {resolved}");
    let mut causes: Vec<_> = causes.into_iter().collect();
    causes.sort_by_key(|c| std::cmp::Reverse(c.1));
    for (c, n) in causes.iter().take(12) {
        println!("{n:6} {c}");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    if let Some(i) = std::env::args().position(|a| a == "--survey") {
        let tree = std::env::args().nth(i + 1).expect("--survey TREE");
        return survey(std::path::Path::new(&tree));
    }
    let dir = PathBuf::from(args.next().expect("usage: tf_eval DIR [VAR_FILE]"));
    let var_files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let ev = evaluate_dir(&dir, &var_files, &[]);
    for (n, v) in &ev.evaluated.outputs {
        println!("output {n} = {}", show(v));
    }
    for i in &ev.evaluated.instances {
        println!("{} = {}", i.address, show(&i.attrs));
    }
    for u in &ev.evaluated.unresolved {
        let f = ev.sources.get(u.span.file);
        println!(
            "unresolved {}:{}: {}",
            f.display,
            f.position(u.span.start).line,
            u.what
        );
    }
    for e in &ev.evaluated.errors {
        println!("error: {}", e.message);
    }
}
