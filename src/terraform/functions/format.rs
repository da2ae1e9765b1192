//! `format` and `formatlist` (string functions): Go's `fmt` verbs as Terraform accepts them.

use super::*;

pub(super) fn format_fn(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let fmt = c.text(&args[0])?;
    let rest: Vec<&Value> = args[1..].iter().collect();
    Ok(string_from_parts(format_parts(c, &fmt, &rest)?, c.span))
}

/// `formatlist`: list arguments are iterated together, other arguments repeat on every row.
pub(super) fn formatlist(c: &Call) -> R<Value> {
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
pub(super) struct Spec {
    pub(super) minus: bool,
    pub(super) plus: bool,
    pub(super) sharp: bool,
    pub(super) space: bool,
    pub(super) zero: bool,
    pub(super) width: Option<usize>,
    pub(super) prec: Option<usize>,
    pub(super) verb: char,
}

/// Widths and precisions beyond this are refused rather than allocated.
pub(super) const MAX_WIDTH: usize = 1_000_000;

/// Formats like Terraform's `format` (Go's fmt verbs over cty values); symbolic `%s`
/// arguments stay symbolic parts.
pub(super) fn format_parts(c: &Call, fmt: &str, args: &[&Value]) -> R<Vec<Part>> {
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
pub(super) fn digits(s: &str, i: usize) -> (Option<usize>, usize) {
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

pub(super) fn format_one(c: &Call, spec: &Spec, arg: &Value) -> R<Vec<Part>> {
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
pub(super) fn format_string(c: &Call, spec: &Spec, arg: &Value) -> R<Vec<Part>> {
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

pub(super) fn format_text(c: &Call, arg: &Value) -> R<String> {
    match &arg.kind {
        Kind::List(_) | Kind::Object(_) => error("string required"),
        _ => c.text(arg),
    }
}

pub(super) fn format_num(c: &Call, arg: &Value) -> R<f64> {
    match &arg.kind {
        Kind::String(s) => {
            parse_number(s).ok_or_else(|| Fail::Error("a number is required".into()))
        }
        Kind::Bool(_) | Kind::List(_) | Kind::Object(_) => error("number required"),
        _ => c.num(arg),
    }
}

pub(super) fn format_bool(c: &Call, arg: &Value) -> R<bool> {
    match &arg.kind {
        Kind::String(s) => parse_bool(s).map_err(|_| Fail::Error("a bool is required".into())),
        Kind::Number(_) | Kind::List(_) | Kind::Object(_) => error("bool required"),
        _ => c.boolean(arg),
    }
}

/// Pads to the width, counting characters as Go does.
pub(super) fn pad(s: String, spec: &Spec) -> String {
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
pub(super) fn pad_number(prefix: &str, body: &str, spec: &Spec, zero: bool) -> String {
    let len = prefix.chars().count() + body.chars().count();
    match spec.width.and_then(|w| w.checked_sub(len)) {
        Some(fill) if fill > 0 && zero && !spec.minus => {
            format!("{prefix}{}{body}", "0".repeat(fill))
        }
        _ => pad(format!("{prefix}{body}"), spec),
    }
}

pub(super) fn sign(negative: bool, spec: &Spec) -> &'static str {
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

pub(super) fn format_int(spec: &Spec, n: f64) -> R<String> {
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

pub(super) fn format_float(spec: &Spec, n: f64) -> String {
    let body = match spec.verb {
        'e' | 'E' => format_e(n.abs(), spec.prec.unwrap_or(6), spec.verb == 'E'),
        'g' | 'G' => format_g(n.abs(), spec.prec, spec.verb == 'G'),
        _ => format!("{:.*}", spec.prec.unwrap_or(6), n.abs()),
    };
    pad_number(sign(n.is_sign_negative(), spec), &body, spec, spec.zero)
}

/// Significant decimal digits of |n| without trailing zeros, and the exponent of the first;
/// shortest round-trip digits, or rounded to `sig` digits.
pub(super) fn decimal_digits(n: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
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
pub(super) fn format_e(n: f64, prec: usize, upper: bool) -> String {
    let (digits, exp) = decimal_digits(n, Some(prec + 1));
    e_notation(&digits, exp, prec, upper)
}

pub(super) fn e_notation(digits: &[u8], exp: i32, prec: usize, upper: bool) -> String {
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
pub(super) fn format_g(n: f64, prec: Option<usize>, upper: bool) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

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
}
