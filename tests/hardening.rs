//! Hostile input, faults, stress and leaks: the library never crashes,
//! hangs, leaks or corrupts what the host reads.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{in_mounts, in_namespace, library, privileged, probe, scratch, FIXTURE_COMMANDS};
use fakefstype_core::rules::{RuleSet, RuleText};
use fakefstype_core::table::{rewrite, Format};

fn s(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The rules the hostile tables are read with: escapes of every kind,
/// non-UTF-8 bytes, a type rule and a regex that would be catastrophic for
/// a backtracking engine.
fn hostile_rules() -> Vec<u8> {
    let mut r = b"/media=ext4\n/mnt/a\\040b\\011c\\012d\\134e=xfs\n/mnt/".to_vec();
    r.extend_from_slice(b"\xff\xfe=ext4\n/long=ext4\ntype:fuse.shfs=ext4\n~^/(a|aa)+$=xfs\n");
    r
}

/// Mount tables no kernel writes but a file at /etc/mtab may hold.
fn hostile_tables() -> Vec<(&'static str, Vec<u8>)> {
    let long = |n: usize| {
        let mut t = b"shfs /long fuse.shfs ".to_vec();
        t.extend(std::iter::repeat_n(b'o', n));
        t.extend_from_slice(b" 0 0\nshfs /media fuse.shfs rw 0 0\n");
        t
    };
    let mut many = Vec::new();
    for i in 0..100_000 {
        many.extend_from_slice(format!("tmpfs /m/{i} tmpfs rw 0 0\n").as_bytes());
    }
    many.extend_from_slice(b"shfs /media fuse.shfs rw 0 0\n");
    let mut catastrophic = b"tmpfs /".to_vec();
    catastrophic.extend(std::iter::repeat_n(b'a', 5000));
    catastrophic.extend_from_slice(b"b tmpfs rw 0 0\ntmpfs /aaaa tmpfs rw 0 0\n");
    vec![
        ("empty", Vec::new()),
        (
            "no-trailing-newline",
            b"shfs /media fuse.shfs rw 0 0".to_vec(),
        ),
        ("line-64k", long(64 << 10)),
        ("line-1m", long(1 << 20)),
        (
            "escapes",
            b"tmpfs /mnt/a\\040b\\011c\\012d\\134e tmpfs rw 0 0\ntmpfs /x tmpfs rw 0 0\n".to_vec(),
        ),
        (
            "non-utf8",
            b"tmpfs /mnt/\xff\xfe tmpfs rw 0 0\n/dev/\xc3 /y ext4 rw 0 0\n".to_vec(),
        ),
        (
            "truncated",
            b"shfs /media fuse.shfs rw 0 0\nshfs /arch".to_vec(),
        ),
        (
            "garbage",
            b"\n\n   \nonlyone\ntwo fields\n\x00\x01 nul bytes\nshfs /media fuse.shfs rw 0 0\n"
                .to_vec(),
        ),
        ("100k-mounts", many),
        ("catastrophic-regex", catastrophic),
    ]
}

#[test]
fn hostile_mount_tables_are_served_exactly_as_the_core_rewrites_them() {
    if !privileged(
        "hostile_mount_tables_are_served_exactly_as_the_core_rewrites_them",
        &["unshare"],
    ) {
        return;
    }
    let dir = scratch("hostile-inputs");
    let rules_file = dir.join("rules.conf");
    std::fs::write(&rules_file, hostile_rules()).unwrap();
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    let tables = hostile_tables();
    for (name, content) in &tables {
        std::fs::write(cases.join(name), content).unwrap();
    }
    let dump = probe("mntent_dump", &["-O1"]);
    // /etc/mtab as a regular file: a copy of /etc, bind-mounted, in this
    // namespace only.
    let run = in_namespace(
        "hostile",
        r#"
        cp -a /etc "$WORK/etc"
        mount --bind "$WORK/etc" /etc
        for case in "$CASES"/*; do
            name=$(basename "$case")
            rm -f /etc/mtab
            cp "$case" /etc/mtab
            FAKEFSTYPE_CONFIG="$RULES" LD_PRELOAD=$LIB cat /etc/mtab > "$OUT/$name.cat"
            "$DUMP" /etc/mtab > "$OUT/$name.without"
            FAKEFSTYPE_CONFIG="$RULES" LD_PRELOAD=$LIB "$DUMP" /etc/mtab > "$OUT/$name.with"
        done
        "#,
        &[("CASES", &cases), ("RULES", &rules_file), ("DUMP", &dump)],
    );
    let set = RuleSet::parse(&[RuleText::File {
        path: "rules.conf",
        content: &hostile_rules(),
    }])
    .unwrap();
    for (name, content) in &tables {
        let served = std::fs::read(run.out.join(format!("{name}.cat"))).unwrap();
        let expected = rewrite(Format::Mounts, content, &set).text().into_owned();
        assert!(
            served == expected,
            "{name}: what cat read is what the core rewrote ({} vs {} bytes)",
            served.len(),
            expected.len()
        );
        if !matches!(*name, "empty" | "garbage") {
            assert!(served != *content, "{name}: something was rewritten");
        }
        // getmntent reads the served table with glibc's 4 KiB buffer.
        let read = |suffix| std::fs::read(run.out.join(format!("{name}.{suffix}"))).unwrap();
        let (without, with) = (read("without"), read("with"));
        assert!(
            with.ends_with(b"\n") && with.windows(8).any(|w| w == b"entries="),
            "{name}: getmntent ran to the end"
        );
        if name.starts_with("line-") {
            // glibc splits a line longer than its buffer into pieces at
            // buffer boundaries, which move when fields before them are
            // rewritten: only the first entry (the head of the long,
            // rewritten line) is comparable.
            let first = |b: &[u8]| {
                b.split(|&c| c == b'\n')
                    .next()
                    .unwrap()
                    .split(|&c| c == b'|')
                    .nth(2)
                    .unwrap()
                    .to_vec()
            };
            assert_eq!(first(&with), b"ext4", "{name}");
            assert_eq!(first(&without), b"fuse.shfs", "{name}");
            continue;
        }
        // Otherwise the same entries, differing only in type and fsname.
        let entries = |b: &[u8]| {
            b.split(|&c| c == b'\n')
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        };
        let (a, b) = (entries(&without), entries(&with));
        assert_eq!(a.len(), b.len(), "{name}: getmntent entry count");
        for (x, y) in a.iter().zip(&b) {
            let fx: Vec<&[u8]> = x.split(|&c| c == b'|').collect();
            let fy: Vec<&[u8]> = y.split(|&c| c == b'|').collect();
            assert_eq!(fx.len(), fy.len(), "{name}");
            let same = if fx.len() == 6 {
                (fx[1], fx[3], fx[4], fx[5]) == (fy[1], fy[3], fy[4], fy[5])
            } else {
                x == y
            };
            assert!(
                same,
                "{name}: only type and fsname change: {:.200} / {:.200}",
                String::from_utf8_lossy(x),
                String::from_utf8_lossy(y)
            );
        }
    }
}

fn run_with(env: &[(&str, &str)], program: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).env("LD_PRELOAD", library());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn run_without(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("LD_PRELOAD")
        .output()
        .unwrap()
}

#[test]
fn hostile_configuration() {
    let dir = scratch("hostile-config");
    // 10,000 rules: valid, the last one matches.
    let mut many = String::new();
    for i in 0..9_999 {
        many.push_str(&format!("/mnt/disk{i}=xfs\n"));
    }
    many.push_str("/=xfs\n");
    let many_file = dir.join("many.conf");
    std::fs::write(&many_file, &many).unwrap();
    let out = run_with(
        &[("FAKEFSTYPE_CONFIG", many_file.to_str().unwrap())],
        "findmnt",
        &["-no", "FSTYPE", "/"],
    );
    assert_eq!(
        s(&out).trim(),
        "xfs",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A 10 MiB config is refused, not read.
    let big = dir.join("big.conf");
    std::fs::write(&big, "#".repeat(10 << 20)).unwrap();
    let out = run_with(
        &[("FAKEFSTYPE_CONFIG", big.to_str().unwrap())],
        "findmnt",
        &["-no", "FSTYPE", "/"],
    );
    assert_eq!(
        out.stdout,
        run_without("findmnt", &["-no", "FSTYPE", "/"]).stdout
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("too large (10485760 bytes; the limit is 1048576 bytes)"),
        "{err}"
    );
    // Non-UTF-8 bytes in a rule file are paths like any other.
    let raw = dir.join("raw.conf");
    std::fs::write(&raw, b"/mnt/\xff=ext4\n/=xfs\n").unwrap();
    let out = run_with(
        &[("FAKEFSTYPE_CONFIG", raw.to_str().unwrap())],
        "findmnt",
        &["-no", "FSTYPE", "/"],
    );
    assert_eq!(s(&out).trim(), "xfs");
    // Malformed forms: each one line, pass-through.
    for bad in [
        "=ext4",
        "/media",
        "/media=",
        "~=ext4",
        "~(=ext4",
        "~a{1000000}=ext4",
        "media=ext4",
        "/m=nosuchfs",
        "/m=ext4,frob=1",
        "type:=ext4",
        "/a/../b=ext4",
    ] {
        let out = run_with(&[("FAKEFSTYPE", bad)], "findmnt", &["-no", "FSTYPE", "/"]);
        assert_eq!(
            out.stdout,
            run_without("findmnt", &["-no", "FSTYPE", "/"]).stdout,
            "{bad}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(err.contains("passing everything through"), "{bad}: {err}");
    }
}

#[test]
fn log_file_faults_never_reach_the_host() {
    if !privileged("log_file_faults_never_reach_the_host", &["unshare"]) {
        return;
    }
    let run = in_namespace(
        "logfile-faults",
        r#"
        findmnt -no FSTYPE / > "$OUT/expected"
        cfg() { FAKEFSTYPE=/=nope FAKEFSTYPE_LOG=debug LD_PRELOAD=$LIB "$@"; }
        # The control: a writable log gets the line.
        FAKEFSTYPE_LOG_FILE="$WORK/ok.log" cfg findmnt -no FSTYPE / > "$OUT/ok" 2> "$OUT/ok.err"
        cp "$WORK/ok.log" "$OUT/ok.log"
        # Unwritable target.
        FAKEFSTYPE_LOG_FILE=/proc/version cfg findmnt -no FSTYPE / > "$OUT/unwritable" 2> "$OUT/unwritable.err"
        FAKEFSTYPE_LOG_FILE=/nonexistent/dir/log cfg findmnt -no FSTYPE / > "$OUT/nodir" 2> "$OUT/nodir.err"
        # A full filesystem.
        mkdir -p "$WORK/full"
        mount -t tmpfs -o size=4k tmpfs "$WORK/full"
        head -c 8192 /dev/zero > "$WORK/full/filler" 2>/dev/null || true
        FAKEFSTYPE_LOG_FILE="$WORK/full/log" cfg findmnt -no FSTYPE / > "$OUT/full" 2> "$OUT/full.err"
        # A symlink to somewhere else is not followed.
        echo untouched > "$WORK/victim"
        ln -s "$WORK/victim" "$WORK/link"
        FAKEFSTYPE_LOG_FILE="$WORK/link" cfg findmnt -no FSTYPE / > "$OUT/symlink" 2> "$OUT/symlink.err"
        cp "$WORK/victim" "$OUT/victim"
        # A new log is private whatever the umask.
        (umask 000; FAKEFSTYPE_LOG_FILE="$WORK/new.log" cfg /bin/true)
        stat -c %a "$WORK/new.log" > "$OUT/mode"
        "#,
        &[],
    );
    let expected = run.file("expected");
    assert!(
        run.file("ok.log").contains("unknown type \"nope\""),
        "{}",
        run.file("ok.log")
    );
    for case in ["ok", "unwritable", "nodir", "full", "symlink"] {
        assert_eq!(run.file(case), expected, "{case}: output unchanged");
        assert_eq!(
            run.file(&format!("{case}.err")),
            "",
            "{case}: nothing on stderr"
        );
    }
    assert_eq!(
        run.file("victim"),
        "untouched\n",
        "the symlink's target is never written"
    );
    assert_eq!(run.file("mode").trim(), "600");
}

#[test]
fn memfd_refused_falls_back_then_passes_through() {
    if !privileged("memfd_refused_falls_back_then_passes_through", &["unshare"]) {
        return;
    }
    let no_memfd = probe("no_memfd", &["-O1"]);
    let views = probe("views", &["-O1"]);
    let run = in_namespace(
        "no-memfd",
        r#"
        with() { FAKEFSTYPE=/=xfs LD_PRELOAD=$LIB "$@"; }
        findmnt -no FSTYPE / > "$OUT/real"
        with "$NO_MEMFD" findmnt -no FSTYPE / > "$OUT/tmpfile" 2> "$OUT/tmpfile.err"
        # Nowhere for a temporary file either: the real table, one warning.
        # /dev/shm and /tmp become read-only in place (this checkout, the
        # library and $OUT may live under /tmp), so results go to stdout.
        for d in /dev/shm /tmp; do mount --bind "$d" "$d"; mount -o remount,bind,ro "$d"; done
        echo "nothing-out: $(with "$NO_MEMFD" findmnt -no FSTYPE / 2>/dev/null)"
        echo "nothing-err: $(with "$NO_MEMFD" findmnt -no FSTYPE / 2>&1 >/dev/null)"
        echo "views-err-lines: $(with "$NO_MEMFD" "$VIEWS" / /usr 2>&1 >/dev/null | wc -l)"
        "#,
        &[("NO_MEMFD", &no_memfd), ("VIEWS", &views)],
    );
    assert_eq!(
        run.file("tmpfile").trim(),
        "xfs",
        "O_TMPFILE fallback: {}",
        run.file("tmpfile.err")
    );
    assert_eq!(run.file("tmpfile.err"), "");
    let stdout = run.stdout();
    let field = |k: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_else(|| panic!("{k}: {stdout}"))
            .to_string()
    };
    assert_eq!(
        field("nothing-out: "),
        run.file("real").trim(),
        "the real table"
    );
    let err = field("nothing-err: ");
    assert!(
        err.contains("cannot hold a rewritten mount table (Operation not permitted"),
        "{err}"
    );
    assert!(
        err.contains("serving the real one (reported once)"),
        "{err}"
    );
    // A process reading a dozen tables says it once.
    assert_eq!(field("views-err-lines: "), "1", "{stdout}");
}

#[test]
fn emfile_gives_the_real_answer() {
    let fdlimit = probe("fdlimit", &["-O1"]);
    let fdlimit = fdlimit.to_str().unwrap();
    for (free, without_expected) in [
        ("0", "open failed: EMFILE"),
        ("1", "open ok: "),
        ("3", "open ok: "),
    ] {
        let without = s(&run_without(fdlimit, &[free, "/"]));
        assert!(without.starts_with(without_expected), "{free}: {without}");
        let with = s(&run_with(&[("FAKEFSTYPE", "/=xfs")], fdlimit, &[free, "/"]));
        if free == "0" {
            assert_eq!(
                with, without,
                "at the limit: EMFILE, as without the library"
            );
        } else {
            assert_eq!(
                with.trim(),
                "open ok: xfs",
                "{free} fd(s) free: the rewritten table"
            );
        }
    }
}

#[test]
fn without_proc_everything_passes_through() {
    if !privileged(
        "without_proc_everything_passes_through",
        &["unshare", "python3"],
    ) {
        return;
    }
    let run = in_namespace(
        "no-proc",
        r#"
        umount -l /proc
        for with in no yes filtered; do
            case $with in
            no) pre=() ;;
            # Active (its log says so), with nothing to read tables from.
            yes) pre=(env LD_PRELOAD=$LIB FAKEFSTYPE=/=xfs FAKEFSTYPE_LOG=info FAKEFSTYPE_LOG_FILE=$OUT/log) ;;
            # No /proc/self/exe to match a process filter against.
            filtered) pre=(env LD_PRELOAD=$LIB FAKEFSTYPE=/=xfs FAKEFSTYPE_PROCESSES=cat,stat,python3) ;;
            esac
            { "${pre[@]}" cat /proc/self/mounts; echo "status $?"; } > "$OUT/cat.$with" 2>&1 || true
            { "${pre[@]}" stat -f -c %T /; echo "status $?"; } > "$OUT/stat.$with" 2>&1
            { "${pre[@]}" python3 -c 'import os
try: open("/etc/mtab").read()
except OSError as e: print(type(e).__name__)
print(os.statvfs("/").f_bsize)'; echo "status $?"; } > "$OUT/python.$with" 2>&1
        done
        "#,
        &[],
    );
    for probe in ["cat", "stat", "python"] {
        for mode in ["yes", "filtered"] {
            assert_eq!(
                run.file(&format!("{probe}.{mode}")),
                run.file(&format!("{probe}.no")),
                "{probe} {mode}"
            );
        }
    }
    assert!(run.file("cat.no").contains("status 1"));
    let log = run.file("log");
    assert!(
        log.lines()
            .filter(|l| l.contains("info: active: 1 rule(s)"))
            .count()
            >= 3,
        "the library was loaded: {log}"
    );
}

#[test]
fn signals_during_hooked_calls() {
    if !privileged("signals_during_hooked_calls", FIXTURE_COMMANDS) {
        return;
    }
    let signals = probe("signals", &["-O1"]);
    let run = in_mounts(
        "signals",
        r#"FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB "$SIGNALS" 2000 "$R/media" "$R/media/cam1" > "$OUT/with""#,
        &[("SIGNALS", &signals)],
    );
    let out = run.file("with");
    assert!(
        out.starts_with("reference=ext4,ext4,ef53 mismatches=0 iterations=2000"),
        "{out}"
    );
    let signals: u64 = out
        .split("signals=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(signals > 100, "signals really arrived: {out}");
}

#[test]
fn fork_vfork_children_and_exec_chains_keep_the_settings() {
    let vfork = probe("vfork_exec", &["-O1", "-pthread"]);
    let out = run_with(
        &[("FAKEFSTYPE", "/=xfs")],
        vfork.to_str().unwrap(),
        &["/usr/bin/findmnt", "-no", "FSTYPE", "/"],
    );
    assert_eq!(
        s(&out),
        "== vfork\nxfs\n== fork with threads\nxfs\n== child of a child\nxfs\n== status 0 0 0\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Twenty shells deep, each exec'ing the next.
    let script = r#"d=${D:-20}; if [ "$d" -gt 0 ]; then D=$((d - 1)) exec sh -c "$0" "$0"; fi; echo "depth reached"; findmnt -no FSTYPE /"#;
    let out = run_with(&[("FAKEFSTYPE", "/=xfs")], "sh", &["-c", script, script]);
    assert_eq!(s(&out), "depth reached\nxfs\n");
}

/// Debian's jemalloc and tcmalloc, preloaded beside the library.
fn allocators() -> Vec<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
        "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
        "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
        "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4",
    ]
    .into_iter()
    .map(PathBuf::from)
    .filter(|p| p.exists())
    .collect()
}

#[test]
fn other_allocators_preloaded() {
    let found = allocators();
    if found.len() < 2 {
        assert!(
            !common::strict(),
            "jemalloc and tcmalloc must be installed (libjemalloc2, libgoogle-perftools4)"
        );
        eprintln!("SKIPPED other_allocators_preloaded: found {found:?}");
        return;
    }
    let views = probe("views", &["-O1"]);
    let reference = run_with(
        &[("FAKEFSTYPE", "/=xfs")],
        views.to_str().unwrap(),
        &["/", "/usr"],
    );
    assert!(
        s(&reference).contains("fopen /proc/mounts: xfs"),
        "the rules apply"
    );
    for allocator in found {
        for order in [
            format!("{}:{}", allocator.display(), library().display()),
            format!("{}:{}", library().display(), allocator.display()),
        ] {
            let out = Command::new(&views)
                .args(["/", "/usr"])
                .env("LD_PRELOAD", &order)
                .env("FAKEFSTYPE", "/=xfs")
                .output()
                .unwrap();
            assert!(out.status.success(), "{order}");
            let steady = |o: &Output| {
                s(o).lines()
                    .filter(|l| !l.starts_with("statvfs"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(steady(&out), steady(&reference), "LD_PRELOAD={order}");
        }
    }
}

#[test]
fn sixteen_threads_by_a_hundred_thousand_calls() {
    if !privileged(
        "sixteen_threads_by_a_hundred_thousand_calls",
        FIXTURE_COMMANDS,
    ) {
        return;
    }
    let stress = probe("stress", &["-O2", "-pthread"]);
    let run = in_mounts(
        "stress16",
        r#"FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB "$STRESS" 16 100000 "$R/user/tv" "$R/user/tv/deep" > "$OUT/with""#,
        &[("STRESS", &stress)],
    );
    let out = run.file("with");
    let result = out.lines().find(|l| l.starts_with("mismatches=")).unwrap();
    assert!(result.starts_with("mismatches=0 calls=1600000 "), "{out}");
    assert!(result.ends_with("child=ok"), "{out}");
    let fds = |k: &str| {
        result
            .split(&format!("{k}="))
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(fds("fds_before"), fds("fds_after"));
    eprintln!("{result}");
}

#[test]
fn a_million_cycles_leave_fds_and_memory_as_they_were() {
    let cycles = probe("cycles", &["-O2"]);
    let out = run_with(
        &[("FAKEFSTYPE", "/=xfs")],
        cycles.to_str().unwrap(),
        &["1000000", "/usr"],
    );
    let line = s(&out);
    eprintln!("{line}");
    let field = |k: &str| -> i64 {
        line.split(&format!("{k}="))
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(field("cycles"), 1_000_000);
    assert_eq!(field("fds_early"), field("fds_end"), "{line}");
    // Memory after 100,000 cycles and after 1,000,000: a leak of even 8
    // bytes a cycle would add 7 MB.
    assert!(field("rss_end_kb") - field("rss_early_kb") < 512, "{line}");
}

#[test]
fn memcheck_and_leak_sanitizer_are_clean() {
    if !privileged("memcheck_and_leak_sanitizer_are_clean", &["valgrind"]) {
        return;
    }
    let views = probe("views", &["-O0", "-g"]);
    let out = Command::new("valgrind")
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect",
        ])
        .arg(&views)
        .args(["/", "/usr"])
        .env("LD_PRELOAD", library())
        .env("FAKEFSTYPE", "/=xfs")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "valgrind: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        s(&out).contains("fopen /proc/mounts: xfs"),
        "the library was active under valgrind"
    );
    let lsan = probe("views", &["-O0", "-g", "-fsanitize=leak"]);
    let out = Command::new(&lsan)
        .args(["/", "/usr"])
        .env("LD_PRELOAD", library())
        .env("FAKEFSTYPE", "/=xfs")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "LeakSanitizer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s(&out).contains("fopen /proc/mounts: xfs"));
}
