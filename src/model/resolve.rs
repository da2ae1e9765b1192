//! Resolving what a value names: a principal, a datastore, a policy document. References resolve
//! through the address they carry; literal names and ARNs through the names the inventory knows.

use super::{
    Builder, DatastoreId, DatastoreKind, Document, DocumentId, DocumentKind, Entity, PrincipalId,
    PrincipalKind,
};
use crate::access::catalog;
use crate::parse::json::{self, decode_value};
use crate::source::Span;
use crate::terraform::value::{Kind, Part, Value};
use crate::terraform::ResourceInstance;

impl Builder<'_> {
    /// The principal a value names: a reference to it, its name, or its ARN.
    pub(super) fn principal_ref(&self, v: &Value, kind: PrincipalKind) -> Option<PrincipalId> {
        match &v.kind {
            Kind::Symbolic(parts) => match parts.as_slice() {
                [Part::Ref(r)] => match self.by_address.get(&r.target)? {
                    Entity::Principal(p) => Some(*p),
                    Entity::Datastore(_) => None,
                },
                _ => None,
            },
            Kind::String(s) => {
                let name = iam_name(s, kind).unwrap_or(s);
                let first = self.first.principal;
                self.inv.principals[first..]
                    .iter()
                    .position(|p| {
                        p.root == self.root
                            && p.kind == kind
                            && p.is_internal()
                            && p.name.as_deref() == Some(name)
                    })
                    .map(|i| first + i)
            }
            _ => None,
        }
    }

    /// The datastore a value names: a reference to a bucket or log group (`id`, `bucket`, `arn`,
    /// `name`), a bucket name, or a bucket ARN.
    pub(super) fn datastore_ref(&self, v: &Value) -> Option<DatastoreId> {
        match &v.kind {
            Kind::Symbolic(parts) => match parts.as_slice() {
                [Part::Ref(r)] => match self.by_address.get(&r.target)? {
                    Entity::Datastore(d) => Some(*d),
                    Entity::Principal(_) => None,
                },
                _ => None,
            },
            Kind::String(s) => {
                let name = s.strip_prefix("arn:aws:s3:::").unwrap_or(s);
                self.bucket_named(name)
            }
            _ => None,
        }
    }

    pub(super) fn bucket_named(&self, name: &str) -> Option<DatastoreId> {
        self.datastore_named(DatastoreKind::Bucket, name)
    }

    pub(super) fn log_group_named(&self, name: &str) -> Option<DatastoreId> {
        self.datastore_named(DatastoreKind::LogGroup, name)
    }

    fn datastore_named(&self, kind: DatastoreKind, name: &str) -> Option<DatastoreId> {
        let first = self.first.datastore;
        self.inv.datastores[first..]
            .iter()
            .position(|d| d.root == self.root && d.kind == kind && d.name.as_deref() == Some(name))
            .map(|i| first + i)
    }

    /// An `s3://bucket/prefix` URI (literal or with a reference to the bucket): the bucket and
    /// the key prefix.
    pub(super) fn s3_uri(&self, v: &Value) -> Option<(DatastoreId, String)> {
        let parts = v.string_parts()?;
        let (bucket, rest) = match parts.as_slice() {
            [Part::Lit(s)] => {
                let rest = s.strip_prefix("s3://")?;
                let (name, key) = rest.split_once('/').unwrap_or((rest, ""));
                (self.bucket_named(name)?, key.to_string())
            }
            [Part::Lit(scheme), Part::Ref(r), tail @ ..] if scheme == "s3://" => {
                let d = match self.by_address.get(&r.target)? {
                    Entity::Datastore(d) => *d,
                    Entity::Principal(_) => return None,
                };
                let key: String = match tail {
                    [] => String::new(),
                    [Part::Lit(t)] => t.trim_start_matches('/').to_string(),
                    _ => return Some((d, String::new())),
                };
                (d, key)
            }
            _ => return None,
        };
        Some((bucket, rest))
    }

    /// Register the policy document a value holds. The same document used twice is one.
    pub(super) fn document(
        &mut self,
        value: &Value,
        owner: &ResourceInstance,
        kind: DocumentKind,
    ) -> Option<DocumentId> {
        let decoded = decode_value(value, self.sources).ok()?;
        if decoded.has_unknown() && decoded.get("Statement").is_none() {
            return None;
        }
        let key = (decoded.span, content_hash(&decoded));
        if let Some(id) = self.doc_by_span.get(&key) {
            return Some(*id);
        }
        let statements = super::policy::statements(&decoded)?;
        let name = owner
            .attrs
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| owner.address.to_string(), str::to_string);
        let id = self.inv.documents.len();
        self.inv.documents.push(Document {
            root: self.root,
            owner: owner.address.to_string(),
            name,
            kind,
            span: decoded.span,
            statements,
            external: false,
            governs: None,
            boundary: false,
            key: None,
        });
        self.doc_by_span.insert(key, id);
        Some(id)
    }

    /// The document a policy ARN names: a customer managed policy of the configuration (by
    /// reference or name), or an AWS managed policy from the catalog.
    pub(super) fn policy_arn_doc(&mut self, v: &Value) -> Option<DocumentId> {
        match &v.kind {
            Kind::Symbolic(parts) => match parts.as_slice() {
                [Part::Ref(r)] => self.policy_docs.get(&r.target).copied(),
                // `arn:${data.aws_partition.current.partition}:iam::aws:policy/NAME`: the
                // partition does not change which AWS managed policy it is
                [Part::Lit(arn), Part::Ref(_), Part::Lit(rest)]
                    if arn == "arn:" && rest.starts_with(":iam::aws:policy/") =>
                {
                    self.aws_managed(&format!("arn:aws{rest}"), v.span)
                }
                _ => None,
            },
            // `"arn:${var.partition}:iam::aws:policy/NAME"` with no value for the partition
            Kind::Unknown(_) => {
                let (arn, written) = self.managed_arn_as_written(v.span)?;
                self.aws_managed(&arn, written)
            }
            Kind::String(arn) => {
                if arn.contains(":iam::aws:policy/") {
                    return self.aws_managed(arn, v.span);
                }
                let name = arn.rsplit('/').next()?;
                let found = self
                    .policy_docs
                    .iter()
                    .find(|(_, d)| self.inv.documents[**d].name == name);
                found.map(|(_, d)| *d)
            }
            _ => None,
        }
    }

    /// An AWS managed policy ARN whose partition is not known, read from how it was written:
    /// `"arn:${ANY}:iam::aws:policy/NAME"` or `format("arn:%s:iam::aws:policy/NAME", ANY)` with
    /// NAME literal. The partition does not change which AWS managed policy it names.
    /// Also the span of the whole ARN as written.
    fn managed_arn_as_written(&self, span: Span) -> Option<(String, Span)> {
        use hcl_edit::expr::Expression;
        use hcl_edit::template::Element;
        if (span.file as usize) >= self.sources.len() {
            return None;
        }
        let file = self.sources.get(span.file);
        let mut text = file.slice(span);
        let mut written = span;
        // policy ARNs are short: anything long is not one of these
        if text.len() > 1024 {
            return None;
        }
        // an unknown interpolation carries its own span: widen it to the string around it
        let before = file
            .text
            .get(..span.start as usize)?
            .trim_end_matches([' ', '\t']);
        if let Some(open) = before.strip_suffix("${") {
            let open = open.strip_suffix("\"arn:")?.len();
            let after = file.text.get(span.end as usize..)?;
            let close = after
                .find('"')
                .filter(|&i| i < 1024 && !after[..i].contains('\n'))?;
            let end = span.end as usize + close + 1;
            text = file.text.get(open..end)?;
            written = Span::new(span.file, open..end);
        }
        let rest = match hcl_edit::parser::parse_expr(text).ok()? {
            Expression::StringTemplate(t) => {
                let elements: Vec<&Element> = t.iter().collect();
                match elements.as_slice() {
                    [Element::Literal(head), Element::Interpolation(_), Element::Literal(rest)]
                        if head.value() == "arn:" =>
                    {
                        rest.value().to_string()
                    }
                    _ => return None,
                }
            }
            Expression::FuncCall(f) if f.name.name.as_str() == "format" && f.args.len() == 2 => {
                let Some(Expression::String(fmt)) = f.args.iter().next() else {
                    return None;
                };
                fmt.value().strip_prefix("arn:%s")?.to_string()
            }
            _ => return None,
        };
        let name = rest.strip_prefix(":iam::aws:policy/")?;
        if name.is_empty() || name.contains(['%', '$']) {
            return None;
        }
        Some((format!("arn:aws{rest}"), written))
    }

    /// An AWS managed policy's document, loaded from the catalog once per root module.
    fn aws_managed(&mut self, arn: &str, span: Span) -> Option<DocumentId> {
        let policy = catalog::managed_policy(arn)?;
        if let Some(d) = self.managed_docs.get(&policy.name) {
            return Some(*d);
        }
        let file = match self.sources.find(std::path::Path::new(&policy.arn)) {
            Some(f) => f,
            None => self
                .sources
                .add(policy.arn.clone().into(), policy.document_json.clone()),
        };
        let text = self.sources.get(file).text.clone();
        let map = json::TextMap::exact(Span::new(file, 0..text.len()), text.len());
        let doc = json::parse(&text, &map, &[]).ok()?;
        let statements = super::policy::statements(&doc)?;
        let id = self.inv.documents.len();
        self.inv.documents.push(Document {
            root: self.root,
            owner: policy.arn.clone(),
            name: policy.name.clone(),
            kind: DocumentKind::AwsManaged,
            span,
            statements,
            external: true,
            governs: None,
            boundary: false,
            key: None,
        });
        self.managed_docs.insert(policy.name.clone(), id);
        Some(id)
    }
}

/// A hash of what a document says (its values, spans included), to tell instances apart.
fn content_hash(v: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// The name in an IAM ARN of the given kind (`arn:aws:iam::1:role/path/name` -> `name`).
fn iam_name(s: &str, kind: PrincipalKind) -> Option<&str> {
    let resource = s.strip_prefix("arn:")?.splitn(5, ':').nth(4)?;
    let (ty, rest) = resource.split_once('/')?;
    if ty != kind.as_str() {
        return None;
    }
    rest.rsplit('/').next()
}
