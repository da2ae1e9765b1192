//! `mlguard merge FILE...`: join the JSON results of sharded bulk scans into the stream one
//! unsharded `scan --repos --format json` would have written: one version-1 document per
//! repository, sorted by repository, then a recomputed `{"kind": "total", ...}` line.
//! Inputs may be JSON Lines (bulk output) or single JSON documents (a plain `scan --format json`,
//! named after its file when it has no `repo` field).

use crate::bulk::Totals;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The merged stream and its worst exit code.
pub struct Merged {
    pub text: String,
    pub exit: u8,
    /// Repositories that appeared in more than one input (overlapping shards); the first is kept.
    pub duplicates: Vec<String>,
}

/// Merge the results read from `inputs` (name, text). An input that is neither a JSON document
/// nor JSON Lines is an error naming the file and line.
pub fn merge(inputs: &[(String, String)]) -> Result<Merged, String> {
    let mut docs: BTreeMap<String, Value> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut exit = 0u8;
    for (name, text) in inputs {
        for (doc, line) in documents(name, text)? {
            if doc["kind"] == "total" {
                exit = exit.max(exit_code(&doc));
                continue;
            }
            if doc["version"] != crate::report::json::VERSION {
                return Err(format!(
                    "{name}:{line}: not an mlguard version-{} result",
                    crate::report::json::VERSION
                ));
            }
            let repo = match doc["repo"].as_str() {
                Some(r) => r.to_string(),
                None => Path::new(name)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone()),
            };
            // a single document has no total line: its own findings and errors decide
            if doc.get("repo").is_none() {
                let failing = doc["summary"]["findings"].as_u64().unwrap_or(0) > 0
                    || doc["errors"].as_array().is_some_and(|e| !e.is_empty());
                exit = exit.max(u8::from(failing));
            }
            if docs.contains_key(&repo) {
                duplicates.push(repo);
                continue;
            }
            let mut doc = doc;
            doc["repo"] = Value::String(repo.clone());
            docs.insert(repo, doc);
        }
    }
    let mut totals = Totals::default();
    let mut text = String::new();
    for doc in docs.values() {
        totals.add_document(doc, 0);
        text.push_str(&doc.to_string());
        text.push('\n');
    }
    totals.exit = exit;
    text.push_str(&totals.to_json().to_string());
    text.push('\n');
    Ok(Merged {
        text,
        exit,
        duplicates,
    })
}

fn exit_code(total: &Value) -> u8 {
    total["exit_code"]
        .as_u64()
        .map_or(1, |c| u8::try_from(c).unwrap_or(u8::MAX))
}

/// The JSON values in one input with their line numbers: the whole text as one document
/// (pretty-printed `scan --format json`), or else one value per non-empty line.
fn documents(name: &str, text: &str) -> Result<Vec<(Value, usize)>, String> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return match v {
            Value::Object(_) => Ok(vec![(v, 1)]),
            _ => Err(format!(
                "{name}: expected a JSON object or JSON Lines of objects"
            )),
        };
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => out.push((v, i + 1)),
            Ok(_) => return Err(format!("{name}:{}: expected a JSON object", i + 1)),
            Err(e) => return Err(format!("{name}:{}: not JSON: {e}", i + 1)),
        }
    }
    if out.is_empty() {
        return Err(format!("{name}: no results in the file"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(repo: &str, rule: &str) -> String {
        serde_json::json!({"version": 1, "repo": repo,
            "summary": {"files": 2, "modules": 1, "resources": 3, "findings": 1, "suppressed": 0,
                "baseline": 0, "unresolved": 0, "parse_errors": 0,
                "by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 0, "info": 0}},
            "findings": [{"rule": rule}], "errors": []})
        .to_string()
    }

    #[test]
    fn shards_merge_sorted_by_repository_with_a_recomputed_total() {
        let a = format!(
            "{}\n{{\"kind\":\"total\",\"exit_code\":1}}\n",
            doc("b", "DT002")
        );
        let b = format!(
            "{}\n{}\n{{\"kind\":\"total\",\"exit_code\":0}}\n",
            doc("c", "DT002"),
            doc("a", "DT005")
        );
        let m = merge(&[("s1.jsonl".into(), a), ("s2.jsonl".into(), b)]).expect("merges");
        let lines: Vec<Value> = m
            .text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        let repos: Vec<&str> = lines[..3]
            .iter()
            .filter_map(|d| d["repo"].as_str())
            .collect();
        assert_eq!(repos, ["a", "b", "c"]);
        let total = &lines[3];
        assert_eq!(total["kind"], "total");
        assert_eq!(total["repos"], 3);
        assert_eq!(total["summary"]["findings"], 3);
        assert_eq!(total["summary"]["by_severity"]["high"], 3);
        assert_eq!(total["top_rules"][0]["rule"], "DT002");
        assert_eq!(total["exit_code"], 1);
        assert_eq!(m.exit, 1);
    }

    #[test]
    fn a_plain_document_is_named_after_its_file() {
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<Value>(&doc("x", "DT002")).expect("json"),
        )
        .expect("pretty")
        .replace("\"repo\": \"x\",", "");
        let m = merge(&[("out/ml-platform.json".into(), pretty)]).expect("merges");
        assert!(m.text.contains("\"repo\":\"ml-platform\""), "{}", m.text);
        assert_eq!(m.exit, 1);
    }

    #[test]
    fn garbage_is_an_error_with_file_and_line() {
        let err = merge(&[("bad.jsonl".into(), format!("{}\nnot json\n", doc("a", "X")))])
            .err()
            .expect("an error");
        assert!(err.starts_with("bad.jsonl:2: not JSON"), "{err}");
    }

    #[test]
    fn overlapping_shards_keep_the_first_copy() {
        let m = merge(&[
            ("1".into(), doc("a", "DT002")),
            ("2".into(), doc("a", "DT002")),
        ])
        .expect("merges");
        assert_eq!(m.duplicates, ["a"]);
        assert_eq!(m.text.lines().count(), 2);
    }
}
