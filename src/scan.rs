//! One scan, stage by stage: discover -> parse -> terraform -> model -> access -> facts -> engine
//! -> findings. Soft errors (a file that does not parse) are collected and the scan goes on.

use crate::config::Config;
use crate::discover::{self, Discovery};
use crate::engine::{Engine, EvalError, Rule};
use crate::facts;
use crate::findings::{self, Finding};
use crate::fsguard::{self, Access};
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
    /// The id and name of every rule that ran, in the engine's order (JUnit counts their passes).
    pub rules_run: Vec<(String, String)>,
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
    /// Files read for their content only if they are policies, refused (a link out of the tree).
    warnings: Vec<Warning>,
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
            path: Some(crate::source::display_path(&disc.base, p)),
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
                let text = match fsguard::read(path, Access::Tree(&disc.roots)) {
                    Ok(t) => t,
                    Err(e) => {
                        let id = sources.add(path.clone(), String::new());
                        errs.push(ParseError {
                            message: format!("this file {e}"),
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
    let mut warnings = Vec::new();
    let json_docs = read_json_policies(&disc, &sources, &mut errors, &mut warnings);
    let json_policies = json_docs.len();

    let mut calls: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
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
                // resolved like the directories discovery reports, so a call through a link
                // names the directory it reaches
                let lexical = terraform::normalize(&dir.join(s));
                calls
                    .entry(dir.clone())
                    .or_default()
                    .push(lexical.canonicalize().unwrap_or(lexical));
            }
        }
    }
    let non_roots = called_modules(&calls);
    let mut roots = Vec::new();
    for (dir, module, _) in parsed {
        let module = Arc::new(module);
        cache.insert(dir.clone(), module.clone());
        // a directory only ever called as a module is not also a root with defaults
        if !non_roots.contains(&dir) {
            roots.push((dir, module));
        }
    }

    clock.lap("parse");

    // terraform: evaluate every root module, in parallel
    let evaluated: Vec<_> = roots
        .par_iter()
        .map(|(dir, module)| {
            let ws = Workspace::new(&sources, &cache, disc.roots.clone(), dir.clone());
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
            let file = sources.get(file);
            inventory.add_standalone(file.display.clone(), &file.path, &doc);
        }
    }

    // access -> facts -> engine -> findings
    clock.lap("model");
    let analysis = crate::access::analyze(&inventory, &req.config);
    // a chain the analysis stopped following may hide grants: an error, as a budget is
    errors.extend(
        analysis
            .budget_errors
            .iter()
            .map(|(span, message)| ScanError {
                span: Some(*span),
                path: None,
                message: message.clone(),
            }),
    );
    clock.lap("access");
    let facts = facts::build(&inventory, &analysis, &sources, &req.config);
    clock.lap("facts");
    Prepared {
        clock,
        disc,
        sources,
        errors,
        warnings,
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
        warnings: read_warnings,
        mut unresolved,
        modules,
        json_policies,
        inventory,
        analysis,
        mut facts,
    } = prepared;
    let (found, rule_errors) = match engine.decide(&mut facts, enabled) {
        Ok((hits, rule_errors)) => (
            findings::collect(&hits, &facts, &inventory, &analysis, engine, &sources),
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
    warnings.extend(read_warnings);
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
        rules_run: engine
            .rules()
            .iter()
            .filter(|r| enabled(r))
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect(),
        stats,
        inventory,
        analysis,
    }
}

/// The directories that are called as modules and so are not roots. A call from a directory's own
/// cycle does not count (a module calling itself, or a root and a module calling each other,
/// would otherwise leave no root and scan nothing): of a cycle no one else calls, the members
/// nearest the top of the tree stay roots, and the evaluator reports the cycle at its `source`.
fn called_modules(calls: &HashMap<PathBuf, Vec<PathBuf>>) -> HashSet<PathBuf> {
    let reach = |from: &PathBuf| -> HashSet<PathBuf> {
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut todo = vec![from.clone()];
        while let Some(d) = todo.pop() {
            for next in calls.get(&d).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let mut callers: HashMap<&PathBuf, Vec<&PathBuf>> = HashMap::new();
    for (caller, callees) in calls {
        for callee in callees {
            if callee != caller {
                callers.entry(callee).or_default().push(caller);
            }
        }
    }
    let mut called = HashSet::new();
    // directories in a cycle that nothing outside it calls, with the cycle's members
    let mut cycles: Vec<(&PathBuf, HashSet<PathBuf>)> = Vec::new();
    for (callee, from) in &callers {
        let reached = reach(callee);
        if from.iter().any(|c| !reached.contains(*c)) {
            called.insert((*callee).clone());
        } else {
            let members = reached
                .into_iter()
                .filter(|m| reach(m).contains(*callee))
                .collect();
            cycles.push((callee, members));
        }
    }
    let depth = |p: &PathBuf| p.components().count();
    let from_outside = called.clone();
    for (dir, members) in cycles {
        if members
            .iter()
            .any(|m| from_outside.contains(m) || depth(m) < depth(dir))
        {
            called.insert(dir.clone());
        }
    }
    called
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
    // the automatic files are the tree's; `--var-file` names the user's own choice
    let automatic = disc.modules.get(dir).map(|m| m.tfvars.as_slice());
    let files = automatic
        .unwrap_or_default()
        .iter()
        .map(|f| (f, Access::Tree(&disc.roots)))
        .chain(req.var_files.iter().map(|f| (f, Access::Chosen)));
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (f, access) in files {
        // registered under the resolved path, so a file shared by several roots is read once
        let resolved = match access {
            Access::Tree(roots) => fsguard::resolve(f, roots),
            Access::Chosen => Ok(f.canonicalize().unwrap_or_else(|_| f.clone())),
        };
        let read = resolved.and_then(|full| match ws.sources.find(&full) {
            Some(id) => Ok(id),
            None => fsguard::read(&full, access).map(|text| ws.sources.add(full, text)),
        });
        match read {
            Ok(id) => ids.push(id),
            Err(e) => {
                // named as listed: where a link points is not shown
                let id = ws.sources.add(f.clone(), String::new());
                errors.push(ParseError {
                    message: format!("this variables file {e}"),
                    span: Span::new(id, 0..0),
                });
            }
        }
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
/// A `.json` file refused by the read checks (a link out of the tree, a FIFO, over the size limit)
/// is a warning, not an error: it is read only to learn whether it is a policy at all.
fn read_json_policies(
    disc: &Discovery,
    sources: &Sources,
    errors: &mut Vec<ScanError>,
    warnings: &mut Vec<Warning>,
) -> Vec<(FileId, Value)> {
    let read: Vec<(PathBuf, Result<String, fsguard::ReadError>)> = disc
        .json
        .par_iter()
        .map(|p| (p.clone(), fsguard::read(p, Access::Tree(&disc.roots))))
        .collect();
    let mut out = Vec::new();
    for (path, text) in read {
        let text = match text {
            // a template means something only as `templatefile` renders it
            Ok(text) if text.contains("\"Statement\"") && !is_template(&text) => text,
            Err(e) if e.is_refusal() => {
                let id = sources.add(path, String::new());
                warnings.push(Warning {
                    span: Some(Span::new(id, 0..0)),
                    message: format!("this JSON file {e}"),
                });
                continue;
            }
            _ => continue,
        };
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

/// A `.json` file with Terraform template syntax: a `%{...}` directive, an escaped `$${`, or a
/// `${...}` that is no IAM policy variable (`${aws:username}`, `${*}`, `${?}`, `${$}`).
fn is_template(text: &str) -> bool {
    if text.contains("%{") || text.contains("$${") {
        return true;
    }
    let policy_variable = |inner: &str| {
        matches!(inner, "*" | "?" | "$")
            || inner.split_once(':').is_some_and(|(ns, key)| {
                !ns.is_empty()
                    && !key.is_empty()
                    && ns
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            })
    };
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        rest = &rest[at + 2..];
        match rest.find('}') {
            Some(end) if policy_variable(&rest[..end]) => rest = &rest[end..],
            _ => return true,
        }
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> HashMap<PathBuf, Vec<PathBuf>> {
        let mut calls: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
        for (from, to) in edges {
            calls
                .entry(PathBuf::from(from))
                .or_default()
                .push(PathBuf::from(to));
        }
        calls
    }

    fn called(edges: &[(&str, &str)]) -> Vec<String> {
        let mut v: Vec<String> = called_modules(&graph(edges))
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn template_syntax_is_told_from_iam_policy_variables() {
        assert!(is_template(r#"{"Resource": "${bucket_arn}"}"#));
        assert!(is_template(r#"{"Resource": ${jsonencode(arns)}}"#));
        assert!(is_template(
            r#"{"Resource": "%{ for a in arns }${a}%{ endfor }"}"#
        ));
        assert!(is_template(
            r#"{"Resource": "arn:aws:s3:::b/$${aws:username}"}"#
        ));
        assert!(!is_template(
            r#"{"Resource": "arn:aws:s3:::b/${aws:username}/*"}"#
        ));
        assert!(!is_template(
            r#"{"Condition": {"StringLike": {"s3:prefix": "${*}x${?}"}}}"#
        ));
        assert!(!is_template(
            r#"{"Resource": "${saml:sub}${aws:PrincipalTag/team}"}"#
        ));
        assert!(is_template(r#"{"Resource": "${"#));
    }

    #[test]
    fn a_module_called_by_another_is_not_a_root() {
        assert_eq!(
            called(&[("/r", "/r/m"), ("/r/m", "/r/n")]),
            ["/r/m", "/r/n"]
        );
    }

    #[test]
    fn a_self_call_keeps_the_root() {
        assert_eq!(called(&[("/r", "/r")]), Vec::<String>::new());
    }

    #[test]
    fn of_a_cycle_nothing_else_calls_the_top_member_stays_a_root() {
        assert_eq!(called(&[("/r", "/r/sub"), ("/r/sub", "/r")]), ["/r/sub"]);
    }

    #[test]
    fn a_cycle_called_from_outside_has_no_root() {
        let edges = [
            ("/r", "/r/mods/a/x"),
            ("/r/mods/a/x", "/r/b"),
            ("/r/b", "/r/mods/a/x"),
        ];
        assert_eq!(called(&edges), ["/r/b", "/r/mods/a/x"]);
    }
}
