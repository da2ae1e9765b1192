//! `mlguard init`: a starting `mlguard.toml` for a person to review, written from what a scan
//! saw. Every tier and workload the scan decided is listed explicitly with its evidence as a
//! comment, and `[classification] names = false` is set, so the reviewed file is the whole data
//! classification: nothing is guessed from names on top of it. Datastores that look like ML
//! data but have no tier are commented suggestions; detected AI services are commented
//! `[subservices]` lines, so TP001 keeps firing until someone declares them.

use crate::config::Config;
use crate::model::classify::Tier;
use crate::model::graph::unit_label;
use crate::model::{DatastoreKind, Inventory};
use crate::scan::ScanOutput;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// A TOML basic string: quotes, backslashes and control characters escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line: text after `# `, one line (a newline in a name would end the comment).
fn comment(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {one_line}\n")
}

fn string_list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| toml_string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Config keys for addresses: the address alone when it names one thing in the scan, else
/// qualified by its unit (`apps/lake:aws_s3_bucket.raw`).
struct Keys {
    /// How many units declare each address.
    units_per_address: BTreeMap<String, BTreeSet<usize>>,
    labels: Vec<String>,
}

impl Keys {
    fn new(inv: &Inventory, config_file: &Path) -> Keys {
        let mut units_per_address: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for d in &inv.datastores {
            units_per_address
                .entry(d.address.clone())
                .or_default()
                .insert(d.root);
        }
        for p in inv.principals.iter().filter(|p| p.is_internal()) {
            units_per_address
                .entry(p.address.clone())
                .or_default()
                .insert(p.root);
        }
        // unit names are relative to where the file will live, as a scan reads them
        let at = Config {
            path: Some(config_file.to_path_buf()),
            ..Config::default()
        };
        let labels = inv
            .evidence
            .iter()
            .map(|e| unit_label(&e.dir, &at))
            .collect();
        Keys {
            units_per_address,
            labels,
        }
    }

    fn key(&self, address: &str, root: usize) -> String {
        let shared = self
            .units_per_address
            .get(address)
            .is_some_and(|u| u.len() > 1);
        match shared {
            true => format!("{}:{address}", self.labels[root]),
            false => address.to_string(),
        }
    }
}

/// Where a line came from: `main.tf:12`.
fn place(out: &ScanOutput, span: crate::source::Span) -> String {
    if (span.file as usize) >= out.sources.len() {
        return String::new();
    }
    let f = out.sources.get(span.file);
    format!("{}:{}", f.display, f.position(span.start).line)
}

/// The text of `mlguard.toml` for this scan. `config_file` is where it will be written (unit
/// names are relative to its directory); `config` is the configuration the scan ran with, whose
/// settings other than the classification are carried over.
pub fn render(out: &ScanOutput, config: &Config, config_file: &Path) -> String {
    let inv = &out.inventory;
    let keys = Keys::new(inv, config_file);
    let mut s = String::new();
    s.push_str(
        "# mlguard.toml: the data classification of this repository, written by `mlguard init`.\n\
         # Review every line: each tier and workload below says what the scan saw. Fix what is\n\
         # wrong, uncomment what applies, commit the file, then record the findings you accept\n\
         # with `mlguard scan --write-baseline .mlguard-baseline.json`.\n\
         # Reference: docs/configuration.md\n\n",
    );
    carried_over_top(&mut s, config);
    s.push_str("[classification]\n");
    s.push_str(
        "# The tiers and workloads below are the whole classification: nothing is guessed from\n\
         # names on top of them. Set to true to let names classify what this file leaves out.\n",
    );
    s.push_str("names = false\n");
    // declared workloads of one's own stay declared: `[workloads]` below may name them
    let custom = &config.classification.custom_workloads;
    if !custom.is_empty() {
        let names: Vec<String> = custom.iter().map(|w| toml_string(w.get_ref())).collect();
        s.push_str(&format!("custom_workloads = [{}]\n", names.join(", ")));
    }
    s.push('\n');
    units(&mut s, inv, &keys);
    tiers(&mut s, out, &keys);
    workloads(&mut s, out, &keys);
    subservices(&mut s, out, config);
    carried_over_rest(&mut s, config);
    s
}

fn units(s: &mut String, inv: &Inventory, keys: &Keys) {
    s.push_str(
        "# Deployment units (root modules) the scan found, and what shows ML work in each:\n",
    );
    for (i, e) in inv.evidence.iter().enumerate() {
        if e.dir.as_os_str().is_empty() {
            continue; // a standalone JSON policy file
        }
        let ml = match e.ml.as_slice() {
            [] => "no ML evidence".to_string(),
            [one] => format!("ML evidence: {one}"),
            [first, rest @ ..] => format!("ML evidence: {first} and {} more", rest.len()),
        };
        s.push_str(&comment(&format!("  {}: {ml}", keys.labels[i])));
        for (word, why) in &e.stage_words {
            s.push_str(&comment(&format!(
                "    {word:?} names the environment here, not data: {why}"
            )));
        }
    }
    s.push_str(&account_groups_hint(inv));
    s.push('\n');
}

/// Units that deploy to one AWS account are grouped with `[[account_groups]]` so that
/// wildcard grants reach across them (docs/account-groups.md). Units whose providers name the
/// same literal account id are joined already; they are listed so a reviewer sees it.
fn account_groups_hint(inv: &Inventory) -> String {
    let placed: Vec<&crate::model::Unit> = inv.units.iter().filter(|u| u.dir.is_some()).collect();
    if placed.len() < 2 {
        return String::new();
    }
    let mut s = String::from(
        "# Units that deploy to the same AWS account can be grouped with [[account_groups]]\n\
         # (docs/account-groups.md) so that wildcard grants in one reach datastores of the others.\n",
    );
    let mut by_account: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in &placed {
        for a in &u.accounts {
            by_account
                .entry(a.as_str())
                .or_default()
                .push(u.dir.as_deref().unwrap_or("."));
        }
    }
    for (account, dirs) in by_account.iter().filter(|(_, d)| d.len() > 1) {
        s.push_str(&comment(&format!(
            "  already joined: {} name account {account} in their aws provider",
            dirs.join(", ")
        )));
    }
    s
}

fn tiers(s: &mut String, out: &ScanOutput, keys: &Keys) {
    let inv = &out.inventory;
    s.push_str("[tiers]\n");
    let mut written = BTreeSet::new();
    let mut suggestions = Vec::new();
    // what ML workloads read or write, for unclassified datastores worth a look (DT008)
    let mut ml_access: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for g in &out.analysis.grants {
        let p = &inv.principals[g.principal];
        let ml = ["training", "inference", "pipeline", "notebook"]
            .iter()
            .any(|w| p.workloads.contains(*w));
        if ml
            && matches!(
                g.class,
                crate::access::catalog::ActionClass::Read
                    | crate::access::catalog::ActionClass::Write
            )
        {
            ml_access
                .entry(g.datastore)
                .or_default()
                .insert(p.address.clone());
        }
    }
    for (i, d) in inv.datastores.iter().enumerate() {
        let key = match &d.kind {
            DatastoreKind::Prefix { bucket, prefix } => inv.datastores[*bucket]
                .name
                .as_ref()
                .map(|b| format!("arn:aws:s3:::{b}/{prefix}*")),
            // a GCS prefix from the config has no address of its own (a managed folder has)
            DatastoreKind::Store {
                kind: crate::model::StoreKind::Prefix,
                ..
            } if d.address.contains('/') => d.name.as_ref().map(|n| format!("gs://{n}*")),
            _ => Some(keys.key(&d.address, d.root)),
        };
        let at = place(out, d.span);
        match (d.tier, key) {
            (Some(tier), Some(key)) => {
                if !written.insert(key.clone()) {
                    continue;
                }
                s.push_str(&comment(&format!(
                    "{} ({at}): from {}: {}",
                    d.address, d.tier_reason.source, d.tier_reason.text
                )));
                let _ = writeln!(s, "{} = {}", toml_string(&key), toml_string(tier.as_str()));
            }
            (Some(tier), None) => {
                s.push_str(&comment(&format!(
                    "{} ({at}) is {} ({}); its bucket name is unknown, so it stays decided by the scan",
                    d.address,
                    tier.as_str(),
                    d.tier_reason.text
                )));
            }
            (None, Some(key)) => {
                let why = match (d.name_hint, ml_access.get(&i)) {
                    (Some(t), _) => Some((t, d.tier_reason.text.clone())),
                    (None, Some(readers)) if d.kind != DatastoreKind::LogGroup => Some((
                        Tier::Other,
                        format!(
                            "ML workloads read or write it ({}): choose its tier, or keep \"other\" if it is not ML data",
                            readers.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    )),
                    _ => None,
                };
                if let Some((tier, why)) = why {
                    suggestions.push((key, tier, format!("{} ({at}): {why}", d.address)));
                }
            }
            (None, None) => {}
        }
    }
    if !suggestions.is_empty() {
        s.push_str(
            "\n# Unclassified, but they look like ML data. Uncomment the ones that are, with the\n\
             # right tier (raw, processed, training-ready, model-artifacts, inference-logs,\n\
             # application-logs, other):\n",
        );
        for (key, tier, why) in suggestions {
            s.push_str(&comment(&why));
            s.push_str(&comment(&format!(
                "{} = {}",
                toml_string(&key),
                toml_string(tier.as_str())
            )));
        }
    }
    s.push('\n');
}

fn workloads(s: &mut String, out: &ScanOutput, keys: &Keys) {
    let inv = &out.inventory;
    s.push_str("[workloads]\n");
    let mut written = BTreeSet::new();
    for p in inv.principals.iter().filter(|p| p.is_internal()) {
        if p.workloads.is_empty() {
            continue;
        }
        let key = keys.key(&p.address, p.root);
        if !written.insert(key.clone()) {
            continue;
        }
        s.push_str(&comment(&format!(
            "{} ({}): from {}: {}",
            p.address,
            place(out, p.span),
            p.workload_reason.source,
            p.workload_reason.text
        )));
        let _ = writeln!(s, "{} = {}", toml_string(&key), string_list(&p.workloads));
    }
    s.push('\n');
}

fn subservices(s: &mut String, out: &ScanOutput, config: &Config) {
    let declared: BTreeSet<String> = config
        .subservices
        .declared
        .iter()
        .map(|d| d.get_ref().clone())
        .collect();
    let mut first_use: BTreeMap<&str, String> = BTreeMap::new();
    for u in &out.inventory.ai_uses {
        first_use
            .entry(u.service)
            .or_insert_with(|| format!("{} ({})", u.how, place(out, u.span)));
    }
    if declared.is_empty() && first_use.is_empty() {
        return;
    }
    s.push_str("[subservices]\n");
    s.push_str(
        "# Third-party AI services the scan saw. Declare the ones your vendor inventory covers;\n\
         # TP001 reports each until it is declared.\n",
    );
    for (service, how) in &first_use {
        s.push_str(&comment(&format!("{service}: {how}")));
    }
    let undeclared: Vec<String> = first_use
        .keys()
        .filter(|k| !declared.contains(**k))
        .map(|k| k.to_string())
        .collect();
    if !declared.is_empty() {
        let _ = writeln!(s, "declared = {}", string_list(&declared));
        if !undeclared.is_empty() {
            let all: BTreeSet<String> = declared.iter().cloned().chain(undeclared).collect();
            s.push_str(&comment(&format!("declared = {}", string_list(&all))));
        }
    } else {
        s.push_str(&comment(&format!(
            "declared = {}",
            string_list(&undeclared)
        )));
    }
    s.push('\n');
}

/// Top-level keys of the existing configuration (they must come before any table).
fn carried_over_top(s: &mut String, config: &Config) {
    if !config.accounts.is_empty() {
        let accounts: Vec<String> = config
            .accounts
            .iter()
            .map(|a| a.get_ref().clone())
            .collect();
        let _ = writeln!(s, "accounts = {}\n", string_list(&accounts));
    }
}

/// The settings of the existing configuration that are not classification, kept as they were.
fn carried_over_rest(s: &mut String, config: &Config) {
    let il = &config.inference_logs;
    if !il.readers.is_empty()
        || il.retention_min_days.is_some()
        || il.retention_max_days.is_some()
        || il.bedrock_invocation_logging.is_some()
        || il.vertex_audit_logging.is_some()
    {
        s.push_str("[inference_logs]\n");
        if !il.readers.is_empty() {
            let readers: Vec<String> = il.readers.iter().map(|r| r.get_ref().clone()).collect();
            let _ = writeln!(s, "readers = {}", string_list(&readers));
        }
        if let Some(v) = &il.retention_min_days {
            let _ = writeln!(s, "retention_min_days = {}", v.get_ref());
        }
        if let Some(v) = &il.retention_max_days {
            let _ = writeln!(s, "retention_max_days = {}", v.get_ref());
        }
        if let Some(v) = &il.bedrock_invocation_logging {
            let _ = writeln!(
                s,
                "bedrock_invocation_logging = {}",
                toml_string(v.get_ref())
            );
        }
        if let Some(v) = &il.vertex_audit_logging {
            let _ = writeln!(s, "vertex_audit_logging = {}", toml_string(v.get_ref()));
        }
        s.push('\n');
    }
    if let Some(v) = &config.llm_safety.model_armor_floor_setting {
        let _ = writeln!(
            s,
            "[llm_safety]\nmodel_armor_floor_setting = {}\n",
            toml_string(v.get_ref())
        );
    }
    if let Some(tags) = &config.lineage.required_tags {
        let _ = writeln!(s, "[lineage]\nrequired_tags = {}\n", string_list(tags));
    }
    let r = &config.rules;
    if !r.ignore.is_empty() || !r.select.is_empty() || r.fail_on.is_some() {
        s.push_str("[rules]\n");
        for (name, list) in [("select", &r.select), ("ignore", &r.ignore)] {
            if !list.is_empty() {
                let ids: Vec<String> = list.iter().map(|x| x.get_ref().clone()).collect();
                let _ = writeln!(s, "{name} = {}", string_list(&ids));
            }
        }
        if let Some(f) = &r.fail_on {
            let _ = writeln!(s, "fail_on = {}", toml_string(f.get_ref()));
        }
        s.push('\n');
    }
    for g in &config.account_groups {
        s.push_str("[[account_groups]]\n");
        let _ = writeln!(s, "name = {}", toml_string(g.name.get_ref()));
        let roots: Vec<String> = g
            .roots
            .get_ref()
            .iter()
            .map(|r| r.get_ref().clone())
            .collect();
        let _ = writeln!(s, "roots = {}\n", string_list(&roots));
    }
    for e in &config.exceptions {
        s.push_str("[[exceptions]]\n");
        let _ = writeln!(s, "rule = {}", toml_string(e.rule.get_ref()));
        let _ = writeln!(s, "address = {}", toml_string(e.address.get_ref()));
        if let Some(r) = &e.reason {
            let _ = writeln!(s, "reason = {}", toml_string(r.get_ref()));
        }
        if let Some(u) = &e.until {
            let _ = writeln!(s, "until = {}", toml_string(u.get_ref()));
        }
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_survive_quotes_brackets_and_control_characters() {
        let key = "module.team[\"a\\\"b\"].aws_iam_role.this[0]\t\u{1}";
        let text = format!("[tiers]\n{} = \"raw\"\n", toml_string(key));
        let config = Config::parse("mlguard.toml", &text).unwrap();
        assert_eq!(config.tiers.keys().next().unwrap().get_ref(), key);
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb"), "# a b\n");
    }
}
