//! The statement evaluator, table-driven: one role, two buckets and a log group; each case is a
//! policy and the exact (datastore, action class) pairs it grants the role.

use mlguard::engine::Engine;
use mlguard::scan::{self, ScanRequest};
use std::collections::BTreeSet;

const BASE: &str = r#"
resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
}
resource "aws_s3_bucket" "curated" {
  bucket = "acme-curated"
}
resource "aws_cloudwatch_log_group" "endpoint" {
  name = "/aws/sagemaker/Endpoints/fraud"
}
resource "aws_iam_role" "r" {
  name               = "ml-role"
  assume_role_policy = "{}"
  tags = {
    team = "ml"
  }
}
"#;

/// (datastore name, action class, conditional).
type Grants = BTreeSet<(String, String, bool)>;

/// (datastore name, class) pairs the role gets from `policy` (a JSON document), with `conditional`.
fn grants(policy: &str) -> Grants {
    let dir = tempfile::tempdir().unwrap();
    // HCL heredocs interpolate `${`: IAM policy variables are written `$${` there
    let escaped = policy.replace("${", "$${");
    let tf = format!("{BASE}\nresource \"aws_iam_role_policy\" \"p\" {{\n  role = aws_iam_role.r.id\n  policy = <<-EOT\n{escaped}\n  EOT\n}}\n");
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let engine = Engine::load(&[]).unwrap();
    let out = scan::run(
        &ScanRequest {
            paths: vec![dir.path().to_path_buf()],
            ..Default::default()
        },
        &engine,
        &|_| false,
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.analysis
        .grants
        .iter()
        .map(|g| {
            let d = &out.inventory.datastores[g.datastore];
            (
                d.name.clone().unwrap_or_default(),
                g.class.as_str().to_string(),
                g.conditional,
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> Grants {
    items
        .iter()
        .map(|(d, c)| (d.to_string(), c.to_string(), false))
        .collect()
}

fn doc(statements: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
}

#[test]
fn actions_and_resources_match_like_iam() {
    let cases: Vec<(&str, String, Grants)> = vec![
        (
            "an object action on object ARNs reads",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "action names are case-insensitive",
            doc(
                r#"{"Effect": "Allow", "Action": "S3:getobject", "Resource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "an object action on the bucket ARN grants nothing",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw"}"#,
            ),
            set(&[]),
        ),
        (
            "ARNs are case-sensitive",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ACME-RAW/*"}"#,
            ),
            set(&[]),
        ),
        (
            "? matches one character",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ra?/*"}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "NotResource covers every other datastore",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            set(&[("acme-curated", "read")]),
        ),
        (
            "NotAction covers every other object action, so not reading",
            doc(
                r#"{"Effect": "Allow", "NotAction": ["s3:GetObject*", "logs:*"], "Resource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            // PutObject (write), ListMultipartUploadParts (list), PutObjectAcl (permissions), PutObjectTagging
            set(&[
                ("acme-raw", "write"),
                ("acme-raw", "list"),
                ("acme-raw", "manage-permissions"),
                ("acme-raw", "tagging"),
            ]),
        ),
        (
            "a prefix wildcard spans buckets; object-level Get* beyond the data is admin",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "arn:aws:s3:::acme-*/*"}"#,
            ),
            set(&[
                ("acme-raw", "read"),
                ("acme-raw", "admin"),
                ("acme-curated", "read"),
                ("acme-curated", "admin"),
            ]),
        ),
        (
            "reading configuration is not reading data",
            doc(
                r#"{"Effect": "Allow", "Action": ["s3:GetBucketPolicy", "s3:PutLifecycleConfiguration"], "Resource": "arn:aws:s3:::acme-raw"}"#,
            ),
            set(&[("acme-raw", "admin")]),
        ),
        (
            "a policy variable in the key can match some key of the bucket",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/home/${aws:username}/*"}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "a policy variable never widens which bucket",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:username}/*"}"#,
            ),
            set(&[]),
        ),
        (
            "log data through a literal log group ARN in any account and region",
            doc(
                r#"{"Effect": "Allow", "Action": ["logs:GetLogEvents", "logs:FilterLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/fraud:*"}"#,
            ),
            set(&[("/aws/sagemaker/Endpoints/fraud", "read")]),
        ),
        (
            "logs actions on a bucket ARN grant nothing",
            doc(
                r#"{"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            set(&[]),
        ),
        (
            "an unconditional Deny removes the grant",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-*/*"},
                   {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::acme-raw/*"}"#,
            ),
            set(&[("acme-curated", "read")]),
        ),
        (
            "a Deny on part of a bucket leaves the rest granted",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/private/*"}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "a Deny with NotResource removes what it does not name",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-*/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::acme-curated/*"}"#,
            ),
            set(&[("acme-curated", "read")]),
        ),
        (
            "a Deny on a request key removes nothing",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"},
                   {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "a Deny on a principal tag is decided for the principal",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "etl"}}}"#,
            ),
            set(&[]),
        ),
        (
            "a Deny whose principal condition does not hold removes nothing",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "ml"}}}"#,
            ),
            set(&[("acme-raw", "read")]),
        ),
        (
            "a Deny that names the principal's ARN pattern applies",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*"},
                   {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ml-*"}}}"#,
            ),
            set(&[]),
        ),
        (
            "* on * grants every class (log groups have no permissions actions of their own)",
            doc(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#),
            ["acme-raw", "acme-curated", "/aws/sagemaker/Endpoints/fraud"]
                .iter()
                .flat_map(|d| {
                    [
                        "read",
                        "write",
                        "list",
                        "admin",
                        "manage-permissions",
                        "tagging",
                    ]
                    .iter()
                    .filter(move |c| !(d.starts_with('/') && **c == "manage-permissions"))
                    .map(move |c| (d.to_string(), c.to_string(), false))
                })
                .collect(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, policy, want) in cases {
        let got = grants(&policy);
        if got != want {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_allow_with_an_undecidable_condition_is_conditional() {
    let got = grants(&doc(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
    ));
    assert_eq!(
        got,
        BTreeSet::from([("acme-raw".to_string(), "read".to_string(), true)])
    );
}

#[test]
fn an_allow_whose_principal_condition_fails_grants_nothing() {
    let got = grants(&doc(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-raw/*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "etl"}}}"#,
    ));
    assert!(got.is_empty(), "{got:?}");
}

/// (datastore label, action class, coverage) triples.
type Coverages = BTreeSet<(String, String, String)>;

/// The triples the role gets from `policy`, with a prefix store `acme-raw/images/` declared in
/// `mlguard.toml`.
fn coverages(policy: &str) -> Coverages {
    let dir = tempfile::tempdir().unwrap();
    let escaped = policy.replace("${", "$${");
    let tf = format!("{BASE}\nresource \"aws_iam_role_policy\" \"p\" {{\n  role = aws_iam_role.r.id\n  policy = <<-EOT\n{escaped}\n  EOT\n}}\n");
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    std::fs::write(
        dir.path().join("mlguard.toml"),
        "[tiers]\n\"arn:aws:s3:::acme-raw/images/*\" = \"raw\"\n",
    )
    .unwrap();
    let config = mlguard::config::Config::discover(None, dir.path()).unwrap();
    let engine = Engine::load(&[]).unwrap();
    let out = scan::run(
        &ScanRequest {
            paths: vec![dir.path().to_path_buf()],
            config: std::sync::Arc::new(config),
            ..Default::default()
        },
        &engine,
        &|_| false,
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let all = &out.inventory.datastores;
    out.analysis
        .grants
        .iter()
        .map(|g| {
            (
                all[g.datastore].label(all),
                g.class.as_str().to_string(),
                g.coverage.as_str().to_string(),
            )
        })
        .collect()
}

fn covered(items: &[(&str, &str, &str)]) -> Coverages {
    items
        .iter()
        .map(|(d, c, k)| (d.to_string(), c.to_string(), k.to_string()))
        .collect()
}

#[test]
fn grants_know_whether_they_cover_a_whole_datastore_or_a_sliver_of_keys() {
    let read = |resource: &str| {
        doc(&format!(
            r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": {resource}}}"#
        ))
    };
    let cases: Vec<(&str, String, Coverages)> = vec![
        (
            "every key of a bucket named in full",
            read(r#""arn:aws:s3:::acme-curated/*""#),
            covered(&[("acme-curated", "read", "whole")]),
        ),
        (
            "a prefix of a bucket named in full is part of it",
            read(r#""arn:aws:s3:::acme-curated/exports/*""#),
            covered(&[("acme-curated", "read", "part")]),
        ),
        (
            "the prefix store's own prefix covers it whole; the bucket keeps the rest",
            read(r#""arn:aws:s3:::acme-raw/images/*""#),
            covered(&[("acme-raw/images/", "read", "whole")]),
        ),
        (
            "a deeper prefix is part of the prefix store",
            read(r#""arn:aws:s3:::acme-raw/images/png/*""#),
            covered(&[("acme-raw/images/", "read", "part")]),
        ),
        (
            "the bucket's keys cover its prefix stores too",
            read(r#""arn:aws:s3:::acme-raw/*""#),
            covered(&[
                ("acme-raw", "read", "whole"),
                ("acme-raw/images/", "read", "whole"),
            ]),
        ),
        (
            "a key pattern laid over every bucket is a sliver of each",
            read(r#""arn:aws:s3:::*/*aws-glue-*/*""#),
            covered(&[
                ("acme-raw", "read", "sliver"),
                ("acme-raw/images/", "read", "sliver"),
                ("acme-curated", "read", "sliver"),
            ]),
        ),
        (
            "a key pattern over buckets named alike is a sliver too",
            read(r#""arn:aws:s3:::acme-*/tmp/*""#),
            covered(&[
                ("acme-raw", "read", "sliver"),
                ("acme-curated", "read", "sliver"),
            ]),
        ),
        (
            "the widest pattern of a statement decides",
            read(r#"["arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::acme-curated/*"]"#),
            covered(&[
                ("acme-raw", "read", "sliver"),
                ("acme-raw/images/", "read", "sliver"),
                ("acme-curated", "read", "whole"),
            ]),
        ),
        (
            "* covers everything whole",
            read(r#""*""#),
            covered(&[
                ("acme-raw", "read", "whole"),
                ("acme-raw/images/", "read", "whole"),
                ("acme-curated", "read", "whole"),
            ]),
        ),
        (
            "every key of every bucket",
            read(r#""arn:aws:s3:::*/*""#),
            covered(&[
                ("acme-raw", "read", "whole"),
                ("acme-raw/images/", "read", "whole"),
                ("acme-curated", "read", "whole"),
            ]),
        ),
        (
            "a bucket-level action on the bucket ARN is on all of it",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-curated"}"#,
            ),
            covered(&[("acme-curated", "list", "whole")]),
        ),
        (
            "NotResource leaves part of the bucket it names and all of the others",
            doc(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::acme-curated/secret/*"}"#,
            ),
            covered(&[
                ("acme-raw", "read", "whole"),
                ("acme-raw/images/", "read", "whole"),
                ("acme-curated", "read", "part"),
            ]),
        ),
        (
            "some streams of a log group named in full",
            doc(
                r#"{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "arn:aws:logs:*:*:log-group:/aws/sagemaker/Endpoints/fraud:log-stream:AllTraffic/*"}"#,
            ),
            covered(&[("/aws/sagemaker/Endpoints/fraud", "read", "part")]),
        ),
    ];
    let mut failures = Vec::new();
    for (name, policy, want) in cases {
        let got = coverages(&policy);
        if got != want {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
