//! `fakefstype strace-diff -- COMMAND`: the system calls that matter, traced
//! without and with the library, side by side; then the library's own log
//! of what it rewrote (strace sees what the kernel returned, not what the
//! library changed on the way to the program).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use similar::{ChangeTag, TextDiff};

use crate::{library, rules, Failure, StraceArgs};

const TRACED: &str =
    "trace=open,openat,openat2,statfs,fstatfs,statfs64,fstatfs64,execve,execveat,memfd_create";

fn strace_available() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("strace").is_file()))
}

/// Keeps the calls that matter and makes two traces comparable: pids,
/// addresses, fd numbers and statfs fields other than the type go.
pub fn normalize(trace: &str) -> Vec<String> {
    let mut pids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in trace.lines() {
        let (pid, call) = match line.split_once(' ') {
            Some((p, rest)) if p.chars().all(|c| c.is_ascii_digit()) => (p, rest.trim_start()),
            _ => ("", line),
        };
        let name = call.split('(').next().unwrap_or("");
        let relevant = match name {
            "open" | "openat" | "openat2" => ["mounts", "mountinfo", "mtab"]
                .iter()
                .any(|t| call.contains(t)),
            "statfs" | "fstatfs" | "statfs64" | "fstatfs64" | "execve" | "execveat"
            | "memfd_create" => true,
            _ => false,
        };
        if !relevant {
            continue;
        }
        let n = match pids.iter().position(|p| p == pid) {
            Some(n) => n,
            None => {
                pids.push(pid.to_string());
                pids.len() - 1
            }
        };
        out.push(format!("[p{}] {}", n + 1, scrub(call)));
    }
    out
}

fn scrub(call: &str) -> String {
    let mut s = call.to_string();
    // statfs results: only the type matters here.
    if let (Some(start), Some(end)) = (s.find("{f_type="), s.rfind('}')) {
        let kind = s[start + 8..]
            .split([',', '}'])
            .next()
            .unwrap_or("")
            .to_string();
        s.replace_range(start..=end, &format!("{{f_type={kind}, ...}}"));
    }
    // The with-run has a few more variables in its environment.
    if let (Some(start), Some(end)) = (s.find("/* "), s.find(" vars */")) {
        if start < end {
            s.replace_range(start..end + 8, "/* … vars */");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && chars.peek() == Some(&'x') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                chars.next();
            }
            out.push_str("0x…");
        } else {
            out.push(c);
        }
    }
    // fd numbers: results of opens and the fd argument of fstatfs.
    let name = out.split('(').next().unwrap_or("").to_string();
    if let Some(at) = out.rfind(" = ") {
        let result = &out[at + 3..];
        if matches!(
            name.as_str(),
            "open" | "openat" | "openat2" | "memfd_create"
        ) && result
            .split(' ')
            .next()
            .is_some_and(|r| r.parse::<u32>().is_ok())
        {
            out.replace_range(
                at + 3..at + 3 + result.split(' ').next().unwrap().len(),
                "FD",
            );
        }
    }
    if name.starts_with("fstatfs") {
        if let Some(open) = out.find('(') {
            let end = out[open..].find(',').map_or(open + 1, |e| open + e);
            out.replace_range(open + 1..end, "FD");
        }
    }
    out
}

/// Runs the command under strace. The settings go to the traced command
/// only (`strace -E`), not into strace itself.
fn trace(
    command: &[OsString],
    env: &[(&str, OsString)],
    output: &Path,
) -> Result<std::process::Output, Failure> {
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-s", "256", "-e", TRACED, "-o"])
        .arg(output);
    cmd.env_remove("LD_PRELOAD").env_remove("FAKEFSTYPE_CONFIG");
    for (k, v) in env {
        let mut setting = OsString::from(format!("{k}="));
        setting.push(v);
        cmd.arg("-E").arg(setting);
    }
    cmd.arg("--").args(command);
    cmd.output()
        .map_err(|e| Failure(format!("cannot run strace: {e}")))
}

fn side_by_side(left: &[String], right: &[String]) -> String {
    let width = 70;
    let fit = |s: &str| {
        if s.chars().count() <= width {
            format!("{s:<width$}")
        } else {
            let cut: String = s.chars().take(width - 1).collect();
            format!("{cut}…")
        }
    };
    let (l, r) = (left.join("\n") + "\n", right.join("\n") + "\n");
    let diff = TextDiff::from_lines(&l, &r);
    let mut out = format!("{}   {}\n", fit("WITHOUT THE LIBRARY"), "WITH THE LIBRARY");
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches('\n');
        match change.tag() {
            ChangeTag::Equal => out.push_str(&format!("{} = {}\n", fit(text), text)),
            ChangeTag::Delete => out.push_str(&format!("{} <\n", fit(text))),
            ChangeTag::Insert => out.push_str(&format!("{} > {}\n", fit(""), text)),
        }
    }
    out
}

pub fn strace_diff(args: &StraceArgs) -> Result<ExitCode, Failure> {
    if !strace_available() {
        return Err(Failure(
            "strace-diff needs strace, which is not on PATH; install it: apt-get install strace (Debian, Ubuntu), apk add strace (Alpine), dnf install strace (Fedora)".into(),
        ));
    }
    let rules = rules::effective(&args.rules)?;
    let lib = library::find()?;
    let dir = scratch_dir()?;
    let (without, with, log) = (
        dir.join("without.trace"),
        dir.join("with.trace"),
        dir.join("fakefstype.log"),
    );
    let preload = std::env::var_os("LD_PRELOAD");
    let mut env_without = Vec::new();
    if let Some(p) = library::preload_without(&lib, preload.as_deref()) {
        env_without.push(("LD_PRELOAD", p));
    }
    let plain = trace(&args.command, &env_without, &without)?;
    let rule_text: String = rules
        .set
        .rules()
        .iter()
        .map(|r| r.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let env_with = vec![
        (
            "LD_PRELOAD",
            library::preload_with(&lib, preload.as_deref()),
        ),
        ("FAKEFSTYPE", rule_text.into()),
        ("FAKEFSTYPE_LOG", "debug".into()),
        ("FAKEFSTYPE_LOG_FILE", log.clone().into()),
    ];
    let preloaded = trace(&args.command, &env_with, &with)?;
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let report = side_by_side(&normalize(&read(&without)), &normalize(&read(&with)));
    println!("Rules from {}; traced: {}\n", rules.from, &TRACED[6..]);
    print!("{report}");
    for (name, run) in [("without", &plain), ("with", &preloaded)] {
        println!(
            "\n== the command's output {name} the library (exit status {})",
            run.status.code().unwrap_or(-1)
        );
        print!("{}", String::from_utf8_lossy(&run.stdout));
        eprint!("{}", String::from_utf8_lossy(&run.stderr));
    }
    let status = preloaded.status;
    println!("\n== what the library rewrote (FAKEFSTYPE_LOG=debug)");
    let log_text = read(&log);
    if log_text.is_empty() {
        println!("(nothing: no table read or statfs touched a rewritten mount)");
    } else {
        print!("{log_text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

fn scratch_dir() -> Result<PathBuf, Failure> {
    let base = std::env::temp_dir().join(format!("fakefstype-strace-{}", std::process::id()));
    std::fs::create_dir_all(&base)
        .map_err(|e| Failure(format!("cannot create {}: {e}", base.display())))?;
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_pids_addresses_fds_and_keeps_what_matters() {
        let trace = "\
4242 execve(\"/usr/bin/findmnt\", [\"findmnt\"], 0x7ffd5f7a8e30 /* 20 vars */) = 0
4242 openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3
4242 openat(AT_FDCWD, \"/proc/self/mountinfo\", O_RDONLY|O_CLOEXEC) = 3
4242 statfs(\"/media\", {f_type=BTRFS_SUPER_MAGIC, f_bsize=4096, f_blocks=40960}) = 0
4243 fstatfs(5, {f_type=EXT2_SUPER_MAGIC, f_bsize=4096}) = 0
4242 memfd_create(\"fakefstype\", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 4
";
        assert_eq!(
            normalize(trace),
            [
                "[p1] execve(\"/usr/bin/findmnt\", [\"findmnt\"], 0x… /* … vars */) = 0",
                "[p1] openat(AT_FDCWD, \"/proc/self/mountinfo\", O_RDONLY|O_CLOEXEC) = FD",
                "[p1] statfs(\"/media\", {f_type=BTRFS_SUPER_MAGIC, ...}) = 0",
                "[p2] fstatfs(FD, {f_type=EXT2_SUPER_MAGIC, ...}) = 0",
                "[p1] memfd_create(\"fakefstype\", MFD_CLOEXEC|MFD_ALLOW_SEALING) = FD",
            ]
        );
    }

    #[test]
    fn side_by_side_marks_both_sides() {
        let a = vec!["same".to_string(), "gone".to_string()];
        let b = vec!["same".to_string(), "new".to_string()];
        let out = side_by_side(&a, &b);
        assert!(out
            .lines()
            .any(|l| l.starts_with("same") && l.ends_with("= same")));
        assert!(out
            .lines()
            .any(|l| l.starts_with("gone") && l.trim_end().ends_with('<')));
        assert!(out.lines().any(|l| l.ends_with("> new")));
    }
}
