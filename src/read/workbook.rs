//! Spreadsheet workbooks through calamine: `.xlsx`, `.xlsm`, `.xlsb`, `.xls`,
//! `.ods`, and WPS `.et` (detected by content).
//!
//! `.xlsx` goes to jixiao's own reader ([`super::xlsx`]) first; `.xlsx` it
//! cannot read and `.xlsb` are streamed cell by cell through calamine, never
//! through its dense `Range`, so two cells a million rows apart cost two
//! cells.

use std::io::Cursor;

use calamine::{
    open_workbook_auto_from_rs, open_workbook_from_rs, Data, DataRef, Dimensions, Reader, Sheets,
    Xls, Xlsb, Xlsx,
};

use super::Kind;

use super::wire::Request;
use super::{FileContent, Limits, ReadError, SheetData};
use crate::grid::{CellRange, CellValue, Pos};

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

/// Reads a workbook from its bytes, with the reader its content calls for.
pub(super) fn read(
    bytes: Vec<u8>,
    kind: Kind,
    display: &str,
    ext: &str,
    limits: &Limits,
) -> Result<FileContent, ReadError> {
    if kind == Kind::Zip && ext != "xlsb" {
        return match own_xlsx(&bytes, display, ext, limits)? {
            Own::Read(content) => Ok(content),
            Own::Failed(why) => {
                // calamine reads what the own reader could not: a package
                // it does not understand, a sheet it failed; each part
                // held to the part limits first.
                super::xlsb::parts_ok(&bytes, limits).map_err(|reason| ReadError::Workbook {
                    format: ext.to_string(),
                    reason,
                })?;
                let mut content = with_calamine(bytes, kind, display, ext, limits, Vec::new())?;
                content.reader = format!("calamine ({why})");
                Ok(content)
            }
            Own::Partly(own, why) => {
                // A sheet the own reader refused by a budget is not read
                // again: calamine would spend what the budget saved.
                let cal = with_calamine(bytes, kind, display, ext, limits, refused(&own));
                Ok(better(own, why, cal))
            }
        };
    }
    let failed = |reason: String| ReadError::Workbook {
        format: ext.to_string(),
        reason,
    };
    match kind {
        Kind::Ole => {
            let stream = super::cfb::check(&bytes).map_err(failed)?;
            if let Some(stream) = stream {
                super::biff::check(&stream, limits).map_err(failed)?;
            }
        }
        Kind::Zip => super::xlsb::check(&bytes, limits).map_err(failed)?,
        _ => {}
    }
    with_calamine(bytes, kind, display, ext, limits, Vec::new())
}

/// The sheets a reading refused by a budget.
fn refused(content: &FileContent) -> Vec<String> {
    content
        .sheet_errors
        .iter()
        .filter_map(|e| match e {
            ReadError::Sheet { sheet, reason } if Limits::is_refusal(reason) => Some(sheet.clone()),
            _ => None,
        })
        .collect()
}

/// What jixiao's own `.xlsx` reader made of a package.
enum Own {
    /// Every sheet read (or refused by a budget, which calamine must not
    /// then spend).
    Read(FileContent),
    /// Some sheets failed for another reason: calamine may do better.
    Partly(FileContent, String),
    /// The package was not understood.
    Failed(String),
}

fn own_xlsx(bytes: &[u8], display: &str, ext: &str, limits: &Limits) -> Result<Own, ReadError> {
    match super::xlsx::read(bytes, display, limits) {
        Err(super::xlsx::NotRead(reason)) if Limits::is_refusal(&reason) => {
            Err(ReadError::Workbook {
                format: ext.to_string(),
                reason,
            })
        }
        Err(super::xlsx::NotRead(reason)) => Ok(Own::Failed(format!(
            "jixiao's own reader could not: {reason}"
        ))),
        Ok(content) => {
            let failed = content.sheet_errors.iter().find_map(|e| match e {
                ReadError::Sheet { sheet, reason } if !Limits::is_refusal(reason) => Some(format!(
                    "jixiao's own reader failed sheet '{sheet}': {reason}"
                )),
                _ => None,
            });
            Ok(match failed {
                Some(why) => Own::Partly(content, why),
                None => Own::Read(content),
            })
        }
    }
}

/// calamine's reading of a file whose sheets jixiao's own reader partly
/// failed (`why`), when it reads more of them; else the own reading. The
/// sheets the own reader refused by a budget keep their refusal.
fn better(own: FileContent, why: String, cal: Result<FileContent, ReadError>) -> FileContent {
    match cal {
        Ok(mut cal) if cal.sheet_errors.len() < own.sheet_errors.len() - refused(&own).len() => {
            cal.reader = format!("calamine ({why})");
            let refusals = own.sheet_errors.into_iter().filter(|e| match e {
                ReadError::Sheet { reason, .. } => Limits::is_refusal(reason),
                _ => false,
            });
            cal.sheet_errors.extend(refusals);
            cal
        }
        _ => own,
    }
}

/// Reads a workbook with calamine: in a bounded worker process when the
/// command line set that up ([`super::worker`]), else here. `skip`: sheets
/// not to read.
pub(super) fn with_calamine(
    bytes: Vec<u8>,
    kind: Kind,
    display: &str,
    ext: &str,
    limits: &Limits,
    skip: Vec<String>,
) -> Result<FileContent, ReadError> {
    super::worker::read(Request {
        kind,
        ext: ext.to_string(),
        display: display.to_string(),
        limits: *limits,
        skip,
        bytes,
    })
}

/// Reads a workbook with calamine in this process (the worker's side).
pub(super) fn calamine_here(req: &Request) -> Result<FileContent, ReadError> {
    // calamine is run inside `fault::catch`: a panic of its own on a
    // damaged file (an arithmetic overflow on a reversed `<dimension>`)
    // is that file's or sheet's error, wherever the reader is called from.
    let mut book =
        caught(|| open(&req.bytes, req.kind, &req.ext)).map_err(|e| ReadError::Workbook {
            format: req.ext.to_string(),
            reason: explain(&e),
        })?;
    let mut content = FileContent {
        reader: "calamine".to_string(),
        ..FileContent::default()
    };
    let names = book.sheet_names();
    let limits = &req.limits;
    for sheet in names.iter().take(limits.sheets) {
        if req.skip.contains(sheet) {
            continue;
        }
        let read = caught(|| read_sheet(&mut book, sheet, limits));
        content.push_sheet(&req.display, sheet.clone(), read);
    }
    content.too_many_sheets(names.len(), limits.sheets);
    Ok(content)
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

/// The cells of one sheet as they are taken, held to the sheet budgets:
/// cells with a value, and text (a shared string counts each time it is
/// copied into a cell).
struct SheetCells<'l> {
    cells: Vec<(Pos, CellValue)>,
    text: u64,
    limits: &'l Limits,
}

impl SheetCells<'_> {
    fn push(&mut self, (row, col): (u32, u32), value: Option<CellValue>) -> Result<(), String> {
        let Some(v) = value else { return Ok(()) };
        if let CellValue::Text(s) = &v {
            self.text += s.len() as u64;
            if self.text > self.limits.text_bytes() {
                return Err(format!(
                    "the sheet holds more than {} MiB of text (each copy of a shared string counted; limits.text_mib); not read",
                    self.limits.text_mib
                ));
            }
        }
        if self.cells.len() >= self.limits.cells_per_sheet {
            return Err(format!(
                "the sheet has more than {} cells with a value (limits.cells_per_sheet); not read",
                self.limits.cells_per_sheet
            ));
        }
        self.cells.push((Pos::new(row, col), v));
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

/// Reads one sheet's cells and its merged ranges.
fn read_sheet(
    book: &mut Sheets<Cursor<&[u8]>>,
    sheet: &str,
    limits: &Limits,
) -> Result<SheetData, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut cells = SheetCells {
        cells: Vec::new(),
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
            // .xls holds at most 65,536 × 256 cells, so its dense range is bounded.
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
    Ok((cells.cells, merges))
}

fn to_range(d: &Dimensions) -> CellRange {
    CellRange::new(Pos::new(d.start.0, d.start.1), Pos::new(d.end.0, d.end.1))
}

fn from_data(v: &Data) -> Option<CellValue> {
    Some(match v {
        Data::Empty => return None,
        Data::String(s) => CellValue::Text(s.as_str().into()),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(d) => CellValue::Text(d.to_string().into()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.as_str().into()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    })
}

fn from_ref(v: &DataRef<'_>) -> Option<CellValue> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::String(s) => CellValue::Text(s.as_str().into()),
        DataRef::SharedString(s) => CellValue::Text((*s).into()),
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(d) => CellValue::Text(d.to_string().into()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellValue::Text(s.as_str().into()),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calamine_is_taken_when_it_reads_sheets_the_own_reader_failed() {
        let failed = |n: usize| FileContent {
            sheet_errors: (0..n)
                .map(|i| ReadError::Sheet {
                    sheet: format!("S{i}"),
                    reason: "malformed XML".to_string(),
                })
                .collect(),
            reader: "own".to_string(),
            ..FileContent::default()
        };
        let why = || "jixiao's own reader failed sheet 'S0'".to_string();
        let taken = better(failed(1), why(), Ok(failed(0)));
        assert_eq!(
            taken.reader,
            "calamine (jixiao's own reader failed sheet 'S0')"
        );
        assert_eq!(better(failed(1), why(), Ok(failed(1))).reader, "own");
        let err = Err(ReadError::EmptyFile);
        assert_eq!(better(failed(1), why(), err).reader, "own");
    }

    /// calamine subtracts a `<dimension>`'s corners unchecked: reversed
    /// (`G53:A1`, one flipped byte of a real file, found by
    /// `properties::mutated_workbooks_never_panic`) it overflowed and
    /// panicked in a debug build. The panic is the sheet's error now.
    #[test]
    fn a_reversed_dimension_that_overflowed_calamine_is_never_a_panic() {
        use std::io::{Read, Write};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/762002.xlsx");
        let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut text = Vec::new();
            part.read_to_end(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(text).unwrap();
                assert!(xml.contains(r#"<dimension ref="A1:G53"/>"#));
                text = xml
                    .replace(
                        r#"<dimension ref="A1:G53"/>"#,
                        r#"<dimension ref="G53:A1"/>"#,
                    )
                    .into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&text).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        // Whatever calamine makes of it (a build without overflow checks
        // reads on), it is a value.
        let read = with_calamine(
            bytes,
            Kind::Zip,
            "d.xlsx",
            "xlsx",
            &Limits::default(),
            Vec::new(),
        );
        if let Ok(content) = &read {
            for e in &content.sheet_errors {
                assert!(e.to_string().contains("the reader failed"), "{e}");
            }
        }
    }

    /// jixiao's own `.xlsx` reader gives the cells and merged ranges
    /// calamine gives, on workbooks written by other software (openpyxl,
    /// LibreOffice) and the sample data.
    #[test]
    fn own_xlsx_reader_agrees_with_calamine() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = [
            "sample_data/762002.xlsx",
            "sample_data/762003.xlsx",
            "tests/fixtures/openpyxl/762002.xlsx",
            "tests/fixtures/openpyxl/762003.xlsx",
            "tests/fixtures/libreoffice/762002.xlsx",
            "tests/fixtures/libreoffice/762003.xlsx",
        ];
        for f in files {
            let bytes = std::fs::read(root.join(f)).unwrap();
            let own = crate::read::xlsx::read(&bytes, f, &Limits::default()).unwrap();
            let cal =
                with_calamine(bytes, Kind::Zip, f, "xlsx", &Limits::default(), Vec::new()).unwrap();
            assert_eq!(own.grids.len(), cal.grids.len(), "{f}");
            assert!(own.sheet_errors.is_empty() && cal.sheet_errors.is_empty());
            for (a, b) in own.grids.iter().zip(&cal.grids) {
                assert_eq!(a.sheet, b.sheet, "{f}");
                let cells = |g: &crate::grid::Grid| {
                    g.cells().map(|(p, v)| (p, v.clone())).collect::<Vec<_>>()
                };
                assert_eq!(cells(a), cells(b), "{f} › {}", a.sheet);
                assert!(!a.merges().is_empty(), "{f} › {} has merged cells", a.sheet);
                assert_eq!(a.merges(), b.merges(), "{f} › {}", a.sheet);
            }
        }
    }
}
