//! `fakefstype`: run a command under libfakefstype.so, show what the video
//! server would see (`doctor`), and compare system calls (`strace-diff`).
//!
//! This binary carries no hooks: it uses `fakefstype_core` for every
//! decision and never links the library (tests/symbols.rs checks).

mod doctor;
mod library;
mod mounts;
mod rules;
mod run;
mod strace_diff;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  fakefstype --rule /media=ext4 -- df -T /media
  fakefstype --rule 'type:fuse.shfs=ext4' --log debug -- ./bin/mediaserver-bin -e
  fakefstype doctor
  fakefstype doctor --rule /mnt/user/cctv=ext4 --json
  fakefstype strace-diff --rule /media=ext4 -- findmnt /media

Rules: /mount/point=TYPE, ~REGEX=TYPE or type:REALTYPE=TYPE, with options
,source=auto|keep|unique|NAME and ,unless=TYPE|TYPE. See the README.";

#[derive(Parser)]
#[command(
    name = "fakefstype",
    version,
    about = "Run a command under libfakefstype.so, which makes it see the filesystem type you choose",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    override_usage = "fakefstype [OPTIONS] -- COMMAND [ARGS]...\n       fakefstype doctor [OPTIONS]\n       fakefstype strace-diff [OPTIONS] -- COMMAND [ARGS]..."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Show every mount as the video server sees it now, and with the rules
    #[command(after_help = "\
Examples:
  fakefstype doctor                         # the Docker image's default rules
  fakefstype doctor --rule /media=ext4      # these rules instead
  fakefstype doctor --config /config/fakefstype.conf --json

Rules come from --rule/--config, else FAKEFSTYPE/FAKEFSTYPE_CONFIG, else the
defaults of the Docker image (/media, /archive, /backup, /analytics).")]
    Doctor(DoctorArgs),
    /// strace a command without and with the library and show the difference
    #[command(after_help = "\
Example:
  fakefstype strace-diff --rule /media=ext4 -- findmnt /media

Traces opens of mount tables, the statfs family and the exec family (strace
shows what the kernel returned; the library's debug log that follows shows
what it changed on the way to the program).")]
    StraceDiff(StraceArgs),
}

#[derive(Args, Clone, Default)]
pub struct RuleArgs {
    /// A rule, as in FAKEFSTYPE (repeatable; `;` also separates rules)
    #[arg(short, long = "rule", value_name = "RULE")]
    pub rules: Vec<String>,
    /// A file of rules, one per line, as FAKEFSTYPE_CONFIG
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Only affect these executables (FAKEFSTYPE_PROCESSES)
    #[arg(long, value_name = "LIST")]
    pub processes: Option<String>,
    /// Log level of the library (FAKEFSTYPE_LOG)
    #[arg(long, value_name = "LEVEL", value_parser = ["off", "error", "warn", "info", "debug", "trace"])]
    pub log: Option<String>,
    /// Append the library's log here instead of stderr (FAKEFSTYPE_LOG_FILE)
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// The command to run, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Also list pseudo filesystems, RAM disks and file bind mounts
    #[arg(long)]
    pub all: bool,
    /// The server's type table: 4 (4.0/4.1) or 5 (5.x and later)
    #[arg(long, value_name = "VERSION", default_value = "5", value_parser = ["4", "5"])]
    pub vms: String,
}

#[derive(Args)]
pub struct StraceArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The command to trace, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// An error for the user: printed as `fakefstype: …`, exit status 2.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Doctor(args)) => doctor::doctor(&args),
        Some(Command::StraceDiff(args)) => strace_diff::strace_diff(&args),
        None => run::run(&cli.run),
    };
    match outcome {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("fakefstype: {message}");
            ExitCode::from(2)
        }
    }
}
