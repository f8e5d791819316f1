//! `fopen` and `freopen`: Qt, libmount and many others read mountinfo
//! through stdio; glibc's fopen calls its internal open, which we do not see.

use std::ffi::{c_char, CStr};

use libc::FILE;

use super::{fdopen, mode_flags, stream_detour};
use crate::real::next;

next!(REAL_FOPEN: fn(*const c_char, *const c_char) -> *mut FILE = c"fopen");
next!(REAL_FOPEN64: fn(*const c_char, *const c_char) -> *mut FILE = c"fopen64");
next!(REAL_FREOPEN: fn(*const c_char, *const c_char, *mut FILE) -> *mut FILE = c"freopen");
next!(REAL_FREOPEN64: fn(*const c_char, *const c_char, *mut FILE) -> *mut FILE = c"freopen64");

unsafe fn no_symbol() -> *mut FILE {
    crate::sys::set_errno(libc::ENOSYS);
    std::ptr::null_mut()
}

macro_rules! fopen_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As `fopen(3)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char, mode: *const c_char) -> *mut FILE {
            if let Some(stream) = stream_detour(path, mode, mode_flags, fdopen) {
                return stream;
            }
            match $real.get() {
                Some(real) => real(path, mode),
                None => no_symbol(),
            }
        }
    };
}

macro_rules! freopen_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As `freopen(3)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            path: *const c_char,
            mode: *const c_char,
            stream: *mut FILE,
        ) -> *mut FILE {
            let Some(real) = $real.get() else {
                return no_symbol();
            };
            // The stream keeps its identity: reopen it onto our fd's file
            // through /proc/self/fd, then drop our fd.
            let reopen = |fd: crate::sys::Fd, mode: &CStr| {
                let link = format!("/proc/self/fd/{}\0", fd.raw());
                let link = CStr::from_bytes_with_nul(link.as_bytes()).unwrap_or_default();
                real(link.as_ptr(), mode.as_ptr(), stream)
                // fd closes here; the stream holds its own open of the file.
            };
            if let Some(reopened) = stream_detour(path, mode, mode_flags, reopen) {
                return reopened;
            }
            real(path, mode, stream)
        }
    };
}

fopen_hook!(fopen, REAL_FOPEN);
fopen_hook!(fopen64, REAL_FOPEN64);
freopen_hook!(freopen, REAL_FREOPEN);
freopen_hook!(freopen64, REAL_FREOPEN64);
