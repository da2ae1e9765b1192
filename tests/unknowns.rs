//! Values Terraform only knows at apply time stay unknown (never an error, never a fallback), and
//! references keep the resource they name even when its name is not known.

use mlguard::terraform::evaluate_dir;
use mlguard::terraform::value::{Kind, Part, Value};

/// Evaluate one `main.tf` and return the arguments of every resource instance by address, plus
/// the unresolved causes and the errors.
fn evaluate(main_tf: &str) -> (Vec<(String, Value)>, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
    let ev = evaluate_dir(dir.path(), &[], &[]);
    let instances = ev
        .evaluated
        .instances
        .iter()
        .map(|i| (i.address.to_string(), i.attrs.clone()))
        .collect();
    let unresolved = ev
        .evaluated
        .unresolved
        .iter()
        .map(|u| u.what.clone())
        .collect();
    let errors = ev
        .evaluated
        .errors
        .iter()
        .map(|e| e.message.clone())
        .collect();
    (instances, unresolved, errors)
}

fn attr(instances: &[(String, Value)], address: &str, key: &str) -> Value {
    let (_, a) = instances
        .iter()
        .find(|(a, _)| a == address)
        .unwrap_or_else(|| panic!("{address} was not evaluated"));
    a.get(key)
        .unwrap_or_else(|| panic!("{address} has no `{key}`"))
        .clone()
}

/// The reference a value is, as `address.attr`, if it is exactly one.
fn reference(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Symbolic(parts) => match parts.as_slice() {
            [Part::Ref(r)] => Some(r.to_string()),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn jsondecode_of_a_data_source_attribute_is_unknown_and_try_keeps_it_unknown() {
    let (inst, unresolved, errors) = evaluate(
        r#"
data "aws_secretsmanager_secret_version" "cfg" {
  secret_id = "ml/config"
}
data "http" "manifest" {
  url = "https://example.com/manifest.json"
}
locals {
  cfg      = try(jsondecode(data.aws_secretsmanager_secret_version.cfg.secret_string), { tier = "raw" })
  manifest = jsondecode(data.http.manifest.response_body)
}
resource "aws_s3_bucket" "b" {
  bucket = "acme-store"
  tags = {
    tier     = local.cfg.tier
    decodes  = can(jsondecode(data.http.manifest.response_body))
    version  = local.manifest.version
  }
}
"#,
    );
    let tags = attr(&inst, "aws_s3_bucket.b", "tags");
    for key in ["tier", "decodes", "version"] {
        assert!(
            tags.get(key).unwrap().is_unknown(),
            "tag {key} should be unknown, got {:?}",
            tags.get(key)
        );
    }
    assert!(
        !unresolved.iter().any(|u| u.contains("unexpected token")),
        "{unresolved:?}"
    );
    assert!(
        unresolved
            .iter()
            .any(|u| u == "`jsondecode` of a value known only after apply"),
        "{unresolved:?}"
    );
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn try_and_can_still_catch_real_errors() {
    let (inst, _, _) = evaluate(
        r#"
locals {
  bad = "not json"
}
resource "aws_s3_bucket" "b" {
  bucket = "acme-store"
  tags = {
    tier    = try(jsondecode(local.bad).tier, "raw")
    decodes = can(jsondecode(local.bad))
    missing = try({ a = 1 }.b, "fallback")
  }
}
"#,
    );
    let tags = attr(&inst, "aws_s3_bucket.b", "tags");
    assert_eq!(tags.get("tier").and_then(Value::as_str), Some("raw"));
    assert_eq!(tags.get("decodes").and_then(Value::as_bool), Some(false));
    assert_eq!(
        tags.get("missing").and_then(Value::as_str),
        Some("fallback")
    );
}

#[test]
fn computed_attributes_of_nested_blocks_are_known_after_apply() {
    let (inst, unresolved, _) = evaluate(
        r#"
resource "aws_eks_cluster" "x" {
  name     = "ml"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}
resource "azurerm_linux_web_app" "app" {
  name = "scorer"
  identity {
    type = "SystemAssigned"
  }
}
resource "aws_security_group_rule" "r" {
  type                     = "ingress"
  security_group_id        = aws_eks_cluster.x.vpc_config[0].cluster_security_group_id
  source_security_group_id = try(aws_eks_cluster.x.vpc_config[0].cluster_security_group_id, "sg-fallback")
  description              = aws_eks_cluster.x.vpc_config[0].subnet_ids[0]
}
resource "azurerm_role_assignment" "a" {
  principal_id = azurerm_linux_web_app.app.identity[0].principal_id
  scope        = try(azurerm_linux_web_app.app.identity[0].tenant_id, "none")
}
"#,
    );
    let sg = attr(&inst, "aws_security_group_rule.r", "security_group_id");
    assert_eq!(
        reference(&sg).as_deref(),
        Some("aws_eks_cluster.x.vpc_config.0.cluster_security_group_id")
    );
    let source = attr(
        &inst,
        "aws_security_group_rule.r",
        "source_security_group_id",
    );
    assert!(reference(&source).is_some(), "no fallback: {source:?}");
    // what the block does write is still read
    let subnet = attr(&inst, "aws_security_group_rule.r", "description");
    assert_eq!(subnet.as_str(), Some("subnet-1"));
    let principal = attr(&inst, "azurerm_role_assignment.a", "principal_id");
    assert_eq!(
        reference(&principal).as_deref(),
        Some("azurerm_linux_web_app.app.identity.0.principal_id")
    );
    let scope = attr(&inst, "azurerm_role_assignment.a", "scope");
    assert!(reference(&scope).is_some(), "no fallback: {scope:?}");
    assert!(
        !unresolved.iter().any(|u| u.contains("no attribute or key")),
        "{unresolved:?}"
    );
}

#[test]
fn a_missing_key_of_a_plain_object_is_still_an_error() {
    let (inst, unresolved, _) = evaluate(
        r#"
locals {
  settings = { tier = "raw" }
}
resource "aws_s3_bucket" "b" {
  bucket = try(local.settings.name, "acme-fallback")
  tags   = { tier = local.settings.name }
}
"#,
    );
    assert_eq!(
        attr(&inst, "aws_s3_bucket.b", "bucket").as_str(),
        Some("acme-fallback")
    );
    assert!(
        unresolved.iter().any(|u| u == "no attribute or key `name`"),
        "{unresolved:?}"
    );
}

#[test]
fn references_to_names_not_known_keep_their_resource() {
    let (inst, _, _) = evaluate(
        r#"
variable "env" {
  type = string
}
resource "random_string" "s" {
  length = 6
}
resource "aws_iam_role" "trainer" {
  name = "trainer-${var.env}"
}
resource "aws_iam_role" "tuner" {
  name = "tuner-${random_string.s.result}"
}
resource "aws_iam_role" "known" {
  name = "known"
}
resource "aws_iam_role_policy_attachment" "a" {
  for_each   = { trainer = aws_iam_role.trainer.name, tuner = aws_iam_role.tuner.name }
  role       = each.value
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role_policy_attachment" "b" {
  role       = aws_iam_role.trainer.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role_policy_attachment" "c" {
  role       = aws_iam_role.tuner.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role_policy_attachment" "d" {
  role       = aws_iam_role.known.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
"#,
    );
    assert_eq!(
        reference(&attr(&inst, "aws_iam_role_policy_attachment.b", "role")).as_deref(),
        Some("aws_iam_role.trainer.name")
    );
    assert_eq!(
        reference(&attr(&inst, "aws_iam_role_policy_attachment.c", "role")).as_deref(),
        Some("aws_iam_role.tuner.name")
    );
    // a known name stays the name
    assert_eq!(
        attr(&inst, "aws_iam_role_policy_attachment.d", "role").as_str(),
        Some("known")
    );
    // the role's own argument is unchanged: only a reference reads it as the attribute
    assert!(attr(&inst, "aws_iam_role.trainer", "name").is_unknown());
}

#[test]
fn every_unresolved_value_names_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
variable "env" {
  type = string
}
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
module "local_missing" {
  source = "./nowhere"
}
resource "aws_iam_role" "r" {
  name = "r"
}
resource "aws_s3_bucket" "logs" {
  count  = var.env == "prod" ? 1 : 0
  bucket = "logs"
}
resource "aws_s3_bucket" "b" {
  bucket = "b-${var.env}"
  tags = {
    vpc      = module.vpc.vpc_id
    policy   = file("missing.json")
    decoded  = jsondecode(aws_iam_role.r.unique_id)
    declared = var.undeclared
    fn       = provider::aws::arn_parse("arn:aws:s3:::b")
    error    = { a = 1 }.b
  }
}
"#,
    )
    .unwrap();
    let ev = evaluate_dir(dir.path(), &[], &[]);
    let causes: std::collections::BTreeMap<String, &str> = ev
        .evaluated
        .unresolved
        .iter()
        .map(|u| (u.what.clone(), u.cause()))
        .collect();
    let cause = |prefix: &str| -> &str {
        causes
            .iter()
            .find(|(w, _)| w.starts_with(prefix))
            .map(|(_, c)| *c)
            .unwrap_or_else(|| panic!("no unresolved value `{prefix}...` in {causes:#?}"))
    };
    assert_eq!(cause("var.env has no value"), "variable-without-value");
    assert_eq!(
        cause("module.vpc comes from"),
        "remote-module-not-downloaded"
    );
    assert_eq!(cause("module directory"), "file-not-available");
    assert_eq!(cause("count is not known"), "depends-on-unknown");
    assert_eq!(
        cause("`jsondecode` of a value known"),
        "apply-time-attribute"
    );
    assert_eq!(cause("var.undeclared is not declared"), "not-declared");
    assert_eq!(cause("provider function"), "not-supported");
    assert_eq!(cause("no attribute or key `b`"), "terraform-error");
    for (what, c) in &causes {
        assert_ne!(*c, "", "{what}");
    }
}
