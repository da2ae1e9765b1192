//! `mlguard inventory`: the system-description draft, rendered for the example platforms; its JSON
//! follows the documented schema and every location points at the line that declares the item.

use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::report::inventory;
use mlguard::scan::{self, ScanOutput, ScanRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/examples")
        .join(name)
}

fn run(dir: &Path) -> (ScanOutput, Arc<Config>) {
    let engine = Engine::load(&[]).expect("built-in rules load");
    let config = Arc::new(Config::discover(None, dir).expect("the example's config is valid"));
    let req = ScanRequest {
        paths: vec![dir.to_path_buf()],
        config: config.clone(),
        ..Default::default()
    };
    (scan::run(&req, &engine, &|_| false), config)
}

fn inventory_json(dir: &Path) -> Value {
    let (out, config) = run(dir);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    inventory::json(&inventory::Input {
        inventory: &out.inventory,
        analysis: &out.analysis,
        sources: &out.sources,
        config: &config,
    })
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/inventory.schema.json"),
    )
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the schema compiles")
}

/// Every object with `file` and `line` anywhere in the document.
fn locations<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("file") && m.contains_key("line") {
                out.push(v);
            }
            m.values().for_each(|x| locations(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| locations(x, out)),
        _ => {}
    }
}

/// The resource type and label of an address: `module.m.aws_s3_bucket.lake["raw"]/x/` ->
/// (`aws_s3_bucket`, `lake`).
fn type_and_label(address: &str) -> (String, String) {
    let base = address.split('/').next().unwrap_or(address);
    let base = base.split('[').next().unwrap_or(base);
    let parts: Vec<&str> = base.split('.').collect();
    let n = parts.len();
    (parts[n - 2].to_string(), parts[n - 1].to_string())
}

fn check_locations(dir: &Path, doc: &Value) -> usize {
    let mut found = Vec::new();
    locations(doc, &mut found);
    let mut problems = Vec::new();
    for item in &found {
        let file = item["file"].as_str().unwrap();
        let line = item["line"].as_u64().unwrap() as usize;
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            problems.push(format!("{file} does not exist under {}", dir.display()));
            continue;
        };
        let Some(at) = text.lines().nth(line.wrapping_sub(1)) else {
            problems.push(format!("{file} has fewer than {line} lines"));
            continue;
        };
        if let Some(address) = item.get("address").and_then(Value::as_str) {
            // an Azure resource's own identity is declared by its `identity` block
            if address.ends_with(" (system-assigned identity)") {
                if !at.trim_start().starts_with("identity") {
                    problems.push(format!("{file}:{line} is no identity block: {at}"));
                }
                continue;
            }
            let (rtype, label) = type_and_label(address);
            // the block's first line: `resource "aws_s3_bucket" "lake" {`
            if !(at.contains(&format!("\"{rtype}\"")) && at.contains(&format!("\"{label}\""))) {
                problems.push(format!("{file}:{line} does not declare `{address}`: {at}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    found.len()
}

#[test]
fn inventory_markdown_of_the_multi_file_platform() {
    let doc = inventory_json(&example("ml-platform-inventory"));
    insta::assert_snapshot!(inventory::markdown(&doc));
}

#[test]
fn inventory_json_follows_its_schema() {
    let schema = schema();
    for name in [
        "ml-platform-inventory",
        "ml-platform",
        "ml-platform-violations",
        "gcp-ml-platform",
        "gcp-ml-platform-violations",
        "azure-ml-platform",
        "azure-ml-platform-violations",
    ] {
        let doc = inventory_json(&example(name));
        let errors: Vec<String> = schema
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
    }
}

#[test]
fn every_inventory_item_points_at_the_line_that_declares_it() {
    for name in [
        "ml-platform-inventory",
        "ml-platform",
        "ml-platform-violations",
        "gcp-ml-platform",
        "gcp-ml-platform-violations",
        "azure-ml-platform",
        "azure-ml-platform-violations",
    ] {
        let dir = example(name);
        let n = check_locations(&dir, &inventory_json(&dir));
        assert!(n > 10, "{name}: only {n} locations");
    }
}

#[test]
fn the_schema_rejects_a_document_missing_a_section() {
    let mut doc = inventory_json(&example("ml-platform-inventory"));
    doc.as_object_mut().unwrap().remove("serving");
    assert!(!schema().is_valid(&doc));
}

#[test]
fn endpoints_show_their_model_source_capture_monitoring_and_autoscaling() {
    let doc = inventory_json(&example("ml-platform-inventory"));
    let eps = doc["serving"]["endpoints"].as_array().unwrap();
    let by_name = |n: &str| eps.iter().find(|e| e["name"] == n).unwrap().clone();
    let fraud = by_name("fraud");
    assert_eq!(fraud["models"][0]["source"], "model-registry");
    assert_eq!(fraud["data_capture"]["enabled"], true);
    assert_eq!(
        fraud["data_capture"]["modes"],
        serde_json::json!(["Input", "Output"])
    );
    assert_eq!(
        fraud["monitoring_schedules"][0]["address"],
        "aws_sagemaker_monitoring_schedule.fraud"
    );
    assert_eq!(fraud["autoscaling"][0]["max_capacity"], "6");
    let churn = by_name("churn");
    assert_eq!(churn["models"][0]["source"], "artifact");
    assert_eq!(churn["data_capture"]["enabled"], false);
    assert_eq!(churn["monitoring_schedules"], serde_json::json!([]));
    assert_eq!(churn["autoscaling"], serde_json::json!([]));
}

#[test]
fn pipeline_components_carry_their_role_and_the_data_it_reaches() {
    let doc = inventory_json(&example("ml-platform-inventory"));
    let t = &doc["training"];
    let glue = t["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "glue-job")
        .unwrap();
    assert_eq!(glue["role"], "aws_iam_role.etl");
    assert!(glue["reads"]
        .as_array()
        .unwrap()
        .contains(&Value::from("aws_s3_bucket.lake[\"raw\"]")));
    assert_eq!(t["notebooks"][0]["role"], "aws_iam_role.research");
    assert_eq!(
        t["feature_groups"][0]["settings"]["offline_store_config.s3_storage_config.s3_uri"][0],
        "s3://acme-prod-lake-training-ready/feature-store"
    );
    assert_eq!(doc["model_registry"]["package_groups"][0]["name"], "fraud");
    assert_eq!(
        doc["model_registry"]["approve"][0]["principal"],
        "aws_iam_role.deploy"
    );
}

#[test]
fn third_party_services_say_whether_the_config_declares_them() {
    let doc = inventory_json(&example("ml-platform-inventory"));
    let services = doc["ai_services"]["services"].as_array().unwrap();
    let get = |s: &str| services.iter().find(|v| v["service"] == s).unwrap().clone();
    assert_eq!(get("bedrock")["declared"], true);
    let openai = get("openai");
    assert_eq!(openai["declared"], false);
    assert_eq!(openai["detected"][0]["file"], "assistant.tf");
}

#[test]
fn the_inventory_command_prints_markdown_and_json_for_the_bundled_example() {
    let dir = example("ml-platform");
    let md = assert_cmd::Command::cargo_bin("mlguard")
        .unwrap()
        .arg("inventory")
        .arg(&dir)
        .assert()
        .success();
    let md = String::from_utf8(md.get_output().stdout.clone()).unwrap();
    assert!(md.starts_with("# System description"));
    assert!(md.contains("## 6. Third-party AI services (subservice organizations)"));
    let json = assert_cmd::Command::cargo_bin("mlguard")
        .unwrap()
        .args(["inventory", "--format", "json"])
        .arg(&dir)
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert!(schema().is_valid(&doc));
}

#[test]
fn the_location_check_catches_a_line_that_declares_something_else() {
    let dir = example("ml-platform-inventory");
    let mut doc = inventory_json(&dir);
    let line = doc["serving"]["endpoints"][0]["line"].as_u64().unwrap();
    doc["serving"]["endpoints"][0]["line"] = (line + 1).into();
    let caught = std::panic::catch_unwind(|| check_locations(&dir, &doc));
    assert!(caught.is_err());
}

#[test]
fn rows_that_repeat_per_root_are_told_apart_by_unit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/units-shared-module");
    let doc = inventory_json(&dir);
    assert!(schema().is_valid(&doc));
    let stores: Vec<(String, String, Vec<String>)> = doc["data_stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let readers = d["read"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["unit"].as_str().unwrap().to_string())
                .collect();
            (
                d["address"].as_str().unwrap().to_string(),
                d["unit"].as_str().unwrap().to_string(),
                readers,
            )
        })
        .collect();
    // the same address and line in two roots; each root's reader reads its own bucket only
    assert_eq!(
        stores,
        [
            (
                "aws_s3_bucket.raw".into(),
                "envs/dev".into(),
                vec!["envs/dev".into()]
            ),
            (
                "aws_s3_bucket.raw".into(),
                "envs/prod".into(),
                vec!["envs/prod".into()]
            ),
        ]
    );
}
