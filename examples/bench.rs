//! `make bench`: times, in one run, the reading floor (examples/floor.rs)
//! and `jixiao extract` with 1 thread and with all threads over the same
//! corpora; prints wall time, files/s, forms/s, peak RSS and the ratios,
//! and checks that the outputs of 1 and all threads are byte-identical.
//!
//! `bench CORPUS_DIR...` (release binaries beside this one).

use std::path::{Path, PathBuf};
use std::time::Instant;

struct Measure {
    secs: f64,
    rss_kb: i64,
}

/// Runs a command, returning its wall time and peak RSS (from wait4).
// The child is reaped by wait4, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut std::process::Command) -> Measure {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("command starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and fills a zeroed rusage.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    Measure {
        secs: start.elapsed().as_secs_f64(),
        rss_kb: usage.ru_maxrss,
    }
}

fn files_in(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

fn same_tree(a: &Path, b: &Path) -> bool {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = walkdir::WalkDir::new(d)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(d).unwrap().to_path_buf())
            .collect();
        v.sort();
        v
    };
    let (la, lb) = (list(a), list(b));
    la == lb
        && la
            .iter()
            .all(|p| std::fs::read(a.join(p)).ok() == std::fs::read(b.join(p)).ok())
}

fn main() {
    let exe = std::env::current_exe().unwrap();
    let examples = exe.parent().unwrap();
    let floor = examples.join("floor");
    let jixiao = examples.parent().unwrap().join("jixiao");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores; {}",
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    println!(
        "| corpus | files | forms | run | wall s | files/s | forms/s | peak RSS MB | vs floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for corpus in std::env::args().skip(1).map(PathBuf::from) {
        let files = files_in(&corpus);
        let out_root = std::env::temp_dir().join(format!("jixiao-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out_root);
        let f = measure(std::process::Command::new(&floor).arg(&corpus));
        let run = |jobs: usize| {
            let out = out_root.join(format!("jobs{jobs}"));
            let m = measure(
                std::process::Command::new(&jixiao)
                    .args([
                        "extract",
                        "--quiet",
                        "--format",
                        "both",
                        "--jobs",
                        &jobs.to_string(),
                        "--out",
                    ])
                    .arg(&out)
                    .arg(&corpus),
            );
            (m, out)
        };
        let (one, out1) = run(1);
        let (all, outn) = run(cores);
        let forms = std::fs::read_to_string(out1.join("projects.csv"))
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0);
        let name = corpus.file_name().unwrap().to_string_lossy();
        for (label, m) in [
            ("floor (calamine, 1 thread)", &f),
            ("jixiao --jobs 1", &one),
            (&*format!("jixiao --jobs {cores}"), &all),
        ] {
            println!(
                "| {name} | {files} | {forms} | {label} | {:.2} | {:.0} | {:.0} | {:.0} | {:.2}× |",
                m.secs,
                files as f64 / m.secs,
                forms as f64 / m.secs,
                m.rss_kb as f64 / 1024.0,
                m.secs / f.secs
            );
        }
        println!(
            "| {name} | | | jobs {cores} / jobs 1 | {:.2}× | | | | |",
            all.secs / one.secs
        );
        let identical = same_tree(&out1, &outn);
        println!(
            "| {name} | | | output of jobs 1 and {cores} byte-identical | {identical} | | | | |"
        );
        let _ = std::fs::remove_dir_all(&out_root);
        if !identical {
            std::process::exit(1);
        }
    }
}
