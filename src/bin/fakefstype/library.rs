//! Where libfakefstype.so is: `FAKEFSTYPE_LIB`, else next to this
//! executable, in `../lib/` or `../lib/fakefstype/` relative to it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::Failure;

const NAME: &str = "libfakefstype.so";

pub fn candidates(exe_dir: &Path) -> Vec<PathBuf> {
    vec![
        exe_dir.join(NAME),
        exe_dir.join("../lib").join(NAME),
        exe_dir.join("../lib/fakefstype").join(NAME),
    ]
}

pub fn find() -> Result<PathBuf, Failure> {
    if let Some(path) = std::env::var_os("FAKEFSTYPE_LIB") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Failure(format!(
                "FAKEFSTYPE_LIB={} is not a file",
                path.display()
            )))
        };
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().unwrap_or(Path::new("/"));
    let looked = candidates(dir);
    for path in &looked {
        if path.is_file() {
            // Absolute and without "..": the loader takes it as it is.
            return Ok(path.canonicalize().unwrap_or_else(|_| path.clone()));
        }
    }
    Err(Failure(format!(
        "cannot find {NAME}; looked in {} (set FAKEFSTYPE_LIB to its path)",
        looked
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// `LD_PRELOAD` with the library first, keeping what was there (once).
pub fn preload_with(lib: &Path, existing: Option<&OsStr>) -> OsString {
    let mut value = OsString::from(lib);
    if let Some(existing) = existing {
        for entry in existing
            .to_string_lossy()
            .split([':', ' '])
            .filter(|e| !e.is_empty() && Path::new(e) != lib)
        {
            value.push(":");
            value.push(entry);
        }
    }
    value
}

/// `LD_PRELOAD` without the library (for the comparison run).
pub fn preload_without(lib: &Path, existing: Option<&OsStr>) -> Option<OsString> {
    let kept: Vec<String> = existing?
        .to_string_lossy()
        .split([':', ' '])
        .filter(|e| !e.is_empty() && Path::new(e) != lib && !e.ends_with(NAME))
        .map(String::from)
        .collect();
    (!kept.is_empty()).then(|| kept.join(":").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preload_is_prepended_once() {
        let lib = Path::new("/usr/lib/libfakefstype.so");
        assert_eq!(preload_with(lib, None), "/usr/lib/libfakefstype.so");
        assert_eq!(
            preload_with(
                lib,
                Some(OsStr::new("/x/libjemalloc.so.2 /usr/lib/libfakefstype.so"))
            ),
            "/usr/lib/libfakefstype.so:/x/libjemalloc.so.2"
        );
        assert_eq!(
            preload_without(lib, Some(OsStr::new("/usr/lib/libfakefstype.so"))),
            None
        );
        assert_eq!(
            preload_without(lib, Some(OsStr::new("/a.so:/usr/lib/libfakefstype.so"))),
            Some("/a.so".into())
        );
    }

    #[test]
    fn candidate_places() {
        let c = candidates(Path::new("/usr/local/bin"));
        assert_eq!(c[0], Path::new("/usr/local/bin/libfakefstype.so"));
        assert_eq!(c[1], Path::new("/usr/local/bin/../lib/libfakefstype.so"));
        assert_eq!(
            c[2],
            Path::new("/usr/local/bin/../lib/fakefstype/libfakefstype.so")
        );
    }
}
