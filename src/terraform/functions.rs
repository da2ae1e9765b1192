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

mod datetime;
pub(crate) mod fileset;
mod text_encoding;

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
        "textencodebase64" => text_encoding::textencodebase64(&c),
        "textdecodebase64" => text_encoding::textdecodebase64(&c),
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
    Some(match result {
        Ok(v) => Ok(v),
        Err(Fail::Error(message)) => Err(CallError::Terraform(message)),
        Err(Fail::Budget(message)) => Err(CallError::Budget(message)),
        Err(Fail::Unknown(reason)) => Ok(Value::unknown(reason, span)),
    })
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

// ---------------------------------------------------------------------------------------------
// Equality, type unification and set order

/// Structural equality as Terraform compares values; `None` when something unknown inside
/// makes it undecidable. Symbolic strings compare by their parts.
fn same(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null, Kind::Null) => Some(true),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        (Kind::Symbolic(x), Kind::Symbolic(y)) => Some(x == y),
        (Kind::Json(x), Kind::Json(y)) => same(x, y),
        (Kind::Json(j), Kind::String(s)) | (Kind::String(s), Kind::Json(j)) => {
            encode(j).map(|t| &t == s)
        }
        (Kind::List(x), Kind::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_same(x.iter().zip(y.iter()).map(|(a, b)| same(a, b)))
        }
        (Kind::Object(x), Kind::Object(y)) => {
            let (x, y) = (sorted_entries(x), sorted_entries(y));
            if x.len() != y.len() || x.iter().zip(&y).any(|(a, b)| a.key != b.key) {
                return Some(false);
            }
            all_same(x.iter().zip(&y).map(|(a, b)| same(&a.value, &b.value)))
        }
        _ => Some(false),
    }
}

/// Combines element comparisons: one definite difference decides, else any doubt remains.
fn all_same(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut doubt = false;
    for r in results {
        match r {
            Some(false) => return Some(false),
            None => doubt = true,
            Some(true) => {}
        }
    }
    if doubt {
        None
    } else {
        Some(true)
    }
}

/// Entries by key, last duplicate winning, as Terraform orders objects and maps.
fn sorted_entries(entries: &[Entry]) -> Vec<&Entry> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    // Stable: duplicates stay in source order, so the last one written is kept.
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut out: Vec<&Entry> = Vec::with_capacity(sorted.len());
    for e in sorted {
        if out.last().is_some_and(|last| last.key == e.key) {
            out.pop();
        }
        out.push(e);
    }
    out
}

/// Builds an object in first-seen key order where a later entry replaces an earlier one.
#[derive(Default)]
struct ObjectBuilder {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl ObjectBuilder {
    fn set(&mut self, entry: Entry) {
        match self
            .index
            .get(&entry.key)
            .and_then(|&i| self.entries.get_mut(i))
        {
            Some(slot) => *slot = entry,
            None => {
                self.index.insert(entry.key.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        let i = *self.index.get(key)?;
        self.entries.get_mut(i)
    }
}

/// Converts a tuple's primitive elements to one type, as Terraform does when a list or set
/// is expected: numbers and bools become strings next to strings; numbers next to bools
/// cannot be unified. Collections are left as they are.
fn unify(items: &[Value]) -> R<Vec<Value>> {
    let (mut strings, mut numbers, mut bools, mut collections) = (false, false, false, false);
    for v in items {
        match v.kind {
            Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_) => strings = true,
            Kind::Number(_) => numbers = true,
            Kind::Bool(_) => bools = true,
            Kind::List(_) | Kind::Object(_) => collections = true,
            Kind::Null | Kind::Unknown(_) => {}
        }
    }
    let primitives = strings || numbers || bools;
    if (collections && primitives) || (numbers && bools && !strings) {
        return error("all elements must have the same type");
    }
    if !strings || !(numbers || bools) {
        return Ok(items.to_vec());
    }
    Ok(items
        .iter()
        .map(|v| match &v.kind {
            Kind::Number(_) | Kind::Bool(_) => {
                Value::string(v.to_plain_string().unwrap_or_default(), v.span)
            }
            _ => v.clone(),
        })
        .collect())
}

/// A key equal for exactly the values [`same`] finds equal, for fully known values: their
/// JSON text, which tells `"1"` from `1` and sorts object keys. Values with symbolic or
/// unknown parts have none; such a value is never definitely equal to one that has a key.
fn equality_key(v: &Value) -> Option<String> {
    encode(v)
}

/// Drops later elements equal to an earlier one; elements whose equality is undecidable stay.
fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut unkeyed: Vec<usize> = Vec::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        match equality_key(&v) {
            Some(key) => {
                if seen.insert(key) {
                    out.push(v);
                }
            }
            None => {
                let dup = unkeyed
                    .iter()
                    .any(|&i| out.get(i).is_some_and(|o| same(o, &v) == Some(true)));
                if !dup {
                    unkeyed.push(out.len());
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Set membership in near-constant time for known values.
struct Membership<'a> {
    keys: HashSet<String>,
    unkeyed: Vec<&'a Value>,
    all: &'a [Value],
}

impl<'a> Membership<'a> {
    fn new(set: &'a [Value]) -> Membership<'a> {
        let mut keys = HashSet::new();
        let mut unkeyed = Vec::new();
        for v in set {
            match equality_key(v) {
                Some(k) => {
                    keys.insert(k);
                }
                None => unkeyed.push(v),
            }
        }
        Membership {
            keys,
            unkeyed,
            all: set,
        }
    }

    /// Whether `v` is in the set; `None` when undecidable.
    fn contains(&self, v: &Value) -> Option<bool> {
        let Some(key) = equality_key(v) else {
            return all_member(v, self.all);
        };
        if self.keys.contains(&key) {
            return Some(true);
        }
        all_member(v, self.unkeyed.iter().copied())
    }
}

/// Terraform's set order: bools false first, numbers ascending, strings lexically; values it
/// cannot order statically follow in their given order, nulls last.
fn set_order(items: &mut [Value]) {
    fn rank(v: &Value) -> u8 {
        match v.kind {
            Kind::Bool(_) => 0,
            Kind::Number(_) => 1,
            Kind::String(_) => 2,
            Kind::Null => 4,
            _ => 3,
        }
    }
    items.sort_by(|a, b| match (&a.kind, &b.kind) {
        (Kind::Bool(x), Kind::Bool(y)) => x.cmp(y),
        (Kind::Number(x), Kind::Number(y)) => x.total_cmp(y),
        (Kind::String(x), Kind::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    });
}

/// A set built from list items: unified, deduplicated and ordered.
fn to_set(items: &[Value]) -> R<Vec<Value>> {
    let mut out = dedupe(unify(items)?);
    set_order(&mut out);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Strings

/// Applies a text transformation to the single string argument.
fn map_text(c: &Call, f: impl Fn(&str) -> String) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let s = c.text(v)?;
    Ok(c.string(f(&s)))
}

fn format_fn(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let fmt = c.text(&args[0])?;
    let rest: Vec<&Value> = args[1..].iter().collect();
    Ok(string_from_parts(format_parts(c, &fmt, &rest)?, c.span))
}

/// `formatlist`: list arguments are iterated together, other arguments repeat on every row.
fn formatlist(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let fmt = c.text(&args[0])?;
    let rest = &args[1..];
    let mut rows: Option<(usize, usize)> = None;
    for (i, a) in rest.iter().enumerate() {
        match &a.kind {
            Kind::List(items) => match rows {
                None => rows = Some((items.len(), i)),
                Some((n, j)) if n != items.len() => {
                    return error(format!(
                        "argument {} has length {}, which is inconsistent with argument {} of length {n}",
                        i + 1,
                        items.len(),
                        j + 1
                    ))
                }
                Some(_) => {}
            },
            Kind::Unknown(r) => return Err(unknown_from(r)),
            _ => {}
        }
    }
    let n = rows.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(n);
    let mut size = 0usize;
    for row in 0..n {
        let mut row_args = Vec::with_capacity(rest.len());
        for a in rest {
            let v = match &a.kind {
                Kind::List(items) => match items.get(row) {
                    Some(v) => v,
                    None => return error("list arguments changed length"),
                },
                _ => a,
            };
            row_args.push(v);
        }
        match format_parts(c, &fmt, &row_args) {
            Ok(parts) => {
                size = size.saturating_add(parts.iter().map(part_len).sum());
                check_text(size)?;
                out.push(string_from_parts(parts, c.span));
            }
            Err(Fail::Unknown(r)) => out.push(Value::unknown(r, c.span)),
            Err(Fail::Error(m)) => return error(format!("error on format iteration {row}: {m}")),
            Err(budget @ Fail::Budget(_)) => return Err(budget),
        }
    }
    Ok(c.list(out))
}

/// One `%` directive of a format string.
#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
    verb: char,
}

/// Widths and precisions beyond this are refused rather than allocated.
const MAX_WIDTH: usize = 1_000_000;

/// Formats like Terraform's `format` (Go's fmt verbs over cty values); symbolic `%s`
/// arguments stay symbolic parts.
fn format_parts(c: &Call, fmt: &str, args: &[&Value]) -> R<Vec<Part>> {
    let bytes = fmt.as_bytes();
    let mut out: Vec<Part> = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    let mut next = 0usize;
    let mut used = 0usize;
    let mut size = 0usize;
    while i < fmt.len() {
        let Some(rel) = fmt[i..].find('%') else {
            lit.push_str(&fmt[i..]);
            break;
        };
        lit.push_str(&fmt[i..i + rel]);
        let start = i + rel;
        let mut j = start + 1;
        if bytes.get(j) == Some(&b'%') {
            lit.push('%');
            i = j + 1;
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&b) = bytes.get(j) {
            match b {
                b'-' => spec.minus = true,
                b'+' => spec.plus = true,
                b'#' => spec.sharp = true,
                b' ' => spec.space = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            j += 1;
        }
        if bytes.get(j) == Some(&b'[') {
            let (n, end) = digits(fmt, j + 1);
            match (n, bytes.get(end)) {
                (Some(n), Some(b']')) if n > 0 => {
                    next = n - 1;
                    j = end + 1;
                }
                _ => {
                    let at = if n == Some(0) { j + 1 } else { end };
                    return error(format!(
                        "unrecognized format character {:?} at offset {at}",
                        fmt[at..].chars().next().unwrap_or(' ')
                    ));
                }
            }
        }
        let (width, end) = digits(fmt, j);
        spec.width = width;
        j = end;
        if bytes.get(j) == Some(&b'.') {
            let (prec, end) = digits(fmt, j + 1);
            spec.prec = Some(prec.unwrap_or(0));
            j = end;
        }
        if spec.width.unwrap_or(0) > MAX_WIDTH || spec.prec.unwrap_or(0) > MAX_WIDTH {
            return error(format!(
                "width or precision at offset {start} is larger than {MAX_WIDTH}"
            ));
        }
        let Some(verb) = fmt[j..].chars().next() else {
            return error(format!("invalid format string starting at offset {j}"));
        };
        let spec_text = &fmt[start..j + verb.len_utf8()];
        if !"vtbdoxXeEfgGsq".contains(verb) {
            return error(format!(
                "unsupported format verb {verb:?} in {spec_text:?} at offset {start}"
            ));
        }
        spec.verb = verb;
        let Some(arg) = args.get(next) else {
            return error(format!(
                "not enough arguments for {spec_text:?} at {start}: need index {} but have {} total",
                next + 1,
                args.len()
            ));
        };
        next += 1;
        used = used.max(next);
        let formatted = format_one(c, &spec, arg).map_err(|f| match f {
            Fail::Error(m) => Fail::Error(format!(
                "unsupported value for {spec_text:?} at {start}: {m}"
            )),
            unknown => unknown,
        })?;
        out.push(Part::Lit(std::mem::take(&mut lit)));
        size = size
            .saturating_add(start - i)
            .saturating_add(formatted.iter().map(part_len).sum());
        check_text(size)?;
        out.extend(formatted);
        i = j + verb.len_utf8();
    }
    if used < args.len() {
        return error(format!(
            "too many arguments; only {used} used by format string"
        ));
    }
    out.push(Part::Lit(lit));
    Ok(normalize_parts(out))
}

/// Decimal digits starting at byte `i`: the number (saturating) and where the digits end.
fn digits(s: &str, i: usize) -> (Option<usize>, usize) {
    let mut end = i;
    let mut n: Option<usize> = None;
    while let Some(b) = s.as_bytes().get(end).filter(|b| b.is_ascii_digit()) {
        n = Some(
            n.unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(usize::from(b - b'0')),
        );
        end += 1;
    }
    (n, end)
}

fn format_one(c: &Call, spec: &Spec, arg: &Value) -> R<Vec<Part>> {
    if let Kind::Unknown(r) = &arg.kind {
        return Err(unknown_from(r));
    }
    if arg.is_null() && spec.verb != 'v' {
        return error("null value cannot be formatted");
    }
    let text = match spec.verb {
        'v' if spec.sharp => encode(arg).ok_or_else(|| c.after_apply())?,
        'v' => match &arg.kind {
            Kind::Null => "null".to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Number(n) => format_g(*n, None, false),
            Kind::List(_) | Kind::Object(_) => encode(arg).ok_or_else(|| c.after_apply())?,
            _ => {
                let plain = Spec {
                    prec: None,
                    ..Spec { verb: 's', ..*spec }
                };
                return format_string(c, &plain, arg);
            }
        },
        's' => return format_string(c, spec, arg),
        'q' => {
            let s = format_text(c, arg)?;
            let mut quoted = String::new();
            json_quote(&s, &mut quoted);
            quoted
        }
        // Terraform prints bools without padding.
        't' => return Ok(vec![Part::Lit(format_bool(c, arg)?.to_string())]),
        'd' | 'b' | 'o' | 'x' | 'X' => format_int(spec, format_num(c, arg)?)?,
        _ => format_float(spec, format_num(c, arg)?),
    };
    Ok(vec![Part::Lit(pad(text, spec))])
}

/// `%s`: known text is padded and truncated; symbolic text stays symbolic when unpadded.
fn format_string(c: &Call, spec: &Spec, arg: &Value) -> R<Vec<Part>> {
    if let Kind::Symbolic(parts) = &arg.kind {
        if spec.width.is_some() || spec.prec.is_some() {
            return Err(c.after_apply());
        }
        return Ok(parts.clone());
    }
    let mut s = format_text(c, arg)?;
    if let Some(p) = spec.prec {
        if let Some((i, _)) = s.char_indices().nth(p) {
            s.truncate(i);
        }
    }
    Ok(vec![Part::Lit(pad(s, spec))])
}

fn format_text(c: &Call, arg: &Value) -> R<String> {
    match &arg.kind {
        Kind::List(_) | Kind::Object(_) => error("string required"),
        _ => c.text(arg),
    }
}

fn format_num(c: &Call, arg: &Value) -> R<f64> {
    match &arg.kind {
        Kind::String(s) => {
            parse_number(s).ok_or_else(|| Fail::Error("a number is required".into()))
        }
        Kind::Bool(_) | Kind::List(_) | Kind::Object(_) => error("number required"),
        _ => c.num(arg),
    }
}

fn format_bool(c: &Call, arg: &Value) -> R<bool> {
    match &arg.kind {
        Kind::String(s) => parse_bool(s).map_err(|_| Fail::Error("a bool is required".into())),
        Kind::Number(_) | Kind::List(_) | Kind::Object(_) => error("bool required"),
        _ => c.boolean(arg),
    }
}

/// Pads to the width, counting characters as Go does.
fn pad(s: String, spec: &Spec) -> String {
    let len = s.chars().count();
    let Some(fill) = spec
        .width
        .and_then(|w| w.checked_sub(len))
        .filter(|f| *f > 0)
    else {
        return s;
    };
    if spec.minus {
        s + &" ".repeat(fill)
    } else if spec.zero {
        "0".repeat(fill) + &s
    } else {
        " ".repeat(fill) + &s
    }
}

/// Pads a number: zero padding goes between the sign (and radix prefix) and the digits.
fn pad_number(prefix: &str, body: &str, spec: &Spec, zero: bool) -> String {
    let len = prefix.chars().count() + body.chars().count();
    match spec.width.and_then(|w| w.checked_sub(len)) {
        Some(fill) if fill > 0 && zero && !spec.minus => {
            format!("{prefix}{}{body}", "0".repeat(fill))
        }
        _ => pad(format!("{prefix}{body}"), spec),
    }
}

fn sign(negative: bool, spec: &Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_int(spec: &Spec, n: f64) -> R<String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return error("an integer is required");
    }
    let magnitude = n.abs();
    let mut body = if magnitude < 1.7e38 {
        let v = magnitude as u128;
        match spec.verb {
            'b' => format!("{v:b}"),
            'o' => format!("{v:o}"),
            'x' => format!("{v:x}"),
            'X' => format!("{v:X}"),
            _ => v.to_string(),
        }
    } else if spec.verb == 'd' {
        format!("{magnitude:.0}")
    } else {
        return error("the integer is too large to format");
    };
    if let Some(p) = spec.prec {
        if body.len() < p {
            body = "0".repeat(p - body.len()) + &body;
        }
    }
    let radix = match (spec.sharp, spec.verb) {
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        (true, 'b') => "0b",
        (true, 'o') if !body.starts_with('0') => "0",
        _ => "",
    };
    let prefix = format!("{}{radix}", sign(n < 0.0, spec));
    Ok(pad_number(
        &prefix,
        &body,
        spec,
        spec.zero && spec.prec.is_none(),
    ))
}

fn format_float(spec: &Spec, n: f64) -> String {
    let body = match spec.verb {
        'e' | 'E' => format_e(n.abs(), spec.prec.unwrap_or(6), spec.verb == 'E'),
        'g' | 'G' => format_g(n.abs(), spec.prec, spec.verb == 'G'),
        _ => format!("{:.*}", spec.prec.unwrap_or(6), n.abs()),
    };
    pad_number(sign(n.is_sign_negative(), spec), &body, spec, spec.zero)
}

/// Significant decimal digits of |n| without trailing zeros, and the exponent of the first;
/// shortest round-trip digits, or rounded to `sig` digits.
fn decimal_digits(n: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    let s = match sig {
        Some(p) => format!("{:.*e}", p.max(1) - 1, n.abs()),
        None => format!("{:e}", n.abs()),
    };
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp.parse().unwrap_or(0))
}

/// Go's `%e`: one digit, `prec` decimals, and an exponent of at least two digits.
fn format_e(n: f64, prec: usize, upper: bool) -> String {
    let (digits, exp) = decimal_digits(n, Some(prec + 1));
    e_notation(&digits, exp, prec, upper)
}

fn e_notation(digits: &[u8], exp: i32, prec: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(char::from(*digits.first().unwrap_or(&b'0')));
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(char::from(*digits.get(i).unwrap_or(&b'0')));
        }
    }
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(s, "{:02}", exp.unsigned_abs());
    s
}

/// Go's `%g`: exponent notation for large or small exponents, without trailing zeros.
fn format_g(n: f64, prec: Option<usize>, upper: bool) -> String {
    let (digits, exp) = decimal_digits(n, prec);
    let nd = digits.len() as i64;
    let dp = i64::from(exp) + 1;
    let mut p = prec.map_or(nd, |p| p.max(1) as i64);
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if prec.is_none() {
        eprec = 6;
    }
    let x = dp - 1;
    if x < -4 || x >= eprec {
        p = p.min(nd);
        let s = e_notation(&digits, exp, (p - 1).max(0) as usize, upper);
        return if n.is_sign_negative() {
            format!("-{s}")
        } else {
            s
        };
    }
    if p > dp {
        p = nd;
    }
    let decimals = (p - dp).max(0) as usize;
    let mut s = String::new();
    if dp > 0 {
        for i in 0..dp {
            s.push(char::from(*digits.get(i as usize).unwrap_or(&b'0')));
        }
    } else {
        s.push('0');
    }
    if decimals > 0 {
        s.push('.');
        for i in 0..decimals as i64 {
            let at = dp + i;
            let d = if at < 0 {
                b'0'
            } else {
                *digits.get(at as usize).unwrap_or(&b'0')
            };
            s.push(char::from(d));
        }
    }
    if n.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

fn join(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    if args.len() < 2 {
        return error("at least one list is required");
    }
    let sep = c.parts(&args[0])?;
    let sep_len: usize = sep.iter().map(part_len).sum();
    let mut parts = Vec::new();
    let (mut index, mut size) = (0usize, 0usize);
    for list in &args[1..] {
        for item in c.items(list)? {
            if index > 0 {
                parts.extend(sep.iter().cloned());
                size += sep_len;
            }
            match &item.kind {
                Kind::Null => {
                    return error(format!(
                        "element {index} is null; cannot concatenate null values"
                    ))
                }
                Kind::List(_) | Kind::Object(_) => {
                    return error(format!("element {index}: string required"))
                }
                _ => {
                    let p = c.parts(item)?;
                    size += p.iter().map(part_len).sum::<usize>();
                    parts.extend(p);
                }
            }
            check_text(size)?;
            index += 1;
        }
    }
    Ok(string_from_parts(parts, c.span))
}

fn part_len(p: &Part) -> usize {
    match p {
        Part::Lit(s) => s.len(),
        Part::Ref(_) => 1,
    }
}

fn split(c: &Call) -> R<Value> {
    let [sep, s] = c.exactly::<2>()?;
    let (sep, s) = (c.text(sep)?, c.text(s)?);
    let pieces = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep.as_str()).count() + 1
    };
    check_items(pieces)?;
    let items: Vec<Value> = if sep.is_empty() {
        s.chars().map(|ch| c.string(ch)).collect()
    } else {
        s.split(sep.as_str()).map(|p| c.string(p)).collect()
    };
    Ok(c.list(items))
}

/// Go's `strings.ToLower`: simple one-to-one case mapping, no final-sigma rule.
fn lower(s: &str) -> String {
    s.chars()
        .map(|ch| {
            if ch == '\u{130}' {
                return 'i';
            }
            let mut m = ch.to_lowercase();
            match (m.next(), m.next()) {
                (Some(l), None) => l,
                _ => ch,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`: simple one-to-one case mapping (`ß` stays `ß`).
fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

fn upper_char(ch: char) -> char {
    let mut m = ch.to_uppercase();
    match (m.next(), m.next()) {
        (Some(u), None) => u,
        _ => ch,
    }
}

/// Go's `strings.Title`: the first letter of each word to title case.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_separator = true;
    for ch in s.chars() {
        if prev_separator {
            out.push(title_char(ch));
        } else {
            out.push(ch);
        }
        prev_separator = is_word_separator(ch);
    }
    out
}

fn title_char(ch: char) -> char {
    match ch {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => upper_char(ch),
    }
}

fn is_word_separator(ch: char) -> bool {
    if ch.is_ascii() {
        return !(ch.is_ascii_alphanumeric() || ch == '_');
    }
    if ch.is_alphanumeric() {
        return false;
    }
    ch.is_whitespace()
}

/// `replace`: plain substrings, or a regular expression when the search is `/wrapped/`. Go's
/// replacement syntax (`$1`, `${name}`, `$$`) is also the `regex` crate's.
fn replace(c: &Call) -> R<Value> {
    let [s, search, with] = c.exactly::<3>()?;
    let (s, search, with) = (c.text(s)?, c.text(search)?, c.text(with)?);
    let pattern = search
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .filter(|_| search.len() >= 2);
    let out = match pattern {
        Some(p) => {
            let re = compile(p)?;
            let count = re.find_iter(&s).count();
            let expansions = with.matches('$').count();
            check_text(
                s.len()
                    .saturating_add(count.saturating_mul(with.len()))
                    .saturating_add(expansions.saturating_mul(s.len())),
            )?;
            re.replace_all(&s, with.as_str()).into_owned()
        }
        None => {
            let count = if search.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(search.as_str()).count()
            };
            check_text(s.len().saturating_add(count.saturating_mul(with.len())))?;
            s.replace(search.as_str(), &with)
        }
    };
    Ok(c.string(out))
}

/// Compiles a pattern with bounded size; Terraform's RE2 syntax is nearly the `regex` crate's.
fn compile(pattern: &str) -> R<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(8 << 20)
        .build()
        .map_err(|e| {
            let message = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Fail::Error(format!("invalid regexp pattern: {message}"))
        })
}

/// `regex` (first match) and `regexall` (every match): the whole match without capture
/// groups, a list of groups when unnamed, an object of groups when named.
fn regex_fn(c: &Call, all: bool) -> R<Value> {
    let [pattern, s] = c.exactly::<2>()?;
    let (pattern, s) = (c.text(pattern)?, c.text(s)?);
    let re = compile(&pattern)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    if named > 0 && named < names.len() {
        return error("invalid regexp pattern: cannot mix both named and unnamed capture groups");
    }
    let shape = |caps: regex::Captures| -> Value {
        let group = |i: usize| match caps.get(i) {
            Some(m) => c.string(m.as_str()),
            None => c.value(Kind::Null),
        };
        if names.is_empty() {
            return group(0);
        }
        if named == 0 {
            return c.list((1..=names.len()).map(group).collect());
        }
        let mut entries: Vec<Entry> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                n.map(|key| Entry {
                    key: key.to_string(),
                    key_span: c.span,
                    value: group(i + 1),
                })
            })
            .collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        c.value(Kind::Object(entries.into()))
    };
    if all {
        let mut out = Vec::new();
        for caps in re.captures_iter(&s) {
            check_items(out.len() + 1)?;
            out.push(shape(caps));
        }
        return Ok(c.list(out));
    }
    match re.captures(&s) {
        Some(caps) => Ok(shape(caps)),
        None => error("pattern did not match any part of the given string"),
    }
}

/// `trimprefix`/`trimsuffix`, which keep a symbolic string symbolic when its literal edge
/// decides whether the affix is there.
fn trim_affix(c: &Call, prefix: bool) -> R<Value> {
    let [v, affix] = c.exactly::<2>()?;
    let affix = c.text(affix)?;
    let mut parts = normalize_parts(c.parts(v)?);
    let whole = parts.len() <= 1;
    if affix.is_empty() || parts.is_empty() {
        return Ok(string_from_parts(parts, c.span));
    }
    let edge = if prefix {
        parts.first_mut()
    } else {
        parts.last_mut()
    };
    let Some(Part::Lit(lit)) = edge else {
        return Err(c.after_apply());
    };
    let rest = if prefix {
        lit.strip_prefix(affix.as_str())
    } else {
        lit.strip_suffix(affix.as_str())
    };
    match rest.map(str::to_string) {
        Some(rest) => *lit = rest,
        None => {
            // A literal edge that is itself part of the affix: the reference beside it decides.
            let could = if prefix {
                affix.starts_with(lit.as_str())
            } else {
                affix.ends_with(lit.as_str())
            };
            if could && !whole {
                return Err(c.after_apply());
            }
        }
    }
    Ok(string_from_parts(parts, c.span))
}

/// Trims the edges of a possibly symbolic string. An edge next to a reference is known only
/// when some literal text survives between the trim and the reference.
fn trim_edges(
    c: &Call,
    v: &Value,
    left: Option<&dyn Fn(&str) -> &str>,
    right: Option<&dyn Fn(&str) -> &str>,
) -> R<Value> {
    let mut parts = normalize_parts(c.parts(v)?);
    if let [Part::Lit(s)] = parts.as_slice() {
        let mut t = s.as_str();
        if let Some(f) = left {
            t = f(t);
        }
        if let Some(f) = right {
            t = f(t);
        }
        return Ok(c.string(t));
    }
    let many = parts.len() > 1;
    if let Some(f) = left {
        match parts.first_mut() {
            Some(Part::Lit(s)) => {
                let t = f(s).to_string();
                if t.is_empty() && many {
                    return Err(c.after_apply());
                }
                *s = t;
            }
            Some(Part::Ref(_)) => return Err(c.after_apply()),
            None => {}
        }
    }
    if let Some(f) = right {
        match parts.last_mut() {
            Some(Part::Lit(s)) => {
                let t = f(s).to_string();
                if t.is_empty() && many {
                    return Err(c.after_apply());
                }
                *s = t;
            }
            Some(Part::Ref(_)) => return Err(c.after_apply()),
            None => {}
        }
    }
    Ok(string_from_parts(parts, c.span))
}

fn trimspace(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    trim_edges(c, v, Some(&str::trim_start), Some(&str::trim_end))
}

fn chomp(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    trim_edges(
        c,
        v,
        None,
        Some(&|s: &str| s.trim_end_matches(['\r', '\n'])),
    )
}

fn trim(c: &Call) -> R<Value> {
    let [v, cutset] = c.exactly::<2>()?;
    let cutset: Vec<char> = c.text(cutset)?.chars().collect();
    let cut = cutset.as_slice();
    trim_edges(
        c,
        v,
        Some(&|s: &str| s.trim_start_matches(cut)),
        Some(&|s: &str| s.trim_end_matches(cut)),
    )
}

/// `substr` counts user-perceived characters; a negative offset counts from the end and a
/// negative length means "to the end".
fn substr(c: &Call) -> R<Value> {
    let [s, offset, length] = c.exactly::<3>()?;
    let s = c.text(s)?;
    let offset = c.int(offset, "offset")?;
    let length = c.int(length, "length")?;
    let clusters: Vec<&str> = graphemes(&s).collect();
    let total = clusters.len() as i64;
    let mut start = offset;
    if start < 0 {
        start = (total + start).max(0);
    }
    if start >= total {
        return Ok(c.string(""));
    }
    let end = if length < 0 {
        total
    } else {
        start.saturating_add(length).min(total)
    };
    let picked = clusters
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .concat();
    Ok(c.string(picked))
}

fn indent(c: &Call) -> R<Value> {
    let [n, s] = c.exactly::<2>()?;
    let n = c.int(n, "spaces")?;
    let s = c.text(s)?;
    let n = usize::try_from(n).map_err(|_| Fail::Error("spaces must not be negative".into()))?;
    let lines = s.matches('\n').count();
    if lines == 0 {
        return Ok(c.string(s));
    }
    check_text(s.len().saturating_add(lines.saturating_mul(n)))?;
    Ok(c.string(s.replace('\n', &format!("\n{}", " ".repeat(n)))))
}

/// `startswith`/`endswith`: decided by the literal edge of a symbolic string when it can be.
fn starts_ends_with(c: &Call, start: bool) -> R<Value> {
    let [v, affix] = c.exactly::<2>()?;
    let affix = c.text(affix)?;
    let parts = normalize_parts(c.parts(v)?);
    let whole = parts.len() <= 1;
    let edge = if start { parts.first() } else { parts.last() };
    let result = match edge {
        None => affix.is_empty(),
        Some(Part::Lit(lit)) => {
            let (has, could) = if start {
                (lit.starts_with(&affix), affix.starts_with(lit.as_str()))
            } else {
                (lit.ends_with(&affix), affix.ends_with(lit.as_str()))
            };
            if !has && could && !whole {
                return Err(c.after_apply());
            }
            has
        }
        Some(Part::Ref(_)) if affix.is_empty() => true,
        Some(Part::Ref(_)) => return Err(c.after_apply()),
    };
    Ok(c.value(Kind::Bool(result)))
}

/// `strcontains`: true when a literal part contains the text, unknown when only a reference
/// might.
fn strcontains(c: &Call) -> R<Value> {
    let [v, sub] = c.exactly::<2>()?;
    let sub = c.text(sub)?;
    let parts = normalize_parts(c.parts(v)?);
    let found = parts
        .iter()
        .any(|p| matches!(p, Part::Lit(l) if l.contains(&sub)));
    if !found && parts.iter().any(|p| matches!(p, Part::Ref(_))) {
        return Err(c.after_apply());
    }
    Ok(c.value(Kind::Bool(found || sub.is_empty())))
}

/// Grapheme clusters, as Terraform counts characters, approximated without Unicode's full
/// tables: a character with its combining marks, joiners and modifiers; `\r\n`; flag pairs.
fn graphemes(s: &str) -> Box<dyn DoubleEndedIterator<Item = &str> + '_> {
    if s.is_ascii() && !s.contains('\r') {
        return Box::new((0..s.len()).filter_map(move |i| s.get(i..i + 1)));
    }
    static CLUSTER: OnceLock<Option<Regex>> = OnceLock::new();
    let re = CLUSTER.get_or_init(|| {
        Regex::new(
            r"(?s)\r\n|[\x{1F1E6}-\x{1F1FF}]{2}|.(?:[\p{M}\x{200C}\x{FE00}-\x{FE0F}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}]|\x{200D}.)*",
        )
        .ok()
    });
    match re {
        Some(re) => Box::new(
            re.find_iter(s)
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .into_iter(),
        ),
        None => Box::new(
            s.char_indices()
                .map(move |(i, ch)| s.get(i..i + ch.len_utf8()).unwrap_or_default()),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Collections

/// `concat`: the lists' elements, each with its own span; an unknown list makes the length
/// unknown.
fn concat(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let mut out = Vec::new();
    let mut copied = 0usize;
    for a in args {
        let items = match &a.kind {
            Kind::List(items) => items,
            Kind::Unknown(r) => return Err(unknown_from(r)),
            _ => {
                return error(format!(
                    "all arguments must be lists or tuples; got {}",
                    type_name(a)
                ))
            }
        };
        check_items(out.len() + items.len())?;
        copied = copied.saturating_add(items.iter().map(text_bytes).sum());
        check_copied(copied)?;
        out.extend(items.iter().cloned());
    }
    Ok(c.list(out))
}

/// `merge`: later keys win; null arguments are skipped. Values keep their own spans.
fn merge(c: &Call) -> R<Value> {
    let mut out = ObjectBuilder::default();
    for a in c.args {
        let entries = match &a.kind {
            Kind::Null => continue,
            Kind::Object(entries) => entries,
            Kind::Unknown(r) => return Err(unknown_from(r)),
            _ => {
                return error(format!(
                    "arguments must be maps or objects, got {:?}",
                    type_name(a)
                ))
            }
        };
        for e in entries.iter() {
            out.set(e.clone());
        }
    }
    Ok(c.value(Kind::Object(out.entries.into())))
}

fn flatten_fn(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let items = match &v.kind {
        Kind::List(items) => items,
        Kind::Unknown(r) => return Err(unknown_from(r)),
        _ => return error("can only flatten lists, sets and tuples"),
    };
    let mut out = Vec::new();
    flatten_into(items, &mut out, 0, &mut 0)?;
    Ok(c.list(out))
}

/// Nested lists are spliced in; an unknown element may be a list, so the result is unknown.
fn flatten_into(items: &[Value], out: &mut Vec<Value>, depth: usize, copied: &mut usize) -> R<()> {
    if depth > 256 {
        return error("lists are nested too deeply to flatten");
    }
    for v in items {
        match &v.kind {
            Kind::List(inner) => flatten_into(inner, out, depth + 1, copied)?,
            Kind::Unknown(r) => return Err(unknown_from(r)),
            _ => {
                check_items(out.len() + 1)?;
                *copied = copied.saturating_add(text_bytes(v));
                check_copied(*copied)?;
                out.push(v.clone());
            }
        }
    }
    Ok(())
}

fn distinct(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    Ok(c.list(dedupe(unify(c.items(v)?)?)))
}

/// `compact`: drops nulls and empty strings; numbers and bools become strings. A symbolic
/// string is kept: it is taken to be non-empty.
fn compact(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let mut out = Vec::new();
    for item in c.items(v)? {
        match &item.kind {
            Kind::Null => {}
            Kind::String(s) if s.is_empty() => {}
            Kind::Number(_) | Kind::Bool(_) => out.push(Value::string(
                item.to_plain_string().unwrap_or_default(),
                item.span,
            )),
            Kind::List(_) | Kind::Object(_) => return error("list of strings required"),
            _ => out.push(item.clone()),
        }
    }
    Ok(c.list(out))
}

fn lookup(c: &Call) -> R<Value> {
    let args = c.between(2, 3)?;
    let entries = c.entries(&args[0])?;
    let key = c.text(&args[1])?;
    if let Some(e) = entries.iter().rev().find(|e| e.key == key) {
        return Ok(e.value.clone());
    }
    match args.get(2) {
        Some(default) => Ok(default.clone()),
        None => error(format!("the given object has no attribute {key:?}")),
    }
}

/// `element` wraps around: index 4 of a three-element list is index 1.
fn element(c: &Call) -> R<Value> {
    let [list, index] = c.exactly::<2>()?;
    let items = match &list.kind {
        Kind::List(items) => items,
        Kind::Unknown(r) => return Err(unknown_from(r)),
        _ => return error(format!("cannot read elements from {}", type_name(list))),
    };
    let index = c.int(index, "index")?;
    if items.is_empty() {
        return error("cannot use element function with an empty list");
    }
    if index < 0 {
        return error("cannot use element function with a negative index");
    }
    let i = (index as u64 % items.len() as u64) as usize;
    items
        .get(i)
        .cloned()
        .ok_or_else(|| Fail::Error("index out of range".into()))
}

/// `coalesce`: the first argument that is neither null nor an empty string, converted to a
/// string when the others are strings. An unknown argument before it makes the result unknown.
fn coalesce(c: &Call) -> R<Value> {
    let args = c.args;
    let strings = args
        .iter()
        .any(|a| matches!(a.kind, Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_)));
    let primitives = args.iter().any(|a| {
        matches!(
            a.kind,
            Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_) | Kind::Number(_) | Kind::Bool(_)
        )
    });
    let collections = args
        .iter()
        .any(|a| matches!(a.kind, Kind::List(_) | Kind::Object(_)));
    if args.is_empty() || (primitives && collections) {
        return error("all arguments must have the same type");
    }
    for a in args {
        match &a.kind {
            Kind::Null => {}
            Kind::String(s) if s.is_empty() => {}
            Kind::Unknown(r) => return Err(unknown_from(r)),
            Kind::Number(_) | Kind::Bool(_) if strings => {
                return Ok(Value::string(
                    a.to_plain_string().unwrap_or_default(),
                    a.span,
                ))
            }
            _ => return Ok(a.clone()),
        }
    }
    error("no non-null, non-empty-string arguments")
}

fn coalescelist(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    for a in args {
        match &a.kind {
            Kind::Null => {}
            Kind::List(items) if items.is_empty() => {}
            Kind::List(_) => return Ok(a.clone()),
            Kind::Unknown(r) => return Err(unknown_from(r)),
            _ => {
                return error(format!(
                    "all arguments must be lists or tuples, got {}",
                    type_name(a)
                ))
            }
        }
    }
    error("no non-null arguments")
}

/// `keys`, lexically sorted as Terraform returns them; each key spans where it was written.
fn keys(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let entries = c.entries(v)?;
    Ok(c.list(
        sorted_entries(entries)
            .into_iter()
            .map(|e| Value::string(e.key.clone(), e.key_span))
            .collect(),
    ))
}

/// `values`, in key-sorted order as Terraform returns them.
fn values(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let entries = c.entries(v)?;
    Ok(c.list(
        sorted_entries(entries)
            .into_iter()
            .map(|e| e.value.clone())
            .collect(),
    ))
}

/// `length` of a list with unknown elements is known; of a symbolic or JSON string it is not.
fn length(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let n = match &v.kind {
        Kind::String(s) => graphemes(s).count(),
        Kind::List(items) => items.len(),
        Kind::Object(entries) => sorted_entries(entries).len(),
        Kind::Json(_) => return Err(Fail::Unknown("`length` of a JSON-encoded string".into())),
        Kind::Symbolic(_) => return Err(c.after_apply()),
        Kind::Unknown(r) => return Err(unknown_from(r)),
        Kind::Null => return error("argument must not be null"),
        Kind::Number(_) | Kind::Bool(_) => {
            return error("argument must be a string, a collection type, or a structural type")
        }
    };
    c.number(n as f64)
}

/// The first index equal to `needle`; `None` when absent. Undecidable comparisons make the
/// answer unknown unless a definite match comes first.
fn find(c: &Call, items: &[Value], needle: &Value) -> R<Option<usize>> {
    if let Kind::Unknown(r) = &needle.kind {
        return Err(unknown_from(r));
    }
    let mut doubt = false;
    for (i, item) in items.iter().enumerate() {
        match same(item, needle) {
            Some(true) if !doubt => return Ok(Some(i)),
            Some(true) => {
                return Err(Fail::Unknown(
                    format!("`{}` over values known only after apply", c.name).into(),
                ))
            }
            None => doubt = true,
            Some(false) => {}
        }
    }
    if doubt {
        return Err(Fail::Unknown(
            format!("`{}` over values known only after apply", c.name).into(),
        ));
    }
    Ok(None)
}

fn contains(c: &Call) -> R<Value> {
    let [list, needle] = c.exactly::<2>()?;
    let items = c.items(list)?;
    match &needle.kind {
        Kind::Unknown(r) => return Err(unknown_from(r)),
        Kind::Null => return error("argument must not be null"),
        _ => {}
    }
    match all_member(needle, items) {
        Some(found) => Ok(c.value(Kind::Bool(found))),
        None => Err(Fail::Unknown(
            "`contains` over values known only after apply".into(),
        )),
    }
}

fn index(c: &Call) -> R<Value> {
    let [list, needle] = c.exactly::<2>()?;
    let items = c.items(list)?;
    if items.is_empty() {
        return error("cannot search an empty list");
    }
    match find(c, items, needle)? {
        Some(i) => c.number(i as f64),
        None => error("item not found"),
    }
}

/// `zipmap`: later duplicate keys win; keys span where their list element was written.
fn zipmap(c: &Call) -> R<Value> {
    let [keys, vals] = c.exactly::<2>()?;
    let (keys, vals) = (c.items(keys)?, c.items(vals)?);
    if keys.len() != vals.len() {
        return error(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vals.len()
        ));
    }
    let mut out = ObjectBuilder::default();
    for (i, (k, v)) in keys.iter().zip(vals).enumerate() {
        if k.is_null() {
            return error(format!("keys list has null value at index {i}"));
        }
        out.set(Entry {
            key: c.text(k)?,
            key_span: k.span,
            value: v.clone(),
        });
    }
    Ok(c.value(Kind::Object(out.entries.into())))
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Intersection,
    Subtract,
}

/// `setunion`, `setintersection` and `setsubtract`, with membership undecidable for symbolic
/// or unknown elements making the result unknown (except for union, which keeps them).
fn set_op(c: &Call, op: SetOp) -> R<Value> {
    let args = if op == SetOp::Subtract {
        c.exactly::<2>()?.as_slice()
    } else {
        c.at_least(1)?
    };
    let mut all = Vec::new();
    let mut lens = Vec::with_capacity(args.len());
    for a in args {
        let items = c.items(a)?;
        check_items(all.len() + items.len())?;
        lens.push(items.len());
        all.extend(items.iter().cloned());
    }
    let all = unify(&all)?;
    let mut sets = Vec::with_capacity(lens.len());
    let mut at = 0;
    for n in lens {
        sets.push(dedupe(all.get(at..at + n).unwrap_or_default().to_vec()));
        at += n;
    }
    let Some((first, others)) = sets.split_first() else {
        return Ok(c.list(Vec::new()));
    };
    let mut out = if op == SetOp::Union {
        dedupe(sets.concat())
    } else {
        let others: Vec<Membership> = others.iter().map(|o| Membership::new(o)).collect();
        let mut kept = Vec::new();
        for v in first {
            let mut keep = true;
            for other in &others {
                let Some(member) = other.contains(v) else {
                    return Err(c.after_apply());
                };
                keep &= if op == SetOp::Intersection {
                    member
                } else {
                    !member
                };
            }
            if keep {
                kept.push(v.clone());
            }
        }
        kept
    };
    set_order(&mut out);
    Ok(c.list(out))
}

/// Whether `v` is in `set`; `None` when undecidable.
fn all_member<'v>(v: &Value, set: impl IntoIterator<Item = &'v Value>) -> Option<bool> {
    let mut doubt = false;
    for o in set {
        match same(v, o) {
            Some(true) => return Some(true),
            None => doubt = true,
            Some(false) => {}
        }
    }
    if doubt {
        None
    } else {
        Some(false)
    }
}

/// `setproduct`: every combination, as lists whose elements keep their spans (list arguments
/// keep their duplicates, as Terraform's do).
fn setproduct(c: &Call) -> R<Value> {
    let args = c.args;
    if args.len() < 2 {
        return error("at least two arguments are required");
    }
    let mut sets = Vec::with_capacity(args.len());
    let mut total: usize = 1;
    for a in args {
        let set = c.items(a)?.to_vec();
        total = total.saturating_mul(set.len());
        sets.push(set);
    }
    check_items(total.saturating_mul(args.len()))?;
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for set in &sets {
        let mut next = Vec::with_capacity(rows.len() * set.len());
        for row in &rows {
            for v in set {
                let mut r = row.clone();
                r.push(v.clone());
                next.push(r);
            }
        }
        rows = next;
    }
    Ok(c.list(rows.into_iter().map(|r| c.list(r)).collect()))
}

/// `range` with Terraform's rules: one to three numbers, a default step of 1 or -1, and at
/// most 1024 values.
fn range(c: &Call) -> R<Value> {
    let args = c.between(1, 3)?;
    let nums = args.iter().map(|a| c.num(a)).collect::<R<Vec<f64>>>()?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, if *end < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (*start, *end, if start > end { -1.0 } else { 1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return error("`range` expects 1 to 3 arguments"),
    };
    if step < 0.0 && start < end {
        return error("end must be less than start when step is negative");
    }
    if step >= 0.0 && start > end {
        return error("end must be greater than start when step is positive");
    }
    let mut out = Vec::new();
    let mut i = 0.0;
    loop {
        let v = snap(start + i * step);
        let more = if step < 0.0 { v > end } else { v < end };
        if !more {
            break;
        }
        if out.len() >= MAX_RANGE {
            return error(format!(
                "more than {MAX_RANGE} values were generated; either decrease the difference between start and end or use a smaller step"
            ));
        }
        out.push(c.value(Kind::Number(v)));
        i += 1.0;
    }
    Ok(c.list(out))
}

/// Rounds away binary noise (`0.1 * 3`) to 15 significant digits, as decimal arithmetic
/// would have produced it.
fn snap(n: f64) -> f64 {
    if n.fract() == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

fn slice(c: &Call) -> R<Value> {
    let [list, start, end] = c.exactly::<3>()?;
    let items = c.items(list)?;
    let start = c.int(start, "start index")?;
    let end = c.int(end, "end index")?;
    if start < 0 {
        return error("start index must not be less than zero");
    }
    if end > items.len() as i64 {
        return error("end index must not be greater than the length of the list");
    }
    if start > end {
        return error("start index must not be greater than end index");
    }
    Ok(c.list(
        items
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .to_vec(),
    ))
}

fn reverse(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    let items = match &list.kind {
        Kind::List(items) => items,
        Kind::Unknown(r) => return Err(unknown_from(r)),
        _ => {
            return error(format!(
                "can only reverse list or tuple values, not {}",
                type_name(list)
            ))
        }
    };
    Ok(c.list(items.iter().rev().cloned().collect()))
}

/// `sort`: strings in lexical order; numbers and bools are sorted as their text.
fn sort(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    let mut keyed = Vec::new();
    for (i, item) in c.items(list)?.iter().enumerate() {
        if item.is_null() {
            return error(format!(
                "given list element {i} is null; a null string cannot be sorted"
            ));
        }
        let s = match &item.kind {
            Kind::List(_) | Kind::Object(_) => return error("list of strings required"),
            _ => c.text(item)?,
        };
        keyed.push((s, item.span));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(c.list(
        keyed
            .into_iter()
            .map(|(s, span)| Value::string(s, span))
            .collect(),
    ))
}

fn one(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    match c.items(list)? {
        [] => Ok(c.value(Kind::Null)),
        [v] => Ok(v.clone()),
        _ => error("must be a list, set, or tuple value with either zero or one elements"),
    }
}

/// `alltrue`/`anytrue`: nulls count as false; an unknown element matters only when no known
/// element decides the answer.
fn all_any(c: &Call, all: bool) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    let mut doubt = None;
    for item in c.items(list)? {
        let b = match &item.kind {
            Kind::Null => false,
            Kind::Unknown(r) => {
                doubt.get_or_insert_with(|| r.clone());
                continue;
            }
            Kind::Symbolic(_) => {
                doubt.get_or_insert_with(|| {
                    Arc::from(format!("`{}` of a value known only after apply", c.name))
                });
                continue;
            }
            _ => c.boolean(item)?,
        };
        if b != all {
            return Ok(c.value(Kind::Bool(!all)));
        }
    }
    match doubt {
        Some(r) => Err(Fail::Unknown(r)),
        None => Ok(c.value(Kind::Bool(all))),
    }
}

fn chunklist(c: &Call) -> R<Value> {
    let [list, size] = c.exactly::<2>()?;
    let items = c.items(list)?;
    let size = c.int(size, "size")?;
    if size < 0 {
        return error("the size argument must be positive");
    }
    if items.is_empty() {
        return Ok(c.list(Vec::new()));
    }
    let size = if size == 0 {
        items.len()
    } else {
        size as usize
    };
    Ok(c.list(items.chunks(size).map(|ch| c.list(ch.to_vec())).collect()))
}

/// `transpose`: a map of lists of strings turned inside out; keys in lexical order.
fn transpose(c: &Call) -> R<Value> {
    let [map] = c.exactly::<1>()?;
    let mut out = ObjectBuilder::default();
    for e in sorted_entries(c.entries(map)?) {
        if e.value.is_null() {
            return error("input must not contain null list");
        }
        for item in c.items(&e.value)? {
            if item.is_null() {
                return error("input must not contain null strings");
            }
            let key = c.text(item)?;
            let origin = Value::string(e.key.clone(), e.key_span);
            match out.get_mut(&key).map(|e| &mut e.value.kind) {
                Some(Kind::List(list)) => Arc::make_mut(list).push(origin),
                _ => out.set(Entry {
                    key,
                    key_span: item.span,
                    value: c.list(vec![origin]),
                }),
            }
        }
    }
    let mut out = out.entries;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(c.value(Kind::Object(out.into())))
}

/// `matchkeys`: the values whose corresponding key is in the search set.
fn matchkeys(c: &Call) -> R<Value> {
    let [vals, keys, search] = c.exactly::<3>()?;
    let (vals, keys, search) = (c.items(vals)?, c.items(keys)?, c.items(search)?);
    if vals.len() != keys.len() {
        return error("length of keys and values should be equal");
    }
    let search = Membership::new(search);
    let mut out = Vec::new();
    for (v, k) in vals.iter().zip(keys) {
        match search.contains(k) {
            Some(true) => out.push(v.clone()),
            Some(false) => {}
            None => return Err(c.after_apply()),
        }
    }
    Ok(c.list(out))
}

// ---------------------------------------------------------------------------------------------
// Type conversion

fn toset(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::List(items) => {
            Ok(c.list(to_set(items).map_err(|_| {
                Fail::Error("cannot convert tuple to set of any single type".into())
            })?))
        }
        Kind::Null => Ok(v.clone()),
        Kind::Unknown(r) => Err(unknown_from(r)),
        _ => error(format!(
            "cannot convert {} to set of any single type",
            type_name(v)
        )),
    }
}

/// `tolist`: the argument itself when no element needs converting.
fn tolist(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::List(items) => {
            let unified = unify(items).map_err(|_| {
                Fail::Error("cannot convert tuple to list of any single type".into())
            })?;
            let changed = unified
                .iter()
                .zip(items.iter())
                .any(|(a, b)| std::mem::discriminant(&a.kind) != std::mem::discriminant(&b.kind));
            Ok(if changed { c.list(unified) } else { v.clone() })
        }
        Kind::Null => Ok(v.clone()),
        Kind::Unknown(r) => Err(unknown_from(r)),
        _ => error(format!(
            "cannot convert {} to list of any single type",
            type_name(v)
        )),
    }
}

/// `tomap`: an object whose values unify to one type.
fn tomap(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::Object(entries) => {
            let vals: Vec<Value> = entries.iter().map(|e| e.value.clone()).collect();
            let unified = unify(&vals).map_err(|_| {
                Fail::Error("cannot convert object to map of any single type".into())
            })?;
            let out = entries
                .iter()
                .zip(unified)
                .map(|(e, value)| Entry {
                    key: e.key.clone(),
                    key_span: e.key_span,
                    value,
                })
                .collect::<Vec<_>>()
                .into();
            Ok(c.value(Kind::Object(out)))
        }
        Kind::Null => Ok(v.clone()),
        Kind::Unknown(r) => Err(unknown_from(r)),
        _ => error(format!(
            "cannot convert {} to map of any single type",
            type_name(v)
        )),
    }
}

fn tostring(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_) | Kind::Null => Ok(v.clone()),
        Kind::Number(_) | Kind::Bool(_) => Ok(c.string(v.to_plain_string().unwrap_or_default())),
        Kind::Unknown(r) => Err(unknown_from(r)),
        Kind::List(_) | Kind::Object(_) => {
            error(format!("cannot convert {} to string", type_name(v)))
        }
    }
}

fn tonumber(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::Number(_) | Kind::Null => Ok(v.clone()),
        Kind::Bool(_) | Kind::List(_) | Kind::Object(_) => {
            error(format!("cannot convert {} to number", type_name(v)))
        }
        _ => c.number(c.num(v)?),
    }
}

fn tobool(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::Bool(_) | Kind::Null => Ok(v.clone()),
        Kind::Number(_) | Kind::List(_) | Kind::Object(_) => {
            error(format!("cannot convert {} to bool", type_name(v)))
        }
        _ => Ok(c.value(Kind::Bool(c.boolean(v)?))),
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

fn map_number(c: &Call, f: impl Fn(f64) -> f64) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    c.number(f(c.num(v)?))
}

fn signum(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let n = c.num(v)?;
    if n.fract() != 0.0 {
        return error(
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
        );
    }
    c.number(if n == 0.0 { 0.0 } else { n.signum() })
}

/// Terraform adds and multiplies decimal numbers at high precision before rounding to a double:
/// `0.1 + 0.2` is `0.3`. A double result one or two units in the last place away from a number
/// with 15 significant digits is taken to be that number.
pub fn decimal_tidy(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    let tidy: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    let ulp = f64::EPSILON * n.abs();
    if (tidy - n).abs() <= 2.0 * ulp {
        tidy
    } else {
        n
    }
}

/// `max`/`min`: the argument itself is returned, keeping its span.
fn min_max(c: &Call, max: bool) -> R<Value> {
    if c.args.is_empty() {
        return error("must pass at least one number");
    }
    let mut best: Option<(f64, &Value)> = None;
    for a in c.args {
        let n = c.num(a)?;
        let better = match best {
            None => true,
            Some((b, _)) => (max && n > b) || (!max && n < b),
        };
        if better {
            best = Some((n, a));
        }
    }
    match best {
        Some((_, v)) if matches!(v.kind, Kind::Number(_)) => Ok(v.clone()),
        Some((n, v)) => Ok(Value::new(Kind::Number(n), v.span)),
        None => error("must pass at least one number"),
    }
}

fn sum(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    let items = c.items(list)?;
    if items.is_empty() {
        return error("cannot sum an empty list");
    }
    let mut total = 0.0;
    for item in items {
        if item.is_null() {
            return error("argument must be list, set, or tuple of number values");
        }
        total = decimal_tidy(total + c.num(item)?);
    }
    c.number(total)
}

fn pow(c: &Call) -> R<Value> {
    let [base, exp] = c.exactly::<2>()?;
    c.number(c.num(base)?.powf(c.num(exp)?))
}

fn log(c: &Call) -> R<Value> {
    let [n, base] = c.exactly::<2>()?;
    c.number(c.num(n)?.ln() / c.num(base)?.ln())
}

/// `parseint`: Go's digits for bases 2 to 62 (letters case-insensitive up to base 36).
fn parseint(c: &Call) -> R<Value> {
    let [s, base] = c.exactly::<2>()?;
    let s = c.text(s)?;
    let base = c.int(base, "base")?;
    if !(2..=62).contains(&base) {
        return error("base must be a whole number between 2 and 62 inclusive");
    }
    let fail = || Fail::Error(format!("cannot parse {s:?} as a base {base} integer"));
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if body.is_empty() {
        return Err(fail());
    }
    // Exact while it fits in i128, then as near as f64 allows (numbers are f64 here anyway).
    let (mut n, mut big): (i128, Option<f64>) = (0, None);
    for b in body.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' if base <= 36 => b - b'A' + 10,
            b'A'..=b'Z' => b - b'A' + 36,
            _ => return Err(fail()),
        };
        if i64::from(d) >= base {
            return Err(fail());
        }
        match big {
            Some(f) => big = Some(f * base as f64 + f64::from(d)),
            None => match n
                .checked_mul(i128::from(base))
                .and_then(|n| n.checked_add(i128::from(d)))
            {
                Some(next) => n = next,
                None => big = Some(n as f64 * base as f64 + f64::from(d)),
            },
        }
    }
    let n = big.unwrap_or(n as f64);
    c.number(if negative { -n } else { n })
}

// ---------------------------------------------------------------------------------------------
// Encoding and hashing

/// `jsonencode` keeps its argument structured, so spans inside a policy document survive.
fn jsonencode(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    if let Kind::Unknown(r) = &v.kind {
        return Err(unknown_from(r));
    }
    Ok(c.value(Kind::Json(Box::new(v.clone()))))
}

fn write_json(v: &Value, out: &mut String) -> Option<()> {
    match &v.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) if n.is_finite() => out.push_str(&format_number(*n)),
        Kind::Number(_) | Kind::Symbolic(_) | Kind::Unknown(_) => return None,
        Kind::String(s) => json_quote(s, out),
        Kind::Json(inner) => json_quote(&encode(inner)?, out),
        Kind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        Kind::Object(entries) => {
            out.push('{');
            for (i, e) in sorted_entries(entries).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_quote(&e.key, out);
                out.push(':');
                write_json(&e.value, out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

/// A JSON string as Go's encoder writes it (HTML-safe escapes included).
fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch if u32::from(ch) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard padded base64, as Go's `StdEncoding` reads it (line breaks ignored).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let quads = clean.len() / 4;
    for (qi, quad) in clean.chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &b) in quad.iter().enumerate() {
            let v = match b {
                b'A'..=b'Z' => b - b'A',
                b'a'..=b'z' => b - b'a' + 26,
                b'0'..=b'9' => b - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if qi + 1 == quads && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && b != b'=' {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn base64decode(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let s = c.text(v)?;
    let bytes = base64_decode(&s)
        .ok_or_else(|| Fail::Error(format!("failed to decode base64 data {s:?}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Fail::Error("the result of decoding the provided string is not valid UTF-8".into())
    })?;
    Ok(c.string(text))
}

/// Terraform's `csvdecode`: the first record names the columns, every other record becomes an
/// object of strings; records of another width and repeated column names are errors.
fn csvdecode(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let records = csv_records(&c.text(v)?).map_err(Fail::Error)?;
    let mut records = records.into_iter();
    let Some(header) = records.next() else {
        return error("missing header line");
    };
    let mut seen = HashSet::new();
    if let Some(dup) = header.iter().find(|h| !seen.insert(h.as_str())) {
        return error(format!("duplicate column name {dup:?}"));
    }
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        if record.len() != header.len() {
            return error(format!("record {}: wrong number of fields", i + 2));
        }
        let entries: Vec<Entry> = header
            .iter()
            .zip(record)
            .map(|(key, cell)| Entry {
                key: key.clone(),
                key_span: c.span,
                value: c.string(cell),
            })
            .collect();
        rows.push(c.value(Kind::Object(entries.into())));
        check_items(rows.len())?;
    }
    Ok(c.list(rows))
}

/// RFC 4180 records as Go's `encoding/csv` reads them: quoted fields may hold commas, newlines and
/// doubled quotes, CRLF ends a record like LF, empty lines are skipped, a bare quote is an error.
fn csv_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(&first) = chars.peek() {
        if first == '\n' || first == '\r' {
            chars.next();
            if first == '\n' {
                line += 1;
            }
            continue;
        }
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err(format!("line {line}: missing closing quote")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some('\r') if chars.peek() == Some(&'\n') => {}
                        Some(ch) => {
                            line += usize::from(ch == '\n');
                            field.push(ch);
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                    return Err(format!("line {line}: extraneous \" in quoted field"));
                }
            } else {
                while let Some(&ch) = chars.peek() {
                    match ch {
                        ',' | '\n' | '\r' => break,
                        '"' => return Err(format!("line {line}: bare \" in non-quoted field")),
                        _ => {
                            field.push(ch);
                            chars.next();
                        }
                    }
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => {}
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        records.push(record);
    }
    Ok(records)
}

/// Go's `url.QueryEscape`.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Message padding shared by MD5 (little-endian length) and SHA-1 (big-endian length).
fn md_pad(data: &[u8], big_endian: bool) -> Vec<u8> {
    let mut m = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&if big_endian {
        bits.to_be_bytes()
    } else {
        bits.to_le_bytes()
    });
    m
}

fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    for block in md_pad(data, true).chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i: i32| (f64::from(i + 1).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476];
    for block in md_pad(data, false).chunks_exact(64) {
        let mut m = [0u32; 16];
        for (i, word) in block.chunks_exact(4).enumerate() {
            m[i] = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        }
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i {
                0..=15 => ((b & c) | (!b & d), i),
                16..=31 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                32..=47 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 16];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// `uuidv5`: a name-based UUID, with the well-known namespaces by name.
fn uuidv5(c: &Call) -> R<Value> {
    let [ns, name] = c.exactly::<2>()?;
    let (ns, name) = (c.text(ns)?, c.text(name)?);
    let ns = match ns.as_str() {
        "dns" => "6ba7b810-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "url" => "6ba7b811-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "oid" => "6ba7b812-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "x500" => "6ba7b814-9dad-11d1-80b4-00c04fd430c8".to_string(),
        other => other.to_string(),
    };
    let hexdigits: String = ns.chars().filter(|ch| *ch != '-').collect();
    let valid = hexdigits.len() == 32 && hexdigits.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return error(format!("uuidv5() doesn't support namespace {ns}"));
    }
    let mut data: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(hexdigits.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    data.extend_from_slice(name.as_bytes());
    let mut u = sha1(&data);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h = hex(&u[..16]);
    Ok(c.string(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )))
}

// ---------------------------------------------------------------------------------------------
// Network

/// A parsed CIDR block: the network address (host bits cleared), prefix length and width.
struct Cidr {
    addr: u128,
    prefix: u32,
    bits: u32,
}

impl Cidr {
    fn parse(s: &str) -> R<Cidr> {
        let fail = || {
            Fail::Error(format!(
                "invalid CIDR expression: invalid CIDR address: {s}"
            ))
        };
        let (ip, prefix) = s.split_once('/').ok_or_else(fail)?;
        let prefix: u32 = (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()))
            .then(|| prefix.parse().ok())
            .flatten()
            .ok_or_else(fail)?;
        let (addr, bits, prefix) = if let Ok(v4) = ip.parse::<Ipv4Addr>() {
            (u128::from(u32::from(v4)), 32, prefix)
        } else if let Ok(v6) = ip.parse::<Ipv6Addr>() {
            match v6.to_ipv4_mapped() {
                // Go treats IPv4-mapped networks as IPv4 ones.
                Some(v4) if prefix >= 96 => (u128::from(u32::from(v4)), 32, prefix - 96),
                _ => (u128::from(v6), 128, prefix),
            }
        } else {
            return Err(fail());
        };
        if prefix > bits {
            return Err(fail());
        }
        Ok(Cidr {
            addr: addr & mask(prefix, bits),
            prefix,
            bits,
        })
    }

    fn host_space(&self, prefix: u32) -> u128 {
        !mask(prefix, self.bits) & all_ones(self.bits)
    }
}

fn all_ones(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The network mask of a prefix length within an address of `bits` bits.
fn mask(prefix: u32, bits: u32) -> u128 {
    let host = bits.saturating_sub(prefix);
    all_ones(bits) & !all_ones(host)
}

fn ip_text(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

fn cidrsubnet(c: &Call) -> R<Value> {
    let [prefix, newbits, netnum] = c.exactly::<3>()?;
    let net = Cidr::parse(&c.text(prefix)?)?;
    let newbits = c.int(newbits, "newbits")?;
    let netnum = c.int(netnum, "netnum")?;
    let length = i64::from(net.prefix).saturating_add(newbits);
    if newbits < 0 || length > i64::from(net.bits) {
        return error(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let length = length as u32;
    let fits = netnum >= 0 && (newbits >= 64 || (netnum as u128) < (1u128 << newbits));
    if !fits {
        return error(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = net.bits - length;
    let offset = if shift >= 128 {
        0
    } else {
        (netnum as u128) << shift
    };
    Ok(c.string(format!("{}/{length}", ip_text(net.addr | offset, net.bits))))
}

fn cidrhost(c: &Call) -> R<Value> {
    let [prefix, hostnum] = c.exactly::<2>()?;
    let net = Cidr::parse(&c.text(prefix)?)?;
    let hostnum = c.int(hostnum, "hostnum")?;
    let space = net.host_space(net.prefix);
    let magnitude = u128::from(hostnum.unsigned_abs());
    let host = if hostnum >= 0 {
        (magnitude <= space).then_some(magnitude)
    } else {
        space.checked_sub(magnitude - 1)
    };
    let host = host.ok_or_else(|| {
        Fail::Error(format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        ))
    })?;
    Ok(c.string(ip_text(net.addr | host, net.bits)))
}

fn cidrnetmask(c: &Call) -> R<Value> {
    let [prefix] = c.exactly::<1>()?;
    let text = c.text(prefix)?;
    let net = Cidr::parse(&text)?;
    if net.bits != 32 {
        return error(format!("IPv6 addresses cannot have a netmask: {text}"));
    }
    Ok(c.string(ip_text(mask(net.prefix, 32), 32)))
}

/// `cidrsubnets`: consecutive subnets of the given extra prefix lengths, as Terraform
/// allocates them.
fn cidrsubnets(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let net = Cidr::parse(&c.text(&args[0])?)?;
    let top = all_ones(net.bits);
    let mut current: Option<(u128, u32)> = None;
    let mut out = Vec::new();
    for a in &args[1..] {
        let newbits = c.int(a, "newbits")?;
        if newbits < 1 {
            return error("must extend prefix by at least one bit");
        }
        let length = i64::from(net.prefix).saturating_add(newbits);
        if length > i64::from(net.bits) {
            return error(format!(
                "would extend prefix to {length} bits, which is too long for an {} address",
                if net.bits == 32 { "IPv4" } else { "IPv6" }
            ));
        }
        let length = length as u32;
        let (ip, len) = current.unwrap_or_else(|| {
            (
                net.addr.wrapping_sub(1) & top & mask(length, net.bits),
                length,
            )
        });
        let last = (ip | net.host_space(len)) & mask(length, net.bits);
        let next = ((last | net.host_space(length)).wrapping_add(1)) & top;
        let inside = next & mask(net.prefix, net.bits) == net.addr;
        if next == 0 || !inside {
            return error(format!(
                "not enough remaining address space for a subnet with a prefix of {length} bits after {}/{len}",
                ip_text(ip, net.bits)
            ));
        }
        let next = next & mask(length, net.bits);
        current = Some((next, length));
        out.push(c.string(format!("{}/{length}", ip_text(next, net.bits))));
    }
    Ok(c.list(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::value::{Address, Mode, Reference};

    /// The span every call in these tests is made at.
    const CALL: Span = Span {
        file: 7,
        start: 100,
        end: 200,
    };

    fn at(start: u32) -> Span {
        Span {
            file: 1,
            start,
            end: start + 1,
        }
    }

    fn s(x: &str) -> Value {
        Value::string(x, at(1))
    }

    fn n(x: f64) -> Value {
        Value::new(Kind::Number(x), at(2))
    }

    fn b(x: bool) -> Value {
        Value::new(Kind::Bool(x), at(3))
    }

    fn null() -> Value {
        Value::null(at(4))
    }

    fn list(items: Vec<Value>) -> Value {
        Value::new(Kind::List(items.into()), at(5))
    }

    fn strs(items: &[&str]) -> Value {
        list(items.iter().map(|x| s(x)).collect())
    }

    fn nums(items: &[f64]) -> Value {
        list(items.iter().map(|x| n(*x)).collect())
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::new(
            Kind::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| Entry {
                        key: k.to_string(),
                        key_span: at(6),
                        value: v,
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            at(7),
        )
    }

    fn unk(reason: &str) -> Value {
        Value::unknown(reason, at(8))
    }

    /// `aws_s3_bucket.<name>.<attr>`, known only after apply.
    fn reference(name: &str, attr: &str) -> Part {
        Part::Ref(Reference {
            target: Arc::new(Address {
                module: Vec::new(),
                mode: Mode::Managed,
                rtype: "aws_s3_bucket".to_string(),
                name: name.to_string(),
                key: None,
            }),
            attr: attr.into(),
        })
    }

    fn lit(x: &str) -> Part {
        Part::Lit(x.to_string())
    }

    fn sym(parts: Vec<Part>) -> Value {
        Value::new(Kind::Symbolic(parts), at(9))
    }

    /// `"${aws_s3_bucket.raw.arn}"`
    fn arn() -> Value {
        sym(vec![reference("raw", "arn")])
    }

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        match call_pure(name, &args, CALL).unwrap_or_else(|| panic!("`{name}` is not known")) {
            Ok(v) => Ok(v),
            Err(CallError::Terraform(m) | CallError::Budget(m)) => Err(m),
        }
    }

    fn ok(name: &str, args: Vec<Value>) -> Value {
        call(name, args).unwrap_or_else(|e| panic!("`{name}` failed: {e}"))
    }

    /// The result as Terraform's jsonencode would print it.
    fn js(name: &str, args: Vec<Value>) -> String {
        let v = ok(name, args);
        json_text(&v).unwrap_or_else(|| panic!("`{name}` gave a non-plain value: {v:?}"))
    }

    fn err(name: &str, args: Vec<Value>) -> String {
        match call(name, args) {
            Err(e) => e,
            Ok(v) => panic!("`{name}` should fail, gave {v:?}"),
        }
    }

    fn unknown_reason(name: &str, args: Vec<Value>) -> String {
        match ok(name, args).kind {
            Kind::Unknown(r) => r.to_string(),
            other => panic!("`{name}` should be unknown, gave {other:?}"),
        }
    }

    fn parts(v: &Value) -> Vec<Part> {
        match &v.kind {
            Kind::Symbolic(p) => p.clone(),
            other => panic!("expected a symbolic string, got {other:?}"),
        }
    }

    // ----- dispatch and plumbing

    #[test]
    fn unknown_functions_are_left_to_the_evaluator() {
        for name in ["file", "templatefile", "jsondecode", "try", "can", "nosuch"] {
            assert!(call_pure(name, &[s("x")], CALL).is_none(), "{name}");
        }
    }

    #[test]
    fn csvdecode_reads_records_like_terraform() {
        assert_eq!(
            js("csvdecode", vec![s("a,b\n1,2\n\n3,4\n")]),
            r#"[{"a":"1","b":"2"},{"a":"3","b":"4"}]"#
        );
        assert_eq!(
            js(
                "csvdecode",
                vec![s("name,desc\r\nx,\"hello, \"\"world\"\"\r\nline\"\r\ny,\n")]
            ),
            r#"[{"desc":"hello, \"world\"\nline","name":"x"},{"desc":"","name":"y"}]"#
        );
        assert_eq!(js("csvdecode", vec![s("a,b\n")]), "[]");
        assert_eq!(err("csvdecode", vec![s("")]), "missing header line");
        assert_eq!(
            err("csvdecode", vec![s("a,b\n1\n")]),
            "record 2: wrong number of fields"
        );
        assert_eq!(
            err("csvdecode", vec![s("a,a\n1,2\n")]),
            "duplicate column name \"a\""
        );
        assert!(err("csvdecode", vec![s("a\nx\"y\n")]).contains("bare \""));
        assert!(err("csvdecode", vec![s("a\n\"x")]).contains("missing closing quote"));
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(err("lower", vec![]), "`lower` expects 1 argument, got 0");
        assert_eq!(
            err("split", vec![s("a")]),
            "`split` expects 2 arguments, got 1"
        );
        assert_eq!(
            err("lookup", vec![obj(vec![])]),
            "`lookup` expects 2 to 3 arguments, got 1"
        );
    }

    #[test]
    fn errors_are_lowercase_without_final_period() {
        let cases = vec![
            err("element", vec![list(vec![]), n(0.0)]),
            err("index", vec![strs(&["a"]), s("b")]),
            err("tonumber", vec![s("abc")]),
            err("format", vec![s("%d"), n(1.5)]),
            err("regex", vec![s("x"), s("abc")]),
        ];
        for e in cases {
            assert!(!e.ends_with('.'), "{e}");
            assert!(!e.starts_with(char::is_uppercase), "{e}");
        }
    }

    // ----- format

    #[test]
    fn format_verbs_match_terraform() {
        let out = js(
            "format",
            vec![
                s("%5.2f|%-5s|%05d|%q|%v|%#v"),
                n(1.23456),
                s("ab"),
                n(42.0),
                s("x\"y"),
                b(true),
                obj(vec![("a", n(1.0))]),
            ],
        );
        assert_eq!(out, r#"" 1.23|ab   |00042|\"x\\\"y\"|true|{\"a\":1}""#);
        let radix = ok(
            "format",
            vec![
                s("%x %X %o %b %e %E %g %G"),
                n(255.0),
                n(255.0),
                n(8.0),
                n(5.0),
                n(1234.5678),
                n(1234.5678),
                n(0.000012345),
                n(1e21),
            ],
        );
        assert_eq!(
            radix.as_str(),
            Some("ff FF 10 101 1.234568e+03 1.234568E+03 1.2345e-05 1E+21")
        );
    }

    #[test]
    fn format_numbers_print_like_go() {
        let f = |spec: &str, v: Value| ok("format", vec![s(spec), v]).as_str().map(String::from);
        assert_eq!(f("%v", n(1_000_000.0)).as_deref(), Some("1e+06"));
        assert_eq!(f("%v", n(100_000.0)).as_deref(), Some("100000"));
        assert_eq!(f("%v", n(0.0001)).as_deref(), Some("0.0001"));
        assert_eq!(f("%v", n(0.00001)).as_deref(), Some("1e-05"));
        assert_eq!(f("%s", n(1e20)).as_deref(), Some("100000000000000000000"));
        assert_eq!(f("%d", n(1e20)).as_deref(), Some("100000000000000000000"));
        assert_eq!(f("%d", s("12")).as_deref(), Some("12"));
        assert_eq!(f("%.0f", n(2.5)).as_deref(), Some("2"));
        assert_eq!(f("%.3g", n(1234.5)).as_deref(), Some("1.23e+03"));
        assert_eq!(f("%.2e", n(1234.5)).as_deref(), Some("1.23e+03"));
        assert_eq!(f("[%08.3f]", n(-1.23456)).as_deref(), Some("[-001.235]"));
        assert_eq!(f("[%010d]", n(-35.0)).as_deref(), Some("[-000000035]"));
        assert_eq!(f("[%+5d]", n(3.0)).as_deref(), Some("[   +3]"));
        assert_eq!(f("[%#x]", n(255.0)).as_deref(), Some("[0xff]"));
        assert_eq!(f("[%x]", n(-255.0)).as_deref(), Some("[-ff]"));
        assert_eq!(f("[%10g]", n(3.5)).as_deref(), Some("[       3.5]"));
        assert_eq!(f("[%.5d]", n(42.0)).as_deref(), Some("[00042]"));
    }

    #[test]
    fn format_strings_pad_by_characters() {
        let f = |spec: &str, v: Value| ok("format", vec![s(spec), v]).as_str().map(String::from);
        assert_eq!(f("[%-10s]", s("é")).as_deref(), Some("[é         ]"));
        assert_eq!(f("[%10.4s]", s("abcdefg")).as_deref(), Some("[      abcd]"));
        assert_eq!(f("[%5q]", s("é")).as_deref(), Some("[  \"é\"]"));
        assert_eq!(f("[%5t]", b(true)).as_deref(), Some("[true]"));
        assert_eq!(f("[%-5v]", b(true)).as_deref(), Some("[true ]"));
        assert_eq!(f("[%8v]", nums(&[1.0])).as_deref(), Some("[     [1]]"));
        assert_eq!(
            f("%#v", s("<&>")).as_deref(),
            Some(r#""\u003c\u0026\u003e""#)
        );
        assert_eq!(f("%v", s("<&>")).as_deref(), Some("<&>"));
        assert_eq!(f("%t", s("true")).as_deref(), Some("true"));
        assert_eq!(f("%v", null()).as_deref(), Some("null"));
        assert_eq!(f("%q", s("a\nb\u{1}")).as_deref(), Some(r#""a\nb\u0001""#));
    }

    #[test]
    fn format_argument_indexes_and_escapes() {
        let two = |spec: &str| ok("format", vec![s(spec), s("a"), s("b")]);
        assert_eq!(two("%[2]s %[1]s").as_str(), Some("b a"));
        assert_eq!(two("%[1]s %s").as_str(), Some("a b"));
        assert_eq!(ok("format", vec![s("100%%")]).as_str(), Some("100%"));
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            err("format", vec![s("%d"), n(3.5)]),
            "unsupported value for \"%d\" at 0: an integer is required"
        );
        assert_eq!(
            err("format", vec![s("%s"), nums(&[1.0])]),
            "unsupported value for \"%s\" at 0: string required"
        );
        assert_eq!(
            err("format", vec![s("%s %s"), s("a")]),
            "not enough arguments for \"%s\" at 3: need index 2 but have 1 total"
        );
        assert_eq!(
            err("format", vec![s("%s"), s("a"), s("b")]),
            "too many arguments; only 1 used by format string"
        );
        assert_eq!(
            err("format", vec![s("%z"), n(1.0)]),
            "unsupported format verb 'z' in \"%z\" at offset 0"
        );
        assert_eq!(
            err("format", vec![s("%")]),
            "invalid format string starting at offset 1"
        );
        assert_eq!(
            err("format", vec![s("%s"), null()]),
            "unsupported value for \"%s\" at 0: null value cannot be formatted"
        );
        assert_eq!(
            err("format", vec![s("%d"), b(true)]),
            "unsupported value for \"%d\" at 0: number required"
        );
        assert!(err("format", vec![s("%[0]s"), s("a")]).contains("offset 2"));
        assert!(err("format", vec![s("%99999999999d"), n(1.0)]).contains("larger than"));
    }

    #[test]
    fn format_keeps_references_symbolic() {
        let v = ok("format", vec![s("%s/*"), arn()]);
        assert_eq!(parts(&v), vec![reference("raw", "arn"), lit("/*")]);
        assert_eq!(v.span, CALL);
        let v = ok("format", vec![s("%s:%d:%v"), arn(), n(5.0), arn()]);
        assert_eq!(
            parts(&v),
            vec![reference("raw", "arn"), lit(":5:"), reference("raw", "arn")]
        );
        // padding or quoting needs the text
        assert!(unknown_reason("format", vec![s("%10s"), arn()]).contains("after apply"));
        assert!(unknown_reason("format", vec![s("%q"), arn()]).contains("after apply"));
        assert_eq!(
            unknown_reason("format", vec![s("%s"), unk("var.x")]),
            "var.x"
        );
        assert!(unknown_reason("format", vec![arn(), s("a")]).contains("`format`"));
    }

    #[test]
    fn formatlist_iterates_lists_together() {
        assert_eq!(
            js("formatlist", vec![s("%s-%s"), strs(&["a", "b"]), s("x")]),
            r#"["a-x","b-x"]"#
        );
        assert_eq!(
            js("formatlist", vec![s("%s-%s"), s("a"), s("b")]),
            r#"["a-b"]"#
        );
        assert_eq!(js("formatlist", vec![s("%s"), list(vec![])]), "[]");
        assert_eq!(
            err(
                "formatlist",
                vec![s("%s-%s"), strs(&["a", "b"]), strs(&["x"])]
            ),
            "argument 2 has length 1, which is inconsistent with argument 1 of length 2"
        );
        assert!(err("formatlist", vec![s("%s"), obj(vec![])])
            .starts_with("error on format iteration 0: unsupported value"));
        let v = ok("formatlist", vec![s("%s/*"), list(vec![arn(), s("x")])]);
        let items = v.as_list().unwrap_or_default();
        assert_eq!(parts(&items[0]), vec![reference("raw", "arn"), lit("/*")]);
        assert_eq!(items[1].as_str(), Some("x/*"));
        assert_eq!(
            unknown_reason("formatlist", vec![s("%s"), unk("later")]),
            "later"
        );
    }

    // ----- strings

    #[test]
    fn join_converts_primitives_and_keeps_references() {
        assert_eq!(
            ok("join", vec![s(","), list(vec![n(1.0), b(true), s("x")])]).as_str(),
            Some("1,true,x")
        );
        assert_eq!(
            ok("join", vec![s(","), strs(&["a"]), strs(&["b", "c"])]).as_str(),
            Some("a,b,c")
        );
        assert_eq!(ok("join", vec![s(","), list(vec![])]).as_str(), Some(""));
        let v = ok("join", vec![s(""), list(vec![arn(), s("/*")])]);
        assert_eq!(parts(&v), vec![reference("raw", "arn"), lit("/*")]);
        assert_eq!(err("join", vec![s(",")]), "at least one list is required");
        assert_eq!(
            err("join", vec![s(","), list(vec![s("a"), null()])]),
            "element 1 is null; cannot concatenate null values"
        );
        assert_eq!(
            err("join", vec![s(","), list(vec![strs(&["a"])])]),
            "element 0: string required"
        );
        assert_eq!(
            unknown_reason("join", vec![s(","), list(vec![s("a"), unk("u")])]),
            "u"
        );
        assert_eq!(unknown_reason("join", vec![s(","), unk("l")]), "l");
    }

    #[test]
    fn split_matches_go() {
        assert_eq!(js("split", vec![s(","), s("")]), r#"[""]"#);
        assert_eq!(js("split", vec![s(","), s("a,,b")]), r#"["a","","b"]"#);
        assert_eq!(js("split", vec![s(""), s("abc")]), r#"["a","b","c"]"#);
        assert!(unknown_reason("split", vec![s("/"), arn()]).contains("`split`"));
    }

    #[test]
    fn case_mapping_is_one_to_one_like_go() {
        assert_eq!(ok("lower", vec![s("ΣΑΣ")]).as_str(), Some("σασ"));
        assert_eq!(ok("lower", vec![s("İ")]).as_str(), Some("i"));
        assert_eq!(ok("upper", vec![s("ß")]).as_str(), Some("ß"));
        assert_eq!(ok("upper", vec![s("héllo")]).as_str(), Some("HÉLLO"));
        assert_eq!(ok("upper", vec![n(1.0)]).as_str(), Some("1"));
        assert_eq!(
            ok("title", vec![s("hello world-foo bar_baz")]).as_str(),
            Some("Hello World-Foo Bar_baz")
        );
        assert_eq!(
            ok("title", vec![s("o'neil mc-d x.y")]).as_str(),
            Some("O'Neil Mc-D X.Y")
        );
        assert_eq!(ok("title", vec![s("ǆemal")]).as_str(), Some("ǅemal"));
        assert_eq!(
            unknown_reason("lower", vec![arn()]),
            "`lower` of a value known only after apply"
        );
        assert_eq!(err("upper", vec![null()]), "argument must not be null");
    }

    #[test]
    fn strrev_reverses_characters() {
        assert_eq!(ok("strrev", vec![s("héllo")]).as_str(), Some("olléh"));
        assert_eq!(
            ok("strrev", vec![s("e\u{301}x")]).as_str(),
            Some("xe\u{301}")
        );
        assert_eq!(ok("strrev", vec![s("")]).as_str(), Some(""));
    }

    #[test]
    fn replace_plain_and_regex() {
        let r = |a: &str, b: &str, c: &str| ok("replace", vec![s(a), s(b), s(c)]);
        assert_eq!(r("aaa", "a", "b").as_str(), Some("bbb"));
        assert_eq!(r("abc", "", "-").as_str(), Some("-a-b-c-"));
        assert_eq!(r("a/b", "/", "x").as_str(), Some("axb"));
        assert_eq!(r("hello", "/l+/", "L").as_str(), Some("heLo"));
        assert_eq!(r("hello", "/(l+)/", "<$1>").as_str(), Some("he<ll>o"));
        assert_eq!(r("hello", "/(?P<x>l+)/", "[$x]").as_str(), Some("he[ll]o"));
        // Go, like the regex crate, reads `$1x` as the (missing) group `1x`
        assert_eq!(r("hello", "/(l)/", "$1x").as_str(), Some("heo"));
        assert_eq!(r("hello", "/l/", "$$").as_str(), Some("he$$o"));
        assert_eq!(r("hello", "//", "x").as_str(), Some("xhxexlxlxox"));
        assert!(err("replace", vec![s("hello"), s("/l(/"), s("x")])
            .starts_with("invalid regexp pattern"));
        assert!(unknown_reason("replace", vec![arn(), s("a"), s("b")]).contains("`replace`"));
    }

    #[test]
    fn replace_refuses_huge_results() {
        let big = "a".repeat(10_000);
        assert!(err("replace", vec![s(&big), s("a"), s(&big)])
            .contains("longer than the 16 MiB allowed"));
    }

    #[test]
    fn regex_result_shapes() {
        assert_eq!(
            ok("regex", vec![s("[a-z]+"), s("123abc")]).as_str(),
            Some("abc")
        );
        assert_eq!(
            js("regex", vec![s(r"(\d+)-(\d+)"), s("10-20")]),
            r#"["10","20"]"#
        );
        assert_eq!(
            js("regex", vec![s(r"(?P<b>\d+)-(?P<a>\d+)"), s("10-20")]),
            r#"{"a":"20","b":"10"}"#
        );
        assert_eq!(js("regex", vec![s("(a)|(b)"), s("b")]), r#"[null,"b"]"#);
        assert_eq!(
            err("regex", vec![s("x"), s("abc")]),
            "pattern did not match any part of the given string"
        );
        assert_eq!(
            err("regex", vec![s("(?P<a>x)(y)"), s("xy")]),
            "invalid regexp pattern: cannot mix both named and unnamed capture groups"
        );
        assert_eq!(
            js("regexall", vec![s("[a-z]+"), s("ab 12 cd")]),
            r#"["ab","cd"]"#
        );
        assert_eq!(
            js("regexall", vec![s(r"(\d)"), s("a1b2")]),
            r#"[["1"],["2"]]"#
        );
        assert_eq!(
            js("regexall", vec![s(r"(?P<d>\d)"), s("a1b2")]),
            r#"[{"d":"1"},{"d":"2"}]"#
        );
        assert_eq!(js("regexall", vec![s("x"), s("abc")]), "[]");
        assert!(unknown_reason("regex", vec![s("x"), arn()]).contains("`regex`"));
    }

    #[test]
    fn trimprefix_and_trimsuffix() {
        assert_eq!(
            ok("trimprefix", vec![s("abab"), s("ab")]).as_str(),
            Some("ab")
        );
        assert_eq!(
            ok("trimsuffix", vec![s("abab"), s("ab")]).as_str(),
            Some("ab")
        );
        assert_eq!(
            ok("trimprefix", vec![s("ab"), s("abc")]).as_str(),
            Some("ab")
        );
    }

    #[test]
    fn trim_affixes_of_symbolic_strings_use_the_literal_edge() {
        let v = sym(vec![reference("raw", "arn"), lit("/*")]);
        let out = ok("trimsuffix", vec![v.clone(), s("/*")]);
        assert_eq!(parts(&out), vec![reference("raw", "arn")]);
        // the suffix is not there: unchanged
        let out = ok("trimsuffix", vec![v.clone(), s(".json")]);
        assert_eq!(parts(&out), vec![reference("raw", "arn"), lit("/*")]);
        // the literal edge is only part of the suffix: the reference decides
        assert!(unknown_reason("trimsuffix", vec![v.clone(), s("x/*")]).contains("after apply"));
        // the other edge is a reference
        assert!(unknown_reason("trimprefix", vec![v, s("arn:")]).contains("`trimprefix`"));
        let v = sym(vec![lit("arn:aws:s3:::"), reference("raw", "id")]);
        let out = ok("trimprefix", vec![v, s("arn:aws:s3:::")]);
        assert_eq!(parts(&out), vec![reference("raw", "id")]);
    }

    #[test]
    fn trimspace_trim_and_chomp() {
        assert_eq!(
            ok("trimspace", vec![s("  \n a b \t")]).as_str(),
            Some("a b")
        );
        assert_eq!(
            ok("trimspace", vec![s("\u{a0}x\u{2003}")]).as_str(),
            Some("x")
        );
        assert_eq!(
            ok("trim", vec![s("?!hello?!"), s("!?")]).as_str(),
            Some("hello")
        );
        assert_eq!(ok("trim", vec![s("abcxba"), s("ab")]).as_str(), Some("cx"));
        assert_eq!(ok("chomp", vec![s("a\r\n\n")]).as_str(), Some("a"));
        assert_eq!(ok("chomp", vec![s("a\r\r")]).as_str(), Some("a"));
        assert_eq!(ok("chomp", vec![s("a\nb\n")]).as_str(), Some("a\nb"));
        let v = sym(vec![lit("  x"), reference("raw", "id"), lit("y \n")]);
        assert_eq!(
            parts(&ok("trimspace", vec![v.clone()])),
            vec![lit("x"), reference("raw", "id"), lit("y")]
        );
        assert_eq!(
            parts(&ok("chomp", vec![v])),
            vec![lit("  x"), reference("raw", "id"), lit("y ")]
        );
        let v = sym(vec![lit(" "), reference("raw", "id")]);
        assert!(unknown_reason("trimspace", vec![v]).contains("`trimspace`"));
    }

    #[test]
    fn substr_handles_negative_and_out_of_range_arguments() {
        let sub = |o: f64, l: f64| ok("substr", vec![s("hello"), n(o), n(l)]);
        assert_eq!(sub(1.0, 3.0).as_str(), Some("ell"));
        assert_eq!(sub(-3.0, 2.0).as_str(), Some("ll"));
        assert_eq!(sub(2.0, -1.0).as_str(), Some("llo"));
        assert_eq!(sub(10.0, 2.0).as_str(), Some(""));
        assert_eq!(sub(1.0, 100.0).as_str(), Some("ello"));
        assert_eq!(sub(-10.0, 2.0).as_str(), Some("he"));
        assert_eq!(sub(5.0, 1.0).as_str(), Some(""));
        assert_eq!(sub(0.0, -2.0).as_str(), Some("hello"));
        assert_eq!(sub(1e18, 1e18).as_str(), Some(""));
        assert_eq!(sub(-1e18, 1e18).as_str(), Some("hello"));
        assert_eq!(
            ok("substr", vec![s("héllo"), n(1.0), n(2.0)]).as_str(),
            Some("él")
        );
        assert_eq!(
            ok("substr", vec![s("e\u{301}x"), n(0.0), n(1.0)]).as_str(),
            Some("e\u{301}")
        );
        assert!(err("substr", vec![s("hello"), n(1.5), n(2.0)]).starts_with("invalid offset"));
        assert!(unknown_reason("substr", vec![arn(), n(0.0), n(3.0)]).contains("`substr`"));
    }

    #[test]
    fn indent_pads_every_line_after_the_first() {
        assert_eq!(
            ok("indent", vec![n(2.0), s("a\nb\n\nc")]).as_str(),
            Some("a\n  b\n  \n  c")
        );
        assert_eq!(ok("indent", vec![n(2.0), s("a\n")]).as_str(), Some("a\n  "));
        assert_eq!(
            err("indent", vec![n(-1.0), s("a")]),
            "spaces must not be negative"
        );
        assert!(err("indent", vec![n(1e9), s("\n\n")]).contains("longer than the 16 MiB allowed"));
    }

    #[test]
    fn startswith_endswith_and_strcontains() {
        let t = |f: &str, a: Value, x: &str| ok(f, vec![a, s(x)]).as_bool();
        assert_eq!(t("startswith", s("hello"), "he"), Some(true));
        assert_eq!(t("endswith", s("hello"), ""), Some(true));
        assert_eq!(t("endswith", s("hello"), "x"), Some(false));
        assert_eq!(t("strcontains", s("hello"), "ell"), Some(true));
        let v = sym(vec![
            lit("arn:aws:s3:::"),
            reference("raw", "id"),
            lit("/*"),
        ]);
        assert_eq!(t("startswith", v.clone(), "arn:aws:"), Some(true));
        assert_eq!(t("startswith", v.clone(), "arn:aws:iam"), Some(false));
        assert_eq!(t("endswith", v.clone(), "/*"), Some(true));
        assert_eq!(t("strcontains", v.clone(), "s3"), Some(true));
        assert!(
            unknown_reason("startswith", vec![v.clone(), s("arn:aws:s3:::x")])
                .contains("after apply")
        );
        assert!(unknown_reason("strcontains", vec![v, s("prod")]).contains("after apply"));
        assert!(unknown_reason("endswith", vec![arn(), s("x")]).contains("`endswith`"));
    }

    #[test]
    fn length_of_strings_collections_and_unknowns() {
        let len = |v: Value| ok("length", vec![v]).as_number();
        assert_eq!(len(s("héllo")), Some(5.0));
        assert_eq!(len(s("e\u{301}")), Some(1.0));
        assert_eq!(len(s("a\r\nb")), Some(3.0));
        assert_eq!(len(s("🇺🇸x")), Some(2.0));
        assert_eq!(len(s("👍🏽")), Some(1.0));
        assert_eq!(len(obj(vec![("a", n(1.0))])), Some(1.0));
        assert_eq!(len(list(vec![unk("a"), unk("b")])), Some(2.0));
        assert_eq!(err("length", vec![null()]), "argument must not be null");
        assert_eq!(
            err("length", vec![n(5.0)]),
            "argument must be a string, a collection type, or a structural type"
        );
        let j = ok("jsonencode", vec![obj(vec![("a", n(1.0))])]);
        assert!(unknown_reason("length", vec![j]).contains("JSON"));
        assert!(unknown_reason("length", vec![arn()]).contains("`length`"));
        assert_eq!(unknown_reason("length", vec![unk("r")]), "r");
    }

    // ----- collections

    #[test]
    fn concat_keeps_element_spans_and_unknown_elements() {
        let v = ok(
            "concat",
            vec![nums(&[1.0]), list(vec![s("a"), unk("later")])],
        );
        let items = v.as_list().unwrap_or_default();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].span, at(2));
        assert_eq!(items[1].span, at(1));
        assert!(items[2].is_unknown());
        assert_eq!(v.span, CALL);
        assert_eq!(js("concat", vec![list(vec![]), list(vec![])]), "[]");
        assert_eq!(
            err("concat", vec![]),
            "`concat` expects at least 1 argument, got 0"
        );
        assert_eq!(
            err("concat", vec![s("a")]),
            "all arguments must be lists or tuples; got string"
        );
        assert_eq!(unknown_reason("concat", vec![nums(&[1.0]), unk("l")]), "l");
    }

    #[test]
    fn merge_later_keys_win_and_nulls_are_skipped() {
        let v = ok(
            "merge",
            vec![
                obj(vec![("a", n(1.0))]),
                null(),
                obj(vec![("a", s("two")), ("b", n(3.0))]),
            ],
        );
        assert_eq!(json_text(&v).as_deref(), Some(r#"{"a":"two","b":3}"#));
        assert_eq!(v.get("a").map(|a| a.span), Some(at(1)));
        assert_eq!(js("merge", vec![]), "{}");
        assert_eq!(
            js(
                "merge",
                vec![
                    obj(vec![("a", obj(vec![("x", n(1.0))]))]),
                    obj(vec![("a", obj(vec![("y", n(2.0))]))])
                ]
            ),
            r#"{"a":{"y":2}}"#
        );
        assert_eq!(
            err("merge", vec![obj(vec![]), nums(&[1.0])]),
            "arguments must be maps or objects, got \"tuple\""
        );
        assert_eq!(unknown_reason("merge", vec![obj(vec![]), unk("m")]), "m");
    }

    #[test]
    fn flatten_nested_lists() {
        let v = list(vec![list(vec![n(1.0), nums(&[2.0])]), n(3.0), list(vec![])]);
        assert_eq!(js("flatten", vec![v]), "[1,2,3]");
        assert_eq!(
            js("flatten", vec![list(vec![null(), nums(&[1.0])])]),
            "[null,1]"
        );
        assert_eq!(
            err("flatten", vec![s("a")]),
            "can only flatten lists, sets and tuples"
        );
        assert_eq!(
            unknown_reason("flatten", vec![list(vec![nums(&[1.0]), unk("inner")])]),
            "inner"
        );
    }

    #[test]
    fn flatten_refuses_absurd_nesting() {
        let mut v = list(vec![]);
        for _ in 0..300 {
            v = list(vec![v]);
        }
        assert!(err("flatten", vec![v]).contains("nested too deeply"));
    }

    #[test]
    fn distinct_unifies_then_deduplicates() {
        assert_eq!(
            js("distinct", vec![list(vec![n(1.0), s("1"), n(2.0), n(1.0)])]),
            r#"["1","2"]"#
        );
        assert_eq!(js("distinct", vec![strs(&["b", "a", "b"])]), r#"["b","a"]"#);
        assert_eq!(
            js("distinct", vec![list(vec![nums(&[1.0]), nums(&[1.0])])]),
            "[[1]]"
        );
        let v = ok("distinct", vec![list(vec![arn(), arn(), s("x")])]);
        assert_eq!(v.as_list().map(<[Value]>::len), Some(2));
        let v = ok("distinct", vec![list(vec![unk("a"), unk("a")])]);
        assert_eq!(v.as_list().map(<[Value]>::len), Some(2));
    }

    #[test]
    fn compact_drops_nulls_and_empty_strings() {
        assert_eq!(
            js("compact", vec![list(vec![s("a"), s(""), null(), s("b")])]),
            r#"["a","b"]"#
        );
        assert_eq!(js("compact", vec![nums(&[1.0])]), r#"["1"]"#);
        let v = ok("compact", vec![list(vec![arn(), s("")])]);
        assert_eq!(v.as_list().map(<[Value]>::len), Some(1));
    }

    #[test]
    fn lookup_returns_the_entry_itself() {
        let m = obj(vec![("a", n(1.0))]);
        let v = ok("lookup", vec![m.clone(), s("a")]);
        assert_eq!(v.as_number(), Some(1.0));
        assert_eq!(v.span, at(2));
        let v = ok("lookup", vec![m.clone(), s("b"), s("d")]);
        assert_eq!((v.as_str(), v.span), (Some("d"), at(1)));
        assert_eq!(
            err("lookup", vec![m, s("b")]),
            "the given object has no attribute \"b\""
        );
        assert_eq!(unknown_reason("lookup", vec![unk("m"), s("a")]), "m");
        assert!(unknown_reason("lookup", vec![obj(vec![]), arn()]).contains("`lookup`"));
    }

    #[test]
    fn element_wraps_around() {
        let l = nums(&[1.0, 2.0, 3.0]);
        assert_eq!(
            ok("element", vec![l.clone(), n(4.0)]).as_number(),
            Some(2.0)
        );
        assert_eq!(ok("element", vec![l.clone(), n(0.0)]).span, at(2));
        assert_eq!(
            err("element", vec![list(vec![]), n(0.0)]),
            "cannot use element function with an empty list"
        );
        assert!(err("element", vec![l.clone(), n(1.5)]).starts_with("invalid index"));
        assert!(err("element", vec![l, n(-1.0)]).contains("negative"));
        assert_eq!(
            err("element", vec![s("ab"), n(0.0)]),
            "cannot read elements from string"
        );
    }

    #[test]
    fn coalesce_skips_nulls_and_empty_strings() {
        let v = ok("coalesce", vec![null(), s(""), s("b")]);
        assert_eq!((v.as_str(), v.span), (Some("b"), at(1)));
        assert_eq!(js("coalesce", vec![n(1.0), s("a")]), r#""1""#);
        assert_eq!(js("coalesce", vec![n(1.0), n(2.0)]), "1");
        assert_eq!(js("coalesce", vec![b(false), b(true)]), "false");
        assert_eq!(
            err("coalesce", vec![s(""), null()]),
            "no non-null, non-empty-string arguments"
        );
        assert_eq!(
            err("coalesce", vec![nums(&[1.0]), s("a")]),
            "all arguments must have the same type"
        );
        assert_eq!(
            unknown_reason("coalesce", vec![s(""), unk("u"), s("x")]),
            "u"
        );
        let v = ok("coalesce", vec![s("x"), unk("u")]);
        assert_eq!(v.as_str(), Some("x"));
        assert_eq!(parts(&ok("coalesce", vec![null(), arn()])).len(), 1);
    }

    #[test]
    fn coalescelist_returns_the_first_non_empty_list() {
        let v = ok("coalescelist", vec![list(vec![]), nums(&[1.0])]);
        assert_eq!((json_text(&v).as_deref(), v.span), (Some("[1]"), at(5)));
        assert_eq!(
            err("coalescelist", vec![list(vec![]), list(vec![])]),
            "no non-null arguments"
        );
        assert_eq!(
            unknown_reason("coalescelist", vec![list(vec![]), unk("l")]),
            "l"
        );
        assert_eq!(js("coalescelist", vec![nums(&[2.0]), unk("l")]), "[2]");
    }

    #[test]
    fn keys_and_values_are_sorted_by_key() {
        let m = obj(vec![("b", n(1.0)), ("a", n(2.0))]);
        assert_eq!(js("keys", vec![m.clone()]), r#"["a","b"]"#);
        assert_eq!(js("values", vec![m.clone()]), "[2,1]");
        assert_eq!(
            ok("keys", vec![m.clone()]).as_list().unwrap_or_default()[0].span,
            at(6)
        );
        assert_eq!(
            ok("values", vec![m]).as_list().unwrap_or_default()[0].span,
            at(2)
        );
        assert_eq!(js("keys", vec![obj(vec![])]), "[]");
        assert_eq!(js("keys", vec![obj(vec![("k", unk("v"))])]), r#"["k"]"#);
        assert!(err("keys", vec![strs(&["a"])]).contains("map or object"));
    }

    #[test]
    fn contains_and_index_compare_structurally() {
        let c = |l: Value, v: Value| ok("contains", vec![l, v]).as_bool();
        assert_eq!(c(nums(&[1.0, 2.0]), s("1")), Some(false));
        assert_eq!(c(strs(&["a", "b"]), s("b")), Some(true));
        assert_eq!(c(list(vec![]), s("a")), Some(false));
        assert_eq!(c(list(vec![nums(&[1.0])]), nums(&[1.0])), Some(true));
        assert_eq!(c(list(vec![arn(), s("x")]), arn()), Some(true));
        assert_eq!(c(list(vec![unk("u"), s("x")]), s("x")), Some(true));
        assert!(
            unknown_reason("contains", vec![list(vec![unk("u")]), s("x")]).contains("`contains`")
        );
        assert_eq!(
            ok("index", vec![strs(&["a", "b"]), s("b")]).as_number(),
            Some(1.0)
        );
        assert_eq!(
            ok("index", vec![nums(&[1.0, 2.0, 1.0]), n(1.0)]).as_number(),
            Some(0.0)
        );
        assert_eq!(
            ok("index", vec![list(vec![s("a"), arn()]), arn()]).as_number(),
            Some(1.0)
        );
        assert_eq!(err("index", vec![strs(&["a"]), s("c")]), "item not found");
        assert_eq!(
            err("index", vec![list(vec![]), n(1.0)]),
            "cannot search an empty list"
        );
        assert!(
            unknown_reason("index", vec![list(vec![unk("u"), s("x")]), s("x")]).contains("`index`")
        );
    }

    #[test]
    fn zipmap_pairs_keys_with_values() {
        assert_eq!(
            js("zipmap", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            r#"{"a":1,"b":2}"#
        );
        assert_eq!(
            js(
                "zipmap",
                vec![strs(&["b", "a", "b"]), nums(&[1.0, 2.0, 3.0])]
            ),
            r#"{"a":2,"b":3}"#
        );
        assert_eq!(
            js("zipmap", vec![nums(&[1.0]), strs(&["x"])]),
            r#"{"1":"x"}"#
        );
        assert_eq!(
            err("zipmap", vec![strs(&["a", "b"]), nums(&[1.0])]),
            "number of keys (2) does not match number of values (1)"
        );
        assert_eq!(
            err(
                "zipmap",
                vec![list(vec![s("a"), null()]), nums(&[1.0, 2.0])]
            ),
            "keys list has null value at index 1"
        );
        assert!(
            unknown_reason("zipmap", vec![list(vec![arn()]), nums(&[1.0])]).contains("`zipmap`")
        );
    }

    #[test]
    fn set_operations() {
        assert_eq!(
            js("setunion", vec![strs(&["a", "b"]), strs(&["c", "a"])]),
            r#"["a","b","c"]"#
        );
        assert_eq!(
            js("setunion", vec![strs(&["b"]), nums(&[1.0])]),
            r#"["1","b"]"#
        );
        assert_eq!(
            js("setunion", vec![nums(&[2.0, 10.0]), nums(&[1.0])]),
            "[1,2,10]"
        );
        assert_eq!(
            js(
                "setintersection",
                vec![strs(&["a", "b", "c"]), strs(&["b", "c", "d"])]
            ),
            r#"["b","c"]"#
        );
        assert_eq!(js("setintersection", vec![strs(&["a"])]), r#"["a"]"#);
        assert_eq!(
            js(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            r#"["b"]"#
        );
        let v = ok(
            "setunion",
            vec![list(vec![arn()]), list(vec![arn(), s("x")])],
        );
        assert_eq!(v.as_list().map(<[Value]>::len), Some(2));
        assert_eq!(
            js(
                "setsubtract",
                vec![list(vec![s("a"), arn()]), list(vec![arn()])]
            ),
            r#"["a"]"#
        );
        assert!(
            unknown_reason("setintersection", vec![strs(&["a"]), list(vec![unk("u")])])
                .contains("`setintersection`")
        );
    }

    #[test]
    fn setproduct_combines_every_element() {
        assert_eq!(
            js("setproduct", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            r#"[["a",1],["a",2],["b",1],["b",2]]"#
        );
        assert_eq!(js("setproduct", vec![list(vec![]), strs(&["a"])]), "[]");
        assert_eq!(
            err("setproduct", vec![strs(&["a"])]),
            "at least two arguments are required"
        );
        let big = nums(&[0.0; 1000]);
        assert!(err("setproduct", vec![big.clone(), big.clone(), big]).contains("elements"));
    }

    #[test]
    fn range_follows_terraform() {
        let r = |args: &[f64]| js("range", args.iter().map(|x| n(*x)).collect());
        assert_eq!(r(&[3.0]), "[0,1,2]");
        assert_eq!(r(&[-3.0]), "[0,-1,-2]");
        assert_eq!(r(&[1.0, 4.0]), "[1,2,3]");
        assert_eq!(r(&[5.0, 1.0]), "[5,4,3,2]");
        assert_eq!(r(&[1.0, 10.0, 3.0]), "[1,4,7]");
        assert_eq!(r(&[5.0, 1.0, -2.0]), "[5,3]");
        assert_eq!(r(&[0.0, 1.0, 0.25]), "[0,0.25,0.5,0.75]");
        assert_eq!(r(&[0.0, 0.5, 0.1]), "[0,0.1,0.2,0.3,0.4]");
        assert_eq!(r(&[1.0, 1.0]), "[]");
        assert_eq!(
            err("range", vec![n(1.0), n(5.0), n(-1.0)]),
            "end must be less than start when step is negative"
        );
        assert_eq!(
            err("range", vec![n(5.0), n(1.0), n(2.0)]),
            "end must be greater than start when step is positive"
        );
        assert!(err("range", vec![n(1.0), n(2.0), n(0.0)]).starts_with("more than 1024"));
        assert!(err("range", vec![n(1e12)]).starts_with("more than 1024"));
        assert_eq!(
            ok("range", vec![n(1024.0)]).as_list().map(<[Value]>::len),
            Some(1024)
        );
    }

    #[test]
    fn slice_reverse_and_chunklist() {
        let l = nums(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(js("slice", vec![l.clone(), n(1.0), n(3.0)]), "[2,3]");
        assert_eq!(js("slice", vec![l.clone(), n(4.0), n(4.0)]), "[]");
        assert_eq!(
            err("slice", vec![l.clone(), n(2.0), n(1.0)]),
            "start index must not be greater than end index"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(0.0), n(5.0)]),
            "end index must not be greater than the length of the list"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(-1.0), n(2.0)]),
            "start index must not be less than zero"
        );
        assert_eq!(js("reverse", vec![l.clone()]), "[4,3,2,1]");
        assert!(err("reverse", vec![s("abc")]).starts_with("can only reverse"));
        assert_eq!(
            js("chunklist", vec![nums(&[1.0, 2.0, 3.0, 4.0, 5.0]), n(2.0)]),
            "[[1,2],[3,4],[5]]"
        );
        assert_eq!(js("chunklist", vec![l.clone(), n(0.0)]), "[[1,2,3,4]]");
        assert_eq!(js("chunklist", vec![list(vec![]), n(2.0)]), "[]");
        assert_eq!(
            err("chunklist", vec![l, n(-1.0)]),
            "the size argument must be positive"
        );
    }

    #[test]
    fn sort_is_lexical_over_strings() {
        assert_eq!(
            js("sort", vec![strs(&["b", "a", "10", "9"])]),
            r#"["10","9","a","b"]"#
        );
        assert_eq!(js("sort", vec![nums(&[3.0, 1.0, 2.0])]), r#"["1","2","3"]"#);
        assert_eq!(
            js("sort", vec![list(vec![s("b"), n(1.0), b(true)])]),
            r#"["1","b","true"]"#
        );
        assert_eq!(
            err("sort", vec![list(vec![s("a"), null()])]),
            "given list element 1 is null; a null string cannot be sorted"
        );
        assert!(unknown_reason("sort", vec![list(vec![s("a"), arn()])]).contains("`sort`"));
    }

    #[test]
    fn one_alltrue_anytrue() {
        assert!(ok("one", vec![list(vec![])]).is_null());
        assert_eq!(ok("one", vec![nums(&[1.0])]).span, at(2));
        assert!(err("one", vec![nums(&[1.0, 2.0])]).contains("zero or one"));
        assert_eq!(err("one", vec![null()]), "argument must not be null");
        let t = |f: &str, v: Value| ok(f, vec![v]).as_bool();
        assert_eq!(t("alltrue", list(vec![])), Some(true));
        assert_eq!(t("alltrue", list(vec![b(true), s("true")])), Some(true));
        assert_eq!(t("alltrue", list(vec![b(true), null()])), Some(false));
        assert_eq!(t("alltrue", list(vec![unk("u"), b(false)])), Some(false));
        assert_eq!(t("anytrue", list(vec![])), Some(false));
        assert_eq!(t("anytrue", list(vec![b(false), s("true")])), Some(true));
        assert_eq!(t("anytrue", list(vec![null()])), Some(false));
        assert_eq!(t("anytrue", list(vec![unk("u"), b(true)])), Some(true));
        assert_eq!(
            unknown_reason("alltrue", vec![list(vec![unk("u"), b(true)])]),
            "u"
        );
        assert!(err("alltrue", vec![list(vec![s("yes")])]).contains("\"true\" or \"false\""));
    }

    #[test]
    fn transpose_and_matchkeys() {
        let m = obj(vec![("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))]);
        assert_eq!(
            js("transpose", vec![m]),
            r#"{"1":["a"],"2":["a","b"],"3":["b"]}"#
        );
        assert_eq!(js("transpose", vec![obj(vec![("a", list(vec![]))])]), "{}");
        assert_eq!(
            err("transpose", vec![obj(vec![("a", null())])]),
            "input must not contain null list"
        );
        assert_eq!(
            js(
                "matchkeys",
                vec![strs(&["a", "b", "c"]), strs(&["x", "y", "z"]), strs(&["y"])]
            ),
            r#"["b"]"#
        );
        assert_eq!(
            err(
                "matchkeys",
                vec![strs(&["a", "b"]), strs(&["x"]), strs(&["y"])]
            ),
            "length of keys and values should be equal"
        );
    }

    // ----- conversion

    #[test]
    fn toset_sorts_and_deduplicates() {
        assert_eq!(js("toset", vec![strs(&["b", "a", "b"])]), r#"["a","b"]"#);
        assert_eq!(js("toset", vec![nums(&[2.0, 10.0, 1.0])]), "[1,2,10]");
        assert_eq!(
            js("toset", vec![list(vec![b(true), b(false)])]),
            "[false,true]"
        );
        assert_eq!(
            js("toset", vec![list(vec![n(1.0), s("a")])]),
            r#"["1","a"]"#
        );
        assert_eq!(
            js("toset", vec![list(vec![null(), s("a")])]),
            r#"["a",null]"#
        );
        assert_eq!(
            err("toset", vec![s("a")]),
            "cannot convert string to set of any single type"
        );
        assert_eq!(
            err("toset", vec![list(vec![n(1.0), b(true)])]),
            "cannot convert tuple to set of any single type"
        );
        let v = ok("toset", vec![list(vec![arn(), s("b"), arn(), s("a")])]);
        let items = v.as_list().unwrap_or_default();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_str(), Some("a"));
        assert_eq!(items[2].span, at(9));
    }

    #[test]
    fn tolist_and_tomap() {
        let l = strs(&["b", "a"]);
        let v = ok("tolist", vec![l]);
        assert_eq!(
            (json_text(&v).as_deref(), v.span),
            (Some(r#"["b","a"]"#), at(5))
        );
        assert_eq!(
            js("tolist", vec![list(vec![n(1.0), s("a")])]),
            r#"["1","a"]"#
        );
        assert_eq!(
            js("tomap", vec![obj(vec![("a", n(1.0)), ("b", s("x"))])]),
            r#"{"a":"1","b":"x"}"#
        );
        assert_eq!(
            err("tomap", vec![obj(vec![("a", n(1.0)), ("b", nums(&[1.0]))])]),
            "cannot convert object to map of any single type"
        );
    }

    #[test]
    fn primitive_conversions() {
        assert_eq!(js("tostring", vec![n(1.0)]), r#""1""#);
        assert_eq!(js("tostring", vec![b(true)]), r#""true""#);
        assert_eq!(ok("tostring", vec![s("a")]).span, at(1));
        assert_eq!(
            parts(&ok("tostring", vec![arn()])),
            vec![reference("raw", "arn")]
        );
        assert!(ok("tostring", vec![null()]).is_null());
        assert_eq!(
            err("tostring", vec![nums(&[1.0])]),
            "cannot convert tuple to string"
        );
        assert_eq!(js("tonumber", vec![s("12")]), "12");
        assert_eq!(js("tonumber", vec![s("1e3")]), "1000");
        assert_eq!(js("tonumber", vec![s("-1.5")]), "-1.5");
        for bad in ["0x10", " 12", "abc", "inf", "NaN", ""] {
            assert!(
                err("tonumber", vec![s(bad)]).contains("decimal representation"),
                "{bad}"
            );
        }
        assert_eq!(
            err("tonumber", vec![b(true)]),
            "cannot convert bool to number"
        );
        assert_eq!(js("tobool", vec![s("true")]), "true");
        assert!(err("tobool", vec![s("yes")]).contains("only the strings"));
        assert_eq!(err("tobool", vec![n(1.0)]), "cannot convert number to bool");
        assert!(unknown_reason("tonumber", vec![arn()]).contains("`tonumber`"));
        let sensitive = ok("sensitive", vec![s("x")]);
        assert_eq!((sensitive.as_str(), sensitive.span), (Some("x"), at(1)));
    }

    // ----- numbers

    #[test]
    fn numeric_functions() {
        assert_eq!(
            ok("max", vec![n(1.0), n(5.0), n(3.0)]).as_number(),
            Some(5.0)
        );
        assert_eq!(js("max", vec![s("3"), n(2.0)]), "3");
        assert_eq!(ok("min", vec![n(1.0), n(-1.0)]).as_number(), Some(-1.0));
        assert_eq!(err("max", vec![]), "must pass at least one number");
        assert_eq!(js("sum", vec![nums(&[1.0, 2.5])]), "3.5");
        assert_eq!(js("sum", vec![list(vec![s("1"), n(2.0)])]), "3");
        assert_eq!(err("sum", vec![list(vec![])]), "cannot sum an empty list");
        assert_eq!(js("abs", vec![n(-3.5)]), "3.5");
        assert_eq!(js("abs", vec![s("-2")]), "2");
        assert_eq!(js("ceil", vec![n(1.2)]), "2");
        assert_eq!(js("floor", vec![n(-1.2)]), "-2");
        assert_eq!(js("signum", vec![n(-2.0)]), "-1");
        assert_eq!(js("signum", vec![n(0.0)]), "0");
        assert_eq!(js("log", vec![n(8.0), n(2.0)]), "3");
        assert_eq!(js("pow", vec![n(2.0), n(10.0)]), "1024");
        assert!(err("log", vec![n(0.0), n(10.0)]).contains("finite"));
        assert_eq!(unknown_reason("abs", vec![unk("n")]), "n");
    }

    #[test]
    fn parseint_bases() {
        let p = |x: &str, base: f64| js("parseint", vec![s(x), n(base)]);
        assert_eq!(p("ff", 16.0), "255");
        assert_eq!(p("-ZZ", 36.0), "-1295");
        assert_eq!(p("zz", 62.0), "2205");
        assert_eq!(p("Zz", 62.0), "3817");
        assert_eq!(
            err("parseint", vec![s("1_0"), n(10.0)]),
            "cannot parse \"1_0\" as a base 10 integer"
        );
        assert_eq!(
            err("parseint", vec![s("12"), n(1.0)]),
            "base must be a whole number between 2 and 62 inclusive"
        );
        assert!(err("parseint", vec![s("-"), n(10.0)]).starts_with("cannot parse"));
    }

    // ----- encoding and hashing

    #[test]
    fn jsonencode_keeps_structure_and_renders_like_terraform() {
        let doc = obj(vec![
            ("b", s("<a&b>")),
            ("a", list(vec![n(1.0), b(true), null()])),
            ("é", s("\u{2028}x\u{7f}\u{0}\u{8}\u{c}\t")),
        ]);
        let v = ok("jsonencode", vec![doc]);
        assert_eq!(v.span, CALL);
        let Kind::Json(inner) = &v.kind else {
            panic!("jsonencode should give Json, got {v:?}");
        };
        assert_eq!(inner.span, at(7));
        assert_eq!(
            json_text(inner).as_deref(),
            Some("{\"a\":[1,true,null],\"b\":\"\\u003ca\\u0026b\\u003e\",\"é\":\"\\u2028x\u{7f}\\u0000\\b\\f\\t\"}")
        );
        // the jsonencode result's own text is what a template interpolates
        assert_eq!(json_text(&v), json_text(inner));
        // nested in a structure, or encoded again, it is a string
        let x = obj(vec![("k", s("<"))]);
        let once = ok("jsonencode", vec![x]);
        assert_eq!(
            json_text(&list(vec![once.clone()])).as_deref(),
            Some(r#"["{\"k\":\"\\u003c\"}"]"#)
        );
        let twice = ok("jsonencode", vec![once]);
        assert_eq!(
            json_text(&twice).as_deref(),
            Some(r#""{\"k\":\"\\u003c\"}""#)
        );
        assert_eq!(
            ok("format", vec![s("%s"), twice]).as_str(),
            Some(r#""{\"k\":\"\\u003c\"}""#)
        );
        assert_eq!(
            json_text(&nums(&[1e21, 1e-7, 1_234_567.0, 0.1])).as_deref(),
            Some("[1000000000000000000000,0.0000001,1234567,0.1]")
        );
        assert_eq!(
            json_text(&obj(vec![("B", n(1.0)), ("a", n(2.0)), ("10", n(3.0))])).as_deref(),
            Some(r#"{"10":3,"B":1,"a":2}"#)
        );
        assert_eq!(json_text(&list(vec![arn()])), None);
        assert_eq!(unknown_reason("jsonencode", vec![unk("j")]), "j");
    }

    #[test]
    fn json_strings_are_strings_to_string_functions() {
        let j = ok("jsonencode", vec![obj(vec![("a", s("b"))])]);
        assert_eq!(ok("upper", vec![j.clone()]).as_str(), Some(r#"{"A":"B"}"#));
        assert_eq!(
            ok("format", vec![s("%s"), j.clone()]).as_str(),
            Some(r#"{"a":"b"}"#)
        );
        assert_eq!(
            ok("contains", vec![list(vec![j.clone()]), s(r#"{"a":"b"}"#)]).as_bool(),
            Some(true)
        );
        assert_eq!(ok("tostring", vec![j.clone()]).span, CALL);
        let symbolic = ok("jsonencode", vec![obj(vec![("Resource", arn())])]);
        assert!(unknown_reason("upper", vec![symbolic]).contains("`upper`"));
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(js("base64encode", vec![s("héllo")]), r#""aMOpbGxv""#);
        assert_eq!(js("base64encode", vec![s("")]), r#""""#);
        assert_eq!(js("base64encode", vec![s("a")]), r#""YQ==""#);
        assert_eq!(js("base64encode", vec![s("ab")]), r#""YWI=""#);
        assert_eq!(js("base64decode", vec![s("aMOpbGxv")]), r#""héllo""#);
        assert_eq!(js("base64decode", vec![s("aGk=")]), r#""hi""#);
        assert_eq!(js("base64decode", vec![s("YW\nJj")]), r#""abc""#);
        for bad in ["aGk", "!!!", "aGk=aGk=", "a==="] {
            assert_eq!(
                err("base64decode", vec![s(bad)]),
                format!("failed to decode base64 data {bad:?}")
            );
        }
        assert_eq!(
            err("base64decode", vec![s("/w==")]),
            "the result of decoding the provided string is not valid UTF-8"
        );
    }

    #[test]
    fn digests_match_terraform() {
        let h = |f: &str, x: &str| ok(f, vec![s(x)]).as_str().map(String::from);
        assert_eq!(
            h("sha256", "hello").as_deref(),
            Some("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        );
        assert_eq!(
            h("base64sha256", "hello").as_deref(),
            Some("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")
        );
        assert_eq!(
            h("sha512", "a").as_deref(),
            Some("1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75")
        );
        assert_eq!(
            h("sha1", "hello").as_deref(),
            Some("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            h("sha1", "").as_deref(),
            Some("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        assert_eq!(
            h("md5", "hello").as_deref(),
            Some("5d41402abc4b2a76b9719d911017c592")
        );
        assert_eq!(
            h("md5", "").as_deref(),
            Some("d41d8cd98f00b204e9800998ecf8427e")
        );
        assert_eq!(
            ok("uuidv5", vec![s("dns"), s("example.com")]).as_str(),
            Some("cfbff0d1-9375-5685-968c-48ce8b15ae17")
        );
        assert!(unknown_reason("sha256", vec![arn()]).contains("`sha256`"));
    }

    #[test]
    fn digests_span_several_blocks() {
        let long = "The quick brown fox jumps over the lazy dog, repeated to pass one block of sixty-four bytes....";
        assert_eq!(
            ok("md5", vec![s(long)]).as_str(),
            Some("fcd2b485c8eece30462e437dea2ecbd8")
        );
        assert_eq!(
            ok("sha1", vec![s(long)]).as_str(),
            Some("f70a79457e43bdda9e190a6318b674e9b780eb62")
        );
    }

    #[test]
    fn urlencode_like_go_query_escape() {
        assert_eq!(
            js("urlencode", vec![s("a b/c?d=é&~")]),
            r#""a+b%2Fc%3Fd%3D%C3%A9%26~""#
        );
    }

    #[test]
    fn run_dependent_functions_are_unknown() {
        for f in ["uuid", "timestamp", "plantimestamp"] {
            assert!(unknown_reason(f, vec![]).contains("differs on every run"));
        }
    }

    // ----- network

    #[test]
    fn cidr_functions() {
        let sub = |p: &str, a: f64, b: f64| ok("cidrsubnet", vec![s(p), n(a), n(b)]);
        assert_eq!(sub("10.0.0.0/16", 8.0, 2.0).as_str(), Some("10.0.2.0/24"));
        assert_eq!(sub("10.0.0.1/16", 8.0, 1.0).as_str(), Some("10.0.1.0/24"));
        assert_eq!(sub("fd00::/56", 8.0, 3.0).as_str(), Some("fd00:0:0:3::/64"));
        assert_eq!(sub("0.0.0.0/0", 1.0, 1.0).as_str(), Some("128.0.0.0/1"));
        assert_eq!(
            sub("::ffff:10.0.0.0/112", 8.0, 1.0).as_str(),
            Some("10.0.1.0/24")
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(20.0), n(1.0)]),
            "insufficient address space to extend prefix of 16 by 20"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(4.0), n(16.0)]),
            "prefix extension of 4 does not accommodate a subnet numbered 16"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0/16"), n(8.0), n(1.0)]),
            "invalid CIDR expression: invalid CIDR address: 10.0.0/16"
        );
        let host = |p: &str, h: f64| ok("cidrhost", vec![s(p), n(h)]);
        assert_eq!(host("10.0.0.0/16", -1.0).as_str(), Some("10.0.255.255"));
        assert_eq!(host("10.0.0.0/8", -257.0).as_str(), Some("10.255.254.255"));
        assert_eq!(host("fd00::/56", 300.0).as_str(), Some("fd00::12c"));
        assert_eq!(
            err("cidrhost", vec![s("10.0.0.0/30"), n(4.0)]),
            "prefix of 30 does not accommodate a host numbered 4"
        );
        assert_eq!(
            ok("cidrnetmask", vec![s("10.0.0.0/12")]).as_str(),
            Some("255.240.0.0")
        );
        assert_eq!(
            err("cidrnetmask", vec![s("fd00::/56")]),
            "IPv6 addresses cannot have a netmask: fd00::/56"
        );
    }

    #[test]
    fn cidrsubnets_allocates_consecutively() {
        let subs = |p: &str, bits: &[f64]| {
            let mut args = vec![s(p)];
            args.extend(bits.iter().map(|b| n(*b)));
            call("cidrsubnets", args)
        };
        let js_of = |r: Result<Value, String>| r.map(|v| json_text(&v).unwrap_or_default());
        assert_eq!(
            js_of(subs("10.0.0.0/16", &[4.0, 4.0, 8.0])).as_deref(),
            Ok(r#"["10.0.0.0/20","10.0.16.0/20","10.0.32.0/24"]"#)
        );
        assert_eq!(
            js_of(subs("10.0.0.0/16", &[8.0, 4.0])).as_deref(),
            Ok(r#"["10.0.0.0/24","10.0.16.0/20"]"#)
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[1.0, 1.0, 1.0])),
            Err("not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25".to_string())
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[0.0])),
            Err("must extend prefix by at least one bit".to_string())
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[9.0])),
            Err(
                "would extend prefix to 33 bits, which is too long for an IPv4 address".to_string()
            )
        );
    }

    #[test]
    fn top_level_unknowns_propagate_their_reason() {
        let u = || unk("why");
        let cases: Vec<(&str, Vec<Value>)> = vec![
            ("format", vec![s("%s"), u()]),
            ("join", vec![s(","), u()]),
            ("split", vec![s(","), u()]),
            ("lower", vec![u()]),
            ("replace", vec![u(), s("a"), s("b")]),
            ("regex", vec![s("a"), u()]),
            ("trimprefix", vec![u(), s("a")]),
            ("trimspace", vec![u()]),
            ("substr", vec![s("abc"), u(), n(1.0)]),
            ("startswith", vec![u(), s("a")]),
            ("concat", vec![u()]),
            ("merge", vec![u()]),
            ("flatten", vec![u()]),
            ("distinct", vec![u()]),
            ("compact", vec![u()]),
            ("lookup", vec![u(), s("a")]),
            ("element", vec![u(), n(0.0)]),
            ("element", vec![strs(&["a"]), u()]),
            ("keys", vec![u()]),
            ("values", vec![u()]),
            ("length", vec![u()]),
            ("contains", vec![u(), s("a")]),
            ("contains", vec![strs(&["a"]), u()]),
            ("index", vec![u(), s("a")]),
            ("zipmap", vec![u(), strs(&[])]),
            ("setunion", vec![strs(&["a"]), u()]),
            ("range", vec![u()]),
            ("slice", vec![u(), n(0.0), n(0.0)]),
            ("reverse", vec![u()]),
            ("sort", vec![u()]),
            ("one", vec![u()]),
            ("alltrue", vec![u()]),
            ("chunklist", vec![u(), n(1.0)]),
            ("transpose", vec![u()]),
            ("toset", vec![u()]),
            ("tolist", vec![u()]),
            ("tomap", vec![u()]),
            ("tostring", vec![u()]),
            ("tonumber", vec![u()]),
            ("tobool", vec![u()]),
            ("max", vec![n(1.0), u()]),
            ("sum", vec![list(vec![n(1.0), u()])]),
            ("abs", vec![u()]),
            ("jsonencode", vec![u()]),
            ("base64encode", vec![u()]),
            ("sha256", vec![u()]),
            ("cidrsubnet", vec![u(), n(8.0), n(1.0)]),
        ];
        for (name, args) in cases {
            assert_eq!(unknown_reason(name, args), "why", "{name}");
        }
    }

    // ----- robustness

    /// Every function with every small combination of awkward arguments: no panic, and no
    /// unbounded work.
    #[test]
    fn no_panics_on_awkward_arguments() {
        let pool = vec![
            null(),
            unk("u"),
            arn(),
            sym(vec![lit("a"), reference("x", "id"), lit("\n")]),
            s(""),
            s("/"),
            s("//"),
            s("(?P<a>x)|(y)"),
            s("%"),
            s("%[99]d %-0+# 5.3q"),
            s("é\u{301}\r\n🇺🇸"),
            s("10.0.0.0/8"),
            s("::/0"),
            s("=="),
            n(0.0),
            n(-1.0),
            n(1.5),
            n(3.0),
            n(64.0),
            n(9.223_372_036_854_774e18),
            n(-9.0e18),
            n(1e300),
            n(-1e300),
            n(f64::NAN),
            n(f64::INFINITY),
            b(true),
            list(vec![]),
            list(vec![null(), unk("u"), arn(), n(1.0), s("a"), list(vec![])]),
            obj(vec![]),
            obj(vec![("a", strs(&["x"])), ("b", null())]),
            ok("jsonencode", vec![obj(vec![("a", arn())])]),
        ];
        let names = [
            "format",
            "formatlist",
            "join",
            "split",
            "lower",
            "upper",
            "title",
            "strrev",
            "replace",
            "regex",
            "regexall",
            "trimprefix",
            "trimsuffix",
            "trimspace",
            "trim",
            "chomp",
            "substr",
            "indent",
            "startswith",
            "endswith",
            "strcontains",
            "concat",
            "merge",
            "flatten",
            "distinct",
            "compact",
            "lookup",
            "element",
            "coalesce",
            "coalescelist",
            "keys",
            "values",
            "length",
            "contains",
            "index",
            "zipmap",
            "setunion",
            "setintersection",
            "setsubtract",
            "setproduct",
            "range",
            "slice",
            "reverse",
            "sort",
            "one",
            "alltrue",
            "anytrue",
            "chunklist",
            "transpose",
            "matchkeys",
            "toset",
            "tolist",
            "tomap",
            "tostring",
            "tonumber",
            "tobool",
            "max",
            "min",
            "sum",
            "abs",
            "ceil",
            "floor",
            "signum",
            "pow",
            "log",
            "parseint",
            "jsonencode",
            "base64encode",
            "base64decode",
            "urlencode",
            "sha256",
            "sha1",
            "md5",
            "uuidv5",
            "cidrsubnet",
            "cidrhost",
            "cidrnetmask",
            "cidrsubnets",
        ];
        let small: Vec<Value> = [
            0, 1, 2, 4, 8, 10, 11, 12, 14, 15, 16, 18, 19, 20, 27, 29, 30,
        ]
        .iter()
        .filter_map(|&i| pool.get(i).cloned())
        .collect();
        for name in names {
            assert!(call_pure(name, &[], CALL).is_some());
            for a in &pool {
                let _ = call_pure(name, std::slice::from_ref(a), CALL);
                for b in &pool {
                    let _ = call_pure(name, &[a.clone(), b.clone()], CALL);
                }
            }
            for a in &small {
                for b in &small {
                    for c in &pool {
                        let _ = call_pure(name, &[a.clone(), b.clone(), c.clone()], CALL);
                    }
                }
            }
        }
    }

    #[test]
    fn collection_results_are_capped() {
        let big = list(vec![n(1.0); 600_000]);
        assert!(err("concat", vec![big.clone(), big]).contains("elements"));
        assert!(err("split", vec![s(""), s(&"a".repeat(1_000_001))]).contains("elements"));
        let fmt = "%[1]s".repeat(100);
        assert!(err("format", vec![s(&fmt), s(&"a".repeat(1 << 20))])
            .contains("longer than the 16 MiB allowed"));
    }

    /// Set and object functions hash known values instead of comparing every pair.
    #[test]
    fn large_inputs_stay_fast() {
        let many: Vec<Value> = (0..20_000).map(|i| s(&format!("item-{i}"))).collect();
        let half: Vec<Value> = many.iter().step_by(2).cloned().collect();
        let set = ok("toset", vec![list(many.clone())]);
        assert_eq!(set.as_list().map(<[Value]>::len), Some(20_000));
        let both = ok(
            "setintersection",
            vec![list(many.clone()), list(half.clone())],
        );
        assert_eq!(both.as_list().map(<[Value]>::len), Some(10_000));
        let rest = ok("setsubtract", vec![list(many.clone()), list(half)]);
        assert_eq!(rest.as_list().map(<[Value]>::len), Some(10_000));
        let map = ok("zipmap", vec![list(many.clone()), list(many.clone())]);
        let merged = ok("merge", vec![map.clone(), map]);
        assert_eq!(ok("length", vec![merged]).as_number(), Some(20_000.0));
        let d = ok(
            "distinct",
            vec![ok("concat", vec![list(many.clone()), list(many)])],
        );
        assert_eq!(d.as_list().map(<[Value]>::len), Some(20_000));
    }
}
