//! GCP deny policies (`google_iam_deny_policy`): which permissions a deny rule surely takes from
//! a principal on a resource. IAM checks deny policies before allow policies, so a permission a
//! rule denies is not granted, whatever the role.
//!
//! Only what is sure removes access, since a wrong "no access" hides a real finding:
//! - a rule with a `denial_condition` depends on the request (resource tags): it removes nothing,
//!   as an AWS Deny whose conditions cannot be decided removes nothing (`access::denied_by`);
//! - the rule must be attached to the resource's project (by id, or the same `google_project`),
//!   or to the folder or organization a declared `google_project` of the resource sits in;
//!   a `parent` not resolved places it nowhere;
//! - it must name the principal: `principalSet://goog/public:all`, or the same identity or group
//!   as the binding's member; a group does not cover its members, whom the configuration does
//!   not list;
//! - an exception that might hold the principal saves it: any exception saves a member that is a
//!   set (`allUsers`, a group, a domain, a pool), and an exception that is a set or not known
//!   saves every member;
//! - exception permissions not known except everything.

use crate::model::gcp::{Attachment, DenyRule, DenySubject, Project};
use crate::model::{Inventory, PrincipalId, PrincipalKind};

pub struct Denies<'a> {
    inv: &'a Inventory,
    /// The rules that can remove access: placed, unconditional, exceptions known.
    rules: Vec<&'a DenyRule>,
}

impl<'a> Denies<'a> {
    pub fn new(inv: &'a Inventory) -> Denies<'a> {
        let rules = inv
            .gcp
            .deny_rules
            .iter()
            .filter(|r| {
                !r.conditional && r.attachment.is_some() && !r.exception_permissions_unknown
            })
            .collect();
        Denies { inv, rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Does a deny rule surely stop `p` using `permission` (`storage.objects.get`) on a
    /// resource of `project`, declared in unit `root`?
    pub fn denies(&self, p: PrincipalId, permission: &str, project: &Project, root: usize) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let Some(v2) = v2_name(permission) else {
            return false;
        };
        self.rules.iter().any(|r| {
            r.permissions.iter().any(|pat| glob(pat, &v2))
                && !r.exception_permissions.iter().any(|pat| glob(pat, &v2))
                && r.denied.iter().any(|s| names(s, p))
                && !self.excepted(r, p)
                && self.placed_over(r, project, root)
        })
    }

    /// Might an exception of the rule hold `p`?
    fn excepted(&self, rule: &DenyRule, p: PrincipalId) -> bool {
        if rule.exceptions.is_empty() {
            return false;
        }
        if is_set(self.inv, p) {
            return true;
        }
        rule.exceptions.iter().any(|e| match e {
            DenySubject::Identity(q) => *q == Some(p),
            DenySubject::Everyone | DenySubject::Set(_) | DenySubject::Unknown => true,
        })
    }

    /// Is the rule attached above a resource of this project?
    fn placed_over(&self, rule: &DenyRule, project: &Project, root: usize) -> bool {
        let Some(name) = &project.0 else {
            return false;
        };
        let decls: Vec<_> = self
            .inv
            .gcp
            .projects
            .iter()
            .filter(|d| {
                d.root == root && (d.address == *name || d.project_id.as_deref() == Some(name))
            })
            .collect();
        match rule.attachment.as_ref() {
            Some(Attachment::Project(id)) => {
                let by_reference = id.starts_with("google_project.");
                if by_reference && rule.root != root {
                    return false;
                }
                id == name
                    || decls
                        .iter()
                        .any(|d| d.address == *id || d.project_id.as_deref() == Some(id))
            }
            Some(Attachment::Folder(id)) => decls.iter().any(|d| d.folder_id.as_ref() == Some(id)),
            Some(Attachment::Organization(id)) => {
                decls.iter().any(|d| d.org_id.as_ref() == Some(id))
            }
            None => false,
        }
    }
}

/// Does a denied principal name `p` (the member itself, or everyone)?
fn names(s: &DenySubject, p: PrincipalId) -> bool {
    match s {
        DenySubject::Everyone => true,
        DenySubject::Identity(q) | DenySubject::Set(q) => *q == Some(p),
        DenySubject::Unknown => false,
    }
}

/// A member that stands for many identities, of whom an exception may hold some.
fn is_set(inv: &Inventory, p: PrincipalId) -> bool {
    let pr = &inv.principals[p];
    match pr.kind {
        PrincipalKind::Anyone
        | PrincipalKind::Authenticated
        | PrincipalKind::Group
        | PrincipalKind::Domain => true,
        PrincipalKind::Federated => pr.address.starts_with("principalSet://"),
        _ => false,
    }
}

/// The IAM v2 name of a v1 permission: `storage.objects.get` ->
/// `storage.googleapis.com/objects.get`.
fn v2_name(permission: &str) -> Option<String> {
    let (service, rest) = permission.split_once('.')?;
    Some(format!("{service}.googleapis.com/{rest}"))
}

/// `*` matches any run of characters (permission groups such as `storage.googleapis.com/*`
/// or `storage.googleapis.com/objects.*`); everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_take_their_v2_names() {
        assert_eq!(
            v2_name("storage.objects.get").as_deref(),
            Some("storage.googleapis.com/objects.get")
        );
        assert_eq!(
            v2_name("iam.serviceAccounts.getAccessToken").as_deref(),
            Some("iam.googleapis.com/serviceAccounts.getAccessToken")
        );
        assert_eq!(v2_name("nodot"), None);
    }

    #[test]
    fn permission_groups_match_by_wildcard() {
        let p = "storage.googleapis.com/objects.get";
        assert!(glob(p, p));
        assert!(glob("storage.googleapis.com/*", p));
        assert!(glob("storage.googleapis.com/objects.*", p));
        assert!(glob("*.googleapis.com/*.get", p));
        assert!(!glob("storage.googleapis.com/buckets.*", p));
        assert!(!glob("storage.googleapis.com/objects.list", p));
        assert!(!glob("bigquery.googleapis.com/*", p));
        // `*` between two fixed parts that overlap the text does not match twice
        assert!(!glob("storage.googleapis.com/objects.get*get", p));
    }
}
