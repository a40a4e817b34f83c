//! The sample year's self-evaluations: the ten seed projects evaluated in
//! the Ministry of Finance's 项目支出绩效自评表 layout, with results MADE UP
//! by a fixed rule (`sample_data/README.md` says so), so that a run over
//! `sample_data/` sets targets against results. 762002's forms carry their
//! project code (matched by code), 762003's do not (matched by name).
//! `examples/gen_sample.rs` writes them; the tests compare the tables with
//! the figures computed here.

#![allow(dead_code)]

use std::path::Path;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::seed::SeedProject;

/// The weights of the Ministry's template: 产出, 效益, 满意度 and the
/// budget's execution.
pub const WEIGHTS: [u32; 3] = [50, 30, 10];
pub const EXECUTION_WEIGHT: u32 = 10;

/// Share of the budget spent, by form number (1–10) modulo 5.
const SPENT_PERCENT: [u32; 5] = [92, 100, 98, 95, 100];

/// One indicator's made-up result.
pub struct IndicatorResult {
    /// 年度指标值 as the self-evaluation writes it (`≥90%`).
    pub target: String,
    pub target_value: Decimal,
    pub actual: Decimal,
    pub met: bool,
    pub weight: Decimal,
    pub score: Decimal,
}

/// One form's made-up results.
pub struct SelfEval {
    /// The form's number in the seed (1–10).
    pub n: usize,
    pub budget: Decimal,
    pub fiscal: Decimal,
    pub executed: Decimal,
    /// executed ÷ budget × 100, to two decimals as the form writes it.
    pub rate: Decimal,
    pub execution_score: Decimal,
    pub indicators: Vec<IndicatorResult>,
    pub score_total: Decimal,
    pub grade: &'static str,
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

/// A seed target as the self-evaluation writes it: `100` as `100%`; a
/// garbled `90100` (90 and 100 run together) as the `≥90%` it meant.
fn target_of(seed: &str) -> (String, Decimal) {
    match seed.strip_suffix("100").filter(|s| !s.is_empty()) {
        Some(v) => (format!("≥{v}%"), dec(v)),
        None => (format!("{seed}%"), dec(seed)),
    }
}

/// The made-up results of seed form `n` (1–10): a share of the budget
/// spent; each indicator reached, except where (n + k) is a multiple of 4
/// (k = 1..3), where the result is 5 points short; scores in proportion.
pub fn result_of(n: usize, p: &SeedProject) -> SelfEval {
    let budget = dec(p.budget_total);
    let spent = Decimal::from(SPENT_PERCENT[n % 5]);
    let executed = round2(budget * spent / Decimal::ONE_HUNDRED);
    let rate = round2(executed * Decimal::ONE_HUNDRED / budget);
    let execution_score = round2(Decimal::from(EXECUTION_WEIGHT) * rate / Decimal::ONE_HUNDRED);
    let mut indicators = Vec::new();
    for (k, row) in p.indicators.iter().enumerate() {
        let (target, target_value) = target_of(row[4]);
        let short = (n + k + 1).is_multiple_of(4);
        let actual = if short {
            target_value - Decimal::from(5)
        } else {
            target_value
        };
        let weight = Decimal::from(WEIGHTS[k]);
        let score = round2(weight * actual.min(target_value) / target_value);
        indicators.push(IndicatorResult {
            target,
            target_value,
            actual,
            met: !short,
            weight,
            score,
        });
    }
    let score_total: Decimal =
        indicators.iter().map(|i| i.score).sum::<Decimal>() + execution_score;
    let grade = match score_total {
        s if s >= Decimal::from(90) => "优",
        s if s >= Decimal::from(80) => "良",
        s if s >= Decimal::from(60) => "中",
        _ => "差",
    };
    SelfEval {
        n,
        budget,
        fiscal: dec(p.budget_fiscal),
        executed,
        rate,
        execution_score,
        indicators,
        score_total,
        grade,
    }
}

/// The achieved goals: each numbered goal, marked done.
fn achieved(goals: &str) -> String {
    goals
        .lines()
        .map(|g| format!("{g}（已完成）"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Formats {
    cell: Format,
    amount: Format,
    title: Format,
}

fn formats() -> Formats {
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    Formats {
        amount: cell.clone().set_num_format("0.00"),
        title: Format::new().set_bold().set_align(FormatAlign::Center),
        cell,
    }
}

/// Writes the self-evaluations of `projects` (seed number, form) into one
/// workbook, a sheet each; with a 项目编码 row when `with_code`.
pub fn write_self_evals(
    path: &Path,
    projects: &[(usize, &SeedProject)],
    with_code: bool,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let f = formats();
    for (n, p) in projects {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("自评{n}"))?;
        for (col, width) in [(0, 14.0), (1, 18.0), (2, 16.0), (3, 22.0), (8, 24.0)] {
            sheet.set_column_width(col, width)?;
        }
        write_form(sheet, &f, p, &result_of(*n, p), with_code)?;
    }
    book.save(path)
}

/// One form: heading, project and units, the money table, goals,
/// indicators, total score and grade.
fn write_form(
    sheet: &mut Worksheet,
    f: &Formats,
    p: &SeedProject,
    r: &SelfEval,
    with_code: bool,
) -> Result<(), XlsxError> {
    sheet.merge_range(0, 0, 0, 9, "项目支出绩效自评表", &f.title)?;
    sheet.merge_range(1, 0, 1, 9, "（2020年度）", &f.title)?;
    let mut row = 2;
    if with_code {
        sheet.write_string_with_format(row, 0, "项目编码", &f.cell)?;
        sheet.merge_range(row, 1, row, 9, p.code, &f.cell)?;
        row += 1;
    }
    let (unit_code, unit_name) = p.unit.split_at(6);
    sheet.write_string_with_format(row, 0, "项目名称", &f.cell)?;
    sheet.merge_range(row, 1, row, 9, p.name, &f.cell)?;
    row += 1;
    sheet.write_string_with_format(row, 0, "主管部门", &f.cell)?;
    let dept = format!("762-{unit_name}");
    sheet.merge_range(row, 1, row, 4, &dept, &f.cell)?;
    sheet.write_string_with_format(row, 5, "实施单位", &f.cell)?;
    let unit = format!("{unit_code}-{unit_name}");
    sheet.merge_range(row, 6, row, 9, &unit, &f.cell)?;
    row = write_money(sheet, f, row + 1, r)?;
    write_goals(sheet, f, row, p)?;
    write_indicators(sheet, f, row + 2, p, r)
}

/// The money table; returns the row after it.
fn write_money(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    r: &SelfEval,
) -> Result<u32, XlsxError> {
    sheet.merge_range(row, 0, row + 4, 0, "项目资金（万元）", &f.cell)?;
    sheet.merge_range(row, 1, row, 2, "", &f.cell)?;
    let header = [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ];
    for (i, h) in header.iter().enumerate() {
        sheet.write_string_with_format(row, 3 + i as u16, *h, &f.cell)?;
    }
    let num = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(0.0);
    let lines = [
        ("年度资金总额", Some((r.budget, r.executed))),
        ("其中：当年财政拨款", Some((r.fiscal, r.executed))),
        ("上年结转资金", None),
        ("其他资金", None),
    ];
    for (i, (label, amounts)) in lines.iter().enumerate() {
        let at = row + 1 + i as u32;
        sheet.merge_range(at, 1, at, 2, label, &f.cell)?;
        if let Some((budget, executed)) = amounts {
            sheet.write_number_with_format(at, 3, num(*budget), &f.amount)?;
            sheet.write_number_with_format(at, 4, num(*budget), &f.amount)?;
            sheet.write_number_with_format(at, 5, num(*executed), &f.amount)?;
        }
        if i == 0 {
            sheet.write_number_with_format(at, 6, f64::from(EXECUTION_WEIGHT), &f.cell)?;
            sheet.write_string_with_format(at, 7, format!("{}%", r.rate), &f.cell)?;
            sheet.write_number_with_format(at, 8, num(r.execution_score), &f.cell)?;
        } else {
            for col in 6..=8 {
                sheet.write_string_with_format(at, col, "—", &f.cell)?;
            }
        }
    }
    Ok(row + 5)
}

fn write_goals(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    p: &SeedProject,
) -> Result<(), XlsxError> {
    sheet.merge_range(row, 0, row + 1, 0, "年度总体目标", &f.cell)?;
    sheet.merge_range(row, 1, row, 5, "预期目标", &f.cell)?;
    sheet.merge_range(row, 6, row, 9, "实际完成情况", &f.cell)?;
    sheet.merge_range(row + 1, 1, row + 1, 5, p.goals, &f.cell)?;
    sheet.merge_range(row + 1, 6, row + 1, 9, &achieved(p.goals), &f.cell)?;
    Ok(())
}

/// The indicator table, 总分 and 自评等级.
fn write_indicators(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    p: &SeedProject,
    r: &SelfEval,
) -> Result<(), XlsxError> {
    let header = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ];
    sheet.merge_range(row, 0, row + 3, 0, "绩效指标", &f.cell)?;
    for (i, h) in header.iter().enumerate() {
        sheet.write_string_with_format(row, 1 + i as u16, *h, &f.cell)?;
    }
    let num = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(0.0);
    for (k, (seed, res)) in p.indicators.iter().zip(&r.indicators).enumerate() {
        let at = row + 1 + k as u32;
        let level1 = format!("{}({}分)", seed[0], WEIGHTS[k]);
        sheet.write_string_with_format(at, 1, &level1, &f.cell)?;
        sheet.write_string_with_format(at, 2, seed[1], &f.cell)?;
        sheet.write_string_with_format(at, 3, seed[2], &f.cell)?;
        sheet.write_string_with_format(at, 4, &res.target, &f.cell)?;
        sheet.write_string_with_format(at, 5, format!("{}%", res.actual), &f.cell)?;
        sheet.write_number_with_format(at, 6, num(res.weight), &f.cell)?;
        sheet.write_number_with_format(at, 7, num(res.score), &f.cell)?;
        let note = if res.met {
            ""
        } else {
            "受疫情影响未全部完成，下年度加强跟踪"
        };
        sheet.write_string_with_format(at, 8, note, &f.cell)?;
    }
    let total = row + 4;
    sheet.merge_range(total, 0, total, 5, "总分", &f.cell)?;
    sheet.write_number_with_format(total, 6, 100.0, &f.cell)?;
    sheet.write_number_with_format(total, 7, num(r.score_total), &f.cell)?;
    sheet.write_string_with_format(total + 1, 0, "自评等级", &f.cell)?;
    sheet.write_string_with_format(total + 1, 1, r.grade, &f.cell)?;
    Ok(())
}
