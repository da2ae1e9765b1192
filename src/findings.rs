//! Findings: a rule that fired, where (primary span and related labels), about whom, and a
//! fingerprint that survives unrelated edits.

use crate::source::{Sources, Span};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a finding is: `medium` when it rests on a tier or workload that came from a name
/// (model.md, "Datastores and tiers" step 4), else `high`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A span with what it is: the enclosing block's address and the element path inside it, which
/// is what fingerprints hash (never line numbers).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Located {
    pub span: Span,
    /// The enclosing block's address without instance keys (`aws_iam_role_policy.trainer`), or
    /// empty for a JSON file.
    pub address: String,
    /// Element path inside it (`Statement[0]`, `tags`), empty for the block itself.
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Related {
    pub span: Span,
    pub label: String,
}

/// Why a finding does not count: a `# mlguard:ignore` comment or a config `[[exceptions]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub reason: Option<String>,
    /// `YYYY-MM-DD`; after it the suppression stops working.
    pub until: Option<String>,
    /// The comment, or the `[[exceptions]]` entry in the config file.
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub tsc: Vec<String>,
    pub message: String,
    pub help: String,
    pub primary: Located,
    /// The address of the resource the primary span belongs to, with instance keys.
    pub address: String,
    pub principals: Vec<String>,
    pub resources: Vec<String>,
    pub related: Vec<Related>,
    /// Root directories of the deployment units it is about (not part of the fingerprint).
    pub units: Vec<String>,
    pub fingerprint: String,
    /// Set on findings listed under `suppressed`.
    pub suppression: Option<Suppression>,
    pub confidence: Confidence,
    /// For a medium-confidence finding: the name-derived classifications it rests on
    /// (`tier of `aws_s3_bucket.raw` from its name`).
    pub confidence_reason: Option<String>,
}

impl Finding {
    /// `medium confidence: tier of `aws_s3_bucket.raw` from its name`, for medium findings.
    pub fn confidence_note(&self) -> Option<String> {
        (self.confidence == Confidence::Medium).then(|| match &self.confidence_reason {
            Some(r) if !r.is_empty() => format!("medium confidence: {r}"),
            _ => "medium confidence: rests on a name".to_string(),
        })
    }

    pub fn compute_fingerprint(&mut self, sources: &Sources) {
        let file = sources.get(self.primary.span.file);
        let mut h = Sha256::new();
        for part in [
            self.rule.as_str(),
            file.display.as_str(),
            self.primary.address.as_str(),
            self.primary.path.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        if self.primary.address.is_empty() && self.primary.path.is_empty() {
            // nothing structural to name it by: fall back to the text it points at
            h.update(
                file.slice(self.primary.span)
                    .split_whitespace()
                    .collect::<String>(),
            );
        }
        self.fingerprint = h
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
    }
}

/// Sort by file, line, column, rule: the order every report uses.
pub fn sort(findings: &mut [Finding], sources: &Sources) {
    findings.sort_by_cached_key(|f| {
        let file = sources.get(f.primary.span.file);
        let pos = file.position(f.primary.span.start);
        (
            file.display.clone(),
            pos.line,
            pos.column,
            f.rule.clone(),
            f.fingerprint.clone(),
        )
    });
}

/// Turn rule hits into findings: one per (rule, primary span), merging the principals,
/// datastores and related locations of every fact that shares it.
pub fn collect(
    hits: &[crate::engine::Hit],
    facts: &crate::facts::Facts,
    engine: &crate::engine::Engine,
    sources: &Sources,
) -> Vec<Finding> {
    use std::collections::{BTreeMap, BTreeSet};
    struct Acc {
        first_fact: usize,
        principals: BTreeSet<String>,
        resources: BTreeSet<String>,
        related: Vec<Related>,
        vars: BTreeMap<&'static str, BTreeSet<String>>,
        units: BTreeSet<usize>,
        /// Some fact fires without any name-derived classification.
        firm: bool,
        name_basis: BTreeSet<String>,
    }
    let mut groups: BTreeMap<(usize, Span), Acc> = BTreeMap::new();
    for hit in hits {
        let rule = &engine.rules()[hit.rule];
        let fact = &facts.facts[hit.fact];
        let primary = rule
            .blame
            .iter()
            .find_map(|b| fact.spans.iter().find(|(n, _)| n == b))
            .or_else(|| fact.spans.first());
        let Some((_, primary)) = primary else {
            continue;
        };
        let acc = groups
            .entry((hit.rule, primary.span))
            .or_insert_with(|| Acc {
                first_fact: hit.fact,
                principals: BTreeSet::new(),
                resources: BTreeSet::new(),
                related: Vec::new(),
                vars: BTreeMap::new(),
                units: BTreeSet::new(),
                firm: false,
                name_basis: BTreeSet::new(),
            });
        acc.units.extend(fact.units.iter().copied());
        acc.firm |= hit.firm;
        if !hit.firm {
            acc.name_basis
                .extend(fact.name_basis.iter().map(|b| b.to_string()));
        }
        acc.principals.extend(fact.principals.iter().cloned());
        acc.resources.extend(fact.resources.iter().cloned());
        for r in &fact.related {
            if !acc.related.contains(r) && !r.span.contains(&primary.span) {
                acc.related.push(r.clone());
            }
        }
        for (k, v) in &fact.vars {
            acc.vars.entry(k).or_default().insert(v.to_string());
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for ((rule_ix, _), acc) in groups {
        let rule = &engine.rules()[rule_ix];
        let fact = &facts.facts[acc.first_fact];
        let primary = rule
            .blame
            .iter()
            .find_map(|b| fact.spans.iter().find(|(n, _)| n == b))
            .or_else(|| fact.spans.first())
            .map(|(_, l)| l.clone())
            .expect("grouped facts have a primary span");
        let quote = |items: &BTreeSet<String>| {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut vars: Vec<(&str, String)> = vec![
            ("principals", quote(&acc.principals)),
            ("resources", quote(&acc.resources)),
        ];
        for (k, v) in &acc.vars {
            let joined: BTreeSet<&str> = v
                .iter()
                .flat_map(|s| s.split(", "))
                .filter(|s| !s.is_empty())
                .collect();
            vars.push((k, joined.into_iter().collect::<Vec<_>>().join(", ")));
        }
        // the facts of one cloud read in that cloud's words; a finding spanning clouds (a
        // statement reaching AWS and GCP stores cannot, but a user rule may group anything)
        // keeps the rule's own
        let cloud = acc
            .vars
            .get("cloud")
            .filter(|c| c.len() == 1)
            .and_then(|c| c.iter().next())
            .map(String::as_str);
        let (message, help) = rule.wording(cloud);
        let mut f = Finding {
            rule: rule.id.clone(),
            name: rule.name.clone(),
            severity: rule.severity,
            tsc: rule.tsc.clone(),
            message: fill(message, &vars),
            help: fill(help, &vars),
            primary,
            address: fact.address.clone(),
            principals: acc.principals.into_iter().collect(),
            resources: acc.resources.into_iter().collect(),
            related: acc.related,
            units: acc
                .units
                .iter()
                .filter_map(|&u| facts.unit_dirs.get(u).cloned().flatten())
                .collect::<BTreeSet<String>>()
                .into_iter()
                .collect(),
            fingerprint: String::new(),
            suppression: None,
            confidence: if acc.firm {
                Confidence::High
            } else {
                Confidence::Medium
            },
            confidence_reason: (!acc.firm)
                .then(|| acc.name_basis.into_iter().collect::<Vec<_>>().join("; ")),
        };
        f.compute_fingerprint(sources);
        out.push(f);
    }
    out
}

/// Fill `{placeholder}`s; unknown placeholders are left as written.
pub fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match vars.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
