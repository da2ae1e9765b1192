//! Encoding functions: JSON, base64, CSV, URL query escaping, and text in a named character
//! encoding.

use super::*;

/// `jsonencode` keeps its argument structured, so spans inside a policy document survive.
pub(super) fn jsonencode(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    if let Kind::Unknown(r) = &v.kind {
        return Err(unknown_from(r));
    }
    Ok(c.value(Kind::Json(Box::new(v.clone()))))
}

pub(super) fn write_json(v: &Value, out: &mut String) -> Option<()> {
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
pub(super) fn json_quote(s: &str, out: &mut String) {
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

pub(super) const BASE64: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn base64_encode(bytes: &[u8]) -> String {
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
pub(super) fn base64_decode(s: &str) -> Option<Vec<u8>> {
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

pub(super) fn base64decode(c: &Call) -> R<Value> {
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
pub(super) fn csvdecode(c: &Call) -> R<Value> {
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
pub(super) fn csv_records(text: &str) -> Result<Vec<Vec<String>>, String> {
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
pub(super) fn urlencode(s: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// `textencodebase64` and `textdecodebase64`: text in a named character encoding, as base64.
// UTF-8 and the UTF-16 forms are computed; any other encoding gives an unknown value rather
// than a guess.

#[derive(Clone, Copy)]
pub(super) enum Encoding {
    Utf8,
    /// `UTF-16`: big-endian with a byte order mark, which decoding honours.
    Utf16,
    Utf16Be,
    Utf16Le,
}

fn encoding(c: &Call, v: &Value) -> R<Encoding> {
    let name = c.text(v)?;
    Ok(match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => Encoding::Utf8,
        "UTF-16" | "UTF16" => Encoding::Utf16,
        "UTF-16BE" => Encoding::Utf16Be,
        "UTF-16LE" => Encoding::Utf16Le,
        _ => {
            return Err(Fail::Unknown(
                format!(
                    "`{}` with the encoding {name:?}, which is not supported here",
                    c.name
                )
                .into(),
            ))
        }
    })
}

pub(super) fn textencodebase64(c: &Call) -> R<Value> {
    let [text, enc] = c.exactly::<2>()?;
    let text = c.text(text)?;
    let bytes = match encoding(c, enc)? {
        Encoding::Utf8 => text.into_bytes(),
        Encoding::Utf16 => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        Encoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Encoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    };
    Ok(c.string(base64_encode(&bytes)))
}

pub(super) fn textdecodebase64(c: &Call) -> R<Value> {
    let [data, enc] = c.exactly::<2>()?;
    let data = c.text(data)?;
    let enc = encoding(c, enc)?;
    let Some(bytes) = base64_decode(&data) else {
        return Err(Fail::Error(format!(
            "the given value has an invalid base64 symbol: {data:?}"
        )));
    };
    let utf16 = |bytes: &[u8], big: bool| -> Option<String> {
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| {
                if big {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    let text = match enc {
        Encoding::Utf8 => String::from_utf8(bytes).ok(),
        Encoding::Utf16Be => utf16(&bytes, true),
        Encoding::Utf16Le => utf16(&bytes, false),
        Encoding::Utf16 => match bytes.as_slice() {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            rest => utf16(rest, true),
        },
    };
    // Terraform substitutes invalid sequences; which replacement it writes is not modelled
    match text {
        Some(t) => Ok(c.string(t)),
        None => Err(Fail::Unknown(
            "`textdecodebase64` of bytes that are not valid in the encoding".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

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
    fn urlencode_like_go_query_escape() {
        assert_eq!(
            js("urlencode", vec![s("a b/c?d=é&~")]),
            r#""a+b%2Fc%3Fd%3D%C3%A9%26~""#
        );
    }
}
