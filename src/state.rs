//! The process's settings, decided once and never changed.
//!
//! Hooks initialise it themselves (another library's constructor may call
//! `fopen` before ours ran). No lock: one thread wins a compare-and-swap and
//! builds the settings; any call that arrives meanwhile — on that thread
//! (re-entrant) or another — passes through instead of waiting.

use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

use fakefstype_core::process::exe_name;
use fakefstype_core::settings::{self, Decision, Settings, Variables, CONFIG_LIMIT};

use crate::detour::Guard;
use crate::log::log_at;
use crate::sys;

const UNINIT: u8 = 0;
const BUSY: u8 = 1;
const DONE: u8 = 2;

static PHASE: AtomicU8 = AtomicU8::new(UNINIT);
static ACTIVE: AtomicPtr<Settings> = AtomicPtr::new(std::ptr::null_mut());

/// The settings when the library acts in this process; `None` when it
/// passes everything through (excluded, invalid, or still initialising).
#[inline]
pub fn active() -> Option<&'static Settings> {
    let p = ACTIVE.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: published once, never freed.
        return Some(unsafe { &*p });
    }
    if PHASE.load(Ordering::Acquire) == DONE {
        return None;
    }
    initialize();
    // SAFETY: as above.
    unsafe { ACTIVE.load(Ordering::Acquire).as_ref() }
}

/// The settings when there are rules to apply.
#[inline]
pub fn with_rules() -> Option<&'static Settings> {
    active().filter(|s| !s.rules.is_empty())
}

pub fn initialize() {
    if PHASE
        .compare_exchange(UNINIT, BUSY, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return;
    }
    let guard = Guard::enter();
    let saved = sys::errno();
    let outcome = std::panic::catch_unwind(decide);
    if let Ok(Some(settings)) = outcome {
        ACTIVE.store(Box::into_raw(Box::new(settings)), Ordering::Release);
    }
    PHASE.store(DONE, Ordering::Release);
    sys::set_errno(saved);
    drop(guard);
}

fn env(name: &CStr) -> Option<Vec<u8>> {
    // SAFETY: getenv with a valid name; the value is copied at once.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    // SAFETY: getenv returns a C string or NULL.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
}

fn decide() -> Option<Settings> {
    let rules = env(c"FAKEFSTYPE");
    let config = env(c"FAKEFSTYPE_CONFIG");
    let processes = env(c"FAKEFSTYPE_PROCESSES");
    let log = env(c"FAKEFSTYPE_LOG");
    let log_file = env(c"FAKEFSTYPE_LOG_FILE");
    let exec_fix = env(c"FAKEFSTYPE_EXEC_FIX");
    let vars = Variables {
        rules: rules.as_deref(),
        config: config.as_deref(),
        processes: processes.as_deref(),
        log: log.as_deref(),
        log_file: log_file.as_deref(),
        exec_fix: exec_fix.as_deref(),
    };
    let own_exe = || sys::readlink(c"/proc/self/exe").map(|p| exe_name(&p).to_vec());
    let (logging, decision) = settings::decide(&vars, own_exe, read_config);
    crate::log::configure(&logging);
    std::panic::set_hook(Box::new(|info| {
        log_at!(Error, "internal error: {info}");
    }));
    match decision {
        Decision::Active(settings) => {
            log_at!(
                Info,
                "active: {} rule(s); exec fix for {}",
                settings.rules.len(),
                settings
                    .exec_fix
                    .names()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for rule in settings.rules.rules() {
                log_at!(Debug, "rule {}: {}", rule.origin, rule.text);
            }
            crate::snapshot::prepare(&settings);
            Some(settings)
        }
        Decision::Excluded => {
            log_at!(
                Debug,
                "not in FAKEFSTYPE_PROCESSES: passing everything through"
            );
            None
        }
        Decision::Invalid(line) => {
            log_at!(Error, "{line}");
            None
        }
    }
}

/// Reads `FAKEFSTYPE_CONFIG`, refusing anything that is not a readable
/// regular file of sane size. `O_NONBLOCK` keeps a FIFO from hanging us.
fn read_config(path: &[u8]) -> Result<Vec<u8>, String> {
    let os_error = |e| std::io::Error::from_raw_os_error(e).to_string();
    let c_path = CString::new(path).map_err(|_| "path contains a NUL byte".to_string())?;
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
    let fd = sys::openat(libc::AT_FDCWD, &c_path, flags, 0)
        .map_err(|e| format!("cannot open: {}", os_error(e)))?;
    // SAFETY: an all-zero stat is valid; fstat fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and buffer.
    if unsafe { libc::fstat(fd.raw(), &mut st) } != 0 {
        return Err(format!("cannot stat: {}", os_error(sys::errno())));
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err("not a regular file".into());
    }
    if st.st_size as u64 > CONFIG_LIMIT as u64 {
        return Err(format!(
            "too large ({} bytes; the limit is {} bytes)",
            st.st_size, CONFIG_LIMIT
        ));
    }
    sys::read_to_end(&fd, CONFIG_LIMIT).map_err(|e| match e {
        libc::EFBIG => format!("too large (over {CONFIG_LIMIT} bytes)"),
        e => format!("cannot read: {}", os_error(e)),
    })
}
