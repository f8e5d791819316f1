// Shared by the mounts and mountinfo targets: rewrite arbitrary bytes with
// a rule set that exercises every selector and source policy, and check
// what must always hold.
use fakefstype_core::rules::{RuleSet, RuleText};
use fakefstype_core::table::{lines, parse_line, rewrite, Format};

const RULES: &[u8] = b"/media=ext4;/a b=xfs,source=unique;type:fuse.shfs=ext4;type:btrfs=keep;~^/mnt/[^/]+$=ext4,unless=ext4;~x=zfs,source=/dev/fixed";

fn rules() -> &'static RuleSet {
    static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| RuleSet::parse(&[RuleText::Env(RULES)]).expect("the fuzz rules are valid"))
}

pub fn check(format: Format, data: &[u8]) {
    let r = rewrite(format, data, rules());
    let out = r.text();
    assert_eq!(r.segments().concat(), out.to_vec());
    if r.is_unchanged() {
        assert_eq!(&*out, data);
        return;
    }
    // Line for line: only changed lines differ, and they still parse to
    // the same mount point.
    let before: Vec<&[u8]> = lines(data).map(|(_, l)| l).collect();
    let after: Vec<&[u8]> = lines(&out).map(|(_, l)| l).collect();
    assert_eq!(before.len(), after.len());
    let changed: Vec<usize> = r.changes.iter().map(|c| c.line).collect();
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if changed.contains(&i) {
            let (pb, pa) = (
                parse_line(format, b).unwrap(),
                parse_line(format, a).unwrap(),
            );
            assert_eq!(pb.mount_point, pa.mount_point);
        } else {
            assert_eq!(b, a);
        }
    }
}
