//! Spreadsheet workbooks through calamine: `.xlsx`, `.xlsm`, `.xlsb`, `.xls`,
//! `.ods`, and WPS `.et` (detected by content).
//!
//! `.xlsx` and `.xlsb` are streamed cell by cell, never through calamine's
//! dense `Range`, so two cells a million rows apart cost two cells.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{
    open_workbook_auto_from_rs, open_workbook_from_rs, Data, DataRef, Dimensions, Reader, Sheets,
    Xls, Xlsb, Xlsx,
};

use super::{xml, Kind};

use super::{FileContent, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

/// Opens the workbook with the reader its content calls for, so a file's
/// own error (a truncated archive) is reported rather than "unknown format".
fn open(bytes: Vec<u8>, kind: Kind, ext: &str) -> Result<Sheets<Cursor<Vec<u8>>>, String> {
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
) -> Result<FileContent, ReadError> {
    let merges = match kind {
        Kind::Zip if ext != "xlsb" => xlsx_merges(&bytes),
        _ => None,
    };
    let mut book = open(bytes, kind, ext).map_err(|e| ReadError::Workbook {
        format: ext.to_string(),
        reason: explain(&e),
    })?;
    let mut content = FileContent::default();
    for sheet in book.sheet_names() {
        let known = merges.as_ref().and_then(|m| m.get(&sheet));
        match read_sheet(&mut book, &sheet, known) {
            Ok((cells, merges)) => content
                .grids
                .push(Grid::new(display, &sheet, cells, merges)),
            Err(reason) => content
                .sheet_errors
                .push(ReadError::Sheet { sheet, reason }),
        }
    }
    Ok(content)
}

type SheetData = (Vec<(Pos, CellValue)>, Vec<CellRange>);

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

/// Reads one sheet's cells, and its merged ranges unless `known` has them.
fn read_sheet(
    book: &mut Sheets<Cursor<Vec<u8>>>,
    sheet: &str,
    known: Option<&Vec<CellRange>>,
) -> Result<SheetData, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut cells = Vec::new();
    let merges = match book {
        Sheets::Xlsx(x) => {
            let merges = match known {
                Some(m) => m.clone(),
                None => x
                    .merge_cells_by_sheet_name(sheet)
                    .map_err(|e| err(&e))?
                    .iter()
                    .map(to_range)
                    .collect(),
            };
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| err(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| err(&e))? {
                push(&mut cells, cell.get_position(), from_ref(cell.get_value()));
            }
            merges
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| err(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| err(&e))? {
                push(&mut cells, cell.get_position(), from_ref(cell.get_value()));
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
            push_range(&mut cells, &x.worksheet_range(sheet).map_err(|e| err(&e))?);
            merges
        }
        Sheets::Ods(x) => {
            push_range(&mut cells, &x.worksheet_range(sheet).map_err(|e| err(&e))?);
            // calamine reads no merged ranges from .ods.
            Vec::new()
        }
    };
    Ok((cells, merges))
}

/// The non-empty cells of a dense calamine range.
fn push_range(cells: &mut Vec<(Pos, CellValue)>, range: &calamine::Range<Data>) {
    let start = range.start().unwrap_or((0, 0));
    for (r, c, v) in range.used_cells() {
        push(
            cells,
            (start.0 + r as u32, start.1 + c as u32),
            from_data(v),
        );
    }
}

fn push(cells: &mut Vec<(Pos, CellValue)>, (row, col): (u32, u32), value: Option<CellValue>) {
    if let Some(v) = value {
        cells.push((Pos::new(row, col), v));
    }
}

fn to_range(d: &Dimensions) -> CellRange {
    CellRange::new(Pos::new(d.start.0, d.start.1), Pos::new(d.end.0, d.end.1))
}

fn from_data(v: &Data) -> Option<CellValue> {
    Some(match v {
        Data::Empty => return None,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(d) => CellValue::Text(d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    })
}

fn from_ref(v: &DataRef<'_>) -> Option<CellValue> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::String(s) => CellValue::Text(s.clone()),
        DataRef::SharedString(s) => CellValue::Text(s.to_string()),
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(d) => CellValue::Text(d.to_string()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellValue::Text(s.clone()),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    })
}

/// The merged ranges of every sheet of an `.xlsx`, by sheet name, found by
/// scanning each sheet's XML for `mergeCell` elements instead of parsing it
/// a second time (calamine's own lookup parses the whole sheet again).
/// `None` when the package is not laid out as expected; the caller then
/// asks calamine.
fn xlsx_merges(bytes: &[u8]) -> Option<HashMap<String, Vec<CellRange>>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut part = |name: &str| -> Option<String> {
        let mut text = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let workbook = xml::parse(&part("xl/workbook.xml")?).ok()?;
    let rels = xml::parse(&part("xl/_rels/workbook.xml.rels")?).ok()?;
    let target = |id: &str| {
        rels.iter()
            .find(|n| n.attr("Id") == Some(id))
            .and_then(|n| n.attr("Target"))
            .map(|t| match t.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{t}"),
            })
    };
    let mut out = HashMap::new();
    for node in &workbook {
        let xml::Node::Open { name, .. } = node else {
            continue;
        };
        if name != "sheet" {
            continue;
        }
        let (Some(sheet), Some(id)) = (node.attr("name"), node.attr("id")) else {
            return None;
        };
        let xml = part(&target(id)?)?;
        out.insert(sheet.to_string(), merge_refs(&xml));
    }
    Some(out)
}

/// The `ref` of every `<mergeCell ref="A1:B2"/>` in a sheet's XML.
fn merge_refs(xml: &str) -> Vec<CellRange> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("mergeCell") {
        let after = &rest[i + "mergeCell".len()..];
        rest = after;
        if !after.starts_with([' ', '/', '>']) {
            continue; // <mergeCells count="…">
        }
        let tag_end = after.find('>').unwrap_or(after.len());
        let tag = &after[..tag_end];
        if let Some(r) = tag.find("ref=\"") {
            let value = &tag[r + 5..];
            let value = &value[..value.find('"').unwrap_or(value.len())];
            if let Some((a, b)) = value.split_once(':') {
                if let (Some(first), Some(last)) = (Pos::parse_a1(a), Pos::parse_a1(b)) {
                    out.push(CellRange::new(first, last));
                }
            }
        }
    }
    out
}
