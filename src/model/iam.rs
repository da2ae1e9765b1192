//! IAM wiring: which documents attach to which principals (inline, customer managed, AWS managed,
//! group membership, permissions boundaries) and which documents govern which resources.

use super::{Attachment, Builder, DocumentId, DocumentKind, Entity, PrincipalId, PrincipalKind};
use crate::source::Span;
use crate::terraform::value::Value;
use crate::terraform::ResourceInstance;

impl Builder<'_> {
    /// Handle one IAM or resource-policy resource, if it is one.
    pub(super) fn iam(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        match super::awscc::aws_type(&r.address.rtype).as_ref() {
            "aws_iam_policy" => {
                if let Some(policy) = a.get("policy") {
                    if let Some(d) = self.document(policy, r, DocumentKind::Managed) {
                        self.inv.documents[d].kind = DocumentKind::Managed;
                        self.policy_docs.insert((*r.address).clone(), d);
                    }
                }
            }
            "aws_iam_role_policy" => self.inline(r, "role", PrincipalKind::Role),
            "aws_iam_user_policy" => self.inline(r, "user", PrincipalKind::User),
            "aws_iam_group_policy" => self.inline(r, "group", PrincipalKind::Group),
            // groups of the awscc provider carry inline policies too
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => self.identity_blocks(r),
            _ => {}
        }
        // attachments need customer managed policies registered first: resources come in
        // declaration order, so attachments are handled in a second look below
    }

    /// Attachments, memberships and resource policies: after every policy is registered.
    pub(super) fn iam_links(&mut self, r: &ResourceInstance) {
        let a = &r.attrs;
        let list = |k: &str| {
            a.get(k)
                .map(|v| v.one_or_many().into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        match super::awscc::aws_type(&r.address.rtype).as_ref() {
            "aws_iam_role_policy_attachment" => self.attach_arn(r, "role", PrincipalKind::Role),
            "aws_iam_user_policy_attachment" => self.attach_arn(r, "user", PrincipalKind::User),
            "aws_iam_group_policy_attachment" => self.attach_arn(r, "group", PrincipalKind::Group),
            "aws_iam_policy_attachment" => {
                let Some(doc) = a.get("policy_arn").and_then(|v| self.policy_arn_doc(v)) else {
                    return;
                };
                for (key, kind) in [
                    ("roles", PrincipalKind::Role),
                    ("users", PrincipalKind::User),
                    ("groups", PrincipalKind::Group),
                ] {
                    for v in list(key) {
                        if let Some(p) = self.principal_ref(&v, kind) {
                            self.attach(p, doc, r.span, r);
                        }
                    }
                }
            }
            "aws_iam_role_policy_attachments_exclusive"
            | "aws_iam_user_policy_attachments_exclusive"
            | "aws_iam_group_policy_attachments_exclusive" => {
                let (key, kind) = match r.address.rtype.as_str() {
                    "aws_iam_role_policy_attachments_exclusive" => {
                        ("role_name", PrincipalKind::Role)
                    }
                    "aws_iam_user_policy_attachments_exclusive" => {
                        ("user_name", PrincipalKind::User)
                    }
                    _ => ("group_name", PrincipalKind::Group),
                };
                let Some(p) = a.get(key).and_then(|v| self.principal_ref(v, kind)) else {
                    return;
                };
                for arn in list("policy_arns") {
                    if let Some(doc) = self.policy_arn_doc(&arn) {
                        self.attach(p, doc, arn.span, r);
                    }
                }
            }
            "aws_iam_group_membership" => {
                let Some(group) = a
                    .get("group")
                    .and_then(|v| self.principal_ref(v, PrincipalKind::Group))
                else {
                    return;
                };
                for u in list("users") {
                    if let Some(user) = self.principal_ref(&u, PrincipalKind::User) {
                        self.inv.principals[user].groups.insert(group);
                    }
                }
            }
            "aws_iam_user_group_membership" => {
                let Some(user) = a
                    .get("user")
                    .and_then(|v| self.principal_ref(v, PrincipalKind::User))
                else {
                    return;
                };
                for g in list("groups") {
                    if let Some(group) = self.principal_ref(&g, PrincipalKind::Group) {
                        self.inv.principals[user].groups.insert(group);
                    }
                }
            }
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => self.identity_links(r),
            "aws_s3_bucket_policy" => {
                let (Some(bucket), Some(policy)) = (a.get("bucket"), a.get("policy")) else {
                    return;
                };
                self.bucket_policy(r, bucket, policy);
            }
            "aws_s3_bucket" => {
                // the policy argument of provider v3 and earlier
                if let Some(policy) = a.get("policy").filter(|p| !p.is_null()) {
                    if let Some(Entity::Datastore(d)) = self.by_address.get(&r.address).copied() {
                        if let Some(doc) = self.document(policy, r, DocumentKind::Resource) {
                            self.inv.documents[doc].kind = DocumentKind::Resource;
                            self.inv.documents[doc].governs = Some(d);
                        }
                    }
                }
            }
            "aws_kms_key" => {
                if let Some(policy) = a.get("policy").filter(|p| !p.is_null()) {
                    if let Some(doc) = self.document(policy, r, DocumentKind::Resource) {
                        self.inv.documents[doc].kind = DocumentKind::Resource;
                        self.inv.documents[doc].key = Some(r.address.clone());
                    }
                }
            }
            "aws_cloudwatch_log_resource_policy" => {
                if let Some(policy) = a.get("policy_document") {
                    if let Some(doc) = self.document(policy, r, DocumentKind::Resource) {
                        self.inv.documents[doc].kind = DocumentKind::Resource;
                    }
                }
            }
            _ => {}
        }
    }

    fn bucket_policy(&mut self, r: &ResourceInstance, bucket: &Value, policy: &Value) {
        let Some(d) = self.datastore_ref(bucket) else {
            return;
        };
        if let Some(doc) = self.document(policy, r, DocumentKind::Resource) {
            self.inv.documents[doc].kind = DocumentKind::Resource;
            self.inv.documents[doc].governs = Some(d);
        }
    }

    fn attach(
        &mut self,
        principal: PrincipalId,
        document: DocumentId,
        span: Span,
        r: &ResourceInstance,
    ) {
        self.inv.attachments.push(Attachment {
            principal,
            document,
            span,
            address: r.address.to_string(),
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
            self.attach(principal, doc, r.span, r);
        }
    }

    fn attach_arn(&mut self, r: &ResourceInstance, owner_attr: &str, kind: PrincipalKind) {
        let (Some(owner), Some(arn)) = (r.attrs.get(owner_attr), r.attrs.get("policy_arn")) else {
            return;
        };
        let Some(principal) = self.principal_ref(owner, kind) else {
            return;
        };
        if let Some(doc) = self.policy_arn_doc(arn) {
            self.attach(principal, doc, r.span, r);
        }
    }

    /// `inline_policy` blocks of a role, and inline documents on users.
    fn identity_blocks(&mut self, r: &ResourceInstance) {
        let Some(Entity::Principal(principal)) = self.by_address.get(&r.address).copied() else {
            return;
        };
        for b in r
            .attrs
            .get("inline_policy")
            .and_then(Value::as_list)
            .unwrap_or_default()
        {
            if let Some(policy) = b.get("policy") {
                if let Some(doc) = self.document(policy, r, DocumentKind::Inline) {
                    self.attach(principal, doc, b.span, r);
                }
            }
        }
    }

    /// `managed_policy_arns` and `permissions_boundary` of a role or user.
    fn identity_links(&mut self, r: &ResourceInstance) {
        let Some(Entity::Principal(principal)) = self.by_address.get(&r.address).copied() else {
            return;
        };
        let arns: Vec<Value> = r
            .attrs
            .get("managed_policy_arns")
            .map(|v| v.one_or_many().into_iter().cloned().collect())
            .unwrap_or_default();
        for arn in arns {
            if let Some(doc) = self.policy_arn_doc(&arn) {
                self.attach(principal, doc, arn.span, r);
            }
        }
        if let Some(b) = r.attrs.get("permissions_boundary").filter(|b| !b.is_null()) {
            let doc = self.policy_arn_doc(b);
            if let Some(d) = doc {
                self.inv.documents[d].boundary = true;
            }
            self.inv.principals[principal].boundary = Some(doc);
        }
    }
}
