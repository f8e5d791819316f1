//! `cargo bench` (as root): what libfakefstype.so costs, as a ratio against
//! the same work without it, measured side by side in one run.
//!
//! Runs itself again inside a private mount namespace, mounts a tmpfs that a
//! rule rewrites (plus tmpfs mounts up to 30, 1,000 and 10,000 in all), and
//! times benches/worker.c with and without the library, alternating, for
//! several rounds. Each ratio is the median of the per-round ratios, so a
//! noisy moment hits both sides of one round alike. Targets are checked here
//! and only here: timing never decides a test.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROUNDS: usize = 15;
/// Wall time one worker run aims at.
const RUN_NANOS: f64 = 80e6;
const INSIDE: &str = "FAKEFSTYPE_BENCH_NAMESPACE";

struct Bench {
    /// Only rows whose work contains this (`cargo bench -- statfs`).
    filter: Option<String>,
    worker: PathBuf,
    empty: PathBuf,
    library: PathBuf,
    base: PathBuf,
    rules: String,
}

/// Two ways of running the same work.
struct Sides {
    with: Vec<(&'static str, String)>,
    without: Vec<(&'static str, String)>,
}

struct Row {
    work: String,
    mounts: usize,
    without_ns: f64,
    with_ns: f64,
    ratio: f64,
    target: Option<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

impl Bench {
    fn run_worker(&self, env: &[(&'static str, String)], args: &[&str], n: u64) -> f64 {
        let mut cmd = Command::new(&self.worker);
        cmd.args(args).arg(n.to_string()).env_remove("LD_PRELOAD");
        for var in [
            "FAKEFSTYPE",
            "FAKEFSTYPE_CONFIG",
            "FAKEFSTYPE_PROCESSES",
            "FAKEFSTYPE_LOG",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("worker runs");
        assert!(
            out.status.success(),
            "worker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("worker prints ns/op")
    }

    fn measure(
        &self,
        work: &str,
        mounts: usize,
        args: &[&str],
        sides: &Sides,
        target: Option<f64>,
    ) -> Option<Row> {
        if self.filter.as_deref().is_some_and(|f| !work.contains(f)) {
            return None;
        }
        // Calibrate on the side without the library, then alternate.
        let probe_ns = self.run_worker(&sides.without, args, 20).max(1.0);
        let n = ((RUN_NANOS / probe_ns) as u64).clamp(20, 2_000_000);
        let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (w, wo) = if round % 2 == 0 {
                let wo = self.run_worker(&sides.without, args, n);
                (self.run_worker(&sides.with, args, n), wo)
            } else {
                let w = self.run_worker(&sides.with, args, n);
                (w, self.run_worker(&sides.without, args, n))
            };
            ratios.push(w / wo);
            with.push(w);
            without.push(wo);
        }
        let row = Row {
            work: work.to_string(),
            mounts,
            without_ns: median(without),
            with_ns: median(with),
            ratio: median(ratios),
            target,
        };
        eprintln!(
            "  {:<48} {:>6} mounts  {:.3}x",
            row.work, row.mounts, row.ratio
        );
        Some(row)
    }

    fn library_sides(&self) -> Sides {
        Sides {
            with: vec![
                ("LD_PRELOAD", self.library.display().to_string()),
                ("FAKEFSTYPE", self.rules.clone()),
            ],
            without: vec![],
        }
    }

    fn startup_sides(&self, extra: &[(&'static str, &str)]) -> Sides {
        let mut with = vec![
            ("CHILD_LD_PRELOAD", self.library.display().to_string()),
            ("FAKEFSTYPE", self.rules.clone()),
        ];
        with.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let mut without = vec![
            ("CHILD_LD_PRELOAD", self.empty.display().to_string()),
            ("FAKEFSTYPE", self.rules.clone()),
        ];
        without.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        Sides { with, without }
    }
}

fn mount_tmpfs(at: &Path) {
    std::fs::create_dir_all(at).unwrap();
    let target = CString::new(at.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid C strings; a private mount namespace.
    let rc = unsafe {
        libc::mount(
            c"tmpfs".as_ptr(),
            target.as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            c"size=64k".as_ptr().cast(),
        )
    };
    assert_eq!(
        rc,
        0,
        "mount tmpfs at {}: {}",
        at.display(),
        std::io::Error::last_os_error()
    );
}

fn mount_count() -> usize {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .count()
}

fn grow_to(base: &Path, count: usize) {
    let mut i = mount_count();
    while mount_count() < count {
        mount_tmpfs(&base.join("m").join(i.to_string()));
        i += 1;
    }
}

fn compile(source: &Path, out: &Path, shared: bool) {
    let mut cc = Command::new("cc");
    cc.arg("-O2").arg("-o").arg(out).arg(source);
    if shared {
        cc.args(["-shared", "-fPIC"]);
    }
    assert!(
        cc.status().expect("cc runs").success(),
        "cc {}",
        source.display()
    );
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = Command::new("uname")
        .arg("-r")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let date = Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{date}, {cpu}, {cores} cores, Linux {kernel}")
}

fn print_table(rows: &[Row]) -> bool {
    println!("\n| work | mounts | without | with | ratio | target |");
    println!("|---|---:|---:|---:|---:|---|");
    let mut all_met = true;
    for r in rows {
        let verdict = match r.target {
            Some(t) if r.ratio <= t => format!("≤ {t:.2}× met"),
            Some(t) => {
                all_met = false;
                format!("≤ {t:.2}× **missed**")
            }
            None => "(scaling)".into(),
        };
        let ns = |v: f64| {
            if v >= 1e6 {
                format!("{:.2} ms", v / 1e6)
            } else if v >= 1e3 {
                format!("{:.1} µs", v / 1e3)
            } else {
                format!("{v:.0} ns")
            }
        };
        println!(
            "| {} | {} | {} | {} | {:.3}× | {} |",
            r.work,
            r.mounts,
            ns(r.without_ns),
            ns(r.with_ns),
            r.ratio,
            verdict
        );
    }
    all_met
}

fn inside_namespace() {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let library = deps.join("libfakefstype.so");
    assert!(
        library.exists(),
        "{} missing: run through `cargo bench`",
        library.display()
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools = deps.join("../bench-tools");
    std::fs::create_dir_all(&tools).unwrap();
    let (worker, empty) = (tools.join("worker"), tools.join("libempty.so"));
    compile(&repo.join("benches/worker.c"), &worker, false);
    compile(&repo.join("benches/empty.c"), &empty, true);

    let base = std::env::temp_dir().join(format!("fakefstype-bench-{}", std::process::id()));
    mount_tmpfs(&base);
    let media = base.join("media");
    mount_tmpfs(&media);
    let deep = media.join("cam1/2026/12/03/hour/14/segments");
    std::fs::create_dir_all(&deep).unwrap();
    // cargo passes --bench; anything else is a filter on the work's name.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let bench = Bench {
        filter,
        worker,
        empty,
        library,
        rules: format!("{}=ext4", media.display()),
        base: base.clone(),
    };
    println!("fakefstype overhead: {}", machine());
    println!(
        "rules: FAKEFSTYPE={}; {ROUNDS} rounds, median of per-round ratios",
        bench.rules
    );

    let lib = bench.library_sides();
    let mut rows = Vec::new();
    grow_to(&bench.base, 30);
    let n = mount_count();
    let deep_arg = deep.display().to_string();
    rows.extend(bench.measure(
        "statfs, a path no rule matches",
        n,
        &["statfs", "/usr/bin"],
        &lib,
        Some(1.05),
    ));
    rows.extend(bench.measure(
        "statfs, deep inside a rewritten mount",
        n,
        &["statfs", &deep_arg],
        &lib,
        Some(1.5),
    ));
    rows.extend(bench.measure(
        "open+read+close /proc/self/mountinfo",
        n,
        &["mountinfo"],
        &lib,
        Some(1.6),
    ));
    rows.extend(bench.measure(
        "getmntent over /proc/self/mounts",
        n,
        &["getmntent"],
        &lib,
        Some(1.6),
    ));
    let startup = bench.startup_sides(&[]);
    rows.extend(bench.measure(
        "start of /bin/true vs an empty preload",
        n,
        &["spawn", "/bin/true"],
        &startup,
        Some(1.15),
    ));
    let excluded = bench.startup_sides(&[("FAKEFSTYPE_PROCESSES", "mediaserver-bin")]);
    rows.extend(bench.measure(
        "start of /bin/true, FAKEFSTYPE_PROCESSES excludes it",
        n,
        &["spawn", "/bin/true"],
        &excluded,
        Some(1.10),
    ));
    let scaling = ["mountinfo", "getmntent", "statfs"];
    for count in [1_000, 10_000] {
        if bench
            .filter
            .as_deref()
            .is_some_and(|f| !scaling.iter().any(|s| s.contains(f) || f.contains(s)))
        {
            break;
        }
        eprintln!("mounting tmpfs up to {count} mounts...");
        grow_to(&bench.base, count);
        let n = mount_count();
        let target = |t| (count == 10_000).then_some(t);
        rows.extend(bench.measure(
            "open+read+close /proc/self/mountinfo",
            n,
            &["mountinfo"],
            &lib,
            target(1.25),
        ));
        rows.extend(bench.measure(
            "getmntent over /proc/self/mounts",
            n,
            &["getmntent"],
            &lib,
            None,
        ));
        rows.extend(bench.measure(
            "statfs, deep inside a rewritten mount",
            n,
            &["statfs", &deep_arg],
            &lib,
            None,
        ));
        rows.extend(bench.measure(
            "statfs, a path no rule matches",
            n,
            &["statfs", "/usr/bin"],
            &lib,
            None,
        ));
    }
    let met = print_table(&rows);
    println!(
        "\n{}",
        if met {
            "every target met"
        } else {
            "some targets MISSED (see the README's benchmark section)"
        }
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing
    // useful either: this harness ignores its arguments.
    if std::env::var_os(INSIDE).is_some() {
        inside_namespace();
        return;
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if !is_root {
        eprintln!("the benchmark mounts tmpfs in a private mount namespace: run it as root (sudo cargo bench)");
        std::process::exit(1);
    }
    let status = Command::new("unshare")
        .args(["-m", "--propagation", "private"])
        .arg(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .env(INSIDE, "1")
        .status()
        .expect("unshare runs");
    std::process::exit(status.code().unwrap_or(1));
}
