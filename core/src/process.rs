//! `FAKEFSTYPE_PROCESSES`: which executables the library acts in.

use regex::bytes::Regex;

use crate::rules::{compile_regex, ConfigError};

#[derive(Debug, Clone)]
enum Pattern {
    Name(Box<[u8]>),
    Regex(Regex),
}

/// Executable names (basename of `/proc/self/exe`) or `~REGEX` entries.
#[derive(Debug, Clone)]
pub struct ProcessFilter {
    patterns: Vec<Pattern>,
}

const VARIABLE: &str = "FAKEFSTYPE_PROCESSES";

impl ProcessFilter {
    pub fn parse(value: &[u8]) -> Result<ProcessFilter, ConfigError> {
        let fail = |text: &[u8], problem: String| ConfigError {
            origin: VARIABLE.into(),
            text: String::from_utf8_lossy(text).into_owned(),
            problem,
        };
        let mut patterns = Vec::new();
        for entry in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            if entry.is_empty() {
                continue;
            }
            if let Some(pattern) = entry.strip_prefix(b"~") {
                let pattern = std::str::from_utf8(pattern)
                    .map_err(|_| fail(entry, "regex is not valid UTF-8".into()))?;
                let re = compile_regex(pattern).map_err(|p| fail(entry, p))?;
                patterns.push(Pattern::Regex(re));
            } else if entry.contains(&b'/') {
                return Err(fail(
                    entry,
                    "not an executable name (give the basename, e.g. mediaserver-bin)".into(),
                ));
            } else {
                patterns.push(Pattern::Name(entry.into()));
            }
        }
        Ok(ProcessFilter { patterns })
    }

    /// Whether the executable with this basename is affected.
    pub fn matches(&self, exe_name: &[u8]) -> bool {
        self.patterns.iter().any(|p| match p {
            Pattern::Name(n) => **n == *exe_name,
            Pattern::Regex(re) => re.is_match(exe_name),
        })
    }
}

/// Whether `exe_name` is affected, decided without allocating when the
/// list holds only plain names (the common case, and the case of every
/// process a container starts that is not the server). `None`: the list
/// has regexes or mistakes, so parse it with [`ProcessFilter::parse`].
pub fn quick_match(list: &[u8], exe_name: &[u8]) -> Option<bool> {
    let mut found = false;
    for entry in list.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        if entry.starts_with(b"~") || entry.contains(&b'/') {
            return None;
        }
        found |= entry == exe_name && !entry.is_empty();
    }
    Some(found)
}

/// The basename of an executable path such as `/proc/self/exe`'s target;
/// the kernel appends ` (deleted)` when the file was replaced.
pub fn exe_name(exe_path: &[u8]) -> &[u8] {
    let path = exe_path.strip_suffix(b" (deleted)").unwrap_or(exe_path);
    match path.iter().rposition(|&b| b == b'/') {
        Some(at) => &path[at + 1..],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_regexes() {
        let f = ProcessFilter::parse(b"mediaserver-bin, root-tool-bin,~^python3").unwrap();
        assert!(f.matches(b"mediaserver-bin"));
        assert!(f.matches(b"root-tool-bin"));
        assert!(f.matches(b"python3.11"));
        assert!(!f.matches(b"bash"));
        assert!(!f.matches(b"mediaserver"));
    }

    #[test]
    fn empty_list_matches_nothing() {
        assert!(!ProcessFilter::parse(b"").unwrap().matches(b"x"));
    }

    #[test]
    fn bad_entries() {
        let e = ProcessFilter::parse(b"a,~(").unwrap_err();
        assert_eq!(e.origin, "FAKEFSTYPE_PROCESSES");
        assert!(e.problem.contains("bad regex"), "{e}");
        let e = ProcessFilter::parse(b"/usr/bin/x").unwrap_err();
        assert!(e.problem.contains("basename"));
    }

    #[test]
    fn quick_match_agrees_with_the_full_filter() {
        for (list, exe) in [
            (&b"mediaserver-bin,root-tool-bin"[..], &b"root-tool-bin"[..]),
            (b"a, b", b"b"),
            (b"a", b"bash"),
            (b"", b"x"),
            (b" , ", b""),
        ] {
            let full = ProcessFilter::parse(list).unwrap().matches(exe);
            assert_eq!(quick_match(list, exe), Some(full), "{list:?} {exe:?}");
        }
        assert_eq!(quick_match(b"a,~^b", b"b"), None);
        assert_eq!(quick_match(b"/usr/bin/x", b"x"), None);
    }

    #[test]
    fn exe_names() {
        assert_eq!(exe_name(b"/opt/x/bin/mediaserver-bin"), b"mediaserver-bin");
        assert_eq!(exe_name(b"/usr/bin/cat (deleted)"), b"cat");
        assert_eq!(exe_name(b"cat"), b"cat");
    }
}
