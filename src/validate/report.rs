//! The report `jixiao validate` prints: counts by severity, then the
//! issues grouped by file with their sheet!cell; or JSON for machines.

use std::fmt::Write;

use serde_json::json;

use crate::model::{FormKind, Issue, Records, Severity, Summary};

/// Issues grouped by file, in the order the files were read; within a
/// file, errors first.
fn by_file(issues: &[Issue]) -> Vec<(&str, Vec<&Issue>)> {
    let mut groups: Vec<(&str, Vec<&Issue>)> = Vec::new();
    for i in issues {
        match groups.iter_mut().find(|(f, _)| **f == *i.source.file) {
            Some((_, list)) => list.push(i),
            None => groups.push((&i.source.file, vec![i])),
        }
    }
    for (_, list) in &mut groups {
        list.sort_by_key(|i| i.severity);
    }
    groups
}

fn place(i: &Issue) -> String {
    match (i.source.sheet.is_empty(), i.source.cell) {
        (true, _) => "(file)".to_string(),
        (false, None) => i.source.sheet.to_string(),
        (false, Some(cell)) => format!("{}!{cell}", i.source.sheet),
    }
}

/// A report a person can act on.
pub fn text(records: &Records, summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} file(s) read, {} form(s) found, {} project(s)",
        summary.files, summary.forms, summary.projects
    );
    if summary.forms != summary.forms_of(FormKind::ProjectTarget) {
        let kinds: Vec<String> = FormKind::ALL
            .iter()
            .filter(|k| summary.forms_of(**k) > 0)
            .map(|k| format!("{} {}", summary.forms_of(*k), k.as_str()))
            .collect();
        let _ = writeln!(out, "forms by kind: {}", kinds.join(", "));
    }
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s)",
        records.count(Severity::Error),
        records.count(Severity::Warning)
    );
    for f in &summary.skipped {
        let _ = writeln!(out, "note: skipped {f} (not a supported file type)");
    }
    for (file, issues) in by_file(&records.issues) {
        let _ = writeln!(out, "\n{file}");
        for i in issues {
            // A form other than a project's target form says which it is.
            let kind = match i.key.form_kind {
                Some(k) if k != FormKind::ProjectTarget => format!(" ({})", k.zh()),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {:<7}  {}  [{}]{kind}  {}",
                i.severity.as_str(),
                place(i),
                i.code.as_str(),
                i.message
            );
        }
    }
    out
}

/// The same as JSON: `{files, forms, forms_by_kind, projects, errors,
/// warnings, skipped, issues: [{severity, code, message, form_kind,
/// unit_code, project_code, file, sheet, cell}]}`.
pub fn json(records: &Records, summary: &Summary) -> String {
    let issues: Vec<_> = records
        .issues
        .iter()
        .map(|i| {
            json!({
                "severity": i.severity.as_str(),
                "code": i.code.as_str(),
                "message": i.message,
                "form_kind": i.key.form_kind.map(|k| k.as_str()),
                "unit_code": i.key.unit_code,
                "project_code": i.key.project_code,
                "file": i.source.file,
                "sheet": i.source.sheet,
                "cell": i.source.a1(),
            })
        })
        .collect();
    let forms_by_kind: serde_json::Map<String, serde_json::Value> = FormKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), json!(summary.forms_of(*k))))
        .collect();
    let report = json!({
        "files": summary.files,
        "forms": summary.forms,
        "forms_by_kind": forms_by_kind,
        "projects": summary.projects,
        "errors": records.count(Severity::Error),
        "warnings": records.count(Severity::Warning),
        "skipped": summary.skipped,
        "issues": issues,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IssueCode, Key, Source};

    fn issue(file: &str, severity: Severity, code: IssueCode) -> Issue {
        Issue {
            severity,
            code,
            message: format!("{code} found"),
            key: Key {
                project_code: Some("762-0504-JQN-MTUQ".into()),
                ..Key::default()
            },
            source: Source::new(file, "S", crate::grid::Pos::parse_a1("B3")),
        }
    }

    #[test]
    fn issues_are_grouped_by_file_errors_first() {
        let records = Records {
            issues: vec![
                issue("a.xlsx", Severity::Warning, IssueCode::DuplicateGoal),
                issue("b.xlsx", Severity::Error, IssueCode::FileUnreadable),
                issue("a.xlsx", Severity::Error, IssueCode::BudgetSumMismatch),
            ],
            ..Records::default()
        };
        let t = text(&records, &Summary::default());
        assert!(t.contains("2 error(s), 1 warning(s)"), "{t}");
        let a = t.find("a.xlsx").unwrap();
        let b = t.find("b.xlsx").unwrap();
        assert!(a < b);
        let err = t.find("[budget_sum_mismatch]").unwrap();
        let warn = t.find("[duplicate_goal]").unwrap();
        assert!(err < warn, "errors first within a file");
        assert!(t.contains("S!B3"));
        let j: serde_json::Value =
            serde_json::from_str(&json(&records, &Summary::default())).unwrap();
        assert_eq!(j["errors"], 2);
        assert_eq!(j["issues"][1]["file"], "b.xlsx");
        assert_eq!(j["issues"][0]["cell"], "B3");
    }
}
