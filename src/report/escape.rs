//! Escaping of what the scanned code controls, for every output format. File names, addresses,
//! resource labels, bucket names, tag values, suppression reasons and the messages built from
//! them are written by whoever opened the pull request: printed raw, they could move a terminal's
//! cursor, run as a GitHub workflow command in a job log, or hide and forge parts of a
//! pull-request comment. Each format escapes them here, at output; the findings keep the values
//! as written (JSON and SARIF carry them exactly).
//!
//! - [`text`]: control characters (C0, DEL, C1), bidirectional overrides and line separators as
//!   visible escapes (`\n`, `\u{1b}`): the base of every other escape here.
//! - [`log_lines`]: a last pass over line-oriented plain output (`human`, `access`): no line can
//!   be read as a workflow command (`::` after leading space, `##[` anywhere).
//! - [`md_text`], [`md_code`], [`md_code_cell`], [`md_message`]: Markdown text, code spans and
//!   messages whose backticks mark code; never raw HTML, a link, an image or a table break.
//! - [`html`], [`html_attr`], [`html_message`]: text and attribute values in the HTML of the
//!   pull-request comment.
//! - [`script_json`]: data for the HTML report's script, safe inside `<script>`.
//! - [`dot`]: a quoted Graphviz DOT string.
//! - [`xml_text`], [`xml_attr`]: XML 1.0 content and attribute values (JUnit).
//! - GitHub workflow command data and properties: `github::escape_data`/`escape_property`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

/// Characters [`text`] shows as escapes: they change what a terminal, log viewer or renderer
/// displays instead of being displayed themselves.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' // directional marks
                | '\u{202a}'..='\u{202e}' // embeddings and overrides
                | '\u{2066}'..='\u{2069}' // isolates
                | '\u{2028}' | '\u{2029}' // line and paragraph separators
        )
}

/// `s` with control characters, bidirectional controls and line separators as visible escapes:
/// `\n`, `\r`, `\t`, else `\u{hex}`. Borrowed when there is nothing to escape (the usual case).
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A file's text for a code snippet, its hidden characters escaped as in [`text`] except line
/// breaks and tabs (`\n`, `\r\n`, `\t`), which the snippet renderer lays out itself. `None` when
/// the text has nothing to escape (the usual case). Escapes are longer than what they replace, so
/// spans move: [`Snippet::offset`] maps them.
pub fn snippet_source(s: &str) -> Option<Snippet> {
    let mut chars = s.chars().peekable();
    let mut text_out = String::new();
    let mut shifts = Vec::new();
    let mut any = false;
    let mut old = 0usize;
    while let Some(c) = chars.next() {
        if hidden_in_source(c, chars.peek().copied()) {
            if !any {
                any = true;
                text_out.reserve(s.len() + 16);
                text_out.push_str(&s[..old]);
            }
            match c {
                '\r' => text_out.push_str("\\r"),
                c => {
                    let _ = write!(text_out, "\\u{{{:x}}}", c as u32);
                }
            }
            old += c.len_utf8();
            // offsets at or past `old` move by everything added so far
            shifts.push((old, text_out.len() - old));
        } else {
            if any {
                text_out.push(c);
            }
            old += c.len_utf8();
        }
    }
    any.then(|| Snippet {
        text: Arc::new(text_out),
        shifts,
    })
}

/// Is `c` (followed by `next`) escaped in a file's text? Line breaks and tabs are layout.
fn hidden_in_source(c: char, next: Option<char>) -> bool {
    is_hidden(c) && !(c == '\n' || c == '\t' || (c == '\r' && next == Some('\n')))
}

/// The byte offset and character of the first character [`snippet_source`] would escape.
pub fn first_hidden_in_source(s: &str) -> Option<(usize, char)> {
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if hidden_in_source(c, chars.peek().map(|&(_, n)| n)) {
            return Some((at, c));
        }
    }
    None
}

/// A file's text with its hidden characters escaped, and how its offsets moved.
pub struct Snippet {
    pub text: Arc<String>,
    /// (original offset just past an escaped character, bytes added up to there), ascending.
    shifts: Vec<(usize, usize)>,
}

impl Snippet {
    /// Where an offset of the original text is in [`Snippet::text`].
    pub fn offset(&self, original: usize) -> usize {
        let i = self.shifts.partition_point(|&(at, _)| at <= original);
        original + if i == 0 { 0 } else { self.shifts[i - 1].1 }
    }
}

/// Plain output, line by line, made safe to print in a GitHub Actions job log: the runner runs a
/// line as a workflow command when it starts with `::` after leading whitespace, or holds `##[`.
/// Values are already one line each ([`text`]); a value at the start of a line (a file name in a
/// list) could still begin with `::`. The first `:` of such a line, and the second `#` of `##[`,
/// become escapes.
pub fn log_lines(out: String) -> String {
    let risky = |line: &str| line.trim_start().starts_with("::") || line.contains("##[");
    if !out.split('\n').any(risky) {
        return out;
    }
    let mut safe = String::with_capacity(out.len() + 16);
    for (i, line) in out.split('\n').enumerate() {
        if i > 0 {
            safe.push('\n');
        }
        let line = line.replace("##[", "#\\u{23}[");
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(':').filter(|r| r.starts_with(':')) {
            safe.push_str(&line[..line.len() - trimmed.len()]);
            safe.push_str("\\u{3a}");
            safe.push_str(rest);
        } else {
            safe.push_str(&line);
        }
    }
    safe
}

/// Markdown text (a paragraph, a list item or a table cell): [`text`], then every character that
/// could start markup is escaped: `\`, `` ` ``, `*`, `_` at a word's edge, `[`, `]`, `|`, `~`,
/// and `<`, `>`, `&` as entities, so no value becomes a link, an image, emphasis, raw HTML or a
/// table border. Characters that only matter at a line start (`#`, `-`, `>`) cannot be at one:
/// a value never holds a line break after [`text`].
pub fn md_text(s: &str) -> String {
    let s = text(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // inside a word (`aws_s3_bucket`) `_` cannot open or close emphasis
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span of `s` outside a table: [`text`], delimited by more backticks than the
/// longest run inside, padded when it starts or ends with a backtick. Nothing in a code span is
/// markup, so no other escape is needed (or possible: backslashes would show).
pub fn md_code(s: &str) -> String {
    code_span(&text(s))
}

/// [`md_code`] inside a table cell, where `|` ends the cell even in a code span unless escaped
/// (GitHub removes the backslash before it renders the span).
pub fn md_code_cell(s: &str) -> String {
    code_span(&text(s).replace('|', "\\|"))
}

fn code_span(s: &str) -> String {
    if s.is_empty() {
        return "` `".into();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' '))
    {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A message in Markdown: its backtick-quoted parts (addresses, names) as code spans, the rest as
/// [`md_text`]. A backtick inside a quoted value shifts which parts show as code; nothing breaks
/// out either way. `cell`: the message sits in a table cell.
pub fn md_message(s: &str, cell: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&if cell {
                md_code_cell(part)
            } else {
                md_code(part)
            });
        } else {
            out.push_str(&md_text(part));
        }
    }
    out
}

/// Text inside an HTML element: [`text`], then `&`, `<` and `>` as entities. Markdown does not
/// render inside HTML blocks, so nothing else is special there.
pub fn html(s: &str) -> String {
    html_escaped(s, false)
}

/// [`html`] for a quoted attribute value: quotes as entities too.
pub fn html_attr(s: &str) -> String {
    html_escaped(s, true)
}

fn html_escaped(s: &str, attribute: bool) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message inside HTML (a `<summary>`): backtick-quoted parts as `<code>`, all of it [`html`].
pub fn html_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", html(part));
        } else {
            out.push_str(&html(part));
        }
    }
    out
}

/// Text for XML 1.0 element content: the markup characters as entities, `\r` as a character
/// reference, and every character XML 1.0 cannot hold at all (other C0 controls, U+FFFE, U+FFFF)
/// as a visible `\u{hex}` escape. Values from the code go through [`text`] first; this is the
/// guard for the whole document.
pub fn xml_text(s: &str) -> String {
    xml(s, false)
}

/// [`xml_text`] for an attribute value, where line breaks and tabs become character references:
/// a parser reads the exact value back (a file name stays the file's name) and the document has
/// no line that starts inside a value.
pub fn xml_attr(s: &str) -> String {
    xml(s, true)
}

fn xml(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A JSON document to embed in an HTML `<script type="application/json">` element: `<`, `>`
/// and `&` as `\u` escapes, so no value can close the element (`</script>`) or open a comment
/// (`<!--`) that changes where it ends; U+2028 and U+2029 too, which old JavaScript parsers
/// read as line ends. `JSON.parse` reads the values back exactly.
pub fn script_json(value: &serde_json::Value) -> String {
    let s = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(s.len() + s.len() / 32);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A Graphviz DOT quoted string, without its quotes: [`text`] (no line breaks or control
/// characters), then `\` and `"` escaped, so a value can neither end the string nor start one
/// of DOT's label escapes (`\N`, `\l`).
pub fn dot(s: &str) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert!(matches!(text("aws_s3_bucket.data"), Cow::Borrowed(_)));
        assert_eq!(
            text("a\nb\r\t\u{1b}[31m\u{7}\u{7f}\u{85}\u{202e}z"),
            "a\\nb\\r\\t\\u{1b}[31m\\u{7}\\u{7f}\\u{85}\\u{202e}z"
        );
    }

    #[test]
    fn snippets_escape_hidden_characters_and_move_spans() {
        assert!(snippet_source("a = 1\r\n\tb = \"x\"\n").is_none());
        let s = snippet_source("a\u{1b}b\rc\u{85}d").unwrap();
        assert_eq!(*s.text, "a\\u{1b}b\\rc\\u{85}d");
        // `b`, `c` and `d` keep pointing at themselves
        assert_eq!(s.offset(0), 0);
        assert_eq!(&s.text[s.offset(2)..s.offset(3)], "b");
        assert_eq!(&s.text[s.offset(4)..s.offset(5)], "c");
        assert_eq!(&s.text[s.offset(7)..s.offset(8)], "d");
        assert_eq!(s.offset(8), s.text.len());
    }

    #[test]
    fn no_line_reads_as_a_workflow_command() {
        let out = log_lines("ok\n    ::error::x\n::warning::y\nsee ##[group] z\na :: b\n".into());
        assert_eq!(
            out,
            "ok\n    \\u{3a}:error::x\n\\u{3a}:warning::y\nsee #\\u{23}[group] z\na :: b\n"
        );
        for line in out.lines() {
            assert!(!line.trim_start().starts_with("::") && !line.contains("##["));
        }
        let normal = "  × message\n   ╭─[main.tf:1:1]\n".to_string();
        assert_eq!(log_lines(normal.clone()), normal);
    }

    #[test]
    fn markdown_text_cannot_open_markup() {
        assert_eq!(
            md_text("a|b <img src=x onerror=alert(1)> & ![i](http://e/x.png) *b* _c_ ~d~ `e` \\"),
            "a\\|b &lt;img src=x onerror=alert(1)&gt; &amp; !\\[i\\](http://e/x.png) \\*b\\* \\_c\\_ \\~d\\~ \\`e\\` \\\\"
        );
        // underscores inside words stay as they are
        assert_eq!(md_text("aws_s3_bucket.raw_data"), "aws_s3_bucket.raw_data");
        // the escape's backslash is escaped too, so it renders as written
        assert_eq!(md_text("x\n\n<!-- y"), "x\\\\n\\\\n&lt;!-- y");
    }

    #[test]
    fn code_spans_are_fenced_past_any_backticks() {
        assert_eq!(md_code("aws_s3_bucket.a"), "`aws_s3_bucket.a`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`a``"), "``` `a`` ```");
        assert_eq!(md_code("a|b\n<x>"), "`a|b\\n<x>`");
        assert_eq!(md_code_cell("a|b"), "`a\\|b`");
        assert_eq!(md_code(""), "` `");
    }

    #[test]
    fn messages_keep_their_code_parts() {
        assert_eq!(
            md_message("`aws_iam_role.t` (training) can read `a|b`", true),
            "`aws_iam_role.t` (training) can read `a\\|b`"
        );
        assert_eq!(
            html_message("`x<y>` reads <b> \"q\""),
            "<code>x&lt;y&gt;</code> reads &lt;b&gt; \"q\""
        );
        assert_eq!(html_attr("a\"b'c"), "a&quot;b&#39;c");
    }

    #[test]
    fn xml_holds_only_what_xml_allows() {
        assert_eq!(
            xml_text("a\"<]]>&'\u{1b}\u{fffe}\r\n\t"),
            "a&quot;&lt;]]&gt;&amp;&apos;\\u{1b}\\u{fffe}&#13;\n\t"
        );
        assert_eq!(xml_attr("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn script_json_cannot_close_the_script_and_reads_back_exactly() {
        let v = serde_json::json!({"name": "</script><!--<img>&\u{2028}\u{2029}\"'"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn dot_strings_cannot_end_early_or_start_label_escapes() {
        assert_eq!(dot(r#"a"b\N"#), r#"a\"b\\N"#);
        assert_eq!(dot("x\ny\u{1b}"), r"x\\ny\\u{1b}");
    }
}
