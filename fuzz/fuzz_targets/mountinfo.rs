#![no_main]
//! Arbitrary bytes as a mountinfo table: the rewrite never panics and keeps
//! every line it does not change byte for byte.
use libfuzzer_sys::fuzz_target;

#[path = "table.rs"]
mod table;

fuzz_target!(|data: &[u8]| {
    table::check(fakefstype_core::table::Format::MountInfo, data);
});
