//! Replays every input in tests/fuzz-inputs/ (the fuzzers' seeds and every
//! input a fuzzer ever found to crash) through the fuzz targets' checks.

#[path = "../../fuzz/fuzz_targets/table.rs"]
mod table;

use std::path::Path;

use fakefstype_core::rules::{RuleSet, RuleText};
use fakefstype_core::table::Format;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-inputs")
        .join(target);
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no inputs for {target}");
    all
}

#[test]
fn mounts_inputs() {
    for (_, data) in inputs("mounts") {
        table::check(Format::Mounts, &data);
    }
}

#[test]
fn mountinfo_inputs() {
    for (_, data) in inputs("mountinfo") {
        table::check(Format::MountInfo, &data);
    }
}

#[test]
fn rules_inputs() {
    for (name, data) in inputs("rules") {
        for text in [
            RuleText::Env(&data),
            RuleText::File {
                path: "f",
                content: &data,
            },
        ] {
            if let Err(errors) = RuleSet::parse(&[text]) {
                for e in errors {
                    assert!(!e.to_string().contains('\n'), "{name}: {e}");
                }
            }
        }
    }
}
