//! Type conversion functions.

use super::*;

pub(super) fn toset(c: &Call) -> R<Value> {
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
pub(super) fn tolist(c: &Call) -> R<Value> {
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
pub(super) fn tomap(c: &Call) -> R<Value> {
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

pub(super) fn tostring(c: &Call) -> R<Value> {
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

pub(super) fn tonumber(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::Number(_) | Kind::Null => Ok(v.clone()),
        Kind::Bool(_) | Kind::List(_) | Kind::Object(_) => {
            error(format!("cannot convert {} to number", type_name(v)))
        }
        _ => c.number(c.num(v)?),
    }
}

pub(super) fn tobool(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    match &v.kind {
        Kind::Bool(_) | Kind::Null => Ok(v.clone()),
        Kind::Number(_) | Kind::List(_) | Kind::Object(_) => {
            error(format!("cannot convert {} to bool", type_name(v)))
        }
        _ => Ok(c.value(Kind::Bool(c.boolean(v)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

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
}
