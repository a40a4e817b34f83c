//! CSV and TSV exports: encoding detected safely (UTF-8 with or without BOM
//! first; UTF-16 by its BOM; GB18030 only when the bytes are not valid
//! UTF-8, since reading UTF-8 as GB18030 garbles it), delimiter detected.

use super::{FileContent, ReadError};
use crate::grid::{CellValue, Grid, Pos};

/// Decodes text bytes; returns the text and the encoding's name.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8");
    }
    if bytes.starts_with(b"\xFF\xFE") {
        let (text, _) = encoding_rs::UTF_16LE.decode_with_bom_removal(bytes);
        return (text.into_owned(), "UTF-16LE");
    }
    if bytes.starts_with(b"\xFE\xFF") {
        let (text, _) = encoding_rs::UTF_16BE.decode_with_bom_removal(bytes);
        return (text.into_owned(), "UTF-16BE");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// The delimiter that splits the first lines into the most consistent
/// number of fields (more than one).
pub fn detect_delimiter(text: &str, default: u8) -> u8 {
    let sample: String = text.lines().take(50).collect::<Vec<_>>().join("\n");
    let mut best = (default, 0usize);
    for d in [b',', b'\t', b';', b'|'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(sample.as_bytes());
        let widths: Vec<usize> = reader.records().flatten().map(|r| r.len()).collect();
        let multi = widths.iter().filter(|w| **w > 1).count();
        let score = multi * widths.iter().copied().max().unwrap_or(0).min(64);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

pub(super) fn read(bytes: &[u8], display: &str, ext: &str) -> Result<FileContent, ReadError> {
    let (text, _) = decode(bytes);
    let default = if ext == "tsv" { b'\t' } else { b',' };
    let delimiter = detect_delimiter(&text, default);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::Workbook {
            format: ext.to_string(),
            reason: format!("line {}: {e}", r + 1),
        })?;
        for (c, field) in record.iter().enumerate() {
            if !field.trim().is_empty() {
                cells.push((Pos::new(r as u32, c as u32), CellValue::Text(field.into())));
            }
        }
    }
    let sheet = ext.to_string();
    Ok(FileContent {
        grids: vec![Grid::new(display, sheet.as_str(), cells, Vec::new())],
        sheet_errors: Vec::new(),
        reader: "jixiao's own CSV reader".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_first_gb18030_only_when_not_utf8() {
        assert_eq!(
            decode("项目编码,x".as_bytes()),
            ("项目编码,x".to_string(), "UTF-8")
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBF\xE9\xA1\xB9"),
            ("项".to_string(), "UTF-8")
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("项目编码,预算数");
        assert_eq!(decode(&gbk), ("项目编码,预算数".to_string(), "GB18030"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("项目".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&utf16), ("项目".to_string(), "UTF-16LE"));
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n", b','), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n", b','), b'\t');
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n", b','), b';');
        assert_eq!(detect_delimiter("项目编码\n", b','), b',');
    }
}
