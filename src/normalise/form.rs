//! [`normalise_form`]: one parsed form into records, section by section
//! (unit and code, money, classification, goals, plan, indicators), each
//! section's findings going to the form's [`Sink`].

use std::sync::Arc;

use rust_decimal::Decimal;

use super::amount::{fit_scale, parse_decimal};
use super::{code, func_class, goals, plan, target, unit, Category, Settings};
use crate::grid::Pos;
use crate::model::schema::RATIO_SCALE;
use crate::model::{
    FundingLine, Goal, Indicator, Issue, IssueCode, Key, PlanPoint, Project, Records, Source,
};
use crate::parse::{RawCheckpoint, RawField, RawForm, RawIndicator};
use crate::vocab::money::{amount_and_unit, find_money_unit, MoneyUnit};
use crate::vocab::month::checkpoint_month;
use crate::vocab::text::clean_text;
use crate::vocab::year::{spreadsheet_date, year_in_title};

/// Turns one parsed form into records, with an issue for every value that
/// could not be read. The raw texts move into the records.
pub fn normalise_form(mut raw: RawForm, settings: &Settings) -> Records {
    code_from_name(&mut raw);
    let ids = Identity::of(&raw, settings);
    let mut sink = Sink {
        key: ids.key.clone(),
        file: Arc::clone(&raw.file),
        sheet: Arc::clone(&raw.sheet),
        issues: Vec::new(),
    };
    ids.check_code(&raw, settings, &mut sink);
    let amounts = budget(&raw, settings, &mut sink);
    let [budget_total, _, budget_other, executed] = amounts;
    let (funding, budget_fiscal) = funding_rows(&mut raw, amounts, settings, &mut sink);
    let budget_total = budget_total
        .or_else(|| computed_total(&funding, budget_fiscal, budget_other, &raw, &mut sink));
    let category = category(&ids, &raw, settings, &mut sink);
    let class = classification(&raw, category, settings, &mut sink);
    let mut project = Project {
        source: match &raw.code {
            Some(f) => sink.source(f.pos),
            None => sink.source(Some(raw.anchor)),
        },
        key: ids.key,
        unit_name: ids.unit_name,
        unit_raw: take_text(&mut raw.unit),
        project_code_raw: ids.code_raw,
        code_parts: ids.code_parts,
        category_name: category.map(|c| c.name.clone()),
        func_class_code: class.code,
        func_class_name: class.name,
        func_class_raw: class.raw,
        project_name: non_empty_owned(take_text(&mut raw.name)),
        title: non_empty_owned(take_text(&mut raw.title)),
        budget_total,
        budget_fiscal,
        budget_other: budget_other.or(Some(Decimal::ZERO).filter(|_| budget_total.is_some())),
        budget_total_raw: take_text(&mut raw.budget_total),
        budget_fiscal_raw: take_text(&mut raw.budget_fiscal),
        budget_other_raw: take_text(&mut raw.budget_other),
        result: super::result::project_result(&mut raw, budget_total, executed, &mut sink),
        amount_unit: settings.amount_unit.name().to_string(),
        amount_unit_raw: take_text(&mut raw.amount_unit),
        purpose: non_empty_owned(take_text(&mut raw.purpose)),
        indicator_count: 0,
        goal_count: 0,
    };
    let goals = goal_rows(&raw, &sink);
    let plan = plan_rows(
        std::mem::take(&mut raw.plan),
        budget_total,
        settings,
        &mut sink,
    );
    let rows = std::mem::take(&mut raw.indicators);
    let indicators = indicator_rows(rows, raw.kind, settings, &mut sink);
    let tasks = super::result::task_rows(std::mem::take(&mut raw.tasks), &raw, settings, &mut sink);
    project.indicator_count = indicators.len() as u32;
    project.goal_count = goals.len() as u32;
    Records {
        projects: vec![project],
        indicators,
        goals,
        plan,
        funding,
        tasks,
        issues: sink.issues,
    }
}

/// A project code written in front of the name (`51000021R000000019951-
/// 工资性支出`) of a form with no code of its own: the code, and the name
/// after it.
fn code_from_name(raw: &mut RawForm) {
    if raw.code.as_ref().is_some_and(|c| !c.is_blank()) {
        return;
    }
    let Some(name) = raw.name.as_mut() else {
        return;
    };
    let Some((code, rest)) = super::family::split_code_name(&name.text) else {
        return;
    };
    let code = RawField {
        text: code.to_string(),
        pos: name.pos,
    };
    name.text = rest.to_string();
    raw.code = Some(code);
}

/// Where a form's findings go: each gets the form's key and a cell of the
/// form's sheet.
pub(super) struct Sink {
    pub(super) key: Key,
    file: Arc<str>,
    sheet: Arc<str>,
    issues: Vec<Issue>,
}

impl Sink {
    /// A cell of the form's sheet (the file and sheet names shared).
    pub(super) fn source(&self, cell: Option<Pos>) -> Source {
        Source::shared(&self.file, &self.sheet, cell)
    }

    /// A finding at `cell`, with the code's default severity.
    pub(super) fn push(&mut self, code: IssueCode, message: String, cell: Option<Pos>) {
        self.issues.push(Issue {
            severity: code.severity(),
            code,
            message,
            key: self.key.clone(),
            source: self.source(cell),
        });
    }
}

/// Who the form is about: its unit, department and project code.
struct Identity {
    key: Key,
    unit_name: Option<String>,
    code_raw: String,
    /// One value per named group of the code pattern.
    code_parts: Vec<Option<String>>,
}

impl Identity {
    fn of(raw: &RawForm, settings: &Settings) -> Identity {
        let unit = unit::split_unit(text(&raw.unit));
        let dept_code = unit
            .code
            .as_ref()
            .filter(|c| c.len() >= settings.dept_code_length)
            .map(|c| c[..settings.dept_code_length].to_string())
            .or_else(|| unit::split_unit(text(&raw.dept)).code);
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
        let year = settings
            .year
            .or_else(|| raw.year.as_ref().and_then(|y| year_in_title(&y.text)));
        Identity {
            key: Key {
                year,
                form_kind: Some(raw.kind),
                dept_code: dept_code.as_deref().map(Arc::from),
                unit_code: unit.code.as_deref().map(Arc::from),
                project_code: project_code.as_deref().map(Arc::from),
            },
            unit_name: unit.name,
            code_raw,
            code_parts,
        }
    }

    /// A code that does not fit the pattern is kept as written, reported.
    fn check_code(&self, raw: &RawForm, settings: &Settings, sink: &mut Sink) {
        let written = !self.code_raw.trim().is_empty();
        let groups = settings.code_pattern.groups();
        if written && !groups.is_empty() && self.code_parts.iter().all(Option::is_none) {
            sink.push(
                IssueCode::CodeFormat,
                format!(
                    "project code '{}' does not match the code pattern {}; kept as written",
                    self.code_raw.trim(),
                    settings.code_pattern.as_str()
                ),
                cell(raw.code.as_ref()),
            );
        }
    }

    /// The value of the code pattern's group `name`.
    fn part(&self, settings: &Settings, name: &str) -> Option<&String> {
        let groups = settings.code_pattern.groups();
        let i = groups.iter().position(|g| g == name)?;
        self.code_parts[i].as_ref()
    }
}

/// 预算数, 财政资金, 其他资金 (and a self-evaluation's 全年执行数) in the pipeline's unit, converted from the unit
/// the form states (else the pipeline's default source unit, reported).
fn budget(raw: &RawForm, settings: &Settings, sink: &mut Sink) -> [Option<Decimal>; 4] {
    let (from, stated) = form_unit(raw, settings);
    let fields = [
        &raw.budget_total,
        &raw.budget_fiscal,
        &raw.budget_other,
        &raw.executed_total,
    ];
    // An amount may carry its own unit (`250万`, `20万元`); `/` is none.
    let split = fields.map(|f| amount_and_unit(as_stated(text(f))));
    let written = split.map(|(number, _)| parse_decimal(number));
    let mut amount = |i: usize, label: &str| {
        let unit = split[i].1.unwrap_or(from);
        let parsed = written[i].clone();
        let parsed = parsed.map(|v| v.map(|v| unit.convert(v, settings.amount_unit)));
        money_value(parsed, fields[i].as_ref(), label, settings, sink)
    };
    let amounts = [
        amount(0, "预算数"),
        amount(1, "财政资金"),
        amount(2, "其他资金"),
        amount(3, "全年执行数"),
    ];
    let assumed = (0..4).any(|i| split[i].1.is_none() && matches!(written[i], Ok(Some(_))));
    if !stated && assumed {
        sink.push(
            IssueCode::AmountUnitAssumed,
            format!(
                "the form states no unit for its amounts (单位：万元, (元) in a money label); read as {} (the pipeline's default_source_unit) — state the unit on the form",
                from.name()
            ),
            cell(raw.budget_total.as_ref()),
        );
    }
    if let (Some(total), Ok(Some(value))) = (&raw.budget_total, &written[0]) {
        plausible(total, *value, split[0].1.unwrap_or(from), settings, sink);
    }
    amounts
}

/// How many digits a whole number has (`0` has one).
fn digits(whole: Decimal) -> usize {
    let mut n = whole.mantissa().unsigned_abs() / 10u128.pow(whole.scale());
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Reports a budget total that looks like it is in another unit than
/// `from`, the unit it was read in (see [`super::Plausible`]).
fn plausible(
    field: &RawField,
    written: Decimal,
    from: MoneyUnit,
    settings: &Settings,
    sink: &mut Sink,
) {
    let bounds = &settings.plausible;
    let wanyuan = from.convert(written, MoneyUnit::Wanyuan);
    let yuan = from.convert(written, MoneyUnit::Yuan);
    let whole_digits = digits(written.trunc().abs());
    let why = if wanyuan > Decimal::from(bounds.max_wanyuan) {
        format!(
            "is {} 万元, more than {} 万元",
            wanyuan.normalize(),
            bounds.max_wanyuan
        )
    } else if from == MoneyUnit::Wanyuan
        && written.fract().is_zero()
        && whole_digits >= bounds.yuan_digits
    {
        format!("is a whole number of {whole_digits} digits in a form read as 万元")
    } else if from == MoneyUnit::Yuan
        && yuan > Decimal::ZERO
        && yuan < Decimal::from(bounds.min_yuan)
    {
        format!(
            "is {} 元, less than {} 元",
            yuan.normalize(),
            bounds.min_yuan
        )
    } else {
        return;
    };
    sink.push(
        IssueCode::AmountImplausible,
        format!(
            "预算数 '{}' {why}: it looks like another unit than {} — check the form's unit (nothing was changed)",
            field.text.trim(),
            from.name()
        ),
        field.pos,
    );
}

/// The unit a form's amounts are read in: the one it states, else the
/// pipeline's default source unit.
pub(super) fn form_unit(raw: &RawForm, settings: &Settings) -> (MoneyUnit, bool) {
    let stated = raw
        .amount_unit
        .as_ref()
        .and_then(|f| find_money_unit(&f.text));
    (
        stated.unwrap_or(settings.default_source_unit),
        stated.is_some(),
    )
}

/// The form's money lines as `funding` rows, and 财政拨款: as written, else
/// the sum of its lines by government level (reported when the lines do not
/// add up to the total written).
fn funding_rows(
    raw: &mut RawForm,
    amounts: [Option<Decimal>; 4],
    settings: &Settings,
    sink: &mut Sink,
) -> (Vec<FundingLine>, Option<Decimal>) {
    let (from, _) = form_unit(raw, settings);
    // The cells budget() read (and reported on) already, and their amounts.
    let read = [
        &raw.budget_total,
        &raw.budget_fiscal,
        &raw.budget_other,
        &raw.executed_total,
    ]
    .map(|f| cell(f.as_ref()));
    let mut rows = Vec::with_capacity(raw.funding.len());
    for m in std::mem::take(&mut raw.funding) {
        let line = m.field.money_line().unwrap_or("other");
        // Without the funding table, only the lines a check needs: 财政拨款
        // by level, the money beside it in the 预算数 check, and an
        // execution's weight and score.
        let needed = line.starts_with("fiscal_")
            || matches!(line, "carryover" | "special_account" | "unit_own")
            || m.weight.is_some()
            || m.score.is_some();
        if !settings.funding && !needed {
            continue;
        }
        let amount = match read.iter().position(|p| p.is_some() && *p == m.value.pos) {
            Some(i) => amounts[i],
            None => cell_amount(&m.value, &m.label, from, settings, sink),
        };
        let weight = super::result::score(m.weight.as_ref(), "分值", sink);
        let score = super::result::score(m.score.as_ref(), "得分", sink);
        rows.push(FundingLine {
            source: sink.source(m.value.pos),
            key: sink.key.clone(),
            line,
            line_raw: m.label,
            stage: m.stage,
            amount,
            amount_raw: m.value.text,
            weight,
            score,
        });
    }
    let fiscal_written = amounts[1];
    // 财政拨款's lines by level at the stage its total is read at.
    let stage = primary_stage(&rows);
    let levels: Vec<Decimal> = rows
        .iter()
        .filter(|r| r.line.starts_with("fiscal_") && r.stage == stage)
        .filter_map(|r| r.amount)
        .collect();
    if levels.is_empty() {
        return (rows, fiscal_written);
    }
    let sum: Decimal = levels.iter().sum();
    match fiscal_written {
        None => (rows, Some(sum)),
        Some(total) => {
            if total != sum {
                sink.push(
                    IssueCode::FundingSumMismatch,
                    format!(
                        "the 财政拨款 lines by government level add up to {sum}, not the 财政拨款 total {total} ({})",
                        settings.amount_unit.name()
                    ),
                    cell(raw.budget_fiscal.as_ref()),
                );
            }
            (rows, Some(total))
        }
    }
}

/// The total of a form that writes its money by source and no total: 财政拨款
/// (written, or its lines by level), other money, and the lines beside
/// them (上年结转, 财政专户, 单位资金) at the stage the budget is read at;
/// reported, so the form can be checked.
fn computed_total(
    rows: &[FundingLine],
    fiscal: Option<Decimal>,
    other: Option<Decimal>,
    raw: &RawForm,
    sink: &mut Sink,
) -> Option<Decimal> {
    if raw.budget_total.as_ref().is_some_and(|t| !t.is_blank()) {
        return None;
    }
    let stage = primary_stage(rows);
    let beside: Vec<Decimal> = rows
        .iter()
        .filter(|r| {
            r.stage == stage && matches!(r.line, "carryover" | "special_account" | "unit_own")
        })
        .filter_map(|r| r.amount)
        .collect();
    if fiscal.is_none() && other.is_none() && beside.is_empty() {
        return None;
    }
    let total =
        fiscal.unwrap_or_default() + other.unwrap_or_default() + beside.iter().sum::<Decimal>();
    let at = raw.budget_fiscal.as_ref().or(raw.budget_other.as_ref());
    sink.push(
        IssueCode::BudgetTotalComputed,
        format!("the form writes no total of its money: {total}, the sum of its lines, was taken"),
        cell(at),
    );
    Some(total)
}

/// The stage a form's budget is read at: `budget` on a target form; on a
/// self-evaluation, the full year's, else the year's start.
pub fn primary_stage(rows: &[FundingLine]) -> crate::model::Stage {
    use crate::model::Stage;
    [Stage::Budget, Stage::FullYear, Stage::YearStart]
        .into_iter()
        .find(|s| rows.iter().any(|r| r.stage == *s))
        .unwrap_or(Stage::Budget)
}

/// One cell's amount, in the unit it carries (`250万`) or `from`, in the
/// pipeline's unit (see [`money_value`]).
pub(super) fn cell_amount(
    field: &RawField,
    label: &str,
    from: MoneyUnit,
    settings: &Settings,
    sink: &mut Sink,
) -> Option<Decimal> {
    let (number, unit) = amount_and_unit(as_stated(&field.text));
    let unit = unit.unwrap_or(from);
    let parsed = parse_decimal(number).map(|v| v.map(|v| unit.convert(v, settings.amount_unit)));
    money_value(parsed, Some(field), label, settings, sink)
}

/// An amount fitted to one 分 of the pipeline's unit; the finding when it
/// is not a number or had to be rounded.
fn money_value(
    parsed: Result<Option<Decimal>, String>,
    field: Option<&RawField>,
    label: &str,
    settings: &Settings,
    sink: &mut Sink,
) -> Option<Decimal> {
    let v = match parsed {
        Ok(v) => v?,
        Err(e) => {
            let message = format!("{label}: {e}; expected an amount such as 20.00");
            sink.push(IssueCode::AmountNotNumber, message, cell(field));
            return None;
        }
    };
    if v.is_sign_negative() && !v.is_zero() {
        sink.push(
            IssueCode::AmountNegative,
            format!(
                "{label} '{}' is negative; kept as written — check the form",
                field.map_or("", |f| f.text.as_str()).trim()
            ),
            cell(field),
        );
    }
    let (v, rounded) = fit_scale(v, settings.amount_unit.fen_scale());
    if rounded {
        sink.push(
            IssueCode::ValueRounded,
            format!(
                "{label} '{}' is finer than one 分; rounded to {v} {} (the text is kept in the _raw column)",
                field.map_or("", |f| f.text.as_str()).trim(),
                settings.amount_unit.name()
            ),
            cell(field),
        );
    }
    Some(v)
}

/// The project category named by the code's `category` group, reported
/// when the category table does not know it.
fn category<'s>(
    ids: &Identity,
    raw: &RawForm,
    settings: &'s Settings,
    sink: &mut Sink,
) -> Option<&'s Category> {
    let code = ids.part(settings, "category")?;
    let category = settings.categories.get(code);
    if category.is_none() && !settings.categories.is_empty() {
        sink.push(
            IssueCode::CategoryUnknown,
            format!("project category '{code}' is not in the category reference table"),
            cell(raw.code.as_ref()),
        );
    }
    category
}

/// A functional classification: code, name and the text as written.
struct Classification {
    code: Option<String>,
    name: Option<String>,
    raw: String,
}

/// The functional classification: from the form when it names one, else
/// mapped from the project category.
fn classification(
    raw: &RawForm,
    category: Option<&Category>,
    settings: &Settings,
    sink: &mut Sink,
) -> Classification {
    let table = &settings.func_classes;
    let written = text(&raw.func_class).trim().to_string();
    if written.is_empty() {
        let code = category.and_then(|c| c.func_class_code.clone());
        let name = code
            .as_deref()
            .and_then(|c| table.name(c))
            .map(str::to_string);
        return Classification {
            code,
            name,
            raw: written,
        };
    }
    let fc = func_class::split_func_class(&written);
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
        sink.push(
            IssueCode::FuncClassUnknown,
            format!(
                "functional classification '{written}' is not in the reference table; kept as written"
            ),
            cell(raw.func_class.as_ref()),
        );
    }
    Classification {
        code,
        name,
        raw: written,
    }
}

/// The numbered goals, one row each: a target form's (`target`); a
/// self-evaluation's as set out (`expected`) and as achieved (`achieved`).
fn goal_rows(raw: &RawForm, sink: &Sink) -> Vec<Goal> {
    let (goals, expected) = (raw.goals.as_ref(), raw.goals_expected.as_ref());
    if !raw.kind.is_self_eval() {
        return goals_of(goals.or(expected), "target", sink);
    }
    let mut out = goals_of(expected.or(goals), "expected", sink);
    out.extend(goals_of(raw.goals_achieved.as_ref(), "achieved", sink));
    out
}

fn goals_of(field: Option<&RawField>, goal_kind: &'static str, sink: &Sink) -> Vec<Goal> {
    let Some(g) = field else {
        return Vec::new();
    };
    goals::split_goals(&g.text)
        .into_iter()
        .enumerate()
        .map(|(i, goal)| Goal {
            source: sink.source(g.pos),
            key: sink.key.clone(),
            goal_kind,
            seq: i as u32 + 1,
            goal,
        })
        .collect()
}

/// The spending plan as cumulative percentages (blanks filled), each
/// checkpoint with its month and amount.
fn plan_rows(
    checkpoints: Vec<RawCheckpoint>,
    budget_total: Option<Decimal>,
    settings: &Settings,
    sink: &mut Sink,
) -> Vec<PlanPoint> {
    let pcts: Vec<Option<Decimal>> = checkpoints.iter().map(|cp| plan_pct(cp, sink)).collect();
    let filled = plan::fill_cumulative(&pcts);
    let money_scale = settings.amount_unit.fen_scale();
    let mut out = Vec::with_capacity(checkpoints.len());
    for (cp, pct) in checkpoints.into_iter().zip(filled) {
        let month = checkpoint_month(&cp.label.text);
        if month.is_none() {
            sink.push(
                IssueCode::PlanCheckpointUnknown,
                format!(
                    "spending plan header '{}' names no month (expected e.g. 3月底, 一季度末)",
                    cp.label.text
                ),
                cp.label.pos,
            );
        }
        out.push(PlanPoint {
            source: sink.source(cp.value.pos),
            key: sink.key.clone(),
            checkpoint_label: cp.label.text,
            checkpoint_month: month,
            cumulative_pct_raw: cp.value.text,
            cumulative_pct: pct,
            cumulative_amount: match (pct, budget_total) {
                // Derived, so rounded to the 分 without a finding.
                (Some(p), Some(t)) => Some(fit_scale(t * p / Decimal::ONE_HUNDRED, money_scale).0),
                _ => None,
            },
        });
    }
    out
}

/// One checkpoint's percentage as written (`40`, `40%`), fitted to the
/// ratio scale; the finding when it is not a number or was rounded.
fn plan_pct(cp: &RawCheckpoint, sink: &mut Sink) -> Option<Decimal> {
    let v = match parse_decimal(cp.value.text.trim_end_matches(['%', '％'])) {
        Ok(v) => v?,
        Err(e) => {
            sink.push(
                IssueCode::PlanNotNumber,
                format!(
                    "spending plan {}: {e}; expected a cumulative percentage",
                    cp.label.text
                ),
                cp.value.pos,
            );
            return None;
        }
    };
    let (v, rounded) = fit_scale(v, RATIO_SCALE);
    if rounded {
        sink.push(
            IssueCode::ValueRounded,
            format!(
                "spending plan {} '{}' has more than {RATIO_SCALE} decimals; rounded to {v}",
                cp.label.text, cp.value.text
            ),
            cp.value.pos,
        );
    }
    Some(v)
}

/// The indicator rows: levels made canonical, targets parsed.
fn indicator_rows(
    rows: Vec<RawIndicator>,
    kind: crate::model::FormKind,
    settings: &Settings,
    sink: &mut Sink,
) -> Vec<Indicator> {
    rows.into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let result = kind
                .is_self_eval()
                .then(|| super::result::take_result(&mut r));
            let mut ind = indicator(i as u32 + 1, r, settings, sink);
            if let Some(raw) = result {
                ind.result = Some(super::result::indicator_result(raw, &ind, sink));
            }
            ind
        })
        .collect()
}

fn indicator(seq: u32, r: RawIndicator, settings: &Settings, sink: &mut Sink) -> Indicator {
    let level2 = settings.levels.level2(&r.level2.text).cloned();
    // A level-1 cell merged with its level 2 (`社会公众或服务对象满意度指标`
    // across both) names the level 2: its level 1 is the one it belongs to.
    let level1 = settings.levels.level1(&r.level1.text).cloned().or_else(|| {
        let as_level2 = settings.levels.level2(&r.level1.text)?;
        settings.levels.parent(as_level2)
    });
    for (raw_level, known, which) in [(&r.level1, &level1, "1"), (&r.level2, &level2, "2")] {
        if known.is_none() && !raw_level.is_blank() {
            sink.push(
                IssueCode::UnknownLevel,
                format!(
                    "level-{which} indicator '{}' is not a known level; kept as written",
                    raw_level.text
                ),
                raw_level.pos,
            );
        }
    }
    let (mut t, direction) = target_of(&r, sink);
    date_serial(&mut t, &r, sink);
    let weight = weight_of(&r);
    Indicator {
        source: sink.source(Some(r.row)),
        key: sink.key.clone(),
        seq,
        level1: level1.or_else(|| non_empty(&r.level1.text).map(Arc::from)),
        level2: level2.or_else(|| non_empty(&r.level2.text).map(Arc::from)),
        level3: non_empty_owned(r.level3.text),
        level1_raw: r.level1.text,
        level2_raw: r.level2.text,
        description: non_empty_owned(r.description.text),
        target_raw: target_raw(r.target.text, &r.op, &r.unit),
        target_cell: r.target.pos,
        target_op: (!t.op.is_empty()).then_some(t.op),
        target_value: t.value,
        target_unit: t.unit,
        target_direction: direction,
        weight,
        basis: non_empty_owned(r.basis.text),
        result: None,
    }
}

/// A target parsed from its cell and the columns of its parts (operator or
/// direction, unit), its value fitted to the ratio scale.
fn target_of(r: &RawIndicator, sink: &mut Sink) -> (target::Target, Option<&'static str>) {
    let field = &r.target;
    let signs = [r.op.text.as_str(), r.direction.text.as_str()];
    let (mut t, direction) = target::compose(&field.text, signs, &r.unit.text, &r.level3.text);
    if let Some(v) = t.value {
        let (v, rounded) = fit_scale(v, RATIO_SCALE);
        if rounded {
            sink.push(
                IssueCode::ValueRounded,
                format!(
                    "target '{}' has more than {RATIO_SCALE} decimals; target_value rounded to {v} (target_raw keeps the text)",
                    field.text
                ),
                field.pos,
            );
        }
        t.value = Some(v);
    }
    (t, direction)
}

/// A target of a date indicator (完成时间, 到位时间) that is a spreadsheet's
/// day number (`44,561` for 2021-12-31) is a date, not a quantity: a text
/// target, reported.
fn date_serial(t: &mut target::Target, r: &RawIndicator, sink: &mut Sink) {
    // The number first: most targets are no day number, and the name's
    // words are looked for only when one is.
    let Some(date) = t.value.and_then(spreadsheet_date) else {
        return;
    };
    let name = r.level3.text.as_str();
    if !["时间", "日期", "时限", "时点"]
        .iter()
        .any(|w| name.contains(w))
    {
        return;
    }
    sink.push(
        IssueCode::TargetDateSerial,
        format!(
            "target '{}' for {name} is a spreadsheet's day number for {date}, not a quantity; read as a text target — write the date as text",
            r.target.text.trim()
        ),
        r.target.pos,
    );
    *t = target::Target {
        op: "text".to_string(),
        value: None,
        unit: None,
    };
}

/// The target as written: its cell, with the operator and unit cells
/// around it when the table has them in columns of their own (`≥`, `95`,
/// `%` → `≥95%`).
fn target_raw(target: String, op: &RawField, unit: &RawField) -> String {
    let op = op.text.trim();
    let op = match target::sign(op) {
        Some(target::Sign::Op(_)) => op,
        _ => "",
    };
    let unit = unit.text.trim();
    if op.is_empty() && unit.is_empty() {
        return target;
    }
    format!("{op}{}{unit}", target.trim())
}

/// The weight: its column, else a score in the indicator's name
/// (`培训人数(10分)`).
fn weight_of(r: &RawIndicator) -> Option<Decimal> {
    if !r.weight.is_blank() {
        if let Ok(Some(w)) = parse_decimal(&r.weight.text) {
            return Some(fit_scale(w, RATIO_SCALE).0);
        }
    }
    if !r.level3.text.trim_end().ends_with([')', '）']) {
        return None;
    }
    let key = crate::vocab::text::fold_label(&r.level3.text);
    let score = crate::vocab::text::score_of(&key)?;
    parse_decimal(score).ok().flatten()
}

pub(super) fn cell(field: Option<&RawField>) -> Option<Pos> {
    field.and_then(|f| f.pos)
}

/// An amount cell's text, or nothing when it says "not applicable" (`/`).
fn as_stated(text: &str) -> &str {
    if super::family::not_applicable(text) {
        ""
    } else {
        text
    }
}

fn text(field: &Option<RawField>) -> &str {
    field.as_ref().map_or("", |f| f.text.as_str())
}

/// The text of an optional field, moved out of it.
pub(super) fn take_text(field: &mut Option<RawField>) -> String {
    field
        .as_mut()
        .map(|f| std::mem::take(&mut f.text))
        .unwrap_or_default()
}

/// [`non_empty`] of a text that is usually clean already: kept, not copied.
pub(super) fn non_empty_owned(s: String) -> Option<String> {
    if s.contains('\r') || s.trim().len() != s.len() {
        return non_empty(&s);
    }
    (!s.is_empty()).then_some(s)
}

fn non_empty(s: &str) -> Option<String> {
    let t = clean_text(s);
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::money::MoneyUnit;
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
        assert_eq!(p.key.project_code.as_deref(), Some("762-0504-JQN-MTUQ"));
        assert_eq!(p.project_code_raw, "７６２０５０４jqnmtuq");
        assert_eq!(p.code_parts[1].as_deref(), Some("0504"));
        assert_eq!(p.key.unit_code.as_deref(), Some("762002"));
        assert_eq!(p.key.dept_code.as_deref(), Some("762"));
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
        let codes: Vec<_> = r.issues.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["code_format", "amount_not_number", "unknown_level"]);
        assert_eq!(r.projects[0].key.project_code.as_deref(), Some("76-05"));
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

    fn codes(r: &Records) -> Vec<&'static str> {
        r.issues.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn amounts_read_in_an_assumed_unit_are_reported() {
        let mut raw = form();
        raw.amount_unit = None;
        raw.budget_total = f("105", 3, 2);
        raw.budget_fiscal = f("105", 3, 4);
        let r = normalise_form(raw, &Settings::default());
        assert_eq!(codes(&r), ["amount_unit_assumed"]);
        assert_eq!(r.issues[0].source.a1(), "C4");
        assert_eq!(r.projects[0].budget_total, Some(d("105")));
        // No amount at all: nothing to warn about.
        let mut raw = form();
        raw.amount_unit = None;
        raw.budget_total = None;
        raw.budget_fiscal = None;
        assert!(codes(&normalise_form(raw, &Settings::default())).is_empty());
    }

    #[test]
    fn budgets_that_look_like_the_other_unit_are_reported() {
        let with = |unit: &str, total: &str| {
            let mut raw = form();
            raw.amount_unit = f(unit, 1, 6);
            raw.budget_total = f(total, 3, 2);
            raw.budget_fiscal = None;
            codes(&normalise_form(raw, &Settings::default()))
        };
        assert_eq!(with("单位：万元", "1050000"), ["amount_implausible"]);
        assert_eq!(with("单位：万元", "1050000.00"), ["amount_implausible"]);
        assert_eq!(
            with("单位：万元", "200000.5"),
            ["amount_implausible"],
            "over 100000 万元"
        );
        assert_eq!(
            with("单位：元", "20.50"),
            ["amount_implausible"],
            "under 1000 元"
        );
        assert!(with("单位：万元", "1050.50").is_empty());
        assert!(with("单位：万元", "9999").is_empty());
        assert!(with("单位：元", "1050000.00").is_empty());
        // The bounds are the pipeline's.
        let mut raw = form();
        raw.amount_unit = f("单位：万元", 1, 6);
        raw.budget_total = f("1050000", 3, 2);
        raw.budget_fiscal = None;
        let settings = Settings {
            plausible: crate::normalise::Plausible {
                max_wanyuan: 10_000_000,
                yuan_digits: 8,
                min_yuan: 0,
            },
            ..Settings::default()
        };
        assert!(codes(&normalise_form(raw, &settings)).is_empty());
    }

    fn line(
        field: crate::locate::Field,
        label: &str,
        value: &str,
        row: u32,
    ) -> crate::parse::RawMoneyLine {
        crate::parse::RawMoneyLine {
            field,
            label: label.into(),
            stage: crate::model::Stage::Budget,
            value: f(value, row, 1).unwrap(),
            weight: None,
            score: None,
        }
    }

    #[test]
    fn fiscal_lines_by_level_sum_to_fiscal_or_are_reported() {
        use crate::locate::Field;
        let mut raw = form();
        raw.amount_unit = f("单位：万元", 1, 6);
        raw.budget_total = f("100", 3, 1);
        raw.budget_fiscal = None;
        raw.budget_other = f("20", 5, 1);
        raw.funding = vec![
            line(Field::BudgetTotal, "资金总额", "100", 3),
            line(Field::FundCentral, "1.中央资金", "50", 10),
            line(Field::FundCounty, "2.县级资金", "30", 11),
            line(Field::BudgetOther, "其他资金", "20", 5),
        ];
        let settings = Settings {
            funding: true,
            ..Settings::default()
        };
        let r = normalise_form(raw.clone(), &settings);
        assert_eq!(r.projects[0].budget_fiscal, Some(d("80")), "the lines' sum");
        let lines: Vec<&str> = r.funding.iter().map(|l| l.line).collect();
        assert_eq!(lines, ["total", "fiscal_central", "fiscal_county", "other"]);
        assert_eq!(&*r.funding[1].line_raw, "1.中央资金");
        assert_eq!(r.funding[1].amount, Some(d("50")));
        assert_eq!(r.funding[1].source.a1(), "B11");
        assert!(codes(&r).is_empty(), "{:?}", r.issues);
        // Without the table, 财政拨款 is still their sum.
        let r = normalise_form(raw.clone(), &Settings::default());
        assert_eq!(r.projects[0].budget_fiscal, Some(d("80")));
        // A 财政拨款 total the lines do not reach.
        raw.budget_fiscal = f("90", 4, 1);
        let r = normalise_form(raw, &settings);
        assert_eq!(codes(&r), ["funding_sum_mismatch"]);
        assert_eq!(r.projects[0].budget_fiscal, Some(d("90")), "as written");
    }
}
