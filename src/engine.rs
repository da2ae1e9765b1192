//! The Cedar engine: loads and validates the rules, decides every fact, and names the rules that
//! forbid it. A base `permit` owned by the engine makes every fact allowed unless a control
//! forbids it, so every Deny is a violation and its reasons are the rules that fired.

use crate::facts::{Fact, Facts};
use crate::findings::Severity;
use crate::report::escape;
use cedar_policy::{
    Authorizer, Context, Entities, EntityTypeName, EntityUid, PolicyId, PolicySet, Request,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use miette::{Diagnostic, NamedSource, Report};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

pub use builtin::RULE_DOCS;

pub const SCHEMA: &str = include_str!("../policies/mlguard.cedarschema");
/// The same schema in Cedar's JSON form, which loads about six times faster than the text form
/// (start-up time is most of a pre-commit run); a test keeps it equal to [`SCHEMA`].
pub const SCHEMA_JSON: &str = include_str!("../policies/mlguard.cedarschema.json");
const BASE_PERMIT_ID: &str = "mlguard::base-permit";
/// The policy every partition starts with: a request no rule forbids is allowed.
const BASE_PERMIT: &str = "permit(principal, action, resource);";
/// Deepest nesting accepted in a user's rule file (brackets, `else if` chains, `.` chains: see
/// `too_deep`). Cedar's parser, validator and evaluator recurse once per level and overflow the
/// stack (an abort, not an error) somewhere past a few hundred; the built-in rules reach 7.
pub const MAX_RULE_NESTING: usize = 64;
/// Stack for loading users' rules: a second guard behind [`MAX_RULE_NESTING`] for chains the
/// bracket count does not see (`if .. then .. else if ..`, long `&&` chains).
/// Most operators accepted in one policy of a user's rule file (see `too_many_operators`); the
/// built-in rules hold at most 28.
pub const MAX_RULE_OPERATORS: usize = 1_000;
const USER_RULES_STACK: usize = 64 << 20;

/// `@message_<cloud>` / `@help_<cloud>` annotations, by cloud.
fn cloud_variants(
    annotations: &HashMap<&str, &str>,
) -> Vec<(String, Option<String>, Option<String>)> {
    let mut clouds: Vec<&str> = annotations
        .keys()
        .filter_map(|k| {
            k.strip_prefix("message_")
                .or_else(|| k.strip_prefix("help_"))
        })
        .collect();
    clouds.sort_unstable();
    clouds.dedup();
    clouds
        .into_iter()
        .map(|c| {
            let get = |k: String| annotations.get(k.as_str()).map(|v| v.to_string());
            (
                c.to_string(),
                get(format!("message_{c}")),
                get(format!("help_{c}")),
            )
        })
        .collect()
}

impl Rule {
    /// The message and help templates for the facts of one cloud (`aws`, `gcp`, `azure`), or
    /// the rule's own when it has no wording for that cloud.
    pub fn wording(&self, cloud: Option<&str>) -> (&str, &str) {
        let v = cloud.and_then(|c| self.variants.iter().find(|(vc, ..)| vc == c));
        (
            v.and_then(|v| v.1.as_deref()).unwrap_or(&self.message),
            v.and_then(|v| v.2.as_deref()).unwrap_or(&self.help),
        )
    }
}

/// Annotations every rule must carry.
pub const REQUIRED_ANNOTATIONS: [&str; 6] = ["id", "name", "severity", "tsc", "message", "help"];

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub tsc: Vec<String>,
    pub message: String,
    pub help: String,
    /// Wording for the facts of one cloud (`@message_gcp`, `@help_gcp`, `@message_azure`, ...):
    /// (cloud, message, help), each falling back to `message`/`help` when not given. A finding
    /// about a GCS bucket names uniform bucket-level access, not a public access block.
    pub variants: Vec<(String, Option<String>, Option<String>)>,
    /// The clouds the rule can check (`@clouds("aws, azure")`); empty: every cloud. Evidence
    /// says "not applicable" rather than "passed" for code on a cloud the rule cannot check.
    pub clouds: Vec<String>,
    /// Named spans to use as the primary location, first one the fact has wins.
    pub blame: Vec<String>,
    /// Where the rule came from (`policies/DT002-training-reads-raw.cedar`).
    pub file: String,
    pub builtin: bool,
}

impl Rule {
    /// `DT002-training-reads-raw`: the stem of its policy, docs page and fixtures.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.id, self.name)
    }

    pub fn docs(&self) -> Option<&'static str> {
        let file = format!("{}.md", self.stem());
        RULE_DOCS.iter().find(|(f, _)| *f == file).map(|(_, d)| *d)
    }
}

/// A rule file that does not parse, lacks annotations, or does not validate against the schema.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(mlguard::rule))]
pub struct RuleError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<String>>,
    #[label("{label}")]
    pub span: Option<miette::SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// A Cedar diagnostic re-homed in the rule file it is about. Cedar's errors carry the policy
/// text without a name, and miette prefers an error's own source to one attached around it, so
/// a user saw `[15:61]` and no file: this copy keeps the message, code, help, labels and related
/// errors, with the file's name on every snippet.
#[derive(Debug)]
pub struct InRuleFile {
    message: String,
    code: Option<String>,
    help: Option<String>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<InRuleFile>,
    src: NamedSource<Arc<String>>,
}

impl InRuleFile {
    pub fn new(d: &dyn Diagnostic, name: &str, text: &Arc<String>) -> InRuleFile {
        InRuleFile {
            message: d.to_string(),
            code: d.code().map(|c| c.to_string()),
            help: d.help().map(|h| h.to_string()),
            labels: d.labels().map(Iterator::collect).unwrap_or_default(),
            related: d
                .related()
                .map(|r| r.map(|r| InRuleFile::new(r, name, text)).collect())
                .unwrap_or_default(),
            src: NamedSource::new(name, text.clone()),
        }
    }
}

impl std::fmt::Display for InRuleFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InRuleFile {}

impl Diagnostic for InRuleFile {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as _)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)) as _)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
}

pub struct Engine {
    /// Loaded when first needed (see `load_on_this_thread`).
    schema: OnceLock<Schema>,
    policies: PolicySet,
    /// The rules split by (action, resource type): a fact is decided only against the rules
    /// whose scope can match it, and not at all when no rule can.
    partitions: HashMap<(EntityUid, EntityTypeName), Partition>,
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    authorizer: Authorizer,
}

/// The rules one kind of fact can meet, with the base permit: a fact is allowed unless one of
/// them forbids it. A fact that no rule can meet has no partition and is allowed without a request.
struct Partition {
    rules: PolicySet,
    /// The context attributes its rules read: facts that differ only in other attributes (the
    /// same principal's grants of one datastore through several statements) share one decision.
    reads_context: ContextReads,
    /// The resource attributes its rules read: facts about datastores equal in those (a
    /// wildcard's grants over many buckets of one tier) share one decision too.
    reads_resource: ContextReads,
}

/// What a partition's rules read of a fact's context (or of its resource entity).
#[derive(Clone, Debug, PartialEq, Eq)]
enum ContextReads {
    /// These attributes, by name (none when empty).
    Named(Vec<String>),
    /// Used other than as `var.name` or `var has name` (`context["x"]`, `resource == ...`,
    /// `resource.getTag(...)`): all of it.
    All,
}

impl ContextReads {
    /// The attributes of `var` (`context`, `resource`) a rule's text reads; mentions in strings
    /// and comments are not reads. Any use this does not recognise only costs the sharing, never
    /// a decision.
    fn of(text: &str, var: &str) -> ContextReads {
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        // the scope: from `forbid (` (or `permit (`) to the first `)`
        let scope = ["forbid", "permit"]
            .iter()
            .filter_map(|effect| {
                text.match_indices(effect).find_map(|(at, _)| {
                    let open = at + effect.len();
                    text[open..].trim_start().starts_with('(').then(|| {
                        let close = text[open..].find(')').map_or(text.len(), |c| open + c);
                        open..close + 1
                    })
                })
            })
            .min_by_key(|r| r.start)
            .unwrap_or(0..0);
        // the mentions in the rule's code: words in an annotation (`@help("... resource
        // group ...")`), another string or a comment are not reads
        let in_code: HashSet<usize> = cedar_tokens(text)
            .filter_map(|(at, token)| (token == Token::Word(var)).then_some(at))
            .collect();
        let mut names = Vec::new();
        for (at, _) in text.match_indices(var) {
            if !in_code.contains(&at) || text[..at].chars().next_back().is_some_and(ident) {
                continue;
            }
            let rest = &text[at + var.len()..];
            if rest.chars().next().is_some_and(ident) {
                continue;
            }
            let next = rest.trim_start();
            let name: String = if let Some(after) = rest.strip_prefix('.') {
                let name: String = after.chars().take_while(|c| ident(*c)).collect();
                // a method (`getTag`, `hasTag`) reads what it is given
                if after[name.len()..].trim_start().starts_with('(') {
                    return ContextReads::All;
                }
                name
            } else if let Some(after) = next
                .strip_prefix("has")
                .filter(|a| a.starts_with([' ', '\n', '\t']))
            {
                let after = after.trim_start();
                match after.strip_prefix('"') {
                    Some(quoted) => quoted.chars().take_while(|c| *c != '"').collect(),
                    None => after.chars().take_while(|c| ident(*c)).collect(),
                }
            } else if (scope.contains(&at) && next.starts_with([',', ')']))
                || next
                    .strip_prefix("is")
                    .is_some_and(|a| a.starts_with([' ', '\n', '\t']))
            {
                // the scope (`resource,`, `resource is T`): the partition fixes the type
                continue;
            } else {
                return ContextReads::All;
            };
            if name.is_empty() {
                return ContextReads::All;
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        ContextReads::Named(names)
    }

    fn add(&mut self, other: ContextReads) {
        match (&mut *self, other) {
            (ContextReads::Named(mine), ContextReads::Named(theirs)) => {
                for n in theirs {
                    if !mine.contains(&n) {
                        mine.push(n);
                    }
                }
            }
            _ => *self = ContextReads::All,
        }
    }

    /// The values a decision depends on; `None` when it depends on all of the context.
    fn project<'f>(&self, fact: &'f Fact) -> Option<Vec<Option<&'f RestrictedExpression>>> {
        match self {
            ContextReads::All => None,
            ContextReads::Named(names) => Some(
                names
                    .iter()
                    .map(|n| fact.context.iter().find(|(k, _)| k == n).map(|(_, v)| v))
                    .collect(),
            ),
        }
    }
}

/// A fact's resource as far as its partition's rules can tell: the entity itself, or the class
/// of entities with the same values of the attributes the rules read.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ResourceKey<'f> {
    Uid(&'f EntityUid),
    Class(usize),
}

/// Resource classes by partition and attribute values, each resource's looked up once.
#[derive(Default)]
struct ResourceClasses<'f> {
    ids: BTreeMap<(usize, Vec<Option<cedar_policy::EvalResult>>), usize>,
    of: HashMap<(usize, &'f EntityUid), ResourceKey<'f>>,
}

impl<'f> ResourceClasses<'f> {
    fn key(
        &mut self,
        partition: &Partition,
        resource: &'f EntityUid,
        entities: &Entities,
    ) -> ResourceKey<'f> {
        let ContextReads::Named(names) = &partition.reads_resource else {
            return ResourceKey::Uid(resource);
        };
        let pid = partition as *const Partition as usize;
        if let Some(k) = self.of.get(&(pid, resource)) {
            return *k;
        }
        let values: Option<Vec<Option<cedar_policy::EvalResult>>> = entities
            .get(resource)
            .and_then(|e| names.iter().map(|n| e.attr(n).transpose().ok()).collect());
        let key = match values {
            Some(values) => {
                let next = self.ids.len();
                ResourceKey::Class(*self.ids.entry((pid, values)).or_insert(next))
            }
            None => ResourceKey::Uid(resource),
        };
        self.of.insert((pid, resource), key);
        key
    }
}

/// A rule that fired on a fact.
pub struct Hit {
    pub fact: usize,
    pub rule: usize,
    /// The rule still fires when no tier or workload comes from a name: the finding does not
    /// rest on a name (high confidence).
    pub firm: bool,
}

/// A rule that raised an error while evaluating a fact: a tool error, never a silent pass.
#[derive(Debug, Clone)]
pub struct EvalError {
    pub rule: String,
    pub message: String,
}

impl Engine {
    /// The built-in rules plus every `.cedar` file in `extra` directories.
    pub fn load(extra: &[&Path]) -> Result<Engine, Vec<Report>> {
        if extra.is_empty() {
            return Engine::load_on_this_thread(extra);
        }
        // users' rules are parsed and validated on a thread with a large stack
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("mlguard-rules".into())
                .stack_size(USER_RULES_STACK)
                .spawn_scoped(s, || Engine::load_on_this_thread(extra))
                .map_err(|e| {
                    vec![miette::miette!(
                        "cannot start a thread to load the rules: {e}"
                    )]
                })?
                .join()
                .unwrap_or_else(|_| Err(vec![miette::miette!("loading the rules failed")]))
        })
    }

    fn load_on_this_thread(extra: &[&Path]) -> Result<Engine, Vec<Report>> {
        let mut files: Vec<(String, Arc<String>, bool)> = builtin::BUILTIN_POLICIES
            .iter()
            .map(|(name, text)| (format!("policies/{name}"), Arc::new(text.to_string()), true))
            .collect();
        let mut errors = Vec::new();
        for dir in extra {
            match read_policy_dir(dir) {
                Ok(found) => files.extend(found.into_iter().map(|(n, t)| (n, Arc::new(t), false))),
                Err(e) => errors.push(e),
            }
        }
        // the built-in rules alone are validated by a test, not at every start
        let users_rules = files.iter().any(|(_, _, builtin)| !builtin);
        // the schema validates users' rules and, in debug builds, the facts; a release scan with
        // the built-in rules only needs the actions' resource types, read without it
        let schema = OnceLock::new();
        if users_rules || cfg!(debug_assertions) {
            let loaded = load_schema().map_err(|e| vec![e])?;
            let _ = schema.set(loaded);
        }
        let mut engine = Engine {
            schema,
            policies: PolicySet::new(),
            partitions: HashMap::new(),
            rules: Vec::new(),
            by_id: HashMap::new(),
            authorizer: Authorizer::new(),
        };
        let mut texts: HashMap<String, (String, Arc<String>)> = HashMap::new();
        let builtin_count = files.iter().take_while(|(_, _, builtin)| *builtin).count();
        let (builtin_files, user_files) = files.split_at(builtin_count);
        let (base, parsed_builtins) = match parse_builtins(builtin_files) {
            Some((base, by_file)) => (base, Some(by_file)),
            None => (
                cedar_policy::Policy::parse(Some(PolicyId::new(BASE_PERMIT_ID)), BASE_PERMIT)
                    .expect("the base permit parses"),
                None,
            ),
        };
        engine
            .policies
            .add(base)
            .expect("the base permit is added first");
        match parsed_builtins {
            Some(by_file) => {
                for ((name, text, _), policies) in builtin_files.iter().zip(by_file) {
                    engine.add_policies(name, text, true, policies, &mut errors, &mut texts);
                }
            }
            // the file that does not parse is reported with its own name and text
            None => {
                for (name, text, _) in builtin_files {
                    engine.add_file(name, text, true, &mut errors, &mut texts);
                }
            }
        }
        for (name, text, builtin) in user_files {
            engine.add_file(name, text, *builtin, &mut errors, &mut texts);
        }
        if errors.is_empty() && users_rules {
            errors.extend(engine.validate(&texts));
        }
        if errors.is_empty() {
            engine.partition();
            Ok(engine)
        } else {
            Err(errors)
        }
    }

    /// Strict validation against the schema, where a warning (a rule that can never apply) is an
    /// error too.
    fn validate(&self, texts: &HashMap<String, (String, Arc<String>)>) -> Vec<Report> {
        let result =
            Validator::new(self.schema().clone()).validate(&self.policies, ValidationMode::Strict);
        let report = |id: &PolicyId, what: &str, diagnostic: &dyn Diagnostic| {
            let (name, text) = texts
                .get(id.to_string().as_str())
                .cloned()
                .unwrap_or_else(|| ("<rules>".into(), Arc::new(String::new())));
            Report::new(InRuleFile::new(diagnostic, &name, &text))
                .wrap_err(escape::text(&format!("rule `{id}` in {name} {what}")).into_owned())
        };
        let errors = result
            .validation_errors()
            .map(|e| report(e.policy_id(), "does not validate against the schema", e));
        let warnings = result
            .validation_warnings()
            .map(|w| report(w.policy_id(), "can never apply as written", w));
        errors.chain(warnings).collect()
    }

    /// Split the rules by the (action, resource type) pairs the schema allows and their scopes
    /// admit; a pair no rule admits gets no set.
    fn partition(&mut self) {
        use cedar_policy::{ActionConstraint, ResourceConstraint};
        // what each rule reads, found once however many partitions it falls in
        let reads: HashMap<&PolicyId, (ContextReads, ContextReads)> = self
            .policies
            .policies()
            .filter(|p| p.effect() == cedar_policy::Effect::Forbid)
            .map(|p| {
                let text = p.to_string();
                let of = |var| ContextReads::of(&text, var);
                (p.id(), (of("context"), of("resource")))
            })
            .collect();
        let mut partitions = HashMap::new();
        for (action, ty) in action_resource_pairs() {
            let mut rules = PolicySet::new();
            let mut forbids = 0;
            let mut reads_context = ContextReads::Named(Vec::new());
            let mut reads_resource = ContextReads::Named(Vec::new());
            for p in self.policies.policies() {
                let action_ok = match p.action_constraint() {
                    ActionConstraint::Any => true,
                    ActionConstraint::Eq(a) => a == action,
                    ActionConstraint::In(list) => list.contains(&action),
                };
                let type_ok = match p.resource_constraint() {
                    ResourceConstraint::Is(t) | ResourceConstraint::IsIn(t, _) => t == ty,
                    ResourceConstraint::Eq(uid) => *uid.type_name() == ty,
                    ResourceConstraint::Any | ResourceConstraint::In(_) => true,
                };
                if action_ok && type_ok {
                    if let Some((context, resource)) = reads.get(p.id()) {
                        forbids += 1;
                        reads_context.add(context.clone());
                        reads_resource.add(resource.clone());
                    }
                    let _ = rules.add(p.clone());
                }
            }
            if forbids > 0 {
                partitions.insert(
                    (action, ty),
                    Partition {
                        rules,
                        reads_context,
                        reads_resource,
                    },
                );
            }
        }
        self.partitions = partitions;
    }

    fn add_file(
        &mut self,
        name: &str,
        text: &Arc<String>,
        builtin: bool,
        errors: &mut Vec<Report>,
        texts: &mut HashMap<String, (String, Arc<String>)>,
    ) {
        let src = || NamedSource::new(name, text.clone());
        // a control character in a rule file has no use (strings spell them as escapes) and
        // would reach the terminal raw in a parse error's snippet
        if !builtin {
            if let Some((at, c)) = escape::first_hidden_in_source(text) {
                let shown = escape::snippet_source(text).map(|s| (s.offset(at), s.text));
                let (at, shown) = shown.unwrap_or((at, text.clone()));
                errors.push(Report::new(RuleError {
                    message: format!("{name} holds the control character U+{:04X}", c as u32),
                    src: NamedSource::new(name, shown),
                    span: Some(miette::SourceSpan::from(at..at + 1)),
                    label: "here".into(),
                    help: Some("remove it, or write it as an escape inside a string".into()),
                }));
                return;
            }
        }
        // checked before Cedar parses the text: its recursion overflows the stack on deep input
        if !builtin {
            let excess = too_deep(text, MAX_RULE_NESTING)
                .map(|at| {
                    (
                        at,
                        format!(
                            "{name} nests expressions more than {MAX_RULE_NESTING} levels deep"
                        ),
                        format!("level {}", MAX_RULE_NESTING + 1),
                    )
                })
                .or_else(|| {
                    too_many_operators(text, MAX_RULE_OPERATORS).map(|at| {
                        (
                            at,
                            format!(
                                "a rule in {name} has more than {MAX_RULE_OPERATORS} operators"
                            ),
                            format!("operator {}", MAX_RULE_OPERATORS + 1),
                        )
                    })
                });
            if let Some((at, message, label)) = excess {
                errors.push(Report::new(RuleError {
                    message,
                    src: src(),
                    span: Some(miette::SourceSpan::from(at..at + 1)),
                    label,
                    help: Some(
                        "flatten the condition (brackets, `else if` and `.` chains nest) or split \
                         it into several rules"
                            .into(),
                    ),
                }));
                return;
            }
        }
        let parsed = match PolicySet::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                errors.push(
                    Report::new(InRuleFile::new(&e, name, text))
                        .wrap_err(format!("{name} is not valid Cedar")),
                );
                return;
            }
        };
        if parsed.templates().next().is_some() {
            errors.push(Report::new(RuleError {
                message: format!("{name} holds a template; rules must be plain `forbid` policies"),
                src: src(),
                span: None,
                label: String::new(),
                help: Some("remove `?principal`/`?resource` slots".into()),
            }));
        }
        let policies = parsed.policies().cloned().collect();
        self.add_policies(name, text, builtin, policies, errors, texts);
    }

    /// Check the parsed rules of one file and add them.
    fn add_policies(
        &mut self,
        name: &str,
        text: &Arc<String>,
        builtin: bool,
        policies: Vec<cedar_policy::Policy>,
        errors: &mut Vec<Report>,
        texts: &mut HashMap<String, (String, Arc<String>)>,
    ) {
        let src = || NamedSource::new(name, text.clone());
        for p in &policies {
            // `Policy::annotation` parses its key on every call; read them all once
            let annotations: HashMap<&str, &str> = p.annotations().collect();
            // the policy API keeps no location: point at the rule's @id annotation when it has one
            let span = annotations.get("id").and_then(|id| {
                let needle = format!("@id(\"{id}\")");
                text.find(&needle)
                    .map(|at| miette::SourceSpan::from(at..at + needle.len()))
            });
            let err = |message: String, help: &str| RuleError {
                message,
                src: src(),
                span,
                label: "this rule".into(),
                help: Some(help.to_string()),
            };
            if p.effect() != cedar_policy::Effect::Forbid {
                errors.push(Report::new(err(
                    format!("a rule in {name} is a `permit`; rules must be `forbid` policies"),
                    "write the control as `forbid (...) when { <violation> };`",
                )));
                continue;
            }
            let missing: Vec<&str> = REQUIRED_ANNOTATIONS
                .into_iter()
                .filter(|a| !annotations.contains_key(a))
                .collect();
            if !missing.is_empty() {
                errors.push(Report::new(err(
                    format!(
                        "a rule in {name} lacks the annotations {}",
                        missing
                            .iter()
                            .map(|m| format!("`@{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "every rule carries @id, @name, @severity, @tsc, @message and @help",
                )));
                continue;
            }
            let ann = |k: &str| annotations.get(k).copied().unwrap_or_default().to_string();
            let id = ann("id");
            let Some(severity) = Severity::parse(&ann("severity")) else {
                errors.push(Report::new(err(
                    format!(
                        "rule `{}` has severity `{}`",
                        escape::text(&id),
                        escape::text(&ann("severity"))
                    ),
                    "use one of critical, high, medium, low, info",
                )));
                continue;
            };
            if let Some(&other) = self.by_id.get(&id) {
                let prev = &self.rules[other];
                errors.push(Report::new(err(
                    format!(
                        "rule id `{}` is already used by {}",
                        escape::text(&id),
                        prev.file
                    ),
                    "give every rule a unique @id; a user rule cannot replace a built-in one",
                )));
                continue;
            }
            let rule = Rule {
                id: id.clone(),
                name: ann("name"),
                severity,
                tsc: split_list(&ann("tsc")),
                message: ann("message"),
                help: ann("help"),
                variants: cloud_variants(&annotations),
                clouds: split_list(&ann("clouds")),
                blame: split_list(&ann("blame")),
                file: name.to_string(),
                builtin,
            };
            if let Err(e) = self.policies.add(p.new_id(PolicyId::new(&id))) {
                errors.push(Report::new(err(
                    escape::text(&format!("rule `{id}` cannot be added: {e}")).into_owned(),
                    "check the rule id",
                )));
                continue;
            }
            texts.insert(id.clone(), (name.to_string(), text.clone()));
            self.by_id.insert(id, self.rules.len());
            self.rules.push(rule);
        }
    }

    /// The rules that can match `fact`; `None` when none can, and the fact needs no decision.
    fn policies_for(&self, fact: &Fact) -> Option<&Partition> {
        self.partitions
            .get(&(fact.action.clone(), fact.resource.type_name().clone()))
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    pub fn schema(&self) -> &Schema {
        self.schema.get_or_init(|| {
            load_schema()
                .expect("the embedded schema loads (engine::tests::json_schema_is_the_text_schema)")
        })
    }

    /// The schema facts are checked against. Facts are built by `facts.rs`, not read from
    /// input, so whether they fit is a property of the code: debug builds (every test) check it,
    /// release builds skip the check, which costs a fifth of the decision time.
    fn fact_schema(&self) -> Option<&Schema> {
        cfg!(debug_assertions).then(|| self.schema())
    }

    /// Decide every fact; returns the rules that fired and any evaluation errors.
    /// The entities move into Cedar's store; the facts stay for the findings.
    pub fn decide(
        &self,
        facts: &mut Facts,
        enabled: &dyn Fn(&Rule) -> bool,
    ) -> Result<(Vec<Hit>, Vec<EvalError>), String> {
        let firm_entities = std::mem::take(&mut facts.firm_entities);
        let entities =
            Entities::from_entities(std::mem::take(&mut facts.entities), self.fact_schema())
                .map_err(|e| format!("the facts do not fit the schema: {e}"))?;
        // the fact whose decision each fact shares: the first with the same principal, action,
        // values of the resource attributes and of the context attributes its rules read
        type Seen<'f> = Vec<(Vec<Option<&'f RestrictedExpression>>, usize)>;
        let mut first: HashMap<(&EntityUid, &EntityUid, ResourceKey<'_>), Seen<'_>> =
            HashMap::new();
        let mut classes = ResourceClasses::default();
        let shared: Vec<usize> = facts
            .facts
            .iter()
            .enumerate()
            .map(|(i, fact)| {
                let Some(partition) = self.policies_for(fact) else {
                    return i;
                };
                let Some(values) = partition.reads_context.project(fact) else {
                    return i;
                };
                // a fact resting on a name is decided again without it, for its own entities
                let resource = match fact.name_basis.is_empty() {
                    true => classes.key(partition, &fact.resource, &entities),
                    false => ResourceKey::Uid(&fact.resource),
                };
                let seen = first
                    .entry((&fact.principal, &fact.action, resource))
                    .or_default();
                match seen.iter().find(|(v, _)| *v == values) {
                    Some((_, by)) => *by,
                    None => {
                        seen.push((values, i));
                        i
                    }
                }
            })
            .collect();
        let decided: Vec<Option<(Vec<usize>, Vec<EvalError>)>> = facts
            .facts
            .par_iter()
            .enumerate()
            .map(|(i, fact)| (shared[i] == i).then(|| self.decide_one(fact, &entities)))
            .collect();
        let mut hits = Vec::new();
        let mut errors: Vec<EvalError> = Vec::new();
        for (fact, &by) in shared.iter().enumerate() {
            let Some((rules, errs)) = &decided[by] else {
                continue;
            };
            hits.extend(
                rules
                    .iter()
                    .filter(|&&r| enabled(&self.rules[r]))
                    .map(|&rule| Hit {
                        fact,
                        rule,
                        firm: true,
                    }),
            );
            for e in errs {
                if !errors
                    .iter()
                    .any(|x| x.rule == e.rule && x.message == e.message)
                {
                    errors.push(e.clone());
                }
            }
        }
        if !firm_entities.is_empty() && !hits.is_empty() {
            self.confirm_without_names(&mut hits, &shared, facts, entities, firm_entities)?;
        }
        Ok((hits, errors))
    }

    /// Decide every fact that fired again with the entities rebuilt without name-derived tiers
    /// and workloads: a hit whose rule no longer fires rests on a name. Generic over rules: no
    /// rule needs to say which attributes it reads.
    fn confirm_without_names(
        &self,
        hits: &mut [Hit],
        shared: &[usize],
        facts: &Facts,
        entities: Entities,
        firm_entities: Vec<cedar_policy::Entity>,
    ) -> Result<(), String> {
        let firm = entities
            .upsert_entities(firm_entities, self.fact_schema())
            .map_err(|e| format!("the facts without names do not fit the schema: {e}"))?;
        // only a fact with a name-derived entity can change
        let fired: std::collections::BTreeSet<usize> = hits
            .iter()
            .filter(|h| !facts.facts[h.fact].name_basis.is_empty())
            .map(|h| shared[h.fact])
            .collect();
        let fired: Vec<usize> = fired.into_iter().collect();
        let decided: HashMap<usize, Vec<usize>> = fired
            .par_iter()
            .map(|&f| (f, self.decide_one(&facts.facts[f], &firm).0))
            .collect();
        for h in hits.iter_mut() {
            if !facts.facts[h.fact].name_basis.is_empty() {
                h.firm = decided
                    .get(&shared[h.fact])
                    .is_some_and(|rules| rules.contains(&h.rule));
            }
        }
        Ok(())
    }

    fn decide_one(&self, fact: &Fact, entities: &Entities) -> (Vec<usize>, Vec<EvalError>) {
        let Some(partition) = self.policies_for(fact) else {
            return (Vec::new(), Vec::new());
        };
        let context = match Context::from_pairs(fact.context.iter().cloned()) {
            Ok(c) => c,
            Err(e) => {
                return (
                    Vec::new(),
                    vec![EvalError {
                        rule: String::new(),
                        message: format!("bad fact context: {e}"),
                    }],
                );
            }
        };
        let request = match Request::new(
            fact.principal.clone(),
            fact.action.clone(),
            fact.resource.clone(),
            context,
            self.fact_schema(),
        ) {
            Ok(r) => r,
            Err(e) => {
                return (
                    Vec::new(),
                    vec![EvalError {
                        rule: String::new(),
                        message: format!("bad fact: {e}"),
                    }],
                )
            }
        };
        let response = self
            .authorizer
            .is_authorized(&request, &partition.rules, entities);
        let mut hits: Vec<usize> = response
            .diagnostics()
            .reason()
            .filter_map(|id| self.by_id.get(id.to_string().as_str()).copied())
            .collect();
        hits.sort_unstable();
        let errors = response
            .diagnostics()
            .errors()
            .map(|e| match e {
                cedar_policy::AuthorizationError::PolicyEvaluationError(p) => EvalError {
                    rule: p.policy_id().to_string(),
                    message: p.inner().to_string(),
                },
            })
            .collect();
        (hits, errors)
    }
}

fn load_schema() -> Result<Schema, Report> {
    Schema::from_json_str(SCHEMA_JSON).map_err(|e| {
        Report::new(e).wrap_err(
            "policies/mlguard.cedarschema.json does not load: regenerate it from the text form",
        )
    })
}

/// Every (action, resource type) pair the schema's actions apply to, read from its JSON form
/// alone: building the schema costs a quarter of loading the rules, and only validation needs it.
fn action_resource_pairs() -> Vec<(EntityUid, EntityTypeName)> {
    #[derive(serde::Deserialize)]
    struct Namespace {
        #[serde(default)]
        actions: BTreeMap<String, Action>,
    }
    #[derive(serde::Deserialize)]
    struct Action {
        #[serde(rename = "appliesTo", default)]
        applies_to: Option<AppliesTo>,
    }
    #[derive(serde::Deserialize)]
    struct AppliesTo {
        #[serde(rename = "resourceTypes", default)]
        resource_types: Vec<String>,
    }
    let namespaces: BTreeMap<String, Namespace> =
        serde_json::from_str(SCHEMA_JSON).unwrap_or_default();
    let mut pairs = Vec::new();
    for (ns, namespace) in &namespaces {
        let qualified = |name: &str| match ns.is_empty() || name.contains("::") {
            true => name.to_string(),
            false => format!("{ns}::{name}"),
        };
        let Ok(action_type) = EntityTypeName::from_str(&qualified("Action")) else {
            continue;
        };
        for (name, action) in &namespace.actions {
            let uid = EntityUid::from_type_name_and_id(
                action_type.clone(),
                cedar_policy::EntityId::new(name),
            );
            for ty in action.applies_to.iter().flat_map(|a| &a.resource_types) {
                if let Ok(ty) = EntityTypeName::from_str(&qualified(ty)) {
                    pairs.push((uid.clone(), ty));
                }
            }
        }
    }
    pairs
}

/// The base permit and the built-in rules parsed as one text, each file's policies apart, in
/// text order. Cedar's lexer builds its automaton afresh for every text it parses, which was
/// half the cost of parsing the rules one file at a time. None when the text does not parse, holds a template or
/// a policy cannot be placed in its file: the files are then parsed one by one, which reports
/// the error in its file.
fn parse_builtins(
    files: &[(String, Arc<String>, bool)],
) -> Option<(cedar_policy::Policy, Vec<Vec<cedar_policy::Policy>>)> {
    let mut all = format!("{BASE_PERMIT}\n");
    let mut starts = Vec::with_capacity(files.len());
    for (_, text, _) in files {
        starts.push(all.len());
        all.push_str(text);
        all.push('\n');
    }
    let set = PolicySet::from_str(&all).ok()?;
    if set.templates().next().is_some() {
        return None;
    }
    let mut policies = set.policies();
    let base = policies.next().filter(|p| p.to_string() == BASE_PERMIT)?;
    let base = base.new_id(PolicyId::new(BASE_PERMIT_ID));
    let mut by_file = vec![Vec::new(); files.len()];
    let mut cursor = BASE_PERMIT.len();
    for p in policies {
        // a policy's text is its slice of the whole, and the policies come in text order
        let at = cursor + all[cursor..].find(&p.to_string())?;
        cursor = at + 1;
        let file = starts
            .partition_point(|&start| start <= at)
            .checked_sub(1)?;
        by_file[file].push(p.clone());
    }
    Some((base, by_file))
}

/// A token of Cedar text for the depth check: strings and `//` comments (Cedar has no others)
/// are left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// A name, keyword or number.
    Word(&'a str),
    /// A run of operator characters (`&&`, `==`, `<=`, `-`), as one token.
    Operator,
    /// Any other single character: brackets, `.`, `,`, `;`, `:`, `@`.
    Char(u8),
}

/// The tokens of `text` with their byte offsets.
fn cedar_tokens(text: &str) -> impl Iterator<Item = (usize, Token<'_>)> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let is_operator = |b: u8| b"&|+-*=!<>".contains(&b);
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let start = i;
        let b = *bytes.get(i)?;
        i += 1;
        match b {
            b'"' => {
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ if b.is_ascii_whitespace() => {}
            _ if is_word(b) => {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                // both ends sit on ASCII bytes, so on character boundaries
                return Some((start, Token::Word(&text[start..i])));
            }
            _ if is_operator(b) => {
                while i < bytes.len() && is_operator(bytes[i]) {
                    i += 1;
                }
                return Some((start, Token::Operator));
            }
            _ => return Some((start, Token::Char(b))),
        }
    })
}

/// The byte offset of the first token that takes a rule's expressions deeper than `max`;
/// `None` when the text stays within. Depth counts what Cedar nests without a bound: brackets,
/// an `if` inside its enclosing bracket (an `else if` chain nests), and a chain of `.` accesses
/// or calls (`a.b.c`, `x.f(y).g(z)`).
fn too_deep(text: &str, max: usize) -> Option<usize> {
    /// One open bracket: `if`s and `.` links counted inside it so far.
    #[derive(Default)]
    struct Frame {
        ifs: usize,
        chain: usize,
    }
    let mut frames = vec![Frame::default()];
    // brackets open plus every frame's `if`s and links, kept as the tokens go
    let mut level = 0usize;
    for (at, token) in cedar_tokens(text) {
        let top = frames.len() - 1;
        match token {
            Token::Word("if") => {
                frames[top].ifs += 1;
                level += 1;
            }
            // word operators end a chain of accesses
            Token::Word("then" | "else" | "in" | "has" | "like" | "is" | "when" | "unless")
            | Token::Operator => level -= std::mem::take(&mut frames[top].chain),
            Token::Word(_) | Token::Char(b':') => {}
            Token::Char(b'.') => {
                frames[top].chain += 1;
                level += 1;
            }
            Token::Char(b'(' | b'[' | b'{') => {
                frames.push(Frame::default());
                level += 1;
            }
            // a chain goes on after a call or index: `x.f(y).g(z)`
            Token::Char(b')' | b']' | b'}') => {
                // unbalanced closers are the parser's to report
                if top > 0 {
                    let f = frames.pop().unwrap_or_default();
                    level -= 1 + f.ifs + f.chain;
                }
            }
            Token::Char(b',') => {
                let f = std::mem::take(&mut frames[top]);
                level -= f.ifs + f.chain;
            }
            Token::Char(b';') => {
                frames = vec![Frame::default()];
                level = 0;
            }
            Token::Char(_) => level -= std::mem::take(&mut frames[top].chain),
        }
        if level > max {
            return Some(at);
        }
    }
    None
}

/// The byte offset of the operator that makes one policy hold more than `max` operators. Cedar
/// nests a chain of them (`1 + 1 + ...`) one level per operator: its evaluator gives up past a
/// few thousand and dropping the parsed rule overflows the stack past some tens of thousands.
fn too_many_operators(text: &str, max: usize) -> Option<usize> {
    let mut count = 0usize;
    for (at, token) in cedar_tokens(text) {
        match token {
            Token::Operator | Token::Word("in" | "has" | "like" | "is") => count += 1,
            Token::Char(b';') => count = 0,
            _ => {}
        }
        if count > max {
            return Some(at);
        }
    }
    None
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Every `.cedar` file in a directory, sorted.
fn read_policy_dir(dir: &Path) -> Result<Vec<(String, String)>, Report> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        miette::miette!(
            help = "pass a directory of .cedar files",
            "cannot read rule directory `{}`: {e}",
            dir.display()
        )
    })?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cedar"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            // a rule file links nowhere outside its directory (`policies/` beside a repository's
            // mlguard.toml is the repository's), and a FIFO or device is never opened
            let roots = crate::fsguard::Roots::new([dir.to_path_buf()]);
            crate::fsguard::read(&p, crate::fsguard::Access::Tree(&roots))
                // the name is shown in errors: a file name can hold control characters too
                .map(|t| (escape::text(&p.display().to_string()).into_owned(), t))
                .map_err(|e| match e {
                    crate::fsguard::ReadError::Outside => miette::miette!(
                        help = "copy the rule file into the directory",
                        "rule file `{}` links outside `{}`; it is not read",
                        p.display(),
                        dir.display()
                    ),
                    e => miette::miette!("rule file `{}` {e}", p.display()),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_reads_in_the_words_of_its_cloud() {
        let mut ann = HashMap::new();
        ann.insert("message_gcp", "bucket {resources} lacks uniform access");
        ann.insert("help_azure", "set allow_nested_items_to_be_public = false");
        let rule = Rule {
            id: "X1".into(),
            name: "x".into(),
            severity: Severity::Low,
            tsc: Vec::new(),
            message: "bucket {resources} lacks a public access block".into(),
            help: "add one".into(),
            variants: cloud_variants(&ann),
            clouds: Vec::new(),
            blame: Vec::new(),
            file: String::new(),
            builtin: false,
        };
        assert_eq!(
            rule.wording(Some("gcp")).0,
            "bucket {resources} lacks uniform access"
        );
        assert_eq!(rule.wording(Some("gcp")).1, "add one");
        assert_eq!(
            rule.wording(Some("azure")).0,
            "bucket {resources} lacks a public access block"
        );
        assert_eq!(
            rule.wording(Some("azure")).1,
            "set allow_nested_items_to_be_public = false"
        );
        assert_eq!(rule.wording(Some("aws")).0, rule.message);
        assert_eq!(rule.wording(None).1, "add one");
    }

    /// `SCHEMA_JSON` is what the engine loads; `SCHEMA` is what people read and edit. After
    /// editing the text form, `MLGUARD_BLESS=1 cargo test --lib engine` rewrites the JSON form.
    #[test]
    fn json_schema_is_the_text_schema() {
        let (fragment, _) = cedar_policy::SchemaFragment::from_cedarschema_str(SCHEMA)
            .expect("policies/mlguard.cedarschema parses");
        let expected = fragment
            .to_json_value()
            .expect("the schema converts to JSON");
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/mlguard.cedarschema.json"
        );
        if std::env::var_os("MLGUARD_BLESS").is_some() {
            let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
            std::fs::write(path, text).unwrap();
            return;
        }
        let shipped: serde_json::Value = serde_json::from_str(SCHEMA_JSON).unwrap();
        assert!(
            shipped == expected,
            "policies/mlguard.cedarschema.json is stale: run `MLGUARD_BLESS=1 cargo test --lib engine`"
        );
    }

    /// The partitions are built from the actions read out of the schema's JSON form; they are
    /// the pairs the schema itself gives.
    #[test]
    fn action_resource_pairs_are_the_schemas() {
        let schema = load_schema().unwrap();
        let expected: std::collections::BTreeSet<(String, String)> = schema
            .actions()
            .flat_map(|action| {
                schema
                    .resources_for_action(action)
                    .into_iter()
                    .flatten()
                    .map(move |ty| (action.to_string(), ty.to_string()))
            })
            .collect();
        let read: std::collections::BTreeSet<(String, String)> = action_resource_pairs()
            .into_iter()
            .map(|(a, t)| (a.to_string(), t.to_string()))
            .collect();
        assert!(!read.is_empty());
        assert_eq!(read, expected);
    }

    /// Start-up skips validation when only the built-in rules are loaded; this is the check.
    #[test]
    fn builtin_rules_validate_strictly() {
        let engine = Engine::load(&[]).expect("the built-in rules load");
        let errors = engine.validate(&HashMap::new());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(engine.rules().len(), builtin::BUILTIN_POLICIES.len());
    }

    /// The built-in rules are parsed as one text: every policy lands in the file it was
    /// written in, as parsing each file alone gives it, and the base permit comes first.
    #[test]
    fn builtin_rules_parsed_together_keep_their_files() {
        let files: Vec<(String, Arc<String>, bool)> = builtin::BUILTIN_POLICIES
            .iter()
            .map(|(name, text)| (name.to_string(), Arc::new(text.to_string()), true))
            .collect();
        let (base, by_file) = parse_builtins(&files).expect("the built-in rules parse together");
        assert_eq!(base.id().to_string(), BASE_PERMIT_ID);
        assert_eq!(base.effect(), cedar_policy::Effect::Permit);
        assert_eq!(by_file.len(), files.len());
        for ((name, text, _), together) in files.iter().zip(&by_file) {
            let alone: Vec<String> = PolicySet::from_str(text)
                .unwrap()
                .policies()
                .map(ToString::to_string)
                .collect();
            let together: Vec<String> = together.iter().map(ToString::to_string).collect();
            assert!(!alone.is_empty(), "{name}");
            assert_eq!(together, alone, "{name}");
        }
        let engine = Engine::load(&[]).unwrap();
        for rule in engine.rules() {
            let text = builtin::BUILTIN_POLICIES
                .iter()
                .find(|(name, _)| format!("policies/{name}") == rule.file)
                .map(|(_, text)| *text)
                .unwrap();
            assert!(
                text.contains(&format!("@id(\"{}\")", rule.id)),
                "{}",
                rule.id
            );
        }
        // a file that does not parse is left to the per-file path, which names it
        let mut broken = files.clone();
        broken.push(("broken.cedar".into(), Arc::new("forbid (".into()), true));
        assert!(parse_builtins(&broken).is_none());
    }

    #[test]
    fn nesting_depth_counts_brackets_ifs_and_chains_outside_strings_and_comments() {
        assert_eq!(too_deep("forbid (principal, action, resource);", 1), None);
        assert_eq!(too_deep("a ([{x}])", 2), Some(4));
        assert_eq!(too_deep("a \"((\\\"((\" // (((\n (x)", 1), None);
        assert_eq!(too_deep("a \"\\\\\" ((", 1), Some(8));
        // unbalanced closers do not hide later depth
        assert_eq!(too_deep(")))(((", 2), Some(5));
        // an `else if` chain nests; ifs closed by their bracket or a comma do not add up
        assert_eq!(too_deep("if a then b else if c then d else e", 1), Some(17));
        assert_eq!(
            too_deep("(if a then b else c) && (if a then b else c)", 2),
            None
        );
        assert_eq!(
            too_deep("[if a then b else c, if a then b else c]", 2),
            None
        );
        // access chains nest, also through calls; operators end them
        assert_eq!(too_deep("r.a.b.c", 2), Some(5));
        assert_eq!(too_deep("x.f(y).g(z)", 2), Some(8));
        assert_eq!(too_deep("r.a.b && r.a.b && r.c has d && r.e.f", 2), None);
        // the rules' own separator starts afresh
        assert_eq!(too_deep("((;((;((", 2), None);
        for (name, text) in builtin::BUILTIN_POLICIES {
            assert_eq!(too_deep(text, 7), None, "{name} nests deeper than 7");
            assert_eq!(
                too_many_operators(text, 28),
                None,
                "{name} has over 28 operators"
            );
        }
    }

    #[test]
    fn operators_are_counted_per_policy() {
        assert_eq!(too_many_operators("a && b == c", 2), None);
        assert_eq!(too_many_operators("a + b + c - d", 2), Some(10));
        assert_eq!(too_many_operators("a has b && c like \"*\"", 2), Some(13));
        assert_eq!(too_many_operators("a && b; c && d; \"&&&\" // &&", 1), None);
    }

    /// A fact whose (action, resource type) no rule admits is allowed without asking Cedar.
    #[test]
    fn partitions_hold_only_pairs_some_rule_admits() {
        let engine = Engine::load(&[]).expect("the built-in rules load");
        let datastore = EntityTypeName::from_str("MLGuard::Datastore").unwrap();
        let key = |action: &str| (crate::facts::action_uid(action), datastore.clone());
        assert!(!engine.partitions.contains_key(&key("list")));
        let read = &engine.partitions[&key("read")];
        assert!(read.rules.policy(&PolicyId::new(BASE_PERMIT_ID)).is_some());
        assert!(read.rules.policy(&PolicyId::new("DT002")).is_some());
        assert!(read.rules.policy(&PolicyId::new("DT007")).is_none());
        // grants of datastores alike in what the rules read share a decision
        let ContextReads::Named(names) = &read.reads_resource else {
            panic!("the read rules read named resource attributes");
        };
        assert!(names.contains(&"tier".to_string()), "{names:?}");
        // DT008 reads `context.coverage`: grants that differ only in other values share a decision
        assert_eq!(
            read.reads_context,
            ContextReads::Named(vec!["coverage".to_string()])
        );
        // no built-in rule reads a whole resource: declarations alike in what the rules read
        // share a decision (words like "resource group" in an annotation do not stop it)
        for ((action, ty), partition) in &engine.partitions {
            assert!(
                matches!(partition.reads_resource, ContextReads::Named(_)),
                "{action} {ty} reads the whole resource"
            );
        }
        // MR002 reads `context.actions`
        let registry = (
            crate::facts::action_uid("deploy-model"),
            EntityTypeName::from_str("MLGuard::Registry").unwrap(),
        );
        assert_eq!(
            engine.partitions[&registry].reads_context,
            ContextReads::Named(vec!["actions".to_string()])
        );
    }

    #[test]
    fn context_reads_are_found_by_name_or_all() {
        let named = |v: &[&str]| ContextReads::Named(v.iter().map(|s| s.to_string()).collect());
        let of = |t: &str| ContextReads::of(t, "context");
        assert_eq!(of("principal.x == 1"), named(&[]));
        assert_eq!(
            of("context.a && context.b.c && context.a"),
            named(&["a", "b"])
        );
        assert_eq!(of("my_context.a && contexts"), named(&[]));
        assert_eq!(of("context has a && context has \"b\""), named(&["a", "b"]));
        assert_eq!(of("context[\"a\"]"), ContextReads::All);
        assert_eq!(of("context . a"), ContextReads::All);
        let res = |t: &str| ContextReads::of(t, "resource");
        assert_eq!(
            res("forbid (principal, action, resource is X::T)\nwhen { resource has tier && resource.kind == \"x\" }; // {resources}"),
            named(&["tier", "kind"])
        );
        assert_eq!(res("forbid (principal, action, resource)"), named(&[]));
        assert_eq!(res("resource.getTag(\"a\") == \"b\""), ContextReads::All);
        assert_eq!(res("resource == X::\"y\""), ContextReads::All);
        assert_eq!(res("principal.owner == resource"), ContextReads::All);
        assert_eq!(
            res("forbid (principal, action, resource) when { [resource, 1].isEmpty() };"),
            ContextReads::All
        );
        // words in annotations, other strings and comments are not reads
        assert_eq!(
            res("@help(\"a resource group\")\nforbid (principal, action, resource)\nwhen { resource.tier == \"resource x\" // resource policy\n};"),
            named(&["tier"])
        );
        assert_eq!(
            of("@message(\"context \\\" context[1]\") forbid (principal, action, resource) when { context.a };"),
            named(&["a"])
        );
        let mut r = named(&["a"]);
        r.add(named(&["b", "a"]));
        assert_eq!(r, named(&["a", "b"]));
        r.add(ContextReads::All);
        assert_eq!(r, ContextReads::All);
    }
}
