//! `mlguard access`: for each datastore, who can read, write, list, administer, tag and manage
//! permissions, through which statement (file:line), and whether conditions apply. The view an
//! auditor asks for first.

use crate::access::catalog::ActionClass;
use crate::access::Analysis;
use crate::model::{Datastore, Inventory};
use crate::report::accounts;
use crate::report::escape::{self, md_code, md_code_cell, md_message, text};
use crate::source::{Sources, Span};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One row: a principal's access of one class to one datastore through one statement.
struct Row {
    class: ActionClass,
    principal: String,
    /// The principal's deployment unit (root directory).
    unit: Option<String>,
    kind: &'static str,
    workloads: Vec<String>,
    actions: Vec<String>,
    via: &'static str,
    document: String,
    at: Location,
    conditional: bool,
    kms_gate: &'static str,
    /// The service account whose rights it uses (impersonation), when not its own.
    through: Option<String>,
}

struct Location {
    file: String,
    line: u32,
}

fn location(sources: &Sources, span: Span) -> Location {
    if (span.file as usize) >= sources.len() {
        return Location {
            file: String::new(),
            line: 0,
        };
    }
    let f = sources.get(span.file);
    Location {
        file: f.display.clone(),
        line: f.position(span.start).line,
    }
}

/// A root's unit directory, `None` for a policy file outside every root.
fn unit_of(inv: &Inventory, root: usize) -> Option<String> {
    inv.units.get(root).and_then(|u| u.dir.clone())
}

/// Datastores worth listing (tiered, or reached by someone), with their rows, sorted.
fn collect<'a>(
    inv: &'a Inventory,
    analysis: &Analysis,
    sources: &Sources,
) -> Vec<(usize, &'a Datastore, Vec<Row>)> {
    let mut rows: BTreeMap<usize, Vec<Row>> = BTreeMap::new();
    for g in &analysis.grants {
        let p = &inv.principals[g.principal];
        let doc = &inv.documents[g.document];
        let st = &doc.statements[g.statement];
        // a managed policy's statement is not in a scanned file: show where it is attached
        let span = match (doc.external, g.attachment) {
            (true, Some(a)) => inv.attachments[a].span,
            _ => st.span,
        };
        rows.entry(g.datastore).or_default().push(Row {
            class: g.class,
            principal: p.address.clone(),
            unit: unit_of(inv, p.root),
            kind: p.kind.as_str(),
            workloads: p.workloads.iter().cloned().collect(),
            actions: g.actions.iter().cloned().collect(),
            via: doc.kind.as_str(),
            document: doc.name.clone(),
            at: location(sources, span),
            conditional: g.conditional,
            kms_gate: g.kms_gate,
            // a chain of impersonation reads `a -> b`
            through: g.through.as_ref().map(|path| {
                path.iter()
                    .map(|t| inv.principals[*t].address.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            }),
        });
    }
    let listed: Vec<usize> = (0..inv.datastores.len())
        .filter(|i| inv.datastores[*i].tier.is_some() || rows.contains_key(i))
        .collect();
    let mut out: Vec<(usize, &Datastore, Vec<Row>)> = listed
        .into_iter()
        .map(|i| {
            let d = &inv.datastores[i];
            let mut r = rows.remove(&i).unwrap_or_default();
            r.sort_by(|a, b| {
                (a.class, &a.principal, &a.at.file, a.at.line).cmp(&(
                    b.class,
                    &b.principal,
                    &b.at.file,
                    b.at.line,
                ))
            });
            (i, d, r)
        })
        .collect();
    // tiered datastores first, in tier order, then by address
    out.sort_by(|a, b| {
        (a.1.tier.is_none(), a.1.tier, &a.1.address).cmp(&(
            b.1.tier.is_none(),
            b.1.tier,
            &b.1.address,
        ))
    });
    out
}

pub fn json(inv: &Inventory, analysis: &Analysis, sources: &Sources) -> Value {
    let stores: Vec<Value> = collect(inv, analysis, sources)
        .into_iter()
        .map(|(id, d, rows)| {
            let at = location(sources, d.span);
            let mut access = serde_json::Map::new();
            for class in ActionClass::ALL {
                let list: Vec<Value> = rows
                    .iter()
                    .filter(|r| r.class == class)
                    .map(|r| {
                        json!({"principal": r.principal, "unit": r.unit, "kind": r.kind, "workloads": r.workloads, "actions": r.actions,
                               "via": r.via, "document": r.document, "file": r.at.file, "line": r.at.line,
                               "conditional": r.conditional, "kms_gate": r.kms_gate, "through": r.through})
                    })
                    .collect();
                if !list.is_empty() {
                    access.insert(class.as_str().to_string(), Value::Array(list));
                }
            }
            json!({"address": d.address, "unit": unit_of(inv, d.root), "kind": d.kind.as_str(), "name": d.label(&inv.datastores),
                   "tier": d.tier.map(|t| t.as_str()), "tier_reason": d.tier_reason.text,
                   "file": at.file, "line": at.line, "access": access,
                   "account": accounts::of_datastore(inv, id, d)})
        })
        .collect();
    json!({"version": 1, "datastores": stores, "accounts": accounts::json(inv, sources)})
}

fn who(r: &Row) -> String {
    let w = if r.workloads.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.workloads.join(", "))
    };
    format!("{}{w}", r.principal)
}

fn unit_text(unit: &Option<String>) -> &str {
    unit.as_deref().unwrap_or("-")
}

/// Actions longer than this (in characters, joined) are listed below their row.
const ACTIONS_INLINE: usize = 60;
/// The width lines of wrapped actions keep to.
const WRAP_WIDTH: usize = 100;

/// Comma-separated items in lines of at most `width` characters (an item longer than that has
/// a line of its own).
fn wrap(items: &[String], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let len = line.chars().count();
        if len > 0 && len + 1 + piece.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn human(inv: &Inventory, analysis: &Analysis, sources: &Sources) -> String {
    let mut out = String::new();
    let stores = collect(inv, analysis, sources);
    for (_, d, rows) in &stores {
        let at = location(sources, d.span);
        let tier = d.tier.map_or("unclassified".to_string(), |t| {
            format!("{} tier", t.as_str())
        });
        let _ = writeln!(
            out,
            "{} ({})  {tier}, from {}  [{}:{}]  unit {}",
            text(&d.address),
            text(&d.label(&inv.datastores)),
            text(&d.tier_reason.text),
            text(&at.file),
            at.line,
            text(unit_text(&unit_of(inv, d.root)))
        );
        if rows.is_empty() {
            let _ = writeln!(out, "  no principal in the configuration has access");
        }
        for r in rows {
            let mut cond = if r.conditional { "  (conditional)" } else { "" }.to_string();
            match r.kms_gate {
                "denied" => cond.push_str("  (no kms:Decrypt on the bucket key)"),
                "unknown" => cond.push_str("  (kms:Decrypt on the bucket key not known)"),
                _ => {}
            }
            if let Some(t) = &r.through {
                cond.push_str(&format!("  (acting as {})", text(t)));
            }
            let actions = text(&r.actions.join(", ")).into_owned();
            // a long list (a managed policy's 33 actions) goes on lines of its own below the row
            let long = actions.chars().count() > ACTIONS_INLINE;
            let _ = writeln!(
                out,
                "  {:<18} {:<44} unit {}  {}  via {} {} [{}:{}]{cond}",
                r.class.as_str(),
                text(&who(r)),
                text(unit_text(&r.unit)),
                if long {
                    format!("{} actions", r.actions.len())
                } else {
                    actions
                },
                r.via,
                text(&r.document),
                text(&r.at.file),
                r.at.line
            );
            if long {
                let items: Vec<String> = r.actions.iter().map(|a| text(a).into_owned()).collect();
                for line in wrap(&items, WRAP_WIDTH - 6) {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
        out.push('\n');
    }
    let clouds = accounts::collect(inv);
    if !clouds.is_empty() {
        let _ = writeln!(out, "accounts:");
        for a in &clouds {
            let units: Vec<&str> = a.units.iter().map(unit_text).collect();
            let _ = writeln!(
                out,
                "  {}  unit {}",
                text(&a.label()),
                text(&units.join(", "))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} datastores, {} grants",
        stores.len(),
        analysis.grants.len()
    );
    escape::log_lines(out)
}

pub fn markdown(inv: &Inventory, analysis: &Analysis, sources: &Sources) -> String {
    let mut out = String::from("# Effective access to data stores\n\n");
    let clouds = accounts::collect(inv);
    if !clouds.is_empty() {
        out.push_str("The code deploys into: ");
        let items: Vec<String> = clouds
            .iter()
            .map(|a| {
                let units: Vec<&str> = a.units.iter().map(unit_text).collect();
                format!(
                    "{} (unit {})",
                    md_message(&a.label(), false),
                    md_code(&units.join(", "))
                )
            })
            .collect();
        out.push_str(&items.join(", "));
        out.push_str(".\n\n");
    }
    for (_, d, rows) in collect(inv, analysis, sources) {
        let at = location(sources, d.span);
        let tier = d
            .tier
            .map_or("unclassified".to_string(), |t| t.as_str().to_string());
        let _ = writeln!(
            out,
            "## {}\n\n{} ({}), tier **{tier}** ({}), declared at {} in unit {}.\n",
            md_code(&d.address),
            d.kind.as_str(),
            md_code(&d.label(&inv.datastores)),
            md_message(&d.tier_reason.text, false),
            md_code(&format!("{}:{}", at.file, at.line)),
            md_code(unit_text(&unit_of(inv, d.root))),
        );
        if rows.is_empty() {
            out.push_str("No principal in the configuration has access.\n\n");
            continue;
        }
        out.push_str("| access | principal | unit | actions | through | where | conditional |\n|---|---|---|---|---|---|---|\n");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} policy {} | {} | {} |",
                r.class.as_str(),
                md_code_cell(&who(r)),
                md_code_cell(unit_text(&r.unit)),
                r.actions
                    .iter()
                    .map(|a| md_code_cell(a))
                    .collect::<Vec<_>>()
                    .join(" "),
                r.via,
                md_code_cell(&r.document),
                md_code_cell(&format!("{}:{}", r.at.file, r.at.line)),
                if r.conditional { "yes" } else { "no" }
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width_and_every_item_once() {
        let items: Vec<String> = (0..33).map(|i| format!("s3:GetObjectVersion{i}")).collect();
        let lines = wrap(&items, 60);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 60), "{lines:?}");
        let back: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.split(", "))
            .flat_map(|l| l.split(' '))
            .map(|i| i.trim_end_matches(','))
            .collect();
        assert_eq!(back, items.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(wrap(&["a".into(), "b".into()], 60), vec!["a, b"]);
        assert!(wrap(&[], 60).is_empty());
    }
}
