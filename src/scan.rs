//! One scan, stage by stage: discover -> parse -> terraform -> model -> access -> facts -> engine
//! -> findings. Soft errors (a file that does not parse) are collected and the scan goes on.

use crate::config::Config;
use crate::discover::{self, Discovery};
use crate::engine::{Engine, EvalError, Rule};
use crate::facts;
use crate::findings::{self, Finding};
use crate::model::Inventory;
use crate::parse::{json, ParseError};
use crate::source::{FileId, Sources, Span};
use crate::terraform::module::ModuleSource;
use crate::terraform::value::Value;
use crate::terraform::{self, vars, ModuleCache, Unresolved, Workspace};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct ScanRequest {
    pub paths: Vec<PathBuf>,
    pub config: Arc<Config>,
    /// `--var-file`, loaded after the automatic variables files.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, last.
    pub vars: Vec<String>,
    /// `--ignore-suppressions`, `--strict-suppressions` and the date `until=` compares with.
    pub suppress: crate::suppress::Options,
    /// `--baseline`: findings recorded there are reported as baseline, not failures.
    pub baseline: Option<Arc<crate::baseline::Baseline>>,
    /// `--changed-since`: report only findings with a span in these files (absolute paths).
    pub changed: Option<BTreeSet<PathBuf>>,
}

/// A file or value the scan could not use; it is reported and the scan goes on.
#[derive(Clone, Debug)]
pub struct ScanError {
    pub span: Option<Span>,
    /// When there is no span: the path.
    pub path: Option<String>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub files: usize,
    pub modules: usize,
    pub resources: usize,
    /// Wall time of each stage, for benchmarks and `--verbose` runs.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// Peak resident memory in KiB at the end of each stage, parallel to `timings`; filled only
    /// after `record_memory(true)` (benchmarks), as reading it costs a system call per stage.
    pub memory: Vec<u64>,
}

static RECORD_MEMORY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Record the peak resident memory after each stage (Linux; elsewhere nothing is recorded).
pub fn record_memory(on: bool) {
    RECORD_MEMORY.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The process's peak resident set (`VmHWM`) in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Records how long each stage takes.
struct Clock {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
    memory: Vec<u64>,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            last: std::time::Instant::now(),
            laps: Vec::new(),
            memory: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, now - self.last));
        if RECORD_MEMORY.load(std::sync::atomic::Ordering::Relaxed) {
            self.memory.extend(peak_rss_kib());
        }
        self.last = std::time::Instant::now();
    }
}

/// Something the user should know that is not a finding: an expired or unused suppression, a
/// suppression without a reason, a tag value that is not a tier.
#[derive(Clone, Debug)]
pub struct Warning {
    pub span: Option<Span>,
    pub message: String,
}

pub struct ScanOutput {
    pub sources: Arc<Sources>,
    /// Findings that count (not suppressed, not in the baseline).
    pub findings: Vec<Finding>,
    /// Findings a suppression or exception covers, with it.
    pub suppressed: Vec<Finding>,
    /// Findings whose fingerprint is in the baseline file.
    pub baseline: Vec<Finding>,
    pub warnings: Vec<Warning>,
    /// Suppressions were turned off (`--ignore-suppressions`).
    pub audit: bool,
    pub errors: Vec<ScanError>,
    pub unresolved: Vec<Unresolved>,
    pub rule_errors: Vec<EvalError>,
    pub stats: Stats,
    pub inventory: Inventory,
    pub analysis: crate::access::Analysis,
}

pub fn run(req: &ScanRequest, engine: &Engine, enabled: &dyn Fn(&Rule) -> bool) -> ScanOutput {
    decide(prepare(req), req, engine, enabled)
}

/// Everything a scan knows before it asks the rules, discovery to facts. It needs no engine, so a
/// one-shot scan loads the rules on another thread meanwhile.
pub struct Prepared {
    clock: Clock,
    disc: Discovery,
    sources: Arc<Sources>,
    errors: Vec<ScanError>,
    unresolved: Vec<Unresolved>,
    modules: usize,
    json_policies: usize,
    inventory: Inventory,
    analysis: crate::access::Analysis,
    facts: facts::Facts,
}

/// discover -> parse -> terraform -> model -> access -> facts
pub fn prepare(req: &ScanRequest) -> Prepared {
    let paths = if req.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        req.paths.clone()
    };
    let mut clock = Clock::start();
    let disc = discover::discover(&paths);
    clock.lap("discover");
    let sources = Arc::new(Sources::new(disc.base.clone()));
    let mut errors: Vec<ScanError> = disc
        .errors
        .iter()
        .map(|(p, m)| ScanError {
            span: None,
            path: Some(p.display().to_string()),
            message: m.clone(),
        })
        .collect();

    // parse: every module's .tf files, in parallel
    let cache = ModuleCache::default();
    let parsed: Vec<(PathBuf, ModuleSource, Vec<ParseError>)> = disc
        .modules
        .par_iter()
        .map(|(dir, files)| {
            let mut module = ModuleSource::new(dir.clone());
            let mut errs = Vec::new();
            for path in &files.tf {
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => {
                        let id = sources.add(path.clone(), String::new());
                        errs.push(ParseError {
                            message: format!("cannot read the file: {e}"),
                            span: Span::new(id, 0..0),
                        });
                        continue;
                    }
                };
                let id = sources.add(path.clone(), text);
                let text = sources.get(id).text.clone();
                if let Err(e) = terraform::module::load_file(&mut module, id, path, &text) {
                    errs.push(e);
                }
            }
            module.finish();
            errs.append(&mut module.errors.clone());
            (dir.clone(), module, errs)
        })
        .collect();
    let json_docs = read_json_policies(&disc, &sources, &mut errors);
    let json_policies = json_docs.len();

    let mut called: HashSet<PathBuf> = HashSet::new();
    for (dir, module, errs) in &parsed {
        errors.extend(errs.iter().map(|e| ScanError {
            span: Some(e.span),
            path: None,
            message: e.message.clone(),
        }));
        for call in &module.calls {
            if let Some(s) = call
                .source
                .as_deref()
                .filter(|s| s.starts_with("./") || s.starts_with("../"))
            {
                called.insert(terraform::normalize(&dir.join(s)));
            }
        }
    }
    let mut roots = Vec::new();
    for (dir, module, _) in parsed {
        let module = Arc::new(module);
        cache.insert(dir.clone(), module.clone());
        // a directory only ever called as a module is not also a root with defaults
        if !called.contains(&dir) {
            roots.push((dir, module));
        }
    }

    clock.lap("parse");

    // terraform: evaluate every root module, in parallel
    let evaluated: Vec<_> = roots
        .par_iter()
        .map(|(dir, module)| {
            let ws = Workspace::new(&sources, &cache, disc.confine.clone(), dir.clone());
            let (inputs, var_errors) = root_inputs(&ws, &disc, dir, req);
            let mut ev = ws.evaluate(module.clone(), inputs);
            ev.errors.extend(var_errors);
            ev
        })
        .collect();

    clock.lap("evaluate");

    // model
    let mut inventory = Inventory::default();
    let mut unresolved = Vec::new();
    let mut modules = 0;
    for ev in &evaluated {
        inventory.add_module(ev, &sources, &req.config);
        unresolved.extend(ev.unresolved.iter().cloned());
        errors.extend(ev.errors.iter().map(|e| ScanError {
            span: Some(e.span),
            path: None,
            message: e.message.clone(),
        }));
        modules += ev.modules;
    }
    // the name step needs every unit: ML evidence can come from a job feeding another unit
    inventory.classify_by_name(&req.config);
    errors.extend(
        cache
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|e| ScanError {
                span: Some(e.span),
                path: None,
                message: e.message.clone(),
            }),
    );
    let loaded: HashSet<FileId> = inventory.documents.iter().map(|d| d.span.file).collect();
    for (file, doc) in json_docs {
        if !loaded.contains(&file) {
            let owner = sources.get(file).display.clone();
            inventory.add_standalone(owner, &doc);
        }
    }

    // access -> facts -> engine -> findings
    clock.lap("model");
    let analysis = crate::access::analyze(&inventory, &req.config);
    clock.lap("access");
    let facts = facts::build(&inventory, &analysis, &sources, &req.config);
    clock.lap("facts");
    Prepared {
        clock,
        disc,
        sources,
        errors,
        unresolved,
        modules,
        json_policies,
        inventory,
        analysis,
        facts,
    }
}

/// engine -> findings -> suppressions, baseline and focus
pub fn decide(
    prepared: Prepared,
    req: &ScanRequest,
    engine: &Engine,
    enabled: &dyn Fn(&Rule) -> bool,
) -> ScanOutput {
    let Prepared {
        mut clock,
        disc,
        sources,
        mut errors,
        mut unresolved,
        modules,
        json_policies,
        inventory,
        analysis,
        mut facts,
    } = prepared;
    let (found, rule_errors) = match engine.decide(&mut facts, enabled) {
        Ok((hits, rule_errors)) => (
            findings::collect(&hits, &facts, engine, &sources),
            rule_errors,
        ),
        Err(message) => {
            errors.push(ScanError {
                span: None,
                path: None,
                message,
            });
            (Vec::new(), Vec::new())
        }
    };
    clock.lap("decide");
    // suppress -> baseline, before narrowing so that no suppression looks unused
    let triaged = crate::suppress::apply(found, &sources, &req.config, &req.suppress);
    let (mut found, mut suppressed, mut warnings) =
        (triaged.findings, triaged.suppressed, triaged.warnings);
    // what the model could not use (a tag value that is no tier) is worth a warning
    warnings.extend(inventory.notes.iter().map(|(span, message)| Warning {
        span: *span,
        message: message.clone(),
    }));
    let mut baseline = Vec::new();
    if let Some(b) = &req.baseline {
        b.split(&mut found, &mut baseline);
    }
    // bare file arguments and --changed-since: report only what touches those files
    for focus in [disc.focus.as_ref(), req.changed.as_ref()]
        .into_iter()
        .flatten()
    {
        let keep: BTreeSet<FileId> = (0..sources.len() as FileId)
            .filter(|&id| focus.contains(&sources.get(id).path))
            .collect();
        let touches = |f: &Finding| {
            keep.contains(&f.primary.span.file)
                || f.related.iter().any(|r| keep.contains(&r.span.file))
        };
        found.retain(touches);
        suppressed.retain(touches);
        baseline.retain(touches);
        errors.retain(|e| e.span.is_none_or(|s| keep.contains(&s.file)));
        warnings.retain(|w| w.span.is_none_or(|s| keep.contains(&s.file)));
    }
    findings::sort(&mut found, &sources);
    findings::sort(&mut suppressed, &sources);
    findings::sort(&mut baseline, &sources);
    warnings.sort_by_key(|w| {
        w.span
            .map(|s| (sources.get(s.file).display.clone(), s.start))
    });
    sort_errors(&mut errors, &sources);
    unresolved.sort_by_key(|u| (sources.get(u.span.file).display.clone(), u.span.start));
    unresolved.dedup();
    clock.lap("findings");
    let stats = Stats {
        timings: clock.laps,
        memory: clock.memory,
        files: disc
            .modules
            .values()
            .map(|m| m.tf.len() + m.tfvars.len())
            .sum::<usize>()
            + json_policies,
        modules,
        resources: inventory.resources,
    };
    ScanOutput {
        sources,
        findings: found,
        suppressed,
        baseline,
        warnings,
        audit: req.suppress.ignore_all,
        errors,
        unresolved,
        rule_errors,
        stats,
        inventory,
        analysis,
    }
}

fn sort_errors(errors: &mut [ScanError], sources: &Sources) {
    errors.sort_by_key(|e| match e.span {
        Some(s) => (sources.get(s.file).display.clone(), s.start),
        None => (e.path.clone().unwrap_or_default(), 0),
    });
}

/// Variable values for a root module: automatic variables files, then `--var-file`, then `--var`.
fn root_inputs(
    ws: &Workspace,
    disc: &Discovery,
    dir: &PathBuf,
    req: &ScanRequest,
) -> (HashMap<String, Value>, Vec<ParseError>) {
    let mut files: Vec<PathBuf> = disc
        .modules
        .get(dir)
        .map(|m| m.tfvars.clone())
        .unwrap_or_default();
    files.extend(req.var_files.iter().cloned());
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let full = f.canonicalize().unwrap_or(f.clone());
        let id = match ws.sources.find(&full) {
            Some(id) => id,
            None => match std::fs::read_to_string(&full) {
                Ok(text) => ws.sources.add(full, text),
                Err(e) => {
                    let id = ws.sources.add(full, String::new());
                    errors.push(ParseError {
                        message: format!("cannot read the variables file: {e}"),
                        span: Span::new(id, 0..0),
                    });
                    continue;
                }
            },
        };
        ids.push(id);
    }
    let mut inputs = HashMap::new();
    errors.extend(vars::load_files(ws, &ids, &mut inputs));
    for flag in &req.vars {
        match vars::parse_flag(ws, flag) {
            Ok((k, v)) => {
                inputs.insert(k, v);
            }
            Err(message) => errors.push(ParseError {
                message,
                span: Span::default(),
            }),
        }
    }
    (inputs, errors)
}

/// JSON files that are IAM policies: they parse and have a top-level `Statement`. A file that does
/// not parse strictly is an error only when it still looks like a policy.
fn read_json_policies(
    disc: &Discovery,
    sources: &Sources,
    errors: &mut Vec<ScanError>,
) -> Vec<(FileId, Value)> {
    let read: Vec<(PathBuf, String)> = disc
        .json
        .par_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok().map(|t| (p.clone(), t)))
        .filter(|(_, t)| t.contains("\"Statement\""))
        .collect();
    let mut out = Vec::new();
    for (path, text) in read {
        let id = sources.add(path, text);
        let text = sources.get(id).text.clone();
        let map = json::TextMap::exact(Span::new(id, 0..text.len()), text.len());
        match json::parse(&text, &map, &[]) {
            Ok(v) if v.get("Statement").is_some() => out.push((id, v)),
            Ok(_) => {}
            Err(e) if looks_like_policy(&text) => errors.push(ScanError {
                span: Some(e.span),
                path: None,
                message: e.message,
            }),
            Err(_) => {}
        }
    }
    out
}

fn looks_like_policy(text: &str) -> bool {
    let lenient = jsonc_parser::ParseOptions::default();
    match jsonc_parser::parse_to_ast(text, &Default::default(), &lenient) {
        Ok(ast) => {
            matches!(ast.value, Some(jsonc_parser::ast::Value::Object(o)) if o.get("Statement").is_some())
        }
        Err(_) => text.trim_start().starts_with('{'),
    }
}
