//! The real libc functions behind our hooks, resolved without locks.
//!
//! One atomic pointer per symbol, filled by `dlsym(RTLD_NEXT)` on first use
//! (and again eagerly at load). Two threads racing store the same value. A
//! symbol libc lacks is remembered as absent; the hook then falls back to a
//! raw system call or fails with `ENOSYS`, never panics.

use std::ffi::{c_void, CStr};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Stored for a symbol `dlsym` did not find, so it is looked up once.
const ABSENT: *mut c_void = std::ptr::dangling_mut::<c_void>();

pub struct Next<F> {
    name: &'static CStr,
    ptr: AtomicPtr<c_void>,
    _fn: PhantomData<F>,
}

// SAFETY: the only state is an atomic pointer; F is a plain fn pointer type.
unsafe impl<F> Sync for Next<F> {}

impl<F: Copy> Next<F> {
    pub const fn new(name: &'static CStr) -> Self {
        assert!(
            std::mem::size_of::<F>() == std::mem::size_of::<*mut c_void>(),
            "F must be a function pointer"
        );
        Next {
            name,
            ptr: AtomicPtr::new(std::ptr::null_mut()),
            _fn: PhantomData,
        }
    }

    /// The next definition of this symbol after ours (libc's), if any.
    pub fn get(&self) -> Option<F> {
        let mut p = self.ptr.load(Ordering::Acquire);
        if p.is_null() {
            // SAFETY: dlsym with a valid C string; RTLD_NEXT skips our .so.
            let found = unsafe { libc::dlsym(libc::RTLD_NEXT, self.name.as_ptr()) };
            p = if found.is_null() { ABSENT } else { found };
            self.ptr.store(p, Ordering::Release);
        }
        if p == ABSENT {
            return None;
        }
        // SAFETY: F is a fn pointer type of the symbol's real signature.
        Some(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&p) })
    }
}

/// Declares the real function behind a hook:
/// `next!(REAL_OPEN: fn(*const c_char, c_int, mode_t) -> c_int = c"open");`
macro_rules! next {
    ($static:ident : fn($($arg:ty),* $(,)?) -> $ret:ty = $name:literal) => {
        pub(crate) static $static: $crate::real::Next<unsafe extern "C" fn($($arg),*) -> $ret> =
            $crate::real::Next::new($name);
    };
}
pub(crate) use next;
