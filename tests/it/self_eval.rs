//! The sample year: the ten seed projects' target forms and their
//! self-evaluations (made-up results, `common/self_eval.rs`) through
//! `jixiao run` — each project's target set against its result, the sums
//! reconciling across projects, funding, target_vs_actual and
//! self_eval_by_unit.

use rust_decimal::Decimal;

use crate::common::seed::SEED;
use crate::common::self_eval::{result_of, write_self_evals};
use crate::common::{dec, Row, Workdir};

fn sum(rows: &[&Row], col: &str) -> Decimal {
    rows.iter().map(|r| dec(r.get(col))).sum()
}

#[test]
fn each_project_target_is_set_against_its_self_evaluation() {
    let wd = Workdir::ran_committed_sample();
    let tva = wd.csv("output/target_vs_actual.csv");
    assert_eq!(tva.len(), 10, "one row per project, none unmatched");
    for (i, p) in SEED.iter().enumerate() {
        let r = result_of(i + 1, p);
        let row = tva
            .iter()
            .find(|row| row.get("project_code") == p.code)
            .unwrap_or_else(|| panic!("{} in target_vs_actual", p.code));
        // 762002's self-evaluations carry the code; 762003's are matched
        // by unit and name.
        let by = if p.unit.starts_with("762002") {
            "code"
        } else {
            "name"
        };
        assert_eq!(row.get("matched_by"), by, "{}", p.code);
        assert_eq!(
            dec(row.get("budget_set")),
            dec(p.budget_total),
            "{}",
            p.code
        );
        assert_eq!(dec(row.get("budget_full_year")), r.budget);
        assert_eq!(dec(row.get("executed_total")), r.executed, "{}", p.code);
        assert_eq!(dec(row.get("execution_rate")).round_dp(2), r.rate);
        let met = r.indicators.iter().filter(|i| i.met).count();
        assert_eq!(row.get("indicators_met"), met.to_string(), "{}", p.code);
        assert_eq!(row.get("indicators_evaluated"), "3");
        assert_eq!(row.get("indicators_set"), "3");
        assert_eq!(dec(row.get("score_total")), r.score_total, "{}", p.code);
        assert_eq!(row.get("grade"), r.grade);
        assert!(row.get("target_file").ends_with(".xlsx"));
        assert!(row.get("self_eval_file").ends_with("-self-eval.xlsx"));
    }
}

#[test]
fn spending_reconciles_across_the_tables() {
    let wd = Workdir::ran_committed_sample();
    let projects = wd.csv("output/projects.csv");
    let evals: Vec<&Row> = projects
        .iter()
        .filter(|p| p.get("form_kind") == "project_self_eval")
        .collect();
    let targets: Vec<&Row> = projects
        .iter()
        .filter(|p| p.get("form_kind") == "project_target")
        .collect();
    assert_eq!((targets.len(), evals.len()), (10, 10));
    assert_eq!(sum(&targets, "budget_total"), dec("216.51"));
    let executed: Decimal = SEED
        .iter()
        .enumerate()
        .map(|(i, p)| result_of(i + 1, p).executed)
        .sum();
    assert_eq!(sum(&evals, "executed_total"), executed);
    let funding = wd.csv("output/funding.csv");
    let spent: Vec<&Row> = funding
        .iter()
        .filter(|f| f.get("line") == "total" && f.get("stage") == "executed")
        .collect();
    assert_eq!(sum(&spent, "amount"), executed, "funding's executed totals");
    let tva = wd.csv("output/target_vs_actual.csv");
    let tva: Vec<&Row> = tva.iter().collect();
    assert_eq!(sum(&tva, "executed_total"), executed);
    assert_eq!(
        sum(&tva, "budget_set"),
        dec("216.51"),
        "budgets set counted once"
    );
    let units = wd.csv("output/self_eval_by_unit.csv");
    let units: Vec<&Row> = units.iter().collect();
    assert_eq!(sum(&units, "executed_total"), executed);
    assert_eq!(sum(&units, "budget_full_year"), dec("216.51"));
    let summary = wd.csv("output/summary_by_unit.csv");
    let summary: Vec<&Row> = summary.iter().collect();
    assert_eq!(sum(&summary, "budget_total"), dec("216.51"), "targets only");
    let run = wd.csv("output/run_summary.csv");
    let count = |m: &str| {
        run.iter()
            .find(|r| r.get("metric") == m)
            .map(|r| r.get("count").to_string())
    };
    assert_eq!(count("forms_project_target").as_deref(), Some("10"));
    assert_eq!(count("forms_project_self_eval").as_deref(), Some("10"));
    let tasks = wd.csv("output/tasks.csv");
    assert!(tasks.is_empty(), "the sample has no department form");
}

#[test]
fn goals_are_read_as_set_out_and_as_achieved() {
    let wd = Workdir::ran_committed_sample();
    let goals = wd.csv("output/goals.csv");
    let of = |kind: &str| goals.iter().filter(|g| g.get("goal_kind") == kind).count();
    assert_eq!((of("target"), of("expected"), of("achieved")), (20, 20, 20));
    let achieved = goals
        .iter()
        .find(|g| g.get("goal_kind") == "achieved")
        .unwrap();
    assert_eq!(achieved.get("goal"), "促进残疾人增收（已完成）");
}

/// The committed self-evaluation workbooks are what the generator writes.
#[test]
fn committed_self_evaluations_are_what_the_generator_writes() {
    use jixiao::read::{read_file, InputFile};
    let wd = Workdir::new();
    for unit in ["762002", "762003"] {
        let numbered: Vec<_> = SEED
            .iter()
            .enumerate()
            .filter(|(_, p)| p.unit.starts_with(unit))
            .map(|(i, p)| (i + 1, p))
            .collect();
        let name = format!("{unit}-self-eval.xlsx");
        write_self_evals(&wd.path(&name), &numbered, unit == "762002").unwrap();
        let read = |path| {
            let f = InputFile {
                display: "x".into(),
                path,
            };
            read_file(&f, &jixiao::read::Limits::default())
                .unwrap()
                .grids
        };
        let fresh = read(wd.path(&name));
        let committed = read(crate::common::repo().join("sample_data").join(&name));
        assert_eq!(fresh.len(), committed.len(), "{name}: run `make sample`");
        for (a, b) in fresh.iter().zip(&committed) {
            let cells = |g: &jixiao::grid::Grid| {
                g.cells()
                    .map(|(p, v)| (p, v.text().into_owned()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(cells(a), cells(b), "{name}: run `make sample`");
            assert_eq!(a.merges(), b.merges(), "{name}: run `make sample`");
        }
    }
}

/// Issue 25: `extract` wrote no `funding` table unless asked, so a user
/// extracting self-evaluations lost their money by stage without a word.
#[test]
fn extract_writes_a_self_evaluations_money_by_stage_with_no_flag() {
    let wd = Workdir::with_committed_sample();
    let out = wd.run(&["extract", "sample_data", "--out", "x", "--format", "csv"]);
    assert!(out.status.success(), "{out:?}");
    let funding = wd.csv("x/funding.csv");
    let executed: Vec<&Row> = funding
        .iter()
        .filter(|r| r.get("form_kind") == "project_self_eval" && r.get("stage") == "executed")
        .collect();
    assert!(!executed.is_empty(), "{funding:?}");
    let spent: Decimal = SEED
        .iter()
        .enumerate()
        .map(|(i, p)| result_of(i + 1, p).executed)
        .sum();
    let totals: Vec<&Row> = executed
        .iter()
        .copied()
        .filter(|r| r.get("line") == "total")
        .collect();
    assert_eq!(totals.len(), 10);
    assert_eq!(sum(&totals, "amount"), spent);
}
