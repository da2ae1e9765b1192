//! Type constraints of variables (`type = map(object({ x = optional(string, "a") }))`) and the
//! conversion Terraform applies to input values: missing optional attributes become their default
//! or null, primitives convert to the declared type.

use crate::terraform::value::{format_number, Entry, Kind, Value};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(Vec<Attr>),
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

/// Parse a type expression. `eval` evaluates `optional()` defaults (constants).
pub fn parse(
    expr: &hcl_edit::expr::Expression,
    eval: &dyn Fn(&hcl_edit::expr::Expression) -> Value,
) -> Type {
    use hcl_edit::expr::{Expression as E, ObjectKey};
    match expr {
        E::Variable(v) => match v.as_str() {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            _ => Type::Any,
        },
        E::Parenthesis(p) => parse(p.inner(), eval),
        E::FuncCall(f) => {
            let arg = |i: usize| f.args.iter().nth(i);
            let inner = || Box::new(arg(0).map_or(Type::Any, |a| parse(a, eval)));
            match f.name.name.as_str() {
                "list" => Type::List(inner()),
                "set" => Type::Set(inner()),
                "map" => Type::Map(inner()),
                "tuple" => match arg(0) {
                    Some(E::Array(a)) => Type::Tuple(a.iter().map(|t| parse(t, eval)).collect()),
                    _ => Type::Any,
                },
                "object" => match arg(0) {
                    Some(E::Object(o)) => Type::Object(
                        o.iter()
                            .filter_map(|(k, v)| {
                                let name = match k {
                                    ObjectKey::Ident(i) => i.as_str().to_string(),
                                    ObjectKey::Expression(E::String(s)) => s.value().to_string(),
                                    ObjectKey::Expression(E::Variable(v)) => v.as_str().to_string(),
                                    _ => return None,
                                };
                                Some(attr(name, v.expr(), eval))
                            })
                            .collect(),
                    ),
                    _ => Type::Any,
                },
                _ => Type::Any,
            }
        }
        _ => Type::Any,
    }
}

fn attr(
    name: String,
    expr: &hcl_edit::expr::Expression,
    eval: &dyn Fn(&hcl_edit::expr::Expression) -> Value,
) -> Attr {
    if let hcl_edit::expr::Expression::FuncCall(f) = expr {
        if f.name.name.as_str() == "optional" {
            let mut args = f.args.iter();
            let ty = args.next().map_or(Type::Any, |t| parse(t, eval));
            let default = args.next().map(eval);
            return Attr {
                name,
                ty,
                optional: true,
                default,
            };
        }
    }
    Attr {
        name,
        ty: parse(expr, eval),
        optional: false,
        default: None,
    }
}

/// Convert a value to a type as Terraform does for variables. Values that cannot convert are
/// returned as they are: a wrong type is Terraform's error to report, not a reason to guess.
pub fn convert(v: Value, ty: &Type) -> Value {
    let span = v.span;
    match (ty, v.kind) {
        (_, k @ (Kind::Null | Kind::Unknown(_))) => Value::new(k, span),
        (Type::Any, k) => Value::new(k, span),
        (Type::String, Kind::Number(n)) => Value::string(format_number(n), span),
        (Type::String, Kind::Bool(b)) => Value::string(b.to_string(), span),
        (Type::Number, Kind::String(s)) => match s.trim().parse::<f64>() {
            Ok(n) => Value::new(Kind::Number(n), span),
            Err(_) => Value::string(s, span),
        },
        (Type::Bool, Kind::String(s)) if s == "true" || s == "false" => {
            Value::new(Kind::Bool(s == "true"), span)
        }
        (Type::List(t) | Type::Set(t), Kind::List(items)) => {
            let mut items: Vec<Value> = Arc::unwrap_or_clone(items)
                .into_iter()
                .map(|i| convert(i, t))
                .collect();
            if matches!(ty, Type::Set(_)) {
                dedup_set(&mut items);
            }
            Value::new(Kind::List(items.into()), span)
        }
        (Type::Tuple(ts), Kind::List(items)) => Value::new(
            Kind::List(
                Arc::unwrap_or_clone(items)
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| match ts.get(i) {
                        Some(t) => convert(v, t),
                        None => v,
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            span,
        ),
        (Type::Map(t), Kind::Object(entries)) => Value::new(
            Kind::Object(
                Arc::unwrap_or_clone(entries)
                    .into_iter()
                    .map(|e| Entry {
                        value: convert(e.value, t),
                        ..e
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            span,
        ),
        (Type::Object(attrs), Kind::Object(entries)) => {
            let mut out = Vec::with_capacity(attrs.len());
            for a in attrs {
                match entries.iter().find(|e| e.key == a.name) {
                    Some(e) if !(e.value.is_null() && a.default.is_some()) => out.push(Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: convert(e.value.clone(), &a.ty),
                    }),
                    found => {
                        if !a.optional && found.is_none() {
                            // a required attribute is missing: Terraform rejects the value
                            continue;
                        }
                        let value = match &a.default {
                            Some(d) => convert(Value { span, ..d.clone() }, &a.ty),
                            None => Value::null(span),
                        };
                        out.push(Entry {
                            key: a.name.clone(),
                            key_span: span,
                            value,
                        });
                    }
                }
            }
            Value::new(Kind::Object(out.into()), span)
        }
        (_, k) => Value::new(k, span),
    }
}

fn dedup_set(items: &mut Vec<Value>) {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items.drain(..) {
        if !out
            .iter()
            .any(|o| crate::terraform::eval::values_equal(o, &v) == Some(true))
        {
            out.push(v);
        }
    }
    *items = out;
}
