//! Azure end to end: the example platforms (one finding per rule that applies on Azure, and
//! none), and role-assignment semantics through the whole scan (scope inheritance, built-in and
//! custom roles, keys, ABAC conditions, ACL entries) as the access report shows them.

use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::findings::Severity;
use mlguard::report::{json, Report};
use mlguard::scan::{self, ScanRequest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

fn scan_dir(dir: &Path) -> Value {
    let engine = Engine::load(&[]).expect("built-in rules load");
    let config = Config::discover(None, dir).expect("valid mlguard.toml");
    let req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: Arc::new(config),
        ..Default::default()
    };
    let out = scan::run(&req, &engine, &|_| true);
    let mut doc = json::document(&Report {
        scan: &out,
        fail_on: Severity::Low,
    });
    doc["access"] = mlguard::report::access::json(&out.inventory, &out.analysis, &out.sources)
        ["datastores"]
        .clone();
    doc
}

/// Rules that cannot be checked on Azure (their docs say why).
const NOT_ON_AZURE: [&str; 2] = ["MM001", "MR003"];

#[test]
fn the_azure_violations_example_trips_every_rule_that_applies_exactly_once() {
    let engine = Engine::load(&[]).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/examples/azure-ml-platform-violations");
    let doc = scan_dir(&dir);
    assert_eq!(doc["errors"], serde_json::json!([]));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        *counts
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for rule in engine.rules() {
        let expected = if NOT_ON_AZURE.contains(&rule.id.as_str()) {
            None
        } else {
            Some(&1)
        };
        assert_eq!(counts.get(&rule.id), expected, "{}: {counts:?}", rule.id);
    }
    // findings about Azure read in Azure's words
    for f in doc["findings"].as_array().unwrap() {
        let text = format!("{} {}", f["message"], f["help"]);
        assert!(
            !text.contains("aws_") && !text.contains("S3") && !text.contains("Bedrock"),
            "{text}"
        );
    }
}

#[test]
fn the_clean_azure_platform_has_no_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/azure-ml-platform");
    let doc = scan_dir(&dir);
    assert_eq!(
        doc["findings"],
        serde_json::json!([]),
        "{:#}",
        doc["findings"]
    );
    assert_eq!(doc["errors"], serde_json::json!([]));
}

const BASE: &str = r#"
data "azurerm_subscription" "current" {}
resource "azurerm_management_group" "ml" {
  display_name = "ml"
}
resource "azurerm_resource_group" "ml" {
  name     = "rg-ml"
  location = "westeurope"
}
resource "azurerm_storage_account" "lake" {
  name                = "acmelake"
  resource_group_name = azurerm_resource_group.ml.name
}
resource "azurerm_storage_account" "locked" {
  name                      = "acmelocked"
  resource_group_name       = azurerm_resource_group.ml.name
  shared_access_key_enabled = false
}
resource "azurerm_storage_account" "web" {
  name                = "acmeweb"
  resource_group_name = "rg-web"
}
resource "azurerm_storage_container" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.lake.id
}
resource "azurerm_storage_container" "curated" {
  name               = "curated"
  storage_account_id = azurerm_storage_account.locked.id
}
resource "azurerm_storage_container" "site" {
  name               = "site"
  storage_account_id = azurerm_storage_account.web.id
}
resource "azurerm_user_assigned_identity" "u" {
  name = "u"
}
"#;

/// (container, class, conditional) the identity `u` gets from `extra`.
fn grants(extra: &str) -> BTreeSet<(String, String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), format!("{BASE}\n{extra}\n")).unwrap();
    let doc = scan_dir(dir.path());
    assert_eq!(doc["errors"], serde_json::json!([]));
    let mut out = BTreeSet::new();
    for d in doc["access"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap_or_default().to_string();
        for (class, list) in d["access"].as_object().unwrap() {
            for g in list.as_array().unwrap() {
                if g["principal"] == "azurerm_user_assigned_identity.u" {
                    out.insert((
                        name.clone(),
                        class.clone(),
                        g["conditional"].as_bool().unwrap_or(false),
                    ));
                }
            }
        }
    }
    out
}

fn assignment(scope: &str, role: &str, more: &str) -> String {
    format!(
        "resource \"azurerm_role_assignment\" \"a\" {{\n  scope = {scope}\n  role_definition_name = \"{role}\"\n  principal_id = azurerm_user_assigned_identity.u.principal_id\n  {more}\n}}"
    )
}

fn reads(g: &BTreeSet<(String, String, bool)>) -> Vec<&str> {
    g.iter()
        .filter(|(_, c, _)| c == "read")
        .map(|(n, _, _)| n.as_str())
        .collect()
}

#[test]
fn role_assignment_scopes_inherit_downwards() {
    let reader = "Storage Blob Data Reader";
    let cases: &[(&str, &[&str])] = &[
        (
            "azurerm_management_group.ml.id",
            &["curated", "raw", "site"],
        ),
        (
            "data.azurerm_subscription.current.id",
            &["curated", "raw", "site"],
        ),
        ("azurerm_resource_group.ml.id", &["curated", "raw"]),
        ("\"/subscriptions/0000/resourceGroups/rg-web\"", &["site"]),
        ("azurerm_storage_account.lake.id", &["raw"]),
        (
            "azurerm_storage_container.raw.resource_manager_id",
            &["raw"],
        ),
        (
            "\"${azurerm_storage_account.locked.id}/blobServices/default/containers/curated\"",
            &["curated"],
        ),
        ("var.unknown_scope", &[]),
    ];
    for (scope, want) in cases {
        let g = grants(&assignment(scope, reader, ""));
        assert_eq!(reads(&g), *want, "scope {scope}: {g:?}");
    }
}

#[test]
fn control_plane_roles_read_blobs_only_through_shared_keys() {
    // Contributor lists the keys: data access where shared keys work, admin only elsewhere
    let g = grants(&assignment(
        "azurerm_resource_group.ml.id",
        "Contributor",
        "",
    ));
    assert_eq!(reads(&g), ["raw"], "{g:?}");
    assert!(g.contains(&("curated".into(), "admin".into(), false)));
    // Reader has `*/read` and no keys: lists containers, reads no blob
    let g = grants(&assignment("azurerm_resource_group.ml.id", "Reader", ""));
    assert!(reads(&g).is_empty(), "{g:?}");
    assert!(g.contains(&("raw".into(), "list".into(), false)));
}

#[test]
fn abac_conditions_keep_the_grant_as_conditional() {
    let g = grants(&assignment(
        "azurerm_storage_account.lake.id",
        "Storage Blob Data Reader",
        "condition_version = \"2.0\"\n  condition = \"(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'raw')\"",
    ));
    assert!(g.contains(&("raw".into(), "read".into(), true)), "{g:?}");
}

#[test]
fn custom_roles_apply_their_not_data_actions() {
    let g = grants(
        r#"
resource "azurerm_role_definition" "writer" {
  name  = "lake-writer"
  scope = data.azurerm_subscription.current.id
  permissions {
    data_actions     = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]
    not_data_actions = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]
  }
}
resource "azurerm_role_assignment" "a" {
  scope              = azurerm_storage_account.lake.id
  role_definition_id = azurerm_role_definition.writer.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.u.principal_id
}
"#,
    );
    assert!(g.contains(&("raw".into(), "write".into(), false)), "{g:?}");
    assert!(reads(&g).is_empty());
}

#[test]
fn unknown_roles_and_principals_grant_nothing() {
    assert!(grants(&assignment(
        "azurerm_storage_account.lake.id",
        "Not A Built-in Role",
        ""
    ))
    .is_empty());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "{BASE}\nvariable \"who\" {{}}\nresource \"azurerm_role_assignment\" \"a\" {{\n  scope = azurerm_storage_account.lake.id\n  role_definition_name = \"Owner\"\n  principal_id = var.who\n}}\n"
        ),
    )
    .unwrap();
    let doc = scan_dir(dir.path());
    let total: usize = doc["access"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["access"].as_object().unwrap().values())
        .map(|l| l.as_array().unwrap().len())
        .sum();
    assert_eq!(total, 0);
}

/// (container, class, actions) the identity `u` gets from `extra`.
fn grant_actions(extra: &str) -> BTreeSet<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), format!("{BASE}\n{extra}\n")).unwrap();
    let doc = scan_dir(dir.path());
    assert_eq!(doc["errors"], serde_json::json!([]));
    let mut out = BTreeSet::new();
    for d in doc["access"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap_or_default().to_string();
        for (class, list) in d["access"].as_object().unwrap() {
            for g in list.as_array().unwrap() {
                if g["principal"] == "azurerm_user_assigned_identity.u" {
                    for a in g["actions"].as_array().into_iter().flatten() {
                        out.insert((
                            name.clone(),
                            class.clone(),
                            a.as_str().unwrap_or_default().to_string(),
                        ));
                    }
                }
            }
        }
    }
    out
}

const PIM_ROLE: &str = r#"
data "azurerm_role_definition" "reader" {
  name = "Storage Blob Data Reader"
}
"#;

fn pim(kind: &str, more: &str) -> String {
    format!(
        "{PIM_ROLE}\nresource \"azurerm_pim_{kind}_role_assignment\" \"a\" {{\n  scope              = azurerm_storage_account.lake.id\n  role_definition_id = \"${{data.azurerm_subscription.current.id}}${{data.azurerm_role_definition.reader.id}}\"\n  principal_id       = azurerm_user_assigned_identity.u.principal_id\n  schedule {{\n    expiration {{\n      duration_hours = 8\n    }}\n  }}\n  justification = \"on call\"\n  {more}\n}}"
    )
}

#[test]
fn pim_active_assignments_grant_and_eligible_ones_grant_conditionally() {
    // active: a role assignment with a schedule, in force
    let g = grants(&pim("active", ""));
    assert_eq!(
        g,
        [
            ("raw".to_string(), "list".to_string(), false),
            ("raw".to_string(), "read".to_string(), false)
        ]
        .into_iter()
        .collect(),
    );
    // eligible: the principal can activate the role; the grant is kept, marked conditional
    let g = grants(&pim("eligible", ""));
    assert_eq!(
        g,
        [
            ("raw".to_string(), "list".to_string(), true),
            ("raw".to_string(), "read".to_string(), true)
        ]
        .into_iter()
        .collect(),
    );
    // an unknown principal is never guessed, PIM or not
    let g = grants(&pim("eligible", "").replace(
        "azurerm_user_assigned_identity.u.principal_id",
        "var.someone",
    ));
    assert!(g.is_empty(), "{g:?}");
}

fn lake_acl(aces: &str) -> String {
    format!(
        r#"
resource "azurerm_storage_account" "dl" {{
  name                      = "acmedl"
  is_hns_enabled            = true
  shared_access_key_enabled = false
}}
resource "azurerm_storage_data_lake_gen2_filesystem" "fs" {{
  name               = "landing"
  storage_account_id = azurerm_storage_account.dl.id
}}
resource "azurerm_storage_data_lake_gen2_path" "p" {{
  path               = "incoming"
  filesystem_name    = azurerm_storage_data_lake_gen2_filesystem.fs.name
  storage_account_id = azurerm_storage_account.dl.id
  resource           = "directory"
  {aces}
}}
"#
    )
}

fn ace(scope: &str, kind: &str, id: bool, perms: &str) -> String {
    let id = if id {
        "\n    id          = azurerm_user_assigned_identity.u.principal_id"
    } else {
        ""
    };
    format!("ace {{\n    scope       = \"{scope}\"\n    type        = \"{kind}\"{id}\n    permissions = \"{perms}\"\n  }}\n  ")
}

#[test]
fn acl_masks_limit_named_entries_and_default_entries_grant_future_data() {
    let landing = |g: &BTreeSet<(String, String, String)>| -> Vec<(String, String)> {
        g.iter()
            .filter(|(n, _, _)| n == "landing")
            .map(|(_, c, a)| (c.clone(), a.clone()))
            .collect()
    };
    let pair = |c: &str, a: &str| (c.to_string(), a.to_string());
    // no mask: the named entry's permissions
    let g = grant_actions(&lake_acl(&ace("access", "user", true, "rwx")));
    assert_eq!(landing(&g), [pair("read", "ACL r"), pair("write", "ACL w")]);
    // a mask of r-x: the named user reads, no longer writes
    let g = grant_actions(&lake_acl(&format!(
        "{}{}",
        ace("access", "user", true, "rwx"),
        ace("access", "mask", false, "r-x")
    )));
    assert_eq!(landing(&g), [pair("read", "ACL r")]);
    // a mask of --- removes the entry altogether
    let g = grant_actions(&lake_acl(&format!(
        "{}{}",
        ace("access", "mask", false, "---"),
        ace("access", "user", true, "rwx")
    )));
    assert!(landing(&g).is_empty(), "{g:?}");
    // a default-scope mask limits default entries only
    let g = grant_actions(&lake_acl(&format!(
        "{}{}",
        ace("access", "user", true, "rw-"),
        ace("default", "mask", false, "---")
    )));
    assert_eq!(landing(&g), [pair("read", "ACL r"), pair("write", "ACL w")]);
    // default entries: the access of data written under the path later
    let g = grant_actions(&lake_acl(&format!(
        "{}{}",
        ace("default", "user", true, "rwx"),
        ace("default", "mask", false, "rw-")
    )));
    assert_eq!(
        landing(&g),
        [
            pair("read", "default ACL r"),
            pair("write", "default ACL w")
        ]
    );
}
