//! The cloud accounts the scanned code deploys into, side by side: AWS accounts (the ids the
//! default `aws` provider names), Google Cloud projects (of the GCP datastores and service
//! accounts) and Azure subscriptions (the `azurerm` provider's `subscription_id`,
//! `azurerm_subscription` data sources and resources, role-assignment scopes). One the code does
//! not name is "this account", "this project" or "this subscription": the one Terraform runs
//! in. `access`, `inventory` and `evidence` list them (`json`), and name each datastore's.

use crate::model::{Cloud, Datastore, Inventory};
use crate::source::{Sources, Span};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One account, project or subscription.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub cloud: &'static str,
    /// `account`, `project` or `subscription`.
    pub kind: &'static str,
    /// Its id when the code names it; `None` is the one Terraform runs in.
    pub id: Option<String>,
    /// The units that deploy into it or name it.
    pub units: BTreeSet<Option<String>>,
    /// What names it, and where (none for AWS accounts: the provider's ids carry no place).
    pub declared: Vec<(String, Span)>,
}

impl Account {
    /// `123456789012`, or `this account` when the code does not say.
    pub fn name(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("this {}", self.kind))
    }

    /// `AWS account 123456789012`, `Azure subscription this subscription`.
    pub fn label(&self) -> String {
        let cloud = match self.cloud {
            "aws" => "AWS",
            "gcp" => "Google Cloud",
            _ => "Azure",
        };
        format!("{cloud} {} {}", self.kind, self.name())
    }
}

fn kind_of(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "account",
        Cloud::Gcp => "project",
        Cloud::Azure => "subscription",
    }
}

/// Every account of the scan, AWS first, then Google Cloud, then Azure, each by id (the
/// unnamed one last).
pub fn collect(inv: &Inventory) -> Vec<Account> {
    let mut by: BTreeMap<(&'static str, bool, Option<String>), Account> = BTreeMap::new();
    // each (account, what names it, where) once, without scanning the list per entry
    let mut seen: HashSet<(&'static str, Option<String>, String, Span)> = HashSet::new();
    let mut add =
        |cloud: Cloud, id: Option<String>, unit: Option<String>, how: Option<(String, Span)>| {
            let a = by
                .entry((cloud.as_str(), id.is_none(), id.clone()))
                .or_insert_with(|| Account {
                    cloud: cloud.as_str(),
                    kind: kind_of(cloud),
                    id,
                    ..Account::default()
                });
            a.units.insert(unit);
            if let Some((how, span)) = how {
                if seen.insert((a.cloud, a.id.clone(), how.clone(), span)) {
                    a.declared.push((how, span));
                }
            }
        };
    let dir = |root: usize| inv.units.get(root).and_then(|u| u.dir.clone());
    // AWS: a unit with AWS datastores, principals or endpoints deploys into its provider's
    // accounts
    let mut aws_roots: BTreeSet<usize> = BTreeSet::new();
    aws_roots.extend(
        inv.datastores
            .iter()
            .filter(|d| d.kind.cloud() == Cloud::Aws)
            .map(|d| d.root),
    );
    aws_roots.extend(
        inv.principals
            .iter()
            .filter(|p| p.is_internal() && p.cloud == Cloud::Aws)
            .map(|p| p.root),
    );
    aws_roots.extend(
        inv.endpoints
            .iter()
            .filter(|e| Cloud::of_address(&e.address) == Cloud::Aws)
            .map(|e| e.root),
    );
    for root in aws_roots {
        let ids = inv.units.get(root).map(|u| &u.accounts);
        match ids {
            Some(ids) if !ids.is_empty() => {
                for id in ids {
                    add(Cloud::Aws, Some(id.clone()), dir(root), None);
                }
            }
            _ => add(Cloud::Aws, None, dir(root), None),
        }
    }
    // Google Cloud: the projects of its datastores and service accounts
    for (&d, info) in &inv.gcp.stores {
        if let Some(ds) = inv.datastores.get(d) {
            add(Cloud::Gcp, info.project.0.clone(), dir(ds.root), None);
        }
    }
    for (&p, project) in &inv.gcp.service_accounts {
        if let Some(pr) = inv.principals.get(p) {
            add(Cloud::Gcp, project.0.clone(), dir(pr.root), None);
        }
    }
    // Azure: the provider's subscription, then those the configuration names
    for unit in &inv.azure.units {
        for s in &unit.front.subscriptions {
            add(
                Cloud::Azure,
                s.id.clone(),
                dir(unit.root),
                (s.span != Span::default()).then(|| (s.how.clone(), s.span)),
            );
        }
    }
    let mut out: Vec<Account> = by.into_values().collect();
    let order = |c: &str| match c {
        "aws" => 0,
        "gcp" => 1,
        _ => 2,
    };
    out.sort_by_key(|a| (order(a.cloud), a.id.is_none(), a.id.clone()));
    out
}

/// The account a datastore is in, when one is known for its unit and cloud (its project on
/// Google Cloud, the provider's subscription on Azure, the provider's only account on AWS).
pub fn of_datastore(inv: &Inventory, id: usize, d: &Datastore) -> Option<String> {
    match d.kind.cloud() {
        Cloud::Aws => {
            let ids = &inv.units.get(d.root)?.accounts;
            match ids.len() {
                0 => Some("this account".into()),
                1 => ids.iter().next().cloned(),
                _ => None,
            }
        }
        Cloud::Gcp => Some(
            inv.gcp
                .stores
                .get(&id)
                .and_then(|s| s.project.0.clone())
                .unwrap_or_else(|| "this project".into()),
        ),
        Cloud::Azure => {
            // units are added in root order
            let at = inv
                .azure
                .units
                .binary_search_by_key(&d.root, |u| u.root)
                .ok()?;
            let unit = &inv.azure.units[at];
            let provider = unit.front.subscriptions.first()?;
            Some(
                provider
                    .id
                    .clone()
                    .unwrap_or_else(|| "this subscription".into()),
            )
        }
    }
}

/// The accounts as the reports' JSON lists them.
pub fn json(inv: &Inventory, sources: &Sources) -> Value {
    let rows: Vec<Value> = collect(inv)
        .iter()
        .map(|a| {
            let declared: Vec<Value> = a
                .declared
                .iter()
                .map(|(how, span)| {
                    let (file, line) = crate::report::inventory::at(sources, *span);
                    json!({"how": how, "file": file, "line": line})
                })
                .collect();
            json!({"cloud": a.cloud, "kind": a.kind, "id": a.id, "name": a.name(),
                   "units": a.units.iter().collect::<Vec<_>>(), "declared": declared})
        })
        .collect();
    Value::Array(rows)
}
