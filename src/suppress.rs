//! Suppressions: `# mlguard:ignore ID[,ID] [until=YYYY-MM-DD] -- reason` comments in `.tf` files
//! (also `//`) and `[[exceptions]]` entries in the config file. Findings they cover move to
//! `suppressed` with their reason, never dropped. Expired, reasonless and unused suppressions are
//! warnings (and `info` findings with `--strict-suppressions`); `--ignore-suppressions` turns them
//! all off for audits.
//!
//! Placement (cli.md, rules.md): a comment on the line above a block, a nested statement block or
//! an object covers that block, statement or object; a comment anywhere else inside a block (above
//! an attribute, at the end of the offending line) covers the innermost block or object that holds
//! it. A finding is covered when its primary span lies in what the comment covers.

use crate::config::{parse_date, Config};
use crate::findings::{Finding, Located, Severity, Suppression};
use crate::scan::Warning;
use crate::source::{FileId, SourceFile, Sources, Span};
use hcl_edit::visit::{self, Visit};
use hcl_edit::Span as _;
use std::collections::BTreeSet;

/// Rule id of the `info` finding for a suppression that matches no finding (`--strict-suppressions`).
pub const UNUSED_ID: &str = "SP001";
pub const UNUSED_NAME: &str = "unused-suppression";
/// Rule id of the `info` finding for a suppression without a reason (`--strict-suppressions`).
pub const NO_REASON_ID: &str = "SP002";
pub const NO_REASON_NAME: &str = "suppression-without-reason";

const MARKER: &str = "mlguard:ignore";

/// A calendar date, comparable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        parse_date(s).map(|(year, month, day)| Date { year, month, day })
    }

    /// Today in UTC from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days((secs / 86_400) as i64)
    }

    /// The civil date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How suppressions are applied, resolved once by the command line.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--ignore-suppressions`: audit mode, every suppression is off.
    pub ignore_all: bool,
    /// `--strict-suppressions`: reasonless and unused suppressions are also `info` findings.
    pub strict: bool,
    /// The date `until=` compares with.
    pub today: Date,
    /// Every rule id and name; an id outside it is a warning. Empty: not checked.
    pub known: BTreeSet<String>,
    /// Rule ids that ran; a suppression of a rule that did not run is not "unused". Empty: all ran.
    pub enabled: BTreeSet<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            ignore_all: false,
            strict: false,
            today: Date::today(),
            known: BTreeSet::new(),
            enabled: BTreeSet::new(),
        }
    }
}

/// Where a suppression comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A comment; `scope` is what it covers (none: it covers nothing).
    Comment { scope: Option<Span> },
    /// A config `[[exceptions]]` entry for this address.
    Exception { address: String },
}

/// One suppression, from a comment or the config file.
#[derive(Clone, Debug)]
pub struct Directive {
    pub rules: Vec<String>,
    pub until: Option<String>,
    pub reason: Option<String>,
    /// The comment, or the `[[exceptions]]` entry.
    pub span: Option<Span>,
    pub origin: Origin,
}

impl Directive {
    fn covers(&self, f: &Finding) -> bool {
        if !self.rules.iter().any(|r| *r == f.rule || *r == f.name) {
            return false;
        }
        match &self.origin {
            Origin::Comment { scope } => scope.is_some_and(|s| s.contains(&f.primary.span)),
            Origin::Exception { address } => {
                address_matches(address, &f.address)
                    || address_matches(address, &f.primary.address)
                    || f.principals.iter().any(|p| address_matches(address, p))
                    || f.resources.iter().any(|r| address_matches(address, r))
            }
        }
    }
}

/// An exception address without instance keys covers every instance (as `[tiers]` keys do).
fn address_matches(pattern: &str, address: &str) -> bool {
    !pattern.is_empty() && (pattern == address || strip_keys(address) == pattern)
}

/// `module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`.
fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// What applying suppressions produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings that count, plus `info` findings for bad suppressions in strict mode.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    pub warnings: Vec<Warning>,
}

/// Move covered findings to `suppressed` and report bad suppressions.
pub fn apply(
    findings: Vec<Finding>,
    sources: &Sources,
    config: &Config,
    opts: &Options,
) -> Outcome {
    let mut warnings = Vec::new();
    let mut directives = Vec::new();
    for (id, file) in sources.all().iter().enumerate() {
        if file.path.extension().is_some_and(|e| e == "tf") && file.text.contains(MARKER) {
            directives.extend(comments(id as FileId, file, &mut warnings));
        }
    }
    directives.extend(exceptions(config, sources));

    let mut out = Outcome::default();
    if opts.ignore_all {
        if !directives.is_empty() {
            warnings.push(Warning {
                span: None,
                message: format!(
                    "suppressions are off (--ignore-suppressions): {} not applied",
                    crate::report::plural(directives.len(), "suppression", "suppressions")
                ),
            });
        }
        out.findings = findings;
        out.warnings = warnings;
        return out;
    }

    // expired suppressions stop working; unknown ids are reported once
    let mut live = Vec::new();
    for d in directives {
        for r in &d.rules {
            if !opts.known.is_empty() && !opts.known.contains(r) {
                warnings.push(Warning {
                    span: d.span,
                    message: format!("suppression names an unknown rule `{r}`"),
                });
            }
        }
        if let Some(until) = d.until.as_deref().and_then(Date::parse) {
            if until < opts.today {
                warnings.push(Warning {
                    span: d.span,
                    message: format!(
                        "suppression of {} expired on {until}; its findings are reported again",
                        quoted(&d.rules)
                    ),
                });
                continue;
            }
        }
        live.push(d);
    }

    // the first suppression that covers a finding takes it
    let mut used: Vec<BTreeSet<String>> = vec![BTreeSet::new(); live.len()];
    for mut f in findings {
        match live.iter().position(|d| d.covers(&f)) {
            Some(i) => {
                let d = &live[i];
                used[i].insert(f.rule.clone());
                used[i].insert(f.name.clone());
                f.suppression = Some(Suppression {
                    reason: d.reason.clone(),
                    until: d.until.clone(),
                    span: d.span,
                });
                out.suppressed.push(f);
            }
            None => out.findings.push(f),
        }
    }

    for (d, used) in live.iter().zip(&used) {
        if d.reason.is_none() {
            warnings.push(Warning {
                span: d.span,
                message: "suppression has no reason".into(),
            });
            if opts.strict {
                out.findings.push(meta_finding(
                    sources,
                    d,
                    NO_REASON_ID,
                    NO_REASON_NAME,
                    format!("suppression of {} has no reason", quoted(&d.rules)),
                    "say why after `--`: `# mlguard:ignore ID -- why this is acceptable`".into(),
                ));
            }
        }
        let unused: Vec<String> = d
            .rules
            .iter()
            .filter(|r| !used.contains(*r))
            .filter(|r| opts.enabled.is_empty() || opts.enabled.contains(*r))
            .filter(|r| opts.known.is_empty() || opts.known.contains(*r))
            .cloned()
            .collect();
        if !unused.is_empty() {
            let what = match &d.origin {
                Origin::Comment { .. } => "suppression",
                Origin::Exception { .. } => "exception",
            };
            let message = format!("{what} of {} matches no finding", quoted(&unused));
            warnings.push(Warning {
                span: d.span,
                message: message.clone(),
            });
            if opts.strict {
                out.findings.push(meta_finding(
                    sources,
                    d,
                    UNUSED_ID,
                    UNUSED_NAME,
                    message,
                    "remove it, or move it above the block or statement the finding points at"
                        .into(),
                ));
            }
        }
    }
    out.warnings = warnings;
    out
}

fn quoted(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An `info` finding about a suppression itself (`--strict-suppressions`).
fn meta_finding(
    sources: &Sources,
    d: &Directive,
    id: &str,
    name: &str,
    message: String,
    help: String,
) -> Finding {
    let span = d.span.unwrap_or_default();
    let mut f = Finding {
        rule: id.into(),
        name: name.into(),
        severity: Severity::Info,
        tsc: Vec::new(),
        message,
        help,
        primary: Located {
            span,
            address: match &d.origin {
                Origin::Comment { .. } => String::new(),
                Origin::Exception { address } => address.clone(),
            },
            path: format!("{MARKER} {}", d.rules.join(",")),
        },
        address: String::new(),
        principals: Vec::new(),
        resources: Vec::new(),
        units: Vec::new(),
        related: Vec::new(),
        fingerprint: String::new(),
        suppression: None,
        confidence: crate::findings::Confidence::High,
        confidence_reason: None,
    };
    if (span.file as usize) < sources.len() {
        f.compute_fingerprint(sources);
    }
    f
}

/// `[[exceptions]]` entries; the config file joins the sources so warnings can point into it.
fn exceptions(config: &Config, sources: &Sources) -> Vec<Directive> {
    if config.exceptions.is_empty() {
        return Vec::new();
    }
    let file: Option<FileId> = config.path.as_ref().and_then(|p| {
        let p = p.canonicalize().unwrap_or_else(|_| p.clone());
        sources.find(&p).or_else(|| {
            crate::fsguard::read(&p, crate::fsguard::Access::Chosen)
                .ok()
                .map(|text| sources.add(p.clone(), text))
        })
    });
    config
        .exceptions
        .iter()
        .map(|e| Directive {
            rules: vec![e.rule.get_ref().clone()],
            until: e.until.as_ref().map(|u| u.get_ref().clone()),
            reason: e
                .reason
                .as_ref()
                .map(|r| r.get_ref().trim().to_string())
                .filter(|r| !r.is_empty()),
            span: file.map(|id| Span::new(id, e.rule.span().start..e.address.span().end)),
            origin: Origin::Exception {
                address: e.address.get_ref().clone(),
            },
        })
        .collect()
}

/// A parsed `mlguard:ignore` comment body (what follows the marker).
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed {
    pub rules: Vec<String>,
    pub until: Option<String>,
    pub reason: Option<String>,
}

/// Parse `ID[,ID] [until=YYYY-MM-DD] [-- reason]`.
pub fn parse_directive(body: &str) -> Result<Parsed, String> {
    let (head, reason) = match body.find("--") {
        Some(i) => (&body[..i], Some(body[i + 2..].trim())),
        None => (body, None),
    };
    let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
    let mut rules = Vec::new();
    let mut until = None;
    // `ID[,ID]` is one word (spaces around commas are forgiven), then `until=`
    let head = join_commas(head);
    for (i, word) in head.split_whitespace().enumerate() {
        if let Some(date) = word.strip_prefix("until=") {
            if Date::parse(date).is_none() {
                return Err(format!("`{date}` is not a date; write until=YYYY-MM-DD"));
            }
            until = Some(date.to_string());
        } else if i == 0 {
            for id in word.split(',').filter(|id| !id.is_empty()) {
                if !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(format!("`{id}` is not a rule id"));
                }
                rules.push(id.to_string());
            }
        } else {
            return Err(format!("unexpected `{word}`; write the reason after `--`"));
        }
    }
    if rules.is_empty() {
        return Err("names no rule; write `mlguard:ignore ID -- reason`".into());
    }
    Ok(Parsed {
        rules,
        until,
        reason,
    })
}

/// `A , B` -> `A,B`.
fn join_commas(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split(',') {
        if !out.is_empty() {
            while out.ends_with(char::is_whitespace) {
                out.pop();
            }
            out.push(',');
            out.push_str(part.trim_start());
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A comment found in HCL text: byte range of the whole comment, whether code precedes it on
/// its line, and its text after `#` or `//`.
struct Comment {
    start: usize,
    end: usize,
    own_line: bool,
    body: String,
}

/// `#` and `//` comments outside strings and heredocs. `/* */` comments are skipped.
fn scan_comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut heredoc: Option<String> = None;
    let mut in_block_comment = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some(tag) = &heredoc {
            if content.trim() == tag {
                heredoc = None;
            }
            continue;
        }
        // bytes, compared as bytes: `i` steps one byte at a time, also through the middle of a
        // multi-byte character in a comment or string, where slicing the `str` would panic
        let bytes = content.as_bytes();
        let mut i = 0;
        let mut in_string = false;
        let mut interp = 0usize;
        while i < bytes.len() {
            let b = bytes[i];
            if in_block_comment {
                if bytes[i..].starts_with(b"*/") {
                    in_block_comment = false;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            if in_string {
                match b {
                    b'\\' => i += 1,
                    b'$' if bytes[i..].starts_with(b"${") => {
                        interp += 1;
                        in_string = false;
                        i += 1;
                    }
                    b'"' => in_string = false,
                    _ => {}
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'}' if interp > 0 => {
                    interp -= 1;
                    in_string = true;
                }
                b'#' => {
                    push_comment(&mut out, content, start, i, 1);
                    break;
                }
                b'/' if bytes[i..].starts_with(b"//") => {
                    push_comment(&mut out, content, start, i, 2);
                    break;
                }
                b'/' if bytes[i..].starts_with(b"/*") => {
                    in_block_comment = true;
                    i += 1;
                }
                b'<' if bytes[i..].starts_with(b"<<") => {
                    let tag = content[i + 2..].trim_start_matches('-').trim();
                    if !tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        heredoc = Some(tag.to_string());
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

fn push_comment(out: &mut Vec<Comment>, line: &str, line_start: usize, at: usize, marker: usize) {
    out.push(Comment {
        start: line_start + at,
        end: line_start + line.len(),
        own_line: line[..at].trim().is_empty(),
        body: line[at + marker..].trim().to_string(),
    });
}

/// Blocks and objects of a file: what a comment can cover.
#[derive(Default)]
struct Structures(Vec<std::ops::Range<usize>>);

impl Visit for Structures {
    fn visit_block(&mut self, b: &hcl_edit::structure::Block) {
        if let Some(s) = b.span() {
            self.0.push(s);
        }
        visit::visit_block(self, b);
    }
    fn visit_object(&mut self, o: &hcl_edit::expr::Object) {
        if let Some(s) = o.span() {
            self.0.push(s);
        }
        visit::visit_object(self, o);
    }
}

/// The `mlguard:ignore` comments of one `.tf` file with what each covers.
fn comments(file: FileId, source: &SourceFile, warnings: &mut Vec<Warning>) -> Vec<Directive> {
    let text = source.text.as_str();
    let found: Vec<Comment> = scan_comments(text)
        .into_iter()
        .filter(|c| c.body.starts_with(MARKER))
        .collect();
    if found.is_empty() {
        return Vec::new();
    }
    let mut structures = Structures::default();
    if let Ok(body) = hcl_edit::parser::parse_body(text) {
        structures.visit_body(&body);
    }
    let comment_lines: BTreeSet<u32> = scan_comments(text)
        .iter()
        .filter(|c| c.own_line)
        .map(|c| source.position(c.start as u32).line)
        .collect();
    let line_of = |offset: usize| source.position(offset as u32).line;
    let mut out = Vec::new();
    for c in found {
        let span = Span::new(file, c.start..c.end);
        let parsed = match parse_directive(&c.body[MARKER.len()..]) {
            Ok(p) => p,
            Err(e) => {
                warnings.push(Warning {
                    span: Some(span),
                    message: format!("malformed suppression: {e}"),
                });
                continue;
            }
        };
        // the line it speaks about: the next line of code for a comment on its own line
        let line = line_of(c.start);
        let target = if c.own_line {
            let mut l = line + 1;
            while (l as usize) <= source.line_count()
                && (comment_lines.contains(&l) || line_text(source, l).trim().is_empty())
            {
                l += 1;
            }
            l
        } else {
            line
        };
        // the largest block or object that starts on that line, else the innermost that holds it
        let starting = structures
            .0
            .iter()
            .filter(|s| line_of(s.start) == target)
            .max_by_key(|s| s.len());
        let holding = || {
            structures
                .0
                .iter()
                .filter(|s| s.start <= c.start && c.end <= s.end)
                .min_by_key(|s| s.len())
        };
        let scope = starting
            .or_else(holding)
            .map(|s| Span::new(file, s.clone()));
        out.push(Directive {
            rules: parsed.rules,
            until: parsed.until,
            reason: parsed.reason,
            span: Some(span),
            origin: Origin::Comment { scope },
        });
    }
    out
}

fn line_text(source: &SourceFile, line: u32) -> &str {
    let start = source.line_start(line).unwrap_or(0) as usize;
    let end = source
        .line_start(line + 1)
        .map_or(source.text.len(), |e| e as usize);
    source.text.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_days_since_the_epoch() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_days(20_784).to_string(), "2026-11-27");
        assert_eq!(Date::from_days(-1).to_string(), "1969-12-31");
    }

    #[test]
    fn directives_parse_ids_expiry_and_reason() {
        let p =
            parse_directive(" DT002,DT005 until=2027-06-30 -- ETL reads raw by design").unwrap();
        assert_eq!(p.rules, ["DT002", "DT005"]);
        assert_eq!(p.until.as_deref(), Some("2027-06-30"));
        assert_eq!(p.reason.as_deref(), Some("ETL reads raw by design"));
        let p = parse_directive(" DT002, DT005").unwrap();
        assert_eq!(p.rules, ["DT002", "DT005"]);
        assert_eq!(p.reason, None);
        assert!(parse_directive(" DT002 until=2027-02-30 -- x").is_err());
        assert!(parse_directive(" -- no ids").is_err());
        assert!(parse_directive(" DT002 because reasons").is_err());
    }

    #[test]
    fn comments_inside_strings_and_heredocs_are_not_comments() {
        let text = "a = \"# mlguard:ignore X\" # mlguard:ignore DT002\nb = <<EOT\n# mlguard:ignore Y\nEOT\n// mlguard:ignore Z\nc = \"${x}#\" # real\n";
        let bodies: Vec<String> = scan_comments(text).into_iter().map(|c| c.body).collect();
        assert_eq!(bodies, ["mlguard:ignore DT002", "mlguard:ignore Z", "real"]);
    }

    #[test]
    fn multi_byte_characters_in_comments_and_strings_are_stepped_over() {
        // `i` lands inside `é` (two bytes) while looking for `*/`; slicing there used to panic
        let text = "a = 1 /* \u{e9} */\n# mlguard:ignore DT002 -- x\nb = \"\\\u{e9}/*\" /* \u{1F600}*/ // \u{e9}\n/* \u{e9}\n\u{e9} */ # after\n";
        let bodies: Vec<String> = scan_comments(text).into_iter().map(|c| c.body).collect();
        assert_eq!(bodies, ["mlguard:ignore DT002 -- x", "\u{e9}", "after"]);
    }

    #[test]
    fn exception_addresses_without_keys_cover_every_instance() {
        assert!(address_matches(
            "module.a.aws_iam_role.r",
            "module.a[\"x\"].aws_iam_role.r[0]"
        ));
        assert!(!address_matches("aws_iam_role.r", "aws_iam_role.rr"));
        assert!(!address_matches("", ""));
    }
}
