//! The summary printed at the end of a run, for the person who started it.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::model::report::Status;
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
            "jixiao: wrote {} file(s) to {}",
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

/// Units listed in the status table at most.
const STATUS_ROWS: usize = 15;

/// The units by status, units with errors first, then warnings; the clean
/// ones counted; and where the report and feedback are. `colour`: ANSI
/// colours for a terminal that shows them.
pub fn status_table(s: &Summary, colour: bool) -> String {
    let mut out = String::new();
    let paint = |st: Status, text: &str| match (colour, st) {
        (false, _) => text.to_string(),
        (true, Status::Errors) => format!("\x1b[31m{text}\x1b[0m"),
        (true, Status::Warnings) => format!("\x1b[33m{text}\x1b[0m"),
        (true, Status::Clean) => format!("\x1b[32m{text}\x1b[0m"),
    };
    let units = s.report.units_by_status();
    let flagged: Vec<_> = units
        .iter()
        .filter(|(_, u)| u.status() != Status::Clean)
        .collect();
    let clean = units.len() - flagged.len();
    if !flagged.is_empty() {
        let _ = writeln!(out, "jixiao: units to send back ({}):", flagged.len());
    }
    for (code, u) in flagged.iter().take(STATUS_ROWS) {
        let st = u.status();
        let mark = paint(st, &format!("{:<6}", st.zh()));
        let name = u.name_or_none(code);
        let _ = writeln!(
            out,
            "  {mark} {:<10} {name}  {} error(s), {} warning(s)",
            code, u.errors, u.warnings
        );
    }
    if flagged.len() > STATUS_ROWS {
        let _ = writeln!(out, "  … and {} more", flagged.len() - STATUS_ROWS);
    }
    if clean > 0 {
        let _ = writeln!(
            out,
            "jixiao: {} unit(s) {}",
            clean,
            paint(Status::Clean, "clean")
        );
    }
    let dir = s.written.first().and_then(|p| p.parent());
    let wrote = |name: &str| {
        s.written
            .iter()
            .any(|p| p.file_name().is_some_and(|f| f == name))
    };
    if let Some(dir) = dir {
        if wrote("report.html") {
            let _ = writeln!(out, "jixiao: report: {}", dir.join("report.html").display());
        }
        if wrote("feedback") {
            let _ = writeln!(
                out,
                "jixiao: feedback workbooks: {}",
                dir.join("feedback").display()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::UnitReport;

    #[test]
    fn the_status_table_puts_errors_first_and_colours_on_request() {
        let mut s = Summary::default();
        let unit = |errors, warnings| UnitReport {
            name: Some("某单位".into()),
            errors,
            warnings,
            ..UnitReport::default()
        };
        s.report.units.insert("100001".into(), unit(0, 5));
        s.report.units.insert("100002".into(), unit(2, 0));
        s.report.units.insert("100003".into(), unit(0, 0));
        let plain = status_table(&s, false);
        assert!(
            plain.find("100002").unwrap() < plain.find("100001").unwrap(),
            "{plain}"
        );
        assert!(
            plain.contains("1 unit(s) clean") && !plain.contains('\u{1b}'),
            "{plain}"
        );
        let coloured = status_table(&s, true);
        assert!(coloured.contains("\u{1b}[31m") && coloured.contains("\u{1b}[33m"));
    }
}
