//! `fakefstype [OPTIONS] -- COMMAND`: exec COMMAND with the library
//! preloaded and the settings exported, like faketime. The process is
//! replaced, so the exit status is COMMAND's.

use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use crate::{library, rules, Failure, RunArgs};

/// The environment a run sets on top of the caller's.
pub fn configure(cmd: &mut Command, args: &RunArgs) -> Result<(), Failure> {
    rules::validate(&args.rules)?;
    let lib = library::find()?;
    cmd.env(
        "LD_PRELOAD",
        library::preload_with(&lib, std::env::var_os("LD_PRELOAD").as_deref()),
    );
    if let Some(text) = rules::joined(&args.rules.rules) {
        cmd.env("FAKEFSTYPE", String::from_utf8_lossy(&text).into_owned());
    }
    if let Some(config) = &args.rules.config {
        // Absolute: the command may change directory before the library loads.
        cmd.env("FAKEFSTYPE_CONFIG", std::path::absolute(config)?);
    }
    if let Some(processes) = &args.processes {
        cmd.env("FAKEFSTYPE_PROCESSES", processes);
    }
    if let Some(level) = &args.log {
        cmd.env("FAKEFSTYPE_LOG", level);
    }
    if let Some(file) = &args.log_file {
        cmd.env("FAKEFSTYPE_LOG_FILE", std::path::absolute(file)?);
    }
    Ok(())
}

pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Failure(
            "no COMMAND: give one after `--` (fakefstype --rule /media=ext4 -- df -T), \
             or a subcommand (doctor, strace-diff); see --help"
                .into(),
        ));
    };
    let mut cmd = Command::new(program);
    cmd.args(rest);
    configure(&mut cmd, args)?;
    let err = cmd.exec();
    eprintln!(
        "fakefstype: cannot run {}: {err}",
        program.to_string_lossy()
    );
    // As env(1) and faketime: 127 when not found, 126 when not runnable.
    Ok(ExitCode::from(
        if err.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        },
    ))
}
