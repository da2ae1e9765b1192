//! The Cedar engine: loads and validates the rules, decides every fact, and names the rules that
//! forbid it. A base `permit` owned by the engine makes every fact allowed unless a control
//! forbids it, so every Deny is a violation and its reasons are the rules that fired.

use crate::facts::{Fact, Facts};
use crate::findings::Severity;
use cedar_policy::{
    Authorizer, Context, Entities, PolicyId, PolicySet, Request, Schema, ValidationMode, Validator,
};
use miette::{Diagnostic, NamedSource, Report};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

pub use builtin::RULE_DOCS;

pub const SCHEMA: &str = include_str!("../policies/mlguard.cedarschema");
const BASE_PERMIT_ID: &str = "mlguard::base-permit";

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

pub struct Engine {
    schema: Schema,
    policies: PolicySet,
    /// The policy set split by (action, resource type): a fact is decided only against the rules
    /// whose scope can match it.
    partitions: HashMap<(String, String), PolicySet>,
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    authorizer: Authorizer,
}

/// A rule that fired on a fact.
pub struct Hit {
    pub fact: usize,
    pub rule: usize,
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
        let (schema, _) = Schema::from_cedarschema_str(SCHEMA).map_err(|e| {
            vec![Report::new(e).with_source_code(NamedSource::new(
                "policies/mlguard.cedarschema",
                SCHEMA.to_string(),
            ))]
        })?;
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
        let mut engine = Engine {
            schema,
            policies: PolicySet::new(),
            partitions: HashMap::new(),
            rules: Vec::new(),
            by_id: HashMap::new(),
            authorizer: Authorizer::new(),
        };
        let base = cedar_policy::Policy::parse(
            Some(PolicyId::new(BASE_PERMIT_ID)),
            "permit(principal, action, resource);",
        )
        .expect("the base permit parses");
        engine
            .policies
            .add(base)
            .expect("the base permit is added first");
        let mut texts: HashMap<String, (String, Arc<String>)> = HashMap::new();
        for (name, text, builtin) in files {
            engine.add_file(&name, &text, builtin, &mut errors, &mut texts);
        }
        if errors.is_empty() {
            let result = Validator::new(engine.schema.clone())
                .validate(&engine.policies, ValidationMode::Strict);
            for e in result.validation_errors() {
                let (name, text) = texts
                    .get(e.policy_id().to_string().as_str())
                    .cloned()
                    .unwrap_or_else(|| ("<rules>".into(), Arc::new(String::new())));
                errors.push(
                    Report::new(e.clone())
                        .wrap_err(format!(
                            "rule `{}` in {name} does not validate against the schema",
                            e.policy_id()
                        ))
                        .with_source_code(NamedSource::new(name, text.to_string())),
                );
            }
            for w in result.validation_warnings() {
                let (name, text) = texts
                    .get(w.policy_id().to_string().as_str())
                    .cloned()
                    .unwrap_or_else(|| ("<rules>".into(), Arc::new(String::new())));
                errors.push(
                    Report::new(w.clone())
                        .wrap_err(format!(
                            "rule `{}` in {name} can never apply as written",
                            w.policy_id()
                        ))
                        .with_source_code(NamedSource::new(name, text.to_string())),
                );
            }
        }
        if errors.is_empty() {
            engine.partition();
            Ok(engine)
        } else {
            Err(errors)
        }
    }

    /// Split the rules by the actions and resource types their scopes admit.
    fn partition(&mut self) {
        use cedar_policy::{ActionConstraint, ResourceConstraint};
        let actions: Vec<String> = self
            .schema
            .actions()
            .map(|a| a.id().escaped().to_string())
            .collect();
        let types: Vec<String> = self.schema.entity_types().map(|t| t.to_string()).collect();
        for action in &actions {
            for ty in &types {
                let mut set = PolicySet::new();
                for p in self.policies.policies() {
                    let action_ok = match p.action_constraint() {
                        ActionConstraint::Any => true,
                        ActionConstraint::Eq(a) => *a.id().escaped() == **action,
                        ActionConstraint::In(list) => {
                            list.iter().any(|a| *a.id().escaped() == **action)
                        }
                    };
                    let type_ok = match p.resource_constraint() {
                        ResourceConstraint::Is(t) | ResourceConstraint::IsIn(t, _) => {
                            t.to_string() == *ty
                        }
                        ResourceConstraint::Eq(uid) => uid.type_name().to_string() == *ty,
                        ResourceConstraint::Any | ResourceConstraint::In(_) => true,
                    };
                    if action_ok && type_ok {
                        let _ = set.add(p.clone());
                    }
                }
                self.partitions.insert((action.clone(), ty.clone()), set);
            }
        }
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
        let parsed = match PolicySet::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                errors.push(
                    Report::new(e)
                        .wrap_err(format!("{name} is not valid Cedar"))
                        .with_source_code(NamedSource::new(name, text.to_string())),
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
        for p in parsed.policies() {
            // the policy API keeps no location: point at the rule's @id annotation when it has one
            let span = p.annotation("id").and_then(|id| {
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
                .filter(|a| p.annotation(a).is_none())
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
            let ann = |k: &str| p.annotation(k).unwrap_or_default().to_string();
            let id = ann("id");
            let Some(severity) = Severity::parse(&ann("severity")) else {
                errors.push(Report::new(err(
                    format!("rule `{id}` has severity `{}`", ann("severity")),
                    "use one of critical, high, medium, low, info",
                )));
                continue;
            };
            if let Some(&other) = self.by_id.get(&id) {
                let prev = &self.rules[other];
                errors.push(Report::new(err(
                    format!("rule id `{id}` is already used by {}", prev.file),
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
                blame: split_list(p.annotation("blame").unwrap_or_default()),
                file: name.to_string(),
                builtin,
            };
            if let Err(e) = self.policies.add(p.new_id(PolicyId::new(&id))) {
                errors.push(Report::new(err(
                    format!("rule `{id}` cannot be added: {e}"),
                    "check the rule id",
                )));
                continue;
            }
            texts.insert(id.clone(), (name.to_string(), text.clone()));
            self.by_id.insert(id, self.rules.len());
            self.rules.push(rule);
        }
    }

    fn policies_for(&self, fact: &Fact) -> &PolicySet {
        let key = (
            fact.action.id().escaped().to_string(),
            fact.resource.type_name().to_string(),
        );
        self.partitions.get(&key).unwrap_or(&self.policies)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Decide every fact; returns the rules that fired and any evaluation errors.
    pub fn decide(
        &self,
        facts: &Facts,
        enabled: &dyn Fn(&Rule) -> bool,
    ) -> Result<(Vec<Hit>, Vec<EvalError>), String> {
        let entities = Entities::from_entities(facts.entities.iter().cloned(), Some(&self.schema))
            .map_err(|e| format!("the facts do not fit the schema: {e}"))?;
        let results: Vec<(usize, Vec<usize>, Vec<EvalError>)> = facts
            .facts
            .par_iter()
            .enumerate()
            .map(|(i, fact)| {
                let (hits, errs) = self.decide_one(fact, &entities);
                (i, hits, errs)
            })
            .collect();
        let mut hits = Vec::new();
        let mut errors: Vec<EvalError> = Vec::new();
        for (fact, rules, errs) in results {
            hits.extend(
                rules
                    .into_iter()
                    .filter(|&r| enabled(&self.rules[r]))
                    .map(|rule| Hit { fact, rule }),
            );
            for e in errs {
                if !errors
                    .iter()
                    .any(|x| x.rule == e.rule && x.message == e.message)
                {
                    errors.push(e);
                }
            }
        }
        Ok((hits, errors))
    }

    fn decide_one(&self, fact: &Fact, entities: &Entities) -> (Vec<usize>, Vec<EvalError>) {
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
            Some(&self.schema),
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
            .is_authorized(&request, self.policies_for(fact), entities);
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
            std::fs::read_to_string(&p)
                .map(|t| (p.display().to_string(), t))
                .map_err(|e| miette::miette!("cannot read rule file `{}`: {e}", p.display()))
        })
        .collect()
}
