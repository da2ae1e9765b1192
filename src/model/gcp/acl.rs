//! GCS access control lists: `google_storage_bucket_acl`, `_bucket_access_control`,
//! `_default_object_acl`, `_default_object_access_control`, `_object_acl` and
//! `_object_access_control` (google provider docs, `website/docs/r/storage_*acl*` and
//! `storage_*access_control*`). Each entry becomes a binding of the legacy role GCS maps the ACL
//! role to (bucket READER = `roles/storage.legacyBucketReader`, object READER =
//! `roles/storage.legacyObjectReader`, ...), so the role table says what it allows; `access::gcp`
//! drops them on buckets with uniform bucket-level access, where GCS ignores ACLs.

use super::super::Builder;
use super::{managed, Authority, Level, Project, WrittenBinding};
use crate::model::StoreKind;
use crate::source::Span;
use crate::terraform::value::{string_from_parts, Entry, Kind, Part, Value};
use crate::terraform::Evaluated;

/// What an ACL entry is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acl {
    /// The bucket's own ACL: listing, creating and deleting objects, bucket settings.
    Bucket,
    /// The default object ACL: every object written after it, that is the bucket's data.
    DefaultObject,
    /// One object's ACL: a part of the bucket the configuration names.
    Object,
}

/// The legacy IAM role an ACL role is on a bucket or on objects.
fn legacy_role(acl: Acl, role: &str) -> Option<&'static str> {
    match (acl, role) {
        (Acl::Bucket, "READER") => Some("roles/storage.legacyBucketReader"),
        (Acl::Bucket, "WRITER") => Some("roles/storage.legacyBucketWriter"),
        (Acl::Bucket, "OWNER") => Some("roles/storage.legacyBucketOwner"),
        (Acl::DefaultObject | Acl::Object, "READER") => Some("roles/storage.legacyObjectReader"),
        (Acl::DefaultObject | Acl::Object, "OWNER") => Some("roles/storage.legacyObjectOwner"),
        _ => None,
    }
}

/// The public entries of a canned ACL (`predefined_acl`, `default_acl`). The project-team
/// entries they also write are the bucket's default access, modelled from the project's
/// basic-role bindings already.
fn canned_public(acl: Acl, name: &str) -> &'static [(&'static str, &'static str)] {
    match (acl, name) {
        (Acl::Bucket, "publicRead") => &[("READER", "allUsers")],
        (Acl::Bucket, "publicReadWrite") => &[("WRITER", "allUsers")],
        (Acl::Bucket, "authenticatedRead") => &[("READER", "allAuthenticatedUsers")],
        (Acl::DefaultObject | Acl::Object, "publicRead") => &[("READER", "allUsers")],
        (Acl::DefaultObject | Acl::Object, "authenticatedRead") => {
            &[("READER", "allAuthenticatedUsers")]
        }
        _ => &[],
    }
}

/// An ACL entity (`allUsers`, `user-liz@example.com`, `group-x@example.com`,
/// `domain-example.com`, `project-viewers-123`) as the IAM member it stands for.
fn member_text(entity: &str) -> Option<String> {
    if entity == "allUsers" || entity == "allAuthenticatedUsers" {
        return Some(entity.to_string());
    }
    if let Some(rest) = entity.strip_prefix("project-") {
        let (team, project) = rest.split_once('-')?;
        let basic = match team {
            "owners" => "projectOwner",
            "editors" => "projectEditor",
            "viewers" => "projectViewer",
            _ => return None,
        };
        return Some(format!("{basic}:{project}"));
    }
    let (kind, rest) = entity.split_once('-')?;
    let prefix = match kind {
        "user" if rest.ends_with(".gserviceaccount.com") => "serviceAccount",
        "user" => "user",
        "group" => "group",
        "domain" => "domain",
        _ => return None,
    };
    Some(format!("{prefix}:{rest}"))
}

/// An entity value, literal or with references (`user-${google_service_account.x.email}`), as
/// a member value: references keep naming their principal.
fn member_value(v: &Value) -> Option<Value> {
    match &v.kind {
        Kind::String(s) => member_text(s).map(|m| Value::string(m, v.span)),
        Kind::Symbolic(parts) => {
            let mut parts = parts.clone();
            if let Some(Part::Lit(first)) = parts.first_mut() {
                let prefix = ["user-", "group-", "domain-"]
                    .into_iter()
                    .find(|p| first.starts_with(p))?;
                *first = format!(
                    "{}:{}",
                    prefix.trim_end_matches('-'),
                    &first[prefix.len()..]
                );
            }
            Some(string_from_parts(parts, v.span))
        }
        _ => None,
    }
}

fn entry(key: &str, value: Value, span: Span) -> Entry {
    Entry {
        key: key.to_string(),
        key_span: span,
        value,
    }
}

impl Builder<'_> {
    /// Every GCS ACL resource of the module as `Binding` documents on its bucket.
    pub(in crate::model) fn gcp_acls(&mut self, ev: &Evaluated, default_project: &Project) {
        for r in managed(ev) {
            let (own, default_acl) = match r.address.rtype.as_str() {
                "google_storage_bucket_acl" | "google_storage_bucket_access_control" => {
                    (Acl::Bucket, true)
                }
                "google_storage_default_object_acl"
                | "google_storage_default_object_access_control" => (Acl::DefaultObject, false),
                "google_storage_object_acl" | "google_storage_object_access_control" => {
                    (Acl::Object, false)
                }
                _ => continue,
            };
            let a = &r.attrs;
            let Some(bucket) = a
                .get("bucket")
                .and_then(|v| self.gcp_store_ref(v, StoreKind::Bucket))
            else {
                continue;
            };
            let mut written: Vec<(WrittenBinding, Acl)> = Vec::new();
            // `role` and `entity` (the `_access_control` resources)
            if let (Some(role), Some(ent)) = (a.entry("role"), a.entry("entity")) {
                let legacy = role.value.as_str().and_then(|x| legacy_role(own, x));
                if let (Some(legacy), Some(member)) = (legacy, member_value(&ent.value)) {
                    written.push((
                        WrittenBinding {
                            role: Some(entry(
                                "role",
                                Value::string(legacy, role.value.span),
                                role.key_span.to(role.value.span),
                            )),
                            members: Some(entry("entity", member, ent.key_span.to(ent.value.span))),
                            condition: None,
                            span: r.span,
                            path: String::new(),
                        },
                        own,
                    ));
                }
            }
            // `role_entity = ["READER:allUsers", ...]`
            if let Some(list) = a.get("role_entity") {
                for (i, item) in list.one_or_many().into_iter().enumerate() {
                    if let Some(w) = role_entity(item, own, i) {
                        written.push((w, own));
                    }
                }
            }
            // canned ACLs: `predefined_acl` on the resource's own scope, a bucket ACL's
            // `default_acl` on the objects written to it
            let mut canned = vec![("predefined_acl", own)];
            if default_acl {
                canned.push(("default_acl", Acl::DefaultObject));
            }
            for (key, scope) in canned {
                let Some(e) = a.entry(key) else { continue };
                let Some(name) = e.value.as_str() else {
                    continue;
                };
                let span = e.key_span.to(e.value.span);
                for (role, who) in canned_public(scope, name) {
                    let Some(legacy) = legacy_role(scope, role) else {
                        continue;
                    };
                    written.push((
                        WrittenBinding {
                            role: Some(entry(key, Value::string(legacy, e.value.span), span)),
                            members: Some(entry(key, Value::string(*who, e.value.span), span)),
                            condition: None,
                            span,
                            path: key.to_string(),
                        },
                        scope,
                    ));
                }
            }
            if written.is_empty() {
                continue;
            }
            let resource_field = a.entry("bucket").map(|e| crate::model::policy::Field {
                not: false,
                items: vec![super::element(&e.value)],
                span: e.key_span.to(e.value.span),
            });
            let first = self.inv.gcp.bindings.len();
            let scopes: Vec<Acl> = written.iter().map(|(_, s)| *s).collect();
            self.gcp_binding_document(
                r.address.to_string(),
                r.span,
                Some(bucket),
                Level::Datastore(bucket),
                Authority::Additive,
                false,
                written.into_iter().map(|(w, _)| w).collect(),
                resource_field,
                default_project,
            );
            let object = a.get("object").and_then(Value::as_str).map(str::to_string);
            // every written entry has a role, so statement i is entry i
            for b in first..self.inv.gcp.bindings.len() {
                let statement = self.inv.gcp.bindings[b].statement;
                if let Some(scope) = scopes.get(statement) {
                    self.inv.gcp.acls.insert(b, *scope);
                    if let (Acl::Object, Some(o)) = (scope, &object) {
                        self.inv.gcp.acl_objects.insert(b, o.clone());
                    }
                }
            }
        }
    }
}

/// One `ROLE:entity` item of a `role_entity` list.
fn role_entity(item: &Value, scope: Acl, i: usize) -> Option<WrittenBinding> {
    let parts = item.string_parts()?;
    let Some(Part::Lit(first)) = parts.first() else {
        return None;
    };
    let (role, rest) = first.split_once(':')?;
    let legacy = legacy_role(scope, role)?;
    let mut entity_parts = parts.clone();
    entity_parts[0] = Part::Lit(rest.to_string());
    let entity = string_from_parts(entity_parts, item.span);
    let member = member_value(&entity)?;
    Some(WrittenBinding {
        role: Some(entry(
            "role_entity",
            Value::string(legacy, item.span),
            item.span,
        )),
        members: Some(entry("role_entity", member, item.span)),
        condition: None,
        span: item.span,
        path: format!("role_entity[{i}]"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_the_members_they_stand_for() {
        assert_eq!(member_text("allUsers").as_deref(), Some("allUsers"));
        assert_eq!(
            member_text("user-liz@example.com").as_deref(),
            Some("user:liz@example.com")
        );
        assert_eq!(
            member_text("user-etl@p.iam.gserviceaccount.com").as_deref(),
            Some("serviceAccount:etl@p.iam.gserviceaccount.com")
        );
        assert_eq!(
            member_text("group-ml@example.com").as_deref(),
            Some("group:ml@example.com")
        );
        assert_eq!(
            member_text("domain-example.com").as_deref(),
            Some("domain:example.com")
        );
        assert_eq!(
            member_text("project-viewers-123").as_deref(),
            Some("projectViewer:123")
        );
        assert_eq!(member_text("project-team-123"), None);
        assert_eq!(member_text("nonsense"), None);
    }

    #[test]
    fn acl_roles_are_legacy_roles() {
        assert_eq!(
            legacy_role(Acl::Bucket, "WRITER"),
            Some("roles/storage.legacyBucketWriter")
        );
        assert_eq!(
            legacy_role(Acl::Object, "READER"),
            Some("roles/storage.legacyObjectReader")
        );
        // objects have no WRITER
        assert_eq!(legacy_role(Acl::DefaultObject, "WRITER"), None);
        assert_eq!(canned_public(Acl::Bucket, "private"), &[]);
        assert_eq!(
            canned_public(Acl::Object, "publicRead"),
            &[("READER", "allUsers")]
        );
    }
}
