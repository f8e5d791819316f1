//! Unique device (source) names for rewritten mounts.
//!
//! The video server keeps one mount per device string, so two Unraid shares
//! (both `shfs`) or two subvolumes of one btrfs disk (both `/dev/sdb1`) would
//! collapse into one. A rewritten mount whose source is shared gets a name
//! derived from its mount point instead: stable across reads, unique in the
//! table, and free of whitespace and backslashes (which tools print
//! decoded, breaking columns) and of `:` (which `df` takes for a remote
//! `host:path`).

use std::borrow::Cow;
use std::collections::HashSet;

const PREFIX: &[u8] = b"fakefstype";

/// The name derived from a decoded mount point: `/mnt/user/tv` becomes
/// `fakefstype-mnt-user-tv`, `/mnt/My Share` `fakefstype-mnt-My_Share`,
/// `/` `fakefstype-root`. It never needs escaping.
pub fn derived_name(mount_point: &[u8]) -> Vec<u8> {
    let mut name = PREFIX.to_vec();
    let trimmed = mount_point.strip_prefix(b"/").unwrap_or(mount_point);
    if trimmed.is_empty() {
        name.extend_from_slice(b"-root");
        return name;
    }
    name.push(b'-');
    name.extend(trimmed.iter().map(|&b| match b {
        b'/' => b'-',
        b':' | b'\\' | b' ' | 0..=0x1f | 0x7f => b'_',
        other => other,
    }));
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

    /// The name for a decoded mount point; a repeat (an over-mounted mount
    /// point, or two paths that derive the same name) gets `-2`, `-3`, … in
    /// table order.
    pub fn for_mount_point(&mut self, mount_point: &[u8]) -> Vec<u8> {
        let base = derived_name(mount_point);
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
    use crate::escape;

    #[test]
    fn derived_from_mount_point() {
        assert_eq!(derived_name(b"/media"), b"fakefstype-media");
        assert_eq!(derived_name(b"/mnt/user/tv"), b"fakefstype-mnt-user-tv");
        assert_eq!(derived_name(b"/"), b"fakefstype-root");
        assert_eq!(derived_name(b"/a b"), b"fakefstype-a_b");
        assert_eq!(
            derived_name("/Überwachung".as_bytes()),
            "fakefstype-Überwachung".as_bytes()
        );
    }

    #[test]
    fn names_are_unique() {
        let existing: Vec<&[u8]> = vec![b"shfs", b"fakefstype-media"];
        let mut names = UniqueNames::new(existing.into_iter());
        assert_eq!(names.for_mount_point(b"/media"), b"fakefstype-media-2");
        assert_eq!(names.for_mount_point(b"/media"), b"fakefstype-media-3");
        assert_eq!(names.for_mount_point(b"/my share"), b"fakefstype-my_share");
        assert_eq!(
            names.for_mount_point(b"/my_share"),
            b"fakefstype-my_share-2"
        );
        // /a/b and /a-b derive the same name: the second gets a suffix.
        assert_eq!(names.for_mount_point(b"/a/b"), b"fakefstype-a-b");
        assert_eq!(names.for_mount_point(b"/a-b"), b"fakefstype-a-b-2");
    }

    #[test]
    fn names_never_contain_a_colon_or_whitespace() {
        for mp in [
            &b"/x:y"[..],
            b"/tab\there",
            b"/nl\nx",
            b"/a:b:c/d",
            b"/back\\slash",
        ] {
            let mut names = UniqueNames::new(std::iter::empty());
            let name = names.for_mount_point(mp);
            assert!(!name.iter().any(|b| b" \t\n:\\".contains(b)), "{name:?}");
            assert_eq!(&*escape::encode(&name), &name[..], "needs no escaping");
        }
    }
}
