//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. URIs are relative to the git
//! repository root (`%SRCROOT%`), columns count UTF-16 code units, rules carry `security` then
//! the TSC ids as tags and a numeric `security-severity`; suppressed findings carry a SARIF
//! suppression and baseline findings `baselineState: unchanged`.

use crate::findings::{Finding, Severity};
use crate::report::escape::{md_message, md_text};
use crate::report::{all_findings, help_uri, Format, RepoPaths, Report};
use crate::source::{Sources, Span};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub struct Sarif;

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const SRCROOT: &str = "%SRCROOT%";
/// The `partialFingerprints` key: the finding's fingerprint, stable across line shifts.
pub const FINGERPRINT_KEY: &str = "mlguard/v1";

impl Format for Sarif {
    fn render(&self, report: &Report, _color: bool) -> String {
        let mut s = serde_json::to_string_pretty(&document(report)).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// What GitHub maps to critical / high / medium / low.
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

pub fn document(report: &Report) -> Value {
    let scan = report.scan;
    let sources = &scan.sources;
    let paths = RepoPaths::new(sources);

    // one reportingDescriptor per rule the report names, sorted by id
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in all_findings(scan) {
        rules.entry(f.rule.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let descriptors: Vec<Value> = rules.values().map(|f| rule(f)).collect();

    let mut results = Vec::new();
    for f in &scan.findings {
        results.push(result(f, index[f.rule.as_str()], sources, &paths));
    }
    for f in &scan.baseline {
        let mut r = result(f, index[f.rule.as_str()], sources, &paths);
        r["baselineState"] = json!("unchanged");
        results.push(r);
    }
    for f in &scan.suppressed {
        let mut r = result(f, index[f.rule.as_str()], sources, &paths);
        let s = f.suppression.as_ref();
        let mut sup = json!({
            "kind": if s.and_then(|s| s.span).is_some_and(|sp| is_config(sources, sp)) { "external" } else { "inSource" },
            "status": "accepted",
        });
        if let Some(reason) = s.and_then(|s| s.reason.as_ref()) {
            sup["justification"] = json!(reason);
        }
        if let Some(loc) = s
            .and_then(|s| s.span)
            .and_then(|sp| location(sp, sources, &paths))
        {
            sup["location"] = loc;
        }
        r["suppressions"] = json!([sup]);
        results.push(r);
    }

    let mut notifications = Vec::new();
    for e in &scan.errors {
        let mut n = json!({"level": "error", "message": {"text": e.message}, "descriptor": {"id": "parse-error"}});
        if let Some(loc) = e.span.and_then(|s| location(s, sources, &paths)) {
            n["locations"] = json!([loc]);
        }
        notifications.push(n);
    }
    for w in &scan.warnings {
        let mut n = json!({"level": "warning", "message": {"text": w.message}, "descriptor": {"id": "warning"}});
        if let Some(loc) = w.span.and_then(|s| location(s, sources, &paths)) {
            n["locations"] = json!([loc]);
        }
        notifications.push(n);
    }
    for e in &scan.rule_errors {
        notifications.push(json!({"level": "error",
            "message": {"text": format!("rule `{}` failed to evaluate: {}", e.rule, e.message)},
            "descriptor": {"id": "rule-error"}}));
    }
    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    if scan.audit {
        invocation["properties"] = json!({"suppressions": "ignored (--ignore-suppressions)"});
    }

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mlguard",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": crate::report::HOMEPAGE,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": dir_uri(&paths.root)}},
            "columnKind": "utf16CodeUnits",
            "invocations": [invocation],
            "results": results,
        }],
    })
}

fn is_config(sources: &Sources, span: Span) -> bool {
    (span.file as usize) < sources.len()
        && sources
            .get(span.file)
            .path
            .extension()
            .is_some_and(|e| e == "toml")
}

fn rule(f: &Finding) -> Value {
    let mut tags = vec![json!("security")];
    tags.extend(f.tsc.iter().map(|t| json!(t)));
    let mut properties = Map::new();
    properties.insert("tags".into(), json!(tags));
    if let Some(s) = security_severity(f.severity) {
        properties.insert("security-severity".into(), json!(s));
    }
    properties.insert("severity".into(), json!(f.severity.as_str()));
    let uri = help_uri(&f.rule, &f.name);
    json!({
        "id": f.rule,
        "name": f.name,
        "shortDescription": {"text": format!("{}: {}", f.rule, f.name.replace('-', " "))},
        "helpUri": uri,
        "help": {
            "text": format!("{}\n\nSee {uri}", f.help),
            // GitHub renders this: names in the help stay text, never links or HTML
            "markdown": format!(
                "{}\n\n[{} {}]({uri})",
                md_message(&f.help, false),
                md_text(&f.rule),
                md_text(&f.name)
            ),
        },
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": properties,
    })
}

fn result(f: &Finding, rule_index: usize, sources: &Sources, paths: &RepoPaths) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    });
    if let Some(loc) = location(f.primary.span, sources, paths) {
        let mut loc = loc;
        if !f.address.is_empty() {
            loc["logicalLocations"] =
                json!([{"fullyQualifiedName": f.address, "kind": "resource"}]);
        }
        r["locations"] = json!([loc]);
    }
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .filter_map(|(i, rel)| {
            let mut loc = location(rel.span, sources, paths)?;
            loc["id"] = json!(i + 1);
            loc["message"] = json!({"text": rel.label});
            Some(loc)
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    let mut properties = json!({"severity": f.severity.as_str(), "tsc": f.tsc,
        "confidence": f.confidence.as_str()});
    if let Some(reason) = &f.confidence_reason {
        properties["confidence_reason"] = json!(reason);
    }
    if !f.principals.is_empty() {
        properties["principals"] = json!(f.principals);
    }
    if !f.resources.is_empty() {
        properties["resources"] = json!(f.resources);
    }
    r["properties"] = properties;
    r
}

/// A physical location: repository-relative URI and a region in UTF-16 columns.
fn location(span: Span, sources: &Sources, paths: &RepoPaths) -> Option<Value> {
    if (span.file as usize) >= sources.len() {
        return None;
    }
    let file = sources.get(span.file);
    let artifact = match paths.relative(&file) {
        Some(rel) => json!({"uri": encode(&rel), "uriBaseId": SRCROOT}),
        None => json!({"uri": file_uri(&file.path.to_string_lossy())}),
    };
    let start = file.position(span.start);
    let end = file.position(span.end);
    let mut region = json!({
        "startLine": start.line,
        "startColumn": file.utf16_column(span.start),
    });
    if span.end > span.start {
        region["endLine"] = json!(end.line);
        region["endColumn"] = json!(file.utf16_column(span.end));
    }
    Some(json!({"physicalLocation": {"artifactLocation": artifact, "region": region}}))
}

/// Percent-encode a relative path for a URI reference, keeping `/`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        format!("file://{}", encode(&path))
    } else {
        format!("file:///{}", encode(&path))
    }
}

/// The root directory as an absolute `file:` URI ending in `/`, as SARIF requires of a base.
fn dir_uri(dir: &std::path::Path) -> String {
    let mut uri = file_uri(&dir.to_string_lossy());
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_but_keep_slashes() {
        assert_eq!(
            encode("infra/my module/ä.tf"),
            "infra/my%20module/%C3%A4.tf"
        );
        assert_eq!(
            dir_uri(std::path::Path::new("/work/repo")),
            "file:///work/repo/"
        );
    }
}
