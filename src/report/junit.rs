//! `--format junit`: what CI dashboards ingest. One `<testsuite>` per scanned file, one
//! `<testcase>` per rule per file: a `<failure>` holds that rule's findings in that file, a rule
//! whose findings there are all suppressed or in the baseline is `<skipped>`, and a file that does
//! not parse has an `<error>` testcase. Every other rule that ran, having found nothing, is one
//! passing testcase in a last suite, `rules without findings`.

use crate::findings::Finding;
use crate::report::escape::{self, text, xml_attr, xml_text};
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
                        format!("{}:{}:{}: ", text(&f.display), p.line, p.column),
                    )
                }
                _ => (e.path.clone().unwrap_or_default(), String::new()),
            };
            files.insert(file.clone());
            errors
                .entry(file)
                .or_default()
                .push(format!("{at}{}", text(&e.message)));
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
                    xml_attr(&format!("{rule} {name}: {file}")),
                    xml_attr(&classname),
                    xml_attr(file)
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
                            xml_attr(&summary(&case.findings)),
                            first.severity
                        );
                        for f in &case.findings {
                            suite.push_str(&xml_text(&detail(f, sources)));
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
                                    Some(r) => format!("{why}: {}", text(r)),
                                    None => why.to_string(),
                                }
                            })
                            .collect();
                        let _ = write!(
                            suite,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                            xml_attr(&reasons.join("; "))
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
                    xml_attr(file),
                    xml_attr(file),
                    xml_attr(&list[0]),
                    xml_text(&list.join("\n"))
                );
            }
            if tests == 0 {
                tests = 1;
                let _ = writeln!(
                    suite,
                    "    <testcase name=\"mlguard: {}\" classname=\"mlguard\" file=\"{}\"/>",
                    xml_attr(file),
                    xml_attr(file)
                );
            }
            let _ = write!(
                body,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errs}\" skipped=\"{skipped}\">\n{suite}  </testsuite>\n",
                xml_attr(file)
            );
            total_tests += tests;
            total_failures += failures;
            total_errors += errs;
            total_skipped += skipped;
        }
        // one passing test case for each rule that ran and found nothing anywhere, so that
        // dashboards count what passed, not only what failed
        let quiet_rules: Vec<&(String, String)> = scan
            .rules_run
            .iter()
            .filter(|(id, _)| !rules.contains_key(id.as_str()))
            .collect();
        if !quiet_rules.is_empty() {
            let mut suite = String::new();
            for (rule, name) in &quiet_rules {
                let _ = writeln!(
                    suite,
                    "    <testcase name=\"{}\" classname=\"{}\"/>",
                    xml_attr(&format!("{rule} {name}: no findings")),
                    xml_attr(&format!("{rule} {name}"))
                );
            }
            let _ = write!(
                body,
                "  <testsuite name=\"rules without findings\" tests=\"{}\" failures=\"0\" errors=\"0\" skipped=\"0\">\n{suite}  </testsuite>\n",
                quiet_rules.len()
            );
            total_tests += quiet_rules.len();
        }
        // a detail line starts with a file name, which could read as a workflow command
        escape::log_lines(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mlguard\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{total_errors}\" skipped=\"{total_skipped}\">\n{body}</testsuites>\n"
        ))
    }
}

fn summary(findings: &[&Finding]) -> String {
    match findings {
        [one] => text(&one.message).into_owned(),
        [first, ..] => format!("{} (and {} more)", text(&first.message), findings.len() - 1),
        [] => String::new(),
    }
}

fn detail(f: &Finding, sources: &Sources) -> String {
    let file = sources.get(f.primary.span.file);
    let p = file.position(f.primary.span.start);
    let mut s = format!(
        "\n{}:{}:{}: {} {} [{}] {}\n  help: {}\n",
        text(&file.display),
        p.line,
        p.column,
        text(&f.rule),
        f.severity,
        text(&f.tsc.join(", ")),
        text(&f.message),
        text(&f.help)
    );
    if let Some(note) = f.confidence_note() {
        s.push_str(&format!("  {}\n", text(&note)));
    }
    for r in &f.related {
        if (r.span.file as usize) < sources.len() {
            let rf = sources.get(r.span.file);
            let rp = rf.position(r.span.start);
            let _ = writeln!(
                s,
                "  related: {}:{}:{}: {}",
                text(&rf.display),
                rp.line,
                rp.column,
                text(&r.label)
            );
        }
    }
    s
}
