//! `yamldecode` and `yamlencode` (encoding functions), with Terraform 1.11's results.
//!
//! Decoding reads one YAML document through an event parser (saphyr-parser) and resolves scalars
//! as Terraform's YAML library does: YAML 1.1 booleans (`yes`, `on`, `y`...), `~` and `null`,
//! decimal numbers with leading zeros (`010` is 10), `0x` and `0o` integers, `.inf`, timestamps
//! rewritten to RFC 3339, `<<` merge keys, anchors and aliases, last duplicate key winning.
//! Quoted and block scalars are strings whatever their tag. Aliases are expanded within the
//! item budget and documents nest at most [`MAX_VALUE_DEPTH`] levels.
//!
//! Encoding writes what Terraform's emitter writes: block style, every key and string
//! double-quoted (folded past 80 columns), strings with line breaks as literal blocks, keys
//! sorted. A key that would need YAML's complex-key form (a line break in it, or longer than 128
//! characters) and a line break other than `\n` inside a literal block make the result unknown
//! rather than a guess.

use super::*;
use crate::terraform::eval::MAX_VALUE_DEPTH;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

const CORE: &str = "tag:yaml.org,2002:";

/// `yamldecode`; `in_file`: the argument's span is exactly its text in a file (a `file()`
/// value), so each node can point at where it was written.
pub(super) fn yamldecode(c: &Call, in_file: bool) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let text = c.text(v)?;
    let base = in_file.then_some(v.span);
    // Terraform's scanner refuses a tab where a line's indentation is read, this one does not;
    // a tab there may also be block-scalar content, which both accept: not decided here
    if text
        .lines()
        .any(|l| l.trim_start_matches(' ').starts_with('\t'))
    {
        return Err(Fail::Unknown(
            "`yamldecode` of YAML with a tab in a line's indentation, not decided here".into(),
        ));
    }
    Decoder::new(&text, base, c.span).document()
}

/// A node being built: its anchor id (0 when none) and what it holds so far.
enum Frame {
    Seq(usize, Vec<Value>, Span),
    Map(usize, ObjectBuilder, Option<Key>, Span),
}

/// A mapping key read and waiting for its value.
enum Key {
    Plain(String, Span),
    Merge,
}

struct Decoder<'t> {
    text: &'t str,
    /// Byte offset of each character's start, when nodes map into a file.
    char_bytes: Option<Vec<usize>>,
    base: Option<Span>,
    call: Span,
    anchors: HashMap<usize, Value>,
    pending: HashSet<usize>,
    items: usize,
}

impl<'t> Decoder<'t> {
    fn new(text: &'t str, base: Option<Span>, call: Span) -> Decoder<'t> {
        let char_bytes = base.map(|_| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        Decoder {
            text,
            char_bytes,
            base,
            call,
            anchors: HashMap::new(),
            pending: HashSet::new(),
            items: 0,
        }
    }

    fn span(&self, s: saphyr_parser::Span) -> Span {
        match (&self.char_bytes, self.base) {
            (Some(offsets), Some(base)) => {
                let at = |i: usize| offsets.get(i).copied().unwrap_or(self.text.len());
                let start = base.start as usize + at(s.start.index());
                let end = base.start as usize + at(s.end.index()).max(at(s.start.index()));
                Span::new(base.file, start..end)
            }
            _ => self.call,
        }
    }

    fn count(&mut self, n: usize) -> R<()> {
        self.items = self.items.saturating_add(n);
        check_items(self.items)
    }

    fn document(mut self) -> R<Value> {
        let mut parser = Parser::new_from_str(self.text);
        let mut next = move || -> R<(Event<'t>, saphyr_parser::Span)> {
            match parser.next_event() {
                Some(Ok(e)) => Ok(e),
                Some(Err(e)) => Err(scan_error(&e)),
                None => error("unexpected end of the YAML stream"),
            }
        };
        if !matches!(next()?.0, Event::StreamStart) {
            return error("missing stream start token");
        }
        if !matches!(next()?.0, Event::DocumentStart(_)) {
            return error("missing start of document");
        }
        let value = self.node(&mut next)?;
        match next()?.0 {
            Event::DocumentEnd => {}
            Event::DocumentStart(_) => return error("only a single document is allowed"),
            _ => return error("unexpected extra content after value"),
        }
        match next()?.0 {
            Event::StreamEnd => Ok(value),
            Event::DocumentStart(_) => error("only a single document is allowed"),
            _ => error("unexpected extra content after value"),
        }
    }

    /// One whole node, built without recursion: an explicit stack of open collections.
    fn node<'a>(
        &mut self,
        next: &mut impl FnMut() -> R<(Event<'a>, saphyr_parser::Span)>,
    ) -> R<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let (event, ev_span) = next()?;
            let span = self.span(ev_span);
            // a finished node, to be added to the innermost open collection
            let done: Value = match event {
                Event::SequenceStart(anchor, tag) => {
                    check_collection_tag(tag.as_deref(), "seq", "sequence")?;
                    self.open(anchor, &stack)?;
                    stack.push(Frame::Seq(anchor, Vec::new(), span));
                    continue;
                }
                Event::MappingStart(anchor, tag) => {
                    check_collection_tag(tag.as_deref(), "map", "mapping")?;
                    self.open(anchor, &stack)?;
                    stack.push(Frame::Map(anchor, ObjectBuilder::default(), None, span));
                    continue;
                }
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq(anchor, items, span)) => {
                        self.close(anchor, Value::new(Kind::List(items.into()), span))
                    }
                    _ => return error("unbalanced YAML sequence"),
                },
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(anchor, object, _, span)) => self.close(
                        anchor,
                        Value::new(Kind::Object(object.entries.into()), span),
                    ),
                    _ => return error("unbalanced YAML mapping"),
                },
                Event::Scalar(text, style, anchor, tag) => {
                    // a key: resolved to a string, or `<<` to merge the value that follows
                    if let Some(Frame::Map(_, _, key @ None, _)) = stack.last_mut() {
                        *key = Some(
                            if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
                                Key::Merge
                            } else {
                                let k = resolve(tag.as_deref(), &text, style)?;
                                Key::Plain(key_text(k)?, span)
                            },
                        );
                        if anchor != 0 {
                            self.anchors
                                .insert(anchor, Value::string(text.to_string(), span));
                        }
                        continue;
                    }
                    let v = Value::new(resolve(tag.as_deref(), &text, style)?, span);
                    self.count(1)?;
                    self.close(anchor, v)
                }
                Event::Alias(id) => {
                    if matches!(stack.last(), Some(Frame::Map(_, _, None, _))) {
                        return error("only strings are allowed as mapping keys");
                    }
                    if self.pending.contains(&id) {
                        return error("cannot refer to an anchor from inside its own definition");
                    }
                    let Some(v) = self.anchors.get(&id).cloned() else {
                        return error("reference to undefined anchor");
                    };
                    // each use is a copy as far as anything downstream is concerned
                    self.count(size(&v))?;
                    v
                }
                Event::DocumentStart(_) => return error("only a single document is allowed"),
                _ => return error("unexpected YAML event inside a document"),
            };
            match stack.last_mut() {
                None => return Ok(done),
                Some(Frame::Seq(_, items, _)) => items.push(done),
                Some(Frame::Map(_, object, key, _)) => match key.take() {
                    Some(Key::Plain(k, key_span)) => object.set(Entry {
                        key: k,
                        key_span,
                        value: done,
                    }),
                    Some(Key::Merge) => match &done.kind {
                        Kind::Object(entries) => {
                            for e in entries.iter() {
                                object.set(e.clone());
                            }
                        }
                        _ => {
                            return error(format!("cannot merge {} into mapping", type_name(&done)))
                        }
                    },
                    // a collection as a key
                    None => return error("only strings are allowed as mapping keys"),
                },
            }
        }
    }

    fn open(&mut self, anchor: usize, stack: &[Frame]) -> R<()> {
        if matches!(stack.last(), Some(Frame::Map(_, _, None, _))) {
            return error("only strings are allowed as mapping keys");
        }
        if stack.len() >= MAX_VALUE_DEPTH {
            return Err(Fail::Budget(format!(
                "the YAML document nests deeper than {MAX_VALUE_DEPTH} levels"
            )));
        }
        if anchor != 0 {
            self.pending.insert(anchor);
        }
        self.count(1)
    }

    fn close(&mut self, anchor: usize, v: Value) -> Value {
        if anchor != 0 {
            self.pending.remove(&anchor);
            self.anchors.insert(anchor, v.clone());
        }
        v
    }
}

/// Elements in a value, for the budget an alias spends.
fn size(v: &Value) -> usize {
    match &v.kind {
        Kind::List(items) => 1 + items.iter().map(size).sum::<usize>(),
        Kind::Object(entries) => 1 + entries.iter().map(|e| size(&e.value)).sum::<usize>(),
        _ => 1,
    }
}

fn scan_error(e: &ScanError) -> Fail {
    let m = e.marker();
    Fail::Error(format!(
        "on line {}, column {}: {}",
        m.line(),
        m.col() + 1,
        e.info()
    ))
}

fn tag_name(tag: Option<&Tag>) -> String {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
        .unwrap_or_default()
}

fn check_collection_tag(tag: Option<&Tag>, expected: &str, what: &str) -> R<()> {
    let name = tag_name(tag);
    if name.is_empty() || name == format!("{CORE}{expected}") {
        return Ok(());
    }
    error(format!("can't interpret {what} as {name}"))
}

/// A mapping key as the string Terraform makes of it.
fn key_text(k: Kind) -> R<String> {
    match k {
        Kind::String(s) => Ok(s),
        Kind::Number(n) => Ok(format_number(n)),
        Kind::Bool(b) => Ok(b.to_string()),
        Kind::Null => error("mapping key cannot be null"),
        _ => error("only strings are allowed as mapping keys"),
    }
}

/// YAML 1.1 words Terraform's YAML library reads as booleans, null and infinities.
fn word(s: &str) -> Option<Kind> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Kind::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Kind::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Kind::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Kind::Number(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// A scalar's value. Quoted and block scalars are strings (a `!!binary` one must be base64);
/// plain ones are resolved by their first character, then their text, then their tag.
fn resolve(tag: Option<&Tag>, src: &str, style: ScalarStyle) -> R<Kind> {
    let tag = tag_name(tag);
    let short = tag.strip_prefix(CORE);
    let known = match short {
        None => tag.is_empty(),
        Some(t) => matches!(
            t,
            "str" | "bool" | "int" | "float" | "null" | "timestamp" | "binary"
        ),
    };
    if !known {
        return error(format!("unsupported tag {tag:?}"));
    }
    let binary = |src: &str| -> R<Kind> {
        if base64_decode(src).is_none() {
            return error(format!("cannot parse {src:?} as {tag}: not valid base64"));
        }
        Ok(Kind::String(src.to_string()))
    };
    if style != ScalarStyle::Plain {
        return match short {
            Some("binary") => binary(src),
            _ => Ok(Kind::String(src.to_string())),
        };
    }
    let mut short = short.unwrap_or("");
    let hint = src.bytes().next();
    let resolvable = match hint {
        None => true,
        Some(b) => b"+-0123456789yYnNtTfFoO~.".contains(&b),
    };
    if resolvable && short != "str" && short != "binary" {
        if let Some(k) = word(src) {
            return finite(k);
        }
        if matches!(src, ".nan" | ".NaN" | ".NAN") {
            return error("floating point NaN is not supported");
        }
        match hint {
            Some(b'.') => {
                if let Some(n) = decimal(src) {
                    return finite(Kind::Number(n));
                }
            }
            Some(b) if b.is_ascii_digit() || b == b'+' || b == b'-' => {
                if short.is_empty() || short == "timestamp" {
                    if let Some(t) = timestamp(src) {
                        return Ok(Kind::String(t));
                    }
                }
                if let Some(n) = decimal(src) {
                    return finite(Kind::Number(n));
                }
                let digits = |p: &str, ok: fn(&u8) -> bool| {
                    src.strip_prefix(p)
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| ok(&b)))
                };
                if digits("0x", u8::is_ascii_hexdigit)
                    || digits("0o", |b| (b'0'..=b'7').contains(b))
                {
                    short = "int";
                }
            }
            _ => {}
        }
    }
    match short {
        "str" => Ok(Kind::String(src.to_string())),
        "binary" => binary(src),
        "bool" => match word(src) {
            Some(k @ Kind::Bool(_)) => Ok(k),
            _ => error(format!("cannot parse {src:?} as {tag}")),
        },
        "int" | "float" => {
            let plain = src.replace('_', "");
            match decimal(&plain).or_else(|| go_int(&plain)) {
                Some(n) => finite(Kind::Number(n)),
                None => error(format!("cannot parse {src:?} as {tag}")),
            }
        }
        "timestamp" => match timestamp(src) {
            Some(t) => Ok(Kind::String(t)),
            None => error(format!("cannot parse {src:?} as {tag}")),
        },
        "null" => Ok(Kind::Null),
        _ => Ok(Kind::String(src.to_string())),
    }
}

/// Infinities and numbers past f64 are numbers Terraform keeps and this evaluator cannot.
fn finite(k: Kind) -> R<Kind> {
    match k {
        Kind::Number(n) if !n.is_finite() => Err(Fail::Unknown(
            "`yamldecode` of a number too large to evaluate here".into(),
        )),
        k => Ok(k),
    }
}

/// Decimal notation as Terraform parses numbers: sign, digits, fraction, exponent.
fn decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: a sign, then `0x`, `0o`, `0b` or a
/// leading `0` (octal) for the base.
fn go_int(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() {
        return None;
    }
    let n = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        // ParseUint takes no sign: a negative number must fit ParseInt
        (n <= 1 << 63).then(|| -(n as f64))
    } else {
        Some(n as f64)
    }
}

/// The timestamp forms Terraform's YAML library reads, as RFC 3339 text (no fraction, the offset
/// as written, `Z` for UTC): `2001-12-14`, `2001-12-14T21:59:43.10-05:00` (or `t`),
/// `2001-12-14 21:59:43.10` (UTC). Months, days and clock fields may have one digit.
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num(1, 2)?;
    p.expect(b'-')?;
    let day = p.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if p.done() {
        return Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
    }
    let spaced = match b.get(p.i) {
        Some(b'T' | b't') => false,
        Some(b' ') => true,
        _ => return None,
    };
    p.i += 1;
    let hour = p.num(1, 2)?;
    p.expect(b':')?;
    let minute = p.num(1, 2)?;
    p.expect(b':')?;
    let second = p.num(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if b.get(p.i) == Some(&b'.') {
        p.i += 1;
        p.num(1, 9)?;
    }
    let zone = if spaced {
        "Z".to_string()
    } else {
        match b.get(p.i) {
            Some(b'Z') => {
                p.i += 1;
                "Z".to_string()
            }
            Some(&sign @ (b'+' | b'-')) => {
                p.i += 1;
                let h = p.num(2, 2)?;
                p.expect(b':')?;
                let m = p.num(2, 2)?;
                if h > 23 || m > 59 {
                    return None;
                }
                if h == 0 && m == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{h:02}:{m:02}", char::from(sign))
                }
            }
            _ => return None,
        }
    };
    if !p.done() {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"
    ))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let n = self.b[self.i.min(self.b.len())..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n < min {
            return None;
        }
        let v = std::str::from_utf8(&self.b[self.i..self.i + n])
            .ok()?
            .parse()
            .ok()?;
        self.i += n;
        Some(v)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// yamlencode

/// Terraform's emitter's line width and indentation step.
const WIDTH: usize = 80;
const STEP: i64 = 2;
/// Longest key the emitter writes as a simple key.
const MAX_SIMPLE_KEY: usize = 128;

pub(super) fn yamlencode(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        name: c.name,
    };
    match &v.kind {
        Kind::Null | Kind::Bool(_) | Kind::Number(_) => {
            e.scalar(v, -1, false)?;
            e.out.push_str("\n...\n");
        }
        _ => {
            e.node(v, -1, false)?;
            if !e.out.ends_with('\n') {
                e.out.push('\n');
            }
        }
    }
    check_text(e.out.len())?;
    Ok(c.string(e.out))
}

struct Emitter<'n> {
    out: String,
    /// Characters on the current line.
    column: usize,
    name: &'n str,
}

impl Emitter<'_> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.column = s[i + 1..].chars().count(),
            None => self.column += s.chars().count(),
        }
        if self.out.len() > MAX_TEXT {
            // stop growing; the caller's size check reports it
            self.out.truncate(MAX_TEXT + 1);
        }
    }

    /// A line break (unless a literal block just ended with one) and the indentation.
    fn newline_at(&mut self, indent: i64) {
        if !self.out.ends_with('\n') {
            self.push("\n");
        }
        self.push(&" ".repeat(indent.max(0) as usize));
    }

    fn too_deep(&self) -> bool {
        self.out.len() > MAX_TEXT
    }

    /// A value at the parent's indentation `parent` (-1 at the root); `in_mapping`: the value
    /// of a mapping entry, where a sequence is not indented further.
    fn node(&mut self, v: &Value, parent: i64, in_mapping: bool) -> R<()> {
        if self.too_deep() {
            return check_text(self.out.len());
        }
        match &v.kind {
            Kind::List(items) if !items.is_empty() => {
                let indent = if parent < 0 {
                    0
                } else if in_mapping {
                    parent
                } else {
                    parent + STEP
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 || in_mapping {
                        self.newline_at(indent);
                    }
                    self.push("- ");
                    self.node(item, indent, false)?;
                }
                Ok(())
            }
            Kind::Object(entries) if !entries.is_empty() => {
                let indent = if parent < 0 { 0 } else { parent + STEP };
                for (i, e) in sorted_entries(entries).into_iter().enumerate() {
                    if i > 0 || in_mapping {
                        self.newline_at(indent);
                    }
                    if e.key.chars().count() > MAX_SIMPLE_KEY || e.key.contains(is_line_break) {
                        return Err(self.unknown("a key YAML writes in its complex-key form"));
                    }
                    self.quoted(&e.key, indent, false);
                    self.push(":");
                    match &e.value.kind {
                        Kind::List(items) if !items.is_empty() => {
                            self.node(&e.value, indent, true)?
                        }
                        Kind::Object(entries) if !entries.is_empty() => {
                            self.node(&e.value, indent, true)?
                        }
                        _ => {
                            self.push(" ");
                            self.node(&e.value, indent, true)?;
                        }
                    }
                }
                Ok(())
            }
            Kind::List(_) => {
                self.push("[]");
                Ok(())
            }
            Kind::Object(_) => {
                self.push("{}");
                Ok(())
            }
            _ => self.scalar(v, parent, true),
        }
    }

    fn scalar(&mut self, v: &Value, parent: i64, breaks: bool) -> R<()> {
        let indent = if parent < 0 { STEP } else { parent + STEP };
        match &v.kind {
            Kind::Null => self.push("null"),
            Kind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Kind::Number(n) => self.push(&format_number(*n)),
            Kind::String(s) => {
                if s.contains('\n') && literal_allowed(s) {
                    self.literal(s, indent)?;
                } else {
                    self.quoted(s, indent, breaks);
                }
            }
            Kind::Json(inner) => {
                let text = encode(inner).ok_or_else(|| self.unknown_after_apply())?;
                self.scalar(&Value::string(text, v.span), parent, breaks)?;
            }
            Kind::Symbolic(_) => return Err(self.unknown_after_apply()),
            Kind::Unknown(r) => return Err(unknown_from(r)),
            Kind::List(_) | Kind::Object(_) => self.node(v, parent, false)?,
        }
        Ok(())
    }

    fn unknown(&self, what: &str) -> Fail {
        Fail::Unknown(format!("`{}` of {what}, not written here", self.name).into())
    }

    fn unknown_after_apply(&self) -> Fail {
        Fail::Unknown(format!("`{}` of a value known only after apply", self.name).into())
    }

    /// A double-quoted scalar; `breaks`: it may be folded at a space past the line width, the
    /// continuation at `indent`.
    fn quoted(&mut self, s: &str, indent: i64, breaks: bool) {
        self.push("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &ch) in chars.iter().enumerate() {
            if ch == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                if breaks && !spaces && self.column > WIDTH && inner {
                    self.newline_at(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.push("\\");
                    }
                } else {
                    self.push(" ");
                }
                spaces = true;
                continue;
            }
            let escaped = match ch {
                '\0' => "\\0".to_string(),
                '\x07' => "\\a".to_string(),
                '\x08' => "\\b".to_string(),
                '\t' => "\\t".to_string(),
                '\n' => "\\n".to_string(),
                '\x0b' => "\\v".to_string(),
                '\x0c' => "\\f".to_string(),
                '\r' => "\\r".to_string(),
                '\x1b' => "\\e".to_string(),
                '"' => "\\\"".to_string(),
                '\\' => "\\\\".to_string(),
                '\u{85}' => "\\N".to_string(),
                '\u{2028}' => "\\L".to_string(),
                '\u{2029}' => "\\P".to_string(),
                c if !printable(c) => {
                    let n = u32::from(c);
                    if n <= 0xFF {
                        format!("\\x{n:02X}")
                    } else if n <= 0xFFFF {
                        format!("\\u{n:04X}")
                    } else {
                        format!("\\U{n:08X}")
                    }
                }
                c => c.to_string(),
            };
            self.push(&escaped);
            spaces = false;
        }
        self.push("\"");
    }

    /// A literal block: `|` with an indentation hint when the text starts with a space or a
    /// line break, and `-` (no final line break), nothing (one) or `+` (more) for its end.
    fn literal(&mut self, s: &str, indent: i64) -> R<()> {
        if s.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']) {
            return Err(self.unknown("text with line breaks other than \\n"));
        }
        self.push("|");
        if s.starts_with([' ', '\n']) {
            self.push(&STEP.to_string());
        }
        let chomp = if !s.ends_with('\n') {
            "-"
        } else if s.len() == 1 || s[..s.len() - 1].ends_with('\n') {
            "+"
        } else {
            ""
        };
        self.push(chomp);
        self.push("\n");
        let mut at_line_start = true;
        for ch in s.chars() {
            if ch == '\n' {
                self.push("\n");
                at_line_start = true;
                continue;
            }
            if at_line_start {
                self.push(&" ".repeat(indent.max(0) as usize));
                at_line_start = false;
            }
            let mut buf = [0u8; 4];
            self.push(ch.encode_utf8(&mut buf));
        }
        Ok(())
    }
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters the emitter writes as they are (YAML's printable set, less the byte order mark).
fn printable(c: char) -> bool {
    matches!(u32::from(c),
        0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

/// Whether the emitter keeps a string with line breaks as a literal block: not when it holds
/// characters it must escape, a space before a line break, or a space at the end.
fn literal_allowed(s: &str) -> bool {
    let special = s.chars().any(|c| !printable(c));
    let space_break = s.contains(" \n");
    !special && !space_break && !s.ends_with(' ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

    fn decode(text: &str) -> String {
        js("yamldecode", vec![s(text)])
    }

    fn encode_text(v: Value) -> String {
        ok("yamlencode", vec![v]).as_str().unwrap().to_string()
    }

    /// Each case as Terraform 1.11's `terraform console` printed it.
    #[test]
    fn yamldecode_resolves_scalars_like_terraform() {
        let cases = [
            ("yes", "true"),
            ("on", "true"),
            ("True", "true"),
            ("tRUE", "\"tRUE\""),
            ("Y", "true"),
            ("off", "false"),
            ("0x10", "16"),
            ("0o10", "8"),
            ("0X10", "\"0X10\""),
            ("0o8", "\"0o8\""),
            ("0x1_0", "\"0x1_0\""),
            ("-0x10", "\"-0x10\""),
            ("010", "10"),
            ("017", "17"),
            ("1_000", "\"1_000\""),
            ("!!int 1_000", "1000"),
            ("0b101", "\"0b101\""),
            ("~", "null"),
            ("Null", "null"),
            ("---", "null"),
            ("1e3", "1000"),
            ("+1", "1"),
            ("1.", "1"),
            (".5", "0.5"),
            ("+.5", "0.5"),
            ("1.5e3", "1500"),
            ("0.1", "0.1"),
            // numbers are f64 here: 0x8000000000000000 (2^63) is exact, larger odd ones are not
            ("0x8000000000000000", "9223372036854776000"),
            ("2001-12-14", "\"2001-12-14T00:00:00Z\""),
            (
                "2001-12-14t21:59:43.10-05:00",
                "\"2001-12-14T21:59:43-05:00\"",
            ),
            ("2001-12-14 21:59:43.10", "\"2001-12-14T21:59:43Z\""),
            ("2001-1-2T3:04:05Z", "\"2001-01-02T03:04:05Z\""),
            (
                "2001-12-14T21:59:43.123456789+05:30",
                "\"2001-12-14T21:59:43+05:30\"",
            ),
            ("2001-13-14", "\"2001-13-14\""),
            ("2001-02-30", "\"2001-02-30\""),
            ("!!timestamp 2001-12-14", "\"2001-12-14T00:00:00Z\""),
            ("!!binary aGVsbG8=", "\"aGVsbG8=\""),
            ("!!str 1", "\"1\""),
            ("!!int '12'", "\"12\""),
            ("!!float \"1\"", "\"1\""),
            ("!!null ''", "\"\""),
            ("!!bool 'yes'", "\"yes\""),
            ("!!float 1", "1"),
            ("!<tag:yaml.org,2002:str> 5", "\"5\""),
            ("\"yes\"", "\"yes\""),
            ("\"\\u00e9\"", "\"é\""),
            ("1:2", "\"1:2\""),
            ("=", "\"=\""),
            ("-0", "0"),
            ("0o", "\"0o\""),
        ];
        for (yaml, json) in cases {
            assert_eq!(decode(yaml), json, "{yaml}");
        }
    }

    #[test]
    fn yamldecode_structures_like_terraform() {
        let cases = [
            ("a: 1\na: 2", r#"{"a":2}"#),
            ("1: a\ntrue: b", r#"{"1":"a","true":"b"}"#),
            ("a: &x {b: 1}\nc: *x", r#"{"a":{"b":1},"c":{"b":1}}"#),
            (
                "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3",
                r#"{"base":{"true":2,"x":1},"d":{"true":3,"x":1}}"#,
            ),
            ("a: 1\n<<: {a: 2, b: 3}", r#"{"a":2,"b":3}"#),
            ("<<: {a: 1}", r#"{"a":1}"#),
            ("---\na: 1\n...\n", r#"{"a":1}"#),
            ("[1, 'a', true, null]", r#"[1,"a",true,null]"#),
            ("a: |\n  x\n  y\n", r#"{"a":"x\ny\n"}"#),
            ("a: >-\n  x\n  y\n", r#"{"a":"x y"}"#),
            ("a: !!str", r#"{"a":""}"#),
            ("a:", r#"{"a":null}"#),
            ("- ", "[null]"),
            ("!!map {a: 1}", r#"{"a":1}"#),
            ("a: !!map {}", r#"{"a":{}}"#),
        ];
        for (yaml, json) in cases {
            assert_eq!(decode(yaml), json, "{yaml}");
        }
    }

    #[test]
    fn yamldecode_errors_where_terraform_fails() {
        for (yaml, needle) in [
            (".nan", "NaN"),
            ("~: c", "mapping key cannot be null"),
            ("? [1,2]\n: x", "only strings are allowed as mapping keys"),
            ("a: 1\n---\nb: 2", "single document"),
            ("a: &x [*x]", "its own definition"),
            (
                "<<: [{a: 1}, {a: 2, b: 1}]",
                "cannot merge tuple into mapping",
            ),
            ("<<: 5", "cannot merge number into mapping"),
            ("!foo bar", "unsupported tag"),
            ("!!seq {a: 1}", "can't interpret mapping"),
            ("a: !!int x", "cannot parse \"x\""),
            ("a: !!binary '*'", "not valid base64"),
            ("0xFFFFFFFFFFFFFFFFFF", "cannot parse"),
            ("# only a comment", "missing start of document"),
            ("", "missing start of document"),
            ("[1, 2", ""),
            ("a: 1\n b: 2", ""),
        ] {
            let e = match call("yamldecode", vec![s(yaml)]) {
                Err(e) => e,
                Ok(v) => panic!("{yaml:?} gave {v:?}"),
            };
            assert!(e.contains(needle), "{yaml:?}: {e}");
        }
    }

    #[test]
    fn yamldecode_keeps_unknowns_and_budgets() {
        assert_eq!(unknown_reason("yamldecode", vec![unk("why")]), "why");
        assert!(unknown_reason("yamldecode", vec![s("\ta: 1")]).contains("tab"));
        assert!(unknown_reason(
            "yamldecode",
            vec![sym(vec![lit("a: "), reference("x", "id")])]
        )
        .contains("known only after apply"));
        // a billion laughs stops at the item budget
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            doc.push_str(&format!(
                "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(call("yamldecode", vec![s(&doc)]).is_err());
        // nesting past the value depth
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(call("yamldecode", vec![s(&deep)]).is_err());
    }

    #[test]
    fn yamldecode_nodes_point_into_the_file() {
        let text = "bucket: raw-data\n";
        let arg = [Value::string(text, Span::new(3, 10..10 + text.len()))];
        let v = yamldecode_in_file(&arg, CALL).unwrap();
        let e = v.entry("bucket").unwrap();
        assert_eq!((e.value.span.file, e.value.span.start), (3, 18));
        assert_eq!(e.value.span.end, 26);
    }

    /// Each expected text is what Terraform 1.11's `yamlencode` returned.
    #[test]
    fn yamlencode_writes_like_terraform() {
        assert_eq!(encode_text(s("x")), "\"x\"\n");
        assert_eq!(encode_text(n(12.0)), "12\n...\n");
        assert_eq!(encode_text(b(true)), "true\n...\n");
        assert_eq!(encode_text(null()), "null\n...\n");
        assert_eq!(encode_text(n(1e-7)), "0.0000001\n...\n");
        assert_eq!(encode_text(list(vec![])), "[]\n");
        assert_eq!(encode_text(s("a\nb")), "|-\n  a\n  b\n");
        assert_eq!(encode_text(s("a\nb\n\n")), "|+\n  a\n  b\n\n");
        assert_eq!(encode_text(s("x\r\ny")), "\"x\\r\\ny\"\n");
        assert_eq!(encode_text(s("a\u{a0}b\u{2028}")), "\"a\u{a0}b\\L\"\n");
        assert_eq!(
            encode_text(obj(vec![
                ("b", strs(&["x"])),
                ("a", obj(vec![("e", s("f"))])),
                ("c", list(vec![n(1.0), s("two"), b(true), null()])),
                ("m", list(vec![])),
                ("n", obj(vec![])),
                ("k", s("a\nb\n")),
                ("t", s("x\ty")),
                ("d", s("tr \nx")),
                ("e", s("\n")),
                ("f", s("a\n\nb")),
                ("g", s("é\u{1}")),
                ("h", list(vec![strs(&["x"])])),
                ("i", list(vec![obj(vec![])])),
                ("j", obj(vec![("k", list(vec![]))])),
                ("l", s("  two\nlines")),
            ])),
            "\"a\":\n  \"e\": \"f\"\n\"b\":\n- \"x\"\n\"c\":\n- 1\n- \"two\"\n- true\n- null\n\
             \"d\": \"tr \\nx\"\n\"e\": |2+\n\n\"f\": |-\n  a\n\n  b\n\"g\": \"é\\x01\"\n\
             \"h\":\n- - \"x\"\n\"i\":\n- {}\n\"j\":\n  \"k\": []\n\"k\": |\n  a\n  b\n\
             \"l\": |2-\n    two\n  lines\n\"m\": []\n\"n\": {}\n\"t\": \"x\\ty\"\n"
        );
        assert_eq!(
            encode_text(obj(vec![(
                "a",
                obj(vec![
                    ("b", s("l1\nl2")),
                    ("c", list(vec![s("m\n"), s(" lead\nx")]))
                ])
            )])),
            "\"a\":\n  \"b\": |-\n    l1\n    l2\n  \"c\":\n  - |\n    m\n  - |2-\n     lead\n    x\n"
        );
        assert_eq!(
            encode_text(list(vec![
                list(vec![s("a"), s("b")]),
                obj(vec![("k", s("v"))])
            ])),
            "- - \"a\"\n  - \"b\"\n- \"k\": \"v\"\n"
        );
    }

    #[test]
    fn yamlencode_folds_long_strings_like_terraform() {
        assert_eq!(
            encode_text(obj(vec![("a", s("a very long string that goes on and on and on and on and on and on and on and on and on and on past eighty and then some more words to fold twice over the line width of eighty columns"))])),
            "\"a\": \"a very long string that goes on and on and on and on and on and on and on and\n  on and on and on past eighty and then some more words to fold twice over the line\n  width of eighty columns\"\n"
        );
        assert_eq!(
            encode_text(list(vec![obj(vec![("a", obj(vec![("b", s("x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y"))]))])])),
            "- \"a\":\n    \"b\": \"x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z x y z\n      x y z x y z x y\"\n"
        );
    }

    #[test]
    fn yamlencode_round_trips_and_leaves_complex_keys_unknown() {
        let v = obj(vec![(
            "k",
            list(vec![obj(vec![("a", n(1.0)), ("b", s("x\ny"))])]),
        )]);
        let text = encode_text(v.clone());
        assert_eq!(js("yamldecode", vec![s(&text)]), json_text(&v).unwrap());
        assert!(
            unknown_reason("yamlencode", vec![obj(vec![("a\nb", n(1.0))])]).contains("complex-key")
        );
        assert!(
            unknown_reason("yamlencode", vec![sym(vec![reference("x", "arn")])])
                .contains("after apply")
        );
    }
}
