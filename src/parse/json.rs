//! Strict JSON (IAM policy documents, `.tfvars.json`) into spanned [`Value`]s.
//!
//! The text may have been rendered from somewhere else (a heredoc, a template with references), so
//! positions go through a [`TextMap`] back to the source the user wrote.

use crate::parse::ParseError;
use crate::source::{FileId, Sources, Span};
use crate::terraform::module::{span_of, TopBlock};
use crate::terraform::value::{normalize_parts, Entry, Kind, Part, Reference, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body};
use hcl_edit::{Ident, Span as _};
use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

/// Maps byte offsets of a rendered text back to source spans.
#[derive(Clone, Debug, Default)]
pub struct TextMap {
    segments: Vec<Segment>,
}

#[derive(Clone, Debug)]
struct Segment {
    text_start: usize,
    text_end: usize,
    span: Span,
    /// The text is the source byte for byte, so offsets map one to one.
    exact: bool,
}

impl TextMap {
    /// Text that is the source itself, starting at `span.start`.
    pub fn exact(span: Span, len: usize) -> TextMap {
        let mut map = TextMap::default();
        map.push(0..len, span, true);
        map
    }

    pub fn push(&mut self, text: std::ops::Range<usize>, span: Span, exact: bool) {
        self.segments.push(Segment {
            text_start: text.start,
            text_end: text.end,
            span,
            exact,
        });
    }

    /// Where a range of the rendered text was written. Offsets between segments (text that
    /// could not be found in the source) take the nearest segment before them.
    pub fn map(&self, start: usize, end: usize) -> Option<Span> {
        let seg = |off: usize| {
            self.segments
                .iter()
                .find(|s| s.text_start <= off && off < s.text_end.max(s.text_start + 1))
                .or_else(|| self.segments.iter().rev().find(|s| s.text_start <= off))
                .or_else(|| self.segments.first())
        };
        let (a, b) = (seg(start)?, seg(end.saturating_sub(1).max(start))?);
        let pos = |s: &Segment, off: usize, is_end: bool| -> u32 {
            if s.exact {
                // an offset before the first segment maps to its start
                s.span.start + off.min(s.text_end).saturating_sub(s.text_start) as u32
            } else if is_end {
                s.span.end
            } else {
                s.span.start
            }
        };
        let span = Span {
            file: a.span.file,
            start: pos(a, start, false),
            end: if a.span.file == b.span.file {
                pos(b, end, true)
            } else {
                a.span.end
            },
        };
        Some(if span.end < span.start {
            Span {
                end: span.start,
                ..span
            }
        } else {
            span
        })
    }
}

const STRICT: ParseOptions = ParseOptions {
    allow_comments: false,
    allow_loose_object_property_names: false,
    allow_trailing_commas: false,
    allow_missing_commas: false,
    allow_single_quoted_strings: false,
    allow_hexadecimal_numbers: false,
    allow_unary_plus_numbers: false,
    allow_bare_decimal_point_numbers: false,
    allow_non_finite_numbers: false,
    allow_extended_string_escapes: false,
};

/// Decode a Terraform value that holds JSON text (a policy in a heredoc, a `file()`, a template
/// with references). A `jsonencode` result is already structured; an unknown stays unknown.
pub fn decode_value(v: &Value, sources: &Sources) -> Result<Value, ParseError> {
    match &v.kind {
        Kind::Json(inner) => Ok((**inner).clone()),
        Kind::Unknown(_) => Ok(v.clone()),
        Kind::String(s) => parse(s, &anchored_map(s, v.span, sources), &[]),
        Kind::Symbolic(parts) => {
            let mut text = String::new();
            let mut refs = Vec::new();
            for p in parts {
                match p {
                    Part::Lit(s) => text.push_str(s),
                    Part::Ref(r) => {
                        text.push_str(&ref_placeholder(refs.len()));
                        refs.push(r.clone());
                    }
                }
            }
            parse(&text, &anchored_map(&text, v.span, sources), &refs)
        }
        _ => Err(ParseError {
            message: "expected JSON text here".into(),
            span: v.span,
        }),
    }
}

/// Map rendered text back into the source it came from by finding its pieces there in order:
/// exact when the text is the source (a `file()`, a plain heredoc), piecewise when indentation
/// was stripped (`<<-EOT`) or references were interpolated.
fn anchored_map(text: &str, span: Span, sources: &Sources) -> TextMap {
    let mut map = TextMap::default();
    if (span.file as usize) >= sources.len() {
        map.push(0..text.len(), span, false);
        return map;
    }
    let file = sources.get(span.file);
    let source = file.slice(span);
    if let Some(k) = source.find(text) {
        map.push(
            0..text.len(),
            Span::new(
                span.file,
                span.start as usize + k..span.start as usize + k + text.len(),
            ),
            true,
        );
        return map;
    }
    let mut cursor = 0usize;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let mut piece_start = offset;
        for piece in line.split([REF_OPEN, REF_CLOSE, HOLE_OPEN, HOLE_CLOSE]) {
            let trimmed = piece.trim_start();
            let mut lead = piece.len() - trimmed.len();
            // a hole outside a string was wrapped in quotes the source does not have
            let mut trimmed = trimmed;
            if trimmed.len() >= 2 && !source[cursor..].contains(trimmed) {
                if let Some(t) = trimmed.strip_prefix('"') {
                    trimmed = t;
                    lead += 1;
                }
                trimmed = trimmed.strip_suffix('"').unwrap_or(trimmed);
            }
            if trimmed.len() >= 2 {
                if let Some(k) = source[cursor..].find(trimmed) {
                    let at = span.start as usize + cursor + k;
                    map.push(
                        piece_start + lead..piece_start + piece.len(),
                        Span::new(span.file, at..at + trimmed.len()),
                        true,
                    );
                    cursor += k + trimmed.len();
                }
            }
            piece_start += piece.len() + REF_OPEN.len_utf8();
        }
        offset += line.len();
    }
    if map.segments.is_empty() {
        map.push(0..text.len(), span, false);
    }
    map
}

/// Placeholders for symbolic references inside rendered JSON text: private-use characters that
/// cannot occur in real policy text.
const REF_OPEN: char = '\u{E000}';
const REF_CLOSE: char = '\u{E001}';

/// Placeholders for values not known (a template input without a value): inside a JSON string
/// they make the string unknown; elsewhere [`parse_with_holes`] reads them as unknown values.
const HOLE_OPEN: char = '\u{E002}';
const HOLE_CLOSE: char = '\u{E003}';

/// Render a hole placeholder for [`parse_with_holes`].
pub fn hole_placeholder(index: usize) -> String {
    format!("{HOLE_OPEN}{index}{HOLE_CLOSE}")
}

/// Rendered template text whose pieces are literal text, references and unknown values.
#[derive(Debug, Default)]
pub struct TextWithHoles {
    pub text: String,
    pub refs: Vec<Reference>,
    pub holes: Vec<Value>,
}

impl TextWithHoles {
    pub fn push_part(&mut self, part: &Part) {
        match part {
            Part::Lit(s) => self.text.push_str(s),
            Part::Ref(r) => {
                self.text.push_str(&ref_placeholder(self.refs.len()));
                self.refs.push(r.clone());
            }
        }
    }
}

/// Parse a rendered template with unknown holes as JSON, the text mapped into `span` (the
/// template file). A hole outside a string stands for a whole unknown JSON value. `None` when
/// the text with its holes is no JSON: nothing can be concluded until the inputs are known.
pub fn parse_with_holes(rendered: &TextWithHoles, span: Span, sources: &Sources) -> Option<Value> {
    let text = quote_bare_holes(&rendered.text);
    let map = anchored_map(&text, span, sources);
    let whole = map.map(0, text.len()).unwrap_or(span);
    let ast = parse_to_ast(&text, &CollectOptions::default(), &STRICT).ok()?;
    let conv = Converter {
        map: &map,
        refs: &rendered.refs,
        holes: &rendered.holes,
        whole,
    };
    Some(conv.value(&ast.value?))
}

/// Wrap every hole that stands outside a JSON string in quotes, so the text parses and the
/// converter finds the hole as a string of its own.
fn quote_bare_holes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == HOLE_OPEN && !in_string {
            out.push('"');
            out.push(c);
            for d in chars.by_ref() {
                out.push(d);
                if d == HOLE_CLOSE {
                    break;
                }
            }
            out.push('"');
            continue;
        }
        out.push(c);
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
    }
    out
}

/// Render a reference placeholder for [`parse`].
pub fn ref_placeholder(index: usize) -> String {
    format!("{REF_OPEN}{index}{REF_CLOSE}")
}

/// Parse strict JSON. `refs` resolves placeholders written with [`ref_placeholder`].
pub fn parse(text: &str, map: &TextMap, refs: &[Reference]) -> Result<Value, ParseError> {
    let whole = map.map(0, text.len()).unwrap_or_default();
    let ast = parse_to_ast(text, &CollectOptions::default(), &STRICT).map_err(|e| {
        let r = e.range();
        ParseError {
            message: lowercase_first(&e.kind().to_string()),
            span: map.map(r.start, r.end.max(r.start + 1)).unwrap_or(whole),
        }
    })?;
    let Some(root) = ast.value else {
        return Err(ParseError {
            message: "the file holds no JSON value".into(),
            span: whole,
        });
    };
    let conv = Converter {
        map,
        refs,
        holes: &[],
        whole,
    };
    Ok(conv.value(&root))
}

struct Converter<'m> {
    map: &'m TextMap,
    refs: &'m [Reference],
    holes: &'m [Value],
    whole: Span,
}

impl Converter<'_> {
    fn span(&self, r: jsonc_parser::common::Range) -> Span {
        self.map.map(r.start, r.end).unwrap_or(self.whole)
    }

    fn value(&self, v: &ast::Value) -> Value {
        let span = self.span(v.range());
        let kind = match v {
            ast::Value::StringLit(s) => return self.string(&s.value, span),
            ast::Value::NumberLit(n) => Kind::Number(n.value.parse().unwrap_or(f64::NAN)),
            ast::Value::BooleanLit(b) => Kind::Bool(b.value),
            ast::Value::NullKeyword(_) => Kind::Null,
            ast::Value::Array(a) => Kind::List(
                a.elements
                    .iter()
                    .map(|e| self.value(e))
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ast::Value::Object(o) => {
                let mut entries = Vec::with_capacity(o.properties.len());
                for p in &o.properties {
                    let (key, key_range) = match &p.name {
                        ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                        ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    // a key not known makes the object's shape not known
                    if let Some(hole) = self.first_hole(&key) {
                        return Value::new(hole.kind.clone(), span);
                    }
                    entries.push(Entry {
                        key,
                        key_span: self.span(key_range),
                        value: self.value(&p.value),
                    });
                }
                Kind::Object(entries.into())
            }
        };
        Value::new(kind, span)
    }

    /// The first unknown value a text holds, if any.
    fn first_hole(&self, s: &str) -> Option<Value> {
        let open = s.find(HOLE_OPEN)?;
        let after = &s[open + HOLE_OPEN.len_utf8()..];
        let index = after[..after.find(HOLE_CLOSE)?].parse::<usize>().ok()?;
        Some(
            self.holes.get(index).cloned().unwrap_or_else(|| {
                Value::unknown("a value not known inside JSON text", self.whole)
            }),
        )
    }

    fn string(&self, s: &str, span: Span) -> Value {
        // one unknown piece makes the whole string unknown: never a wildcard, never a prefix
        if let Some(hole) = self.first_hole(s) {
            return Value::new(hole.kind, span);
        }
        if !s.contains(REF_OPEN) {
            return Value::string(s, span);
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find(REF_OPEN) {
            parts.push(Part::Lit(rest[..open].to_string()));
            let after = &rest[open + REF_OPEN.len_utf8()..];
            let Some(close) = after.find(REF_CLOSE) else {
                break;
            };
            match after[..close]
                .parse::<usize>()
                .ok()
                .and_then(|i| self.refs.get(i))
            {
                Some(r) => parts.push(Part::Ref(r.clone())),
                None => return Value::unknown("a reference inside JSON text", span),
            }
            rest = &after[close + REF_CLOSE.len_utf8()..];
        }
        parts.push(Part::Lit(rest.to_string()));
        Value::new(Kind::Symbolic(normalize_parts(parts)), span)
    }
}

/// The top-level blocks of a `.tf.json` file (Terraform's JSON configuration syntax).
///
/// JSON is a subset of HCL's expression syntax (objects may use `:`, strings are templates), so
/// the whole file parses as one HCL expression whose nodes keep byte spans into the JSON. Its
/// nested objects become blocks by the nesting Terraform defines (`resource` -> type -> name ->
/// body); a block body's properties become arguments, nested blocks such as `statement` stay
/// object or array values, and `dynamic` becomes dynamic blocks.
pub fn tf_json_blocks(file: FileId, text: &str) -> Result<Vec<TopBlock>, ParseError> {
    let whole = Span::new(file, 0..text.len());
    // strict JSON first, for its precise messages
    parse(text, &TextMap::exact(whole, text.len()), &[])?;
    // the expression parser refuses trailing whitespace; trimming the end keeps every offset
    let parsed = hcl_edit::parser::parse_expr(text.trim_end()).or_else(|e| {
        // Terraform unescapes a JSON string before reading it as a template: `\"` inside
        // `${...}` delimits a string there, which the HCL parser of the raw text refuses
        match quotes_in_interpolations(text) {
            Some(fixed) => hcl_edit::parser::parse_expr(fixed.trim_end()).map_err(|_| e),
            None => Err(e),
        }
    });
    let root = parsed.map_err(|e| {
        let off = e.location().offset().min(text.len());
        ParseError {
            message: format!(
                "JSON that Terraform cannot read as configuration: {}",
                e.message().lines().next().unwrap_or("")
            ),
            span: Span::new(file, off..off),
        }
    })?;
    let mut out = Vec::new();
    let span = |r: Option<std::ops::Range<usize>>| span_of(file, r);
    for (kind, kind_value, _) in json_props(&root) {
        let depth = match kind.as_str() {
            "resource" | "data" => 2,
            "module" | "variable" | "output" | "provider" => 1,
            "locals" => 0,
            _ => continue, // terraform, moved, import, check: nothing to evaluate
        };
        let mut stack: Vec<(Vec<String>, &Expression, Span)> =
            vec![(Vec::new(), kind_value, span(kind_value.span()))];
        while let Some((labels, value, at)) = stack.pop() {
            if labels.len() == depth {
                for body in json_objects(value) {
                    let block_span = if depth == 0 {
                        span(body.span())
                    } else {
                        at.to(span(body.span()))
                    };
                    out.push(TopBlock {
                        ident: kind.clone(),
                        labels: labels.clone(),
                        block: json_block(&kind, labels.clone(), body),
                        span: block_span,
                    });
                }
                continue;
            }
            for obj in json_objects(value) {
                // reversed so the stack yields them in file order
                let props: Vec<_> = json_props(obj);
                for (label, v, key_span) in props.into_iter().rev() {
                    let mut l = labels.clone();
                    l.push(label);
                    stack.push((l, v, span(key_span)));
                }
            }
        }
    }
    out.sort_by_key(|b| b.span.start);
    Ok(out)
}

/// The JSON text with each `\"` inside a string's `${...}` or `%{...}` written ` "` (opening)
/// or `" ` (closing): the same length, so every offset stays, and what Terraform reads there after unescaping the string
/// (an HCL string's delimiter). Only interpolations whose sole escapes are `\"` are rewritten;
/// `None` when none is.
fn quotes_in_interpolations(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !in_string {
            in_string = c == b'"';
            i += 1;
            continue;
        }
        match c {
            b'\\' => i += 2,
            b'"' => {
                in_string = false;
                i += 1;
            }
            b'$' | b'%' if b.get(i + 1) == Some(&c) => i += 2, // `$${`: a literal `${`
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                let (mut j, mut depth, mut nested) = (i + 2, 1usize, false);
                let mut quotes = Vec::new();
                let mut plain = true;
                while j < b.len() && depth > 0 {
                    match b[j] {
                        b'\\' if b.get(j + 1) == Some(&b'"') => {
                            quotes.push(j);
                            nested = !nested;
                            j += 2;
                            continue;
                        }
                        b'\\' => {
                            plain = false;
                            j += 2;
                            continue;
                        }
                        // the JSON string ends inside the interpolation: not ours to mend
                        b'"' => {
                            plain = false;
                            break;
                        }
                        b'{' if !nested => depth += 1,
                        b'}' if !nested => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if plain && depth == 0 && !nested {
                    // an opening quote is preceded by the space, a closing one followed by it,
                    // so the space stays outside the string it delimits
                    for (k, q) in quotes.iter().enumerate() {
                        if k % 2 == 0 {
                            out[*q] = b' ';
                        } else {
                            out[*q] = b'"';
                            out[*q + 1] = b' ';
                        }
                    }
                    changed |= !quotes.is_empty();
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The objects of a JSON value: the object itself, or each object of an array (Terraform JSON
/// allows an array wherever a block may repeat).
fn json_objects(e: &Expression) -> Vec<&Expression> {
    match e {
        Expression::Object(_) => vec![e],
        Expression::Array(a) => a
            .iter()
            .filter(|x| matches!(x, Expression::Object(_)))
            .collect(),
        _ => Vec::new(),
    }
}

/// (key, value, key span) of a JSON object; `//` comment properties are left out.
fn json_props(e: &Expression) -> Vec<(String, &Expression, Option<std::ops::Range<usize>>)> {
    let Expression::Object(o) = e else {
        return Vec::new();
    };
    o.iter()
        .filter_map(|(k, v)| {
            let key = match k {
                ObjectKey::Ident(id) => id.as_str().to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                ObjectKey::Expression(_) => return None,
            };
            (key != "//").then(|| (key, v.expr(), k.span()))
        })
        .collect()
}

fn json_block(kind: &str, labels: Vec<String>, body: &Expression) -> Block {
    let mut block = Block::new(Ident::new_sanitized(kind));
    block.labels = labels.into_iter().map(BlockLabel::from).collect();
    block.body = json_body(kind, body);
    block
}

/// A JSON object as a block body. In a `variable` block `type` is an expression written as a
/// string (`"list(string)"`), so it is parsed as one.
fn json_body(kind: &str, body: &Expression) -> Body {
    let mut out = Body::new();
    for (key, value, _) in json_props(body) {
        if key == "dynamic" {
            for obj in json_objects(value) {
                for (name, spec, _) in json_props(obj) {
                    for spec in json_objects(spec) {
                        out.push(json_dynamic(&name, spec));
                    }
                }
            }
            continue;
        }
        let Ok(ident) = Ident::try_new(key.as_str()) else {
            continue;
        };
        let value = match (kind, key.as_str(), value) {
            ("variable", "type", Expression::String(s)) => {
                hcl_edit::parser::parse_expr(s.value()).unwrap_or_else(|_| value.clone())
            }
            _ => value.clone(),
        };
        out.push(Attribute::new(ident, value));
    }
    out
}

/// `"dynamic": {"statement": {"for_each": ..., "iterator": "s", "content": {...}}}`.
fn json_dynamic(name: &str, spec: &Expression) -> Block {
    let mut block = Block::new(Ident::new_sanitized("dynamic"));
    block.labels = vec![BlockLabel::from(name)];
    for (key, value, _) in json_props(spec) {
        match key.as_str() {
            "content" => {
                if let Some(c) = json_objects(value).first() {
                    let mut content = Block::new(Ident::new_sanitized("content"));
                    content.body = json_body("content", c);
                    block.body.push(content);
                }
            }
            "for_each" | "iterator" | "labels" => {
                block.body.push(Attribute::new(
                    Ident::new_sanitized(key.as_str()),
                    value.clone(),
                ));
            }
            _ => {}
        }
    }
    block
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_holes(source: &str, rendered: &[Result<&str, &str>]) -> (Sources, Option<Value>) {
        let sources = Sources::new(std::path::PathBuf::from("/t"));
        let file = sources.add("/t/p.json".into(), source.to_string());
        let mut text = TextWithHoles::default();
        for piece in rendered {
            match piece {
                Ok(lit) => text.push_part(&Part::Lit(lit.to_string())),
                Err(reason) => {
                    text.text.push_str(&hole_placeholder(text.holes.len()));
                    text.holes
                        .push(Value::unknown(*reason, Span::new(file, 0..0)));
                }
            }
        }
        let v = parse_with_holes(&text, Span::new(file, 0..source.len()), &sources);
        (sources, v)
    }

    #[test]
    fn holes_stay_unknown_and_known_parts_keep_their_place() {
        let source = "{\"Action\": \"s3:GetObject\",\n \"Resource\": \"arn:aws:s3:::${b}/*\",\n \"Condition\": ${c}}";
        let (sources, v) = with_holes(
            source,
            &[
                Ok("{\"Action\": \"s3:GetObject\",\n \"Resource\": \"arn:aws:s3:::"),
                Err("var.b has no value"),
                Ok("/*\",\n \"Condition\": "),
                Err("var.c has no value"),
                Ok("}"),
            ],
        );
        let v = v.expect("the text with holes is JSON");
        let action = v.get("Action").unwrap();
        assert_eq!(action.as_str(), Some("s3:GetObject"));
        assert_eq!(
            sources.get(action.span.file).slice(action.span),
            "\"s3:GetObject\""
        );
        // a string with an unknown piece is unknown, never a pattern
        let resource = v.get("Resource").unwrap();
        assert!(resource.is_unknown());
        assert_eq!(resource.as_str(), None);
        assert!(v.get("Condition").unwrap().is_unknown());
    }

    #[test]
    fn an_unknown_key_makes_the_object_unknown_and_broken_text_is_none() {
        let (_, v) = with_holes("{\"${k}\": 1}", &[Ok("{\""), Err("k"), Ok("\": 1}")]);
        assert!(v.unwrap().is_unknown());
        let (_, v) = with_holes(
            "{\"a\": ${x} ${y}}",
            &[Ok("{\"a\": "), Err("x"), Ok(" "), Err("y"), Ok("}")],
        );
        assert!(v.is_none());
    }

    #[test]
    fn an_offset_before_the_first_segment_maps_to_its_start() {
        let mut map = TextMap::default();
        map.push(5..9, Span::new(0, 20..24), true);
        assert_eq!(map.map(0, 3), Some(Span::new(0, 20..20)));
    }

    #[test]
    fn bare_holes_are_quoted_and_holes_in_strings_are_not() {
        let h = hole_placeholder(0);
        assert_eq!(
            quote_bare_holes(&format!("[{h}, \"a\\\"{h}\"]")),
            format!("[\"{h}\", \"a\\\"{h}\"]")
        );
    }

    fn exact(text: &str) -> TextMap {
        TextMap::exact(Span::new(0, 0..text.len()), text.len())
    }

    #[test]
    fn statements_keep_byte_spans() {
        let text = r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}"#;
        let v = parse(text, &exact(text), &[]).unwrap();
        let stmt = &v.get("Statement").unwrap().as_list().unwrap()[0];
        assert_eq!(
            &text[stmt.span.start as usize..stmt.span.end as usize],
            r#"{"Effect": "Allow", "Action": "s3:GetObject"}"#
        );
        let action = stmt.entry("Action").unwrap();
        assert_eq!(
            &text[action.key_span.start as usize..action.key_span.end as usize],
            "\"Action\""
        );
        assert_eq!(action.value.as_str(), Some("s3:GetObject"));
    }

    #[test]
    fn trailing_commas_are_errors_with_a_span() {
        let text = r#"{"a": 1,}"#;
        let e = parse(text, &exact(text), &[]).unwrap_err();
        assert!(e.message.contains("trailing comma"), "{}", e.message);
        assert_eq!(e.span.start, 7); // the comma
    }

    #[test]
    fn dedented_heredocs_map_line_by_line() {
        let sources = Sources::new("/".into());
        let src = "x = <<-EOT\n    {\n      \"a\": \"b\"\n    }\n    EOT\n";
        let id = sources.add("/m.tf".into(), src.to_string());
        let text = "{\n  \"a\": \"b\"\n}\n";
        let v = Value::string(text, Span::new(id, 4..src.len()));
        let decoded = decode_value(&v, &sources).unwrap();
        let a = decoded.get("a").unwrap();
        assert_eq!(&src[a.span.start as usize..a.span.end as usize], "\"b\"");
    }

    #[test]
    fn offsets_shift_with_the_map() {
        let text = r#"{"a": "b"}"#;
        let map = TextMap::exact(Span::new(3, 100..110), text.len());
        let v = parse(text, &map, &[]).unwrap();
        assert_eq!(
            v.get("a").unwrap().span,
            Span {
                file: 3,
                start: 106,
                end: 109
            }
        );
    }
}
