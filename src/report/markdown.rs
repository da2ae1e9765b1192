//! `--format markdown`: a pull-request comment. Totals by severity and by TSC criterion, then the
//! findings grouped by file, each with its detail collapsed; suppressed and baseline findings are
//! counted and listed collapsed at the end. The comment stays under GitHub's 65,536-character
//! limit: what does not fit is summarised.

use crate::findings::{Finding, Severity};
use crate::report::escape::{html, html_attr, html_message, md_code, md_message, md_text};
use crate::report::{help_uri, plural, Format, Report};
use crate::source::Sources;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// GitHub's comment limit is 65,536 characters; keep room for the closing lines.
pub const LIMIT: usize = 65_536;
const RESERVE: usize = 1_024;

pub struct Markdown {
    pub limit: usize,
}

impl Default for Markdown {
    fn default() -> Markdown {
        Markdown { limit: LIMIT }
    }
}

impl Format for Markdown {
    fn render(&self, report: &Report, _color: bool) -> String {
        let scan = report.scan;
        let sources = &scan.sources;
        let mut out = String::new();
        let total = scan.findings.len();
        let _ = writeln!(
            out,
            "## mlguard: {}\n",
            if total == 0 {
                "no findings".to_string()
            } else {
                plural(total, "finding", "findings")
            }
        );
        if scan.audit {
            out.push_str("> **Audit mode:** every suppression and exception is off (`--ignore-suppressions`).\n\n");
        }

        out.push_str("| Severity | Findings |\n|---|---:|\n");
        for s in Severity::ALL {
            let _ = writeln!(out, "| {} {s} | {} |", icon(s), report.count(s));
        }
        let _ = writeln!(
            out,
            "\n{} suppressed, {} in the baseline; {} scanned in {}.\n",
            scan.suppressed.len(),
            scan.baseline.len(),
            plural(scan.stats.files, "file", "files"),
            plural(scan.stats.modules, "module", "modules"),
        );

        let mut by_tsc: BTreeMap<&str, BTreeMap<Severity, usize>> = BTreeMap::new();
        for f in &scan.findings {
            for t in &f.tsc {
                *by_tsc.entry(t).or_default().entry(f.severity).or_default() += 1;
            }
        }
        if !by_tsc.is_empty() {
            out.push_str("| TSC criterion | Findings | Highest |\n|---|---:|---|\n");
            for (tsc, counts) in &by_tsc {
                let n: usize = counts.values().sum();
                let top = counts.keys().next_back().copied().unwrap_or(Severity::Info);
                let _ = writeln!(out, "| {} | {n} | {top} |", md_text(tsc));
            }
            out.push('\n');
        }
        if !scan.errors.is_empty() {
            let _ = writeln!(
                out,
                "**{}** could not be read; findings may be missing.\n",
                plural(scan.errors.len(), "file", "files")
            );
        }

        // findings grouped by file, in report order
        let mut by_file: Vec<(String, Vec<&Finding>)> = Vec::new();
        for f in &scan.findings {
            let file = sources.get(f.primary.span.file).display.clone();
            match by_file.last_mut() {
                Some((name, list)) if *name == file => list.push(f),
                _ => by_file.push((file, vec![f])),
            }
        }
        let budget = self.limit.saturating_sub(RESERVE);
        let mut shown = 0;
        'files: for (file, list) in &by_file {
            let header = format!("### {}\n\n", md_code(file));
            if out.len() + header.len() > budget {
                break;
            }
            out.push_str(&header);
            for f in list {
                let item = item(f, sources);
                if out.len() + item.len() > budget {
                    break 'files;
                }
                out.push_str(&item);
                shown += 1;
            }
            out.push('\n');
        }
        if shown < total {
            let _ = writeln!(
                out,
                "\n_{} more not shown to stay within the comment limit; the SARIF or JSON output has every finding._\n",
                plural(total - shown, "finding is", "findings are")
            );
        }

        for (title, list) in [
            ("Suppressed", &scan.suppressed),
            ("Baseline", &scan.baseline),
        ] {
            if list.is_empty() {
                continue;
            }
            let mut section = format!(
                "<details><summary>{title}: {}</summary>\n\n",
                plural(list.len(), "finding", "findings")
            );
            for f in list.iter() {
                let file = sources.get(f.primary.span.file);
                let p = file.position(f.primary.span.start);
                let why = f
                    .suppression
                    .as_ref()
                    .and_then(|s| s.reason.as_deref())
                    .map(|r| format!(" — {}", md_text(r)))
                    .unwrap_or_default();
                let line = format!(
                    "- {} {} {}{why}\n",
                    md_code(&format!("{}:{}", file.display, p.line)),
                    md_text(&f.rule),
                    md_message(&f.message, false)
                );
                if out.len() + section.len() + line.len() + 32 > self.limit {
                    section.push_str("- …\n");
                    break;
                }
                section.push_str(&line);
            }
            section.push_str("\n</details>\n\n");
            if out.len() + section.len() <= self.limit {
                out.push_str(&section);
            }
        }
        if !scan.warnings.is_empty() {
            let mut section = format!(
                "<details><summary>{}</summary>\n\n",
                plural(scan.warnings.len(), "warning", "warnings")
            );
            for w in &scan.warnings {
                let at = w
                    .span
                    .filter(|s| (s.file as usize) < sources.len())
                    .map(|s| {
                        let f = sources.get(s.file);
                        format!(
                            "{} ",
                            md_code(&format!("{}:{}", f.display, f.position(s.start).line))
                        )
                    })
                    .unwrap_or_default();
                let line = format!("- {at}{}\n", md_message(&w.message, false));
                if out.len() + section.len() + line.len() + 32 > self.limit {
                    section.push_str("- …\n");
                    break;
                }
                section.push_str(&line);
            }
            section.push_str("\n</details>\n");
            if out.len() + section.len() <= self.limit {
                out.push_str(&section);
            }
        }
        out
    }
}

fn item(f: &Finding, sources: &Sources) -> String {
    let file = sources.get(f.primary.span.file);
    let p = file.position(f.primary.span.start);
    let mut s = format!(
        "<details><summary>{} <b>{}</b> {} <a href=\"{}\">{}</a> line {}: {}</summary>\n\n",
        icon(f.severity),
        f.severity,
        html(&f.rule),
        html_attr(&help_uri(&f.rule, &f.name)),
        html(&f.name),
        p.line,
        html_message(&f.message)
    );
    let _ = writeln!(s, "- **Help:** {}", md_message(&f.help, false));
    if let Some(note) = f.confidence_note() {
        let _ = writeln!(s, "- **Confidence:** {}", md_message(&note, false));
    }
    if !f.tsc.is_empty() {
        let _ = writeln!(s, "- **TSC:** {}", md_text(&f.tsc.join(", ")));
    }
    if !f.address.is_empty() {
        let _ = writeln!(s, "- **Address:** {}", md_code(&f.address));
    }
    if !f.principals.is_empty() {
        let _ = writeln!(s, "- **Principals:** {}", ticks(&f.principals));
    }
    if !f.resources.is_empty() {
        let _ = writeln!(s, "- **Resources:** {}", ticks(&f.resources));
    }
    for r in &f.related {
        if (r.span.file as usize) < sources.len() {
            let rf = sources.get(r.span.file);
            let _ = writeln!(
                s,
                "- **Related:** {} {}",
                md_code(&format!(
                    "{}:{}",
                    rf.display,
                    rf.position(r.span.start).line
                )),
                md_message(&r.label, false)
            );
        }
    }
    s.push_str("\n</details>\n");
    s
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

fn ticks(items: &[String]) -> String {
    items
        .iter()
        .map(|i| md_code(i))
        .collect::<Vec<_>>()
        .join(", ")
}
