//! Matching statement resource patterns to datastores: symbolic references match their resource,
//! literal ARN globs match known ARNs, and an object pattern matches a bucket when it can match some
//! key in it (glob overlap, not string equality).

use crate::model::{Datastore, DatastoreKind};
use crate::terraform::value::Part;

/// Stands for a datastore's name inside rendered patterns and ARNs: cannot occur in real text.
const TOKEN_OPEN: char = '\u{E010}';
const TOKEN_CLOSE: char = '\u{E011}';
/// Stands for a reference to something that is not a datastore: matches only a wildcard.
const OPAQUE: char = '\u{E012}';

fn token(id: usize) -> String {
    format!("{TOKEN_OPEN}{id}{TOKEN_CLOSE}")
}

/// A pattern rendered to a glob, with references to datastores replaced by tokens.
/// References resolve within the root module the pattern was written in.
pub fn render(parts: &[Part], root: usize, datastores: &[Datastore]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::Ref(r) => {
                let ds = datastores
                    .iter()
                    .position(|d| d.root == root && *d.target == *r.target);
                match (ds, &*r.attr) {
                    (Some(i), "arn") => match datastores[i].kind {
                        DatastoreKind::Bucket => {
                            out.push_str("arn:aws:s3:::");
                            out.push_str(&token(i));
                        }
                        DatastoreKind::LogGroup => {
                            out.push_str("arn:aws:logs:*:*:log-group:");
                            out.push_str(&token(i));
                        }
                    },
                    (Some(i), "id" | "bucket" | "name") => out.push_str(&token(i)),
                    _ => out.push(OPAQUE),
                }
            }
        }
    }
    out
}

/// The ARN forms a datastore answers to for one resource kind: with its token, and with its
/// literal name when known. `open`: the ARN continues (an object key, a log stream).
pub struct Target {
    pub arns: Vec<String>,
    pub open: Option<char>,
}

pub fn bucket_targets(id: usize, ds: &Datastore, objects: bool) -> Target {
    let mut arns = vec![format!("arn:aws:s3:::{}", token(id))];
    if let Some(name) = &ds.name {
        arns.push(format!("arn:aws:s3:::{name}"));
    }
    if objects {
        for a in &mut arns {
            a.push('/');
        }
    }
    Target {
        arns,
        open: objects.then_some('/'),
    }
}

pub fn log_group_targets(id: usize, ds: &Datastore, streams: bool) -> Target {
    let mut arns = vec![format!("arn:aws:logs:*:*:log-group:{}", token(id))];
    if let Some(name) = &ds.name {
        arns.push(format!("arn:aws:logs:*:*:log-group:{name}"));
    }
    if streams {
        for a in &mut arns {
            a.push_str(":log-stream:");
        }
    }
    Target {
        arns,
        open: Some(':'),
    }
}

/// Does the pattern match one of the target's ARNs (or, when open, some continuation of one)?
pub fn matches(pattern: &str, target: &Target) -> bool {
    if pattern == "*" {
        return true;
    }
    target.arns.iter().any(|arn| {
        arn_match(pattern, arn, false)
            || target
                .open
                .is_some_and(|sep| arn_match(pattern, &with_sep(arn, sep), true))
    })
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
fn arn_match(pattern: &str, arn: &str, open: bool) -> bool {
    let pf: Vec<&str> = pattern.splitn(6, ':').collect();
    let af: Vec<&str> = arn.splitn(6, ':').collect();
    if pf.len() != 6 || af.len() != 6 {
        return glob(pattern, arn, open);
    }
    for i in 0..5 {
        let unknown_field = (i == 3 || i == 4) && af[i] == "*";
        if !unknown_field && !glob(pf[i], af[i], false) {
            return false;
        }
    }
    glob(pf[5], af[5], open)
}

/// IAM glob (`*`, `?`, case-sensitive as ARNs are). With `open`, true when the pattern matches
/// some string that starts with `text`. Tokens and opaque references are single characters to
/// the matcher, so `*` can cover them but no literal can.
pub fn glob(pattern: &str, text: &str, open: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // set of pattern positions reachable after consuming a prefix of the text
    let mut states = vec![false; p.len() + 1];
    states[0] = true;
    close_stars(&p, &mut states);
    for &c in &t {
        let mut next = vec![false; p.len() + 1];
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
        close_stars(&p, &mut next);
        states = next;
        if !states.iter().any(|s| *s) {
            return false;
        }
    }
    if open {
        // the rest of the pattern can always match some continuation, unless it is an opaque ref
        states
            .iter()
            .enumerate()
            .any(|(i, on)| *on && !p[i.min(p.len())..].contains(&OPAQUE))
    } else {
        states[p.len()]
    }
}

fn close_stars(p: &[char], states: &mut [bool]) {
    for i in 0..p.len() {
        if states[i] && p[i] == '*' {
            states[i + 1] = true;
        }
    }
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
            true
        ));
    }

    #[test]
    fn pathological_patterns_finish() {
        let text = "a".repeat(5000);
        assert!(!glob("a*a*a*a*a*a*a*a*b", &text, false));
    }
}
