//! `libfakefstype.so`: an `LD_PRELOAD` library that shows a program the
//! filesystem type (and device name) its rules choose for chosen mounts.
//!
//! This crate is the thin FFI shell; every decision lives in
//! `fakefstype_core` and is tested there. Here: resolving the real libc
//! functions ([`real`]), the guard every hook runs under ([`detour`]), the
//! settings decided once per process ([`state`]), serving rewritten tables
//! ([`serve`]), the mount map behind `statfs` ([`snapshot`]), the log, and
//! the hooks themselves ([`hooks`], one module per libc family).

// The hooks must never be linked into a test binary: it would then
// interpose its own libc calls. Without them, the plumbing looks unused.
#![cfg_attr(test, allow(dead_code, unused_imports, unused_macros))]

#[cfg(not(test))]
mod hooks;

mod detour;
mod log;
mod real;
mod serve;
mod snapshot;
mod state;
mod sys;

/// Decide the settings at load time, before `main`, so the first hooked
/// call pays nothing. Hooks still initialise themselves: another library's
/// constructor may run first.
#[cfg(not(test))]
#[used]
#[link_section = ".init_array"]
static INITIALIZE: extern "C" fn() = {
    extern "C" fn initialize() {
        state::initialize();
    }
    initialize
};
