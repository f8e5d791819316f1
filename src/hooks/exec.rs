//! The exec family: the 4.x launcher fix (see `fakefstype_core::execfix`).
//!
//! The fix is decided inside the guard, but the real exec is called after
//! the guard is released: a `vfork` child shares the parent's memory, and a
//! guard left set by an exec that never returns would switch the library
//! off for that thread of the parent.

use std::ffi::{c_char, CStr, CString};

use fakefstype_core::execfix;
use libc::{c_int, pid_t, posix_spawn_file_actions_t, posix_spawnattr_t};

use crate::detour::{self, Detour};
use crate::log::log_at;
use crate::real::next;
use crate::{state, sys};

type Argv = *const *const c_char;

next!(REAL_EXECVE: fn(*const c_char, Argv, Argv) -> c_int = c"execve");
next!(REAL_EXECV: fn(*const c_char, Argv) -> c_int = c"execv");
next!(REAL_EXECVP: fn(*const c_char, Argv) -> c_int = c"execvp");
next!(REAL_EXECVPE: fn(*const c_char, Argv, Argv) -> c_int = c"execvpe");
next!(REAL_POSIX_SPAWN: fn(*mut pid_t, *const c_char, *const posix_spawn_file_actions_t, *const posix_spawnattr_t, Argv, Argv) -> c_int = c"posix_spawn");
next!(REAL_POSIX_SPAWNP: fn(*mut pid_t, *const c_char, *const posix_spawn_file_actions_t, *const posix_spawnattr_t, Argv, Argv) -> c_int = c"posix_spawnp");

#[derive(Clone, Copy)]
enum Lookup {
    /// execve, execv, posix_spawn: the path is used as given.
    Direct,
    /// execvp, execvpe, posix_spawnp: a name without `/` is searched in PATH.
    Search,
}

/// An exec's path or argv after the fix; owns the strings it replaced.
struct Fixed {
    path: Option<CString>,
    argv: Option<(Vec<*const c_char>, CString)>,
}

impl Fixed {
    fn apply(fixed: &Option<Fixed>, path: *const c_char, argv: Argv) -> (*const c_char, Argv) {
        let Some(f) = fixed else { return (path, argv) };
        (
            f.path.as_ref().map_or(path, |p| p.as_ptr()),
            f.argv.as_ref().map_or(argv, |(v, _)| v.as_ptr()),
        )
    }
}

fn absolute(relative: &[u8]) -> Option<CString> {
    let cwd = sys::getcwd()?;
    CString::new(execfix::absolute(&cwd, relative)).ok()
}

/// # Safety
/// `path` is NULL or a C string; `argv` is NULL or a NULL-terminated array.
unsafe fn fix(path: *const c_char, argv: Argv, lookup: Lookup) -> Option<Fixed> {
    if path.is_null() {
        return None;
    }
    let fix = &state::active()?.exec_fix;
    if !fix.is_enabled() {
        return None;
    }
    detour::run(|| {
        let exe = CStr::from_ptr(path).to_bytes();
        let wants = match lookup {
            Lookup::Direct => fix.wants_absolute(exe),
            Lookup::Search => fix.wants_absolute_searched(exe),
        };
        if wants {
            let Some(abs) = absolute(exe) else {
                return Detour::Bypass;
            };
            log_at!(
                Debug,
                "exec fix: {} -> {}",
                String::from_utf8_lossy(exe),
                abs.to_string_lossy()
            );
            return Detour::Done(Fixed {
                path: Some(abs),
                argv: None,
            });
        }
        if argv.is_null() || !fix.is_shell(exe) {
            return Detour::Bypass;
        }
        let mut pointers = Vec::new();
        let mut at = argv;
        while !(*at).is_null() {
            pointers.push(*at);
            at = at.add(1);
        }
        let args: Vec<&[u8]> = pointers
            .iter()
            .map(|&p| CStr::from_ptr(p).to_bytes())
            .collect();
        let Some(i) = fix.script_argument(exe, &args) else {
            return Detour::Bypass;
        };
        let Some(abs) = absolute(args[i]) else {
            return Detour::Bypass;
        };
        log_at!(
            Debug,
            "exec fix: {} {} -> {}",
            String::from_utf8_lossy(exe),
            String::from_utf8_lossy(args[i]),
            abs.to_string_lossy()
        );
        pointers[i] = abs.as_ptr();
        pointers.push(std::ptr::null());
        Detour::Done(Fixed {
            path: None,
            argv: Some((pointers, abs)),
        })
    })
}

extern "C" {
    static environ: Argv;
}

fn no_symbol() -> c_int {
    sys::set_errno(libc::ENOSYS);
    -1
}

/// # Safety
/// As `execve(2)`.
#[no_mangle]
pub unsafe extern "C" fn execve(path: *const c_char, argv: Argv, envp: Argv) -> c_int {
    let fixed = fix(path, argv, Lookup::Direct);
    let (path, argv) = Fixed::apply(&fixed, path, argv);
    match REAL_EXECVE.get() {
        Some(real) => real(path, argv, envp),
        None => libc::syscall(libc::SYS_execve, path, argv, envp) as c_int,
    }
}

/// # Safety
/// As `execv(3)`.
#[no_mangle]
pub unsafe extern "C" fn execv(path: *const c_char, argv: Argv) -> c_int {
    let fixed = fix(path, argv, Lookup::Direct);
    let (path, argv) = Fixed::apply(&fixed, path, argv);
    match REAL_EXECV.get() {
        Some(real) => real(path, argv),
        None => execve(path, argv, environ),
    }
}

/// # Safety
/// As `execvp(3)`.
#[no_mangle]
pub unsafe extern "C" fn execvp(file: *const c_char, argv: Argv) -> c_int {
    let fixed = fix(file, argv, Lookup::Search);
    let (file, argv) = Fixed::apply(&fixed, file, argv);
    match REAL_EXECVP.get() {
        Some(real) => real(file, argv),
        None => no_symbol(),
    }
}

/// # Safety
/// As `execvpe(3)`.
#[no_mangle]
pub unsafe extern "C" fn execvpe(file: *const c_char, argv: Argv, envp: Argv) -> c_int {
    let fixed = fix(file, argv, Lookup::Search);
    let (file, argv) = Fixed::apply(&fixed, file, argv);
    match REAL_EXECVPE.get() {
        Some(real) => real(file, argv, envp),
        None => no_symbol(),
    }
}

/// # Safety
/// As `posix_spawn(3)`.
#[no_mangle]
pub unsafe extern "C" fn posix_spawn(
    pid: *mut pid_t,
    path: *const c_char,
    actions: *const posix_spawn_file_actions_t,
    attr: *const posix_spawnattr_t,
    argv: Argv,
    envp: Argv,
) -> c_int {
    let fixed = fix(path, argv, Lookup::Direct);
    let (path, argv) = Fixed::apply(&fixed, path, argv);
    match REAL_POSIX_SPAWN.get() {
        Some(real) => real(pid, path, actions, attr, argv, envp),
        None => libc::ENOSYS,
    }
}

/// # Safety
/// As `posix_spawnp(3)`.
#[no_mangle]
pub unsafe extern "C" fn posix_spawnp(
    pid: *mut pid_t,
    file: *const c_char,
    actions: *const posix_spawn_file_actions_t,
    attr: *const posix_spawnattr_t,
    argv: Argv,
    envp: Argv,
) -> c_int {
    let fixed = fix(file, argv, Lookup::Search);
    let (file, argv) = Fixed::apply(&fixed, file, argv);
    match REAL_POSIX_SPAWNP.get() {
        Some(real) => real(pid, file, actions, attr, argv, envp),
        None => libc::ENOSYS,
    }
}

// execl, execlp, execle: exported trampolines into the C wrappers, which
// collect the variadic arguments and call the hooks above.
extern "C" {
    fn fakefstype_execl();
    fn fakefstype_execlp();
    fn fakefstype_execle();
}

macro_rules! trampoline {
    ($name:ident => $target:ident) => {
        /// A jump that leaves registers and stack as the caller set them.
        ///
        /// # Safety
        /// As the libc function of the same name.
        #[no_mangle]
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!("jmp {0}", sym $target);
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!("b {0}", sym $target);
        }
    };
}

trampoline!(execl => fakefstype_execl);
trampoline!(execlp => fakefstype_execlp);
trampoline!(execle => fakefstype_execle);
