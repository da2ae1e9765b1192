//! `cargo run --release --bin mlguard-bench -- [--files N | --for-each N | --module N | --gcp-module N | --monorepo N] [--repos] [--jobs N]
//!  [--dir DIR] [--keep] [--reuse]`
//!
//! Generates a deterministic tree of realistic Terraform (many git repositories, each with a
//! shared local module and stacks of five files: variables and locals, tiered buckets with
//! `for_each`, roles, policy documents, inline policies and SageMaker serving; ~2.3 KB per file),
//! or with `--for-each N` one module with a bucket `for_each` over N instances, or with
//! `--monorepo N` one production estate of N files in many root modules (one per application and
//! environment, eight files each) calling shared local modules, whose roles carry AWS managed
//! policies and inline statements with `*` resources, or with `--gcp-module N` one Google Cloud
//! module of N files (the example GCP platform once per team). Then it scans the
//! tree and prints wall time, throughput, time and peak memory per stage, next to the parse-only
//! floor (hcl-edit alone on the same files). `--repos` scans it as a bulk scan (`scan --repos`),
//! one project per repository; otherwise the whole tree is one project.
//! Figures to record in docs/performance.md; nothing here passes or fails.

use mlguard::bulk::{self, BulkOptions};
use mlguard::engine::Engine;
use mlguard::scan::{self, ScanRequest};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// the same allocator as the `mlguard` binary, so stage times match what users see
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: mlguard-bench [--files N | --for-each N | --module N | --gcp-module N | --monorepo N] [--repos] [--jobs N] [--dir DIR] [--keep] [--reuse]";

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Files(usize),
    ForEach(usize),
    Module(usize),
    GcpModule(usize),
    Monorepo(usize),
}

fn main() {
    let mut shape = Shape::Files(3000);
    let mut dir: Option<PathBuf> = None;
    let (mut keep, mut reuse, mut repos) = (false, false, false);
    let mut jobs: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>| -> usize {
        v.and_then(|v| v.parse().ok()).unwrap_or_else(|| {
            eprintln!("{USAGE}");
            std::process::exit(2)
        })
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => shape = Shape::Files(number(args.next())),
            "--for-each" => shape = Shape::ForEach(number(args.next())),
            "--module" => shape = Shape::Module(number(args.next())),
            "--gcp-module" => shape = Shape::GcpModule(number(args.next())),
            "--monorepo" => shape = Shape::Monorepo(number(args.next())),
            "--jobs" => jobs = Some(number(args.next()).max(1)),
            "--dir" => dir = args.next().map(PathBuf::from),
            "--keep" => keep = true,
            "--reuse" => reuse = true,
            "--repos" => repos = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    if let Some(j) = jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j)
            .build_global();
    }
    let name = match shape {
        Shape::Files(n) => format!("mlguard-bench-{n}"),
        Shape::ForEach(n) => format!("mlguard-bench-foreach-{n}"),
        Shape::Module(n) => format!("mlguard-bench-module-{n}"),
        Shape::GcpModule(n) => format!("mlguard-bench-gcp-module-{n}"),
        Shape::Monorepo(n) => format!("mlguard-bench-monorepo-{n}"),
    };
    let root = dir.unwrap_or_else(|| std::env::temp_dir().join(name));
    let marker = root.join(".mlguard-bench");
    let spec = format!(
        "{GENERATOR_VERSION} {}",
        match shape {
            Shape::Files(n) => format!("files {n}"),
            Shape::ForEach(n) => format!("for-each {n}"),
            Shape::Module(n) => format!("module {n}"),
            Shape::GcpModule(n) => format!("gcp-module {n}"),
            Shape::Monorepo(n) => format!("monorepo {n}"),
        }
    );
    let t = Instant::now();
    let reused = reuse && std::fs::read_to_string(&marker).is_ok_and(|s| s == spec);
    if !reused {
        let _ = std::fs::remove_dir_all(&root);
        let written = match shape {
            Shape::Files(n) => generate(&root, n),
            Shape::ForEach(n) => generate_for_each(&root, n),
            Shape::Module(n) => generate_module(&root, n),
            Shape::GcpModule(n) => generate_gcp_module(&root, n),
            Shape::Monorepo(n) => generate_monorepo(&root, n),
        };
        if let Err(e) = written.and_then(|_| std::fs::write(&marker, &spec)) {
            eprintln!(
                "error: cannot write the tree under `{}`: {e}",
                root.display()
            );
            std::process::exit(2);
        }
    }
    let generated = t.elapsed();
    let tf = walk(&root);
    let bytes: u64 = tf
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let mb = bytes as f64 / 1e6;
    let repo_count = bulk::find_repos(std::slice::from_ref(&root)).0.len();
    println!(
        "tree: {} ({} .tf files, {mb:.1} MB, {} repositories; {} in {:.1} s)",
        root.display(),
        tf.len(),
        repo_count,
        if reused { "reused" } else { "generated" },
        generated.as_secs_f64()
    );
    println!(
        "threads: {}   mode: {}",
        rayon::current_num_threads(),
        if repos {
            "bulk (--repos)"
        } else {
            "one project"
        }
    );

    // the floor: hcl-edit alone over the same files, on the same threads
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
        "parse-only floor: {:>8.1} ms  {:>6.1} MB/s  ({parsed} files parsed)",
        ms(floor),
        mb / floor.as_secs_f64()
    );

    let t = Instant::now();
    let engine = Engine::load(&[]).unwrap_or_else(|e| {
        eprintln!("error: the built-in rules do not load: {e:?}");
        std::process::exit(2)
    });
    let load = t.elapsed();
    println!("rule loading:     {:>8.1} ms", ms(load));
    let rss_before = peak_rss_mb().unwrap_or(0.0);
    if repos {
        drop(engine);
        bench_bulk(&root, mb);
    } else {
        bench_one(&root, &engine, mb);
    }
    match peak_rss_mb() {
        Some(rss) => {
            println!("peak RSS:         {rss:>8.1} MB  (before the scan: {rss_before:.1} MB)")
        }
        None => println!("peak RSS:         n/a (no /proc/self/status)"),
    }
    if !keep && !reuse {
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The whole tree as one project: wall time per stage, with the peak RSS reached by its end.
fn bench_one(root: &Path, engine: &Engine, mb: f64) {
    scan::record_memory(true);
    let t = Instant::now();
    let out = scan::run(
        &ScanRequest {
            paths: vec![root.to_path_buf()],
            ..Default::default()
        },
        engine,
        &|_| true,
    );
    let wall = t.elapsed();
    // report: the JSON document, as `--format json` renders it
    let t = Instant::now();
    let report = mlguard::report::Report {
        scan: &out,
        fail_on: mlguard::findings::Severity::Low,
    };
    let rendered = mlguard::report::format("json")
        .map(|f| f.render(&report, false).len())
        .unwrap_or(0);
    let render = t.elapsed();
    let report_rss = peak_rss_mb().unwrap_or(0.0);
    println!(
        "scan:             {:>8.1} ms  {:>6.1} MB/s  ({} findings, {} resources, {} modules, {} errors, {} unresolved)",
        ms(wall),
        mb / wall.as_secs_f64(),
        out.findings.len(),
        out.stats.resources,
        out.stats.modules,
        out.errors.len(),
        out.unresolved.len()
    );
    println!(
        "  {:<10} {:>9} {:>9} {:>14}",
        "stage", "ms", "MB/s", "peak RSS MB"
    );
    let mut stages: Vec<(&str, Duration, Option<f64>)> = out
        .stats
        .timings
        .iter()
        .enumerate()
        .map(|(i, (s, d))| (*s, *d, out.stats.memory.get(i).map(|m| *m as f64 / 1024.0)))
        .collect();
    stages.push(("report", render, Some(report_rss)));
    for (stage, d, rss) in stages {
        println!(
            "  {stage:<10} {:>9.1} {:>9.1} {:>14}",
            ms(d),
            mb / d.as_secs_f64().max(1e-9),
            rss.map_or("n/a".into(), |r| format!("{r:.1}"))
        );
    }
    println!("  (json report: {:.1} MB)", rendered as f64 / 1e6);
    for e in out.errors.iter().take(3) {
        println!("  error: {}", e.message);
    }
}

/// Every repository as its own project, as `scan --repos --format json` runs it.
fn bench_bulk(root: &Path, mb: f64) {
    let opts = BulkOptions::json(vec![root.to_path_buf()]);
    let mut sink = CountingSink(0);
    let t = Instant::now();
    let totals = match bulk::run(&opts, &mut sink) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let wall = t.elapsed();
    println!(
        "bulk scan:        {:>8.1} ms  {:>6.1} MB/s  ({} repositories, {} failed, {} findings, {} resources, {} parse errors; {:.1} MB of JSON Lines)",
        ms(wall),
        mb / wall.as_secs_f64(),
        totals.repos,
        totals.failed,
        totals.findings,
        totals.resources,
        totals.parse_errors,
        sink.0 as f64 / 1e6
    );
    println!(
        "  {:<10} {:>12}  (summed over repositories: thread time, not wall time)",
        "stage", "thread ms"
    );
    for (stage, d) in &totals.stages {
        println!("  {stage:<10} {:>12.1}", ms(*d));
    }
    if let Some((repo, d)) = totals.slowest.first() {
        println!("  slowest repository: {repo} {:.1} ms", ms(*d));
    }
}

/// Counts what the bulk scan writes, as a pipe to a file would take it.
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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

/// Bumped whenever the generated text changes, so `--reuse` never measures a stale tree.
const GENERATOR_VERSION: &str = "mlguard-bench-tree v4";
const TIERS: [&str; 4] = ["raw", "processed", "training-ready", "model-artifacts"];
const TEAMS: [&str; 5] = ["vision", "speech", "ranking", "fraud", "search"];
const FILES_PER_STACK: usize = 5;

/// A small deterministic generator (an LCG): the same sizes on every machine and run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// Write `files` .tf files as git repositories of 4 to 16 stacks (5 files each) plus a shared
/// two-file module every stack calls.
fn generate(root: &Path, files: usize) -> std::io::Result<()> {
    let mut rng = Lcg(7);
    let mut written = 0;
    let mut r = 0;
    while written < files {
        let repo = root
            .join(format!("org{}", r % 7))
            .join(format!("repo{r:04}"));
        write(&repo.join(".git").join("HEAD"), "ref: refs/heads/main\n")?;
        let stacks = 4 + rng.next(13) as usize;
        for (name, text) in store_module() {
            if written < files {
                write(&repo.join("modules/store").join(name), &text)?;
                written += 1;
            }
        }
        for s in 0..stacks {
            let m = r * 100 + s;
            for (f, name) in STACK_FILES.iter().enumerate() {
                if written == files {
                    break;
                }
                let path = repo.join(format!("stacks/stack{s:02}/{name}"));
                write(&path, &stack_file(m, f))?;
                written += 1;
            }
        }
        r += 1;
    }
    Ok(())
}

const STACK_FILES: [&str; FILES_PER_STACK] = [
    "variables.tf",
    "storage.tf",
    "roles.tf",
    "policies.tf",
    "serving.tf",
];

/// The repository's shared module: a log store with retention and encryption.
fn store_module() -> [(&'static str, String); 2] {
    let variables = r#"# Inputs of the shared log store. Every stack in this repository calls it.
variable "name" {
  description = "Name of the log store; becomes the bucket name and the log group prefix."
  type        = string
}

variable "retention_days" {
  description = "Days an object is kept before it expires; inference logs need 30 to 400."
  type        = number
  default     = 90
}

variable "kms_key_arn" {
  description = "Customer managed key that encrypts the objects at rest."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of the store."
  type        = map(string)
  default     = {}
}
"#
    .to_string();
    let main = r#"# A bucket for logs with a lifecycle and server-side encryption.
resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags   = merge(var.tags, { "data-tier" = "processed", purpose = "logs" })
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    id     = "expire"
    status = "Enabled"
    expiration {
      days = var.retention_days
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "bucket" {
  value = aws_s3_bucket.this.id
}
"#
    .to_string();
    [("variables.tf", variables), ("main.tf", main)]
}

fn stack_file(m: usize, f: usize) -> String {
    let mut s = String::new();
    let team = TEAMS[m % TEAMS.len()];
    match f {
        0 => {
            let _ = write!(
                s,
                r#"# Inputs and naming for the {team} team's stack {m}.
variable "env" {{
  description = "Deployment environment: dev, staging or prod."
  type        = string
  default     = "prod"
}}

variable "region" {{
  description = "AWS region the stack is deployed to."
  type        = string
  default     = "eu-west-1"
}}

variable "teams" {{
  description = "Data stores of the stack, keyed by tier, with their retention."
  type = map(object({{
    tier      = string
    retention = number
  }}))
  default = {{
{}  }}
}}

variable "endpoint_instance_type" {{
  description = "Instance type of the serving endpoint."
  type        = string
  default     = "ml.m5.large"
}}

locals {{
  prefix = "acme-${{var.env}}-{team}-{m}"
  common_tags = {{
    owner       = "{team}"
    env         = var.env
    cost-center = "ml-{team}"
    managed-by  = "terraform"
    data-source = "internal-events"
    data-license = "proprietary"
  }}
  bucket_names = {{ for k, v in var.teams : k => "${{local.prefix}}-${{k}}" }}
  retention    = {{ for k, v in var.teams : k => v.retention }}
  tier_names   = [for k, v in var.teams : v.tier]
  log_prefix   = "/aws/sagemaker/${{local.prefix}}"
}}

variable "log_retention_days" {{
  description = "Days the endpoint's CloudWatch logs are kept; SOC 2 evidence needs 30 to 400."
  type        = number
  default     = 180
  validation {{
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 400
    error_message = "Log retention must be between 30 and 400 days."
  }}
}}

variable "sampling_percentage" {{
  description = "Share of inference requests captured for monitoring, in percent."
  type        = number
  default     = 10
  validation {{
    condition     = var.sampling_percentage > 0 && var.sampling_percentage <= 100
    error_message = "The sampling percentage is a number from 1 to 100."
  }}
}}

variable "allowed_principals" {{
  description = "Account roots allowed to assume the stack's roles, besides SageMaker."
  type        = list(string)
  default     = ["arn:aws:iam::111122223333:root"]
}}
"#,
                TIERS
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!(
                        "    {t} = {{\n      tier      = \"{t}\"\n      retention = {}\n    }}\n",
                        90 * (i + 1)
                    ))
                    .collect::<String>()
            );
        }
        1 => {
            let _ = write!(
                s,
                r#"# Tiered data stores: one bucket per tier, versioned, encrypted, private.
resource "aws_kms_key" "data" {{
  description             = "Data at rest for ${{local.prefix}}"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  tags                    = local.common_tags
}}

resource "aws_s3_bucket" "data" {{
  for_each = var.teams
  bucket   = local.bucket_names[each.key]
  tags     = merge(local.common_tags, {{ "data-tier" = each.value.tier }})
}}

resource "aws_s3_bucket_versioning" "data" {{
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {{
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }}
    bucket_key_enabled = true
  }}
}}

resource "aws_s3_bucket_public_access_block" "data" {{
  for_each                = aws_s3_bucket.data
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_lifecycle_configuration" "data" {{
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  rule {{
    id     = "expire-${{each.key}}"
    status = "Enabled"
    expiration {{
      days = local.retention[each.key]
    }}
    noncurrent_version_expiration {{
      noncurrent_days = 30
    }}
  }}
}}

resource "aws_s3_bucket_logging" "data" {{
  for_each      = aws_s3_bucket.data
  bucket        = each.value.id
  target_bucket = module.logs.bucket
  target_prefix = "s3-access/${{each.key}}/"
}}

resource "aws_s3_bucket_ownership_controls" "data" {{
  for_each = aws_s3_bucket.data
  bucket   = each.value.id
  rule {{
    object_ownership = "BucketOwnerEnforced"
  }}
}}

module "logs" {{
  source         = "../../modules/store"
  name           = "${{local.prefix}}-logs"
  retention_days = 180
  kms_key_arn    = aws_kms_key.data.arn
  tags           = local.common_tags
}}
"#
            );
        }
        2 => {
            let _ = writeln!(
                s,
                "# Workload roles of stack {m}: training, ETL and serving, assumed by SageMaker."
            );
            for (role, workload) in [
                ("trainer", "training"),
                ("etl", "etl"),
                ("serving", "inference"),
            ] {
                let _ = write!(
                    s,
                    r#"resource "aws_iam_role" "{role}" {{
  name                 = "${{local.prefix}}-{role}"
  description          = "{workload} role of ${{local.prefix}}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = merge(local.common_tags, {{ "mlguard:workload" = "{workload}" }})
}}

"#
                );
            }
            let _ = write!(
                s,
                r#"data "aws_iam_policy_document" "assume" {{
  statement {{
    sid     = "SageMakerAssumes"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }}
    condition {{
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["111122223333"]
    }}
  }}
}}

resource "aws_iam_role" "monitor" {{
  name               = "${{local.prefix}}-monitor"
  description        = "Model monitoring jobs of ${{local.prefix}}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = merge(local.common_tags, {{ "mlguard:workload" = "monitoring" }})
}}

resource "aws_iam_role_policy" "monitor" {{
  name = "read-capture"
  role = aws_iam_role.monitor.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid      = "ReadCapture"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = [module.logs.arn, "${{module.logs.arn}}/capture/*"]
    }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "serving_ecr" {{
  role       = aws_iam_role.serving.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
}}
"#
            );
        }
        3 => {
            let _ = write!(
                s,
                r#"# What the trainer may read and write: training data in, model artifacts out.
data "aws_iam_policy_document" "trainer" {{
  statement {{
    sid       = "ListTrainingBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [for k, b in aws_s3_bucket.data : b.arn if k == "training-ready"]
  }}
  statement {{
    sid       = "ReadTraining"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for k, b in aws_s3_bucket.data : "${{b.arn}}/*" if k == "training-ready"]
  }}
  statement {{
    sid       = "WriteArtifacts"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${{aws_s3_bucket.data["model-artifacts"].arn}}/*"]
  }}
  statement {{
    sid       = "DenyUnencryptedUploads"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${{aws_s3_bucket.data["model-artifacts"].arn}}/*"]
    condition {{
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }}
  }}
  statement {{
    sid       = "WriteCheckpoints"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${{aws_s3_bucket.data["training-ready"].arn}}/checkpoints/${{local.prefix}}/*"]
  }}
  statement {{
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }}
}}

resource "aws_iam_role_policy" "trainer" {{
  name   = "data"
  role   = aws_iam_role.trainer.id
  policy = data.aws_iam_policy_document.trainer.json
}}

data "aws_iam_policy_document" "serving" {{
  statement {{
    sid       = "ReadModel"
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.data["model-artifacts"].arn}}/*"]
  }}
  statement {{
    sid       = "WriteLogs"
    actions   = ["s3:PutObject"]
    resources = ["${{module.logs.arn}}/*"]
  }}
}}

resource "aws_iam_policy" "serving" {{
  name        = "${{local.prefix}}-serving"
  description = "Model read and log write for the serving role"
  policy      = data.aws_iam_policy_document.serving.json
}}

resource "aws_iam_role_policy_attachment" "serving" {{
  role       = aws_iam_role.serving.name
  policy_arn = aws_iam_policy.serving.arn
}}
"#
            );
        }
        _ => {
            // every seventh stack lets ETL read raw from the trainer: a finding to report
            let raw = if m.is_multiple_of(7) {
                "raw"
            } else {
                "processed"
            };
            let _ = write!(
                s,
                r#"# ETL moves raw data to processed; serving runs one SageMaker endpoint.
resource "aws_iam_role_policy" "etl" {{
  name = "etl"
  role = aws_iam_role.etl.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid      = "ReadWriteTiers"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = [for t in ["raw", "processed"] : "${{aws_s3_bucket.data[t].arn}}/*"]
      }},
      {{
        Sid      = "ListTiers"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = [for t in ["raw", "processed"] : aws_s3_bucket.data[t].arn]
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

resource "aws_sagemaker_model" "serving" {{
  name               = "${{local.prefix}}-model"
  execution_role_arn = aws_iam_role.serving.arn
  primary_container {{
    image          = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/{team}:latest"
    model_data_url = "s3://${{aws_s3_bucket.data["model-artifacts"].id}}/model.tar.gz"
  }}
  tags = local.common_tags
}}

resource "aws_sagemaker_endpoint_configuration" "serving" {{
  name = "${{local.prefix}}-config"
  production_variants {{
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.serving.name
    initial_instance_count = 1
    instance_type          = var.endpoint_instance_type
  }}
  data_capture_config {{
    enable_capture              = true
    initial_sampling_percentage = 10
    destination_s3_uri          = "s3://${{module.logs.bucket}}/capture"
    capture_options {{
      capture_mode = "Input"
    }}
  }}
  kms_key_arn = aws_kms_key.data.arn
}}

resource "aws_sagemaker_endpoint" "serving" {{
  name                 = "${{local.prefix}}-endpoint"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.serving.name
  tags                 = local.common_tags
}}

resource "aws_cloudwatch_log_group" "endpoint" {{
  name              = "${{local.log_prefix}}/Endpoints/${{local.prefix}}-endpoint"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
  tags              = merge(local.common_tags, {{ purpose = "inference-logs" }})
}}

output "endpoint_name" {{
  description = "Name of the serving endpoint, for the API gateway integration."
  value       = aws_sagemaker_endpoint.serving.name
}}

output "data_buckets" {{
  description = "Bucket of each data tier."
  value       = {{ for k, b in aws_s3_bucket.data : k => b.id }}
}}

output "role_arns" {{
  description = "Roles of the stack, for the pipelines that assume them."
  value = {{
    trainer = aws_iam_role.trainer.arn
    etl     = aws_iam_role.etl.arn
    serving = aws_iam_role.serving.arn
    monitor = aws_iam_role.monitor.arn
  }}
}}
"#
            );
        }
    }
    s
}

/// One module: a bucket `for_each` over `n` datasets, with versioning and a policy document that
/// reaches every instance, as a platform's dataset catalogue would.
fn generate_for_each(root: &Path, n: usize) -> std::io::Result<()> {
    let dir = root.join("catalogue");
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    let mut datasets =
        String::from("# The dataset catalogue: one entry per dataset.\nlocals {\n  datasets = {\n");
    for i in 0..n {
        let _ = writeln!(
            datasets,
            "    \"ds{i:05}\" = {{ tier = \"{}\", owner = \"{}\" }}",
            TIERS[i % TIERS.len()],
            TEAMS[i % TEAMS.len()]
        );
    }
    datasets.push_str("  }\n}\n");
    write(&dir.join("datasets.tf"), &datasets)?;
    let main = r#"resource "aws_s3_bucket" "dataset" {
  for_each = local.datasets
  bucket   = "acme-datasets-${each.key}"
  tags = {
    "data-tier"    = each.value.tier
    owner          = each.value.owner
    "data-source"  = "catalogue"
    "data-license" = "proprietary"
  }
}

resource "aws_s3_bucket_versioning" "dataset" {
  for_each = aws_s3_bucket.dataset
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_iam_role" "trainer" {
  name               = "catalogue-trainer"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = { "mlguard:workload" = "training" }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "trainer" {
  statement {
    sid       = "ReadTrainingReady"
    actions   = ["s3:GetObject"]
    resources = [for k, b in aws_s3_bucket.dataset : "${b.arn}/*" if local.datasets[k].tier == "training-ready"]
  }
}

resource "aws_iam_role_policy" "trainer" {
  name   = "datasets"
  role   = aws_iam_role.trainer.id
  policy = data.aws_iam_policy_document.trainer.json
}
"#;
    write(&dir.join("main.tf"), main)
}

/// One module directory of `n` files: a stack's five files plus data stores of their own, each
/// in its own file with its bucket, versioning, encryption and an ETL grant.
fn generate_module(root: &Path, n: usize) -> std::io::Result<()> {
    // where a stack's `../../modules/store` call finds the shared module
    let dir = root.join("stacks/stack00");
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    for (f, name) in STACK_FILES.iter().enumerate().take(n) {
        write(&dir.join(name), &stack_file(0, f))?;
    }
    for (name, text) in store_module() {
        write(&root.join("modules/store").join(name), &text)?;
    }
    for i in 0..n.saturating_sub(FILES_PER_STACK) {
        write(&dir.join(format!("store_{i:03}.tf")), &extra_store(i))?;
    }
    Ok(())
}

/// A production estate: one git repository of `n` files, root modules `apps/appNNN/{prod,dev,
/// staging}` of eight files each, calling two shared local modules (a data store and a service
/// role). Every role gets AWS managed policies with `*` resources and an inline `*` statement;
/// each application and environment has an account of its own, and the prod roots of every ten
/// applications also share one, so the scan sees many units and a few that share an account.
fn generate_monorepo(root: &Path, n: usize) -> std::io::Result<()> {
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    let modules = monorepo_modules();
    for (path, text) in &modules {
        write(&root.join(path), text)?;
    }
    let mut written = modules.len();
    let envs = ["prod", "dev", "staging"];
    let mut r = 0;
    while written < n {
        let (app, env) = (r / envs.len(), envs[r % envs.len()]);
        let dir = root.join(format!("apps/app{app:03}/{env}"));
        for (name, text) in monorepo_root(app, env).into_iter().take(n - written) {
            write(&dir.join(name), &text)?;
            written += 1;
        }
        r += 1;
    }
    Ok(())
}

fn monorepo_modules() -> Vec<(&'static str, String)> {
    let data = r#"# A tiered data store: bucket, versioning, encryption, public access block.
variable "name" {
  type = string
}

variable "tier" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags = {
    data-tier    = var.tier
    data-source  = "orders"
    data-license = "internal"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
"#;
    let role = r#"# A service role with the usual AWS managed policies and a broad inline statement.
variable "name" {
  type = string
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "read_only" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess"
}

resource "aws_iam_role_policy" "inline" {
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "logs:PutLogEvents"]
      Resource = "*"
    }]
  })
}

output "arn" {
  value = aws_iam_role.this.arn
}
"#;
    vec![
        ("modules/data/main.tf", data.to_string()),
        ("modules/service-role/main.tf", role.to_string()),
    ]
}

fn monorepo_root(app: usize, env: &str) -> Vec<(&'static str, String)> {
    let account = format!(
        "{:012}",
        100_000_000_000u64 + app as u64 * 10 + env.len() as u64
    );
    let shared = if env == "prod" {
        format!(
            "\n  # ten applications' prod roots share a data account\n  allowed_account_ids = [\"{account}\", \"{:012}\"]",
            999_999_999_000u64 + (app / 10) as u64
        )
    } else {
        String::new()
    };
    let tier = TIERS[app % TIERS.len()];
    vec![
        (
            "providers.tf",
            format!(
                r#"provider "aws" {{
  region = "eu-west-1"
  assume_role {{
    role_arn = "arn:aws:iam::{account}:role/terraform"
  }}{shared}
}}

provider "aws" {{
  alias  = "dns"
  region = "us-east-1"
}}
"#
            ),
        ),
        (
            "variables.tf",
            format!(
                r#"variable "app" {{
  type    = string
  default = "app{app:03}"
}}

variable "env" {{
  type    = string
  default = "{env}"
}}
"#
            ),
        ),
        (
            "locals.tf",
            r#"locals {
  prefix = "acme-${var.app}-${var.env}"
  tags = {
    app = var.app
    env = var.env
  }
}
"#
            .to_string(),
        ),
        (
            "data.tf",
            format!(
                r#"module "events" {{
  source = "../../../modules/data"
  name   = "${{local.prefix}}-events"
  tier   = "{tier}"
}}

module "exports" {{
  source = "../../../modules/data"
  name   = "${{local.prefix}}-exports"
  tier   = "processed"
}}
"#
            ),
        ),
        (
            "roles.tf",
            r#"module "api" {
  source = "../../../modules/service-role"
  name   = "${local.prefix}-api"
}

module "worker" {
  source = "../../../modules/service-role"
  name   = "${local.prefix}-worker"
}
"#
            .to_string(),
        ),
        (
            "logs.tf",
            r#"resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${local.prefix}-api"
  retention_in_days = 30
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${local.prefix}-worker"
  retention_in_days = 30
  tags              = local.tags
}
"#
            .to_string(),
        ),
        (
            "reports.tf",
            r#"# Reads one export by name: a literal ARN, reaching it in any unit.
data "aws_iam_policy_document" "reports" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${local.prefix}-exports/*"]
  }
}

resource "aws_iam_role_policy" "reports" {
  role   = module.worker.arn
  policy = data.aws_iam_policy_document.reports.json
}
"#
            .to_string(),
        ),
        (
            "outputs.tf",
            r#"output "events_bucket" {
  value = module.events.arn
}

output "api_role" {
  value = module.api.arn
}
"#
            .to_string(),
        ),
    ]
}

fn extra_store(i: usize) -> String {
    let tier = TIERS[i % TIERS.len()];
    format!(
        r#"# Data store {i} of the module: {tier} data, versioned, encrypted, private.
resource "aws_s3_bucket" "store_{i}" {{
  bucket = "${{local.prefix}}-store-{i}"
  tags = merge(local.common_tags, {{
    "data-tier" = "{tier}"
    dataset     = "dataset-{i}"
  }})
}}

resource "aws_s3_bucket_versioning" "store_{i}" {{
  bucket = aws_s3_bucket.store_{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "store_{i}" {{
  bucket = aws_s3_bucket.store_{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "store_{i}" {{
  bucket                  = aws_s3_bucket.store_{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

data "aws_iam_policy_document" "store_{i}" {{
  statement {{
    sid       = "EtlReadsStore{i}"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.store_{i}.arn, "${{aws_s3_bucket.store_{i}.arn}}/*"]
  }}
}}

resource "aws_iam_role_policy" "store_{i}" {{
  name   = "store-{i}"
  role   = aws_iam_role.etl.id
  policy = data.aws_iam_policy_document.store_{i}.json
}}
"#
    )
}

/// One Google Cloud module directory of `n` files, the shape of `fixtures/examples/gcp-ml-platform`
/// repeated per team: a `providers.tf` (provider with default labels, keys, the Data Access audit
/// config) and, per team, four files (tiered buckets with `for_each` and CMEK, a BigQuery
/// dataset with `access` blocks, service accounts, bucket/dataset/project bindings, a Vertex
/// endpoint logging requests to BigQuery, a reasoning engine, a persistent training resource).
/// An `mlguard.toml` declares each team's pipeline and promotion workloads.
fn generate_gcp_module(root: &Path, n: usize) -> std::io::Result<()> {
    let dir = root.join("platform");
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n")?;
    write(&dir.join("providers.tf"), GCP_PROVIDERS)?;
    let mut config = String::from("[workloads]\n");
    let mut written = 1;
    let mut team = 0;
    while written < n {
        let label = format!("_t{team:02}");
        let name = format!("t{team:02}");
        for (file, text) in GCP_TEAM_FILES.iter().take(n - written) {
            let text = text.replace("@L", &label).replace("@N", &name);
            write(&dir.join(format!("{file}_{name}.tf")), &text)?;
            written += 1;
        }
        let _ = writeln!(
            config,
            "\"google_service_account.etl{label}\" = [\"pipeline\"]\n\"google_service_account.release{label}\" = [\"promotion\"]"
        );
        team += 1;
    }
    config.push_str(
        "\n[inference_logs]\nreaders = [\"group:ml-audit@acme.example\"]\n\n[subservices]\ndeclared = [\"vertex-ai\"]\n",
    );
    write(&dir.join("mlguard.toml"), &config)
}

const GCP_PROVIDERS: &str = r#"provider "google" {
  project = "acme-ml"
  default_labels = {
    data-source  = "partner-feed"
    data-license = "cc-by-4"
  }
}

locals {
  data_key = "projects/acme-ml/locations/us/keyRings/ml/cryptoKeys/data"
  logs_key = "projects/acme-ml/locations/us/keyRings/ml/cryptoKeys/inference-logs"
}

# Data Access audit logs for Vertex AI (IL002).
resource "google_project_iam_audit_config" "vertex" {
  project = "acme-ml"
  service = "aiplatform.googleapis.com"
  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}
"#;

/// A team's four files; `@L` becomes the team's label suffix (`_t03`), `@N` its name (`t03`).
const GCP_TEAM_FILES: [(&str, &str); 4] = [
    (
        "data_lake",
        r#"# One bucket per tier, each private, with a customer-managed key.
resource "google_storage_bucket" "tier@L" {
  for_each = {
    raw      = "raw"
    curated  = "processed"
    features = "training-ready"
  }
  name                        = "acme-${each.key}-@N"
  location                    = "US"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = { data-tier = each.value, team = "@N" }
  encryption {
    default_kms_key_name = local.data_key
  }
}

resource "google_storage_bucket" "models@L" {
  name                        = "acme-models-@N"
  location                    = "US"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = { data-tier = "model-artifacts", team = "@N" }
  versioning {
    enabled = true
  }
  encryption {
    default_kms_key_name = local.data_key
  }
}

resource "google_bigquery_dataset" "feature_tables@L" {
  dataset_id = "feature_tables@L"
  labels     = { data-tier = "training-ready" }
  default_encryption_configuration {
    kms_key_name = local.data_key
  }
  access {
    role          = "OWNER"
    special_group = "projectOwners"
  }
  access {
    role          = "WRITER"
    user_by_email = google_service_account.etl@L.email
  }
  access {
    role          = "READER"
    user_by_email = google_service_account.trainer@L.email
  }
}
"#,
    ),
    (
        "pipeline",
        r#"resource "google_service_account" "etl@L" {
  account_id = "etl-@N"
}

# The pipeline reads each tier and writes the next one, bucket by bucket.
resource "google_storage_bucket_iam_member" "etl_reads_raw@L" {
  bucket = google_storage_bucket.tier@L["raw"].name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.etl@L.email}"
}

resource "google_storage_bucket_iam_member" "etl_writes_curated@L" {
  bucket = google_storage_bucket.tier@L["curated"].name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.etl@L.email}"
}

resource "google_storage_bucket_iam_member" "etl_writes_features@L" {
  bucket = google_storage_bucket.tier@L["features"].name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.etl@L.email}"
}
"#,
    ),
    (
        "serving",
        r#"resource "google_service_account" "serving@L" {
  account_id = "serving-@N"
}

resource "google_service_account" "release@L" {
  account_id = "release-@N"
}

resource "google_bigquery_dataset" "inference_logs@L" {
  dataset_id                  = "inference_logs@L"
  default_table_expiration_ms = 7776000000
  default_encryption_configuration {
    kms_key_name = local.logs_key
  }
}

resource "google_vertex_ai_endpoint" "ranker@L" {
  name         = "ranker-@N"
  display_name = "ranker-@N"
  location     = "us-central1"
  predict_request_response_logging_config {
    enabled       = true
    sampling_rate = 0.25
    bigquery_destination {
      output_uri = "bq://acme-ml.${google_bigquery_dataset.inference_logs@L.dataset_id}.requests"
    }
  }
}

resource "google_vertex_ai_reasoning_engine" "assistant@L" {
  display_name = "assistant-@N"
  region       = "us-central1"
  spec {
    service_account = google_service_account.serving@L.email
  }
}

resource "google_storage_bucket_iam_member" "serving_models@L" {
  bucket = google_storage_bucket.models@L.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.serving@L.email}"
}

# Only the release pipeline deploys models.
resource "google_project_iam_member" "release_deploys@L" {
  project = "acme-ml"
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.release@L.email}"
}

# The ML audit group reads inference logs, and is declared a reader.
resource "google_bigquery_dataset_iam_member" "audit_reads_logs@L" {
  dataset_id = google_bigquery_dataset.inference_logs@L.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "group:ml-audit@acme.example"
}
"#,
    ),
    (
        "training",
        r#"resource "google_service_account" "trainer@L" {
  account_id = "trainer-@N"
}

resource "google_vertex_ai_persistent_resource" "training@L" {
  name         = "training-@N"
  display_name = "training-@N"
  region       = "us-central1"
  resource_pools {
    machine_spec {
      machine_type = "n1-standard-8"
    }
    replica_count = 1
  }
  resource_runtime_spec {
    service_account_spec {
      enable_custom_service_account = true
      service_account               = google_service_account.trainer@L.email
    }
  }
}

resource "google_storage_bucket_iam_member" "trainer_features@L" {
  bucket = google_storage_bucket.tier@L["features"].name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.trainer@L.email}"
}

resource "google_storage_bucket_iam_member" "trainer_models@L" {
  bucket = google_storage_bucket.models@L.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.trainer@L.email}"
}
"#,
    ),
];
