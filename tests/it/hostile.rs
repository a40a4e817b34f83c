//! Every hostile file at once, with 64 damaged copies of fixtures, beside
//! the sample, under a 2 GB address space limit (as `ulimit -v 2000000`)
//! and without one: the run ends with exit 1, each hostile file is named in
//! the issues, the sample's ten projects are intact, and the batch's peak
//! RSS stays under 1 GB. Before the budgets of issue 16, and the bounded
//! reader worker of issue 23, each of these aborted or hung the whole
//! batch.

use crate::common::hostile::{
    bare_xlsx, calamine_hostiles, claiming_size, oleloop_xls, patch_xlsx, repeats_ods,
    shared_string_poc_xlsx, with_merges, zip_bomb_docx, zip_bomb_strings_xlsx, zip_bomb_xlsx,
};
use crate::common::seed::SEED;
use crate::common::{assert_exit, Workdir};

/// The hostile files, written under `in/hostile/`; returns their names.
fn write_hostile(wd: &Workdir) -> Vec<&'static str> {
    let dir = wd.path("in/hostile");
    std::fs::create_dir_all(&dir).unwrap();
    zip_bomb_xlsx(&dir.join("bomb.xlsx"));
    zip_bomb_strings_xlsx(&dir.join("bomb-strings.xlsx"));
    with_merges(&dir.join("merges.xlsx"), 100_000);
    let far = dir.join("far.xlsx");
    crate::common::hostile::one_project(&far);
    patch_xlsx(&far, "xl/worksheets/sheet1.xml", |xml| {
        let cell = r#"<row r="60"><c r="AAAAAAAA60" t="inlineStr"><is><t>x</t></is></c></row>"#;
        xml.replacen("</sheetData>", &format!("{cell}</sheetData>"), 1)
    });
    let files: [(&str, Vec<u8>); 7] = [
        ("bomb.docx", zip_bomb_docx()),
        ("repeats.ods", repeats_ods()),
        ("oleloop.xls", oleloop_xls()),
        ("poc-shared-strings.xlsx", shared_string_poc_xlsx()),
        ("sheets.xlsx", bare_xlsx("", &[], 100_000)),
        (
            "cell-500mb.xlsx",
            claiming_size(bare_xlsx("", &[], 1), "xl/worksheets/sheet1.xml", 500 << 20),
        ),
        (
            "noise.xlsx",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let mut names = vec!["bomb.xlsx", "bomb-strings.xlsx", "merges.xlsx"];
    names.extend(files.iter().map(|(n, _)| *n));
    for (name, bytes, _) in calamine_hostiles() {
        std::fs::write(dir.join(name), bytes).unwrap();
        names.push(name);
    }
    names
}

/// Damaged copies of a fixture of each format, written under
/// `in/mutated/`: bytes flipped, some cut short (a fixed xorshift sequence,
/// so a failure repeats). They may read or not; none may stop the batch.
fn write_mutated(wd: &Workdir) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for source in [
        "sample_data/762002.xlsx",
        "tests/fixtures/formats/ods/762002.ods",
        "tests/fixtures/formats/xls/762002.xls",
        "tests/fixtures/formats/docx/762002.docx",
    ] {
        let original = std::fs::read(crate::common::repo().join(source)).unwrap();
        let ext = source.rsplit('.').next().unwrap();
        for k in 0..16 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 12 {
                let i = (next() % bytes.len() as u64) as usize;
                bytes[i] ^= (next() % 255 + 1) as u8;
            }
            if k % 4 == 3 {
                bytes.truncate((next() % bytes.len() as u64) as usize);
            }
            wd.write(&format!("in/mutated/{ext}-{k}.{ext}"), bytes);
        }
    }
}

/// Runs `cmd`, returning its output, wall time and the peak RSS in MB of
/// it and the processes it waited for (its reader workers), from wait4.
#[cfg(unix)]
#[allow(clippy::zombie_processes)]
fn run_measured(cmd: &mut std::process::Command) -> (std::process::Output, f64, i64) {
    use std::io::Read;
    use std::process::Stdio;
    let start = std::time::Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waits for our own child and fills a zeroed rusage.
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let status = std::os::unix::process::ExitStatusExt::from_raw(status);
    let out = std::process::Output {
        status,
        stdout: Vec::new(),
        stderr,
    };
    (out, start.elapsed().as_secs_f64(), usage.ru_maxrss / 1024)
}

/// Every hostile file at once beside the sample, under `address_kib` of
/// address space (as `ulimit -v`) or none: the readers' own budgets and
/// the worker's limits are what bound the run.
#[cfg(unix)]
fn every_hostile_file_beside_the_sample(address_kib: Option<u64>) {
    use std::os::unix::process::CommandExt;
    let wd = Workdir::new();
    wd.sample_into("in/units");
    let names = write_hostile(&wd);
    write_mutated(&wd);
    wd.keep_if_asked(&["in/hostile", "in/mutated"]);
    let mut cmd = wd.command(&["extract", "in", "--out", "out", "--format", "both"]);
    if let Some(kib) = address_kib {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between
        // fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: kib * 1024,
                    rlim_max: kib * 1024,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let (out, secs, peak_mb) = run_measured(&mut cmd);
    assert_exit(&out, 1);
    eprintln!(
        "hostile batch (address space {address_kib:?} KiB): {secs:.1} s, peak RSS {peak_mb} MB"
    );
    assert!(peak_mb < 1024, "peak RSS {peak_mb} MB");
    // far.xlsx and the damaged copies may repeat a sample project word for
    // word: one copy is kept (duplicate_project), whichever file it is in.
    let projects = wd.csv("out/projects.csv");
    for seed in SEED.iter() {
        assert!(
            projects.iter().any(|r| r.get("project_code") == seed.code
                && r.get("project_name") == seed.name
                && r.get("budget_total") == seed.budget_total),
            "{} is intact",
            seed.code
        );
    }
    assert!(
        projects
            .iter()
            .all(|r| !r.get("source_file").starts_with("in/hostile/")
                || r.get("source_file") == "in/hostile/far.xlsx"),
        "no hostile file adds a project"
    );
    let issues = wd.csv("out/issues.csv");
    for name in names {
        let file = format!("in/hostile/{name}");
        let rows = issues
            .iter()
            .filter(|r| r.get("source_file") == file)
            .count();
        // A few rows, never a flood (sheets.xlsx once gave one row for
        // each of the 999 sheets it lists and does not hold).
        assert!((1..=3).contains(&rows), "{file}: {rows} issue rows");
    }
    let says = |file: &str, what: &str| {
        issues.iter().any(|r| {
            r.get("source_file") == format!("in/hostile/{file}") && r.get("message").contains(what)
        })
    };
    assert!(says("cell-500mb.xlsx", "limits.part_mib"));
    assert!(says("bomb-strings.xlsx", "limits.inflate_ratio"));
    assert!(says("repeats.ods", "limits.cells_per_sheet"));
    assert!(says("sheets.xlsx", "limits.sheets"));
    assert!(says("oleloop.xls", "loops"));
    for (name, _, what) in calamine_hostiles() {
        assert!(says(name, what), "{name}: {what}\n{issues:?}");
    }
    // far.xlsx, with a reference past column XFD, is read: its project is
    // the sample's first, reported as submitted twice.
    assert!(
        issues.iter().any(|r| r.get("code") == "duplicate_project"
            && format!("{} {}", r.get("source_file"), r.get("message")).contains("far.xlsx")),
        "far.xlsx is read"
    );
    assert!(wd.path("out/projects.parquet").exists());
}

#[cfg(unix)]
#[test]
fn every_hostile_file_beside_the_sample_under_a_2_gb_address_space() {
    every_hostile_file_beside_the_sample(Some(2_000_000));
}

/// Issue 23: without `ulimit -v`, the hostile `.xls`, `.et`, `.xlsb` and
/// fallback `.xlsx` files once aborted the batch or ran the machine out of
/// memory; the worker's limits now bound them.
#[cfg(unix)]
#[test]
fn every_hostile_file_beside_the_sample_without_an_address_space_limit() {
    every_hostile_file_beside_the_sample(None);
}

#[test]
fn limits_are_pipeline_options_and_a_zero_names_its_key() {
    let wd = Workdir::new();
    wd.sample_into("input");
    // The sample's sheets merge a few dozen ranges each: a budget of 5
    // refuses every sheet, naming the key.
    wd.write(
        "p.toml",
        "[limits]\nmerges_per_sheet = 5\n[output]\nformats = [\"csv\"]\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 1);
    assert!(wd.csv("output/projects.csv").is_empty());
    let issues = wd.csv("output/issues.csv");
    assert!(!issues.is_empty());
    let refused = |file: &str| {
        issues.iter().any(|r| {
            r.get("source_file") == file && r.get("message").contains("limits.merges_per_sheet")
        })
    };
    for f in std::fs::read_dir(wd.path("input")).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(refused(&format!("input/{name}")), "{name}: {issues:?}");
    }

    wd.write("p.toml", "[limits]\ncells_per_sheet = 0\n");
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("limits.cells_per_sheet must be at least 1"),
        "{stderr}"
    );

    wd.write("p.toml", "[limits]\nmax_cells = 10\n");
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_cells"));
}

#[test]
fn a_file_over_limits_file_mib_is_one_error_row() {
    let wd = Workdir::new();
    wd.sample_into("input/units");
    wd.write("input/big.csv", vec![b'x'; (1 << 20) + 1]);
    wd.write(
        "p.toml",
        "[limits]\nfile_mib = 1\n[output]\nformats = [\"csv\"]\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 1);
    assert_eq!(wd.csv("output/projects.csv").len(), SEED.len());
    let issues = wd.csv("output/issues.csv");
    let big: Vec<_> = issues
        .iter()
        .filter(|r| r.get("source_file").ends_with("big.csv"))
        .collect();
    assert_eq!(big.len(), 1);
    assert!(big[0].get("message").contains("limits.file_mib"), "{big:?}");
}

/// Runs the sample in `format` with files capped at `bytes` (as a disk
/// that fills up: a write past the cap fails with EFBIG).
#[cfg(unix)]
fn extract_on_a_full_disk(wd: &Workdir, format: &str, bytes: u64) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    wd.write(
        "p.toml",
        format!("[input]\npaths = [\"in\"]\n[output]\ndir = \"out\"\nformats = [\"{format}\"]\n"),
    );
    let mut cmd = wd.command(&["run", "p.toml"]);
    // SAFETY: signal and setrlimit are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_disk_that_fills_up_while_writing_is_exit_2_naming_the_file() {
    for format in ["csv", "parquet", "xlsx"] {
        let wd = Workdir::new();
        wd.sample_into("in");
        wd.write("out/notes.txt", "mine");
        let out = extract_on_a_full_disk(&wd, format, 4096);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(
            stderr.contains("cannot write") || stderr.contains("out"),
            "{format}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(wd.path("out/notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(wd.debris(), Vec::<String>::new(), "{format}");
    }
}

/// An `.xls` (52 MB) whose shared-string table comes in 170,000 CONTINUE
/// records of 300 bytes: more than writers use, but not so small that the
/// checks before the worker refuse it. calamine joins the pieces one at
/// a time, each time moving all that are left: the time grows with the
/// square of the size (half this file took 1.3 s of CPU in a release
/// build, under one limit below: the test passed in debug builds only),
/// so this one takes about 5 s there and far longer in a debug build.
/// The worker's time limits are what bound it.
fn quadratic_xls() -> Vec<u8> {
    use crate::common::xls::{xls, Extra, XlsCell, XlsSheet};
    let sheet = XlsSheet {
        name: "S".into(),
        cells: vec![(0, 0, XlsCell::Text("说明".into()))],
        ..XlsSheet::default()
    };
    let extra = Extra {
        unused_strings: (0..200_000).map(|i| format!("{i:0>250}")).collect(),
        piece: 300,
        ..Extra::default()
    };
    xls(&[sheet], &extra)
}

/// The worker's processor-time and wall-clock limits each end a read
/// that takes too long, as one error row naming the setting; the sample
/// beside it is read.
#[cfg(unix)]
#[test]
fn a_read_past_the_workers_time_limits_is_one_error_naming_the_setting() {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write("in/slow.xls", quadratic_xls());
    for (limits, key) in [
        ("cpu_seconds = 1\nread_seconds = 100", "limits.cpu_seconds"),
        ("cpu_seconds = 100\nread_seconds = 1", "limits.read_seconds"),
    ] {
        wd.write(
            "p.toml",
            format!(
                "[input]\npaths = [\"in\"]\n[limits]\n{limits}\n[output]\nformats = [\"csv\"]\n"
            ),
        );
        let started = std::time::Instant::now();
        let out = wd.run(&["run", "p.toml", "--jobs", "1"]);
        eprintln!("{key}: {:?}", started.elapsed());
        assert_exit(&out, 1);
        assert_eq!(wd.csv("output/projects.csv").len(), SEED.len());
        let issues = wd.csv("output/issues.csv");
        let slow: Vec<_> = issues
            .iter()
            .filter(|r| r.get("source_file") == "in/slow.xls")
            .collect();
        assert_eq!(slow.len(), 1, "{slow:?}");
        assert!(slow[0].get("message").contains(key), "{slow:?}");
    }
}

/// SIGTERM while calamine is stuck in a worker stops the run within a
/// second (exit 130), the worker with it.
#[cfg(unix)]
#[test]
fn sigterm_during_a_read_in_the_worker_stops_the_run_at_once() {
    let wd = Workdir::new();
    wd.write("in/slow.xls", quadratic_xls());
    let mut child = wd
        .command(&[
            "extract", "in", "--out", "out", "--format", "csv", "-q", "--jobs", "1",
        ])
        .spawn()
        .unwrap();
    // Once the worker runs (the file's own checks, in the run, come
    // first), and calamine is well into the file.
    let tasks = format!("/proc/{}/task", child.id());
    let has_child = || {
        std::fs::read_dir(&tasks)
            .into_iter()
            .flatten()
            .flatten()
            .any(|t| {
                let children = std::fs::read_to_string(t.path().join("children"));
                !children.unwrap_or_default().trim().is_empty()
            })
    };
    let started = std::time::Instant::now();
    while !has_child() {
        assert!(started.elapsed().as_secs() < 60, "no worker started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sent = std::time::Instant::now();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(
        took < std::time::Duration::from_secs(1),
        "stopped after {took:?}"
    );
}
