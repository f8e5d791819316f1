//! `open` and friends: a read of a mount table is served rewritten.

use std::ffi::{c_char, CStr};

use fakefstype_core::procfs;
use libc::{c_int, c_long, mode_t};

use super::table_format;
use crate::detour::{self, Detour};
use crate::real::next;
use crate::{serve, state};

// open() is variadic; a fixed third argument is ABI-safe on x86_64, i686
// and aarch64 Linux, and it is forwarded only when it means something.
next!(REAL_OPEN: fn(*const c_char, c_int, mode_t) -> c_int = c"open");
next!(REAL_OPEN64: fn(*const c_char, c_int, mode_t) -> c_int = c"open64");
next!(REAL_OPENAT: fn(c_int, *const c_char, c_int, mode_t) -> c_int = c"openat");
next!(REAL_OPENAT64: fn(c_int, *const c_char, c_int, mode_t) -> c_int = c"openat64");
next!(REAL_OPEN_2: fn(*const c_char, c_int) -> c_int = c"__open_2");
next!(REAL_OPEN64_2: fn(*const c_char, c_int) -> c_int = c"__open64_2");
next!(REAL_OPENAT_2: fn(c_int, *const c_char, c_int) -> c_int = c"__openat_2");
next!(REAL_OPENAT64_2: fn(c_int, *const c_char, c_int) -> c_int = c"__openat64_2");

/// Serves the open when it reads one of our mount tables.
///
/// # Safety
/// `path` is NULL or a C string.
unsafe fn detour(dirfd: c_int, path: *const c_char, flags: c_int) -> Option<c_int> {
    if path.is_null() {
        return None;
    }
    let settings = state::with_rules()?;
    let path = CStr::from_ptr(path);
    if !procfs::may_be_table(path.to_bytes()) {
        return None;
    }
    detour::run(|| match table_format(dirfd, path) {
        Some(format) => serve::open_table(settings, dirfd, path, flags, format),
        None => Detour::Bypass,
    })
}

fn mode_arg(flags: c_int, mode: mode_t) -> mode_t {
    if flags & (libc::O_CREAT | libc::O_TMPFILE) != 0 {
        mode
    } else {
        0
    }
}

/// When libc has no such symbol (it always has): the system call itself.
unsafe fn raw_openat(dirfd: c_int, path: *const c_char, flags: c_int, mode: mode_t) -> c_int {
    libc::syscall(
        libc::SYS_openat,
        dirfd as c_long,
        path,
        flags as c_long,
        mode as c_long,
    ) as c_int
}

macro_rules! open_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As `open(2)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char, flags: c_int, mode: mode_t) -> c_int {
            if let Some(fd) = detour(libc::AT_FDCWD, path, flags) {
                return fd;
            }
            let mode = mode_arg(flags, mode);
            match $real.get() {
                Some(real) => real(path, flags, mode),
                None => raw_openat(libc::AT_FDCWD, path, flags, mode),
            }
        }
    };
}

macro_rules! openat_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As `openat(2)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            dirfd: c_int,
            path: *const c_char,
            flags: c_int,
            mode: mode_t,
        ) -> c_int {
            if let Some(fd) = detour(dirfd, path, flags) {
                return fd;
            }
            let mode = mode_arg(flags, mode);
            match $real.get() {
                Some(real) => real(dirfd, path, flags, mode),
                None => raw_openat(dirfd, path, flags, mode),
            }
        }
    };
}

macro_rules! fortified_open_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As glibc's `__open_2` (what `_FORTIFY_SOURCE` builds call).
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char, flags: c_int) -> c_int {
            if let Some(fd) = detour(libc::AT_FDCWD, path, flags) {
                return fd;
            }
            match $real.get() {
                Some(real) => real(path, flags),
                None => raw_openat(libc::AT_FDCWD, path, flags, 0),
            }
        }
    };
}

macro_rules! fortified_openat_hook {
    ($name:ident, $real:ident) => {
        /// # Safety
        /// As glibc's `__openat_2`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
            if let Some(fd) = detour(dirfd, path, flags) {
                return fd;
            }
            match $real.get() {
                Some(real) => real(dirfd, path, flags),
                None => raw_openat(dirfd, path, flags, 0),
            }
        }
    };
}

open_hook!(open, REAL_OPEN);
open_hook!(open64, REAL_OPEN64);
openat_hook!(openat, REAL_OPENAT);
openat_hook!(openat64, REAL_OPENAT64);
fortified_open_hook!(__open_2, REAL_OPEN_2);
fortified_open_hook!(__open64_2, REAL_OPEN64_2);
fortified_openat_hook!(__openat_2, REAL_OPENAT_2);
fortified_openat_hook!(__openat64_2, REAL_OPENAT64_2);
