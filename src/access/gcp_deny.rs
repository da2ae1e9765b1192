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
use crate::source::Span;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Deny rules the analysis reads per scan (docs/security.md): each grant is checked against
/// the rules. Google allows 500 rules per deny policy and 5 policies per resource; real
/// configurations write a handful.
const MAX_RULES: usize = 2_000;

/// A project as a store names it (`Project`), and the unit declaring the store.
type ProjectInUnit = (Option<String>, usize);

/// One rule, indexed for the questions asked of it per grant.
struct Rule<'a> {
    rule: &'a DenyRule,
    /// An exception might hold anyone (a set, everyone, a value not known).
    excepts_anyone: bool,
    /// The principals it excepts by identity, ascending.
    excepted: Vec<PrincipalId>,
}

pub struct Denies<'a> {
    inv: &'a Inventory,
    rules: Vec<Rule<'a>>,
    /// Rules denying `principalSet://goog/public:all`, and rules by a principal they name.
    everyone: Vec<usize>,
    by_principal: HashMap<PrincipalId, Vec<usize>>,
    /// Rules by a permission they deny by its full name, and rules denying a pattern with `*`.
    by_permission: HashMap<&'a str, Vec<usize>>,
    with_wildcards: Vec<usize>,
    /// Memos, each asked once per grant: per principal the rules that name it with no exception
    /// that might hold it; per permission the rules that deny it; per (project, unit) whether
    /// each rule is placed over it. All ascending rule indices.
    naming: RefCell<HashMap<PrincipalId, Rc<[usize]>>>,
    denying: RefCell<HashMap<String, Rc<[usize]>>>,
    placed: RefCell<HashMap<ProjectInUnit, Rc<[bool]>>>,
}

impl<'a> Denies<'a> {
    /// The rules that can remove access (placed, unconditional, exception permissions known),
    /// and an error when there are more than the budget (the rules past it are left out: fewer
    /// denies, never fewer findings).
    pub fn new(inv: &'a Inventory) -> (Denies<'a>, Option<(Span, String)>) {
        let mut rules: Vec<&DenyRule> = inv
            .gcp
            .deny_rules
            .iter()
            .filter(|r| {
                !r.conditional && r.attachment.is_some() && !r.exception_permissions_unknown
            })
            .collect();
        let error = rules.get(MAX_RULES).map(|r| {
            (
                r.span,
                format!(
                    "more than {MAX_RULES} deny rules: this one and the rules after it are left \
                     out of the access analysis"
                ),
            )
        });
        rules.truncate(MAX_RULES);
        let mut d = Denies {
            inv,
            rules: Vec::new(),
            everyone: Vec::new(),
            by_principal: HashMap::new(),
            by_permission: HashMap::new(),
            with_wildcards: Vec::new(),
            naming: RefCell::new(HashMap::new()),
            denying: RefCell::new(HashMap::new()),
            placed: RefCell::new(HashMap::new()),
        };
        for (i, r) in rules.into_iter().enumerate() {
            for s in &r.denied {
                match s {
                    DenySubject::Everyone => d.everyone.push(i),
                    DenySubject::Identity(Some(p)) | DenySubject::Set(Some(p)) => {
                        d.by_principal.entry(*p).or_default().push(i)
                    }
                    _ => {}
                }
            }
            for p in &r.permissions {
                if p.contains('*') {
                    d.with_wildcards.push(i);
                } else {
                    d.by_permission.entry(p.as_str()).or_default().push(i);
                }
            }
            let mut excepted: Vec<PrincipalId> = r
                .exceptions
                .iter()
                .filter_map(|e| match e {
                    DenySubject::Identity(p) => *p,
                    _ => None,
                })
                .collect();
            excepted.sort_unstable();
            d.rules.push(Rule {
                rule: r,
                excepts_anyone: r.exceptions.iter().any(|e| {
                    matches!(
                        e,
                        DenySubject::Everyone | DenySubject::Set(_) | DenySubject::Unknown
                    )
                }),
                excepted,
            });
        }
        for list in d
            .by_principal
            .values_mut()
            .chain(d.by_permission.values_mut())
            .chain([&mut d.everyone, &mut d.with_wildcards])
        {
            list.dedup();
        }
        (d, error)
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
        let naming = self.naming_of(p);
        if naming.is_empty() {
            return false;
        }
        let Some(v2) = v2_name(permission) else {
            return false;
        };
        let denying = self.denying_of(&v2);
        if denying.is_empty() {
            return false;
        }
        let placed = self.placed_for(project, root);
        let (small, large) = if naming.len() <= denying.len() {
            (&naming, &denying)
        } else {
            (&denying, &naming)
        };
        small
            .iter()
            .any(|i| placed[*i] && large.binary_search(i).is_ok())
    }

    fn naming_of(&self, p: PrincipalId) -> Rc<[usize]> {
        if let Some(n) = self.naming.borrow().get(&p) {
            return n.clone();
        }
        let set = is_set(self.inv, p);
        let mut rules: Vec<usize> = self
            .everyone
            .iter()
            .chain(self.by_principal.get(&p).into_iter().flatten())
            .copied()
            .filter(|&i| !self.excepted(&self.rules[i], p, set))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let rules: Rc<[usize]> = rules.into();
        self.naming.borrow_mut().insert(p, rules.clone());
        rules
    }

    fn denying_of(&self, v2: &str) -> Rc<[usize]> {
        if let Some(n) = self.denying.borrow().get(v2) {
            return n.clone();
        }
        let patterned = self.with_wildcards.iter().filter(|&&i| {
            self.rules[i]
                .rule
                .permissions
                .iter()
                .any(|pat| glob(pat, v2))
        });
        let mut rules: Vec<usize> = self
            .by_permission
            .get(v2)
            .into_iter()
            .flatten()
            .chain(patterned)
            .copied()
            .filter(|&i| {
                !self.rules[i]
                    .rule
                    .exception_permissions
                    .iter()
                    .any(|pat| glob(pat, v2))
            })
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let rules: Rc<[usize]> = rules.into();
        self.denying
            .borrow_mut()
            .insert(v2.to_string(), rules.clone());
        rules
    }

    fn placed_for(&self, project: &Project, root: usize) -> Rc<[bool]> {
        let key = (project.0.clone(), root);
        if let Some(n) = self.placed.borrow().get(&key) {
            return n.clone();
        }
        let placed: Rc<[bool]> = self
            .rules
            .iter()
            .map(|r| self.placed_over(r.rule, project, root))
            .collect();
        self.placed.borrow_mut().insert(key, placed.clone());
        placed
    }

    /// Might an exception of the rule hold `p` (`set`: `p` stands for many identities)?
    fn excepted(&self, rule: &Rule, p: PrincipalId, set: bool) -> bool {
        if rule.rule.exceptions.is_empty() {
            return false;
        }
        set || rule.excepts_anyone || rule.excepted.binary_search(&p).is_ok()
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
    let Some((first, after)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let (middle, last) = after.rsplit_once('*').unwrap_or(("", after));
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in middle.split('*') {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
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
