//! Reports: one module per output format behind one trait.

pub mod access;
pub mod human;
pub mod json;
pub mod merge;

use crate::findings::{Finding, Severity};
use crate::scan::ScanOutput;

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
        _ => None,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
