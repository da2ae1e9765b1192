//! Parsing with byte spans: HCL through hcl-edit, JSON through a strict parser.

pub mod hcl;
pub mod json;

use crate::source::Span;

/// A file or fragment that does not parse. The scan reports it and goes on with the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}
