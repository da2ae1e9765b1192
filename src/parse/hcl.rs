//! HCL files (`.tf`, `.tfvars`) through hcl-edit, which keeps byte ranges on every node.

use crate::parse::ParseError;
use crate::source::{FileId, Span};
use hcl_edit::structure::Body;

pub fn parse(file: FileId, text: &str) -> Result<Body, ParseError> {
    hcl_edit::parser::parse_body(text).map_err(|e| {
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

    #[test]
    fn valid_hcl_parses() {
        let body = parse(0, "resource \"aws_s3_bucket\" \"raw\" {}\n").unwrap();
        assert_eq!(body.get_blocks("resource").count(), 1);
    }
}
