//! Validate stage: rules over normalised records. Each finding is an
//! [`Issue`] with severity, a stable code, a message in plain words and the
//! cell it concerns. Problems are data: nothing here stops a batch.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use crate::model::{Issue, Project, Records, Severity, Source};
use crate::normalise::level::LEVEL1;
use crate::normalise::target::run_together;

fn issue(
    p: &Project,
    severity: Severity,
    code: &'static str,
    message: String,
    source: Source,
) -> Issue {
    Issue {
        severity,
        code,
        message,
        unit_code: p.unit_code.clone(),
        project_code: p.project_code.clone(),
        source,
    }
}

fn name_of(p: &Project) -> String {
    p.project_name
        .clone()
        .or_else(|| p.project_code.clone())
        .unwrap_or_else(|| format!("the form at {}", p.source.cell))
}

/// Checks the records of one form (one project and its rows).
pub fn validate_form(form: &Records) -> Vec<Issue> {
    let mut out = Vec::new();
    for p in &form.projects {
        required_fields(p, &mut out);
        budget_adds_up(p, &mut out);
        dept_matches_unit(p, &mut out);
        level1_groups(p, form, &mut out);
        spending_plan(p, form, &mut out);
        duplicate_goals(p, form, &mut out);
        garbled_targets(p, form, &mut out);
    }
    out
}

fn required_fields(p: &Project, out: &mut Vec<Issue>) {
    let missing = [
        ("项目编码 (project code)", p.project_code.is_none()),
        ("项目名称 (project name)", p.project_name.is_none()),
        (
            "预算数 (budget total)",
            p.budget_total.is_none() && p.budget_total_raw.trim().is_empty(),
        ),
    ];
    for (what, is_missing) in missing {
        if is_missing {
            out.push(issue(
                p,
                Severity::Error,
                "missing_field",
                format!(
                    "{} has no {what}; the project row is kept with the field empty — fill it in the form",
                    name_of(p)
                ),
                p.source.clone(),
            ));
        }
    }
}

fn budget_adds_up(p: &Project, out: &mut Vec<Issue>) {
    if let (Some(total), Some(fiscal)) = (p.budget_total, p.budget_fiscal) {
        let other = p.budget_other.unwrap_or(Decimal::ZERO);
        if fiscal + other != total {
            out.push(issue(
                p,
                Severity::Error,
                "budget_sum_mismatch",
                format!(
                    "{}: 财政资金 {} + 其他资金 {} = {}, but 预算数 is {} ({})",
                    name_of(p),
                    fiscal,
                    other,
                    fiscal + other,
                    total,
                    p.amount_unit
                ),
                p.source.clone(),
            ));
        }
    }
}

fn dept_matches_unit(p: &Project, out: &mut Vec<Issue>) {
    let code_dept = p.code_parts.first().cloned().flatten();
    if let (Some(code_dept), Some(unit_dept)) = (code_dept, &p.dept_code) {
        if !unit_dept.starts_with(&code_dept) && !code_dept.starts_with(unit_dept.as_str()) {
            out.push(issue(
                p,
                Severity::Warning,
                "dept_mismatch",
                format!(
                    "project code {} belongs to department {code_dept}, but the form's unit {} is in department {unit_dept}",
                    p.project_code.clone().unwrap_or_default(),
                    p.unit_code.clone().unwrap_or_default()
                ),
                p.source.clone(),
            ));
        }
    }
}

fn level1_groups(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let present: HashSet<&str> = form
        .indicators
        .iter()
        .filter_map(|i| i.level1.as_deref())
        .collect();
    let missing: Vec<&str> = LEVEL1
        .iter()
        .copied()
        .filter(|l| !present.contains(l))
        .collect();
    if !missing.is_empty() {
        out.push(issue(
            p,
            Severity::Warning,
            "missing_level1",
            format!(
                "{} has no {} indicators (a form is expected to have 产出指标, 效益指标 and 满意度指标)",
                name_of(p),
                missing.join("、")
            ),
            p.source.clone(),
        ));
    }
}

fn spending_plan(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let mut prev: Option<Decimal> = None;
    for cp in &form.plan {
        let Some(pct) = cp.cumulative_pct else {
            continue;
        };
        if pct > Decimal::ONE_HUNDRED {
            out.push(issue(
                p,
                Severity::Warning,
                "plan_over_100",
                format!(
                    "{}: cumulative spending by {} is {}%, more than 100%",
                    name_of(p),
                    cp.checkpoint_label,
                    pct
                ),
                cp.source.clone(),
            ));
        }
        if prev.is_some_and(|q| pct < q) {
            out.push(issue(
                p,
                Severity::Warning,
                "plan_decreasing",
                format!(
                    "{}: cumulative spending falls to {}% at {} from {}% before; the plan is cumulative",
                    name_of(p),
                    pct,
                    cp.checkpoint_label,
                    prev.unwrap_or_default()
                ),
                cp.source.clone(),
            ));
        }
        prev = Some(pct);
    }
    if let Some(last) = form.plan.last() {
        match last.cumulative_pct {
            Some(pct) if pct == Decimal::ONE_HUNDRED => {}
            found => out.push(issue(
                p,
                Severity::Warning,
                "plan_not_100",
                format!(
                    "{}: the spending plan ends at {} by {}, expected 100%",
                    name_of(p),
                    found.map_or("nothing".to_string(), |v| format!("{v}%")),
                    last.checkpoint_label
                ),
                last.source.clone(),
            )),
        }
    }
}

fn duplicate_goals(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for g in &form.goals {
        if let Some(first) = seen.get(g.goal.as_str()) {
            out.push(issue(
                p,
                Severity::Warning,
                "duplicate_goal",
                format!(
                    "{}: goal {} repeats goal {first} word for word ('{}')",
                    name_of(p),
                    g.seq,
                    g.goal
                ),
                g.source.clone(),
            ));
        } else {
            seen.insert(&g.goal, g.seq);
        }
    }
}

/// A percentage-like target over 100, or a value that reads as two numbers
/// run together (`85100`, `90100`).
fn garbled_targets(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    for i in &form.indicators {
        let Some(v) = i.target_value else { continue };
        let name = i.level3.clone().unwrap_or_default();
        let percent_like =
            i.target_unit.as_deref() == Some("%") || name.contains('率') || name.contains("满意度");
        let split = run_together(&i.target_raw);
        let what = if name.is_empty() {
            "an indicator".to_string()
        } else {
            name.clone()
        };
        let message = match split {
            Some((a, b)) => format!(
                "{}: target '{}' for {what} looks like two numbers run together ('{a}' and '{b}'); kept as written — check the form",
                name_of(p),
                i.target_raw
            ),
            None if percent_like && v > Decimal::ONE_HUNDRED => format!(
                "{}: target '{}' for {what} is over 100, but the indicator is a percentage; kept as written — check the form",
                name_of(p),
                i.target_raw
            ),
            None => continue,
        };
        out.push(issue(
            p,
            Severity::Warning,
            "target_out_of_range",
            message,
            i.source.clone(),
        ));
    }
}

/// Checks across the whole batch and merges the forms' records in order:
/// the same project code submitted twice. Identical content (project and all
/// its rows, wherever they were read) is a warning and the later form is
/// dropped; differing content is an error and both are kept.
pub fn validate_batch(forms: Vec<Records>) -> Records {
    let mut out = Records::default();
    let mut first_seen: HashMap<(Option<String>, String), Records> = HashMap::new();
    for form in forms {
        let Some(p) = form.projects.first() else {
            out.append(form);
            continue;
        };
        let Some(code) = p.project_code.clone() else {
            out.append(form);
            continue;
        };
        let key = (p.unit_code.clone(), code.clone());
        let Some(earlier) = first_seen.get(&key) else {
            first_seen.insert(key, without_sources(&form));
            out.append(form);
            continue;
        };
        let same = earlier.projects == without_sources(&form).projects
            && same_rows(earlier, &without_sources(&form));
        let also_at = out
            .projects
            .iter()
            .find(|q| {
                q.unit_code == p.unit_code && q.project_code.as_deref() == Some(code.as_str())
            })
            .map(|q| q.source.describe())
            .unwrap_or_default();
        out.issues.push(Issue {
            severity: if same { Severity::Warning } else { Severity::Error },
            code: "duplicate_project",
            message: if same {
                format!("project {code} is submitted twice with identical content (first at {also_at}); one copy kept")
            } else {
                format!(
                    "project {code} is submitted twice with different content (first at {also_at}); both kept — decide which is right"
                )
            },
            unit_code: p.unit_code.clone(),
            project_code: Some(code),
            source: p.source.clone(),
        });
        if !same {
            out.append(form);
        }
    }
    out
}

fn same_rows(a: &Records, b: &Records) -> bool {
    a.indicators == b.indicators && a.goals == b.goals && a.plan == b.plan
}

/// The form's records with every source blanked, for comparing content.
fn without_sources(form: &Records) -> Records {
    let mut r = Records {
        projects: form.projects.clone(),
        indicators: form.indicators.clone(),
        goals: form.goals.clone(),
        plan: form.plan.clone(),
        issues: Vec::new(),
    };
    r.projects
        .iter_mut()
        .for_each(|x| x.source = Source::default());
    r.indicators
        .iter_mut()
        .for_each(|x| x.source = Source::default());
    r.goals
        .iter_mut()
        .for_each(|x| x.source = Source::default());
    r.plan.iter_mut().for_each(|x| x.source = Source::default());
    r
}
