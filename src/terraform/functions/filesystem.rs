//! Filesystem functions. Those that read files (`file*`, `templatefile`, `fileset`) run in the
//! evaluator through its host, confined to the scanned tree; this file holds what they compute
//! without it: Go's path functions behind `basename` and `dirname`, and `fileset`'s patterns.
//!
//! `fileset`'s pattern language (Terraform's, from the doublestar library): `*` and `?` within
//! one path segment, `**` as a whole segment for any number of directories, `[class]` (with
//! `^` to negate, not `!`, and `a-z` ranges), `{alt,alt}`, and `\` to escape. A leading dot is
//! not special. Paths and patterns use `/`.

/// Go's `filepath.Base`, which Terraform's `basename` is.
pub(crate) fn basename(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if p.is_empty() {
        return ".".into();
    }
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `filepath.Dir`, which Terraform's `dirname` is.
pub(crate) fn dirname(p: &str) -> String {
    match p.rfind('/') {
        None => ".".into(),
        Some(0) => "/".into(),
        Some(i) => {
            let d = p[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".into()
            } else {
                d.to_string()
            }
        }
    }
}

/// Whether the slash-separated `path` matches `pattern`; `Err` when the pattern is malformed.
pub(crate) fn fileset_matches(pattern: &str, path: &str) -> Result<bool, String> {
    // alternatives first: each expands into a pattern of its own
    if let Some(expanded) = expand_braces(pattern)? {
        for p in expanded {
            if fileset_matches(&p, path)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    segments(&pat, &segs)
}

fn segments(pat: &[&str], segs: &[&str]) -> Result<bool, String> {
    match pat.split_first() {
        None => Ok(segs.is_empty()),
        Some((&"**", rest)) => {
            for skip in 0..=segs.len() {
                if segments(rest, &segs[skip..])? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some((p, rest)) => match segs.split_first() {
            Some((s, more)) if segment(p.as_bytes(), s.as_bytes())? => segments(rest, more),
            _ => Ok(false),
        },
    }
}

/// `{a,b}` expanded once (the first group; nested and later groups on recursion), `None` when
/// the pattern has no group.
fn expand_braces(pattern: &str) -> Result<Option<Vec<String>>, String> {
    let b = pattern.as_bytes();
    let mut i = 0;
    let mut open = None;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => {
                open = Some(i);
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let Some(start) = open else {
        return Ok(None);
    };
    let (mut depth, mut j, mut last) = (0, start, start + 1);
    let mut alts = Vec::new();
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    alts.push(&pattern[last..j]);
                    let (head, tail) = (&pattern[..start], &pattern[j + 1..]);
                    return Ok(Some(
                        alts.into_iter()
                            .map(|a| format!("{head}{a}{tail}"))
                            .collect(),
                    ));
                }
            }
            b',' if depth == 1 => {
                alts.push(&pattern[last..j]);
                last = j + 1;
            }
            _ => {}
        }
        j += 1;
    }
    Err(format!("unclosed `{{` in the pattern {pattern:?}"))
}

/// One segment: `*`, `?`, `[...]` and `\x` over bytes of UTF-8 (a `?` or class consumes one
/// character).
fn segment(p: &[u8], s: &[u8]) -> Result<bool, String> {
    let char_len = |s: &[u8]| -> usize {
        match s.first() {
            Some(&c) if c >= 0xF0 => 4,
            Some(&c) if c >= 0xE0 => 3,
            Some(&c) if c >= 0xC0 => 2,
            _ => 1,
        }
    };
    match p.first() {
        None => Ok(s.is_empty()),
        Some(b'*') => {
            let rest = &p[1..];
            let mut i = 0;
            loop {
                if segment(rest, &s[i..])? {
                    return Ok(true);
                }
                if i >= s.len() {
                    return Ok(false);
                }
                i += char_len(&s[i..]);
            }
        }
        Some(b'?') => {
            if s.is_empty() {
                return Ok(false);
            }
            segment(&p[1..], &s[char_len(s)..])
        }
        Some(b'[') => {
            let Some(close) = p.iter().skip(2).position(|&c| c == b']').map(|k| k + 2) else {
                return Err("unclosed `[` in the pattern".into());
            };
            if s.is_empty() {
                return Ok(false);
            }
            let n = char_len(s);
            let c = std::str::from_utf8(&s[..n])
                .ok()
                .and_then(|t| t.chars().next());
            let class = std::str::from_utf8(&p[1..close]).map_err(|e| e.to_string())?;
            let (negate, class) = match class.strip_prefix('^') {
                Some(rest) => (true, rest),
                None => (false, class),
            };
            let chars: Vec<char> = class.chars().collect();
            let mut hit = false;
            let mut k = 0;
            while k < chars.len() {
                if k + 2 < chars.len() && chars[k + 1] == '-' {
                    hit |= c.is_some_and(|c| chars[k] <= c && c <= chars[k + 2]);
                    k += 3;
                } else {
                    hit |= c == Some(chars[k]);
                    k += 1;
                }
            }
            if hit == negate {
                return Ok(false);
            }
            segment(&p[close + 1..], &s[n..])
        }
        Some(b'\\') if p.len() > 1 => match s.first() {
            Some(&c) if c == p[1] => segment(&p[2..], &s[1..]),
            _ => Ok(false),
        },
        Some(&c) => match s.first() {
            Some(&d) if c == d => segment(&p[1..], &s[1..]),
            _ => Ok(false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::fileset_matches;

    #[test]
    fn doublestar_patterns() {
        let m = |p: &str, s: &str| fileset_matches(p, s).unwrap();
        assert!(m("*.json", "a.json"));
        assert!(!m("*.json", "dir/a.json"));
        assert!(m("**/*.json", "a.json"));
        assert!(m("**/*.json", "x/y/a.json"));
        assert!(m("policies/**", "policies/a/b.json"));
        assert!(m("*", ".hidden"));
        assert!(m("?.txt", "é.txt"));
        assert!(m("[a-c]*.{json,tpl}", "b1.tpl"));
        assert!(!m("[^a-c]*", "b"));
        assert!(m("[!.]*", ".x"));
        assert!(m("{a,b/c}.txt", "b/c.txt"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(fileset_matches("{a", "a").is_err());
    }
}
