//! The host is never hurt: bad configuration passes everything through
//! with one clear line, threads and fork agree with the single-threaded
//! answer, no fd is left behind, and hooks work before our constructor.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{in_mounts, library, privileged, probe, scratch, FIXTURE_COMMANDS};

fn run(env: &[(&str, &str)], program: &str, args: &[&str], preload: bool) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).env_remove("LD_PRELOAD").stdin(Stdio::null());
    for var in [
        "FAKEFSTYPE",
        "FAKEFSTYPE_CONFIG",
        "FAKEFSTYPE_LOG",
        "FAKEFSTYPE_LOG_FILE",
        "FAKEFSTYPE_PROCESSES",
        "FAKEFSTYPE_EXEC_FIX",
    ] {
        cmd.env_remove(var);
    }
    if preload {
        cmd.env("LD_PRELOAD", library());
        for (k, v) in env {
            cmd.env(k, v);
        }
    }
    // A FIFO config must not hang the host: give up loudly instead.
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{program} {args:?} with {env:?} hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// Runs `program` with and without the library and a bad setting: output
/// and status are the same, and stderr gains exactly one line that says
/// what is wrong.
fn passes_through_with_one_line(env: &[(&str, &str)], expect: &[&str]) {
    for (program, args) in [
        ("cat", &["/proc/self/mounts"][..]),
        ("cat", &["/nonexistent"][..]),
    ] {
        let without = run(&[], program, args, false);
        let with = run(env, program, args, true);
        assert_eq!(
            with.status.code(),
            without.status.code(),
            "{env:?}: exit status"
        );
        assert_eq!(with.stdout, without.stdout, "{env:?}: output");
        let stderr = String::from_utf8_lossy(&with.stderr);
        let ours: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("fakefstype["))
            .collect();
        assert_eq!(ours.len(), 1, "{env:?}: one line, got:\n{stderr}");
        for word in expect {
            assert!(
                ours[0].contains(word),
                "{env:?}: {:?} should mention {word:?}",
                ours[0]
            );
        }
        assert!(
            ours[0].contains("passing everything through"),
            "{}",
            ours[0]
        );
        let others: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("fakefstype["))
            .collect();
        assert_eq!(
            others.join("\n"),
            String::from_utf8_lossy(&without.stderr).trim_end()
        );
    }
}

#[test]
fn bad_rules_pass_through_with_one_clear_line() {
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "/media=ext9")],
        &["FAKEFSTYPE rule 1", "/media=ext9", "unknown type \"ext9\""],
    );
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "/ok=ext4;~(x=ext4")],
        &["FAKEFSTYPE rule 2", "bad regex", "unclosed group"],
    );
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "media=ext4")],
        &["not an absolute mount point"],
    );
    passes_through_with_one_line(&[("FAKEFSTYPE", "/media")], &["missing '=TYPE'"]);
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "/=ext4"), ("FAKEFSTYPE_LOG", "loud")],
        &["FAKEFSTYPE_LOG", "loud"],
    );
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "/=ext4"), ("FAKEFSTYPE_PROCESSES", "cat,~(")],
        &["FAKEFSTYPE_PROCESSES", "bad regex"],
    );
    passes_through_with_one_line(
        &[("FAKEFSTYPE", "/=ext4"), ("FAKEFSTYPE_EXEC_FIX", "bin/x")],
        &["FAKEFSTYPE_EXEC_FIX", "bin/x"],
    );
}

#[test]
fn bad_config_files_pass_through_with_one_clear_line() {
    let dir = scratch("config");
    let missing = dir.join("missing.conf");
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", missing.to_str().unwrap())],
        &["FAKEFSTYPE_CONFIG", "missing.conf", "No such file"],
    );
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", dir.to_str().unwrap())],
        &["not a regular file"],
    );
    let fifo = dir.join("fifo.conf");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", fifo.to_str().unwrap())],
        &["not a regular file"],
    );
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "# cameras\n/media=ext4\n\n/archive=zfs2\n").unwrap();
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", bad.to_str().unwrap())],
        &["bad.conf:4", "/archive=zfs2", "unknown type"],
    );
    let big = dir.join("big.conf");
    std::fs::write(&big, "#".repeat(2 << 20)).unwrap();
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", big.to_str().unwrap())],
        &["too large"],
    );
    let looped = dir.join("loop.conf");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    passes_through_with_one_line(
        &[("FAKEFSTYPE_CONFIG", looped.to_str().unwrap())],
        &["symbolic links"],
    );
}

#[test]
fn unreadable_config_file_passes_through() {
    if !privileged("unreadable_config_file_passes_through", &["setpriv"]) {
        return;
    }
    let dir = scratch("unreadable");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = dir.join("secret.conf");
    std::fs::write(&conf, "/=ext4\n").unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o600)).unwrap();
    let env = [("FAKEFSTYPE_CONFIG", conf.to_str().unwrap())];
    let as_nobody = [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "cat",
        "/proc/self/mounts",
    ];
    let without = run(&[], "setpriv", &as_nobody, false);
    let with = run(&env, "setpriv", &as_nobody, true);
    assert_eq!(with.status.code(), without.status.code());
    assert_eq!(with.stdout, without.stdout);
    let stderr = String::from_utf8_lossy(&with.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("secret.conf"))
        .collect();
    assert_eq!(ours.len(), 1, "{stderr}");
    assert!(ours[0].contains("Permission denied"), "{stderr}");
}

#[test]
fn log_file_receives_the_line_instead_of_stderr() {
    let dir = scratch("logfile");
    let log = dir.join("fakefstype.log");
    let env = [
        ("FAKEFSTYPE", "/=nope"),
        ("FAKEFSTYPE_LOG_FILE", log.to_str().unwrap()),
    ];
    let with = run(&env, "cat", &["/proc/self/mounts"], true);
    assert!(
        with.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("unknown type \"nope\""));
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o077, 0, "log created private, got {mode:o}");
}

#[test]
fn excluded_processes_pass_through_silently() {
    let env = [
        ("FAKEFSTYPE", "/=xfs"),
        ("FAKEFSTYPE_PROCESSES", "mediaserver-bin"),
    ];
    let with = run(&env, "cat", &["/proc/self/mounts"], true);
    let without = run(&[], "cat", &["/proc/self/mounts"], false);
    assert_eq!(with.stdout, without.stdout);
    assert!(with.stderr.is_empty());
    let included = run(
        &[("FAKEFSTYPE", "/=xfs"), ("FAKEFSTYPE_PROCESSES", "~^ca")],
        "cat",
        &["/proc/self/mounts"],
        true,
    );
    assert_ne!(included.stdout, without.stdout, "cat matches ~^ca");
}

#[test]
fn hooks_work_before_our_constructor() {
    let early = scratch("ctor").join("libearly.so");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&early)
        .arg(common::repo().join("tests/probes/early_ctor.c"))
        .status()
        .unwrap();
    assert!(status.success());
    let lib = library();
    // Both orders: the early library's constructor runs before or after ours.
    for preload in [
        format!("{}:{}", early.display(), lib.display()),
        format!("{}:{}", lib.display(), early.display()),
    ] {
        let out = Command::new("true")
            .env("LD_PRELOAD", &preload)
            .env("FAKEFSTYPE", "/=xfs")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success());
        assert_eq!(
            stderr, "early constructor saw / as xfs\n",
            "LD_PRELOAD={preload}"
        );
    }
}

#[test]
fn threads_and_fork_agree_with_the_single_threaded_answer() {
    if !privileged(
        "threads_and_fork_agree_with_the_single_threaded_answer",
        FIXTURE_COMMANDS,
    ) {
        return;
    }
    let stress = probe("stress", &["-O1", "-pthread"]);
    let run = in_mounts(
        "stress",
        r#"
        for m in media:media/cam1 user/tv:user/tv/deep ram:ram; do
            mp=${m%%:*}; inside=${m#*:}
            FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB "$STRESS" 8 3000 "$R/$mp" "$R/$inside" >> $OUT/with
            "$STRESS" 2 500 "$R/$mp" "$R/$inside" >> $OUT/without
        done
        "#,
        &[("STRESS", &stress)],
    );
    let with = run.file("with");
    let results: Vec<&str> = with
        .lines()
        .filter(|l| l.starts_with("mismatches="))
        .collect();
    assert_eq!(results.len(), 3, "{with}");
    for r in &results {
        assert!(r.starts_with("mismatches=0 calls=24000 "), "{r}");
        assert!(r.ends_with("child=ok"), "{r}");
    }
    let refs: Vec<&str> = with
        .lines()
        .filter(|l| l.starts_with("reference:"))
        .collect();
    assert!(
        refs[0].contains(" ext4 fakefstype-") && refs[0].ends_with(" ef53 ef53"),
        "{}",
        refs[0]
    );
    assert!(
        refs[1].contains(" ext4 fakefstype-") && refs[1].ends_with(" ef53 ef53"),
        "{}",
        refs[1]
    );
    assert!(
        refs[2].starts_with("reference: tmpfs tmpfs tmpfs 1021994"),
        "{}",
        refs[2]
    );
}

/// FAKEFSTYPE_TEST_PANIC makes every detour of the shipped library panic:
/// the panic is caught (the library links its own unwinder statically),
/// every call passes through, and one line says so.
#[test]
fn panics_are_caught_and_the_call_passed_through() {
    let views = probe("views", &["-O1"]);
    let views = views.to_str().unwrap();
    let args = ["/", "/usr"];
    let without = run(&[], views, &args, false);
    let with = run(
        &[("FAKEFSTYPE", "/=xfs"), ("FAKEFSTYPE_TEST_PANIC", "1")],
        views,
        &args,
        true,
    );
    assert_eq!(with.status.code(), without.status.code());
    let strip_free = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with("statvfs"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip_free(&with),
        strip_free(&without),
        "every view passes through"
    );
    let stderr = String::from_utf8_lossy(&with.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("fakefstype["))
        .collect();
    assert_eq!(ours.len(), 1, "{stderr}");
    assert!(
        ours[0].contains("internal error at src/detour.rs"),
        "{}",
        ours[0]
    );
    assert!(ours[0].contains("passed through (reported once)"));
    // And the rules really were active: without the panic, / is xfs.
    let active = run(&[("FAKEFSTYPE", "/=xfs")], views, &args, true);
    assert!(String::from_utf8_lossy(&active.stdout).contains("fopen /proc/mounts: xfs"));
}
