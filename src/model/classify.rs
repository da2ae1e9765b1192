//! Tiers for datastores and workloads for principals: config, then tags, then the graph, then
//! the name, first match wins; each decision keeps its reason for `explain` and the reports.

use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Raw,
    Processed,
    TrainingReady,
    ModelArtifacts,
    InferenceLogs,
    ApplicationLogs,
    Other,
}

impl Tier {
    pub const ALL: [Tier; 7] = [
        Tier::Raw,
        Tier::Processed,
        Tier::TrainingReady,
        Tier::ModelArtifacts,
        Tier::InferenceLogs,
        Tier::ApplicationLogs,
        Tier::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Raw => "raw",
            Tier::Processed => "processed",
            Tier::TrainingReady => "training-ready",
            Tier::ModelArtifacts => "model-artifacts",
            Tier::InferenceLogs => "inference-logs",
            Tier::ApplicationLogs => "application-logs",
            Tier::Other => "other",
        }
    }

    /// One of the three training-data tiers.
    pub fn is_data_tier(self) -> bool {
        matches!(self, Tier::Raw | Tier::Processed | Tier::TrainingReady)
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A tag value, normalised (`Bronze`, `training_ready`, `feature-store`).
    pub fn from_tag_value(value: &str) -> Option<Tier> {
        let v = value.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Tier::parse(&v).or_else(|| match v.as_str() {
            "feature-store" => Some(Tier::TrainingReady),
            other => Tier::from_word(other),
        })
    }

    /// A word of a name (also accepted as a tag value).
    fn from_word(w: &str) -> Option<Tier> {
        Some(match w {
            "raw" | "landing" | "bronze" => Tier::Raw,
            "processed" | "curated" | "clean" | "silver" => Tier::Processed,
            "training-ready" | "training" | "train" | "features" | "gold" => Tier::TrainingReady,
            _ => return None,
        })
    }
}

/// Tag keys that carry a tier.
pub const TIER_TAG_KEYS: [&str; 3] = ["mlguard:tier", "data-tier", "DataTier"];
pub const WORKLOAD_TAG_KEY: &str = "mlguard:workload";

pub const WORKLOADS: [&str; 7] = [
    "training",
    "inference",
    "pipeline",
    "notebook",
    "promotion",
    "monitoring",
    "human",
];

/// Split a name into lowercase words at `-`, `_`, `.`, `/`, spaces and case changes.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.' | '/' | ' ' | ':') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a name says about its tier.
#[derive(Debug, PartialEq, Eq)]
pub enum NameTier {
    Tier(Tier),
    None,
    /// Words of two tiers (`raw-to-processed`).
    Ambiguous,
}

/// The tier a name implies. `training-ready` spans two words and is matched as a pair.
pub fn tier_from_name(name: &str) -> NameTier {
    let w = words(name);
    let mut found: BTreeSet<Tier> = BTreeSet::new();
    let mut i = 0;
    while i < w.len() {
        if w[i] == "training" && w.get(i + 1).is_some_and(|n| n == "ready") {
            found.insert(Tier::TrainingReady);
            i += 2;
            continue;
        }
        if w[i] == "feature" && w.get(i + 1).is_some_and(|n| n == "store") {
            i += 2;
            continue; // `feature-store` is a tag value only
        }
        if let Some(t) = Tier::from_word(&w[i]) {
            found.insert(t);
        }
        i += 1;
    }
    match (found.len(), found.into_iter().next()) {
        (1, Some(t)) => NameTier::Tier(t),
        (0, _) => NameTier::None,
        _ => NameTier::Ambiguous,
    }
}

/// Workloads a principal's name implies, on whole words.
pub fn workloads_from_name(name: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for w in words(name) {
        let workload = match w.as_str() {
            "train" | "training" | "trainer" => "training",
            "inference" | "serving" => "inference",
            "etl" | "pipeline" => "pipeline",
            "deploy" | "promote" | "cicd" => "promotion",
            _ => continue,
        };
        out.insert(workload);
    }
    out
}

/// Workloads from a `mlguard:workload` tag value (comma-separated); unknown words are returned
/// separately so the report can flag them.
pub fn workloads_from_tag(value: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut ok = BTreeSet::new();
    let mut bad = Vec::new();
    for w in value.split(',').map(|w| w.trim().to_ascii_lowercase()) {
        if w.is_empty() {
            continue;
        }
        if WORKLOADS.contains(&w.as_str()) {
            ok.insert(w);
        } else {
            bad.push(w);
        }
    }
    (ok, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words_at_separators_and_case_changes() {
        assert_eq!(
            words("acme-RawData_v2.bucket"),
            ["acme", "raw", "data", "v2", "bucket"]
        );
        assert_eq!(words("trainingReady"), ["training", "ready"]);
    }

    #[test]
    fn tiers_come_from_whole_words_only() {
        assert_eq!(tier_from_name("acme-raw-data"), NameTier::Tier(Tier::Raw));
        assert_eq!(tier_from_name("strawberry"), NameTier::None);
        assert_eq!(
            tier_from_name("ml-training-ready"),
            NameTier::Tier(Tier::TrainingReady)
        );
        assert_eq!(
            tier_from_name("gold-features"),
            NameTier::Tier(Tier::TrainingReady)
        );
        assert_eq!(tier_from_name("raw-to-processed"), NameTier::Ambiguous);
    }

    #[test]
    fn tag_values_normalise() {
        assert_eq!(Tier::from_tag_value("Bronze"), Some(Tier::Raw));
        assert_eq!(
            Tier::from_tag_value("training_ready"),
            Some(Tier::TrainingReady)
        );
        assert_eq!(
            Tier::from_tag_value("feature-store"),
            Some(Tier::TrainingReady)
        );
        assert_eq!(
            Tier::from_tag_value("inference-logs"),
            Some(Tier::InferenceLogs)
        );
        assert_eq!(Tier::from_tag_value("nonsense"), None);
    }

    #[test]
    fn workload_names_match_whole_words() {
        assert_eq!(
            workloads_from_name("ml-trainer-role")
                .into_iter()
                .collect::<Vec<_>>(),
            ["training"]
        );
        assert!(workloads_from_name("constraint").is_empty());
    }
}
