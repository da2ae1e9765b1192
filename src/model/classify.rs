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
    /// The tier and the word that says it (`training-ready` for the pair).
    Tier(Tier, String),
    None,
    /// Words of two tiers (`raw-to-processed`).
    Ambiguous,
}

/// The tier a name implies, ignoring the words `skip` rejects (words that name the
/// environment). `training-ready` spans two words and is matched as a pair.
pub fn tier_from_name(name: &str, skip: &dyn Fn(&str) -> bool) -> NameTier {
    let w = words(name);
    let mut found: BTreeSet<Tier> = BTreeSet::new();
    let mut word = String::new();
    let mut i = 0;
    while i < w.len() {
        if w[i] == "training" && w.get(i + 1).is_some_and(|n| n == "ready") && !skip("training") {
            found.insert(Tier::TrainingReady);
            word = "training-ready".into();
            i += 2;
            continue;
        }
        if w[i] == "feature" && w.get(i + 1).is_some_and(|n| n == "store") {
            i += 2;
            continue; // `feature-store` is a tag value only
        }
        if let Some(t) = Tier::from_word(&w[i]).filter(|_| !skip(&w[i])) {
            found.insert(t);
            word = w[i].clone();
        }
        i += 1;
    }
    match (found.len(), found.into_iter().next()) {
        (1, Some(t)) => NameTier::Tier(t, word),
        (0, _) => NameTier::None,
        _ => NameTier::Ambiguous,
    }
}

/// Is this one of the words the name step reads as a tier or a workload?
pub fn is_name_word(w: &str) -> bool {
    Tier::from_word(w).is_some() || !workloads_from_name(w, &|_| false).is_empty()
}

/// Workloads a principal's name implies, on whole words, ignoring the words `skip` rejects.
pub fn workloads_from_name(name: &str, skip: &dyn Fn(&str) -> bool) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for w in words(name) {
        if skip(&w) {
            continue;
        }
        let workload = match w.as_str() {
            "train" | "training" | "trainer" => "training",
            "inference" | "serving" => "inference",
            "etl" | "pipeline" => "pipeline",
            // `deployment` and `deployer` name the identity that deploys (a CI/CD deployment
            // service principal), as `deploy` does; `deployment` as a variable or tag key
            // naming the environment is `is_environment_key`'s concern, not a name word's
            "deploy" | "deployer" | "deployment" | "promote" | "cicd" => "promotion",
            _ => continue,
        };
        out.insert(workload);
    }
    out
}

/// Variable, local and tag names that hold the environment or stage (`var.environment`,
/// `local.env`, a tag `Stage`): a tier word that comes from one names a stage, not data.
pub fn is_environment_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    matches!(
        k.as_str(),
        "env"
            | "environment"
            | "stage"
            | "workspace"
            | "env_name"
            | "environment_name"
            | "stage_name"
            | "deployment"
            | "deployment_environment"
            | "app_env"
    )
}

/// AWS services whose trust in a role shows that the role does ML work.
pub const ML_SERVICES: [&str; 2] = ["sagemaker.amazonaws.com", "bedrock.amazonaws.com"];

/// Workloads from a `mlguard:workload` tag value (comma-separated); `known` says which words are
/// workloads (built-in or declared in the config); unknown words are returned separately so the
/// report can flag them.
pub fn workloads_from_tag(
    value: &str,
    known: &dyn Fn(&str) -> bool,
) -> (BTreeSet<String>, Vec<String>) {
    let mut ok = BTreeSet::new();
    let mut bad = Vec::new();
    for w in value.split(',').map(|w| w.trim().to_ascii_lowercase()) {
        if w.is_empty() {
            continue;
        }
        if known(&w) {
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
        let none = |_: &str| false;
        assert_eq!(
            tier_from_name("acme-raw-data", &none),
            NameTier::Tier(Tier::Raw, "raw".into())
        );
        assert_eq!(tier_from_name("strawberry", &none), NameTier::None);
        assert_eq!(
            tier_from_name("ml-training-ready", &none),
            NameTier::Tier(Tier::TrainingReady, "training-ready".into())
        );
        assert!(matches!(
            tier_from_name("gold-features", &none),
            NameTier::Tier(Tier::TrainingReady, _)
        ));
        assert_eq!(
            tier_from_name("raw-to-processed", &none),
            NameTier::Ambiguous
        );
        // a word that names the environment is skipped, the rest still counts
        let stage = |w: &str| w == "training";
        assert_eq!(
            tier_from_name("acme-raw-training", &stage),
            NameTier::Tier(Tier::Raw, "raw".into())
        );
        assert_eq!(
            tier_from_name("terraform-training-task1", &stage),
            NameTier::None
        );
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
            workloads_from_name("ml-trainer-role", &|_| false)
                .into_iter()
                .collect::<Vec<_>>(),
            ["training"]
        );
        assert!(workloads_from_name("constraint", &|_| false).is_empty());
        assert!(workloads_from_name("web-training", &|w| w == "training").is_empty());
        // the deployment identity of a platform (MLOPs-AzureML's `sp-aml-deployment-platform`)
        for name in [
            "sp-aml-deployment-platform",
            "deployment_sp",
            "ml-deployer",
            "deploy-role",
        ] {
            assert_eq!(
                workloads_from_name(name, &|_| false)
                    .into_iter()
                    .collect::<Vec<_>>(),
                ["promotion"],
                "{name}"
            );
        }
        // whole words only
        assert!(workloads_from_name("redeployer", &|_| false).is_empty());
    }
}
