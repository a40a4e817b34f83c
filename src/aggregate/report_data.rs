//! The report's figures, gathered from each file's records as they are
//! written ([`ReportData`]).

use rust_decimal::Decimal;

use crate::model::report::{IssueLine, ReportData, Tally, UnitReport};
use crate::model::{FormKind, Issue, Project, Records, Severity};

/// Adds one file's records (its forms' rows and findings, checked) to the
/// report's figures; returns the units whose figures the feedback shows it
/// changed.
pub fn gather(data: &mut ReportData, records: &Records) -> Vec<String> {
    for p in &records.projects {
        project(data, p);
    }
    // A file's rows are mostly of one unit: each run of rows of one unit
    // looks it up once.
    let plan: Vec<_> = (records.plan.iter().filter(|p| target(p.key.form_kind)))
        .filter_map(|p| {
            Some((
                p.key.unit_code.as_deref(),
                p.checkpoint_month?,
                p.cumulative_amount?,
            ))
        })
        .collect();
    for run in plan.chunk_by(|a, b| a.0 == b.0) {
        let unit = unit_of(&mut data.units, run[0].0);
        for &(_, month, amount) in run {
            *data.plan_by_month.entry(month).or_default() += amount;
            *unit.plan_by_month.entry(month).or_default() += amount;
        }
    }
    let mut verdicts = Vec::new();
    for i in &records.indicators {
        if target(i.key.form_kind) {
            let levels = (i.level1.clone(), i.level2.clone());
            *data.levels.entry(levels).or_default() += 1;
        }
        if let Some(met) = i.result.as_ref().and_then(|r| r.target_met) {
            verdicts.push((i.key.unit_code.as_deref(), met));
        }
    }
    for run in verdicts.chunk_by(|a, b| a.0 == b.0) {
        let unit = unit_of(&mut data.units, run[0].0);
        unit.evaluated += run.len() as u64;
        unit.met += run.iter().filter(|(_, met)| *met).count() as u64;
    }
    // A finding about the whole file goes to the unit its forms are of,
    // else the unit its name gives (`762009.xlsx`).
    let file_unit = records
        .projects
        .iter()
        .find_map(|p| p.key.unit_code.as_deref())
        .map(str::to_string);
    // The units whose feedback this file changes: their forms' files and
    // names, their findings.
    let mut touched: Vec<String> = Vec::new();
    for p in &records.projects {
        let unit = p.key.unit_code.as_deref().unwrap_or_default();
        if !touched.iter().any(|t| t == unit) {
            touched.push(unit.to_string());
        }
    }
    for i in &records.issues {
        let unit = match i.key.unit_code.as_deref() {
            Some(u) => u.to_string(),
            None => file_unit
                .clone()
                .unwrap_or_else(|| unit_in_name(&i.source.file)),
        };
        if !touched.contains(&unit) {
            touched.push(unit.clone());
        }
        issue(data, unit, i);
    }
    touched
}

/// Target forms set budgets, plans and indicator mixes.
fn target(kind: Option<FormKind>) -> bool {
    matches!(kind, Some(FormKind::ProjectTarget | FormKind::DeptTarget))
}

type Units = std::collections::BTreeMap<String, UnitReport>;

/// The unit's figures, added when new (one search: a short code costs less
/// to copy than a second search through thousands of units).
fn unit_of<'a>(units: &'a mut Units, code: Option<&str>) -> &'a mut UnitReport {
    units
        .entry(code.unwrap_or_default().to_string())
        .or_default()
}

fn project(data: &mut ReportData, p: &Project) {
    let kind = p.key.form_kind.unwrap_or_default();
    if kind == FormKind::ProjectTarget {
        let budget = p.budget_total.unwrap_or_default();
        let category = p.category_name.as_deref().unwrap_or("（未分类）");
        add(&mut data.categories, category, budget);
        let class = match (&p.func_class_code, &p.func_class_name) {
            (Some(c), Some(n)) => format!("{c} {n}"),
            (Some(c), None) => c.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => "（未填）".to_string(),
        };
        add(&mut data.func_classes, &class, budget);
    }
    let u = unit_of(&mut data.units, p.key.unit_code.as_deref());
    if u.name.is_none() {
        u.name = p.unit_name.clone();
        u.dept_code = p.key.dept_code.as_deref().map(str::to_string);
    }
    u.files.insert(p.source.file.clone());
    u.forms[kind.index()] += 1;
    match kind {
        FormKind::ProjectTarget => u.budget += p.budget_total.unwrap_or_default(),
        FormKind::ProjectSelfEval => {
            u.budget_full_year += p.budget_total.unwrap_or_default();
            u.executed += p
                .result
                .as_ref()
                .and_then(|r| r.executed_total)
                .unwrap_or_default();
        }
        _ => {}
    }
}

fn add(groups: &mut std::collections::BTreeMap<String, Tally>, key: &str, budget: Decimal) {
    let t = match groups.get_mut(key) {
        Some(t) => t,
        None => groups.entry(key.to_string()).or_default(),
    };
    t.forms += 1;
    t.budget += budget;
}

fn issue(data: &mut ReportData, unit: String, i: &Issue) {
    let counts = data.issue_codes.entry(i.code).or_default();
    let error = i.severity == Severity::Error;
    counts[usize::from(!error)] += 1;
    let keep = data.issues_kept < ReportData::KEEP_TOTAL;
    let u = data.units.entry(unit).or_default();
    u.files.insert(i.source.file.clone());
    match error {
        true => u.errors += 1,
        false => u.warnings += 1,
    }
    if !keep || u.issues.len() >= ReportData::KEEP_PER_UNIT {
        data.issues_dropped += 1;
        return;
    }
    u.issues.push(IssueLine {
        severity: i.severity,
        code: i.code,
        message: i.message.clone(),
        form_kind: i.key.form_kind,
        project_code: i.key.project_code.clone(),
        file: i.source.file.clone(),
        sheet: i.source.sheet.clone(),
        cell: i.source.a1(),
    });
    data.issues_kept += 1;
}

/// A unit code a file's name starts with (`762009.xlsx`, `762009 某单位.xls`),
/// or empty.
fn unit_in_name(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    match digits.len() {
        6..=12 => digits,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_unit_is_told_by_its_name_when_nothing_else_says() {
        assert_eq!(unit_in_name("in/762009.xlsx"), "762009");
        assert_eq!(unit_in_name("in/762009 某单位.xls"), "762009");
        assert_eq!(unit_in_name("in/2020.xlsx"), "");
        assert_eq!(unit_in_name("报表.xlsx"), "");
    }
}
