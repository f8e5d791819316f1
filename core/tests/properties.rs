//! Properties of the rewrite that must hold for any table: generated mount
//! points hold spaces, tabs, newlines, backslashes and non-UTF-8 bytes,
//! sources repeat (Unraid's "shfs"), mountinfo lines carry zero to several
//! optional fields.

use std::collections::BTreeSet;

use fakefstype_core::escape;
use fakefstype_core::rules::{RuleSet, RuleText};
use fakefstype_core::table::{lines, parse_line, rewrite, Format};
use proptest::prelude::*;

fn component() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            8 => b'a'..=b'z',
            1 => Just(b' '),
            1 => Just(b'\t'),
            1 => Just(b'\n'),
            1 => Just(b'\\'),
            1 => Just(b'-'),
            1 => 0x80u8..=0xff,
        ],
        1..12,
    )
    .prop_filter("not . or ..", |c| c != b"." && c != b"..")
}

fn mount_point() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(component(), 1..4).prop_map(|cs| {
        let mut p = Vec::new();
        for c in cs {
            p.push(b'/');
            p.extend(c);
        }
        p
    })
}

const TYPES: &[&str] = &[
    "ext4",
    "btrfs",
    "fuse.shfs",
    "tmpfs",
    "xfs",
    "zfs",
    "fuse.grpcfuse",
];
const SOURCES: &[&str] = &["shfs", "/dev/sda1", "tmpfs", "none", "/dev/sdb2", "pool/ds"];
const OPTIONAL: &[&str] = &["shared:1", "master:7", "propagate_from:2", "unbindable"];

#[derive(Debug, Clone)]
struct Mount {
    mount_point: Vec<u8>,
    fstype: &'static str,
    source: &'static str,
    optional: Vec<&'static str>,
}

fn mounts() -> impl Strategy<Value = Vec<Mount>> {
    prop::collection::vec(
        (
            mount_point(),
            prop::sample::select(TYPES),
            prop::sample::select(SOURCES),
            prop::collection::vec(prop::sample::select(OPTIONAL), 0..4),
        )
            .prop_map(|(mount_point, fstype, source, optional)| Mount {
                mount_point,
                fstype,
                source,
                optional,
            }),
        0..40,
    )
}

fn table(format: Format, ms: &[Mount], trailing_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, m) in ms.iter().enumerate() {
        let mp = escape::encode(&m.mount_point);
        match format {
            Format::Mounts => {
                out.extend_from_slice(m.source.as_bytes());
                out.push(b' ');
                out.extend_from_slice(&mp);
                out.extend_from_slice(format!(" {} rw,relatime 0 0", m.fstype).as_bytes());
            }
            Format::MountInfo => {
                out.extend_from_slice(format!("{} 1 0:{} / ", 100 + i, 40 + i).as_bytes());
                out.extend_from_slice(&mp);
                out.extend_from_slice(b" rw,relatime");
                for o in &m.optional {
                    out.push(b' ');
                    out.extend_from_slice(o.as_bytes());
                }
                out.extend_from_slice(format!(" - {} {} rw", m.fstype, m.source).as_bytes());
            }
        }
        if i + 1 < ms.len() || trailing_newline {
            out.push(b'\n');
        }
    }
    out
}

fn format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Mounts), Just(Format::MountInfo)]
}

fn rules(text: &str) -> RuleSet {
    RuleSet::parse(&[RuleText::Env(text.as_bytes())]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn escaping_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let encoded = escape::encode(&bytes);
        prop_assert!(!encoded.iter().any(|b| b" \t\n".contains(b)));
        prop_assert_eq!(&*escape::decode(&encoded), &bytes[..]);
    }

    #[test]
    fn every_generated_line_parses(format in format(), ms in mounts(), nl in any::<bool>()) {
        let text = table(format, &ms, nl);
        let parsed: Vec<_> = lines(&text).filter_map(|(_, l)| parse_line(format, l)).collect();
        prop_assert_eq!(parsed.len(), ms.len());
        for (p, m) in parsed.iter().zip(&ms) {
            prop_assert_eq!(&*p.mount_point_path(), &m.mount_point[..]);
            prop_assert_eq!(p.fstype, m.fstype.as_bytes());
            prop_assert_eq!(p.source, m.source.as_bytes());
        }
    }

    #[test]
    fn no_matching_rule_is_the_identity(format in format(), ms in mounts(), nl in any::<bool>()) {
        let text = table(format, &ms, nl);
        let set = rules("/no/such/mount=ext4;type:nosuchfs=xfs;~^/zzz-none$=ext4");
        let r = rewrite(format, &text, &set);
        prop_assert!(r.is_unchanged());
        prop_assert_eq!(&*r.text(), &text[..]);
    }

    #[test]
    fn rewritten_table_reads_back_with_the_new_types(format in format(), ms in mounts(), nl in any::<bool>()) {
        let text = table(format, &ms, nl);
        let set = rules("type:btrfs=ext4;type:fuse.shfs=ext4,source=unique;type:zfs=xfs,source=keep;~^/[a-m]=keep");
        let r = rewrite(format, &text, &set);
        let out = r.text();
        prop_assert_eq!(r.segments().concat(), out.to_vec());
        let before: Vec<&[u8]> = lines(&text).map(|(_, l)| l).collect();
        let after: Vec<&[u8]> = lines(&out).map(|(_, l)| l).collect();
        prop_assert_eq!(before.len(), after.len());
        let changed: BTreeSet<usize> = r.changes.iter().map(|c| c.line).collect();
        let mut new_sources = Vec::new();
        for (i, (b, a)) in before.iter().zip(&after).enumerate() {
            let (pb, pa) = (parse_line(format, b).unwrap(), parse_line(format, a).unwrap());
            prop_assert_eq!(pb.mount_point, pa.mount_point, "the mount point never changes");
            if !changed.contains(&i) {
                prop_assert_eq!(b, a, "unmatched lines are byte-for-byte the same");
                continue;
            }
            let expected = match pb.fstype {
                b"btrfs" | b"fuse.shfs" => &b"ext4"[..],
                b"zfs" => b"xfs",
                other => other,
            };
            prop_assert_eq!(pa.fstype, expected);
            if pb.fstype == b"zfs" {
                prop_assert_eq!(pa.source, pb.source, "source=keep");
            }
            if pb.fstype == b"fuse.shfs" {
                prop_assert!(pa.source.starts_with(b"fakefstype-"), "source=unique");
            }
            if pa.source != pb.source {
                new_sources.push(pa.source.to_vec());
            }
        }
        // Every name handed out is unique, and unlike any source read.
        let read: BTreeSet<&[u8]> = before.iter().map(|l| parse_line(format, l).unwrap().source).collect();
        let unique: BTreeSet<&Vec<u8>> = new_sources.iter().collect();
        prop_assert_eq!(unique.len(), new_sources.len());
        for s in &new_sources {
            prop_assert!(!read.contains(&s[..]));
        }
    }

    #[test]
    fn auto_sources_leave_no_rewritten_mount_sharing_a_device(format in format(), ms in mounts()) {
        let text = table(format, &ms, true);
        let set = rules("type:fuse.shfs=ext4;type:btrfs=ext4;type:tmpfs=keep");
        let r = rewrite(format, &text, &set);
        let out = r.text();
        let parsed: Vec<_> = lines(&out).filter_map(|(_, l)| parse_line(format, l)).collect();
        for (i, p) in parsed.iter().enumerate() {
            if !matches!(ms[i].fstype, "fuse.shfs" | "btrfs" | "tmpfs") {
                continue;
            }
            let sharing = parsed.iter().filter(|q| q.source == p.source).count();
            prop_assert_eq!(sharing, 1, "{:?} shares its source", String::from_utf8_lossy(p.mount_point));
        }
    }

    #[test]
    fn rule_parsing_never_panics(text in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = RuleSet::parse(&[RuleText::Env(&text)]);
        let _ = RuleSet::parse(&[RuleText::File { path: "f", content: &text }]);
    }

    #[test]
    fn table_parsing_never_panics(text in prop::collection::vec(any::<u8>(), 0..400)) {
        let set = rules("/a=ext4;type:tmpfs=xfs;~b=keep");
        for format in [Format::Mounts, Format::MountInfo] {
            let r = rewrite(format, &text, &set);
            prop_assert_eq!(r.segments().concat(), r.text().to_vec());
        }
    }
}
