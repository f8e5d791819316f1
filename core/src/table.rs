//! Parsing and rewriting the kernel's mount tables.
//!
//! - mounts (`/proc/mounts`, `/etc/mtab`):
//!   `source mountpoint type options dump pass`
//! - mountinfo: `id parent major:minor root mountpoint options [optional...] - type source superoptions`;
//!   the type is the first field after the lone `-`, never a fixed column.
//!
//! The kernel separates fields with exactly one space and escapes spaces
//! inside fields, so fields are split on single spaces. Only the type and
//! source of matched lines change; every other byte is copied as read.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::device::UniqueNames;
use crate::escape;
use crate::fasthash::FastHash;
use crate::rules::{Rule, RuleSet, SourcePolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `/proc/mounts`, `/proc/self/mounts`, `/etc/mtab`.
    Mounts,
    /// `/proc/self/mountinfo`.
    MountInfo,
}

/// One parsed line; fields are raw (escaped) slices of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry<'a> {
    pub source: &'a [u8],
    pub mount_point: &'a [u8],
    pub fstype: &'a [u8],
    /// mountinfo only: the mount ID and `major:minor` fields, unparsed
    /// (only the statfs map needs them).
    id_field: &'a [u8],
    device_field: &'a [u8],
    source_at: usize,
    fstype_at: usize,
}

impl MountEntry<'_> {
    /// The mount point as a path (escapes decoded).
    pub fn mount_point_path(&self) -> Cow<'_, [u8]> {
        escape::decode(self.mount_point)
    }

    /// mountinfo only: the mount ID.
    pub fn mount_id(&self) -> Option<u32> {
        parse_u32(self.id_field)
    }

    /// mountinfo only: the `major:minor` of the mount's filesystem.
    pub fn device(&self) -> Option<(u32, u32)> {
        let at = memchr::memchr(b':', self.device_field)?;
        Some((
            parse_u32(&self.device_field[..at])?,
            parse_u32(&self.device_field[at + 1..])?,
        ))
    }
}

fn parse_u32(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() || raw.len() > 10 {
        return None;
    }
    let mut value: u64 = 0;
    for &d in raw {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(d - b'0');
    }
    u32::try_from(value).ok()
}

/// The field starting at `at`: its end (the next space, or the line's end).
fn field_end(line: &[u8], at: usize) -> usize {
    find_space(&line[at..]).map_or(line.len(), |n| at + n)
}

/// The first space, eight bytes at a time: fields are 2 to 60 bytes, too
/// short to amortise a SIMD memchr call, too long for a byte loop.
fn find_space(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ SPACES;
        // A zero byte in `word` is a space in the chunk.
        let zero = word.wrapping_sub(ONES) & !word & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b' ')
        .map(|n| at + n)
}

/// Where the lone `-` that ends mountinfo's optional fields is, searching
/// from `at`: the first ` - `. No field can hold one (spaces in paths are
/// escaped, options have none, optional fields are `tag:value`).
fn separator(line: &[u8], at: usize) -> Option<usize> {
    let mut from = at;
    while let Some(n) = memchr::memchr(b'-', &line[from..]) {
        let dash = from + n;
        if dash > 0 && line[dash - 1] == b' ' && line.get(dash + 1) == Some(&b' ') {
            return Some(dash);
        }
        from = dash + 1;
    }
    None
}

/// Parses one line (without its newline); `None` for anything that is not
/// a complete mount line, which is then passed on untouched.
pub fn parse_line(format: Format, line: &[u8]) -> Option<MountEntry<'_>> {
    // Each field starts after the previous one's space.
    let next = |at: usize| -> Option<(usize, usize)> {
        (at <= line.len()).then(|| (at, field_end(line, at)))
    };
    let entry = match format {
        Format::Mounts => {
            let (source_at, source_end) = next(0)?;
            let (mp_at, mp_end) = next(source_end + 1)?;
            let (fstype_at, fstype_end) = next(mp_end + 1)?;
            MountEntry {
                source: &line[source_at..source_end],
                mount_point: &line[mp_at..mp_end],
                fstype: &line[fstype_at..fstype_end],
                id_field: b"",
                device_field: b"",
                source_at,
                fstype_at,
            }
        }
        Format::MountInfo => {
            let (id_at, id_end) = next(0)?;
            let (_, parent_end) = next(id_end + 1)?;
            let (device_at, device_end) = next(parent_end + 1)?;
            let (_, root_end) = next(device_end + 1)?;
            let (mp_at, mp_end) = next(root_end + 1)?;
            // Options, then optional fields (shared:N, ...), up to " - ".
            let (_, options_end) = next(mp_end + 1)?;
            if options_end >= line.len() {
                return None;
            }
            let dash = separator(line, options_end)?;
            let (fstype_at, fstype_end) = next(dash + 2)?;
            let (source_at, source_end) = next(fstype_end + 1)?;
            // The super options must follow, or the line was cut short.
            if source_end >= line.len() {
                return None;
            }
            let id = &line[id_at..id_end];
            parse_u32(id)?;
            MountEntry {
                source: &line[source_at..source_end],
                mount_point: &line[mp_at..mp_end],
                fstype: &line[fstype_at..fstype_end],
                id_field: id,
                device_field: &line[device_at..device_end],
                source_at,
                fstype_at,
            }
        }
    };
    if entry.mount_point.is_empty() || entry.fstype.is_empty() {
        return None;
    }
    Some(entry)
}

/// Lines of a table with their start offsets; the newline is not included.
/// A last line without a newline is still a line.
pub fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let start = at;
        let len = memchr::memchr(b'\n', &text[start..]).unwrap_or(text.len() - start);
        at = start + len + 1;
        Some((start, &text[start..start + len]))
    })
}

/// What was changed on one line, for logs. Fields are raw (escaped) and
/// borrowed from the table or the rules: a read allocates nothing for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'a> {
    /// 0-based line number.
    pub line: usize,
    /// Index of the rule that matched.
    pub rule: usize,
    pub mount_point: &'a [u8],
    pub old_type: &'a [u8],
    pub new_type: &'a [u8],
    pub old_source: &'a [u8],
    pub new_source: Cow<'a, [u8]>,
    /// Where the type and source fields start in the table.
    type_at: usize,
    source_at: usize,
}

/// A rewritten table, as the original plus its changes: it can be written
/// out in pieces (no second copy of a 1 MB table) or as one text.
#[derive(Debug)]
pub struct Rewrite<'a> {
    original: &'a [u8],
    pub changes: Vec<Change<'a>>,
}

impl<'a> Rewrite<'a> {
    /// Whether the table is byte-for-byte the original.
    pub fn is_unchanged(&self) -> bool {
        self.changes.is_empty()
    }

    /// The rewritten table as consecutive pieces.
    pub fn segments(&self) -> Vec<&[u8]> {
        let mut out = Vec::with_capacity(self.changes.len() * 4 + 1);
        let mut at = 0;
        for c in &self.changes {
            // The two fields, in the order they appear on the line.
            let mut edits = [
                (c.source_at, c.old_source, &*c.new_source),
                (c.type_at, c.old_type, c.new_type),
            ];
            edits.sort_by_key(|e| e.0);
            for (start, old, new) in edits {
                if old != new {
                    out.push(&self.original[at..start]);
                    out.push(new);
                    at = start + old.len();
                }
            }
        }
        out.push(&self.original[at..]);
        out.retain(|s| !s.is_empty());
        out
    }

    /// The rewritten table as one text; borrowed when unchanged.
    pub fn text(&self) -> Cow<'a, [u8]> {
        if self.changes.is_empty() {
            return Cow::Borrowed(self.original);
        }
        Cow::Owned(self.segments().concat())
    }
}

struct Matched<'a> {
    line_start: usize,
    line: usize,
    entry: MountEntry<'a>,
    rule_index: usize,
    rule: &'a Rule,
}

/// Applies the rules to a whole table.
pub fn rewrite<'a>(format: Format, text: &'a [u8], rules: &'a RuleSet) -> Rewrite<'a> {
    let unchanged = |original| Rewrite {
        original,
        changes: Vec::new(),
    };
    if rules.is_empty() {
        return unchanged(text);
    }
    // One pass: the matches, and every source (for the duplicate check).
    let mut matched = Vec::new();
    let mut sources = Vec::new();
    for (line, (line_start, raw)) in lines(text).enumerate() {
        let Some(entry) = parse_line(format, raw) else {
            continue;
        };
        sources.push(entry.source);
        let real_type = escape::decode(entry.fstype);
        if let Some((rule_index, rule)) = rules.find(&entry.mount_point_path(), &real_type) {
            matched.push(Matched {
                line_start,
                line,
                entry,
                rule_index,
                rule,
            });
        }
    }
    if matched.is_empty() {
        return unchanged(text);
    }
    let new_sources = choose_sources(&sources, &matched);
    let changes = matched
        .iter()
        .zip(new_sources)
        .filter_map(|(m, new_source)| {
            let new_type = m
                .rule
                .fake_type
                .as_ref()
                .map_or(m.entry.fstype, |t| t.name());
            let new_source = new_source.map_or(Cow::Borrowed(m.entry.source), Cow::Owned);
            if new_type == m.entry.fstype && *new_source == *m.entry.source {
                return None;
            }
            Some(Change {
                line: m.line,
                rule: m.rule_index,
                mount_point: m.entry.mount_point,
                old_type: m.entry.fstype,
                new_type,
                old_source: m.entry.source,
                new_source,
                type_at: m.line_start + m.entry.fstype_at,
                source_at: m.line_start + m.entry.source_at,
            })
        })
        .collect();
    Rewrite {
        original: text,
        changes,
    }
}

/// Up to this many matched mounts, sharing is checked by scanning the
/// sources; beyond, with a hash map (a `type:` rule over 10,000 mounts).
const SCAN_LIMIT: usize = 16;

/// How many mounts of the table have a source.
enum SourceCounts<'a> {
    Scan(&'a [&'a [u8]]),
    Counted(HashMap<&'a [u8], usize, FastHash>),
}

impl<'a> SourceCounts<'a> {
    fn new(sources: &'a [&'a [u8]], matched: usize) -> Self {
        if matched <= SCAN_LIMIT {
            return SourceCounts::Scan(sources);
        }
        let mut count = HashMap::with_capacity_and_hasher(sources.len(), FastHash::default());
        for s in sources {
            *count.entry(*s).or_default() += 1;
        }
        SourceCounts::Counted(count)
    }

    fn shared(&self, source: &[u8]) -> bool {
        match self {
            SourceCounts::Scan(all) => all.iter().filter(|s| **s == source).nth(1).is_some(),
            SourceCounts::Counted(count) => count.get(source).copied().unwrap_or(0) > 1,
        }
    }
}

/// The escaped source each matched line gets, `None` to keep its own.
fn choose_sources<'a>(sources: &'a [&'a [u8]], matched: &[Matched<'a>]) -> Vec<Option<Vec<u8>>> {
    let needs_table = matched
        .iter()
        .any(|m| matches!(m.rule.source, SourcePolicy::Auto | SourcePolicy::Unique));
    if !needs_table {
        return matched.iter().map(|m| fixed_source(m.rule)).collect();
    }
    let counts = SourceCounts::new(sources, matched.len());
    let mut names = UniqueNames::new(sources);
    matched
        .iter()
        .map(|m| match m.rule.source {
            SourcePolicy::Auto if !counts.shared(m.entry.source) => None,
            SourcePolicy::Auto | SourcePolicy::Unique => {
                Some(names.for_mount_point(&m.entry.mount_point_path()))
            }
            _ => fixed_source(m.rule),
        })
        .collect()
}

fn fixed_source(rule: &Rule) -> Option<Vec<u8>> {
    match &rule.source {
        SourcePolicy::Fixed(name) => Some(escape::encode(name).into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleText;

    fn rules(text: &str) -> RuleSet {
        RuleSet::parse(&[RuleText::Env(text.as_bytes())]).unwrap()
    }

    fn rewritten(format: Format, table: &str, rule_text: &str) -> String {
        let set = rules(rule_text);
        let r = rewrite(format, table.as_bytes(), &set);
        String::from_utf8(r.text().into_owned()).unwrap()
    }

    const UNRAID_MOUNTS: &str = "\
/dev/sda1 / ext4 rw,relatime 0 0
shfs /media fuse.shfs rw,nosuid,nodev,noatime,user_id=0,group_id=0,allow_other 0 0
shfs /archive fuse.shfs rw,nosuid,nodev,noatime,user_id=0,group_id=0,allow_other 0 0
tmpfs /tmp tmpfs rw,nosuid 0 0
";

    #[test]
    fn rewrites_type_and_duplicate_sources_in_mounts() {
        let out = rewritten(Format::Mounts, UNRAID_MOUNTS, "type:fuse.shfs=ext4");
        assert_eq!(
            out,
            "\
/dev/sda1 / ext4 rw,relatime 0 0
fakefstype-media /media ext4 rw,nosuid,nodev,noatime,user_id=0,group_id=0,allow_other 0 0
fakefstype-archive /archive ext4 rw,nosuid,nodev,noatime,user_id=0,group_id=0,allow_other 0 0
tmpfs /tmp tmpfs rw,nosuid 0 0
"
        );
    }

    #[test]
    fn unique_source_is_kept_under_auto() {
        let out = rewritten(Format::Mounts, UNRAID_MOUNTS, "/tmp=ext4");
        assert!(out.contains("\ntmpfs /tmp ext4 rw,nosuid 0 0\n"), "{out}");
    }

    #[test]
    fn shared_with_an_unmatched_mount_still_renames() {
        let out = rewritten(Format::Mounts, UNRAID_MOUNTS, "/media=ext4");
        assert!(out.contains("fakefstype-media /media ext4"), "{out}");
        assert!(out.contains("shfs /archive fuse.shfs"), "{out}");
    }

    #[test]
    fn keep_type_still_makes_a_shared_source_unique() {
        // Two bind mounts of one host disk: ext4 is fine, the device is not.
        let table = "/dev/sda1 /media ext4 rw 0 0\n/dev/sda1 /archive ext4 rw 0 0\n";
        let out = rewritten(Format::Mounts, table, "/media=keep;/archive=keep");
        assert_eq!(
            out,
            "fakefstype-media /media ext4 rw 0 0\nfakefstype-archive /archive ext4 rw 0 0\n"
        );
        // keep with a unique source is no change at all.
        let set = rules("/=keep");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert!(r.is_unchanged());
        assert!(matches!(r.text(), Cow::Borrowed(_)));
    }

    #[test]
    fn source_policies_keep_unique_fixed() {
        let out = rewritten(Format::Mounts, UNRAID_MOUNTS, "/media=ext4,source=keep");
        assert!(out.contains("shfs /media ext4"));
        let out = rewritten(Format::Mounts, UNRAID_MOUNTS, "/tmp=ext4,source=unique");
        assert!(out.contains("fakefstype-tmp /tmp ext4"));
        let out = rewritten(
            Format::Mounts,
            UNRAID_MOUNTS,
            r"/tmp=ext4,source=/dev/my\040disk",
        );
        assert!(out.contains(r"/dev/my\040disk /tmp ext4"), "{out}");
    }

    #[test]
    fn no_match_is_borrowed_identity() {
        let set = rules("/nowhere=ext4");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert!(r.is_unchanged());
        assert!(matches!(r.text(), Cow::Borrowed(_)));
        assert!(r.changes.is_empty());
        // A matched mount that already looks right is no change either.
        let set = rules("/=ext4");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert!(r.is_unchanged());
        assert!(matches!(r.text(), Cow::Borrowed(_)));
    }

    #[test]
    fn empty_input_and_no_rules() {
        assert_eq!(rewritten(Format::Mounts, "", "/media=ext4"), "");
        assert_eq!(rewritten(Format::MountInfo, "", "/media=ext4"), "");
        let empty = RuleSet::default();
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &empty);
        assert!(r.is_unchanged());
        assert!(matches!(r.text(), Cow::Borrowed(_)));
    }

    const MOUNTINFO: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
35 22 0:40 / /media rw,nosuid,nodev,noatime shared:20 master:3 - fuse.shfs shfs rw,user_id=0,group_id=0,allow_other
36 22 0:40 / /archive rw,nosuid,nodev,noatime - fuse.shfs shfs rw,user_id=0,group_id=0,allow_other
40 22 0:52 /@data /mnt/my\\040data rw,relatime shared:5 propagate_from:2 unbindable - btrfs /dev/sdb1 rw,space_cache=v2,subvolid=256,subvol=/@data
41 22 0:52 /@data /mnt/dup rw,relatime - btrfs /dev/sdb1 rw,space_cache=v2,subvolid=256,subvol=/@data
";

    #[test]
    fn mountinfo_type_after_separator_with_any_number_of_optional_fields() {
        let out = rewritten(
            Format::MountInfo,
            MOUNTINFO,
            "type:fuse.shfs=ext4;type:btrfs=xfs",
        );
        let expected = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
35 22 0:40 / /media rw,nosuid,nodev,noatime shared:20 master:3 - ext4 fakefstype-media rw,user_id=0,group_id=0,allow_other
36 22 0:40 / /archive rw,nosuid,nodev,noatime - ext4 fakefstype-archive rw,user_id=0,group_id=0,allow_other
40 22 0:52 /@data /mnt/my\\040data rw,relatime shared:5 propagate_from:2 unbindable - xfs fakefstype-mnt-my_data rw,space_cache=v2,subvolid=256,subvol=/@data
41 22 0:52 /@data /mnt/dup rw,relatime - xfs fakefstype-mnt-dup rw,space_cache=v2,subvolid=256,subvol=/@data
";
        assert_eq!(out, expected);
    }

    #[test]
    fn mountinfo_mount_point_with_space_matches_decoded_rule() {
        let out = rewritten(Format::MountInfo, MOUNTINFO, "/mnt/my data=ext4");
        assert!(
            out.contains(r"/mnt/my\040data rw,relatime shared:5 propagate_from:2 unbindable - ext4 fakefstype-mnt-my_data rw,"),
            "{out}"
        );
        // The duplicate btrfs mount no rule matches is untouched.
        assert!(out.contains("/mnt/dup rw,relatime - btrfs /dev/sdb1 rw"));
    }

    #[test]
    fn parses_mountinfo_ids_and_devices() {
        let line = MOUNTINFO.lines().nth(3).unwrap().as_bytes();
        let e = parse_line(Format::MountInfo, line).unwrap();
        assert_eq!(e.mount_id(), Some(40));
        assert_eq!(e.device(), Some((0, 52)));
        assert_eq!(e.fstype, b"btrfs");
        assert_eq!(e.source, b"/dev/sdb1");
        assert_eq!(&*e.mount_point_path(), b"/mnt/my data");
    }

    #[test]
    fn newline_in_a_path_is_an_escape_not_a_line_break() {
        let table = "tmpfs /mnt/a\\012b tmpfs rw 0 0\ntmpfs /mnt/c tmpfs rw 0 0\n";
        let out = rewritten(Format::Mounts, table, r"/mnt/a\012b=ext4");
        assert_eq!(
            out,
            // "tmpfs" is shared with /mnt/c, so the source is renamed too.
            "fakefstype-mnt-a_b /mnt/a\\012b ext4 rw 0 0\ntmpfs /mnt/c tmpfs rw 0 0\n"
        );
    }

    #[test]
    fn malformed_lines_pass_through() {
        let table = "garbage\n\n35 22 0:40 / /media rw - fuse.shfs\n36 22 0:40 / /media rw no-separator here\nshfs /media fuse.shfs rw 0 0";
        let set = rules("/media=ext4");
        let r = rewrite(Format::MountInfo, table.as_bytes(), &set);
        assert!(r.is_unchanged());
        assert!(matches!(r.text(), Cow::Borrowed(_)));
        // In mounts format only the last line parses; it lacks a newline.
        let r = rewrite(Format::Mounts, table.as_bytes(), &set);
        assert!(
            r.text().ends_with(b"\nshfs /media ext4 rw 0 0"),
            "{:?}",
            String::from_utf8_lossy(&r.text())
        );
    }

    #[test]
    fn truncated_last_line_keeps_its_bytes() {
        let table = "shfs /media fuse.shfs rw 0 0\nshfs /arch";
        let out = rewritten(Format::Mounts, table, "/media=ext4");
        assert_eq!(out, "shfs /media ext4 rw 0 0\nshfs /arch");
    }

    #[test]
    fn very_long_lines() {
        let long_opts = "x".repeat(1 << 20);
        let table = format!("shfs /media fuse.shfs {long_opts} 0 0\nshfs /b fuse.shfs rw 0 0\n");
        let out = rewritten(Format::Mounts, &table, "/media=ext4");
        assert_eq!(
            out,
            format!("fakefstype-media /media ext4 {long_opts} 0 0\nshfs /b fuse.shfs rw 0 0\n")
        );
    }

    #[test]
    fn find_space_agrees_with_a_byte_scan() {
        let text: Vec<u8> = (0..200u32)
            .map(|i| {
                if i % 37 == 0 || i % 11 == 5 {
                    b' '
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        for start in 0..text.len() {
            for end in start..text.len().min(start + 40) {
                let s = &text[start..end];
                assert_eq!(
                    find_space(s),
                    s.iter().position(|&b| b == b' '),
                    "{start}..{end}"
                );
            }
        }
        // Bytes 0x80.. and 0x21 must not look like a space.
        assert_eq!(
            find_space(&[0xa0, 0x21, 0x1f, 0x60, 0xff, 0x00, 0x20]),
            Some(6)
        );
        assert_eq!(find_space(b"no-space-here-at-all"), None);
    }

    #[test]
    fn segments_make_the_same_text() {
        let set = rules("type:fuse.shfs=ext4");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert_eq!(r.segments().concat(), r.text().into_owned());
        assert!(r.segments().len() >= 5);
    }

    #[test]
    fn changes_record_old_and_new() {
        let set = rules("type:fuse.shfs=ext4");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert_eq!(r.changes.len(), 2);
        let c = &r.changes[0];
        assert_eq!(c.line, 1);
        assert_eq!(c.rule, 0);
        assert_eq!(c.mount_point, b"/media");
        assert_eq!(c.old_type, b"fuse.shfs");
        assert_eq!(c.new_type, b"ext4");
        assert_eq!(c.old_source, b"shfs");
        assert_eq!(&*c.new_source, b"fakefstype-media");
    }

    #[test]
    fn same_decisions_in_both_formats() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\nshfs /media fuse.shfs rw 0 0\nshfs /archive fuse.shfs rw 0 0\n";
        let info = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n35 22 0:40 / /media rw - fuse.shfs shfs rw\n36 22 0:40 / /archive rw - fuse.shfs shfs rw\n";
        let set = rules("/media=ext4;/archive=xfs");
        // The same decisions (the fields sit at other offsets).
        let decisions = |format, text: &'static str| {
            rewrite(format, text.as_bytes(), &set)
                .changes
                .into_iter()
                .map(|c| {
                    (
                        c.line,
                        c.rule,
                        c.mount_point,
                        c.old_type,
                        c.new_type,
                        c.old_source,
                        c.new_source,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            decisions(Format::Mounts, mounts),
            decisions(Format::MountInfo, info)
        );
    }

    #[test]
    fn overmounted_mount_point_gets_distinct_names() {
        let table = "shfs /media fuse.shfs rw 0 0\nshfs /media fuse.shfs rw 0 0\n";
        let out = rewritten(Format::Mounts, table, "/media=ext4");
        assert_eq!(
            out,
            "fakefstype-media /media ext4 rw 0 0\nfakefstype-media-2 /media ext4 rw 0 0\n"
        );
    }
}
