//! String functions.

use super::*;

/// Applies a text transformation to the single string argument.
pub(super) fn map_text(c: &Call, f: impl Fn(&str) -> String) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    let s = c.text(v)?;
    Ok(c.string(f(&s)))
}

pub(super) fn join(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    if args.len() < 2 {
        return error("at least one list is required");
    }
    let sep = c.parts(&args[0])?;
    let sep_len: usize = sep.iter().map(part_len).sum();
    let mut parts = Vec::new();
    let (mut index, mut size) = (0usize, 0usize);
    for list in &args[1..] {
        for item in c.items(list)? {
            if index > 0 {
                parts.extend(sep.iter().cloned());
                size += sep_len;
            }
            match &item.kind {
                Kind::Null => {
                    return error(format!(
                        "element {index} is null; cannot concatenate null values"
                    ))
                }
                Kind::List(_) | Kind::Object(_) => {
                    return error(format!("element {index}: string required"))
                }
                _ => {
                    let p = c.parts(item)?;
                    size += p.iter().map(part_len).sum::<usize>();
                    parts.extend(p);
                }
            }
            check_text(size)?;
            index += 1;
        }
    }
    Ok(string_from_parts(parts, c.span))
}

pub(super) fn part_len(p: &Part) -> usize {
    match p {
        Part::Lit(s) => s.len(),
        Part::Ref(_) => 1,
    }
}

pub(super) fn split(c: &Call) -> R<Value> {
    let [sep, s] = c.exactly::<2>()?;
    let (sep, s) = (c.text(sep)?, c.text(s)?);
    let pieces = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep.as_str()).count() + 1
    };
    check_items(pieces)?;
    let items: Vec<Value> = if sep.is_empty() {
        s.chars().map(|ch| c.string(ch)).collect()
    } else {
        s.split(sep.as_str()).map(|p| c.string(p)).collect()
    };
    Ok(c.list(items))
}

/// Go's `strings.ToLower`: simple one-to-one case mapping, no final-sigma rule.
pub(super) fn lower(s: &str) -> String {
    s.chars()
        .map(|ch| {
            if ch == '\u{130}' {
                return 'i';
            }
            let mut m = ch.to_lowercase();
            match (m.next(), m.next()) {
                (Some(l), None) => l,
                _ => ch,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`: simple one-to-one case mapping (`ß` stays `ß`).
pub(super) fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

pub(super) fn upper_char(ch: char) -> char {
    let mut m = ch.to_uppercase();
    match (m.next(), m.next()) {
        (Some(u), None) => u,
        _ => ch,
    }
}

/// Go's `strings.Title`: the first letter of each word to title case.
pub(super) fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_separator = true;
    for ch in s.chars() {
        if prev_separator {
            out.push(title_char(ch));
        } else {
            out.push(ch);
        }
        prev_separator = is_word_separator(ch);
    }
    out
}

pub(super) fn title_char(ch: char) -> char {
    match ch {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => upper_char(ch),
    }
}

pub(super) fn is_word_separator(ch: char) -> bool {
    if ch.is_ascii() {
        return !(ch.is_ascii_alphanumeric() || ch == '_');
    }
    if ch.is_alphanumeric() {
        return false;
    }
    ch.is_whitespace()
}

/// `replace`: plain substrings, or a regular expression when the search is `/wrapped/`. Go's
/// replacement syntax (`$1`, `${name}`, `$$`) is also the `regex` crate's.
pub(super) fn replace(c: &Call) -> R<Value> {
    let [s, search, with] = c.exactly::<3>()?;
    let (s, search, with) = (c.text(s)?, c.text(search)?, c.text(with)?);
    let pattern = search
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .filter(|_| search.len() >= 2);
    let out = match pattern {
        Some(p) => {
            let re = compile(p)?;
            let count = re.find_iter(&s).count();
            let expansions = with.matches('$').count();
            check_text(
                s.len()
                    .saturating_add(count.saturating_mul(with.len()))
                    .saturating_add(expansions.saturating_mul(s.len())),
            )?;
            re.replace_all(&s, with.as_str()).into_owned()
        }
        None => {
            let count = if search.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(search.as_str()).count()
            };
            check_text(s.len().saturating_add(count.saturating_mul(with.len())))?;
            s.replace(search.as_str(), &with)
        }
    };
    Ok(c.string(out))
}

/// Compiles a pattern with bounded size; Terraform's RE2 syntax is nearly the `regex` crate's.
pub(super) fn compile(pattern: &str) -> R<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(8 << 20)
        .build()
        .map_err(|e| {
            let message = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Fail::Error(format!("invalid regexp pattern: {message}"))
        })
}

/// `regex` (first match) and `regexall` (every match): the whole match without capture
/// groups, a list of groups when unnamed, an object of groups when named.
pub(super) fn regex_fn(c: &Call, all: bool) -> R<Value> {
    let [pattern, s] = c.exactly::<2>()?;
    let (pattern, s) = (c.text(pattern)?, c.text(s)?);
    let re = compile(&pattern)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    if named > 0 && named < names.len() {
        return error("invalid regexp pattern: cannot mix both named and unnamed capture groups");
    }
    let shape = |caps: regex::Captures| -> Value {
        let group = |i: usize| match caps.get(i) {
            Some(m) => c.string(m.as_str()),
            None => c.value(Kind::Null),
        };
        if names.is_empty() {
            return group(0);
        }
        if named == 0 {
            return c.list((1..=names.len()).map(group).collect());
        }
        let mut entries: Vec<Entry> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                n.map(|key| Entry {
                    key: key.to_string(),
                    key_span: c.span,
                    value: group(i + 1),
                })
            })
            .collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        c.value(Kind::Object(entries.into()))
    };
    if all {
        let mut out = Vec::new();
        for caps in re.captures_iter(&s) {
            check_items(out.len() + 1)?;
            out.push(shape(caps));
        }
        return Ok(c.list(out));
    }
    match re.captures(&s) {
        Some(caps) => Ok(shape(caps)),
        None => error("pattern did not match any part of the given string"),
    }
}

/// `trimprefix`/`trimsuffix`, which keep a symbolic string symbolic when its literal edge
/// decides whether the affix is there.
pub(super) fn trim_affix(c: &Call, prefix: bool) -> R<Value> {
    let [v, affix] = c.exactly::<2>()?;
    let affix = c.text(affix)?;
    let mut parts = normalize_parts(c.parts(v)?);
    let whole = parts.len() <= 1;
    if affix.is_empty() || parts.is_empty() {
        return Ok(string_from_parts(parts, c.span));
    }
    let edge = if prefix {
        parts.first_mut()
    } else {
        parts.last_mut()
    };
    let Some(Part::Lit(lit)) = edge else {
        return Err(c.after_apply());
    };
    let rest = if prefix {
        lit.strip_prefix(affix.as_str())
    } else {
        lit.strip_suffix(affix.as_str())
    };
    match rest.map(str::to_string) {
        Some(rest) => *lit = rest,
        None => {
            // A literal edge that is itself part of the affix: the reference beside it decides.
            let could = if prefix {
                affix.starts_with(lit.as_str())
            } else {
                affix.ends_with(lit.as_str())
            };
            if could && !whole {
                return Err(c.after_apply());
            }
        }
    }
    Ok(string_from_parts(parts, c.span))
}

/// Trims the edges of a possibly symbolic string. An edge next to a reference is known only
/// when some literal text survives between the trim and the reference.
pub(super) fn trim_edges(
    c: &Call,
    v: &Value,
    left: Option<&dyn Fn(&str) -> &str>,
    right: Option<&dyn Fn(&str) -> &str>,
) -> R<Value> {
    let mut parts = normalize_parts(c.parts(v)?);
    if let [Part::Lit(s)] = parts.as_slice() {
        let mut t = s.as_str();
        if let Some(f) = left {
            t = f(t);
        }
        if let Some(f) = right {
            t = f(t);
        }
        return Ok(c.string(t));
    }
    let many = parts.len() > 1;
    if let Some(f) = left {
        match parts.first_mut() {
            Some(Part::Lit(s)) => {
                let t = f(s).to_string();
                if t.is_empty() && many {
                    return Err(c.after_apply());
                }
                *s = t;
            }
            Some(Part::Ref(_)) => return Err(c.after_apply()),
            None => {}
        }
    }
    if let Some(f) = right {
        match parts.last_mut() {
            Some(Part::Lit(s)) => {
                let t = f(s).to_string();
                if t.is_empty() && many {
                    return Err(c.after_apply());
                }
                *s = t;
            }
            Some(Part::Ref(_)) => return Err(c.after_apply()),
            None => {}
        }
    }
    Ok(string_from_parts(parts, c.span))
}

pub(super) fn trimspace(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    trim_edges(c, v, Some(&str::trim_start), Some(&str::trim_end))
}

pub(super) fn chomp(c: &Call) -> R<Value> {
    let [v] = c.exactly::<1>()?;
    trim_edges(
        c,
        v,
        None,
        Some(&|s: &str| s.trim_end_matches(['\r', '\n'])),
    )
}

pub(super) fn trim(c: &Call) -> R<Value> {
    let [v, cutset] = c.exactly::<2>()?;
    let cutset: Vec<char> = c.text(cutset)?.chars().collect();
    let cut = cutset.as_slice();
    trim_edges(
        c,
        v,
        Some(&|s: &str| s.trim_start_matches(cut)),
        Some(&|s: &str| s.trim_end_matches(cut)),
    )
}

/// `substr` counts user-perceived characters; a negative offset counts from the end and a
/// negative length means "to the end".
pub(super) fn substr(c: &Call) -> R<Value> {
    let [s, offset, length] = c.exactly::<3>()?;
    let s = c.text(s)?;
    let offset = c.int(offset, "offset")?;
    let length = c.int(length, "length")?;
    let clusters: Vec<&str> = graphemes(&s).collect();
    let total = clusters.len() as i64;
    let mut start = offset;
    if start < 0 {
        start = (total + start).max(0);
    }
    if start >= total {
        return Ok(c.string(""));
    }
    let end = if length < 0 {
        total
    } else {
        start.saturating_add(length).min(total)
    };
    let picked = clusters
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .concat();
    Ok(c.string(picked))
}

pub(super) fn indent(c: &Call) -> R<Value> {
    let [n, s] = c.exactly::<2>()?;
    let n = c.int(n, "spaces")?;
    let s = c.text(s)?;
    let n = usize::try_from(n).map_err(|_| Fail::Error("spaces must not be negative".into()))?;
    let lines = s.matches('\n').count();
    if lines == 0 {
        return Ok(c.string(s));
    }
    check_text(s.len().saturating_add(lines.saturating_mul(n)))?;
    Ok(c.string(s.replace('\n', &format!("\n{}", " ".repeat(n)))))
}

/// `startswith`/`endswith`: decided by the literal edge of a symbolic string when it can be.
pub(super) fn starts_ends_with(c: &Call, start: bool) -> R<Value> {
    let [v, affix] = c.exactly::<2>()?;
    let affix = c.text(affix)?;
    let parts = normalize_parts(c.parts(v)?);
    let whole = parts.len() <= 1;
    let edge = if start { parts.first() } else { parts.last() };
    let result = match edge {
        None => affix.is_empty(),
        Some(Part::Lit(lit)) => {
            let (has, could) = if start {
                (lit.starts_with(&affix), affix.starts_with(lit.as_str()))
            } else {
                (lit.ends_with(&affix), affix.ends_with(lit.as_str()))
            };
            if !has && could && !whole {
                return Err(c.after_apply());
            }
            has
        }
        Some(Part::Ref(_)) if affix.is_empty() => true,
        Some(Part::Ref(_)) => return Err(c.after_apply()),
    };
    Ok(c.value(Kind::Bool(result)))
}

/// `strcontains`: true when a literal part contains the text, unknown when only a reference
/// might.
pub(super) fn strcontains(c: &Call) -> R<Value> {
    let [v, sub] = c.exactly::<2>()?;
    let sub = c.text(sub)?;
    let parts = normalize_parts(c.parts(v)?);
    let found = parts
        .iter()
        .any(|p| matches!(p, Part::Lit(l) if l.contains(&sub)));
    if !found && parts.iter().any(|p| matches!(p, Part::Ref(_))) {
        return Err(c.after_apply());
    }
    Ok(c.value(Kind::Bool(found || sub.is_empty())))
}

/// Grapheme clusters, as Terraform counts characters, approximated without Unicode's full
/// tables: a character with its combining marks, joiners and modifiers; `\r\n`; flag pairs.
pub(super) fn graphemes(s: &str) -> Box<dyn DoubleEndedIterator<Item = &str> + '_> {
    if s.is_ascii() && !s.contains('\r') {
        return Box::new((0..s.len()).filter_map(move |i| s.get(i..i + 1)));
    }
    static CLUSTER: OnceLock<Option<Regex>> = OnceLock::new();
    let re = CLUSTER.get_or_init(|| {
        Regex::new(
            r"(?s)\r\n|[\x{1F1E6}-\x{1F1FF}]{2}|.(?:[\p{M}\x{200C}\x{FE00}-\x{FE0F}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}]|\x{200D}.)*",
        )
        .ok()
    });
    match re {
        Some(re) => Box::new(
            re.find_iter(s)
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .into_iter(),
        ),
        None => Box::new(
            s.char_indices()
                .map(move |(i, ch)| s.get(i..i + ch.len_utf8()).unwrap_or_default()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

    #[test]
    fn join_converts_primitives_and_keeps_references() {
        assert_eq!(
            ok("join", vec![s(","), list(vec![n(1.0), b(true), s("x")])]).as_str(),
            Some("1,true,x")
        );
        assert_eq!(
            ok("join", vec![s(","), strs(&["a"]), strs(&["b", "c"])]).as_str(),
            Some("a,b,c")
        );
        assert_eq!(ok("join", vec![s(","), list(vec![])]).as_str(), Some(""));
        let v = ok("join", vec![s(""), list(vec![arn(), s("/*")])]);
        assert_eq!(parts(&v), vec![reference("raw", "arn"), lit("/*")]);
        assert_eq!(err("join", vec![s(",")]), "at least one list is required");
        assert_eq!(
            err("join", vec![s(","), list(vec![s("a"), null()])]),
            "element 1 is null; cannot concatenate null values"
        );
        assert_eq!(
            err("join", vec![s(","), list(vec![strs(&["a"])])]),
            "element 0: string required"
        );
        assert_eq!(
            unknown_reason("join", vec![s(","), list(vec![s("a"), unk("u")])]),
            "u"
        );
        assert_eq!(unknown_reason("join", vec![s(","), unk("l")]), "l");
    }

    #[test]
    fn split_matches_go() {
        assert_eq!(js("split", vec![s(","), s("")]), r#"[""]"#);
        assert_eq!(js("split", vec![s(","), s("a,,b")]), r#"["a","","b"]"#);
        assert_eq!(js("split", vec![s(""), s("abc")]), r#"["a","b","c"]"#);
        assert!(unknown_reason("split", vec![s("/"), arn()]).contains("`split`"));
    }

    #[test]
    fn case_mapping_is_one_to_one_like_go() {
        assert_eq!(ok("lower", vec![s("ΣΑΣ")]).as_str(), Some("σασ"));
        assert_eq!(ok("lower", vec![s("İ")]).as_str(), Some("i"));
        assert_eq!(ok("upper", vec![s("ß")]).as_str(), Some("ß"));
        assert_eq!(ok("upper", vec![s("héllo")]).as_str(), Some("HÉLLO"));
        assert_eq!(ok("upper", vec![n(1.0)]).as_str(), Some("1"));
        assert_eq!(
            ok("title", vec![s("hello world-foo bar_baz")]).as_str(),
            Some("Hello World-Foo Bar_baz")
        );
        assert_eq!(
            ok("title", vec![s("o'neil mc-d x.y")]).as_str(),
            Some("O'Neil Mc-D X.Y")
        );
        assert_eq!(ok("title", vec![s("ǆemal")]).as_str(), Some("ǅemal"));
        assert_eq!(
            unknown_reason("lower", vec![arn()]),
            "`lower` of a value known only after apply"
        );
        assert_eq!(err("upper", vec![null()]), "argument must not be null");
    }

    #[test]
    fn strrev_reverses_characters() {
        assert_eq!(ok("strrev", vec![s("héllo")]).as_str(), Some("olléh"));
        assert_eq!(
            ok("strrev", vec![s("e\u{301}x")]).as_str(),
            Some("xe\u{301}")
        );
        assert_eq!(ok("strrev", vec![s("")]).as_str(), Some(""));
    }

    #[test]
    fn replace_plain_and_regex() {
        let r = |a: &str, b: &str, c: &str| ok("replace", vec![s(a), s(b), s(c)]);
        assert_eq!(r("aaa", "a", "b").as_str(), Some("bbb"));
        assert_eq!(r("abc", "", "-").as_str(), Some("-a-b-c-"));
        assert_eq!(r("a/b", "/", "x").as_str(), Some("axb"));
        assert_eq!(r("hello", "/l+/", "L").as_str(), Some("heLo"));
        assert_eq!(r("hello", "/(l+)/", "<$1>").as_str(), Some("he<ll>o"));
        assert_eq!(r("hello", "/(?P<x>l+)/", "[$x]").as_str(), Some("he[ll]o"));
        // Go, like the regex crate, reads `$1x` as the (missing) group `1x`
        assert_eq!(r("hello", "/(l)/", "$1x").as_str(), Some("heo"));
        assert_eq!(r("hello", "/l/", "$$").as_str(), Some("he$$o"));
        assert_eq!(r("hello", "//", "x").as_str(), Some("xhxexlxlxox"));
        assert!(err("replace", vec![s("hello"), s("/l(/"), s("x")])
            .starts_with("invalid regexp pattern"));
        assert!(unknown_reason("replace", vec![arn(), s("a"), s("b")]).contains("`replace`"));
    }

    #[test]
    fn replace_refuses_huge_results() {
        let big = "a".repeat(10_000);
        assert!(err("replace", vec![s(&big), s("a"), s(&big)])
            .contains("longer than the 16 MiB allowed"));
    }

    #[test]
    fn regex_result_shapes() {
        assert_eq!(
            ok("regex", vec![s("[a-z]+"), s("123abc")]).as_str(),
            Some("abc")
        );
        assert_eq!(
            js("regex", vec![s(r"(\d+)-(\d+)"), s("10-20")]),
            r#"["10","20"]"#
        );
        assert_eq!(
            js("regex", vec![s(r"(?P<b>\d+)-(?P<a>\d+)"), s("10-20")]),
            r#"{"a":"20","b":"10"}"#
        );
        assert_eq!(js("regex", vec![s("(a)|(b)"), s("b")]), r#"[null,"b"]"#);
        assert_eq!(
            err("regex", vec![s("x"), s("abc")]),
            "pattern did not match any part of the given string"
        );
        assert_eq!(
            err("regex", vec![s("(?P<a>x)(y)"), s("xy")]),
            "invalid regexp pattern: cannot mix both named and unnamed capture groups"
        );
        assert_eq!(
            js("regexall", vec![s("[a-z]+"), s("ab 12 cd")]),
            r#"["ab","cd"]"#
        );
        assert_eq!(
            js("regexall", vec![s(r"(\d)"), s("a1b2")]),
            r#"[["1"],["2"]]"#
        );
        assert_eq!(
            js("regexall", vec![s(r"(?P<d>\d)"), s("a1b2")]),
            r#"[{"d":"1"},{"d":"2"}]"#
        );
        assert_eq!(js("regexall", vec![s("x"), s("abc")]), "[]");
        assert!(unknown_reason("regex", vec![s("x"), arn()]).contains("`regex`"));
    }

    #[test]
    fn trimprefix_and_trimsuffix() {
        assert_eq!(
            ok("trimprefix", vec![s("abab"), s("ab")]).as_str(),
            Some("ab")
        );
        assert_eq!(
            ok("trimsuffix", vec![s("abab"), s("ab")]).as_str(),
            Some("ab")
        );
        assert_eq!(
            ok("trimprefix", vec![s("ab"), s("abc")]).as_str(),
            Some("ab")
        );
    }

    #[test]
    fn trim_affixes_of_symbolic_strings_use_the_literal_edge() {
        let v = sym(vec![reference("raw", "arn"), lit("/*")]);
        let out = ok("trimsuffix", vec![v.clone(), s("/*")]);
        assert_eq!(parts(&out), vec![reference("raw", "arn")]);
        // the suffix is not there: unchanged
        let out = ok("trimsuffix", vec![v.clone(), s(".json")]);
        assert_eq!(parts(&out), vec![reference("raw", "arn"), lit("/*")]);
        // the literal edge is only part of the suffix: the reference decides
        assert!(unknown_reason("trimsuffix", vec![v.clone(), s("x/*")]).contains("after apply"));
        // the other edge is a reference
        assert!(unknown_reason("trimprefix", vec![v, s("arn:")]).contains("`trimprefix`"));
        let v = sym(vec![lit("arn:aws:s3:::"), reference("raw", "id")]);
        let out = ok("trimprefix", vec![v, s("arn:aws:s3:::")]);
        assert_eq!(parts(&out), vec![reference("raw", "id")]);
    }

    #[test]
    fn trimspace_trim_and_chomp() {
        assert_eq!(
            ok("trimspace", vec![s("  \n a b \t")]).as_str(),
            Some("a b")
        );
        assert_eq!(
            ok("trimspace", vec![s("\u{a0}x\u{2003}")]).as_str(),
            Some("x")
        );
        assert_eq!(
            ok("trim", vec![s("?!hello?!"), s("!?")]).as_str(),
            Some("hello")
        );
        assert_eq!(ok("trim", vec![s("abcxba"), s("ab")]).as_str(), Some("cx"));
        assert_eq!(ok("chomp", vec![s("a\r\n\n")]).as_str(), Some("a"));
        assert_eq!(ok("chomp", vec![s("a\r\r")]).as_str(), Some("a"));
        assert_eq!(ok("chomp", vec![s("a\nb\n")]).as_str(), Some("a\nb"));
        let v = sym(vec![lit("  x"), reference("raw", "id"), lit("y \n")]);
        assert_eq!(
            parts(&ok("trimspace", vec![v.clone()])),
            vec![lit("x"), reference("raw", "id"), lit("y")]
        );
        assert_eq!(
            parts(&ok("chomp", vec![v])),
            vec![lit("  x"), reference("raw", "id"), lit("y ")]
        );
        let v = sym(vec![lit(" "), reference("raw", "id")]);
        assert!(unknown_reason("trimspace", vec![v]).contains("`trimspace`"));
    }

    #[test]
    fn substr_handles_negative_and_out_of_range_arguments() {
        let sub = |o: f64, l: f64| ok("substr", vec![s("hello"), n(o), n(l)]);
        assert_eq!(sub(1.0, 3.0).as_str(), Some("ell"));
        assert_eq!(sub(-3.0, 2.0).as_str(), Some("ll"));
        assert_eq!(sub(2.0, -1.0).as_str(), Some("llo"));
        assert_eq!(sub(10.0, 2.0).as_str(), Some(""));
        assert_eq!(sub(1.0, 100.0).as_str(), Some("ello"));
        assert_eq!(sub(-10.0, 2.0).as_str(), Some("he"));
        assert_eq!(sub(5.0, 1.0).as_str(), Some(""));
        assert_eq!(sub(0.0, -2.0).as_str(), Some("hello"));
        assert_eq!(sub(1e18, 1e18).as_str(), Some(""));
        assert_eq!(sub(-1e18, 1e18).as_str(), Some("hello"));
        assert_eq!(
            ok("substr", vec![s("héllo"), n(1.0), n(2.0)]).as_str(),
            Some("él")
        );
        assert_eq!(
            ok("substr", vec![s("e\u{301}x"), n(0.0), n(1.0)]).as_str(),
            Some("e\u{301}")
        );
        assert!(err("substr", vec![s("hello"), n(1.5), n(2.0)]).starts_with("invalid offset"));
        assert!(unknown_reason("substr", vec![arn(), n(0.0), n(3.0)]).contains("`substr`"));
    }

    #[test]
    fn indent_pads_every_line_after_the_first() {
        assert_eq!(
            ok("indent", vec![n(2.0), s("a\nb\n\nc")]).as_str(),
            Some("a\n  b\n  \n  c")
        );
        assert_eq!(ok("indent", vec![n(2.0), s("a\n")]).as_str(), Some("a\n  "));
        assert_eq!(
            err("indent", vec![n(-1.0), s("a")]),
            "spaces must not be negative"
        );
        assert!(err("indent", vec![n(1e9), s("\n\n")]).contains("longer than the 16 MiB allowed"));
    }

    #[test]
    fn startswith_endswith_and_strcontains() {
        let t = |f: &str, a: Value, x: &str| ok(f, vec![a, s(x)]).as_bool();
        assert_eq!(t("startswith", s("hello"), "he"), Some(true));
        assert_eq!(t("endswith", s("hello"), ""), Some(true));
        assert_eq!(t("endswith", s("hello"), "x"), Some(false));
        assert_eq!(t("strcontains", s("hello"), "ell"), Some(true));
        let v = sym(vec![
            lit("arn:aws:s3:::"),
            reference("raw", "id"),
            lit("/*"),
        ]);
        assert_eq!(t("startswith", v.clone(), "arn:aws:"), Some(true));
        assert_eq!(t("startswith", v.clone(), "arn:aws:iam"), Some(false));
        assert_eq!(t("endswith", v.clone(), "/*"), Some(true));
        assert_eq!(t("strcontains", v.clone(), "s3"), Some(true));
        assert!(
            unknown_reason("startswith", vec![v.clone(), s("arn:aws:s3:::x")])
                .contains("after apply")
        );
        assert!(unknown_reason("strcontains", vec![v, s("prod")]).contains("after apply"));
        assert!(unknown_reason("endswith", vec![arn(), s("x")]).contains("`endswith`"));
    }

    #[test]
    fn length_of_strings_collections_and_unknowns() {
        let len = |v: Value| ok("length", vec![v]).as_number();
        assert_eq!(len(s("héllo")), Some(5.0));
        assert_eq!(len(s("e\u{301}")), Some(1.0));
        assert_eq!(len(s("a\r\nb")), Some(3.0));
        assert_eq!(len(s("🇺🇸x")), Some(2.0));
        assert_eq!(len(s("👍🏽")), Some(1.0));
        assert_eq!(len(obj(vec![("a", n(1.0))])), Some(1.0));
        assert_eq!(len(list(vec![unk("a"), unk("b")])), Some(2.0));
        assert_eq!(err("length", vec![null()]), "argument must not be null");
        assert_eq!(
            err("length", vec![n(5.0)]),
            "argument must be a string, a collection type, or a structural type"
        );
        let j = ok("jsonencode", vec![obj(vec![("a", n(1.0))])]);
        assert!(unknown_reason("length", vec![j]).contains("JSON"));
        assert!(unknown_reason("length", vec![arn()]).contains("`length`"));
        assert_eq!(unknown_reason("length", vec![unk("r")]), "r");
    }
}
