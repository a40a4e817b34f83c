//! Writes seed forms laid out as the seed document's tables, into a
//! workbook (rust_xlsxwriter) or into any other [`Sink`] such as an
//! in-memory grid. Used by `examples/gen_sample.rs` for `sample_data/` and
//! by tests for layout variants.

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
    /// Leave out the 项目编码 label and code (a form missing its code).
    pub no_code: bool,
    /// Merge cells as the document does (else each merged range is written
    /// as its first cell alone, as some software exports).
    pub merges: bool,
    /// A footer row (填报人：… 联系电话：…) under each form.
    pub footer: bool,
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
            no_code: false,
            merges: true,
            footer: false,
        }
    }
}

/// How a cell looks; only the xlsx sink cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Cell,
    Wrap,
    Amount,
    Title,
    Plain,
}

/// Where a form's cells go.
pub trait Sink {
    type Error;
    fn text(&mut self, row: u32, col: u16, text: &str, style: Style) -> Result<(), Self::Error>;
    fn number(&mut self, row: u32, col: u16, n: f64, style: Style) -> Result<(), Self::Error>;
    fn blank(&mut self, row: u32, col: u16, style: Style) -> Result<(), Self::Error>;
    /// Merges the range and puts `text` in its first cell.
    fn merge(
        &mut self,
        r1: u32,
        c1: u16,
        r2: u32,
        c2: u16,
        text: &str,
        style: Style,
    ) -> Result<(), Self::Error>;
}

struct XlsxSink<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
}

impl XlsxSink<'_> {
    fn format(&self, style: Style) -> &Format {
        let f = self.formats;
        match style {
            Style::Cell => &f.cell,
            Style::Wrap => &f.wrap,
            Style::Amount => &f.amount,
            Style::Title => &f.title,
            Style::Plain => &f.plain,
        }
    }
}

impl Sink for XlsxSink<'_> {
    type Error = XlsxError;
    fn text(&mut self, row: u32, col: u16, text: &str, style: Style) -> Result<(), XlsxError> {
        let f = self.format(style).clone();
        self.sheet
            .write_string_with_format(row, col, text, &f)
            .map(|_| ())
    }
    fn number(&mut self, row: u32, col: u16, n: f64, style: Style) -> Result<(), XlsxError> {
        let f = self.format(style).clone();
        self.sheet
            .write_number_with_format(row, col, n, &f)
            .map(|_| ())
    }
    fn blank(&mut self, row: u32, col: u16, style: Style) -> Result<(), XlsxError> {
        let f = self.format(style).clone();
        self.sheet.write_blank(row, col, &f).map(|_| ())
    }
    fn merge(
        &mut self,
        r1: u32,
        c1: u16,
        r2: u32,
        c2: u16,
        text: &str,
        style: Style,
    ) -> Result<(), XlsxError> {
        let f = self.format(style).clone();
        self.sheet.merge_range(r1, c1, r2, c2, text, &f).map(|_| ())
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
            let mut sink = XlsxSink { sheet, formats: &f };
            let mut row = layout.row;
            if layout.doc_title {
                sink.text(row, layout.col, DOC_TITLE, Style::Title)?;
                row += 2;
            }
            write_form(&mut sink, row, layout.col, p, layout)?;
        }
    } else {
        let sheet = book.add_worksheet();
        sheet.set_name("绩效目标表")?;
        setup(sheet)?;
        let mut sink = XlsxSink { sheet, formats: &f };
        let mut row = layout.row;
        if layout.doc_title {
            sink.merge(
                row,
                layout.col,
                row,
                layout.col + 6,
                DOC_TITLE,
                Style::Title,
            )?;
            row += 2;
        }
        for p in projects {
            row = write_form(&mut sink, row, layout.col, p, layout)? + layout.gap;
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

/// An amount or percentage cell: numeric when the layout says so and the
/// text is a number, else text; blank when empty.
fn value<S: Sink>(
    sink: &mut S,
    row: u32,
    col: u16,
    text: &str,
    layout: &Layout,
) -> Result<(), S::Error> {
    match text.parse::<f64>() {
        Ok(n) if layout.numbers => sink.number(row, col, n, Style::Amount),
        _ if text.is_empty() => sink.blank(row, col, Style::Cell),
        _ => sink.text(row, col, text, Style::Cell),
    }
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

/// Writes one form with its top-left at (row, col) into `sink`; returns the
/// row after it. Only the layout's `code`, `unit`, `yuan`, `thousands`,
/// `numbers`, `spaced_labels`, `synonym_labels`, `func_class`, `no_code` and
/// `merges` options matter here.
pub fn write_form<S: Sink>(
    sink: &mut S,
    row: u32,
    c: u16,
    p: &SeedProject,
    layout: &Layout,
) -> Result<u32, S::Error> {
    let mut r = row;
    let l = |t: &'static str| label(t, layout);
    // With `merges` off, a merged range is written as its first cell alone.
    let merge = |sink: &mut S, r1: u32, c1: u16, r2: u32, c2: u16, text: &str, style: Style| {
        if layout.merges {
            sink.merge(r1, c1, r2, c2, text, style)
        } else {
            sink.text(r1, c1, text, style)
        }
    };
    merge(sink, r, c, r, c + 6, p.title, Style::Title)?;
    r += 1;
    let (unit_code, unit_name) = p.unit.split_at(6);
    match layout.unit {
        UnitStyle::Joined => merge(sink, r, c, r, c + 4, p.unit, Style::Plain)?,
        UnitStyle::Bracketed => merge(
            sink,
            r,
            c,
            r,
            c + 4,
            &format!("[{unit_code}]{unit_name}"),
            Style::Plain,
        )?,
        UnitStyle::Spaced => merge(
            sink,
            r,
            c,
            r,
            c + 4,
            &format!("{unit_code} {unit_name}"),
            Style::Plain,
        )?,
        UnitStyle::SeparateCells => {
            sink.text(r, c, unit_code, Style::Plain)?;
            merge(sink, r, c + 1, r, c + 4, unit_name, Style::Plain)?
        }
    };
    sink.text(
        r,
        c + 6,
        if layout.yuan {
            "单位：元"
        } else {
            "单位：万元"
        },
        Style::Plain,
    )?;
    r += 1;
    // 项目编码 | code | 项目名称 | name
    if !layout.no_code {
        sink.text(r, c, &l("项目编码"), Style::Cell)?;
        merge(
            sink,
            r,
            c + 1,
            r,
            c + 2,
            &code(p.code, layout.code),
            Style::Cell,
        )?;
    }
    sink.text(r, c + 3, &l("项目名称"), Style::Cell)?;
    merge(sink, r, c + 4, r, c + 6, p.name, Style::Wrap)?;
    r += 1;
    if let Some(fc) = layout.func_class {
        sink.text(r, c, &l("支出功能分类"), Style::Cell)?;
        merge(sink, r, c + 1, r, c + 6, fc, Style::Cell)?;
        r += 1;
    }
    // 预算规模及资金用途 over two rows; amounts; purpose across the row.
    merge(sink, r, c, r + 1, c, &l("预算规模及资金用途"), Style::Wrap)?;
    sink.text(r, c + 1, &l("预算数"), Style::Cell)?;
    value(sink, r, c + 2, &amount(p.budget_total, layout), layout)?;
    sink.text(r, c + 3, &l("其中：财政资金"), Style::Cell)?;
    value(sink, r, c + 4, &amount(p.budget_fiscal, layout), layout)?;
    sink.text(r, c + 5, &l("其他资金"), Style::Cell)?;
    value(sink, r, c + 6, &amount(p.budget_other, layout), layout)?;
    merge(sink, r + 1, c + 1, r + 1, c + 6, p.purpose, Style::Wrap)?;
    r += 2;
    // 资金支出计划（%） over two rows: checkpoint labels, then values.
    merge(sink, r, c, r + 1, c, &l("资金支出计划（%）"), Style::Wrap)?;
    for (i, label) in PLAN_LABELS.iter().enumerate() {
        let col = c + 1 + i as u16;
        sink.text(r, col, label, Style::Cell)?;
        value(sink, r + 1, col, p.plan[i], layout)?;
    }
    r += 2;
    // 绩效目标 with the goals across the row.
    sink.text(r, c, &l("绩效目标"), Style::Cell)?;
    merge(sink, r, c + 1, r, c + 6, p.goals, Style::Wrap)?;
    r += 1;
    for (i, h) in INDICATOR_HEADER.iter().enumerate() {
        sink.text(r, c + i as u16, &l(h), Style::Cell)?;
    }
    r += 1;
    for ind in &p.indicators {
        for (i, v) in ind.iter().enumerate() {
            let col = c + i as u16;
            if i == 4 {
                // 指标值 as the document writes it: numeric when it is a number.
                match v.parse::<f64>() {
                    Ok(n) if layout.numbers => sink.number(r, col, n, Style::Cell)?,
                    _ => sink.text(r, col, v, Style::Cell)?,
                };
            } else if v.is_empty() {
                sink.blank(r, col, Style::Cell)?;
            } else {
                sink.text(r, col, v, Style::Wrap)?;
            }
        }
        r += 1;
    }
    if layout.footer {
        sink.text(r, c, "填报人：张三", Style::Plain)?;
        sink.text(r, c + 3, "联系电话：0335-4000000", Style::Plain)?;
        r += 1;
    }
    Ok(r)
}

/// Writes `projects` in the Ministry of Finance 项目支出绩效目标申报表 layout,
/// one form per sheet: 项目名称 above 项目代码, 主管部门及代码 and
/// 实施单位 `[762002]…`, 项目资金（万元 or 元） merged over the three amount
/// labels in the column beside it, 资金用途, 年度目标, and an indicator table
/// under a 绩效指标 cell merged down, without 绩效指标描述 / 依据 columns
/// (the description goes to 备注). Amounts in 元 when `layout.yuan`.
pub fn write_mof_workbook(
    path: &Path,
    projects: &[&SeedProject],
    layout: &Layout,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let f = formats();
    for (i, p) in projects.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("申报表{}", i + 1))?;
        setup(sheet)?;
        let mut s = XlsxSink { sheet, formats: &f };
        let (unit_code, unit_name) = p.unit.split_at(6);
        let c = layout.col;
        let mut r = layout.row;
        s.merge(r, c, r, c + 5, "项目支出绩效目标申报表", Style::Title)?;
        s.merge(r + 1, c, r + 1, c + 5, "（2020年度）", Style::Plain)?;
        r += 2;
        s.text(r, c, "项目名称", Style::Cell)?;
        s.merge(r, c + 1, r, c + 5, p.name, Style::Cell)?;
        r += 1;
        s.text(r, c, "项目代码", Style::Cell)?;
        s.merge(r, c + 1, r, c + 5, p.code, Style::Cell)?;
        r += 1;
        s.text(r, c, "主管部门及代码", Style::Cell)?;
        s.merge(
            r,
            c + 1,
            r,
            c + 2,
            &format!("[{}]秦皇岛市北戴河区残疾人联合会", &unit_code[..3]),
            Style::Cell,
        )?;
        s.text(r, c + 3, "实施单位", Style::Cell)?;
        s.merge(
            r,
            c + 4,
            r,
            c + 5,
            &format!("[{unit_code}]{unit_name}"),
            Style::Cell,
        )?;
        r += 1;
        let unit = if layout.yuan {
            "项目资金（元）"
        } else {
            "项目资金（万元）"
        };
        s.merge(r, c, r + 2, c, unit, Style::Wrap)?;
        for (k, (label, v)) in [
            ("年度资金总额：", p.budget_total),
            ("其中：财政拨款", p.budget_fiscal),
            ("其它资金", p.budget_other),
        ]
        .iter()
        .enumerate()
        {
            s.merge(r + k as u32, c + 1, r + k as u32, c + 2, label, Style::Cell)?;
            value(&mut s, r + k as u32, c + 3, &amount(v, layout), layout)?;
        }
        r += 3;
        s.text(r, c, "资金用途", Style::Cell)?;
        s.merge(r, c + 1, r, c + 5, p.purpose, Style::Wrap)?;
        r += 1;
        s.merge(r, c, r + 1, c, "资金支出计划（%）", Style::Wrap)?;
        for (k, label) in PLAN_LABELS.iter().enumerate() {
            s.text(r, c + 1 + k as u16, label, Style::Cell)?;
            value(&mut s, r + 1, c + 1 + k as u16, p.plan[k], layout)?;
        }
        r += 2;
        s.text(r, c, "年度目标", Style::Cell)?;
        s.merge(r, c + 1, r, c + 5, p.goals, Style::Wrap)?;
        r += 1;
        s.merge(r, c, r + 3, c, "绩效指标", Style::Wrap)?;
        for (k, h) in [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值（包含数字及文字描述）",
            "备注",
        ]
        .iter()
        .enumerate()
        {
            s.text(r, c + 1 + k as u16, h, Style::Cell)?;
        }
        for (k, ind) in p.indicators.iter().enumerate() {
            let row = r + 1 + k as u32;
            for (col, v) in [(1, ind[0]), (2, ind[1]), (3, ind[2]), (5, ind[3])] {
                s.text(row, c + col, v, Style::Wrap)?;
            }
            match ind[4].parse::<f64>() {
                Ok(n) if layout.numbers => s.number(row, c + 4, n, Style::Cell)?,
                _ => s.text(row, c + 4, ind[4], Style::Cell)?,
            }
        }
    }
    book.save(path)
}
