//! `cargo run --release --bin mlguard-bench -- [--files N] [--dir DIR] [--keep]`
//!
//! Generates a deterministic tree of realistic Terraform (many repositories, modules with
//! variables, locals, `for_each`, policy documents, tiered buckets), scans it, and reports wall
//! time, throughput and time per stage, next to the parse-only floor (hcl-edit alone).
//! Figures to record in docs/performance.md; nothing here passes or fails.

use mlguard::engine::Engine;
use mlguard::scan::{self, ScanRequest};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let mut files = 3000usize;
    let mut dir: Option<PathBuf> = None;
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => files = args.next().and_then(|v| v.parse().ok()).unwrap_or(files),
            "--dir" => dir = args.next().map(PathBuf::from),
            "--keep" => keep = true,
            _ => {
                eprintln!("usage: mlguard-bench [--files N] [--dir DIR] [--keep]");
                std::process::exit(2);
            }
        }
    }
    let tmp;
    let root = match dir {
        Some(d) => d,
        None => {
            tmp = std::env::temp_dir().join(format!("mlguard-bench-{files}"));
            tmp
        }
    };
    let _ = std::fs::remove_dir_all(&root);
    let bytes = generate(&root, files);
    println!(
        "tree: {} ({files} .tf files, {:.1} MB)",
        root.display(),
        bytes as f64 / 1e6
    );

    // the floor: hcl-edit alone over the same files, on all cores
    let tf: Vec<PathBuf> = walk(&root);
    let t = Instant::now();
    let parsed: usize = {
        use rayon::prelude::*;
        tf.par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                usize::from(hcl_edit::parser::parse_body(&text).is_ok())
            })
            .sum()
    };
    let floor = t.elapsed();
    println!(
        "parse-only floor: {:>8.1} ms  ({parsed} files, {:.1} MB/s)",
        floor.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / floor.as_secs_f64()
    );

    let t = Instant::now();
    let engine = Engine::load(&[]).expect("built-in rules load");
    let load = t.elapsed();
    let t = Instant::now();
    let out = scan::run(
        &ScanRequest {
            paths: vec![root.clone()],
            ..Default::default()
        },
        &engine,
        &|_| true,
    );
    let wall = t.elapsed();
    println!("rule loading:     {:>8.1} ms", load.as_secs_f64() * 1e3);
    println!(
        "scan:             {:>8.1} ms  ({:.1} MB/s; {} findings, {} resources, {} modules, {} errors)",
        wall.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / wall.as_secs_f64(),
        out.findings.len(),
        out.stats.resources,
        out.stats.modules,
        out.errors.len()
    );
    for (stage, d) in &out.stats.timings {
        println!("  {stage:<10} {:>8.1} ms", d.as_secs_f64() * 1e3);
    }
    if let Some(rss) = peak_rss_mb() {
        println!("peak RSS:         {rss:>8.1} MB");
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "tf") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

const TIERS: [&str; 4] = ["raw", "processed", "training-ready", "model-artifacts"];
const TEAMS: [&str; 5] = ["vision", "speech", "ranking", "fraud", "search"];

/// Write `files` .tf files: repositories of 10 modules, each module 5 files. Returns the bytes written.
fn generate(root: &Path, files: usize) -> usize {
    let mut bytes = 0;
    let per_module = 5;
    let modules = files.div_ceil(per_module);
    for m in 0..modules {
        let dir = root
            .join(format!("repo{:03}", m / 10))
            .join(format!("stack{:02}", m % 10));
        std::fs::create_dir_all(&dir).expect("create bench dir");
        for f in 0..per_module.min(files - m * per_module) {
            let text = file_text(m, f);
            bytes += text.len();
            std::fs::write(dir.join(format!("f{f}.tf")), text).expect("write bench file");
        }
    }
    bytes
}

fn file_text(m: usize, f: usize) -> String {
    let mut s = String::new();
    let team = TEAMS[m % TEAMS.len()];
    match f {
        0 => {
            let _ = write!(
                s,
                r#"variable "env" {{
  type    = string
  default = "prod"
}}

variable "teams" {{
  type    = map(object({{ tier = string }}))
  default = {{
{}  }}
}}

locals {{
  prefix = "acme-${{var.env}}-{team}-{m}"
  common_tags = {{
    owner = "{team}"
    env   = var.env
  }}
}}
"#,
                TIERS
                    .iter()
                    .map(|t| format!("    {t} = {{ tier = \"{t}\" }}\n"))
                    .collect::<String>()
            );
        }
        1 => {
            let _ = write!(
                s,
                r#"resource "aws_s3_bucket" "data" {{
  for_each = var.teams
  bucket   = "${{local.prefix}}-${{each.key}}"
  tags     = merge(local.common_tags, {{ "data-tier" = each.value.tier }})
}}

resource "aws_s3_bucket_versioning" "data" {{
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
"#
            );
        }
        2 => {
            for role in ["trainer", "etl", "serving"] {
                let _ = write!(
                    s,
                    r#"resource "aws_iam_role" "{role}" {{
  name               = "${{local.prefix}}-{role}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.common_tags
}}

"#
                );
            }
            let _ = write!(
                s,
                r#"data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }}
  }}
}}
"#
            );
        }
        3 => {
            let _ = write!(
                s,
                r#"data "aws_iam_policy_document" "trainer" {{
  statement {{
    sid       = "ReadTraining"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [for k, b in aws_s3_bucket.data : "${{b.arn}}/*" if k == "training-ready"]
  }}
  statement {{
    sid       = "WriteArtifacts"
    actions   = ["s3:PutObject"]
    resources = ["${{aws_s3_bucket.data["model-artifacts"].arn}}/*"]
  }}
}}

resource "aws_iam_role_policy" "trainer" {{
  name   = "data"
  role   = aws_iam_role.trainer.id
  policy = data.aws_iam_policy_document.trainer.json
}}
"#
            );
        }
        _ => {
            let raw = if m.is_multiple_of(7) {
                "raw"
            } else {
                "processed"
            };
            let _ = write!(
                s,
                r#"resource "aws_iam_role_policy" "etl" {{
  name = "etl"
  role = aws_iam_role.etl.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = [for t in ["raw", "processed"] : "${{aws_s3_bucket.data[t].arn}}/*"]
      }}
    ]
  }})
}}

resource "aws_iam_role_policy" "trainer_extra" {{
  name = "extra"
  role = aws_iam_role.trainer.id
  policy = <<-EOT
    {{
      "Version": "2012-10-17",
      "Statement": [
        {{
          "Effect": "Allow",
          "Action": "s3:GetObject",
          "Resource": "${{aws_s3_bucket.data["{raw}"].arn}}/*"
        }}
      ]
    }}
  EOT
}}
"#
            );
        }
    }
    s
}
