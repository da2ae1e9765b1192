//! `--format json`, version 1: the contract in cli.md. Paths relative to the scanned path with
//! `/`, 1-based lines, columns in characters, findings sorted by file, line, column, rule.

use crate::findings::{Finding, Severity};
use crate::report::{Format, Report};
use crate::source::{Sources, Span};
use serde_json::{json, Map, Value};

pub struct Json;

pub const VERSION: u32 = 1;

impl Format for Json {
    fn render(&self, report: &Report, _color: bool) -> String {
        let mut s = serde_json::to_string_pretty(&document(report)).unwrap_or_default();
        s.push('\n');
        s
    }
}

pub fn document(report: &Report) -> Value {
    let scan = report.scan;
    let sources = &scan.sources;
    let mut by_severity = Map::new();
    for s in Severity::ALL {
        by_severity.insert(s.as_str().into(), json!(report.count(s)));
    }
    json!({
        "version": VERSION,
        "tool": {"name": "mlguard", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "files": scan.stats.files,
            "modules": scan.stats.modules,
            "resources": scan.stats.resources,
            "findings": scan.findings.len(),
            "suppressed": scan.suppressed.len(),
            "baseline": scan.baseline.len(),
            "unresolved": scan.unresolved.len(),
            "parse_errors": scan.errors.len(),
            "by_severity": by_severity,
        },
        "findings": scan.findings.iter().map(|f| finding(f, sources)).collect::<Vec<_>>(),
        "suppressed": scan.suppressed.iter().map(|f| {
            let mut v = finding(f, sources);
            let s = f.suppression.as_ref();
            v["reason"] = json!(s.and_then(|s| s.reason.clone()));
            v["until"] = json!(s.and_then(|s| s.until.clone()));
            v
        }).collect::<Vec<_>>(),
        "baseline": scan.baseline.iter().map(|f| finding(f, sources)).collect::<Vec<_>>(),
        "unresolved": scan.unresolved.iter().map(|u| {
            let (file, line, _) = position(sources, u.span);
            json!({"file": file, "line": line, "what": u.what})
        }).collect::<Vec<_>>(),
        "warnings": scan.warnings.iter().map(|w| {
            let (file, line, _) = w.span.map_or((String::new(), 0, 0), |s| position(sources, s));
            json!({"file": file, "line": line, "message": w.message})
        }).chain(scan.rule_errors.iter().map(|e| json!({"file": "", "line": 0, "message": format!("rule `{}` failed to evaluate: {}", e.rule, e.message)}))).collect::<Vec<_>>(),
        "errors": scan.errors.iter().map(|e| match e.span {
            Some(span) => {
                let (file, line, column) = position(sources, span);
                json!({"file": file, "line": line, "column": column, "message": e.message})
            }
            None => json!({"file": e.path.clone().unwrap_or_default(), "line": 0, "column": 0, "message": e.message}),
        }).collect::<Vec<_>>(),
        "audit": scan.audit,
    })
}

fn position(sources: &Sources, span: Span) -> (String, u32, u32) {
    if (span.file as usize) >= sources.len() {
        return (String::new(), 0, 0);
    }
    let f = sources.get(span.file);
    let p = f.position(span.start);
    (f.display.clone(), p.line, p.column)
}

pub fn finding(f: &Finding, sources: &Sources) -> Value {
    let file = sources.get(f.primary.span.file);
    let start = file.position(f.primary.span.start);
    let end = file.position(f.primary.span.end);
    let mut v = json!({
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity,
        "tsc": f.tsc,
        "message": f.message,
        "help": f.help,
        "file": file.display,
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "address": f.address,
        "principals": f.principals,
        "resources": f.resources,
        "units": f.units,
        "related": f.related.iter().map(|r| {
            let (file, line, column) = position(sources, r.span);
            json!({"file": file, "line": line, "column": column, "label": r.label})
        }).collect::<Vec<_>>(),
        "fingerprint": f.fingerprint,
        "confidence": f.confidence,
    });
    if let Some(reason) = &f.confidence_reason {
        v["confidence_reason"] = json!(reason);
    }
    v
}
