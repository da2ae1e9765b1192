//! `mlguard.toml`: parsing and validation, the error as the command line renders it, and a valid
//! configuration applied to a small scan (tiers, workloads, exceptions, rule choice).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard::config::Config;
use mlguard_fuzz::{render, scan_and_render, single_thread, Scratch};
use std::sync::OnceLock;

/// The module a valid configuration is applied to: an ML bucket, a role that reads it, a
/// suppression and a public policy, so most settings change something.
const MODULE: &str = r#"
resource "aws_s3_bucket" "training_data" {
  bucket = "acme-training-data"
  tags   = { tier = "model-artifacts" }
}

resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "sagemaker.amazonaws.com" } }]
  })
}

# mlguard:ignore AC001 until=2027-01-01 -- reviewed
resource "aws_iam_role_policy" "trainer" {
  role   = aws_iam_role.trainer.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }]
  })
}

resource "aws_s3_bucket_policy" "public" {
  bucket = aws_s3_bucket.training_data.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "${aws_s3_bucket.training_data.arn}/*" }]
  })
}

resource "aws_sagemaker_model" "m" {
  name               = "m"
  execution_role_arn = aws_iam_role.trainer.arn
}
"#;

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match Config::parse("mlguard.toml", text) {
        Ok(c) => c,
        Err(e) => {
            let _ = render(e.as_ref());
            return;
        }
    };
    let _ = config.rule_choice(&[], &[], None).enabled("AC001");
    let _ = config.lineage.required();
    let _ = config.check_rule_ids(&|id| mlguard_fuzz::engine().rule(id).is_some());
    single_thread();
    let Some(dir) = SCRATCH
        .get_or_init(|| Scratch::new("config_toml"))
        .write(&[("main.tf".into(), MODULE.into())])
    else {
        return;
    };
    scan_and_render(dir, config, true);
});
