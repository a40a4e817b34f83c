//! One XLSX workbook with a sheet per table, for finance staff: frozen
//! header, autofilter, sensible widths, amounts formatted `0.00`, and
//! Chinese captions (项目编码 rather than project_code).

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, XlsxError};
use serde::Deserialize;

use super::table::{Table, Values};

/// Where the Chinese captions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Captions {
    /// A caption row above the column names (both kept).
    #[default]
    Row,
    /// Captions instead of the column names.
    Header,
    None,
}

/// The Chinese caption of a column; the column name where none is known.
pub fn caption(column: &str) -> String {
    let known = match column {
        "year" => "年度",
        "dept_code" => "部门编码",
        "unit_code" => "单位编码",
        "unit_name" => "单位名称",
        "unit_raw" => "单位（原文）",
        "project_code" => "项目编码",
        "project_code_raw" => "项目编码（原文）",
        "category_name" => "项目类别",
        "func_class_code" => "功能分类编码",
        "func_class_name" => "功能分类名称",
        "func_class_raw" => "功能分类（原文）",
        "project_name" => "项目名称",
        "title" => "表题",
        "budget_total" => "预算数",
        "budget_fiscal" => "财政资金",
        "budget_other" => "其他资金",
        "budget_total_raw" => "预算数（原文）",
        "budget_fiscal_raw" => "财政资金（原文）",
        "budget_other_raw" => "其他资金（原文）",
        "amount_unit" => "金额单位",
        "amount_unit_raw" => "金额单位（原文）",
        "purpose" => "资金用途",
        "indicator_count" => "指标数",
        "goal_count" => "目标数",
        "seq" => "序号",
        "level1" => "一级指标",
        "level2" => "二级指标",
        "level3" => "三级指标",
        "level1_raw" => "一级指标（原文）",
        "level2_raw" => "二级指标（原文）",
        "description" => "绩效指标描述",
        "target_raw" => "指标值（原文）",
        "target_op" => "比较符",
        "target_value" => "指标值",
        "target_unit" => "计量单位",
        "basis" => "指标值确定依据",
        "goal" => "绩效目标",
        "checkpoint_label" => "时间节点",
        "checkpoint_month" => "月份",
        "cumulative_pct_raw" => "累计进度（原文）",
        "cumulative_pct" => "累计支出进度（%）",
        "cumulative_amount" => "累计支出金额",
        "severity" => "级别",
        "code" => "问题代码",
        "message" => "说明",
        "metric" => "指标",
        "count" => "数量",
        "amount" => "金额",
        "projects" => "项目数",
        "indicators" => "指标数",
        "source_file" => "来源文件",
        "source_sheet" => "来源工作表",
        "source_cell" => "来源单元格",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match column.strip_prefix("code_") {
        Some(part) => format!("编码段 {part}"),
        None => column.to_string(),
    }
}

/// Display width of text: CJK and full-width characters count two.
fn width(s: &str) -> usize {
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// Excel holds at most this many characters in a cell.
const MAX_CELL: usize = 32_767;

/// Writes every table as a sheet of one workbook.
pub fn write_xlsx(path: &Path, tables: &[Table], captions: Captions) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_align(FormatAlign::Center);
    let caption_fmt = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFFF2CC))
        .set_align(FormatAlign::Center);
    let money = Format::new().set_num_format("0.00");
    let money_long = Format::new().set_num_format("0.00####");
    let integer = Format::new().set_num_format("0");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&table.name)?;
        let first_data: u32 = if captions == Captions::Row { 2 } else { 1 };
        for (c, column) in table.columns.iter().enumerate() {
            let c = c as u16;
            let cap = caption(&column.name);
            let mut w = width(&column.name);
            match captions {
                Captions::Row => {
                    sheet.write_string_with_format(0, c, &cap, &caption_fmt)?;
                    sheet.write_string_with_format(1, c, &column.name, &header)?;
                    w = w.max(width(&cap));
                }
                Captions::Header => {
                    sheet.write_string_with_format(0, c, &cap, &header)?;
                    w = width(&cap);
                }
                Captions::None => {
                    sheet.write_string_with_format(0, c, &column.name, &header)?;
                }
            }
            for row in 0..table.rows() {
                let r = first_data + row as u32;
                match &column.values {
                    Values::Str(v) => {
                        if let Some(s) = &v[row] {
                            let s: String = s.chars().take(MAX_CELL).collect();
                            w = w.max(width(&s));
                            sheet.write_string(r, c, &s)?;
                        }
                    }
                    Values::Int(v) => {
                        if let Some(n) = v[row] {
                            w = w.max(n.to_string().len());
                            sheet.write_number_with_format(r, c, n as f64, &integer)?;
                        }
                    }
                    Values::Dec { values, min_scale } => {
                        if let Some(d) = values[row] {
                            let text = super::table::format_decimal(d, *min_scale);
                            w = w.max(text.len());
                            let f = if d.normalize().scale() <= 2 {
                                &money
                            } else {
                                &money_long
                            };
                            match d.to_f64() {
                                Some(x) => sheet.write_number_with_format(r, c, x, f)?,
                                None => sheet.write_string(r, c, &text)?,
                            };
                        }
                    }
                }
            }
            sheet.set_column_width(c, (w.clamp(6, 60) + 2) as f64)?;
        }
        let header_row = first_data - 1;
        sheet.set_freeze_panes(first_data, 0)?;
        if !table.columns.is_empty() {
            let last_row = header_row + table.rows() as u32;
            sheet.autofilter(header_row, 0, last_row, table.columns.len() as u16 - 1)?;
        }
    }
    book.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_for_contract_columns() {
        assert_eq!(caption("project_code"), "项目编码");
        assert_eq!(caption("budget_total"), "预算数");
        assert_eq!(caption("code_dept"), "编码段 dept");
        assert_eq!(caption("whatever"), "whatever");
        assert_eq!(width("项目a"), 5);
    }
}
