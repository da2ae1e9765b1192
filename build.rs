//! Embeds every built-in rule (`policies/*.cedar`), the schema and the rule docs
//! (`docs/rules/*.md`), so adding a rule is adding files, not editing Rust; and names the commit
//! the binary is built from, for `mlguard --version`.

use std::fs;
use std::path::Path;
use std::process::Command;

/// The commit being built, from the first source that knows it: `MLGUARD_COMMIT` (packagers),
/// git, the `.git-archive-commit` file that `git archive` fills in (GitHub's source archives), or
/// `.cargo_vcs_info.json` (a crate packaged by `cargo package`). None when nothing knows.
fn commit(root: &Path) -> Option<String> {
    println!("cargo:rerun-if-env-changed=MLGUARD_COMMIT");
    if let Ok(c) = std::env::var("MLGUARD_COMMIT") {
        return short(&c);
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // only this crate's own repository: a crate unpacked inside someone else's checkout must not
    // report that checkout's commit
    let top = git(&["rev-parse", "--show-toplevel"]).map(std::path::PathBuf::from);
    if top.and_then(|t| t.canonicalize().ok()) == root.canonicalize().ok() {
        // rebuild when HEAD moves: HEAD itself (checkout) and the branch it points at (commit)
        for path in ["HEAD", "packed-refs"] {
            if let Some(p) = git(&["rev-parse", "--git-path", path]) {
                println!("cargo:rerun-if-changed={}", root.join(p).display());
            }
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
                println!("cargo:rerun-if-changed={}", root.join(p).display());
            }
        }
        if let Some(c) = git(&["rev-parse", "HEAD"]).and_then(|c| short(&c)) {
            return Some(c);
        }
    }
    let archive = root.join(".git-archive-commit");
    println!("cargo:rerun-if-changed={}", archive.display());
    if let Some(c) = fs::read_to_string(&archive).ok().and_then(|c| short(&c)) {
        return Some(c);
    }
    let vcs = fs::read_to_string(root.join(".cargo_vcs_info.json")).ok()?;
    let sha = vcs.split("\"sha1\"").nth(1)?.split('"').nth(1)?;
    short(sha)
}

/// The first 12 hex digits of a commit id; None for anything else (an unexpanded `$Format:%H$`).
fn short(commit: &str) -> Option<String> {
    let commit = commit.trim();
    (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| commit[..commit.len().min(12)].to_string())
}

fn embed(dir: &str, ext: &str, out: &mut String, name: &str) {
    println!("cargo:rerun-if-changed={dir}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == ext));
    files.sort();
    out.push_str(&format!("pub static {name}: &[(&str, &str)] = &[\n"));
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file_name = f.file_name().unwrap().to_string_lossy().into_owned();
        out.push_str(&format!(
            "    ({file_name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = env!("CARGO_PKG_VERSION");
    let long = match commit(root) {
        Some(c) => format!("{version} (commit {c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=MLGUARD_LONG_VERSION={long}");
    let mut out = String::new();
    embed("policies", "cedar", &mut out, "BUILTIN_POLICIES");
    embed("docs/rules", "md", &mut out, "RULE_DOCS");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin.rs");
    fs::write(dest, out).unwrap();
}
