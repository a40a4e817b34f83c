//! `run_summary`: the control totals of a run as a table.

use crate::model::{FormKind, Summary};

/// The metric counting forms of a kind (`forms_project_target`).
fn forms_metric(kind: FormKind) -> &'static str {
    match kind {
        FormKind::ProjectTarget => "forms_project_target",
        FormKind::ProjectSelfEval => "forms_project_self_eval",
        FormKind::DeptTarget => "forms_dept_target",
        FormKind::DeptSelfEval => "forms_dept_self_eval",
    }
}
use crate::vocab::money::MoneyUnit;
use crate::write::{Column, Table, Values};

/// The control totals as a table: one row per metric, and budget_total
/// per unit.
pub fn run_summary(s: &Summary) -> Table {
    let by_kind = FormKind::ALL.map(|k| (k, s.forms_of(k)));
    let kinds = by_kind.iter().map(|(k, n)| (forms_metric(*k), *n));
    let counts = [
        ("files_read", s.files),
        ("files_skipped", s.skipped.len()),
        ("forms_found", s.forms),
        ("projects", s.projects),
        ("indicators", s.indicators),
        ("goals", s.goals),
        ("spending_plan_rows", s.plan_rows),
        ("issues_error", s.errors),
        ("issues_warning", s.warnings),
    ];
    let mut metric = Vec::new();
    let mut unit = Vec::new();
    let mut count = Vec::new();
    let mut amount = Vec::new();
    let omitted =
        (s.xlsx_rows_omitted > 0).then_some(("xlsx_rows_omitted", s.xlsx_rows_omitted as usize));
    for (m, n) in counts.into_iter().chain(kinds).chain(omitted) {
        metric.push(Some(m.to_string()));
        unit.push(None);
        count.push(Some(n as i64));
        amount.push(None);
    }
    let totals = [
        ("budget_total", &s.budget_by_unit),
        ("executed_total", &s.executed_by_unit),
    ];
    for (what, by_unit) in totals {
        for (u, total) in by_unit {
            metric.push(Some(format!("{what} ({})", s.amount_unit)));
            unit.push(Some(u.clone()));
            count.push(None);
            amount.push(Some(*total));
        }
    }
    let column = |name: &str, values| Column {
        name: name.to_string(),
        values,
        vocabulary: true,
    };
    Table {
        name: "run_summary".to_string(),
        columns: vec![
            column("metric", Values::Str(metric.into_iter().collect())),
            column("unit_code", Values::Str(unit.into_iter().collect())),
            column("count", Values::Int(count)),
            column(
                "amount",
                Values::Dec {
                    values: amount,
                    min_scale: 2,
                    scale: MoneyUnit::parse(&s.amount_unit).map(|u| u.fen_scale()),
                },
            ),
        ],
    }
}
