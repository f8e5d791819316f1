//! Unique device (source) names for rewritten mounts.
//!
//! The video server keeps one mount per device string, so two Unraid shares
//! (both `shfs`) or two subvolumes of one btrfs disk (both `/dev/sdb1`) would
//! collapse into one. A rewritten mount whose source is shared gets a name
//! derived from its mount point instead: stable across reads, unique in the
//! table, and free of `:` (which `df` takes for a remote `host:path`).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::escape;

const PREFIX: &[u8] = b"fakefstype";

/// The name derived from a decoded mount point: `/mnt/user/tv` becomes
/// `fakefstype-mnt-user-tv`, `/` becomes `fakefstype-root`. Not yet escaped.
pub fn derived_name(mount_point: &[u8]) -> Vec<u8> {
    let mut name = PREFIX.to_vec();
    let trimmed = mount_point.strip_prefix(b"/").unwrap_or(mount_point);
    if trimmed.is_empty() {
        name.extend_from_slice(b"-root");
        return name;
    }
    name.push(b'-');
    // `/` separates components; `:` would make df call the mount remote.
    name.extend(
        trimmed
            .iter()
            .map(|&b| if b == b'/' || b == b':' { b'-' } else { b }),
    );
    name
}

/// Hands out derived names that collide neither with any source already in
/// the table nor with each other.
pub struct UniqueNames<'a> {
    taken: HashSet<Cow<'a, [u8]>>,
}

impl<'a> UniqueNames<'a> {
    /// `existing` are the raw (escaped) sources of every mount in the table.
    pub fn new(existing: impl Iterator<Item = &'a [u8]>) -> Self {
        UniqueNames {
            taken: existing.map(Cow::Borrowed).collect(),
        }
    }

    /// The escaped name for a decoded mount point; a repeat (an over-mounted
    /// mount point) gets `-2`, `-3`, … in table order.
    pub fn for_mount_point(&mut self, mount_point: &[u8]) -> Vec<u8> {
        let base = escape::encode(&derived_name(mount_point)).into_owned();
        let mut candidate = base.clone();
        let mut n = 2u64;
        while self.taken.contains(&candidate[..]) {
            candidate = base.clone();
            candidate.extend_from_slice(format!("-{n}").as_bytes());
            n += 1;
        }
        self.taken.insert(Cow::Owned(candidate.clone()));
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_from_mount_point() {
        assert_eq!(derived_name(b"/media"), b"fakefstype-media");
        assert_eq!(derived_name(b"/mnt/user/tv"), b"fakefstype-mnt-user-tv");
        assert_eq!(derived_name(b"/"), b"fakefstype-root");
        assert_eq!(derived_name(b"/a b"), b"fakefstype-a b");
    }

    #[test]
    fn names_are_escaped_and_unique() {
        let existing: Vec<&[u8]> = vec![b"shfs", b"fakefstype-media"];
        let mut names = UniqueNames::new(existing.into_iter());
        assert_eq!(names.for_mount_point(b"/media"), b"fakefstype-media-2");
        assert_eq!(names.for_mount_point(b"/media"), b"fakefstype-media-3");
        assert_eq!(
            names.for_mount_point(b"/my share"),
            br"fakefstype-my\040share"
        );
        // /a/b and /a-b derive the same name: the second gets a suffix.
        assert_eq!(names.for_mount_point(b"/a/b"), b"fakefstype-a-b");
        assert_eq!(names.for_mount_point(b"/a-b"), b"fakefstype-a-b-2");
    }

    #[test]
    fn names_never_contain_a_colon_or_whitespace() {
        for mp in [&b"/x:y"[..], b"/tab\there", b"/nl\nx", b"/a:b:c/d"] {
            let mut names = UniqueNames::new(std::iter::empty());
            let name = names.for_mount_point(mp);
            assert!(!name.iter().any(|b| b" \t\n:".contains(b)), "{name:?}");
        }
    }
}
