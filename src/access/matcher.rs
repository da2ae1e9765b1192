//! Matching statement resource patterns to datastores: symbolic references match their resource,
//! literal ARN globs match known ARNs, and an object pattern matches a bucket when it can match some
//! key in it (glob overlap, not string equality).

use crate::model::{Datastore, DatastoreKind};
use crate::terraform::value::{Address, Part};
use std::collections::HashMap;

/// Stands for a datastore's name inside rendered patterns and ARNs: cannot occur in real text.
const TOKEN_OPEN: char = '\u{E010}';
const TOKEN_CLOSE: char = '\u{E011}';
/// Stands for a reference to something that is not a datastore: matches only a wildcard.
const OPAQUE: char = '\u{E012}';

fn token(id: usize) -> String {
    format!("{TOKEN_OPEN}{id}{TOKEN_CLOSE}")
}

/// Text from the code (a literal pattern, a datastore's name) with the sentinel characters above
/// made opaque: a string that holds them cannot forge a reference to a datastore, nor an index
/// past the last one.
fn literal(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([TOKEN_OPEN, TOKEN_CLOSE]) {
        s.replace([TOKEN_OPEN, TOKEN_CLOSE], &OPAQUE.to_string())
            .into()
    } else {
        s.into()
    }
}

/// Finds the datastores a pattern can name without trying every one: references resolve through
/// a map, literal ARNs through a sorted list of names by service.
pub struct Index {
    by_target: HashMap<(usize, Address), usize>,
    /// `s3:<bucket>` and `logs:log-group:<name>` for datastores with a known name (or a known
    /// start of one), sorted.
    keys: Vec<(String, usize)>,
    /// Every datastore of a service, for patterns that name any of them.
    by_service: HashMap<&'static str, Vec<usize>>,
    /// Prefix datastores of each bucket: a pattern that reaches a bucket may reach them.
    children: HashMap<usize, Vec<usize>>,
}

/// The datastores worth matching a pattern against.
pub enum Candidates {
    All,
    Some(Vec<usize>),
}

impl Index {
    pub fn new(datastores: &[Datastore]) -> Index {
        let mut by_target = HashMap::new();
        let mut keys = Vec::new();
        let mut by_service: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, d) in datastores.iter().enumerate() {
            if let DatastoreKind::Store { .. } = d.kind {
                // another cloud's datastore: no ARN names it
                continue;
            }
            if let DatastoreKind::Prefix { bucket, .. } = d.kind {
                children.entry(bucket).or_default().push(i);
                by_service.entry("s3").or_default().push(i);
                continue;
            }
            by_target.insert((d.root, (*d.target).clone()), i);
            let service = service_of(&d.kind);
            by_service.entry(service).or_default().push(i);
            // a known prefix of the name stands in for it: patterns that start alike find it
            if let Some(name) = d.name.as_ref().or(d.name_prefix.as_ref()) {
                keys.push((key_of(&d.kind, name), i));
            }
        }
        keys.sort();
        Index {
            by_target,
            keys,
            by_service,
            children,
        }
    }

    /// Candidates plus the prefix datastores of candidate buckets.
    fn with_children(&self, mut ids: Vec<usize>) -> Vec<usize> {
        let extra: Vec<usize> = ids
            .iter()
            .flat_map(|i| self.children.get(i).into_iter().flatten().copied())
            .collect();
        ids.extend(extra);
        ids
    }

    /// A pattern rendered to a glob, with references to datastores replaced by tokens. References
    /// resolve within the root module the pattern was written in.
    pub fn render(&self, parts: &[Part], root: usize, datastores: &[Datastore]) -> String {
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Lit(s) => out.push_str(&policy_variables(&literal(s), out.contains('/'))),
                Part::Ref(r) => {
                    let ds = self.by_target.get(&(root, (*r.target).clone())).copied();
                    match (ds, &*r.attr) {
                        (Some(i), "arn") => match datastores[i].kind {
                            DatastoreKind::Bucket | DatastoreKind::Prefix { .. } => {
                                out.push_str("arn:aws:s3:::");
                                out.push_str(&token(i));
                            }
                            DatastoreKind::LogGroup => {
                                out.push_str("arn:aws:logs:*:*:log-group:");
                                out.push_str(&token(i));
                            }
                            DatastoreKind::Store { .. } => out.push(OPAQUE),
                        },
                        (Some(i), "id" | "bucket" | "name") => out.push_str(&token(i)),
                        _ => out.push(OPAQUE),
                    }
                }
            }
        }
        out
    }

    pub fn candidates(&self, pattern: &str) -> Candidates {
        if pattern.contains(TOKEN_OPEN) {
            // a reference names its datastore and no other
            let mut ids = Vec::new();
            let mut rest = pattern;
            while let Some(open) = rest.find(TOKEN_OPEN) {
                let after = &rest[open + TOKEN_OPEN.len_utf8()..];
                let Some(close) = after.find(TOKEN_CLOSE) else {
                    break;
                };
                if let Ok(id) = after[..close].parse() {
                    ids.push(id);
                }
                rest = &after[close..];
            }
            return Candidates::Some(self.with_children(ids));
        }
        let fields: Vec<&str> = pattern.splitn(6, ':').collect();
        if fields.len() != 6 {
            return if pattern.starts_with(['*', '?']) {
                Candidates::All
            } else {
                Candidates::Some(Vec::new())
            };
        }
        let service = fields[2];
        if service.contains(['*', '?']) {
            return Candidates::All;
        }
        let Some(service) = ["s3", "logs"].into_iter().find(|s| *s == service) else {
            return Candidates::Some(Vec::new());
        };
        let literal = &fields[5][..fields[5].find(['*', '?']).unwrap_or(fields[5].len())];
        // the name ends at `/` (an object key) for S3, at the `:` after `log-group:` for logs
        let name_end = match service {
            "s3" => literal.find('/'),
            _ => literal.match_indices(':').nth(1).map(|(i, _)| i),
        };
        let literal = &literal[..name_end.unwrap_or(literal.len())];
        let bare = match service {
            "s3" => literal.is_empty(),
            _ => literal.len() <= "log-group:".len(),
        };
        if bare {
            return Candidates::Some(self.by_service.get(service).cloned().unwrap_or_default());
        }
        let prefix = format!("{service}:{literal}");
        let start = self
            .keys
            .partition_point(|(k, _)| k.as_str() < prefix.as_str());
        let found: Vec<usize> = self.keys[start..]
            .iter()
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, i)| *i)
            .collect();
        Candidates::Some(self.with_children(found))
    }
}

fn service_of(kind: &DatastoreKind) -> &'static str {
    kind.service()
}

fn key_of(kind: &DatastoreKind, name: &str) -> String {
    match kind {
        DatastoreKind::LogGroup => format!("logs:log-group:{name}"),
        _ => format!("s3:{name}"),
    }
}

/// IAM policy variables (`${aws:username}`) stand for a value known per request. Inside an object
/// key they can match some key (`*`); anywhere else they match nothing in particular, so a
/// variable never widens which buckets a statement names.
fn policy_variables(s: &str, in_key: bool) -> String {
    if !s.contains("${") {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    let mut seen_slash = in_key;
    while let Some(open) = rest.find("${") {
        let before = &rest[..open];
        seen_slash |= before.contains('/');
        out.push_str(before);
        let after = &rest[open + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push(if seen_slash { '*' } else { OPAQUE });
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The ARN forms a datastore answers to for one resource kind: with its token, and with its
/// literal name when known. `open`: the ARN continues (an object key, a log stream).
pub struct Target {
    pub arns: Vec<String>,
    /// The ARN continues after this separator (an object key, a log stream).
    pub open: Option<char>,
    /// The ARN itself is a resource (a bucket, a log group), not only a prefix of some.
    pub exact: bool,
    /// What can follow the ARN when it is open.
    pub tail: Tail,
}

/// What real ARNs put after an open target's ARN. A pattern's `*` may cross `:` and `/` in IAM,
/// but only text that can occur there counts: a log stream's name has no `:`, and a bucket
/// pattern does not name a bucket's keys by matching text inside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// An object key after `bucket/`: a pattern reaches it through a literal `/` (or `?`), or
    /// a trailing `*` that covers every key, never by a `*` that swallows the bucket's end and
    /// goes on to match text in a key.
    Key,
    /// A log group's `:*`, or `:log-stream:` and a stream name.
    LogGroup,
    /// A log stream's name (no `:`).
    Stream,
}

/// How much of a target a pattern must match: `Some` part of it (what an Allow needs to grant),
/// or `All` of it (what a Deny needs to remove a grant for certain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    Some,
    All,
}

/// A bucket's ARNs (bucket-level actions), or its objects' (`objects`). A prefix datastore
/// answers to its bucket's ARN for bucket-level actions and to `bucket/prefix/...` for objects.
pub fn bucket_targets(id: usize, datastores: &[Datastore], objects: bool) -> Target {
    let (bucket, prefix) = match &datastores[id].kind {
        DatastoreKind::Prefix { bucket, prefix } => (*bucket, prefix.as_str()),
        _ => (id, ""),
    };
    let mut arns = vec![format!("arn:aws:s3:::{}", token(bucket))];
    if let Some(name) = &datastores[bucket].name {
        arns.push(format!("arn:aws:s3:::{}", literal(name)));
    } else if let Some(prefix) = &datastores[bucket].name_prefix {
        // the unknown rest of the name is the token: only a `*` covers it, so a pattern matches
        // this form only when it matches every name the bucket can get
        arns.push(format!("arn:aws:s3:::{}{}", literal(prefix), token(bucket)));
    }
    if objects {
        for a in &mut arns {
            a.push('/');
            a.push_str(prefix);
        }
    }
    Target {
        arns,
        open: objects.then_some('/'),
        exact: !objects,
        tail: Tail::Key,
    }
}

pub fn log_group_targets(id: usize, ds: &Datastore, streams: bool) -> Target {
    debug_assert_eq!(ds.kind, DatastoreKind::LogGroup);
    let mut arns = vec![format!("arn:aws:logs:*:*:log-group:{}", token(id))];
    if let Some(name) = &ds.name {
        arns.push(format!("arn:aws:logs:*:*:log-group:{}", literal(name)));
    }
    if streams {
        for a in &mut arns {
            a.push_str(":log-stream:");
        }
    }
    Target {
        arns,
        open: Some(':'),
        exact: !streams,
        tail: if streams {
            Tail::Stream
        } else {
            Tail::LogGroup
        },
    }
}

/// Does the pattern match one of the target's ARNs (or, when open, some continuation of one)?
/// Does the pattern match the target: some of it (one of its ARNs, or a continuation), or all of
/// it (the ARN and every continuation)?
pub fn matches(pattern: &str, target: &Target, reach: Reach) -> bool {
    if pattern == "*" {
        return true;
    }
    target.arns.iter().any(|arn| {
        let exact = target.exact && arn_match(pattern, arn, Glob::Exact);
        let rest = |mode| {
            target
                .open
                .is_some_and(|sep| arn_match(pattern, &with_sep(arn, sep), mode))
        };
        let some_rest = || match target.tail {
            Tail::Key => rest(Glob::SomeKey),
            Tail::LogGroup => log_tail(pattern, arn, false),
            Tail::Stream => log_tail(
                pattern,
                arn.strip_suffix(":log-stream:").unwrap_or(arn),
                true,
            ),
        };
        match reach {
            Reach::Some => exact || some_rest(),
            // a bucket-level target is covered by an exact match; a continuing one needs `*` after it
            Reach::All => (exact && target.open.is_none()) || rest(Glob::All),
        }
    })
}

/// Does the pattern match something after a log group's ARN: `:*` (the group itself, unless
/// `streams`), or `:log-stream:` and a stream name? The pattern must reach the end of the group's
/// name with a `:` (or `?`) next, or with only `*` left: a `*` that swallows the name's end does
/// not go on to match text inside a stream's name (`arn:aws:logs:*:*:*:/aws-glue/*` names the
/// `/aws-glue/` groups, not streams called `/aws-glue/x` in every group).
fn log_tail(pattern: &str, group_arn: &str, streams: bool) -> bool {
    let (Some(pf), Some(af)) = (arn_fields(pattern), arn_fields(group_arn)) else {
        return false;
    };
    for i in 0..5 {
        let unknown_field = (i == 3 || i == 4) && af[i] == "*";
        if !unknown_field && !glob_mode(pf[i], af[i], Glob::Exact) {
            return false;
        }
    }
    let p: Vec<char> = pf[5].chars().collect();
    let Some(states) = glob_states(&p, af[5]) else {
        return false;
    };
    states.iter().enumerate().any(|(i, on)| {
        if !*on || i == p.len() {
            return false;
        }
        match p[i] {
            '*' => p[i..].iter().all(|c| *c == '*'),
            ':' | '?' => {
                let rest: String = p[i + 1..].iter().collect();
                (!streams && glob_mode(&rest, "*", Glob::Exact))
                    || glob_mode(&rest, "log-stream:", Glob::SomeWithout(':'))
            }
            _ => false,
        }
    })
}

/// What a glob must match of a text: exactly it, some string starting with it, or every string
/// starting with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Glob {
    Exact,
    Some,
    All,
    /// Some string starting with the text whose rest lacks the character.
    SomeWithout(char),
    /// Some string starting with the text (`bucket/prefix/`), where the part up to the first `/`
    /// is a bucket name: the pattern goes on past it through a `/` or `?`, or ends in `*`.
    SomeKey,
}

fn with_sep(arn: &str, sep: char) -> String {
    if arn.ends_with(sep) {
        arn.to_string()
    } else {
        format!("{arn}{sep}")
    }
}

/// Field-wise ARN match. A `*` region or account in the datastore's ARN is unknown, and any
/// pattern value matches it (model.md: unknown account/region is "this account").
fn arn_match(pattern: &str, arn: &str, mode: Glob) -> bool {
    let (Some(pf), Some(af)) = (arn_fields(pattern), arn_fields(arn)) else {
        return glob_mode(pattern, arn, mode);
    };
    for i in 0..5 {
        let unknown_field = (i == 3 || i == 4) && af[i] == "*";
        if !unknown_field && !glob_mode(pf[i], af[i], Glob::Exact) {
            return false;
        }
    }
    glob_mode(pf[5], af[5], mode)
}

/// The six `:`-separated fields of an ARN, the last one keeping its colons.
fn arn_fields(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let fields = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    Some(fields)
}

/// IAM glob (`*`, `?`, case-sensitive as ARNs are). With `open`, true when the pattern matches
/// some string that starts with `text`. Tokens and opaque references are single characters to
/// the matcher, so `*` can cover them but no literal can.
pub fn glob(pattern: &str, text: &str, open: bool) -> bool {
    glob_mode(pattern, text, if open { Glob::Some } else { Glob::Exact })
}

/// [`glob`] with the three modes of [`Glob`].
pub fn glob_mode(pattern: &str, text: &str, mode: Glob) -> bool {
    // most patterns and ARN fields are literals: compare them without the automaton
    if !pattern.contains(['*', '?']) {
        return match mode {
            Glob::Exact => pattern == text,
            Glob::Some | Glob::SomeKey => pattern
                .strip_prefix(text)
                .is_some_and(|rest| !rest.contains(OPAQUE)),
            Glob::SomeWithout(c) => pattern
                .strip_prefix(text)
                .is_some_and(|rest| !rest.contains([OPAQUE, c])),
            Glob::All => false,
        };
    }
    glob_automaton(pattern, text, mode)
}

fn glob_automaton(pattern: &str, text: &str, mode: Glob) -> bool {
    // a text without a key is only a name: nothing to keep the pattern out of
    if let Some(slash) = text.find('/').filter(|_| mode == Glob::SomeKey) {
        let (name, key) = text.split_at(slash);
        let p: Vec<char> = pattern.chars().collect();
        let Some(states) = glob_states(&p, name) else {
            return false;
        };
        return states.iter().enumerate().any(|(i, on)| {
            *on && i < p.len()
                && match p[i] {
                    '*' => p[i..].iter().all(|c| *c == '*'),
                    '/' | '?' => {
                        let rest: String = p[i + 1..].iter().collect();
                        let key = key.strip_prefix('/').unwrap_or(key);
                        glob_mode(&rest, key, Glob::Some)
                    }
                    _ => false,
                }
        });
    }
    let p: Vec<char> = pattern.chars().collect();
    let Some(states) = glob_states(&p, text) else {
        return false;
    };
    match mode {
        Glob::Exact => states[p.len()],
        // the rest of the pattern can always match some continuation, unless it is an opaque ref
        Glob::Some | Glob::SomeKey => states
            .iter()
            .enumerate()
            .any(|(i, on)| *on && !p[i.min(p.len())..].contains(&OPAQUE)),
        // a continuation without `c`: the rest of the pattern names no `c` (a `*` can be empty)
        Glob::SomeWithout(c) => states
            .iter()
            .enumerate()
            .any(|(i, on)| *on && !p[i.min(p.len())..].iter().any(|x| *x == OPAQUE || *x == c)),
        // only a run of `*` to the end matches every continuation
        Glob::All => states
            .iter()
            .enumerate()
            .any(|(i, on)| *on && i < p.len() && p[i..].iter().all(|c| *c == '*')),
    }
}

/// The pattern positions reachable after matching all of `text`; `None` when none is.
fn glob_states(p: &[char], text: &str) -> Option<Vec<bool>> {
    // set of pattern positions reachable after consuming a prefix of the text
    let mut states = vec![false; p.len() + 1];
    let mut next = vec![false; p.len() + 1];
    states[0] = true;
    close_stars(p, &mut states);
    for c in text.chars() {
        next.fill(false);
        for (i, on) in states.iter().enumerate() {
            if !on || i == p.len() {
                continue;
            }
            match p[i] {
                '*' => next[i] = true,
                '?' => next[i + 1] = true,
                pc if pc == c => next[i + 1] = true,
                _ => {}
            }
        }
        close_stars(p, &mut next);
        std::mem::swap(&mut states, &mut next);
        if !states.iter().any(|s| *s) {
            return None;
        }
    }
    Some(states)
}

fn close_stars(p: &[char], states: &mut [bool]) {
    for i in 0..p.len() {
        if states[i] && p[i] == '*' {
            states[i + 1] = true;
        }
    }
}

/// Can a resource pattern and an ARN template glob name the same ARN? Field by field when both
/// have the six ARN fields (a wildcard stays inside its field, as in `arn_match`), else as globs.
pub fn arn_globs_overlap(pattern: &str, template: &str) -> bool {
    match (arn_fields(pattern), arn_fields(template)) {
        (Some(p), Some(t)) => p.iter().zip(t.iter()).all(|(a, b)| globs_overlap(a, b)),
        _ => globs_overlap(pattern, template),
    }
}

/// Do two IAM globs (`*`, `?`) match some string in common?
pub fn globs_overlap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // memo[i][j]: the suffixes a[i..] and b[j..] share no string (positions already tried)
    let mut failed = vec![false; (a.len() + 1) * (b.len() + 1)];
    let mut stack = vec![(0usize, 0usize)];
    let width = b.len() + 1;
    while let Some((i, j)) = stack.pop() {
        if failed[i * width + j] {
            continue;
        }
        failed[i * width + j] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        // a star matches nothing, or absorbs one character of the other side
        if i < a.len() && a[i] == '*' {
            stack.push((i + 1, j));
            if j < b.len() {
                stack.push((i, j + 1));
            }
        }
        if j < b.len() && b[j] == '*' {
            stack.push((i, j + 1));
            if i < a.len() {
                stack.push((i + 1, j));
            }
        }
        let pair = i < a.len() && j < b.len() && a[i] != '*' && b[j] != '*';
        if pair && (a[i] == '?' || b[j] == '?' || a[i] == b[j]) {
            stack.push((i + 1, j + 1));
        }
    }
    false
}

/// Does a rendered pattern name one datastore by reference, or one bucket by its full literal
/// name (S3 bucket names are global, so it is that bucket in whichever unit declares it)?
pub fn names_one_bucket(pattern: &str) -> bool {
    if pattern.contains(TOKEN_OPEN) {
        return true;
    }
    let Some(rest) = pattern.strip_prefix("arn:") else {
        return false;
    };
    let fields: Vec<&str> = rest.splitn(5, ':').collect();
    let [_, "s3", "", "", resource] = fields[..] else {
        return false;
    };
    let bucket = resource.split('/').next().unwrap_or("");
    !bucket.is_empty() && !bucket.contains(['*', '?', OPAQUE])
}

/// Does a rendered pattern name every bucket (`*`, `arn:aws:s3:::*`)?
pub fn is_every_bucket(pattern: &str) -> bool {
    matches!(
        pattern,
        "*" | "arn:aws:s3:::*" | "arn:*:s3:::*" | "arn:aws:s3:*:*:*"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("arn:aws:s3:::raw/*", "arn:aws:s3:::raw/a/b", false));
        assert!(!glob("arn:aws:s3:::raw/*", "arn:aws:s3:::rawx", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("A", "a", false));
    }

    #[test]
    fn literal_fast_path_agrees_with_the_automaton() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "arn",
            "data-raw",
            "data-raw/x",
            "b\u{E012}",
            "\u{E012}",
        ];
        for p in words {
            for t in words {
                for mode in [
                    Glob::Exact,
                    Glob::Some,
                    Glob::All,
                    Glob::SomeWithout('a'),
                    Glob::SomeKey,
                ] {
                    assert_eq!(
                        glob_mode(p, t, mode),
                        glob_automaton(p, t, mode),
                        "{p:?} {t:?} {mode:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn open_globs_match_some_continuation() {
        assert!(glob("bucket/raw/*", "bucket/", true));
        assert!(glob("bucket/raw/images/*.png", "bucket/raw/", true));
        assert!(!glob("bucket/curated/*", "bucket/raw/", true));
        assert!(glob("bucket*", "bucket/raw/", true));
    }

    #[test]
    fn unknown_region_and_account_match_any() {
        assert!(arn_match(
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:*",
            "arn:aws:logs:*:*:log-group:/aws/x:",
            Glob::Some
        ));
    }

    #[test]
    fn covering_needs_a_trailing_star() {
        assert!(glob_mode("bucket/*", "bucket/", Glob::All));
        assert!(glob_mode("bucket*", "bucket/", Glob::All));
        assert!(!glob_mode("bucket/x*", "bucket/", Glob::All));
        assert!(glob_mode("bucket/x*", "bucket/", Glob::Some));
        assert!(!glob_mode("bucket/", "bucket/", Glob::All));
    }

    #[test]
    fn globs_overlap_when_some_string_matches_both() {
        let endpoint = "arn:*:sagemaker:*:*:endpoint/*";
        assert!(arn_globs_overlap("*", endpoint));
        assert!(arn_globs_overlap(
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/*",
            endpoint
        ));
        assert!(arn_globs_overlap("arn:aws:sagemaker:*", endpoint));
        assert!(!arn_globs_overlap("arn:aws:s3:::models", endpoint));
        assert!(!arn_globs_overlap("arn:aws:s3:::models/*", endpoint));
        assert!(!arn_globs_overlap("arn:*:s3:*:*:*/*", endpoint));
        assert!(!arn_globs_overlap(
            "arn:aws:sagemaker:us-east-1:1:model-package/*",
            endpoint
        ));
        // as plain globs, a star may cross fields
        assert!(globs_overlap("arn:*:s3:*/*", endpoint));
        assert!(globs_overlap("a?c", "*b*"));
        assert!(!globs_overlap("abc", "abd"));
        assert!(globs_overlap("", "*"));
        assert!(!globs_overlap("", "?"));
    }

    #[test]
    fn one_bucket_in_full_or_a_reference() {
        assert!(names_one_bucket("arn:aws:s3:::acme-raw"));
        assert!(names_one_bucket("arn:aws:s3:::acme-raw/*"));
        assert!(names_one_bucket(&format!("arn:aws:s3:::{}/*", token(3))));
        assert!(!names_one_bucket("*"));
        assert!(!names_one_bucket("arn:aws:s3:::*"));
        assert!(!names_one_bucket("arn:aws:s3:::acme-*"));
        assert!(!names_one_bucket("arn:aws:s3:::acme-?aw/x"));
        assert!(names_one_bucket("arn:*:s3:::acme-raw"));
        assert!(!names_one_bucket("arn:aws:logs:*:*:log-group:/aws/x"));
        assert!(!names_one_bucket(&format!("arn:aws:s3:::{OPAQUE}")));
    }

    #[test]
    fn pathological_patterns_finish() {
        let text = "a".repeat(5000);
        assert!(!glob("a*a*a*a*a*a*a*a*b", &text, false));
    }

    fn log_group(name: &str, streams: bool) -> Target {
        let mut arn = format!("arn:aws:logs:*:*:log-group:{name}");
        if streams {
            arn.push_str(":log-stream:");
        }
        Target {
            arns: vec![arn],
            open: Some(':'),
            exact: !streams,
            tail: if streams {
                Tail::Stream
            } else {
                Tail::LogGroup
            },
        }
    }

    #[test]
    fn a_log_pattern_star_does_not_reach_into_stream_names() {
        let glue = "arn:aws:logs:*:*:*:/aws-glue/*";
        for streams in [false, true] {
            for reach in [Reach::Some, Reach::All] {
                assert!(
                    !matches(glue, &log_group("/aws/lambda/thing", streams), reach),
                    "{streams} {reach:?}"
                );
            }
            assert!(matches(
                glue,
                &log_group("/aws-glue/jobs", streams),
                Reach::Some
            ));
        }
    }

    fn bucket_objects(name: &str) -> Target {
        Target {
            arns: vec![format!("arn:aws:s3:::{name}/")],
            open: Some('/'),
            exact: false,
            tail: Tail::Key,
        }
    }

    #[test]
    fn a_bucket_pattern_star_does_not_reach_into_keys() {
        let suffix = "arn:aws:s3:::*-ldap-data-refresh-incoming";
        let unknown = token(4);
        for name in ["acme-raw", unknown.as_str()] {
            assert!(
                !matches(suffix, &bucket_objects(name), Reach::Some),
                "{name}"
            );
            assert!(!matches(
                &format!("{suffix}/*"),
                &bucket_objects(name),
                Reach::Some
            ));
            // every bucket, whatever its name
            assert!(matches(
                "arn:aws:s3:::*",
                &bucket_objects(name),
                Reach::Some
            ));
            assert!(matches(
                "arn:aws:s3:::*/*",
                &bucket_objects(name),
                Reach::All
            ));
            assert!(matches(
                "arn:aws:s3:::*/raw/*",
                &bucket_objects(name),
                Reach::Some
            ));
        }
        let incoming = bucket_objects("acme-ldap-data-refresh-incoming");
        assert!(matches(&format!("{suffix}/*"), &incoming, Reach::Some));
        assert!(matches("arn:aws:s3:::acme-*", &incoming, Reach::Some));
        assert!(matches(
            "arn:aws:s3:::acme-ldap-?ata*",
            &incoming,
            Reach::Some
        ));
        assert!(!matches(suffix, &incoming, Reach::Some));
        // a literal `/` (or `?`) after the name goes on into the key
        let prefix = Target {
            arns: vec!["arn:aws:s3:::lake/raw/".into()],
            ..bucket_objects("lake")
        };
        assert!(matches("arn:aws:s3:::l*/raw/*", &prefix, Reach::Some));
        assert!(matches("arn:aws:s3:::lake?raw/x", &prefix, Reach::Some));
        assert!(!matches("arn:aws:s3:::l*/curated/*", &prefix, Reach::Some));
    }
}
