//! `# mlguard:ignore` comments in a `.tf` file: found, parsed, placed on the block they cover and
//! matched against a finding on every line, strict and not, as `suppress::apply` does in a scan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard::config::Config;
use mlguard::findings::{Confidence, Finding, Located, Severity};
use mlguard::source::{Sources, Span};
use mlguard::suppress::{self, Date, Options};
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = Sources::new(PathBuf::from("/fuzz"));
    let file = sources.add(PathBuf::from("/fuzz/main.tf"), text.to_string());

    // the rule ids the text names (two capitals and three digits), and one it does not
    let mut ids: Vec<String> = text
        .as_bytes()
        .windows(5)
        .filter(|w| {
            w[..2].iter().all(u8::is_ascii_uppercase) && w[2..].iter().all(u8::is_ascii_digit)
        })
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids.truncate(8);
    ids.push("SD001".into());

    // a finding on each line's code, for each id, as a rule would report it
    let mut findings = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(200) {
        let code = line.trim();
        if !code.is_empty() {
            let start = offset + (line.len() - line.trim_start().len());
            for id in &ids {
                findings.push(finding(id, Span::new(file, start..start + code.len())));
            }
        }
        offset += line.len();
    }

    for strict in [false, true] {
        let opts = Options {
            ignore_all: false,
            strict,
            today: Date {
                year: 2026,
                month: 12,
                day: 6,
            },
            known: ids.iter().take(2).cloned().collect(),
            enabled: Default::default(),
        };
        let out = suppress::apply(findings.clone(), &sources, &Config::default(), &opts);
        for w in out.warnings.iter().filter_map(|w| w.span) {
            let _ = sources.get(w.file).slice(w);
            let _ = sources.get(w.file).position(w.end);
        }
    }
    for line in text.lines() {
        if let Some(at) = line.find("mlguard:ignore") {
            let _ = suppress::parse_directive(&line[at + "mlguard:ignore".len()..]);
        }
    }
});

fn finding(rule: &str, span: Span) -> Finding {
    Finding {
        rule: rule.to_string(),
        name: format!("{}-name", rule.to_lowercase()),
        severity: Severity::High,
        tsc: vec!["CC6.1".into()],
        message: String::new(),
        help: String::new(),
        primary: Located {
            span,
            address: "aws_s3_bucket.b".into(),
            path: String::new(),
        },
        address: "aws_s3_bucket.b".into(),
        principals: Vec::new(),
        resources: Vec::new(),
        related: Vec::new(),
        units: Vec::new(),
        fingerprint: String::new(),
        suppression: None,
        confidence: Confidence::High,
        confidence_reason: None,
    }
}
