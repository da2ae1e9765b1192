//! Helpers for the function tests of every family, and the tests that cross families: dispatch,
//! unknown propagation, robustness.

use super::*;
use crate::terraform::value::{Address, Mode, Reference};

/// The span every call in these tests is made at.
pub(super) const CALL: Span = Span {
    file: 7,
    start: 100,
    end: 200,
};

pub(super) fn at(start: u32) -> Span {
    Span {
        file: 1,
        start,
        end: start + 1,
    }
}

pub(super) fn s(x: &str) -> Value {
    Value::string(x, at(1))
}

pub(super) fn n(x: f64) -> Value {
    Value::new(Kind::Number(x), at(2))
}

pub(super) fn b(x: bool) -> Value {
    Value::new(Kind::Bool(x), at(3))
}

pub(super) fn null() -> Value {
    Value::null(at(4))
}

pub(super) fn list(items: Vec<Value>) -> Value {
    Value::new(Kind::List(items.into()), at(5))
}

pub(super) fn strs(items: &[&str]) -> Value {
    list(items.iter().map(|x| s(x)).collect())
}

pub(super) fn nums(items: &[f64]) -> Value {
    list(items.iter().map(|x| n(*x)).collect())
}

pub(super) fn obj(pairs: Vec<(&str, Value)>) -> Value {
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

pub(super) fn unk(reason: &str) -> Value {
    Value::unknown(reason, at(8))
}

/// `aws_s3_bucket.<name>.<attr>`, known only after apply.
pub(super) fn reference(name: &str, attr: &str) -> Part {
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

pub(super) fn lit(x: &str) -> Part {
    Part::Lit(x.to_string())
}

pub(super) fn sym(parts: Vec<Part>) -> Value {
    Value::new(Kind::Symbolic(parts), at(9))
}

/// `"${aws_s3_bucket.raw.arn}"`
pub(super) fn arn() -> Value {
    sym(vec![reference("raw", "arn")])
}

pub(super) fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    match call_pure(name, &args, CALL).unwrap_or_else(|| panic!("`{name}` is not known")) {
        Ok(v) => Ok(v),
        Err(CallError::Terraform(m) | CallError::Budget(m)) => Err(m),
    }
}

pub(super) fn ok(name: &str, args: Vec<Value>) -> Value {
    call(name, args).unwrap_or_else(|e| panic!("`{name}` failed: {e}"))
}

/// The result as Terraform's jsonencode would print it.
pub(super) fn js(name: &str, args: Vec<Value>) -> String {
    let v = ok(name, args);
    json_text(&v).unwrap_or_else(|| panic!("`{name}` gave a non-plain value: {v:?}"))
}

pub(super) fn err(name: &str, args: Vec<Value>) -> String {
    match call(name, args) {
        Err(e) => e,
        Ok(v) => panic!("`{name}` should fail, gave {v:?}"),
    }
}

pub(super) fn unknown_reason(name: &str, args: Vec<Value>) -> String {
    match ok(name, args).kind {
        Kind::Unknown(r) => r.to_string(),
        other => panic!("`{name}` should be unknown, gave {other:?}"),
    }
}

pub(super) fn parts(v: &Value) -> Vec<Part> {
    match &v.kind {
        Kind::Symbolic(p) => p.clone(),
        other => panic!("expected a symbolic string, got {other:?}"),
    }
}

// ----- dispatch and plumbing

#[test]
pub(super) fn unknown_functions_are_left_to_the_evaluator() {
    for name in ["file", "templatefile", "jsondecode", "try", "can", "nosuch"] {
        assert!(call_pure(name, &[s("x")], CALL).is_none(), "{name}");
    }
}

#[test]
pub(super) fn csvdecode_reads_records_like_terraform() {
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
pub(super) fn arity_is_checked() {
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
pub(super) fn errors_are_lowercase_without_final_period() {
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

#[test]
pub(super) fn run_dependent_functions_are_unknown() {
    for f in ["uuid", "timestamp", "plantimestamp"] {
        assert!(unknown_reason(f, vec![]).contains("differs on every run"));
    }
}

/// Functions whose result cannot be computed here say why, and are never guessed.
#[test]
fn functions_not_evaluated_say_why() {
    assert!(unknown_reason("base64gzip", vec![s("x")]).contains("Terraform's own compressor"));
    assert!(unknown_reason("rsadecrypt", vec![s("x"), s("k")]).contains("private key"));
    assert!(unknown_reason("issensitive", vec![s("x")]).contains("sensitivity"));
    assert_eq!(js("ephemeralasnull", vec![s("x")]), "\"x\"");
    assert!(err("type", vec![s("x")]).contains("terraform console"));
}

#[test]
pub(super) fn top_level_unknowns_propagate_their_reason() {
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
pub(super) fn no_panics_on_awkward_arguments() {
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
pub(super) fn collection_results_are_capped() {
    let big = list(vec![n(1.0); 600_000]);
    assert!(err("concat", vec![big.clone(), big]).contains("elements"));
    assert!(err("split", vec![s(""), s(&"a".repeat(1_000_001))]).contains("elements"));
    let fmt = "%[1]s".repeat(100);
    assert!(err("format", vec![s(&fmt), s(&"a".repeat(1 << 20))])
        .contains("longer than the 16 MiB allowed"));
}

/// Set and object functions hash known values instead of comparing every pair.
#[test]
pub(super) fn large_inputs_stay_fast() {
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
