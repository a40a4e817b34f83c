//! The seed's ten forms in every format and template units submit — .xls
//! and .ods (LibreOffice), GBK .csv, Word .docx tables, and the Ministry of
//! Finance 申报表 layout (one form per sheet, amounts in 元) — consolidate
//! to the same projects, indicators, goals and plans as the sample.

use crate::common::forms::{write_mof_workbook, Layout};
use crate::common::seed::{SeedProject, SEED};
use crate::common::{assert_exit, table_without, Workdir};

/// Normalised columns only: raw forms, provenance and messages differ by
/// format; values must not. `skip` names columns a template lacks.
fn canonical(dir: &std::path::Path, table: &str, skip: &[&str]) -> Vec<Vec<(String, String)>> {
    table_without(dir, table, |k| {
        k.ends_with("_raw") || k.starts_with("source_") || k == "message" || skip.contains(&k)
    })
}

fn extract(wd: &Workdir, input: &std::path::Path, out: &str) {
    let res = wd.run(&[
        "extract",
        input.to_str().unwrap(),
        "--out",
        out,
        "--format",
        "csv",
    ]);
    assert_exit(&res, 0);
}

fn assert_like_sample(name: &str, input: &std::path::Path) {
    assert_like_sample_but(name, input, &[]);
}

fn assert_like_sample_but(name: &str, input: &std::path::Path, skip: &[&str]) {
    let wd = Workdir::new();
    // The sample's target forms (its self-evaluations aside).
    wd.sample_into("sample");
    extract(&wd, &wd.path("sample"), "base");
    extract(&wd, input, "fmt");
    for t in ["projects", "indicators", "goals", "spending_plan"] {
        let (a, b) = (
            canonical(&wd.path("base"), t, skip),
            canonical(&wd.path("fmt"), t, skip),
        );
        assert_eq!(a.len(), b.len(), "{name}: {t} rows");
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{name}: {t} row {i}");
        }
    }
    let projects = wd.csv("fmt/projects.csv");
    let total: rust_decimal::Decimal = projects
        .iter()
        .map(|r| {
            r.get("budget_total")
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(total.to_string(), "216.51", "{name}");
}

fn fixture(dir: &str) -> std::path::PathBuf {
    crate::common::repo()
        .join("tests/fixtures/formats")
        .join(dir)
}

#[test]
fn xls_from_libreoffice() {
    assert_like_sample("xls", &fixture("xls"));
}

#[test]
fn ods_from_libreoffice() {
    assert_like_sample("ods", &fixture("ods"));
}

#[test]
fn gbk_csv() {
    assert_like_sample("csv", &fixture("csv"));
}

#[test]
fn word_tables() {
    assert_like_sample("docx", &fixture("docx"));
    let wd = Workdir::new();
    extract(&wd, &fixture("docx"), "out");
    let p = &wd.csv("out/projects.csv")[0];
    assert_eq!(
        p.get("title"),
        SEED[0].title,
        "the paragraph above the table"
    );
    assert_eq!(p.get("year"), "2020", "the document's heading");
    assert_eq!(p.get("source_sheet"), "table 1");
}

#[test]
fn ministry_of_finance_layout_in_yuan() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("mof")).unwrap();
    for unit in ["762002", "762003"] {
        let projects: Vec<&SeedProject> =
            SEED.iter().filter(|p| p.unit.starts_with(unit)).collect();
        let layout = Layout {
            yuan: unit == "762003",
            ..Layout::default()
        };
        write_mof_workbook(&wd.path(&format!("mof/{unit}.xlsx")), &projects, &layout).unwrap();
    }
    wd.keep_if_asked(&["mof"]);
    // The 申报表 has its own title, and no 绩效指标描述 / 依据 columns.
    assert_like_sample_but("MoF", &wd.path("mof"), &["title", "description", "basis"]);
    extract(&wd, &wd.path("mof"), "out");
    let p = &wd.csv("out/projects.csv")[9];
    assert_eq!(p.get("amount_unit_raw"), "项目资金（元）");
    assert_eq!(p.get("budget_total_raw"), "40000");
    assert_eq!(p.get("budget_total"), "4.00");
    assert_eq!(
        p.get("unit_raw"),
        "[762003]秦皇岛市北戴河区残疾人劳动就业服务所"
    );
    let ind = &wd.csv("out/indicators.csv")[0];
    assert_eq!(ind.get("basis"), "", "no basis column in this template");
}

/// WPS saves spreadsheets as `.et`, an `.xls` or `.xlsx` file underneath:
/// read as the workbook its content is.
#[test]
fn wps_et_files() {
    let wd = Workdir::new();
    let repo = crate::common::repo();
    wd.copy_from_repo("sample_data/762002.xlsx", "et/762002.et");
    wd.copy_from_repo("tests/fixtures/formats/xls/762003.xls", "et/762003.et");
    assert_like_sample("et", &wd.path("et"));
    assert!(repo.join("tests/fixtures/formats/xls/762003.xls").is_file());
}
