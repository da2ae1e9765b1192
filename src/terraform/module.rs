//! A module directory's declarations, sorted by kind, before any evaluation.

use crate::parse::ParseError;
use crate::source::{FileId, Span};
use crate::terraform::value::Mode;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use std::collections::HashMap;
use std::path::PathBuf;

/// An expression and the file it was written in (hcl-edit spans are file-relative).
#[derive(Clone, Debug)]
pub struct Expr {
    pub file: FileId,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> Span {
        span_of(self.file, self.expr.span())
    }
}

pub fn span_of(file: FileId, range: Option<std::ops::Range<usize>>) -> Span {
    range.map_or(Span::new(file, 0..0), |r| Span::new(file, r))
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub default: Option<Expr>,
    /// The `type` constraint expression.
    pub ty: Option<Expr>,
    pub nullable: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct ResourceBlock {
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub file: FileId,
    pub block: Block,
    pub span: Span,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    /// The `source` string, when it is a literal.
    pub source: Option<String>,
    pub file: FileId,
    pub block: Block,
    pub span: Span,
}

/// Everything one module directory declares.
#[derive(Debug, Default)]
pub struct ModuleSource {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub variables: Vec<Variable>,
    pub locals: HashMap<String, Expr>,
    pub local_spans: HashMap<String, Span>,
    pub resources: Vec<ResourceBlock>,
    pub calls: Vec<ModuleCall>,
    pub outputs: HashMap<String, Expr>,
    pub providers: Vec<(FileId, Block)>,
    /// Declarations that conflict (a local or output declared twice).
    pub errors: Vec<ParseError>,
}

impl ModuleSource {
    pub fn new(dir: PathBuf) -> ModuleSource {
        ModuleSource {
            dir,
            ..ModuleSource::default()
        }
    }

    /// Sort a parsed file's top-level blocks into the module.
    pub fn add_file(&mut self, file: FileId, body: Body) {
        self.files.push(file);
        for structure in body {
            let Structure::Block(block) = structure else {
                continue; // top-level attributes mean nothing in a .tf file
            };
            let span = span_of(file, block.span());
            let label = |i: usize| block.labels.get(i).map(|l| l.as_str().to_string());
            match block.ident.as_str() {
                "variable" => {
                    let Some(name) = label(0) else { continue };
                    let default = block.body.get_attribute("default").map(|a| Expr {
                        file,
                        expr: a.value.clone(),
                    });
                    let ty = block.body.get_attribute("type").map(|a| Expr {
                        file,
                        expr: a.value.clone(),
                    });
                    let nullable = !matches!(
                        block.body.get_attribute("nullable").map(|a| &a.value),
                        Some(Expression::Bool(b)) if !*b.value()
                    );
                    self.variables.push(Variable {
                        name,
                        default,
                        ty,
                        nullable,
                        span,
                    });
                }
                "locals" => {
                    for attr in block.body.into_attributes() {
                        let name = attr.key.as_str().to_string();
                        let at = span_of(file, attr.span());
                        if let Some(first) = self.local_spans.get(&name) {
                            self.errors.push(ParseError {
                                message: format!(
                                    "duplicate local value `{name}`: also declared at byte {}",
                                    first.start
                                ),
                                span: at,
                            });
                            continue;
                        }
                        self.local_spans.insert(name.clone(), at);
                        self.locals.insert(
                            name,
                            Expr {
                                file,
                                expr: attr.value,
                            },
                        );
                    }
                }
                "resource" | "data" => {
                    let (Some(rtype), Some(name)) = (label(0), label(1)) else {
                        continue;
                    };
                    let mode = if block.ident.as_str() == "data" {
                        Mode::Data
                    } else {
                        Mode::Managed
                    };
                    self.resources.push(ResourceBlock {
                        mode,
                        rtype,
                        name,
                        file,
                        block,
                        span,
                    });
                }
                "module" => {
                    let Some(name) = label(0) else { continue };
                    let source = match block.body.get_attribute("source").map(|a| &a.value) {
                        Some(Expression::String(s)) => Some(s.value().to_string()),
                        _ => None,
                    };
                    self.calls.push(ModuleCall {
                        name,
                        source,
                        file,
                        block,
                        span,
                    });
                }
                "output" => {
                    let Some(name) = label(0) else { continue };
                    if let Some(v) = block.body.get_attribute("value") {
                        self.outputs.insert(
                            name,
                            Expr {
                                file,
                                expr: v.value.clone(),
                            },
                        );
                    }
                }
                "provider" => self.providers.push((file, block)),
                _ => {}
            }
        }
    }

    pub fn resource(&self, mode: Mode, rtype: &str, name: &str) -> Option<&ResourceBlock> {
        self.resources
            .iter()
            .find(|r| r.mode == mode && r.rtype == rtype && r.name == name)
    }

    pub fn has_resource_type(&self, rtype: &str) -> bool {
        self.resources
            .iter()
            .any(|r| r.mode == Mode::Managed && r.rtype == rtype)
    }
}
