//! Baselines: `--write-baseline FILE` records the fingerprints of today's findings; with
//! `--baseline FILE` a finding whose fingerprint is recorded is reported under `baseline` and never
//! fails the run. Fingerprints hash the rule, file, block address and element path, never line
//! numbers, so edits above a finding do not change it.

use crate::findings::Finding;
use crate::source::Sources;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

pub const VERSION: u32 = 1;

/// One recorded finding: the fingerprint decides; the rest is for people reading the file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    #[serde(default)]
    pub address: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
    #[serde(skip)]
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn from_findings<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        sources: &Sources,
    ) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .into_iter()
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                file: sources.get(f.primary.span.file).display.clone(),
                address: f.address.clone(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline::new(entries)
    }

    fn new(findings: Vec<Entry>) -> Baseline {
        let fingerprints = findings.iter().map(|e| e.fingerprint.clone()).collect();
        Baseline {
            version: VERSION,
            findings,
            fingerprints,
        }
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline =
            serde_json::from_str(text).map_err(|e| format!("invalid baseline: {e}"))?;
        if b.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {VERSION})",
                b.version
            ));
        }
        Ok(Baseline::new(b.findings))
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
        Baseline::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Move findings recorded in the baseline from `findings` to `baseline`.
    pub fn split(&self, findings: &mut Vec<Finding>, baseline: &mut Vec<Finding>) {
        let (known, new): (Vec<Finding>, Vec<Finding>) = std::mem::take(findings)
            .into_iter()
            .partition(|f| self.contains(&f.fingerprint));
        *findings = new;
        baseline.extend(known);
    }
}
