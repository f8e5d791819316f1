//! The 4.x launcher fix: a listed script run through a relative path gets
//! its absolute path, so `BASH_SOURCE[0]` is absolute and the launcher's
//! `start-stop-daemon -d "$VMS_DIR/bin" --exec $VMS_DIR/bin/mediaserver-bin`
//! finds the server. No mounts or privileges needed.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{library, probe, scratch};

/// The 4.0-4.2 launcher, as shipped (see ../shared/notes/mediaserver.md).
const LAUNCHER: &str = r#"#!/bin/bash
VMS_DIR=$(dirname $(dirname "${BASH_SOURCE[0]}"))
EXE=$VMS_DIR/bin/mediaserver-bin
exec start-stop-daemon --start -d "$VMS_DIR/bin" --exec $EXE -- -e
"#;

const SERVER: &str = "#!/bin/sh\necho \"mediaserver-bin started in $(pwd) with: $*\"\n";

/// Prints how it was named: not on the fix list, so it stays relative.
const OTHER: &str = "#!/bin/bash\necho \"other: ${BASH_SOURCE[0]}\"\n";

fn install() -> PathBuf {
    let dir = scratch("exec").join("opt/digitalwatchdog/mediaserver");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (name, text) in [
        ("mediaserver", LAUNCHER),
        ("mediaserver-bin", SERVER),
        ("other", OTHER),
    ] {
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn run(dir: &Path, preload: bool, env: &[(&str, &str)], program: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir).env_remove("LD_PRELOAD");
    if preload {
        cmd.env("LD_PRELOAD", library());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn started(out: &Output, dir: &Path) -> bool {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.contains(&format!(
        "mediaserver-bin started in {}/bin with: -e",
        dir.display()
    ))
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn launcher_fails_without_the_library() {
    let dir = install();
    let out = run(&dir, false, &[], "bash", &["-c", "./bin/mediaserver"]);
    assert!(!started(&out, &dir), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("./bin/./bin/mediaserver-bin"),
        "{}",
        text(&out)
    );
}

#[test]
fn launcher_starts_from_a_shell_with_the_library() {
    let dir = install();
    for script in [
        "./bin/mediaserver",
        "bin/mediaserver",
        "bash ./bin/mediaserver",
        "bash -x bin/mediaserver",
        "sh -c ./bin/mediaserver",
    ] {
        // `true;` keeps bash from exec'ing the last command itself, so the
        // fork+execve path is taken too; without it bash execs directly.
        for prefix in ["", "true; "] {
            let out = run(
                &dir,
                true,
                &[],
                "bash",
                &["-c", &format!("{prefix}{script}")],
            );
            assert!(started(&out, &dir), "{prefix}{script}: {}", text(&out));
        }
    }
}

#[test]
fn launcher_starts_through_every_exec_call() {
    let dir = install();
    let exec_probe = probe("exec_probe", &["-O1"]);
    let probe_path = exec_probe.to_str().unwrap();
    for method in [
        "execl",
        "execlp",
        "execle",
        "execv",
        "execvp",
        "execvpe",
        "posix_spawn",
        "posix_spawnp",
    ] {
        let out = run(&dir, true, &[], probe_path, &[method, "./bin/mediaserver"]);
        assert!(started(&out, &dir), "{method}: {}", text(&out));
        let without = run(&dir, false, &[], probe_path, &[method, "./bin/mediaserver"]);
        assert!(
            !started(&without, &dir),
            "{method} without the library: {}",
            text(&without)
        );
    }
}

#[test]
fn launcher_starts_from_python_subprocess() {
    let dir = install();
    let out = run(
        &dir,
        true,
        &[],
        "python3",
        &[
            "-c",
            "import subprocess; subprocess.run(['./bin/mediaserver'], check=True)",
        ],
    );
    assert!(started(&out, &dir), "{}", text(&out));
}

#[test]
fn nothing_else_about_exec_changes() {
    let dir = install();
    // A script not on the list keeps its relative name.
    let out = run(&dir, true, &[], "bash", &["-c", "./bin/other"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "other: ./bin/other\n");
    // An absolute path is left alone, and arguments pass through.
    let probe_path = probe("exec_probe", &["-O1"]);
    let out = run(
        &dir,
        true,
        &[],
        probe_path.to_str().unwrap(),
        &["execv", "/bin/echo", "a b"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a b\n");
    // A missing listed script fails as it would without the library.
    let out = run(&dir, true, &[], "bash", &["-c", "./nowhere/mediaserver"]);
    let without = run(&dir, false, &[], "bash", &["-c", "./nowhere/mediaserver"]);
    assert_eq!(out.status.code(), without.status.code());
    assert_eq!(out.stdout, without.stdout);
}

#[test]
fn exec_fix_can_be_disabled_or_retargeted() {
    let dir = install();
    let out = run(
        &dir,
        true,
        &[("FAKEFSTYPE_EXEC_FIX", "")],
        "bash",
        &["-c", "./bin/mediaserver"],
    );
    assert!(!started(&out, &dir), "{}", text(&out));
    let out = run(
        &dir,
        true,
        &[("FAKEFSTYPE_EXEC_FIX", "other")],
        "bash",
        &["-c", "./bin/other"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("other: {}/bin/other\n", dir.display())
    );
}
