//! The library exports exactly the symbols listed in
//! `fakefstype_core::symbols`, and the CLI carries none of them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn defined_dynamic_functions(file: &Path) -> BTreeSet<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(file)
        .output()
        .expect("nm runs");
    assert!(out.status.success(), "nm -D {}", file.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, kind, name) = (f.next()?, f.next()?, f.next()?);
            (kind == "T" || kind == "W" || kind == "i").then(|| name.to_string())
        })
        .collect()
}

#[test]
fn library_exports_exactly_the_listed_hooks() {
    let exported = defined_dynamic_functions(&common::library());
    let listed: BTreeSet<String> = fakefstype_core::symbols::all().map(String::from).collect();
    let missing: Vec<_> = listed.difference(&exported).collect();
    let unlisted: Vec<_> = exported.difference(&listed).collect();
    assert!(missing.is_empty(), "listed but not exported: {missing:?}");
    assert!(unlisted.is_empty(), "exported but not listed: {unlisted:?}");
}

#[test]
fn cli_carries_no_hooks() {
    let cli = Path::new(env!("CARGO_BIN_EXE_fakefstype"));
    let all = Command::new("nm").arg(cli).output().expect("nm runs");
    let symbols = String::from_utf8_lossy(&all.stdout);
    let defined: BTreeSet<&str> = symbols
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, kind, name) = (f.next()?, f.next()?, f.next()?);
            (kind == "T" || kind == "t").then_some(name)
        })
        .collect();
    for hook in fakefstype_core::symbols::all() {
        assert!(!defined.contains(hook), "the CLI defines {hook}");
    }
}

#[test]
fn cli_dependencies_stay_out_of_the_library() {
    let bytes = std::fs::read(common::library()).unwrap();
    for name in ["clap", "serde_json", "similar"] {
        let found = bytes.windows(name.len()).any(|w| w == name.as_bytes());
        assert!(!found, "the .so mentions {name}");
    }
}
