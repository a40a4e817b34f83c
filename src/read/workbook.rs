//! Spreadsheet workbooks through calamine: `.xlsx`, `.xlsm`, `.xlsb`, `.xls`,
//! `.ods`, and WPS `.et` (detected by content).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Dimensions, Range, Reader, Sheets};

use super::{FileContent, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

pub(super) fn read(path: &Path, display: &str, ext: &str) -> Result<FileContent, ReadError> {
    let mut book = open_workbook_auto(path).map_err(|e| ReadError::Workbook {
        format: ext.to_string(),
        reason: e.to_string(),
    })?;
    let mut content = FileContent::default();
    for sheet in book.sheet_names() {
        match read_sheet(&mut book, &sheet) {
            Ok((range, merges)) => content
                .grids
                .push(to_grid(display, &sheet, &range, &merges)),
            Err(reason) => content
                .sheet_errors
                .push(ReadError::Sheet { sheet, reason }),
        }
    }
    Ok(content)
}

type SheetData = (Range<Data>, Vec<Dimensions>);

fn read_sheet(book: &mut Sheets<BufReader<File>>, sheet: &str) -> Result<SheetData, String> {
    let range = book.worksheet_range(sheet).map_err(|e| e.to_string())?;
    let merges = match book {
        Sheets::Xlsx(x) => x
            .merge_cells_by_sheet_name(sheet)
            .map_err(|e| e.to_string())?,
        Sheets::Xls(x) => x
            .merge_cells_by_sheet_name(sheet)
            .map_err(|e| e.to_string())?,
        // calamine reads no merged ranges from these formats.
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    };
    Ok((range, merges))
}

fn to_grid(file: &str, sheet: &str, range: &Range<Data>, merges: &[Dimensions]) -> Grid {
    let cells = range.used_cells().filter_map(|(r, c, v)| {
        let start = range.start().unwrap_or((0, 0));
        let pos = Pos::new(start.0 + r as u32, start.1 + c as u32);
        let value = match v {
            Data::Empty => return None,
            Data::String(s) => CellValue::Text(s.clone()),
            Data::Float(f) => CellValue::Number(*f),
            Data::Int(i) => CellValue::Number(*i as f64),
            Data::Bool(b) => CellValue::Bool(*b),
            Data::DateTime(d) => CellValue::Text(d.to_string()),
            Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.clone()),
            Data::Error(e) => CellValue::Error(e.to_string()),
        };
        Some((pos, value))
    });
    let merges = merges
        .iter()
        .map(|d| CellRange::new(Pos::new(d.start.0, d.start.1), Pos::new(d.end.0, d.end.1)));
    Grid::new(file, sheet, cells, merges)
}
