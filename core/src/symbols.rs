//! The libc symbols the library interposes, by family. Calls inside libc
//! are not interposed (`setmntent` calls libc's own `fopen`, which calls
//! libc's own `open`), so every layer a program may enter by is listed.
//! A test checks that the `.so` exports exactly these names.

pub struct Family {
    pub name: &'static str,
    pub symbols: &'static [&'static str],
}

pub const FAMILIES: &[Family] = &[
    Family {
        name: "open",
        // The __*_2 names are what _FORTIFY_SOURCE builds call.
        symbols: &[
            "open",
            "open64",
            "openat",
            "openat64",
            "__open_2",
            "__open64_2",
            "__openat_2",
            "__openat64_2",
        ],
    },
    Family {
        name: "stdio",
        symbols: &["fopen", "fopen64", "freopen", "freopen64"],
    },
    Family {
        name: "mntent",
        // getmntent/getmntent_r read the stream setmntent returned, which
        // already carries the rewritten table: libc's buffers stay libc's.
        symbols: &["setmntent"],
    },
    Family {
        name: "statfs",
        // statvfs carries no type and is left alone.
        symbols: &["statfs", "statfs64", "fstatfs", "fstatfs64"],
    },
    Family {
        name: "exec",
        symbols: &[
            "execve",
            "execv",
            "execvp",
            "execvpe",
            "execl",
            "execlp",
            "execle",
            "posix_spawn",
            "posix_spawnp",
        ],
    },
];

/// Every interposed name, in family order.
pub fn all() -> impl Iterator<Item = &'static str> {
    FAMILIES.iter().flat_map(|f| f.symbols.iter().copied())
}
