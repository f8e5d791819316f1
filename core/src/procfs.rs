//! Which paths are the process's own mount table.
//!
//! `/proc/mounts`, `/proc/self/{mounts,mountinfo}`, `/proc/<own pid>/…`,
//! `/proc/thread-self/…`, `/proc/<self|pid>/task/<tid>/…` and `/etc/mtab`.
//! Paths are compared lexically after dropping empty and `.` components;
//! anything with `..` is left alone (it would need the filesystem to resolve).

use crate::table::Format;

/// The last component, which must be one of the table names for a path to
/// be worth a closer look. Cheap: no allocation, one pass.
pub fn may_be_table(path: &[u8]) -> bool {
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(at) => &path[at + 1..],
        None => path,
    };
    matches!(name, b"mounts" | b"mountinfo" | b"mtab")
}

fn table_file(name: &[u8]) -> Option<Format> {
    match name {
        b"mounts" => Some(Format::Mounts),
        b"mountinfo" => Some(Format::MountInfo),
        _ => None,
    }
}

fn is_number(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// Classifies an absolute path. `own_pid` is asked only when the path names
/// a pid, so the common case makes no system call.
pub fn classify(path: &[u8], own_pid: impl FnOnce() -> u32) -> Option<Format> {
    if !path.starts_with(b"/") {
        return None;
    }
    let mut parts = [&b""[..]; 6];
    let mut n = 0;
    for component in path.split(|&b| b == b'/') {
        match component {
            b"" | b"." => continue,
            b".." => return None,
            c if n < parts.len() => {
                parts[n] = c;
                n += 1;
            }
            _ => return None,
        }
    }
    let is_own_pid = |p: &[u8]| -> Option<u32> {
        if !is_number(p) {
            return None;
        }
        std::str::from_utf8(p).ok()?.parse().ok()
    };
    match &parts[..n] {
        [b"etc", b"mtab"] => Some(Format::Mounts),
        [b"proc", b"mounts"] => Some(Format::Mounts),
        [b"proc", who, file] => {
            let ours = match *who {
                b"self" | b"thread-self" => true,
                pid => is_own_pid(pid) == Some(own_pid()),
            };
            ours.then(|| table_file(file)).flatten()
        }
        [b"proc", who, b"task", tid, file] if is_number(tid) => {
            let ours = match *who {
                b"self" => true,
                pid => is_own_pid(pid) == Some(own_pid()),
            };
            ours.then(|| table_file(file)).flatten()
        }
        _ => None,
    }
}

/// Joins a relative path onto a directory (the cwd or an `openat` dirfd).
pub fn join(dir: &[u8], relative: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(dir.len() + 1 + relative.len());
    path.extend_from_slice(dir);
    if !dir.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(relative);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(path: &str) -> Option<Format> {
        classify(path.as_bytes(), || 4242)
    }

    #[test]
    fn known_tables() {
        assert_eq!(c("/proc/mounts"), Some(Format::Mounts));
        assert_eq!(c("/proc/self/mounts"), Some(Format::Mounts));
        assert_eq!(c("/proc/self/mountinfo"), Some(Format::MountInfo));
        assert_eq!(c("/proc/thread-self/mountinfo"), Some(Format::MountInfo));
        assert_eq!(c("/proc/4242/mounts"), Some(Format::Mounts));
        assert_eq!(c("/proc/4242/mountinfo"), Some(Format::MountInfo));
        assert_eq!(c("/proc/self/task/4243/mountinfo"), Some(Format::MountInfo));
        assert_eq!(c("/proc/4242/task/4242/mounts"), Some(Format::Mounts));
        assert_eq!(c("/etc/mtab"), Some(Format::Mounts));
    }

    #[test]
    fn lexical_noise_is_ignored() {
        assert_eq!(c("//proc//self/./mountinfo"), Some(Format::MountInfo));
        assert_eq!(c("/proc/./mounts"), Some(Format::Mounts));
        assert_eq!(c("/proc/self/../self/mounts"), None);
    }

    #[test]
    fn other_processes_and_files_are_not_ours() {
        assert_eq!(c("/proc/1/mounts"), None);
        assert_eq!(c("/proc/4242/mountstats"), None);
        assert_eq!(c("/proc/self/task/x/mounts"), None);
        assert_eq!(c("/proc/thread-self/task/1/mounts"), None);
        assert_eq!(c("/tmp/mounts"), None);
        assert_eq!(c("/etc/fstab"), None);
        assert_eq!(c("proc/mounts"), None);
        assert_eq!(c("/a/b/c/d/e/f/g/mounts"), None);
    }

    #[test]
    fn pid_is_only_asked_for_when_needed() {
        let asked = std::cell::Cell::new(false);
        classify(b"/proc/self/mounts", || {
            asked.set(true);
            1
        });
        assert!(!asked.get());
    }

    #[test]
    fn quick_filter() {
        assert!(may_be_table(b"/proc/self/mountinfo"));
        assert!(may_be_table(b"mounts"));
        assert!(may_be_table(b"/etc/mtab"));
        assert!(!may_be_table(b"/etc/passwd"));
        assert!(!may_be_table(b"/proc/self/mounts/"));
        assert!(!may_be_table(b""));
    }

    #[test]
    fn joins() {
        assert_eq!(join(b"/proc", b"self/mounts"), b"/proc/self/mounts");
        assert_eq!(join(b"/", b"etc/mtab"), b"/etc/mtab");
    }
}
