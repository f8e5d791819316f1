// Builds the variadic exec wrappers (C); see src/hooks/exec_variadic.c.
fn main() {
    println!("cargo:rerun-if-changed=src/hooks/exec_variadic.c");
    cc::Build::new()
        .file("src/hooks/exec_variadic.c")
        .flag_if_supported("-fvisibility=hidden")
        .warnings(true)
        .compile("fakefstype_variadic");
}
