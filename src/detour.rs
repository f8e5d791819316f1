//! How every hook reads: decide inside a guard, or pass the call through.
//!
//! [`run`] holds a thread-local re-entrancy guard (our own work may call
//! hooked functions: they pass straight through), catches any panic (it must
//! never unwind into C), and restores `errno` unless the detour failed the
//! call on purpose.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use libc::c_int;

use crate::sys::{errno, set_errno};

thread_local! {
    // Const-initialised and without a destructor: no lazy init, no TLS
    // destructor registration, usable from any thread at any time.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Held while the library works on a call; nested hooked calls bypass.
pub struct Guard(());

impl Guard {
    pub fn enter() -> Option<Guard> {
        BUSY.try_with(|busy| {
            if busy.get() {
                None
            } else {
                busy.set(true);
                Some(Guard(()))
            }
        })
        .ok()
        .flatten()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = BUSY.try_with(|busy| busy.set(false));
    }
}

/// What a hook's detour decided.
pub enum Detour<T> {
    /// Not ours: call the real function as if the library were not there.
    Bypass,
    /// Handled: return this, with the caller's `errno` untouched.
    Done(T),
    /// Handled as a failure: return this with `errno` set.
    Fail(T, c_int),
}

/// `FAKEFSTYPE_TEST_PANIC=1`: every detour panics, so the test suite can
/// prove on the shipped library that a panic is caught and the call passed
/// through. Harmless by construction; never useful in production.
pub static PANIC_FOR_TESTS: AtomicBool = AtomicBool::new(false);

/// Runs a detour under the guard; `None` means "call the real function".
pub fn run<T>(detour: impl FnOnce() -> Detour<T>) -> Option<T> {
    let guard = Guard::enter()?;
    let saved = errno();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if PANIC_FOR_TESTS.load(Ordering::Relaxed) {
            panic!("FAKEFSTYPE_TEST_PANIC is set");
        }
        detour()
    }));
    drop(guard);
    match outcome {
        Ok(Detour::Done(value)) => {
            set_errno(saved);
            Some(value)
        }
        Ok(Detour::Fail(value, e)) => {
            set_errno(e);
            Some(value)
        }
        Ok(Detour::Bypass) => {
            set_errno(saved);
            None
        }
        // The panic hook has logged it (once).
        Err(_) => {
            set_errno(saved);
            None
        }
    }
}
