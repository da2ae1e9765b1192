//! The command line: flags are parsed here and resolved once into what the stages need.

use crate::config::Config;
use crate::engine::Engine;
use crate::findings::Severity;
use crate::report::{self, Report};
use crate::scan::{self, ScanRequest};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "mlguard",
    // the version and the commit built from (build.rs), e.g. `0.1.0 (commit 2963491a1b2c)`
    version = env!("MLGUARD_LONG_VERSION"),
    about = "SOC 2 controls for AI/ML infrastructure code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan Terraform and IAM policy files for violations.
    Scan(Box<ScanArgs>),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Extra rule directories.
        #[arg(long)]
        policies: Vec<PathBuf>,
    },
    /// Show a rule's documentation.
    Explain {
        /// Rule id (`DT002`) or name (`training-reads-raw`).
        rule: String,
    },
    /// Who can read, write, list, administer and manage each datastore, and through what.
    Access(AccessArgs),
    /// The SOC 2 system-description draft: data tiers, training, serving, inference logs, model
    /// registry, third-party AI services.
    Inventory(ReportArgs),
    /// Per Trust Services Criterion: the controls that test it, what passed, failed, was suppressed.
    Evidence(EvidenceArgs),
    /// Write a starting mlguard.toml from what a scan sees, every classification with its
    /// evidence, for a person to review and commit.
    Init(InitArgs),
    /// Print the Cedar schema that rules are written against.
    Schema,
    /// Validate a directory of Cedar rules against the schema.
    CheckPolicies { dir: PathBuf },
    /// Combine the JSON results of sharded bulk scans (JSON documents or JSON Lines) into one.
    Merge {
        /// Result files of `scan --repos --format json` (or `scan --format json`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the merged result to a file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    /// One self-contained page: the access graph and the findings.
    Html,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
        }
    }
}

/// What every analysing command reads: the paths, the config file and Terraform variables.
#[derive(Args, Debug, Clone)]
pub struct Input {
    /// Files and directories to analyse.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Config file (default: mlguard.toml in the first path or an ancestor, up to the git root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Terraform variables file, loaded after the automatic ones.
    #[arg(long = "var-file")]
    pub var_files: Vec<PathBuf>,
    /// Terraform variable, NAME=VALUE.
    #[arg(long = "var")]
    pub vars: Vec<String>,
}

impl Input {
    /// The first path given (`.` when none): where the config and the git repository are looked up.
    fn first_path(&self) -> &Path {
        self.paths.first().map_or(Path::new("."), PathBuf::as_path)
    }

    /// The scan request for these inputs.
    fn request(&self, config: std::sync::Arc<Config>) -> ScanRequest {
        ScanRequest {
            paths: self.paths.clone(),
            config,
            var_files: self.var_files.clone(),
            vars: self.vars.clone(),
            ..Default::default()
        }
    }
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: Input,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Extra Cedar rules.
    #[arg(long)]
    pub policies: Vec<PathBuf>,
    /// Only these rule ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rule ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Fail (exit 1) on findings at or above this severity [default: low, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Worker threads (default: one per core). At most four per core or 64, whichever is more;
    /// a larger number is lowered to that.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// No progress output.
    #[arg(long)]
    pub no_progress: bool,
    /// Print only the summary line.
    #[arg(long)]
    pub quiet: bool,
    /// Findings whose fingerprint is in this file are reported as baseline, not failures.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the fingerprints of the current findings in this file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings with a span in a file changed since merge-base(REV, HEAD).
    #[arg(long, value_name = "GIT_REV")]
    pub changed_since: Option<String>,
    /// Audit mode: every suppression comment and config exception is off.
    #[arg(long)]
    pub ignore_suppressions: bool,
    /// Reasonless and unused suppressions become `info` findings.
    #[arg(long)]
    pub strict_suppressions: bool,
    /// Bulk: every git repository under the paths is a project, scanned in parallel.
    #[arg(long)]
    pub repos: bool,
    /// Bulk: scan only the K-th of N deterministic subsets of the repositories.
    #[arg(long, value_name = "K/N", requires = "repos")]
    pub shard: Option<crate::bulk::Shard>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccessFormat {
    Human,
    Json,
    Markdown,
    /// Graphviz DOT, with the findings that rest on each edge in red.
    Dot,
}

#[derive(Args, Debug)]
pub struct AccessArgs {
    #[command(flatten)]
    pub input: Input,
    #[arg(long, value_enum, default_value_t = AccessFormat::Human)]
    pub format: AccessFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Markdown,
    Json,
}

/// `inventory` and `evidence`: the input flags of `access`, Markdown or JSON.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: Input,
    #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
    pub format: DocFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub input: Input,
    /// Overwrite an existing mlguard.toml.
    #[arg(long)]
    pub force: bool,
    /// Print the file on standard output instead of writing it.
    #[arg(long, conflicts_with = "force")]
    pub print: bool,
}

#[derive(Args, Debug)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Extra Cedar rules (`policies/` beside the config file is read too).
    #[arg(long)]
    pub policies: Vec<PathBuf>,
}

/// Exit codes of cli.md.
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Diagnostics on standard error: colour only on a terminal, and wide enough that paths in
/// messages are not wrapped when the output is a log.
fn install_error_hook() {
    let tty = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        let theme = if tty && std::env::var_os("NO_COLOR").is_none() {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let width = if tty { 100 } else { 160 };
        Box::new(miette::GraphicalReportHandler::new_themed(theme).with_width(width))
    }));
}

pub fn main() -> ExitCode {
    install_error_hook();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Clean.into()
            };
        }
    };
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Rules { format, policies } => rules(format, &policies),
        Command::Explain { rule } => explain(&rule),
        Command::Access(args) => access(args),
        Command::Inventory(args) => inventory(args),
        Command::Evidence(args) => evidence(args),
        Command::Init(args) => init(args),
        Command::Schema => write_stdout(crate::engine::SCHEMA),
        Command::CheckPolicies { dir } => match Engine::load(&[dir.as_path()]) {
            Ok(e) => {
                let user = e.rules().iter().filter(|r| !r.builtin).count();
                write_stdout(&format!(
                    "{} valid in {}\n",
                    plural(user, "rule is", "rules are"),
                    dir.display()
                ))
            }
            Err(errors) => rule_errors(errors),
        },
        Command::Merge { files, output } => merge(&files, output.as_deref()),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn rule_errors(errors: Vec<miette::Report>) -> ExitCode {
    for e in errors {
        eprintln!("{e:?}");
    }
    Exit::Usage.into()
}

fn load_engine(policies: &[PathBuf]) -> Result<Engine, ExitCode> {
    let dirs: Vec<&Path> = policies.iter().map(PathBuf::as_path).collect();
    Engine::load(&dirs).map_err(rule_errors)
}

/// `--jobs` within 1 ..= max(4 per core, 64): more threads than that only cost memory and
/// scheduling (each has its own stack), and `--jobs 100000` must not try to start them all.
fn clamp_jobs(asked: usize, cores: usize) -> usize {
    asked.clamp(1, cores.saturating_mul(4).max(64))
}

fn scan(args: ScanArgs) -> ExitCode {
    if let Some(asked) = args.jobs {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let jobs = clamp_jobs(asked, cores);
        if jobs != asked && asked != 0 {
            eprintln!("warning: --jobs {asked} is more than this machine can use; using {jobs}");
        }
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global();
    }
    if args.repos {
        return bulk(&args);
    }
    let config = match load_config(args.input.config.as_deref(), &args.input.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let baseline = match &args.baseline {
        Some(path) => match crate::baseline::Baseline::load(path) {
            Ok(b) => Some(std::sync::Arc::new(b)),
            Err(e) => {
                eprintln!("error: {e}\n  help: create one with --write-baseline FILE");
                return Exit::Usage.into();
            }
        },
        None => None,
    };
    let changed = match &args.changed_since {
        Some(rev) => match crate::changed::changed_files(args.input.first_path(), rev) {
            Ok(files) => Some(files),
            Err(e) => {
                eprintln!("{e}");
                return Exit::Usage.into();
            }
        },
        None => None,
    };
    let policies = policy_dirs(&args.policies, &config);
    let mut request = ScanRequest {
        baseline,
        changed,
        ..args.input.request(std::sync::Arc::new(config))
    };
    // the scan up to its facts needs no rules: load them meanwhile (a third of a pre-commit run)
    let (engine, prepared) = std::thread::scope(|s| {
        let prepared = s.spawn(|| scan::prepare(&request));
        let engine = load_engine(&policies);
        (engine, prepared.join())
    });
    let engine = match engine {
        Ok(e) => e,
        Err(code) => return code,
    };
    let Ok(prepared) = prepared else {
        eprintln!("error: the scan stopped unexpectedly");
        return Exit::Usage.into();
    };
    let known: BTreeSet<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    for id in args.select.iter().chain(&args.ignore) {
        if !known.contains(id.as_str()) {
            eprintln!("error: unknown rule id `{id}` in --select/--ignore\n  help: `mlguard rules` lists the rule ids");
            return Exit::Usage.into();
        }
    }
    if let Err(e) = request.config.check_rule_ids(&|id| known.contains(id)) {
        eprintln!("{:?}", miette::Report::new(*e));
        return Exit::Usage.into();
    }
    let choice =
        request
            .config
            .rule_choice(&args.select, &args.ignore, args.fail_on.map(Severity::from));
    let fail_on = choice.fail_on;
    let enabled = |r: &crate::engine::Rule| choice.enabled(&r.id);
    request.suppress = crate::suppress::Options {
        ignore_all: args.ignore_suppressions,
        strict: args.strict_suppressions,
        known: engine
            .rules()
            .iter()
            .flat_map(|r| [r.id.clone(), r.name.clone()])
            .collect(),
        enabled: engine
            .rules()
            .iter()
            .filter(|r| enabled(r))
            .flat_map(|r| [r.id.clone(), r.name.clone()])
            .collect(),
        ..Default::default()
    };
    let mut output = scan::decide(prepared, &request, &engine, &enabled);
    if let Some(path) = &args.write_baseline {
        // today's findings are accepted: written, then reported as baseline
        let b = crate::baseline::Baseline::from_findings(
            output.findings.iter().chain(&output.baseline),
            &output.sources,
        );
        if let Err(e) = std::fs::write(path, b.to_json()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Usage.into();
        }
        eprintln!(
            "wrote {} to {}",
            plural(b.len(), "fingerprint", "fingerprints"),
            path.display()
        );
        let mut accepted = std::mem::take(&mut output.findings);
        output.baseline.append(&mut accepted);
        crate::findings::sort(&mut output.baseline, &output.sources);
    }
    let report = Report {
        scan: &output,
        fail_on,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let text = if args.quiet && args.format == OutputFormat::Human {
        format!("{}\n", report::human::summary(&report))
    } else {
        let format = match args.format {
            OutputFormat::Human => "human",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Junit => "junit",
            OutputFormat::Github => "github",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Html => "html",
        };
        report::format(format)
            .expect("every OutputFormat has a renderer")
            .render(&report, color)
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => {
            let _ = write_stdout(&text);
            Ok(())
        }
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return Exit::Usage.into();
    }
    if report.failing().next().is_some() || !output.errors.is_empty() {
        Exit::Findings.into()
    } else {
        Exit::Clean.into()
    }
}

/// `scan --repos`: results stream to stdout or `--output` as each repository finishes.
fn bulk(args: &ScanArgs) -> ExitCode {
    use crate::bulk::{BulkFormat, BulkOptions};
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let opts = BulkOptions {
        roots: args.input.paths.clone(),
        shard: args.shard,
        config: args.input.config.clone(),
        policies: args.policies.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(Severity::from),
        var_files: args.input.var_files.clone(),
        vars: args.input.vars.clone(),
        format: match args.format {
            OutputFormat::Human => BulkFormat::Human,
            OutputFormat::Json => BulkFormat::Json,
            other => {
                eprintln!("error: --repos writes human or json output, not {other:?}\n  help: use --format json and `mlguard merge` to combine results");
                return Exit::Usage.into();
            }
        },
        quiet: args.quiet,
        color: to_terminal && std::env::var_os("NO_COLOR").is_none(),
        progress: !args.no_progress && !args.quiet && std::io::stderr().is_terminal(),
    };
    let mut out: Box<dyn Write + Send> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return Exit::Usage.into();
            }
        },
        None => Box::new(std::io::stdout()),
    };
    match crate::bulk::run(&opts, &mut out) {
        Ok(totals) => ExitCode::from(totals.exit),
        Err(message) => {
            eprintln!("{message}");
            Exit::Usage.into()
        }
    }
}

fn merge(files: &[PathBuf], output: Option<&Path>) -> ExitCode {
    let mut inputs = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(text) => inputs.push((f.display().to_string(), text)),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", f.display());
                return Exit::Usage.into();
            }
        }
    }
    match report::merge::merge(&inputs) {
        Ok(merged) => {
            for repo in &merged.duplicates {
                eprintln!("warning: `{repo}` is in more than one input; the first copy is kept");
            }
            match write_output(output, &merged.text) {
                code if code == ExitCode::from(Exit::Clean) => ExitCode::from(merged.exit),
                code => code,
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            Exit::Usage.into()
        }
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Exit::Clean.into(),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Clean.into(),
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            Exit::Usage.into()
        }
    }
}

fn rules(format: ListFormat, policies: &[PathBuf]) -> ExitCode {
    let engine = match load_engine(policies) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let mut rules: Vec<_> = engine.rules().iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    match format {
        ListFormat::Json => {
            let v: Vec<_> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({"id": r.id, "name": r.name, "severity": r.severity, "tsc": r.tsc,
                        "summary": summary_line(r), "builtin": r.builtin})
                })
                .collect();
            write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            ))
        }
        ListFormat::Table => {
            let mut out = format!(
                "{:<7} {:<36} {:<9} {:<14} {}\n",
                "ID", "NAME", "SEVERITY", "TSC", "SUMMARY"
            );
            for r in rules {
                // users' rules can come from the scanned repository
                let text = report::escape::text;
                out.push_str(&format!(
                    "{:<7} {:<36} {:<9} {:<14} {}\n",
                    text(&r.id),
                    text(&r.name),
                    r.severity.as_str(),
                    text(&r.tsc.join(",")),
                    text(&summary_line(r))
                ));
            }
            write_stdout(&report::escape::log_lines(out))
        }
    }
}

/// The first sentence of the rule's "What it does" section, or its help.
fn summary_line(r: &crate::engine::Rule) -> String {
    r.docs()
        .and_then(|d| {
            let section = d.split("## What it does").nth(1)?;
            let para = section.trim_start().split("\n\n").next()?;
            let text = para.split_whitespace().collect::<Vec<_>>().join(" ");
            // the first sentence is the summary
            Some(match text.find(". ") {
                Some(end) => text[..=end].to_string(),
                None => text,
            })
        })
        .unwrap_or_else(|| r.help.clone())
}

fn explain(query: &str) -> ExitCode {
    let engine = match load_engine(&[]) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let found = engine
        .rules()
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(query) || r.name == query || r.stem() == query);
    match found.and_then(|r| r.docs()) {
        Some(doc) => write_stdout(doc),
        None => {
            eprintln!("error: no rule `{query}`\n  help: `mlguard rules` lists every rule");
            Exit::Usage.into()
        }
    }
}

/// Rule directories: `--policies`, then `policies/` beside the config file.
fn policy_dirs(flags: &[PathBuf], config: &Config) -> Vec<PathBuf> {
    let mut dirs = flags.to_vec();
    dirs.extend(config.policies_dir().filter(|d| !flags.contains(d)));
    dirs
}

/// The config for a run: `--config`, or `mlguard.toml` found from the first path.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Config, ExitCode> {
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    Config::discover(explicit, &first).map_err(|e| {
        eprintln!("{:?}", miette::Report::new(*e));
        ExitCode::from(Exit::Usage)
    })
}

fn write_output(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => Exit::Clean.into(),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                Exit::Usage.into()
            }
        },
        None => write_stdout(text),
    }
}

fn access(args: AccessArgs) -> ExitCode {
    let config = match load_config(args.input.config.as_deref(), &args.input.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let engine = match load_engine(&[]) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let request = args.input.request(std::sync::Arc::new(config));
    // the graph colours the edges findings rest on: only it needs the rules
    let dot = args.format == AccessFormat::Dot;
    let out = scan::run(&request, &engine, &|_| dot);
    for e in &out.errors {
        let at = e.span.map(|s| {
            let f = out.sources.get(s.file);
            format!("{}:{}: ", f.display, f.position(s.start).line)
        });
        let warning = format!("{}{}", at.unwrap_or_default(), e.message);
        eprintln!("warning: {}", report::escape::text(&warning));
    }
    let text = match args.format {
        AccessFormat::Human => report::access::human(&out.inventory, &out.analysis, &out.sources),
        AccessFormat::Markdown => {
            report::access::markdown(&out.inventory, &out.analysis, &out.sources)
        }
        AccessFormat::Dot => report::dot::render(&report::graph::build(&out)),
        AccessFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::access::json(
                &out.inventory,
                &out.analysis,
                &out.sources
            ))
            .unwrap_or_default()
        ),
    };
    write_output(args.output.as_deref(), &text)
}

/// Analyse the input of `inventory` or `evidence`; soft errors are warnings on standard error.
fn analyse(
    args: &ReportArgs,
    config: std::sync::Arc<Config>,
    engine: &Engine,
    enabled: &dyn Fn(&crate::engine::Rule) -> bool,
) -> scan::ScanOutput {
    let request = args.input.request(config);
    let out = scan::run(&request, engine, enabled);
    for e in &out.errors {
        let at = e.span.map(|s| {
            let f = out.sources.get(s.file);
            format!("{}:{}: ", f.display, f.position(s.start).line)
        });
        let warning = format!("{}{}", at.unwrap_or_default(), e.message);
        eprintln!("warning: {}", report::escape::text(&warning));
    }
    out
}

fn render(
    format: DocFormat,
    doc: serde_json::Value,
    markdown: fn(&serde_json::Value) -> String,
) -> String {
    match format {
        DocFormat::Markdown => markdown(&doc),
        DocFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ),
    }
}

fn inventory(args: ReportArgs) -> ExitCode {
    let config = match load_config(args.input.config.as_deref(), &args.input.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let engine = match load_engine(&[]) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let config = std::sync::Arc::new(config);
    let out = analyse(&args, config.clone(), &engine, &|_| false);
    let input = report::inventory::Input {
        inventory: &out.inventory,
        analysis: &out.analysis,
        sources: &out.sources,
        config: &config,
    };
    let text = render(
        args.format,
        report::inventory::json(&input),
        report::inventory::markdown,
    );
    write_output(args.output.as_deref(), &text)
}

/// `mlguard init [PATH]`: the scan, then `PATH/mlguard.toml` (never over an existing file
/// without `--force`).
fn init(args: InitArgs) -> ExitCode {
    let first = args.input.first_path();
    let dir = if first.is_file() {
        first.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        first.to_path_buf()
    };
    let target = dir.join(crate::config::FILE_NAME);
    // a link counts as a file, dangling or not: init writes a new file, never through a link
    let exists = target.symlink_metadata().is_ok();
    if exists && !args.force && !args.print {
        eprintln!(
            "error: `{}` already exists\n  help: pass --force to overwrite it, or --print to see the new file",
            target.display()
        );
        return Exit::Usage.into();
    }
    let config = match load_config(args.input.config.as_deref(), &args.input.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let engine = match load_engine(&[]) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let config = std::sync::Arc::new(config);
    let out = scan::run(&args.input.request(config.clone()), &engine, &|_| false);
    for e in &out.errors {
        eprintln!("warning: {}", e.message);
    }
    let text = crate::init::render(&out, &config, &target);
    if let Err(e) = Config::parse(&target.display().to_string(), &text) {
        eprintln!(
            "{:?}",
            miette::Report::new(*e)
                .wrap_err("mlguard init wrote a file it cannot read back (a bug)")
        );
        return Exit::Usage.into();
    }
    if args.print {
        return write_stdout(&text);
    }
    let written = (|| {
        if exists {
            std::fs::remove_file(&target)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)?;
        file.write_all(text.as_bytes())
    })();
    match written {
        Ok(()) => {
            eprintln!(
                "wrote {}: review it, commit it, then record accepted findings with `mlguard scan --write-baseline FILE`",
                target.display()
            );
            Exit::Clean.into()
        }
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", target.display());
            Exit::Usage.into()
        }
    }
}

fn evidence(args: EvidenceArgs) -> ExitCode {
    let input = &args.report;
    let config = match load_config(input.input.config.as_deref(), &input.input.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let engine = match load_engine(&policy_dirs(&args.policies, &config)) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let choice = config.rule_choice(&[], &[], None);
    let enabled = |r: &crate::engine::Rule| choice.enabled(&r.id);
    let out = analyse(input, std::sync::Arc::new(config), &engine, &enabled);
    let first = input
        .input
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let stamp = report::evidence::Stamp::now(&first);
    let doc = report::evidence::json(
        &out,
        engine.rules(),
        &enabled,
        &first.display().to_string(),
        &stamp,
    );
    write_output(
        input.output.as_deref(),
        &render(input.format, doc, report::evidence::markdown),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_clamped_to_four_per_core_or_64() {
        assert_eq!(clamp_jobs(0, 2), 1);
        assert_eq!(clamp_jobs(8, 2), 8);
        assert_eq!(clamp_jobs(100_000, 2), 64);
        assert_eq!(clamp_jobs(100_000, 32), 128);
        assert_eq!(clamp_jobs(usize::MAX, usize::MAX), usize::MAX);
    }
}
