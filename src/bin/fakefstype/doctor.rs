//! `fakefstype doctor`: every mount as the video server sees it now, and as
//! it would with the rules — computed by the same core the library uses.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use fakefstype_core::escape;
use fakefstype_core::rules::RuleSet;
use fakefstype_core::table::{self, Format};
use fakefstype_core::vms::{self, Class, Verdict, Version};
use serde_json::json;

use crate::{mounts, rules, DoctorArgs, Failure};

/// Kernel-internal filesystems, never storage: left out unless `--all`.
const PSEUDO: &[&str] = &[
    "proc",
    "sysfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "hugetlbfs",
    "binfmt_misc",
    "configfs",
    "autofs",
    "nsfs",
    "fusectl",
    "efivarfs",
    "selinuxfs",
    "devtmpfs",
    "rpc_pipefs",
    "nfsd",
];

/// One mount as read and as seen through the rules. Strings are decoded.
pub struct Row {
    pub mount_point: String,
    pub real_type: String,
    pub seen_type: String,
    pub real_source: String,
    pub seen_source: String,
    pub rule: Option<String>,
    pub now: Verdict,
    pub with_rules: Verdict,
    pub shown: bool,
    pub hint: Option<String>,
}

pub struct Report {
    pub rows: Vec<Row>,
}

fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(&escape::decode(raw)).into_owned()
}

impl Report {
    pub fn build(
        mountinfo: &[u8],
        rules: &RuleSet,
        version: Version,
        all: bool,
        is_dir: impl Fn(&[u8]) -> bool,
    ) -> Report {
        let rewrite = table::rewrite(Format::MountInfo, mountinfo, rules);
        let seen_text = rewrite.text();
        let seen_lines: Vec<&[u8]> = table::lines(&seen_text).map(|(_, l)| l).collect();
        let mut real = Vec::new();
        let mut seen = Vec::new();
        for (i, (_, line)) in table::lines(mountinfo).enumerate() {
            let Some(entry) = table::parse_line(Format::MountInfo, line) else {
                continue;
            };
            // The rewrite changes no line count, so line i is the same mount.
            let seen_entry = seen_lines
                .get(i)
                .and_then(|l| table::parse_line(Format::MountInfo, l))
                .unwrap_or_else(|| entry.clone());
            real.push(entry);
            seen.push(seen_entry);
        }
        let decoded: Vec<Vec<u8>> = real
            .iter()
            .map(|e| e.mount_point_path().into_owned())
            .collect();
        let as_server = |entries: &[table::MountEntry<'_>]| -> Vec<Verdict> {
            let mounts: Vec<vms::Mount<'_>> = entries
                .iter()
                .zip(&decoded)
                .map(|(e, mp)| vms::Mount {
                    mount_point: mp,
                    fstype: e.fstype,
                    source: e.source,
                })
                .collect();
            vms::judge(&mounts, version, &is_dir)
        };
        let now = as_server(&real);
        let with_rules = as_server(&seen);
        let mount_points: Vec<String> = real.iter().map(|e| text(e.mount_point)).collect();
        let rows = real
            .iter()
            .zip(&seen)
            .enumerate()
            .map(|(i, (r, s))| {
                let rule = rules
                    .find(&decoded[i], &escape::decode(r.fstype))
                    .map(|(_, rule)| format!("{}: {}", rule.origin, rule.text));
                let pseudo = PSEUDO.contains(&text(r.fstype).as_str());
                let storage_like = !pseudo
                    && now[i] != Verdict::NotADirectory
                    && !matches!(now[i], Verdict::Refused(Class::Ram))
                    && !matches!(now[i], Verdict::Duplicate { kept } if vms::class_of(real[kept].fstype, version) == Class::Ram);
                let shown = all || rule.is_some() || storage_like;
                let hint = hint(&mount_points, i, with_rules[i], &text(s.fstype), &text(s.source), rule.is_some());
                Row {
                    mount_point: mount_points[i].clone(),
                    real_type: text(r.fstype),
                    seen_type: text(s.fstype),
                    real_source: text(r.source),
                    seen_source: text(s.source),
                    rule,
                    now: now[i],
                    with_rules: with_rules[i],
                    shown,
                    hint,
                }
            })
            .collect();
        Report { rows }
    }

    /// Rows that count: shown, and not the container's own root.
    fn volumes(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.shown && r.mount_point != "/")
    }

    pub fn refused_now(&self) -> usize {
        self.volumes().filter(|r| !r.now.is_storage()).count()
    }

    pub fn refused_with_rules(&self) -> usize {
        self.volumes()
            .filter(|r| !r.with_rules.is_storage())
            .count()
    }
}

fn hint(
    mount_points: &[String],
    i: usize,
    verdict: Verdict,
    seen_type: &str,
    seen_source: &str,
    has_rule: bool,
) -> Option<String> {
    let mp = &mount_points[i];
    if mp == "/" {
        return None;
    }
    Some(match verdict {
        Verdict::Storage(Class::Network) => {
            format!("{mp}: network storage; the server records to it only with includeNonHdd set")
        }
        Verdict::Storage(_) | Verdict::NotADirectory => return None,
        Verdict::Refused(Class::Ram) => {
            format!("{mp}: {seen_type} lives in RAM and the server never records to it; mount real storage here")
        }
        Verdict::Refused(_) => format!(
            "{mp}: the server does not know type {seen_type}; add a rule such as --rule '{mp}=ext4' (or 'type:{seen_type}=ext4')"
        ),
        Verdict::Duplicate { kept } if has_rule => format!(
            "{mp}: shares device {seen_source} with {}, which the server keeps instead; its rule keeps the source: drop ',source=keep' or give ',source=unique'",
            mount_points[kept]
        ),
        Verdict::Duplicate { kept } => format!(
            "{mp}: shares device {seen_source} with {}, which the server keeps instead; a rule for {mp} (e.g. --rule '{mp}=keep') gives it a unique device",
            mount_points[kept]
        ),
    })
}

fn verdict_text(v: Verdict, rows: &[Row]) -> String {
    match v {
        Verdict::Storage(c) => c.name().to_string(),
        Verdict::Refused(Class::Ram) => "refused: ram".into(),
        Verdict::Refused(_) => "refused: type".into(),
        Verdict::Duplicate { kept } => format!("duplicate of {}", rows[kept].mount_point),
        Verdict::NotADirectory => "not a directory".into(),
    }
}

pub fn doctor(args: &DoctorArgs) -> Result<ExitCode, Failure> {
    let rules = rules::effective(&args.rules)?;
    let version = if args.vms == "4" {
        Version::V4
    } else {
        Version::V5
    };
    let mountinfo = mounts::mountinfo()
        .map_err(|e| Failure(format!("cannot read /proc/self/mountinfo: {e}")))?;
    let is_dir = |p: &[u8]| std::fs::metadata(OsStr::from_bytes(p)).is_ok_and(|m| m.is_dir());
    let report = Report::build(&mountinfo, &rules.set, version, args.all, is_dir);
    let out = if args.json {
        json_report(&report, &rules) + "\n"
    } else {
        table_report(&report, &rules, colour())
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (doctor | head) is not an error worth a panic.
    let _ = stdout.write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn json_report(report: &Report, rules: &rules::Rules) -> String {
    let rows = &report.rows;
    let verdict = |v: Verdict| match v {
        Verdict::Storage(c) => json!({"verdict": "storage", "class": c.name()}),
        Verdict::Refused(c) => json!({"verdict": "refused", "class": c.name()}),
        Verdict::Duplicate { kept } => {
            json!({"verdict": "duplicate", "kept": rows[kept].mount_point})
        }
        Verdict::NotADirectory => json!({"verdict": "not_a_directory"}),
    };
    let mounts: Vec<_> = rows
        .iter()
        .filter(|r| r.shown)
        .map(|r| {
            json!({
                "mount_point": r.mount_point,
                "type": r.real_type,
                "seen_type": r.seen_type,
                "source": r.real_source,
                "seen_source": r.seen_source,
                "rule": r.rule,
                "server_now": verdict(r.now),
                "server_with_rules": verdict(r.with_rules),
                "hint": r.hint,
            })
        })
        .collect();
    let value = json!({
        "rules_from": rules.from,
        "rules": rules.set.rules().iter().map(|r| json!({"origin": r.origin.to_string(), "rule": r.text})).collect::<Vec<_>>(),
        "mounts": mounts,
        "summary": {"refused_now": report.refused_now(), "refused_with_rules": report.refused_with_rules()},
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

const HEADERS: [&str; 8] = [
    "MOUNT POINT",
    "TYPE",
    "SEEN AS",
    "SOURCE",
    "SEEN SOURCE",
    "RULE",
    "SERVER NOW",
    "WITH RULES",
];

pub fn table_report(report: &Report, rules: &rules::Rules, colour: bool) -> String {
    let rows: Vec<&Row> = report.rows.iter().filter(|r| r.shown).collect();
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let same = |a: &str, b: &str| {
                if a == b {
                    "=".to_string()
                } else {
                    b.to_string()
                }
            };
            [
                r.mount_point.clone(),
                r.real_type.clone(),
                same(&r.real_type, &r.seen_type),
                r.real_source.clone(),
                same(&r.real_source, &r.seen_source),
                r.rule.as_deref().map_or("-".into(), |t| {
                    t.split(": ").next().unwrap_or(t).to_string()
                }),
                verdict_text(r.now, &report.rows),
                verdict_text(r.with_rules, &report.rows),
            ]
        })
        .collect();
    let mut widths: [usize; 8] = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let paint = |text: &str, width: usize, verdict: Option<Verdict>| {
        let padded = format!("{text:<width$}");
        match (colour, verdict) {
            (true, Some(Verdict::Storage(_))) => format!("\x1b[32m{padded}\x1b[0m"),
            (true, Some(Verdict::NotADirectory)) | (false, _) | (true, None) => padded,
            (true, Some(_)) => format!("\x1b[31m{padded}\x1b[0m"),
        }
    };
    let mut out = String::new();
    out.push_str(&format!("Rules from {}:\n", rules.from));
    for rule in rules.set.rules() {
        out.push_str(&format!("  {}: {}\n", rule.origin, rule.text));
    }
    if rules.set.is_empty() {
        out.push_str("  (none)\n");
    }
    out.push('\n');
    let line = |cols: Vec<String>| cols.join("  ").trim_end().to_string() + "\n";
    out.push_str(&line(
        HEADERS
            .iter()
            .zip(widths)
            .map(|(h, w)| format!("{h:<w$}"))
            .collect(),
    ));
    for (row, r) in cells.iter().zip(&rows) {
        let cols = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| match i {
                6 => paint(c, w, Some(r.now)),
                7 => paint(c, w, Some(r.with_rules)),
                _ => format!("{c:<w$}"),
            })
            .collect();
        out.push_str(&line(cols));
    }
    out.push('\n');
    let now = report.refused_now();
    let with = report.refused_with_rules();
    let plural = |n: usize| if n == 1 { "mount" } else { "mounts" };
    out.push_str(&format!(
        "{now} {} the server refuses now; with these rules: {with}\n",
        plural(now)
    ));
    let hints: Vec<&String> = report
        .volumes()
        .filter(|r| {
            !r.with_rules.is_storage() || matches!(r.with_rules, Verdict::Storage(Class::Network))
        })
        .filter_map(|r| r.hint.as_ref())
        .collect();
    if !hints.is_empty() {
        out.push('\n');
        for hint in hints {
            out.push_str(&format!("hint: {hint}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fakefstype_core::rules::RuleText;

    const MOUNTINFO: &[u8] = b"\
500 1 0:30 / / rw - overlay overlay rw
501 500 0:40 / /media rw - fuse.shfs shfs rw
502 500 0:40 / /archive rw - fuse.shfs shfs rw
503 500 8:1 /data/config /config rw - ext4 /dev/sda1 rw
504 500 8:1 /etc/hosts /etc/hosts rw - ext4 /dev/sda1 rw
505 500 0:5 / /proc rw - proc proc rw
506 500 0:52 / /mnt/my\\040nas rw - nfs4 nas:/cctv rw
507 500 0:60 / /dev/shm rw - tmpfs shm rw
";

    fn report(rules: &str) -> Report {
        let set = RuleSet::parse(&[RuleText::Env(rules.as_bytes())]).unwrap();
        Report::build(MOUNTINFO, &set, Version::V5, false, |p| p != b"/etc/hosts")
    }

    fn row<'a>(r: &'a Report, mp: &str) -> &'a Row {
        r.rows.iter().find(|row| row.mount_point == mp).unwrap()
    }

    #[test]
    fn unraid_shares_refused_now_accepted_with_rules() {
        let r = report("type:fuse.shfs=ext4");
        let media = row(&r, "/media");
        assert_eq!(media.now, Verdict::Refused(Class::Unknown));
        assert_eq!(media.with_rules, Verdict::Storage(Class::Local));
        assert_eq!(media.seen_type, "ext4");
        assert_eq!(media.seen_source, "fakefstype-media");
        assert!(media
            .rule
            .as_deref()
            .unwrap()
            .contains("type:fuse.shfs=ext4"));
        let archive = row(&r, "/archive");
        assert!(matches!(archive.now, Verdict::Duplicate { .. }));
        assert_eq!(archive.with_rules, Verdict::Storage(Class::Local));
        assert_eq!(r.refused_now(), 2);
        assert_eq!(r.refused_with_rules(), 0);
    }

    #[test]
    fn hints_for_what_is_still_refused() {
        let r = report("");
        assert!(row(&r, "/media")
            .hint
            .as_deref()
            .unwrap()
            .contains("--rule '/media=ext4'"));
        assert!(row(&r, "/archive")
            .hint
            .as_deref()
            .unwrap()
            .contains("shares device shfs with /media"));
        assert!(row(&r, "/mnt/my nas")
            .hint
            .as_deref()
            .unwrap()
            .contains("includeNonHdd"));
        let r = report("/archive=ext4,source=keep");
        assert!(row(&r, "/archive")
            .hint
            .as_deref()
            .unwrap()
            .contains("source=keep"));
    }

    #[test]
    fn pseudo_ram_and_file_mounts_are_hidden() {
        let r = report("");
        assert!(!row(&r, "/proc").shown);
        assert!(!row(&r, "/etc/hosts").shown);
        assert!(!row(&r, "/dev/shm").shown);
        assert!(row(&r, "/config").shown);
        assert!(row(&r, "/mnt/my nas").shown);
        let all = Report::build(MOUNTINFO, &RuleSet::default(), Version::V5, true, |_| true);
        assert!(all.rows.iter().all(|r| r.shown));
    }

    #[test]
    fn table_and_json_agree() {
        let r = report("type:fuse.shfs=ext4");
        let rules = rules::Rules {
            set: RuleSet::parse(&[RuleText::Env(b"type:fuse.shfs=ext4")]).unwrap(),
            from: "--rule".into(),
        };
        let table = table_report(&r, &rules, false);
        assert!(
            table.contains("2 mounts the server refuses now; with these rules: 0"),
            "{table}"
        );
        assert!(
            table.lines().any(|l| l.starts_with("/media ")
                && l.contains("fakefstype-media")
                && l.ends_with("local")),
            "{table}"
        );
        assert!(!table.contains('\x1b'));
        let coloured = table_report(&r, &rules, true);
        assert!(coloured.contains("\x1b[32mlocal"));
        let v: serde_json::Value = serde_json::from_str(&json_report(&r, &rules)).unwrap();
        assert_eq!(v["summary"]["refused_now"], 2);
        assert_eq!(v["summary"]["refused_with_rules"], 0);
        let media = v["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mount_point"] == "/media")
            .unwrap();
        assert_eq!(media["server_now"]["class"], "unknown");
        assert_eq!(media["server_with_rules"]["class"], "local");
    }
}
