//! Serving a rewritten mount table as a file descriptor.
//!
//! The real table is read in full, rewritten by the core, and handed out as
//! a sealed `memfd`: it works with `read`, `pread`, `lseek`, `fstat`, `mmap`,
//! `dup`, `fdopen` and `SCM_RIGHTS` like the real file. When no rule changes
//! anything, the caller gets the kernel's own fd back (rewound), so `poll`
//! and every other property of the real file are kept.

use std::cell::Cell;
use std::ffi::CStr;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use fakefstype_core::settings::Settings;
use fakefstype_core::table::{self, Format};
use libc::c_int;

use crate::detour::Detour;
use crate::log::{log_at, Once};
use crate::snapshot;
use crate::sys::{self, Fd};

/// The size of the last table read: the next read's buffer starts that big,
/// so a 10,000-mount table is not copied through a dozen reallocations.
static LAST_SIZE: AtomicUsize = AtomicUsize::new(0);

/// Largest read buffer a thread keeps for its next table read.
const KEPT_BUFFER: usize = 4 << 20;

thread_local! {
    // Reused across reads, so a big table's pages are faulted in once per
    // thread, not on every read. Taken out while in use: re-entry is safe.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn take_buffer() -> Vec<u8> {
    // After this thread's TLS is torn down: a fresh buffer.
    BUFFER.try_with(Cell::take).unwrap_or_default()
}

fn give_back_buffer(buffer: Vec<u8>) {
    if buffer.capacity() <= KEPT_BUFFER {
        let _ = BUFFER.try_with(|b| b.set(buffer));
    }
}

/// Flags that make an open something other than a plain read of the table.
const NOT_A_READ: c_int =
    libc::O_PATH | libc::O_CREAT | libc::O_TMPFILE | libc::O_DIRECTORY | libc::O_TRUNC;

/// Opens the mount table at `path` (relative to `dirfd`) for the caller.
pub fn open_table(
    settings: &Settings,
    dirfd: c_int,
    path: &CStr,
    flags: c_int,
    format: Format,
) -> Detour<c_int> {
    if flags & libc::O_ACCMODE != libc::O_RDONLY || flags & NOT_A_READ != 0 {
        return Detour::Bypass;
    }
    // Open exactly as the caller asked, so failures are the real ones.
    let real = match sys::openat(dirfd, path, flags, 0) {
        Ok(fd) => fd,
        Err(e) => return Detour::Fail(-1, e),
    };
    let buffer = take_buffer();
    let Ok(text) = sys::read_to_end_into(&real, usize::MAX, LAST_SIZE.load(Relaxed), buffer) else {
        return Detour::Bypass;
    };
    LAST_SIZE.store(text.len(), Relaxed);
    let served = serve_text(settings, real, path, flags, format, &text);
    give_back_buffer(text);
    served
}

fn serve_text(
    settings: &Settings,
    real: Fd,
    path: &CStr,
    flags: c_int,
    format: Format,
    text: &[u8],
) -> Detour<c_int> {
    snapshot::table_was_read();
    let rewrite = table::rewrite(format, text, &settings.rules);
    if rewrite.is_unchanged() {
        // SAFETY: valid fd; seq_file tables regenerate from offset 0.
        if unsafe { libc::lseek(real.raw(), 0, libc::SEEK_SET) } == 0 {
            return Detour::Done(real.into_raw());
        }
        return Detour::Bypass;
    }
    log_changes(settings, path, &rewrite.changes);
    drop(real);
    match served_fd(&rewrite.segments(), flags) {
        Ok(fd) => Detour::Done(fd.into_raw()),
        Err(e) => {
            static FAILED: Once = Once::new();
            if FAILED.first() {
                log_at!(
                    Warn,
                    "cannot hold a rewritten mount table ({}); serving the real one (reported once)",
                    std::io::Error::from_raw_os_error(e)
                );
            }
            Detour::Bypass
        }
    }
}

fn log_changes(settings: &Settings, path: &CStr, changes: &[table::Change]) {
    if !crate::log::enabled(fakefstype_core::settings::LogLevel::Debug) {
        return;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    for c in changes {
        let rule = &settings.rules.rules()[c.rule];
        let source = if c.old_source == &*c.new_source {
            format!("source {} kept", text(c.old_source))
        } else {
            format!("source {} -> {}", text(c.old_source), text(&c.new_source))
        };
        log_at!(
            Debug,
            "{}: {}: type {} -> {}, {} (rule {}: {})",
            path.to_string_lossy(),
            text(c.mount_point),
            text(c.old_type),
            text(c.new_type),
            source,
            rule.origin,
            rule.text
        );
    }
}

/// An fd holding `content` (in pieces): a sealed memfd, or (where seccomp
/// refuses memfd) an unlinked `O_TMPFILE` in /dev/shm or /tmp.
fn served_fd(content: &[&[u8]], flags: c_int) -> Result<Fd, c_int> {
    let cloexec = flags & libc::O_CLOEXEC != 0;
    let fd = match memfd(cloexec) {
        Ok(fd) => fd,
        Err(e @ (libc::EMFILE | libc::ENFILE | libc::ENOMEM)) => return Err(e),
        Err(first) => tmpfile(cloexec).map_err(|_| first)?,
    };
    sys::pwritev_all(&fd, content)?;
    seal(&fd);
    if flags & libc::O_NONBLOCK != 0 {
        // SAFETY: valid fd.
        unsafe { libc::fcntl(fd.raw(), libc::F_SETFL, libc::O_NONBLOCK) };
    }
    Ok(fd)
}

fn memfd(cloexec: bool) -> Result<Fd, c_int> {
    let mut flags = libc::MFD_ALLOW_SEALING;
    if cloexec {
        flags |= libc::MFD_CLOEXEC;
    }
    // SAFETY: valid name and flags.
    let fd = unsafe { libc::memfd_create(c"fakefstype".as_ptr(), flags) };
    if fd < 0 {
        return Err(sys::errno());
    }
    // SAFETY: fd was just created and is ours.
    Ok(unsafe { Fd::adopt(fd) })
}

fn tmpfile(cloexec: bool) -> Result<Fd, c_int> {
    let mut flags = libc::O_TMPFILE | libc::O_RDWR | libc::O_EXCL;
    if cloexec {
        flags |= libc::O_CLOEXEC;
    }
    let mut last = libc::ENOENT;
    for dir in [c"/dev/shm", c"/tmp"] {
        match sys::openat(libc::AT_FDCWD, dir, flags, 0o600) {
            Ok(fd) => return Ok(fd),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Makes the served copy read-only, like the real table.
fn seal(fd: &Fd) {
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
    // SAFETY: valid fd; fails harmlessly on a tmpfile.
    unsafe { libc::fcntl(fd.raw(), libc::F_ADD_SEALS, seals) };
}
