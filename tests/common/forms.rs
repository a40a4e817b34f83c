//! Writes seed forms into workbooks laid out as the seed document's tables
//! (rust_xlsxwriter). Used by `examples/gen_sample.rs` for `sample_data/`
//! and by tests for layout variants.

#![allow(dead_code)]

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::seed::{SeedProject, DOC_TITLE, INDICATOR_HEADER, PLAN_LABELS};

/// Where and how the forms are placed.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Row and column of the first form's top-left cell.
    pub row: u32,
    pub col: u16,
    /// One form per sheet instead of all stacked in one sheet.
    pub per_sheet: bool,
    /// Blank rows between stacked forms.
    pub gap: u32,
    /// Put the document title (`2020年部门预算绩效信息`) above the forms.
    pub doc_title: bool,
    /// Write amounts and percentages as numeric cells (else as text).
    pub numbers: bool,
    /// A cover sheet with no form before the form sheets.
    pub cover_sheet: bool,
    /// How project codes are written.
    pub code: CodeStyle,
    /// How the unit row is written.
    pub unit: UnitStyle,
    /// Amounts in 元 (`单位：元`, ×10000) instead of 万元.
    pub yuan: bool,
    /// Text amounts with thousands separators (`200,000.00`); with `numbers: false`.
    pub thousands: bool,
    /// Labels with stray spaces (`项 目 编 码`).
    pub spaced_labels: bool,
    /// Synonym labels (项目代码, 其中：财政拨款, 其它资金, 年度目标, 一级绩效指标).
    pub synonym_labels: bool,
    /// A 支出功能分类 row under the code row, with this text.
    pub func_class: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStyle {
    AsIs,
    FullWidth,
    Lower,
    NoDash,
    Underscore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitStyle {
    /// `762002秦皇岛市…`
    Joined,
    /// `[762002]秦皇岛市…`
    Bracketed,
    /// `762002 秦皇岛市…`
    Spaced,
    /// `762002` and the name in the next cell.
    SeparateCells,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            row: 0,
            col: 0,
            per_sheet: false,
            gap: 1,
            doc_title: true,
            numbers: true,
            cover_sheet: false,
            code: CodeStyle::AsIs,
            unit: UnitStyle::Joined,
            yuan: false,
            thousands: false,
            spaced_labels: false,
            synonym_labels: false,
            func_class: None,
        }
    }
}

struct Formats {
    cell: Format,
    wrap: Format,
    amount: Format,
    title: Format,
    plain: Format,
}

fn formats() -> Formats {
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    Formats {
        wrap: cell.clone().set_text_wrap(),
        amount: cell.clone().set_num_format("0.00"),
        title: Format::new().set_bold().set_align(FormatAlign::Center),
        plain: Format::new(),
        cell,
    }
}

/// Writes `projects` into one workbook at `path`.
pub fn write_workbook(
    path: &Path,
    projects: &[&SeedProject],
    layout: &Layout,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let f = formats();
    if layout.cover_sheet {
        let sheet = book.add_worksheet();
        sheet.set_name("封面")?;
        sheet.write_string(1, 1, DOC_TITLE)?;
        sheet.write_string(3, 1, "报送单位：秦皇岛市北戴河区残疾人联合会")?;
    }
    if layout.per_sheet {
        for (i, p) in projects.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(format!("项目{}", i + 1))?;
            setup(sheet)?;
            let mut row = layout.row;
            if layout.doc_title {
                sheet.write_string_with_format(row, layout.col, DOC_TITLE, &f.title)?;
                row += 2;
            }
            write_form(sheet, row, layout.col, p, layout, &f)?;
        }
    } else {
        let sheet = book.add_worksheet();
        sheet.set_name("绩效目标表")?;
        setup(sheet)?;
        let mut row = layout.row;
        if layout.doc_title {
            sheet.merge_range(row, layout.col, row, layout.col + 6, DOC_TITLE, &f.title)?;
            row += 2;
        }
        for p in projects {
            row = write_form(sheet, row, layout.col, p, layout, &f)? + layout.gap;
        }
    }
    book.save(path)
}

fn setup(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    for (col, width) in [
        (0, 18.0),
        (1, 14.0),
        (2, 16.0),
        (3, 30.0),
        (4, 12.0),
        (5, 14.0),
        (6, 12.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    Ok(())
}

fn value(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    layout: &Layout,
    f: &Formats,
) -> Result<(), XlsxError> {
    match text.parse::<f64>() {
        Ok(n) if layout.numbers => sheet.write_number_with_format(row, col, n, &f.amount)?,
        _ if text.is_empty() => sheet.write_blank(row, col, &f.cell)?,
        _ => sheet.write_string_with_format(row, col, text, &f.cell)?,
    };
    Ok(())
}

/// An amount as the layout writes it: in 元 (exactly ×10000) when asked,
/// with thousands separators when asked.
pub fn amount(text: &str, layout: &Layout) -> String {
    if text.is_empty() || !layout.yuan {
        return text.to_string();
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<4}");
    let yuan = format!("{}{}", int, &frac[..4])
        .trim_start_matches('0')
        .to_string();
    let yuan = if yuan.is_empty() {
        "0".to_string()
    } else {
        yuan
    };
    let yuan = format!(
        "{yuan}.{}",
        &frac[4..]
            .chars()
            .chain("00".chars())
            .take(2)
            .collect::<String>()
    );
    if !layout.thousands {
        return yuan;
    }
    let (int, frac) = yuan.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{frac}")
}

fn code(code: &str, style: CodeStyle) -> String {
    match style {
        CodeStyle::AsIs => code.to_string(),
        CodeStyle::FullWidth => code
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect(),
        CodeStyle::Lower => code.to_lowercase(),
        CodeStyle::NoDash => code.replace('-', ""),
        CodeStyle::Underscore => code.replace('-', "_"),
    }
}

/// A label as the layout writes it.
fn label(text: &'static str, layout: &Layout) -> String {
    let text = if layout.synonym_labels {
        match text {
            "项目编码" => "项目代码",
            "其中：财政资金" => "其中：财政拨款",
            "其他资金" => "其它资金",
            "绩效目标" => "年度目标",
            "一级指标" => "一级绩效指标",
            "预算数" if layout.yuan => "预算数（元）",
            "预算数" => "预算数（万元）",
            other => other,
        }
    } else {
        text
    };
    if layout.spaced_labels {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        chars.join(" ")
    } else {
        text.to_string()
    }
}

/// Writes one form with its top-left at (row, col); returns the row after it.
fn write_form(
    sheet: &mut Worksheet,
    row: u32,
    c: u16,
    p: &SeedProject,
    layout: &Layout,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let mut r = row;
    let l = |t: &'static str| label(t, layout);
    sheet.merge_range(r, c, r, c + 6, p.title, &f.title)?;
    r += 1;
    let (unit_code, unit_name) = p.unit.split_at(6);
    match layout.unit {
        UnitStyle::Joined => sheet.merge_range(r, c, r, c + 4, p.unit, &f.plain)?,
        UnitStyle::Bracketed => sheet.merge_range(
            r,
            c,
            r,
            c + 4,
            &format!("[{unit_code}]{unit_name}"),
            &f.plain,
        )?,
        UnitStyle::Spaced => sheet.merge_range(
            r,
            c,
            r,
            c + 4,
            &format!("{unit_code} {unit_name}"),
            &f.plain,
        )?,
        UnitStyle::SeparateCells => {
            sheet.write_string(r, c, unit_code)?;
            sheet.merge_range(r, c + 1, r, c + 4, unit_name, &f.plain)?
        }
    };
    sheet.write_string(
        r,
        c + 6,
        if layout.yuan {
            "单位：元"
        } else {
            "单位：万元"
        },
    )?;
    r += 1;
    // 项目编码 | code | 项目名称 | name
    sheet.write_string_with_format(r, c, l("项目编码"), &f.cell)?;
    sheet.merge_range(r, c + 1, r, c + 2, &code(p.code, layout.code), &f.cell)?;
    sheet.write_string_with_format(r, c + 3, l("项目名称"), &f.cell)?;
    sheet.merge_range(r, c + 4, r, c + 6, p.name, &f.wrap)?;
    r += 1;
    if let Some(fc) = layout.func_class {
        sheet.write_string_with_format(r, c, l("支出功能分类"), &f.cell)?;
        sheet.merge_range(r, c + 1, r, c + 6, fc, &f.cell)?;
        r += 1;
    }
    // 预算规模及资金用途 over two rows; amounts; purpose across the row.
    sheet.merge_range(r, c, r + 1, c, &l("预算规模及资金用途"), &f.wrap)?;
    sheet.write_string_with_format(r, c + 1, l("预算数"), &f.cell)?;
    value(sheet, r, c + 2, &amount(p.budget_total, layout), layout, f)?;
    sheet.write_string_with_format(r, c + 3, l("其中：财政资金"), &f.cell)?;
    value(sheet, r, c + 4, &amount(p.budget_fiscal, layout), layout, f)?;
    sheet.write_string_with_format(r, c + 5, l("其他资金"), &f.cell)?;
    value(sheet, r, c + 6, &amount(p.budget_other, layout), layout, f)?;
    sheet.merge_range(r + 1, c + 1, r + 1, c + 6, p.purpose, &f.wrap)?;
    r += 2;
    // 资金支出计划（%） over two rows: checkpoint labels, then values.
    sheet.merge_range(r, c, r + 1, c, &l("资金支出计划（%）"), &f.wrap)?;
    for (i, label) in PLAN_LABELS.iter().enumerate() {
        let col = c + 1 + i as u16;
        sheet.write_string_with_format(r, col, *label, &f.cell)?;
        value(sheet, r + 1, col, p.plan[i], layout, f)?;
    }
    r += 2;
    // 绩效目标 with the goals across the row.
    sheet.write_string_with_format(r, c, l("绩效目标"), &f.cell)?;
    sheet.merge_range(r, c + 1, r, c + 6, p.goals, &f.wrap)?;
    sheet.set_row_height(r, 32.0)?;
    r += 1;
    for (i, h) in INDICATOR_HEADER.iter().enumerate() {
        sheet.write_string_with_format(r, c + i as u16, l(h), &f.cell)?;
    }
    r += 1;
    for ind in &p.indicators {
        for (i, v) in ind.iter().enumerate() {
            let col = c + i as u16;
            if i == 4 {
                // 指标值 as the document writes it: numeric when it is a number.
                match v.parse::<f64>() {
                    Ok(n) if layout.numbers => {
                        sheet.write_number_with_format(r, col, n, &f.cell)?
                    }
                    _ => sheet.write_string_with_format(r, col, *v, &f.cell)?,
                };
            } else if v.is_empty() {
                sheet.write_blank(r, col, &f.cell)?;
            } else {
                sheet.write_string_with_format(r, col, *v, &f.wrap)?;
            }
        }
        r += 1;
    }
    Ok(r)
}
