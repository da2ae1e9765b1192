//! Print what the evaluator makes of a root module: every resource instance with its
//! arguments as JSON (symbolic and unknown parts shown by their reason), then what it could not
//! resolve. Usage: `cargo run --example tf_eval -- DIR [VAR_FILE]`.

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

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: tf_eval DIR [VAR_FILE]"));
    let var_files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let ev = evaluate_dir(&dir, &var_files, &[]);
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
