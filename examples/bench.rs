//! `make bench`: times, in one run, the reading floor (examples/floor.rs)
//! and `jixiao extract` with 1 thread and with all threads over the same
//! corpora, each also without the report and feedback workbooks; prints
//! wall time, files/s, forms/s, peak RSS and the ratios, and checks that
//! the outputs of 1 and all threads are byte-identical.
//!
//! A shared machine's speed drifts from second to second, so the five
//! runs are repeated in rounds (floor, then jixiao's four; `BENCH_ROUNDS`,
//! default 5) and each figure is a median: the wall time, and each ratio
//! taken within a round (a run against the floor run just before it).
//! Peak RSS is the largest of the rounds.
//!
//! `bench CORPUS_DIR...` (release binaries beside this one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Measure {
    secs: f64,
    /// CPU time in the kernel (creating and writing files, mostly).
    sys_secs: f64,
    rss_kb: i64,
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
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
        sys_secs: usage.ru_stime.tv_sec as f64 + usage.ru_stime.tv_usec as f64 / 1e6,
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
    let rounds_wanted: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5);
    println!("rounds: {rounds_wanted} (medians; vs floor: the median of each round's ratio)");
    println!(
        "| corpus | files | forms | run | wall s | range s | sys s | files/s | forms/s | peak RSS MB | vs floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    // Each run writes a folder of its own, and nothing is removed until
    // the bench ends: removing files just before a run would make that
    // run's creating files pay for them (ext4 without a journal scans past
    // inodes freed in the last minutes; see PERFORMANCE.md). The tables
    // are emptied after each run (`shed`).
    let out_root = std::env::temp_dir().join(format!("jixiao-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_root);
    let stamp = std::env::temp_dir().join("jixiao-bench-removed");
    settle(&out_root, &stamp);
    for corpus in std::env::args().skip(1).map(PathBuf::from) {
        let files = files_in(&corpus);
        let name = corpus.file_name().unwrap().to_string_lossy().to_string();
        // `plain`: without report.html and the feedback workbooks, to see
        // what they cost.
        let run = |round: usize, jobs: usize, plain: bool, in_process: bool| {
            let plain_tag = if plain { "-plain" } else { "" };
            let tag = if in_process { "-inproc" } else { "" };
            let out = out_root.join(format!("{name}-{round}-jobs{jobs}{plain_tag}{tag}"));
            let mut cmd = std::process::Command::new(&jixiao);
            if in_process {
                // calamine in jixiao's own process, without the reader
                // worker: what the worker costs.
                cmd.env("JIXIAO_READ_IN_PROCESS", "1");
            }
            cmd.args([
                "extract",
                "--quiet",
                "--format",
                "both",
                "--jobs",
                &jobs.to_string(),
                "--out",
            ])
            .arg(&out)
            .arg(&corpus);
            if plain {
                cmd.args(["--no-report", "--no-feedback"]);
            }
            (measure(&mut cmd), out)
        };
        // Per round: the floor, then jixiao with 1 and all threads, with
        // and without the report and feedback.
        let mut rounds: Vec<[Measure; 6]> = Vec::new();
        let (mut out1, mut outn) = (PathBuf::new(), PathBuf::new());
        for round in 0..rounds_wanted {
            let f = measure(std::process::Command::new(&floor).arg(&corpus));
            // Both runs with the report and feedback, and both without;
            // every other round runs the plain pair first, so that neither
            // pair always follows the other's writing.
            let pair = |plain: bool| (run(round, 1, plain, false), run(round, cores, plain, false));
            let (with, without) = if round % 2 == 1 {
                let without = pair(true);
                (pair(false), without)
            } else {
                let with = pair(false);
                (with, pair(true))
            };
            let (inproc, pi) = run(round, 1, true, true);
            let (((one, o1), (all, on)), ((plain, p1), (plain_all, pn))) = (with, without);
            for done in [&out1, &outn, &p1, &pn, &pi] {
                shed(done);
            }
            (out1, outn) = (o1, on);
            rounds.push([f, one, all, plain, plain_all, inproc]);
        }
        let forms = std::fs::read_to_string(out1.join("projects.csv"))
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0);
        let wall = |k: usize| median(rounds.iter().map(|r| r[k].secs).collect());
        let ratio =
            |k: usize, of: usize| median(rounds.iter().map(|r| r[k].secs / r[of].secs).collect());
        let range = |k: usize| {
            let secs = rounds.iter().map(|r| r[k].secs);
            let lo = secs.clone().fold(f64::INFINITY, f64::min);
            let hi = secs.fold(0.0, f64::max);
            format!("{lo:.2}–{hi:.2}")
        };
        for (k, label) in [
            "floor (calamine, 1 thread)".to_string(),
            "jixiao --jobs 1".to_string(),
            format!("jixiao --jobs {cores}"),
            "jixiao --jobs 1 --no-report --no-feedback".to_string(),
            format!("jixiao --jobs {cores} --no-report --no-feedback"),
            "jixiao --jobs 1 --no-report --no-feedback, calamine in-process".to_string(),
        ]
        .iter()
        .enumerate()
        {
            let secs = wall(k);
            let rss = rounds.iter().map(|r| r[k].rss_kb).max().unwrap_or(0);
            let sys = median(rounds.iter().map(|r| r[k].sys_secs).collect());
            println!(
                "| {name} | {files} | {forms} | {label} | {secs:.2} | {} | {sys:.2} | {:.0} | {:.0} | {:.0} | {:.2}× |",
                range(k),
                files as f64 / secs,
                forms as f64 / secs,
                rss as f64 / 1024.0,
                ratio(k, 0)
            );
        }
        println!(
            "| {name} | | | jobs {cores} / jobs 1 | {:.2}× | | | | | | |",
            ratio(2, 1)
        );
        for (jobs, with, without) in [(1, 1, 3), (cores, 2, 4)] {
            println!(
                "| {name} | | | report and feedback: jobs {jobs} / jobs {jobs} without them | {:.2}× | | | | | | |",
                ratio(with, without)
            );
        }
        println!(
            "| {name} | | | reader worker: jobs 1 without report / the same in-process | {:.2}× | | | | | | |",
            ratio(3, 5)
        );
        let identical = same_tree(&out1, &outn);
        println!(
            "| {name} | | | output of jobs 1 and {cores} byte-identical | {identical} | | | | | | |"
        );
        if !identical {
            remove(&out_root, &stamp);
            std::process::exit(1);
        }
        shed(&out1);
        shed(&outn);
    }
    remove(&out_root, &stamp);
}

/// Removes the bench's folder, and notes when in `stamp` (see [`settle`]).
fn remove(out_root: &Path, stamp: &Path) {
    let _ = std::fs::remove_dir_all(out_root);
    let _ = std::fs::write(stamp, "");
}

/// Creating a file takes longer than this when the file system has not
/// settled (a few tens of microseconds when it has).
const SETTLED_PER_FILE: Duration = Duration::from_micros(100);

/// How long an ext4 without a journal keeps skipping a freed inode whose
/// table block is still unwritten (five minutes, plus one for a written
/// one).
const INODE_RECENCY: Duration = Duration::from_secs(360);

/// Waits until creating files is as fast as usual. On ext4 without a
/// journal (this VM's disk), for minutes after many files were removed,
/// creating a file skips past every inode freed since — 160 to 770 µs a
/// file instead of 25 — and runs writing the feedback folder's thousands
/// of files would measure that instead of jixiao (PERFORMANCE.md). So the
/// bench waits six minutes after the last bench removed its ~25,000
/// files (`stamp`), and then until 200 files take at most 100 µs each
/// (files removed by others, `make test`; at most six minutes more).
/// Elsewhere the probe passes at once.
fn settle(root: &Path, stamp: &Path) {
    let since = std::fs::metadata(stamp).and_then(|m| m.modified());
    let age = since.ok().and_then(|t| t.elapsed().ok());
    if let Some(wait) = age.and_then(|a| INODE_RECENCY.checked_sub(a)) {
        println!(
            "waiting {} s: the last bench removed its files {} s ago (see PERFORMANCE.md)",
            wait.as_secs(),
            age.unwrap_or_default().as_secs()
        );
        std::thread::sleep(wait);
    }
    let give_up = Instant::now() + INODE_RECENCY;
    for attempt in 0.. {
        let per_file = probe(&root.join(format!("probe-{attempt}")));
        let micros = per_file.as_micros();
        if per_file <= SETTLED_PER_FILE {
            if attempt > 0 {
                println!("file system settled: {micros} µs per file created");
            }
            return;
        }
        if Instant::now() > give_up {
            println!("note: creating a file still takes {micros} µs; runs writing many files are slower than usual");
            return;
        }
        if attempt == 0 {
            println!("waiting for the file system: creating a file takes {micros} µs (files removed in the last minutes; see PERFORMANCE.md)");
        }
        std::thread::sleep(Duration::from_secs(15));
    }
}

/// The time creating an empty file takes in a new folder (of 200).
fn probe(dir: &Path) -> Duration {
    let _ = std::fs::create_dir_all(dir);
    let start = Instant::now();
    for i in 0..200 {
        let _ = std::fs::File::create(dir.join(format!("{i}")));
    }
    start.elapsed() / 200
}

/// Empties the files directly in a run's output folder (the tables, the
/// bulk of its bytes), leaving them and its folders in place: on ext4
/// without a journal, creating a file scans past every inode freed in the
/// last few minutes in its group, so removing files between runs would
/// make the next runs' creating files slower (see PERFORMANCE.md). All of
/// it goes when the bench ends.
fn shed(out: &Path) {
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(entry.path());
            let _ = file.and_then(|f| f.set_len(0));
        }
    }
}
