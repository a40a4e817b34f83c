//! One XLSX workbook with a sheet per table, for finance staff: frozen
//! header, autofilter, sensible widths, amounts formatted `0.00`, and
//! Chinese captions (项目编码 rather than project_code).

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, XlsxError};
use serde::Deserialize;

use super::sheets::{cut, width};
use super::table::{Table, Values};
use crate::model::schema::caption;

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

/// Excel's last row (1,048,576 rows).
const MAX_ROWS: u32 = 1_048_576;

/// Runs a rust_xlsxwriter call: a failed write in a streamed sheet's
/// temporary file is a panic there (a full disk ended the run, exit 101),
/// made here the I/O error it is.
fn guarded<T>(f: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, XlsxError> {
    crate::fault::catch(f)
        .unwrap_or_else(|what| Err(XlsxError::IoError(std::io::Error::other(what))))
}

/// The cell formats of the workbook.
struct Formats {
    header: Format,
    caption: Format,
    money: Format,
    money_long: Format,
    integer: Format,
}

/// A sheet being written: rows go in order, widths are measured as they go.
struct Sheet {
    /// Index of the worksheet in the workbook.
    index: usize,
    next_row: u32,
    first_data: u32,
    widths: Vec<usize>,
    /// Rows past Excel's last row, not written.
    omitted: u64,
}

/// One workbook with a sheet per table. Record tables are streamed (a
/// constant-memory sheet each: rows are written as they come and kept in a
/// temporary file, not in memory); small tables are added whole.
pub struct Book {
    book: Workbook,
    formats: Formats,
    captions: Captions,
    sheets: Vec<Sheet>,
}

impl Book {
    /// A workbook whose streamed sheets keep their rows in `tempdir`.
    pub fn new(captions: Captions, tempdir: &Path) -> Result<Book, XlsxError> {
        let mut book = Workbook::new();
        book.set_tempdir(tempdir)?;
        Ok(Book {
            book,
            formats: Formats {
                header: Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xDDEBF7))
                    .set_align(FormatAlign::Center),
                caption: Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xFFF2CC))
                    .set_align(FormatAlign::Center),
                money: Format::new().set_num_format("0.00"),
                money_long: Format::new().set_num_format("0.00####"),
                integer: Format::new().set_num_format("0"),
            },
            captions,
            sheets: Vec::new(),
        })
    }

    /// Adds a sheet for `table`'s columns (its rows, if any, are written
    /// too) and returns its handle for [`Book::append`].
    pub fn open(&mut self, table: &Table, streamed: bool) -> Result<usize, XlsxError> {
        guarded(|| self.open_sheet(table, streamed))
    }

    fn open_sheet(&mut self, table: &Table, streamed: bool) -> Result<usize, XlsxError> {
        let index = self.book.worksheets().len();
        let sheet = if streamed {
            self.book.add_worksheet_with_constant_memory()?
        } else {
            self.book.add_worksheet()
        };
        sheet.set_name(&table.name)?;
        let first_data: u32 = if self.captions == Captions::Row { 2 } else { 1 };
        // Row by row (a streamed sheet cannot go back to an earlier row).
        let f = &self.formats;
        let names = table.columns.iter().map(|c| c.name.as_str());
        let captions: Vec<String> = names.clone().map(caption).collect();
        let rows: Vec<(Vec<&str>, &Format)> = match self.captions {
            Captions::Row => vec![
                (captions.iter().map(String::as_str).collect(), &f.caption),
                (names.collect(), &f.header),
            ],
            Captions::Header => vec![(captions.iter().map(String::as_str).collect(), &f.header)],
            Captions::None => vec![(names.collect(), &f.header)],
        };
        let mut widths = vec![0; table.columns.len()];
        for (r, (texts, format)) in rows.iter().enumerate() {
            for (c, text) in texts.iter().enumerate() {
                sheet.write_string_with_format(r as u32, c as u16, *text, format)?;
                widths[c] = widths[c].max(width(text));
            }
        }
        self.sheets.push(Sheet {
            index,
            next_row: first_data,
            first_data,
            widths,
            omitted: 0,
        });
        let handle = self.sheets.len() - 1;
        self.append_rows(handle, table)?;
        Ok(handle)
    }

    /// Writes the rows of `table` (the sheet's columns) below the last ones.
    pub fn append(&mut self, handle: usize, table: &Table) -> Result<(), XlsxError> {
        guarded(|| self.append_rows(handle, table))
    }

    fn append_rows(&mut self, handle: usize, table: &Table) -> Result<(), XlsxError> {
        let s = &mut self.sheets[handle];
        let sheet = self.book.worksheet_from_index(s.index)?;
        let f = &self.formats;
        for row in 0..table.rows() {
            if s.next_row >= MAX_ROWS {
                s.omitted += (table.rows() - row) as u64;
                break;
            }
            let r = s.next_row;
            for (c, column) in table.columns.iter().enumerate() {
                let w = &mut s.widths[c];
                let c = c as u16;
                match &column.values {
                    Values::Str(v) => {
                        if let Some(s) = v.get(row) {
                            let s = cut(s);
                            *w = (*w).max(width(s));
                            sheet.write_string(r, c, s)?;
                        }
                    }
                    Values::Int(v) => {
                        if let Some(n) = v[row] {
                            *w = (*w).max(n.to_string().len());
                            sheet.write_number_with_format(r, c, n as f64, &f.integer)?;
                        }
                    }
                    Values::Bool(v) => {
                        if let Some(b) = v[row] {
                            *w = (*w).max(5);
                            sheet.write_boolean(r, c, b)?;
                        }
                    }
                    Values::Dec {
                        values, min_scale, ..
                    } => {
                        if let Some(d) = values[row] {
                            let text = super::table::format_decimal(d, *min_scale);
                            *w = (*w).max(text.len());
                            let fmt = if d.normalize().scale() <= 2 {
                                &f.money
                            } else {
                                &f.money_long
                            };
                            match d.to_f64() {
                                Some(x) => sheet.write_number_with_format(r, c, x, fmt)?,
                                None => sheet.write_string(r, c, &text)?,
                            };
                        }
                    }
                }
            }
            s.next_row += 1;
        }
        Ok(())
    }

    /// Rows not written because a sheet reached Excel's last row.
    pub fn omitted(&self) -> u64 {
        self.sheets.iter().map(|s| s.omitted).sum()
    }

    /// Widths, frozen header and autofilter on every sheet, then saves.
    pub fn save(self, path: &Path) -> Result<(), XlsxError> {
        guarded(|| self.finish(path))
    }

    fn finish(mut self, path: &Path) -> Result<(), XlsxError> {
        for s in &self.sheets {
            let sheet = self.book.worksheet_from_index(s.index)?;
            for (c, w) in s.widths.iter().enumerate() {
                sheet.set_column_width(c as u16, (w.clamp(&6, &60) + 2) as f64)?;
            }
            sheet.set_freeze_panes(s.first_data, 0)?;
            if !s.widths.is_empty() {
                let header_row = s.first_data - 1;
                let last_row = s.next_row.saturating_sub(1).max(header_row);
                sheet.autofilter(header_row, 0, last_row, s.widths.len() as u16 - 1)?;
            }
        }
        self.book.save(path)
    }
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
