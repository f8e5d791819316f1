//! `statfs` and friends: `f_type` becomes the magic of the reported type
//! for any path or fd inside a rewritten mount. Nothing else in the struct
//! changes; `statvfs` (sizes, no type) is not touched at all.

use std::ffi::{c_char, CStr};

use libc::c_int;

use crate::detour::{self, Detour};
use crate::real::next;
use crate::snapshot::{self, Target};
use crate::state;

next!(REAL_STATFS: fn(*const c_char, *mut libc::statfs) -> c_int = c"statfs");
next!(REAL_STATFS64: fn(*const c_char, *mut libc::statfs64) -> c_int = c"statfs64");
next!(REAL_FSTATFS: fn(c_int, *mut libc::statfs) -> c_int = c"fstatfs");
next!(REAL_FSTATFS64: fn(c_int, *mut libc::statfs64) -> c_int = c"fstatfs64");

/// The magic to report instead of `magic`, if the call hit a rewritten
/// mount. The common case returns after two atomic loads.
#[inline]
fn fake_magic(target: impl FnOnce() -> Target<'static>, magic: u32, fsid: [i32; 2]) -> Option<u32> {
    let settings = state::with_rules()?;
    if !snapshot::may_need_rewrite(magic) {
        return None;
    }
    detour::run(|| Detour::Done(snapshot::fake_magic(settings, target(), magic, fsid))).flatten()
}

fn no_symbol() -> c_int {
    crate::sys::set_errno(libc::ENOSYS);
    -1
}

macro_rules! statfs_hook {
    ($name:ident, $real:ident, $buf:ty) => {
        /// # Safety
        /// As `statfs(2)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char, buf: *mut $buf) -> c_int {
            let Some(real) = $real.get() else {
                return no_symbol();
            };
            let ret = real(path, buf);
            if ret == 0 {
                let st = &mut *buf;
                // The caller's path outlives this call.
                let target = || Target::Path(CStr::from_ptr(path));
                if let Some(magic) =
                    fake_magic(target, st.f_type as u32, crate::sys::fsid(&st.f_fsid))
                {
                    st.f_type = magic as _;
                }
            }
            ret
        }
    };
}

macro_rules! fstatfs_hook {
    ($name:ident, $real:ident, $buf:ty) => {
        /// # Safety
        /// As `fstatfs(2)`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(fd: c_int, buf: *mut $buf) -> c_int {
            let Some(real) = $real.get() else {
                return no_symbol();
            };
            let ret = real(fd, buf);
            if ret == 0 {
                let st = &mut *buf;
                if let Some(magic) = fake_magic(
                    || Target::Fd(fd),
                    st.f_type as u32,
                    crate::sys::fsid(&st.f_fsid),
                ) {
                    st.f_type = magic as _;
                }
            }
            ret
        }
    };
}

statfs_hook!(statfs, REAL_STATFS, libc::statfs);
statfs_hook!(statfs64, REAL_STATFS64, libc::statfs64);
fstatfs_hook!(fstatfs, REAL_FSTATFS, libc::statfs);
fstatfs_hook!(fstatfs64, REAL_FSTATFS64, libc::statfs64);
