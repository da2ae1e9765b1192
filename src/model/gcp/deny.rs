//! `google_iam_deny_policy` (google provider docs, `website/docs/r/iam_deny_policy.html.markdown`):
//! its attachment point (`parent`, the URL-encoded full resource name of a project, folder or
//! organization), and per `rules { deny_rule { ... } }` the denied and excepted principals (IAM
//! v2 identifiers, resolved to the principals of the inventory where they name one), the denied
//! and excepted permissions (`storage.googleapis.com/objects.get`) and whether a
//! `denial_condition` makes the rule depend on the request. `access::gcp_deny` decides what they
//! remove; this only reads them. Also `google_project` resources, the names a project goes by
//! (address, `project_id`) and its `org_id` / `folder_id`, so a deny can be placed.

use super::super::{Builder, Entity, PrincipalId, PrincipalKind};
use super::{blocks, managed, strings_of};
use crate::source::Span;
use crate::terraform::value::{Address, Kind, Part, Value};
use crate::terraform::Evaluated;
use std::sync::Arc;

/// Where a deny policy is attached: a project (its id, or `google_project.x` when written by
/// reference), a folder or an organization (their numeric ids).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attachment {
    Project(String),
    Folder(String),
    Organization(String),
}

/// A principal a deny rule names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenySubject {
    /// `principalSet://goog/public:all`: everyone.
    Everyone,
    /// One identity (a Google account, a service account, one federated subject), and the
    /// principal of the inventory it is, when there is one.
    Identity(Option<PrincipalId>),
    /// A set of identities (a group, a Cloud Identity customer, a pool or its part), and the
    /// principal of the inventory that names the same set (a `group:` member), if any.
    Set(Option<PrincipalId>),
    /// Not known (an unresolved value) or not understood.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct DenyRule {
    pub root: usize,
    pub address: Arc<Address>,
    /// The `deny_rule` block.
    pub span: Span,
    /// `None` when `parent` could not be resolved.
    pub attachment: Option<Attachment>,
    pub denied: Vec<DenySubject>,
    pub exceptions: Vec<DenySubject>,
    /// IAM v2 permission names, `*` as written.
    pub permissions: Vec<String>,
    pub exception_permissions: Vec<String>,
    /// Some exception permission could not be known: any permission may be excepted.
    pub exception_permissions_unknown: bool,
    /// A `denial_condition`: whether the rule applies depends on the request.
    pub conditional: bool,
}

/// A `google_project` of the configuration.
#[derive(Clone, Debug)]
pub struct ProjectDecl {
    pub root: usize,
    /// `google_project.x` (the form `Project` takes for a reference).
    pub address: String,
    pub project_id: Option<String>,
    /// `org_id` and `folder_id`, numeric ids without the `organizations/` or `folders/` prefix.
    pub org_id: Option<String>,
    pub folder_id: Option<String>,
}

/// The attachment point of a `parent` value: the URL-encoded full resource name
/// (`cloudresourcemanager.googleapis.com%2Fprojects%2Facme`), encoded or not, or written with a
/// reference to a `google_project` (`.../projects/${google_project.p.project_id}`).
fn attachment(v: &Value) -> Option<Attachment> {
    let decode = |s: &str| s.replace("%2F", "/").replace("%2f", "/");
    let split = |s: &str| -> Option<(String, String)> {
        let s = decode(s);
        let rest = s
            .strip_prefix("//")
            .unwrap_or(&s)
            .strip_prefix("cloudresourcemanager.googleapis.com/")?
            .to_string();
        let (kind, id) = rest.split_once('/')?;
        Some((kind.to_string(), id.to_string()))
    };
    let make = |kind: &str, id: String| -> Option<Attachment> {
        if id.is_empty() || id.contains('/') {
            return None;
        }
        match kind {
            "projects" => Some(Attachment::Project(id)),
            "folders" => Some(Attachment::Folder(id)),
            "organizations" => Some(Attachment::Organization(id)),
            _ => None,
        }
    };
    match &v.kind {
        Kind::String(s) => {
            let (kind, id) = split(s)?;
            make(&kind, id)
        }
        Kind::Symbolic(parts) => match parts.as_slice() {
            [Part::Lit(prefix), Part::Ref(r)] if r.target.rtype == "google_project" => {
                let (kind, id) = split(&format!("{prefix}x"))?;
                (kind == "projects" && id == "x")
                    .then(|| Attachment::Project(format!("{}", r.target)))
            }
            _ => None,
        },
        _ => None,
    }
}

fn trim_id(s: &str) -> String {
    s.trim_start_matches("organizations/")
        .trim_start_matches("folders/")
        .to_string()
}

impl Builder<'_> {
    pub(in crate::model) fn gcp_deny_policies(&mut self, ev: &Evaluated) {
        for r in managed(ev) {
            if r.address.rtype == "google_project" {
                let text = |k: &str| r.attrs.get(k).and_then(Value::as_str).map(str::to_string);
                self.inv.gcp.projects.push(ProjectDecl {
                    root: self.root,
                    address: format!("{}", r.address),
                    project_id: text("project_id"),
                    org_id: text("org_id").map(|s| trim_id(&s)),
                    folder_id: text("folder_id").map(|s| trim_id(&s)),
                });
            }
        }
        for r in managed(ev) {
            if r.address.rtype != "google_iam_deny_policy" {
                continue;
            }
            let placed = r.attrs.get("parent").and_then(attachment);
            for rule in blocks(&r.attrs, "rules") {
                for d in blocks(rule, "deny_rule") {
                    let subjects = |this: &Self, key: &str| -> Vec<DenySubject> {
                        match d.get(key) {
                            None => Vec::new(),
                            Some(v) if v.is_null() => Vec::new(),
                            Some(v) if v.is_unknown() => vec![DenySubject::Unknown],
                            Some(v) => v
                                .one_or_many()
                                .into_iter()
                                .map(|x| this.deny_subject(x))
                                .collect(),
                        }
                    };
                    let denied = subjects(self, "denied_principals");
                    let exceptions = subjects(self, "exception_principals");
                    // denied permissions not known deny nothing the analysis can name
                    let (permissions, _) = strings_of(d.get("denied_permissions"));
                    let (exception_permissions, exception_permissions_unknown) =
                        strings_of(d.get("exception_permissions"));
                    let conditional = d.get("denial_condition").is_some_and(|c| {
                        !c.is_null() && !matches!(&c.kind, Kind::List(l) if l.is_empty())
                    });
                    self.inv.gcp.deny_rules.push(DenyRule {
                        root: self.root,
                        address: r.address.clone(),
                        span: d.span,
                        attachment: placed.clone(),
                        denied,
                        exceptions,
                        permissions,
                        exception_permissions,
                        exception_permissions_unknown,
                        conditional,
                    });
                }
            }
        }
    }

    /// What one v2 principal identifier names.
    fn deny_subject(&self, v: &Value) -> DenySubject {
        // `principal://iam.googleapis.com/projects/-/serviceAccounts/${google_service_account.x.email}`
        if let Kind::Symbolic(parts) = &v.kind {
            let is_account = matches!(parts.first(), Some(Part::Lit(l))
                if l.starts_with("principal://iam.googleapis.com/projects/-/serviceAccounts/"));
            let named = parts.iter().find_map(|p| match p {
                Part::Ref(r) => match self.by_address.get(&r.target)? {
                    Entity::Principal(p) => Some(*p),
                    Entity::Datastore(_) => None,
                },
                Part::Lit(_) => None,
            });
            return match (is_account, named) {
                (true, Some(p)) if parts.len() == 2 => DenySubject::Identity(Some(p)),
                _ => DenySubject::Unknown,
            };
        }
        let Some(text) = v.as_str() else {
            return DenySubject::Unknown;
        };
        if text == "principalSet://goog/public:all" {
            return DenySubject::Everyone;
        }
        // a deleted principal holds no grant the analysis sees
        if text.starts_with("deleted:") {
            return DenySubject::Identity(None);
        }
        if let Some(email) = text.strip_prefix("principal://goog/subject/") {
            return DenySubject::Identity(
                self.known_member(PrincipalKind::User, &format!("user:{email}")),
            );
        }
        if let Some(email) =
            text.strip_prefix("principal://iam.googleapis.com/projects/-/serviceAccounts/")
        {
            let declared = self.gcp_service_account_ref(&Value::string(email.to_string(), v.span));
            let found = declared.or_else(|| {
                let member = format!("serviceAccount:{email}");
                self.known_member(PrincipalKind::ServiceAccount, &member)
                    .or_else(|| self.known_member(PrincipalKind::Service, &member))
            });
            return DenySubject::Identity(found);
        }
        if let Some(group) = text.strip_prefix("principalSet://goog/group/") {
            return DenySubject::Set(
                self.known_member(PrincipalKind::Group, &format!("group:{group}")),
            );
        }
        if text.starts_with("principalSet://") {
            return DenySubject::Set(self.known_member(PrincipalKind::Federated, text));
        }
        if text.starts_with("principal://") {
            return DenySubject::Identity(self.known_member(PrincipalKind::Federated, text));
        }
        DenySubject::Unknown
    }

    /// A principal outside the configuration that some binding of this root already names.
    fn known_member(&self, kind: PrincipalKind, text: &str) -> Option<PrincipalId> {
        self.external
            .get(&(kind, text.to_string()))
            .copied()
            .filter(|&p| self.inv.principals[p].root == self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_points_are_read_encoded_or_not() {
        let s = |t: &str| Value::string(t, Span::default());
        assert_eq!(
            attachment(&s(
                "cloudresourcemanager.googleapis.com%2Fprojects%2Facme-ml"
            )),
            Some(Attachment::Project("acme-ml".into()))
        );
        assert_eq!(
            attachment(&s("cloudresourcemanager.googleapis.com/organizations/123")),
            Some(Attachment::Organization("123".into()))
        );
        assert_eq!(
            attachment(&s("cloudresourcemanager.googleapis.com%2Ffolders%2F456")),
            Some(Attachment::Folder("456".into()))
        );
        assert_eq!(attachment(&s("projects/acme-ml")), None);
        assert_eq!(
            attachment(&s("cloudresourcemanager.googleapis.com%2Fprojects%2F")),
            None
        );
    }
}
