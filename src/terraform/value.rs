//! Evaluated Terraform values. Each value keeps the span it came from, and a value that is only
//! known at apply time stays symbolic (a reference to a resource attribute) or unknown, never guessed.

use crate::source::Span;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Value {
    pub kind: Kind,
    /// Where the value was written: the literal, the object, or the expression that computed it.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// A string with parts only Terraform's apply knows, e.g. `"${aws_s3_bucket.raw.arn}/*"`.
    Symbolic(Vec<Part>),
    /// Lists, tuples and sets. Shared: a value is copied into every reference, argument and
    /// instance that uses it, and a deep copy made that O(N) per use of an N-entry map.
    List(Arc<Vec<Value>>),
    /// Objects and maps, in source order. Shared like lists.
    Object(Arc<Vec<Entry>>),
    /// The result of `jsonencode(x)`: a string, kept structured so a policy document written in
    /// HCL keeps the spans of its statements.
    Json(Box<Value>),
    /// Cannot be known statically; the reason is shown to users.
    Unknown(Arc<str>),
}

/// Hashes what a value says and where: its kind, every nested value and every span.
impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.span.hash(state);
        std::mem::discriminant(&self.kind).hash(state);
        match &self.kind {
            Kind::Null => {}
            Kind::Bool(b) => b.hash(state),
            Kind::Number(n) => n.to_bits().hash(state),
            Kind::String(s) => s.hash(state),
            Kind::Symbolic(parts) => parts.hash(state),
            Kind::List(items) => items.hash(state),
            Kind::Object(entries) => {
                entries.len().hash(state);
                for e in entries.iter() {
                    e.key.hash(state);
                    e.key_span.hash(state);
                    e.value.hash(state);
                }
            }
            Kind::Json(inner) => inner.hash(state),
            Kind::Unknown(reason) => reason.hash(state),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Part {
    Lit(String),
    Ref(Reference),
}

/// A computed attribute of a resource, data source or module instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub target: Arc<Address>,
    pub attr: Arc<str>,
}

/// An instance key: `[0]` from `count`, `["vision"]` from `for_each`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    Index(i64),
    Key(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(k) => write!(f, "[{k:?}]"),
        }
    }
}

/// One step of a module path: `module.team["vision"]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource instance address as Terraform prints it:
/// `module.team["vision"].aws_iam_role.this`, `data.aws_iam_policy_document.p`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module {
            write!(f, "module.{}", m.name)?;
            if let Some(k) = &m.key {
                write!(f, "{k}")?;
            }
            f.write_str(".")?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.rtype, self.name)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

impl Value {
    pub fn new(kind: Kind, span: Span) -> Value {
        Value { kind, span }
    }

    pub fn null(span: Span) -> Value {
        Value::new(Kind::Null, span)
    }

    pub fn string(s: impl Into<String>, span: Span) -> Value {
        Value::new(Kind::String(s.into()), span)
    }

    pub fn unknown(reason: impl Into<Arc<str>>, span: Span) -> Value {
        Value::new(Kind::Unknown(reason.into()), span)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    /// True when the value or anything inside it is unknown.
    pub fn has_unknown(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => true,
            Kind::List(items) => items.iter().any(Value::has_unknown),
            Kind::Object(entries) => entries.iter().any(|e| e.value.has_unknown()),
            Kind::Json(v) => v.has_unknown(),
            _ => false,
        }
    }

    /// True when nothing inside is unknown or known only after apply, as Terraform's
    /// `IsWhollyKnown`: what `can` needs to decide.
    pub fn is_wholly_known(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) | Kind::Symbolic(_) => false,
            Kind::List(items) => items.iter().all(Value::is_wholly_known),
            Kind::Object(entries) => entries.iter().all(|e| e.value.is_wholly_known()),
            Kind::Json(v) => v.is_wholly_known(),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::String(s) if s == "true" => Some(true),
            Kind::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match &self.kind {
            Kind::Number(n) => Some(*n),
            Kind::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry of an object, by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_object()?.iter().find(|e| e.key == key)
    }

    /// The parts of a string-like value: known strings are one literal part.
    pub fn string_parts(&self) -> Option<Vec<Part>> {
        match &self.kind {
            Kind::String(s) => Some(vec![Part::Lit(s.clone())]),
            Kind::Symbolic(parts) => Some(parts.clone()),
            Kind::Number(_) | Kind::Bool(_) => self.to_plain_string().map(|s| vec![Part::Lit(s)]),
            _ => None,
        }
    }

    /// A known primitive as Terraform would convert it to a string.
    pub fn to_plain_string(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Number(n) => Some(format_number(*n)),
            _ => None,
        }
    }

    /// Items of a list, or the value itself as a one-item list (IAM's "string or array").
    pub fn one_or_many(&self) -> Vec<&Value> {
        match &self.kind {
            Kind::List(items) => items.iter().collect(),
            Kind::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// Decode a `jsonencode` result back to its structure; other values unchanged.
    pub fn decoded(&self) -> &Value {
        match &self.kind {
            Kind::Json(inner) => inner.decoded(),
            _ => self,
        }
    }
}

impl Value {
    /// The value as JSON, as `terraform output -json` shows it: a `jsonencode` result is its
    /// string, whole numbers are integers. `None` when anything inside is symbolic or unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => J::from(*n as i64),
            Kind::Number(n) => J::from(serde_json::Number::from_f64(*n)?),
            Kind::String(s) => J::String(s.clone()),
            Kind::Json(_) => J::String(crate::terraform::functions::json_text(self)?),
            Kind::List(items) => J::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?),
            Kind::Object(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| Some((e.key.clone(), e.value.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Kind::Symbolic(_) | Kind::Unknown(_) => return None,
        })
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.target, self.attr)
    }
}

/// Join string parts, merging adjacent literals.
pub fn normalize_parts(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, Part::Lit(b)) if b.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    out
}

/// A string value from parts: a plain string when every part is known.
pub fn string_from_parts(parts: Vec<Part>, span: Span) -> Value {
    let parts = normalize_parts(parts);
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        let s: String = parts
            .into_iter()
            .map(|p| match p {
                Part::Lit(s) => s,
                Part::Ref(_) => unreachable!(),
            })
            .collect();
        Value::string(s, span)
    } else {
        Value::new(Kind::Symbolic(parts), span)
    }
}
