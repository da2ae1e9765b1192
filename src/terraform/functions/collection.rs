//! Collection functions over lists, tuples, sets, maps and objects.

use super::*;

/// `concat`: the lists' elements, each with its own span; an unknown list makes the length
/// unknown.
pub(super) fn concat(c: &Call) -> R<Value> {
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
pub(super) fn merge(c: &Call) -> R<Value> {
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

pub(super) fn flatten_fn(c: &Call) -> R<Value> {
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
pub(super) fn flatten_into(
    items: &[Value],
    out: &mut Vec<Value>,
    depth: usize,
    copied: &mut usize,
) -> R<()> {
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

pub(super) fn distinct(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    Ok(c.list(dedupe(unify(c.items(v)?)?)))
}

/// `compact`: drops nulls and empty strings; numbers and bools become strings. A symbolic
/// string is kept: it is taken to be non-empty.
pub(super) fn compact(c: &Call) -> R<Value> {
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

pub(super) fn lookup(c: &Call) -> R<Value> {
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
pub(super) fn element(c: &Call) -> R<Value> {
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
pub(super) fn coalesce(c: &Call) -> R<Value> {
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

pub(super) fn coalescelist(c: &Call) -> R<Value> {
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
pub(super) fn keys(c: &Call) -> R<Value> {
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
pub(super) fn values(c: &Call) -> R<Value> {
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
pub(super) fn length(c: &Call) -> R<Value> {
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
pub(super) fn find(c: &Call, items: &[Value], needle: &Value) -> R<Option<usize>> {
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

pub(super) fn contains(c: &Call) -> R<Value> {
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

pub(super) fn index(c: &Call) -> R<Value> {
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
pub(super) fn zipmap(c: &Call) -> R<Value> {
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
pub(super) enum SetOp {
    Union,
    Intersection,
    Subtract,
}

/// `setunion`, `setintersection` and `setsubtract`, with membership undecidable for symbolic
/// or unknown elements making the result unknown (except for union, which keeps them).
pub(super) fn set_op(c: &Call, op: SetOp) -> R<Value> {
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
pub(super) fn all_member<'v>(v: &Value, set: impl IntoIterator<Item = &'v Value>) -> Option<bool> {
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
pub(super) fn setproduct(c: &Call) -> R<Value> {
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
pub(super) fn range(c: &Call) -> R<Value> {
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
pub(super) fn snap(n: f64) -> f64 {
    if n.fract() == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

pub(super) fn slice(c: &Call) -> R<Value> {
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

pub(super) fn reverse(c: &Call) -> R<Value> {
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
pub(super) fn sort(c: &Call) -> R<Value> {
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

pub(super) fn one(c: &Call) -> R<Value> {
    let [list] = c.exactly::<1>()?;
    match c.items(list)? {
        [] => Ok(c.value(Kind::Null)),
        [v] => Ok(v.clone()),
        _ => error("must be a list, set, or tuple value with either zero or one elements"),
    }
}

/// `alltrue`/`anytrue`: nulls count as false; an unknown element matters only when no known
/// element decides the answer.
pub(super) fn all_any(c: &Call, all: bool) -> R<Value> {
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

pub(super) fn chunklist(c: &Call) -> R<Value> {
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
pub(super) fn transpose(c: &Call) -> R<Value> {
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
pub(super) fn matchkeys(c: &Call) -> R<Value> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

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
}
