//! Real programs against real mounts, with and without the library: every
//! view of a rewritten mount agrees, and nothing else changes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{in_mounts, privileged, probe, FIXTURE_COMMANDS};

/// Mount points of the fixture that the rules rewrite, with the new type.
fn rewritten(root: &str) -> BTreeMap<String, &'static str> {
    [
        ("media", "ext4"),
        ("archive", "ext4"),
        ("user/tv", "ext4"),
        ("user/movies", "ext4"),
        ("my share", "xfs"),
    ]
    .into_iter()
    .map(|(p, t)| (format!("{root}/{p}"), t))
    .collect()
}

fn decode(field: &str) -> String {
    let bytes = fakefstype_core::escape::decode(field.as_bytes()).into_owned();
    String::from_utf8(bytes).unwrap()
}

/// (mount point, type, source) of a mounts-format line.
fn mounts_fields(line: &str) -> (String, String, String) {
    let f: Vec<&str> = line.split(' ').collect();
    (decode(f[1]), f[2].to_string(), f[0].to_string())
}

/// Indexes of the type and source fields of a mounts line.
fn mounts_changeable(_: &str) -> [usize; 2] {
    [2, 0]
}

/// Indexes of the type and source fields of a mountinfo line.
fn mountinfo_changeable(line: &str) -> [usize; 2] {
    let sep = line.split(' ').skip(6).position(|x| x == "-").unwrap() + 6;
    [sep + 1, sep + 2]
}

/// (mount point, type, source) of a mountinfo line.
fn mountinfo_fields(line: &str) -> (String, String, String) {
    let f: Vec<&str> = line.split(' ').collect();
    let sep = f.iter().skip(6).position(|&x| x == "-").unwrap() + 6;
    (decode(f[4]), f[sep + 1].to_string(), f[sep + 2].to_string())
}

fn fixture_root(run: &common::Run) -> String {
    run.file("root").trim().to_string()
}

/// Lines are compared one to one: the same mounts in the same order, only
/// the type and source of rewritten mounts differ, and every rewritten
/// source is unique in the table.
fn check_table(
    without: &str,
    with: &str,
    fields: fn(&str) -> (String, String, String),
    changeable: fn(&str) -> [usize; 2],
    root: &str,
) {
    let expected = rewritten(root);
    let before: Vec<&str> = without.lines().collect();
    let after: Vec<&str> = with.lines().collect();
    assert_eq!(before.len(), after.len(), "same number of mounts");
    let mut seen = BTreeSet::new();
    let mut sources = BTreeMap::new();
    for (b, a) in before.iter().zip(&after) {
        let (mp, real_type, real_source) = fields(b);
        let (mp_after, new_type, new_source) = fields(a);
        assert_eq!(mp, mp_after);
        *sources.entry(new_source.clone()).or_insert(0) += 1;
        match expected.get(&mp) {
            None => assert_eq!(
                b, a,
                "a mount no rule matches is byte-for-byte the kernel's"
            ),
            Some(want) => {
                seen.insert(mp.clone());
                assert_eq!(new_type, *want, "{mp}");
                assert_ne!(real_type, new_type, "{mp} was {real_type}");
                // Only the type and source fields changed.
                let (fb, fa): (Vec<&str>, Vec<&str>) =
                    (b.split(' ').collect(), a.split(' ').collect());
                assert_eq!(fb.len(), fa.len());
                let allowed = changeable(b);
                for (i, (x, y)) in fb.iter().zip(&fa).enumerate() {
                    assert!(
                        x == y || allowed.contains(&i),
                        "{mp}: field {i} changed: {b} / {a}"
                    );
                }
                assert!(
                    new_source.starts_with("fakefstype-"),
                    "{mp}: shared source {real_source} renamed, got {new_source}"
                );
            }
        }
    }
    assert_eq!(
        seen.len(),
        expected.len(),
        "every rewritten mount was listed: {seen:?}"
    );
    for mp in expected.keys() {
        let (_, _, src) = after
            .iter()
            .map(|l| fields(l))
            .find(|(m, _, _)| m == mp)
            .unwrap();
        assert_eq!(sources[&src], 1, "{mp}: source {src} is unique");
    }
}

#[test]
fn mount_tables_change_only_matched_lines() {
    if !privileged("mount_tables_change_only_matched_lines", FIXTURE_COMMANDS) {
        return;
    }
    let run = in_mounts(
        "tables",
        r#"
        echo "$R" > $OUT/root
        cat /proc/self/mounts > $OUT/mounts.without
        cat /proc/self/mountinfo > $OUT/mountinfo.without
        FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB cat /proc/self/mounts > $OUT/mounts.with
        FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB cat /proc/self/mountinfo > $OUT/mountinfo.with
        FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB cat /etc/mtab > $OUT/mtab.with
        FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB cat /proc/thread-self/mounts > $OUT/thread-self.with
        "#,
        &[],
    );
    let root = fixture_root(&run);
    check_table(
        &run.file("mounts.without"),
        &run.file("mounts.with"),
        mounts_fields,
        mounts_changeable,
        &root,
    );
    check_table(
        &run.file("mountinfo.without"),
        &run.file("mountinfo.with"),
        mountinfo_fields,
        mountinfo_changeable,
        &root,
    );
    assert_eq!(run.file("mtab.with"), run.file("mounts.with"));
    assert_eq!(run.file("thread-self.with"), run.file("mounts.with"));
    // Both formats name each rewritten mount the same.
    let by_mp = |text: String,
                 f: fn(&str) -> (String, String, String)|
     -> BTreeMap<String, (String, String)> {
        text.lines().map(f).map(|(m, t, s)| (m, (t, s))).collect()
    };
    let mounts = by_mp(run.file("mounts.with"), mounts_fields);
    let info = by_mp(run.file("mountinfo.with"), mountinfo_fields);
    for mp in rewritten(&root).keys() {
        assert_eq!(mounts[mp], info[mp], "{mp}");
    }
}

#[test]
fn df_findmnt_stat_and_python_agree() {
    if !privileged("df_findmnt_stat_and_python_agree", FIXTURE_COMMANDS) {
        return;
    }
    let run = in_mounts(
        "programs",
        r#"
        echo "$R" > $OUT/root
        with() { FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB "$@"; }
        for m in media archive user/tv user/movies "my share" ram; do
            with df -T "$R/$m" | tail -1 | awk '{print $2}' >> $OUT/df
            with findmnt -n -o FSTYPE,SOURCE --mountpoint "$R/$m" >> $OUT/findmnt
        done
        for p in media/cam1/2026/12/03.mkv archive/cam1 user/tv/deep/er "my share" ram; do
            with stat -f -c %t "$R/$p" >> $OUT/stat
            stat -f -c %t "$R/$p" >> $OUT/stat.without
        done
        with python3 - "$R" > $OUT/python <<'PY'
import os, sys
root = sys.argv[1]
def unescape(s):
    return s.encode().decode("unicode_escape") if "\\" in s else s
with open("/proc/mounts") as f:
    table = {unescape(l.split()[1]): l.split()[2] for l in f}
for m in ["media", "archive", "user/tv", "user/movies", "my share", "ram"]:
    print(table[os.path.join(root, m)])
PY
        for m in media archive "my share"; do
            python3 -c 'import os,sys; s=os.statvfs(sys.argv[1]); print(s.f_blocks, s.f_bsize, s.f_frsize, s.f_files)' "$R/$m" >> $OUT/statvfs.without
            with python3 -c 'import os,sys; s=os.statvfs(sys.argv[1]); print(s.f_blocks, s.f_bsize, s.f_frsize, s.f_files)' "$R/$m" >> $OUT/statvfs.with
        done
        "#,
        &[],
    );
    let lines = |name: &str| {
        run.file(name)
            .lines()
            .map(|l| l.trim().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lines("df"),
        ["ext4", "ext4", "ext4", "ext4", "xfs", "tmpfs"],
        "{}",
        run.log()
    );
    let findmnt = lines("findmnt");
    let types: Vec<&str> = findmnt
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(types, ["ext4", "ext4", "ext4", "ext4", "xfs", "tmpfs"]);
    let sources: BTreeSet<&str> = findmnt[..5]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(sources.len(), 5, "unique sources: {findmnt:?}");
    assert_eq!(
        lines("stat"),
        ["ef53", "ef53", "ef53", "58465342", "1021994"]
    );
    assert_eq!(
        lines("stat.without"),
        ["9123683e", "9123683e", "65735546", "1021994", "1021994"]
    );
    assert_eq!(
        lines("python"),
        ["ext4", "ext4", "ext4", "ext4", "xfs", "tmpfs"]
    );
    assert_eq!(
        run.file("statvfs.with"),
        run.file("statvfs.without"),
        "sizes untouched"
    );
}

/// One C probe, three builds: plain, 64-bit file offsets (open64,
/// statfs64, fopen64 ...) and fortified (__open_2 ...).
#[test]
fn c_probes_see_every_symbol_family_agree() {
    if !privileged("c_probes_see_every_symbol_family_agree", FIXTURE_COMMANDS) {
        return;
    }
    let builds = [
        ("plain", probe("views", &["-O0"])),
        ("fob64", probe("views", &["-O1", "-D_FILE_OFFSET_BITS=64"])),
        ("fortify", probe("views", &["-O2", "-D_FORTIFY_SOURCE=2"])),
    ];
    let undefined = |p: &std::path::Path| {
        let out = std::process::Command::new("nm")
            .arg("-u")
            .arg(p)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(undefined(&builds[1].1).contains("open64"));
    assert!(undefined(&builds[1].1).contains("statfs64"));
    assert!(undefined(&builds[1].1).contains("fopen64"));
    assert!(undefined(&builds[2].1).contains("__open_2"));
    assert!(undefined(&builds[2].1).contains("__openat_2"));

    let mut script = String::from("echo \"$R\" > $OUT/root\n");
    for (name, exe) in &builds {
        for (target, inside) in [
            ("media", "media/cam1/2026/12"),
            ("user/tv", "user/tv/deep/er"),
            ("my share", "my share"),
        ] {
            let tag = target.replace(['/', ' '], "_");
            script.push_str(&format!(
                "{exe} \"$R/{target}\" \"$R/{inside}\" > $OUT/{name}.{tag}.without\n\
                 FAKEFSTYPE=\"$RULES\" LD_PRELOAD=$LIB {exe} \"$R/{target}\" \"$R/{inside}\" > $OUT/{name}.{tag}.with\n",
                exe = exe.display()
            ));
        }
    }
    let run = in_mounts("probes", &script, &[]);
    for (name, _) in &builds {
        for (target, want_type, want_magic) in [
            ("media", "ext4", "ef53"),
            ("user_tv", "ext4", "ef53"),
            ("my_share", "xfs", "58465342"),
        ] {
            let with = run.file(&format!("{name}.{target}.with"));
            let without = run.file(&format!("{name}.{target}.without"));
            let mut source = None;
            for line in with.lines() {
                let (how, what) = line.split_once(": ").unwrap();
                match how {
                    "pread" | "lseek+read" | "dup" => {
                        assert_eq!(what, "same", "{name} {target}: {line}")
                    }
                    "mmap" => assert!(
                        what == "same" || what == "kernel file",
                        "{name} {target}: {line}"
                    ),
                    "cloexec" => assert_eq!(what, "yes"),
                    "statfs" | "fstatfs" | "statfs mountpoint" => {
                        assert_eq!(what, want_magic, "{name} {target}: {line}")
                    }
                    "statvfs" => assert!(
                        without.contains(line),
                        "{name} {target}: sizes unchanged: {line}"
                    ),
                    _ => {
                        let (t, s) = what
                            .split_once(' ')
                            .unwrap_or_else(|| panic!("{name} {target}: {line}"));
                        assert_eq!(t, want_type, "{name} {target}: {line}");
                        assert!(s.starts_with("fakefstype-"), "{name} {target}: {line}");
                        // Every view names the same device.
                        assert_eq!(
                            *source.get_or_insert(s.to_string()),
                            s,
                            "{name} {target}: {line}"
                        );
                    }
                }
            }
            assert!(
                with.lines().count() >= 20,
                "{name} {target}: every view reported:\n{with}"
            );
            assert!(without.lines().all(|l| !l.contains("fakefstype-")));
        }
    }
}

#[test]
fn mounts_that_appear_later_are_covered() {
    if !privileged("mounts_that_appear_later_are_covered", FIXTURE_COMMANDS) {
        return;
    }
    let run = in_mounts(
        "late",
        r#"
        export R
        FAKEFSTYPE="$R/ram/late=xfs" LD_PRELOAD=$LIB python3 - > $OUT/late <<'PY'
import ctypes, os, subprocess, time
late = os.environ["R"] + "/ram/late"  # inside the fixture's tmpfs
libc = ctypes.CDLL(None, use_errno=True)
def f_type(path):
    buf = ctypes.create_string_buffer(512)
    assert libc.statfs(path.encode(), buf) == 0
    return hex(int.from_bytes(buf.raw[:8], "little"))
def table_type(path):
    with open("/proc/self/mounts") as f:
        for line in f:
            if line.split()[1] == path:
                return line.split()[2]
    return "none"
os.makedirs(late)
print("before", table_type(late), f_type(late))
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", late], check=True)
# No table read in between: the statfs map expires within 2 s.
start = time.time()
while f_type(late) != "0x58465342" and time.time() - start < 6:
    time.sleep(0.05)
print("statfs", f_type(late), "within", "2s" if time.time() - start < 3 else "too long")
print("table", table_type(late))
PY
        "#,
        &[],
    );
    let lines: Vec<String> = run.file("late").lines().map(str::to_string).collect();
    assert_eq!(lines[0], "before none 0x1021994", "{}", run.log());
    assert_eq!(lines[1], "statfs 0x58465342 within 2s");
    assert_eq!(lines[2], "table xfs");
}

/// Qt's QStorageInfo, what Qt applications list storage with.
fn qt_probe() -> Option<std::path::PathBuf> {
    let flags = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "Qt5Core"])
        .output()
        .ok()?;
    if !flags.status.success() {
        return None;
    }
    let flags = String::from_utf8(flags.stdout).ok()?;
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("probes/qt_storage");
    std::fs::create_dir_all(out.parent().unwrap()).ok()?;
    let status = std::process::Command::new("g++")
        .args(["-O1", "-fPIC", "-o"])
        .arg(&out)
        .arg(common::repo().join("tests/probes/qt_storage.cpp"))
        .args(flags.split_whitespace())
        .status()
        .ok()?;
    status.success().then_some(out)
}

#[test]
fn qt_storage_info_agrees() {
    if !privileged(
        "qt_storage_info_agrees",
        &[FIXTURE_COMMANDS, &["g++", "pkg-config"]].concat(),
    ) {
        return;
    }
    let Some(qt) = qt_probe() else {
        assert!(
            !common::strict(),
            "Qt5Core (qtbase5-dev) is needed for this test"
        );
        eprintln!("SKIPPED qt_storage_info_agrees: no Qt5Core");
        return;
    };
    let run = in_mounts(
        "qt",
        r#"
        echo "$R" > $OUT/root
        QT_QPA_PLATFORM=offscreen "$QT" "$R" "$R/media/cam1" > $OUT/without
        FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB QT_QPA_PLATFORM=offscreen "$QT" "$R" "$R/media/cam1" > $OUT/with
        "#,
        &[("QT", &qt)],
    );
    let root = fixture_root(&run);
    let parse = |text: String| -> BTreeMap<String, (String, String, String)> {
        text.lines()
            .filter(|l| !l.starts_with("inside "))
            .map(|l| {
                let f: Vec<&str> = l.rsplitn(4, ' ').collect();
                (
                    f[3].to_string(),
                    (f[2].to_string(), f[1].to_string(), f[0].to_string()),
                )
            })
            .collect()
    };
    let with = parse(run.file("with"));
    let without = parse(run.file("without"));
    for (mp, want) in rewritten(&root) {
        let (t, dev, total) = &with[&mp];
        assert_eq!(t, want, "{mp}: {}", run.file("with"));
        assert!(dev.starts_with("fakefstype-"), "{mp}: {dev}");
        assert_eq!(total, &without[&mp].2, "{mp}: size unchanged");
    }
    assert_eq!(
        with[&format!("{root}/ram")],
        without[&format!("{root}/ram")]
    );
    let devices: BTreeSet<&String> = rewritten(&root).keys().map(|mp| &with[mp].1).collect();
    assert_eq!(devices.len(), 5, "unique devices");
    assert!(
        run.file("with")
            .contains(&format!("inside {root}/media ext4 ")),
        "{}",
        run.file("with")
    );
}
