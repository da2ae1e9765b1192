//! GCP IAM semantics beyond the binding levels: deny policies (what they surely remove and
//! what they leave), GCS ACL entries, and chains of impersonation. Each case scans a small
//! configuration and compares the access it grants, as (principal, datastore, class, through).

use mlguard::config::Config;
use mlguard::engine::Engine;
use mlguard::scan::{self, ScanRequest};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::load(&[]).expect("built-in rules load"))
}

type Row = (String, String, String, String);

/// Every grant of the scan: (principal, datastore, class, `through` path or "").
fn grants(tf: &str) -> BTreeSet<Row> {
    scan_grants(tf).0
}

/// The grants and the scan's error messages.
fn scan_grants(tf: &str) -> (BTreeSet<Row>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let req = ScanRequest {
        paths: vec![dir.path().to_path_buf()],
        config: Arc::new(Config::default()),
        ..Default::default()
    };
    let out = scan::run(&req, engine(), &|_| true);
    let inv = &out.inventory;
    let errors = out.errors.iter().map(|e| e.message.clone()).collect();
    let rows = out
        .analysis
        .grants
        .iter()
        .map(|g| {
            let through = g
                .through
                .iter()
                .flat_map(|p| p.iter())
                .map(|p| inv.principals[*p].address.clone())
                .collect::<Vec<_>>()
                .join(" -> ");
            (
                inv.principals[g.principal].address.clone(),
                inv.datastores[g.datastore].address.clone(),
                g.class.as_str().to_string(),
                through,
            )
        })
        .collect();
    (rows, errors)
}

fn reads(rows: &BTreeSet<Row>, principal: &str) -> bool {
    rows.iter()
        .any(|(p, _, c, _)| p == principal && c == "read")
}

const BASE: &str = r#"
provider "google" {
  project = "acme-ml"
}
resource "google_project" "ml" {
  project_id = "acme-ml"
  name       = "acme-ml"
  folder_id  = "folders/777"
}
resource "google_storage_bucket" "raw" {
  name                        = "acme-raw"
  location                    = "US"
  uniform_bucket_level_access = true
}
resource "google_service_account" "etl" {
  account_id = "etl"
}
resource "google_storage_bucket_iam_member" "etl" {
  bucket = google_storage_bucket.raw.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.etl.email}"
}
resource "google_storage_bucket_iam_member" "analyst" {
  bucket = google_storage_bucket.raw.name
  role   = "roles/storage.objectViewer"
  member = "user:analyst@acme.example"
}
resource "google_storage_bucket_iam_member" "team" {
  bucket = google_storage_bucket.raw.name
  role   = "roles/storage.objectViewer"
  member = "group:team@acme.example"
}
resource "google_storage_bucket_iam_member" "public" {
  bucket = google_storage_bucket.raw.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
"#;

/// BASE plus a deny policy with one rule denying `objects.get`.
fn with_deny(parent: &str, rule: &str) -> BTreeSet<Row> {
    grants(&format!(
        "{BASE}\nresource \"google_iam_deny_policy\" \"d\" {{\n  parent = {parent}\n  name = \"d\"\n  rules {{\n    deny_rule {{\n      denied_permissions = [\"storage.googleapis.com/objects.get\"]\n{rule}\n    }}\n  }}\n}}\n"
    ))
}

const PROJECT: &str = r#"urlencode("cloudresourcemanager.googleapis.com/projects/acme-ml")"#;

#[test]
fn without_a_deny_everyone_reads() {
    let g = grants(BASE);
    for p in [
        "google_service_account.etl",
        "user:analyst@acme.example",
        "group:team@acme.example",
        "allUsers",
    ] {
        assert!(reads(&g, p), "{p}: {g:?}");
    }
}

#[test]
fn public_all_denies_every_member_without_exceptions() {
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/public:all"]"#,
    );
    assert!(!g.iter().any(|(_, _, c, _)| c == "read"), "{g:?}");
    // only the permission denied: listing stays
    assert!(g.iter().any(|(p, _, c, _)| p == "allUsers" && c == "list"));
}

#[test]
fn a_deny_names_identities_and_groups_as_written() {
    let g = with_deny(
        PROJECT,
        r#"denied_principals = [
        "principal://goog/subject/analyst@acme.example",
        "principal://iam.googleapis.com/projects/-/serviceAccounts/${google_service_account.etl.email}",
        "principalSet://goog/group/team@acme.example",
      ]"#,
    );
    assert!(!reads(&g, "user:analyst@acme.example"), "{g:?}");
    assert!(!reads(&g, "google_service_account.etl"), "{g:?}");
    assert!(!reads(&g, "group:team@acme.example"), "{g:?}");
    assert!(reads(&g, "allUsers"), "{g:?}");
}

#[test]
fn a_service_account_is_named_by_its_email_too() {
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principal://iam.googleapis.com/projects/-/serviceAccounts/etl@acme-ml.iam.gserviceaccount.com"]"#,
    );
    assert!(!reads(&g, "google_service_account.etl"), "{g:?}");
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
}

#[test]
fn a_group_deny_does_not_reach_members_it_may_not_hold() {
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/group/other@acme.example"]"#,
    );
    for p in ["user:analyst@acme.example", "group:team@acme.example"] {
        assert!(reads(&g, p), "{p}: {g:?}");
    }
}

#[test]
fn exceptions_save_whom_they_might_hold() {
    // an identity exception saves that identity, and every set (allUsers holds it too)
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/public:all"]
      exception_principals = ["principal://goog/subject/analyst@acme.example"]"#,
    );
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
    assert!(reads(&g, "allUsers"), "{g:?}");
    assert!(reads(&g, "group:team@acme.example"), "{g:?}");
    assert!(!reads(&g, "google_service_account.etl"), "{g:?}");
    // a group exception might hold anyone
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/public:all"]
      exception_principals = ["principalSet://goog/group/admins@acme.example"]"#,
    );
    assert!(reads(&g, "google_service_account.etl"), "{g:?}");
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
    // an exception not known might be anyone
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/public:all"]
      exception_principals = [var.admin]"#,
    );
    assert!(reads(&g, "google_service_account.etl"), "{g:?}");
}

#[test]
fn exception_permissions_keep_what_they_name() {
    let g = grants(&format!(
        "{BASE}\nresource \"google_iam_deny_policy\" \"d\" {{\n  parent = {PROJECT}\n  name = \"d\"\n  rules {{\n    deny_rule {{\n      denied_principals = [\"principalSet://goog/public:all\"]\n      denied_permissions = [\"storage.googleapis.com/*\"]\n      exception_permissions = [\"storage.googleapis.com/objects.get\"]\n    }}\n  }}\n}}\n"
    ));
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
    assert!(!g.iter().any(|(_, _, c, _)| c == "list"), "{g:?}");
}

#[test]
fn a_denial_condition_removes_nothing() {
    let g = with_deny(
        PROJECT,
        r#"denied_principals = ["principalSet://goog/public:all"]
      denial_condition {
        title      = "tagged"
        expression = "resource.matchTag('123/env', 'prod')"
      }"#,
    );
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
    assert!(reads(&g, "allUsers"), "{g:?}");
}

#[test]
fn a_deny_holds_where_it_is_attached() {
    let everyone = r#"denied_principals = ["principalSet://goog/public:all"]"#;
    // the project by reference, not URL-encoded
    let g = with_deny(
        r#""cloudresourcemanager.googleapis.com/projects/${google_project.ml.project_id}""#,
        everyone,
    );
    assert!(!reads(&g, "allUsers"), "{g:?}");
    // the folder the declared project sits in
    let g = with_deny(
        r#"urlencode("cloudresourcemanager.googleapis.com/folders/777")"#,
        everyone,
    );
    assert!(!reads(&g, "allUsers"), "{g:?}");
    // another project, another folder, an organization the configuration does not place the
    // project in, a parent not known: nothing removed
    for parent in [
        r#"urlencode("cloudresourcemanager.googleapis.com/projects/acme-web")"#,
        r#"urlencode("cloudresourcemanager.googleapis.com/folders/778")"#,
        r#"urlencode("cloudresourcemanager.googleapis.com/organizations/123")"#,
        "var.parent",
    ] {
        let g = with_deny(parent, everyone);
        assert!(reads(&g, "allUsers"), "{parent}: {g:?}");
    }
}

#[test]
fn a_store_of_an_unknown_project_is_not_placed() {
    let tf = BASE.replace("  project = \"acme-ml\"\n", "");
    let g = grants(&format!(
        "{tf}\nresource \"google_iam_deny_policy\" \"d\" {{\n  parent = {PROJECT}\n  name = \"d\"\n  rules {{\n    deny_rule {{\n      denied_principals = [\"principalSet://goog/public:all\"]\n      denied_permissions = [\"storage.googleapis.com/objects.get\"]\n    }}\n  }}\n}}\n"
    ));
    assert!(reads(&g, "allUsers"), "{g:?}");
}

/// A chain of `n` service accounts, each able to act as the next; the last reads the bucket.
fn chain(n: usize) -> String {
    let mut tf = String::from(
        "provider \"google\" {\n  project = \"acme-ml\"\n}\nresource \"google_storage_bucket\" \"raw\" {\n  name = \"acme-raw\"\n  location = \"US\"\n  uniform_bucket_level_access = true\n}\n",
    );
    for i in 0..n {
        tf.push_str(&format!(
            "resource \"google_service_account\" \"sa{i}\" {{\n  account_id = \"sa{i}\"\n}}\n"
        ));
        if i + 1 < n {
            tf.push_str(&format!(
                "resource \"google_service_account_iam_member\" \"hop{i}\" {{\n  service_account_id = google_service_account.sa{next}.name\n  role = \"roles/iam.serviceAccountTokenCreator\"\n  member = \"serviceAccount:${{google_service_account.sa{i}.email}}\"\n}}\n",
                next = i + 1
            ));
        }
    }
    tf.push_str(&format!(
        "resource \"google_storage_bucket_iam_member\" \"last\" {{\n  bucket = google_storage_bucket.raw.name\n  role = \"roles/storage.objectViewer\"\n  member = \"serviceAccount:${{google_service_account.sa{}.email}}\"\n}}\n",
        n - 1
    ));
    tf
}

#[test]
fn impersonation_follows_chains_and_shows_the_path() {
    let (g, errors) = scan_grants(&chain(3));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(g.contains(&(
        "google_service_account.sa0".to_string(),
        "google_storage_bucket.raw".to_string(),
        "read".to_string(),
        "google_service_account.sa1 -> google_service_account.sa2".to_string(),
    )));
    assert!(g.contains(&(
        "google_service_account.sa1".to_string(),
        "google_storage_bucket.raw".to_string(),
        "read".to_string(),
        "google_service_account.sa2".to_string(),
    )));
}

#[test]
fn impersonation_chains_stop_at_the_hop_budget() {
    // sa0 is 9 accounts away from sa9's grant: one more than the budget of 8
    let (g, errors) = scan_grants(&chain(10));
    assert!(reads(&g, "google_service_account.sa1"), "{g:?}");
    assert!(!reads(&g, "google_service_account.sa0"), "{g:?}");
    // the chain not followed is an error, at the binding it starts from
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("longer than 8 service accounts"),
        "{errors:?}"
    );
    // a chain of exactly 8 accounts is followed to its end
    let (g, errors) = scan_grants(&chain(9));
    assert!(reads(&g, "google_service_account.sa0"), "{g:?}");
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn denied_impersonation_is_no_hop() {
    let mut tf = chain(3);
    tf.push_str(
        r#"
resource "google_iam_deny_policy" "d" {
  parent = urlencode("cloudresourcemanager.googleapis.com/projects/acme-ml")
  name   = "d"
  rules {
    deny_rule {
      denied_principals  = ["principal://iam.googleapis.com/projects/-/serviceAccounts/sa1@acme-ml.iam.gserviceaccount.com"]
      denied_permissions = ["iam.googleapis.com/serviceAccounts.getAccessToken"]
    }
  }
}
"#,
    );
    // the role also signs blobs and JWTs as the account: one permission denied is not enough
    let g = grants(&tf);
    assert!(reads(&g, "google_service_account.sa1"), "{g:?}");
    let tf = tf.replace("serviceAccounts.getAccessToken", "serviceAccounts.*");
    let g = grants(&tf);
    // sa1 can no longer act as sa2, so neither sa1 nor sa0 (through sa1) reads
    assert!(!reads(&g, "google_service_account.sa1"), "{g:?}");
    assert!(!reads(&g, "google_service_account.sa0"), "{g:?}");
    assert!(reads(&g, "google_service_account.sa2"), "{g:?}");
}

#[test]
fn acl_entries_grant_unless_access_is_uniform() {
    let acl = r#"
resource "google_storage_bucket" "fine" {
  name     = "acme-fine"
  location = "US"
}
resource "google_storage_bucket" "uniform" {
  name                        = "acme-uniform"
  location                    = "US"
  uniform_bucket_level_access = true
}
resource "google_storage_default_object_acl" "fine" {
  bucket      = google_storage_bucket.fine.name
  role_entity = ["READER:user-liz@acme.example"]
}
resource "google_storage_default_object_acl" "uniform" {
  bucket      = google_storage_bucket.uniform.name
  role_entity = ["READER:user-liz@acme.example"]
}
resource "google_storage_bucket_acl" "fine" {
  bucket      = google_storage_bucket.fine.name
  role_entity = ["WRITER:group-etl@acme.example"]
}
# an IAM policy on the bucket replaces bindings, not ACLs
data "google_iam_policy" "none" {}
resource "google_storage_bucket_iam_policy" "fine" {
  bucket      = google_storage_bucket.fine.name
  policy_data = data.google_iam_policy.none.policy_data
}
"#;
    let g = grants(&format!(
        "provider \"google\" {{\n  project = \"acme-ml\"\n}}\n{acl}"
    ));
    let has = |p: &str, d: &str, c: &str| {
        g.contains(&(p.to_string(), d.to_string(), c.to_string(), String::new()))
    };
    assert!(
        has(
            "user:liz@acme.example",
            "google_storage_bucket.fine",
            "read"
        ),
        "{g:?}"
    );
    assert!(
        has(
            "group:etl@acme.example",
            "google_storage_bucket.fine",
            "write"
        ),
        "{g:?}"
    );
    // a bucket ACL lists and writes objects; it does not read them
    assert!(
        !has(
            "group:etl@acme.example",
            "google_storage_bucket.fine",
            "read"
        ),
        "{g:?}"
    );
    assert!(
        !g.iter()
            .any(|(_, d, _, _)| d == "google_storage_bucket.uniform"),
        "{g:?}"
    );
}

#[test]
fn an_account_reached_directly_is_not_reached_again_through_others() {
    // sa0 can act as every account of the project: its grants come through sa2 itself
    let mut tf = chain(3);
    tf.push_str(
        r#"
resource "google_project_iam_member" "sa0_everyone" {
  project = "acme-ml"
  role    = "roles/iam.serviceAccountTokenCreator"
  member  = "serviceAccount:${google_service_account.sa0.email}"
}
"#,
    );
    let g = grants(&tf);
    let sa0_reads: Vec<&Row> = g
        .iter()
        .filter(|(p, _, c, _)| p == "google_service_account.sa0" && c == "read")
        .collect();
    assert!(!sa0_reads.is_empty(), "{g:?}");
    assert!(
        sa0_reads
            .iter()
            .all(|(.., t)| t == "google_service_account.sa2"),
        "{sa0_reads:?}"
    );
}

#[test]
fn a_deny_takes_deploy_rights_on_its_project() {
    let tf = |deny: &str| {
        format!(
            r#"
provider "google" {{
  project = "acme-ml"
}}
resource "google_vertex_ai_endpoint" "e" {{
  name         = "e"
  display_name = "e"
  location     = "us-central1"
}}
resource "google_project_iam_member" "dev" {{
  project = "acme-ml"
  role    = "roles/aiplatform.user"
  member  = "user:dev@acme.example"
}}
{deny}
"#
        )
    };
    let control = |tf: &str| -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
        let req = ScanRequest {
            paths: vec![dir.path().to_path_buf()],
            config: Arc::new(Config::default()),
            ..Default::default()
        };
        let out = scan::run(&req, engine(), &|_| true);
        out.analysis
            .control
            .iter()
            .map(|g| g.class.as_str().to_string())
            .collect()
    };
    let before = control(&tf(""));
    assert!(before.contains("deploy-model"), "{before:?}");
    let after = control(&tf(r#"
resource "google_iam_deny_policy" "d" {
  parent = urlencode("cloudresourcemanager.googleapis.com/projects/acme-ml")
  name   = "d"
  rules {
    deny_rule {
      denied_principals  = ["principal://goog/subject/dev@acme.example"]
      denied_permissions = ["aiplatform.googleapis.com/endpoints.*"]
    }
  }
}
"#));
    assert!(!after.contains("deploy-model"), "{after:?}");
    assert!(after.contains("approve-model"), "{after:?}");
}

#[test]
fn deny_rules_past_the_budget_are_an_error_and_deny_nothing() {
    // 2,001 rules, each denying one user: the last one is past the budget of 2,000
    let tf = format!(
        r#"{BASE}
resource "google_iam_deny_policy" "many" {{
  count  = 2001
  parent = {PROJECT}
  name   = "d${{count.index}}"
  rules {{
    deny_rule {{
      denied_principals  = [count.index == 2000 ? "principal://goog/subject/analyst@acme.example" : "principal://goog/subject/u${{count.index}}@acme.example"]
      denied_permissions = ["storage.googleapis.com/objects.get"]
    }}
  }}
}}
"#
    );
    let (g, errors) = scan_grants(&tf);
    assert!(reads(&g, "user:analyst@acme.example"), "{g:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("more than 2000 deny rules"),
        "{errors:?}"
    );
}

#[test]
fn an_object_acl_reaches_the_managed_folders_that_may_hold_the_object() {
    let tf = r#"
provider "google" {
  project = "acme-ml"
}
resource "google_storage_bucket" "lake" {
  name     = "acme-lake"
  location = "US"
}
resource "google_storage_managed_folder" "curated" {
  bucket = google_storage_bucket.lake.name
  name   = "curated/"
}
resource "google_storage_managed_folder" "raw" {
  bucket = google_storage_bucket.lake.name
  name   = "raw/"
}
resource "google_storage_object_acl" "report" {
  bucket      = google_storage_bucket.lake.name
  object      = "curated/report.csv"
  role_entity = ["READER:user-liz@acme.example"]
}
"#;
    let g = grants(tf);
    let reads_of = |d: &str| {
        g.contains(&(
            "user:liz@acme.example".to_string(),
            d.to_string(),
            "read".to_string(),
            String::new(),
        ))
    };
    assert!(reads_of("google_storage_bucket.lake"), "{g:?}");
    assert!(reads_of("google_storage_managed_folder.curated"), "{g:?}");
    assert!(!reads_of("google_storage_managed_folder.raw"), "{g:?}");
}
