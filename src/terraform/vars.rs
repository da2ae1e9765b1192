//! Variable values from `.tfvars` / `.tfvars.json` files and `--var` flags, in Terraform's order:
//! later sources override earlier ones.

use crate::parse::{json, ParseError};
use crate::source::{FileId, Span};
use crate::terraform::eval::{self, Evaluator};
use crate::terraform::module::{Expr, ModuleSource};
use crate::terraform::value::Value;
use crate::terraform::Host;
use std::collections::HashMap;
use std::sync::Arc;

/// Load variables files (already registered in the host's sources) in the order given.
pub fn load_files(
    host: &dyn Host,
    files: &[FileId],
    out: &mut HashMap<String, Value>,
) -> Vec<ParseError> {
    let mut errors = Vec::new();
    let ev = Evaluator::new(host);
    let empty = ev.instantiate(
        Arc::new(ModuleSource::default()),
        Vec::new(),
        String::new(),
        eval::Inputs::Values(HashMap::new()),
    );
    for &file in files {
        let source = host.sources().get(file);
        let text = source.text.clone();
        if source.display.ends_with(".json") {
            match json::parse(
                &text,
                &json::TextMap::exact(Span::new(file, 0..text.len()), text.len()),
                &[],
            ) {
                Ok(v) => match v.as_object() {
                    Some(entries) => {
                        for e in entries {
                            out.insert(e.key.clone(), e.value.clone());
                        }
                    }
                    None => errors.push(ParseError {
                        message: "a variables file must hold a JSON object".into(),
                        span: v.span,
                    }),
                },
                Err(e) => errors.push(e),
            }
            continue;
        }
        match crate::parse::hcl::parse(file, &text) {
            Ok(body) => {
                for attr in body.into_attributes() {
                    let expr = Expr {
                        file,
                        expr: attr.value,
                    };
                    out.insert(attr.key.as_str().to_string(), ev.eval_expr(&expr, &empty));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    errors.extend(ev.into_errors());
    errors
}

/// `--var NAME=VALUE`: a value that looks like an HCL list, object, number or boolean is parsed as
/// one (as Terraform does for complex types), anything else is a string.
pub fn parse_flag(host: &dyn Host, flag: &str) -> Result<(String, Value), String> {
    let (name, raw) = flag
        .split_once('=')
        .ok_or_else(|| format!("`--var {flag}` must have the form NAME=VALUE"))?;
    let file = host
        .sources()
        .add(format!("<--var {name}>").into(), raw.to_string());
    let span = Span::new(file, 0..raw.len());
    let trimmed = raw.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let expr = hcl_edit::parser::parse_expr(raw).map_err(|e| {
            format!(
                "`--var {name}` is not a valid HCL value: {}",
                e.message().lines().next().unwrap_or("")
            )
        })?;
        let ev = Evaluator::new(host);
        let empty = ev.instantiate(
            Arc::new(ModuleSource::default()),
            Vec::new(),
            String::new(),
            eval::Inputs::Values(HashMap::new()),
        );
        return Ok((name.to_string(), ev.eval_expr(&Expr { file, expr }, &empty)));
    }
    Ok((name.to_string(), Value::string(raw, span)))
}
