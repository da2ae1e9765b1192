//! `--format human`: miette diagnostics with code snippets and labels, then a summary line.
//! Colour only when writing to a terminal.

use crate::findings::{Finding, Severity};
use crate::report::escape::{self, text, Snippet};
use crate::report::{plural, Format, Report};
use crate::source::{FileId, Sources, Span};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
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
        let texts = Texts::new(&scan.sources);
        if scan.findings.len() <= FULL_UP_TO {
            for f in &scan.findings {
                let d = FindingDiagnostic::new(f, &texts);
                let _ = handler.render_report(&mut out, &d);
            }
        } else {
            grouped(&mut out, report, &handler, &texts);
        }
        for e in &scan.errors {
            let d = ErrorDiagnostic::new(e, &texts);
            let _ = handler.render_report(&mut out, &d);
        }
        for e in &scan.rule_errors {
            out.push_str(&format!(
                "warning: rule `{}` failed to evaluate: {}\n",
                text(&e.rule),
                text(&e.message)
            ));
        }
        for w in &scan.warnings {
            match w.span.filter(|s| (s.file as usize) < scan.sources.len()) {
                Some(s) => {
                    let f = scan.sources.get(s.file);
                    let p = f.position(s.start);
                    out.push_str(&format!(
                        "warning: {}:{}:{}: {}\n",
                        text(&f.display),
                        p.line,
                        p.column,
                        text(&w.message)
                    ));
                }
                None => out.push_str(&format!("warning: {}\n", text(&w.message))),
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
        escape::log_lines(out)
    }
}

/// Files' texts for snippets: a file that holds control characters is escaped once
/// ([`escape::snippet_source`]) and its spans are moved to match.
struct Texts<'a> {
    sources: &'a Sources,
    escaped: RefCell<HashMap<FileId, Option<Arc<Snippet>>>>,
}

impl<'a> Texts<'a> {
    fn new(sources: &'a Sources) -> Texts<'a> {
        Texts {
            sources,
            escaped: RefCell::new(HashMap::new()),
        }
    }

    fn escaped(&self, file: FileId) -> Option<Arc<Snippet>> {
        self.escaped
            .borrow_mut()
            .entry(file)
            .or_insert_with(|| escape::snippet_source(&self.sources.get(file).text).map(Arc::new))
            .clone()
    }

    fn named_source(&self, span: Span) -> NamedSource<Arc<String>> {
        let f = self.sources.get(span.file);
        let lang = if f.display.ends_with(".json") {
            "json"
        } else {
            "hcl"
        };
        let content = match self.escaped(span.file) {
            Some(s) => s.text.clone(),
            None => f.text.clone(),
        };
        NamedSource::new(text(&f.display), content).with_language(lang)
    }

    /// `span` in the text [`Texts::named_source`] gives.
    fn span(&self, span: Span) -> miette::SourceSpan {
        let (start, end) = (span.start as usize, span.end as usize);
        match self.escaped(span.file) {
            Some(s) => miette::SourceSpan::from(s.offset(start)..s.offset(end)),
            None => miette::SourceSpan::from(start..end),
        }
    }
}

/// Many findings: one section per rule (most severe first), a few snippets each, then one line
/// per remaining finding.
fn grouped(out: &mut String, report: &Report, handler: &GraphicalReportHandler, texts: &Texts) {
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
            "━━ {} {} ({}, {}): {}\n\n",
            text(rule),
            text(&first.name),
            severity.0,
            text(&first.tsc.join(", ")),
            plural(list.len(), "finding", "findings")
        ));
        for f in list.iter().take(SNIPPETS_PER_RULE) {
            let d = FindingDiagnostic::new(f, texts);
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
                    "    {}:{}:{}  {}{}\n",
                    text(&file.display),
                    p.line,
                    p.column,
                    text(&f.message),
                    text(&note)
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
            let rule = text(&f.rule).into_owned();
            names
                .entry(rule.clone())
                .or_insert_with(|| text(&f.name).into_owned());
            rows.entry((std::cmp::Reverse(f.severity), rule))
                .or_default()[i] += 1;
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
        // names or inferences decided these: `mlguard init` turns them into a reviewed
        // classification
        line.push_str(&format!(
            "; {medium} rest on names or inferences (medium confidence: confirm them with `mlguard init`)"
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
        // by cause, so the summary says what to supply (`--var`, `terraform init`, a file)
        let mut causes: std::collections::BTreeMap<&str, usize> = Default::default();
        for u in &scan.unresolved {
            *causes.entry(u.cause()).or_default() += 1;
        }
        let by_cause: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        line.push_str(&format!(
            "; {} not resolved ({})",
            plural(scan.unresolved.len(), "value", "values"),
            by_cause.join(", ")
        ));
    }
    line
}

fn labeled(label: Option<String>, s: miette::SourceSpan, primary: bool) -> LabeledSpan {
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
    fn new(f: &Finding, texts: &Texts) -> FindingDiagnostic {
        let labels = vec![labeled(
            Some(text(&f.name).into_owned()),
            texts.span(f.primary.span),
            true,
        )];
        // related places follow the finding as notes, each shown by its first line only
        let related = f
            .related
            .iter()
            .map(|r| RelatedDiagnostic {
                label: text(&r.label).into_owned(),
                src: texts.named_source(r.span),
                span: texts.span(first_line(texts.sources, r.span)),
            })
            .collect();
        FindingDiagnostic {
            title: match f.confidence_note() {
                Some(note) => text(&format!("{} ({note})", f.message)).into_owned(),
                None => text(&f.message).into_owned(),
            },
            code: text(&format!("{} {} [{}]", f.rule, f.severity, f.tsc.join(", "))).into_owned(),
            severity: match f.severity {
                Severity::Critical | Severity::High => miette::Severity::Error,
                Severity::Medium | Severity::Low => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            help: text(&f.help).into_owned(),
            src: texts.named_source(f.primary.span),
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
    span: miette::SourceSpan,
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
    span: Option<miette::SourceSpan>,
}

impl ErrorDiagnostic {
    fn new(e: &crate::scan::ScanError, texts: &Texts) -> ErrorDiagnostic {
        match e.span {
            Some(s) if (s.file as usize) < texts.sources.len() => ErrorDiagnostic {
                message: text(&e.message).into_owned(),
                src: Some(texts.named_source(s)),
                span: Some(texts.span(s)),
            },
            _ => ErrorDiagnostic {
                message: match &e.path {
                    Some(p) => text(&format!("{p}: {}", e.message)).into_owned(),
                    None => text(&e.message).into_owned(),
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
