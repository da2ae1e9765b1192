//! `data "aws_iam_policy_document"`: the provider renders it to JSON at plan time; here it is
//! rendered to the same structure, with each statement spanning its `statement` block so findings
//! point where the user wrote it.

use crate::parse::json::decode_value;
use crate::parse::ParseError;
use crate::terraform::value::{Entry, Kind, Value};
use crate::terraform::Host;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Render the evaluated data source arguments as a policy document (`Kind::Json` of its structure).
pub fn render(attrs: &Value, host: &dyn Host, errors: &RefCell<Vec<ParseError>>) -> Value {
    let span = attrs.span;
    let mut statements = Statements::default();
    let mut version: Option<Value> = None;
    let decode = |v: &Value| -> Option<Value> {
        match decode_value(v, host.sources()) {
            Ok(d) if d.is_unknown() => None,
            Ok(d) => Some(d),
            Err(e) => {
                errors.borrow_mut().push(e);
                None
            }
        }
    };
    let docs = |key: &str| -> Vec<Value> {
        attrs
            .get(key)
            .and_then(|v| v.as_list().map(<[Value]>::to_vec))
            .unwrap_or_default()
    };
    let (sources, overrides) = (
        docs("source_policy_documents"),
        docs("override_policy_documents"),
    );
    if let Some(src) = attrs.get("source_json") {
        if let Some(d) = decode(src) {
            merge(&mut statements, &d, false);
        }
    }
    for s in &sources {
        if let Some(d) = decode(s) {
            version = version.or_else(|| d.get("Version").cloned());
            merge(&mut statements, &d, false);
        }
    }
    // this document's own statements replace source statements with the same Sid
    let own: Vec<Value> = attrs
        .get("statement")
        .and_then(Value::as_list)
        .map(|l| l.iter().map(statement).collect())
        .unwrap_or_default();
    for st in own {
        statements.upsert(st);
    }
    for o in overrides.iter().chain(attrs.get("override_json")) {
        if let Some(d) = decode(o) {
            merge(&mut statements, &d, true);
        }
    }
    let mut entries = vec![Entry {
        key: "Version".into(),
        key_span: span,
        value: attrs
            .get("version")
            .cloned()
            .or(version)
            .unwrap_or_else(|| Value::string("2012-10-17", span)),
    }];
    if let Some(id) = attrs.get("policy_id") {
        entries.push(entry("Id", id.clone()));
    }
    entries.push(Entry {
        key: "Statement".into(),
        key_span: span,
        value: Value::new(Kind::List(statements.list.into()), span),
    });
    Value::new(
        Kind::Json(Box::new(Value::new(Kind::Object(entries.into()), span))),
        span,
    )
}

fn entry(key: &str, value: Value) -> Entry {
    Entry {
        key: key.into(),
        key_span: value.span,
        value,
    }
}

fn sid(v: &Value) -> Option<&str> {
    v.get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Add statements of another document; with `replace`, same-Sid statements are replaced
/// (override), otherwise they must be unique and are simply added (source).
fn merge(statements: &mut Statements, doc: &Value, replace: bool) {
    let list = doc
        .get("Statement")
        .map(Value::one_or_many)
        .unwrap_or_default();
    for st in list {
        if replace {
            statements.upsert(st.clone());
        } else {
            statements.push(st.clone());
        }
    }
}

/// The statements rendered so far, with the position of each Sid's first statement: a document
/// of thousands of `dynamic "statement"` blocks would otherwise search the list per statement.
#[derive(Default)]
struct Statements {
    list: Vec<Value>,
    by_sid: HashMap<String, usize>,
}

impl Statements {
    fn push(&mut self, st: Value) {
        if let Some(s) = sid(&st) {
            self.by_sid.entry(s.to_string()).or_insert(self.list.len());
        }
        self.list.push(st);
    }

    /// Replace the first statement with the same Sid, or add it.
    fn upsert(&mut self, st: Value) {
        match sid(&st).and_then(|s| self.by_sid.get(s)) {
            Some(&i) => self.list[i] = st,
            None => self.push(st),
        }
    }
}

/// A `statement` block as an IAM JSON statement.
fn statement(block: &Value) -> Value {
    let span = block.span;
    let mut out: Vec<Entry> = Vec::new();
    let renamed = [
        ("sid", "Sid"),
        ("effect", "Effect"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ];
    for (from, to) in renamed {
        if let Some(e) = block.entry(from) {
            if e.value.is_null() {
                continue;
            }
            out.push(Entry {
                key: to.into(),
                key_span: e.key_span,
                value: e.value.clone(),
            });
        }
    }
    if block.get("effect").is_none_or(Value::is_null) {
        out.insert(0, entry("Effect", Value::string("Allow", span)));
    }
    for (from, to) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let Some(blocks) = block.get(from).and_then(Value::as_list) else {
            continue;
        };
        let mut by_type: Vec<Entry> = Vec::new();
        let mut bspan = blocks.first().map_or(span, |b| b.span);
        for b in blocks {
            bspan = bspan.to(b.span);
            let (Some(t), Some(ids)) =
                (b.get("type").and_then(Value::as_str), b.get("identifiers"))
            else {
                continue;
            };
            match by_type.iter_mut().find(|e| e.key == t) {
                Some(e) => {
                    if let (Kind::List(have), Some(more)) = (&mut e.value.kind, ids.as_list()) {
                        Arc::make_mut(have).extend(more.iter().cloned());
                    }
                }
                None => by_type.push(Entry {
                    key: t.to_string(),
                    key_span: b.span,
                    value: ids.clone(),
                }),
            }
        }
        // `type = "*"` with `identifiers = ["*"]` is the anonymous principal
        let value = match by_type.as_slice() {
            [e] if e.key == "*" => Value::string("*", e.key_span),
            _ => Value::new(Kind::Object(by_type.into()), bspan),
        };
        out.push(Entry {
            key: to.into(),
            key_span: bspan,
            value,
        });
    }
    // an empty list (a `dynamic "condition"` over nothing) holds no condition
    if let Some(conds @ [first, ..]) = block.get("condition").and_then(Value::as_list) {
        let mut by_test: Vec<Entry> = Vec::new();
        let cspan = conds.iter().fold(first.span, |a, c| a.to(c.span));
        for c in conds {
            let (Some(test), Some(var), Some(values)) = (
                c.get("test").and_then(Value::as_str),
                c.get("variable").and_then(Value::as_str),
                c.get("values"),
            ) else {
                continue;
            };
            let e = Entry {
                key: var.to_string(),
                key_span: c.span,
                value: values.clone(),
            };
            match by_test.iter_mut().find(|t| t.key == test) {
                Some(t) => {
                    if let Kind::Object(vars) = &mut t.value.kind {
                        Arc::make_mut(vars).push(e)
                    }
                }
                None => by_test.push(Entry {
                    key: test.to_string(),
                    key_span: c.span,
                    value: Value::new(Kind::Object(vec![e].into()), c.span),
                }),
            }
        }
        out.push(Entry {
            key: "Condition".into(),
            key_span: cspan,
            value: Value::new(Kind::Object(by_test.into()), cspan),
        });
    }
    Value::new(Kind::Object(out.into()), span)
}
