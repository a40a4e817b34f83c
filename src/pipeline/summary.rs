//! The summary printed at the end of a run, for the person who started it.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::model::Summary;
use crate::write::table::format_decimal;

/// Per-unit totals are listed while there are at most this many units.
const UNITS_LISTED: usize = 12;

/// The end-of-run summary, a line each (`jixiao: …`): counts, skipped
/// files, control totals, issues, and where the tables went.
pub fn summary_text(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "jixiao: {} file(s) read, {} form(s) found: {} project(s), {} indicator(s), {} goal(s), {} plan row(s)",
        s.files, s.forms, s.projects, s.indicators, s.goals, s.plan_rows
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

/// budget_total per unit while they fit on a screen, else in total.
fn control_totals(out: &mut String, s: &Summary) {
    let money = |d| format_decimal(d, 2);
    if s.budget_by_unit.len() <= UNITS_LISTED {
        for (unit, total) in &s.budget_by_unit {
            let _ = writeln!(
                out,
                "jixiao: budget_total of unit {unit}: {} {}",
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
