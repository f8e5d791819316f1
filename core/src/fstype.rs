//! Filesystem type names and the `statfs` `f_type` magic number each one
//! reports (linux/magic.h), so a rewritten type and a rewritten `f_type`
//! always agree.

/// A type a rule may report: its name in the mount table and its magic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsType {
    name: Box<[u8]>,
    magic: u32,
}

impl FsType {
    /// Looks a type up by its mount-table name; `fuse.<subtype>` is any
    /// FUSE filesystem.
    pub fn named(name: &[u8]) -> Option<FsType> {
        let magic = magic_of(name)?;
        Some(FsType {
            name: name.into(),
            magic,
        })
    }

    pub fn name(&self) -> &[u8] {
        &self.name
    }

    pub fn magic(&self) -> u32 {
        self.magic
    }
}

const FUSE: u32 = 0x6573_5546;
const TMPFS: u32 = 0x0102_1994;
const RAMFS: u32 = 0x8584_58f6;

/// Name → magic of filesystems that hold files. Several names share a
/// magic (ext2/3/4, fuse and virtiofs).
const STORAGE: &[(&str, u32)] = &[
    ("ext2", 0xEF53),
    ("ext3", 0xEF53),
    ("ext4", 0xEF53),
    ("xfs", 0x5846_5342),
    ("btrfs", 0x9123_683E),
    ("zfs", 0x2FC1_2FC1),
    ("bcachefs", 0xCA45_1A4E),
    ("f2fs", 0xF2F5_2010),
    ("jfs", 0x3153_464A),
    ("reiserfs", 0x5265_4973),
    ("nilfs2", 0x3434),
    ("exfat", 0x2011_BAB0),
    ("vfat", 0x4D44),
    ("msdos", 0x4D44),
    ("ntfs", 0x5346_544E),
    ("ntfs3", 0x7366_746E),
    ("hfs", 0x4244),
    ("hfsplus", 0x482B),
    ("apfs", 0x4253_5041),
    ("ufs", 0x0001_1954),
    ("ffs", 0x0001_1954),
    ("iso9660", 0x9660),
    ("udf", 0x1501_3346),
    ("squashfs", 0x7371_7368),
    ("erofs", 0xE0F5_E1E2),
    ("ecryptfs", 0xF15F),
    ("overlay", 0x794C_7630),
    ("fuse", FUSE),
    ("fuseblk", FUSE),
    ("virtiofs", FUSE),
    ("fusectl", 0x6573_5543),
    ("tmpfs", TMPFS),
    ("devtmpfs", TMPFS),
    ("ramfs", RAMFS),
    ("rootfs", RAMFS),
    ("nfs", 0x6969),
    ("nfs4", 0x6969),
    ("nfsd", 0x6E66_7364),
    ("cifs", 0xFF53_4D42),
    ("smb3", 0xFE53_4D42),
    ("smbfs", 0x517B),
    ("9p", 0x0102_1997),
    ("ceph", 0x00C3_6400),
    ("gfs2", 0x0116_1970),
    ("ocfs2", 0x7461_636F),
    ("vboxsf", 0x786F_4256),
];

/// Kernel-internal filesystems: listed so every mount in a table has a
/// known magic, which lets statfs tell them apart from rewritten ones.
const VIRTUAL: &[(&str, u32)] = &[
    ("proc", 0x9FA0),
    ("sysfs", 0x6265_6572),
    ("devpts", 0x1CD1),
    ("cgroup", 0x0027_E0EB),
    ("cgroup2", 0x6367_7270),
    ("mqueue", 0x1980_0202),
    ("debugfs", 0x6462_6720),
    ("tracefs", 0x7472_6163),
    ("securityfs", 0x7363_6673),
    ("pstore", 0x6165_676C),
    ("bpf", 0xCAFE_4A11),
    ("hugetlbfs", 0x9584_58F6),
    ("binfmt_misc", 0x4249_4E4D),
    ("configfs", 0x6265_6570),
    ("autofs", 0x0187),
    ("nsfs", 0x6E73_6673),
    ("efivarfs", 0xDE5E_81E4),
    ("selinuxfs", 0xF97C_FF8C),
];

/// The magic number `statfs` reports for a type name, if the name is known.
pub fn magic_of(name: &[u8]) -> Option<u32> {
    if let Some(subtype) = name.strip_prefix(b"fuse.") {
        return (!subtype.is_empty()).then_some(FUSE);
    }
    STORAGE
        .iter()
        .chain(VIRTUAL)
        .find(|(known, _)| known.as_bytes() == name)
        .map(|&(_, magic)| magic)
}

/// The storage type names, for error messages (the kernel-internal ones
/// are valid too, but nobody means them).
pub fn known_names() -> impl Iterator<Item = &'static str> {
    STORAGE.iter().map(|&(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_match_linux_magic_h() {
        assert_eq!(magic_of(b"ext4"), Some(0xEF53));
        assert_eq!(magic_of(b"ext2"), Some(0xEF53));
        assert_eq!(magic_of(b"xfs"), Some(0x5846_5342));
        assert_eq!(magic_of(b"btrfs"), Some(0x9123_683E));
        assert_eq!(magic_of(b"zfs"), Some(0x2FC1_2FC1));
        assert_eq!(magic_of(b"tmpfs"), Some(0x0102_1994));
        assert_eq!(magic_of(b"nfs4"), Some(0x6969));
        assert_eq!(magic_of(b"cifs"), Some(0xFF53_4D42));
        assert_eq!(magic_of(b"overlay"), Some(0x794C_7630));
        assert_eq!(magic_of(b"9p"), Some(0x0102_1997));
        assert_eq!(magic_of(b"virtiofs"), Some(0x6573_5546));
        assert_eq!(magic_of(b"exfat"), Some(0x2011_BAB0));
        assert_eq!(magic_of(b"vfat"), Some(0x4D44));
    }

    #[test]
    fn any_fuse_subtype_is_fuse() {
        assert_eq!(magic_of(b"fuse.shfs"), Some(FUSE));
        assert_eq!(magic_of(b"fuse.grpcfuse"), Some(FUSE));
        assert_eq!(magic_of(b"fuse.osxfs"), Some(FUSE));
        assert_eq!(magic_of(b"fuse."), None);
    }

    #[test]
    fn unknown_names_are_none() {
        assert_eq!(magic_of(b"ext5"), None);
        assert_eq!(magic_of(b""), None);
        assert_eq!(magic_of(b"EXT4"), None);
        assert!(FsType::named(b"nosuchfs").is_none());
    }

    #[test]
    fn table_has_no_duplicate_names() {
        let mut names: Vec<_> = STORAGE.iter().chain(VIRTUAL).map(|&(n, _)| n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn fstype_keeps_name_and_magic() {
        let t = FsType::named(b"xfs").unwrap();
        assert_eq!(t.name(), b"xfs");
        assert_eq!(t.magic(), 0x5846_5342);
    }
}
