//! A module directory's declarations, sorted by kind and indexed by name, before any evaluation.
//! Files come as HCL (`.tf`) or Terraform's JSON syntax (`.tf.json`); override files
//! (`override.tf`, `*_override.tf`) merge into the declarations they name, as Terraform merges them.

use crate::parse::ParseError;
use crate::source::{FileId, Span};
use crate::terraform::value::Mode;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

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

/// A block body and the file it was written in: override files add bodies from other files.
#[derive(Clone, Debug)]
pub struct FileBlock {
    pub file: FileId,
    pub block: Block,
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
    /// Bodies from override files, in the order Terraform applies them: their arguments replace
    /// the block's, their nested blocks replace all nested blocks of the same type.
    pub overrides: Vec<FileBlock>,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    /// The `source` string, when it is a literal.
    pub source: Option<String>,
    pub file: FileId,
    pub block: Block,
    pub span: Span,
    pub overrides: Vec<FileBlock>,
}

/// A top-level block of a configuration file, whatever its syntax.
#[derive(Debug)]
pub struct TopBlock {
    pub ident: String,
    pub labels: Vec<String>,
    pub block: Block,
    pub span: Span,
}

/// The top-level blocks of a parsed HCL file (top-level attributes mean nothing in a .tf file).
pub fn hcl_blocks(file: FileId, body: Body) -> Vec<TopBlock> {
    body.into_iter()
        .filter_map(|s| match s {
            Structure::Block(block) => Some(TopBlock {
                ident: block.ident.as_str().to_string(),
                labels: block
                    .labels
                    .iter()
                    .map(|l| l.as_str().to_string())
                    .collect(),
                span: span_of(file, block.span()),
                block,
            }),
            Structure::Attribute(_) => None,
        })
        .collect()
}

/// Is this a Terraform override file (`override.tf`, `x_override.tf`, and their `.tf.json`)?
pub fn is_override_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or("");
    stem == "override" || stem.ends_with("_override")
}

/// Is this a Terraform configuration file (`.tf` or `.tf.json`)?
pub fn is_config_file(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// Parse one configuration file, by its syntax, into a module.
pub fn load_file(
    module: &mut ModuleSource,
    file: FileId,
    path: &Path,
    text: &str,
) -> Result<(), ParseError> {
    let blocks = if path.to_string_lossy().ends_with(".json") {
        crate::parse::json::tf_json_blocks(file, text)?
    } else {
        hcl_blocks(file, crate::parse::hcl::parse(file, text)?)
    };
    module.add_blocks(file, blocks, is_override_file(path));
    Ok(())
}

/// Everything one module directory declares.
#[derive(Debug, Default)]
pub struct ModuleSource {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub variables: Vec<Variable>,
    variable_index: HashMap<String, usize>,
    /// Local values in declaration order, indexed by name.
    pub locals: Vec<(String, Expr, Span)>,
    local_index: HashMap<String, usize>,
    pub resources: Vec<ResourceBlock>,
    resource_index: HashMap<(Mode, String, String), usize>,
    resource_types: HashSet<String>,
    pub calls: Vec<ModuleCall>,
    call_index: HashMap<String, usize>,
    pub outputs: HashMap<String, Expr>,
    output_spans: HashMap<String, Span>,
    pub providers: Vec<(FileId, Block)>,
    /// Blocks of override files, merged by [`ModuleSource::finish`].
    pending_overrides: Vec<(FileId, Vec<TopBlock>)>,
    /// Declarations that conflict (a resource, variable, local or output declared twice).
    pub errors: Vec<ParseError>,
}

impl ModuleSource {
    pub fn new(dir: PathBuf) -> ModuleSource {
        ModuleSource {
            dir,
            ..ModuleSource::default()
        }
    }

    /// Sort a parsed HCL file's top-level blocks into the module.
    pub fn add_file(&mut self, file: FileId, body: Body) {
        self.add_blocks(file, hcl_blocks(file, body), false);
    }

    /// Sort a file's top-level blocks into the module. Override files wait for [`Self::finish`],
    /// since Terraform applies them after every other file whatever their names.
    pub fn add_blocks(&mut self, file: FileId, blocks: Vec<TopBlock>, is_override: bool) {
        self.files.push(file);
        if is_override {
            self.pending_overrides.push((file, blocks));
            return;
        }
        for b in blocks {
            self.declare(file, b);
        }
    }

    fn duplicate(&mut self, what: String, first: Span, at: Span) {
        self.errors.push(ParseError {
            message: format!("duplicate {what}: also declared at byte {}", first.start),
            span: at,
        });
    }

    fn declare(&mut self, file: FileId, top: TopBlock) {
        let TopBlock {
            ident,
            labels,
            block,
            span,
        } = top;
        let label = |i: usize| labels.get(i).cloned();
        match ident.as_str() {
            "variable" => {
                let Some(name) = label(0) else { return };
                if let Some(&i) = self.variable_index.get(&name) {
                    let first = self.variables[i].span;
                    return self.duplicate(format!("variable `{name}`"), first, span);
                }
                let mut v = Variable {
                    name: name.clone(),
                    default: None,
                    ty: None,
                    nullable: true,
                    span,
                };
                apply_variable(&mut v, file, &block);
                self.variable_index.insert(name, self.variables.len());
                self.variables.push(v);
            }
            "locals" => {
                for attr in block.body.into_attributes() {
                    let name = attr.key.as_str().to_string();
                    let at = span_of(file, attr.span().or_else(|| attr.value.span()));
                    if let Some(&i) = self.local_index.get(&name) {
                        let first = self.locals[i].2;
                        self.duplicate(format!("local value `{name}`"), first, at);
                        continue;
                    }
                    self.local_index.insert(name.clone(), self.locals.len());
                    let expr = Expr {
                        file,
                        expr: attr.value,
                    };
                    self.locals.push((name, expr, at));
                }
            }
            "resource" | "data" => {
                let (Some(rtype), Some(name)) = (label(0), label(1)) else {
                    return;
                };
                let mode = if ident == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                let key = (mode, rtype.clone(), name.clone());
                if let Some(&i) = self.resource_index.get(&key) {
                    let first = self.resources[i].span;
                    let what = if mode == Mode::Data {
                        format!("data source `data.{rtype}.{name}`")
                    } else {
                        format!("resource `{rtype}.{name}`")
                    };
                    return self.duplicate(what, first, span);
                }
                if mode == Mode::Managed {
                    self.resource_types.insert(rtype.clone());
                }
                self.resource_index.insert(key, self.resources.len());
                self.resources.push(ResourceBlock {
                    mode,
                    rtype,
                    name,
                    file,
                    block,
                    span,
                    overrides: Vec::new(),
                });
            }
            "module" => {
                let Some(name) = label(0) else { return };
                if let Some(&i) = self.call_index.get(&name) {
                    let first = self.calls[i].span;
                    return self.duplicate(format!("module call `{name}`"), first, span);
                }
                let source = literal_source(&block.body);
                self.call_index.insert(name.clone(), self.calls.len());
                self.calls.push(ModuleCall {
                    name,
                    source,
                    file,
                    block,
                    span,
                    overrides: Vec::new(),
                });
            }
            "output" => {
                let Some(name) = label(0) else { return };
                if let Some(first) = self.output_spans.get(&name).copied() {
                    return self.duplicate(format!("output `{name}`"), first, span);
                }
                self.output_spans.insert(name.clone(), span);
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
            // terraform, moved, import, removed, check: nothing to evaluate for a scan
            _ => {}
        }
    }

    /// Merge override files into the declarations they name. Call once after every file is added.
    pub fn finish(&mut self) {
        for (file, blocks) in std::mem::take(&mut self.pending_overrides) {
            for top in blocks {
                self.apply_override(file, top);
            }
        }
    }

    fn apply_override(&mut self, file: FileId, top: TopBlock) {
        let label = |i: usize| top.labels.get(i).cloned().unwrap_or_default();
        let missing = |what: String| ParseError {
            message: format!("override of {what}, which is not declared"),
            span: top.span,
        };
        match top.ident.as_str() {
            "variable" => match self.variable_index.get(&label(0)) {
                Some(&i) => apply_variable(&mut self.variables[i], file, &top.block),
                None => self
                    .errors
                    .push(missing(format!("variable `{}`", label(0)))),
            },
            "locals" => {
                for attr in top.block.body.into_attributes() {
                    let name = attr.key.as_str().to_string();
                    let at = span_of(file, attr.span().or_else(|| attr.value.span()));
                    let expr = Expr {
                        file,
                        expr: attr.value,
                    };
                    match self.local_index.get(&name) {
                        Some(&i) => self.locals[i] = (name, expr, at),
                        None => self.errors.push(ParseError {
                            message: format!(
                                "override of local value `{name}`, which is not declared"
                            ),
                            span: at,
                        }),
                    }
                }
            }
            "resource" | "data" => {
                let mode = if top.ident == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                match self.resource_index.get(&(mode, label(0), label(1))) {
                    Some(&i) => self.resources[i].overrides.push(FileBlock {
                        file,
                        block: top.block,
                        span: top.span,
                    }),
                    None => self
                        .errors
                        .push(missing(format!("`{}.{}`", label(0), label(1)))),
                }
            }
            "module" => match self.call_index.get(&label(0)) {
                Some(&i) => {
                    let call = &mut self.calls[i];
                    if let Some(s) = literal_source(&top.block.body) {
                        call.source = Some(s);
                    }
                    call.overrides.push(FileBlock {
                        file,
                        block: top.block,
                        span: top.span,
                    });
                }
                None => self.errors.push(missing(format!("module `{}`", label(0)))),
            },
            "output" => {
                if let Some(v) = top.block.body.get_attribute("value") {
                    self.outputs.insert(
                        label(0),
                        Expr {
                            file,
                            expr: v.value.clone(),
                        },
                    );
                }
            }
            "provider" => self.providers.push((file, top.block)),
            _ => {}
        }
    }

    pub fn resource(&self, mode: Mode, rtype: &str, name: &str) -> Option<&ResourceBlock> {
        let key = (mode, rtype.to_string(), name.to_string());
        self.resource_index.get(&key).map(|&i| &self.resources[i])
    }

    pub fn has_resource_type(&self, rtype: &str) -> bool {
        self.resource_types.contains(rtype)
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variable_index.get(name).map(|&i| &self.variables[i])
    }

    pub fn call(&self, name: &str) -> Option<&ModuleCall> {
        self.call_index.get(name).map(|&i| &self.calls[i])
    }

    /// A local value's expression and the span of its declaration.
    pub fn local(&self, name: &str) -> Option<(&Expr, Span)> {
        self.local_index.get(name).map(|&i| {
            let (_, e, s) = &self.locals[i];
            (e, *s)
        })
    }
}

fn literal_source(body: &Body) -> Option<String> {
    match body.get_attribute("source").map(|a| &a.value) {
        Some(Expression::String(s)) => Some(s.value().to_string()),
        _ => None,
    }
}

/// Set a variable's `default`, `type` and `nullable` from a block (its declaration or an override).
fn apply_variable(v: &mut Variable, file: FileId, block: &Block) {
    let expr = |key: &str| {
        block.body.get_attribute(key).map(|a| Expr {
            file,
            expr: a.value.clone(),
        })
    };
    if let Some(d) = expr("default") {
        v.default = Some(d);
    }
    if let Some(t) = expr("type") {
        v.ty = Some(t);
    }
    if let Some(n) = block.body.get_attribute("nullable") {
        v.nullable = !matches!(&n.value, Expression::Bool(b) if !*b.value());
    }
}
