//! `--format human`: miette diagnostics with code snippets and labels, then a summary line.
//! Colour only when writing to a terminal.

use crate::findings::{Finding, Severity};
use crate::report::{plural, Format, Report};
use crate::source::{Sources, Span};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Up to this many findings render one after another as full diagnostics.
pub const FULL_UP_TO: usize = 10;
/// Beyond that, findings are grouped by rule and each rule shows this many snippets; the rest
/// are one line each.
pub const SNIPPETS_PER_RULE: usize = 3;

#[derive(Default)]
pub struct Human {
    /// Fixed width for snapshots; the terminal's otherwise.
    pub width: Option<usize>,
}

impl Format for Human {
    fn render(&self, report: &Report, color: bool) -> String {
        let scan = report.scan;
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(self.width.unwrap_or(100))
            .with_links(false);
        let mut out = String::new();
        if scan.findings.len() <= FULL_UP_TO {
            for f in &scan.findings {
                let d = FindingDiagnostic::new(f, &scan.sources);
                let _ = handler.render_report(&mut out, &d);
            }
        } else {
            grouped(&mut out, report, &handler);
        }
        for e in &scan.errors {
            let d = ErrorDiagnostic::new(e, &scan.sources);
            let _ = handler.render_report(&mut out, &d);
        }
        for e in &scan.rule_errors {
            out.push_str(&format!(
                "warning: rule `{}` failed to evaluate: {}\n",
                e.rule, e.message
            ));
        }
        for w in &scan.warnings {
            match w.span.filter(|s| (s.file as usize) < scan.sources.len()) {
                Some(s) => {
                    let f = scan.sources.get(s.file);
                    let p = f.position(s.start);
                    out.push_str(&format!(
                        "warning: {}:{}:{}: {}\n",
                        f.display, p.line, p.column, w.message
                    ));
                }
                None => out.push_str(&format!("warning: {}\n", w.message)),
            }
        }
        if scan.findings.len() > FULL_UP_TO {
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&table(report));
        }
        out.push_str(&summary(report));
        out.push('\n');
        out
    }
}

/// Many findings: one section per rule (most severe first), a few snippets each, then one line
/// per remaining finding.
fn grouped(out: &mut String, report: &Report, handler: &GraphicalReportHandler) {
    let scan = report.scan;
    let mut by_rule: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &scan.findings {
        by_rule
            .entry((std::cmp::Reverse(f.severity), f.rule.as_str()))
            .or_default()
            .push(f);
    }
    for ((severity, rule), list) in &by_rule {
        let first = list[0];
        out.push_str(&format!(
            "━━ {rule} {} ({}, {}): {}\n\n",
            first.name,
            severity.0,
            first.tsc.join(", "),
            plural(list.len(), "finding", "findings")
        ));
        for f in list.iter().take(SNIPPETS_PER_RULE) {
            let d = FindingDiagnostic::new(f, &scan.sources);
            let _ = handler.render_report(out, &d);
        }
        if list.len() > SNIPPETS_PER_RULE {
            out.push_str(&format!("  and {} more:\n", list.len() - SNIPPETS_PER_RULE));
            for f in list.iter().skip(SNIPPETS_PER_RULE) {
                let file = scan.sources.get(f.primary.span.file);
                let p = file.position(f.primary.span.start);
                let note = f
                    .confidence_note()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "    {}:{}:{}  {}{note}\n",
                    file.display, p.line, p.column, f.message
                ));
            }
            out.push('\n');
        }
    }
}

/// Counts per rule: the table at the end of a long report.
pub fn table(report: &Report) -> String {
    let scan = report.scan;
    let mut rows: BTreeMap<(std::cmp::Reverse<Severity>, String), [usize; 3]> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (i, list) in [&scan.findings, &scan.suppressed, &scan.baseline]
        .into_iter()
        .enumerate()
    {
        for f in list {
            rows.entry((std::cmp::Reverse(f.severity), f.rule.clone()))
                .or_default()[i] += 1;
            names
                .entry(f.rule.clone())
                .or_insert_with(|| f.name.clone());
        }
    }
    let width = names.values().map(String::len).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<7} {:<width$} {:<9} {:>8} {:>10} {:>8}\n",
        "RULE", "NAME", "SEVERITY", "FINDINGS", "SUPPRESSED", "BASELINE"
    );
    for ((severity, rule), [n, s, b]) in &rows {
        out.push_str(&format!(
            "{:<7} {:<width$} {:<9} {:>8} {:>10} {:>8}\n",
            rule,
            names[rule],
            severity.0.as_str(),
            n,
            s,
            b
        ));
    }
    out
}

pub fn summary(report: &Report) -> String {
    let scan = report.scan;
    let mut parts = Vec::new();
    for s in Severity::ALL {
        let n = report.count(s);
        if n > 0 {
            parts.push(format!("{n} {s}"));
        }
    }
    let findings = if scan.findings.is_empty() {
        "no findings".to_string()
    } else {
        format!(
            "{} ({})",
            plural(scan.findings.len(), "finding", "findings"),
            parts.join(", ")
        )
    };
    let mut line = format!(
        "{findings} in {}, {}, {}",
        plural(scan.stats.files, "file", "files"),
        plural(scan.stats.modules, "module", "modules"),
        plural(scan.stats.resources, "resource", "resources"),
    );
    let medium = scan
        .findings
        .iter()
        .filter(|f| f.confidence == crate::findings::Confidence::Medium)
        .count();
    if medium > 0 {
        // names guessed these: `mlguard init` turns them into a reviewed classification
        line.push_str(&format!(
            "; {medium} rest on names (medium confidence: confirm them with `mlguard init`)"
        ));
    }
    if !scan.suppressed.is_empty() {
        line.push_str(&format!("; {} suppressed", scan.suppressed.len()));
    }
    if !scan.baseline.is_empty() {
        line.push_str(&format!("; {} in the baseline", scan.baseline.len()));
    }
    if scan.audit {
        line.push_str("; suppressions off (audit)");
    }
    if !scan.warnings.is_empty() {
        line.push_str(&format!(
            "; {}",
            plural(scan.warnings.len(), "warning", "warnings")
        ));
    }
    if !scan.errors.is_empty() {
        line.push_str(&format!(
            "; {}",
            plural(scan.errors.len(), "file error", "file errors")
        ));
    }
    if !scan.unresolved.is_empty() {
        line.push_str(&format!(
            "; {} not resolved",
            plural(scan.unresolved.len(), "value", "values")
        ));
    }
    line
}

fn named_source(sources: &Sources, span: Span) -> NamedSource<Arc<String>> {
    let f = sources.get(span.file);
    let lang = if f.display.ends_with(".json") {
        "json"
    } else {
        "hcl"
    };
    NamedSource::new(f.display.clone(), f.text.clone()).with_language(lang)
}

fn labeled(label: Option<String>, span: Span, primary: bool) -> LabeledSpan {
    let s = miette::SourceSpan::from(span.start as usize..span.end as usize);
    if primary {
        LabeledSpan::new_primary_with_span(label, s)
    } else {
        LabeledSpan::new_with_span(label, s)
    }
}

fn first_line(sources: &Sources, span: Span) -> Span {
    let text = sources.get(span.file).slice(span).to_string();
    match text.find('\n') {
        Some(n) => Span {
            end: span.start + n as u32,
            ..span
        },
        None => span,
    }
}

struct FindingDiagnostic {
    title: String,
    code: String,
    severity: miette::Severity,
    help: String,
    src: NamedSource<Arc<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<RelatedDiagnostic>,
}

impl FindingDiagnostic {
    fn new(f: &Finding, sources: &Sources) -> FindingDiagnostic {
        let labels = vec![labeled(Some(f.name.clone()), f.primary.span, true)];
        // related places follow the finding as notes, each shown by its first line only
        let related = f
            .related
            .iter()
            .map(|r| RelatedDiagnostic {
                label: r.label.clone(),
                src: named_source(sources, r.span),
                span: first_line(sources, r.span),
            })
            .collect();
        FindingDiagnostic {
            title: match f.confidence_note() {
                Some(note) => format!("{} ({note})", f.message),
                None => f.message.clone(),
            },
            code: format!("{} {} [{}]", f.rule, f.severity, f.tsc.join(", ")),
            severity: match f.severity {
                Severity::Critical | Severity::High => miette::Severity::Error,
                Severity::Medium | Severity::Low => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            help: f.help.clone(),
            src: named_source(sources, f.primary.span),
            labels,
            related,
        }
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}

struct RelatedDiagnostic {
    label: String,
    src: NamedSource<Arc<String>>,
    span: Span,
}

impl fmt::Debug for RelatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl fmt::Display for RelatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl std::error::Error for RelatedDiagnostic {}

impl Diagnostic for RelatedDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(labeled(None, self.span, true))))
    }
}

struct ErrorDiagnostic {
    message: String,
    src: Option<NamedSource<Arc<String>>>,
    span: Option<Span>,
}

impl ErrorDiagnostic {
    fn new(e: &crate::scan::ScanError, sources: &Sources) -> ErrorDiagnostic {
        match e.span {
            Some(s) if (s.file as usize) < sources.len() => ErrorDiagnostic {
                message: e.message.clone(),
                src: Some(named_source(sources, s)),
                span: Some(s),
            },
            _ => ErrorDiagnostic {
                message: match &e.path {
                    Some(p) => format!("{p}: {}", e.message),
                    None => e.message.clone(),
                },
                src: None,
                span: None,
            },
        }
    }
}

impl fmt::Debug for ErrorDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for ErrorDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorDiagnostic {}

impl Diagnostic for ErrorDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("parse-error"))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.span.map(|s| {
            Box::new(std::iter::once(labeled(Some("here".into()), s, true)))
                as Box<dyn Iterator<Item = LabeledSpan>>
        })
    }
}
