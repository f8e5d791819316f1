//! The interposed libc functions, one module per family. Each family's
//! names are listed in `fakefstype_core::symbols`; a test checks the `.so`
//! exports exactly those.

mod exec;
mod mntent;
mod open;
mod statfs;
mod stdio;

use std::ffi::{c_char, CStr};

use fakefstype_core::procfs;
use fakefstype_core::table::Format;
use libc::c_int;

use crate::detour::{self, Detour};
use crate::{serve, state, sys};

/// Which mount table an open names, if any. `dirfd` and the cwd are asked
/// only for relative paths, which are rare for mount tables.
fn table_format(dirfd: c_int, path: &CStr) -> Option<Format> {
    let bytes = path.to_bytes();
    if bytes.starts_with(b"/") {
        return procfs::classify(bytes, sys::getpid);
    }
    let dir = if dirfd == libc::AT_FDCWD {
        sys::getcwd()?
    } else {
        sys::fd_path(dirfd)?
    };
    procfs::classify(&procfs::join(&dir, bytes), sys::getpid)
}

/// Whether an fopen-style mode only reads.
fn read_only_mode(mode: &CStr) -> bool {
    let mode = mode.to_bytes();
    mode.first() == Some(&b'r') && !mode.contains(&b'+')
}

/// The open(2) flags an fopen-style read-only mode stands for.
fn mode_flags(mode: &CStr) -> c_int {
    if mode.to_bytes().contains(&b'e') {
        libc::O_RDONLY | libc::O_CLOEXEC
    } else {
        libc::O_RDONLY
    }
}

/// Serves a read-only stdio stream on a mount table: the rewritten fd from
/// [`serve::open_table`] handed to `wrap` (an `fdopen`), which owns it from
/// then on: it keeps it in the stream or lets it close. `None`: not ours.
///
/// # Safety
/// `path` and `mode` are NULL or C strings.
unsafe fn stream_detour(
    path: *const c_char,
    mode: *const c_char,
    flags: impl FnOnce(&CStr) -> c_int,
    wrap: impl FnOnce(sys::Fd, &CStr) -> *mut libc::FILE,
) -> Option<*mut libc::FILE> {
    if path.is_null() || mode.is_null() {
        return None;
    }
    let settings = state::with_rules()?;
    let path = CStr::from_ptr(path);
    let mode = CStr::from_ptr(mode);
    if !procfs::may_be_table(path.to_bytes()) || !read_only_mode(mode) {
        return None;
    }
    detour::run(|| {
        let Some(format) = table_format(libc::AT_FDCWD, path) else {
            return Detour::Bypass;
        };
        match serve::open_table(settings, libc::AT_FDCWD, path, flags(mode), format) {
            Detour::Done(fd) => {
                let stream = wrap(sys::Fd::adopt(fd), mode);
                if stream.is_null() {
                    Detour::Fail(stream, sys::errno())
                } else {
                    Detour::Done(stream)
                }
            }
            Detour::Fail(_, e) => Detour::Fail(std::ptr::null_mut(), e),
            Detour::Bypass => Detour::Bypass,
        }
    })
}

/// `fdopen` that keeps the fd in the stream, or closes it on failure.
fn fdopen(fd: sys::Fd, mode: &CStr) -> *mut libc::FILE {
    // SAFETY: fd is open and ours; mode is a C string.
    let stream = unsafe { libc::fdopen(fd.raw(), mode.as_ptr()) };
    if !stream.is_null() {
        fd.into_raw();
    }
    stream
}
