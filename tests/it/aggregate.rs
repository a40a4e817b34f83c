//! Summaries declared in the pipeline file, control totals, and the analyst
//! outputs (BOM CSV, XLSX with captions, partitioned Parquet). Summaries
//! reconcile exactly with the project rows, on the sample and on a
//! synthetic multi-unit set.

use crate::common::forms::{write_workbook, Layout};
use crate::common::seed::{SeedProject, SEED};
use crate::common::{assert_exit, dec, Row, Workdir};
use rust_decimal::Decimal;

const SUMMARIES: [&str; 5] = [
    "summary_by_unit",
    "summary_by_category",
    "summary_by_func_class",
    "indicators_by_level",
    "plan_by_checkpoint",
];

/// A workdir with the sample pipeline (and its reference tables) reading
/// `sample_data/`, which the caller fills.
fn with_sample_pipeline() -> Workdir {
    let wd = Workdir::new();
    wd.sample_pipeline();
    wd
}

fn sum(rows: &[Row], col: &str) -> Decimal {
    rows.iter().map(|r| dec(r.get(col))).sum()
}

/// Every summary reconciles with the project rows it summarises.
fn assert_reconciles(wd: &Workdir) {
    let projects = wd.csv("output/projects.csv");
    let total = sum(&projects, "budget_total");
    for t in [
        "summary_by_unit",
        "summary_by_category",
        "summary_by_func_class",
    ] {
        let s = wd.csv(&format!("output/{t}.csv"));
        assert_eq!(sum(&s, "budget_total"), total, "{t}.budget_total");
        let n: i64 = s
            .iter()
            .map(|r| r.get("projects").parse::<i64>().unwrap())
            .sum();
        assert_eq!(n as usize, projects.len(), "{t}.projects");
    }
    let by_unit = wd.csv("output/summary_by_unit.csv");
    assert_eq!(
        sum(&by_unit, "budget_fiscal"),
        sum(&projects, "budget_fiscal")
    );
    assert_eq!(
        sum(&by_unit, "budget_other"),
        sum(&projects, "budget_other")
    );
    let indicators = wd.csv("output/indicators.csv");
    let n: i64 = by_unit
        .iter()
        .map(|r| r.get("indicators").parse::<i64>().unwrap())
        .sum();
    assert_eq!(n as usize, indicators.len());
    let by_level = wd.csv("output/indicators_by_level.csv");
    let n: i64 = by_level
        .iter()
        .map(|r| r.get("indicators").parse::<i64>().unwrap())
        .sum();
    assert_eq!(n as usize, indicators.len());
    // Every plan ends at 100%, so the year-end planned amount is the budget.
    let plan = wd.csv("output/plan_by_checkpoint_all.csv");
    let dec_end = plan
        .iter()
        .find(|r| r.get("checkpoint_month") == "12")
        .unwrap();
    assert_eq!(dec(dec_end.get("planned_amount")), total);
    let plan_rows = wd.csv("output/spending_plan.csv");
    for month in ["3", "6", "10", "12"] {
        let by_rows: Decimal = plan_rows
            .iter()
            .filter(|r| r.get("checkpoint_month") == month)
            .map(|r| dec(r.get("cumulative_amount")))
            .sum();
        let by_dept: Decimal = wd
            .csv("output/plan_by_checkpoint.csv")
            .iter()
            .filter(|r| r.get("checkpoint_month") == month)
            .map(|r| dec(r.get("planned_amount")))
            .sum();
        assert_eq!(by_rows, by_dept, "month {month}");
    }
    // Control totals: budget per unit equals the unit summary.
    let control = wd.csv("output/run_summary.csv");
    for u in &by_unit {
        let c = control
            .iter()
            .find(|r| {
                r.get("metric").starts_with("budget_total")
                    && r.get("unit_code") == u.get("unit_code")
            })
            .unwrap();
        assert_eq!(dec(c.get("amount")), dec(u.get("budget_total")));
    }
}

#[test]
fn the_sample_run_writes_every_summary_in_every_format_and_reconciles() {
    let wd = with_sample_pipeline();
    wd.sample_into("sample_data");
    let out = wd.run(&["run", "pipelines/sample.toml"]);
    assert_exit(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("budget_total of unit 762002: 136.90 万元"),
        "{stderr}"
    );
    assert!(
        stderr.contains("budget_total of unit 762003: 79.61 万元"),
        "{stderr}"
    );
    for t in SUMMARIES {
        assert!(wd.path(&format!("output/{t}.csv")).is_file(), "{t}.csv");
        assert!(
            wd.path(&format!("output/{t}.parquet")).is_file(),
            "{t}.parquet"
        );
    }
    assert_reconciles(&wd);
    let by_unit = wd.csv("output/summary_by_unit.csv");
    assert_eq!(by_unit.len(), 2);
    assert_eq!(by_unit[0].get("budget_total"), "136.90");
    assert_eq!(by_unit[1].get("budget_total"), "79.61");
    assert_eq!(by_unit[1].get("projects"), "6");
    assert_eq!(by_unit[1].get("indicators"), "18");
    let by_level = wd.csv("output/indicators_by_level.csv");
    let effect = by_level
        .iter()
        .find(|r| r.get("level1") == "效益指标" && r.get("level2") == "社会效益指标")
        .unwrap();
    assert_eq!(effect.get("indicators"), "9");
    assert_eq!(effect.get("projects"), "9");
    // The CSVs start with a BOM in the sample pipeline.
    let bytes = std::fs::read(wd.path("output/projects.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    // The XLSX workbook: a sheet per table, caption row, header row.
    use calamine::{open_workbook, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(wd.path("output/tables.xlsx")).unwrap();
    let names = book.sheet_names();
    for t in [
        "projects",
        "indicators",
        "goals",
        "spending_plan",
        "issues",
        "run_summary",
    ]
    .iter()
    .chain(SUMMARIES.iter())
    {
        assert!(names.contains(&t.to_string()), "sheet {t}");
    }
    let sheet = book.worksheet_range("projects").unwrap();
    let row = |r: usize| -> Vec<String> {
        sheet
            .rows()
            .nth(r)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect()
    };
    let (captions, header) = (row(0), row(1));
    let at = header.iter().position(|h| h == "project_code").unwrap();
    assert_eq!(captions[at], "项目编码");
    let total_at = header.iter().position(|h| h == "budget_total").unwrap();
    assert_eq!(row(2)[total_at], "20");
}

/// Ten units of a made-up department 999 and the seed's department, each
/// with the seed's forms under new codes: summaries still reconcile.
#[test]
fn a_synthetic_multi_unit_set_reconciles() {
    let wd = with_sample_pipeline();
    std::fs::create_dir_all(wd.path("sample_data")).unwrap();
    let units: Vec<String> = (0..6)
        .map(|i| {
            format!(
                "{}{:03}秦皇岛市测试单位{i}",
                if i % 2 == 0 { "762" } else { "999" },
                100 + i
            )
        })
        .collect();
    let codes: Vec<Vec<String>> = (0..6)
        .map(|i| {
            SEED.iter()
                .enumerate()
                .map(|(k, p)| {
                    let dept = &units[i][..3];
                    format!(
                        "{dept}-{}-JQN-{}{:03}",
                        &p.code[4..8],
                        (b'A' + i as u8) as char,
                        k
                    )
                })
                .collect()
        })
        .collect();
    let leaked: Vec<SeedProject> = (0..6)
        .flat_map(|i| {
            let unit: &'static str = Box::leak(units[i].clone().into_boxed_str());
            SEED.iter().enumerate().map(move |(k, p)| (i, k, p, unit))
        })
        .map(|(i, k, p, unit)| SeedProject {
            unit,
            code: Box::leak(codes[i][k].clone().into_boxed_str()),
            ..SeedProject { ..*p }
        })
        .collect();
    for (i, chunk) in leaked.chunks(SEED.len()).enumerate() {
        let refs: Vec<&SeedProject> = chunk.iter().skip(i % 3).collect();
        write_workbook(
            &wd.path(&format!("sample_data/u{i}.xlsx")),
            &refs,
            &Layout::default(),
        )
        .unwrap();
    }
    let out = wd.run(&["run", "pipelines/sample.toml"]);
    assert_exit(&out, 0);
    assert_reconciles(&wd);
    let by_unit = wd.csv("output/summary_by_unit.csv");
    assert_eq!(by_unit.len(), 6);
    let depts: std::collections::BTreeSet<String> = by_unit
        .iter()
        .map(|r| r.get("dept_code").to_string())
        .collect();
    assert_eq!(depts.into_iter().collect::<Vec<_>>(), ["762", "999"]);
    // Hive-partitioned datasets, one per department.
    for dept in ["762", "999"] {
        let part = format!("output/projects/year=2020/dept_code={dept}/part-0.parquet");
        assert!(wd.path(&part).is_file(), "{part}");
    }
}

#[test]
fn unknown_aggregate_columns_are_rejected_before_reading_any_file() {
    let wd = Workdir::new();
    wd.write(
        "p.toml",
        "[input]\npaths = [\"does-not-exist\"]\n[[aggregate]]\nname = \"x\"\nsource = \"projects\"\ngroup_by = [\"unit\"]\nmeasures = [{ op = \"sum\", column = \"budget_total\", as = \"b\" }]\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aggregate[0].group_by[0]: no column 'unit'"),
        "{stderr}"
    );
    wd.write(
        "q.toml",
        "[[aggregate]]\nname = \"x\"\nsource = \"projects\"\nmeasures = [{ op = \"median\", column = \"budget_total\", as = \"b\" }]\n",
    );
    let out = wd.run(&["run", "q.toml"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("median"));
}

#[test]
fn init_writes_a_starter_that_runs() {
    let wd = Workdir::new();
    assert_exit(&wd.run(&["init", "proj"]), 0);
    let text = std::fs::read_to_string(wd.path("proj/pipeline.toml")).unwrap();
    for key in [
        "[input]",
        "[output]",
        "[normalise]",
        "[validate.rules]",
        "[labels]",
        "[[aggregate]]",
        "csv_formula_guard",
        "parquet_partition_by",
        "code_pattern",
    ] {
        assert!(text.contains(key), "{key} in the starter");
    }
    assert!(wd.path("proj/reference/func_class.csv").is_file());
    let repo = crate::common::repo();
    for f in ["762002.xlsx", "762003.xlsx"] {
        wd.write(
            &format!("proj/input/{f}"),
            std::fs::read(repo.join("sample_data").join(f)).unwrap(),
        );
    }
    assert_exit(&wd.run(&["run", "proj/pipeline.toml"]), 0);
    assert_eq!(wd.csv("proj/output/projects.csv").len(), 10);
    assert!(wd.path("proj/output/tables.xlsx").is_file());
    // It never overwrites.
    assert_exit(&wd.run(&["init", "proj"]), 2);
}
