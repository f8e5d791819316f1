//! The 4.x launcher fix.
//!
//! `bin/mediaserver` (4.0–4.2) computes `VMS_DIR=$(dirname $(dirname
//! "${BASH_SOURCE[0]}"))`; started through a relative path, start-stop-daemon
//! then looks for `./bin/./bin/mediaserver-bin`. Giving the script its
//! absolute path at exec makes `BASH_SOURCE[0]` absolute. Nothing else about
//! the exec changes.

use crate::rules::ConfigError;

/// Script names (basenames) whose relative execution is made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecFix {
    names: Vec<Box<[u8]>>,
}

/// Used when `FAKEFSTYPE_EXEC_FIX` is unset.
pub const DEFAULT_NAMES: &str = "mediaserver,root-tool";

impl Default for ExecFix {
    fn default() -> Self {
        ExecFix::parse(DEFAULT_NAMES.as_bytes()).expect("default names are valid")
    }
}

fn basename(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(at) => &path[at + 1..],
        None => path,
    }
}

/// Shells whose first operand is a script path (`bash ./bin/mediaserver`).
const SHELLS: &[&[u8]] = &[b"sh", b"bash", b"dash", b"ash", b"ksh", b"mksh", b"zsh"];

impl ExecFix {
    /// Comma-separated names; an empty value disables the fix.
    pub fn parse(value: &[u8]) -> Result<ExecFix, ConfigError> {
        let mut names = Vec::new();
        for name in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            if name.is_empty() {
                continue;
            }
            if name.contains(&b'/') || name == b"." || name == b".." {
                return Err(ConfigError {
                    origin: "FAKEFSTYPE_EXEC_FIX".into(),
                    text: String::from_utf8_lossy(name).into_owned(),
                    problem: "not a file name (give the script's basename, e.g. mediaserver)"
                        .into(),
                });
            }
            names.push(name.into());
        }
        Ok(ExecFix { names })
    }

    pub fn is_enabled(&self) -> bool {
        !self.names.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.names.iter().map(|n| &**n)
    }

    /// An `execve`-style path (no PATH search) that must be made absolute.
    pub fn wants_absolute(&self, path: &[u8]) -> bool {
        !path.is_empty()
            && !path.starts_with(b"/")
            && self.names.iter().any(|n| **n == *basename(path))
    }

    /// The same for `execvp`-style calls: a name without `/` is searched in
    /// PATH, which the fix does not touch.
    pub fn wants_absolute_searched(&self, file: &[u8]) -> bool {
        file.contains(&b'/') && self.wants_absolute(file)
    }

    /// Whether `exe` is a shell whose first operand may be a listed script:
    /// checked before argv is looked at.
    pub fn is_shell(&self, exe: &[u8]) -> bool {
        self.is_enabled() && SHELLS.contains(&basename(exe))
    }

    /// When `exe` is a shell run as `sh [options] SCRIPT ...`, the argv index
    /// of SCRIPT if it must be made absolute.
    pub fn script_argument(&self, exe: &[u8], argv: &[&[u8]]) -> Option<usize> {
        if !self.is_shell(exe) {
            return None;
        }
        let mut i = 1;
        while i < argv.len() {
            let arg = argv[i];
            match arg {
                b"--" | b"-" => {
                    i += 1;
                    break;
                }
                b"-o" | b"+o" | b"-O" | b"+O" | b"--rcfile" | b"--init-file" => i += 2,
                _ if arg.starts_with(b"--") => i += 1,
                _ if arg.starts_with(b"-") || arg.starts_with(b"+") => {
                    // -c runs a command string and -s reads stdin: no script.
                    if arg[1..].iter().any(|&b| b == b'c' || b == b's') {
                        return None;
                    }
                    i += 1;
                }
                _ => break,
            }
        }
        let script = *argv.get(i)?;
        self.wants_absolute(script).then_some(i)
    }
}

/// `cwd` joined with a relative path, dropping `.` and empty components so
/// `./bin/mediaserver` in `/opt/x/mediaserver` becomes
/// `/opt/x/mediaserver/bin/mediaserver`. `..` is kept: symlinks matter.
pub fn absolute(cwd: &[u8], relative: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(cwd.len() + relative.len() + 1);
    for component in cwd
        .split(|&b| b == b'/')
        .chain(relative.split(|&b| b == b'/'))
    {
        if component.is_empty() || component == b"." {
            continue;
        }
        out.push(b'/');
        out.extend_from_slice(component);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix() -> ExecFix {
        ExecFix::default()
    }

    #[test]
    fn defaults_and_disabling() {
        assert!(fix().is_enabled());
        assert_eq!(
            fix().names().collect::<Vec<_>>(),
            vec![&b"mediaserver"[..], b"root-tool"]
        );
        assert!(!ExecFix::parse(b"").unwrap().is_enabled());
        assert!(!ExecFix::parse(b" , ").unwrap().is_enabled());
    }

    #[test]
    fn bad_names_are_refused() {
        let e = ExecFix::parse(b"mediaserver,bin/x").unwrap_err();
        assert_eq!(e.origin, "FAKEFSTYPE_EXEC_FIX");
        assert_eq!(e.text, "bin/x");
    }

    #[test]
    fn relative_paths_of_listed_scripts_only() {
        let f = fix();
        assert!(f.wants_absolute(b"./bin/mediaserver"));
        assert!(f.wants_absolute(b"bin/mediaserver"));
        assert!(f.wants_absolute(b"mediaserver"));
        assert!(f.wants_absolute(b"../mediaserver/bin/root-tool"));
        assert!(!f.wants_absolute(b"/opt/x/bin/mediaserver"));
        assert!(!f.wants_absolute(b"./bin/mediaserver-bin"));
        assert!(!f.wants_absolute(b"./bin/other"));
        assert!(!f.wants_absolute(b""));
    }

    #[test]
    fn path_search_is_left_alone() {
        let f = fix();
        assert!(!f.wants_absolute_searched(b"mediaserver"));
        assert!(f.wants_absolute_searched(b"./bin/mediaserver"));
    }

    #[test]
    fn shell_script_argument() {
        let f = fix();
        let argv = |s: &'static str| s.split(' ').map(str::as_bytes).collect::<Vec<_>>();
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash ./bin/mediaserver -e")),
            Some(1)
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash -x -o errexit ./bin/mediaserver")),
            Some(4)
        );
        assert_eq!(
            f.script_argument(b"/usr/bin/sh", &argv("sh -- bin/root-tool")),
            Some(2)
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash --norc ./bin/mediaserver")),
            Some(2)
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash --rcfile x ./bin/mediaserver")),
            Some(3)
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash -c ./bin/mediaserver")),
            None
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash -ec ./bin/mediaserver")),
            None
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash /opt/bin/mediaserver")),
            None
        );
        assert_eq!(
            f.script_argument(b"/bin/bash", &argv("bash ./other ./bin/mediaserver")),
            None
        );
        assert_eq!(
            f.script_argument(b"/usr/bin/python3", &argv("python3 ./bin/mediaserver")),
            None
        );
        assert_eq!(f.script_argument(b"/bin/bash", &argv("bash")), None);
        let off = ExecFix::parse(b"").unwrap();
        assert_eq!(
            off.script_argument(b"/bin/bash", &argv("bash ./bin/mediaserver")),
            None
        );
    }

    #[test]
    fn absolute_joins_lexically() {
        assert_eq!(
            absolute(b"/opt/dw/mediaserver", b"./bin/mediaserver"),
            b"/opt/dw/mediaserver/bin/mediaserver"
        );
        assert_eq!(absolute(b"/", b"bin/x"), b"/bin/x");
        assert_eq!(absolute(b"/a/b/", b"../c//./d"), b"/a/b/../c/d");
    }
}
