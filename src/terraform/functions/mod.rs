//! Terraform's pure built-in functions, evaluated over [`Value`] with Terraform 1.11's semantics.
//!
//! Nothing known only at apply time is guessed: string-building functions keep symbolic parts
//! (`format("%s/*", arn)` stays `"${arn}/*"`), functions that must read the whole text return
//! `Unknown`, and equality-based functions compare symbolic parts structurally. Results carry the
//! call's span, except values a function passes through unchanged, which keep the span they were
//! written at so findings point at the literal that caused them.

use crate::source::Span;
use crate::terraform::value::{
    format_number, normalize_parts, string_from_parts, Entry, Kind, Part, Value,
};
use regex::{Regex, RegexBuilder};
use sha2::{Digest, Sha256, Sha512};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, OnceLock};

// one file per family, as Terraform's function reference groups them; the dispatch below names
// each function once
mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod equality;
pub(crate) mod filesystem;
mod format;
mod network;
mod numeric;
mod string;
#[cfg(test)]
mod tests;
mod yaml;

use collection::*;
use conversion::*;
use crypto::*;
use encoding::*;
use equality::*;
use format::*;
use network::*;
pub(crate) use numeric::decimal_tidy;
use numeric::*;
use string::*;
use yaml::*;

/// Most elements one call may build, so hostile input cannot exhaust memory (docs/security.md).
pub(crate) const MAX_ITEMS: usize = 1_000_000;
/// Longest text one call may build, for the same reason.
pub(crate) const MAX_TEXT: usize = 16 << 20;
/// Most bytes of strings one call may copy into its result.
const MAX_COPIED: usize = 256 << 20;
/// Terraform's own limit on the values `range` generates.
const MAX_RANGE: usize = 1024;

/// Calls a pure built-in. `None`: not a function this module knows (the evaluator handles
/// file/templatefile/jsondecode/try/can itself, and treats others as unsupported).
/// `Some(Err(message))`: the call is an error in Terraform (wrong argument type, index out of
/// range...), message lowercase without final period.
pub fn call_pure(name: &str, args: &[Value], span: Span) -> Option<Result<Value, CallError>> {
    let c = Call { name, args, span };
    let result = match name {
        // strings
        "format" => format_fn(&c),
        "formatlist" => formatlist(&c),
        "join" => join(&c),
        "split" => split(&c),
        "lower" => map_text(&c, lower),
        "upper" => map_text(&c, upper),
        "title" => map_text(&c, title),
        "strrev" => map_text(&c, |s| graphemes(s).rev().collect()),
        "replace" => replace(&c),
        "regex" => regex_fn(&c, false),
        "regexall" => regex_fn(&c, true),
        "trimprefix" => trim_affix(&c, true),
        "trimsuffix" => trim_affix(&c, false),
        "trimspace" => trimspace(&c),
        "trim" => trim(&c),
        "chomp" => chomp(&c),
        "substr" => substr(&c),
        "indent" => indent(&c),
        "startswith" => starts_ends_with(&c, true),
        "endswith" => starts_ends_with(&c, false),
        "strcontains" => strcontains(&c),
        // collections
        "concat" => concat(&c),
        "merge" => merge(&c),
        "flatten" => flatten_fn(&c),
        "distinct" => distinct(&c),
        "compact" => compact(&c),
        "lookup" => lookup(&c),
        "element" => element(&c),
        "coalesce" => coalesce(&c),
        "coalescelist" => coalescelist(&c),
        "keys" => keys(&c),
        "values" => values(&c),
        "length" => length(&c),
        "contains" => contains(&c),
        "index" => index(&c),
        "zipmap" => zipmap(&c),
        "setunion" => set_op(&c, SetOp::Union),
        "setintersection" => set_op(&c, SetOp::Intersection),
        "setsubtract" => set_op(&c, SetOp::Subtract),
        "setproduct" => setproduct(&c),
        "range" => range(&c),
        "slice" => slice(&c),
        "reverse" => reverse(&c),
        "sort" => sort(&c),
        "one" => one(&c),
        "alltrue" => all_any(&c, true),
        "anytrue" => all_any(&c, false),
        "chunklist" => chunklist(&c),
        "transpose" => transpose(&c),
        "matchkeys" => matchkeys(&c),
        // conversion
        "toset" => toset(&c),
        "tolist" => tolist(&c),
        "tomap" => tomap(&c),
        "tostring" => tostring(&c),
        "tonumber" => tonumber(&c),
        "tobool" => tobool(&c),
        "sensitive" | "nonsensitive" => c.exactly::<1>().map(|[v]| v.clone()),
        // no value here is ephemeral but an ephemeral input variable's, which is not modelled
        "ephemeralasnull" => c.exactly::<1>().map(|[v]| v.clone()),
        "issensitive" => c.exactly::<1>().and_then(|_| {
            Err(Fail::Unknown(
                "`issensitive` is not evaluated: sensitivity is not tracked here".into(),
            ))
        }),
        "type" => error("`type` exists only in `terraform console`"),
        // numeric
        "max" => min_max(&c, true),
        "min" => min_max(&c, false),
        "sum" => sum(&c),
        "abs" => map_number(&c, f64::abs),
        "ceil" => map_number(&c, f64::ceil),
        "floor" => map_number(&c, f64::floor),
        "signum" => signum(&c),
        "pow" => pow(&c),
        "log" => log(&c),
        "parseint" => parseint(&c),
        // encoding and hashing
        "jsonencode" => jsonencode(&c),
        "base64encode" => map_text(&c, |s| base64_encode(s.as_bytes())),
        "base64decode" => base64decode(&c),
        "csvdecode" => csvdecode(&c),
        "urlencode" => map_text(&c, urlencode),
        "sha256" => map_text(&c, |s| hex(&Sha256::digest(s.as_bytes()))),
        "sha512" => map_text(&c, |s| hex(&Sha512::digest(s.as_bytes()))),
        "base64sha256" => map_text(&c, |s| base64_encode(&Sha256::digest(s.as_bytes()))),
        "base64sha512" => map_text(&c, |s| base64_encode(&Sha512::digest(s.as_bytes()))),
        "sha1" => map_text(&c, |s| hex(&sha1(s.as_bytes()))),
        "md5" => map_text(&c, |s| hex(&md5(s.as_bytes()))),
        "uuidv5" => uuidv5(&c),
        "textencodebase64" => textencodebase64(&c),
        "yamldecode" => yamldecode(&c, false),
        // Go's deflate writes other bytes than any compressor here would: no guess
        "base64gzip" => c.exactly::<1>().and_then(|[v]| {
            c.text(v)?;
            Err(Fail::Unknown(
                "`base64gzip` is not evaluated: its bytes are those of Terraform's own compressor"
                    .into(),
            ))
        }),
        "rsadecrypt" => c.exactly::<2>().and_then(|_| {
            Err(Fail::Unknown(
                "`rsadecrypt` is not evaluated: it needs a private key's secret".into(),
            ))
        }),
        "yamlencode" => yamlencode(&c),
        "textdecodebase64" => textdecodebase64(&c),
        // date and time
        "formatdate" => datetime::formatdate(&c),
        "timeadd" => datetime::timeadd(&c),
        "timecmp" => datetime::timecmp(&c),
        // removed from the language: old code still calls them
        "list" | "map" => error(format!(
            "`{name}` was removed in Terraform 0.12: write {}",
            if name == "list" {
                "a list as `[a, b]` (or convert with `tolist`)"
            } else {
                "a map as `{ k = v }` (or convert with `tomap`)"
            }
        )),
        "uuid" | "timestamp" | "plantimestamp" | "bcrypt" => Err(Fail::Unknown(
            format!("`{name}` differs on every run").into(),
        )),
        // network
        "cidrsubnet" => cidrsubnet(&c),
        "cidrhost" => cidrhost(&c),
        "cidrnetmask" => cidrnetmask(&c),
        "cidrsubnets" => cidrsubnets(&c),
        _ => return None,
    };
    Some(finish(result, span))
}

/// `yamldecode` of a value whose span is exactly its text in a file (a `file()` value): the
/// decoded nodes point at where they were written.
pub fn yamldecode_in_file(args: &[Value], span: Span) -> Result<Value, CallError> {
    let c = Call {
        name: "yamldecode",
        args,
        span,
    };
    finish(yamldecode(&c, true), span)
}

fn finish(result: R<Value>, span: Span) -> Result<Value, CallError> {
    match result {
        Ok(v) => Ok(v),
        Err(Fail::Error(message)) => Err(CallError::Terraform(message)),
        Err(Fail::Budget(message)) => Err(CallError::Budget(message)),
        Err(Fail::Unknown(reason)) => Ok(Value::unknown(reason, span)),
    }
}

/// Why a pure call gave no value.
#[derive(Debug, PartialEq)]
pub enum CallError {
    /// An error Terraform raises too (what `try` and `can` catch).
    Terraform(String),
    /// The result would pass a size limit: the scan reports it, since the value is lost.
    Budget(String),
}

/// Renders a known value as Terraform's `jsonencode` does: object keys sorted, `<`, `>`, `&`,
/// U+2028 and U+2029 escaped. A `jsonencode` result (`Kind::Json`) gives its own text, the
/// string Terraform holds, so `"${jsonencode(x)}"` interpolates as `json_text(x)`; nested deeper
/// it is a string like any other and is quoted. `None` when anything inside is symbolic or
/// unknown.
pub fn json_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::Json(inner) => encode(inner),
        _ => encode(v),
    }
}

/// `jsonencode(v)`'s text, where a nested `jsonencode` result is a string and so quoted.
fn encode(v: &Value) -> Option<String> {
    let mut out = String::new();
    write_json(v, &mut out)?;
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Call plumbing and argument conversion

/// Why a call produced no value: a Terraform error, or a result that cannot be known statically.
/// Helpers bail out with `?` either way; [`call_pure`] turns `Unknown` into an unknown value.
enum Fail {
    Error(String),
    /// A result over [`MAX_ITEMS`] or [`MAX_TEXT`].
    Budget(String),
    Unknown(Arc<str>),
}

type R<T> = Result<T, Fail>;

fn error<T>(message: impl Into<String>) -> R<T> {
    Err(Fail::Error(message.into()))
}

fn unknown_from(reason: &Arc<str>) -> Fail {
    Fail::Unknown(reason.clone())
}

struct Call<'a> {
    name: &'a str,
    args: &'a [Value],
    span: Span,
}

impl<'a> Call<'a> {
    fn exactly<const N: usize>(&self) -> R<&'a [Value; N]> {
        self.args.try_into().map_err(|_| {
            Fail::Error(format!(
                "`{}` expects {N} argument{}, got {}",
                self.name,
                if N == 1 { "" } else { "s" },
                self.args.len()
            ))
        })
    }

    fn between(&self, min: usize, max: usize) -> R<&'a [Value]> {
        let n = self.args.len();
        if n < min || n > max {
            return error(format!(
                "`{}` expects {min} to {max} arguments, got {n}",
                self.name
            ));
        }
        Ok(self.args)
    }

    fn at_least(&self, min: usize) -> R<&'a [Value]> {
        if self.args.len() < min {
            return error(format!(
                "`{}` expects at least {min} argument{}, got {}",
                self.name,
                if min == 1 { "" } else { "s" },
                self.args.len()
            ));
        }
        Ok(self.args)
    }

    /// The reason given when a symbolic string reaches a function that must read its text.
    fn after_apply(&self) -> Fail {
        Fail::Unknown(format!("`{}` of a value known only after apply", self.name).into())
    }

    fn value(&self, kind: Kind) -> Value {
        Value::new(kind, self.span)
    }

    fn string(&self, s: impl Into<String>) -> Value {
        Value::string(s, self.span)
    }

    fn number(&self, n: f64) -> R<Value> {
        if !n.is_finite() {
            return error("the result is not a finite number");
        }
        Ok(self.value(Kind::Number(n)))
    }

    fn list(&self, items: Vec<Value>) -> Value {
        self.value(Kind::List(items.into()))
    }

    /// A string argument's whole text; symbolic or unknown text makes the call unknown.
    fn text(&self, v: &Value) -> R<String> {
        match &v.kind {
            Kind::String(s) => Ok(s.clone()),
            Kind::Number(n) => Ok(format_number(*n)),
            Kind::Bool(b) => Ok(b.to_string()),
            Kind::Json(inner) => encode(inner).ok_or_else(|| self.after_apply()),
            Kind::Symbolic(_) => Err(self.after_apply()),
            Kind::Unknown(r) => Err(unknown_from(r)),
            Kind::Null => error("argument must not be null"),
            Kind::List(_) | Kind::Object(_) => {
                error(format!("string required, got {}", type_name(v)))
            }
        }
    }

    /// A string argument's parts, for functions that can build symbolic strings.
    fn parts(&self, v: &Value) -> R<Vec<Part>> {
        match &v.kind {
            Kind::Symbolic(parts) => Ok(parts.clone()),
            _ => self.text(v).map(|s| vec![Part::Lit(s)]),
        }
    }

    fn num(&self, v: &Value) -> R<f64> {
        match &v.kind {
            Kind::Number(n) => Ok(*n),
            Kind::String(s) => parse_number(s).ok_or_else(|| not_a_number(s)),
            Kind::Json(inner) => {
                let s = encode(inner).ok_or_else(|| self.after_apply())?;
                parse_number(&s).ok_or_else(|| not_a_number(&s))
            }
            Kind::Symbolic(_) => Err(self.after_apply()),
            Kind::Unknown(r) => Err(unknown_from(r)),
            Kind::Null => error("argument must not be null"),
            Kind::Bool(_) | Kind::List(_) | Kind::Object(_) => {
                error(format!("number required, got {}", type_name(v)))
            }
        }
    }

    /// A whole-number argument; `what` names it in the message, as Terraform does.
    fn int(&self, v: &Value, what: &str) -> R<i64> {
        whole(self.num(v)?).ok_or_else(|| {
            Fail::Error(format!(
                "invalid {what}: value must be a whole number, between {} and {}",
                i64::MIN,
                i64::MAX
            ))
        })
    }

    fn boolean(&self, v: &Value) -> R<bool> {
        match &v.kind {
            Kind::Bool(b) => Ok(*b),
            Kind::String(s) => parse_bool(s),
            Kind::Json(inner) => parse_bool(&encode(inner).ok_or_else(|| self.after_apply())?),
            Kind::Symbolic(_) => Err(self.after_apply()),
            Kind::Unknown(r) => Err(unknown_from(r)),
            Kind::Null => error("argument must not be null"),
            _ => error(format!("cannot convert {} to bool", type_name(v))),
        }
    }

    fn items(&self, v: &'a Value) -> R<&'a [Value]> {
        match &v.kind {
            Kind::List(items) => Ok(items),
            Kind::Unknown(r) => Err(unknown_from(r)),
            Kind::Null => error("argument must not be null"),
            _ => error(format!(
                "a list, set or tuple is required, got {}",
                type_name(v)
            )),
        }
    }

    fn entries(&self, v: &'a Value) -> R<&'a [Entry]> {
        match &v.kind {
            Kind::Object(entries) => Ok(entries),
            Kind::Unknown(r) => Err(unknown_from(r)),
            Kind::Null => error("argument must not be null"),
            _ => error(format!("a map or object is required, got {}", type_name(v))),
        }
    }
}

/// The type name Terraform would print for a value, near enough for messages.
fn type_name(v: &Value) -> &'static str {
    match &v.kind {
        Kind::Null => "null",
        Kind::Bool(_) => "bool",
        Kind::Number(_) => "number",
        Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_) => "string",
        Kind::List(_) => "tuple",
        Kind::Object(_) => "object",
        Kind::Unknown(_) => "unknown value",
    }
}

fn not_a_number(s: &str) -> Fail {
    Fail::Error(format!(
        "cannot convert {s:?} to number; given string must be a decimal representation of a number"
    ))
}

/// Terraform accepts only decimal notation (`12`, `-1.5`, `1e3`): no spaces, hex or infinity.
fn parse_number(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    let n: f64 = if ok { s.parse().ok()? } else { return None };
    n.is_finite().then_some(n)
}

fn parse_bool(s: &str) -> R<bool> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => error(format!(
            "cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed"
        )),
    }
}

/// An integral f64 within i64's range.
fn whole(n: f64) -> Option<i64> {
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n);
    (n.fract() == 0.0 && in_range).then_some(n as i64)
}

fn check_items(n: usize) -> R<()> {
    if n > MAX_ITEMS {
        return Err(Fail::Budget(format!(
            "the result would have {n} elements, more than the {MAX_ITEMS} allowed"
        )));
    }
    Ok(())
}

/// Bytes a string value takes (a copy of a value copies its string).
fn text_bytes(v: &Value) -> usize {
    match &v.kind {
        Kind::String(s) => s.len(),
        _ => 0,
    }
}

/// Most bytes of strings one call may copy: a list of lists of one large string would otherwise
/// multiply it before any result is seen.
fn check_copied(n: usize) -> R<()> {
    if n > MAX_COPIED {
        return Err(Fail::Budget(format!(
            "the result would copy {n} bytes of strings, more than the {} MiB allowed",
            MAX_COPIED >> 20
        )));
    }
    Ok(())
}

fn check_text(n: usize) -> R<()> {
    if n > MAX_TEXT {
        return Err(Fail::Budget(format!(
            "the result would be a string of {n} bytes, longer than the {} MiB allowed",
            MAX_TEXT >> 20
        )));
    }
    Ok(())
}
