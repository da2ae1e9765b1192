//! `--format junit`: what CI dashboards ingest. One `<testsuite>` per scanned file, one
//! `<testcase>` per rule per file: a `<failure>` holds that rule's findings in that file, a rule
//! whose findings there are all suppressed or in the baseline is `<skipped>`, and a file that does
//! not parse has an `<error>` testcase.

use crate::findings::Finding;
use crate::report::{all_findings, Format, Report};
use crate::source::Sources;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

pub struct Junit;

#[derive(Default)]
struct Case<'a> {
    findings: Vec<&'a Finding>,
    quiet: Vec<(&'a Finding, &'static str)>,
}

impl Format for Junit {
    fn render(&self, report: &Report, _color: bool) -> String {
        let scan = report.scan;
        let sources = &scan.sources;
        // the files a report is about: every scanned .tf and policy file
        let mut files: BTreeSet<String> = sources
            .all()
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "tf" || e == "json"))
            .map(|f| f.display.clone())
            .collect();
        let rules: BTreeMap<&str, &str> = all_findings(scan)
            .map(|f| (f.rule.as_str(), f.name.as_str()))
            .collect();
        let mut cases: BTreeMap<(String, &str), Case> = BTreeMap::new();
        let display = |f: &Finding| sources.get(f.primary.span.file).display.clone();
        for f in &scan.findings {
            files.insert(display(f));
            cases
                .entry((display(f), &f.rule))
                .or_default()
                .findings
                .push(f);
        }
        for (list, why) in [
            (&scan.suppressed, "suppressed"),
            (&scan.baseline, "in the baseline"),
        ] {
            for f in list {
                files.insert(display(f));
                cases
                    .entry((display(f), &f.rule))
                    .or_default()
                    .quiet
                    .push((f, why));
            }
        }
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in &scan.errors {
            let (file, at) = match e.span {
                Some(s) if (s.file as usize) < sources.len() => {
                    let f = sources.get(s.file);
                    let p = f.position(s.start);
                    (
                        f.display.clone(),
                        format!("{}:{}:{}: ", f.display, p.line, p.column),
                    )
                }
                _ => (e.path.clone().unwrap_or_default(), String::new()),
            };
            files.insert(file.clone());
            errors
                .entry(file)
                .or_default()
                .push(format!("{at}{}", e.message));
        }

        let mut body = String::new();
        let (mut total_tests, mut total_failures, mut total_errors, mut total_skipped) =
            (0, 0, 0, 0);
        for file in &files {
            let mut suite = String::new();
            let (mut tests, mut failures, mut errs, mut skipped) = (0, 0, 0, 0);
            for (rule, name) in &rules {
                tests += 1;
                let classname = format!("{rule} {name}");
                let _ = write!(
                    suite,
                    "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                    esc(&format!("{rule} {name}: {file}")),
                    esc(&classname),
                    esc(file)
                );
                match cases.get(&(file.clone(), *rule)) {
                    Some(case) if !case.findings.is_empty() => {
                        failures += 1;
                        let first = case.findings[0];
                        let line = sources
                            .get(first.primary.span.file)
                            .position(first.primary.span.start)
                            .line;
                        let _ = write!(
                            suite,
                            " line=\"{line}\">\n      <failure message=\"{}\" type=\"{}\">",
                            esc(&summary(&case.findings)),
                            first.severity
                        );
                        for f in &case.findings {
                            suite.push_str(&esc(&detail(f, sources)));
                        }
                        suite.push_str("</failure>\n    </testcase>\n");
                    }
                    Some(case) if !case.quiet.is_empty() => {
                        skipped += 1;
                        let reasons: Vec<String> = case
                            .quiet
                            .iter()
                            .map(|(f, why)| {
                                match f.suppression.as_ref().and_then(|s| s.reason.as_ref()) {
                                    Some(r) => format!("{why}: {r}"),
                                    None => why.to_string(),
                                }
                            })
                            .collect();
                        let _ = write!(
                            suite,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                            esc(&reasons.join("; "))
                        );
                    }
                    _ => suite.push_str("/>\n"),
                }
            }
            if let Some(list) = errors.get(file) {
                tests += 1;
                errs += 1;
                let _ = write!(
                    suite,
                    "    <testcase name=\"parse: {}\" classname=\"parse\" file=\"{}\">\n      <error message=\"{}\" type=\"parse-error\">{}</error>\n    </testcase>\n",
                    esc(file),
                    esc(file),
                    esc(&list[0]),
                    esc(&list.join("\n"))
                );
            }
            if tests == 0 {
                tests = 1;
                let _ = writeln!(
                    suite,
                    "    <testcase name=\"mlguard: {}\" classname=\"mlguard\" file=\"{}\"/>",
                    esc(file),
                    esc(file)
                );
            }
            let _ = write!(
                body,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errs}\" skipped=\"{skipped}\">\n{suite}  </testsuite>\n",
                esc(file)
            );
            total_tests += tests;
            total_failures += failures;
            total_errors += errs;
            total_skipped += skipped;
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mlguard\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{total_errors}\" skipped=\"{total_skipped}\">\n{body}</testsuites>\n"
        )
    }
}

fn summary(findings: &[&Finding]) -> String {
    match findings {
        [one] => one.message.clone(),
        [first, ..] => format!("{} (and {} more)", first.message, findings.len() - 1),
        [] => String::new(),
    }
}

fn detail(f: &Finding, sources: &Sources) -> String {
    let file = sources.get(f.primary.span.file);
    let p = file.position(f.primary.span.start);
    let mut s = format!(
        "\n{}:{}:{}: {} {} [{}] {}\n  help: {}\n",
        file.display,
        p.line,
        p.column,
        f.rule,
        f.severity,
        f.tsc.join(", "),
        f.message,
        f.help
    );
    if let Some(note) = f.confidence_note() {
        s.push_str(&format!("  {note}\n"));
    }
    for r in &f.related {
        if (r.span.file as usize) < sources.len() {
            let rf = sources.get(r.span.file);
            let rp = rf.position(r.span.start);
            let _ = writeln!(
                s,
                "  related: {}:{}:{}: {}",
                rf.display, rp.line, rp.column, r.label
            );
        }
    }
    s
}

/// Escape text for XML attributes and content; drop characters XML 1.0 cannot hold.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
