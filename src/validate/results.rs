//! Rules over a self-evaluation's results: scores within their weights and
//! adding up to the total, the execution rate as written against the one
//! recomputed, actual values that can be held against their targets.

use rust_decimal::Decimal;

use super::{issue, name_of};
use crate::model::{Issue, IssueCode, Project, Records, Source, Stage};
use crate::normalise::family::{not_applicable, rate_agrees};

/// Every rule over the results of one form (none apply to a target form).
pub(super) fn check(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let Some(result) = &p.result else {
        return;
    };
    scores_within_weights(p, form, out);
    scores_add_up(p, form, result.score_total, out);
    if let Some(rate) = result.execution_rate {
        let written = &result.execution_rate_raw;
        if rate_agrees(written, rate) == Some(false) {
            out.push(issue(
                p,
                IssueCode::ExecutionRateMismatch,
                format!(
                    "{}: the execution rate written is '{}', but 全年执行数 ÷ 全年预算数 is {}% — check the amounts or the rate",
                    name_of(p),
                    written.trim(),
                    crate::vocab::money::round_half_up(rate, 2)
                ),
                p.source.clone(),
            ));
        }
    }
    actuals_are_numbers(p, form, out);
}

fn scores_within_weights(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    for i in &form.indicators {
        let (Some(score), Some(weight)) = (i.result.as_ref().and_then(|r| r.score), i.weight)
        else {
            continue;
        };
        if score > weight {
            let what = i.level3.as_deref().unwrap_or("an indicator");
            out.push(issue(
                p,
                IssueCode::ScoreAboveWeight,
                format!(
                    "{}: {what} scores {score}, more than its weight {weight}",
                    name_of(p)
                ),
                i.source.clone(),
            ));
        }
    }
    for l in &form.funding {
        if let (Some(score), Some(weight)) = (l.score, l.weight) {
            if score > weight {
                out.push(issue(
                    p,
                    IssueCode::ScoreAboveWeight,
                    format!(
                        "{}: the budget execution ({}) scores {score}, more than its weight {weight}",
                        name_of(p),
                        l.line_raw
                    ),
                    l.source.clone(),
                ));
            }
        }
    }
}

/// The total score against the indicators' scores and the budget
/// execution's, when the form gives both.
fn scores_add_up(p: &Project, form: &Records, total: Option<Decimal>, out: &mut Vec<Issue>) {
    let Some(total) = total else {
        return;
    };
    let indicators: Vec<Decimal> = form
        .indicators
        .iter()
        .filter_map(|i| i.result.as_ref()?.score)
        .collect();
    let money: Vec<Decimal> = form
        .funding
        .iter()
        .filter(|l| l.stage == Stage::Executed)
        .filter_map(|l| l.score)
        .collect();
    if indicators.is_empty() {
        return;
    }
    let (a, b): (Decimal, Decimal) = (indicators.iter().sum(), money.iter().sum());
    if a + b != total {
        out.push(issue(
            p,
            IssueCode::ScoresDoNotAddUp,
            format!(
                "{}: the indicators score {a} and the budget execution {b}, {} in all, but the total score (总分) is {total}",
                name_of(p),
                a + b
            ),
            p.source.clone(),
        ));
    }
}

/// An actual value with no number where the target is one: whether the
/// target was reached cannot be told.
fn actuals_are_numbers(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    for i in &form.indicators {
        let Some(r) = &i.result else { continue };
        let numeric = i.target_value.is_some() && i.target_op.as_deref() != Some("text");
        let written = !r.actual_raw.trim().is_empty() && !not_applicable(&r.actual_raw);
        if numeric && written && r.actual_value.is_none() {
            out.push(issue(
                p,
                IssueCode::ActualNotNumber,
                format!(
                    "{}: {} has the target '{}' but the result '{}', which is no number; whether it was reached cannot be told — write the value reached",
                    name_of(p),
                    i.level3.as_deref().unwrap_or("an indicator"),
                    i.target_raw.trim(),
                    r.actual_raw.trim()
                ),
                Source {
                    cell: i.source.cell,
                    ..i.source.clone()
                },
            ));
        }
    }
}
