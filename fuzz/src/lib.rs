//! Helpers shared by the fuzz targets: one input packs a small directory tree, a scratch
//! directory per process holds it, and reports render the way the command line renders them.
//!
//! Packed form (also what `scripts/fuzz.sh` builds seeds in): text before the first header is
//! `main.tf`; a line `#%% <relative path>` starts the next file.
//!
//! ```text
//! variable "env" { default = "dev" }
//! #%% terraform.tfvars
//! env = "prod"
//! #%% modules/store/main.tf
//! resource "aws_s3_bucket" "b" {}
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Line prefix that starts a file in a packed input.
pub const HEADER: &str = "#%% ";
/// Most files one input may hold; later headers are ignored (their text joins the file before).
const MAX_FILES: usize = 16;
const MAX_DEPTH: usize = 4;

/// Split a packed input into (relative path, text) pairs. Paths are cleaned so that every file
/// lands inside the scratch directory: no absolute paths, no `..`, no empty or odd components.
pub fn unpack(input: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = vec![("main.tf".into(), String::new())];
    for line in input.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix(HEADER) {
            if files.len() < MAX_FILES {
                if let Some(path) = clean_path(name.trim_end_matches(['\n', '\r'])) {
                    files.push((path, String::new()));
                    continue;
                }
            }
        }
        files
            .last_mut()
            .expect("one file at least")
            .1
            .push_str(line);
    }
    // a later file of the same name replaces the earlier one, as writing them in order would
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(String, String)> = files
        .into_iter()
        .rev()
        .filter(|(p, _)| seen.insert(p.clone()))
        .collect();
    out.reverse();
    // a path that is also a directory of another file cannot be both
    let dirs: std::collections::HashSet<String> = out
        .iter()
        .flat_map(|(p, _)| {
            let parts: Vec<&str> = p.split('/').collect();
            (1..parts.len())
                .map(|n| parts[..n].join("/"))
                .collect::<Vec<_>>()
        })
        .collect();
    out.retain(|(p, _)| !dirs.contains(p));
    out
}

fn clean_path(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
    let ok = |p: &&str| {
        p.len() <= 64
            && *p != "."
            && *p != ".."
            && *p != ".git"
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if parts.is_empty() || parts.len() > MAX_DEPTH || !parts.iter().all(ok) {
        return None;
    }
    Some(parts.join("/"))
}

/// A directory of this process under the system temporary directory, emptied for every input.
pub struct Scratch {
    root: PathBuf,
}

impl Scratch {
    /// `name` tells the targets apart; the process id keeps parallel jobs apart.
    pub fn new(name: &str) -> Scratch {
        let root = std::env::temp_dir().join(format!("mlguard-fuzz-{name}-{}", std::process::id()));
        // a scan's reads are confined to the git repository around it: outside one, to the
        // scanned directory itself, which is what keeps a fuzz input inside its scratch space
        if let Some(repo) = root.ancestors().find(|a| a.join(".git").exists()) {
            panic!(
                "the temporary directory {} is inside the git repository {}: set TMPDIR elsewhere",
                root.display(),
                repo.display()
            );
        }
        remove_stale(name);
        Scratch { root }
    }

    /// Write the files into a fresh directory and return it; `None` when the disk refuses (full):
    /// that is the machine's failure, not an input's, so the input is skipped rather than
    /// reported as a crash.
    pub fn write(&self, files: &[(String, String)]) -> Option<PathBuf> {
        let dir = self.root.join("m");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        for (path, text) in files {
            let full = dir.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).ok()?;
            }
            std::fs::write(&full, text).ok()?;
        }
        Some(dir)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Scratch directories of processes that have ended: libFuzzer leaves by `exit`, and fork mode
/// starts a process per job, so each process sweeps up after its predecessors.
fn remove_stale(name: &str) {
    let prefix = format!("mlguard-fuzz-{name}-");
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One worker thread for the scan's parallel stages: the fuzzer runs one job per core already,
/// and a panic on a pool thread is reported the same way.
pub fn single_thread() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .stack_size(8 << 20)
            .build_global();
    });
}

/// Render a diagnostic as the command line prints it (graphical, with the source snippet).
pub fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(80);
    let _ = handler.render_report(&mut out, diagnostic);
    out
}

/// The built-in rules, loaded once per process.
pub fn engine() -> &'static mlguard::engine::Engine {
    static ENGINE: OnceLock<mlguard::engine::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match mlguard::engine::Engine::load(&[]) {
        Ok(e) => e,
        Err(errors) => panic!("the built-in rules load: {errors:?}"),
    })
}

/// Scan `dir` the way `mlguard scan` does and render every report format, the access report and
/// the inventory from the result. `rules`: decide the facts with the built-in rules; without them
/// the scan stops at the facts, as `mlguard inventory` does (Cedar's evaluation is most of a
/// scan's time under the fuzzer's instrumentation).
pub fn scan_and_render(dir: PathBuf, config: mlguard::config::Config, rules: bool) {
    use mlguard::report;
    use std::sync::Arc;
    let config = Arc::new(config);
    let req = mlguard::scan::ScanRequest {
        paths: vec![dir],
        config: config.clone(),
        suppress: mlguard::suppress::Options {
            strict: true,
            // a fixed day keeps runs reproducible
            today: mlguard::suppress::Date {
                year: 2026,
                month: 12,
                day: 6,
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let out = mlguard::scan::run(&req, engine(), &|_| rules);
    let rep = report::Report {
        scan: &out,
        fail_on: mlguard::findings::Severity::Low,
    };
    for name in report::FORMATS {
        let format = report::format(name).expect("every listed format exists");
        let _ = format.render(&rep, false);
    }
    let _ = report::access::human(&out.inventory, &out.analysis, &out.sources);
    let _ = report::access::markdown(&out.inventory, &out.analysis, &out.sources);
    let _ = report::access::json(&out.inventory, &out.analysis, &out.sources);
    let input = report::inventory::Input {
        inventory: &out.inventory,
        analysis: &out.analysis,
        sources: &out.sources,
        config: &config,
    };
    let doc = report::inventory::json(&input);
    let _ = report::inventory::markdown(&doc);
}
