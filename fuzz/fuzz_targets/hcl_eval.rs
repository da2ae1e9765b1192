//! A small Terraform tree (packed, see `mlguard_fuzz::unpack`: `.tf`, `.tfvars`, `.tf.json`,
//! policy `.json`, `mlguard.toml`, local modules) scanned end to end: parse, evaluate, model,
//! access, facts, suppressions, every report rendered, and for one input in eight the built-in
//! rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard_fuzz::{scan_and_render, single_thread, unpack, Scratch};
use std::sync::OnceLock;

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // the scan reads files as UTF-8 and reports any other file as unreadable
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    single_thread();
    let files = unpack(text);
    let config = files
        .iter()
        .find(|(path, _)| path == "mlguard.toml")
        .and_then(|(_, text)| mlguard::config::Config::parse("mlguard.toml", text).ok())
        .unwrap_or_default();
    let Some(dir) = SCRATCH
        .get_or_init(|| Scratch::new("hcl_eval"))
        .write(&files)
    else {
        return;
    };
    // one input in eight also runs the rules: chosen by the input, so a crash replays
    scan_and_render(dir, config, data.len() % 8 == 0);
});
