//! The library's log: `FAKEFSTYPE_LOG` level, `FAKEFSTYPE_LOG_FILE` target.
//!
//! Each line is formatted whole and written with one `write(2)`. A log file
//! is opened for every line and closed again: holding an fd would leave one
//! behind in the host, and a daemon that closes every fd would hand its
//! number to some other file we would then write into. The file is opened
//! `O_APPEND | O_NOFOLLOW | O_CLOEXEC`, created `0600`, never followed
//! through a symlink.

use std::ffi::{c_char, CStr, CString};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, Ordering};

use fakefstype_core::settings::{LogLevel, Logging};

use crate::sys;

static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Warn as u8);
static FILE: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the process's logging settings (once, at initialisation).
pub fn configure(logging: &Logging) {
    if let Some(path) = &logging.file {
        if let Ok(path) = CString::new(path.clone()) {
            // Lives for the whole process, like the settings.
            FILE.store(path.into_raw(), Ordering::Release);
        }
    }
    LEVEL.store(logging.level as u8, Ordering::Release);
}

pub fn enabled(level: LogLevel) -> bool {
    level != LogLevel::Off && level as u8 <= LEVEL.load(Ordering::Relaxed)
}

extern "C" {
    static program_invocation_short_name: *const c_char;
}

fn program_name() -> &'static [u8] {
    // SAFETY: glibc sets this to argv[0]'s basename before any constructor.
    unsafe {
        let p = program_invocation_short_name;
        if p.is_null() {
            b"?"
        } else {
            CStr::from_ptr(p).to_bytes()
        }
    }
}

/// Writes one line if the level is enabled.
pub fn write(level: LogLevel, message: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let saved = sys::errno();
    let mut line = String::with_capacity(128);
    let _ = write!(
        line,
        "fakefstype[{}] {}: {}: {}",
        sys::getpid(),
        String::from_utf8_lossy(program_name()),
        level.name(),
        message
    );
    // One line, whatever the message held.
    let mut line = line.replace('\n', "\\n");
    line.push('\n');
    emit(line.as_bytes());
    sys::set_errno(saved);
}

fn emit(line: &[u8]) {
    let file = FILE.load(Ordering::Acquire);
    if file.is_null() {
        sys::write_all(libc::STDERR_FILENO, line);
        return;
    }
    // SAFETY: FILE holds a leaked CString.
    let path = unsafe { CStr::from_ptr(file) };
    let flags = libc::O_WRONLY
        | libc::O_APPEND
        | libc::O_CREAT
        | libc::O_CLOEXEC
        | libc::O_NOFOLLOW
        | libc::O_NOCTTY
        | libc::O_NONBLOCK;
    if let Ok(fd) = sys::openat(libc::AT_FDCWD, path, flags, 0o600) {
        sys::write_all(fd.raw(), line);
    }
}

macro_rules! log_at {
    ($level:ident, $($arg:tt)*) => {
        if $crate::log::enabled(fakefstype_core::settings::LogLevel::$level) {
            $crate::log::write(fakefstype_core::settings::LogLevel::$level, format_args!($($arg)*))
        }
    };
}
pub(crate) use log_at;

/// A warning that is worth saying once per process, not once per call.
pub struct Once(AtomicBool);

impl Once {
    pub const fn new() -> Self {
        Once(AtomicBool::new(false))
    }

    pub fn first(&self) -> bool {
        !self.0.swap(true, Ordering::Relaxed)
    }
}

static INTERNAL_ERROR: Once = Once::new();

/// The panic hook: a panic inside a hook is a bug of ours, caught and
/// passed through; say so once, with where it happened, never per call.
pub fn internal_error(info: &std::panic::PanicHookInfo<'_>) {
    if INTERNAL_ERROR.first() {
        write(
            LogLevel::Error,
            format_args!(
                "internal error at {}, the call was passed through (reported once): {}",
                info.location().map_or("?".to_string(), |l| l.to_string()),
                info.payload()
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("panic")
            ),
        );
    }
}
