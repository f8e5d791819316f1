//! Rules: which mounts get which filesystem type (and device name).
//!
//! ```text
//! SELECTOR=TYPE[,source=auto|keep|unique|NAME][,unless=TYPE|TYPE...]
//! SELECTOR: /abs/mount/point | ~REGEX | type:REALTYPE
//! TYPE:     a known type name, or `keep` (report the real type; only the
//!           source policy applies)
//! ```
//! The first rule that matches a mount wins. `unless=` makes a rule skip
//! mounts whose real type is already one of the listed types.

use std::collections::HashMap;
use std::fmt;

use regex::bytes::{Regex, RegexBuilder};

use crate::escape;
use crate::fasthash::FastHash;
use crate::fstype::{self, FsType};

/// Where a rule was written, for error messages and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The n-th rule (1-based) of the `FAKEFSTYPE` variable.
    Env { index: usize },
    /// A line (1-based) of the `FAKEFSTYPE_CONFIG` file.
    File { path: String, line: usize },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env { index } => write!(f, "FAKEFSTYPE rule {index}"),
            Origin::File { path, line } => write!(f, "{path}:{line}"),
        }
    }
}

/// Which mounts a rule applies to.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Exactly this mount point (decoded, normalised).
    MountPoint(Box<[u8]>),
    /// Mount points the (unanchored) regex matches.
    Pattern(Regex),
    /// Mounts whose real type is this name.
    RealType(Box<[u8]>),
}

/// What happens to the device/source field of a matched mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourcePolicy {
    /// A unique name derived from the mount point, only when another mount
    /// shares the source (the server keeps one mount per device).
    Auto,
    /// Never change the source.
    Keep,
    /// Always the name derived from the mount point.
    Unique,
    /// This exact source string (decoded).
    Fixed(Box<[u8]>),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub origin: Origin,
    /// The rule as written, for logs.
    pub text: String,
    pub selector: Selector,
    /// The type to report; `None` (written `keep`) reports the real one.
    pub fake_type: Option<FsType>,
    pub source: SourcePolicy,
    /// Real types this rule leaves alone.
    pub unless: Vec<Box<[u8]>>,
}

impl Rule {
    fn applies_to_type(&self, real_type: &[u8]) -> bool {
        !self.unless.iter().any(|t| &**t == real_type)
    }
}

/// A malformed rule or setting: where, what was written, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    pub text: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "{}: {}", self.origin, self.problem)
        } else {
            write!(f, "{} {:?}: {}", self.origin, self.text, self.problem)
        }
    }
}

/// Rules in order, with indexes so a lookup does not scan every rule.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Lengths (mod 256) of the exact mount points: most mount points of a
    /// table are ruled out without hashing them.
    mount_point_lengths: [u64; 4],
    by_mount_point: HashMap<Box<[u8]>, Vec<usize>, FastHash>,
    by_real_type: HashMap<Box<[u8]>, Vec<usize>, FastHash>,
    patterns: Vec<usize>,
}

/// Where rule text came from, before it is split into rules.
pub enum RuleText<'a> {
    /// The `FAKEFSTYPE` variable: rules separated by `;` or newlines.
    Env(&'a [u8]),
    /// A config file: one rule per line.
    File { path: &'a str, content: &'a [u8] },
}

impl RuleSet {
    /// Parses every text in order (earlier texts win). Returns every
    /// problem found, so the caller can report the first and count the rest.
    pub fn parse(texts: &[RuleText<'_>]) -> Result<RuleSet, Vec<ConfigError>> {
        let mut set = RuleSet::default();
        let mut errors = Vec::new();
        for text in texts {
            let pieces: Vec<(Origin, &[u8])> = match *text {
                RuleText::Env(raw) => raw
                    .split(|&b| b == b';' || b == b'\n')
                    .map(trim)
                    .filter(|r| !is_blank_or_comment(r))
                    .enumerate()
                    .map(|(i, r)| (Origin::Env { index: i + 1 }, r))
                    .collect(),
                RuleText::File { path, content } => content
                    .split(|&b| b == b'\n')
                    .enumerate()
                    .map(|(i, r)| (i, trim(r)))
                    .filter(|(_, r)| !is_blank_or_comment(r))
                    .map(|(i, r)| {
                        let origin = Origin::File {
                            path: path.to_string(),
                            line: i + 1,
                        };
                        (origin, r)
                    })
                    .collect(),
            };
            for (origin, raw) in pieces {
                match parse_rule(origin, raw) {
                    Ok(rule) => set.push(rule),
                    Err(e) => errors.push(e),
                }
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    fn push(&mut self, rule: Rule) {
        let index = self.rules.len();
        if let Selector::MountPoint(p) = &rule.selector {
            let len = p.len() % 256;
            self.mount_point_lengths[len / 64] |= 1 << (len % 64);
        }
        match &rule.selector {
            Selector::MountPoint(p) => self.by_mount_point.entry(p.clone()).or_default(),
            Selector::RealType(t) => self.by_real_type.entry(t.clone()).or_default(),
            Selector::Pattern(_) => &mut self.patterns,
        }
        .push(index);
        self.rules.push(rule);
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The first rule (and its index) matching a mount, given its decoded
    /// mount point and its real type.
    pub fn find(&self, mount_point: &[u8], real_type: &[u8]) -> Option<(usize, &Rule)> {
        let first_applicable = |indexes: Option<&Vec<usize>>| {
            indexes?
                .iter()
                .copied()
                .find(|&i| self.rules[i].applies_to_type(real_type))
        };
        // A mount point of a length no exact rule has is not hashed at all.
        let len = mount_point.len() % 256;
        let maybe_exact = self.mount_point_lengths[len / 64] & (1 << (len % 64)) != 0;
        let exact = maybe_exact.then(|| self.by_mount_point.get(mount_point));
        let mut best = first_applicable(exact.flatten());
        let typed = (!self.by_real_type.is_empty()).then(|| self.by_real_type.get(real_type));
        if let Some(i) = first_applicable(typed.flatten()) {
            best = Some(best.map_or(i, |b| b.min(i)));
        }
        for &i in &self.patterns {
            if best.is_some_and(|b| b < i) {
                break;
            }
            let rule = &self.rules[i];
            if let Selector::Pattern(re) = &rule.selector {
                if rule.applies_to_type(real_type) && re.is_match(mount_point) {
                    best = Some(i);
                    break;
                }
            }
        }
        best.map(|i| (i, &self.rules[i]))
    }

    /// Real types named by `type:` selectors.
    pub fn selected_real_types(&self) -> impl Iterator<Item = &[u8]> {
        self.by_real_type.keys().map(|k| &**k)
    }
}

fn trim(raw: &[u8]) -> &[u8] {
    raw.trim_ascii()
}

fn is_blank_or_comment(rule: &[u8]) -> bool {
    rule.is_empty() || rule.starts_with(b"#")
}

/// Characters a type name may contain.
fn is_type_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+')
}

fn is_type_token(token: &[u8]) -> bool {
    !token.is_empty() && token.iter().copied().all(is_type_char)
}

/// Splits `SELECTOR=TYPE[,options]` at the first `=` that is followed by a
/// type name, so a `=` inside a path or regex needs no escaping in practice.
fn split_rule(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    raw.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'=')
        .map(|(at, _)| (&raw[..at], &raw[at + 1..]))
        .find(|(_, rest)| is_type_token(rest.split(|&b| b == b',').next().unwrap_or_default()))
}

fn parse_rule(origin: Origin, raw: &[u8]) -> Result<Rule, ConfigError> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let fail = |problem: String| ConfigError {
        origin: origin.to_string(),
        text: text.clone(),
        problem,
    };
    let Some((selector_raw, rest)) = split_rule(raw) else {
        return Err(fail(if raw.contains(&b'=') {
            "no type name after '=' (expected SELECTOR=TYPE, e.g. /media=ext4)".into()
        } else {
            "missing '=TYPE' (expected SELECTOR=TYPE, e.g. /media=ext4)".into()
        }));
    };
    let selector = parse_selector(selector_raw).map_err(&fail)?;
    let mut parts = rest.split(|&b| b == b',');
    let type_name = parts.next().unwrap_or_default();
    let fake_type = match type_name {
        KEEP => None,
        name => Some(FsType::named(name).ok_or_else(|| {
            fail(format!(
                "unknown type {:?}; known: {}, fuse.<subtype>, or keep",
                String::from_utf8_lossy(name),
                fstype::known_names().collect::<Vec<_>>().join(" ")
            ))
        })?),
    };
    let mut source = None;
    let mut unless = None;
    for option in parts {
        let (key, value) = match option.iter().position(|&b| b == b'=') {
            Some(at) => (&option[..at], &option[at + 1..]),
            None => (option, &b""[..]),
        };
        match key {
            b"source" if source.is_none() => source = Some(parse_source(value).map_err(&fail)?),
            b"unless" if unless.is_none() => unless = Some(parse_unless(value).map_err(&fail)?),
            b"source" | b"unless" => {
                return Err(fail(format!(
                    "option {:?} given twice",
                    String::from_utf8_lossy(key)
                )))
            }
            _ => {
                return Err(fail(format!(
                "unknown option {:?} (options: source=auto|keep|unique|NAME, unless=TYPE|TYPE...)",
                String::from_utf8_lossy(option)
            )))
            }
        }
    }
    Ok(Rule {
        origin,
        text,
        selector,
        fake_type,
        source: source.unwrap_or(SourcePolicy::Auto),
        unless: unless.unwrap_or_default(),
    })
}

/// The TYPE that keeps the real type and applies only the source policy.
const KEEP: &[u8] = b"keep";

/// Limits on a compiled regex, so a hostile pattern cannot eat memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn parse_selector(raw: &[u8]) -> Result<Selector, String> {
    if let Some(name) = raw.strip_prefix(b"type:") {
        if name.is_empty() {
            return Err("empty type name after 'type:'".into());
        }
        return Ok(Selector::RealType(escape::decode(name).into()));
    }
    if let Some(pattern) = raw.strip_prefix(b"~") {
        let pattern =
            std::str::from_utf8(pattern).map_err(|_| "regex is not valid UTF-8".to_string())?;
        if pattern.is_empty() {
            return Err("empty regex after '~'".into());
        }
        return compile_regex(pattern).map(Selector::Pattern);
    }
    if raw.is_empty() {
        return Err(
            "empty selector before '=' (expected /mount/point, ~REGEX or type:NAME)".into(),
        );
    }
    if !raw.starts_with(b"/") {
        return Err(format!(
            "selector {:?} is not an absolute mount point, ~REGEX or type:NAME",
            String::from_utf8_lossy(raw)
        ));
    }
    normalize_mount_point(&escape::decode(raw)).map(Selector::MountPoint)
}

/// Compiles a regex for a rule or process filter; the error is one line.
pub fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(msg) => {
                let detail = msg
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .unwrap_or("syntax error")
                    .to_string();
                format!("bad regex {pattern:?}: {detail}")
            }
            regex::Error::CompiledTooBig(limit) => {
                format!("regex {pattern:?} is too big (compiles to more than {limit} bytes)")
            }
            _ => format!("bad regex {pattern:?}"),
        })
}

/// Mount points in the kernel's table are canonical: no `//`, no trailing
/// `/`, no `.` or `..`. A rule is normalised the same way so it can match.
pub fn normalize_mount_point(path: &[u8]) -> Result<Box<[u8]>, String> {
    let mut out = Vec::with_capacity(path.len());
    for component in path.split(|&b| b == b'/') {
        match component {
            b"" | b"." => {}
            b".." => {
                return Err(format!(
                    "mount point {:?} contains '..'; write the real path",
                    String::from_utf8_lossy(path)
                ))
            }
            name => {
                out.push(b'/');
                out.extend_from_slice(name);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Ok(out.into())
}

fn parse_source(value: &[u8]) -> Result<SourcePolicy, String> {
    Ok(match value {
        b"" => return Err("empty value for 'source=' (auto, keep, unique or a name)".into()),
        b"auto" => SourcePolicy::Auto,
        b"keep" => SourcePolicy::Keep,
        b"unique" => SourcePolicy::Unique,
        name => SourcePolicy::Fixed(escape::decode(name).into()),
    })
}

fn parse_unless(value: &[u8]) -> Result<Vec<Box<[u8]>>, String> {
    let names: Vec<Box<[u8]>> = value.split(|&b| b == b'|').map(Box::<[u8]>::from).collect();
    if names.iter().any(|n| !is_type_token(n)) {
        return Err(format!(
            "bad 'unless=' list {:?} (expected TYPE|TYPE..., e.g. unless=ext4|xfs)",
            String::from_utf8_lossy(value)
        ));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_env(text: &str) -> Result<RuleSet, Vec<ConfigError>> {
        RuleSet::parse(&[RuleText::Env(text.as_bytes())])
    }

    fn one_error(text: &str) -> ConfigError {
        let errors = parse_env(text).expect_err(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    fn matched<'a>(set: &'a RuleSet, mount_point: &str, real_type: &str) -> Option<&'a str> {
        set.find(mount_point.as_bytes(), real_type.as_bytes())
            .map(|(_, r)| {
                r.fake_type
                    .as_ref()
                    .map_or("keep", |t| std::str::from_utf8(t.name()).unwrap())
            })
    }

    #[test]
    fn parses_the_three_selector_kinds() {
        let set = parse_env("/media=ext4; ~^/mnt/disk[0-9]+$=xfs\ntype:fuse.shfs=ext4").unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(matched(&set, "/media", "btrfs"), Some("ext4"));
        assert_eq!(matched(&set, "/mnt/disk12", "btrfs"), Some("xfs"));
        assert_eq!(matched(&set, "/mnt/user/tv", "fuse.shfs"), Some("ext4"));
        assert_eq!(matched(&set, "/mnt/diskA", "btrfs"), None);
        assert_eq!(matched(&set, "/media/sub", "btrfs"), None);
    }

    #[test]
    fn first_matching_rule_wins_across_kinds() {
        let set = parse_env("~^/media=xfs;/media=ext4;type:btrfs=ext3").unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("xfs"));
        let set = parse_env("type:btrfs=ext3;/media=ext4;~media=xfs").unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("ext3"));
        let set = parse_env("/media=ext4;type:btrfs=ext3").unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("ext4"));
        assert_eq!(set.find(b"/media", b"btrfs").unwrap().0, 0);
    }

    #[test]
    fn env_rules_come_before_file_rules() {
        let set = RuleSet::parse(&[
            RuleText::Env(b"/media=xfs"),
            RuleText::File {
                path: "/etc/f.conf",
                content: b"# comment\n\n  /media=ext4  \r\n/archive=ext4\n",
            },
        ])
        .unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("xfs"));
        assert_eq!(matched(&set, "/archive", "btrfs"), Some("ext4"));
        assert_eq!(
            set.rules()[2].origin,
            Origin::File {
                path: "/etc/f.conf".into(),
                line: 4
            }
        );
    }

    #[test]
    fn file_lines_are_not_split_on_semicolons() {
        let set = RuleSet::parse(&[RuleText::File {
            path: "f",
            content: b"/mnt/a;b=ext4\n",
        }])
        .unwrap();
        assert_eq!(matched(&set, "/mnt/a;b", "btrfs"), Some("ext4"));
    }

    #[test]
    fn mount_points_accept_spaces_escapes_and_are_normalised() {
        let set =
            parse_env(r"/mnt/My Share=ext4;/mnt/Other\040Share=xfs;//srv//x/./=ext4").unwrap();
        assert_eq!(matched(&set, "/mnt/My Share", "fuse.shfs"), Some("ext4"));
        assert_eq!(matched(&set, "/mnt/Other Share", "fuse.shfs"), Some("xfs"));
        assert_eq!(matched(&set, "/srv/x", "zfs"), Some("ext4"));
        let root = parse_env("/=ext4").unwrap();
        assert_eq!(matched(&root, "/", "overlay"), Some("ext4"));
    }

    #[test]
    fn equals_sign_inside_a_path_or_regex() {
        let set = parse_env("/mnt/a=b=ext4;~x=y=xfs").unwrap();
        assert_eq!(matched(&set, "/mnt/a=b", "btrfs"), Some("ext4"));
        assert_eq!(matched(&set, "/x=y", "btrfs"), Some("xfs"));
    }

    #[test]
    fn unless_skips_rule_for_listed_real_types() {
        let set = parse_env("/media=ext4,unless=ext4|xfs|nfs;/media=xfs").unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("ext4"));
        // The first rule skips xfs, so the second one applies.
        assert_eq!(matched(&set, "/media", "xfs"), Some("xfs"));
        let set = parse_env("type:btrfs=ext4,unless=btrfs").unwrap();
        assert_eq!(matched(&set, "/x", "btrfs"), None);
        let set = parse_env("~/m=ext4,unless=btrfs;~/m=xfs").unwrap();
        assert_eq!(matched(&set, "/m", "btrfs"), Some("xfs"));
    }

    #[test]
    fn keep_reports_the_real_type() {
        let set = parse_env("/media=ext4,unless=ext4|xfs;/media=keep").unwrap();
        assert_eq!(matched(&set, "/media", "btrfs"), Some("ext4"));
        assert_eq!(matched(&set, "/media", "xfs"), Some("keep"));
        assert!(set.rules()[1].fake_type.is_none());
    }

    #[test]
    fn source_policies() {
        let set = parse_env(
            "/a=ext4;/b=ext4,source=keep;/c=ext4,source=unique;/d=ext4,source=/dev/sdz\\0401",
        )
        .unwrap();
        let policies: Vec<_> = set.rules().iter().map(|r| r.source.clone()).collect();
        assert_eq!(
            policies,
            vec![
                SourcePolicy::Auto,
                SourcePolicy::Keep,
                SourcePolicy::Unique,
                SourcePolicy::Fixed((*b"/dev/sdz 1").into())
            ]
        );
    }

    #[test]
    fn options_combine_in_any_order() {
        let set = parse_env("/a=ext4,unless=xfs,source=keep").unwrap();
        let rule = &set.rules()[0];
        assert_eq!(rule.source, SourcePolicy::Keep);
        assert_eq!(rule.unless, vec![Box::<[u8]>::from(&b"xfs"[..])]);
    }

    #[test]
    fn blank_and_comment_rules_are_ignored() {
        let set = parse_env(" ; ;# note\n\n/media=ext4;").unwrap();
        assert_eq!(set.len(), 1);
        assert!(parse_env("").unwrap().is_empty());
    }

    #[test]
    fn malformed_rules_are_named_with_the_problem() {
        let e = one_error("/media");
        assert_eq!(e.origin, "FAKEFSTYPE rule 1");
        assert_eq!(e.text, "/media");
        assert!(e.problem.contains("missing '=TYPE'"), "{e}");

        assert!(one_error("/media=").problem.contains("no type name"));
        assert!(one_error("=ext4").problem.contains("empty selector"));
        assert!(one_error("media=ext4").problem.contains("not an absolute"));
        assert!(one_error("type:=ext4").problem.contains("empty type name"));
        assert!(one_error("~=ext4").problem.contains("empty regex"));
        assert!(one_error("/m/../x=ext4").problem.contains("'..'"));
        assert!(one_error("/m=ext4,sourc=keep")
            .problem
            .contains("unknown option"));
        assert!(one_error("/m=ext4,source=").problem.contains("empty value"));
        assert!(one_error("/m=ext4,unless=")
            .problem
            .contains("bad 'unless='"));
        assert!(one_error("/m=ext4,source=a,source=b")
            .problem
            .contains("twice"));
    }

    #[test]
    fn unknown_type_lists_known_ones() {
        let e = one_error("/ok=ext4;/media=ext9");
        assert_eq!(e.origin, "FAKEFSTYPE rule 2");
        assert!(e.problem.starts_with("unknown type \"ext9\""), "{e}");
        assert!(e.problem.contains("xfs"));
        assert_eq!(e.to_string().lines().count(), 1);
    }

    #[test]
    fn bad_regex_error_is_one_line() {
        let e = one_error("~(unclosed=ext4");
        assert!(e.problem.contains("bad regex"), "{e}");
        assert!(e.problem.contains("unclosed group"), "{e}");
        assert_eq!(e.to_string().lines().count(), 1);
    }

    #[test]
    fn huge_regex_is_refused_not_compiled() {
        let e = one_error("~(((a{100}){100}){100})=ext4");
        assert!(e.problem.contains("too big"), "{e}");
    }

    #[test]
    fn every_error_is_reported() {
        let errors = parse_env("a=ext4;/b=nope;/ok=ext4;c").unwrap_err();
        let origins: Vec<_> = errors.iter().map(|e| e.origin.as_str()).collect();
        assert_eq!(
            origins,
            [
                "FAKEFSTYPE rule 1",
                "FAKEFSTYPE rule 2",
                "FAKEFSTYPE rule 4"
            ]
        );
    }

    #[test]
    fn non_utf8_paths_match_bytes() {
        let set = RuleSet::parse(&[RuleText::Env(b"/mnt/\xff\xfe=ext4")]).unwrap();
        assert!(set.find(b"/mnt/\xff\xfe", b"btrfs").is_some());
        let errors = RuleSet::parse(&[RuleText::Env(b"~\xff=ext4")]).unwrap_err();
        assert!(errors[0].problem.contains("UTF-8"));
    }

    #[test]
    fn many_exact_rules_are_indexed() {
        let text: String = (0..10_000).map(|i| format!("/mnt/d{i}=ext4;")).collect();
        let set = parse_env(&text).unwrap();
        assert_eq!(set.len(), 10_000);
        assert_eq!(set.find(b"/mnt/d9999", b"btrfs").unwrap().0, 9999);
        assert!(set.find(b"/mnt/d10000", b"btrfs").is_none());
    }
}
