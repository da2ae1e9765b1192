//! `--changed-since REV`: the files that changed between `merge-base(REV, HEAD)` and the working
//! tree (staged, unstaged and untracked), as git reports them. The scan still reads every module;
//! only the reporting is narrowed to these files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the changed files could not be listed (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedError {
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for ChangedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Absolute paths of the files changed since `rev` in the repository holding `path`.
pub fn changed_files(path: &Path, rev: &str) -> Result<BTreeSet<PathBuf>, ChangedError> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let root = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| ChangedError {
        message: format!(
            "--changed-since needs a git repository: `{}` is not in one ({e})",
            dir.display()
        ),
        help: None,
    })?;
    let root = PathBuf::from(String::from_utf8_lossy(&root).trim());
    let root = root.canonicalize().unwrap_or(root);
    if rev.starts_with('-') {
        return Err(ChangedError {
            message: format!("`{rev}` is not a git revision"),
            help: None,
        });
    }
    let commit = format!("{rev}^{{commit}}");
    if git(&root, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
        return Err(ChangedError {
            message: format!("git revision `{rev}` does not exist in this clone"),
            help: Some(
                "a shallow clone lacks history: fetch it first (`git fetch --unshallow`, or \
                 `fetch-depth: 0` in actions/checkout), or fetch the base branch"
                    .into(),
            ),
        });
    }
    let base = git(&root, &["merge-base", rev, "HEAD"]).map_err(|e| ChangedError {
        message: format!("`{rev}` and HEAD have no common ancestor ({e})"),
        help: Some("fetch more history (`git fetch --deepen=100` or `--unshallow`)".into()),
    })?;
    let base = String::from_utf8_lossy(&base).trim().to_string();
    let diff = git(
        &root,
        &["diff", "--name-only", "--no-renames", "-z", &base, "--"],
    )
    .map_err(|e| ChangedError {
        message: format!("git diff failed: {e}"),
        help: None,
    })?;
    let untracked =
        git(&root, &["ls-files", "--others", "--exclude-standard", "-z"]).map_err(|e| {
            ChangedError {
                message: format!("git ls-files failed: {e}"),
                help: None,
            }
        })?;
    let mut out = BTreeSet::new();
    for name in diff
        .split(|b| *b == 0)
        .chain(untracked.split(|b| *b == 0))
        .filter(|n| !n.is_empty())
    {
        let p = root.join(String::from_utf8_lossy(name).as_ref());
        out.insert(p.canonicalize().unwrap_or(p));
    }
    Ok(out)
}
