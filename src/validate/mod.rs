//! Validate stage: rules over normalised records. Each finding is an
//! [`Issue`] with severity, a stable code, a message in plain words and the
//! cell it concerns. Problems are data: nothing here stops a batch.
//!
//! Imports only `normalise`, `model` and `grid`.

pub mod report;
mod results;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;

use rust_decimal::Decimal;

use crate::model::{FormKind, Issue, IssueCode, Project, Records, Severity, Source};
use crate::normalise::level::REQUIRED_LEVEL1;
use crate::normalise::target::run_together;

/// What the pipeline file says about a rule: its severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

/// Applies the pipeline's rule settings (issue code → level): drops the
/// findings of rules that are `off`, sets the severity of the others.
pub fn apply_rules(issues: &mut Vec<Issue>, rules: &BTreeMap<IssueCode, RuleLevel>) {
    if rules.is_empty() {
        return;
    }
    issues.retain_mut(|i| match rules.get(&i.code) {
        Some(RuleLevel::Off) => false,
        Some(RuleLevel::Error) => {
            i.severity = Severity::Error;
            true
        }
        Some(RuleLevel::Warning) => {
            i.severity = Severity::Warning;
            true
        }
        None => true,
    });
}

fn issue(p: &Project, code: IssueCode, message: String, source: Source) -> Issue {
    Issue {
        severity: code.severity(),
        code,
        message,
        key: p.key.clone(),
        source,
    }
}

fn name_of(p: &Project) -> String {
    p.project_name
        .clone()
        .or_else(|| p.key.project_code.as_deref().map(str::to_string))
        .or_else(|| {
            let dept = p.key.form_kind.is_some_and(|k| k.is_dept());
            dept.then(|| p.unit_name.clone()).flatten()
        })
        .unwrap_or_else(|| format!("the form at {}", p.source.a1()))
}

/// Checks the records of one form (one project and its rows).
/// `code_groups` are the named groups of the code pattern (`dept` is the
/// one compared with the unit's department).
pub fn validate_form(form: &Records, code_groups: &[String]) -> Vec<Issue> {
    let mut out = Vec::new();
    for p in &form.projects {
        required_fields(p, &mut out);
        budget_adds_up(p, form, &mut out);
        dept_matches_unit(p, code_groups, &mut out);
        level1_groups(p, form, &mut out);
        spending_plan(p, form, &mut out);
        duplicate_goals(p, form, &mut out);
        garbled_targets(p, form, &mut out);
        results::check(p, form, &mut out);
        cut_in_xlsx(p, form, &mut out);
    }
    out
}

fn required_fields(p: &Project, out: &mut Vec<Issue>) {
    let kind = p.key.form_kind.unwrap_or_default();
    // A department's form has no project; the Ministry's self-evaluation
    // template has no project code (it is matched by name).
    let missing = [
        (
            "项目编码 (project code)",
            p.key.project_code.is_none() && kind == FormKind::ProjectTarget,
        ),
        (
            "项目名称 (project name)",
            p.project_name.is_none() && !kind.is_dept(),
        ),
        (
            "部门(单位)名称 (department)",
            p.unit_name.is_none() && p.key.unit_code.is_none() && kind.is_dept(),
        ),
        (
            "预算数 (budget total)",
            p.budget_total.is_none() && p.budget_total_raw.trim().is_empty(),
        ),
    ];
    for (what, is_missing) in missing {
        if is_missing {
            out.push(issue(
                p,
                IssueCode::MissingField,
                format!(
                    "{} has no {what}; the project row is kept with the field empty — fill it in the form",
                    name_of(p)
                ),
                p.source.clone(),
            ));
        }
    }
}

fn budget_adds_up(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let (Some(total), Some(fiscal)) = (p.budget_total, p.budget_fiscal) else {
        return;
    };
    let other = p.budget_other.unwrap_or(Decimal::ZERO);
    // Money carried over from last year, held in a fiscal special account
    // or the unit's own is part of the total too (at the stage the budget
    // is read at).
    let stage = crate::normalise::primary_stage(&form.funding);
    let carried: Decimal = form
        .funding
        .iter()
        .filter(|l| matches!(l.line, "carryover" | "special_account" | "unit_own"))
        .filter(|l| l.stage == stage)
        .filter_map(|l| l.amount)
        .sum();
    if fiscal + carried + other == total {
        return;
    }
    let carried_text = if carried.is_zero() {
        String::new()
    } else {
        format!(" + 上年结转/专户/单位资金 {carried}")
    };
    out.push(issue(
        p,
        IssueCode::BudgetSumMismatch,
        format!(
            "{}: 财政资金 {fiscal}{carried_text} + 其他资金 {other} = {}, but 预算数 is {total} ({})",
            name_of(p),
            fiscal + carried + other,
            p.amount_unit
        ),
        p.source.clone(),
    ));
}

fn dept_matches_unit(p: &Project, code_groups: &[String], out: &mut Vec<Issue>) {
    let code_dept = code_groups
        .iter()
        .position(|g| g == "dept")
        .and_then(|i| p.code_parts.get(i).cloned().flatten());
    if let (Some(code_dept), Some(unit_dept)) = (code_dept, &p.key.dept_code) {
        if !unit_dept.starts_with(&code_dept) && !code_dept.starts_with(&**unit_dept) {
            out.push(issue(
                p,
                IssueCode::DeptMismatch,
                format!(
                    "project code {} belongs to department {code_dept}, but the form's unit {} is in department {unit_dept}",
                    p.key.project_code.clone().unwrap_or_default(),
                    p.key.unit_code.clone().unwrap_or_default()
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
    let missing: Vec<&str> = REQUIRED_LEVEL1
        .iter()
        .copied()
        .filter(|l| !present.contains(l))
        .collect();
    if !missing.is_empty() {
        out.push(issue(
            p,
            IssueCode::MissingLevel1,
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
                IssueCode::PlanOver100,
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
                IssueCode::PlanDecreasing,
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
                IssueCode::PlanNot100,
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
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    for g in &form.goals {
        if let Some(first) = seen.get(&(g.goal_kind, g.goal.as_str())) {
            out.push(issue(
                p,
                IssueCode::DuplicateGoal,
                format!(
                    "{}: goal {} repeats goal {first} word for word ('{}')",
                    name_of(p),
                    g.seq,
                    g.goal
                ),
                g.source.clone(),
            ));
        } else {
            seen.insert((g.goal_kind, &g.goal), g.seq);
        }
    }
}

/// A percentage-like target over 100, or a value that reads as two numbers
/// run together (`85100`, `90100`).
/// Texts longer than an xlsx cell holds, each with its row's cell and
/// column: `tables.xlsx` and the feedback workbooks cut them.
fn cut_in_xlsx(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    let max = crate::model::XLSX_CELL_CHARS;
    // Bytes first: a text of at most `max` bytes has at most `max` chars.
    let long = |t: &str| t.len() > max && t.chars().nth(max).is_some();
    let mut say = |column: &str, text: &str, source: &Source| {
        if long(text) {
            let message = format!(
                "{}: {column} holds {} characters, more than an xlsx cell holds ({max}); tables.xlsx and the feedback workbooks cut it, the CSV and Parquet tables keep it whole",
                name_of(p),
                text.chars().count()
            );
            out.push(issue(p, IssueCode::ValueCutInXlsx, message, source.clone()));
        }
    };
    for (column, text) in [
        ("unit", p.unit_raw.as_str()),
        ("project_code", p.project_code_raw.as_str()),
        (
            "project_name",
            p.project_name.as_deref().unwrap_or_default(),
        ),
        ("title", p.title.as_deref().unwrap_or_default()),
        ("purpose", p.purpose.as_deref().unwrap_or_default()),
        ("func_class", p.func_class_raw.as_str()),
    ] {
        say(column, text, &p.source);
    }
    for i in &form.indicators {
        let result = i.result.as_ref();
        for (column, text) in [
            ("level1", i.level1_raw.as_str()),
            ("level2", i.level2_raw.as_str()),
            ("level3", i.level3.as_deref().unwrap_or_default()),
            ("description", i.description.as_deref().unwrap_or_default()),
            ("target", i.target_raw.as_str()),
            ("basis", i.basis.as_deref().unwrap_or_default()),
            ("actual", result.map_or("", |r| r.actual_raw.as_str())),
            (
                "deviation_note",
                result
                    .and_then(|r| r.deviation_note.as_deref())
                    .unwrap_or_default(),
            ),
        ] {
            say(column, text, &i.source);
        }
    }
    for g in &form.goals {
        say("goal", &g.goal, &g.source);
    }
    for t in &form.tasks {
        for (column, text) in [
            ("task", &t.task),
            ("content", &t.content),
            ("duty", &t.duty),
        ] {
            say(column, text.as_deref().unwrap_or_default(), &t.source);
        }
    }
}

fn garbled_targets(p: &Project, form: &Records, out: &mut Vec<Issue>) {
    for i in &form.indicators {
        let Some(v) = i.target_value else { continue };
        let name = i.level3.as_deref().unwrap_or_default();
        let percent_like =
            i.target_unit.as_deref() == Some("%") || name.contains('率') || name.contains("满意度");
        let split = run_together(&i.target_raw);
        let what = if name.is_empty() {
            "an indicator"
        } else {
            name
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
        let source = Source {
            cell: i.target_cell,
            ..i.source.clone()
        };
        out.push(issue(p, IssueCode::TargetOutOfRange, message, source));
    }
}

/// Checks across the whole batch and merges the forms' records in order
/// (see [`BatchCheck`]).
pub fn validate_batch(forms: Vec<Records>) -> Records {
    let mut out = Records::default();
    let mut check = BatchCheck::default();
    for form in forms {
        check.push(form, &mut out);
    }
    out
}

/// The checks across the batch, fed form by form in file order: the same
/// project code submitted twice. Identical content (project and all its
/// rows, wherever they were read) is a warning and the later form is
/// dropped; differing content is an error and both are kept. Only a
/// fingerprint and a location per project are kept, not the forms.
#[derive(Debug, Default)]
pub struct BatchCheck {
    /// Each (unit, project code) seen, by a 128-bit hash: the content's
    /// fingerprint and where it was first read.
    first_seen: rustc_hash::FxHashMap<u128, (u128, Box<str>)>,
    /// Each project code seen, by hash: the unit that first submitted it
    /// and where.
    code_units: rustc_hash::FxHashMap<u128, (Option<Arc<str>>, Box<str>)>,
    /// Scratch space for the bytes a hash is taken of.
    bytes: Vec<u8>,
}

impl BatchCheck {
    /// Checks `form` against the forms before it and appends what is kept
    /// (and any finding) to `out`.
    pub fn push(&mut self, mut form: Records, out: &mut Records) {
        let print = fingerprint(&mut form, &mut self.bytes);
        self.push_printed(form, print, out);
    }

    /// [`BatchCheck::push`] of a form whose [`fingerprint`] is already
    /// taken (by the thread that read it).
    pub fn push_printed(&mut self, form: Records, print: u128, out: &mut Records) {
        let Some((unit, code)) = form
            .projects
            .first()
            .and_then(|p| Some((p.key.unit_code.clone(), p.key.project_code.clone()?)))
        else {
            out.append(form);
            return;
        };
        let p = &form.projects[0];
        self.one_code_one_unit(p, &code, out);
        // A project's target form and its self-evaluation are two forms.
        let key = hash128(&(&unit, &code, p.key.form_kind), &mut self.bytes);
        let Some((earlier, also_at)) = self.first_seen.get(&key) else {
            self.first_seen
                .insert(key, (print, p.source.describe().into_boxed_str()));
            out.append(form);
            return;
        };
        let same = *earlier == print;
        out.issues.push(Issue {
            severity: if same { Severity::Warning } else { Severity::Error },
            code: IssueCode::DuplicateProject,
            message: if same {
                format!("project {code} is submitted twice with identical content (first at {also_at}); one copy kept")
            } else {
                format!(
                    "project {code} is submitted twice with different content (first at {also_at}); both kept — decide which is right"
                )
            },
            key: p.key.clone(),
            source: p.source.clone(),
        });
        if !same {
            out.append(form);
        }
    }
}

impl BatchCheck {
    /// The same project code submitted by two units: reported once per
    /// form after the first (codes are the department's, one project each).
    fn one_code_one_unit(&mut self, p: &Project, code: &Arc<str>, out: &mut Records) {
        let key = hash128(code, &mut self.bytes);
        match self.code_units.get(&key) {
            None => {
                let at = p.source.describe().into_boxed_str();
                self.code_units.insert(key, (p.key.unit_code.clone(), at));
            }
            Some((unit, at)) if *unit != p.key.unit_code => {
                let first = unit.as_deref().unwrap_or("(no unit)");
                let message = format!(
                    "project {code} is also submitted by unit {first} (at {at}); a project code names one project — check which unit it belongs to"
                );
                out.issues.push(issue(
                    p,
                    IssueCode::CodeInTwoUnits,
                    message,
                    p.source.clone(),
                ));
            }
            Some(_) => {}
        }
    }
}

/// A 128-bit hash of `value` (XXH3-128: fast, and collisions are out of
/// reach for any batch). The value's bytes are gathered first and hashed in
/// one call, which is much faster than feeding XXH3 field by field.
fn hash128(value: &impl std::hash::Hash, scratch: &mut Vec<u8>) -> u128 {
    struct Bytes<'a>(&'a mut Vec<u8>);
    impl std::hash::Hasher for Bytes<'_> {
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }
    scratch.clear();
    let mut bytes = Bytes(scratch);
    value.hash(&mut bytes);
    xxhash_rust::xxh3::xxh3_128(bytes.0)
}

/// A 128-bit fingerprint of a form's content (project and rows), wherever
/// it was read: sources are left out.
pub fn fingerprint(form: &mut Records, scratch: &mut Vec<u8>) -> u128 {
    fn take<T>(rows: &mut [T], source: impl Fn(&mut T) -> &mut Source) -> Vec<Source> {
        rows.iter_mut().map(|r| std::mem::take(source(r))).collect()
    }
    fn put<T>(rows: &mut [T], sources: Vec<Source>, source: impl Fn(&mut T) -> &mut Source) {
        for (r, s) in rows.iter_mut().zip(sources) {
            *source(r) = s;
        }
    }
    let (p, i) = (
        take(&mut form.projects, |r| &mut r.source),
        take(&mut form.indicators, |r| &mut r.source),
    );
    let (g, l) = (
        take(&mut form.goals, |r| &mut r.source),
        take(&mut form.plan, |r| &mut r.source),
    );
    let print = hash128(
        &(&form.projects, &form.indicators, &form.goals, &form.plan),
        scratch,
    );
    put(&mut form.projects, p, |r| &mut r.source);
    put(&mut form.indicators, i, |r| &mut r.source);
    put(&mut form.goals, g, |r| &mut r.source);
    put(&mut form.plan, l, |r| &mut r.source);
    print
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Goal, Indicator, Key, PlanPoint};
    use std::str::FromStr;

    fn d(s: &str) -> Option<Decimal> {
        Some(Decimal::from_str(s).unwrap())
    }

    fn groups() -> Vec<String> {
        ["dept", "category", "batch", "serial"]
            .map(String::from)
            .to_vec()
    }

    fn good() -> Records {
        let project = Project {
            key: Key {
                project_code: Some("762-0504-JQN-MTUQ".into()),
                unit_code: Some("762002".into()),
                dept_code: Some("762".into()),
                ..Key::default()
            },
            code_parts: vec![Some("762".into()), Some("0504".into()), None, None],
            project_name: Some("项目".into()),
            budget_total: d("20.00"),
            budget_total_raw: "20.00".into(),
            budget_fiscal: d("15.00"),
            budget_other: d("5.00"),
            ..Project::default()
        };
        let indicators = REQUIRED_LEVEL1
            .iter()
            .map(|l| Indicator {
                level1: Some((*l).into()),
                level3: Some("完成率".into()),
                target_raw: "100".into(),
                target_value: d("100"),
                ..Indicator::default()
            })
            .collect();
        let plan = ["50", "100"]
            .iter()
            .map(|v| PlanPoint {
                checkpoint_label: "x".into(),
                cumulative_pct: d(v),
                ..PlanPoint::default()
            })
            .collect();
        Records {
            projects: vec![project],
            indicators,
            plan,
            goals: vec![Goal {
                seq: 1,
                goal: "甲".into(),
                ..Goal::default()
            }],
            funding: vec![],
            tasks: vec![],
            issues: vec![],
        }
    }

    fn codes(r: &Records) -> Vec<&'static str> {
        validate_form(r, &groups())
            .iter()
            .map(|i| i.code.as_str())
            .collect()
    }

    #[test]
    fn a_good_form_has_no_findings() {
        assert!(codes(&good()).is_empty());
    }

    #[test]
    fn amounts_must_add_up() {
        let mut r = good();
        r.projects[0].budget_other = d("4.99");
        assert_eq!(codes(&r), ["budget_sum_mismatch"]);
    }

    #[test]
    fn required_fields() {
        let mut r = good();
        r.projects[0].key.project_code = None;
        r.projects[0].budget_total = None;
        r.projects[0].budget_total_raw = String::new();
        assert_eq!(codes(&r), ["missing_field", "missing_field"]);
    }

    #[test]
    fn department_must_match_the_unit() {
        let mut r = good();
        r.projects[0].key.dept_code = Some("763".into());
        assert_eq!(codes(&r), ["dept_mismatch"]);
    }

    #[test]
    fn all_three_level1_groups() {
        let mut r = good();
        r.indicators.pop();
        assert_eq!(codes(&r), ["missing_level1"]);
    }

    #[test]
    fn spending_plan_sanity() {
        let mut r = good();
        r.plan[0].cumulative_pct = d("120");
        r.plan[1].cumulative_pct = d("90");
        assert_eq!(
            codes(&r),
            ["plan_over_100", "plan_decreasing", "plan_not_100"]
        );
    }

    #[test]
    fn duplicate_goals_and_garbled_targets() {
        let mut r = good();
        r.goals.push(Goal {
            seq: 2,
            goal: "甲".into(),
            ..Goal::default()
        });
        r.indicators[0].target_raw = "90100".into();
        r.indicators[0].target_value = d("90100");
        r.indicators[1].target_raw = "120".into();
        r.indicators[1].target_value = d("120");
        assert_eq!(
            codes(&r),
            [
                "duplicate_goal",
                "target_out_of_range",
                "target_out_of_range"
            ]
        );
    }

    #[test]
    fn a_project_submitted_twice() {
        let mut a = good();
        a.projects[0].source = Source::new("a.xlsx", "S", crate::grid::Pos::parse_a1("B3"));
        let mut same = good();
        same.projects[0].source = Source::new("b.xlsx", "S", crate::grid::Pos::parse_a1("B3"));
        let merged = validate_batch(vec![a.clone(), same]);
        assert_eq!(merged.projects.len(), 1, "identical copy dropped");
        assert_eq!(merged.indicators.len(), 3);
        assert_eq!(merged.issues[0].severity, Severity::Warning);
        assert!(merged.issues[0].message.contains("a.xlsx"));

        let mut other = good();
        other.projects[0].budget_total = d("21.00");
        let merged = validate_batch(vec![a, other]);
        assert_eq!(merged.projects.len(), 2, "both kept");
        assert_eq!(merged.issues[0].code, IssueCode::DuplicateProject);
        assert_eq!(merged.issues[0].severity, Severity::Error);
    }

    #[test]
    fn a_project_code_submitted_by_two_units() {
        let a = good();
        let mut b = good();
        b.projects[0].key.unit_code = Some("762003".into());
        b.projects[0].source = Source::new("b.xlsx", "S", crate::grid::Pos::parse_a1("B3"));
        let merged = validate_batch(vec![a.clone(), b]);
        let codes: Vec<&str> = merged.issues.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["code_in_two_units"]);
        assert!(
            merged.issues[0].message.contains("762002"),
            "{}",
            merged.issues[0].message
        );
        assert_eq!(merged.projects.len(), 2, "both kept");
        // The same unit twice is a duplicate, not this.
        let merged = validate_batch(vec![a.clone(), a]);
        let codes: Vec<&str> = merged.issues.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["duplicate_project"]);
    }
}
