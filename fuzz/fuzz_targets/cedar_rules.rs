//! A user's Cedar rule file loaded as `mlguard check-policies DIR` loads it: parsed, checked for
//! the required annotations, validated strictly against the schema, errors rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlguard::engine::Engine;
use mlguard_fuzz::{render, Scratch};
use std::sync::OnceLock;

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(dir) = SCRATCH
        .get_or_init(|| Scratch::new("cedar_rules"))
        .write(&[("rules.cedar".into(), text.to_string())])
    else {
        return;
    };
    match Engine::load(&[dir.as_path()]) {
        Ok(engine) => {
            let _ = engine.rules().iter().filter(|r| !r.builtin).count();
        }
        Err(errors) => {
            for e in &errors {
                let _ = render(e.as_ref());
            }
        }
    }
});
