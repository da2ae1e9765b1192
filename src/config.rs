//! `mlguard.toml`: tiers and workloads the code cannot show, inference-log readers and retention,
//! lineage tags, declared subservice organizations, rule selection and exceptions. Strictly
//! validated: an unknown key or a bad value is an error pointing into the file (exit 2).

use crate::findings::Severity;
use crate::fsguard::{self, Access, Roots};
use crate::model::classify::{Tier, WORKLOADS};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

pub const FILE_NAME: &str = "mlguard.toml";

/// Third-party AI services a configuration can use and declare (rules.md, TP001).
pub const AI_SERVICES: [&str; 5] = [
    "bedrock",
    "openai",
    "anthropic",
    "vertex-ai",
    "azure-openai",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The AWS accounts in scope; literal ARNs naming another account match nothing.
    #[serde(default)]
    pub accounts: Vec<Spanned<String>>,
    /// Terraform address or ARN pattern -> tier.
    #[serde(default)]
    pub tiers: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Terraform address -> workloads.
    #[serde(default)]
    pub workloads: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub inference_logs: InferenceLogs,
    #[serde(default)]
    pub lineage: Lineage,
    #[serde(default)]
    pub llm_safety: LlmSafety,
    #[serde(default)]
    pub subservices: Subservices,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// Root modules deployed into one account: wildcard grants reach across them.
    #[serde(default)]
    pub account_groups: Vec<AccountGroup>,
    #[serde(default)]
    pub classification: Classification,
    /// Where the file is, for messages and relative paths.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceLogs {
    /// Principals allowed to read inference logs (besides `monitoring` workloads).
    #[serde(default)]
    pub readers: Vec<Spanned<String>>,
    pub retention_min_days: Option<Spanned<i64>>,
    pub retention_max_days: Option<Spanned<i64>>,
    /// `"external"`: Bedrock invocation logging is configured in another repository.
    pub bedrock_invocation_logging: Option<Spanned<String>>,
    /// `"external"`: Data Access audit logs for Vertex AI are configured in another repository
    /// (usually the organization's foundation).
    pub vertex_audit_logging: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSafety {
    /// `"external"`: the Model Armor floor setting that screens Vertex AI is configured in
    /// another repository (usually the organization's foundation), so LL001 does not look for
    /// one here.
    pub model_armor_floor_setting: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    pub required_tags: Option<Vec<String>>,
}

impl Lineage {
    pub fn required(&self) -> Vec<String> {
        self.required_tags
            .clone()
            .unwrap_or_else(|| vec!["data-source".into(), "data-license".into()])
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subservices {
    #[serde(default)]
    pub declared: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
}

/// How tiers and workloads are decided beyond config, tags and the graph.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// `false`: no tier or workload comes from a name (the file and the code are the whole
    /// classification, as `mlguard init` writes it). Default `true`.
    pub names: Option<Spanned<bool>>,
    /// Workloads of this organisation beyond the built-in ones (`analytics`, `etl`): declared
    /// here once, then usable in `[workloads]`, the `mlguard:workload` tag and users' rules.
    #[serde(default)]
    pub custom_workloads: Vec<Spanned<String>>,
}

impl Classification {
    pub fn names_enabled(&self) -> bool {
        self.names.as_ref().is_none_or(|n| *n.get_ref())
    }

    /// Is `name` a built-in workload or one this file declares?
    pub fn is_workload(&self, name: &str) -> bool {
        WORKLOADS.contains(&name) || self.custom_workloads.iter().any(|w| w.get_ref() == name)
    }

    /// Every workload name: the built-in ones, then the declared ones.
    pub fn workload_names(&self) -> Vec<&str> {
        WORKLOADS
            .iter()
            .copied()
            .chain(self.custom_workloads.iter().map(|w| w.get_ref().as_str()))
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub rule: Spanned<String>,
    /// Matches the finding's address, one of its principals or one of its resources.
    pub address: Spanned<String>,
    pub reason: Option<Spanned<String>>,
    pub until: Option<Spanned<String>>,
}

/// `[[account_groups]]`: root modules (deployment units) that share an AWS account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountGroup {
    pub name: Spanned<String>,
    /// Globs over root directories relative to the scanned path (`envs/prod/*`, `**`, `.`).
    pub roots: Spanned<Vec<Spanned<String>>>,
}

impl AccountGroup {
    /// Does one of the group's globs name this root directory (relative, `/`-separated, `.`)?
    pub fn contains(&self, dir: &str) -> bool {
        self.roots
            .get_ref()
            .iter()
            .any(|g| root_glob(g.get_ref(), dir))
    }
}

/// A root-directory glob: `*` and `?` inside one path segment, `**` any number of segments.
pub fn root_glob(glob: &str, dir: &str) -> bool {
    fn segments(s: &str) -> Vec<&str> {
        s.split('/')
            .filter(|x| !x.is_empty() && *x != ".")
            .collect()
    }
    fn matches(g: &[&str], d: &[&str]) -> bool {
        match g.split_first() {
            None => d.is_empty(),
            Some((&"**", rest)) => (0..=d.len()).any(|i| matches(rest, &d[i..])),
            Some((first, rest)) => d.split_first().is_some_and(|(head, tail)| {
                crate::access::catalog::glob_match(first, head, false) && matches(rest, tail)
            }),
        }
    }
    matches(&segments(glob), &segments(dir))
}

/// Which rules run and what fails: command-line options over the config's `[rules]`.
#[derive(Debug, Clone)]
pub struct RuleChoice {
    pub select: BTreeSet<String>,
    pub ignore: BTreeSet<String>,
    pub fail_on: Severity,
}

impl RuleChoice {
    pub fn enabled(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.contains(id)) && !self.ignore.contains(id)
    }
}

/// A config file that does not parse or validate.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(mlguard::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<String>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl Config {
    /// The config for a scan: `explicit` if given, else `mlguard.toml` in the first scanned path or
    /// its ancestors up to the git root. No file is an empty config.
    pub fn discover(
        explicit: Option<&Path>,
        first_path: &Path,
    ) -> Result<Config, Box<ConfigError>> {
        match explicit {
            Some(p) => Config::load(p),
            None => match find(first_path) {
                // found in the scanned tree: it may not link out of the directory it is in
                Some(p) => {
                    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
                    Config::load_from(&p, Access::Tree(&Roots::new([dir])))
                }
                None => Ok(Config::default()),
            },
        }
    }

    pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        Config::load_from(path, Access::Chosen)
    }

    fn load_from(path: &Path, access: Access) -> Result<Config, Box<ConfigError>> {
        let text = fsguard::read(path, access).map_err(|e| {
            Box::new(ConfigError {
                message: format!("config file `{}` {e}", path.display()),
                src: NamedSource::new(path.display().to_string(), Arc::new(String::new())),
                span: None,
                label: String::new(),
                help: Some("pass an existing file with --config, or remove the flag".into()),
            })
        })?;
        let mut config = Config::parse(&path.display().to_string(), &text)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(name: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        // a discovered config file comes from the scanned repository: what an error shows of it
        // (its name, its text in the snippet, values quoted in the message) is escaped
        let shown = crate::report::escape::snippet_source(text);
        let src = shown
            .as_ref()
            .map_or_else(|| Arc::new(text.to_string()), |s| s.text.clone());
        let name = crate::report::escape::text(name);
        let error =
            |message: String, span: Option<std::ops::Range<usize>>, label: &str, help: &str| {
                let span = span.map(|r| match &shown {
                    Some(s) => s.offset(r.start)..s.offset(r.end),
                    None => r,
                });
                Box::new(ConfigError {
                    message: crate::report::escape::text(&message).into_owned(),
                    src: NamedSource::new(name.as_ref(), src.clone()).with_language("toml"),
                    span: span.map(SourceSpan::from),
                    label: label.to_string(),
                    help: (!help.is_empty()).then(|| help.to_string()),
                })
            };
        let config: Config = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            let help = if message.contains("unknown field") {
                "the keys are listed in docs/configuration.md"
            } else {
                ""
            };
            error(
                format!("invalid {FILE_NAME}: {}", first_line(&message)),
                e.span(),
                "here",
                help,
            )
        })?;
        let tiers = Tier::ALL.map(Tier::as_str).join(", ");
        for (key, tier) in &config.tiers {
            if Tier::parse(tier.get_ref()).is_none() {
                return Err(error(
                    format!(
                        "`{}` is not a tier (for `{}`)",
                        tier.get_ref(),
                        key.get_ref()
                    ),
                    Some(tier.span()),
                    "unknown tier",
                    &format!("use one of: {tiers}"),
                ));
            }
        }
        for w in &config.classification.custom_workloads {
            let name = w.get_ref();
            let well_formed = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !well_formed || WORKLOADS.contains(&name.as_str()) {
                return Err(error(
                    if well_formed {
                        format!("`{name}` is a built-in workload already")
                    } else {
                        format!("`{name}` is not a workload name")
                    },
                    Some(w.span()),
                    "custom workload",
                    "a custom workload is a new name of lowercase letters, digits, `-` and `_` \
                     (at most 64), not one of the built-in workloads",
                ));
            }
        }
        for (key, list) in &config.workloads {
            for w in list.get_ref() {
                if !config.classification.is_workload(w.get_ref()) {
                    return Err(error(
                        format!(
                            "`{}` is not a workload (for `{}`)",
                            w.get_ref(),
                            key.get_ref()
                        ),
                        Some(w.span()),
                        "unknown workload",
                        &format!(
                            "use any of: {}; a workload of your own is declared first in \
                             [classification] custom_workloads",
                            config.classification.workload_names().join(", ")
                        ),
                    ));
                }
            }
        }
        for s in &config.subservices.declared {
            if !AI_SERVICES.contains(&s.get_ref().as_str()) {
                return Err(error(
                    format!("`{}` is not a known AI service", s.get_ref()),
                    Some(s.span()),
                    "unknown service",
                    &format!("use any of: {}", AI_SERVICES.join(", ")),
                ));
            }
        }
        if let Some(v) = &config.inference_logs.bedrock_invocation_logging {
            if v.get_ref() != "external" {
                return Err(error(
                    format!("bedrock_invocation_logging must be \"external\", not `{}`", v.get_ref()),
                    Some(v.span()),
                    "unsupported value",
                    "set it to \"external\" when another repository configures invocation logging, or remove it",
                ));
            }
        }
        if let Some(v) = &config.inference_logs.vertex_audit_logging {
            if v.get_ref() != "external" {
                return Err(error(
                    format!("vertex_audit_logging must be \"external\", not `{}`", v.get_ref()),
                    Some(v.span()),
                    "unsupported value",
                    "set it to \"external\" when another repository configures Data Access audit logs, or remove it",
                ));
            }
        }
        if let Some(v) = &config.llm_safety.model_armor_floor_setting {
            if v.get_ref() != "external" {
                return Err(error(
                    format!("model_armor_floor_setting must be \"external\", not `{}`", v.get_ref()),
                    Some(v.span()),
                    "unsupported value",
                    "set it to \"external\" when another repository configures the Model Armor floor setting, or remove it",
                ));
            }
        }
        for bound in [
            &config.inference_logs.retention_min_days,
            &config.inference_logs.retention_max_days,
        ]
        .into_iter()
        .flatten()
        {
            if *bound.get_ref() < 1 {
                return Err(error(
                    "retention bounds are whole days, at least 1".into(),
                    Some(bound.span()),
                    "here",
                    "",
                ));
            }
        }
        if let (Some(min), Some(max)) = (
            &config.inference_logs.retention_min_days,
            &config.inference_logs.retention_max_days,
        ) {
            if min.get_ref() > max.get_ref() {
                return Err(error(
                    "retention_min_days is above retention_max_days".into(),
                    Some(min.span()),
                    "minimum",
                    "swap the two bounds",
                ));
            }
        }
        if let Some(f) = &config.rules.fail_on {
            if Severity::parse(f.get_ref()).is_none() {
                return Err(error(
                    format!("`{}` is not a severity", f.get_ref()),
                    Some(f.span()),
                    "here",
                    "use one of critical, high, medium, low, info",
                ));
            }
        }
        for e in &config.exceptions {
            if let Some(until) = &e.until {
                if parse_date(until.get_ref()).is_none() {
                    return Err(error(
                        format!("`{}` is not a date", until.get_ref()),
                        Some(until.span()),
                        "expected YYYY-MM-DD",
                        "write the expiry as until = \"2027-06-30\"",
                    ));
                }
            }
        }
        let mut group_names = BTreeSet::new();
        for g in &config.account_groups {
            let name = g.name.get_ref();
            if name.trim().is_empty() {
                return Err(error(
                    "an account group needs a name".into(),
                    Some(g.name.span()),
                    "empty name",
                    "name the account, e.g. name = \"prod\"",
                ));
            }
            if !group_names.insert(name.clone()) {
                return Err(error(
                    format!("account group `{name}` is defined twice"),
                    Some(g.name.span()),
                    "duplicate name",
                    "merge the two groups' roots into one",
                ));
            }
            if g.roots.get_ref().is_empty() {
                return Err(error(
                    format!("account group `{name}` lists no roots"),
                    Some(g.roots.span()),
                    "empty list",
                    "list root directories relative to the scanned path, e.g. roots = [\"envs/prod/*\"]",
                ));
            }
            for r in g.roots.get_ref() {
                let glob = r.get_ref();
                if glob.is_empty() || glob.starts_with('/') || glob.contains('\\') {
                    return Err(error(
                        format!("`{glob}` is not a root directory glob"),
                        Some(r.span()),
                        "expected a relative path with `/`",
                        "write directories relative to the scanned path, e.g. \"apps/*/prod\" or \".\"",
                    ));
                }
                if glob.split('/').any(|seg| seg == "..") {
                    return Err(error(
                        format!("`{glob}` leaves the scanned path"),
                        Some(r.span()),
                        "`..` is not allowed",
                        "write directories relative to the scanned path",
                    ));
                }
            }
        }
        for a in &config.accounts {
            if a.get_ref().len() != 12 || !a.get_ref().bytes().all(|b| b.is_ascii_digit()) {
                return Err(error(
                    format!("`{}` is not an AWS account id", a.get_ref()),
                    Some(a.span()),
                    "expected 12 digits",
                    "",
                ));
            }
        }
        Ok(config)
    }

    /// The rule choice for a run: a non-empty command-line list replaces the config's.
    pub fn rule_choice(
        &self,
        select: &[String],
        ignore: &[String],
        fail_on: Option<Severity>,
    ) -> RuleChoice {
        let pick = |cli: &[String], file: &[Spanned<String>]| -> BTreeSet<String> {
            if cli.is_empty() {
                file.iter().map(|s| s.get_ref().clone()).collect()
            } else {
                cli.iter().cloned().collect()
            }
        };
        RuleChoice {
            select: pick(select, &self.rules.select),
            ignore: pick(ignore, &self.rules.ignore),
            fail_on: fail_on
                .or_else(|| {
                    self.rules
                        .fail_on
                        .as_ref()
                        .and_then(|f| Severity::parse(f.get_ref()))
                })
                .unwrap_or(Severity::Low),
        }
    }

    /// `policies/` beside the config file, when there is one: users' rules for this configuration.
    pub fn policies_dir(&self) -> Option<PathBuf> {
        let dir = self.path.as_ref()?.parent()?.join("policies");
        dir.is_dir().then_some(dir)
    }

    /// Check that rule ids named in the file exist.
    pub fn check_rule_ids(&self, known: &dyn Fn(&str) -> bool) -> Result<(), Box<ConfigError>> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let ids = self
            .rules
            .ignore
            .iter()
            .chain(&self.rules.select)
            .chain(self.exceptions.iter().map(|e| &e.rule));
        for id in ids {
            if !known(id.get_ref()) {
                return Err(Box::new(ConfigError {
                    message: format!(
                        "unknown rule id `{}`",
                        crate::report::escape::text(id.get_ref())
                    ),
                    src: NamedSource::new(path.display().to_string(), Arc::new(text))
                        .with_language("toml"),
                    span: Some(id.span().into()),
                    label: "not a rule".into(),
                    help: Some("`mlguard rules` lists the rule ids".into()),
                }));
            }
        }
        Ok(())
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// `mlguard.toml` in `start` (or its directory) or an ancestor, stopping at the git root.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    for d in dir.ancestors() {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            break;
        }
    }
    None
}

/// `YYYY-MM-DD` as (year, month, day), validated.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let (y, m, d) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if it.next().is_some()
        || s.len() != 10
        || !(1..=12).contains(&m)
        || d == 0
        || d > days_in_month(y, m)
    {
        return None;
    }
    Some((y, m, d))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = r#"
accounts = ["111122223333"]
[tiers]
"aws_s3_bucket.lake" = "raw"
"arn:aws:s3:::datalake/curated/*" = "processed"
[workloads]
"aws_iam_role.trainer" = ["training"]
[inference_logs]
readers = ["aws_iam_role.ml_audit"]
retention_min_days = 30
retention_max_days = 400
bedrock_invocation_logging = "external"
[lineage]
required_tags = ["data-source", "data-license"]
[subservices]
declared = ["bedrock"]
[rules]
ignore = ["LN001"]
fail_on = "medium"
[[exceptions]]
rule = "IL005"
address = "aws_iam_role.security_audit"
reason = "security team reads inference logs for incident response"
until = "2027-06-30"
"#;
        let c = Config::parse("mlguard.toml", text).unwrap();
        assert_eq!(c.tiers.len(), 2);
        assert_eq!(c.exceptions.len(), 1);
        assert_eq!(c.lineage.required(), ["data-source", "data-license"]);
    }

    #[test]
    fn unknown_keys_are_errors_with_a_span() {
        let e =
            Config::parse("mlguard.toml", "[tiers]\n\"a\" = \"raw\"\n[tier]\nx = 1\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert!(e.span.is_some());
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let text = "[tiers]\n\"aws_s3_bucket.x\" = \"bronze-ish\"\n";
        let e = Config::parse("mlguard.toml", text).unwrap_err();
        let span = e.span.unwrap();
        assert_eq!(
            &text[span.offset()..span.offset() + span.len()],
            "\"bronze-ish\""
        );
        assert!(Config::parse(
            "c",
            "[[exceptions]]\nrule=\"DT002\"\naddress=\"x\"\nuntil=\"2027-02-30\"\n"
        )
        .is_err());
        assert!(Config::parse("c", "[workloads]\n\"a\" = [\"trainin\"]\n").is_err());
    }

    #[test]
    fn configured_elsewhere_switches_take_only_external() {
        for (section, key) in [
            ("inference_logs", "bedrock_invocation_logging"),
            ("inference_logs", "vertex_audit_logging"),
            ("llm_safety", "model_armor_floor_setting"),
        ] {
            let ok = format!("[{section}]\n{key} = \"external\"\n");
            assert!(Config::parse("c", &ok).is_ok(), "{ok}");
            let text = format!("[{section}]\n{key} = \"here\"\n");
            let e = Config::parse("c", &text).unwrap_err();
            assert!(e.message.contains(key), "{}", e.message);
            let span = e.span.unwrap();
            assert_eq!(&text[span.offset()..span.offset() + span.len()], "\"here\"");
        }
    }

    #[test]
    fn account_groups_are_validated_with_spans() {
        let ok = "[[account_groups]]\nname = \"prod\"\nroots = [\"envs/prod/*\", \".\"]\n";
        let c = Config::parse("c", ok).unwrap();
        assert_eq!(c.account_groups.len(), 1);
        assert!(c.account_groups[0].contains("envs/prod/app"));
        assert!(c.account_groups[0].contains("."));
        assert!(!c.account_groups[0].contains("envs/dev/app"));
        for (text, bad) in [
            ("[[account_groups]]\nname = \"a\"\nroots = [\"x\"]\nroot = 1\n", "root"),
            ("[[account_groups]]\nname = \"a\"\nroots = []\n", "[]"),
            ("[[account_groups]]\nname = \"\"\nroots = [\"x\"]\n", "\"\""),
            ("[[account_groups]]\nname = \"a\"\nroots = [\"/abs\"]\n", "\"/abs\""),
            ("[[account_groups]]\nname = \"a\"\nroots = [\"../up\"]\n", "\"../up\""),
            ("[[account_groups]]\nname = \"a\"\nroots = [\"x\"]\n[[account_groups]]\nname = \"a\"\nroots = [\"y\"]\n", "\"a\""),
            ("[[account_groups]]\nroots = [\"x\"]\n", ""),
        ] {
            let e = Config::parse("c", text).unwrap_err();
            let span = e.span.unwrap_or_else(|| panic!("{text}: no span"));
            if !bad.is_empty() {
                let at = &text[span.offset()..span.offset() + span.len()];
                assert!(at.contains(bad), "{text}: span {at:?}, message {}", e.message);
            }
        }
    }

    #[test]
    fn root_globs_match_by_segment() {
        assert!(root_glob("**", "."));
        assert!(root_glob("**", "a/b/c"));
        assert!(root_glob("apps/**/prod", "apps/prod"));
        assert!(root_glob("apps/**/prod", "apps/x/y/prod"));
        assert!(root_glob("apps/*", "apps/x"));
        assert!(!root_glob("apps/*", "apps/x/y"));
        assert!(!root_glob("apps/*", "apps"));
        assert!(root_glob("./datalake", "datalake"));
        assert!(root_glob("data?ake", "datalake"));
    }

    #[test]
    fn dates_are_validated() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2027-6-30"), None);
    }
}
