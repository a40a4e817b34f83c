//! Normalise stage: pure functions from raw strings to typed values, and
//! [`normalise_form`], which applies them to one parsed form.
//!
//! Every normalised value keeps its raw form beside it in the records. A
//! value that cannot be read is kept as written and reported as an issue.

pub mod amount;
pub mod code;
pub mod func_class;
pub mod goals;
pub mod level;
pub mod plan;
pub mod target;
pub mod text;
pub mod unit;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::grid::Pos;
use crate::model::{Goal, Indicator, Issue, PlanPoint, Project, Records, Severity, Source};
use crate::parse::{year_of, RawField, RawForm};
use amount::{find_money_unit, fit_scale, parse_decimal, MoneyUnit, RATIO_SCALE};

/// What normalisation needs from the pipeline file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The unit every amount is converted to.
    pub amount_unit: MoneyUnit,
    /// The unit assumed when a form states none.
    pub default_source_unit: MoneyUnit,
    /// The project-code pattern; its named groups become `code_<name>`.
    pub code_pattern: code::CodePattern,
    /// How many leading digits of a unit code are the department code.
    pub dept_code_length: usize,
    /// The budget year, when the pipeline sets it (else read from the files).
    pub year: Option<i32>,
    pub levels: level::Levels,
    /// `code_category` value → category.
    pub categories: HashMap<String, Category>,
    /// The functional classification reference table.
    pub func_classes: func_class::FuncClasses,
}

/// A project category of the reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    /// The functional classification a project of this category is booked
    /// under when its form names none.
    pub func_class_code: Option<String>,
}

impl Settings {
    /// The named groups of the code pattern, in order.
    pub fn code_groups(&self) -> Vec<String> {
        self.code_pattern.groups().to_vec()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            amount_unit: MoneyUnit::Wanyuan,
            default_source_unit: MoneyUnit::Wanyuan,
            code_pattern: code::CodePattern::new(DEFAULT_CODE_PATTERN)
                .expect("valid default pattern"),
            dept_code_length: 3,
            year: None,
            levels: level::Levels::default(),
            categories: HashMap::new(),
            func_classes: func_class::FuncClasses::default(),
        }
    }
}

/// The sample pipeline's code pattern (`762-0504-JQN-MTUQ`).
pub const DEFAULT_CODE_PATTERN: &str =
    r"^(?P<dept>\d{3})-(?P<category>\d{4})-(?P<batch>[A-Z]{3})-(?P<serial>[A-Z0-9]{4})$";

fn cell(field: Option<&RawField>) -> Option<Pos> {
    field.and_then(|f| f.pos)
}

fn text(field: &Option<RawField>) -> &str {
    field.as_ref().map_or("", |f| f.text.as_str())
}

/// The text of an optional field, moved out of it.
fn take_text(field: &mut Option<RawField>) -> String {
    field
        .as_mut()
        .map(|f| std::mem::take(&mut f.text))
        .unwrap_or_default()
}

/// [`non_empty`] of a text that is usually clean already: kept, not copied.
fn non_empty_owned(s: String) -> Option<String> {
    if s.contains('\r') || s.trim().len() != s.len() {
        return non_empty(&s);
    }
    (!s.is_empty()).then_some(s)
}

fn non_empty(s: &str) -> Option<String> {
    let t = text::clean_text(s);
    (!t.is_empty()).then_some(t)
}

/// Turns one parsed form into records, with an issue for every value that
/// could not be read. The raw texts move into the records.
pub fn normalise_form(mut raw: RawForm, settings: &Settings) -> Records {
    let mut out = Records::default();
    let anchor = Source::shared(&raw.file, &raw.sheet, Some(raw.anchor));
    let src = |f: Option<&RawField>| Source::shared(&anchor.file, &anchor.sheet, cell(f));

    // Unit and department.
    let unit = unit::split_unit(text(&raw.unit));
    let dept_code = unit
        .code
        .as_ref()
        .filter(|c| c.len() >= settings.dept_code_length)
        .map(|c| c[..settings.dept_code_length].to_string())
        .or_else(|| unit::split_unit(text(&raw.dept)).code);

    // Project code.
    let code_raw = text(&raw.code).to_string();
    let groups = settings.code_pattern.groups();
    let (project_code, code_parts) = if code_raw.trim().is_empty() {
        (None, vec![None; groups.len()])
    } else {
        let c = code::normalise_code(&code_raw, &settings.code_pattern);
        let parts = groups
            .iter()
            .map(|g| c.parts.iter().find(|(n, _)| n == g).map(|(_, v)| v.clone()))
            .collect();
        (Some(c.code), parts)
    };
    // The keys every row of the form repeats: one allocation each per form.
    let unit_code: Option<Arc<str>> = unit.code.as_deref().map(Arc::from);
    let project_key: Option<Arc<str>> = project_code.as_deref().map(Arc::from);
    let issue = |severity, code, message: String, source: Source| Issue {
        severity,
        code,
        message,
        unit_code: unit_code.clone(),
        project_code: project_key.clone(),
        source,
    };
    if !code_raw.trim().is_empty() && code_parts.iter().all(Option::is_none) && !groups.is_empty() {
        out.issues.push(issue(
            Severity::Error,
            "code_format",
            format!(
                "project code '{}' does not match the code pattern {}; kept as written",
                code_raw.trim(),
                settings.code_pattern.as_str()
            ),
            src(raw.code.as_ref()),
        ));
    }

    // Amounts.
    let stated_unit = raw
        .amount_unit
        .as_ref()
        .and_then(|f| find_money_unit(&f.text));
    let from_unit = stated_unit.unwrap_or(settings.default_source_unit);
    let money_scale = settings.amount_unit.fen_scale();
    let mut amount = |field: &Option<RawField>, label: &str| -> Option<Decimal> {
        match parse_decimal(text(field)) {
            Ok(v) => v.map(|v| {
                let (v, rounded) =
                    fit_scale(from_unit.convert(v, settings.amount_unit), money_scale);
                if rounded {
                    out.issues.push(issue(
                        Severity::Warning,
                        "value_rounded",
                        format!(
                            "{label} '{}' is finer than one 分; rounded to {v} {} (the text is kept in the _raw column)",
                            text(field).trim(),
                            settings.amount_unit.name()
                        ),
                        src(field.as_ref()),
                    ));
                }
                v
            }),
            Err(e) => {
                out.issues.push(issue(
                    Severity::Error,
                    "amount_not_number",
                    format!("{label}: {e}; expected an amount such as 20.00"),
                    src(field.as_ref()),
                ));
                None
            }
        }
    };
    let budget_total = amount(&raw.budget_total, "预算数");
    let budget_fiscal = amount(&raw.budget_fiscal, "财政资金");
    let budget_other = amount(&raw.budget_other, "其他资金");

    let category_code = groups
        .iter()
        .position(|g| g == "category")
        .and_then(|i| code_parts[i].clone());
    let category = category_code
        .as_ref()
        .and_then(|c| settings.categories.get(c));
    if let (Some(c), None, false) = (&category_code, category, settings.categories.is_empty()) {
        out.issues.push(issue(
            Severity::Warning,
            "category_unknown",
            format!("project category '{c}' is not in the category reference table"),
            src(raw.code.as_ref()),
        ));
    }

    // Functional classification: from the form when it names one, else
    // mapped from the project category.
    let fc_raw = text(&raw.func_class).trim().to_string();
    let (func_class_code, func_class_name) = if fc_raw.is_empty() {
        let code = category.and_then(|c| c.func_class_code.clone());
        let name = code
            .as_deref()
            .and_then(|c| settings.func_classes.name(c))
            .map(str::to_string);
        (code, name)
    } else {
        let fc = func_class::split_func_class(&fc_raw);
        let table = &settings.func_classes;
        let code = fc.code.clone().or_else(|| {
            fc.name
                .as_deref()
                .and_then(|n| table.code(n))
                .map(str::to_string)
        });
        let name = code
            .as_deref()
            .and_then(|c| table.name(c))
            .map(str::to_string)
            .or_else(|| fc.name.clone());
        let known = code.as_deref().is_some_and(|c| table.name(c).is_some());
        if !known && !table.is_empty() {
            out.issues.push(issue(
                Severity::Warning,
                "func_class_unknown",
                format!(
                    "functional classification '{fc_raw}' is not in the reference table; kept as written"
                ),
                src(raw.func_class.as_ref()),
            ));
        }
        (code, name)
    };

    let project = Project {
        source: if raw.code.is_some() {
            src(raw.code.as_ref())
        } else {
            anchor.clone()
        },
        year: settings
            .year
            .or_else(|| raw.year.as_ref().and_then(|y| year_of(&y.text))),
        dept_code: dept_code.as_deref().map(Arc::from),
        unit_code: unit_code.clone(),
        unit_name: unit.name,
        unit_raw: take_text(&mut raw.unit),
        project_code: project_key.clone(),
        project_code_raw: code_raw,
        code_parts,
        category_name: category.map(|c| c.name.clone()),
        func_class_code,
        func_class_name,
        func_class_raw: fc_raw,
        project_name: non_empty_owned(take_text(&mut raw.name)),
        title: non_empty_owned(take_text(&mut raw.title)),
        budget_total,
        budget_fiscal,
        budget_other: budget_other.or(Some(Decimal::ZERO).filter(|_| budget_total.is_some())),
        budget_total_raw: take_text(&mut raw.budget_total),
        budget_fiscal_raw: take_text(&mut raw.budget_fiscal),
        budget_other_raw: take_text(&mut raw.budget_other),
        amount_unit: settings.amount_unit.name().to_string(),
        amount_unit_raw: take_text(&mut raw.amount_unit),
        purpose: non_empty_owned(take_text(&mut raw.purpose)),
        indicator_count: 0,
        goal_count: 0,
    };

    // Goals.
    if let Some(g) = &raw.goals {
        for (i, goal) in goals::split_goals(&g.text).into_iter().enumerate() {
            out.goals.push(Goal {
                source: src(Some(g)),
                year: project.year,
                dept_code: project.dept_code.clone(),
                unit_code: unit_code.clone(),
                project_code: project_key.clone(),
                seq: i as u32 + 1,
                goal,
            });
        }
    }

    // Spending plan.
    let mut pcts = Vec::with_capacity(raw.plan.len());
    for cp in &raw.plan {
        match parse_decimal(cp.value.text.trim_end_matches(['%', '％'])) {
            Ok(v) => pcts.push(v.map(|v| {
                let (v, rounded) = fit_scale(v, RATIO_SCALE);
                if rounded {
                    out.issues.push(issue(
                        Severity::Warning,
                        "value_rounded",
                        format!(
                            "spending plan {} '{}' has more than {RATIO_SCALE} decimals; rounded to {v}",
                            cp.label.text, cp.value.text
                        ),
                        src(Some(&cp.value)),
                    ));
                }
                v
            })),
            Err(e) => {
                out.issues.push(issue(
                    Severity::Error,
                    "plan_not_number",
                    format!(
                        "spending plan {}: {e}; expected a cumulative percentage",
                        cp.label.text
                    ),
                    src(Some(&cp.value)),
                ));
                pcts.push(None);
            }
        }
    }
    let filled = plan::fill_cumulative(&pcts);
    for (cp, pct) in std::mem::take(&mut raw.plan).into_iter().zip(filled) {
        let month = plan::checkpoint_month(&cp.label.text);
        if month.is_none() {
            out.issues.push(issue(
                Severity::Warning,
                "plan_checkpoint_unknown",
                format!(
                    "spending plan header '{}' names no month (expected e.g. 3月底, 一季度末)",
                    cp.label.text
                ),
                src(Some(&cp.label)),
            ));
        }
        out.plan.push(PlanPoint {
            source: src(Some(&cp.value)),
            year: project.year,
            dept_code: project.dept_code.clone(),
            unit_code: unit_code.clone(),
            project_code: project_key.clone(),
            checkpoint_label: cp.label.text,
            checkpoint_month: month,
            cumulative_pct_raw: cp.value.text,
            cumulative_pct: pct,
            cumulative_amount: match (pct, project.budget_total) {
                // Derived, so rounded to the 分 without a finding.
                (Some(p), Some(t)) => Some(fit_scale(t * p / Decimal::ONE_HUNDRED, money_scale).0),
                _ => None,
            },
        });
    }

    // Indicators.
    for (i, r) in std::mem::take(&mut raw.indicators).into_iter().enumerate() {
        let level1 = settings.levels.level1(&r.level1.text).cloned();
        let level2 = settings.levels.level2(&r.level2.text).cloned();
        for (raw_level, known, which) in [(&r.level1, &level1, "1"), (&r.level2, &level2, "2")] {
            if known.is_none() && !raw_level.is_blank() {
                out.issues.push(issue(
                    Severity::Warning,
                    "unknown_level",
                    format!(
                        "level-{which} indicator '{}' is not a known level; kept as written",
                        raw_level.text
                    ),
                    src(Some(raw_level)),
                ));
            }
        }
        let mut t = target::parse_target(&r.target.text);
        if let Some(v) = t.value {
            let (v, rounded) = fit_scale(v, RATIO_SCALE);
            if rounded {
                out.issues.push(issue(
                    Severity::Warning,
                    "value_rounded",
                    format!(
                        "target '{}' has more than {RATIO_SCALE} decimals; target_value rounded to {v} (target_raw keeps the text)",
                        r.target.text
                    ),
                    src(Some(&r.target)),
                ));
            }
            t.value = Some(v);
        }
        let target_cell = cell(Some(&r.target));
        out.indicators.push(Indicator {
            source: Source::shared(&anchor.file, &anchor.sheet, Some(r.row)),
            year: project.year,
            dept_code: project.dept_code.clone(),
            unit_code: unit_code.clone(),
            project_code: project_key.clone(),
            seq: i as u32 + 1,
            level1: level1.or_else(|| non_empty(&r.level1.text).map(Arc::from)),
            level2: level2.or_else(|| non_empty(&r.level2.text).map(Arc::from)),
            level3: non_empty_owned(r.level3.text),
            level1_raw: r.level1.text,
            level2_raw: r.level2.text,
            description: non_empty_owned(r.description.text),
            target_raw: r.target.text,
            target_cell,
            target_op: (!t.op.is_empty()).then_some(t.op),
            target_value: t.value,
            target_unit: t.unit,
            basis: non_empty_owned(r.basis.text),
        });
    }

    let mut project = project;
    project.indicator_count = out.indicators.len() as u32;
    project.goal_count = out.goals.len() as u32;
    out.projects.push(project);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Pos;
    use crate::parse::{RawCheckpoint, RawIndicator};
    use std::str::FromStr;

    fn f(text: &str, row: u32, col: u32) -> Option<RawField> {
        Some(RawField {
            text: text.to_string(),
            pos: Some(Pos::new(row, col)),
        })
    }

    fn form() -> RawForm {
        RawForm {
            file: "u.xlsx".into(),
            sheet: "S".into(),
            anchor: Pos::new(2, 0),
            unit: f("[762002]秦皇岛市北戴河区残疾人联合会", 1, 0),
            amount_unit: f("单位：元", 1, 6),
            code: f("７６２０５０４jqnmtuq", 2, 1),
            name: f(" 城镇残疾人基本养老保险补贴 ", 2, 4),
            budget_total: f("1,050,000.00", 3, 2),
            budget_fiscal: f("1050000", 3, 4),
            budget_other: f("", 3, 6),
            plan: vec![
                RawCheckpoint {
                    label: RawField {
                        text: "一季度末".into(),
                        pos: Some(Pos::new(5, 1)),
                    },
                    value: RawField {
                        text: "".into(),
                        pos: Some(Pos::new(6, 1)),
                    },
                },
                RawCheckpoint {
                    label: RawField {
                        text: "6月底".into(),
                        pos: Some(Pos::new(5, 2)),
                    },
                    value: RawField {
                        text: "40".into(),
                        pos: Some(Pos::new(6, 2)),
                    },
                },
                RawCheckpoint {
                    label: RawField {
                        text: "十二月底".into(),
                        pos: Some(Pos::new(5, 3)),
                    },
                    value: RawField {
                        text: "".into(),
                        pos: Some(Pos::new(6, 3)),
                    },
                },
            ],
            goals: f("（1）甲\n（2）乙", 7, 1),
            indicators: vec![RawIndicator {
                row: Pos::new(9, 0),
                level1: RawField {
                    text: "效 果".into(),
                    pos: Some(Pos::new(9, 0)),
                },
                level2: RawField {
                    text: "环境效益指标".into(),
                    pos: Some(Pos::new(9, 1)),
                },
                level3: RawField {
                    text: "覆盖率".into(),
                    pos: Some(Pos::new(9, 2)),
                },
                target: RawField {
                    text: "≥９５％".into(),
                    pos: Some(Pos::new(9, 4)),
                },
                ..RawIndicator::default()
            }],
            ..RawForm::default()
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_variant_form_comes_out_canonical_with_raw_kept() {
        let r = normalise_form(form(), &Settings::default());
        let p = &r.projects[0];
        assert_eq!(p.project_code.as_deref(), Some("762-0504-JQN-MTUQ"));
        assert_eq!(p.project_code_raw, "７６２０５０４jqnmtuq");
        assert_eq!(p.code_parts[1].as_deref(), Some("0504"));
        assert_eq!(p.unit_code.as_deref(), Some("762002"));
        assert_eq!(p.dept_code.as_deref(), Some("762"));
        assert_eq!(
            p.project_name.as_deref(),
            Some("城镇残疾人基本养老保险补贴")
        );
        assert_eq!(p.budget_total, Some(d("105")));
        assert_eq!(p.budget_other, Some(Decimal::ZERO), "blank 其他资金 is 0");
        assert_eq!(p.budget_total_raw, "1,050,000.00");
        assert_eq!(p.source.a1(), "B3");
        let months: Vec<_> = r.plan.iter().map(|c| c.checkpoint_month).collect();
        assert_eq!(months, [Some(3), Some(6), Some(12)]);
        let pcts: Vec<_> = r.plan.iter().map(|c| c.cumulative_pct).collect();
        assert_eq!(pcts, [Some(d("0")), Some(d("40")), Some(d("40"))]);
        assert_eq!(r.plan[1].cumulative_amount, Some(d("42")));
        let goals: Vec<_> = r.goals.iter().map(|g| g.goal.as_str()).collect();
        assert_eq!(goals, ["甲", "乙"]);
        let i = &r.indicators[0];
        assert_eq!(i.level1.as_deref(), Some("效益指标"));
        assert_eq!(i.level1_raw, "效 果");
        assert_eq!(i.level2.as_deref(), Some("生态效益指标"));
        assert_eq!(i.target_op.as_deref(), Some(">="));
        assert_eq!(i.target_value, Some(d("95")));
        assert_eq!(i.target_unit.as_deref(), Some("%"));
        assert!(r.issues.is_empty(), "{:?}", r.issues);
    }

    #[test]
    fn unreadable_values_are_kept_and_reported() {
        let mut raw = form();
        raw.code = f("76-05", 2, 1);
        raw.budget_fiscal = f("二十万", 3, 4);
        raw.indicators[0].level1.text = "其他指标".into();
        let r = normalise_form(raw.clone(), &Settings::default());
        let codes: Vec<_> = r.issues.iter().map(|i| i.code).collect();
        assert_eq!(codes, ["code_format", "amount_not_number", "unknown_level"]);
        assert_eq!(r.projects[0].project_code.as_deref(), Some("76-05"));
        assert_eq!(r.issues[1].source.a1(), "E4");
        assert_eq!(r.indicators[0].level1.as_deref(), Some("其他指标"));
    }

    #[test]
    fn the_pipeline_amount_unit_is_honoured() {
        let settings = Settings {
            amount_unit: MoneyUnit::Yuan,
            ..Settings::default()
        };
        let r = normalise_form(form(), &settings);
        assert_eq!(r.projects[0].budget_total, Some(d("1050000")));
        assert_eq!(r.projects[0].amount_unit, "元");
    }
}
