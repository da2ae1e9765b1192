//! The expression evaluator: Terraform semantics over the hcl-edit tree, lazily, with memoised
//! locals, resources and module instances. Values keep spans; what cannot be known stays
//! symbolic (a computed resource attribute) or unknown (an unset variable), never invented.

use crate::parse::ParseError;
use crate::source::{FileId, Span};
use crate::terraform::module::{span_of, Expr, FileBlock, ModuleSource, ResourceBlock};
use crate::terraform::value::{
    string_from_parts, Address, Entry, InstanceKey, Kind, Mode, ModuleStep, Part, Reference, Value,
};
use crate::terraform::{functions, policy_document, types, Host, ResourceInstance, Unresolved};
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// Most instances one resource or module call may expand to; beyond, the expansion is unknown.
pub const MAX_INSTANCES: usize = 100_000;
/// Deepest module nesting followed.
const MAX_MODULE_DEPTH: usize = 32;

// Budgets of one root module's evaluation (docs/security.md, "Limits"). Past one, the value is
// unknown and the scan reports an error, so inflating a value cannot hide what it would show.

/// Resource and module instances one root module may expand to, across module nesting.
pub const MAX_ROOT_INSTANCES: usize = 100_000;
/// Nested evaluation levels (a chain of references is one or two per link). Deeper recursion
/// runs on stack segments grown on the heap; this bounds their total size.
pub const MAX_DEPTH: usize = 50_000;
/// Expressions evaluated and loop iterations run for one root module.
pub const MAX_STEPS: u64 = 5_000_000;
/// `templatefile` calls nested inside each other.
pub const MAX_TEMPLATE_DEPTH: usize = 16;
/// Lists and objects nested inside each other in one value.
pub const MAX_VALUE_DEPTH: usize = 256;
/// Bytes of strings the evaluation of one root module may produce or copy in total.
pub const MAX_STRING_BYTES: u64 = 256 << 20;
/// Longest string value, and most elements in a list or object.
pub(crate) use functions::{MAX_ITEMS, MAX_TEXT};

/// Stack left below which a level runs on a new segment, and that segment's size: the red zone
/// holds the deepest stack use between two levels (a function over a value of the maximum
/// depth, debug builds included).
const RED_ZONE: usize = 512 << 10;
const STACK_SEGMENT: usize = 8 << 20;

/// (mode, type, name) of a resource block.
type ResourceKey = (Mode, String, String);

enum Memo<T> {
    Pending,
    Done(T),
}

/// The instances a `count` or `for_each` expands a block to.
enum Instances<T> {
    Single(T),
    Count(Vec<T>),
    ForEach(Vec<(String, T)>),
    Unknown(Value),
}

/// The evaluated instances of one resource block.
type Group = Instances<Rc<Instance>>;

/// The instances of one module call.
type ChildGroup = Instances<Rc<ModuleInst>>;

/// Make every instance of an expansion, binding `count.index` or `each` for each one.
fn instances<T>(
    exp: Expansion,
    span: Span,
    make: impl Fn(Option<InstanceKey>, Bindings) -> T,
) -> Instances<T> {
    match exp {
        Expansion::Single => Instances::Single(make(None, Bindings::default())),
        Expansion::Count(n) => Instances::Count(
            (0..n)
                .map(|i| {
                    let b = Bindings {
                        count: Some(Value::new(Kind::Number(i as f64), span)),
                        ..Bindings::default()
                    };
                    make(Some(InstanceKey::Index(i as i64)), b)
                })
                .collect(),
        ),
        Expansion::ForEach(items) => Instances::ForEach(
            items
                .into_iter()
                .map(|(k, v)| {
                    let b = Bindings {
                        each: Some((Value::string(k.clone(), v.span), v)),
                        ..Bindings::default()
                    };
                    let made = make(Some(InstanceKey::Key(k.clone())), b);
                    (k, made)
                })
                .collect(),
        ),
        Expansion::Unknown(v) => Instances::Unknown(v),
    }
}

struct Instance {
    address: Arc<Address>,
    file: FileId,
    span: Span,
    attrs: Value,
}

/// One instance of a module: its inputs and memo tables.
pub(crate) struct ModuleInst {
    src: Arc<ModuleSource>,
    path: Vec<ModuleStep>,
    /// Terraform-style `path.module`, relative to the root module.
    rel_dir: String,
    inputs: Inputs,
    vars: RefCell<HashMap<String, Memo<Value>>>,
    locals: RefCell<HashMap<String, Memo<Value>>>,
    resources: RefCell<HashMap<ResourceKey, Memo<Rc<Group>>>>,
    children: RefCell<HashMap<String, Memo<Rc<ChildGroup>>>>,
    outputs: RefCell<HashMap<String, Memo<Value>>>,
}

/// Where a module instance's variable values come from.
pub(crate) enum Inputs {
    /// The root module: values from variables files and flags.
    Values(HashMap<String, Value>),
    /// A called module: the call's argument expressions, evaluated in the caller's scope.
    Call {
        exprs: Rc<HashMap<String, Expr>>,
        parent: std::rc::Weak<ModuleInst>,
        bindings: Bindings,
    },
}

/// Names bound while evaluating one expression: `each`, `count`, for-expression and iterator variables.
#[derive(Clone, Default)]
pub(crate) struct Bindings {
    vars: Vec<(String, Value)>,
    each: Option<(Value, Value)>,
    count: Option<Value>,
}

pub(crate) struct Evaluator<'h> {
    pub host: &'h dyn Host,
    pub unresolved: RefCell<Vec<Unresolved>>,
    unresolved_seen: RefCell<HashSet<(Span, String)>>,
    pub errors: RefCell<Vec<ParseError>>,
    pub modules_seen: RefCell<usize>,
    /// Definite errors met so far, so `can` and `try` tell an error from a value not known.
    failures: std::cell::Cell<usize>,
    /// Key -> entry position of each large object looked into by key, by the identity of its
    /// shared entries (the `Arc` is kept, so an address is never reused): a `for_each` over N
    /// keys that reads `var.x[each.key]`, `module.m.out[each.key]` or `lookup(map, each.key)` on
    /// an N-entry map would otherwise scan it N times.
    object_index: RefCell<HashMap<usize, ObjectIndex>>,
    budget: Budget,
    /// The values not known that the `templatefile` being rendered left as holes.
    template_holes: RefCell<Vec<Value>>,
}

/// What one evaluation has spent of its budgets (see `MAX_*`).
#[derive(Default)]
struct Budget {
    depth: std::cell::Cell<usize>,
    template_depth: std::cell::Cell<usize>,
    steps: std::cell::Cell<u64>,
    instances: std::cell::Cell<usize>,
    string_bytes: std::cell::Cell<u64>,
    /// Budget errors: kept apart so `try` and `can` do not drop them with ordinary failures.
    errors: RefCell<Vec<ParseError>>,
    /// Nesting depth of shared lists and objects, by the identity of their `Arc` (the weak
    /// reference keeps the address from being reused), so a value referenced many times is
    /// measured once.
    depths: RefCell<HashMap<usize, (SharedWeak, usize)>>,
}

/// Held only so the address stays taken while its depth is remembered.
#[allow(dead_code)]
enum SharedWeak {
    List(std::sync::Weak<Vec<Value>>),
    Object(std::sync::Weak<Vec<Entry>>),
}

/// Collections of fewer values than this (all levels) are measured again rather than remembered.
const DEPTH_CACHED_FROM: usize = 16;

/// A large object kept alive beside its key -> first entry position.
type ObjectIndex = (Arc<Vec<Entry>>, HashMap<String, usize>);

/// Objects smaller than this are scanned; larger ones get an index on their first keyed lookup.
const INDEXED_FROM: usize = 32;

struct Scope<'a> {
    inst: &'a Rc<ModuleInst>,
    file: FileId,
    b: Bindings,
}

/// Where a traversal stands while its operators are applied.
enum Cursor {
    Val(Value),
    Res(Rc<Group>, Span),
    Inst(Rc<Instance>, Span),
    Mod(Rc<ChildGroup>, Span),
    ModInst(Rc<ModuleInst>, Span),
    /// Inside a nested block of a resource instance (`vpc_config[0]`), with the path taken: an
    /// attribute the configuration does not write is one the provider computes at apply time.
    Block(Value, Reference),
}

impl<'h> Evaluator<'h> {
    pub fn new(host: &'h dyn Host) -> Evaluator<'h> {
        Evaluator {
            host,
            unresolved: RefCell::default(),
            unresolved_seen: RefCell::default(),
            errors: RefCell::default(),
            modules_seen: RefCell::new(0),
            failures: std::cell::Cell::new(0),
            object_index: RefCell::default(),
            budget: Budget::default(),
            template_holes: RefCell::default(),
        }
    }

    /// Every error met, budget errors included.
    pub fn into_errors(self) -> Vec<ParseError> {
        let mut errors = self.errors.into_inner();
        for e in self.budget.errors.into_inner() {
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        errors
    }

    /// A value lost to a budget: unknown, and an error the scan reports.
    fn over_budget(&self, span: Span, message: String) -> Value {
        let message = format!("{message}; the value is treated as unknown");
        self.lasting_error(ParseError {
            message: message.clone(),
            span,
        });
        Value::unknown(message, span)
    }

    /// An error that stays reported even inside `try` or `can`: part of the configuration
    /// was not evaluated.
    fn lasting_error(&self, e: ParseError) {
        let mut errors = self.budget.errors.borrow_mut();
        if !errors.contains(&e) {
            errors.push(e);
        }
    }

    /// Count one step of work; false once the budget is spent (reported once).
    fn step(&self, span: Span) -> bool {
        self.spend(1, span)
    }

    /// Count `n` steps of work; false once the budget is spent (reported once).
    fn spend(&self, n: usize, span: Span) -> bool {
        let before = self.budget.steps.get();
        let steps = before.saturating_add(n as u64);
        self.budget.steps.set(steps);
        if before <= MAX_STEPS && steps > MAX_STEPS {
            self.over_budget(
                span,
                format!("evaluation of this root module stopped here after {MAX_STEPS} steps (expressions, loop iterations and elements walked by functions)"),
            );
        }
        steps <= MAX_STEPS
    }

    fn out_of_steps(&self, span: Span) -> Value {
        Value::unknown(format!("evaluation stopped after {MAX_STEPS} steps"), span)
    }

    /// One level of the evaluator's recursion: run on a fresh stack segment when this one runs
    /// low, and not at all past the depth or step budget.
    fn level<T>(&self, span: Span, over: impl FnOnce(Value) -> T, f: impl FnOnce() -> T) -> T {
        let depth = self.budget.depth.get();
        if depth >= MAX_DEPTH {
            return over(self.over_budget(
                span,
                format!("evaluation nests deeper than {MAX_DEPTH} levels here"),
            ));
        }
        if !self.step(span) {
            return over(self.out_of_steps(span));
        }
        self.budget.depth.set(depth + 1);
        let result = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, f);
        self.budget.depth.set(depth);
        result
    }

    /// A value checked against the size budgets: string length, elements, nesting depth, and
    /// the total bytes of strings produced (a string is copied into every place that uses it).
    fn bounded(&self, v: Value) -> Value {
        let len = match &v.kind {
            Kind::String(s) => s.len(),
            Kind::Symbolic(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.len(),
                    Part::Ref(_) => 0,
                })
                .sum(),
            Kind::List(items) if items.len() > MAX_ITEMS => {
                return self.over_budget(
                    v.span,
                    format!(
                        "a list of {} elements, more than the {MAX_ITEMS} allowed",
                        items.len()
                    ),
                )
            }
            Kind::Object(entries) if entries.len() > MAX_ITEMS => {
                return self.over_budget(
                    v.span,
                    format!(
                        "an object of {} entries, more than the {MAX_ITEMS} allowed",
                        entries.len()
                    ),
                )
            }
            Kind::List(_) | Kind::Object(_) | Kind::Json(_) => {
                if self.measure(&v, 0).is_none() {
                    return self.over_budget(
                        v.span,
                        format!("a value nested deeper than {MAX_VALUE_DEPTH} levels"),
                    );
                }
                return v;
            }
            _ => return v,
        };
        self.charge_text(len, v)
    }

    /// A function's list or object result copies the strings it holds: count them.
    fn charge_items(&self, v: Value) -> Value {
        let bytes: usize = match &v.kind {
            Kind::List(items) => items.iter().filter_map(Value::as_str).map(str::len).sum(),
            Kind::Object(entries) => entries
                .iter()
                .filter_map(|e| e.value.as_str())
                .map(str::len)
                .sum(),
            _ => return v,
        };
        let total = self.budget.string_bytes.get() + bytes as u64;
        self.budget.string_bytes.set(total);
        if total > MAX_STRING_BYTES {
            return self.over_budget(
                v.span,
                format!(
                    "the strings of this root module pass {} MiB in total here",
                    MAX_STRING_BYTES >> 20
                ),
            );
        }
        v
    }

    /// Check a string's length and count it against the total.
    fn charge_text(&self, len: usize, v: Value) -> Value {
        if len > MAX_TEXT {
            return self.over_budget(
                v.span,
                format!(
                    "a string of {len} bytes, longer than the {} MiB allowed",
                    MAX_TEXT >> 20
                ),
            );
        }
        let total = self.budget.string_bytes.get() + len as u64;
        self.budget.string_bytes.set(total);
        if total > MAX_STRING_BYTES {
            return self.over_budget(
                v.span,
                format!(
                    "the strings of this root module pass {} MiB in total here",
                    MAX_STRING_BYTES >> 20
                ),
            );
        }
        v
    }

    /// How deeply lists and objects nest in a value below `above` enclosing levels, and how many
    /// values were visited to find out; `None` past the limit. Shared collections are measured
    /// once (remembered by identity when not tiny), so a value referenced often costs a lookup.
    fn measure(&self, v: &Value, above: usize) -> Option<(usize, usize)> {
        let key = match &v.kind {
            Kind::List(items) => Arc::as_ptr(items) as usize,
            Kind::Object(entries) => Arc::as_ptr(entries) as *const u8 as usize,
            Kind::Json(inner) => {
                let (d, n) = self.measure(inner, above + 1)?;
                return Some((d + 1, n + 1));
            }
            _ => return Some((0, 1)),
        };
        if above >= MAX_VALUE_DEPTH {
            return None;
        }
        if let Some((_, d)) = self.budget.depths.borrow().get(&key) {
            return (above + d <= MAX_VALUE_DEPTH).then_some((*d, 1));
        }
        let (mut depth, mut nodes) = (0, 1);
        let mut visit = |child: &Value| -> Option<()> {
            let (d, n) = self.measure(child, above + 1)?;
            depth = depth.max(d);
            nodes += n;
            Some(())
        };
        match &v.kind {
            Kind::List(items) => items.iter().try_for_each(&mut visit)?,
            Kind::Object(entries) => entries.iter().try_for_each(|e| visit(&e.value))?,
            _ => {}
        }
        let depth = depth + 1;
        if nodes >= DEPTH_CACHED_FROM {
            let weak = match &v.kind {
                Kind::List(items) => SharedWeak::List(Arc::downgrade(items)),
                Kind::Object(entries) => SharedWeak::Object(Arc::downgrade(entries)),
                _ => return Some((depth, nodes)),
            };
            self.budget.depths.borrow_mut().insert(key, (weak, depth));
        }
        Some((depth, nodes))
    }

    /// Count instances against the root module's budget; false when they do not fit.
    fn take_instances(&self, n: usize) -> bool {
        let total = self.budget.instances.get().saturating_add(n);
        if total > MAX_ROOT_INSTANCES {
            return false;
        }
        self.budget.instances.set(total);
        true
    }

    fn unresolved(&self, span: Span, what: String) {
        // a set beside the list keeps this linear when thousands of instances share a cause
        if self
            .unresolved_seen
            .borrow_mut()
            .insert((span, what.clone()))
        {
            self.unresolved.borrow_mut().push(Unresolved { span, what });
        }
    }

    /// Record an error once: a cycle is met again by every value that depends on it.
    fn error(&self, e: ParseError) {
        let mut errors = self.errors.borrow_mut();
        if !errors.contains(&e) {
            errors.push(e);
        }
    }

    /// A value Terraform would reject with an error (what `can` and `try` catch).
    fn fail(&self, span: Span, what: String) -> Value {
        self.failures.set(self.failures.get() + 1);
        self.unknown(span, what)
    }

    fn unknown(&self, span: Span, what: String) -> Value {
        self.unresolved(span, what.clone());
        Value::unknown(what, span)
    }

    /// Instantiate a module. Its variables are evaluated on first use, so a module whose inputs
    /// refer to its own outputs (legal in Terraform) does not become a cycle.
    pub fn instantiate(
        &self,
        src: Arc<ModuleSource>,
        path: Vec<ModuleStep>,
        rel_dir: String,
        inputs: Inputs,
    ) -> Rc<ModuleInst> {
        *self.modules_seen.borrow_mut() += 1;
        Rc::new(ModuleInst {
            src,
            path,
            rel_dir,
            inputs,
            vars: RefCell::default(),
            locals: RefCell::default(),
            resources: RefCell::default(),
            children: RefCell::default(),
            outputs: RefCell::default(),
        })
    }

    /// Evaluate everything a module instance declares, depth first, and collect resource instances.
    pub fn force_all(&self, inst: &Rc<ModuleInst>, out: &mut Vec<ResourceInstance>) {
        for r in &inst.src.resources {
            let group = self.resource_group(inst, r.mode, &r.rtype, &r.name);
            let push = |i: &Rc<Instance>, out: &mut Vec<ResourceInstance>| {
                out.push(ResourceInstance {
                    address: i.address.clone(),
                    file: i.file,
                    span: i.span,
                    attrs: i.attrs.clone(),
                })
            };
            match group.as_deref() {
                Some(Group::Single(i)) => push(i, out),
                Some(Group::Count(v)) => v.iter().for_each(|i| push(i, out)),
                Some(Group::ForEach(v)) => v.iter().for_each(|(_, i)| push(i, out)),
                Some(Group::Unknown(_)) | None => {}
            }
        }
        for (name, _, _) in &inst.src.locals {
            self.local(inst, name, None);
        }
        for call in &inst.src.calls {
            if let Some(group) = self.child_group(inst, &call.name) {
                match &*group {
                    ChildGroup::Single(c) => self.force_all(c, out),
                    ChildGroup::Count(v) => v.iter().for_each(|c| self.force_all(c, out)),
                    ChildGroup::ForEach(v) => v.iter().for_each(|(_, c)| self.force_all(c, out)),
                    ChildGroup::Unknown(_) => {}
                }
            }
        }
    }

    /// The evaluated `provider` blocks of a module instance, as objects.
    pub fn providers(&self, inst: &Rc<ModuleInst>) -> Vec<(String, Value)> {
        inst.src
            .providers
            .iter()
            .filter_map(|(file, block)| {
                let name = block.labels.first()?.as_str().to_string();
                let scope = Scope {
                    inst,
                    file: *file,
                    b: Bindings::default(),
                };
                Some((
                    name,
                    self.eval_body(&block.body, &scope, span_of(*file, block.span())),
                ))
            })
            .collect()
    }

    /// A module instance's outputs, sorted by name.
    pub fn outputs(&self, inst: &Rc<ModuleInst>) -> Vec<(String, Value)> {
        let mut names: Vec<&String> = inst.src.outputs.keys().collect();
        names.sort();
        names
            .into_iter()
            .map(|n| (n.clone(), self.output(inst, n, Span::default())))
            .collect()
    }

    // ---- named values -------------------------------------------------------------------

    /// A local's memoised value (lists and objects are shared, so the copy is cheap).
    fn local(&self, inst: &Rc<ModuleInst>, name: &str, at: Option<Span>) -> Value {
        if let Some(memo) = inst.locals.borrow().get(name) {
            return match memo {
                Memo::Done(v) => v.clone(),
                Memo::Pending => {
                    let span = inst.src.local(name).map(|(_, s)| s).unwrap_or_default();
                    self.error(ParseError {
                        message: format!("local value `{name}` depends on itself"),
                        span,
                    });
                    Value::unknown(
                        format!("local.{name} is part of a cycle"),
                        at.unwrap_or(span),
                    )
                }
            };
        }
        let Some((expr, _)) = inst.src.local(name) else {
            return self.unknown(
                at.unwrap_or_default(),
                format!("local.{name} is not declared"),
            );
        };
        inst.locals
            .borrow_mut()
            .insert(name.to_string(), Memo::Pending);
        let scope = Scope {
            inst,
            file: expr.file,
            b: Bindings::default(),
        };
        let v = self.eval(&expr.expr, &scope);
        inst.locals
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(v.clone()));
        v
    }

    /// The value under `key` in an object: scanned when small, through its index when large.
    fn object_entry(&self, entries: &Arc<Vec<Entry>>, key: &str) -> Option<Value> {
        if entries.len() < INDEXED_FROM {
            return entries
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.value.clone());
        }
        let mut indexes = self.object_index.borrow_mut();
        let (_, index) = indexes
            .entry(Arc::as_ptr(entries) as usize)
            .or_insert_with(|| {
                let mut index = HashMap::with_capacity(entries.len());
                for (i, e) in entries.iter().enumerate() {
                    // the first entry of a key wins, as a scan would find it
                    index.entry(e.key.clone()).or_insert(i);
                }
                (entries.clone(), index)
            });
        index.get(key).map(|&i| entries[i].value.clone())
    }

    fn var(&self, inst: &Rc<ModuleInst>, name: &str, at: Span) -> Value {
        let memo = inst.vars.borrow().get(name).map(|m| match m {
            Memo::Done(v) => v.clone(),
            Memo::Pending => Value::unknown(format!("var.{name} depends on itself"), at),
        });
        let v = match memo {
            Some(v) => v,
            None => {
                inst.vars
                    .borrow_mut()
                    .insert(name.to_string(), Memo::Pending);
                let v = self.var_value(inst, name, at);
                inst.vars
                    .borrow_mut()
                    .insert(name.to_string(), Memo::Done(v.clone()));
                v
            }
        };
        if let Kind::Unknown(reason) = &v.kind {
            self.unresolved(at, reason.to_string());
        }
        v
    }

    /// A variable's value: the input, else the default, converted to the declared type.
    fn var_value(&self, inst: &Rc<ModuleInst>, name: &str, at: Span) -> Value {
        let Some(decl) = inst.src.variable(name) else {
            return Value::unknown(format!("var.{name} is not declared"), at);
        };
        let input = match &inst.inputs {
            Inputs::Values(values) => values.get(name).cloned(),
            Inputs::Call {
                exprs,
                parent,
                bindings,
            } => match (exprs.get(name), parent.upgrade()) {
                (Some(e), Some(parent)) => {
                    let scope = Scope {
                        inst: &parent,
                        file: e.file,
                        b: bindings.clone(),
                    };
                    Some(self.eval(&e.expr, &scope))
                }
                _ => None,
            },
        };
        let constant_scope = |file| Scope {
            inst,
            file,
            b: Bindings::default(),
        };
        let value = match input {
            Some(x) if !x.is_null() || decl.nullable => x,
            _ => match &decl.default {
                Some(d) => self.eval(&d.expr, &constant_scope(d.file)),
                None => return Value::unknown(format!("var.{name} has no value"), decl.span),
            },
        };
        match &decl.ty {
            Some(t) => {
                let scope = constant_scope(t.file);
                let ty = types::parse(&t.expr, &|e| self.eval(e, &scope));
                types::convert(value, &ty)
            }
            None => value,
        }
    }

    fn output(&self, inst: &Rc<ModuleInst>, name: &str, at: Span) -> Value {
        if let Some(memo) = inst.outputs.borrow().get(name) {
            return match memo {
                Memo::Done(v) => v.clone(),
                Memo::Pending => Value::unknown(format!("output {name} depends on itself"), at),
            };
        }
        let Some(expr) = inst.src.outputs.get(name) else {
            return self.unknown(at, format!("module output `{name}` is not declared"));
        };
        inst.outputs
            .borrow_mut()
            .insert(name.to_string(), Memo::Pending);
        let scope = Scope {
            inst,
            file: expr.file,
            b: Bindings::default(),
        };
        let v = self.eval(&expr.expr, &scope);
        inst.outputs
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(v.clone()));
        v
    }

    fn resource_group(
        &self,
        inst: &Rc<ModuleInst>,
        mode: Mode,
        rtype: &str,
        name: &str,
    ) -> Option<Rc<Group>> {
        let key = (mode, rtype.to_string(), name.to_string());
        if let Some(memo) = inst.resources.borrow().get(&key) {
            return Some(match memo {
                Memo::Done(g) => g.clone(),
                Memo::Pending => Rc::new(Group::Unknown(Value::unknown(
                    format!("{rtype}.{name} refers to itself"),
                    Span::default(),
                ))),
            });
        }
        let block = inst.src.resource(mode, rtype, name)?;
        inst.resources
            .borrow_mut()
            .insert(key.clone(), Memo::Pending);
        let group = Rc::new(self.expand_resource(inst, block));
        inst.resources
            .borrow_mut()
            .insert(key, Memo::Done(group.clone()));
        Some(group)
    }

    fn expand_resource(&self, inst: &Rc<ModuleInst>, r: &ResourceBlock) -> Group {
        let address = |key: Option<InstanceKey>| {
            Arc::new(Address {
                module: inst.path.clone(),
                mode: r.mode,
                rtype: r.rtype.clone(),
                name: r.name.clone(),
                key,
            })
        };
        let make = |key: Option<InstanceKey>, b: Bindings| {
            let scope = Scope {
                inst,
                file: r.file,
                b,
            };
            let address = address(key);
            let mut attrs = self.eval_body(&r.block.body, &scope, r.span);
            for o in &r.overrides {
                let over = Scope {
                    inst,
                    file: o.file,
                    b: scope.b.clone(),
                };
                let value = self.eval_body(&o.block.body, &over, o.span);
                merge_override(&mut attrs, value);
            }
            if r.mode == Mode::Data && r.rtype == "aws_iam_policy_document" {
                let doc = policy_document::render(&attrs, self.host, &self.errors);
                if let Kind::Object(entries) = &mut attrs.kind {
                    for key in ["json", "minified_json"] {
                        Arc::make_mut(entries).push(Entry {
                            key: key.into(),
                            key_span: r.span,
                            value: doc.clone(),
                        });
                    }
                }
            }
            Rc::new(Instance {
                address,
                file: r.file,
                span: r.span,
                attrs,
            })
        };
        let (meta, meta_file) = meta_body(&r.block.body, r.file, &r.overrides);
        let meta_scope = Scope {
            inst,
            file: meta_file,
            b: Bindings::default(),
        };
        instances(self.expansion(meta, &meta_scope, r.span), r.span, make)
    }

    /// The expansion of a block, counted against the root module's instance budget.
    fn expansion(&self, body: &Body, scope: &Scope, span: Span) -> Expansion {
        let exp = self.expansion_of(body, scope);
        let n = match &exp {
            Expansion::Single => 1,
            Expansion::Count(n) => *n,
            Expansion::ForEach(items) => items.len(),
            Expansion::Unknown(_) => 0,
        };
        if self.take_instances(n) {
            return exp;
        }
        Expansion::Unknown(self.over_budget(
            span,
            format!("{n} more instances would take this root module past {MAX_ROOT_INSTANCES} resource and module instances"),
        ))
    }

    fn expansion_of(&self, body: &Body, scope: &Scope) -> Expansion {
        if let Some(attr) = body.get_attribute("count") {
            let v = self.eval(&attr.value, scope);
            return match v.as_number() {
                Some(n) if n >= 0.0 && (n as usize) <= MAX_INSTANCES => {
                    Expansion::Count(n as usize)
                }
                Some(n) if n > MAX_INSTANCES as f64 => Expansion::Unknown(self.over_budget(
                    v.span,
                    format!(
                        "count = {n} is more than the {MAX_INSTANCES} instances one block may have"
                    ),
                )),
                Some(_) => Expansion::Unknown(
                    self.unknown(v.span, format!("count is outside 0..={MAX_INSTANCES}")),
                ),
                None => Expansion::Unknown(self.unknown(v.span, "count is not known".into())),
            };
        }
        if let Some(attr) = body.get_attribute("for_each") {
            let v = self.eval(&attr.value, scope);
            let items: Option<Vec<(String, Value)>> = match &v.kind {
                Kind::Object(entries) => Some(
                    entries
                        .iter()
                        .map(|e| (e.key.clone(), e.value.clone()))
                        .collect(),
                ),
                Kind::List(items) => {
                    match items
                        .iter()
                        .map(|i| i.to_plain_string().map(|s| (s, i.clone())))
                        .collect()
                    {
                        Some(v) => Some(v),
                        // Terraform rejects a set of objects: it has no keys for the instances
                        None if items.iter().any(|i| i.as_object().is_some()) => {
                            return Expansion::Unknown(self.unknown(
                                v.span,
                                "for_each over a set of objects (Terraform needs a map or a set of strings)".into(),
                            ))
                        }
                        None => None,
                    }
                }
                Kind::Null => Some(Vec::new()),
                _ => None,
            };
            return match items {
                Some(mut items) if items.len() <= MAX_INSTANCES => {
                    // Terraform orders instances by key
                    items.sort_by(|a, b| a.0.cmp(&b.0));
                    items.dedup_by(|a, b| a.0 == b.0);
                    Expansion::ForEach(items)
                }
                Some(items) => Expansion::Unknown(self.over_budget(
                    v.span,
                    format!(
                        "for_each over {} items is more than the {MAX_INSTANCES} instances one block may have",
                        items.len()
                    ),
                )),
                None => Expansion::Unknown(self.unknown(v.span, "for_each is not known".into())),
            };
        }
        Expansion::Single
    }

    fn child_group(&self, inst: &Rc<ModuleInst>, name: &str) -> Option<Rc<ChildGroup>> {
        if let Some(memo) = inst.children.borrow().get(name) {
            return Some(match memo {
                Memo::Done(g) => g.clone(),
                Memo::Pending => Rc::new(ChildGroup::Unknown(Value::unknown(
                    format!("module.{name} refers to itself"),
                    Span::default(),
                ))),
            });
        }
        let call = inst.src.call(name)?;
        inst.children
            .borrow_mut()
            .insert(name.to_string(), Memo::Pending);
        let group = Rc::new(self.expand_call(inst, call));
        inst.children
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(group.clone()));
        Some(group)
    }

    fn expand_call(
        &self,
        inst: &Rc<ModuleInst>,
        call: &crate::terraform::module::ModuleCall,
    ) -> ChildGroup {
        let src = if inst.path.len() >= MAX_MODULE_DEPTH {
            let message = format!(
                "module.{} nests deeper than {MAX_MODULE_DEPTH} levels; it is not evaluated",
                call.name
            );
            self.lasting_error(ParseError {
                message: message.clone(),
                span: call.span,
            });
            Err(message)
        } else {
            self.host.load_module(&inst.src, &inst.path, call)
        };
        let (src, rel_dir) = match src {
            Ok(s) => s,
            Err(why) => {
                return ChildGroup::Unknown(self.unknown(call.span, why));
            }
        };
        // Terraform refuses a module that calls its own directory or one of its callers': it
        // would expand forever. The call is an error; the rest of the module is evaluated.
        if let Some(caller) = ancestors(inst).find(|a| a.src.dir == src.dir) {
            let span = source_span(call);
            let message = if Rc::ptr_eq(&caller, inst) {
                format!(
                    "module.{} calls the directory of the module it is declared in (`{}`): a module cannot call itself",
                    call.name,
                    call.source.as_deref().unwrap_or_default()
                )
            } else {
                format!(
                    "module.{} calls `{}`, a module that (indirectly) calls this one: module calls cannot form a cycle",
                    call.name,
                    call.source.as_deref().unwrap_or_default()
                )
            };
            self.lasting_error(ParseError {
                message: message.clone(),
                span,
            });
            return ChildGroup::Unknown(Value::unknown(message, span));
        }
        let (meta, meta_file) = meta_body(&call.block.body, call.file, &call.overrides);
        let scope = Scope {
            inst,
            file: meta_file,
            b: Bindings::default(),
        };
        // the call's arguments are the module's inputs; override files replace them one by one
        let bodies = std::iter::once((call.file, &call.block.body))
            .chain(call.overrides.iter().map(|o| (o.file, &o.block.body)));
        let mut exprs: HashMap<String, Expr> = HashMap::new();
        for (file, body) in bodies {
            for a in body.attributes() {
                if !matches!(
                    a.key.as_str(),
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    let expr = Expr {
                        file,
                        expr: a.value.clone(),
                    };
                    exprs.insert(a.key.as_str().to_string(), expr);
                }
            }
        }
        let exprs = Rc::new(exprs);
        let make = |key: Option<InstanceKey>, b: Bindings| {
            let scope = Scope {
                inst,
                file: call.file,
                b,
            };
            let mut path = inst.path.clone();
            path.push(ModuleStep {
                name: call.name.clone(),
                key,
            });
            let inputs = Inputs::Call {
                exprs: exprs.clone(),
                parent: Rc::downgrade(inst),
                bindings: scope.b,
            };
            self.instantiate(src.clone(), path, rel_dir.clone(), inputs)
        };
        instances(self.expansion(meta, &scope, call.span), call.span, make)
    }

    // ---- bodies -------------------------------------------------------------------------

    /// A block body as an object: attributes by name, nested blocks as lists of objects by type.
    fn eval_body(&self, body: &Body, scope: &Scope, span: Span) -> Value {
        self.level(
            span,
            |v| v,
            || {
                let v = self.eval_body_now(body, scope, span);
                self.bounded(v)
            },
        )
    }

    fn eval_body_now(&self, body: &Body, scope: &Scope, span: Span) -> Value {
        let mut entries: Vec<Entry> = Vec::new();
        for attr in body.attributes() {
            let key = attr.key.as_str();
            // meta-arguments; the last three only appear as arguments in `.tf.json` bodies
            if matches!(
                key,
                "count"
                    | "for_each"
                    | "depends_on"
                    | "provider"
                    | "lifecycle"
                    | "provisioner"
                    | "connection"
            ) {
                continue;
            }
            let value = self.eval(&attr.value, scope);
            // a key built from JSON has no span of its own: point at its value
            let key_span = attr
                .key
                .span()
                .map_or(value.span, |r| span_of(scope.file, Some(r)));
            entries.push(Entry {
                key: key.to_string(),
                key_span,
                value,
            });
        }
        for block in body.blocks() {
            let ident = block.ident.as_str();
            if matches!(ident, "lifecycle" | "provisioner" | "connection") {
                continue;
            }
            if ident == "dynamic" {
                self.eval_dynamic(block, scope, &mut entries);
                continue;
            }
            let value = self.eval_body(&block.body, scope, span_of(scope.file, block.span()));
            push_block(
                &mut entries,
                ident,
                span_of(scope.file, block.ident.span()),
                value,
            );
        }
        Value::new(Kind::Object(entries.into()), span)
    }

    fn eval_dynamic(&self, block: &Block, scope: &Scope, entries: &mut Vec<Entry>) {
        let Some(label) = block.labels.first() else {
            return;
        };
        let name = label.as_str();
        let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            // `.tf.json` writes the iterator name as a string
            Some(Expression::String(s)) => s.value().to_string(),
            _ => name.to_string(),
        };
        let Some(content) = block.body.get_blocks("content").next() else {
            return;
        };
        let Some(each) = block.body.get_attribute("for_each") else {
            return;
        };
        let collection = self.eval(&each.value, scope);
        // a dynamic block built from JSON has no span: the for_each stands for it
        let span = block
            .span()
            .map_or(collection.span, |r| span_of(scope.file, Some(r)));
        let items: Vec<(Value, Value)> = match &collection.kind {
            Kind::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::new(Kind::Number(i as f64), v.span), v.clone()))
                .collect(),
            Kind::Object(es) => es
                .iter()
                .map(|e| (Value::string(e.key.clone(), e.key_span), e.value.clone()))
                .collect(),
            Kind::Null => Vec::new(),
            _ => {
                self.unresolved(
                    collection.span,
                    format!("the for_each of dynamic \"{name}\" is not known"),
                );
                return;
            }
        };
        for (k, v) in items {
            let mut b = scope.b.clone();
            let obj = Value::new(
                Kind::Object(
                    vec![
                        Entry {
                            key: "key".into(),
                            key_span: k.span,
                            value: k,
                        },
                        Entry {
                            key: "value".into(),
                            key_span: v.span,
                            value: v,
                        },
                    ]
                    .into(),
                ),
                span,
            );
            b.vars.push((iterator.clone(), obj));
            let inner = Scope {
                inst: scope.inst,
                file: scope.file,
                b,
            };
            let content_span = content
                .span()
                .map_or(span, |r| span_of(scope.file, Some(r)));
            let value = self.eval_body(&content.body, &inner, content_span);
            push_block(entries, name, span, value);
        }
    }

    // ---- expressions --------------------------------------------------------------------

    fn span(&self, scope: &Scope, range: Option<std::ops::Range<usize>>) -> Span {
        span_of(scope.file, range)
    }

    pub(crate) fn eval_expr(&self, e: &Expr, inst: &Rc<ModuleInst>) -> Value {
        let scope = Scope {
            inst,
            file: e.file,
            b: Bindings::default(),
        };
        self.eval(&e.expr, &scope)
    }

    fn eval(&self, expr: &Expression, scope: &Scope) -> Value {
        let span = self.span(scope, expr.span());
        self.level(
            span,
            |v| v,
            || {
                let v = self.eval_node(expr, scope, span);
                self.bounded(v)
            },
        )
    }

    fn eval_node(&self, expr: &Expression, scope: &Scope, span: Span) -> Value {
        match expr {
            Expression::Null(_) => Value::null(span),
            Expression::Bool(b) => Value::new(Kind::Bool(*b.value()), span),
            Expression::Number(n) => {
                Value::new(Kind::Number(n.value().as_f64().unwrap_or(f64::NAN)), span)
            }
            Expression::String(s) => Value::string(s.value().as_str(), span),
            Expression::Array(a) => Value::new(
                Kind::List(
                    a.iter()
                        .map(|e| self.eval(e, scope))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                span,
            ),
            Expression::Object(o) => {
                let mut entries: Vec<Entry> = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key_span = self.span(scope, k.span());
                    let key = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(e) => {
                            let kv = match e {
                                // a bare name as a key is a literal, as in Terraform
                                Expression::Variable(v) => Value::string(v.as_str(), key_span),
                                e => self.eval(e, scope),
                            };
                            match kv.to_plain_string() {
                                Some(s) => s,
                                None => {
                                    return Value::unknown("an object key that is not known", span)
                                }
                            }
                        }
                    };
                    let value = self.eval(v.expr(), scope);
                    entries.push(Entry {
                        key,
                        key_span,
                        value,
                    });
                }
                Value::new(Kind::Object(last_key_wins(entries).into()), span)
            }
            Expression::StringTemplate(t) => {
                let elements: Vec<&Element> = t.iter().collect();
                // `"${x}"` alone is x itself, not x converted to a string (HCL's unwrapping rule)
                if let [Element::Interpolation(i)] = elements.as_slice() {
                    return self.eval(&i.expr, scope);
                }
                match self.elements(&elements, scope, false, false, Escapes::Quoted) {
                    Ok(parts) => string_from_parts(parts, span),
                    Err(u) => u,
                }
            }
            Expression::HeredocTemplate(h) => {
                let elements: Vec<&Element> = h.template.iter().collect();
                if let [Element::Interpolation(i)] = elements.as_slice() {
                    return self.eval(&i.expr, scope);
                }
                match self.elements(&elements, scope, false, false, Escapes::Raw) {
                    Ok(parts) => string_from_parts(parts, span),
                    Err(u) => u,
                }
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), scope),
            Expression::Variable(v) => self.lookup_root(v.as_str(), span, scope),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, scope);
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, scope),
                    Some(false) => self.eval(&c.false_expr, scope),
                    None if cond.is_unknown() => Value::new(cond.kind, span),
                    // an apply-time attribute may well be a boolean
                    None if matches!(cond.kind, Kind::Symbolic(_)) => {
                        Value::unknown("a condition known only after apply", span)
                    }
                    // Terraform refuses a null or non-boolean condition, so `try` moves on
                    None if cond.is_null() => self.fail(
                        span,
                        "the condition is null; it must be true or false".into(),
                    ),
                    None => self.fail(span, "a condition that is not a boolean".into()),
                }
            }
            Expression::FuncCall(f) => self.call(f, scope, span),
            Expression::Traversal(t) => self.traversal(t, scope, span),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, scope);
                match (u.operator.value(), &v.kind) {
                    (UnaryOperator::Neg, _) => match v.as_number() {
                        Some(n) => Value::new(Kind::Number(-n), span),
                        None => unknown_from(&v, span),
                    },
                    (UnaryOperator::Not, _) => match v.as_bool() {
                        Some(b) => Value::new(Kind::Bool(!b), span),
                        None => unknown_from(&v, span),
                    },
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, scope);
                // `&&` and `||` short-circuit on a known side, as Terraform does
                let operator = *op.operator.value();
                if operator == BinaryOperator::And && lhs.as_bool() == Some(false) {
                    return Value::new(Kind::Bool(false), span);
                }
                if operator == BinaryOperator::Or && lhs.as_bool() == Some(true) {
                    return Value::new(Kind::Bool(true), span);
                }
                let rhs = self.eval(&op.rhs_expr, scope);
                binary(operator, &lhs, &rhs, span)
            }
            Expression::ForExpr(f) => self.for_expr(f, scope, span),
        }
    }

    /// A nested template (a directive's body). `strip_first`/`strip_last`: the markers around
    /// it ask to trim the whitespace at its start or end (`%{ if x ~}`, `%{~ endif }`).
    fn template(
        &self,
        t: &Template,
        scope: &Scope,
        strip_first: bool,
        strip_last: bool,
        escapes: Escapes,
    ) -> Result<Vec<Part>, Value> {
        let elements: Vec<&Element> = t.iter().collect();
        // the parser unescapes only the top level of a quoted template, not directive bodies
        let escapes = match escapes {
            Escapes::Quoted => Escapes::QuotedNested,
            e => e,
        };
        let span = elements
            .first()
            .and_then(|e| e.span())
            .map_or(Span::default(), |r| span_of(scope.file, Some(r)));
        self.level(span, Err, || {
            self.elements(&elements, scope, strip_first, strip_last, escapes)
        })
    }

    fn elements(
        &self,
        elements: &[&Element],
        scope: &Scope,
        strip_first: bool,
        strip_last: bool,
        escapes: Escapes,
    ) -> Result<Vec<Part>, Value> {
        let mut parts = Vec::new();
        let mut len = 0;
        for (i, el) in elements.iter().enumerate() {
            if let Element::Literal(l) = el {
                // `~` trims every whitespace character next to the marker, newlines included
                let unescaped = match escapes {
                    Escapes::QuotedNested => unescape_hcl(l.value()),
                    _ => l.value().to_string(),
                };
                let mut text = unescaped.as_str();
                let before = if i == 0 {
                    strip_first
                } else {
                    strips(elements[i - 1]).1
                };
                let after = match elements.get(i + 1) {
                    Some(next) => strips(next).0,
                    None => strip_last,
                };
                if before {
                    text = text.trim_start();
                }
                if after {
                    text = text.trim_end();
                }
                parts.push(Part::Lit(text.to_string()));
                continue;
            }
            let from = parts.len();
            self.template_element(el, scope, &mut parts, escapes)?;
            len += text_len(&parts[from..]);
            if len > MAX_TEXT {
                let span = el
                    .span()
                    .map_or(Span::default(), |r| span_of(scope.file, Some(r)));
                return Err(self.over_budget(
                    span,
                    format!("a template longer than {} MiB", MAX_TEXT >> 20),
                ));
            }
        }
        Ok(parts)
    }

    fn template_element(
        &self,
        el: &Element,
        scope: &Scope,
        parts: &mut Vec<Part>,
        escapes: Escapes,
    ) -> Result<(), Value> {
        match el {
            Element::Literal(l) => parts.push(Part::Lit(l.value().to_string())),
            Element::Interpolation(i) => {
                let v = self.eval(&i.expr, scope);
                match v.string_parts() {
                    Some(p) => parts.extend(p),
                    None => match &v.kind {
                        Kind::Json(_) => match functions::json_text(&v) {
                            Some(s) => parts.push(Part::Lit(s)),
                            None if escapes == Escapes::TemplateFile => {
                                parts.push(self.template_hole(Value::unknown(
                                    "jsonencode of a value not fully known",
                                    v.span,
                                )))
                            }
                            None => {
                                return Err(Value::unknown(
                                    "jsonencode of a value not fully known",
                                    v.span,
                                ))
                            }
                        },
                        Kind::Unknown(_) if escapes == Escapes::TemplateFile => {
                            parts.push(self.template_hole(v))
                        }
                        Kind::Unknown(_) => return Err(v),
                        Kind::Null => {
                            return Err(Value::unknown("a null value in a template", v.span))
                        }
                        _ => {
                            return Err(Value::unknown(
                                "a collection interpolated into a string",
                                v.span,
                            ))
                        }
                    },
                }
            }
            Element::Directive(d) => match &**d {
                Directive::If(i) => {
                    let cond = self.eval(&i.if_expr.cond_expr, scope);
                    let endif_strip = i.endif_expr.strip.strip_start();
                    match cond.as_bool() {
                        Some(true) => {
                            let last = match &i.else_expr {
                                Some(e) => e.strip.strip_start(),
                                None => endif_strip,
                            };
                            let first = i.if_expr.strip.strip_end();
                            parts.extend(self.template(
                                &i.if_expr.template,
                                scope,
                                first,
                                last,
                                escapes,
                            )?)
                        }
                        Some(false) => {
                            if let Some(e) = &i.else_expr {
                                let first = e.strip.strip_end();
                                parts.extend(self.template(
                                    &e.template,
                                    scope,
                                    first,
                                    endif_strip,
                                    escapes,
                                )?);
                            }
                        }
                        None => return Err(unknown_from(&cond, cond.span)),
                    }
                }
                Directive::For(f) => {
                    let coll = self.eval(&f.for_expr.collection_expr, scope);
                    let key_var = f.for_expr.key_var.as_ref().map(|k| k.as_str().to_string());
                    let value_var = f.for_expr.value_var.as_str().to_string();
                    let mut len = 0;
                    for (k, v) in iterate(&coll).ok_or_else(|| unknown_from(&coll, coll.span))? {
                        if !self.step(coll.span) {
                            return Err(self.out_of_steps(coll.span));
                        }
                        let mut b = scope.b.clone();
                        if let Some(kv) = &key_var {
                            b.vars.push((kv.clone(), k));
                        }
                        b.vars.push((value_var.clone(), v));
                        let inner = Scope {
                            inst: scope.inst,
                            file: scope.file,
                            b,
                        };
                        let body = self.template(
                            &f.for_expr.template,
                            &inner,
                            f.for_expr.strip.strip_end(),
                            f.endfor_expr.strip.strip_start(),
                            escapes,
                        )?;
                        len += text_len(&body);
                        if len > MAX_TEXT {
                            return Err(self.over_budget(
                                coll.span,
                                format!("a template `for` longer than {} MiB", MAX_TEXT >> 20),
                            ));
                        }
                        parts.extend(body);
                    }
                }
            },
        }
        Ok(())
    }

    fn for_expr(&self, f: &ForExpr, scope: &Scope, span: Span) -> Value {
        let coll = self.eval(&f.intro.collection_expr, scope);
        let Some(items) = iterate(&coll) else {
            return unknown_from(&coll, span);
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut object: Vec<Entry> = Vec::new();
        // position of each key in `object`, for grouping without a linear search
        let mut group_of: HashMap<String, usize> = HashMap::new();
        for (k, v) in items {
            if !self.step(span) {
                return self.out_of_steps(span);
            }
            if list.len() + object.len() > MAX_ITEMS {
                return self.over_budget(
                    span,
                    format!("a `for` expression building more than {MAX_ITEMS} elements"),
                );
            }
            let mut b = scope.b.clone();
            if let Some(kv) = &key_var {
                b.vars.push((kv.clone(), k));
            }
            b.vars.push((value_var.clone(), v));
            let inner = Scope {
                inst: scope.inst,
                file: scope.file,
                b,
            };
            if let Some(cond) = &f.cond {
                let c = self.eval(&cond.expr, &inner);
                match c.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return unknown_from(&c, span),
                }
            }
            let value = self.eval(&f.value_expr, &inner);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let key = self.eval(ke, &inner);
                    let Some(key_s) = key.to_plain_string() else {
                        return unknown_from(&key, span);
                    };
                    if f.grouping {
                        match group_of.get(&key_s) {
                            Some(&i) => {
                                if let Kind::List(items) = &mut object[i].value.kind {
                                    Arc::make_mut(items).push(value)
                                }
                            }
                            None => {
                                group_of.insert(key_s.clone(), object.len());
                                object.push(Entry {
                                    key: key_s,
                                    key_span: key.span,
                                    value: Value::new(Kind::List(vec![value].into()), span),
                                })
                            }
                        }
                    } else {
                        if group_of.insert(key_s.clone(), object.len()).is_some() {
                            // Terraform rejects duplicate keys without `...` grouping
                            return self.unknown(
                                key.span,
                                format!("duplicate key `{key_s}` in a for expression"),
                            );
                        }
                        object.push(Entry {
                            key: key_s,
                            key_span: key.span,
                            value,
                        });
                    }
                }
            }
        }
        if f.key_expr.is_some() {
            object.sort_by(|a, b| a.key.cmp(&b.key));
            Value::new(Kind::Object(object.into()), span)
        } else {
            Value::new(Kind::List(list.into()), span)
        }
    }

    fn call(&self, f: &hcl_edit::expr::FuncCall, scope: &Scope, span: Span) -> Value {
        let name = f.name.name.as_str();
        if f.name.is_namespaced() {
            return self.unknown(span, format!("provider function `{name}` is not evaluated"));
        }
        match name {
            // an argument that fails moves `try` on; one that is merely not known makes the
            // result not known, as in Terraform
            "try" => {
                // failures `try` catches are not failures of what contains it (a `try` nested
                // in another's argument that succeeds lets the outer one succeed)
                let start = self.failures.get();
                for a in f.args.iter() {
                    let before = self.failures.get();
                    let v = self.eval_quiet(a, scope);
                    if self.failures.get() == before {
                        self.failures.set(start);
                        // not known yet: Terraform's `try` is unknown too, and says why here
                        if let Kind::Unknown(why) = &v.kind {
                            self.unresolved(span, why.to_string());
                        }
                        return v;
                    }
                }
                self.failures.set(start);
                return self.fail(span, "no argument of try succeeded".into());
            }
            "templatestring" => return self.templatestring(f, scope, span),
            "can" => {
                let Some(a) = f.args.iter().next() else {
                    return self.fail(span, "can() needs an argument".into());
                };
                let before = self.failures.get();
                let v = self.eval_quiet(a, scope);
                let failed = self.failures.get() != before;
                self.failures.set(before);
                return if failed {
                    Value::new(Kind::Bool(false), span)
                } else if !v.is_wholly_known() {
                    // Terraform cannot tell yet whether it would succeed; say what is missing
                    let why = match &v.kind {
                        Kind::Unknown(why) => why.to_string(),
                        _ => "`can` of a value known only after apply".into(),
                    };
                    self.unknown(span, why)
                } else {
                    Value::new(Kind::Bool(true), span)
                };
            }
            _ => {}
        }
        let mut args: Vec<Value> = f.args.iter().map(|a| self.eval(a, scope)).collect();
        if f.args.expand_final() {
            if let Some(last) = args.pop() {
                match last.kind {
                    Kind::List(items) => args.extend(Arc::unwrap_or_clone(items)),
                    _ => return unknown_from(&last, span),
                }
            }
        }
        match name {
            "file" | "templatefile" | "fileexists" | "filebase64" | "jsondecode" | "yamldecode"
            | "abspath" | "dirname" | "basename" | "pathexpand" | "fileset" | "filemd5"
            | "filesha1" | "filesha256" | "filesha512" | "filebase64sha256"
            | "filebase64sha512" => self.host_call(name, args, span, scope),
            // a large map through its index (see `object_index`), any other through the function
            "lookup" => match self.indexed_lookup(&args, span) {
                Some(v) => v,
                None => self.pure_call(name, &args, span),
            },
            _ => {
                // a function walks its collections: count their elements as steps, so a loop
                // cannot multiply a large collection's cost unnoticed (`length`, `element` and
                // an indexed `lookup` do not walk)
                let walked = if matches!(name, "length" | "element") {
                    0
                } else {
                    args.iter().map(shallow_len).sum()
                };
                if !self.spend(walked, span) {
                    return self.out_of_steps(span);
                }
                let v = self.pure_call(name, &args, span);
                if !self.spend(shallow_len(&v), span) {
                    return self.out_of_steps(span);
                }
                v
            }
        }
    }

    fn pure_call(&self, name: &str, args: &[Value], span: Span) -> Value {
        match functions::call_pure(name, args, span) {
            Some(result) => self.finish_pure(name, args, span, result),
            None => self.unknown(span, format!("function `{name}` is not supported")),
        }
    }

    fn finish_pure(
        &self,
        name: &str,
        args: &[Value],
        span: Span,
        result: Result<Value, functions::CallError>,
    ) -> Value {
        match result {
            Ok(v) => self.charge_items(v),
            Err(functions::CallError::Budget(msg)) => {
                self.over_budget(span, format!("`{name}`: {msg}"))
            }
            // an apply-time attribute may be a list or a map: no type error can be concluded
            Err(_) if args.iter().any(|a| matches!(a.kind, Kind::Symbolic(_))) => {
                self.unknown(span, format!("`{name}` of a value known only after apply"))
            }
            Err(functions::CallError::Terraform(msg)) => {
                self.fail(span, format!("`{name}`: {msg}"))
            }
        }
    }

    /// `lookup(map, key[, default])` on a large object with a known key; `None` otherwise.
    fn indexed_lookup(&self, args: &[Value], span: Span) -> Option<Value> {
        let [map, key, rest @ ..] = args else {
            return None;
        };
        let (Kind::Object(entries), Some(key)) = (&map.kind, key.as_str()) else {
            return None;
        };
        if entries.len() < INDEXED_FROM || rest.len() > 1 {
            return None;
        }
        Some(match (self.object_entry(entries, key), rest.first()) {
            (Some(v), _) => v,
            (None, Some(default)) => default.clone(),
            (None, None) => self.fail(
                span,
                format!("`lookup`: the given object has no attribute {key:?}"),
            ),
        })
    }

    /// Evaluate without recording unresolved values: `try` and `can` expect failures.
    fn eval_quiet(&self, e: &Expression, scope: &Scope) -> Value {
        let before = (self.unresolved.borrow().len(), self.errors.borrow().len());
        let v = self.eval(e, scope);
        let mut seen = self.unresolved_seen.borrow_mut();
        for u in self.unresolved.borrow_mut().drain(before.0..) {
            seen.remove(&(u.span, u.what));
        }
        self.errors.borrow_mut().truncate(before.1);
        v
    }

    fn host_call(&self, name: &str, args: Vec<Value>, span: Span, scope: &Scope) -> Value {
        if let Some(u) = args.iter().find(|a| a.is_unknown()) {
            return Value::new(u.kind.clone(), span);
        }
        let path_arg = || args.first().and_then(|a| a.as_str()).map(str::to_string);
        match name {
            "file" | "fileexists" | "filebase64" | "templatefile" | "filemd5" | "filesha1"
            | "filesha256" | "filesha512" | "filebase64sha256" | "filebase64sha512" => {
                let Some(path) = path_arg() else {
                    return self.unknown(span, format!("`{name}` of a path that is not known"));
                };
                let read = self
                    .host
                    .read_file(&scope.inst.src.dir, &scope.inst.rel_dir, &path);
                match (name, read) {
                    ("fileexists", r) => Value::new(Kind::Bool(r.is_ok()), span),
                    ("file", Ok((file, text))) => {
                        // the value points at the whole file, so a JSON policy maps into it exactly
                        Value::string(text.as_str(), Span::new(file, 0..text.len()))
                    }
                    ("templatefile", Ok((file, text))) => {
                        let vars = args.get(1).cloned().unwrap_or_else(|| Value::null(span));
                        self.templatefile(file, &text, vars, span)
                    }
                    // the file's bytes through the function of the same name without `file`
                    // (a file that is not UTF-8 is not read, so its hash stays unknown)
                    (_, Ok((_, text))) => {
                        let pure = &name["file".len()..];
                        let pure = if pure == "base64" {
                            "base64encode"
                        } else {
                            pure
                        };
                        self.pure_call(pure, &[Value::string(text.as_str(), span)], span)
                    }
                    (_, Err(e)) => {
                        // a refused read (outside the tree, a FIFO, too large) is an error entry
                        if e.refused {
                            self.error(ParseError {
                                message: e.message.clone(),
                                span,
                            });
                        }
                        self.unknown(span, e.message)
                    }
                }
            }
            "jsondecode" => match args.first() {
                Some(v) => match crate::parse::json::decode_value(v, self.host.sources()) {
                    Ok(v) => v,
                    // text the provider returns (a secret, an HTTP body) is not known until then:
                    // unknown, not an error, so `try` does not take its fallback
                    Err(_) if matches!(v.kind, Kind::Symbolic(_)) => self.unknown(
                        span,
                        "`jsondecode` of a value known only after apply".into(),
                    ),
                    // an error Terraform would raise too, so `try` moves on
                    Err(e) if !matches!(v.kind, Kind::String(_)) => {
                        self.fail(span, format!("jsondecode: {}", e.message))
                    }
                    Err(e) => {
                        self.errors.borrow_mut().push(e.clone());
                        self.fail(span, format!("jsondecode: {}", e.message))
                    }
                },
                None => Value::unknown("jsondecode without an argument", span),
            },
            "yamldecode" => {
                let sources = self.host.sources();
                // a `file()` value: its nodes can point into the file
                let in_file = args.first().is_some_and(|v| {
                    (v.span.file as usize) < sources.len()
                        && v.as_str()
                            .is_some_and(|t| sources.get(v.span.file).slice(v.span) == t)
                });
                if in_file {
                    self.finish_pure(
                        "yamldecode",
                        &args,
                        span,
                        functions::yamldecode_in_file(&args, span),
                    )
                } else {
                    self.pure_call(name, &args, span)
                }
            }
            "basename" | "dirname" | "abspath" | "pathexpand" => match path_arg() {
                Some(p) => Value::string(
                    match name {
                        "basename" => functions::filesystem::basename(&p),
                        "dirname" => functions::filesystem::dirname(&p),
                        "abspath" => self.host.root_dir().join(&p).to_string_lossy().into_owned(),
                        _ => p,
                    },
                    span,
                ),
                None => Value::unknown(format!("`{name}` of a path that is not known"), span),
            },
            "fileset" => {
                let texts: Vec<Option<&str>> = args.iter().map(Value::as_str).collect();
                let [Some(dir), Some(pattern)] = texts.as_slice() else {
                    return self.fail(span, "`fileset` expects a path and a pattern".into());
                };
                let files = match self.host.list_files(dir) {
                    Ok(files) => files,
                    Err(e) => {
                        // a refused listing (outside the tree) is an error entry, as for `file`
                        if e.refused {
                            self.error(ParseError {
                                message: e.message.clone(),
                                span,
                            });
                        }
                        return self.unknown(span, e.message);
                    }
                };
                let mut hits = Vec::new();
                for f in files {
                    match functions::filesystem::fileset_matches(pattern, &f) {
                        Ok(true) => hits.push(f),
                        Ok(false) => {}
                        Err(m) => return self.fail(span, format!("`fileset`: {m}")),
                    }
                }
                // a set of strings: sorted, as Terraform orders it
                hits.sort();
                hits.dedup();
                let items: Vec<Value> = hits.into_iter().map(|h| Value::string(h, span)).collect();
                Value::new(Kind::List(items.into()), span)
            }
            _ => self.unknown(span, format!("function `{name}` is not supported")),
        }
    }

    /// `templatestring(ref, vars)` (Terraform 1.9): renders a template held in a value, which
    /// Terraform takes only from a reference (a template written in place is an error there).
    fn templatestring(&self, f: &hcl_edit::expr::FuncCall, scope: &Scope, span: Span) -> Value {
        let args: Vec<&Expression> = f.args.iter().collect();
        let [template, vars] = args.as_slice() else {
            return self.fail(span, "`templatestring` expects 2 arguments".into());
        };
        if !matches!(template, Expression::Variable(_) | Expression::Traversal(_)) {
            return self.fail(
                span,
                "`templatestring` renders only a template retrieved from elsewhere: pass a reference, not an expression".into(),
            );
        }
        let (t, vars) = (self.eval(template, scope), self.eval(vars, scope));
        let text = match &t.kind {
            Kind::String(text) => text.clone(),
            Kind::Symbolic(_) => {
                return self.unknown(
                    span,
                    "`templatestring` of a value known only after apply".into(),
                )
            }
            Kind::Unknown(_) => return unknown_from(&t, span),
            _ => {
                return self.fail(
                    span,
                    "`templatestring`: the template must be a string".into(),
                )
            }
        };
        if !matches!(vars.kind, Kind::Object(_) | Kind::Json(_)) {
            return match vars.kind {
                Kind::Unknown(_) => unknown_from(&vars, span),
                _ => self.fail(
                    span,
                    "`templatestring`: the variables must be an object".into(),
                ),
            };
        }
        let sources = self.host.sources();
        let whole_file = (t.span.file as usize) < sources.len()
            && t.span.start == 0
            && sources.get(t.span.file).slice(t.span) == text;
        if whole_file {
            // a `file()` read into a local: the template's spans are the file's
            return self.templatefile(t.span.file, &text, vars, span);
        }
        // written elsewhere (an escaped string, a data source): render it, every part at the call
        if let Err(e) = hcl_edit::parser::parse_template(&text) {
            let first = e.message().lines().next().unwrap_or("").to_string();
            return self.fail(span, format!("`templatestring`: {first}"));
        }
        respan(&self.templatefile(t.span.file, &text, vars, span), span, 0)
    }

    fn templatefile(&self, file: FileId, text: &str, vars: Value, span: Span) -> Value {
        let depth = self.budget.template_depth.get();
        if depth >= MAX_TEMPLATE_DEPTH {
            return self.over_budget(
                span,
                format!("`templatefile` calls nest deeper than {MAX_TEMPLATE_DEPTH} levels here"),
            );
        }
        self.budget.template_depth.set(depth + 1);
        let v = self.render_template_file(file, text, vars, span);
        self.budget.template_depth.set(depth);
        v
    }

    fn render_template_file(&self, file: FileId, text: &str, vars: Value, span: Span) -> Value {
        let template = match hcl_edit::parser::parse_template(text) {
            Ok(t) => t,
            Err(e) => {
                let off = e.location().offset().min(text.len());
                self.errors.borrow_mut().push(ParseError {
                    message: format!("template: {}", e.message().lines().next().unwrap_or("")),
                    span: Span::new(file, off..off),
                });
                return Value::unknown("templatefile that does not parse", span);
            }
        };
        let mut b = Bindings::default();
        if let Some(entries) = vars.decoded().as_object() {
            for e in entries {
                b.vars.push((e.key.clone(), e.value.clone()));
            }
        }
        // A template sees only its variables, not the module's names.
        let inst = scratch_instance();
        let scope = Scope {
            inst: &inst,
            file,
            b,
        };
        let whole = Span::new(file, 0..text.len());
        // `${jsonencode({...})}` alone (a common way to write a policy template) keeps its
        // structure and spans; the whitespace around it means nothing to JSON
        let elements: Vec<&Element> = template.iter().collect();
        let interpolations: Vec<&hcl_edit::template::Interpolation> = elements
            .iter()
            .filter_map(|e| match e {
                Element::Interpolation(i) => Some(i),
                _ => None,
            })
            .collect();
        let only_space = elements.iter().all(|e| match e {
            Element::Literal(l) => l.value().trim().is_empty(),
            Element::Interpolation(_) => true,
            Element::Directive(_) => false,
        });
        if let ([one], true) = (interpolations.as_slice(), only_space) {
            let v = self.eval(&one.expr, &scope);
            if matches!(v.kind, Kind::Json(_)) {
                return v;
            }
        }
        // holes belong to this template; a nested `templatefile` has its own
        let outer_holes = self.template_holes.take();
        let rendered = self.elements(&elements, &scope, false, false, Escapes::TemplateFile);
        let holes = self.template_holes.replace(outer_holes);
        let parts = match rendered {
            Ok(parts) => parts,
            Err(u) => return u,
        };
        if holes.is_empty() {
            let v = string_from_parts(parts, whole);
            self.check_json_template(file, &v);
            return v;
        }
        // with inputs not known, a JSON text keeps its known parts; anything else stays unknown
        // (no error: the text may parse once the inputs are known)
        let mut text = crate::parse::json::TextWithHoles::default();
        for p in &parts {
            text.push_part(p);
        }
        text.holes = holes;
        // only a document (object or array) is worth keeping: a scalar with a hole is unknown
        match crate::parse::json::parse_with_holes(&text, whole, self.host.sources()) {
            Some(v) if matches!(v.kind, Kind::Object(_) | Kind::List(_)) => {
                Value::new(Kind::Json(Box::new(v)), whole)
            }
            _ => Value::new(text.holes[0].kind.clone(), span),
        }
    }

    /// A `.json` template rendered with every input known must be JSON: the error points into
    /// the template. (Other templates render scripts and configuration of any kind.)
    fn check_json_template(&self, file: FileId, v: &Value) {
        let sources = self.host.sources();
        let is_json = sources
            .get(file)
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if !is_json || v.is_unknown() {
            return;
        }
        if let Err(e) = crate::parse::json::decode_value(v, sources) {
            let mut errors = self.errors.borrow_mut();
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
    }

    /// A value not known inside a `templatefile` body: a placeholder in the rendered text.
    fn template_hole(&self, v: Value) -> Part {
        let mut holes = self.template_holes.borrow_mut();
        holes.push(v);
        Part::Lit(crate::parse::json::hole_placeholder(holes.len() - 1))
    }

    // ---- traversals ---------------------------------------------------------------------

    fn lookup_root(&self, name: &str, span: Span, scope: &Scope) -> Value {
        if let Some((_, v)) = scope.b.vars.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        match self.root_cursor(name, span, scope, &mut [].iter()) {
            Some(c) => self.cursor_value(c),
            None => self.unknown(span, format!("`{name}` is not defined here")),
        }
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal, scope: &Scope, span: Span) -> Value {
        let mut ops = t.operators.iter();
        let mut cursor = match &t.expr {
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some((_, val)) = scope.b.vars.iter().rev().find(|(n, _)| n == name) {
                    Cursor::Val(val.clone())
                } else {
                    match self.root_cursor(name, span, scope, &mut ops) {
                        Some(c) => c,
                        None => return self.unknown(span, format!("`{name}` is not defined here")),
                    }
                }
            }
            e => Cursor::Val(self.eval(e, scope)),
        };
        let rest: Vec<_> = ops.collect();
        let mut i = 0;
        while i < rest.len() {
            match rest[i].value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = self.splat_items(cursor);
                    let Some(items) = items else {
                        return Value::unknown("a splat over a value that is not known", span);
                    };
                    let results = items
                        .into_iter()
                        .map(|c| {
                            let mut c = c;
                            for op in &rest[i + 1..] {
                                c = self.apply(c, op.value(), scope, span);
                            }
                            self.cursor_value(c)
                        })
                        .collect::<Vec<_>>()
                        .into();
                    return Value::new(Kind::List(results), span);
                }
                op => cursor = self.apply(cursor, op, scope, span),
            }
            i += 1;
        }
        let mut v = self.cursor_value(cursor);
        if matches!(v.kind, Kind::Symbolic(_) | Kind::Unknown(_)) {
            v.span = span;
        }
        v
    }

    /// Resolve the first name of a traversal, consuming the operators that name a resource.
    fn root_cursor<'o, I>(
        &self,
        name: &str,
        span: Span,
        scope: &Scope,
        ops: &mut I,
    ) -> Option<Cursor>
    where
        I: Iterator<Item = &'o hcl_edit::Decorated<TraversalOperator>> + Clone,
    {
        let inst = scope.inst;
        let next_attr = |ops: &mut I| -> Option<String> {
            let mut probe = ops.clone();
            match probe.next()?.value() {
                TraversalOperator::GetAttr(id) => {
                    ops.next();
                    Some(id.as_str().to_string())
                }
                _ => None,
            }
        };
        Some(match name {
            "var" => Cursor::Val(self.var(inst, &next_attr(ops)?, span)),
            "local" => Cursor::Val(self.local(inst, &next_attr(ops)?, Some(span))),
            "module" => {
                let call = next_attr(ops)?;
                match self.child_group(inst, &call) {
                    Some(g) => Cursor::Mod(g, span),
                    None => {
                        Cursor::Val(self.unknown(span, format!("module.{call} is not declared")))
                    }
                }
            }
            "data" => {
                let rtype = next_attr(ops)?;
                let rname = next_attr(ops)?;
                match self.resource_group(inst, Mode::Data, &rtype, &rname) {
                    Some(g) => Cursor::Res(g, span),
                    None => Cursor::Val(
                        self.unknown(span, format!("data.{rtype}.{rname} is not declared")),
                    ),
                }
            }
            "each" => {
                let (k, v) = scope.b.each.clone()?;
                match next_attr(ops)?.as_str() {
                    "key" => Cursor::Val(k),
                    "value" => Cursor::Val(v),
                    _ => return None,
                }
            }
            "count" => {
                next_attr(ops)?;
                Cursor::Val(scope.b.count.clone()?)
            }
            "path" => {
                let which = next_attr(ops)?;
                let s = match which.as_str() {
                    "module" => {
                        if inst.rel_dir.is_empty() {
                            ".".to_string()
                        } else {
                            inst.rel_dir.clone()
                        }
                    }
                    "root" => ".".to_string(),
                    "cwd" => self.host.root_dir().to_string_lossy().into_owned(),
                    _ => return None,
                };
                Cursor::Val(Value::string(s, span))
            }
            "terraform" => {
                next_attr(ops)?;
                Cursor::Val(Value::string("default", span))
            }
            "self" => Cursor::Val(self.unknown(
                span,
                "`self` is only known in provisioner and connection blocks".into(),
            )),
            rtype if inst.src.has_resource_type(rtype) => {
                let rname = next_attr(ops)?;
                match self.resource_group(inst, Mode::Managed, rtype, &rname) {
                    Some(g) => Cursor::Res(g, span),
                    None => {
                        Cursor::Val(self.unknown(span, format!("{rtype}.{rname} is not declared")))
                    }
                }
            }
            _ => return None,
        })
    }

    fn apply(&self, cursor: Cursor, op: &TraversalOperator, scope: &Scope, span: Span) -> Cursor {
        let key = |op: &TraversalOperator| -> Option<Value> {
            match op {
                TraversalOperator::GetAttr(id) => Some(Value::string(id.as_str(), span)),
                TraversalOperator::Index(e) => Some(self.eval(e, scope)),
                TraversalOperator::LegacyIndex(i) => {
                    Some(Value::new(Kind::Number(*i.value() as f64), span))
                }
                _ => None,
            }
        };
        let is_attr = matches!(op, TraversalOperator::GetAttr(_));
        match cursor {
            Cursor::Res(g, s) => match (&*g, is_attr) {
                (Group::Single(i), true) => self.apply(Cursor::Inst(i.clone(), s), op, scope, span),
                (Group::Count(items), false) => {
                    let k = key(op).and_then(|k| k.as_number());
                    match k.and_then(|k| items.get(k as usize)) {
                        Some(i) => Cursor::Inst(i.clone(), s),
                        None => {
                            Cursor::Val(Value::unknown("an instance index that is not known", span))
                        }
                    }
                }
                (Group::ForEach(items), false) => {
                    let k = key(op).and_then(|k| k.to_plain_string());
                    match k.and_then(|k| find_key(items, &k)) {
                        Some(i) => Cursor::Inst(i.clone(), s),
                        None => {
                            Cursor::Val(Value::unknown("an instance key that is not known", span))
                        }
                    }
                }
                (Group::Unknown(v), _) => Cursor::Val(v.clone()),
                _ => Cursor::Val(self.apply_value(&self.group_value(&g, s), key(op), span)),
            },
            Cursor::Inst(i, _) => {
                let Some(TraversalOperator::GetAttr(attr)) = Some(op) else {
                    return Cursor::Val(Value::unknown("an index on a resource instance", span));
                };
                let attr = attr.as_str();
                match i.attrs.get(attr) {
                    Some(v) if matches!(v.kind, Kind::List(_)) => Cursor::Block(
                        v.clone(),
                        Reference {
                            target: i.address.clone(),
                            attr: attr.into(),
                        },
                    ),
                    Some(v) => Cursor::Val(keep_origin(v, &i.address, attr)),
                    None => Cursor::Val(Value::new(
                        Kind::Symbolic(vec![Part::Ref(Reference {
                            target: i.address.clone(),
                            attr: attr.into(),
                        })]),
                        span,
                    )),
                }
            }
            Cursor::Mod(g, s) => match (&*g, is_attr) {
                (ChildGroup::Single(m), true) => {
                    self.apply(Cursor::ModInst(m.clone(), s), op, scope, span)
                }
                (ChildGroup::Count(items), false) => {
                    match key(op)
                        .and_then(|k| k.as_number())
                        .and_then(|k| items.get(k as usize))
                    {
                        Some(m) => Cursor::ModInst(m.clone(), s),
                        None => {
                            Cursor::Val(Value::unknown("a module index that is not known", span))
                        }
                    }
                }
                (ChildGroup::ForEach(items), false) => {
                    let k = key(op).and_then(|k| k.to_plain_string());
                    match k.and_then(|k| find_key(items, &k)) {
                        Some(m) => Cursor::ModInst(m.clone(), s),
                        None => Cursor::Val(Value::unknown("a module key that is not known", span)),
                    }
                }
                (ChildGroup::Unknown(v), _) => Cursor::Val(v.clone()),
                _ => Cursor::Val(self.apply_value(&self.child_value(&g, s), key(op), span)),
            },
            Cursor::ModInst(m, _) => match op {
                TraversalOperator::GetAttr(out) => Cursor::Val(self.output(&m, out.as_str(), span)),
                _ => Cursor::Val(Value::unknown("an index on a module instance", span)),
            },
            Cursor::Val(v) => Cursor::Val(self.apply_value(&v, key(op), span)),
            Cursor::Block(v, origin) => {
                let Some(k) = key(op) else {
                    return Cursor::Val(Value::unknown("an unsupported traversal", span));
                };
                let Some(name) = k.to_plain_string() else {
                    return Cursor::Val(unknown_from(&k, span));
                };
                let inner = Reference {
                    target: origin.target.clone(),
                    attr: format!("{}.{name}", origin.attr).into(),
                };
                let found = match &v.kind {
                    Kind::List(items) => k
                        .as_number()
                        .filter(|n| *n >= 0.0)
                        .and_then(|n| items.get(n as usize)),
                    Kind::Object(entries) => {
                        entries.iter().find(|e| e.key == name).map(|e| &e.value)
                    }
                    _ => None,
                };
                match (found, &v.kind) {
                    (Some(item), _) if matches!(item.kind, Kind::List(_) | Kind::Object(_)) => {
                        Cursor::Block(item.clone(), inner)
                    }
                    (Some(item), _) => Cursor::Val(keep_origin(item, &inner.target, &inner.attr)),
                    // an attribute a block does not write: computed by the provider, or null
                    (None, Kind::Object(_)) => {
                        Cursor::Val(Value::new(Kind::Symbolic(vec![Part::Ref(inner)]), span))
                    }
                    _ => Cursor::Val(self.apply_value(&v, Some(k), span)),
                }
            }
        }
    }

    /// One step into a value by reference: only the element reached is cloned.
    fn apply_value(&self, v: &Value, key: Option<Value>, span: Span) -> Value {
        let Some(key) = key else {
            return Value::unknown("an unsupported traversal", span);
        };
        match &v.kind {
            Kind::Object(entries) => {
                let Some(k) = key.to_plain_string() else {
                    return unknown_from(&key, span);
                };
                match self.object_entry(entries, &k) {
                    Some(v) => v,
                    // a resource instance taken whole (`for k, v in aws_x.this : v.created_at`):
                    // an attribute not written is one computed at apply time
                    None => match instance_target(entries) {
                        Some(target) => Value::new(
                            Kind::Symbolic(vec![Part::Ref(Reference {
                                target,
                                attr: k.into(),
                            })]),
                            span,
                        ),
                        None => self.fail(span, format!("no attribute or key `{k}`")),
                    },
                }
            }
            Kind::List(items) => match key.as_number() {
                Some(n) if n >= 0.0 && (n as usize) < items.len() => items[n as usize].clone(),
                Some(n) => self.fail(span, format!("index {n} is out of range")),
                None => unknown_from(&key, span),
            },
            Kind::Json(inner) => self.apply_value(inner, Some(key), span),
            Kind::Unknown(_) => Value::new(v.kind.clone(), span),
            Kind::Symbolic(parts) => match (parts.as_slice(), key.to_plain_string()) {
                // an attribute of a computed object stays a reference into it
                ([Part::Ref(r)], Some(k)) => Value::new(
                    Kind::Symbolic(vec![Part::Ref(Reference {
                        target: r.target.clone(),
                        attr: format!("{}.{k}", r.attr).into(),
                    })]),
                    span,
                ),
                _ => Value::unknown("a traversal into a value known only after apply", span),
            },
            _ => self.fail(
                span,
                "a traversal into a value that has no attributes".into(),
            ),
        }
    }

    fn splat_items(&self, cursor: Cursor) -> Option<Vec<Cursor>> {
        Some(match cursor {
            Cursor::Res(g, s) => match &*g {
                Group::Single(i) => vec![Cursor::Inst(i.clone(), s)],
                Group::Count(items) => items.iter().map(|i| Cursor::Inst(i.clone(), s)).collect(),
                Group::ForEach(items) => items
                    .iter()
                    .map(|(_, i)| Cursor::Inst(i.clone(), s))
                    .collect(),
                Group::Unknown(_) => return None,
            },
            Cursor::Mod(g, s) => match &*g {
                ChildGroup::Single(m) => vec![Cursor::ModInst(m.clone(), s)],
                ChildGroup::Count(items) => items
                    .iter()
                    .map(|m| Cursor::ModInst(m.clone(), s))
                    .collect(),
                ChildGroup::ForEach(items) => items
                    .iter()
                    .map(|(_, m)| Cursor::ModInst(m.clone(), s))
                    .collect(),
                ChildGroup::Unknown(_) => return None,
            },
            Cursor::Val(v) => match v.kind {
                Kind::List(items) => Arc::unwrap_or_clone(items)
                    .into_iter()
                    .map(Cursor::Val)
                    .collect(),
                Kind::Null => Vec::new(),
                Kind::Unknown(_) => return None,
                _ => vec![Cursor::Val(v)],
            },
            Cursor::Block(v, _) => return self.splat_items(Cursor::Val(v)),
            c @ (Cursor::Inst(..) | Cursor::ModInst(..)) => vec![c],
        })
    }

    fn cursor_value(&self, c: Cursor) -> Value {
        match c {
            Cursor::Val(v) | Cursor::Block(v, _) => v,
            Cursor::Inst(i, s) => instance_value(&i, s),
            Cursor::Res(g, s) => self.group_value(&g, s),
            Cursor::Mod(g, s) => self.child_value(&g, s),
            Cursor::ModInst(m, s) => self.module_value(&m, s),
        }
    }

    fn group_value(&self, g: &Group, span: Span) -> Value {
        match g {
            Group::Single(i) => instance_value(i, span),
            Group::Count(items) => Value::new(
                Kind::List(
                    items
                        .iter()
                        .map(|i| instance_value(i, span))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                span,
            ),
            Group::ForEach(items) => Value::new(
                Kind::Object(
                    items
                        .iter()
                        .map(|(k, i)| Entry {
                            key: k.clone(),
                            key_span: span,
                            value: instance_value(i, span),
                        })
                        .collect::<Vec<_>>()
                        .into(),
                ),
                span,
            ),
            Group::Unknown(v) => v.clone(),
        }
    }

    fn child_value(&self, g: &ChildGroup, span: Span) -> Value {
        match g {
            ChildGroup::Single(m) => self.module_value(m, span),
            ChildGroup::Count(items) => Value::new(
                Kind::List(
                    items
                        .iter()
                        .map(|m| self.module_value(m, span))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                span,
            ),
            ChildGroup::ForEach(items) => Value::new(
                Kind::Object(
                    items
                        .iter()
                        .map(|(k, m)| Entry {
                            key: k.clone(),
                            key_span: span,
                            value: self.module_value(m, span),
                        })
                        .collect::<Vec<_>>()
                        .into(),
                ),
                span,
            ),
            ChildGroup::Unknown(v) => v.clone(),
        }
    }

    fn module_value(&self, m: &Rc<ModuleInst>, span: Span) -> Value {
        let mut names: Vec<&String> = m.src.outputs.keys().collect();
        names.sort();
        Value::new(
            Kind::Object(
                names
                    .into_iter()
                    .map(|n| Entry {
                        key: n.clone(),
                        key_span: span,
                        value: self.output(m, n, span),
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            span,
        )
    }
}

/// A module instance and the instances that called it, innermost first.
fn ancestors(inst: &Rc<ModuleInst>) -> impl Iterator<Item = Rc<ModuleInst>> {
    std::iter::successors(Some(inst.clone()), |i| match &i.inputs {
        Inputs::Call { parent, .. } => parent.upgrade(),
        Inputs::Values(_) => None,
    })
}

/// Where a module call's `source` is written, else the call.
fn source_span(call: &crate::terraform::module::ModuleCall) -> Span {
    call.block
        .body
        .get_attribute("source")
        .and_then(|a| a.value.span())
        .map_or(call.span, |r| span_of(call.file, Some(r)))
}

/// Elements of a list or object, else 0.
fn shallow_len(v: &Value) -> usize {
    match &v.kind {
        Kind::List(items) => items.len(),
        Kind::Object(entries) => entries.len(),
        _ => 0,
    }
}

/// Bytes of literal text in template parts.
fn text_len(parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(s) => s.len(),
            Part::Ref(_) => 0,
        })
        .sum()
}

/// The instance with this key; `for_each` instances are sorted by key.
fn find_key<'a, T>(items: &'a [(String, T)], key: &str) -> Option<&'a T> {
    items
        .binary_search_by(|(k, _)| k.as_str().cmp(key))
        .ok()
        .map(|i| &items[i].1)
}

/// The address of a resource instance turned into an object by [`instance_value`], recognised
/// by its computed `id`.
/// The class of an unresolved value's cause, from the evaluator's own message, so a user sees
/// what to supply: a value (`--var`), the modules (`terraform init`), a file, or nothing (known
/// only after apply). Stable identifiers, shown in every output format.
pub fn cause_of(what: &str) -> &'static str {
    let has = |s: &str| what.contains(s);
    if what.starts_with("var.") && what.ends_with(" has no value") {
        "variable-without-value"
    } else if has("which is not downloaded") {
        "remote-module-not-downloaded"
    } else if has(" cannot be read") || has("it is not read") || has(" has no .tf") {
        // missing, outside the scanned tree, or refused (a FIFO, too large)
        "file-not-available"
    } else if has("known only after apply")
        || what.starts_with("filebase64 content")
        || has("differs on every run")
    {
        "apply-time-attribute"
    } else if what.ends_with(" is not known") || has("not known") {
        "depends-on-unknown"
    } else if what.ends_with(" is not declared") || what.ends_with(" is not defined here") {
        "not-declared"
    } else if has("is not supported") || has("is not evaluated") || has("unsupported") {
        "not-supported"
    } else if has("treated as unknown") {
        "limit"
    } else {
        "terraform-error"
    }
}

/// A resource attribute as a reference reads it: a value the configuration does not fully know
/// (`"trainer-${var.env}"` without a value, or with a `random_string` in it) becomes the attribute
/// itself, known at apply time, so the reference keeps the resource it names.
///
/// An argument set to `null` is the argument not written, as in Terraform: the provider may
/// compute it (`private_ip = var.private_ip` with a null default), like any attribute not written.
fn keep_origin(v: &Value, target: &Arc<Address>, attr: &str) -> Value {
    let partial = match &v.kind {
        Kind::Unknown(_) | Kind::Null => true,
        Kind::Symbolic(parts) => !matches!(parts.as_slice(), [Part::Ref(_)]),
        _ => false,
    };
    if !partial {
        return v.clone();
    }
    Value::new(
        Kind::Symbolic(vec![Part::Ref(Reference {
            target: target.clone(),
            attr: attr.into(),
        })]),
        v.span,
    )
}

fn instance_target(entries: &[Entry]) -> Option<Arc<Address>> {
    let id = entries.iter().find(|e| e.key == "id")?;
    match &id.value.kind {
        Kind::Symbolic(parts) => match parts.as_slice() {
            [Part::Ref(r)] if &*r.attr == "id" => Some(r.target.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A value with every span set to `span`: for text rendered from a template whose own spans do
/// not point into any file.
fn respan(v: &Value, span: Span, depth: usize) -> Value {
    let kind = match &v.kind {
        Kind::List(items) if depth < MAX_VALUE_DEPTH => Kind::List(
            items
                .iter()
                .map(|i| respan(i, span, depth + 1))
                .collect::<Vec<_>>()
                .into(),
        ),
        Kind::Object(entries) if depth < MAX_VALUE_DEPTH => Kind::Object(
            entries
                .iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    key_span: span,
                    value: respan(&e.value, span, depth + 1),
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        Kind::Json(inner) if depth < MAX_VALUE_DEPTH => {
            Kind::Json(Box::new(respan(inner, span, depth + 1)))
        }
        k => k.clone(),
    };
    Value::new(kind, span)
}

/// An empty module instance, for scopes that see no module names (templates, variables files).
fn scratch_instance() -> Rc<ModuleInst> {
    Rc::new(ModuleInst {
        src: Arc::new(ModuleSource::default()),
        path: Vec::new(),
        rel_dir: String::new(),
        inputs: Inputs::Values(HashMap::new()),
        vars: RefCell::default(),
        locals: RefCell::default(),
        resources: RefCell::default(),
        children: RefCell::default(),
        outputs: RefCell::default(),
    })
}

enum Expansion {
    Single,
    Count(usize),
    ForEach(Vec<(String, Value)>),
    Unknown(Value),
}

/// A whole resource instance as a value: its arguments plus the usual computed attributes.
fn instance_value(i: &Instance, span: Span) -> Value {
    let mut entries = i
        .attrs
        .as_object()
        .map(|entries| {
            entries
                .iter()
                .map(|e| Entry {
                    value: keep_origin(&e.value, &i.address, &e.key),
                    ..e.clone()
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for attr in ["id", "arn", "name"] {
        if !entries.iter().any(|e| e.key == attr) {
            entries.push(Entry {
                key: attr.into(),
                key_span: span,
                value: Value::new(
                    Kind::Symbolic(vec![Part::Ref(Reference {
                        target: i.address.clone(),
                        attr: attr.into(),
                    })]),
                    span,
                ),
            });
        }
    }
    Value::new(Kind::Object(entries.into()), i.span)
}

/// How a template's literals were written: quoted strings have backslash escapes, heredocs and
/// template files do not.
#[derive(Clone, Copy, PartialEq)]
enum Escapes {
    Quoted,
    /// Inside a directive of a quoted string, where the parser left the escapes in place.
    QuotedNested,
    Raw,
    /// A `templatefile` body: raw, and a value not known becomes a hole in the rendered text
    /// (see `template_holes`) instead of making the whole text unknown.
    TemplateFile,
}

/// HCL's backslash escapes of a quoted string.
fn unescape_hcl(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(q @ ('u' | 'U')) => {
                let len = if q == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(len).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(q);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Whether an element asks to trim the literal before it and the literal after it.
fn strips(el: &Element) -> (bool, bool) {
    match el {
        Element::Literal(_) => (false, false),
        Element::Interpolation(i) => (i.strip.strip_start(), i.strip.strip_end()),
        Element::Directive(d) => match &**d {
            Directive::If(i) => (
                i.if_expr.strip.strip_start(),
                i.endif_expr.strip.strip_end(),
            ),
            Directive::For(f) => (
                f.for_expr.strip.strip_start(),
                f.endfor_expr.strip.strip_end(),
            ),
        },
    }
}

/// The body that holds a block's `count`/`for_each`: the last override file that sets one, else
/// the block itself.
fn meta_body<'a>(base: &'a Body, file: FileId, overrides: &'a [FileBlock]) -> (&'a Body, FileId) {
    overrides
        .iter()
        .rev()
        .find(|o| o.block.body.has_attribute("count") || o.block.body.has_attribute("for_each"))
        .map_or((base, file), |o| (&o.block.body, o.file))
}

/// Terraform's override merge: each argument replaces the block's, and nested blocks of a type
/// replace every nested block of that type (here both are entries keyed by name).
fn merge_override(attrs: &mut Value, over: Value) {
    let (Kind::Object(entries), Kind::Object(over)) = (&mut attrs.kind, over.kind) else {
        return;
    };
    let entries = Arc::make_mut(entries);
    for e in Arc::unwrap_or_clone(over) {
        match entries.iter_mut().find(|x| x.key == e.key) {
            Some(x) => *x = e,
            None => entries.push(e),
        }
    }
}

/// Object entries with repeated keys reduced to the last one, in first-seen order.
fn last_key_wins(entries: Vec<Entry>) -> Vec<Entry> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        last.insert(e.key.as_str(), i);
    }
    if last.len() == entries.len() {
        return entries;
    }
    let keep: HashSet<usize> = last.into_values().collect();
    entries
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, e)| e)
        .collect()
}

fn push_block(entries: &mut Vec<Entry>, ident: &str, key_span: Span, value: Value) {
    match entries.iter_mut().find(|e| e.key == ident) {
        Some(Entry {
            value: Value {
                kind: Kind::List(items),
                ..
            },
            ..
        }) => Arc::make_mut(items).push(value),
        _ => {
            let span = value.span;
            entries.push(Entry {
                key: ident.to_string(),
                key_span,
                value: Value::new(Kind::List(vec![value].into()), span),
            })
        }
    }
}

/// (key, value) pairs of a collection, for `for` expressions and directives.
fn iterate(v: &Value) -> Option<Vec<(Value, Value)>> {
    match &v.decoded().kind {
        Kind::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::new(Kind::Number(i as f64), x.span), x.clone()))
                .collect(),
        ),
        Kind::Object(entries) => {
            let mut sorted: Vec<&Entry> = entries.iter().collect();
            sorted.sort_by(|a, b| a.key.cmp(&b.key));
            Some(
                sorted
                    .into_iter()
                    .map(|e| (Value::string(e.key.clone(), e.key_span), e.value.clone()))
                    .collect(),
            )
        }
        Kind::Null => Some(Vec::new()),
        _ => None,
    }
}

fn unknown_from(v: &Value, span: Span) -> Value {
    match &v.kind {
        Kind::Unknown(r) => Value::unknown(r.clone(), span),
        Kind::Symbolic(_) => Value::unknown("an operation on a value known only after apply", span),
        _ => Value::unknown("an operation on a value of the wrong type", span),
    }
}

fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value, span: Span) -> Value {
    use BinaryOperator::*;
    match op {
        Eq | NotEq => {
            let eq = match values_equal(lhs, rhs) {
                Some(eq) => eq,
                None => {
                    let which = if lhs.has_unknown() || matches!(lhs.kind, Kind::Symbolic(_)) {
                        lhs
                    } else {
                        rhs
                    };
                    return unknown_from(which, span);
                }
            };
            Value::new(Kind::Bool(if op == Eq { eq } else { !eq }), span)
        }
        And | Or => match (lhs.as_bool(), rhs.as_bool()) {
            (Some(a), Some(b)) => {
                Value::new(Kind::Bool(if op == And { a && b } else { a || b }), span)
            }
            (None, _) => unknown_from(lhs, span),
            _ => unknown_from(rhs, span),
        },
        _ => {
            let (Some(a), Some(b)) = (lhs.as_number(), rhs.as_number()) else {
                let which = if lhs.as_number().is_none() { lhs } else { rhs };
                return unknown_from(which, span);
            };
            let kind = match op {
                Plus => Kind::Number(functions::decimal_tidy(a + b)),
                Minus => Kind::Number(functions::decimal_tidy(a - b)),
                Mul => Kind::Number(functions::decimal_tidy(a * b)),
                Div if b != 0.0 => Kind::Number(a / b),
                Mod if b != 0.0 => Kind::Number(a % b),
                Div | Mod => return Value::unknown("division by zero", span),
                Less => Kind::Bool(a < b),
                LessEq => Kind::Bool(a <= b),
                Greater => Kind::Bool(a > b),
                GreaterEq => Kind::Bool(a >= b),
                Eq | NotEq | And | Or => unreachable!("handled above"),
            };
            Value::new(kind, span)
        }
    }
}

/// Structural equality; `None` when it depends on something not known.
pub(crate) fn values_equal(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null, Kind::Null) => Some(true),
        (Kind::Null, _) | (_, Kind::Null) => Some(false),
        (Kind::Symbolic(x), Kind::Symbolic(y)) if x == y => Some(true),
        (Kind::Symbolic(_), _) | (_, Kind::Symbolic(_)) => None,
        (Kind::Json(x), Kind::Json(y)) => values_equal(x, y),
        (Kind::List(x), Kind::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut all = true;
            for (p, q) in x.iter().zip(y.iter()) {
                all &= values_equal(p, q)?;
            }
            Some(all)
        }
        (Kind::Object(x), Kind::Object(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let ym: BTreeMap<&str, &Value> = y.iter().map(|e| (e.key.as_str(), &e.value)).collect();
            let mut all = true;
            for e in x.iter() {
                match ym.get(e.key.as_str()) {
                    Some(v) => all &= values_equal(&e.value, v)?,
                    None => return Some(false),
                }
            }
            Some(all)
        }
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        _ => Some(false),
    }
}
