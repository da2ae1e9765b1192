//! Discovery: which files to read, grouped by Terraform module directory. Respects `.gitignore`
//! and skips hidden directories (`.terraform/`, `.git/`); variables files load as Terraform loads
//! them, even when git ignores them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct ModuleFiles {
    pub tf: Vec<PathBuf>,
    /// `terraform.tfvars(.json)` then `*.auto.tfvars(.json)`, in lexical order: what Terraform loads.
    pub tfvars: Vec<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Displayed paths are relative to this directory.
    pub base: PathBuf,
    /// `file()` and module sources must stay inside this directory.
    pub confine: PathBuf,
    pub modules: BTreeMap<PathBuf, ModuleFiles>,
    /// `.json` files that may be IAM policies (decided by content).
    pub json: Vec<PathBuf>,
    /// Bare file arguments: findings are reported only for these files.
    pub focus: Option<BTreeSet<PathBuf>>,
    /// Paths that could not be read.
    pub errors: Vec<(PathBuf, String)>,
}

/// Terraform configuration: `.tf` and `.tf.json` (Terraform's JSON syntax).
fn is_tf(p: &Path) -> bool {
    crate::terraform::module::is_config_file(p)
}

fn is_json(p: &Path) -> bool {
    let name = p.to_string_lossy();
    p.extension().is_some_and(|e| e == "json")
        && !name.ends_with(".tfvars.json")
        && !name.ends_with(".tf.json")
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut d = Discovery::default();
    let mut canonical = Vec::new();
    for p in paths {
        match p.canonicalize() {
            Ok(c) => canonical.push(c),
            Err(e) => d
                .errors
                .push((p.clone(), format!("cannot read `{}`: {e}", p.display()))),
        }
    }
    // one directory argument: paths relative to it; otherwise to the working directory
    d.base = match canonical.as_slice() {
        [one] if one.is_dir() => one.clone(),
        _ => cwd.canonicalize().unwrap_or(cwd),
    };
    let first_dir = canonical
        .first()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .unwrap_or_else(|| d.base.clone());
    d.confine = git_root(&first_dir).unwrap_or(first_dir);
    let mut focus = BTreeSet::new();
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut json: BTreeSet<PathBuf> = BTreeSet::new();
    for p in &canonical {
        if p.is_file() {
            focus.insert(p.clone());
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            if !d.confine.as_os_str().is_empty() && !dir.starts_with(&d.confine) {
                d.confine = git_root(&dir).unwrap_or_else(|| dir.clone());
            }
            if is_json(p) {
                json.insert(p.clone());
            }
            // the whole module is analysed; pre-commit passes single files
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if is_tf(&path) {
                    dirs.insert(dir.clone());
                    d.modules.entry(dir.clone()).or_default().tf.push(path);
                }
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    d.errors.push((p.clone(), e.to_string()));
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.into_path();
            if is_tf(&path) {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                dirs.insert(dir.clone());
                d.modules.entry(dir).or_default().tf.push(path);
            } else if is_json(&path) {
                json.insert(path);
            }
        }
    }
    for (dir, files) in d.modules.iter_mut() {
        files.tf.sort();
        files.tf.dedup();
        files.tfvars = auto_tfvars(dir);
    }
    d.json = json.into_iter().collect();
    if !focus.is_empty() {
        d.focus = Some(focus);
    }
    d
}

/// The variables files Terraform loads by itself from a root module directory.
pub fn auto_tfvars(dir: &Path) -> Vec<PathBuf> {
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
        })
        .collect();
    auto.sort();
    let mut out: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    out.extend(auto);
    out
}

fn git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}
