//! The command line: help, formats, exit codes, and bad input that never
//! stops the batch.

use crate::common::forms::{write_workbook, Layout};
use crate::common::seed::SEED;
use crate::common::{assert_exit, Workdir};

#[test]
fn every_command_explains_itself() {
    let wd = Workdir::new();
    for args in [&["--help"][..], &["run", "--help"], &["extract", "--help"]] {
        let out = wd.run(args);
        assert_exit(&out, 0);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage"), "{args:?}: {text}");
    }
    let top = String::from_utf8_lossy(&wd.run(&["--help"]).stdout).to_string();
    assert!(top.contains("Exit codes"), "{top}");
}

#[test]
fn extract_writes_only_the_requested_format() {
    let wd = Workdir::new();
    wd.sample_into("in");
    assert_exit(
        &wd.run(&["extract", "in", "--out", "csv_only", "--format", "csv"]),
        0,
    );
    assert!(wd.path("csv_only/projects.csv").is_file());
    assert!(!wd.path("csv_only/projects.parquet").exists());
    assert_exit(
        &wd.run(&["extract", "in", "--out", "pq", "--format", "parquet"]),
        0,
    );
    assert!(wd.path("pq/projects.parquet").is_file());
    assert!(!wd.path("pq/projects.csv").exists());
    assert_exit(&wd.run(&["extract", "in/762002.xlsx", "--out", "one"]), 0);
    assert_eq!(wd.csv("one/projects.csv").len(), 4);
    assert_eq!(
        wd.csv("one/projects.csv")[0].get("source_file"),
        "762002.xlsx"
    );
}

#[test]
fn a_bad_pipeline_file_names_the_key_and_exits_2() {
    let wd = Workdir::new();
    wd.write("p.toml", "[output]\nformat = [\"csv\"]\n");
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("format"), "{stderr}");
    assert!(stderr.contains("p.toml"), "{stderr}");
    let out = wd.run(&["run", "missing.toml"]);
    assert_exit(&out, 2);
}

#[test]
fn a_missing_input_exits_2() {
    let wd = Workdir::new();
    let out = wd.run(&["extract", "nowhere", "--out", "out"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));
}

#[test]
fn forms_are_written_in_a_stable_order() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in/b")).unwrap();
    std::fs::create_dir_all(wd.path("in/a")).unwrap();
    let first: Vec<_> = SEED.iter().take(2).collect();
    let last: Vec<_> = SEED.iter().skip(8).collect();
    write_workbook(&wd.path("in/b/x.xlsx"), &first, &Layout::default()).unwrap();
    write_workbook(&wd.path("in/a/y.xlsx"), &last, &Layout::default()).unwrap();
    assert_exit(&wd.run(&["extract", "in", "--out", "out"]), 0);
    let files: Vec<String> = wd
        .csv("out/projects.csv")
        .iter()
        .map(|r| r.get("source_file").to_string())
        .collect();
    assert_eq!(
        files,
        ["in/a/y.xlsx", "in/a/y.xlsx", "in/b/x.xlsx", "in/b/x.xlsx"]
    );
}

#[test]
fn output_is_byte_identical_for_any_number_of_jobs() {
    let wd = Workdir::new();
    let repo = crate::common::repo();
    for dir in [
        "sample_data",
        "tests/fixtures/formats/xls",
        "tests/fixtures/formats/docx",
        "tests/fixtures/openpyxl",
    ] {
        for f in std::fs::read_dir(repo.join(dir)).unwrap() {
            let f = f.unwrap();
            let name = format!(
                "in/{}/{}",
                dir.replace('/', "_"),
                f.file_name().to_string_lossy()
            );
            wd.write(&name, std::fs::read(f.path()).unwrap());
        }
    }
    wd.write("in/broken.xlsx", b"");
    for jobs in ["1", "2", "4"] {
        let out = wd.run(&[
            "extract",
            "in",
            "--out",
            &format!("out{jobs}"),
            "--jobs",
            jobs,
            "--quiet",
        ]);
        assert_exit(&out, 1);
    }
    // Every file, the report and the feedback workbooks included.
    let mut names = Vec::new();
    for f in walkdir::WalkDir::new(wd.path("out1")) {
        let f = f.unwrap();
        if f.file_type().is_file() {
            let rel = f.path().strip_prefix(wd.path("out1")).unwrap();
            names.push(rel.to_path_buf());
        }
    }
    assert!(names.iter().any(|n| n.starts_with("feedback")), "{names:?}");
    for name in names {
        let one = std::fs::read(wd.path("out1").join(&name)).unwrap();
        for jobs in ["2", "4"] {
            let other = std::fs::read(wd.path(&format!("out{jobs}")).join(&name)).unwrap();
            assert!(
                one == other,
                "{} differs between --jobs 1 and --jobs {jobs}",
                name.display()
            );
        }
    }
    // The sample's 10 target forms and 10 self-evaluations, and the 10
    // forms of each of the two fixture folders.
    assert_eq!(wd.csv("out1/projects.csv").len(), 40);
}

/// `jixiao validate … | head -1`: the reader goes away before the report is
/// written; the command ends quietly with its usual exit code (it panicked
/// with exit 101 before).
#[test]
fn validate_and_inspect_end_quietly_when_the_reader_goes_away() {
    let wd = Workdir::new();
    wd.sample_into("in");
    for args in [
        &["validate", "in"][..],
        &["validate", "in", "--format", "json"],
        &["inspect", "in/762002.xlsx"],
    ] {
        let mut child = wd
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the command has read its input, let alone written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_exit(&out, 0);
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
