//! `jixiao run` on the sample pipeline: every field of all ten seed forms,
//! asserted against the typed-in seed (itself checked against the seed
//! document), never against the tool's own earlier output.

use crate::common::seed::{PLAN_LABELS, PLAN_MONTHS, SEED};
use crate::common::{assert_exit, dec, Row, Workdir};
use rust_decimal::Decimal;

/// A workdir holding a copy of the repo's sample pipeline and sample data,
/// after `jixiao run pipelines/sample.toml`.
fn run_sample() -> Workdir {
    let wd = Workdir::new();
    wd.sample_pipeline();
    wd.sample_into("sample_data");
    let out = wd.run(&["run", "pipelines/sample.toml"]);
    assert_exit(&out, 0);
    wd
}

fn rows_of<'a>(rows: &'a [Row], code: &str) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| r.get("project_code") == code)
        .collect()
}

fn unit_code(unit: &str) -> &str {
    &unit[..6]
}

#[test]
fn sample_run_writes_the_five_tables_with_the_seed_counts() {
    let wd = run_sample();
    for t in ["projects", "indicators", "goals", "spending_plan", "issues"] {
        assert!(wd.path(&format!("output/{t}.csv")).is_file(), "{t}.csv");
    }
    assert!(wd.path("output/issues.parquet").is_file());
    for t in ["projects", "indicators", "goals", "spending_plan"] {
        let part = format!("output/{t}/year=2020/dept_code=762/part-0.parquet");
        assert!(wd.path(&part).is_file(), "{part}");
    }
    assert_eq!(wd.csv("output/projects.csv").len(), 10);
    assert_eq!(wd.csv("output/indicators.csv").len(), 30);
    assert_eq!(wd.csv("output/goals.csv").len(), 20);
    assert_eq!(wd.csv("output/spending_plan.csv").len(), 40);
}

#[test]
fn budget_total_sums_to_exactly_216_51() {
    let wd = run_sample();
    let total: Decimal = wd
        .csv("output/projects.csv")
        .iter()
        .map(|r| dec(r.get("budget_total")))
        .sum();
    assert_eq!(total, dec("216.51"));
    assert_eq!(total.to_string(), "216.51");
}

#[test]
fn every_project_field_matches_the_seed() {
    let wd = run_sample();
    let projects = wd.csv("output/projects.csv");
    for (i, p) in SEED.iter().enumerate() {
        let r = &projects[i];
        assert_eq!(r.get("year"), "2020");
        assert_eq!(r.get("unit_code"), unit_code(p.unit));
        assert_eq!(r.get("unit_name"), &p.unit[6..]);
        assert_eq!(r.get("dept_code"), "762");
        assert_eq!(r.get("project_code"), p.code);
        assert_eq!(r.get("project_code_raw"), p.code);
        let parts: Vec<&str> = p.code.split('-').collect();
        assert_eq!(r.get("code_dept"), parts[0]);
        assert_eq!(r.get("code_category"), parts[1]);
        assert_eq!(r.get("code_batch"), parts[2]);
        assert_eq!(r.get("code_serial"), parts[3]);
        assert_eq!(r.get("project_name"), p.name);
        assert_eq!(r.get("budget_total"), p.budget_total, "{}", p.code);
        assert_eq!(r.get("budget_fiscal"), p.budget_fiscal, "{}", p.code);
        // 其他资金 is blank in every seed form: blank means 0.
        assert_eq!(p.budget_other, "");
        assert_eq!(r.get("budget_other"), "0.00");
        assert_eq!(r.get("amount_unit"), "万元");
        assert_eq!(r.get("purpose"), p.purpose);
        assert_eq!(r.get("title"), p.title);
        assert_eq!(
            r.get("source_file"),
            format!("sample_data/{}.xlsx", unit_code(p.unit))
        );
        assert_eq!(r.get("source_sheet"), "绩效目标表");
        assert!(!r.get("source_cell").is_empty());
    }
}

#[test]
fn every_indicator_cell_matches_the_seed() {
    let wd = run_sample();
    let indicators = wd.csv("output/indicators.csv");
    for p in &SEED {
        let rows = rows_of(&indicators, p.code);
        assert_eq!(rows.len(), 3, "{}", p.code);
        for (k, (r, want)) in rows.iter().zip(&p.indicators).enumerate() {
            assert_eq!(r.get("unit_code"), unit_code(p.unit));
            assert_eq!(r.get("seq"), (k + 1).to_string());
            assert_eq!(r.get("level1_raw"), want[0]);
            assert_eq!(r.get("level2_raw"), want[1]);
            assert_eq!(r.get("level3"), want[2]);
            assert_eq!(r.get("description"), want[3]);
            assert_eq!(r.get("target_raw"), want[4]);
            assert_eq!(r.get("basis"), want[5]);
            // The value is the number as written, never rewritten.
            assert_eq!(dec(r.get("target_value")), dec(want[4]));
            assert_eq!(r.get("target_op"), "=");
            for c in ["source_file", "source_sheet", "source_cell"] {
                assert!(!r.get(c).is_empty(), "{c}");
            }
        }
    }
}

#[test]
fn level1_effect_is_canonical_with_the_raw_form_kept() {
    let wd = run_sample();
    let indicators = wd.csv("output/indicators.csv");
    let effect: Vec<&Row> = indicators
        .iter()
        .filter(|r| r.get("level1_raw") == "效果指标")
        .collect();
    assert_eq!(effect.len(), 10);
    assert!(effect.iter().all(|r| r.get("level1") == "效益指标"));
}

#[test]
fn goals_are_one_row_per_numbered_goal() {
    let wd = run_sample();
    let goals = wd.csv("output/goals.csv");
    for p in &SEED {
        let want: Vec<&str> = p
            .goals
            .lines()
            .map(|l| l.split_once('、').expect("numbered").1)
            .collect();
        let rows = rows_of(&goals, p.code);
        let got: Vec<&str> = rows.iter().map(|r| r.get("goal")).collect();
        assert_eq!(got, want, "{}", p.code);
        let seqs: Vec<&str> = rows.iter().map(|r| r.get("seq")).collect();
        assert_eq!(seqs, ["1", "2"]);
        assert!(rows.iter().all(|r| !r.get("source_cell").is_empty()));
    }
}

#[test]
fn spending_plan_is_cumulative_per_checkpoint() {
    let wd = run_sample();
    let plan = wd.csv("output/spending_plan.csv");
    for p in &SEED {
        let rows = rows_of(&plan, p.code);
        assert_eq!(rows.len(), 4, "{}", p.code);
        let mut carried = Decimal::ZERO;
        for (k, r) in rows.iter().enumerate() {
            if !p.plan[k].is_empty() {
                carried = dec(p.plan[k]);
            }
            assert_eq!(r.get("checkpoint_label"), PLAN_LABELS[k]);
            assert_eq!(r.get("checkpoint_month"), PLAN_MONTHS[k].to_string());
            assert_eq!(
                dec(r.get("cumulative_pct")),
                carried,
                "{} {}",
                p.code,
                PLAN_LABELS[k]
            );
            let amount = dec(p.budget_total) * carried / Decimal::ONE_HUNDRED;
            assert_eq!(dec(r.get("cumulative_amount")), amount);
            assert!(!r.get("source_cell").is_empty());
        }
    }
}

#[test]
fn the_seed_quirks_are_reported() {
    let wd = run_sample();
    let issues = wd.csv("output/issues.csv");
    assert!(
        issues.iter().all(|r| r.get("severity") == "warning"),
        "no errors on the sample"
    );
    let garbled = issues
        .iter()
        .filter(|r| r.get("code") == "target_out_of_range")
        .count();
    assert_eq!(garbled, 16, "every 85100 / 90100 target");
    let dup: Vec<&Row> = issues
        .iter()
        .filter(|r| r.get("code") == "duplicate_goal")
        .collect();
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].get("project_code"), "762-0603-JQN-ZHFE");
    for r in &issues {
        for c in ["source_file", "source_sheet", "source_cell", "message"] {
            assert!(!r.get(c).is_empty(), "{c} in {r:?}");
        }
    }
}

#[test]
fn parquet_keeps_types_and_exact_amounts() {
    use polars::prelude::*;
    let wd = run_sample();
    // The sample pipeline writes the record tables as hive-partitioned
    // datasets; the key columns are kept inside the files too.
    let read = |t: &str| {
        let path = wd.path(&format!(
            "output/{t}/year=2020/dept_code=762/part-0.parquet"
        ));
        let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        ParquetReader::new(f).finish().unwrap()
    };
    let projects = read("projects");
    assert_eq!(projects.height(), 10);
    let total = projects.column("budget_total").unwrap();
    assert!(
        // A fixed scale: one 分 in 万元, whatever the data.
        matches!(total.dtype(), DataType::Decimal(38, 6)),
        "{:?}",
        total.dtype()
    );
    let fen: i128 = total
        .as_materialized_series()
        .decimal()
        .unwrap()
        .physical()
        .iter()
        .flatten()
        .sum();
    assert_eq!(fen, 216_510_000, "216.51 万元 exactly");
    assert_eq!(projects.column("year").unwrap().dtype(), &DataType::Int64);
    assert_eq!(
        projects.column("project_code").unwrap().dtype(),
        &DataType::String
    );
    let plan = read("spending_plan");
    assert_eq!(plan.height(), 40);
    assert_eq!(
        plan.column("checkpoint_month").unwrap().dtype(),
        &DataType::Int64
    );
    assert!(matches!(
        plan.column("cumulative_amount").unwrap().dtype(),
        DataType::Decimal(38, _)
    ));
    assert_eq!(read("indicators").height(), 30);
    assert_eq!(read("goals").height(), 20);
}

#[test]
fn every_contract_column_of_projects_is_filled() {
    let wd = run_sample();
    // The design brief's contract columns of projects: on the seed, all filled.
    let contract = [
        "year",
        "dept_code",
        "unit_code",
        "unit_name",
        "project_code",
        "project_code_raw",
        "code_dept",
        "code_category",
        "code_batch",
        "code_serial",
        "category_name",
        "func_class_code",
        "func_class_name",
        "project_name",
        "budget_total",
        "budget_fiscal",
        "budget_other",
        "amount_unit",
        "purpose",
        "source_file",
        "source_sheet",
        "source_cell",
    ];
    for r in wd.csv("output/projects.csv") {
        for c in &contract {
            assert!(!r.get(c).is_empty(), "{c} of {}", r.get("project_code"));
        }
    }
}

#[test]
fn categories_and_functional_classes_come_from_the_reference_tables() {
    let wd = run_sample();
    let projects = wd.csv("output/projects.csv");
    let first = &projects[0];
    assert_eq!(first.get("code_category"), "0504");
    assert_eq!(first.get("func_class_code"), "2081107");
    assert_eq!(first.get("func_class_name"), "残疾人生活和护理补贴");
    assert_eq!(
        first.get("func_class_raw"),
        "",
        "mapped, not written on the form"
    );
    // The reference table is read, not hard-coded: every code is in it.
    let table =
        std::fs::read_to_string(crate::common::repo().join("pipelines/reference/func_class.csv"))
            .unwrap();
    for p in &projects {
        let line = format!("{},{},", p.get("func_class_code"), p.get("func_class_name"));
        assert!(table.contains(&line), "{line}");
    }
}

#[test]
fn funding_keeps_every_money_line_of_the_sample_and_they_match_projects() {
    let wd = run_sample();
    let funding = wd.csv("output/funding.csv");
    assert_eq!(
        funding.len(),
        30,
        "预算数, 其中：财政资金, 其他资金 of ten forms"
    );
    let projects = wd.csv("output/projects.csv");
    for p in &projects {
        let code = p.get("project_code");
        let line = |l: &str| {
            funding
                .iter()
                .find(|f| f.get("project_code") == code && f.get("line") == l)
                .unwrap_or_else(|| panic!("{code} {l}"))
        };
        assert_eq!(dec(line("total").get("amount")), dec(p.get("budget_total")));
        assert_eq!(
            dec(line("fiscal").get("amount")),
            dec(p.get("budget_fiscal"))
        );
        assert_eq!(line("fiscal").get("line_raw"), "其中：财政资金");
        assert_eq!(line("total").get("stage"), "budget");
    }
    // Issue 25: on by default (a self-evaluation's money by stage is only
    // there); extract writes it unless told not to.
    let out = wd.run(&["extract", "sample_data", "--out", "x", "--format", "csv"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(wd.csv("x/funding.csv").len(), 30);
    let out = wd.run(&[
        "extract",
        "sample_data",
        "--out",
        "y",
        "--format",
        "csv",
        "--no-funding",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(!wd.path("y/funding.csv").exists());
}
