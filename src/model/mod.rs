//! The inventory: typed resources (datastores, principals, policy documents and how they attach)
//! built from evaluated Terraform instances and standalone JSON policy files.

pub mod classify;
pub mod policy;

use crate::parse::json::decode_value;
use crate::source::{Sources, Span};
use crate::terraform::value::{Address, Kind, Part, Value};
use crate::terraform::{Evaluated, ResourceInstance};
use classify::{Tier, TIER_TAG_KEYS, WORKLOAD_TAG_KEY};
use policy::Statement;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub type DatastoreId = usize;
pub type PrincipalId = usize;
pub type DocumentId = usize;

#[derive(Clone, Debug, Default)]
pub struct Tags {
    pub map: BTreeMap<String, String>,
    /// The `tags` attribute, when written.
    pub span: Option<Span>,
    /// Some tags could not be evaluated.
    pub unknown: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatastoreKind {
    Bucket,
    LogGroup,
}

impl DatastoreKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DatastoreKind::Bucket => "bucket",
            DatastoreKind::LogGroup => "log-group",
        }
    }
}

/// How a tier or workload was decided, shown in reports and `explain`.
#[derive(Clone, Debug)]
pub struct Reason {
    pub text: String,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Datastore {
    /// The root module it was declared in (addresses are unique only within one).
    pub root: usize,
    pub address: String,
    pub target: Arc<Address>,
    pub kind: DatastoreKind,
    /// The bucket or log group name, when known.
    pub name: Option<String>,
    pub span: Span,
    pub tags: Tags,
    pub tier: Option<Tier>,
    pub tier_reason: Reason,
    /// Attributes that could not be evaluated (not the same as absent).
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    Role,
    User,
    Group,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub root: usize,
    pub address: String,
    pub target: Arc<Address>,
    pub kind: PrincipalKind,
    pub name: Option<String>,
    pub span: Span,
    pub tags: Tags,
    pub workloads: BTreeSet<String>,
    pub workload_reason: Reason,
    pub unknown: BTreeSet<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// An identity policy written inline on a role, user or group.
    Inline,
    /// A customer managed policy (`aws_iam_policy`).
    Managed,
    /// An AWS managed policy, from the catalog.
    AwsManaged,
    /// A policy on a resource (`aws_s3_bucket_policy`).
    Resource,
    /// A JSON policy file in the tree that nothing loads.
    Standalone,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Inline => "inline",
            DocumentKind::Managed => "managed",
            DocumentKind::AwsManaged => "aws-managed",
            DocumentKind::Resource => "resource",
            DocumentKind::Standalone => "standalone",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Document {
    pub root: usize,
    /// The block that holds it (`aws_iam_role_policy.trainer`), or the JSON file's path.
    pub owner: String,
    pub kind: DocumentKind,
    /// The document itself: the `jsonencode(...)`, heredoc, data block, or JSON object.
    pub span: Span,
    pub statements: Vec<Statement>,
    /// The document lives outside the scanned files (AWS managed): findings point at attachments.
    pub external: bool,
    /// For resource policies: the datastore it governs.
    pub governs: Option<DatastoreId>,
}

#[derive(Clone, Debug)]
pub struct Attachment {
    pub principal: PrincipalId,
    pub document: DocumentId,
    /// The block or element that attaches it.
    pub span: Span,
    pub address: String,
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub datastores: Vec<Datastore>,
    pub principals: Vec<Principal>,
    pub documents: Vec<Document>,
    pub attachments: Vec<Attachment>,
    /// Resource instances seen, of any type.
    pub resources: usize,
    /// Root modules added.
    pub roots: usize,
}

impl Inventory {
    /// Add what one evaluated root module declares.
    pub fn add_module(&mut self, ev: &Evaluated, sources: &Sources) {
        let default_tags = default_tags(ev);
        let root = self.roots;
        self.roots += 1;
        let mut b = Builder {
            root,
            inv: self,
            sources,
            by_address: HashMap::new(),
            doc_by_span: HashMap::new(),
        };
        b.inv.resources += ev.instances.len();
        // first the things others refer to, then what connects them
        for r in &ev.instances {
            let tags = || tags_of(r, &default_tags);
            match r.address.rtype.as_str() {
                "aws_s3_bucket" if is_managed(r) => {
                    b.datastore(r, DatastoreKind::Bucket, "bucket", tags())
                }
                "aws_cloudwatch_log_group" if is_managed(r) => {
                    b.datastore(r, DatastoreKind::LogGroup, "name", tags())
                }
                "aws_iam_role" if is_managed(r) => b.principal(r, PrincipalKind::Role, tags()),
                "aws_iam_user" if is_managed(r) => b.principal(r, PrincipalKind::User, tags()),
                "aws_iam_group" if is_managed(r) => {
                    b.principal(r, PrincipalKind::Group, Tags::default())
                }
                _ => {}
            }
        }
        for r in ev.instances.iter().filter(|r| is_managed(r)) {
            match r.address.rtype.as_str() {
                "aws_iam_role_policy" => b.inline(r, "role", PrincipalKind::Role),
                "aws_iam_user_policy" => b.inline(r, "user", PrincipalKind::User),
                "aws_iam_group_policy" => b.inline(r, "group", PrincipalKind::Group),
                "aws_iam_role" => b.role_inline_blocks(r),
                _ => {}
            }
        }
    }

    /// A JSON policy file found in the tree (not loaded by Terraform).
    pub fn add_standalone(&mut self, owner: String, doc: &Value) {
        if let Some(statements) = policy::statements(doc) {
            let root = self.roots;
            self.roots += 1;
            self.documents.push(Document {
                root,
                owner,
                kind: DocumentKind::Standalone,
                span: doc.span,
                statements,
                external: false,
                governs: None,
            });
        }
    }

    /// Principals a document's identity grants reach (groups reach their members later).
    pub fn attached_to(&self, doc: DocumentId) -> impl Iterator<Item = &Attachment> {
        self.attachments.iter().filter(move |a| a.document == doc)
    }
}

struct Builder<'a> {
    root: usize,
    inv: &'a mut Inventory,
    sources: &'a Sources,
    by_address: HashMap<Address, Entity>,
    doc_by_span: HashMap<Span, DocumentId>,
}

/// What an address names in the current root module.
#[derive(Clone, Copy)]
enum Entity {
    Datastore,
    Principal(PrincipalId),
}

impl Builder<'_> {
    fn datastore(
        &mut self,
        r: &ResourceInstance,
        kind: DatastoreKind,
        name_attr: &str,
        tags: Tags,
    ) {
        let mut unknown = BTreeSet::new();
        let name = match r.attrs.get(name_attr) {
            Some(v) if v.is_unknown() => {
                unknown.insert("name".to_string());
                None
            }
            Some(v) => v.as_str().map(str::to_string),
            None => None,
        };
        if tags.unknown {
            unknown.insert("tags".to_string());
        }
        let (tier, tier_reason) = classify_tier(&r.address, name.as_deref(), &tags);
        self.inv.datastores.push(Datastore {
            root: self.root,
            address: r.address.to_string(),
            target: r.address.clone(),
            kind,
            name,
            span: r.span,
            tags,
            tier,
            tier_reason,
            unknown,
        });
        self.by_address
            .insert((*r.address).clone(), Entity::Datastore);
    }

    fn principal(&mut self, r: &ResourceInstance, kind: PrincipalKind, tags: Tags) {
        let mut unknown = BTreeSet::new();
        let name = match r.attrs.get("name") {
            Some(v) if v.is_unknown() => {
                unknown.insert("name".to_string());
                None
            }
            Some(v) => v.as_str().map(str::to_string),
            None => None,
        };
        let (workloads, workload_reason) =
            classify_workloads(&r.address, kind, name.as_deref(), &tags);
        let id = self.inv.principals.len();
        self.inv.principals.push(Principal {
            root: self.root,
            address: r.address.to_string(),
            target: r.address.clone(),
            kind,
            name,
            span: r.span,
            tags,
            workloads,
            workload_reason,
            unknown,
        });
        self.by_address
            .insert((*r.address).clone(), Entity::Principal(id));
    }

    /// The principal a value names: a reference to it, or its name.
    fn principal_ref(&self, v: &Value, kind: PrincipalKind) -> Option<PrincipalId> {
        match &v.kind {
            Kind::Symbolic(parts) => match parts.as_slice() {
                [Part::Ref(r)] => match self.by_address.get(&r.target)? {
                    Entity::Principal(p) => Some(*p),
                    Entity::Datastore => None,
                },
                _ => None,
            },
            Kind::String(name) => self.inv.principals.iter().position(|p| {
                p.root == self.root && p.kind == kind && p.name.as_deref() == Some(name.as_str())
            }),
            _ => None,
        }
    }

    /// Register the document a value holds; the same document written once and used twice is one.
    fn document(
        &mut self,
        value: &Value,
        owner: &ResourceInstance,
        kind: DocumentKind,
    ) -> Option<DocumentId> {
        let decoded = match decode_value(value, self.sources) {
            Ok(d) => d,
            Err(_) => return None, // reported by the caller's parse diagnostics
        };
        if let Some(id) = self.doc_by_span.get(&decoded.span) {
            return Some(*id);
        }
        let statements = policy::statements(&decoded)?;
        let id = self.inv.documents.len();
        self.inv.documents.push(Document {
            root: self.root,
            owner: owner.address.to_string(),
            kind,
            span: decoded.span,
            statements,
            external: false,
            governs: None,
        });
        self.doc_by_span.insert(decoded.span, id);
        Some(id)
    }

    fn attach(
        &mut self,
        principal: PrincipalId,
        document: DocumentId,
        span: Span,
        address: String,
    ) {
        self.inv.attachments.push(Attachment {
            principal,
            document,
            span,
            address,
        });
    }

    fn inline(&mut self, r: &ResourceInstance, owner_attr: &str, kind: PrincipalKind) {
        let (Some(owner), Some(policy)) = (r.attrs.get(owner_attr), r.attrs.get("policy")) else {
            return;
        };
        let Some(principal) = self.principal_ref(owner, kind) else {
            return;
        };
        if let Some(doc) = self.document(policy, r, DocumentKind::Inline) {
            self.attach(principal, doc, r.span, r.address.to_string());
        }
    }

    fn role_inline_blocks(&mut self, r: &ResourceInstance) {
        let Some(Entity::Principal(principal)) = self.by_address.get(&r.address).copied() else {
            return;
        };
        let blocks = r
            .attrs
            .get("inline_policy")
            .and_then(Value::as_list)
            .unwrap_or_default();
        for b in blocks {
            if let Some(policy) = b.get("policy") {
                if let Some(doc) = self.document(policy, r, DocumentKind::Inline) {
                    self.attach(principal, doc, b.span, r.address.to_string());
                }
            }
        }
    }
}

fn is_managed(r: &ResourceInstance) -> bool {
    r.address.mode == crate::terraform::value::Mode::Managed
}

/// `default_tags` of the root module's `aws` provider (without alias).
fn default_tags(ev: &Evaluated) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, body) in &ev.providers {
        if name != "aws" || body.get("alias").is_some() {
            continue;
        }
        let blocks = body
            .get("default_tags")
            .and_then(Value::as_list)
            .unwrap_or_default();
        for b in blocks {
            for e in b
                .get("tags")
                .and_then(|t| t.as_object())
                .unwrap_or_default()
            {
                if let Some(s) = e.value.to_plain_string() {
                    out.insert(e.key.clone(), s);
                }
            }
        }
    }
    out
}

fn tags_of(r: &ResourceInstance, defaults: &BTreeMap<String, String>) -> Tags {
    let mut tags = Tags {
        map: if r.address.rtype.starts_with("aws_") {
            defaults.clone()
        } else {
            BTreeMap::new()
        },
        ..Tags::default()
    };
    if let Some(e) = r.attrs.entry("tags") {
        tags.span = Some(e.key_span.to(e.value.span));
        match &e.value.kind {
            Kind::Object(entries) => {
                for t in entries {
                    match t.value.to_plain_string() {
                        Some(s) => {
                            tags.map.insert(t.key.clone(), s);
                        }
                        None if t.value.is_null() => {}
                        None => tags.unknown = true,
                    }
                }
            }
            Kind::Null => {}
            _ => tags.unknown = true,
        }
    }
    tags
}

fn classify_tier(address: &Address, name: Option<&str>, tags: &Tags) -> (Option<Tier>, Reason) {
    for key in TIER_TAG_KEYS {
        if let Some(v) = tags.map.get(key) {
            return match Tier::from_tag_value(v) {
                Some(t) => (
                    Some(t),
                    Reason {
                        text: format!("tag {key} = {v:?}"),
                        span: tags.span,
                    },
                ),
                None => (
                    None,
                    Reason {
                        text: format!("tag {key} = {v:?} is not a tier"),
                        span: tags.span,
                    },
                ),
            };
        }
    }
    let label = name.unwrap_or(&address.name);
    match classify::tier_from_name(label) {
        classify::NameTier::Tier(t) => (
            Some(t),
            Reason {
                text: format!("name {label:?}"),
                span: None,
            },
        ),
        classify::NameTier::None => (
            None,
            Reason {
                text: "no tier tag or tier word in the name".into(),
                span: None,
            },
        ),
        classify::NameTier::Ambiguous => (
            None,
            Reason {
                text: format!("ambiguous: name {label:?} has words of two tiers"),
                span: None,
            },
        ),
    }
}

fn classify_workloads(
    address: &Address,
    kind: PrincipalKind,
    name: Option<&str>,
    tags: &Tags,
) -> (BTreeSet<String>, Reason) {
    if let Some(v) = tags.map.get(WORKLOAD_TAG_KEY) {
        let (ok, _bad) = classify::workloads_from_tag(v);
        return (
            ok,
            Reason {
                text: format!("tag {WORKLOAD_TAG_KEY} = {v:?}"),
                span: tags.span,
            },
        );
    }
    if kind == PrincipalKind::User {
        return (
            BTreeSet::from(["human".to_string()]),
            Reason {
                text: "IAM users are people".into(),
                span: None,
            },
        );
    }
    let label = name.unwrap_or(&address.name);
    let found = classify::workloads_from_name(label);
    if found.is_empty() {
        return (
            BTreeSet::new(),
            Reason {
                text: "no workload tag or workload word in the name".into(),
                span: None,
            },
        );
    }
    (
        found.into_iter().map(str::to_string).collect(),
        Reason {
            text: format!("name {label:?}"),
            span: None,
        },
    )
}
