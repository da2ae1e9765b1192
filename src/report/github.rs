//! `--format github`: workflow commands that GitHub Actions turns into annotations on the pull
//! request: `::error file=...,line=...,col=...,title=ID name::message`. Paths are relative to the
//! repository root, which is what GitHub resolves. Critical and high findings are errors, medium
//! and low warnings, info notices; scan warnings and file errors are annotated too.
//!
//! A command is one line: data and properties are escaped as the Actions toolkit does, so a line
//! break in a value cannot start another command. Titles and messages also show control
//! characters as escapes (`escape::text`); the `file` property keeps the path exact, since GitHub
//! resolves it.

use crate::findings::Severity;
use crate::report::escape::text;
use crate::report::{human, Format, RepoPaths, Report};
use crate::source::{Sources, Span};

pub struct Github;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

impl Format for Github {
    fn render(&self, report: &Report, _color: bool) -> String {
        let scan = report.scan;
        let sources = &scan.sources;
        let paths = RepoPaths::new(sources);
        let mut out = String::new();
        for f in &scan.findings {
            let mut props = place(f.primary.span, sources, &paths, true);
            props.push((
                "title",
                text(&format!("{} {}", f.rule, f.name)).into_owned(),
            ));
            let mut message = text(&format!(
                "{} [{} {}]",
                f.message,
                f.severity,
                f.tsc.join(", ")
            ))
            .into_owned();
            if let Some(note) = f.confidence_note() {
                message.push_str(&format!(" ({})", text(&note)));
            }
            if !f.help.is_empty() {
                message.push_str(&format!("\nhelp: {}", text(&f.help)));
            }
            line(&mut out, command(f.severity), &props, &message);
        }
        for e in &scan.errors {
            let props = e
                .span
                .map(|s| place(s, sources, &paths, false))
                .unwrap_or_default();
            let message = match (&e.span, &e.path) {
                (None, Some(p)) => format!("{p}: {}", e.message),
                _ => e.message.clone(),
            };
            line(&mut out, "error", &props, &text(&message));
        }
        for w in &scan.warnings {
            let props = w
                .span
                .map(|s| place(s, sources, &paths, false))
                .unwrap_or_default();
            line(&mut out, "warning", &props, &text(&w.message));
        }
        // a plain line: shown in the log, not annotated
        out.push_str(&human::summary(report));
        out.push('\n');
        out
    }
}

fn place(
    span: Span,
    sources: &Sources,
    paths: &RepoPaths,
    with_end: bool,
) -> Vec<(&'static str, String)> {
    if (span.file as usize) >= sources.len() {
        return Vec::new();
    }
    let file = sources.get(span.file);
    let start = file.position(span.start);
    let mut props = vec![
        ("file", paths.display(&file)),
        ("line", start.line.to_string()),
        ("col", start.column.to_string()),
    ];
    if with_end && span.end > span.start {
        let end = file.position(span.end);
        props.push(("endLine", end.line.to_string()));
        if end.line == start.line {
            props.push(("endColumn", end.column.to_string()));
        }
    }
    props
}

fn line(out: &mut String, command: &str, props: &[(&str, String)], message: &str) {
    out.push_str("::");
    out.push_str(command);
    for (i, (k, v)) in props.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        out.push_str(k);
        out.push('=');
        out.push_str(&escape_property(v));
    }
    out.push_str("::");
    out.push_str(&escape_data(message));
    out.push('\n');
}

/// The escaping of the Actions toolkit (`@actions/core` `escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The escaping of the Actions toolkit (`@actions/core` `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
