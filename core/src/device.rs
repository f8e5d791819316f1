//! Unique device (source) names for rewritten mounts.
//!
//! The video server keeps one mount per device string, so two Unraid shares
//! (both `shfs`) or two subvolumes of one btrfs disk (both `/dev/sdb1`) would
//! collapse into one. A rewritten mount whose source is shared gets a name
//! derived from its mount point instead: stable across reads, unique in the
//! table, and free of whitespace and backslashes (which tools print
//! decoded, breaking columns) and of `:` (which `df` takes for a remote
//! `host:path`).

use std::collections::HashSet;

use crate::fasthash::FastHash;

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
    /// The raw (escaped) sources of every mount in the table.
    existing: &'a [&'a [u8]],
    /// Built only when many names are asked for; a few are checked by scan.
    index: Option<HashSet<&'a [u8], FastHash>>,
    given: HashSet<Vec<u8>, FastHash>,
}

/// Names asked for before the sources are indexed instead of scanned.
const SCAN_LIMIT: usize = 16;

impl<'a> UniqueNames<'a> {
    pub fn new(existing: &'a [&'a [u8]]) -> Self {
        UniqueNames {
            existing,
            index: None,
            given: HashSet::default(),
        }
    }

    fn taken(&mut self, name: &[u8]) -> bool {
        if self.given.contains(name) {
            return true;
        }
        if self.given.len() < SCAN_LIMIT {
            return self.existing.contains(&name);
        }
        let existing = self.existing;
        self.index
            .get_or_insert_with(|| existing.iter().copied().collect())
            .contains(name)
    }

    /// The name for a decoded mount point; a repeat (an over-mounted mount
    /// point, or two paths that derive the same name) gets `-2`, `-3`, … in
    /// table order.
    pub fn for_mount_point(&mut self, mount_point: &[u8]) -> Vec<u8> {
        let base = derived_name(mount_point);
        let mut candidate = base.clone();
        let mut n = 2u64;
        while self.taken(&candidate) {
            candidate = base.clone();
            candidate.extend_from_slice(format!("-{n}").as_bytes());
            n += 1;
        }
        self.given.insert(candidate.clone());
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
        let mut names = UniqueNames::new(&existing);
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
    fn many_names_stay_unique_once_indexed() {
        let existing: Vec<&[u8]> = vec![b"fakefstype-m-40"];
        let mut names = UniqueNames::new(&existing);
        let mut all = HashSet::new();
        for i in 0..100 {
            let name = names.for_mount_point(format!("/m/{}", i % 50).as_bytes());
            assert_ne!(name, b"fakefstype-m-40");
            assert!(all.insert(name));
        }
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
            let mut names = UniqueNames::new(&[]);
            let name = names.for_mount_point(mp);
            assert!(!name.iter().any(|b| b" \t\n:\\".contains(b)), "{name:?}");
            assert_eq!(&*escape::encode(&name), &name[..], "needs no escaping");
        }
    }
}
