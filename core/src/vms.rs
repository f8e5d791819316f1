//! What the video server makes of a mount table, per
//! `../shared/notes/mediaserver.md`: one mount per device string (the
//! shortest path that is a directory), then the type table.

/// Which server type table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 4.0 and 4.1.
    V4,
    /// 5.x and later: adds apfs, ffs, hfs, ufs, zfs and smbfs.
    V5,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Local,
    /// Used only with `includeNonHdd`.
    Network,
    /// Never recorded to.
    Ram,
    Unknown,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Local => "local",
            Class::Network => "network",
            Class::Ram => "ram",
            Class::Unknown => "unknown",
        }
    }
}

const LOCAL_4: &[&str] = &[
    "rootfs",
    "ext2",
    "ext3",
    "ext4",
    "exfat",
    "vfat",
    "ecryptfs",
    "fuseblk",
    "fuse",
    "fusectl",
    "xfs",
    "fuse.osxfs",
];
const LOCAL_5: &[&str] = &["apfs", "ffs", "hfs", "ufs", "zfs"];
const NETWORK_4: &[&str] = &["nfs", "nfs4", "nfsd", "cifs"];
const NETWORK_5: &[&str] = &["smbfs"];
const RAM: &[&str] = &["ramfs", "tmpfs"];

fn listed(list: &[&str], fstype: &[u8]) -> bool {
    list.iter().any(|t| t.as_bytes() == fstype)
}

/// The server's class for a type name (exact match, as the server does).
pub fn class_of(fstype: &[u8], version: Version) -> Class {
    let v5 = version == Version::V5;
    if listed(LOCAL_4, fstype) || (v5 && listed(LOCAL_5, fstype)) {
        Class::Local
    } else if listed(NETWORK_4, fstype) || (v5 && listed(NETWORK_5, fstype)) {
        Class::Network
    } else if listed(RAM, fstype) {
        Class::Ram
    } else {
        Class::Unknown
    }
}

/// The types the server accepts as storage (4.x lists, which 5.x extends):
/// what the Docker image's default rules leave alone.
pub fn accepted_types() -> impl Iterator<Item = &'static str> {
    LOCAL_4.iter().chain(NETWORK_4).chain(NETWORK_5).copied()
}

/// One mount as the server parses it: the first three fields.
#[derive(Debug, Clone, Copy)]
pub struct Mount<'a> {
    /// Decoded.
    pub mount_point: &'a [u8],
    pub fstype: &'a [u8],
    pub source: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded to: `Local` or `Network`.
    Storage(Class),
    /// Dropped for its type: `Ram` or `Unknown`.
    Refused(Class),
    /// Dropped: the mount at this index has the same device string.
    Duplicate { kept: usize },
    /// Dropped: the mount point is a file (e.g. a bind-mounted /etc/hosts).
    NotADirectory,
}

impl Verdict {
    pub fn is_storage(self) -> bool {
        matches!(self, Verdict::Storage(_))
    }
}

/// The server's verdict on every mount of a table.
pub fn judge(
    mounts: &[Mount<'_>],
    version: Version,
    is_dir: impl Fn(&[u8]) -> bool,
) -> Vec<Verdict> {
    let dirs: Vec<bool> = mounts.iter().map(|m| is_dir(m.mount_point)).collect();
    (0..mounts.len())
        .map(|i| {
            let m = &mounts[i];
            if !dirs[i] {
                return Verdict::NotADirectory;
            }
            // The kept mount of this device: shortest path, first in the table.
            let kept = (0..mounts.len())
                .filter(|&j| dirs[j] && mounts[j].source == m.source)
                .min_by_key(|&j| (mounts[j].mount_point.len(), j))
                .unwrap_or(i);
            if kept != i {
                return Verdict::Duplicate { kept };
            }
            match class_of(m.fstype, version) {
                c @ (Class::Local | Class::Network) => Verdict::Storage(c),
                c => Verdict::Refused(c),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m<'a>(mount_point: &'a str, fstype: &'a str, source: &'a str) -> Mount<'a> {
        Mount {
            mount_point: mount_point.as_bytes(),
            fstype: fstype.as_bytes(),
            source: source.as_bytes(),
        }
    }

    #[test]
    fn type_table() {
        assert_eq!(class_of(b"ext4", Version::V4), Class::Local);
        assert_eq!(class_of(b"fuse.osxfs", Version::V4), Class::Local);
        assert_eq!(class_of(b"zfs", Version::V4), Class::Unknown);
        assert_eq!(class_of(b"zfs", Version::V5), Class::Local);
        assert_eq!(class_of(b"btrfs", Version::V5), Class::Unknown);
        assert_eq!(class_of(b"fuse.shfs", Version::V5), Class::Unknown);
        assert_eq!(class_of(b"fuse.grpcfuse", Version::V5), Class::Unknown);
        assert_eq!(class_of(b"nfs4", Version::V4), Class::Network);
        assert_eq!(class_of(b"smbfs", Version::V4), Class::Unknown);
        assert_eq!(class_of(b"smbfs", Version::V5), Class::Network);
        assert_eq!(class_of(b"tmpfs", Version::V5), Class::Ram);
    }

    #[test]
    fn one_mount_per_device_shortest_directory_path() {
        let mounts = [
            m("/", "overlay", "overlay"),
            m("/mnt/user/tv", "fuse.shfs", "shfs"),
            m("/media", "fuse.shfs", "shfs"),
            m("/etc/hosts", "ext4", "/dev/sda1"),
            m("/archive", "ext4", "/dev/sda1"),
            m("/data", "xfs", "/dev/sdb1"),
        ];
        let is_dir = |p: &[u8]| p != b"/etc/hosts";
        let v = judge(&mounts, Version::V5, is_dir);
        assert_eq!(v[0], Verdict::Refused(Class::Unknown));
        assert_eq!(v[1], Verdict::Duplicate { kept: 2 });
        assert_eq!(v[2], Verdict::Refused(Class::Unknown));
        assert_eq!(v[3], Verdict::NotADirectory);
        assert_eq!(v[4], Verdict::Storage(Class::Local));
        assert_eq!(v[5], Verdict::Storage(Class::Local));
    }

    #[test]
    fn equal_length_duplicates_keep_the_first() {
        let mounts = [m("/b", "ext4", "d"), m("/a", "ext4", "d")];
        let v = judge(&mounts, Version::V4, |_| true);
        assert_eq!(
            v,
            [
                Verdict::Storage(Class::Local),
                Verdict::Duplicate { kept: 0 }
            ]
        );
    }
}
