//! The `FAKEFSTYPE*` variables, decided once per process.
//!
//! Any invalid setting makes the whole library pass everything through
//! after one log line: a half-applied configuration would show the server
//! a mix that nobody asked for.

use crate::execfix::ExecFix;
use crate::process::ProcessFilter;
use crate::rules::{ConfigError, RuleSet, RuleText};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn parse(value: &[u8]) -> Option<LogLevel> {
        Some(match value.trim_ascii() {
            b"off" | b"none" => LogLevel::Off,
            b"error" => LogLevel::Error,
            b"warn" | b"warning" => LogLevel::Warn,
            b"info" => LogLevel::Info,
            b"debug" => LogLevel::Debug,
            b"trace" => LogLevel::Trace,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Largest config file read; a bigger one is refused, not truncated.
pub const CONFIG_LIMIT: usize = 1 << 20;

/// The raw values of the variables; `None` when unset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Variables<'a> {
    /// `FAKEFSTYPE`
    pub rules: Option<&'a [u8]>,
    /// `FAKEFSTYPE_CONFIG`
    pub config: Option<&'a [u8]>,
    /// `FAKEFSTYPE_PROCESSES`
    pub processes: Option<&'a [u8]>,
    /// `FAKEFSTYPE_LOG`
    pub log: Option<&'a [u8]>,
    /// `FAKEFSTYPE_LOG_FILE`
    pub log_file: Option<&'a [u8]>,
    /// `FAKEFSTYPE_EXEC_FIX`
    pub exec_fix: Option<&'a [u8]>,
}

/// Where log lines go; decided even when the rest is invalid, so the
/// problem can be reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logging {
    pub level: LogLevel,
    /// `None`: standard error.
    pub file: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Settings {
    pub rules: RuleSet,
    pub exec_fix: ExecFix,
}

#[derive(Debug)]
pub enum Decision {
    /// The library acts in this process.
    Active(Settings),
    /// `FAKEFSTYPE_PROCESSES` leaves this process out: pass through silently.
    Excluded,
    /// Something is invalid: log this line once and pass through.
    Invalid(String),
}

/// Treats an empty variable like an unset one (`docker run -e X=`).
fn set(value: Option<&[u8]>) -> Option<&[u8]> {
    value.filter(|v| !v.trim_ascii().is_empty())
}

fn invalid(mut errors: Vec<ConfigError>) -> Decision {
    let more = errors.len().saturating_sub(1);
    let first = errors.swap_remove(0);
    let mut line = first.to_string();
    if more > 0 {
        line.push_str(&format!(
            " (and {more} more problem{})",
            if more == 1 { "" } else { "s" }
        ));
    }
    line.push_str("; configuration ignored, passing everything through");
    Decision::Invalid(line)
}

/// Decides what the library does in this process.
///
/// `exe_name` is asked only when a process filter is set; `read_config`
/// only when a config file is named (it returns the content or a one-line
/// reason it could not be read).
pub fn decide(
    vars: &Variables<'_>,
    exe_name: impl FnOnce() -> Option<Vec<u8>>,
    read_config: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> (Logging, Decision) {
    let mut errors = Vec::new();
    let level = match set(vars.log) {
        None => LogLevel::Warn,
        Some(v) => LogLevel::parse(v).unwrap_or_else(|| {
            errors.push(ConfigError {
                origin: "FAKEFSTYPE_LOG".into(),
                text: String::from_utf8_lossy(v).into_owned(),
                problem: "unknown level (off, error, warn, info, debug, trace)".into(),
            });
            LogLevel::Warn
        }),
    };
    let logging = Logging {
        level,
        file: set(vars.log_file).map(<[u8]>::to_vec),
    };
    if let Some(list) = set(vars.processes) {
        match ProcessFilter::parse(list) {
            Ok(filter) => {
                let affected = exe_name().is_some_and(|name| filter.matches(&name));
                if !affected {
                    return (logging, Decision::Excluded);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let exec_fix = match vars.exec_fix {
        None => ExecFix::default(),
        Some(v) => ExecFix::parse(v).unwrap_or_else(|e| {
            errors.push(e);
            ExecFix::default()
        }),
    };
    let config_path = set(vars.config);
    let config = config_path.map(|path| {
        (
            String::from_utf8_lossy(path).into_owned(),
            read_config(path),
        )
    });
    let mut texts = Vec::new();
    if let Some(rules) = vars.rules {
        texts.push(RuleText::Env(rules));
    }
    match &config {
        Some((path, Ok(content))) => texts.push(RuleText::File { path, content }),
        Some((path, Err(reason))) => errors.push(ConfigError {
            origin: "FAKEFSTYPE_CONFIG".into(),
            text: path.clone(),
            problem: reason.clone(),
        }),
        None => {}
    }
    let rules = RuleSet::parse(&texts).unwrap_or_else(|mut e| {
        errors.append(&mut e);
        RuleSet::default()
    });
    if !errors.is_empty() {
        return (logging, invalid(errors));
    }
    (logging, Decision::Active(Settings { rules, exec_fix }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_exe() -> Option<Vec<u8>> {
        panic!("exe name asked without a process filter")
    }

    fn no_file(_: &[u8]) -> Result<Vec<u8>, String> {
        panic!("config read without FAKEFSTYPE_CONFIG")
    }

    fn active(d: Decision) -> Settings {
        match d {
            Decision::Active(s) => s,
            other => panic!("expected active, got {other:?}"),
        }
    }

    fn invalid_line(d: Decision) -> String {
        match d {
            Decision::Invalid(line) => line,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn nothing_set_is_active_with_no_rules_and_default_exec_fix() {
        let (log, d) = decide(&Variables::default(), no_exe, no_file);
        assert_eq!(
            log,
            Logging {
                level: LogLevel::Warn,
                file: None
            }
        );
        let s = active(d);
        assert!(s.rules.is_empty());
        assert!(s.exec_fix.is_enabled());
    }

    #[test]
    fn env_rules_win_over_file_rules() {
        let vars = Variables {
            rules: Some(b"/media=xfs"),
            config: Some(b"/etc/fakefstype.conf"),
            ..Default::default()
        };
        let s = active(
            decide(&vars, no_exe, |p| {
                assert_eq!(p, b"/etc/fakefstype.conf");
                Ok(b"/media=ext4\n/archive=ext4\n".to_vec())
            })
            .1,
        );
        assert_eq!(s.rules.len(), 3);
        let rule = s.rules.find(b"/media", b"btrfs").unwrap().1;
        assert_eq!(rule.fake_type.as_ref().unwrap().name(), b"xfs");
    }

    #[test]
    fn process_filter_excludes_silently() {
        let vars = Variables {
            rules: Some(b"/media=ext4"),
            processes: Some(b"mediaserver-bin"),
            ..Default::default()
        };
        let (_, d) = decide(&vars, || Some(b"bash".to_vec()), no_file);
        assert!(matches!(d, Decision::Excluded));
        let (_, d) = decide(&vars, || None, no_file);
        assert!(matches!(d, Decision::Excluded));
        let (_, d) = decide(&vars, || Some(b"mediaserver-bin".to_vec()), no_file);
        active(d);
    }

    #[test]
    fn excluded_processes_do_not_report_bad_rules() {
        let vars = Variables {
            rules: Some(b"/media=nope"),
            processes: Some(b"mediaserver-bin"),
            ..Default::default()
        };
        let (_, d) = decide(&vars, || Some(b"bash".to_vec()), no_file);
        assert!(matches!(d, Decision::Excluded));
    }

    #[test]
    fn one_line_names_first_problem_and_counts_the_rest() {
        let vars = Variables {
            rules: Some(b"/media=ext9;archive=ext4"),
            log: Some(b"loud"),
            ..Default::default()
        };
        let (log, d) = decide(&vars, no_exe, no_file);
        assert_eq!(log.level, LogLevel::Warn);
        let line = invalid_line(d);
        assert!(
            line.starts_with("FAKEFSTYPE_LOG \"loud\": unknown level"),
            "{line}"
        );
        assert!(line.contains("(and 2 more problems)"), "{line}");
        assert!(line.ends_with("passing everything through"), "{line}");
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn unreadable_config_is_invalid() {
        let vars = Variables {
            config: Some(b"/nope.conf"),
            ..Default::default()
        };
        let line = invalid_line(
            decide(&vars, no_exe, |_| {
                Err("cannot open: No such file or directory".into())
            })
            .1,
        );
        assert_eq!(
            line,
            "FAKEFSTYPE_CONFIG \"/nope.conf\": cannot open: No such file or directory; configuration ignored, passing everything through"
        );
    }

    #[test]
    fn file_errors_name_path_and_line() {
        let vars = Variables {
            config: Some(b"/etc/f.conf"),
            ..Default::default()
        };
        let line =
            invalid_line(decide(&vars, no_exe, |_| Ok(b"# c\n/media=ext4\n/x\n".to_vec())).1);
        assert!(
            line.starts_with("/etc/f.conf:3 \"/x\": missing '=TYPE'"),
            "{line}"
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let vars = Variables {
            config: Some(b""),
            processes: Some(b" "),
            log: Some(b""),
            log_file: Some(b""),
            ..Default::default()
        };
        let (log, d) = decide(&vars, no_exe, no_file);
        assert_eq!(
            log,
            Logging {
                level: LogLevel::Warn,
                file: None
            }
        );
        active(d);
    }

    #[test]
    fn empty_exec_fix_disables_it() {
        let vars = Variables {
            exec_fix: Some(b""),
            ..Default::default()
        };
        assert!(!active(decide(&vars, no_exe, no_file).1)
            .exec_fix
            .is_enabled());
    }

    #[test]
    fn log_levels() {
        for (text, level) in [
            ("off", LogLevel::Off),
            ("error", LogLevel::Error),
            ("debug", LogLevel::Debug),
            ("trace", LogLevel::Trace),
            (" info ", LogLevel::Info),
        ] {
            assert_eq!(LogLevel::parse(text.as_bytes()), Some(level));
        }
        assert!(LogLevel::Debug > LogLevel::Warn);
        assert_eq!(LogLevel::parse(b"DEBUG"), None);
    }
}
