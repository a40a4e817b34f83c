//! Workbooks read by calamine: `.xls`, `.et`, `.xlsb`, and the `.xlsx`
//! jixiao's own reader could not read. Run in the bounded worker
//! ([`super::worker`]) by the command line, in-process otherwise.
//!
//! Sheets are streamed cell by cell where calamine can (`.xlsx`,
//! `.xlsb`), never through its dense `Range`, so two cells a million rows
//! apart cost two cells; `.xls` comes as a range over its cells' extent,
//! which [`super::biff`] has held to the cells budget. Each cell goes to a
//! [`SheetSink`]: cells for a grid here, or straight into the worker's
//! answer ([`super::wire::EncodedSheet`]), held to the sheet budgets
//! either way.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{
    open_workbook_auto_from_rs, open_workbook_from_rs, Data, DataRef, Dimensions, Reader, Sheets,
    Xls, Xlsb, Xlsx,
};

use super::wire::Request;
use super::{FileContent, Kind, Limits, ReadError, SheetData};
use crate::grid::{CellRange, CellValue, Pos};

/// What calamine read of a workbook: each sheet (its name, and its cells
/// and merged ranges as a sink made them, or why not), and which reader
/// it was.
#[derive(Debug)]
pub struct SheetsRead<S = SheetData> {
    pub reader: String,
    pub sheets: Vec<(String, Result<S, String>)>,
}

impl<S> Default for SheetsRead<S> {
    fn default() -> Self {
        SheetsRead {
            reader: String::new(),
            sheets: Vec::new(),
        }
    }
}

impl SheetsRead {
    /// The file's content, its grids named as file `display`.
    pub fn content(self, display: &str) -> FileContent {
        let mut content = FileContent {
            reader: self.reader,
            ..FileContent::default()
        };
        for (sheet, read) in self.sheets {
            content.push_sheet(display, sheet, read);
        }
        content
    }
}

/// A cell's value as calamine gives it, text borrowed where it can be.
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    Bool(bool),
    Error(String),
}

/// Where the cells of one sheet go.
pub trait SheetSink: Default {
    type Out;
    fn cell(&mut self, at: Pos, value: Value<'_>);
    fn finish(self, merges: Vec<CellRange>) -> Self::Out;
}

/// Cells for a [`crate::grid::Grid`].
#[derive(Default)]
pub struct Cells(Vec<(Pos, CellValue)>);

impl SheetSink for Cells {
    type Out = SheetData;
    fn cell(&mut self, at: Pos, value: Value<'_>) {
        let v = match value {
            Value::Text(t) => CellValue::Text(t.as_ref().into()),
            Value::Number(n) => CellValue::Number(n),
            Value::Bool(b) => CellValue::Bool(b),
            Value::Error(e) => CellValue::Error(e),
        };
        self.0.push((at, v));
    }
    fn finish(self, merges: Vec<CellRange>) -> SheetData {
        (self.0, merges)
    }
}

/// Opens the workbook with the reader its content calls for, so a file's
/// own error (a truncated archive) is reported rather than "unknown format".
fn open<'b>(bytes: &'b [u8], kind: Kind, ext: &str) -> Result<Sheets<Cursor<&'b [u8]>>, String> {
    let rs = Cursor::new(bytes);
    match kind {
        Kind::Zip if ext == "xlsb" => open_workbook_from_rs::<Xlsb<_>, _>(rs)
            .map(Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        Kind::Zip => open_workbook_from_rs::<Xlsx<_>, _>(rs)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
        Kind::Ole => open_workbook_from_rs::<Xls<_>, _>(rs)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        _ => open_workbook_auto_from_rs(rs).map_err(|e| e.to_string()),
    }
}

/// Reads the workbook of `req` with calamine in this process, each sheet
/// into a sink of kind `S`.
pub fn read<S: SheetSink>(req: &Request) -> Result<SheetsRead<S::Out>, ReadError> {
    // calamine is run inside `fault::catch`: a panic of its own on a
    // damaged file (an arithmetic overflow on a reversed `<dimension>`)
    // is that file's or sheet's error, wherever the reader is called from.
    let mut book =
        caught(|| open(&req.bytes, req.kind, &req.ext)).map_err(|e| ReadError::Workbook {
            format: req.ext.to_string(),
            reason: explain(&e),
        })?;
    let mut read = SheetsRead {
        reader: "calamine".to_string(),
        sheets: Vec::new(),
    };
    let names = book.sheet_names();
    let limits = &req.limits;
    for sheet in names.iter().take(limits.sheets) {
        if !req.skip.contains(sheet) {
            let cells = caught(|| read_sheet::<S>(&mut book, sheet, limits));
            read.sheets.push((sheet.clone(), cells));
        }
    }
    if let Some((sheet, Err(why))) = super::too_many_sheets(names.len(), limits.sheets) {
        read.sheets.push((sheet, Err(why)));
    }
    Ok(read)
}

/// `f`'s result, or its panic as an error.
fn caught<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    crate::fault::catch(f)
        .unwrap_or_else(|panic| Err(format!("the reader failed on this file ({panic})")))
}

/// calamine's reasons, said for a person who has to fix the file.
fn explain(reason: &str) -> String {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        return "the workbook is password-protected (encrypted); remove the password and resubmit it"
            .to_string();
    }
    if lower.contains("zip") || lower.contains("eocd") || lower.contains("end of central directory")
    {
        return format!(
            "the file is damaged: its ZIP container is truncated or corrupt ({reason})"
        );
    }
    if lower.contains("cannot detect file format") {
        return "the content is not an Excel, WPS or OpenDocument workbook".to_string();
    }
    reason.to_string()
}

/// A sink held to the sheet budgets: cells with a value, and text (a
/// shared string counts each time it is copied into a cell).
struct Budgeted<'l, S> {
    sink: S,
    cells: usize,
    text: u64,
    limits: &'l Limits,
}

impl<S: SheetSink> Budgeted<'_, S> {
    fn push(&mut self, (row, col): (u32, u32), value: Option<Value<'_>>) -> Result<(), String> {
        let Some(v) = value else { return Ok(()) };
        if let Value::Text(s) = &v {
            self.text += s.len() as u64;
            if self.text > self.limits.text_bytes() {
                return Err(format!(
                    "the sheet holds more than {} MiB of text (each copy of a shared string counted; limits.text_mib); not read",
                    self.limits.text_mib
                ));
            }
        }
        if self.cells >= self.limits.cells_per_sheet {
            return Err(format!(
                "the sheet has more than {} cells with a value (limits.cells_per_sheet); not read",
                self.limits.cells_per_sheet
            ));
        }
        self.cells += 1;
        self.sink.cell(Pos::new(row, col), v);
        Ok(())
    }

    /// The non-empty cells of a dense calamine range.
    fn push_range(&mut self, range: &calamine::Range<Data>) -> Result<(), String> {
        let start = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            self.push((start.0 + r as u32, start.1 + c as u32), from_data(v))?;
        }
        Ok(())
    }
}

/// Reads one sheet's cells and its merged ranges into a sink.
fn read_sheet<S: SheetSink>(
    book: &mut Sheets<Cursor<&[u8]>>,
    sheet: &str,
    limits: &Limits,
) -> Result<S::Out, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut cells = Budgeted {
        sink: S::default(),
        cells: 0,
        text: 0,
        limits,
    };
    let merges = match book {
        Sheets::Xlsx(x) => {
            let merges = x
                .merge_cells_by_sheet_name(sheet)
                .map_err(|e| err(&e))?
                .iter()
                .map(to_range)
                .collect();
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| err(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| err(&e))? {
                cells.push(cell.get_position(), from_ref(cell.get_value()))?;
            }
            merges
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| err(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| err(&e))? {
                cells.push(cell.get_position(), from_ref(cell.get_value()))?;
            }
            // calamine reads no merged ranges from .xlsb.
            Vec::new()
        }
        Sheets::Xls(x) => {
            let merges: Vec<CellRange> = x
                .merge_cells_by_sheet_name(sheet)
                .map_err(|e| err(&e))?
                .iter()
                .map(to_range)
                .collect();
            cells.push_range(&x.worksheet_range(sheet).map_err(|e| err(&e))?)?;
            merges
        }
        Sheets::Ods(x) => {
            cells.push_range(&x.worksheet_range(sheet).map_err(|e| err(&e))?)?;
            // calamine reads no merged ranges from .ods.
            Vec::new()
        }
    };
    Ok(cells.sink.finish(merges))
}

fn to_range(d: &Dimensions) -> CellRange {
    CellRange::new(Pos::new(d.start.0, d.start.1), Pos::new(d.end.0, d.end.1))
}

fn from_data(v: &Data) -> Option<Value<'_>> {
    Some(match v {
        Data::Empty => return None,
        Data::String(s) => Value::Text(Cow::Borrowed(s)),
        Data::Float(f) => Value::Number(*f),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(d) => Value::Text(Cow::Owned(d.to_string())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(Cow::Borrowed(s)),
        Data::Error(e) => Value::Error(e.to_string()),
    })
}

fn from_ref<'a>(v: &'a DataRef<'_>) -> Option<Value<'a>> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::String(s) => Value::Text(Cow::Borrowed(s)),
        DataRef::SharedString(s) => Value::Text(Cow::Borrowed(s)),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(d) => Value::Text(Cow::Owned(d.to_string())),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Text(Cow::Borrowed(s)),
        DataRef::Error(e) => Value::Error(e.to_string()),
    })
}
