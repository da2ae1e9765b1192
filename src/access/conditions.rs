//! IAM conditions decided against a known principal. Keys that describe the principal
//! (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:PrincipalTag/<key>`,
//! `aws:PrincipalServiceName`) are evaluated; any other key depends on the request and stays
//! undecided, which keeps an Allow in force (marked conditional) and leaves a Deny without effect.

use super::matcher;
use crate::config::Config;
use crate::model::policy::{Condition, Element};
use crate::model::{Principal, PrincipalKind};
use crate::terraform::value::Part;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// All conditions of a statement (they are ANDed), for one principal.
pub fn evaluate(conditions: &[Condition], p: &Principal, config: &Config) -> Truth {
    conditions
        .iter()
        .fold(Truth::True, |acc, c| acc.and(one(c, p, config)))
}

/// What a principal key holds for this principal: `Ok(None)` when the key is absent.
enum KeyValue {
    Values(Vec<String>),
    /// The principal's own ARN: compared by reference as well as by text.
    Arn,
    Absent,
    Unknown,
}

fn key_value(key: &str, p: &Principal, config: &Config) -> Option<KeyValue> {
    let lower = key.to_ascii_lowercase();
    Some(match lower.as_str() {
        "aws:principalarn" => match p.kind {
            PrincipalKind::Role | PrincipalKind::User | PrincipalKind::Group => KeyValue::Arn,
            PrincipalKind::Account => KeyValue::Values(vec![p.address.clone()]),
            PrincipalKind::Service => KeyValue::Absent,
            PrincipalKind::Anyone => KeyValue::Unknown,
            // principals of other clouds never meet an AWS condition; unknown is the safe side
            PrincipalKind::ServiceAccount
            | PrincipalKind::Domain
            | PrincipalKind::Authenticated
            | PrincipalKind::Federated => KeyValue::Unknown,
        },
        "aws:principalaccount" => match (p.is_internal(), config.accounts.as_slice()) {
            (true, [one]) => KeyValue::Values(vec![one.get_ref().clone()]),
            // "this account": any account a condition names, unless the config lists others
            (true, _) => KeyValue::Unknown,
            _ => KeyValue::Unknown,
        },
        "aws:principaltype" => match p.kind {
            PrincipalKind::Role => KeyValue::Values(vec!["AssumedRole".into()]),
            PrincipalKind::User => KeyValue::Values(vec!["User".into()]),
            PrincipalKind::Account => KeyValue::Values(vec!["Account".into()]),
            _ => KeyValue::Unknown,
        },
        "aws:principalservicename" => match p.kind {
            PrincipalKind::Service => KeyValue::Values(vec![p.address.clone()]),
            PrincipalKind::Anyone => KeyValue::Unknown,
            _ => KeyValue::Absent,
        },
        k if k.starts_with("aws:principaltag/") => {
            let tag = &key["aws:PrincipalTag/".len()..];
            if !p.is_internal() || p.tags.unknown {
                KeyValue::Unknown
            } else {
                match p.tags.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(tag)) {
                    Some((_, v)) => KeyValue::Values(vec![v.clone()]),
                    None => KeyValue::Absent,
                }
            }
        }
        _ => return None,
    })
}

fn one(c: &Condition, p: &Principal, config: &Config) -> Truth {
    let Some(value) = key_value(&c.key, p, config) else {
        return Truth::Unknown; // a key about the request, not the principal
    };
    // ForAnyValue:/ForAllValues: on single-valued principal keys behave like the plain operator
    let op = c.operator.rsplit(':').next().unwrap_or(&c.operator);
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (op, false),
    };
    let negated = op.contains("Not");
    let base = op.replace("Not", "");
    let values = match value {
        KeyValue::Unknown => return Truth::Unknown,
        KeyValue::Absent => {
            // a missing key matches no value: positive operators fail, negated ones hold
            return if if_exists || negated {
                Truth::True
            } else {
                Truth::False
            };
        }
        KeyValue::Arn => {
            let hit = c.values.iter().fold(Truth::False, |acc, v| {
                match (acc, arn_matches(v, p, &base, config)) {
                    (Truth::True, _) | (_, Truth::True) => Truth::True,
                    (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                    _ => Truth::False,
                }
            });
            return if negated { hit.not() } else { hit };
        }
        KeyValue::Values(v) => v,
    };
    let mut result = Truth::False;
    for expected in &c.values {
        let Some(pattern) = expected.literal() else {
            result = if result == Truth::True {
                Truth::True
            } else {
                Truth::Unknown
            };
            continue;
        };
        let hit = values.iter().any(|actual| compare(&base, pattern, actual));
        if hit {
            result = Truth::True;
        }
    }
    if negated {
        result.not()
    } else {
        result
    }
}

fn compare(op: &str, pattern: &str, actual: &str) -> bool {
    match op {
        "StringEquals" | "ArnEquals" => pattern == actual,
        "StringEqualsIgnoreCase" => pattern.eq_ignore_ascii_case(actual),
        "StringLike" | "ArnLike" => matcher::glob(pattern, actual, false),
        _ => false,
    }
}

/// Does a condition value name this principal's ARN? A reference compares by address; a
/// literal ARN pattern by text, where an unknown account is this account.
fn arn_matches(v: &Element, p: &Principal, op: &str, config: &Config) -> Truth {
    if let [Part::Ref(r)] = v.parts.as_slice() {
        return match &p.target {
            Some(t) if **t == *r.target => Truth::True,
            _ => Truth::False,
        };
    }
    let Some(pattern) = v.literal() else {
        return Truth::Unknown;
    };
    let Some(name) = &p.name else {
        return Truth::Unknown;
    };
    let arn = format!("arn:aws:iam::*:{}{}{name}", p.kind.as_str(), p.path);
    let like = !matches!(op, "StringEquals" | "ArnEquals" | "StringEqualsIgnoreCase");
    let account_ok = |pattern: &str| {
        let account = pattern.split(':').nth(4).unwrap_or("");
        config.accounts.is_empty()
            || account.contains(['*', '?'])
            || config.accounts.iter().any(|a| a.get_ref() == account)
    };
    let fields: Vec<&str> = pattern.splitn(6, ':').collect();
    let ours: Vec<&str> = arn.splitn(6, ':').collect();
    if fields.len() != 6 {
        return Truth::False;
    }
    let same = (0..6).all(|i| {
        if i == 4 {
            return true; // the account: checked against the config below
        }
        if like {
            matcher::glob(fields[i], ours[i], false)
        } else {
            fields[i] == ours[i]
        }
    });
    if same && account_ok(pattern) {
        Truth::True
    } else {
        Truth::False
    }
}
