//! The server-like probe (tests/probes/vms_probe.c): raw open() of
//! /proc/mounts in a separately exec'd root-tool helper that passes the fd
//! back over SCM_RIGHTS, first-three-field parsing, one mount per device,
//! the server's type table. Without the library the btrfs and fuse.shfs
//! storage is refused or dropped; with it every rewritten mount is local
//! storage with a unique device and unchanged size.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{in_mounts, privileged, probe, FIXTURE_COMMANDS};

/// Parsed probe output: mount point -> (verdict, the rest of the line).
fn verdicts(text: &str) -> BTreeMap<String, (String, String)> {
    text.lines()
        .map(|line| {
            let mut f = line.split(' ');
            let verdict = f.next().unwrap().to_string();
            let rest: Vec<&str> = f.collect();
            // "refused CLASS PATH ...", "storage CLASS PATH ...", "duplicate PATH ..."
            let at = if verdict == "duplicate" { 0 } else { 1 };
            let class = if at == 1 {
                format!("{verdict} {}", rest[0])
            } else {
                verdict
            };
            // Paths may hold a space ("my share"): the path runs up to the type.
            let path_end = rest.len() - if class.starts_with("storage") { 4 } else { 2 };
            let path = rest[at..path_end].join(" ");
            (path, (class, rest[path_end..].join(" ")))
        })
        .collect()
}

#[test]
fn server_probe_finds_storage_only_with_the_library() {
    if !privileged(
        "server_probe_finds_storage_only_with_the_library",
        FIXTURE_COMMANDS,
    ) {
        return;
    }
    let vms = probe("vms_probe", &["-O1"]);
    let run = in_mounts(
        "vms",
        r#"
        echo "$R" > $OUT/root
        for how in in-process exec; do
            args=(scan)
            [ $how = exec ] && args+=(--root-tool exec)
            for v in 4 5; do
                "$VMS" "${args[@]}" --vms $v > $OUT/$how.$v.without
                FAKEFSTYPE="$RULES" LD_PRELOAD=$LIB "$VMS" "${args[@]}" --vms $v > $OUT/$how.$v.with
            done
        done
        for m in media archive user/tv user/movies "my share"; do
            python3 -c 'import os,sys; s=os.statvfs(sys.argv[1]); print(s.f_blocks*s.f_frsize)' "$R/$m" >> $OUT/totals
        done
        "#,
        &[("VMS", &vms)],
    );
    let root = run.file("root").trim().to_string();
    let storage =
        ["media", "archive", "user/tv", "user/movies", "my share"].map(|m| format!("{root}/{m}"));
    let totals: Vec<String> = run.file("totals").lines().map(str::to_string).collect();
    for how in ["in-process", "exec"] {
        for v in ["4", "5"] {
            let without = verdicts(&run.file(&format!("{how}.{v}.without")));
            let with = verdicts(&run.file(&format!("{how}.{v}.with")));
            let ctx = format!("{how} vms {v}");
            // Without: btrfs refused, its subvolume a duplicate; fuse.shfs
            // refused, its twin a duplicate; the tmpfs a duplicate.
            assert_eq!(
                without[&storage[0]].0, "refused unknown",
                "{ctx}: {:?}",
                without[&storage[0]]
            );
            assert_eq!(without[&storage[1]].0, "duplicate", "{ctx}");
            assert_eq!(without[&storage[2]].0, "refused unknown", "{ctx}");
            assert_eq!(without[&storage[3]].0, "duplicate", "{ctx}");
            assert_eq!(without[&storage[4]].0, "duplicate", "{ctx}");
            // With: all local storage, unique devices, real sizes.
            let mut devices = BTreeSet::new();
            for (mount, total) in storage.iter().zip(&totals) {
                let (class, rest) = &with[mount];
                assert_eq!(class, "storage local", "{ctx}: {mount}: {rest}");
                let f: Vec<&str> = rest.split(' ').collect();
                assert!(
                    devices.insert(f[1].to_string()),
                    "{ctx}: {mount}: device {} is unique",
                    f[1]
                );
                assert_eq!(
                    f[2],
                    format!("total={total}"),
                    "{ctx}: {mount}: size unchanged"
                );
            }
            // Nothing else the server sees changed (free space moves with
            // whatever else the host writes, so it is left out).
            let steady = |(class, rest): &(String, String)| {
                let rest: Vec<&str> = rest
                    .split(' ')
                    .filter(|f| !f.starts_with("free="))
                    .collect();
                (class.clone(), rest.join(" "))
            };
            for (mount, verdict) in &without {
                if !storage.contains(mount) {
                    assert_eq!(
                        with.get(mount).map(steady),
                        Some(steady(verdict)),
                        "{ctx}: {mount}"
                    );
                }
            }
        }
    }
}
