//! Access analysis: who can do what to which datastore, through which statement, with IAM's
//! semantics: identity policies (inline, managed, AWS managed, through groups) within permissions
//! boundaries, resource policies that name the principal, every Deny that applies, Not* elements,
//! wildcards, resource types, and conditions decided against the known principal.

pub mod azure;
pub mod azure_resolve;
pub mod azure_roles;
pub mod bindings;
pub mod catalog;
pub mod conditions;
pub mod gcp;
pub mod gcp_deny;
pub mod matcher;

use crate::config::Config;
use crate::model::classify::Tier;
use crate::model::policy::{Field, Statement};
use crate::model::{
    Datastore, DatastoreKind, DocumentId, DocumentKind, Inventory, PrincipalId, PrincipalKind,
};
use catalog::{ActionClass, ActionInfo, ResourceKinds};

use conditions::Truth;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// One way a principal reaches a datastore: a statement that grants an action class.
#[derive(Clone, Debug)]
pub struct Grant {
    pub principal: PrincipalId,
    pub datastore: usize,
    pub class: ActionClass,
    /// The IAM actions granted, as the catalog spells them (`s3:GetObject`); shared by the
    /// grants of one statement that match the same actions (a wildcard resource reaches every
    /// datastore with the same list).
    pub actions: Arc<BTreeSet<String>>,
    pub document: DocumentId,
    pub statement: usize,
    /// Index into `Inventory::attachments`; `None` when a resource policy grants it.
    pub attachment: Option<usize>,
    /// An Allow whose conditions could not be decided.
    pub conditional: bool,
    /// Through an action wildcard covering a whole service (`*`, `s3:*`, any `NotAction`).
    pub wildcard_action: bool,
    /// Through a resource wildcard covering every bucket (`*`, `arn:aws:s3:::*`, any `NotResource`).
    pub wildcard_resource: bool,
    /// For reads of SSE-KMS data: can the principal also decrypt (`granted`, `denied`, `unknown`),
    /// or is no key of the customer's involved (`not-needed`). Recorded, never used to drop a grant.
    pub kms_gate: &'static str,
    /// How much of the datastore the statement's resources cover for these actions.
    pub coverage: Coverage,
    /// The service accounts whose rights the principal uses (impersonation through
    /// `iam.serviceAccounts.getAccessToken` and the like), when the grant is not its own: the
    /// principal acts as the first, which acts as the next; the grant is the last one's.
    pub through: Option<Arc<[PrincipalId]>>,
}

/// How much of a datastore a statement's resource patterns cover, for one kind of resource.
/// Ordered: a grant through several patterns takes the widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coverage {
    /// Only keys (or streams) matching literal text inside the key, through a pattern that does
    /// not name this bucket or log group: `arn:aws:s3:::*/*aws-glue-*/*`, a naming convention
    /// laid over every bucket, says nothing about what any one of them holds.
    Sliver,
    /// Part of the keys of a bucket (or log group) the pattern names in full or by reference:
    /// `${aws_s3_bucket.lake.arn}/datasets/*` is access chosen for this bucket.
    Part,
    /// Every key of the bucket, the whole prefix of a prefix store, or the bucket or log group
    /// itself for actions on it: `arn:aws:s3:::lake/*`, `*`, `arn:aws:s3:::*/*`.
    Whole,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Sliver => "sliver",
            Coverage::Part => "part",
            Coverage::Whole => "whole",
        }
    }
}

/// What one statement reaches, for rules about statements and documents.
#[derive(Clone, Debug, Default)]
pub struct StatementReach {
    /// Tiers it grants data access (read or write) to, after the Denies that apply.
    pub data_tiers: BTreeSet<Tier>,
    /// Tiers of every datastore it names, whatever the access.
    pub tiers: BTreeSet<Tier>,
    pub wildcard_action: bool,
    pub wildcard_resource: bool,
    /// A resource policy statement open to anyone (S3 Block Public Access's definition).
    pub public: bool,
    /// `data_tiers` and `tiers` without name-derived tiers: what a finding at high confidence
    /// can rest on.
    pub firm_data_tiers: BTreeSet<Tier>,
    pub firm_tiers: BTreeSet<Tier>,
    /// The datastores behind `data_tiers`, for the statement's finding to name.
    pub data_stores: BTreeSet<usize>,
}

/// A principal's permission to approve or deploy models (the ML control plane).
#[derive(Clone, Debug)]
pub struct ControlGrant {
    pub principal: PrincipalId,
    pub class: ActionClass,
    pub actions: BTreeSet<String>,
    pub document: DocumentId,
    pub statement: usize,
    pub attachment: Option<usize>,
    pub conditional: bool,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub grants: Vec<Grant>,
    pub control: Vec<ControlGrant>,
    pub statements: BTreeMap<(DocumentId, usize), StatementReach>,
    /// Per document: the tiers it grants data access to on its own (after its own Denies).
    pub document_tiers: Vec<BTreeSet<Tier>>,
    /// The same without name-derived tiers.
    pub document_firm_tiers: Vec<BTreeSet<Tier>>,
    /// Where the analysis stopped at a budget (docs/security.md), and why: the scan reports each
    /// as an error, since what it did not follow may hide grants.
    pub budget_errors: Vec<(crate::source::Span, String)>,
}

/// (datastore, action, how much of the datastore) triples a statement's Action and Resource
/// elements cover.
type Reach = Vec<(usize, &'static ActionInfo, Coverage)>;

struct Analyzer<'a> {
    inv: &'a Inventory,
    config: &'a Config,
    index: matcher::Index,
    units: Units,
    /// By (document, statement, scoped to its unit).
    cache: HashMap<(DocumentId, usize, bool), Reach>,
    /// Statements that allow `kms:Decrypt` without conditions, found once for the KMS gate.
    decrypting: std::collections::HashSet<(DocumentId, usize)>,
    /// KMS key policies by the key they govern.
    key_policies: HashMap<std::sync::Arc<crate::terraform::value::Address>, DocumentId>,
}

pub fn analyze(inv: &Inventory, config: &Config) -> Analysis {
    let mut a = Analyzer {
        inv,
        config,
        index: matcher::Index::new(&inv.datastores),
        units: Units::new(inv),
        cache: HashMap::new(),
        decrypting: decrypting_statements(inv),
        key_policies: inv
            .documents
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.key.clone().map(|k| (k, i)))
            .collect(),
    };
    let mut out = Analysis::default();
    let resource_statements = ResourceStatements::new(inv);
    // identity attachments per principal, groups reaching their members
    let mut attached: BTreeMap<PrincipalId, Vec<usize>> = BTreeMap::new();
    for (i, at) in inv.attachments.iter().enumerate() {
        attached.entry(at.principal).or_default().push(i);
    }
    for (p, principal) in inv.principals.iter().enumerate() {
        if principal.cloud != crate::model::Cloud::Aws {
            continue;
        }
        let mut mine: Vec<usize> = attached.get(&p).cloned().unwrap_or_default();
        for g in &principal.groups {
            mine.extend(attached.get(g).into_iter().flatten().copied());
        }
        let named = resource_statements.candidates(p);
        a.principal_grants(p, &mine, &named, &mut out);
    }
    // documents on their own: DT001 reads them whole, DT005 when nothing attaches them
    for d in 0..inv.documents.len() {
        let doc = &inv.documents[d];
        if doc.kind == DocumentKind::Binding {
            // another cloud's role bindings: `bindings::apply` fills their entries below
            out.document_tiers.push(BTreeSet::new());
            out.document_firm_tiers.push(BTreeSet::new());
            continue;
        }
        let own_denies = a.denied_by(d, None);
        let mut tiers = BTreeSet::new();
        let mut firm_tiers = BTreeSet::new();
        for st in doc.statements.iter().filter(|s| s.is_allow()) {
            let reach: Vec<(usize, &ActionInfo)> = a
                .reach(d, st)
                .into_iter()
                .filter(|(ds, act, _)| !own_denies.contains(&(*ds, act.name)))
                .map(|(ds, act, _)| (ds, act))
                .collect();
            let st_tiers = data_tiers(&reach, &inv.datastores, false);
            let st_firm = data_tiers(&reach, &inv.datastores, true);
            tiers.extend(st_tiers.iter().copied());
            firm_tiers.extend(st_firm.iter().copied());
            let all_tiers: BTreeSet<Tier> = reach
                .iter()
                .filter_map(|(ds, _)| inv.datastores[*ds].tier)
                .collect();
            let all_firm: BTreeSet<Tier> = reach
                .iter()
                .filter_map(|(ds, _)| firm_tier(&inv.datastores[*ds]))
                .collect();
            let entry = out.statements.entry((d, st.index)).or_default();
            entry.tiers.extend(all_tiers);
            entry.firm_tiers.extend(all_firm);
            entry.public |= doc.kind == DocumentKind::Resource && is_public(st);
            entry.wildcard_action |= st.actions.as_ref().is_some_and(is_service_wildcard);
            entry.wildcard_resource |= is_resource_wildcard(st);
            let unattached = doc.kind == DocumentKind::Standalone
                || (!doc.boundary
                    && doc.kind != DocumentKind::Resource
                    && !inv.attachments.iter().any(|x| x.document == d));
            if unattached {
                entry.data_tiers.extend(st_tiers);
                entry.firm_data_tiers.extend(st_firm);
                entry
                    .data_stores
                    .extend(data_stores(&reach, &inv.datastores));
            }
        }
        let grants_nothing = doc.boundary && !inv.attachments.iter().any(|x| x.document == d);
        // a boundary limits; it grants nothing
        out.document_tiers.push(if grants_nothing {
            BTreeSet::new()
        } else {
            tiers
        });
        out.document_firm_tiers.push(if grants_nothing {
            BTreeSet::new()
        } else {
            firm_tiers
        });
    }
    if !inv.gcp.is_empty() {
        let (resolved, budget_errors) = gcp::resolve(inv, config);
        bindings::apply(inv, &resolved, &mut out);
        out.budget_errors.extend(budget_errors);
    }
    if !inv.azure.is_empty() {
        let resolved = azure_resolve::resolve(inv, config);
        bindings::apply(inv, &resolved, &mut out);
    }
    out
}

/// Which deployment units a wildcard or pattern written in one unit reaches: its own, and units
/// known to share its account (model.md, "Deployment units").
struct Units {
    /// Datastores of each unit, ascending.
    stores: Vec<Vec<usize>>,
    /// Units by account id and by account group (`group:` prefixed).
    by_key: HashMap<String, Vec<usize>>,
    keys: Vec<Vec<String>>,
    placed: Vec<bool>,
    memo: HashMap<usize, Arc<Reachable>>,
}

/// The units one unit's wildcards reach, and their datastores.
pub(crate) struct Reachable {
    /// Ascending.
    units: Vec<usize>,
    /// Ascending.
    stores: Vec<usize>,
}

impl Reachable {
    fn allows(&self, unit: usize) -> bool {
        self.units.binary_search(&unit).is_ok()
    }
}

impl Units {
    fn new(inv: &Inventory) -> Units {
        let n = inv.units.len().max(inv.roots);
        let mut stores = vec![Vec::new(); n];
        for (i, d) in inv.datastores.iter().enumerate() {
            if let Some(s) = stores.get_mut(d.root) {
                s.push(i);
            }
        }
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut keys = vec![Vec::new(); n];
        let mut placed = vec![true; n];
        for (u, unit) in inv.units.iter().enumerate() {
            placed[u] = unit.dir.is_some();
            let own: Vec<String> = unit
                .accounts
                .iter()
                .cloned()
                .chain(unit.groups.iter().map(|g| format!("group:{g}")))
                .collect();
            for k in &own {
                by_key.entry(k.clone()).or_default().push(u);
            }
            keys[u] = own;
        }
        Units {
            stores,
            by_key,
            keys,
            placed,
            memo: HashMap::new(),
        }
    }

    /// `None` when the unit's wildcards are not limited: a policy file outside every root
    /// belongs to no deployment, so nothing says which account it would be used in.
    fn reachable(&mut self, unit: usize) -> Option<Arc<Reachable>> {
        if !self.placed.get(unit).copied().unwrap_or(false) {
            return None;
        }
        if let Some(r) = self.memo.get(&unit) {
            return Some(r.clone());
        }
        let mut units = vec![unit];
        for k in &self.keys[unit] {
            units.extend(self.by_key.get(k).into_iter().flatten().copied());
        }
        units.sort_unstable();
        units.dedup();
        let mut stores: Vec<usize> = units
            .iter()
            .flat_map(|&u| self.stores[u].iter().copied())
            .collect();
        stores.sort_unstable();
        let r = Arc::new(Reachable { units, stores });
        self.memo.insert(unit, r.clone());
        Some(r)
    }
}

/// The data tiers a statement grants read or write to; `firm`: leaving out name-derived tiers.
fn data_tiers(
    reach: &[(usize, &ActionInfo)],
    datastores: &[Datastore],
    firm: bool,
) -> BTreeSet<Tier> {
    reach
        .iter()
        .filter(|(_, a)| matches!(a.class, Some(ActionClass::Read | ActionClass::Write)))
        .filter_map(|(d, _)| match firm {
            true => firm_tier(&datastores[*d]),
            false => datastores[*d].tier,
        })
        .filter(|t| t.is_data_tier())
        .collect()
}

/// The datastores of data tiers a statement grants read or write to.
fn data_stores(reach: &[(usize, &ActionInfo)], datastores: &[Datastore]) -> BTreeSet<usize> {
    reach
        .iter()
        .filter(|(_, a)| matches!(a.class, Some(ActionClass::Read | ActionClass::Write)))
        .filter(|(d, _)| datastores[*d].tier.is_some_and(|t| t.is_data_tier()))
        .map(|(d, _)| *d)
        .collect()
}

/// A datastore's tier unless it came from its name.
fn firm_tier(d: &Datastore) -> Option<Tier> {
    d.tier.filter(|_| d.tier_reason.source != "name")
}

impl Analyzer<'_> {
    /// What a statement reaches: an Allow's wildcards and patterns stay within its deployment
    /// unit (and units sharing its account); a Deny's do not, since it removes access wherever
    /// it is.
    fn reach(&mut self, doc: DocumentId, st: &Statement) -> Reach {
        self.reach_in(doc, st, st.is_allow())
    }

    fn reach_in(&mut self, doc: DocumentId, st: &Statement, scoped: bool) -> Reach {
        if let Some(r) = self.cache.get(&(doc, st.index, scoped)) {
            return r.clone();
        }
        let d = &self.inv.documents[doc];
        let scope = if scoped {
            self.units.reachable(d.root)
        } else {
            None
        };
        let mut r = statement_reach(
            st,
            d.root,
            &self.inv.datastores,
            &self.index,
            scope.as_deref(),
        );
        if let Some(governed) = d.governs {
            // a bucket policy governs its bucket and the bucket's prefixes, nothing else
            r.retain(|(ds, _, _)| self.inv.bucket_of(*ds) == governed);
        }
        self.cache.insert((doc, st.index, scoped), r.clone());
        r
    }

    /// (datastore, action name) pairs a document's Deny statements remove. With a principal,
    /// conditions on principal keys are decided for it; without, only unconditional Denies count.
    fn denied_by(
        &mut self,
        doc: DocumentId,
        principal: Option<PrincipalId>,
    ) -> BTreeSet<(usize, &'static str)> {
        let mut out = BTreeSet::new();
        let statements = self.inv.documents[doc].statements.clone();
        for st in statements.iter().filter(|s| !s.is_allow()) {
            let applies = match principal {
                Some(p) => {
                    conditions::evaluate(&st.conditions, &self.inv.principals[p], self.config)
                        == Truth::True
                }
                None => st.conditions.is_empty(),
            };
            if applies {
                out.extend(self.reach(doc, st).into_iter().map(|(d, a, _)| (d, a.name)));
            }
        }
        out
    }

    fn principal_grants(
        &mut self,
        p: PrincipalId,
        attachments: &[usize],
        resource_statements: &BTreeSet<(DocumentId, usize)>,
        out: &mut Analysis,
    ) {
        let inv = self.inv;
        let principal = &inv.principals[p];
        // every Deny that applies: identity documents, and resource policies that name the principal
        let mut denied: BTreeSet<(usize, &'static str)> = BTreeSet::new();
        for &ai in attachments {
            denied.extend(self.denied_by(inv.attachments[ai].document, Some(p)));
        }
        let mut resource_allows: Vec<(DocumentId, usize, bool)> = Vec::new();
        for &(d, si) in resource_statements {
            {
                let st = &inv.documents[d].statements[si];
                let named = names_principal(st, p, inv, self.config);
                if named == Truth::False {
                    continue;
                }
                let cond = conditions::evaluate(&st.conditions, principal, self.config);
                if st.is_allow() {
                    if cond != Truth::False {
                        resource_allows.push((
                            d,
                            st.index,
                            cond == Truth::Unknown || named == Truth::Unknown,
                        ));
                    }
                } else if cond == Truth::True && named == Truth::True {
                    denied.extend(self.reach(d, st).into_iter().map(|(ds, a, _)| (ds, a.name)));
                }
            }
        }
        // a permissions boundary caps identity grants; an unknown boundary caps nothing
        let boundary: Option<BTreeSet<(usize, &'static str)>> = match principal.boundary {
            Some(Some(b)) => {
                let mut allowed = BTreeSet::new();
                let statements = inv.documents[b].statements.clone();
                for st in statements.iter().filter(|s| s.is_allow()) {
                    if conditions::evaluate(&st.conditions, principal, self.config) != Truth::False
                    {
                        // a boundary caps; its wildcards cap everywhere, not only in its unit
                        allowed.extend(
                            self.reach_in(b, st, false)
                                .into_iter()
                                .map(|(d, a, _)| (d, a.name)),
                        );
                    }
                }
                let own_denies = self.denied_by(b, Some(p));
                allowed.retain(|x| !own_denies.contains(x));
                Some(allowed)
            }
            _ => None,
        };
        let mut sources: Vec<(DocumentId, usize, Option<usize>, bool)> = Vec::new();
        for &ai in attachments {
            let d = inv.attachments[ai].document;
            for st in inv.documents[d].statements.iter().filter(|s| s.is_allow()) {
                match conditions::evaluate(&st.conditions, principal, self.config) {
                    Truth::False => {}
                    t => sources.push((d, st.index, Some(ai), t == Truth::Unknown)),
                }
            }
        }
        // Denies count from every policy of the principal, not only those with an Allow
        let mut policies: Vec<DocumentId> = attachments
            .iter()
            .map(|&ai| inv.attachments[ai].document)
            .chain(principal.boundary.flatten())
            .collect();
        policies.sort_unstable();
        policies.dedup();
        self.control_grants(p, &sources, &policies, out);
        sources.extend(resource_allows.into_iter().map(|(d, s, c)| (d, s, None, c)));
        for (d, si, attachment, conditional) in sources {
            let st = &inv.documents[d].statements[si];
            let wildcard_action = st.actions.as_ref().is_some_and(is_service_wildcard);
            let wildcard_resource = is_resource_wildcard(st);
            let mut by_key: BTreeMap<(usize, ActionClass), (BTreeSet<String>, Coverage)> =
                BTreeMap::new();
            let mut reached_tiers = BTreeSet::new();
            let mut reached_firm = BTreeSet::new();
            let mut reached_stores = BTreeSet::new();
            for (ds, action, coverage) in self.reach(d, st) {
                if denied.contains(&(ds, action.name)) {
                    continue;
                }
                if attachment.is_some()
                    && boundary
                        .as_ref()
                        .is_some_and(|b| !b.contains(&(ds, action.name)))
                {
                    continue;
                }
                let Some(class) = action.class else { continue };
                if matches!(class, ActionClass::Read | ActionClass::Write) {
                    if let Some(t) = inv.datastores[ds].tier.filter(|t| t.is_data_tier()) {
                        reached_tiers.insert(t);
                        reached_stores.insert(ds);
                    }
                    if let Some(t) = firm_tier(&inv.datastores[ds]).filter(|t| t.is_data_tier()) {
                        reached_firm.insert(t);
                    }
                }
                let (actions, widest) = by_key
                    .entry((ds, class))
                    .or_insert_with(|| (BTreeSet::new(), coverage));
                actions.insert(action.full_name());
                *widest = (*widest).max(coverage);
            }
            let entry = out.statements.entry((d, si)).or_default();
            entry.data_tiers.extend(reached_tiers);
            entry.firm_data_tiers.extend(reached_firm);
            entry.data_stores.extend(reached_stores);
            let mut shared: Vec<Arc<BTreeSet<String>>> = Vec::new();
            for ((datastore, class), (actions, coverage)) in by_key {
                let actions = match shared.iter().find(|a| ***a == actions) {
                    Some(a) => a.clone(),
                    None => {
                        shared.push(Arc::new(actions));
                        shared[shared.len() - 1].clone()
                    }
                };
                let kms_gate = if class == ActionClass::Read {
                    self.kms_gate(p, attachments, datastore)
                } else {
                    "not-needed"
                };
                out.grants.push(Grant {
                    principal: p,
                    datastore,
                    class,
                    actions,
                    document: d,
                    statement: si,
                    attachment,
                    conditional,
                    wildcard_action,
                    wildcard_resource,
                    kms_gate,
                    coverage,
                    through: None,
                });
            }
        }
    }

    /// Whether a principal that can read SSE-KMS data can also decrypt it: through its identity
    /// policies (kms:Decrypt on the key) or the key's own policy.
    fn kms_gate(&self, p: PrincipalId, attachments: &[usize], datastore: usize) -> &'static str {
        use crate::terraform::value::Part;
        let inv = self.inv;
        let ds = &inv.datastores[datastore];
        let Some(key) = ds
            .storage
            .kms_key_id
            .as_ref()
            .filter(|_| ds.storage.kms_key)
        else {
            return "not-needed"; // no KMS, or the AWS managed key that S3 uses on the caller's behalf
        };
        let key_target = match key.as_slice() {
            [Part::Ref(r)] => Some(r.target.clone()),
            _ => None,
        };
        let key_literal = match key.as_slice() {
            [Part::Lit(l)] => Some(l.as_str()),
            _ => None,
        };

        let names_key = |st: &Statement| {
            st.resources.as_ref().is_some_and(|f| {
                f.not
                    || f.items.iter().any(|e| {
                        match (e.parts.as_slice(), &key_target, key_literal) {
                            ([Part::Lit(l)], _, _) if l == "*" => true,
                            ([Part::Ref(r)], Some(t), _) => r.target == *t,
                            ([Part::Lit(l)], _, Some(k)) => matcher::glob(l, k, false),
                            _ => false,
                        }
                    })
            })
        };
        for &ai in attachments {
            let d = inv.attachments[ai].document;
            if inv.documents[d]
                .statements
                .iter()
                .any(|st| self.decrypting.contains(&(d, st.index)) && names_key(st))
            {
                return "granted";
            }
        }
        let key_policy = key_target.as_ref().and_then(|t| self.key_policies.get(t));
        match key_policy.map(|&d| (d, &inv.documents[d])) {
            Some((d, doc)) => {
                let grants = doc.statements.iter().any(|st| {
                    self.decrypting.contains(&(d, st.index))
                        && names_principal(st, p, inv, self.config) == Truth::True
                });
                if grants {
                    "granted"
                } else {
                    "denied"
                }
            }
            // a key of the configuration with the default key policy: IAM decides, and it did not grant
            None if key_target.is_some() => "denied",
            None => "unknown",
        }
    }
}

impl Analyzer<'_> {
    /// Model approval and deployment rights from identity policies, after the Denies of the
    /// same actions in any of the principal's `policies` (identity, groups', boundary) that
    /// apply to it for certain.
    fn control_grants(
        &mut self,
        p: PrincipalId,
        sources: &[(DocumentId, usize, Option<usize>, bool)],
        policies: &[DocumentId],
        out: &mut Analysis,
    ) {
        fn control(a: &&&ActionInfo) -> bool {
            matches!(
                a.class,
                Some(ActionClass::ApproveModel | ActionClass::DeployModel)
            )
        }
        let mut denied: BTreeSet<&'static str> = BTreeSet::new();
        let principal = &self.inv.principals[p];
        for &d in policies {
            for st in self.inv.documents[d].statements.iter().filter(|s| {
                !s.is_allow()
                    && conditions::evaluate(&s.conditions, principal, self.config) == Truth::True
            }) {
                let everywhere = st
                    .resources
                    .as_ref()
                    .is_some_and(|r| !r.not && r.items.iter().any(|e| e.literal() == Some("*")));
                if everywhere {
                    denied.extend(
                        st.actions
                            .as_ref()
                            .map(actions_of)
                            .unwrap_or_default()
                            .iter()
                            .filter(control)
                            .map(|a| a.name),
                    );
                }
            }
        }
        for &(d, si, attachment, conditional) in sources {
            let st = &self.inv.documents[d].statements[si];
            let Some(actions) = &st.actions else { continue };
            let Some(resources) = &st.resources else {
                continue;
            };
            let mut by_class: BTreeMap<ActionClass, BTreeSet<String>> = BTreeMap::new();
            // an action is granted only on resources of its own types (an S3 ARN grants no
            // `sagemaker:CreateEndpoint`, whatever the Action or NotAction element covers)
            for a in actions_of(actions)
                .iter()
                .filter(control)
                .filter(|a| !denied.contains(a.name))
                .filter(|a| names_resource_of(resources, a))
            {
                if let Some(c) = a.class {
                    by_class.entry(c).or_default().insert(a.full_name());
                }
            }
            for (class, actions) in by_class {
                out.control.push(ControlGrant {
                    principal: p,
                    class,
                    actions,
                    document: d,
                    statement: si,
                    attachment,
                    conditional,
                });
            }
        }
    }
}

/// Can a Resource (or NotResource) element name a resource of one of the action's types?
/// Resource types come from the catalog's ARN templates; a pattern names one when the two globs
/// share some ARN. A reference stands for an ARN of its resource's service.
fn names_resource_of(field: &Field, action: &ActionInfo) -> bool {
    let patterns: Vec<Option<String>> = field.items.iter().map(resource_glob).collect();
    if action.types == "*" {
        // an action without resource types is granted only by `"Resource": "*"`
        let star = |p: &Option<String>| p.as_deref().is_none_or(|p| p == "*");
        return if field.not {
            !patterns.iter().any(|p| p.as_deref() == Some("*"))
        } else {
            patterns.iter().any(star)
        };
    }
    let Some(types) = catalog::resource_globs(action) else {
        return true; // a type the table lacks: any resource may be one
    };
    if field.not {
        // NotResource covers the action unless its patterns cover every type in full
        return !types.iter().all(|t| {
            patterns.iter().any(|p| {
                p.as_deref()
                    .is_some_and(|p| p == "*" || catalog::glob_match(p, t, false))
            })
        });
    }
    patterns.iter().any(|p| match p {
        None => true, // unknown: it could name anything
        Some(p) => types.iter().any(|t| matcher::arn_globs_overlap(p, t)),
    })
}

/// A resource element as an IAM glob: policy variables and references to non-ARN attributes as
/// `*`, an `.arn` reference as an ARN of its resource's service. `None` when it is unknown.
fn resource_glob(e: &crate::model::policy::Element) -> Option<String> {
    use crate::terraform::value::Part;
    if e.unknown {
        return None;
    }
    let mut out = String::new();
    for p in &e.parts {
        match p {
            Part::Lit(l) => {
                let mut rest = l.as_str();
                while let Some(open) = rest.find("${") {
                    out.push_str(&rest[..open]);
                    out.push('*');
                    rest = rest[open..].find('}').map_or("", |c| &rest[open + c + 1..]);
                }
                out.push_str(rest);
            }
            Part::Ref(r) => match (
                &*r.attr,
                service_of_type(&crate::model::awscc::aws_type(&r.target.rtype)),
            ) {
                (attr, Some(service))
                    if out.is_empty()
                        && crate::model::awscc::names_own_arn(&r.target.rtype, attr) =>
                {
                    out.push_str("arn:*:");
                    out.push_str(service);
                    out.push_str(":*:*:*");
                }
                _ => out.push('*'),
            },
        }
    }
    Some(out)
}

/// The IAM service of a Terraform resource type, when its ARN is known to be that service's.
fn service_of_type(rtype: &str) -> Option<&'static str> {
    const PREFIXES: [(&str, &str); 9] = [
        ("aws_s3_", "s3"),
        ("aws_cloudwatch_log_", "logs"),
        ("aws_sagemaker_", "sagemaker"),
        ("aws_bedrock", "bedrock"),
        ("aws_kms_", "kms"),
        ("aws_iam_", "iam"),
        ("aws_dynamodb_", "dynamodb"),
        ("aws_sns_", "sns"),
        ("aws_sqs_", "sqs"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| rtype.starts_with(prefix))
        .map(|(_, service)| *service)
}

/// Condition keys that make a public statement non-public when they fix a value (S3 Block Public
/// Access's list).
const FIXING_KEYS: [&str; 12] = [
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/// An Allow open to anyone: `Principal: "*"` (or `AWS: "*"`) or any `NotPrincipal`, unless a
/// condition fixes one of the keys above to a value without wildcards, with a positive operator
/// and no `IfExists`.
fn is_public(st: &Statement) -> bool {
    let Some((not, principals, _)) = &st.principals else {
        return false;
    };
    if !st.is_allow() {
        return false;
    }
    let anyone = *not
        || principals
            .iter()
            .any(|p| p.kind == "*" || p.id.literal() == Some("*"));
    if !anyone {
        return false;
    }
    let fixed = st.conditions.iter().any(|c| {
        let key = c.key.to_ascii_lowercase();
        let op = c.operator.rsplit(':').next().unwrap_or(&c.operator);
        if !FIXING_KEYS.contains(&key.as_str())
            || op.contains("Not")
            || op.ends_with("IfExists")
            || op == "Null"
        {
            return false;
        }
        !c.values.is_empty()
            && c.values.iter().all(|v| match v.literal() {
                Some(l) => {
                    let wild = l.contains(['*', '?']);
                    let anywhere = key == "aws:sourceip" && (l == "0.0.0.0/0" || l == "::/0");
                    let any_role = key == "aws:userid" && l.ends_with(":*");
                    !(wild || anywhere || any_role)
                }
                None => !v.unknown, // a reference is a fixed value
            })
    });
    !fixed
}

/// Every statement that allows `kms:Decrypt` without conditions.
fn decrypting_statements(inv: &Inventory) -> std::collections::HashSet<(DocumentId, usize)> {
    let mut out = std::collections::HashSet::new();
    // another cloud's bindings name roles, not IAM actions
    for (d, doc) in inv
        .documents
        .iter()
        .enumerate()
        .filter(|(_, doc)| doc.kind != DocumentKind::Binding)
    {
        for st in doc
            .statements
            .iter()
            .filter(|s| s.is_allow() && s.conditions.is_empty())
        {
            let decrypts = st.actions.as_ref().is_some_and(|f| {
                actions_of(f)
                    .iter()
                    .any(|a| a.service == "kms" && a.name == "Decrypt")
            });
            if decrypts {
                out.insert((d, st.index));
            }
        }
    }
    out
}

/// Resource-policy statements by the principals they can name, so each principal looks only at
/// those: statements open to anyone (or to everyone but some) apply to all; the others to the
/// principals their entries resolve to. `names_principal` still decides each candidate.
struct ResourceStatements {
    everyone: BTreeSet<(DocumentId, usize)>,
    by_principal: HashMap<PrincipalId, BTreeSet<(DocumentId, usize)>>,
}

impl ResourceStatements {
    fn new(inv: &Inventory) -> ResourceStatements {
        use crate::terraform::value::Part;
        let mut by_target: HashMap<&crate::terraform::value::Address, Vec<PrincipalId>> =
            HashMap::new();
        let mut by_text: HashMap<&str, Vec<PrincipalId>> = HashMap::new();
        let mut unnamed: Vec<PrincipalId> = Vec::new();
        for (i, p) in inv.principals.iter().enumerate() {
            if let Some(t) = &p.target {
                by_target.entry(t).or_default().push(i);
            }
            match &p.name {
                Some(n) => by_text.entry(n).or_default().push(i),
                None => unnamed.push(i),
            }
            if p.name.as_deref() != Some(p.address.as_str()) {
                by_text.entry(&p.address).or_default().push(i);
            }
        }
        let mut out = ResourceStatements {
            everyone: BTreeSet::new(),
            by_principal: HashMap::new(),
        };
        for (d, doc) in inv
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == DocumentKind::Resource)
        {
            for st in &doc.statements {
                let key = (d, st.index);
                let Some((not, listed, _)) = &st.principals else {
                    continue;
                };
                let mut candidates: Vec<PrincipalId> = Vec::new();
                let mut all = *not;
                for l in listed {
                    match (l.id.parts.as_slice(), l.id.literal()) {
                        _ if l.id.unknown || l.kind == "*" => all = true,
                        ([Part::Ref(r)], _) => {
                            candidates.extend(by_target.get(&*r.target).into_iter().flatten())
                        }
                        (_, Some("*")) => all = true,
                        (_, Some(text)) => {
                            // an ARN names its principal by the last path segment
                            let name = text.rsplit(['/', ':']).next().unwrap_or(text);
                            candidates.extend(by_text.get(text).into_iter().flatten());
                            candidates.extend(by_text.get(name).into_iter().flatten());
                            candidates.extend(&unnamed);
                        }
                        _ => all = true, // a value known only after apply could name anyone
                    }
                }
                if all {
                    out.everyone.insert(key);
                } else {
                    for c in candidates {
                        out.by_principal.entry(c).or_default().insert(key);
                    }
                }
            }
        }
        out
    }

    fn candidates(&self, p: PrincipalId) -> BTreeSet<(DocumentId, usize)> {
        let mut set = self.everyone.clone();
        set.extend(self.by_principal.get(&p).into_iter().flatten().copied());
        set
    }
}

/// Does a resource policy statement's `Principal`/`NotPrincipal` name this principal?
fn names_principal(st: &Statement, p: PrincipalId, inv: &Inventory, config: &Config) -> Truth {
    let Some((not, listed, _)) = &st.principals else {
        return Truth::False;
    };
    let principal = &inv.principals[p];
    let mut hit = Truth::False;
    for l in listed {
        let t = principal_element_matches(&l.kind, &l.id, principal, config);
        hit = match (hit, t) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::False,
        };
    }
    if *not {
        match hit {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    } else {
        hit
    }
}

/// One `Principal` entry against one principal.
pub fn principal_element_matches(
    kind: &str,
    id: &crate::model::policy::Element,
    p: &crate::model::Principal,
    config: &Config,
) -> Truth {
    use crate::terraform::value::Part;
    if id.unknown {
        return Truth::Unknown;
    }
    if kind == "*" || (kind == "AWS" && id.literal() == Some("*")) {
        return Truth::True;
    }
    if p.kind == PrincipalKind::Anyone {
        return Truth::False; // "anyone" is named only by `*`
    }
    if let [Part::Ref(r)] = id.parts.as_slice() {
        return match &p.target {
            Some(t)
                if **t == *r.target
                    && matches!(
                        &*r.attr,
                        "arn" | "id" | "unique_id" | "name" | "role_name" | "user_name" | "role_id"
                    ) =>
            {
                Truth::True
            }
            _ => Truth::False,
        };
    }
    let Some(text) = id.literal() else {
        return Truth::Unknown;
    };
    match (kind, p.kind) {
        ("Service", PrincipalKind::Service)
        | ("Federated", PrincipalKind::Account)
        | ("CanonicalUser", PrincipalKind::Account) => {
            if p.address == text {
                Truth::True
            } else {
                Truth::False
            }
        }
        ("AWS", PrincipalKind::Account) => {
            if p.address == text {
                Truth::True
            } else {
                Truth::False
            }
        }
        ("AWS", PrincipalKind::Role | PrincipalKind::User) => {
            // `arn:aws:iam::ACCOUNT:role/path/name`: the configuration's principal of that name,
            // when the account is this one (unknown, or listed in the config)
            let parts: Vec<&str> = text.splitn(6, ':').collect();
            if parts.len() != 6 {
                return Truth::False;
            }
            let account_ok = config.accounts.is_empty()
                || config.accounts.iter().any(|a| a.get_ref() == parts[4]);
            let Some((ty, rest)) = parts[5].split_once('/') else {
                return Truth::False;
            };
            let name = rest.rsplit('/').next().unwrap_or(rest);
            match &p.name {
                Some(n) if ty == p.kind.as_str() && n == name && account_ok => Truth::True,
                Some(_) => Truth::False,
                None => Truth::Unknown,
            }
        }
        _ => Truth::False,
    }
}

/// `*`, `s3:*`, or any `NotAction`: a wildcard over a whole service.
fn is_service_wildcard(f: &Field) -> bool {
    f.not
        || f.items.iter().any(|e| {
            e.literal().is_some_and(|s| {
                s == "*"
                    || s.split_once(':')
                        .is_some_and(|(svc, act)| !svc.contains(['*', '?']) && act == "*")
            })
        })
}

/// `*`, `arn:aws:s3:::*`, or any `NotResource`: a resource wildcard over every bucket.
fn is_resource_wildcard(st: &Statement) -> bool {
    st.resources.as_ref().is_some_and(|f| {
        f.not
            || f.items
                .iter()
                .any(|e| e.literal().is_some_and(matcher::is_every_bucket))
    })
}

/// Every (datastore, action) pair a statement's Action and Resource elements cover.
/// With `scope`, wildcards and patterns reach only the datastores of the scope's units; references
/// and literal ARNs naming one bucket in full reach theirs wherever they are.
fn statement_reach(
    st: &Statement,
    root: usize,
    datastores: &[Datastore],
    index: &matcher::Index,
    scope: Option<&Reachable>,
) -> Reach {
    let (Some(actions), Some(resources)) = (&st.actions, &st.resources) else {
        return Vec::new();
    };
    let matched = actions_of(actions);
    if !matched.iter().any(|a| a.class.is_some()) {
        return Vec::new();
    }
    let patterns: Vec<String> = resources
        .items
        .iter()
        .filter(|e| !e.unknown)
        .map(|e| index.render(&e.parts, root, datastores))
        .collect();
    // NotResource covers what its patterns do not name: every datastore is a candidate
    let mut candidates: Vec<usize> = Vec::new();
    let mut all = resources.not;
    // Which patterns can name each datastore: a pattern is tested only against its own
    // candidates (the index already never offers it any other), so a statement listing N ARNs
    // costs N matches, not N times the datastores the other patterns nominate.
    let mut everywhere: Vec<usize> = Vec::new();
    let mut nominated: HashMap<usize, Vec<usize>> = HashMap::new();
    let in_scope = |i: usize| scope.is_none_or(|s| s.allows(datastores[i].root));
    for (pi, p) in patterns.iter().enumerate() {
        let pinned = matcher::names_one_bucket(p);
        match index.candidates(p) {
            matcher::Candidates::All => {
                all = true;
                everywhere.push(pi);
            }
            matcher::Candidates::Some(mut ids) => {
                if !pinned {
                    ids.retain(|&i| in_scope(i));
                }
                for &id in &ids {
                    nominated.entry(id).or_default().push(pi);
                }
                candidates.extend(ids);
            }
        }
    }
    if all {
        match scope {
            Some(s) => candidates.extend(s.stores.iter().copied()),
            None => candidates = (0..datastores.len()).collect(),
        }
    }
    if resources.not {
        // what NotResource leaves out is a wildcard: only datastores in scope
        candidates.retain(|&i| in_scope(i));
    }
    candidates.sort_unstable();
    candidates.dedup();
    // an IAM statement reaches AWS datastores only; other clouds' stores have bindings
    candidates.retain(|&i| datastores[i].kind.cloud() == crate::model::Cloud::Aws);
    let mut out: Reach = Vec::new();
    for i in candidates {
        let Some(ds) = datastores.get(i) else {
            continue;
        };
        // wildcards (and NotResource) name only datastores in scope
        let mut own: Vec<usize> = if in_scope(i) {
            everywhere.clone()
        } else {
            Vec::new()
        };
        own.extend(nominated.get(&i).into_iter().flatten());
        own.sort_unstable();
        own.dedup();
        let patterns: Vec<&String> = own.iter().map(|&pi| &patterns[pi]).collect();
        let kinds = match ds.kind {
            DatastoreKind::Bucket | DatastoreKind::Prefix { .. } => [
                (
                    ResourceKinds::BUCKET,
                    matcher::bucket_targets(i, datastores, false),
                ),
                (
                    ResourceKinds::OBJECT,
                    matcher::bucket_targets(i, datastores, true),
                ),
            ],
            DatastoreKind::LogGroup => [
                (
                    ResourceKinds::LOG_GROUP,
                    matcher::log_group_targets(i, ds, false),
                ),
                (
                    ResourceKinds::LOG_STREAM,
                    matcher::log_group_targets(i, ds, true),
                ),
            ],
            // filtered out above: IAM statements never reach another cloud's stores
            DatastoreKind::Store { .. } => continue,
        };
        let service = ds.kind.service();
        let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (kind, target) in &kinds {
            // An Allow grants when it names some of the datastore; a Deny removes the grant only
            // when it names all of it. NotResource turns both around.
            let some = |p: &&String| matcher::matches(p, target, matcher::Reach::Some);
            let all = |p: &&String| matcher::matches(p, target, matcher::Reach::All);
            let coverage = match (st.is_allow(), resources.not) {
                (true, false) => {
                    let granting: Vec<&&String> = patterns
                        .iter()
                        .filter(|p| {
                            // a bucket with tiered prefixes keeps the keys outside them
                            some(p)
                                && !(*kind == ResourceKinds::OBJECT
                                    && ds.kind == DatastoreKind::Bucket
                                    && only_inside_prefixes(p, i, datastores))
                        })
                        .collect();
                    if granting.is_empty() {
                        None
                    } else if granting.iter().any(|p| all(p)) {
                        Some(Coverage::Whole)
                    } else if granting.iter().any(|p| matcher::names_one_store(p)) {
                        Some(Coverage::Part)
                    } else {
                        Some(Coverage::Sliver)
                    }
                }
                // what NotResource leaves: all of it when it names none of it
                (true, true) => (!patterns.iter().any(all)).then(|| {
                    if patterns.iter().any(some) {
                        Coverage::Part
                    } else {
                        Coverage::Whole
                    }
                }),
                (false, false) => patterns.iter().any(all).then_some(Coverage::Whole),
                (false, true) => (!patterns.iter().any(some)).then_some(Coverage::Whole),
            };
            let Some(coverage) = coverage else {
                continue;
            };
            for a in matched
                .iter()
                .filter(|a| a.service == service && a.resources.intersects(*kind))
            {
                // an action on both kinds (rare) keeps the widest coverage
                match seen.get(a.name) {
                    Some(&at) => out[at].2 = out[at].2.max(coverage),
                    None => {
                        seen.insert(a.name, out.len());
                        out.push((i, *a, coverage));
                    }
                }
            }
        }
    }
    out
}

/// Does an object pattern stay inside the bucket's prefix datastores (`lake/raw/*` when `raw/`
/// is one), so it names none of the bucket's other keys?
fn only_inside_prefixes(pattern: &str, bucket: usize, datastores: &[Datastore]) -> bool {
    let prefixes: Vec<&str> = datastores
        .iter()
        .filter_map(|d| match &d.kind {
            DatastoreKind::Prefix { bucket: b, prefix } if *b == bucket => Some(prefix.as_str()),
            _ => None,
        })
        .collect();
    if prefixes.is_empty() {
        return false;
    }
    let Some(slash) = pattern.find('/') else {
        return false;
    };
    let key = &pattern[slash + 1..];
    let literal = &key[..key.find(['*', '?']).unwrap_or(key.len())];
    prefixes.iter().any(|p| literal.starts_with(p))
}

/// Catalogued actions an Action or NotAction element covers.
fn actions_of(field: &Field) -> Vec<&'static ActionInfo> {
    let listed: Vec<&'static ActionInfo> = field
        .items
        .iter()
        .filter_map(crate::model::policy::Element::literal)
        .flat_map(catalog::matching)
        .collect();
    if field.not {
        catalog::actions()
            .iter()
            .filter(|a| !listed.iter().any(|l| std::ptr::eq(*l, *a)))
            .collect()
    } else {
        let mut v = listed;
        v.sort_by_key(|a| (a.service, a.name));
        v.dedup_by(|a, b| std::ptr::eq(*a, *b));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json;
    use crate::source::Span;

    fn statement(text: &str) -> Statement {
        let doc = format!(r#"{{"Statement": [{text}]}}"#);
        let map = json::TextMap::exact(Span::new(0, 0..doc.len()), doc.len());
        let v = json::parse(&doc, &map, &[]).unwrap();
        crate::model::policy::statements(&v).unwrap().remove(0)
    }

    #[test]
    fn public_statements_follow_block_public_access() {
        let cases = [
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject", "Resource": "*"}"#,
                true,
            ),
            (
                r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#,
                false,
            ),
            (
                r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject", "Resource": "*"}"#,
                false,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
                false,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}"#,
                false,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "1"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceAccount": "1"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:userid": "AROAEXAMPLE:*"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
                true,
            ),
            (
                r#"{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "1"}}}"#,
                false,
            ),
        ];
        for (text, public) in cases {
            assert_eq!(is_public(&statement(text)), public, "{text}");
        }
    }

    #[test]
    fn actions_are_granted_only_on_resources_of_their_types() {
        let grants = |action: &str, resource: &str| {
            let st = statement(&format!(
                r#"{{"Effect": "Allow", "Action": "*", {resource}}}"#
            ));
            let a = catalog::matching(action).next().unwrap();
            names_resource_of(st.resources.as_ref().unwrap(), a)
        };
        let endpoint = "sagemaker:CreateEndpoint";
        assert!(grants(endpoint, r#""Resource": "*""#));
        assert!(grants(
            endpoint,
            r#""Resource": "arn:aws:sagemaker:us-east-1:1:endpoint/prod-*""#
        ));
        assert!(!grants(
            endpoint,
            r#""Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/*"]"#
        ));
        assert!(!grants(
            endpoint,
            r#""Resource": "arn:aws:sagemaker:us-east-1:1:model-package/*""#
        ));
        assert!(grants(endpoint, r#""NotResource": "arn:aws:s3:::models""#));
        assert!(!grants(endpoint, r#""NotResource": "*""#));
        assert!(!grants(
            endpoint,
            r#""NotResource": ["arn:*:sagemaker:*:*:endpoint/*", "arn:*:sagemaker:*:*:endpoint-config/*"]"#
        ));
        // an action without resource types needs `*`
        assert!(grants("s3:ListAllMyBuckets", r#""Resource": "*""#));
        assert!(!grants(
            "s3:ListAllMyBuckets",
            r#""Resource": "arn:aws:s3:::models""#
        ));
    }

    #[test]
    fn service_wildcards_are_whole_services_only() {
        let wild = |a: &str| {
            let st = statement(&format!(
                r#"{{"Effect": "Allow", "Action": {a}, "Resource": "*"}}"#
            ));
            is_service_wildcard(st.actions.as_ref().unwrap())
        };
        assert!(wild(r#""*""#));
        assert!(wild(r#""s3:*""#));
        assert!(wild(r#"["s3:GetObject", "logs:*"]"#));
        assert!(!wild(r#""s3:*Object*""#));
        assert!(!wild(r#""s3:Get*""#));
        assert!(!wild(r#""s*:*""#));
    }
}
