//! Which mount a `statfs` result belongs to, and the `f_type` to report.
//!
//! `statfs` says only the magic number and fsid of the filesystem. Built
//! from mountinfo, a [`MountMap`] groups mounts by real magic. Most lookups
//! end there: if every mount with that magic gets the same answer (say the
//! one btrfs is `/media`, rewritten to ext4), no further system call is
//! needed. When mounts with one magic differ (two mounts of one btrfs, only
//! one rewritten), the fsid often tells them apart; failing that the
//! caller asks the kernel for the mount id (`statx`), or, on kernels before
//! 5.8, matches the canonical path against the mount points.

use std::collections::HashMap;

use crate::escape;
use crate::fasthash::FastHash;
use crate::fstype::magic_of;
use crate::rules::RuleSet;
use crate::table::{self, Format};

/// What `statfs` says of a mount point: magic number and fsid.
pub type Probe = (u32, [i32; 2]);

/// Most mount points probed with `statfs` while building one map.
pub const PROBE_BUDGET: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub id: u32,
    /// Decoded.
    pub mount_point: Box<[u8]>,
    /// `None` when the type is unknown and no rule matched it.
    pub real_magic: Option<u32>,
    /// The magic to report instead, when a rule changes it.
    pub outcome: Option<u32>,
    pub fsid: Option<[i32; 2]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Group {
    /// Every mount with this magic gets this answer.
    Uniform(Option<u32>),
    /// Answers differ; by fsid where the fsid tells (O(1) per lookup, so a
    /// group of 10,000 tmpfs mounts costs what a group of two does).
    Mixed(HashMap<[i32; 2], ByFsid, FastHash>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByFsid {
    /// Every mount with this fsid gets this answer.
    Agreed(Option<u32>),
    /// Mounts of one filesystem (same fsid) with different answers.
    Conflict,
}

/// The answer from magic and fsid alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Report this magic instead (`Some`), or leave `f_type` alone (`None`).
    Decided(Option<u32>),
    /// Ambiguous: find the mount id or path, then ask again.
    NeedMount,
}

#[derive(Debug, Default)]
pub struct MountMap {
    mounts: Vec<Mount>,
    by_id: HashMap<u32, usize, FastHash>,
    groups: HashMap<u32, Group, FastHash>,
}

impl MountMap {
    /// Builds the map from mountinfo text. `probe` is called (at most
    /// [`PROBE_BUDGET`] times) with decoded mount points whose magic or fsid
    /// is needed: rewritten mounts of unknown type, and mounts in mixed groups.
    pub fn build(
        mountinfo: &[u8],
        rules: &RuleSet,
        mut probe: impl FnMut(&[u8]) -> Option<Probe>,
    ) -> MountMap {
        let mut budget = PROBE_BUDGET;
        let mut probe = |mount_point: &[u8]| {
            if budget == 0 {
                return None;
            }
            budget -= 1;
            probe(mount_point)
        };
        let mut map = MountMap::default();
        let lines = memchr::memchr_iter(b'\n', mountinfo).count() + 1;
        map.mounts.reserve(lines);
        map.by_id.reserve(lines);
        // Consecutive mounts mostly share a type: look the magic up once.
        let mut last_magic: Option<(Vec<u8>, Option<u32>)> = None;
        for (_, line) in table::lines(mountinfo) {
            let Some(entry) = table::parse_line(Format::MountInfo, line) else {
                continue;
            };
            let Some(id) = entry.mount_id() else { continue };
            let mount_point: Box<[u8]> = entry.mount_point_path().into();
            let real_type = escape::decode(entry.fstype);
            let rule = rules.find(&mount_point, &real_type).map(|(_, r)| r);
            let mut fsid = None;
            let known = match &last_magic {
                Some((name, magic)) if **name == *real_type => *magic,
                _ => {
                    let magic = magic_of(&real_type);
                    last_magic = Some((real_type.to_vec(), magic));
                    magic
                }
            };
            let real_magic = known.or_else(|| {
                rule?;
                let (magic, id) = probe(&mount_point)?;
                fsid = Some(id);
                Some(magic)
            });
            let outcome = rule
                .and_then(|r| r.fake_type.as_ref())
                .map(|t| t.magic())
                .filter(|&fake| Some(fake) != real_magic);
            map.by_id.insert(id, map.mounts.len());
            map.mounts.push(Mount {
                id,
                mount_point,
                real_magic,
                outcome,
                fsid,
            });
        }
        map.group(&mut probe);
        map
    }

    fn group(&mut self, probe: &mut impl FnMut(&[u8]) -> Option<Probe>) {
        let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, m) in self.mounts.iter().enumerate() {
            if let Some(magic) = m.real_magic {
                members.entry(magic).or_default().push(i);
            }
        }
        for (magic, indexes) in members {
            let first = self.mounts[indexes[0]].outcome;
            let group = if indexes.iter().all(|&i| self.mounts[i].outcome == first) {
                Group::Uniform(first)
            } else {
                let mut by_fsid: HashMap<[i32; 2], ByFsid, FastHash> = HashMap::default();
                for &i in &indexes {
                    let m = &mut self.mounts[i];
                    if m.fsid.is_none() {
                        m.fsid = probe(&m.mount_point).map(|(_, fsid)| fsid);
                    }
                    // FUSE and some others report fsid 0: it tells nothing.
                    let Some(fsid) = m.fsid.filter(|f| *f != [0, 0]) else {
                        continue;
                    };
                    let outcome = m.outcome;
                    by_fsid
                        .entry(fsid)
                        .and_modify(|a| {
                            if *a != ByFsid::Agreed(outcome) {
                                *a = ByFsid::Conflict;
                            }
                        })
                        .or_insert(ByFsid::Agreed(outcome));
                }
                Group::Mixed(by_fsid)
            };
            self.groups.insert(magic, group);
        }
    }

    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// Real magics for which some mount gets a different answer: a
    /// `statfs` result with any other magic needs no lookup at all.
    pub fn changed_magics(&self) -> impl Iterator<Item = u32> + '_ {
        self.groups
            .iter()
            .filter_map(|(&magic, group)| match group {
                Group::Uniform(None) => None,
                _ => Some(magic),
            })
    }

    /// The answer from a `statfs` result's magic and fsid.
    pub fn by_magic(&self, f_type: u32, fsid: [i32; 2]) -> Verdict {
        match self.groups.get(&f_type) {
            None => Verdict::Decided(None),
            Some(Group::Uniform(outcome)) => Verdict::Decided(*outcome),
            Some(Group::Mixed(by_fsid)) => match by_fsid.get(&fsid) {
                Some(ByFsid::Agreed(outcome)) if fsid != [0, 0] => Verdict::Decided(*outcome),
                // Unknown fsid (a nested subvolume, a mount the budget did
                // not probe), fsid 0, or one filesystem mounted twice.
                _ => Verdict::NeedMount,
            },
        }
    }

    /// The answer for a mount id from `statx`; `None` when the id is not in
    /// the map (a mount newer than the map).
    pub fn by_mount_id(&self, id: u64) -> Option<Option<u32>> {
        let id = u32::try_from(id).ok()?;
        self.by_id.get(&id).map(|&i| self.mounts[i].outcome)
    }

    /// The answer for a canonical absolute path: the last-listed mount with
    /// the longest mount point containing it (a later mount hides an
    /// earlier one at the same place).
    pub fn by_path(&self, path: &[u8]) -> Option<u32> {
        self.mounts
            .iter()
            .filter(|m| contains(&m.mount_point, path))
            .max_by_key(|m| m.mount_point.len())
            .and_then(|m| m.outcome)
    }
}

/// Whether `path` is `dir` or inside it, by whole components.
fn contains(dir: &[u8], path: &[u8]) -> bool {
    if dir == b"/" {
        return path.starts_with(b"/");
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleText;

    const BTRFS: u32 = 0x9123_683E;
    const EXT4: u32 = 0xEF53;
    const XFS: u32 = 0x5846_5342;
    const FUSE: u32 = 0x6573_5546;

    const MOUNTINFO: &[u8] = b"\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
30 22 0:52 /@media /media rw - btrfs /dev/sdb1 rw,subvol=/@media
31 22 0:52 /@media /media2 rw - btrfs /dev/sdb1 rw,subvol=/@media
32 22 0:52 /@other /other rw - btrfs /dev/sdb1 rw,subvol=/@other
40 22 0:60 / /mnt/user rw - fuse.shfs shfs rw
41 22 0:61 / /mnt/my\\040share rw - fuse.shfs shfs rw
50 22 0:70 / /odd rw - oddfs none rw
";

    fn rules(text: &str) -> RuleSet {
        RuleSet::parse(&[RuleText::Env(text.as_bytes())]).unwrap()
    }

    fn fsid_of(mount_point: &[u8]) -> Option<Probe> {
        Some(match mount_point {
            b"/media" | b"/media2" => (BTRFS, [1, 1]),
            b"/other" => (BTRFS, [2, 2]),
            b"/odd" => (0x1234, [9, 9]),
            _ => (FUSE, [0, 0]),
        })
    }

    #[test]
    fn uniform_group_decides_from_magic_alone() {
        let mut probed = 0;
        let map = MountMap::build(MOUNTINFO, &rules("type:btrfs=ext4"), |mp| {
            probed += 1;
            fsid_of(mp)
        });
        assert_eq!(probed, 0);
        assert_eq!(map.by_magic(BTRFS, [7, 7]), Verdict::Decided(Some(EXT4)));
        assert_eq!(map.by_magic(EXT4, [7, 7]), Verdict::Decided(None));
        assert_eq!(map.by_magic(0x1111, [7, 7]), Verdict::Decided(None));
        assert_eq!(map.changed_magics().collect::<Vec<_>>(), vec![BTRFS]);
    }

    #[test]
    fn mixed_group_uses_fsid_then_needs_the_mount() {
        let map = MountMap::build(MOUNTINFO, &rules("/other=xfs"), fsid_of);
        assert_eq!(map.by_magic(BTRFS, [2, 2]), Verdict::Decided(Some(XFS)));
        assert_eq!(map.by_magic(BTRFS, [1, 1]), Verdict::Decided(None));
        // A nested subvolume has an fsid no mount point showed.
        assert_eq!(map.by_magic(BTRFS, [5, 5]), Verdict::NeedMount);

        // Two mounts of one subvolume share the fsid: only the id tells.
        let map = MountMap::build(MOUNTINFO, &rules("/media=ext4"), fsid_of);
        assert_eq!(map.by_magic(BTRFS, [1, 1]), Verdict::NeedMount);
        assert_eq!(map.by_mount_id(30), Some(Some(EXT4)));
        assert_eq!(map.by_mount_id(31), Some(None));
        assert_eq!(map.by_mount_id(99), None);
        assert_eq!(map.by_mount_id(u64::MAX), None);
    }

    #[test]
    fn fuse_fsid_zero_needs_the_mount() {
        let map = MountMap::build(MOUNTINFO, &rules("/mnt/my share=ext4"), fsid_of);
        assert_eq!(map.by_magic(FUSE, [0, 0]), Verdict::NeedMount);
        assert_eq!(map.by_mount_id(41), Some(Some(EXT4)));
        assert_eq!(map.by_mount_id(40), Some(None));
    }

    #[test]
    fn rewritten_mount_of_unknown_type_is_probed_for_its_magic() {
        let map = MountMap::build(MOUNTINFO, &rules("/odd=ext4"), fsid_of);
        assert_eq!(map.by_magic(0x1234, [9, 9]), Verdict::Decided(Some(EXT4)));
    }

    #[test]
    fn same_type_as_reported_is_no_change() {
        let map = MountMap::build(MOUNTINFO, &rules("/=ext4"), fsid_of);
        assert_eq!(map.changed_magics().count(), 0);
        assert_eq!(map.by_mount_id(22), Some(None));
    }

    #[test]
    fn path_fallback_takes_the_deepest_mount() {
        let map = MountMap::build(MOUNTINFO, &rules("/media=ext4;/mnt/my share=xfs"), fsid_of);
        assert_eq!(map.by_path(b"/media/cam1/2026/12/03.mkv"), Some(EXT4));
        assert_eq!(map.by_path(b"/media"), Some(EXT4));
        assert_eq!(map.by_path(b"/media2/x"), None);
        assert_eq!(map.by_path(b"/mediaX"), None);
        assert_eq!(map.by_path(b"/mnt/my share/x"), Some(XFS));
        assert_eq!(map.by_path(b"/etc/passwd"), None);
    }

    #[test]
    fn probe_budget_is_respected() {
        let mut text = Vec::new();
        for i in 0..1000 {
            text.extend_from_slice(
                format!("{} 1 0:{} / /m{} rw - btrfs /dev/sdb rw\n", i + 100, i, i).as_bytes(),
            );
        }
        let mut probed = 0;
        let map = MountMap::build(&text, &rules("/m7=ext4"), |_| {
            probed += 1;
            Some((BTRFS, [1, 1]))
        });
        assert_eq!(probed, PROBE_BUDGET);
        assert_eq!(map.mounts().len(), 1000);
        assert_eq!(map.by_mount_id(107), Some(Some(EXT4)));
    }

    #[test]
    fn empty_and_garbage_text() {
        let map = MountMap::build(b"", &rules("/m=ext4"), fsid_of);
        assert!(map.mounts().is_empty());
        let map = MountMap::build(b"garbage\n\n1 2 3\n", &rules("/m=ext4"), fsid_of);
        assert!(map.mounts().is_empty());
    }
}
