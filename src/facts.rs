//! Facts for Cedar: entities for principals, datastores, documents and statements, and one
//! request per access grant or declaration, each carrying the named spans a rule's `@blame` can
//! point at and the values its `@message` can show.

use crate::access::{Analysis, Grant};
use crate::config::Config;
use crate::findings::{Located, Related};
use crate::model::classify::Tier;
use crate::model::{Cloud, Datastore, DatastoreKind, Document, Inventory, Principal};
use crate::source::{Sources, Span};
use cedar_policy::{EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::Arc;

pub const NAMESPACE: &str = "MLGuard";

/// One request to Cedar, with everything a finding needs if a rule forbids it.
#[derive(Clone, Debug)]
pub struct Fact {
    pub principal: EntityUid,
    pub action: EntityUid,
    pub resource: EntityUid,
    /// Shared by the facts with the same values (a wildcard statement's grants repeat one).
    pub context: Arc<Vec<(String, RestrictedExpression)>>,
    /// Named spans (`statement`, `action`, `resource`, `wildcard`, `attachment`, `block`, ...), in
    /// the order of preference when a rule names none.
    pub spans: Vec<(&'static str, Located)>,
    pub related: Vec<Related>,
    pub principals: Vec<String>,
    pub resources: Vec<String>,
    /// Values for message placeholders (`workloads`, `tier`, `actions`, `attribute`, `value`).
    pub vars: Vec<(&'static str, Arc<str>)>,
    /// The address (with instance keys) of the resource the fact is about.
    pub address: String,
    /// Deployment units (root indices) of the principal, datastore and document it is about.
    pub units: Vec<usize>,
    /// The name-derived classifications among its entities (`tier of aws_s3_bucket.raw from
    /// its name`): when the rule no longer fires without them, the finding is of medium
    /// confidence and says why.
    pub name_basis: Vec<Arc<str>>,
    /// The access grant (index into `Analysis::grants`) the fact decides. Its spans, related
    /// locations, names and message values are left empty and built by [`Facts::detailed`] only
    /// when a rule fires on it: a wildcard statement makes a grant per datastore it reaches, and
    /// few of them ever become findings.
    pub grant: Option<usize>,
}

pub struct Facts {
    pub entities: Vec<cedar_policy::Entity>,
    /// The entities whose attributes rest on a name (a tier or workloads from the name step),
    /// rebuilt without it: the engine decides a fact that fired again with these in place, and
    /// a rule that still fires does not rest on a name.
    pub firm_entities: Vec<cedar_policy::Entity>,
    pub facts: Vec<Fact>,
    /// Each unit's root directory, by root index (`None` for a policy file outside every root).
    pub unit_dirs: Vec<Option<String>>,
}

/// Does this principal's workload set come from its name?
fn named_workloads(p: &Principal) -> bool {
    p.workload_reason.source == "name"
}

/// Does this datastore's tier come from its name (or another inference that is not evidence,
/// such as an Azure ML workspace's default storage holding model artifacts)?
fn named_tier(d: &Datastore) -> bool {
    matches!(d.tier_reason.source, "name" | "inferred")
}

fn workload_basis(p: &Principal) -> Arc<str> {
    format!("workloads of `{}` from its name", p.address).into()
}

fn tier_basis(d: &Datastore) -> Arc<str> {
    match d.tier_reason.source {
        "inferred" => format!("tier of `{}` inferred: {}", d.address, d.tier_reason.text).into(),
        _ => format!("tier of `{}` from its name", d.address).into(),
    }
}

pub fn uid(kind: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name(kind), EntityId::new(id))
}

/// The entity types of the schema, parsed once: parsing the name for every uid was a tenth of
/// building the facts. A table, not a lock, so parallel scans do not contend.
const KINDS: [&str; 12] = [
    "Action",
    "Agent",
    "AiService",
    "Datastore",
    "Endpoint",
    "EndpointConfig",
    "Model",
    "PolicyDocument",
    "Principal",
    "Registry",
    "Repo",
    "Statement",
];

fn type_name(kind: &str) -> EntityTypeName {
    static NAMES: std::sync::OnceLock<Vec<EntityTypeName>> = std::sync::OnceLock::new();
    let parse = |kind: &str| {
        EntityTypeName::from_str(&format!("{NAMESPACE}::{kind}"))
            .expect("entity type names are fixed identifiers")
    };
    let names = NAMES.get_or_init(|| KINDS.iter().map(|k| parse(k)).collect());
    match KINDS.iter().position(|k| *k == kind) {
        Some(i) => names[i].clone(),
        None => parse(kind),
    }
}

fn s(v: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(v.into())
}

fn set<I: IntoIterator<Item = T>, T: Into<String>>(items: I) -> RestrictedExpression {
    RestrictedExpression::new_set(items.into_iter().map(|i| s(i)))
}

fn b(v: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(v)
}

/// `module.a["x"].aws_iam_role.r[0]` -> `module.a.aws_iam_role.r`: fingerprints ignore instance keys.
pub fn strip_keys(address: &str) -> String {
    if !address.contains('[') {
        return address.to_string();
    }
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_str = false;
    for c in address.chars() {
        match (c, in_str) {
            ('"', _) if depth > 0 => in_str = !in_str,
            ('[', false) => depth += 1,
            (']', false) if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn located(span: Span, address: &str, path: impl Into<String>) -> Located {
    Located {
        span,
        address: strip_keys(address),
        path: path.into(),
    }
}

pub fn principal_uid(i: usize) -> EntityUid {
    uid("Principal", &format!("p{i}"))
}

pub fn datastore_uid(i: usize) -> EntityUid {
    uid("Datastore", &format!("d{i}"))
}

pub fn document_uid(i: usize) -> EntityUid {
    uid("PolicyDocument", &format!("doc{i}"))
}

pub fn statement_uid(doc: usize, st: usize) -> EntityUid {
    uid("Statement", &format!("doc{doc}/{st}"))
}

pub fn action_uid(name: &str) -> EntityUid {
    uid("Action", name)
}

/// `firm`: without name-derived workloads.
fn principal_entity(i: usize, p: &Principal, firm: bool) -> cedar_policy::Entity {
    let workloads = match firm && named_workloads(p) {
        true => set(Vec::<String>::new()),
        false => set(p.workloads.iter().cloned()),
    };
    let mut attrs = vec![
        ("address".to_string(), s(&p.address)),
        ("kind".to_string(), s(p.kind.as_str())),
        ("cloud".to_string(), s(p.cloud.as_str())),
        ("workloads".to_string(), workloads),
        ("workload_reason".to_string(), s(&p.workload_reason.text)),
        ("in_configuration".to_string(), b(p.is_internal())),
        (
            "inference_log_reader".to_string(),
            b(p.inference_log_reader),
        ),
        ("unknown".to_string(), set(p.unknown.iter().cloned())),
    ];
    if let Some(n) = &p.name {
        attrs.push(("name".to_string(), s(n)));
    }
    let tags = p.tags.map.iter().map(|(k, v)| (k.clone(), s(v)));
    cedar_policy::Entity::new_with_tags(principal_uid(i), attrs, [], tags)
        .expect("principal attributes are plain values")
}

/// Storage facts of one datastore that depend on the others or on the config.
struct Derived {
    retention_days: Option<i64>,
    noncurrent_expiration: bool,
    mixed_with_app_logs: bool,
    missing_tags: Vec<String>,
}

/// The datastores of each bucket (the bucket and its prefixes), so cross-datastore facts stay linear.
fn stores_by_bucket(inv: &Inventory) -> HashMap<usize, Vec<usize>> {
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..inv.datastores.len() {
        if inv.datastores[i].kind != DatastoreKind::LogGroup {
            out.entry(inv.bucket_of(i)).or_default().push(i);
        }
    }
    out
}

fn prefix_of(k: &DatastoreKind) -> &str {
    match k {
        DatastoreKind::Prefix { prefix, .. } => prefix,
        _ => "",
    }
}

fn derive(
    i: usize,
    inv: &Inventory,
    config: &Config,
    by_bucket: &HashMap<usize, Vec<usize>>,
) -> Derived {
    let d = &inv.datastores[i];
    let own_prefix = prefix_of(&d.kind);
    // a lifecycle rule covers a store when its filter prefix is empty or a prefix of the store's
    let covering: Vec<&crate::model::LifecycleRule> = d
        .storage
        .lifecycle
        .iter()
        .filter(|r| own_prefix.starts_with(r.prefix.as_str()))
        .collect();
    let retention_days = match d.kind {
        DatastoreKind::LogGroup => d.storage.retention_days,
        // another cloud's store may have a retention of its own (BigQuery table expiration, a
        // log bucket's retention_days) besides lifecycle rules
        DatastoreKind::Store { .. } => covering
            .iter()
            .filter_map(|r| r.expiration_days)
            .chain(d.storage.retention_days)
            .min(),
        _ => covering.iter().filter_map(|r| r.expiration_days).min(),
    };
    let noncurrent_expiration = covering.iter().any(|r| r.noncurrent_days.is_some());
    // inference data and application logs in the same bucket with overlapping prefixes; logs
    // inside a deeper inference-log prefix are that prefix's finding
    let inference = d.roles.contains(&Tier::InferenceLogs) || d.tier == Some(Tier::InferenceLogs);
    let siblings: &[usize] = by_bucket.get(&inv.bucket_of(i)).map_or(&[], Vec::as_slice);
    let overlaps = |a: &str, b: &str| a.starts_with(b) || b.starts_with(a);
    let mixed_with_app_logs = inference
        && (d.roles.contains(&Tier::ApplicationLogs)
            || siblings.iter().any(|&j| {
                let o = &inv.datastores[j];
                let other = prefix_of(&o.kind);
                j != i
                    && o.roles.contains(&Tier::ApplicationLogs)
                    && overlaps(own_prefix, other)
                    && !siblings.iter().any(|&x| {
                        let p = prefix_of(&inv.datastores[x].kind);
                        inv.datastores[x].roles.contains(&Tier::InferenceLogs)
                            && p.len() > own_prefix.len()
                            && p.starts_with(own_prefix)
                            && other.starts_with(p)
                    })
            }));
    let missing_tags = config
        .lineage
        .required()
        .into_iter()
        .filter(|t| !d.tags.map.contains_key(t))
        .collect();
    Derived {
        retention_days,
        noncurrent_expiration,
        mixed_with_app_logs,
        missing_tags,
    }
}

/// `firm`: without a name-derived tier.
fn datastore_entity(
    i: usize,
    d: &Datastore,
    all: &[Datastore],
    derived: &Derived,
    firm: bool,
) -> cedar_policy::Entity {
    let mut attrs = vec![
        ("address".to_string(), s(&d.address)),
        ("kind".to_string(), s(d.kind.as_str())),
        ("cloud".to_string(), s(d.kind.cloud().as_str())),
        ("label".to_string(), s(d.label(all))),
        ("tier_reason".to_string(), s(&d.tier_reason.text)),
        ("roles".to_string(), set(d.roles.iter().map(|t| t.as_str()))),
        ("customer_managed_key".to_string(), b(d.storage.kms_key)),
        ("versioning".to_string(), b(d.storage.versioning)),
        (
            "public_access_block".to_string(),
            b(d.storage.public_access_block),
        ),
        (
            "noncurrent_expiration".to_string(),
            b(derived.noncurrent_expiration),
        ),
        (
            "mixed_with_app_logs".to_string(),
            b(derived.mixed_with_app_logs),
        ),
        (
            "missing_tags".to_string(),
            set(derived.missing_tags.iter().cloned()),
        ),
        ("unknown".to_string(), set(d.unknown.iter().cloned())),
    ];
    if let Some(n) = &d.name {
        attrs.push(("name".to_string(), s(n)));
    }
    if let Some(t) = d.tier.filter(|_| !(firm && named_tier(d))) {
        attrs.push(("tier".to_string(), s(t.as_str())));
    }
    if let Some(e) = &d.storage.encryption {
        attrs.push(("encryption".to_string(), s(e)));
    }
    if let Some(r) = derived.retention_days {
        attrs.push((
            "retention_days".to_string(),
            RestrictedExpression::new_long(r),
        ));
    }
    let tags = d.tags.map.iter().map(|(k, v)| (k.clone(), s(v)));
    cedar_policy::Entity::new_with_tags(datastore_uid(i), attrs, [], tags)
        .expect("datastore attributes are plain values")
}

/// `firm`: the data tiers it reaches without name-derived tiers.
fn document_entity(
    i: usize,
    d: &Document,
    analysis: &Analysis,
    firm: bool,
) -> cedar_policy::Entity {
    let by_document = match firm {
        true => &analysis.document_firm_tiers,
        false => &analysis.document_tiers,
    };
    let tiers = by_document.get(i).cloned().unwrap_or_default();
    let attrs = [
        ("address".to_string(), s(&d.owner)),
        ("name".to_string(), s(&d.name)),
        ("kind".to_string(), s(d.kind.as_str())),
        ("boundary".to_string(), b(d.boundary)),
        (
            "statements".to_string(),
            RestrictedExpression::new_long(d.statements.len() as i64),
        ),
        (
            "data_tiers".to_string(),
            set(tiers.iter().map(|t| t.as_str())),
        ),
    ];
    cedar_policy::Entity::new(
        document_uid(i),
        attrs.into_iter().collect(),
        Default::default(),
    )
    .expect("document attributes are plain values")
}

fn tier_label(d: &Datastore) -> String {
    match d.tier {
        Some(t) => format!("{} tier, from {}", t.as_str(), d.tier_reason.text),
        None => format!("unclassified: {}", d.tier_reason.text),
    }
}

pub fn build(inv: &Inventory, analysis: &Analysis, sources: &Sources, config: &Config) -> Facts {
    let mut entities =
        Vec::with_capacity(inv.principals.len() + inv.datastores.len() + inv.documents.len() + 2);
    entities.push(repo_entity(inv, config));
    entities.push(cedar_policy::Entity::new_no_attrs(
        uid("Registry", "sagemaker"),
        Default::default(),
    ));
    // Cedar evaluates every attribute of an entity as it is built: the dearest part of the
    // facts, and independent per entity
    let principals: Vec<_> = inv
        .principals
        .par_iter()
        .enumerate()
        .map(|(i, p)| principal_entity(i, p, false))
        .collect();
    entities.extend(principals);
    let mut firm_entities: Vec<cedar_policy::Entity> = inv
        .principals
        .iter()
        .enumerate()
        .filter(|(_, p)| named_workloads(p))
        .map(|(i, p)| principal_entity(i, p, true))
        .collect();
    let by_bucket = stores_by_bucket(inv);
    let derived: Vec<Derived> = (0..inv.datastores.len())
        .into_par_iter()
        .map(|i| derive(i, inv, config, &by_bucket))
        .collect();
    let datastores: Vec<_> = inv
        .datastores
        .par_iter()
        .enumerate()
        .map(|(i, d)| datastore_entity(i, d, &inv.datastores, &derived[i], false))
        .collect();
    entities.extend(datastores);
    firm_entities.extend(
        inv.datastores
            .iter()
            .enumerate()
            .filter(|(_, d)| named_tier(d))
            .map(|(i, d)| datastore_entity(i, d, &inv.datastores, &derived[i], true)),
    );
    let documents: Vec<_> = inv
        .documents
        .par_iter()
        .enumerate()
        .map(|(i, d)| document_entity(i, d, analysis, false))
        .collect();
    entities.extend(documents);
    firm_entities.extend(
        inv.documents
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                analysis.document_tiers.get(*i) != analysis.document_firm_tiers.get(*i)
            })
            .map(|(i, d)| document_entity(i, d, analysis, true)),
    );

    let mut facts =
        Vec::with_capacity(analysis.grants.len() + inv.datastores.len() + inv.documents.len());
    let repo = uid("Repo", "scan");
    let declare = |resource: EntityUid, spans: Vec<(&'static str, Located)>, address: &str| Fact {
        principal: repo.clone(),
        action: action_uid("declare"),
        resource,
        context: Default::default(),
        spans,
        related: Vec::new(),
        principals: Vec::new(),
        resources: Vec::new(),
        vars: Vec::new(),
        address: address.to_string(),
        units: Vec::new(),
        name_basis: Vec::new(),
        grant: None,
    };
    for (i, d) in inv.datastores.iter().enumerate() {
        let mut spans = vec![("block", located(d.span, &d.address, ""))];
        if let Some(t) = d.tags.span {
            spans.push(("tags", located(t, &d.address, "tags")));
        }
        if let (Some(e), Some("AES256")) =
            (d.storage.encryption_span, d.storage.encryption.as_deref())
        {
            spans.push(("encryption", located(e, &d.address, "encryption")));
        }
        if let Some(r) = d.storage.retention_span {
            spans.push((
                "retention_in_days",
                located(r, &d.address, "retention_in_days"),
            ));
        }
        if let Some(c) = d.capture_spans.first() {
            spans.push((
                "capture_destination",
                located(*c, &d.address, "capture_destination"),
            ));
        }
        let mut f = declare(datastore_uid(i), spans, &d.address);
        f.units = vec![d.root];
        f.resources = vec![d.address.clone()];
        if named_tier(d) {
            f.name_basis.push(tier_basis(d));
        }
        f.vars = vec![
            (
                "tier",
                d.tier
                    .map_or("unclassified", |t| t.as_str())
                    .to_string()
                    .into(),
            ),
            ("attribute", derived[i].missing_tags.join(", ").into()),
            (
                "value",
                match (derived[i].retention_days, d.storage.encryption.as_deref()) {
                    (Some(r), _) => format!("{r} days").into(),
                    (None, Some(e)) => e.into(),
                    _ => "".into(),
                },
            ),
            ("cloud", d.kind.cloud().as_str().into()),
        ];

        facts.push(f);
    }
    for (i, d) in inv.documents.iter().enumerate() {
        let mut f = declare(
            document_uid(i),
            vec![("document", located(d.span, &d.owner, ""))],
            &d.owner,
        );
        f.units = vec![d.root];
        let tiers = analysis.document_tiers.get(i).cloned().unwrap_or_default();
        f.vars = vec![
            (
                "tier",
                tiers
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ),
            ("value", d.name.clone().into()),
            ("cloud", Cloud::of_address(&d.owner).as_str().into()),
        ];
        let firm = analysis
            .document_firm_tiers
            .get(i)
            .cloned()
            .unwrap_or_default();
        if let Some(basis) = named_tiers_basis(&tiers, &firm) {
            f.name_basis.push(basis);
        }
        // each statement that reaches a tier is a related location
        for st in &d.statements {
            let reach = analysis.statements.get(&(i, st.index));
            let st_tiers: BTreeSet<&str> = reach
                .map(|r| r.data_tiers.iter().map(|t| t.as_str()).collect())
                .unwrap_or_default();
            if !st_tiers.is_empty() && !d.external {
                f.related.push(Related {
                    span: st.span,
                    label: format!(
                        "reaches {}",
                        st_tiers.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        facts.push(f);
    }
    statement_facts(inv, analysis, &mut entities, &mut firm_entities, &mut facts);
    ml_facts(inv, sources, config, &mut entities, &mut facts);
    for g in &analysis.control {
        facts.push(control_fact(inv, g));
    }
    let mut contexts = HashMap::new();
    for (i, g) in analysis.grants.iter().enumerate() {
        facts.push(grant_request(inv, i, g, &mut contexts));
    }
    Facts {
        entities,
        firm_entities,
        facts,
        unit_dirs: inv.units.iter().map(|u| u.dir.clone()).collect(),
    }
}

/// Tiers of `all` missing from `firm`: reached only through datastores classified by name.
fn named_tiers_basis(all: &BTreeSet<Tier>, firm: &BTreeSet<Tier>) -> Option<Arc<str>> {
    let named: Vec<&str> = all.difference(firm).map(|t| t.as_str()).collect();
    (!named.is_empty()).then(|| {
        format!(
            "{} reached only through datastores classified by name",
            named.join(", ")
        )
        .into()
    })
}

/// One `Statement` entity and declaration per statement of a scanned document.
fn statement_facts(
    inv: &Inventory,
    analysis: &Analysis,
    entities: &mut Vec<cedar_policy::Entity>,
    firm_entities: &mut Vec<cedar_policy::Entity>,
    facts: &mut Vec<Fact>,
) {
    let by_bucket = stores_by_bucket(inv);
    let mut grants_by_statement: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, g) in analysis.grants.iter().enumerate() {
        grants_by_statement
            .entry((g.document, g.statement))
            .or_default()
            .push(i);
    }
    for (d, doc) in inv.documents.iter().enumerate() {
        for st in &doc.statements {
            let reach = analysis
                .statements
                .get(&(d, st.index))
                .cloned()
                .unwrap_or_default();
            let attrs = |data_tiers: &BTreeSet<Tier>, tiers: &BTreeSet<Tier>| {
                [
                    (
                        "document".to_string(),
                        RestrictedExpression::new_entity_uid(document_uid(d)),
                    ),
                    (
                        "effect".to_string(),
                        s(if st.is_allow() { "Allow" } else { "Deny" }),
                    ),
                    ("document_kind".to_string(), s(doc.kind.as_str())),
                    ("boundary".to_string(), b(doc.boundary)),
                    ("wildcard_action".to_string(), b(reach.wildcard_action)),
                    ("wildcard_resource".to_string(), b(reach.wildcard_resource)),
                    ("conditional".to_string(), b(!st.conditions.is_empty())),
                    ("public".to_string(), b(reach.public)),
                    ("tiers".to_string(), set(tiers.iter().map(|t| t.as_str()))),
                    (
                        "data_tiers".to_string(),
                        set(data_tiers.iter().map(|t| t.as_str())),
                    ),
                    (
                        "unknown".to_string(),
                        set(if st.unknown {
                            vec!["elements".to_string()]
                        } else {
                            Vec::new()
                        }),
                    ),
                ]
            };
            let entity = |data_tiers: &BTreeSet<Tier>, tiers: &BTreeSet<Tier>| {
                cedar_policy::Entity::new(
                    statement_uid(d, st.index),
                    attrs(data_tiers, tiers).into_iter().collect(),
                    Default::default(),
                )
                .expect("statement attributes are plain values")
            };
            entities.push(entity(&reach.data_tiers, &reach.tiers));
            let named =
                reach.data_tiers != reach.firm_data_tiers || reach.tiers != reach.firm_tiers;
            if named {
                firm_entities.push(entity(&reach.firm_data_tiers, &reach.firm_tiers));
            }
            let at = |span: Span, path: String| located(span, &doc.owner, path);
            let mut spans = Vec::new();
            if !doc.external {
                spans.push(("statement", at(st.span, st.path.clone())));
                // the element that carries the wildcard: the action when it is one, else the resource
                let wildcard = match (&st.actions, &st.resources) {
                    (Some(a), _) if reach.wildcard_action => {
                        Some(at(a.span, format!("{}.Action", st.path)))
                    }
                    (_, Some(r)) if reach.wildcard_resource => {
                        Some(at(r.span, format!("{}.Resource", st.path)))
                    }
                    _ => None,
                };
                if let Some(w) = wildcard {
                    spans.push(("wildcard", w));
                }
                if let Some(a) = &st.actions {
                    spans.push(("action", at(a.span, format!("{}.Action", st.path))));
                }
                if let Some(r) = &st.resources {
                    spans.push(("resource", at(r.span, format!("{}.Resource", st.path))));
                }
            }
            spans.push(("document", at(doc.span, String::new())));
            let mut related = Vec::new();
            let mut principals = BTreeSet::new();
            let mut resources: BTreeSet<usize> = BTreeSet::new();
            let mut units = vec![doc.root];
            for g in grants_by_statement
                .get(&(d, st.index))
                .into_iter()
                .flatten()
                .map(|&g| &analysis.grants[g])
            {
                units.push(inv.principals[g.principal].root);
                principals.insert(inv.principals[g.principal].address.clone());
                if inv.datastores[g.datastore]
                    .tier
                    .is_some_and(|t| t.is_data_tier())
                {
                    resources.insert(g.datastore);
                }
            }
            // a document attached to nothing reaches its datastores without grants
            resources.extend(reach.data_stores.iter().copied());
            if reach.public {
                // a public resource policy exposes the tiered datastores it governs
                let governed = doc
                    .governs
                    .and_then(|g| by_bucket.get(&g))
                    .map_or(&[][..], Vec::as_slice);
                for &j in governed {
                    if inv.datastores[j].tier.is_some_and(|t| t.is_data_tier()) {
                        resources.insert(j);
                    }
                }
            }
            for ds in resources.iter().map(|&j| &inv.datastores[j]) {
                units.push(ds.root);
                let r = Related {
                    span: ds.span,
                    label: format!("`{}`: {}", ds.address, tier_label(ds)),
                };
                if !related.contains(&r) {
                    related.push(r);
                }
            }
            facts.push(Fact {
                principal: uid("Repo", "scan"),
                action: action_uid("declare"),
                resource: statement_uid(d, st.index),
                context: Default::default(),
                spans,
                related,
                principals: principals.into_iter().collect(),
                resources: resources
                    .iter()
                    .map(|&j| inv.datastores[j].address.clone())
                    .collect(),
                vars: vec![
                    // the tiers of the datastores the finding lists: those it grants, and for a
                    // public statement (which grants no principal) those of what it governs
                    (
                        "tier",
                        reach
                            .data_tiers
                            .iter()
                            .copied()
                            .chain(resources.iter().filter_map(|&j| inv.datastores[j].tier))
                            .collect::<BTreeSet<Tier>>()
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                            .into(),
                    ),
                    ("value", doc.name.clone().into()),
                    ("cloud", Cloud::of_address(&doc.owner).as_str().into()),
                ],
                address: doc.owner.clone(),
                units: units_of(&units),
                name_basis: resources
                    .iter()
                    .map(|&j| &inv.datastores[j])
                    .filter(|ds| named_tier(ds))
                    .map(tier_basis)
                    .chain(
                        named
                            .then(|| named_tiers_basis(&reach.tiers, &reach.firm_tiers))
                            .flatten(),
                    )
                    .take(1)
                    .collect(),
                grant: None,
            });
        }
    }
}

/// What a grant's context holds, as a key: the action set by identity (the grants of one
/// statement share it), the flags and the policy kind.
type ContextKey = (
    usize,
    bool,
    bool,
    bool,
    &'static str,
    &'static str,
    &'static str,
);

/// A grant's request: what Cedar needs to decide it (and the units and name basis the engine
/// reads), without what only a finding needs.
fn grant_request(
    inv: &Inventory,
    index: usize,
    g: &Grant,
    contexts: &mut HashMap<ContextKey, Arc<Vec<(String, RestrictedExpression)>>>,
) -> Fact {
    let p = &inv.principals[g.principal];
    let d = &inv.datastores[g.datastore];
    let doc = &inv.documents[g.document];
    let key = (
        Arc::as_ptr(&g.actions) as usize,
        g.conditional,
        g.wildcard_action,
        g.wildcard_resource,
        doc.kind.as_str(),
        g.kms_gate,
        g.coverage.as_str(),
    );
    let context = contexts
        .entry(key)
        .or_insert_with(|| Arc::new(grant_context(g, doc)))
        .clone();
    Fact {
        principal: principal_uid(g.principal),
        action: action_uid(g.class.as_str()),
        resource: datastore_uid(g.datastore),
        context,
        spans: Vec::new(),
        related: Vec::new(),
        principals: Vec::new(),
        resources: Vec::new(),
        vars: Vec::new(),
        address: String::new(),
        units: units_of(&[p.root, d.root, doc.root]),
        name_basis: grant_name_basis(p, d),
        grant: Some(index),
    }
}

fn grant_context(g: &Grant, doc: &Document) -> Vec<(String, RestrictedExpression)> {
    vec![
        ("actions".to_string(), set(g.actions.iter().cloned())),
        ("conditional".to_string(), b(g.conditional)),
        ("wildcard_action".to_string(), b(g.wildcard_action)),
        ("wildcard_resource".to_string(), b(g.wildcard_resource)),
        ("via".to_string(), s(doc.kind.as_str())),
        ("kms_gate".to_string(), s(g.kms_gate)),
        ("coverage".to_string(), s(g.coverage.as_str())),
    ]
}

fn grant_name_basis(p: &Principal, d: &Datastore) -> Vec<Arc<str>> {
    named_workloads(p)
        .then(|| workload_basis(p))
        .into_iter()
        .chain(named_tier(d).then(|| tier_basis(d)))
        .collect()
}

impl Facts {
    /// Fact `i` with everything a finding reads: a grant's spans, related locations, names and
    /// message values are built here, for the facts a rule fired on.
    pub fn detailed(
        &self,
        i: usize,
        inv: &Inventory,
        analysis: &Analysis,
    ) -> std::borrow::Cow<'_, Fact> {
        let fact = &self.facts[i];
        match fact.grant.and_then(|g| analysis.grants.get(g)) {
            Some(g) => std::borrow::Cow::Owned(Fact {
                grant: fact.grant,
                ..grant_fact(inv, g)
            }),
            None => std::borrow::Cow::Borrowed(fact),
        }
    }
}

fn grant_fact(inv: &Inventory, g: &Grant) -> Fact {
    let p = &inv.principals[g.principal];
    let d = &inv.datastores[g.datastore];
    let doc = &inv.documents[g.document];
    let st = &doc.statements[g.statement];
    let at = |span: Span, path: String| located(span, &doc.owner, path);
    let attachment = g.attachment.map(|a| &inv.attachments[a]);
    let mut spans = Vec::new();
    match (doc.external, attachment) {
        // the statement is not in a scanned file: point at what brought it in
        (true, Some(att)) => spans.push(("statement", located(att.span, &att.address, ""))),
        _ => {
            spans.push(("statement", at(st.span, st.path.clone())));
            if let Some(a) = &st.actions {
                spans.push(("action", at(a.span, format!("{}.Action", st.path))));
            }
            if let Some(r) = &st.resources {
                spans.push(("resource", at(r.span, format!("{}.Resource", st.path))));
            }
            spans.push(("document", at(doc.span, String::new())));
        }
    }
    spans.push(("datastore", located(d.span, &d.address, "")));
    let mut related = Vec::new();
    if let Some(att) = attachment {
        spans.push(("attachment", located(att.span, &att.address, "")));
        if !att.span.contains(&st.span) {
            related.push(Related {
                span: att.span,
                label: format!("attached to `{}` here", p.address),
            });
        }
    }
    // impersonation: the path goes through each service account whose rights it uses
    let mut actor = p;
    for sa in g.through.iter().flat_map(|path| path.iter()) {
        let sa = &inv.principals[*sa];
        related.push(Related {
            span: sa.span,
            label: format!("`{}` acts as `{}`", actor.address, sa.address),
        });
        actor = sa;
    }
    related.push(Related {
        span: d.span,
        label: format!("`{}`: {}", d.address, tier_label(d)),
    });
    let workloads: Arc<str> = if p.workloads.is_empty() {
        "no workload".into()
    } else {
        p.workloads
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
            .into()
    };
    let actions_text: Arc<str> = g
        .actions
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
        .into();
    let context = Arc::new(grant_context(g, doc));
    Fact {
        principal: principal_uid(g.principal),
        action: action_uid(g.class.as_str()),
        resource: datastore_uid(g.datastore),
        context,
        spans,
        related,
        principals: vec![p.address.clone()],
        resources: vec![d.address.clone()],
        vars: vec![
            ("workloads", workloads),
            (
                "tier",
                d.tier
                    .map_or("unclassified", |t| t.as_str())
                    .to_string()
                    .into(),
            ),
            ("actions", actions_text),
            (
                "conditional",
                if g.conditional { " (conditional)" } else { "" }
                    .to_string()
                    .into(),
            ),
            ("cloud", d.kind.cloud().as_str().into()),
        ],
        address: doc.owner.clone(),
        units: units_of(&[p.root, d.root, doc.root]),
        name_basis: grant_name_basis(p, d),
        grant: None,
    }
}

/// Distinct units, ascending.
fn units_of(roots: &[usize]) -> Vec<usize> {
    let mut v = roots.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn repo_entity(inv: &Inventory, config: &Config) -> cedar_policy::Entity {
    let il = &config.inference_logs;
    let external = il
        .bedrock_invocation_logging
        .as_ref()
        .is_some_and(|v| v.get_ref() == "external");
    let mut attrs = vec![
        (
            "bedrock_invocation_logging_external".to_string(),
            b(external),
        ),
        (
            "bedrock_invocation_logging".to_string(),
            b(inv.bedrock_invocation_logging),
        ),
        (
            "vertex_audit_logging_external".to_string(),
            b(il.vertex_audit_logging
                .as_ref()
                .is_some_and(|v| v.get_ref() == "external")),
        ),
        (
            "vertex_audit_logging".to_string(),
            b(inv.gcp.vertex_audit_logging),
        ),
        (
            "model_armor_floor_setting_external".to_string(),
            b(config
                .llm_safety
                .model_armor_floor_setting
                .as_ref()
                .is_some_and(|v| v.get_ref() == "external")),
        ),
        (
            "azure_openai_request_logging".to_string(),
            b(inv.azure_openai_unlogged.is_empty()),
        ),
        (
            "declared_subservices".to_string(),
            set(config
                .subservices
                .declared
                .iter()
                .map(|s| s.get_ref().clone())),
        ),
    ];
    if let Some(min) = &il.retention_min_days {
        attrs.push((
            "retention_min_days".to_string(),
            RestrictedExpression::new_long(*min.get_ref()),
        ));
    }
    if let Some(max) = &il.retention_max_days {
        attrs.push((
            "retention_max_days".to_string(),
            RestrictedExpression::new_long(*max.get_ref()),
        ));
    }
    cedar_policy::Entity::new(
        uid("Repo", "scan"),
        attrs.into_iter().collect(),
        Default::default(),
    )
    .expect("repo attributes are plain values")
}

fn entity(
    kind: &str,
    id: String,
    attrs: Vec<(&str, RestrictedExpression)>,
) -> cedar_policy::Entity {
    let attrs = attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    cedar_policy::Entity::new(uid(kind, &id), attrs, Default::default())
        .expect("ML resource attributes are plain values")
}

fn declaration(resource: EntityUid, spans: Vec<(&'static str, Located)>, address: &str) -> Fact {
    Fact {
        principal: uid("Repo", "scan"),
        action: action_uid("declare"),
        resource,
        context: Default::default(),
        spans,
        related: Vec::new(),
        principals: Vec::new(),
        resources: vec![address.to_string()],
        vars: Vec::new(),
        address: address.to_string(),
        units: Vec::new(),
        name_basis: Vec::new(),
        grant: None,
    }
}

/// Endpoint configurations, endpoints, models, agents and third-party AI services.
fn ml_facts(
    inv: &Inventory,
    sources: &Sources,
    config: &Config,
    entities: &mut Vec<cedar_policy::Entity>,
    facts: &mut Vec<Fact>,
) {
    // an endpoint tagged public makes its configuration exempt too (found once, not per
    // configuration)
    let public_configs: std::collections::HashSet<usize> = inv
        .endpoints
        .iter()
        .filter(|e| e.public)
        .filter_map(|e| e.config)
        .collect();
    for (i, c) in inv.endpoint_configs.iter().enumerate() {
        let public = c.public || public_configs.contains(&i);
        let mut attrs = vec![
            ("address", s(&c.address)),
            ("capture", b(c.capture_span.is_some())),
            ("capture_enabled", b(c.capture_enabled)),
            ("capture_modes", set(c.capture_modes.iter().cloned())),
            ("serverless", b(c.serverless)),
            ("public", b(public)),
            ("unknown", set(c.unknown.iter().cloned())),
        ];
        if let Some(p) = c.sampling_percentage {
            attrs.push(("sampling_percentage", RestrictedExpression::new_long(p)));
        }
        entities.push(entity("EndpointConfig", format!("c{i}"), attrs));
        let mut spans = vec![("block", located(c.span, &c.address, ""))];
        if let Some(cs) = c.capture_span {
            spans.push(("capture", located(cs, &c.address, "data_capture_config")));
        }
        let mut f = declaration(uid("EndpointConfig", &format!("c{i}")), spans, &c.address);
        f.units = vec![c.root];
        f.vars
            .push(("cloud", Cloud::of_address(&c.address).as_str().into()));
        facts.push(f);
    }
    for (i, e) in inv.endpoints.iter().enumerate() {
        let serverless = e.config.is_some_and(|c| inv.endpoint_configs[c].serverless);
        let public = e.public || e.config.is_some_and(|c| inv.endpoint_configs[c].public);
        entities.push(entity(
            "Endpoint",
            format!("e{i}"),
            vec![
                ("address", s(&e.address)),
                ("serverless", b(serverless)),
                ("public", b(public)),
                ("monitored", b(e.monitored)),
                ("alarmed", b(e.alarmed)),
                ("unknown", set(e.unknown.iter().cloned())),
            ],
        ));
        let spans = vec![("block", located(e.span, &e.address, ""))];
        let mut f = declaration(uid("Endpoint", &format!("e{i}")), spans, &e.address);
        f.units = vec![e.root];
        f.vars
            .push(("cloud", Cloud::of_address(&e.address).as_str().into()));
        facts.push(f);
    }
    for (i, m) in inv.models.iter().enumerate() {
        entities.push(entity(
            "Model",
            format!("m{i}"),
            vec![
                ("address", s(&m.address)),
                ("from_registry", b(m.from_registry)),
                ("served", b(m.served)),
                ("unknown", set(m.unknown.iter().cloned())),
            ],
        ));
        let cloud = Cloud::of_address(&m.address);
        // a Vertex AI Model Garden deployment names its model in an attribute, not a container
        let container = match cloud {
            Cloud::Gcp => "publisher_model_name",
            _ => "primary_container",
        };
        let spans = vec![
            (
                "container",
                located(m.container_span, &m.address, container),
            ),
            ("block", located(m.span, &m.address, "")),
        ];
        let mut f = declaration(uid("Model", &format!("m{i}")), spans, &m.address);
        f.units = vec![m.root];
        f.vars.push(("cloud", cloud.as_str().into()));
        facts.push(f);
    }
    for (i, a) in inv.agents.iter().enumerate() {
        entities.push(entity(
            "Agent",
            format!("a{i}"),
            vec![
                ("address", s(&a.address)),
                ("guardrail", b(a.guardrail)),
                ("cloud", s(Cloud::of_address(&a.address).as_str())),
                ("unknown", set(a.unknown.iter().cloned())),
            ],
        ));
        let spans = vec![("block", located(a.span, &a.address, ""))];
        let mut f = declaration(uid("Agent", &format!("a{i}")), spans, &a.address);
        f.units = vec![a.root];
        f.vars
            .push(("cloud", Cloud::of_address(&a.address).as_str().into()));
        facts.push(f);
    }
    // one AI service entity per service, at its first use in (file, line) order
    let mut uses: Vec<&crate::model::ml::AiUse> = inv.ai_uses.iter().collect();
    uses.sort_by_cached_key(|u| {
        let f = sources.get(u.span.file);
        (
            f.display.clone(),
            f.position(u.span.start).line,
            u.span.start,
        )
    });
    let mut seen = BTreeSet::new();
    for u in uses {
        if !seen.insert(u.service) {
            continue;
        }
        let declared = config
            .subservices
            .declared
            .iter()
            .any(|d| d.get_ref() == u.service);
        entities.push(entity(
            "AiService",
            u.service.to_string(),
            vec![
                ("name", s(u.service)),
                ("declared", b(declared)),
                ("how", s(&u.how)),
            ],
        ));
        let spans = vec![("use", located(u.span, "", format!("use:{}", u.service)))];
        let mut f = declaration(uid("AiService", u.service), spans, u.service);
        // every root that uses the service at this place (a shared module's provider or call)
        f.units = units_of(
            &inv.ai_uses
                .iter()
                .filter(|o| o.service == u.service && o.span == u.span)
                .map(|o| o.root)
                .collect::<Vec<_>>(),
        );
        f.vars = vec![
            ("value", u.service.to_string().into()),
            ("attribute", u.how.clone().into()),
            ("cloud", Cloud::of_ai_service(u.service).as_str().into()),
        ];
        facts.push(f);
    }
}

fn control_fact(inv: &Inventory, g: &crate::access::ControlGrant) -> Fact {
    let p = &inv.principals[g.principal];
    let doc = &inv.documents[g.document];
    let st = &doc.statements[g.statement];
    let attachment = g.attachment.map(|a| &inv.attachments[a]);
    let mut spans = Vec::new();
    match (doc.external, attachment) {
        (true, Some(att)) => spans.push(("statement", located(att.span, &att.address, ""))),
        _ => {
            spans.push(("statement", located(st.span, &doc.owner, st.path.clone())));
            spans.push(("document", located(doc.span, &doc.owner, "")));
        }
    }
    if let Some(att) = attachment {
        spans.push(("attachment", located(att.span, &att.address, "")));
    }
    let workloads = if p.workloads.is_empty() {
        "no workload".to_string()
    } else {
        p.workloads.iter().cloned().collect::<Vec<_>>().join(", ")
    };
    Fact {
        principal: principal_uid(g.principal),
        action: action_uid(g.class.as_str()),
        resource: uid("Registry", "sagemaker"),
        context: Arc::new(vec![
            ("actions".to_string(), set(g.actions.iter().cloned())),
            ("conditional".to_string(), b(g.conditional)),
            ("wildcard_action".to_string(), b(false)),
            ("wildcard_resource".to_string(), b(false)),
            ("via".to_string(), s(doc.kind.as_str())),
            ("kms_gate".to_string(), s("not-needed")),
            ("coverage".to_string(), s("whole")),
        ]),
        spans,
        related: Vec::new(),
        principals: vec![p.address.clone()],
        resources: Vec::new(),
        vars: vec![
            ("workloads", workloads.into()),
            (
                "actions",
                g.actions
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ),
            ("cloud", p.cloud.as_str().into()),
        ],
        address: doc.owner.clone(),
        units: units_of(&[p.root, doc.root]),
        name_basis: named_workloads(p)
            .then(|| workload_basis(p))
            .into_iter()
            .collect(),
        grant: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys_are_stripped_from_addresses() {
        assert_eq!(
            strip_keys(r#"module.team["a[b]"].aws_iam_role.this[0]"#),
            "module.team.aws_iam_role.this"
        );
    }
}
