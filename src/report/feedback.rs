//! A unit's feedback workbook (退回修改): a cover sheet saying what the run
//! found and what to do, and the list of findings — the file it submitted,
//! sheet, cell, the value found, what is wrong and what to change.

use crate::model::report::{ReportData, UnitReport, NO_UNIT};
use crate::model::FormKind;
use std::borrow::Cow;

use crate::write::sheets::{fits, width_of, workbook, Cell, Look, Sheet};

/// The name of a unit's workbook in the feedback folder: `<code> <name>.xlsx`,
/// made safe as a file name (`未识别单位.xlsx` for findings of no unit).
pub fn file_name(code: &str, unit: &UnitReport) -> String {
    let safe: String = unit
        .label(code)
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(80)
        .collect();
    let safe = safe.trim().trim_start_matches('.');
    format!("{}.xlsx", if safe.is_empty() { NO_UNIT } else { safe })
}

/// The units that get a workbook: those with findings.
pub fn units_with_findings(data: &ReportData) -> impl Iterator<Item = (&String, &UnitReport)> {
    data.units.iter().filter(|(_, u)| u.errors + u.warnings > 0)
}

/// The workbook's bytes; `date` is the run's (`2026-12-06`).
pub fn workbook_for(code: &str, unit: &UnitReport, date: &str) -> std::io::Result<Vec<u8>> {
    let sheets = [cover(code, unit, date), findings(unit)];
    let title = format!("{} 绩效表审核反馈", unit.name.as_deref().unwrap_or(code));
    workbook(&sheets, &title, &format!("{date}T00:00:00Z"))
}

fn text<'a>(s: impl Into<Cow<'a, str>>) -> Cell<'a> {
    Cell::Text(s.into())
}

fn cover<'a>(code: &'a str, unit: &'a UnitReport, date: &'a str) -> Sheet<'a> {
    let files: Vec<&str> = unit.files.iter().map(|f| &**f).collect();
    let kept = unit.issues.len() as u64;
    let total = unit.errors + unit.warnings;
    let mut lines: Vec<(&str, Cow<str>)> = vec![
        ("单位编码", code.into()),
        ("单位名称", unit.name.as_deref().unwrap_or_default().into()),
        ("审核日期", date.into()),
        ("报送文件", files.join("\n").into()),
        ("错误", format!("{} 条（必须修改）", unit.errors).into()),
        ("警告", format!("{} 条（请核对，确有问题的请修改）", unit.warnings).into()),
        (
            "处理要求",
            "请按“问题清单”逐条核对：在所列文件、工作表和单元格中修改后，重新报送整份文件。错误必须修改；警告请核对，无误的可在报送时说明。".into(),
        ),
    ];
    if kept < total {
        lines.push((
            "说明",
            format!("问题清单列出前 {kept} 条，共 {total} 条；全部问题见汇总结果的 issues 表。")
                .into(),
        ));
    }
    let mut rows = vec![vec![(text("绩效表审核反馈"), Look::Title)], Vec::new()];
    for (label, value) in lines {
        rows.push(vec![
            (text(label), Look::Header),
            (text(value), Look::Plain),
        ]);
    }
    Sheet {
        name: "说明".into(),
        rows,
        widths: vec![14.0, 70.0],
        frozen_rows: 0,
        filter_from: None,
    }
}

const HEADER: [&str; 11] = [
    "序号",
    "级别",
    "文件",
    "工作表",
    "单元格",
    "表类型",
    "项目编码",
    "发现的值",
    "问题",
    "修改要求",
    "说明（原文）",
];

/// The findings, errors first, each as a row.
fn findings(unit: &UnitReport) -> Sheet<'_> {
    let mut rows = vec![HEADER
        .iter()
        .map(|h| (text(*h), Look::Header))
        .collect::<Vec<_>>()];
    for (n, issue) in unit.issues_by_severity().into_iter().enumerate() {
        let (problem, fix) = issue.code.zh();
        let cells = [
            Cell::Number((n + 1) as f64),
            text(issue.severity.zh()),
            text(&*issue.file),
            text(&*issue.sheet),
            text(issue.cell.as_str()),
            text(issue.form_kind.map_or("", FormKind::zh)),
            text(issue.project_code.as_deref().unwrap_or_default()),
            text(issue.found()),
            text(problem),
            text(fix),
            text(issue.message.as_str()),
        ];
        rows.push(cells.into_iter().map(|c| (c, Look::Plain)).collect());
    }
    let widths = widths(&rows);
    Sheet {
        name: "问题清单".into(),
        rows,
        widths,
        frozen_rows: 1,
        filter_from: Some(0),
    }
}

/// Column widths that fit the content (at most 60 characters; the
/// message column wraps).
fn widths(rows: &[Vec<(Cell, Look)>]) -> Vec<f64> {
    let mut widths = vec![6.0; HEADER.len()];
    for row in rows {
        for (i, (cell, _)) in row.iter().enumerate() {
            let (Cell::Text(t), Some(w)) = (cell, widths.get_mut(i)) else {
                continue;
            };
            // Text no longer than the width already found cannot widen it.
            if !fits(t, *w - 2.0) {
                *w = f64::max(*w, width_of(t, if i == 10 { 60.0 } else { 40.0 }));
            }
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        let unit = UnitReport {
            name: Some("某局/二科: \"新\"".into()),
            ..UnitReport::default()
        };
        assert_eq!(file_name("762002", &unit), "762002 某局_二科_ _新_.xlsx");
        assert_eq!(file_name("", &unit), "未识别单位.xlsx");
        assert_eq!(file_name("762002", &UnitReport::default()), "762002.xlsx");
        let dots = UnitReport {
            name: Some("..".into()),
            ..UnitReport::default()
        };
        assert_eq!(file_name("", &dots), "未识别单位.xlsx");
    }
}
