//! The rules a subcommand works with, validated up front so a mistake is
//! reported against the argument that holds it.

use std::path::PathBuf;

use fakefstype_core::rules::{RuleSet, RuleText};
use fakefstype_core::settings::CONFIG_LIMIT;

use crate::{Failure, RuleArgs};

/// The Docker image's default rules (docker/root/etc/fakefstype/defaults.conf).
pub const DEFAULTS: &str = include_str!("../../../docker/root/etc/fakefstype/defaults.conf");
const DEFAULTS_NAME: &str = "the Docker image's defaults";

/// Rules and where they came from.
pub struct Rules {
    pub set: RuleSet,
    /// For people: "--rule", "FAKEFSTYPE_CONFIG=/config/fakefstype.conf", ...
    pub from: String,
}

/// Reads a rule file as the library would: a regular file of sane size.
/// `label` names where the path came from (`--config`, `FAKEFSTYPE_CONFIG`).
pub fn read_config(label: &str, path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let fail = |problem: String| Failure(format!("{label} {}: {problem}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > CONFIG_LIMIT as u64 {
        return Err(fail(format!(
            "too large ({} bytes; the limit is {CONFIG_LIMIT})",
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| fail(e.to_string()))
}

/// Checks `--rule` values and the `--config` file; the error names the
/// argument, the rule and the problem.
pub fn validate(args: &RuleArgs) -> Result<(), Failure> {
    for rule in &args.rules {
        if let Err(errors) = RuleSet::parse(&[RuleText::Env(rule.as_bytes())]) {
            let e = &errors[0];
            return Err(Failure(format!("--rule {:?}: {}", e.text, e.problem)));
        }
    }
    if let Some(path) = &args.config {
        let content = read_config("--config", path)?;
        let name = path.display().to_string();
        if let Err(errors) = RuleSet::parse(&[RuleText::File {
            path: &name,
            content: &content,
        }]) {
            return Err(Failure(format!("--config {}", errors[0])));
        }
    }
    Ok(())
}

/// The rules a doctor or strace-diff run uses: the arguments, else the
/// FAKEFSTYPE variables, else the image's defaults.
pub fn effective(args: &RuleArgs) -> Result<Rules, Failure> {
    validate(args)?;
    let env_rules = std::env::var_os("FAKEFSTYPE").filter(|v| !v.is_empty());
    let env_config = std::env::var_os("FAKEFSTYPE_CONFIG").filter(|v| !v.is_empty());
    let (rule_text, config, label, from): (Option<Vec<u8>>, Option<PathBuf>, &str, String) =
        if !args.rules.is_empty() || args.config.is_some() {
            let mut from = Vec::new();
            if !args.rules.is_empty() {
                from.push("--rule".to_string());
            }
            if let Some(c) = &args.config {
                from.push(format!("--config {}", c.display()));
            }
            (
                joined(&args.rules),
                args.config.clone(),
                "--config",
                from.join(" and "),
            )
        } else if env_rules.is_some() || env_config.is_some() {
            let mut from = Vec::new();
            if env_rules.is_some() {
                from.push("FAKEFSTYPE".to_string());
            }
            if let Some(c) = &env_config {
                from.push(format!("FAKEFSTYPE_CONFIG={}", c.to_string_lossy()));
            }
            let text = env_rules.map(std::os::unix::ffi::OsStringExt::into_vec);
            (
                text,
                env_config.map(PathBuf::from),
                "FAKEFSTYPE_CONFIG",
                from.join(" and "),
            )
        } else {
            let set = RuleSet::parse(&[RuleText::File {
                path: DEFAULTS_NAME,
                content: DEFAULTS.as_bytes(),
            }])
            .map_err(|e| Failure(format!("built-in defaults: {}", e[0])))?;
            return Ok(Rules {
                set,
                from: DEFAULTS_NAME.into(),
            });
        };
    let content = config
        .as_deref()
        .map(|c| read_config(label, c))
        .transpose()?;
    let name = config
        .as_ref()
        .map(|c| c.display().to_string())
        .unwrap_or_default();
    let mut texts = Vec::new();
    if let Some(t) = &rule_text {
        texts.push(RuleText::Env(t));
    }
    if let Some(c) = &content {
        texts.push(RuleText::File {
            path: &name,
            content: c,
        });
    }
    let set = RuleSet::parse(&texts).map_err(|e| Failure(format!("{}: {}", from, e[0])))?;
    Ok(Rules { set, from })
}

/// `--rule` values as one FAKEFSTYPE value.
pub fn joined(rules: &[String]) -> Option<Vec<u8>> {
    (!rules.is_empty()).then(|| rules.join("\n").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_cover_the_storage_volumes() {
        let set = RuleSet::parse(&[RuleText::File {
            path: "d",
            content: DEFAULTS.as_bytes(),
        }])
        .unwrap();
        for volume in [
            "/media",
            "/archive",
            "/backup",
            "/analytics",
            "/media/disk2",
        ] {
            let (_, rule) = set.find(volume.as_bytes(), b"btrfs").unwrap();
            assert_eq!(rule.fake_type.as_ref().unwrap().name(), b"ext4", "{volume}");
            let (_, rule) = set.find(volume.as_bytes(), b"xfs").unwrap();
            assert!(
                rule.fake_type.is_none(),
                "{volume}: an accepted type is kept"
            );
        }
        assert!(set.find(b"/mediaX", b"btrfs").is_none());
        assert!(set.find(b"/config", b"btrfs").is_none());
    }

    #[test]
    fn defaults_leave_alone_exactly_what_the_server_accepts() {
        let set = RuleSet::parse(&[RuleText::File {
            path: "d",
            content: DEFAULTS.as_bytes(),
        }])
        .unwrap();
        let unless: Vec<String> = set.rules()[0]
            .unless
            .iter()
            .map(|t| String::from_utf8(t.to_vec()).unwrap())
            .collect();
        let accepted: Vec<&str> = fakefstype_core::vms::accepted_types().collect();
        assert_eq!(unless, accepted);
    }

    #[test]
    fn bad_rule_names_the_argument() {
        let args = RuleArgs {
            rules: vec!["/media=ext9".into()],
            config: None,
        };
        let Failure(message) = validate(&args).err().unwrap();
        assert!(
            message.starts_with("--rule \"/media=ext9\": unknown type \"ext9\""),
            "{message}"
        );
    }
}
