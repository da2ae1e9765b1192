//! Bulk scans (`scan --repos`): every git repository under the paths is a project of its own.
//! Repositories are scanned in parallel with one shared rule engine; each result is rendered and
//! written as soon as its repository finishes, so memory does not grow with the number of
//! repositories; one repository's failure is reported and never stops the others.
//! `--shard K/N` keeps a deterministic subset; `mlguard merge` (`report::merge`) joins the shards.

use crate::config::Config;
use crate::engine::{Engine, Rule};
use crate::findings::Severity;
use crate::report::{self, escape, Report};
use crate::scan::{self, ScanRequest};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `--shard K/N`: the K-th of N disjoint subsets (K counts from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write K/N with 1 <= K <= N, e.g. `2/8`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether a repository belongs to this shard. The key is its path relative to the scanned
    /// root, so every machine agrees however the list is ordered or grows.
    pub fn contains(&self, relative: &str) -> bool {
        stable_hash(relative) % self.count == self.index - 1
    }
}

/// FNV-1a, 64 bits: fixed by definition, unlike `std`'s hasher, which may change between releases.
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A git repository to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    pub path: PathBuf,
    /// Relative to the scanned path, with `/`; `.` when the path itself is the repository. With
    /// several paths, prefixed by the path as given, so names stay distinct.
    pub name: String,
}

/// Every git repository under `roots`, sorted by name. A repository's nested repositories
/// (submodules, vendored checkouts) belong to it and are not projects of their own; hidden
/// directories are skipped, as in a normal scan.
pub fn find_repos(roots: &[PathBuf]) -> (Vec<Repo>, Vec<String>) {
    let mut repos = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        if !root.is_dir() {
            errors.push(format!("cannot scan `{}`: not a directory", root.display()));
            continue;
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            if dir.join(".git").exists() {
                let rel = dir.strip_prefix(root).unwrap_or(&dir);
                let mut name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                if name.is_empty() {
                    name = ".".into();
                }
                if roots.len() > 1 {
                    name = format!("{}/{name}", root.display())
                        .trim_end_matches("/.")
                        .to_string();
                }
                repos.push(Repo { path: dir, name });
                continue;
            }
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    errors.push(format!("cannot read `{}`: {e}", dir.display()));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                // file_type does not follow symlinks: a link cycle cannot trap the walk
                if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
    }
    repos.sort_by(|a, b| a.name.cmp(&b.name));
    (repos, errors)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkFormat {
    Human,
    Json,
}

/// Everything a bulk scan needs, resolved from the command line once.
#[derive(Clone, Debug)]
pub struct BulkOptions {
    pub roots: Vec<PathBuf>,
    pub shard: Option<Shard>,
    /// `--config`: one file for every repository; otherwise each repository's own `mlguard.toml`.
    pub config: Option<PathBuf>,
    pub policies: Vec<PathBuf>,
    /// `--select`/`--ignore`/`--fail-on`; when empty, each repository's config decides.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<String>,
    pub format: BulkFormat,
    pub quiet: bool,
    pub color: bool,
    pub progress: bool,
}

impl BulkOptions {
    /// Every repository under `roots`, each with its own configuration, as JSON Lines and with
    /// nothing for a terminal: how tools and benchmarks run a bulk scan.
    pub fn json(roots: Vec<PathBuf>) -> BulkOptions {
        BulkOptions {
            roots,
            shard: None,
            config: None,
            policies: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            fail_on: None,
            var_files: Vec::new(),
            vars: Vec::new(),
            format: BulkFormat::Json,
            quiet: false,
            color: false,
            progress: false,
        }
    }
}

/// Counts over every repository, for the `total` line and the summary table.
#[derive(Debug, Default)]
pub struct Totals {
    pub repos: usize,
    pub failed: usize,
    pub files: u64,
    pub modules: u64,
    pub resources: u64,
    pub findings: u64,
    pub suppressed: u64,
    pub baseline: u64,
    pub unresolved: u64,
    pub parse_errors: u64,
    pub by_severity: BTreeMap<Severity, u64>,
    pub rules: BTreeMap<String, u64>,
    /// The slowest repositories, slowest first (human summary only: timings are not reproducible).
    pub slowest: Vec<(String, Duration)>,
    /// Time per stage summed over repositories (thread time, not wall time).
    pub stages: Vec<(&'static str, Duration)>,
    pub exit: u8,
}

const SLOWEST: usize = 5;
const TOP_RULES: usize = 10;

impl Totals {
    /// Add one repository's version-1 JSON document.
    pub fn add_document(&mut self, doc: &Value, exit: u8) {
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        let s = &doc["summary"];
        self.repos += 1;
        self.files += n(&s["files"]);
        self.modules += n(&s["modules"]);
        self.resources += n(&s["resources"]);
        self.findings += n(&s["findings"]);
        self.suppressed += n(&s["suppressed"]);
        self.baseline += n(&s["baseline"]);
        self.unresolved += n(&s["unresolved"]);
        self.parse_errors += n(&s["parse_errors"]);
        for sev in Severity::ALL {
            *self.by_severity.entry(sev).or_default() += n(&s["by_severity"][sev.as_str()]);
        }
        for f in doc["findings"].as_array().into_iter().flatten() {
            if let Some(rule) = f["rule"].as_str() {
                *self.rules.entry(rule.to_string()).or_default() += 1;
            }
        }
        if doc["failed"].as_bool() == Some(true) {
            self.failed += 1;
        }
        self.exit = self.exit.max(exit);
    }

    fn add_time(&mut self, repo: &str, took: Duration, stages: &[(&'static str, Duration)]) {
        self.slowest.push((repo.to_string(), took));
        self.slowest
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.slowest.truncate(SLOWEST);
        for (stage, d) in stages {
            match self.stages.iter_mut().find(|(s, _)| s == stage) {
                Some((_, sum)) => *sum += *d,
                None => self.stages.push((stage, *d)),
            }
        }
    }

    /// The rules with the most findings, most first, then by id.
    pub fn top_rules(&self) -> Vec<(&str, u64)> {
        let mut top: Vec<(&str, u64)> = self.rules.iter().map(|(r, &c)| (r.as_str(), c)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        top.truncate(TOP_RULES);
        top
    }

    /// The last JSON Lines record: `{"kind": "total", ...}`.
    pub fn to_json(&self) -> Value {
        let by_severity: serde_json::Map<String, Value> = Severity::ALL
            .iter()
            .map(|s| {
                let count = self.by_severity.get(s).copied().unwrap_or(0);
                (s.as_str().to_string(), json!(count))
            })
            .collect();
        json!({
            "kind": "total",
            "version": report::json::VERSION,
            "tool": {"name": "mlguard", "version": env!("CARGO_PKG_VERSION")},
            "repos": self.repos,
            "failed": self.failed,
            "summary": {
                "files": self.files,
                "modules": self.modules,
                "resources": self.resources,
                "findings": self.findings,
                "suppressed": self.suppressed,
                "baseline": self.baseline,
                "unresolved": self.unresolved,
                "parse_errors": self.parse_errors,
                "by_severity": by_severity,
            },
            "top_rules": self.top_rules().iter()
                .map(|(r, c)| json!({"rule": r, "findings": c})).collect::<Vec<_>>(),
            "exit_code": self.exit,
        })
    }

    /// The table printed after a human-format bulk scan.
    pub fn table(&self, wall: Duration) -> String {
        let mut out = String::new();
        let failed = if self.failed > 0 {
            format!(" ({} failed)", self.failed)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n{} repositories{failed}, {} files, {} modules, {} resources in {:.2} s\n",
            self.repos,
            self.files,
            self.modules,
            self.resources,
            wall.as_secs_f64()
        ));
        out.push_str(&format!("\n{:<10} {:>9}\n", "SEVERITY", "FINDINGS"));
        for s in Severity::ALL {
            let c = self.by_severity.get(&s).copied().unwrap_or(0);
            out.push_str(&format!("{:<10} {c:>9}\n", s.as_str()));
        }
        out.push_str(&format!("{:<10} {:>9}\n", "total", self.findings));
        let top = self.top_rules();
        if !top.is_empty() {
            out.push_str(&format!("\n{:<10} {:>9}\n", "TOP RULES", "FINDINGS"));
            for (r, c) in top {
                out.push_str(&format!("{:<10} {c:>9}\n", escape::text(r)));
            }
        }
        if !self.slowest.is_empty() {
            out.push_str(&format!("\n{:<40} {:>9}\n", "SLOWEST REPOSITORIES", "MS"));
            for (r, d) in &self.slowest {
                out.push_str(&format!(
                    "{:<40} {:>9.1}\n",
                    escape::text(r),
                    d.as_secs_f64() * 1e3
                ));
            }
        }
        // a repository name starts a line
        escape::log_lines(out)
    }
}

/// One repository's rendered result, sent to the writer as soon as it is ready.
struct Done {
    name: String,
    text: String,
    doc: Value,
    exit: u8,
    took: Duration,
    stages: Vec<(&'static str, Duration)>,
}

/// The rules and config every repository shares, loaded once per process.
struct Shared<'a> {
    opts: &'a BulkOptions,
    engine: Engine,
    /// `--config`, parsed once.
    config: Option<std::sync::Arc<Config>>,
}

/// Run a bulk scan, writing each repository's result to `out` as it finishes and then the total.
/// Returns the totals; `Err` is a usage error (no repositories, bad rules) before any scan ran.
pub fn run(opts: &BulkOptions, out: &mut (dyn Write + Send)) -> Result<Totals, String> {
    run_with(opts, out, &scan_repo_inner)
}

/// How one repository is scanned and rendered; a parameter so tests can make one fail.
type ScanOne = dyn Fn(&Shared, &Repo) -> Result<Rendered, String> + Sync;

fn run_with(
    opts: &BulkOptions,
    out: &mut (dyn Write + Send),
    scan_one: &ScanOne,
) -> Result<Totals, String> {
    let started = Instant::now();
    let (mut repos, walk_errors) = find_repos(&opts.roots);
    for e in &walk_errors {
        eprintln!("warning: {}", escape::text(&e.to_string()));
    }
    if let Some(shard) = opts.shard {
        repos.retain(|r| shard.contains(&r.name));
    }
    if repos.is_empty() && opts.shard.is_none() {
        return Err(format!(
            "no git repositories under {}\n  help: --repos scans each directory holding a `.git`; drop --repos to scan the paths as one project",
            opts.roots
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let dirs: Vec<&Path> = opts.policies.iter().map(PathBuf::as_path).collect();
    let engine = Engine::load(&dirs).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{e:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let known: BTreeSet<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    if let Some(id) = opts
        .select
        .iter()
        .chain(&opts.ignore)
        .find(|id| !known.contains(id.as_str()))
    {
        return Err(format!(
            "error: unknown rule id `{id}` in --select/--ignore\n  help: `mlguard rules` lists the rule ids"
        ));
    }
    let config = match &opts.config {
        Some(path) => Some(std::sync::Arc::new(
            Config::discover(Some(path), path)
                .map_err(|e| format!("{:?}", miette::Report::new(*e)))?,
        )),
        None => None,
    };
    let shared = Shared {
        opts,
        engine,
        config,
    };
    let bar = opts.progress.then(|| progress_bar(repos.len() as u64));

    let mut totals = Totals::default();
    // bounded: a slow writer holds back the scans instead of buffering every result
    let (tx, rx) = mpsc::sync_channel::<Done>(rayon::current_num_threads() * 2);
    let write_result = std::thread::scope(|scope| {
        let bar = bar.as_ref();
        let totals = &mut totals;
        let out = &mut *out;
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for done in rx {
                totals.add_document(&done.doc, done.exit);
                totals.add_time(&done.name, done.took, &done.stages);
                drop(done.doc);
                match bar {
                    Some(bar) => {
                        bar.set_message(done.name.clone());
                        bar.inc(1);
                        bar.suspend(|| out.write_all(done.text.as_bytes()))?;
                    }
                    None => out.write_all(done.text.as_bytes())?,
                }
            }
            Ok(())
        });
        repos.par_iter().for_each_with(tx, |tx, repo| {
            // the writer only stops early when output failed; the scan has nowhere to go then
            let _ = tx.send(scan_repo(&shared, repo, scan_one));
        });
        writer.join().unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "the output thread stopped unexpectedly",
            ))
        })
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let tail = match opts.format {
        BulkFormat::Json => format!("{}\n", totals.to_json()),
        BulkFormat::Human => totals.table(started.elapsed()),
    };
    let written =
        write_result.and_then(|_| out.write_all(tail.as_bytes()).and_then(|_| out.flush()));
    match written {
        Ok(()) => {}
        // `| head`: the reader has what it wanted
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("error: cannot write output: {e}")),
    }
    Ok(totals)
}

fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} repositories {elapsed} {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// Run `f`; a panic becomes its message. One repository that trips a bug must not end a bulk
/// run (the release profile unwinds on panic, `Cargo.toml` says so for every profile).
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into())
    })
}

/// Scan one repository and render its result; a panic or a bad config becomes a failed result.
fn scan_repo(shared: &Shared, repo: &Repo, scan_one: &ScanOne) -> Done {
    let started = Instant::now();
    let (text, doc, exit, stages) = match catch_panic(|| scan_one(shared, repo)) {
        Ok(Ok(done)) => done,
        Ok(Err(message)) => failed(shared.opts, repo, &message, 2),
        Err(what) => failed(
            shared.opts,
            repo,
            &format!("internal error while scanning (a bug, please report it): {what}"),
            1,
        ),
    };
    Done {
        name: repo.name.clone(),
        text,
        doc,
        exit,
        took: started.elapsed(),
        stages,
    }
}

type Rendered = (String, Value, u8, Vec<(&'static str, Duration)>);

fn scan_repo_inner(shared: &Shared, repo: &Repo) -> Result<Rendered, String> {
    let opts = shared.opts;
    let config = match &shared.config {
        Some(c) => c.clone(),
        None => std::sync::Arc::new(
            Config::discover(None, &repo.path)
                .map_err(|e| format!("{}", miette::Report::new(*e)))?,
        ),
    };
    // rules in `policies/` beside a repository's own config apply to that repository only
    let own_rules = config.policies_dir().filter(|d| !opts.policies.contains(d));
    let own_engine;
    let engine = match own_rules {
        Some(dir) => {
            let mut dirs: Vec<&Path> = opts.policies.iter().map(PathBuf::as_path).collect();
            dirs.push(&dir);
            own_engine = Engine::load(&dirs).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            })?;
            &own_engine
        }
        None => &shared.engine,
    };
    let known: BTreeSet<&str> = engine.rules().iter().map(|r| r.id.as_str()).collect();
    config
        .check_rule_ids(&|id| known.contains(id))
        .map_err(|e| format!("{}", miette::Report::new(*e)))?;
    let choice = config.rule_choice(&opts.select, &opts.ignore, opts.fail_on);
    let fail_on = choice.fail_on;
    let enabled = |r: &Rule| choice.enabled(&r.id);
    let request = ScanRequest {
        paths: vec![repo.path.clone()],
        config,
        var_files: opts.var_files.clone(),
        vars: opts.vars.clone(),
        ..Default::default()
    };
    let output = scan::run(&request, engine, &enabled);
    let report = Report {
        scan: &output,
        fail_on,
    };
    let exit = u8::from(report.failing().next().is_some() || !output.errors.is_empty());
    let mut doc = report::json::document(&report);
    doc["repo"] = json!(repo.name);
    let text = match opts.format {
        BulkFormat::Json => format!("{doc}\n"),
        BulkFormat::Human if opts.quiet => {
            let line = format!(
                "{}: {}\n",
                escape::text(&repo.name),
                report::human::summary(&report)
            );
            escape::log_lines(line)
        }
        BulkFormat::Human => {
            let body = report::format("human")
                .map(|f| f.render(&report, opts.color))
                .unwrap_or_default();
            format!("== {} ==\n{body}", escape::text(&repo.name))
        }
    };
    Ok((text, doc, exit, output.stats.timings))
}

/// The result of a repository that could not be scanned: a version-1 document with the error.
fn failed(opts: &BulkOptions, repo: &Repo, message: &str, exit: u8) -> Rendered {
    let by_severity: serde_json::Map<String, Value> = Severity::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), json!(0)))
        .collect();
    let doc = json!({
        "version": report::json::VERSION,
        "tool": {"name": "mlguard", "version": env!("CARGO_PKG_VERSION")},
        "repo": repo.name,
        "failed": true,
        "summary": {"files": 0, "modules": 0, "resources": 0, "findings": 0, "suppressed": 0,
                    "baseline": 0, "unresolved": 0, "parse_errors": 0, "by_severity": by_severity},
        "findings": [], "suppressed": [], "baseline": [], "unresolved": [], "warnings": [],
        "errors": [{"file": "", "line": 0, "column": 0, "message": message}],
        "audit": false,
    });
    let text = match opts.format {
        BulkFormat::Json => format!("{doc}\n"),
        BulkFormat::Human => format!(
            "== {} ==\nerror: {}\n",
            escape::text(&repo.name),
            escape::text(message)
        ),
    };
    (text, doc, exit, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        assert_eq!(
            catch_panic(|| -> u8 { panic!("index out of bounds") }),
            Err("index out of bounds".to_string())
        );
        let n = 3;
        assert_eq!(
            catch_panic(|| -> u8 { panic!("{n} formatted") }),
            Err("3 formatted".to_string())
        );
    }

    #[test]
    fn a_repository_that_panics_is_its_own_failure_and_the_others_are_scanned() {
        let dir = tempfile::tempdir().unwrap();
        for repo in ["bad", "good"] {
            std::fs::create_dir_all(dir.path().join(repo).join(".git")).unwrap();
            std::fs::write(
                dir.path().join(repo).join("main.tf"),
                "resource \"aws_s3_bucket\" \"b\" { bucket = \"b\" }\n",
            )
            .unwrap();
        }
        let opts = BulkOptions::json(vec![dir.path().to_path_buf()]);
        let scan_one = |shared: &Shared, repo: &Repo| {
            if repo.name == "bad" {
                panic!("index out of bounds: the len is 0 but the index is 0");
            }
            scan_repo_inner(shared, repo)
        };
        let mut out = Vec::new();
        let totals = run_with(&opts, &mut out, &scan_one).unwrap();
        assert_eq!((totals.repos, totals.failed, totals.exit), (2, 1, 1));
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let by_repo = |name: &str| {
            lines
                .iter()
                .find(|d| d["repo"] == name)
                .unwrap_or_else(|| panic!("no result for {name}"))
        };
        let bad = by_repo("bad");
        assert_eq!(bad["failed"], true);
        let message = bad["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("internal error while scanning"),
            "{message}"
        );
        assert!(message.contains("index out of bounds"), "{message}");
        let good = by_repo("good");
        assert_eq!(good["summary"]["resources"], 1);
        assert_eq!(lines.last().unwrap()["kind"], "total");
    }

    /// `catch_panic` only works when panics unwind: a profile that aborts would end a bulk run at
    /// the first bug.
    #[test]
    fn every_profile_unwinds_on_panic() {
        let manifest: toml::Table = include_str!("../Cargo.toml").parse().unwrap();
        let profiles = manifest["profile"].as_table().unwrap();
        assert!(profiles.contains_key("release"));
        for (name, profile) in profiles {
            assert_eq!(
                profile.get("panic").and_then(|p| p.as_str()),
                Some("unwind"),
                "[profile.{name}] must set panic = \"unwind\""
            );
        }
    }

    #[test]
    fn shard_parses_k_of_n_and_rejects_the_rest() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn stable_hash_is_fnv1a() {
        // reference values of FNV-1a 64: shards must not move between releases
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_repository_is_in_exactly_one_shard() {
        let names: Vec<String> = (0..500).map(|i| format!("org/repo{i}")).collect();
        for n in 1..6 {
            for name in &names {
                let owners = (1..=n)
                    .filter(|&k| Shard { index: k, count: n }.contains(name))
                    .count();
                assert_eq!(owners, 1, "{name} in {n} shards");
            }
        }
    }
}
