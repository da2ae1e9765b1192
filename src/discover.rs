//! Discovery: which files to read, grouped by Terraform module directory. Respects `.gitignore`
//! and skips hidden directories (`.terraform/`, `.git/`); variables files load as Terraform loads
//! them, even when git ignores them.

use crate::fsguard::{self, Roots};
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
    /// Every read of the scan (`.tf` and variables files, `file()`, module sources) stays under
    /// these: for each scanned path, its git root, else the path itself.
    pub roots: Roots,
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

/// A scanned path made absolute. A directory is resolved whole: the user chose it. A file keeps
/// its last component, so a file argument that is a link out of the tree (pre-commit passes
/// whatever a commit adds) is refused when read instead of moving the scan to where it points.
fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    if std::fs::metadata(p)?.is_dir() {
        return p.canonicalize();
    }
    let name = p
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize()?,
        _ => std::env::current_dir()?.canonicalize()?,
    };
    Ok(parent.join(name))
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut d = Discovery::default();
    let mut absolute_paths = Vec::new();
    for p in paths {
        match absolute(p) {
            Ok(c) => absolute_paths.push(c),
            Err(e) => d
                .errors
                .push((p.clone(), format!("cannot read `{}`: {e}", p.display()))),
        }
    }
    let is_dir = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
    // one directory argument: paths relative to it; otherwise to the working directory
    d.base = match absolute_paths.as_slice() {
        [one] if is_dir(one) => one.clone(),
        _ => cwd.canonicalize().unwrap_or(cwd),
    };
    let dir_of = |p: &PathBuf| {
        if is_dir(p) {
            p.clone()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    };
    let root_dirs: Vec<PathBuf> = if absolute_paths.is_empty() {
        vec![git_root(&d.base).unwrap_or_else(|| d.base.clone())]
    } else {
        absolute_paths
            .iter()
            .map(|p| {
                let dir = dir_of(p);
                git_root(&dir).unwrap_or(dir)
            })
            .collect()
    };
    d.roots = Roots::new(root_dirs);
    let mut focus = BTreeSet::new();
    let mut json: BTreeSet<PathBuf> = BTreeSet::new();
    for p in &absolute_paths {
        if !is_dir(p) {
            focus.insert(p.clone());
            let dir = dir_of(p);
            if is_json(p) {
                json.insert(p.clone());
            }
            // the whole module is analysed; pre-commit passes single files. Every entry named
            // like configuration is listed; reading it checks what it is.
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if is_tf(&path) && fsguard::is_listable(&path) {
                    d.modules.entry(dir.clone()).or_default().tf.push(path);
                }
            }
            continue;
        }
        // links are not followed into directories (a link out of the tree, or a cycle); a link
        // to a file is listed and its read checks where it leads
        let mut builder = ignore::WalkBuilder::new(p);
        builder
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false);
        // the walker opens ignore files itself, unchecked: a hostile one above the walk turns
        // them all off (more is scanned, never less), one below skips its directory, loudly
        let above = p
            .ancestors()
            .take_while(|a| d.roots.contains(a))
            .find_map(|a| hostile_ignore_file(a, &d.roots));
        let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        match above {
            Some((file, e)) => {
                d.errors.push((
                    file,
                    format!("this ignore file {e}; no `.gitignore` or `.ignore` file is used for this scan"),
                ));
                builder.git_ignore(false).ignore(false).parents(false);
            }
            None => {
                let roots = d.roots.clone();
                let skipped = skipped.clone();
                builder.filter_entry(move |entry| {
                    if !entry.file_type().is_some_and(|t| t.is_dir()) {
                        return true;
                    }
                    match hostile_ignore_file(entry.path(), &roots) {
                        None => true,
                        Some((file, e)) => {
                            skipped.lock().unwrap_or_else(|e| e.into_inner()).push((
                                file,
                                format!("this ignore file {e}; its directory is not scanned"),
                            ));
                            false
                        }
                    }
                });
            }
        }
        let walker = builder.build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    d.errors.push((p.clone(), e.to_string()));
                    continue;
                }
            };
            if entry.file_type().is_none_or(|t| t.is_dir()) {
                continue;
            }
            let path = entry.into_path();
            if is_tf(&path) {
                if fsguard::is_listable(&path) {
                    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    d.modules.entry(dir).or_default().tf.push(path);
                }
            } else if is_json(&path) && fsguard::is_listable(&path) {
                json.insert(path);
            }
        }
        d.errors
            .extend(skipped.lock().unwrap_or_else(|e| e.into_inner()).drain(..));
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
            (name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
                && fsguard::is_listable(p)
        })
        .collect();
    auto.sort();
    let mut out: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|n| dir.join(n))
        // what exists and is no directory: a FIFO or a link out of the tree is listed so that its
        // read refuses it loudly; a dangling link is skipped, as before
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_dir()))
        .collect();
    out.extend(auto);
    out
}

/// The ignore files the walker reads by itself in every directory.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// An ignore file in `dir` that a checked read would refuse (a link out of the tree, a FIFO, a
/// device, too large), with why. A missing or unreadable one is the walker's to report.
fn hostile_ignore_file(dir: &Path, roots: &Roots) -> Option<(PathBuf, fsguard::ReadError)> {
    IGNORE_FILES
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .find_map(|p| match fsguard::resolve(&p, roots) {
            Err(e) if e.is_refusal() => Some((p, e)),
            _ => None,
        })
}

fn git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}
