//! `jixiao inspect` names the cell of every field it read, in every format,
//! says what it skipped, and writes an HTML preview with coloured fields.

use crate::common::forms::{write_workbook, Layout};
use crate::common::seed::SEED;
use crate::common::{assert_exit, Workdir};

fn inspect(file: &std::path::Path, wd: &Workdir, html: Option<&str>) -> String {
    let mut args = vec!["inspect", file.to_str().unwrap()];
    if let Some(h) = html {
        args.extend(["--html", h]);
    }
    let out = wd.run(&args);
    assert_exit(&out, 0);
    String::from_utf8(out.stdout).unwrap()
}

/// The line of a field in the report: `name  A1  value`.
fn field_line<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in\n{report}"))
}

#[test]
fn every_fixture_names_every_fields_cell() {
    let wd = Workdir::new();
    let repo = crate::common::repo();
    let files = [
        repo.join("sample_data/762002.xlsx"),
        repo.join("tests/fixtures/formats/xls/762002.xls"),
        repo.join("tests/fixtures/formats/ods/762002.ods"),
        repo.join("tests/fixtures/formats/csv/762002.csv"),
        repo.join("tests/fixtures/formats/docx/762002.docx"),
    ];
    for f in &files {
        let report = inspect(f, &wd, None);
        assert!(report.contains("form(s)"), "{report}");
        for name in [
            "project_code",
            "project_name",
            "budget_total",
            "budget_fiscal",
            "purpose",
            "goals",
            "indicator 3 target",
        ] {
            let line = field_line(&report, name);
            let cell = line
                .split_whitespace()
                .nth(if name.starts_with("indicator") { 3 } else { 1 })
                .unwrap();
            assert!(
                cell.chars().next().unwrap().is_ascii_uppercase()
                    && cell.chars().last().unwrap().is_ascii_digit(),
                "{}: {name} should name its cell: {line}",
                f.display()
            );
        }
        assert!(field_line(&report, "project_code").contains(SEED[0].code));
    }
}

#[test]
fn skipped_sheets_and_missing_values_are_explained() {
    let wd = Workdir::new();
    let layout = Layout {
        cover_sheet: true,
        per_sheet: true,
        ..Layout::default()
    };
    let mut p = crate::common::seed::SeedProject { ..SEED[0] };
    p.budget_total = "";
    write_workbook(&wd.path("u.xlsx"), &[&p], &layout).unwrap();
    let report = inspect(&wd.path("u.xlsx"), &wd, None);
    assert!(
        report.contains("封面: skipped — no cell is a form label"),
        "{report}"
    );
    assert!(
        report.contains("label budget_total at B6 has no value beside it"),
        "{report}"
    );
}

#[test]
fn html_preview_colours_fields_and_marks_labels() {
    let wd = Workdir::new();
    let sample = crate::common::repo().join("sample_data/762002.xlsx");
    inspect(&sample, &wd, Some("preview.html"));
    let html = std::fs::read_to_string(wd.path("preview.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<h2>绩效目标表 — 4 form(s)</h2>"));
    assert!(
        html.contains("title=\"project_code (B5)\""),
        "code cell coloured"
    );
    assert!(html.contains("class=\"label\" title=\"label: project_code\">项目编码</td>"));
    assert!(html.contains("rowspan=\"2\""), "merged cells drawn merged");
}

/// A new template: inspect names the label each field was read by, and
/// what decided it (a listed word, or the terms of a label no list
/// holds); `--suggest` prints the `[labels]` lines that teach the rest.
#[test]
fn inspect_says_which_labels_were_read_and_how() {
    use crate::common::templates::{write_template, XIANGTAN};
    let wd = Workdir::new();
    write_template(&wd.path("xt.xlsx"), &XIANGTAN).unwrap();
    let report = inspect(&wd.path("xt.xlsx"), &wd, None);
    let read = &report[report.find("labels read:").expect("labels read")..];
    assert!(
        read.contains("project_name           A3       '项目支出名称'  (listed word)"),
        "{report}"
    );
    assert!(
        read.contains("target                 E8       '指标值及单位'  (listed word)"),
        "{report}"
    );
    // A label no list holds, read by what it says.
    assert!(
        read.contains("goals                  A6       '实施期绩效目标'  (by its terms: …目标)"),
        "{report}"
    );
    // Without the template's own word for the name, its terms read it,
    // and --suggest writes the line that teaches it.
    wd.write(
        "p.toml",
        "[labels.remove]\nproject_name = [\"项目支出名称\"]\n",
    );
    let out = wd.run(&["inspect", "xt.xlsx", "--pipeline", "p.toml", "--suggest"]);
    assert_exit(&out, 0);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(
            "project_name           A3       '项目支出名称'  (by its terms: 项目/资金 + 名称)"
        ),
        "{report}"
    );
    assert!(report.contains("[labels]\n"), "{report}");
    assert!(
        report.contains("project_name = [\"项目支出名称\"]"),
        "{report}"
    );
}

/// `[labels]` adds to the built-in words (a user who adds one keeps the
/// rest), and `[labels.remove]` drops one.
#[test]
fn labels_in_a_pipeline_add_to_the_built_in_words() {
    let wd = Workdir::new();
    wd.sample_into("input");
    wd.write(
        "p.toml",
        "[labels]\nproject_name = [\"项目（子项）名称\"]\n[output]\nformats = [\"csv\"]\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let projects = wd.csv("output/projects.csv");
    assert_eq!(
        projects.len(),
        10,
        "the built-in 项目名称 still reads the seed"
    );
    assert!(projects.iter().all(|p| !p.get("project_name").is_empty()));
}

/// Issue 23: `inspect` of a workbook whose one long shared string (1 MB)
/// fills 12,000 cells counted every character of every copy (7.6 s in a
/// release build where `extract` took 0.1 s) and put every copy whole into
/// the preview. A cell is now classified by at most its first characters,
/// and the preview shows at most 1,000 of each cell's.
#[test]
fn inspect_of_one_long_string_in_thousands_of_cells_reads_each_cell_briefly() {
    let wd = Workdir::new();
    let file = wd.write("poc.xlsx", crate::common::hostile::shared_string_poc_xlsx());
    let report = inspect(&file, &wd, Some("p.html"));
    assert!(report.contains("no cell is a form label"), "{report}");
    let html = std::fs::read_to_string(wd.path("p.html")).unwrap();
    // 12,000 cells of 1 MB each would be 12 GB; shown, each is cut.
    assert!(html.len() < 20 << 20, "{} bytes", html.len());
    assert!(html.contains("项目名称项目名称…"));
}
