//! Label-anchored extraction does not depend on where the forms sit or how
//! the workbook was made: offsets, one form per sheet, cover sheets, text
//! cells, and workbooks written by other software all give the same tables.

use crate::common::forms::{write_workbook, Layout};
use crate::common::seed::{SeedProject, SEED};
use crate::common::{assert_exit, read_csv, table_without, Workdir};
use jixiao::read::{read_file, InputFile};

/// Writes all ten forms with `layout` (one workbook per unit), runs
/// `jixiao extract` on them and returns the workdir.
fn extract_with(layout: &Layout) -> Workdir {
    let wd = Workdir::new();
    wd.seed_workbooks("in", layout);
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 0);
    wd
}

/// The tables without provenance columns, for comparing layouts.
fn content(dir: &std::path::Path, table: &str) -> Vec<Vec<(String, String)>> {
    table_without(dir, table, |k| k.starts_with("source_") || k == "message")
}

fn assert_same_tables(a: &std::path::Path, b: &std::path::Path) {
    for t in ["projects", "indicators", "goals", "spending_plan"] {
        let (x, y) = (content(a, t), content(b, t));
        assert_eq!(x.len(), y.len(), "{t} row count");
        for (i, (rx, ry)) in x.iter().zip(&y).enumerate() {
            assert_eq!(rx, ry, "{t} row {i}");
        }
    }
    let codes = |d: &std::path::Path| -> Vec<String> {
        read_csv(&d.join("issues.csv"))
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.get("code"),
                    r.get("project_code"),
                    r.get("severity")
                )
            })
            .collect()
    };
    assert_eq!(codes(a), codes(b), "issues");
}

fn baseline() -> Workdir {
    extract_with(&Layout::default())
}

#[test]
fn baseline_has_the_seed_counts() {
    let wd = baseline();
    assert_eq!(wd.csv("out/projects.csv").len(), 10);
    assert_eq!(wd.csv("out/indicators.csv").len(), 30);
}

#[test]
fn forms_at_any_offset_give_the_same_tables() {
    let base = baseline();
    let moved = extract_with(&Layout {
        row: 7,
        col: 3,
        gap: 4,
        ..Layout::default()
    });
    assert_same_tables(&base.path("out"), &moved.path("out"));
    let first = &moved.csv("out/projects.csv")[0];
    // Title row 8 (0-based 7) and a blank row, then the form: its code cell is E12.
    assert_eq!(
        first.get("source_cell"),
        "E12",
        "code cell moved with the form"
    );
}

#[test]
fn one_form_per_sheet_with_a_cover_sheet_gives_the_same_tables() {
    let base = baseline();
    let split = extract_with(&Layout {
        per_sheet: true,
        cover_sheet: true,
        ..Layout::default()
    });
    assert_same_tables(&base.path("out"), &split.path("out"));
    let sheets: Vec<String> = split
        .csv("out/projects.csv")
        .iter()
        .map(|r| r.get("source_sheet").to_string())
        .collect();
    assert_eq!(sheets[0], "项目1");
    assert_eq!(sheets[9], "项目6");
}

#[test]
fn amounts_written_as_text_give_the_same_tables() {
    let base = baseline();
    let text = extract_with(&Layout {
        numbers: false,
        ..Layout::default()
    });
    let (a, b) = (
        content(&base.path("out"), "projects"),
        content(&text.path("out"), "projects"),
    );
    // The raw columns differ ("20" from a number cell, "20.00" from text);
    // every normalised value is the same.
    let strip = |rows: Vec<Vec<(String, String)>>| -> Vec<Vec<(String, String)>> {
        rows.into_iter()
            .map(|r| {
                r.into_iter()
                    .filter(|(k, _)| !k.ends_with("_raw"))
                    .collect()
            })
            .collect()
    };
    assert_eq!(strip(a), strip(b));
    for t in ["indicators", "goals", "spending_plan"] {
        let strip_raw = |rows: Vec<Vec<(String, String)>>| -> Vec<Vec<(String, String)>> {
            rows.into_iter()
                .map(|r| {
                    r.into_iter()
                        .filter(|(k, _)| k != "cumulative_pct_raw")
                        .collect()
                })
                .collect()
        };
        assert_eq!(
            strip_raw(content(&base.path("out"), t)),
            strip_raw(content(&text.path("out"), t)),
            "{t}"
        );
    }
}

#[test]
fn committed_sample_data_is_what_the_generator_writes() {
    let wd = Workdir::new();
    let repo = crate::common::repo();
    let layout = Layout::default();
    for unit in ["762002", "762003"] {
        let projects: Vec<&SeedProject> =
            SEED.iter().filter(|p| p.unit.starts_with(unit)).collect();
        let fresh = wd.path(&format!("{unit}.xlsx"));
        write_workbook(&fresh, &projects, &layout).unwrap();
        let read = |p: std::path::PathBuf| {
            let f = InputFile {
                display: "x".into(),
                path: p,
            };
            read_file(&f, &jixiao::read::Limits::default())
                .unwrap()
                .grids
        };
        let (a, b) = (
            read(fresh),
            read(repo.join(format!("sample_data/{unit}.xlsx"))),
        );
        assert_eq!(a.len(), b.len());
        for (ga, gb) in a.iter().zip(&b) {
            assert_eq!(ga.sheet, gb.sheet);
            assert_eq!(
                ga.cells().collect::<Vec<_>>(),
                gb.cells().collect::<Vec<_>>(),
                "{unit}: run `make sample`"
            );
            assert_eq!(ga.merges(), gb.merges(), "{unit}: run `make sample`");
        }
    }
}

/// Workbooks written by openpyxl (`tests/fixtures/make_fixtures.py`) and
/// re-saved by LibreOffice Calc: same tables as our own generator's.
#[test]
fn workbooks_from_other_software_give_the_same_tables() {
    let base = baseline();
    let fixtures = crate::common::repo().join("tests/fixtures");
    for maker in ["openpyxl", "libreoffice"] {
        let wd = Workdir::new();
        let input = fixtures.join(maker);
        let out = wd.run(&[
            "extract",
            input.to_str().unwrap(),
            "--out",
            "out",
            "--format",
            "csv",
        ]);
        assert_exit(&out, 0);
        assert_same_tables(&base.path("out"), &wd.path("out"));
    }
}
