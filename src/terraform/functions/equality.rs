//! Equality as Terraform compares values, type unification of tuple elements, and set order:
//! what the collection and conversion functions share.

use super::*;

/// Structural equality as Terraform compares values; `None` when something unknown inside
/// makes it undecidable. Symbolic strings compare by their parts.
pub(super) fn same(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null, Kind::Null) => Some(true),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        (Kind::Symbolic(x), Kind::Symbolic(y)) => Some(x == y),
        (Kind::Json(x), Kind::Json(y)) => same(x, y),
        (Kind::Json(j), Kind::String(s)) | (Kind::String(s), Kind::Json(j)) => {
            encode(j).map(|t| &t == s)
        }
        (Kind::List(x), Kind::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_same(x.iter().zip(y.iter()).map(|(a, b)| same(a, b)))
        }
        (Kind::Object(x), Kind::Object(y)) => {
            let (x, y) = (sorted_entries(x), sorted_entries(y));
            if x.len() != y.len() || x.iter().zip(&y).any(|(a, b)| a.key != b.key) {
                return Some(false);
            }
            all_same(x.iter().zip(&y).map(|(a, b)| same(&a.value, &b.value)))
        }
        _ => Some(false),
    }
}

/// Combines element comparisons: one definite difference decides, else any doubt remains.
pub(super) fn all_same(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut doubt = false;
    for r in results {
        match r {
            Some(false) => return Some(false),
            None => doubt = true,
            Some(true) => {}
        }
    }
    if doubt {
        None
    } else {
        Some(true)
    }
}

/// Entries by key, last duplicate winning, as Terraform orders objects and maps.
pub(super) fn sorted_entries(entries: &[Entry]) -> Vec<&Entry> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    // Stable: duplicates stay in source order, so the last one written is kept.
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut out: Vec<&Entry> = Vec::with_capacity(sorted.len());
    for e in sorted {
        if out.last().is_some_and(|last| last.key == e.key) {
            out.pop();
        }
        out.push(e);
    }
    out
}

/// Builds an object in first-seen key order where a later entry replaces an earlier one.
#[derive(Default)]
pub(super) struct ObjectBuilder {
    pub(super) entries: Vec<Entry>,
    pub(super) index: HashMap<String, usize>,
}

impl ObjectBuilder {
    pub(super) fn set(&mut self, entry: Entry) {
        match self
            .index
            .get(&entry.key)
            .and_then(|&i| self.entries.get_mut(i))
        {
            Some(slot) => *slot = entry,
            None => {
                self.index.insert(entry.key.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        let i = *self.index.get(key)?;
        self.entries.get_mut(i)
    }
}

/// Converts a tuple's primitive elements to one type, as Terraform does when a list or set
/// is expected: numbers and bools become strings next to strings; numbers next to bools
/// cannot be unified. Collections are left as they are.
pub(super) fn unify(items: &[Value]) -> R<Vec<Value>> {
    let (mut strings, mut numbers, mut bools, mut collections) = (false, false, false, false);
    for v in items {
        match v.kind {
            Kind::String(_) | Kind::Symbolic(_) | Kind::Json(_) => strings = true,
            Kind::Number(_) => numbers = true,
            Kind::Bool(_) => bools = true,
            Kind::List(_) | Kind::Object(_) => collections = true,
            Kind::Null | Kind::Unknown(_) => {}
        }
    }
    let primitives = strings || numbers || bools;
    if (collections && primitives) || (numbers && bools && !strings) {
        return error("all elements must have the same type");
    }
    if !strings || !(numbers || bools) {
        return Ok(items.to_vec());
    }
    Ok(items
        .iter()
        .map(|v| match &v.kind {
            Kind::Number(_) | Kind::Bool(_) => {
                Value::string(v.to_plain_string().unwrap_or_default(), v.span)
            }
            _ => v.clone(),
        })
        .collect())
}

/// A key equal for exactly the values [`same`] finds equal, for fully known values: their
/// JSON text, which tells `"1"` from `1` and sorts object keys. Values with symbolic or
/// unknown parts have none; such a value is never definitely equal to one that has a key.
pub(super) fn equality_key(v: &Value) -> Option<String> {
    encode(v)
}

/// Drops later elements equal to an earlier one; elements whose equality is undecidable stay.
pub(super) fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut unkeyed: Vec<usize> = Vec::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        match equality_key(&v) {
            Some(key) => {
                if seen.insert(key) {
                    out.push(v);
                }
            }
            None => {
                let dup = unkeyed
                    .iter()
                    .any(|&i| out.get(i).is_some_and(|o| same(o, &v) == Some(true)));
                if !dup {
                    unkeyed.push(out.len());
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Set membership in near-constant time for known values.
pub(super) struct Membership<'a> {
    pub(super) keys: HashSet<String>,
    pub(super) unkeyed: Vec<&'a Value>,
    pub(super) all: &'a [Value],
}

impl<'a> Membership<'a> {
    pub(super) fn new(set: &'a [Value]) -> Membership<'a> {
        let mut keys = HashSet::new();
        let mut unkeyed = Vec::new();
        for v in set {
            match equality_key(v) {
                Some(k) => {
                    keys.insert(k);
                }
                None => unkeyed.push(v),
            }
        }
        Membership {
            keys,
            unkeyed,
            all: set,
        }
    }

    /// Whether `v` is in the set; `None` when undecidable.
    pub(super) fn contains(&self, v: &Value) -> Option<bool> {
        let Some(key) = equality_key(v) else {
            return all_member(v, self.all);
        };
        if self.keys.contains(&key) {
            return Some(true);
        }
        all_member(v, self.unkeyed.iter().copied())
    }
}

/// Terraform's set order: bools false first, numbers ascending, strings lexically; values it
/// cannot order statically follow in their given order, nulls last.
pub(super) fn set_order(items: &mut [Value]) {
    fn rank(v: &Value) -> u8 {
        match v.kind {
            Kind::Bool(_) => 0,
            Kind::Number(_) => 1,
            Kind::String(_) => 2,
            Kind::Null => 4,
            _ => 3,
        }
    }
    items.sort_by(|a, b| match (&a.kind, &b.kind) {
        (Kind::Bool(x), Kind::Bool(y)) => x.cmp(y),
        (Kind::Number(x), Kind::Number(y)) => x.total_cmp(y),
        (Kind::String(x), Kind::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    });
}

/// A set built from list items: unified, deduplicated and ordered.
pub(super) fn to_set(items: &[Value]) -> R<Vec<Value>> {
    let mut out = dedupe(unify(items)?);
    set_order(&mut out);
    Ok(out)
}
