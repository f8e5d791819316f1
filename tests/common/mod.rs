//! Shared by the integration tests: where the library and probes are, and
//! how to run a script inside a private mount namespace with real mounts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The library under test: `cargo test` builds it into `deps/` beside the
/// `fakefstype` binary (only `cargo build` copies it up a level).
pub fn library() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_fakefstype"));
    let dir = dir.parent().unwrap();
    let lib = dir.join("deps/libfakefstype.so");
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under cargo's per-target temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command_exists(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// In CI (and wherever `FAKEFSTYPE_TESTS_STRICT` is set) a missing
/// prerequisite fails the test; elsewhere the test says loudly that it
/// skipped.
pub fn strict() -> bool {
    std::env::var_os("FAKEFSTYPE_TESTS_STRICT").is_some() || std::env::var_os("CI").is_some()
}

/// Whether the privileged prerequisites (root, mount namespaces, and the
/// given commands) are here.
pub fn privileged(test: &str, commands: &[&str]) -> bool {
    let mut missing: Vec<String> = commands
        .iter()
        .filter(|c| !command_exists(c))
        .map(|c| format!("command {c}"))
        .collect();
    if !is_root() {
        missing.push("root".into());
    } else if !Command::new("unshare")
        .args(["-m", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        missing.push("mount namespaces (unshare -m)".into());
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!("{test}: missing prerequisite(s): {}", missing.join(", "));
    if strict() {
        panic!("{message} (FAKEFSTYPE_TESTS_STRICT/CI set: this test must run)");
    }
    eprintln!("SKIPPED {message}");
    false
}

/// Prerequisites of the mount fixture (tests/fixtures/mounts.sh).
pub const FIXTURE_COMMANDS: &[&str] = &[
    "unshare",
    "mkfs.btrfs",
    "btrfs",
    "bindfs",
    "fusermount",
    "findmnt",
    "truncate",
];

/// A C probe from tests/probes, compiled once per set of flags.
pub fn probe(name: &str, flags: &[&str]) -> PathBuf {
    let tag: String = flags
        .iter()
        .map(|f| f.trim_start_matches('-').replace(['=', '_'], ""))
        .collect::<Vec<_>>()
        .join("-");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probes");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(if tag.is_empty() {
        name.to_string()
    } else {
        format!("{name}-{tag}")
    });
    let source = repo().join("tests/probes").join(format!("{name}.c"));
    // Compile to a private name and rename: tests and test binaries run in
    // parallel, and may compile the same probe at once.
    static N: AtomicUsize = AtomicUsize::new(0);
    let tmp = out.with_extension(format!(
        "tmp{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let status = Command::new("cc")
        .args(flags)
        .arg("-Wall")
        .arg("-o")
        .arg(&tmp)
        .arg(&source)
        .arg("-lpthread")
        .status()
        .expect("cc runs");
    assert!(status.success(), "cc {} failed", source.display());
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// The result of a script run in the mount fixture.
pub struct Run {
    pub out: PathBuf,
    pub output: Output,
}

impl Run {
    /// A file the script wrote into `$OUT`.
    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.log()))
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn log(&self) -> String {
        format!(
            "status: {}\nstdout:\n{}\nstderr:\n{}",
            self.output.status,
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

/// The rules the view tests use: both btrfs mounts, both fuse.shfs
/// mounts, and the tmpfs at the path with a space. `$R/ram` stays as is.
pub const RULES: &str = "$R/media=ext4;$R/archive=ext4;type:fuse.shfs=ext4;$R/my share=xfs";

/// Runs `args` under `unshare -m` (a private mount namespace: every mount
/// made there vanishes with it), with `$OUT` (a directory that outlives the
/// namespace), `$WORK` (its parent) and `$LIB` (the library).
fn unshared(dir: &Path, args: &[&std::ffi::OsStr], env: &[(&str, &Path)]) -> Run {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private"])
        .args(args)
        .env("OUT", &out)
        .env("WORK", dir)
        .env("LIB", library())
        .env_remove("LD_PRELOAD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("unshare runs");
    Run { out, output }
}

/// Runs `script` (bash) in a private mount namespace of its own (no
/// fixture mounts).
pub fn in_namespace(name: &str, script: &str, env: &[(&str, &Path)]) -> Run {
    let dir = scratch(name);
    let script = format!("set -euo pipefail\n{script}");
    let run = unshared(
        &dir,
        &["bash".as_ref(), "-c".as_ref(), script.as_ref()],
        env,
    );
    assert!(
        run.output.status.success(),
        "namespace script failed\n{}",
        run.log()
    );
    run
}

/// Runs `script` (bash) in a private mount namespace holding the fixture
/// mounts. The script also sees `$R` (fixture root) and `$RULES`.
pub fn in_mounts(name: &str, script: &str, env: &[(&str, &Path)]) -> Run {
    let dir = scratch(name);
    let root = dir.join("root");
    let fixture = repo().join("tests/fixtures/mounts.sh");
    let script = format!("set -euo pipefail\nR=$FIXTURE_ROOT\nRULES=\"{RULES}\"\n{script}");
    let args = [
        "bash".as_ref(),
        fixture.as_os_str(),
        root.as_os_str(),
        "bash".as_ref(),
        "-c".as_ref(),
        script.as_ref(),
    ];
    let run = unshared(&dir, &args, env);
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        run.output.status.success(),
        "fixture script failed\n{}",
        run.log()
    );
    run
}
