//! IAM policy documents as statements with spans, from any source: `jsonencode`, a heredoc,
//! `file()`, a `data "aws_iam_policy_document"`, a JSON file, or the managed-policy catalog.

use crate::source::Span;
use crate::terraform::value::{Kind, Part, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A string element of a statement (an action, a resource pattern, a principal), maybe symbolic.
#[derive(Clone, Debug)]
pub struct Element {
    pub parts: Vec<Part>,
    pub span: Span,
    /// Could not be evaluated; never matches anything.
    pub unknown: bool,
}

impl Element {
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(s)] => Some(s),
            [] => Some(""),
            _ => None,
        }
    }

    pub fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Ref(r) => format!("${{{r}}}"),
            })
            .collect()
    }
}

/// `Action` or `NotAction`, `Resource` or `NotResource`, `Principal` or `NotPrincipal`.
#[derive(Clone, Debug)]
pub struct Field {
    pub not: bool,
    pub items: Vec<Element>,
    /// The whole element: key and value.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Principal {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`.
    pub kind: String,
    pub id: Element,
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Element>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Statement {
    /// Position in the document's list of statements: `statements[st.index]` is `st`. Elements
    /// that are not statements (`{}`, `[]`, a string, a number, an unknown effect) are left out,
    /// so this can differ from the JSON position that `path` names.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Option<Field>,
    pub resources: Option<Field>,
    pub principals: Option<(bool, Vec<Principal>, Span)>,
    pub conditions: Vec<Condition>,
    pub span: Span,
    /// Element path inside the document, for fingerprints: `Statement[2]`.
    pub path: String,
    /// Parts of the statement could not be evaluated.
    pub unknown: bool,
}

impl Statement {
    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }
}

/// Statements of a decoded policy document value. `None` when it is not a policy document
/// (no `Statement`), or it cannot be known.
///
/// Any element JSON allows may sit in the list; IAM refuses a document whose elements are not
/// statement objects with an `Effect`, so such elements grant and deny nothing and are skipped.
pub fn statements(doc: &Value) -> Option<Vec<Statement>> {
    let doc = doc.decoded();
    let list = doc.get("Statement")?;
    let items: Vec<&Value> = match &list.kind {
        Kind::List(items) => items.iter().collect(),
        Kind::Object(_) => vec![list],
        _ => return None,
    };
    let mut out = Vec::new();
    for (position, v) in items.into_iter().enumerate() {
        if let Some(st) = statement(out.len(), position, v.decoded()) {
            out.push(st);
        }
    }
    Some(out)
}

/// `index` is where the statement lands in the list returned, `position` where it is written.
fn statement(index: usize, position: usize, v: &Value) -> Option<Statement> {
    v.as_object()?;
    let effect = match v.get("Effect").and_then(Value::as_str) {
        Some("Deny") => Effect::Deny,
        Some("Allow") => Effect::Allow,
        _ => return None, // unknown or invalid effect: neither grants nor denies
    };
    let mut unknown = false;
    let mut field = |pos: &str, neg: &str| -> Option<Field> {
        let (not, entry) = match (v.entry(pos), v.entry(neg)) {
            (Some(e), _) => (false, e),
            (None, Some(e)) => (true, e),
            (None, None) => return None,
        };
        let items = elements(&entry.value);
        unknown |= entry.value.has_unknown() || items.iter().any(|i| i.unknown);
        Some(Field {
            not,
            items,
            span: entry.key_span.to(entry.value.span),
        })
    };
    let actions = field("Action", "NotAction");
    let resources = field("Resource", "NotResource");
    let principals = principal_field(v);
    let conditions = v
        .entry("Condition")
        .map(|c| conditions(&c.value))
        .unwrap_or_default();
    Some(Statement {
        index,
        sid: v.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        actions,
        resources,
        principals,
        conditions,
        span: v.span,
        path: format!("Statement[{position}]"),
        unknown,
    })
}

fn elements(v: &Value) -> Vec<Element> {
    v.decoded()
        .one_or_many()
        .into_iter()
        .map(|item| match item.string_parts() {
            Some(parts) => Element {
                parts,
                span: item.span,
                unknown: false,
            },
            None => Element {
                parts: Vec::new(),
                span: item.span,
                unknown: true,
            },
        })
        .collect()
}

fn principal_field(v: &Value) -> Option<(bool, Vec<Principal>, Span)> {
    let (not, entry) = match (v.entry("Principal"), v.entry("NotPrincipal")) {
        (Some(e), _) => (false, e),
        (None, Some(e)) => (true, e),
        (None, None) => return None,
    };
    let span = entry.key_span.to(entry.value.span);
    let value = entry.value.decoded();
    let mut out = Vec::new();
    match &value.kind {
        Kind::String(s) if s == "*" => out.push(Principal {
            kind: "*".into(),
            id: Element {
                parts: vec![Part::Lit("*".into())],
                span: value.span,
                unknown: false,
            },
        }),
        Kind::Object(entries) => {
            for e in entries.iter() {
                for id in elements(&e.value) {
                    out.push(Principal {
                        kind: e.key.clone(),
                        id,
                    });
                }
            }
        }
        _ => {}
    }
    Some((not, out, span))
}

fn conditions(v: &Value) -> Vec<Condition> {
    let mut out = Vec::new();
    for op in v.decoded().as_object().unwrap_or_default() {
        for key in op.value.decoded().as_object().unwrap_or_default() {
            out.push(Condition {
                operator: op.key.clone(),
                key: key.key.clone(),
                values: elements(&key.value),
                span: key.key_span.to(key.value.span),
            });
        }
    }
    out
}
