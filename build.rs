//! 1. Builds the variadic exec wrappers (C); see src/hooks/exec_variadic.c.
//! 2. Links the unwinder statically (libgcc_eh) instead of libgcc_s.so.1.
//!    Rust's std asks for `-lgcc_s`; loading that shared library costs a
//!    program that does not already have it ~120 µs at every start (most of
//!    what preloading us cost /bin/true). A directory holding only
//!    `libgcc_s.a` (libgcc_eh.a, which is PIC) comes first in the search
//!    path, so the linker takes the static copy. Its symbols stay local to
//!    the .so (rustc's version script exports only our hooks), so the host's
//!    own unwinder is never interposed. Set FAKEFSTYPE_DYNAMIC_LIBGCC=1 to
//!    link libgcc_s.so.1 as usual.
use std::path::PathBuf;
use std::process::Command;

fn static_unwinder() {
    println!("cargo:rerun-if-env-changed=FAKEFSTYPE_DYNAMIC_LIBGCC");
    if std::env::var_os("FAKEFSTYPE_DYNAMIC_LIBGCC").is_some() {
        return;
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.contains("linux-gnu") {
        return;
    }
    let compiler = cc::Build::new().get_compiler();
    let Ok(out) = Command::new(compiler.path())
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let eh = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !eh.is_absolute() || !eh.exists() {
        println!("cargo:warning=libgcc_eh.a not found; linking libgcc_s.so.1");
        return;
    }
    let dir = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("static-unwinder");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("libgcc_s.a");
    let _ = std::fs::remove_file(&link);
    std::fs::copy(&eh, &link).unwrap();
    println!("cargo:rustc-link-search=native={}", dir.display());
}

fn main() {
    println!("cargo:rerun-if-changed=src/hooks/exec_variadic.c");
    cc::Build::new()
        .file("src/hooks/exec_variadic.c")
        .flag_if_supported("-fvisibility=hidden")
        .warnings(true)
        .compile("fakefstype_variadic");
    static_unwinder();
}
