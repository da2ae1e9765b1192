//! Terraform evaluation: module directories in, resource instances with evaluated attributes out.

pub mod eval;
pub mod functions;
pub mod module;
pub mod policy_document;
pub mod types;
pub mod value;
pub mod vars;

use crate::fsguard::{self, Access, ReadError, Roots};
use crate::parse::ParseError;
use crate::source::{FileId, Sources, Span};
use module::{ModuleCall, ModuleSource};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use value::{Address, ModuleStep, Value};

/// One resource or data source instance after evaluation.
#[derive(Clone, Debug)]
pub struct ResourceInstance {
    pub address: Arc<Address>,
    pub file: FileId,
    /// The whole block.
    pub span: Span,
    /// Arguments by name; nested blocks as lists of objects under their block type.
    pub attrs: Value,
}

/// A value the evaluator could not know, with where it was needed.
#[derive(Clone, Debug, PartialEq)]
pub struct Unresolved {
    pub span: Span,
    pub what: String,
}

impl Unresolved {
    /// What kind of thing is missing (`variable-without-value`, `remote-module-not-downloaded`,
    /// `file-not-available`, `apply-time-attribute`, ...): see `eval::cause_of`.
    pub fn cause(&self) -> &'static str {
        eval::cause_of(&self.what)
    }
}

/// What evaluating one root module produced.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub root_dir: PathBuf,
    pub instances: Vec<ResourceInstance>,
    /// `provider` blocks of the root module, evaluated: (provider name, body).
    pub providers: Vec<(String, Value)>,
    pub unresolved: Vec<Unresolved>,
    pub errors: Vec<ParseError>,
    /// Module instances evaluated, the root included.
    pub modules: usize,
    /// The root module's outputs, by name.
    pub outputs: Vec<(String, Value)>,
}

/// A root module evaluated on its own: the evaluation and the files its spans point into.
pub struct DirEvaluation {
    pub sources: Arc<Sources>,
    pub evaluated: Evaluated,
}

/// Evaluate the root module in `dir` as a scan would, without the policy analysis: variables
/// from `terraform.tfvars`, `*.auto.tfvars` (and `.json` forms), then `var_files`, then `vars`
/// (`NAME=VALUE`); local modules and downloaded remote ones (`.terraform/modules`). File reads
/// stay inside the repository that holds `dir`. For tools and differential tests.
pub fn evaluate_dir(dir: &Path, var_files: &[PathBuf], vars: &[String]) -> DirEvaluation {
    let disc = crate::discover::discover(&[dir.to_path_buf()]);
    let root_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let sources = Arc::new(Sources::new(disc.base.clone()));
    let cache = ModuleCache::default();
    let ws = Workspace::new(&sources, &cache, disc.roots.clone(), root_dir.clone());
    let mut errors = Vec::new();
    let root = match cache.load(&sources, &disc.roots, &root_dir) {
        Ok(m) => m,
        Err(message) => {
            errors.push(ParseError {
                message,
                span: Span::default(),
            });
            Arc::new(ModuleSource::new(root_dir.clone()))
        }
    };
    let automatic = crate::discover::auto_tfvars(&root_dir);
    let files = automatic
        .iter()
        .map(|f| (f, Access::Tree(&disc.roots)))
        .chain(var_files.iter().map(|f| (f, Access::Chosen)));
    let mut ids = Vec::new();
    for (f, access) in files {
        match fsguard::read(f, access) {
            Ok(text) => ids.push(sources.add(f.clone(), text)),
            Err(e) => errors.push(ParseError {
                message: format!("the variables file `{}` {e}", f.display()),
                span: Span::default(),
            }),
        }
    }
    let mut inputs = HashMap::new();
    errors.extend(vars::load_files(&ws, &ids, &mut inputs));
    for flag in vars {
        match vars::parse_flag(&ws, flag) {
            Ok((k, v)) => {
                inputs.insert(k, v);
            }
            Err(message) => errors.push(ParseError {
                message,
                span: Span::default(),
            }),
        }
    }
    let mut evaluated = ws.evaluate(root, inputs);
    errors.extend(
        cache
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..),
    );
    evaluated.errors.extend(errors);
    DirEvaluation { sources, evaluated }
}

/// Most files `fileset` lists under one directory, so a huge tree cannot stall a scan.
const MAX_LISTED: usize = 100_000;

/// What the evaluator needs from outside: files and module sources.
pub trait Host {
    fn sources(&self) -> &Sources;
    /// The root module's directory (`path.cwd`: Terraform runs there).
    fn root_dir(&self) -> &Path;
    /// Read a file for `file()`/`templatefile()`: relative paths resolve against the root module
    /// directory, as Terraform runs there; reads are confined to the scanned tree.
    fn read_file(
        &self,
        module_dir: &Path,
        module_rel: &str,
        path: &str,
    ) -> Result<(FileId, Arc<String>), FileError>;
    /// The regular files under `dir` (relative to the root module directory, as for
    /// `read_file`), as slash-separated paths relative to `dir`; for `fileset`, confined to the
    /// scanned tree like every read.
    fn list_files(&self, dir: &str) -> Result<Vec<String>, FileError> {
        Err(FileError {
            message: format!("directory `{dir}` is not listed here"),
            refused: false,
        })
    }
    /// The source of a called module and its directory relative to the root module.
    fn load_module(
        &self,
        parent: &ModuleSource,
        parent_path: &[ModuleStep],
        call: &ModuleCall,
    ) -> Result<(Arc<ModuleSource>, String), String>;
}

/// Why `file()` got no content.
#[derive(Clone, Debug, PartialEq)]
pub struct FileError {
    pub message: String,
    /// The file exists but was refused (outside the tree, not a regular file, too large): the
    /// scan reports it as an error, not only as a value not known.
    pub refused: bool,
}

/// Parsed module directories shared across root modules (a module called by many roots is parsed once).
#[derive(Default)]
pub struct ModuleCache {
    modules: Mutex<HashMap<PathBuf, Arc<ModuleSource>>>,
    /// Errors from modules parsed on demand (outside the discovered tree).
    pub errors: Mutex<Vec<ParseError>>,
}

impl ModuleCache {
    pub fn insert(&self, dir: PathBuf, module: Arc<ModuleSource>) {
        self.modules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir, module);
    }

    pub fn get(&self, dir: &Path) -> Option<Arc<ModuleSource>> {
        self.modules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(dir)
            .cloned()
    }

    /// The module in `dir`, parsing its `.tf` files on first use; files are read under `roots`.
    pub fn load(
        &self,
        sources: &Sources,
        roots: &Roots,
        dir: &Path,
    ) -> Result<Arc<ModuleSource>, String> {
        if let Some(m) = self.get(dir) {
            return Ok(m);
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("module directory {} cannot be read: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| module::is_config_file(p) && fsguard::is_listable(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "module directory {} has no .tf or .tf.json files",
                dir.display()
            ));
        }
        let mut module = ModuleSource::new(dir.to_path_buf());
        for path in files {
            let text = match fsguard::read(&path, Access::Tree(roots)) {
                Ok(text) => text,
                Err(e) => {
                    let id = sources.add(path.clone(), String::new());
                    self.errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(ParseError {
                            message: format!("this file {e}"),
                            span: Span::new(id, 0..0),
                        });
                    continue;
                }
            };
            let id = sources.add(path.clone(), text);
            let text = sources.get(id).text.clone();
            if let Err(e) = module::load_file(&mut module, id, &path, &text) {
                self.errors
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(e);
            }
        }
        module.finish();
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(module.errors.iter().cloned());
        let module = Arc::new(module);
        self.insert(dir.to_path_buf(), module.clone());
        Ok(module)
    }
}

/// The [`Host`] for one root module.
pub struct Workspace<'s> {
    pub sources: &'s Sources,
    pub cache: &'s ModuleCache,
    /// Every read (`file()`, module sources) must stay under these directories.
    pub roots: Roots,
    pub root_dir: PathBuf,
    /// `.terraform/modules/modules.json`: module key (`a.b`) -> directory, or why it is refused.
    manifest: HashMap<String, Result<PathBuf, String>>,
    /// Reads refused while evaluating (a module outside the tree, an unreadable manifest),
    /// reported with the evaluation's errors.
    refusals: Mutex<Vec<ParseError>>,
}

impl<'s> Workspace<'s> {
    pub fn new(
        sources: &'s Sources,
        cache: &'s ModuleCache,
        roots: Roots,
        root_dir: PathBuf,
    ) -> Self {
        let mut refusals = Vec::new();
        let manifest = read_manifest(sources, &roots, &root_dir, &mut refusals);
        Workspace {
            sources,
            cache,
            roots,
            root_dir,
            manifest,
            refusals: Mutex::new(refusals),
        }
    }

    fn refuse(&self, span: Span, message: String) {
        let mut refusals = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        let e = ParseError { message, span };
        if !refusals.contains(&e) {
            refusals.push(e);
        }
    }

    /// Evaluate a root module with the given variable values.
    pub fn evaluate(&self, root: Arc<ModuleSource>, inputs: HashMap<String, Value>) -> Evaluated {
        let ev = eval::Evaluator::new(self);
        let inst = ev.instantiate(
            root.clone(),
            Vec::new(),
            String::new(),
            eval::Inputs::Values(inputs),
        );
        let mut instances = Vec::new();
        ev.force_all(&inst, &mut instances);
        let providers = ev.providers(&inst);
        let outputs = ev.outputs(&inst);
        // declaration errors of the module files are reported where they are parsed (once per
        // directory, however many roots call it)
        let unresolved = ev.unresolved.take();
        let modules = ev.modules_seen.take();
        let mut errors = ev.into_errors();
        errors.append(&mut self.refusals.lock().unwrap_or_else(|e| e.into_inner()));
        Evaluated {
            root_dir: self.root_dir.clone(),
            instances,
            providers,
            unresolved,
            errors,
            modules,
            outputs,
        }
    }
}

impl Host for Workspace<'_> {
    fn sources(&self) -> &Sources {
        self.sources
    }

    fn root_dir(&self) -> &Path {
        &self.root_dir
    }

    fn read_file(
        &self,
        _module_dir: &Path,
        _module_rel: &str,
        path: &str,
    ) -> Result<(FileId, Arc<String>), FileError> {
        let p = Path::new(path);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root_dir.join(p)
        };
        let fail = |e: ReadError| FileError {
            refused: e.is_refusal(),
            message: format!("file `{path}` {e}"),
        };
        let canonical = fsguard::resolve(&full, &self.roots).map_err(fail)?;
        if let Some(id) = self.sources.find(&canonical) {
            let f = self.sources.get(id);
            return Ok((id, f.text.clone()));
        }
        let text = fsguard::read(&canonical, Access::Tree(&self.roots)).map_err(fail)?;
        let id = self.sources.add(canonical, text);
        Ok((id, self.sources.get(id).text.clone()))
    }

    fn list_files(&self, dir: &str) -> Result<Vec<String>, FileError> {
        let p = Path::new(dir);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root_dir.join(p)
        };
        let fail = |message: String| FileError {
            message: format!("directory `{dir}` {message}"),
            refused: false,
        };
        let canonical = full
            .canonicalize()
            // missing here (often made by a build step before `terraform plan`): not known
            .map_err(|e| fail(format!("cannot be read: {e}")))?;
        if !self.roots.contains(&canonical) {
            return Err(FileError {
                message: format!("directory `{dir}` is outside the scanned tree; it is not read"),
                refused: true,
            });
        }
        let mut out = Vec::new();
        let mut stack = vec![(canonical, String::new())];
        while let Some((at, rel)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&at) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                // links are followed only where they stay inside the tree
                let Ok(target) = e.path().canonicalize() else {
                    continue;
                };
                if !self.roots.contains(&target) {
                    continue;
                }
                match std::fs::metadata(&target) {
                    Ok(m) if m.is_dir() && e.file_type().is_ok_and(|t| !t.is_symlink()) => {
                        stack.push((target, rel))
                    }
                    Ok(m) if m.is_file() => out.push(rel),
                    _ => {}
                }
                if out.len() + stack.len() > MAX_LISTED {
                    return Err(fail(format!("holds more than {MAX_LISTED} entries")));
                }
            }
        }
        Ok(out)
    }

    fn load_module(
        &self,
        parent: &ModuleSource,
        parent_path: &[ModuleStep],
        call: &ModuleCall,
    ) -> Result<(Arc<ModuleSource>, String), String> {
        let local = call
            .source
            .as_deref()
            .filter(|s| s.starts_with("./") || s.starts_with("../"));
        let dir = match local {
            Some(s) => {
                // `..` as Terraform reads it (lexically), then links resolved for the check
                let lexical = normalize(&parent.dir.join(s));
                let dir = lexical.canonicalize().unwrap_or(lexical);
                if !self.roots.contains(&dir) {
                    let why = format!(
                        "module.{} comes from `{s}`, which resolves outside the scanned tree; it is not read",
                        call.name
                    );
                    self.refuse(call.span, why.clone());
                    return Err(why);
                }
                dir
            }
            None => {
                let mut key: Vec<&str> = parent_path.iter().map(|s| s.name.as_str()).collect();
                key.push(&call.name);
                match self.manifest.get(&key.join(".")) {
                    Some(Ok(dir)) => dir.clone(),
                    Some(Err(why)) => {
                        self.refuse(call.span, why.clone());
                        return Err(why.clone());
                    }
                    None => {
                        return Err(format!(
                            "module.{} comes from `{}`, which is not downloaded (run `terraform init` to resolve it)",
                            call.name,
                            call.source.as_deref().unwrap_or("a computed source")
                        ))
                    }
                }
            }
        };
        let module = self.cache.load(self.sources, &self.roots, &dir)?;
        Ok((module, relative(&self.root_dir, &dir)))
    }
}

/// `.terraform/modules/modules.json` of a root module: where `terraform init` put each module.
/// The file is part of the scanned tree (it may be committed), so a `Dir` must resolve inside it.
fn read_manifest(
    sources: &Sources,
    roots: &Roots,
    root: &Path,
    refusals: &mut Vec<ParseError>,
) -> HashMap<String, Result<PathBuf, String>> {
    let path = root.join(".terraform/modules/modules.json");
    if std::fs::symlink_metadata(&path).is_err() {
        return HashMap::new();
    }
    let text = match fsguard::read(&path, Access::Tree(roots)) {
        Ok(text) => text,
        Err(e) => {
            if e.is_refusal() {
                let id = sources.add(path, String::new());
                refusals.push(ParseError {
                    message: format!("this module manifest {e}"),
                    span: Span::new(id, 0..0),
                });
            }
            return HashMap::new();
        }
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    json.get("Modules")
        .and_then(|m| m.as_array())
        .map(|mods| {
            mods.iter()
                .filter_map(|m| {
                    let key = m.get("Key")?.as_str()?;
                    let dir = m.get("Dir")?.as_str()?;
                    if key.is_empty() {
                        return None;
                    }
                    let lexical = normalize(&root.join(dir));
                    let resolved = lexical.canonicalize().unwrap_or(lexical);
                    let entry = if roots.contains(&resolved) {
                        Ok(resolved)
                    } else {
                        Err(format!(
                            "module.{key} is in `{dir}` by .terraform/modules/modules.json, which resolves outside the scanned tree; it is not read"
                        ))
                    };
                    Some((key.to_string(), entry))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Lexically resolve `.` and `..` (no symlinks followed; the files may not exist).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// `to` relative to `from`, with `/`, as Terraform's `path.module` shows it.
pub fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}
