//! The sections of a form that belong to the family beyond the project
//! target form: a self-evaluation's results (executed total, execution
//! rate, scores, each indicator's actual value and whether it reaches its
//! target), a department form's tasks. Findings go to the form's sink.

use rust_decimal::Decimal;

use super::family::{execution_rate, score_value, target_met};
use super::form::{cell, cell_amount, form_unit, non_empty_owned, take_text, Sink};
use super::target::{parse_target, Target};
use super::Settings;
use crate::model::{Indicator, IndicatorResult, IssueCode, ProjectResult, Task};
use crate::parse::{RawField, RawForm, RawIndicator, RawResultCells, RawTask};

/// A self-evaluation's results; `None` on a target form.
pub(super) fn project_result(
    raw: &mut RawForm,
    budget_total: Option<Decimal>,
    executed: Option<Decimal>,
    sink: &mut Sink,
) -> Option<Box<ProjectResult>> {
    if !raw.kind.is_self_eval() {
        return None;
    }
    let score_total = score(raw.score_total.as_ref(), "总分", sink);
    Some(Box::new(ProjectResult {
        executed_total: executed,
        executed_total_raw: take_text(&mut raw.executed_total),
        execution_rate: execution_rate(executed, budget_total),
        execution_rate_raw: take_text(&mut raw.execution_rate),
        score_total,
        score_total_raw: take_text(&mut raw.score_total),
        grade: non_empty_owned(take_text(&mut raw.grade)),
    }))
}

/// A score or weight (`8`, `/` for none); reported when it is not a number.
pub(super) fn score(field: Option<&RawField>, what: &str, sink: &mut Sink) -> Option<Decimal> {
    let f = field?;
    match score_value(&f.text) {
        Ok(v) => v,
        Err(e) => {
            sink.push(
                IssueCode::ScoreNotNumber,
                format!("{what}: {e}; expected a score such as 8 — kept as written"),
                f.pos,
            );
            None
        }
    }
}

/// An indicator row's result cells, taken out before the row is read
/// (blank when the table has no result columns).
pub(super) fn take_result(r: &mut RawIndicator) -> RawResultCells {
    r.result.take().map(|b| *b).unwrap_or_default()
}

/// What an indicator reached: its actual value parsed as a target is
/// (`≥266米`, `96%`), its score, whether it reaches the target.
pub(super) fn indicator_result(
    raw: RawResultCells,
    ind: &Indicator,
    sink: &mut Sink,
) -> Box<IndicatorResult> {
    let actual = parse_target(&raw.actual.text);
    let target = Target {
        op: ind.target_op.clone().unwrap_or_default(),
        value: ind.target_value,
        unit: ind.target_unit.clone(),
    };
    let cost = [ind.level1.as_deref(), ind.level2.as_deref()]
        .iter()
        .any(|l| l.is_some_and(|l| l.contains("成本")));
    let met = target_met(
        &target,
        actual.value,
        actual.unit.as_deref(),
        ind.target_direction,
        cost,
    );
    Box::new(IndicatorResult {
        actual_value: actual.value,
        actual_unit: actual.unit,
        score: score(Some(&raw.score), "得分", sink),
        target_met: met,
        deviation_note: non_empty_owned(raw.deviation.text),
        actual_raw: raw.actual.text,
    })
}

/// A department form's task rows, their amounts in the pipeline's unit.
pub(super) fn task_rows(
    tasks: Vec<RawTask>,
    raw: &RawForm,
    settings: &Settings,
    sink: &mut Sink,
) -> Vec<Task> {
    let (from, _) = form_unit(raw, settings);
    let mut out = Vec::with_capacity(tasks.len());
    for (i, t) in tasks.into_iter().enumerate() {
        let mut amount = |f: &RawField, label: &str| cell_amount(f, label, from, settings, sink);
        let amounts = [
            amount(&t.total, "预算金额"),
            amount(&t.fiscal, "财政拨款"),
            amount(&t.other, "其他资金"),
        ];
        let source = sink.source(cell(Some(&t.name)).or(Some(t.row)));
        out.push(Task {
            source,
            key: sink.key.clone(),
            seq: i as u32 + 1,
            task: non_empty_owned(t.name.text),
            content: non_empty_owned(t.content.text),
            duty: non_empty_owned(t.duty.text),
            project_name: non_empty_owned(t.project.text),
            amount_total: amounts[0],
            amount_fiscal: amounts[1],
            amount_other: amounts[2],
            amount_total_raw: t.total.text,
            amount_fiscal_raw: t.fiscal.text,
            amount_other_raw: t.other.text,
        });
    }
    out
}
