//! Embeds every built-in rule (`policies/*.cedar`), the schema and the rule docs
//! (`docs/rules/*.md`), so adding a rule is adding files, not editing Rust.

use std::fs;
use std::path::Path;

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
    let mut out = String::new();
    embed("policies", "cedar", &mut out, "BUILTIN_POLICIES");
    embed("docs/rules", "md", &mut out, "RULE_DOCS");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin.rs");
    fs::write(dest, out).unwrap();
}
