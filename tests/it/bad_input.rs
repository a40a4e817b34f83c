//! Bad input: each case gets a clear error naming the file, the batch goes
//! on, and nothing readable is lost. One test per case.

use crate::common::forms::{write_workbook, Layout};
use crate::common::hostile::{oleloop_xls, patch_xlsx, with_merges};
use crate::common::seed::{SeedProject, SEED};
use crate::common::{assert_exit, Row, Workdir};

fn sample_bytes() -> Vec<u8> {
    std::fs::read(crate::common::repo().join("sample_data/762002.xlsx")).unwrap()
}

/// Runs `extract` on the sample plus `name` holding `bytes`; returns the
/// issue rows for `name` after checking that every sample project is there.
fn with_sample(name: &str, bytes: &[u8], exit: i32) -> Vec<Row> {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write(&format!("in/{name}"), bytes);
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, exit);
    assert_eq!(
        wd.csv("out/projects.csv").len(),
        10,
        "every intact project is written"
    );
    wd.csv("out/issues.csv")
        .into_iter()
        .filter(|r| r.get("source_file") == format!("in/{name}"))
        .collect()
}

fn one_error(rows: &[Row], code: &str, words: &str) {
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].get("severity"), "error");
    assert_eq!(rows[0].get("code"), code);
    let msg = rows[0].get("message");
    assert!(msg.contains(words), "message should say '{words}': {msg}");
}

#[test]
fn empty_file() {
    one_error(
        &with_sample("empty.xlsx", b"", 1),
        "file_unreadable",
        "empty",
    );
}

#[test]
fn truncated_archive() {
    let bytes = sample_bytes();
    let rows = with_sample("truncated.xlsx", &bytes[..bytes.len() / 2], 1);
    one_error(&rows, "file_unreadable", "truncated or corrupt");
}

#[test]
fn corrupt_archive() {
    let mut bytes = sample_bytes();
    for b in bytes.iter_mut().skip(200).step_by(97) {
        *b ^= 0x5A;
    }
    let rows = with_sample("corrupt.xlsx", &bytes, 1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].get("severity"), "error");
}

#[test]
fn a_csv_named_xlsx() {
    let rows = with_sample(
        "export.xlsx",
        "项目编码,项目名称\n762-0504-JQN-MTUQ,x\n".as_bytes(),
        1,
    );
    one_error(&rows, "file_unreadable", "plain text");
}

#[test]
fn an_html_page_named_xls() {
    let rows = with_sample(
        "report.xls",
        b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        1,
    );
    one_error(&rows, "file_unreadable", "HTML");
}

#[test]
fn a_password_protected_workbook() {
    let bytes =
        std::fs::read(crate::common::repo().join("tests/fixtures/broken/password.xlsx")).unwrap();
    let rows = with_sample("locked.xlsx", &bytes, 1);
    one_error(&rows, "file_unreadable", "password-protected");
}

#[test]
fn an_unsupported_file_type_is_skipped_with_a_note() {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write("in/scan.pdf", b"%PDF-1.4");
    // A folder's notes are no submission: not read, not reported.
    wd.write("in/README.md", b"# submissions of 2020");
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped in/scan.pdf"), "{stderr}");
    assert!(!stderr.contains("README"), "{stderr}");
    assert!(wd
        .csv("out/issues.csv")
        .iter()
        .all(|r| r.get("source_file") != "in/scan.pdf"));
}

#[test]
fn a_workbook_with_no_forms_is_a_warning() {
    let wd = Workdir::new();
    wd.sample_into("in");
    let cover = Layout {
        cover_sheet: true,
        ..Layout::default()
    };
    write_workbook(&wd.path("in/cover.xlsx"), &[], &cover).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 0);
    let rows: Vec<Row> = wd
        .csv("out/issues.csv")
        .into_iter()
        .filter(|r| r.get("source_file") == "in/cover.xlsx")
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get("code"), "no_forms_found");
    assert_eq!(rows[0].get("severity"), "warning");
}

#[test]
fn a_form_missing_its_project_code_is_still_written() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    let projects: Vec<&SeedProject> = SEED.iter().take(3).collect();
    let layout = Layout {
        no_code: true,
        ..Layout::default()
    };
    write_workbook(&wd.path("in/nocode.xlsx"), &projects, &layout).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let projects_out = wd.csv("out/projects.csv");
    assert_eq!(projects_out.len(), 3, "every form yields its project row");
    for (r, p) in projects_out.iter().zip(&projects) {
        assert_eq!(r.get("project_code"), "");
        assert_eq!(r.get("project_name"), p.name);
        assert_eq!(r.get("budget_total"), p.budget_total);
    }
    assert_eq!(wd.csv("out/indicators.csv").len(), 9);
    let missing: Vec<Row> = wd
        .csv("out/issues.csv")
        .into_iter()
        .filter(|r| r.get("code") == "missing_field")
        .collect();
    assert_eq!(missing.len(), 3);
    assert!(missing
        .iter()
        .all(|r| r.get("severity") == "error" && r.get("message").contains("项目编码")));
    assert!(missing.iter().all(|r| !r.get("source_cell").is_empty()));
}

#[test]
fn a_sheet_claiming_a_huge_used_range() {
    use rust_xlsxwriter::{Format, Workbook};
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    let projects: Vec<&SeedProject> = SEED.iter().take(1).collect();
    write_workbook(&wd.path("in/huge.xlsx"), &projects, &Layout::default()).unwrap();
    // Styled-empty cells out to XFD1048576, a merged range over nearly all
    // of the sheet, and real values a million rows and 16,000 columns
    // apart: a dense reader would need 17 billion cells.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let styled = Format::new().set_bold();
    sheet.write_string(0, 0, "项目编码").unwrap();
    sheet.write_string(0, 1, "762-0504-JQN-MTUQ").unwrap();
    sheet.write_string(0, 3, "项目名称").unwrap();
    sheet.write_string(0, 4, "远处的项目").unwrap();
    sheet.write_blank(1_048_575, 16_383, &styled).unwrap();
    sheet.write_string(1_048_575, 16_382, "far away").unwrap();
    sheet
        .merge_range(10, 10, 11, 11, "merged everywhere", &styled)
        .unwrap();
    let sparse = wd.path("in/sparse.xlsx");
    book.save(&sparse).unwrap();
    patch_xlsx(&sparse, "xl/worksheets/sheet1.xml", |xml| {
        assert!(xml.contains("K11:L12"), "{xml}");
        xml.replace("K11:L12", "K11:XFD1048576")
    });
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let names: Vec<String> = wd
        .csv("out/projects.csv")
        .iter()
        .map(|r| r.get("project_name").to_string())
        .collect();
    assert!(names.contains(&"远处的项目".to_string()), "{names:?}");
    assert!(names.contains(&SEED[0].name.to_string()));
}

#[test]
fn sample_plus_broken_files_exits_1_and_sample_alone_exits_0() {
    let wd = Workdir::new();
    wd.sample_into("in/units");
    let bytes = sample_bytes();
    wd.write("in/broken/empty.xlsx", b"");
    wd.write("in/broken/half.xlsx", &bytes[..bytes.len() / 3]);
    wd.write("in/broken/text.xlsx", "a,b\n1,2\n");
    wd.write(
        "in/broken/locked.xlsx",
        std::fs::read(crate::common::repo().join("tests/fixtures/broken/password.xlsx")).unwrap(),
    );
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    assert_eq!(wd.csv("out/projects.csv").len(), 10);
    let issues = wd.csv("out/issues.csv");
    for f in ["empty", "half", "text", "locked"] {
        let name = format!("in/broken/{f}.xlsx");
        assert!(
            issues
                .iter()
                .any(|r| r.get("source_file") == name && r.get("severity") == "error"),
            "{name} named with an error"
        );
    }
    let out = wd.run(&["extract", "in/units", "--out", "out2"]);
    assert_exit(&out, 0);
    assert_eq!(wd.csv("out2/projects.csv").len(), 10);
}

#[test]
fn validate_prints_issues_by_file_and_never_writes_tables() {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write("in/empty.xlsx", b"");
    let out = wd.run(&["validate", "in"]);
    assert_exit(&out, 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 error(s), 17 warning(s)"), "{text}");
    assert!(text.contains("in/empty.xlsx"));
    assert!(
        text.contains("绩效目标表!E12"),
        "sheet!cell of a finding: {text}"
    );
    assert!(!wd.path("output").exists());
    let out = wd.run(&["validate", "in", "--format", "json"]);
    assert_exit(&out, 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(json["warnings"], 17);
    let out = wd.run(&["validate", "in/762002.xlsx"]);
    assert_exit(&out, 0);
}

#[test]
fn a_run_replaces_its_tables_as_a_set_and_keeps_other_files() {
    // The user's own .csv and .parquet files in the output folder were
    // deleted as "old tables": only what jixiao wrote (its manifest) is
    // replaced now.
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write("out/notes.txt", "mine");
    wd.write("out/my_summary.csv", "mine too");
    wd.write("out/stale.parquet", "mine as well");
    let run = |formats: &str| wd.run(&["extract", "in", "--out", "out", "--format", formats]);
    assert_exit(&run("both"), 0);
    assert!(wd.path("out/projects.parquet").is_file());
    assert_exit(&run("csv"), 0);
    assert!(wd.path("out/projects.csv").is_file());
    assert!(
        !wd.path("out/projects.parquet").exists(),
        "jixiao's tables are replaced as a set"
    );
    for (file, text) in [
        ("notes.txt", "mine"),
        ("my_summary.csv", "mine too"),
        ("stale.parquet", "mine as well"),
    ] {
        assert_eq!(
            std::fs::read_to_string(wd.path("out").join(file)).unwrap(),
            text
        );
    }
    let manifest = std::fs::read_to_string(wd.path("out/.jixiao-manifest")).unwrap();
    assert!(manifest.lines().any(|l| l == "projects.csv"), "{manifest}");
    assert!(!manifest.contains("notes.txt"));
    assert_eq!(wd.debris(), Vec::<String>::new());
}

#[test]
fn csv_text_is_guarded_against_formulas_and_parquet_keeps_it() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    let mut p = SeedProject { ..SEED[0] };
    p.name = "=HYPERLINK(\"http://x\",\"点击\")";
    write_workbook(&wd.path("in/x.xlsx"), &[&p], &Layout::default()).unwrap();
    assert_exit(&wd.run(&["extract", "in", "--out", "out"]), 0);
    let row = &wd.csv("out/projects.csv")[0];
    assert_eq!(
        row.get("project_name"),
        "'=HYPERLINK(\"http://x\",\"点击\")"
    );
    assert_eq!(
        wd.csv("out/indicators.csv")[0].get("target_op"),
        "=",
        "our own vocabulary is not guarded"
    );
    use polars::prelude::*;
    let f = std::fs::File::open(wd.path("out/projects.parquet")).unwrap();
    let df = ParquetReader::new(f).finish().unwrap();
    let name = df
        .column("project_name")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert_eq!(name, p.name);
    // The guard is a pipeline option.
    wd.write(
        "p.toml",
        "[input]\npaths = [\"in\"]\n[output]\ndir = \"raw\"\ncsv_formula_guard = false\n",
    );
    assert_exit(&wd.run(&["run", "p.toml"]), 0);
    assert_eq!(wd.csv("raw/projects.csv")[0].get("project_name"), p.name);
}

#[test]
fn rules_can_be_switched_off_or_made_errors() {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write(
        "p.toml",
        "[input]\npaths = [\"in\"]\n[validate.rules]\nduplicate_goal = \"off\"\ntarget_out_of_range = \"error\"\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 1);
    let issues = wd.csv("output/issues.csv");
    assert!(issues.iter().all(|r| r.get("code") != "duplicate_goal"));
    assert_eq!(issues.len(), 16);
    assert!(issues.iter().all(|r| r.get("severity") == "error"));
}

/// A project written with `edit` applied to the first seed form, as
/// `in/x.xlsx` (text cells).
fn one_form(wd: &Workdir, edit: impl Fn(&mut SeedProject)) {
    std::fs::create_dir_all(wd.path("in")).unwrap();
    let mut p = SeedProject { ..SEED[0] };
    edit(&mut p);
    write_workbook(&wd.path("in/x.xlsx"), &[&p], &Layout::default()).unwrap();
}

#[test]
fn inspect_html_escapes_a_cell_that_closes_an_attribute() {
    let wd = Workdir::new();
    one_form(&wd, |p| p.name = "x\" onmouseover=\"alert(1)");
    let out = wd.run(&["inspect", "in/x.xlsx", "--html", "p.html"]);
    assert_exit(&out, 0);
    let html = std::fs::read_to_string(wd.path("p.html")).unwrap();
    assert!(!html.contains("onmouseover=\""), "attribute injected");
    assert!(html.contains("x&quot; onmouseover=&quot;alert(1)"));
}

#[test]
fn csv_guard_catches_full_width_and_space_led_formulas() {
    for name in ["＝HYPERLINK(\"x\")", " =1+1", "\u{3000}+1", "＠SUM(A1)"] {
        let wd = Workdir::new();
        one_form(&wd, |p| p.name = name);
        assert_exit(
            &wd.run(&["extract", "in", "--out", "out", "--format", "csv"]),
            0,
        );
        let got = wd.csv("out/projects.csv")[0]
            .get("project_name")
            .to_string();
        assert!(got.starts_with('\''), "{name:?} written as {got:?}");
    }
}

#[test]
fn an_output_folder_inside_the_input_folder_is_not_read_back() {
    let wd = Workdir::new();
    wd.sample_into("in");
    for _ in 0..2 {
        let out = wd.run(&["extract", "in", "--out", "in/out", "--format", "csv"]);
        assert_exit(&out, 0);
    }
    wd.run(&["extract", "in", "--out", "in/out"]);
    let out = wd.run(&["extract", "in", "--out", "in/out"]);
    assert_exit(&out, 0);
    assert_eq!(
        wd.csv("in/out/projects.csv").len(),
        10,
        "its own tables.xlsx not read"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("skipped in/out"), "{stderr}");
}

#[test]
fn hidden_folders_are_not_read() {
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.copy_from_repo("sample_data/762002.xlsx", "in/.Trash/old.xlsx");
    assert_exit(
        &wd.run(&["extract", "in", "--out", "out", "--format", "csv"]),
        0,
    );
    let projects = wd.csv("out/projects.csv");
    assert_eq!(projects.len(), 10);
    assert!(projects
        .iter()
        .all(|r| !r.get("source_file").contains(".Trash")));
}

#[test]
fn ambiguous_thousands_separators_and_negative_amounts_are_errors() {
    for (written, code) in [
        ("1,5", "amount_not_number"),
        ("1.234,50", "amount_not_number"),
        ("1,23,456.7", "amount_not_number"),
        ("-5", "amount_negative"),
    ] {
        let wd = Workdir::new();
        one_form(&wd, |p| p.budget_total = written);
        let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
        assert_exit(&out, 1);
        let p = &wd.csv("out/projects.csv")[0];
        // (CSV guards a leading '-' against formulas with a quote.)
        let raw = p.get("budget_total_raw").trim_start_matches('\'');
        assert_eq!(raw, written, "the raw text kept");
        let issues = wd.csv("out/issues.csv");
        assert!(
            issues.iter().any(|r| r.get("code") == code),
            "{written}: {issues:?}"
        );
        if code == "amount_not_number" {
            assert_eq!(p.get("budget_total"), "", "{written}: no number invented");
        }
    }
}

#[test]
fn an_absurd_number_of_jobs_is_a_clear_error() {
    let wd = Workdir::new();
    wd.sample_into("in");
    let out = wd.run(&["extract", "in", "--out", "out", "--jobs", "100000"]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--jobs") && stderr.contains("1024"),
        "{stderr}"
    );
}

/// Project codes that differ only in a character a folder name cannot
/// hold (`X:1`, `X=1`) shared one partition folder, and the Parquet
/// dataset silently kept one of their rows.
#[test]
fn partitioned_parquet_keeps_every_row_of_hostile_codes() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    // A 300-character code ended the run at the very end with "File name
    // too long" and no tables.
    let long: &'static str = Box::leak("9".repeat(300).into_boxed_str());
    let codes = ["X:1", "X=1", "X%1", "X?1", "X1", "X/1", "X_1", long];
    let forms: Vec<SeedProject> = codes
        .iter()
        .map(|c| SeedProject { code: c, ..SEED[0] })
        .collect();
    let refs: Vec<&SeedProject> = forms.iter().collect();
    write_workbook(&wd.path("in/x.xlsx"), &refs, &Layout::default()).unwrap();
    wd.write(
        "p.toml",
        "[input]\npaths = [\"in\"]\n[output]\ndir = \"out\"\nformats = [\"csv\", \"parquet\"]\nparquet_partition_by = [\"project_code\"]\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let csv_rows = wd.csv("out/projects.csv").len();
    assert_eq!(csv_rows, codes.len());
    let mut parquet_rows = 0;
    let mut todo = vec![wd.path("out/projects")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                use polars::prelude::*;
                let df = ParquetReader::new(std::fs::File::open(&p).unwrap())
                    .finish()
                    .unwrap();
                parquet_rows += df.height();
            }
        }
    }
    assert_eq!(parquet_rows, csv_rows, "every row in the dataset");
}

#[test]
fn symlinked_workbooks_are_read_and_a_symlink_loop_is_an_issue() {
    let wd = Workdir::new();
    wd.sample_into("store");
    std::fs::create_dir_all(wd.path("in")).unwrap();
    std::os::unix::fs::symlink(wd.path("store/762002.xlsx"), wd.path("in/linked.xlsx")).unwrap();
    std::os::unix::fs::symlink(wd.path("in"), wd.path("in/loop")).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 1);
    assert_eq!(
        wd.csv("out/projects.csv").len(),
        4,
        "762002.xlsx's four forms, through the link"
    );
    let issues = wd.csv("out/issues.csv");
    let looped = issues
        .iter()
        .find(|r| r.get("code") == "file_unreadable")
        .unwrap_or_else(|| panic!("{issues:?}"));
    assert_eq!(looped.get("source_file"), "in/loop", "{looped:?}");
}

/// Issue 25: a pipe or a device named as an input was walked as an empty
/// folder: exit 0, and the tables of the run before replaced by empty ones.
#[cfg(unix)]
#[test]
fn a_pipe_or_device_named_as_an_input_is_an_error_and_the_tables_stay() {
    let wd = Workdir::new();
    wd.sample_into("in");
    assert_exit(
        &wd.run(&["extract", "in", "--out", "out", "--format", "csv"]),
        0,
    );
    let before = wd.csv("out/projects.csv").len();
    let fifo = wd.path("pipe.xlsx");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for input in [fifo.to_str().unwrap(), "/dev/null"] {
        let out = wd.run(&["extract", input, "--out", "out", "--format", "csv"]);
        assert_exit(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is not a file or a folder"), "{stderr}");
        assert_eq!(wd.csv("out/projects.csv").len(), before);
    }
}

#[test]
fn a_pipe_is_noted_in_a_folder_and_refused_by_inspect_without_hanging() {
    let wd = Workdir::new();
    wd.sample_into("in");
    let fifo = wd.path("in/pipe.xlsx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped in/pipe.xlsx"), "{stderr}");
    let out = wd.run(&["inspect", "in/pipe.xlsx"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}

/// Two runs at once into one folder: the second stops at once (exit 2),
/// naming the first, and the folder is as the first leaves it.
#[cfg(unix)]
#[test]
fn a_second_run_into_a_busy_output_folder_stops_at_once() {
    let wd = Workdir::new();
    wd.sample_into("in");
    // A lock held by a running process: this test's.
    wd.write(".out.jixiao-lock", std::process::id().to_string());
    let held = std::fs::File::open(wd.path(".out.jixiao-lock")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    let r = unsafe { libc::flock(std::os::unix::io::AsRawFd::as_raw_fd(&held), libc::LOCK_EX) };
    assert_eq!(r, 0);
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another jixiao run"), "{stderr}");
    assert!(!wd.path("out").exists());
    assert!(
        wd.path(".out.jixiao-lock").exists(),
        "the other run's lock left alone"
    );
    // A lock left by a run that is gone is taken over, and released.
    drop(held);
    wd.write(".out.jixiao-lock", "4194300");
    assert_exit(
        &wd.run(&["extract", "in", "--out", "out", "--format", "csv"]),
        0,
    );
    assert!(!wd.path(".out.jixiao-lock").exists());
}

#[test]
fn a_read_only_output_folder_is_an_error_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    wd.sample_into("in");
    wd.write("out/mine.txt", "mine");
    std::fs::set_permissions(wd.path("out"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    std::fs::set_permissions(wd.path("out"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
    assert!(!wd.path("out/projects.csv").exists());
    assert_eq!(
        std::fs::read_to_string(wd.path("out/mine.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_zip_bomb_sheet_is_refused_before_it_is_inflated() {
    let wd = Workdir::new();
    wd.sample_into("in/units");
    let bomb = wd.path("in/bomb.xlsx");
    let projects: Vec<&SeedProject> = SEED.iter().take(1).collect();
    write_workbook(&bomb, &projects, &Layout::default()).unwrap();
    // 24 MiB of blanks in a comment deflate to about 24 KiB: a thousand
    // times, where real sheet XML compresses 10 to 30 times.
    patch_xlsx(&bomb, "xl/worksheets/sheet1.xml", |xml| {
        let pad = format!("<!--{}-->", " ".repeat(24 << 20));
        xml.replacen("<sheetData", &format!("{pad}<sheetData"), 1)
    });
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let issues = wd.csv("out/issues.csv");
    let refused: Vec<&Row> = issues
        .iter()
        .filter(|r| r.get("source_file").ends_with("bomb.xlsx"))
        .collect();
    assert!(
        refused.iter().any(|r| r.get("message").contains("ZIP bomb")
            && r.get("message").contains("xl/worksheets/sheet1.xml")),
        "{refused:?}"
    );
    let units = wd.csv("out/projects.csv");
    assert_eq!(units.len(), SEED.len(), "the other files are all read");
}

#[test]
fn a_hundred_thousand_whole_sheet_merges_are_one_sheet_error() {
    let wd = Workdir::new();
    wd.sample_into("in/units");
    with_merges(&wd.path("in/merges.xlsx"), 100_000);
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let issues = wd.csv("out/issues.csv");
    assert!(
        issues
            .iter()
            .any(|r| r.get("source_file").ends_with("merges.xlsx")
                && r.get("message").contains("more than 20000 merged ranges")),
        "{issues:?}"
    );
    assert_eq!(wd.csv("out/projects.csv").len(), SEED.len());
}

#[test]
fn oleloop_xls_whose_sector_chain_loops_is_one_error_row() {
    // Was an abort (exit 134): calamine allocated along the loop.
    let wd = Workdir::new();
    wd.sample_into("in/units");
    wd.write("in/oleloop.xls", oleloop_xls());
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let issues = wd.csv("out/issues.csv");
    let row = issues
        .iter()
        .find(|r| r.get("source_file").ends_with("oleloop.xls"))
        .expect("the file is named");
    assert_eq!(row.get("code"), "file_unreadable");
    assert!(row.get("message").contains("loops"), "{row:?}");
    assert_eq!(wd.csv("out/projects.csv").len(), SEED.len());
}

/// Two file names that are not UTF-8 both became `unit�.xlsx`: one
/// `source_file` for two files.
#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_keep_distinct_source_files() {
    use std::os::unix::ffi::OsStrExt;
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    for (from, name) in [
        ("762002.xlsx", b"unit\xff.xlsx"),
        ("762003.xlsx", b"unit\xfe.xlsx"),
    ] {
        let to = wd.path("in").join(std::ffi::OsStr::from_bytes(name));
        std::fs::copy(crate::common::repo().join("sample_data").join(from), to).unwrap();
    }
    assert_exit(&wd.run(&["extract", "in", "--out", "out"]), 0);
    let mut files: Vec<String> = wd
        .csv("out/projects.csv")
        .iter()
        .map(|r| r.get("source_file").to_string())
        .collect();
    files.dedup();
    assert_eq!(files, ["in/unit\\xFE.xlsx", "in/unit\\xFF.xlsx"]);
}

/// These were accepted silently: a partition column that does not exist
/// partitioned nothing, an empty reference table looked nothing up, and a
/// repeated code kept one of its names at random.
#[test]
fn unknown_partition_columns_and_empty_or_repeated_reference_tables_are_config_errors() {
    let wd = Workdir::new();
    wd.sample_into("input");
    wd.write("empty.csv", "code,name\n");
    wd.write("twice.csv", "code,name\n0504,残疾人事业\n0504,其他\n");
    for (config, says) in [
        (
            "[output]\nparquet_partition_by = [\"dept\"]\n",
            "output.parquet_partition_by: 'dept' is not a column",
        ),
        (
            "[normalise]\ncategories = \"empty.csv\"\n",
            "normalise.categories: ",
        ),
        (
            "[normalise]\ncategories = \"twice.csv\"\n",
            "code '0504' is on line 2 and again on line 3",
        ),
    ] {
        wd.write("p.toml", config);
        let out = wd.run(&["run", "p.toml"]);
        assert_exit(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{config}: {stderr}");
    }
}

/// Rewrites a ZIP with its entries in reverse order, all deflated (an
/// `.ods` then has its `mimetype` last and compressed).
fn repacked_in_reverse(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = (0..archive.len())
        .map(|i| {
            let mut e = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (e.name().unwrap().to_string(), content)
        })
        .collect();
    parts.reverse();
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    crate::common::hostile::zip_of(&refs)
}

/// An `.ods` whose `mimetype` was not its first entry, stored, was refused
/// with advice to save it as `.xlsx`; an encrypted one was "not valid
/// UTF-8".
#[test]
fn an_ods_with_its_mimetype_anywhere_is_read_and_an_encrypted_one_is_said_so() {
    let original =
        std::fs::read(crate::common::repo().join("tests/fixtures/formats/ods/762002.ods")).unwrap();
    let wd = Workdir::new();
    wd.write("a/762002.ods", &original);
    wd.write("b/762002.ods", repacked_in_reverse(&original));
    assert_exit(&wd.run(&["extract", "a", "--out", "out_a"]), 0);
    assert_exit(&wd.run(&["extract", "b", "--out", "out_b"]), 0);
    let names = |dir: &str| -> Vec<String> {
        wd.csv(&format!("{dir}/projects.csv"))
            .iter()
            .map(|r| format!("{} {}", r.get("project_code"), r.get("budget_total")))
            .collect()
    };
    assert!(!names("out_a").is_empty());
    assert_eq!(names("out_a"), names("out_b"));

    let manifest = r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>"#;
    let locked = crate::common::hostile::zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", &[0x8F, 0x00, 0xFF, 0x13][..]),
        ("META-INF/manifest.xml", manifest.as_bytes()),
    ]);
    let issues = with_sample("locked.ods", &locked, 1);
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].get("message").contains("password-protected"),
        "{issues:?}"
    );
}

/// Issue 25: the lock was a file created and then written, so a run that
/// read it in between took it for a dead run's and removed it, and both
/// ran. Eight runs started together into one folder: each either wrote it
/// or stopped naming another run, and the folder is whole.
#[test]
fn runs_started_together_never_both_write_one_folder() {
    let wd = Workdir::new();
    wd.sample_into("in");
    let runs: Vec<_> = (0..8)
        .map(|_| {
            wd.command(&["extract", "in", "--out", "out", "--format", "csv", "-q"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut wrote = 0;
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => wrote += 1,
            Some(2) => assert!(stderr.contains("another jixiao run"), "{stderr}"),
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    assert!(wrote >= 1);
    assert_eq!(wd.csv("out/projects.csv").len(), 10);
    assert!(!wd.path(".out.jixiao-lock").exists());
    let left: Vec<_> = std::fs::read_dir(wd.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("jixiao-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Issue 25: a text longer than an xlsx cell holds was cut in
/// `tables.xlsx` without a word. Now it is a warning naming its cell and
/// column, and the CSV keeps it whole.
#[test]
fn a_value_cut_to_fit_an_xlsx_cell_is_a_warning_naming_the_cell() {
    let wd = Workdir::new();
    let path = wd.path("in/long.xlsx");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    crate::common::hostile::one_project(&path);
    let purpose = SEED[0].purpose;
    let long = format!("{purpose}{}", "长".repeat(40_000));
    patch_xlsx(&path, "xl/sharedStrings.xml", |xml| {
        assert!(xml.contains(purpose), "the purpose is a shared string");
        xml.replacen(purpose, &long, 1)
    });
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 0);
    let issues = wd.csv("out/issues.csv");
    let cut: Vec<_> = issues
        .iter()
        .filter(|r| r.get("code") == "value_cut_in_xlsx")
        .collect();
    assert_eq!(cut.len(), 1, "{issues:?}");
    assert!(
        cut[0].get("message").contains("purpose holds 40"),
        "{cut:?}"
    );
    assert_eq!(cut[0].get("source_file"), "in/long.xlsx");
    assert!(!cut[0].get("source_cell").is_empty());
    let projects = wd.csv("out/projects.csv");
    assert_eq!(
        projects[0].get("purpose").chars().count(),
        long.chars().count()
    );
}
