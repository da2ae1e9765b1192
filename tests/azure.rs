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
const NOT_ON_AZURE: [&str; 0] = [];

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

/// `mlguard <command> --format json` on a directory, run as the built binary.
fn command_json(command: &str, dir: &Path) -> Value {
    serde_json::from_str(&command_output(&[command, "--format", "json"], dir)).unwrap()
}

/// What `mlguard ARGS DIR` prints, the command having succeeded.
fn command_output(args: &[&str], dir: &Path) -> String {
    let out = assert_cmd::cargo::cargo_bin_cmd!("mlguard")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// (cloud, kind, id or "this ...", [how]) of an `accounts` list.
fn accounts(doc: &Value) -> Vec<(String, String, String, Vec<String>)> {
    doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["cloud"].as_str().unwrap().to_string(),
                a["kind"].as_str().unwrap().to_string(),
                a["name"].as_str().unwrap().to_string(),
                a["declared"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| format!("{} {}", d["how"].as_str().unwrap(), d["line"]))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn access_inventory_and_evidence_list_subscriptions_beside_accounts_and_projects() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"provider "azurerm" {
  features {}
  subscription_id = "11111111-1111-1111-1111-111111111111"
}
provider "aws" {
  allowed_account_ids = ["123456789012"]
}
provider "google" {
  project = "acme-ml"
}
data "azurerm_client_config" "current" {}
data "azurerm_subscription" "shared" {
  subscription_id = "22222222-2222-2222-2222-222222222222"
}
resource "azurerm_storage_account" "lake" {
  name = "acmelake"
}
resource "azurerm_storage_container" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.lake.id
  metadata           = { datatier = "raw" }
}
resource "azurerm_user_assigned_identity" "u" {
  name = "u"
}
resource "azurerm_role_assignment" "audit" {
  scope                = "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-audit"
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.u.principal_id
}
resource "azurerm_management_group" "ml" {
  display_name     = "ml"
  subscription_ids = ["44444444-4444-4444-4444-444444444444"]
}
resource "azurerm_management_group_subscription_association" "sandbox" {
  management_group_id = "/providers/Microsoft.Management/managementGroups/sandbox"
  subscription_id     = "/subscriptions/55555555-5555-5555-5555-555555555555"
}
resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
}
resource "google_storage_bucket" "raw" {
  name     = "acme-gcs-raw"
  location = "EU"
}
"#,
    )
    .unwrap();
    let want = vec![
        ("aws", "account", "123456789012", vec![]),
        ("gcp", "project", "acme-ml", vec![]),
        (
            "azure",
            "subscription",
            "11111111-1111-1111-1111-111111111111",
            vec![
                "provider \"azurerm\" 3",
                "data.azurerm_client_config.current 11",
            ],
        ),
        (
            "azure",
            "subscription",
            "22222222-2222-2222-2222-222222222222",
            vec!["data.azurerm_subscription.shared 13"],
        ),
        (
            "azure",
            "subscription",
            "33333333-3333-3333-3333-333333333333",
            vec!["the scope of azurerm_role_assignment.audit 27"],
        ),
        (
            "azure",
            "subscription",
            "44444444-4444-4444-4444-444444444444",
            vec!["azurerm_management_group.ml 33"],
        ),
        (
            "azure",
            "subscription",
            "55555555-5555-5555-5555-555555555555",
            vec!["azurerm_management_group_subscription_association.sandbox 37"],
        ),
    ];
    let want: Vec<(String, String, String, Vec<String>)> = want
        .into_iter()
        .map(|(c, k, n, h)| {
            (
                c.into(),
                k.into(),
                n.into(),
                h.into_iter().map(String::from).collect(),
            )
        })
        .collect();
    for command in ["access", "inventory", "evidence"] {
        let doc = command_json(command, dir.path());
        assert_eq!(accounts(&doc), want, "{command}");
    }
    // each datastore names its own
    let access = command_json("access", dir.path());
    let account_of = |address: &str| {
        access["datastores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["address"] == address)
            .map(|d| d["account"].clone())
    };
    assert_eq!(
        account_of("azurerm_storage_container.raw"),
        Some(serde_json::json!("11111111-1111-1111-1111-111111111111"))
    );
    // the Markdown says it too
    let md = command_output(&["inventory"], dir.path());
    assert!(
        md.contains("| Azure | subscription | `33333333-3333-3333-3333-333333333333` | `.` | `the scope of azurerm_role_assignment.audit` at `main.tf:27` |"),
        "{md}"
    );
}

#[test]
fn an_unnamed_subscription_is_this_subscription() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"subscription\" {}\nprovider \"azurerm\" {\n  features {}\n  subscription_id = var.subscription\n}\nresource \"azurerm_storage_account\" \"lake\" {\n  name = \"acmelake\"\n}\nresource \"azurerm_storage_container\" \"raw\" {\n  name               = \"raw\"\n  storage_account_id = azurerm_storage_account.lake.id\n  metadata = { datatier = \"raw\" }\n}\n",
    )
    .unwrap();
    let doc = command_json("access", dir.path());
    assert_eq!(
        accounts(&doc),
        vec![(
            "azure".to_string(),
            "subscription".to_string(),
            "this subscription".to_string(),
            vec!["provider \"azurerm\" 4".to_string()]
        )]
    );
    assert_eq!(doc["accounts"][0]["id"], Value::Null);
    assert_eq!(doc["datastores"][0]["account"], "this subscription");
    let text = command_output(&["access"], dir.path());
    assert!(
        text.contains("accounts:\n  Azure subscription this subscription  unit ."),
        "{text}"
    );
}

#[test]
fn the_inventory_serves_azure_endpoints_deployments_monitors_and_openai_deployments() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/azure-ml-platform");
    let doc = command_json("inventory", &dir);
    let endpoints = doc["serving"]["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    let e = &endpoints[0];
    assert_eq!(e["address"], "azapi_resource.endpoint");
    assert_eq!(e["configuration"]["address"], "azapi_resource.blue");
    assert_eq!(e["deployments"][0]["address"], "azapi_resource.blue");
    assert_eq!(e["deployments"][0]["request_logging"], true);
    assert_eq!(
        e["models"][0]["model_package"],
        "azureml://registries/acme-ml-registry/models/fraud/versions/14"
    );
    assert_eq!(e["models"][0]["source"], "model-registry");
    assert_eq!(e["data_capture"]["enabled"], true);
    assert_eq!(
        e["monitoring_schedules"][0]["address"],
        "azapi_resource.fraud_monitor"
    );
    assert_eq!(e["monitoring_schedules"][0]["type"], "DataDrift");
    assert_eq!(e["monitoring_schedules"][0]["schedule"], "0 6 * * *");
    let ai = doc["serving"]["ai_deployments"].as_array().unwrap();
    assert_eq!(ai.len(), 1);
    assert_eq!(ai[0]["address"], "azurerm_cognitive_deployment.chat");
    assert_eq!(ai[0]["model"], "OpenAI/gpt-4o");
    assert_eq!(ai[0]["model_version"], "2024-08-06");
    assert_eq!(ai[0]["content_filter"], "lenient");
    // the workspace's default storage: Azure ML's own containers, model artifacts by inference;
    // its declared container keeps the tier its metadata gives
    let stores = doc["data_stores"].as_array().unwrap();
    let by = |a: &str| stores.iter().find(|d| d["address"] == a).unwrap();
    assert_eq!(
        by("azurerm_storage_account.models")["tier"],
        "model-artifacts"
    );
    assert_eq!(
        by("azurerm_storage_account.models")["classified_by"]["source"],
        "inferred"
    );
    assert_eq!(
        by("azurerm_storage_container.models")["classified_by"]["source"],
        "tag"
    );
    // evidence counts the endpoint and its served model
    let evidence = command_json("evidence", &dir);
    assert_eq!(evidence["population"]["endpoints"], 1);
    assert_eq!(evidence["population"]["models"], 1);
}

#[test]
fn model_monitors_and_metric_alerts_silence_mm001_only_on_their_endpoint() {
    // two endpoints: a monitor targets a deployment of `fraud` by reference, an alert watches
    // `churn` by its ARM id; a third has a monitor on another endpoint only
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
locals {
  ws = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
}
resource "azapi_resource" "fraud" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "fraud"
  parent_id = local.ws
  body      = { properties = { authMode = "Key" } }
}
resource "azapi_resource" "fraud_blue" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2024-04-01"
  name      = "blue"
  parent_id = azapi_resource.fraud.id
  body      = { properties = { model = "azureml:fraud:3", appInsightsEnabled = true } }
}
resource "azapi_resource" "churn" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "churn"
  parent_id = local.ws
  body      = { properties = { authMode = "Key" } }
}
resource "azapi_resource" "churn_v2" {
  type      = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-04-01"
  name      = "churn-v2"
  parent_id = local.ws
  body      = { properties = { authMode = "Key" } }
}
resource "azapi_resource" "fraud_monitor" {
  type      = "Microsoft.MachineLearningServices/workspaces/schedules@2024-04-01"
  name      = "fraud-monitor"
  parent_id = local.ws
  body = jsonencode({
    properties = {
      trigger = { triggerType = "Recurrence", frequency = "Day", interval = 1 }
      action = {
        actionType = "CreateMonitor"
        monitorDefinition = {
          monitoringTarget = { taskType = "Classification", deploymentId = azapi_resource.fraud_blue.id }
        }
      }
    }
  })
}
resource "azurerm_monitor_metric_alert" "churn" {
  name                = "churn-latency"
  resource_group_name = "rg"
  scopes              = ["${local.ws}/onlineEndpoints/churn"]
}
"#,
    )
    .unwrap();
    let doc = scan_dir(dir.path());
    let fired: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "MM001")
        .map(|f| f["address"].as_str().unwrap())
        .collect();
    // `churn` is not `churn-v2`: the alert's id names one endpoint
    assert_eq!(fired, ["azapi_resource.churn_v2"]);
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
