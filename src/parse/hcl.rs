//! HCL files (`.tf`, `.tfvars`) through hcl-edit, which keeps byte ranges on every node.

use crate::parse::ParseError;
use crate::source::{FileId, Span};
use hcl_edit::structure::Body;

pub fn parse(file: FileId, text: &str) -> Result<Body, ParseError> {
    let parsed = hcl_edit::parser::parse_body(text).or_else(|e| {
        // Terraform keeps the last of a key written twice in one object; hcl-edit refuses it
        if e.message().contains("redefined object key") {
            if let Some(body) = parse_keeping_last_keys(text) {
                return Ok(body);
            }
        }
        Err(e)
    });
    parsed.map_err(|e| {
        let offset = e.location().offset().min(text.len());
        // point at the offending character, or the end of the file
        let end = text[offset..]
            .chars()
            .next()
            .map_or(offset, |c| offset + c.len_utf8());
        ParseError {
            message: first_line(e.message()),
            span: Span::new(file, offset..end),
        }
    })
}

/// Most keys written twice that one file may have mended, and the largest file mended: each
/// mended key costs one more parse of the whole file (docs/security.md).
const MAX_REDEFINED_KEYS: usize = 16;
const MAX_MENDED_FILE: usize = 1 << 20;

/// Parses text whose object constructors write a key twice, as Terraform reads them: each
/// redefining key is renamed in place (one ASCII character, so every offset stays) until the
/// parser accepts the text, then every object drops the earlier entry and gives the later one its
/// name back. `None` when a key cannot be renamed so.
fn parse_keeping_last_keys(text: &str) -> Option<Body> {
    const NAMES: &[u8] = b"_QXZqxz";
    if text.len() > MAX_MENDED_FILE {
        return None;
    }
    let mut attempts = 0;
    let mut fixed = text.as_bytes().to_vec();
    // (offset of the renamed character, the character it was, which of NAMES it is now)
    let mut renamed: Vec<(usize, u8, usize)> = Vec::new();
    loop {
        attempts += 1;
        if attempts > 2 * MAX_REDEFINED_KEYS {
            return None;
        }
        let source = std::str::from_utf8(&fixed).ok()?;
        let e = match hcl_edit::parser::parse_body(source) {
            Ok(mut body) => {
                let mut restore = RestoreKeys {
                    renamed: renamed.iter().map(|&(at, was, _)| (at, was)).collect(),
                };
                hcl_edit::visit_mut::VisitMut::visit_body_mut(&mut restore, &mut body);
                return Some(body);
            }
            Err(e) if e.message().contains("redefined object key") => e,
            Err(_) => return None,
        };
        let key = e.location().offset();
        // the character to rename: the first inside the quotes, or the identifier's first
        let at = if fixed.get(key) == Some(&b'"') {
            key + 1
        } else {
            key
        };
        let slot = match renamed.iter().position(|r| r.0 == at) {
            // the name given is in the object too: the next one
            Some(i) => {
                renamed[i].2 += 1;
                i
            }
            None => {
                let was = *fixed.get(at)?;
                if !(was.is_ascii_alphanumeric() || was == b'_')
                    || renamed.len() >= MAX_REDEFINED_KEYS
                {
                    return None;
                }
                renamed.push((at, was, 0));
                renamed.len() - 1
            }
        };
        let (_, was, n) = renamed[slot];
        let name = NAMES.iter().copied().filter(|&c| c != was).nth(n)?;
        fixed[at] = name;
    }
}

struct RestoreKeys {
    renamed: Vec<(usize, u8)>,
}

impl hcl_edit::visit_mut::VisitMut for RestoreKeys {
    fn visit_object_mut(&mut self, node: &mut hcl_edit::expr::Object) {
        use hcl_edit::expr::{Expression, ObjectKey};
        use hcl_edit::Span as _;
        hcl_edit::visit_mut::visit_object_mut(self, node);
        for &(at, was) in &self.renamed {
            let found = node.iter().find_map(|(k, _)| {
                let name = match k {
                    ObjectKey::Ident(id) => id.as_str(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().as_str(),
                    ObjectKey::Expression(_) => return None,
                };
                // a quoted key's span starts at its quote, one before the renamed character
                let start = k.span()?.start;
                (start == at || start + 1 == at).then(|| (k.clone(), name.to_string()))
            });
            let Some((key, name)) = found else {
                continue;
            };
            let mut original = name.into_bytes();
            let Some(first) = original.first_mut() else {
                continue;
            };
            *first = was;
            let Ok(original) = String::from_utf8(original) else {
                continue;
            };
            let Some(value) = node.remove(&key) else {
                continue;
            };
            let restored = match &key {
                ObjectKey::Ident(_) => ObjectKey::Ident(hcl_edit::Decorated::new(
                    hcl_edit::Ident::new_sanitized(original.as_str()),
                )),
                _ => ObjectKey::Expression(Expression::from(original)),
            };
            // the earlier entry gives way: the last one written wins
            node.remove(&restored);
            node.insert(restored, value);
        }
    }
}

fn first_line(message: &str) -> String {
    let m = message.lines().next().unwrap_or("invalid HCL").trim();
    let m = m
        .strip_prefix("expected ")
        .map_or(m.to_string(), |rest| format!("expected {rest}"));
    if m.is_empty() {
        "invalid HCL".to_string()
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_offending_byte() {
        let e = parse(0, "resource \"a\" \"b\" {\n  x = \n}\n").unwrap_err();
        assert_eq!(e.span.file, 0);
        assert!(e.span.start > 0);
    }

    /// Terraform keeps the last of a key written twice in an object constructor (checked with
    /// `terraform plan`); the parser refuses it, so the key is renamed for it and restored.
    #[test]
    fn a_key_written_twice_keeps_the_last_value() {
        use hcl_edit::expr::{Expression, ObjectKey};
        let text = "x = { \"a\" : 1, b = 2, \"a\" = 3, b = 4, c = { a = 5, a = 6 } }\n";
        let body = parse(0, text).unwrap();
        let attr = body.get_attribute("x").unwrap();
        let Expression::Object(o) = &attr.value else {
            panic!("not an object")
        };
        let items: Vec<(String, String)> = o
            .iter()
            .map(|(k, v)| {
                let k = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    _ => "?".into(),
                };
                (k, v.expr().to_string().trim().to_string())
            })
            .collect();
        let mut pairs: Vec<(&str, &str)> = items
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // order means nothing in an object
        pairs.sort();
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[..2], [("a", "3"), ("b", "4")]);
        assert_eq!(pairs[2].0, "c");
        assert!(
            pairs[2].1.contains("a = 6") && !pairs[2].1.contains('5'),
            "{}",
            pairs[2].1
        );
        // a key that cannot be renamed in place still fails as before
        assert!(parse(0, "x = { \"\" = 1, \"\" = 2 }\n").is_err());
    }

    #[test]
    fn valid_hcl_parses() {
        let body = parse(0, "resource \"aws_s3_bucket\" \"raw\" {}\n").unwrap();
        assert_eq!(body.get_blocks("resource").count(), 1);
    }
}
