//! The process's settings, decided once and never changed.
//!
//! Hooks initialise it themselves (another library's constructor may call
//! `fopen` before ours ran). No lock: one thread wins a compare-and-swap and
//! builds the settings; any call that arrives meanwhile — on that thread
//! (re-entrant) or another — passes through instead of waiting.

use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

use fakefstype_core::process::{exe_name, quick_match};
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

/// A variable's value, borrowed from the environment: it is read only
/// while deciding, before anything in this process could change it.
fn env(name: &CStr) -> Option<&'static [u8]> {
    // SAFETY: getenv with a valid name.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    // SAFETY: getenv returns a C string or NULL.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// The basename of /proc/self/exe, in a stack buffer: no allocation.
fn with_exe_name<R>(f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    let mut buf = [0u8; 4096];
    // SAFETY: buf is writable for its length.
    let n = unsafe {
        libc::readlink(
            c"/proc/self/exe".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n <= 0 || n as usize >= buf.len() {
        return f(None);
    }
    f(Some(exe_name(&buf[..n as usize])))
}

/// A process a names-only `FAKEFSTYPE_PROCESSES` leaves out is known
/// before anything is allocated: loading the library into every other
/// process of a container costs only the load.
fn quickly_excluded() -> bool {
    let Some(list) = env(c"FAKEFSTYPE_PROCESSES").filter(|v| !v.trim_ascii().is_empty()) else {
        return false;
    };
    with_exe_name(|name| match name {
        Some(name) => quick_match(list, name) == Some(false),
        None => quick_match(list, b"").is_some(),
    })
}

fn decide() -> Option<Settings> {
    if quickly_excluded() {
        return None;
    }
    let rules = env(c"FAKEFSTYPE");
    let config = env(c"FAKEFSTYPE_CONFIG");
    let processes = env(c"FAKEFSTYPE_PROCESSES");
    let log = env(c"FAKEFSTYPE_LOG");
    let log_file = env(c"FAKEFSTYPE_LOG_FILE");
    let exec_fix = env(c"FAKEFSTYPE_EXEC_FIX");
    let vars = Variables {
        rules,
        config,
        processes,
        log,
        log_file,
        exec_fix,
    };
    let own_exe = || with_exe_name(|name| name.map(<[u8]>::to_vec));
    let (logging, decision) = settings::decide(&vars, own_exe, read_config);
    crate::log::configure(&logging);
    std::panic::set_hook(Box::new(crate::log::internal_error));
    if env(c"FAKEFSTYPE_TEST_PANIC").is_some_and(|v| v == b"1") {
        crate::detour::PANIC_FOR_TESTS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
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
