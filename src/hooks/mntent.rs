//! `setmntent`: glibc's calls its internal `fopen`, out of our reach, so the
//! stream is made here; `getmntent`/`getmntent_r` then read the rewritten
//! table with libc's own buffers.

use std::ffi::{c_char, CStr};

use libc::FILE;

use super::{fdopen, stream_detour};
use crate::real::next;

next!(REAL_SETMNTENT: fn(*const c_char, *const c_char) -> *mut FILE = c"setmntent");

extern "C" {
    fn __fsetlocking(stream: *mut FILE, kind: libc::c_int) -> libc::c_int;
}
/// What glibc's setmntent asks for: the caller does its own locking.
const FSETLOCKING_BYCALLER: libc::c_int = 2;

/// # Safety
/// As `setmntent(3)`.
#[no_mangle]
pub unsafe extern "C" fn setmntent(file: *const c_char, mode: *const c_char) -> *mut FILE {
    // glibc's setmntent always opens close-on-exec.
    let flags = |_: &CStr| libc::O_RDONLY | libc::O_CLOEXEC;
    let wrap = |fd, mode: &CStr| {
        let stream = fdopen(fd, mode);
        if !stream.is_null() {
            __fsetlocking(stream, FSETLOCKING_BYCALLER);
        }
        stream
    };
    if let Some(stream) = stream_detour(file, mode, flags, wrap) {
        return stream;
    }
    match REAL_SETMNTENT.get() {
        Some(real) => real(file, mode),
        None => {
            crate::sys::set_errno(libc::ENOSYS);
            std::ptr::null_mut()
        }
    }
}
