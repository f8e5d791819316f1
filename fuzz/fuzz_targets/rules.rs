#![no_main]
//! Arbitrary bytes as FAKEFSTYPE and as a config file: parsing never
//! panics, errors are one line, and a parsed set answers lookups.
use fakefstype_core::rules::{RuleSet, RuleText};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for text in [
        RuleText::Env(data),
        RuleText::File {
            path: "fuzz.conf",
            content: data,
        },
    ] {
        match RuleSet::parse(&[text]) {
            Ok(set) => {
                for mp in [&b"/"[..], b"/media", b"/mnt/user/tv", data] {
                    let _ = set.find(mp, b"btrfs");
                    let _ = set.find(mp, data);
                }
            }
            Err(errors) => {
                for e in errors {
                    assert!(!e.to_string().contains('\n'), "one line: {e}");
                }
            }
        }
    }
});
