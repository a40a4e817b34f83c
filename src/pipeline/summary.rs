//! The summary printed at the end of a run, for the person who started it.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::model::{FormKind, Summary};
use crate::write::table::format_decimal;

/// Per-unit totals are listed while there are at most this many units.
const UNITS_LISTED: usize = 12;

/// The end-of-run summary, a line each (`jixiao: …`): counts, skipped
/// files, control totals, issues, and where the tables went.
pub fn summary_text(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "jixiao: {} file(s) read, {} form(s) found{}: {} indicator(s), {} goal(s), {} plan row(s)",
        s.files,
        s.forms,
        by_kind(s),
        s.indicators,
        s.goals,
        s.plan_rows
    );
    for f in &s.skipped {
        let _ = writeln!(out, "jixiao: note: skipped {f} (not a supported file type)");
    }
    control_totals(&mut out, s);
    let _ = writeln!(
        out,
        "jixiao: {} error(s), {} warning(s) (see issues.csv)",
        s.errors, s.warnings
    );
    let _ = match s.written.first().and_then(|p| p.parent()) {
        Some(dir) => writeln!(
            out,
            "jixiao: wrote {} table file(s) to {}",
            s.written.len(),
            dir.display()
        ),
        None => writeln!(out, "jixiao: wrote nothing"),
    };
    out
}

/// The forms by kind (` (10 project_target, 10 project_self_eval)`), when
/// there is more than one kind.
fn by_kind(s: &Summary) -> String {
    let kinds: Vec<String> = FormKind::ALL
        .iter()
        .filter(|k| s.forms_of(**k) > 0)
        .map(|k| format!("{} {}", s.forms_of(*k), k.as_str()))
        .collect();
    match kinds.len() {
        0 | 1 => String::new(),
        _ => format!(" ({})", kinds.join(", ")),
    }
}

/// budget_total per unit (and what its self-evaluations say was spent)
/// while they fit on a screen, else in total.
fn control_totals(out: &mut String, s: &Summary) {
    let money = |d| format_decimal(d, 2);
    if s.budget_by_unit.len() <= UNITS_LISTED {
        for (unit, total) in &s.budget_by_unit {
            let spent = s
                .executed_by_unit
                .iter()
                .find(|(u, _)| u == unit)
                .map(|(_, e)| format!(", executed_total {} {}", money(*e), s.amount_unit))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "jixiao: budget_total of unit {unit}: {} {}{spent}",
                money(*total),
                s.amount_unit
            );
        }
        return;
    }
    let total: Decimal = s.budget_by_unit.iter().map(|(_, t)| *t).sum();
    let _ = writeln!(
        out,
        "jixiao: budget_total of {} units: {} {} (per unit in run_summary)",
        s.budget_by_unit.len(),
        money(total),
        s.amount_unit
    );
}
