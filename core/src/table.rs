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
    /// mountinfo only: the mount ID and the `major:minor` of its filesystem.
    pub mount_id: Option<u32>,
    pub device: Option<(u32, u32)>,
    source_at: usize,
    fstype_at: usize,
}

impl MountEntry<'_> {
    /// The mount point as a path (escapes decoded).
    pub fn mount_point_path(&self) -> Cow<'_, [u8]> {
        escape::decode(self.mount_point)
    }
}

/// Splits on single spaces, as the kernel writes.
fn fields(line: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    line.split(|&b| b == b' ').map(move |field| {
        let start = at;
        at += field.len() + 1;
        (start, field)
    })
}

fn parse_u32(raw: &[u8]) -> Option<u32> {
    std::str::from_utf8(raw).ok()?.parse().ok()
}

fn parse_device(raw: &[u8]) -> Option<(u32, u32)> {
    let at = raw.iter().position(|&b| b == b':')?;
    Some((parse_u32(&raw[..at])?, parse_u32(&raw[at + 1..])?))
}

/// Parses one line (without its newline); `None` for anything that is not
/// a complete mount line, which is then passed on untouched.
pub fn parse_line(format: Format, line: &[u8]) -> Option<MountEntry<'_>> {
    let mut it = fields(line);
    match format {
        Format::Mounts => {
            let (source_at, source) = it.next()?;
            let (_, mount_point) = it.next()?;
            let (fstype_at, fstype) = it.next()?;
            if mount_point.is_empty() || fstype.is_empty() {
                return None;
            }
            Some(MountEntry {
                source,
                mount_point,
                fstype,
                mount_id: None,
                device: None,
                source_at,
                fstype_at,
            })
        }
        Format::MountInfo => {
            let (_, id) = it.next()?;
            let (_, _parent) = it.next()?;
            let (_, device) = it.next()?;
            let (_, _root) = it.next()?;
            let (_, mount_point) = it.next()?;
            let (_, _options) = it.next()?;
            // Optional fields (shared:N, master:N, ...) up to the lone "-".
            it.by_ref().find(|&(_, f)| f == b"-")?;
            let (fstype_at, fstype) = it.next()?;
            let (source_at, source) = it.next()?;
            // The super options must follow, or the line was cut short.
            it.next()?;
            if mount_point.is_empty() || fstype.is_empty() {
                return None;
            }
            Some(MountEntry {
                source,
                mount_point,
                fstype,
                mount_id: Some(parse_u32(id)?),
                device: parse_device(device),
                source_at,
                fstype_at,
            })
        }
    }
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
        let len = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(text.len() - start);
        at = start + len + 1;
        Some((start, &text[start..start + len]))
    })
}

/// What was changed on one line, for logs and `fakefstype doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 0-based line number.
    pub line: usize,
    /// Index of the rule that matched.
    pub rule: usize,
    /// Raw (escaped) fields as read and as written.
    pub mount_point: Vec<u8>,
    pub old_type: Vec<u8>,
    pub new_type: Vec<u8>,
    pub old_source: Vec<u8>,
    pub new_source: Vec<u8>,
}

/// A rewritten table: borrowed (byte-identical) when nothing changed.
#[derive(Debug)]
pub struct Rewrite<'a> {
    pub text: Cow<'a, [u8]>,
    pub changes: Vec<Change>,
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
    let unchanged = |text| Rewrite {
        text: Cow::Borrowed(text),
        changes: Vec::new(),
    };
    if rules.is_empty() {
        return unchanged(text);
    }
    let mut matched = Vec::new();
    for (line, (line_start, raw)) in lines(text).enumerate() {
        let Some(entry) = parse_line(format, raw) else {
            continue;
        };
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
    let new_sources = choose_sources(format, text, &matched);
    let mut out = Vec::with_capacity(text.len() + matched.len() * 32);
    let mut changes = Vec::new();
    let mut copied_to = 0;
    for (m, new_source) in matched.iter().zip(new_sources) {
        let new_type = m
            .rule
            .fake_type
            .as_ref()
            .map_or(m.entry.fstype, |t| t.name());
        let new_source = new_source.as_deref().unwrap_or(m.entry.source);
        if new_type == m.entry.fstype && new_source == m.entry.source {
            continue;
        }
        // Replace the two fields in the order they appear on the line.
        let mut edits = [
            (m.entry.source_at, m.entry.source.len(), new_source),
            (m.entry.fstype_at, m.entry.fstype.len(), new_type),
        ];
        edits.sort_by_key(|e| e.0);
        for (at, len, with) in edits {
            let at = m.line_start + at;
            out.extend_from_slice(&text[copied_to..at]);
            out.extend_from_slice(with);
            copied_to = at + len;
        }
        changes.push(Change {
            line: m.line,
            rule: m.rule_index,
            mount_point: m.entry.mount_point.to_vec(),
            old_type: m.entry.fstype.to_vec(),
            new_type: new_type.to_vec(),
            old_source: m.entry.source.to_vec(),
            new_source: new_source.to_vec(),
        });
    }
    if changes.is_empty() {
        return unchanged(text);
    }
    out.extend_from_slice(&text[copied_to..]);
    Rewrite {
        text: Cow::Owned(out),
        changes,
    }
}

/// The escaped source each matched line gets, `None` to keep its own.
fn choose_sources<'a>(
    format: Format,
    text: &'a [u8],
    matched: &[Matched<'a>],
) -> Vec<Option<Vec<u8>>> {
    let needs_table = matched
        .iter()
        .any(|m| matches!(m.rule.source, SourcePolicy::Auto | SourcePolicy::Unique));
    if !needs_table {
        return matched.iter().map(|m| fixed_source(m.rule)).collect();
    }
    let all_sources: Vec<&[u8]> = lines(text)
        .filter_map(|(_, raw)| parse_line(format, raw))
        .map(|e| e.source)
        .collect();
    let mut count: HashMap<&[u8], usize> = HashMap::new();
    for s in &all_sources {
        *count.entry(s).or_default() += 1;
    }
    let mut names = UniqueNames::new(all_sources.iter().copied());
    matched
        .iter()
        .map(|m| match m.rule.source {
            SourcePolicy::Auto if count.get(m.entry.source).copied().unwrap_or(0) < 2 => None,
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
        String::from_utf8(r.text.into_owned()).unwrap()
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
        assert!(matches!(r.text, Cow::Borrowed(_)));
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
        assert!(matches!(r.text, Cow::Borrowed(_)));
        assert!(r.changes.is_empty());
        // A matched mount that already looks right is no change either.
        let set = rules("/=ext4");
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &set);
        assert!(matches!(r.text, Cow::Borrowed(_)));
    }

    #[test]
    fn empty_input_and_no_rules() {
        assert_eq!(rewritten(Format::Mounts, "", "/media=ext4"), "");
        assert_eq!(rewritten(Format::MountInfo, "", "/media=ext4"), "");
        let empty = RuleSet::default();
        let r = rewrite(Format::Mounts, UNRAID_MOUNTS.as_bytes(), &empty);
        assert!(matches!(r.text, Cow::Borrowed(_)));
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
        assert_eq!(e.mount_id, Some(40));
        assert_eq!(e.device, Some((0, 52)));
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
        assert!(matches!(r.text, Cow::Borrowed(_)));
        // In mounts format only the last line parses; it lacks a newline.
        let r = rewrite(Format::Mounts, table.as_bytes(), &set);
        assert!(
            r.text.ends_with(b"\nshfs /media ext4 rw 0 0"),
            "{:?}",
            String::from_utf8_lossy(&r.text)
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
        assert_eq!(c.new_source, b"fakefstype-media");
    }

    #[test]
    fn same_decisions_in_both_formats() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\nshfs /media fuse.shfs rw 0 0\nshfs /archive fuse.shfs rw 0 0\n";
        let info = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n35 22 0:40 / /media rw - fuse.shfs shfs rw\n36 22 0:40 / /archive rw - fuse.shfs shfs rw\n";
        let set = rules("/media=ext4;/archive=xfs");
        let a = rewrite(Format::Mounts, mounts.as_bytes(), &set).changes;
        let b = rewrite(Format::MountInfo, info.as_bytes(), &set).changes;
        assert_eq!(a, b);
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
