//! The `fakefstype` command end to end: run, doctor, strace-diff, and bad
//! arguments.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{in_mounts, library, privileged, scratch, FIXTURE_COMMANDS};

/// The CLI with the test build's library (cargo keeps it in deps/).
fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fakefstype"));
    cmd.env("FAKEFSTYPE_LIB", library())
        .env_remove("LD_PRELOAD")
        .env_remove("FAKEFSTYPE")
        .env_remove("FAKEFSTYPE_CONFIG");
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn runs_a_command_under_the_library() {
    let out = cli()
        .args([
            "--rule", "/=xfs", "--", "findmnt", "-n", "-o", "FSTYPE", "/",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "xfs", "{}", stderr(&out));
    assert!(out.status.success());
}

#[test]
fn exit_status_is_the_commands() {
    let out = cli().args(["--", "sh", "-c", "exit 7"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let out = cli().args(["--", "/nonexistent/program"]).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).contains("cannot run /nonexistent/program"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn settings_are_exported_and_preload_is_prepended() {
    let dir = scratch("cli-env");
    let conf = dir.join("rules.conf");
    std::fs::write(&conf, "/=ext3\n").unwrap();
    let log = dir.join("log");
    let out = cli()
        .current_dir(&dir)
        .env("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libc.so.6")
        .args(["--config", "rules.conf", "--processes", "~sh$", "--log", "debug", "--log-file", "log", "--"])
        .args(["sh", "-c", "echo $LD_PRELOAD; echo $FAKEFSTYPE_CONFIG; echo $FAKEFSTYPE_PROCESSES; echo $FAKEFSTYPE_LOG; echo $FAKEFSTYPE_LOG_FILE"])
        .output()
        .unwrap();
    let lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(
        lines[0],
        format!(
            "{}:/usr/lib/x86_64-linux-gnu/libc.so.6",
            library().canonicalize().unwrap().display()
        )
    );
    assert_eq!(lines[1], conf.display().to_string(), "config made absolute");
    assert_eq!(lines[2], "~sh$");
    assert_eq!(lines[3], "debug");
    assert_eq!(lines[4], log.display().to_string());
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("active: 1 rule(s)"));
}

#[test]
fn missing_library_says_where_it_looked() {
    let dir = scratch("cli-alone").join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("fakefstype");
    std::fs::copy(env!("CARGO_BIN_EXE_fakefstype"), &copy).unwrap();
    let out = Command::new(&copy)
        .env_remove("FAKEFSTYPE_LIB")
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot find libfakefstype.so; looked in"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}/libfakefstype.so", dir.display())),
        "{err}"
    );
    assert!(err.contains("../lib/fakefstype/libfakefstype.so"), "{err}");
    let out = Command::new(&copy)
        .env("FAKEFSTYPE_LIB", "/nope.so")
        .args(["--", "true"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("FAKEFSTYPE_LIB=/nope.so is not a file"));
    // Found next to the executable, or in ../lib/fakefstype/.
    std::fs::create_dir_all(dir.join("../lib/fakefstype")).unwrap();
    std::fs::copy(library(), dir.join("../lib/fakefstype/libfakefstype.so")).unwrap();
    let out = Command::new(&copy)
        .env_remove("FAKEFSTYPE_LIB")
        .args(["--rule", "/=xfs", "--", "findmnt", "-no", "FSTYPE", "/"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "xfs", "{}", stderr(&out));
}

#[test]
fn bad_arguments_name_the_argument() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--rule", "/media=ext9", "--", "true"],
            "--rule \"/media=ext9\": unknown type \"ext9\"",
        ),
        (
            &["--rule", "media=ext4", "--", "true"],
            "--rule \"media=ext4\": selector \"media\" is not an absolute mount point",
        ),
        (
            &["--config", "/nonexistent.conf", "--", "true"],
            "--config /nonexistent.conf: No such file",
        ),
        (
            &["--config", "/", "--", "true"],
            "--config /: not a regular file",
        ),
        (
            &["--log", "loud", "--", "true"],
            "invalid value 'loud' for '--log <LEVEL>'",
        ),
        (&["--frobnicate"], "unexpected argument '--frobnicate'"),
        (
            &["doctor", "--vms", "7"],
            "invalid value '7' for '--vms <VERSION>'",
        ),
        (&["doctor", "--rule", "~(=ext4"], "bad regex"),
        (
            &["strace-diff"],
            "the following required arguments were not provided",
        ),
        (&[], "no COMMAND: give one after `--`"),
    ];
    for (args, expected) in cases {
        let out = cli().args(*args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: expected {expected:?} in:\n{}",
            stderr(&out)
        );
    }
    let dir = scratch("cli-badconf");
    let conf = dir.join("bad.conf");
    std::fs::write(&conf, "/media=ext4\n/archive=nope\n").unwrap();
    let out = cli()
        .arg("--config")
        .arg(&conf)
        .args(["--", "true"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("bad.conf:2 \"/archive=nope\": unknown type"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_with_examples_and_version() {
    for args in [
        &["--help"][..],
        &["doctor", "--help"],
        &["strace-diff", "--help"],
    ] {
        let out = cli().args(args).output().unwrap();
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("Example"),
            "{args:?}:\n{}",
            stdout(&out)
        );
    }
    let out = cli().arg("--version").output().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        format!("fakefstype {}", env!("CARGO_PKG_VERSION"))
    );
}

fn doctor_json(script_output: &str) -> serde_json::Value {
    serde_json::from_str(script_output).unwrap_or_else(|e| panic!("{e}: {script_output}"))
}

fn mount<'a>(v: &'a serde_json::Value, mp: &str) -> &'a serde_json::Value {
    v["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mount_point"] == mp)
        .unwrap_or_else(|| panic!("{mp} not in {v:#}"))
}

#[test]
fn doctor_in_a_namespace_with_btrfs_and_duplicate_shfs() {
    if !privileged(
        "doctor_in_a_namespace_with_btrfs_and_duplicate_shfs",
        FIXTURE_COMMANDS,
    ) {
        return;
    }
    if !Path::new("/media").is_dir() {
        assert!(
            !common::strict(),
            "/media must exist to test the default rules"
        );
        eprintln!("SKIPPED doctor defaults: no /media on this machine");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_fakefstype");
    let run = in_mounts(
        "doctor",
        &format!(
            r#"
        echo "$R" > $OUT/root
        {bin} doctor --json --rule "$R/media=ext4" --rule "type:fuse.shfs=ext4" > $OUT/rules.json
        {bin} doctor --rule "$R/media=ext4" --rule "type:fuse.shfs=ext4" > $OUT/rules.txt
        {bin} doctor > $OUT/none.txt
        # The image's defaults: a btrfs at /media, a fuse.shfs below it.
        mount --bind "$R/media" /media
        mkdir -p /media/disk2
        mount --bind "$R/user/tv" /media/disk2
        {bin} doctor --json > $OUT/defaults.json
        {bin} doctor > $OUT/defaults.txt
        "#
        ),
        &[("FAKEFSTYPE_LIB", &library())],
    );
    let root = run.file("root").trim().to_string();
    let v = doctor_json(&run.file("rules.json"));
    assert_eq!(v["rules_from"], "--rule");
    let media = mount(&v, &format!("{root}/media"));
    assert_eq!(media["type"], "btrfs");
    assert_eq!(media["seen_type"], "ext4");
    assert_eq!(media["server_now"]["verdict"], "refused");
    assert_eq!(media["server_with_rules"]["class"], "local");
    // No rule for the subvolume: once /media has its own device it is no
    // longer a duplicate, but still a type the server does not know.
    let archive = mount(&v, &format!("{root}/archive"));
    assert_eq!(archive["server_now"]["verdict"], "duplicate");
    assert_eq!(archive["server_now"]["kept"], format!("{root}/media"));
    assert_eq!(archive["server_with_rules"]["class"], "unknown");
    assert!(
        archive["hint"]
            .as_str()
            .unwrap()
            .contains("does not know type btrfs"),
        "{archive}"
    );
    let movies = mount(&v, &format!("{root}/user/movies"));
    assert_eq!(movies["server_now"]["verdict"], "duplicate");
    assert_eq!(movies["server_with_rules"]["class"], "local");
    assert_ne!(
        movies["seen_source"],
        mount(&v, &format!("{root}/user/tv"))["seen_source"]
    );

    let text = run.file("rules.txt");
    assert!(text.starts_with("Rules from --rule:\n"), "{text}");
    assert!(text.contains("MOUNT POINT"));
    assert!(
        text.contains("4 mounts the server refuses now; with these rules: 1"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "hint: {root}/archive: the server does not know type btrfs"
        )),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour into a file");
    assert!(run
        .file("none.txt")
        .starts_with("Rules from the Docker image's defaults:"));

    let d = doctor_json(&run.file("defaults.json"));
    assert_eq!(d["rules_from"], "the Docker image's defaults");
    let media = mount(&d, "/media");
    assert_eq!(
        (media["type"].as_str(), media["seen_type"].as_str()),
        (Some("btrfs"), Some("ext4"))
    );
    assert_eq!(media["server_with_rules"]["class"], "local");
    let disk2 = mount(&d, "/media/disk2");
    assert_eq!(disk2["server_now"]["verdict"], "refused");
    assert_eq!(disk2["server_with_rules"]["class"], "local");
    assert!(disk2["seen_source"]
        .as_str()
        .unwrap()
        .starts_with("fakefstype-media-disk2"));
}

#[test]
fn strace_diff_shows_both_sides_and_the_log() {
    if !privileged(
        "strace_diff_shows_both_sides_and_the_log",
        &[FIXTURE_COMMANDS, &["strace"]].concat(),
    ) {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_fakefstype");
    let run = in_mounts(
        "strace",
        &format!(r#"{bin} strace-diff --rule "$R/media=ext4" -- findmnt "$R/media" > $OUT/diff"#),
        &[("FAKEFSTYPE_LIB", &library())],
    );
    let diff = run.file("diff");
    assert!(diff.contains("WITHOUT THE LIBRARY"), "{diff}");
    assert!(diff.lines().any(|l| l.contains("= [p1] execve(")), "{diff}");
    assert!(
        diff.lines()
            .any(|l| l.contains("> [p1] memfd_create(\"fakefstype\"")),
        "{diff}"
    );
    assert!(diff.contains("== what the library rewrote"));
    assert!(diff.contains("type btrfs -> ext4"), "{diff}");
    assert!(
        diff.contains("== the command's output with the library (exit status 0)"),
        "{diff}"
    );
    assert!(
        !diff.contains("strace: info"),
        "the settings reach only the traced command:\n{diff}"
    );
}

#[test]
fn strace_diff_without_strace_says_how_to_install_it() {
    let empty = scratch("no-strace");
    let out = cli()
        .env("PATH", &empty)
        .args(["strace-diff", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("apt-get install strace"),
        "{}",
        stderr(&out)
    );
}
