//! IAM policy JSON: strict parsing with spans, the same text as a `.tf.json` file and as rendered
//! heredoc text mapped back to its source, statements, and access analysis of the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard::config::Config;
use mlguard::model::{policy, Inventory};
use mlguard::parse::json;
use mlguard::source::{Sources, Span};
use mlguard::terraform::value::Value;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = Sources::new(PathBuf::from("/fuzz"));

    // a policy file on its own, as the scan reads `*.json`
    let id = sources.add(PathBuf::from("/fuzz/policy.json"), text.to_string());
    let map = json::TextMap::exact(Span::new(id, 0..text.len()), text.len());
    let mut docs = Vec::new();
    match json::parse(text, &map, &[]) {
        Ok(v) => docs.push(v),
        Err(e) => touch(&sources, e.span),
    }

    // the same text as Terraform JSON configuration
    let tf = sources.add(PathBuf::from("/fuzz/main.tf.json"), text.to_string());
    if let Err(e) = json::tf_json_blocks(tf, text) {
        touch(&sources, e.span);
    }

    // the same text inside a heredoc: positions are found back in the source by search
    let wrapped = format!("policy = <<EOT\n{text}\nEOT\n");
    let start = "policy = ".len();
    let heredoc = sources.add(PathBuf::from("/fuzz/heredoc.tf"), wrapped.clone());
    let value = Value::string(text, Span::new(heredoc, start..wrapped.len() - 1));
    match json::decode_value(&value, &sources) {
        Ok(v) => docs.push(v),
        Err(e) => touch(&sources, e.span),
    }

    let config = Config::default();
    let mut inventory = Inventory::default();
    for doc in &docs {
        for st in policy::statements(doc).unwrap_or_default() {
            touch(&sources, st.span);
            for field in [&st.actions, &st.resources].into_iter().flatten() {
                for item in &field.items {
                    let _ = item.display();
                    touch(&sources, item.span);
                }
            }
        }
        inventory.add_standalone("policy.json".into(), doc);
    }
    let analysis = mlguard::access::analyze(&inventory, &config);
    let _ = mlguard::facts::build(&inventory, &analysis, &sources, &config);
    let _ = mlguard::report::access::human(&inventory, &analysis, &sources);
});

/// What every report does with a span: its text, line and column.
fn touch(sources: &Sources, span: Span) {
    let file = sources.get(span.file);
    let _ = file.slice(span);
    let _ = file.position(span.start);
    let _ = file.position(span.end);
}
