//! Reports: one module per output format behind one trait.

pub mod access;
pub mod accounts;
pub mod dot;
pub mod escape;
pub mod evidence;
pub mod github;
pub mod graph;
pub mod html;
pub mod human;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod sarif;

use crate::findings::{Finding, Severity};
use crate::scan::ScanOutput;
use crate::source::{SourceFile, Sources};
use std::path::{Path, PathBuf};

/// The project's home page: `repository` in Cargo.toml, the one place it is written.
pub const HOMEPAGE: &str = env!("CARGO_PKG_REPOSITORY");
/// Where rule pages live: `<DOCS_BASE>rules/<stem>.md`, `<DOCS_BASE>suppressions.md`.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/");

/// Every `--format` name, in the order `--help` lists them.
pub const FORMATS: [&str; 7] = [
    "human", "json", "sarif", "junit", "github", "markdown", "html",
];

/// Everything a report shows, resolved once.
pub struct Report<'a> {
    pub scan: &'a ScanOutput,
    pub fail_on: Severity,
}

impl Report<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.scan
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Findings at or above `--fail-on`.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.scan
            .findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
    }
}

pub trait Format {
    /// Render the whole report. `color`: the output is a terminal that wants colour.
    fn render(&self, report: &Report, color: bool) -> String;
}

pub fn format(name: &str) -> Option<Box<dyn Format>> {
    match name {
        "human" => Some(Box::new(human::Human::default())),
        "json" => Some(Box::new(json::Json)),
        "sarif" => Some(Box::new(sarif::Sarif)),
        "junit" => Some(Box::new(junit::Junit)),
        "github" => Some(Box::new(github::Github)),
        "markdown" => Some(Box::new(markdown::Markdown::default())),
        "html" => Some(Box::new(html::Html)),
        _ => None,
    }
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The documentation page of a rule: `docs/rules/<ID>-<name>.md`, or the suppressions page for
/// the findings about suppressions themselves.
pub fn help_uri(rule: &str, name: &str) -> String {
    if rule == crate::suppress::UNUSED_ID || rule == crate::suppress::NO_REASON_ID {
        format!("{DOCS_BASE}suppressions.md")
    } else {
        format!("{DOCS_BASE}rules/{rule}-{name}.md")
    }
}

/// Paths as GitHub resolves them: relative to the git repository root that holds the scan base
/// (the base itself outside a repository).
pub(crate) struct RepoPaths {
    pub root: PathBuf,
}

impl RepoPaths {
    pub fn new(sources: &Sources) -> RepoPaths {
        let base = sources.base();
        let root = base
            .ancestors()
            .find(|a| a.join(".git").exists())
            .unwrap_or(base)
            .to_path_buf();
        RepoPaths { root }
    }

    /// `/`-separated path relative to the root, or `None` for a file outside it.
    pub fn relative(&self, file: &SourceFile) -> Option<String> {
        relative_to(&self.root, &file.path)
    }

    /// The relative path, else what the other reports show.
    pub fn display(&self, file: &SourceFile) -> String {
        self.relative(file).unwrap_or_else(|| file.display.clone())
    }
}

fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Findings, suppressed and baseline findings: every rule a report names.
pub(crate) fn all_findings(scan: &ScanOutput) -> impl Iterator<Item = &Finding> {
    scan.findings
        .iter()
        .chain(&scan.suppressed)
        .chain(&scan.baseline)
}
