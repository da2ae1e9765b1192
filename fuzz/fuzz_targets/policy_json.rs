//! IAM policy JSON: strict parsing with spans, the same text as a `.tf.json` file and as rendered
//! heredoc text mapped back to its source, statements, and access analysis of the document on its
//! own and attached where documents attach (a role's inline policy, a managed policy, a bucket
//! policy, a KMS key policy) in a small evaluated module with principals and datastores.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard::config::Config;
use mlguard::model::{policy, Inventory};
use mlguard::parse::json;
use mlguard::source::{Sources, Span};
use mlguard::terraform::module::{load_file, ModuleSource};
use mlguard::terraform::value::Value;
use mlguard::terraform::{ModuleCache, Workspace};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the document is used: `var.policy` is the fuzz input, passed as a variable value.
const MODULE: &str = r#"
variable "policy" {}

resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
  tags   = { tier = "raw" }
}

resource "aws_s3_bucket" "models" {
  bucket = "acme-models"
  tags   = { tier = "model-artifacts" }
}

resource "aws_kms_key" "k" {
  policy = var.policy
}

resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = var.policy
}

resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.trainer.id
  policy = var.policy
}

resource "aws_iam_policy" "managed" {
  name   = "managed"
  policy = var.policy
}

resource "aws_iam_user_policy_attachment" "u" {
  user       = "analyst"
  policy_arn = aws_iam_policy.managed.arn
}

resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.trainer.name
  policy_arn = aws_iam_policy.managed.arn
}

resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.models.id
  policy = var.policy
}
"#;

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
    if !docs.is_empty() {
        attached(&sources, id, text, &config, &mut inventory);
    }
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
        inventory.add_standalone("policy.json".into(), Path::new("/fuzz/policy.json"), doc);
    }
    let analysis = mlguard::access::analyze(&inventory, &config);
    let _ = mlguard::facts::build(&inventory, &analysis, &sources, &config);
    let _ = mlguard::report::access::human(&inventory, &analysis, &sources);
});

/// Evaluate `MODULE` with the document as `var.policy` into the inventory.
fn attached(
    sources: &Sources,
    doc: mlguard::source::FileId,
    text: &str,
    config: &Config,
    inventory: &mut Inventory,
) {
    let dir = PathBuf::from("/fuzz");
    let path = dir.join("main.tf");
    let file = sources.add(path.clone(), MODULE.to_string());
    let mut module = ModuleSource::new(dir.clone());
    load_file(&mut module, file, Path::new(&path), MODULE).expect("the module parses");
    module.finish();
    let cache = ModuleCache::default();
    // nothing is read from disk: the module reads no files, and reads are confined to a
    // directory that does not exist
    let ws = Workspace::new(
        sources,
        &cache,
        mlguard::fsguard::Roots::new([dir.join("nothing")]),
        dir,
    );
    let inputs = HashMap::from([(
        "policy".to_string(),
        Value::string(text, Span::new(doc, 0..text.len())),
    )]);
    let evaluated = ws.evaluate(Arc::new(module), inputs);
    inventory.add_module(&evaluated, sources, config);
}

/// What every report does with a span: its text, line and column.
fn touch(sources: &Sources, span: Span) {
    let file = sources.get(span.file);
    let _ = file.slice(span);
    let _ = file.position(span.start);
    let _ = file.position(span.end);
}
