//! CSV: UTF-8 (optionally with a BOM), a header row, fields quoted as
//! RFC 4180 (the `csv` crate's rules, checked against it in the tests),
//! decimals exactly as computed, text guarded against formula injection.
//! Records are laid out in a reused buffer, field by field.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::table::{write_decimal, Table, Values};
use super::{io, WriteError, WriteOptions};

/// True for a text cell that a spreadsheet would run as a formula: `=`,
/// `+`, `-`, `@` or their full-width forms (`＝`, `＋`, `－`, `＠`) first,
/// after any spaces, or a tab or carriage return first. CSV writes it with
/// a leading `'`, which Excel and LibreOffice show as text; Parquet keeps
/// the exact text.
pub fn needs_formula_guard(s: &str) -> bool {
    // Decided by the first byte for nearly every text: a sign, or no
    // space and no full-width form (UTF-8 lead bytes E3 for the ideographic
    // space, EF for ＝ ＋ － ＠) that could hide one.
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        Some(b' ' | 0xE3 | 0xEF) => {
            const SIGNS: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];
            s.trim_start_matches([' ', '\u{3000}']).starts_with(SIGNS)
        }
        _ => false,
    }
}

/// UTF-8 CSV with a header row; decimals exactly as computed.
pub fn write_csv(path: &Path, table: &Table, options: &WriteOptions) -> Result<(), WriteError> {
    let mut out = CsvOut::create(path, table, options)?;
    out.write(table)?;
    out.flush()
}

/// A CSV file being written.
pub(super) struct CsvOut {
    path: PathBuf,
    file: BufWriter<File>,
    /// Per column: apply the formula guard.
    guard: Vec<bool>,
    /// The record being written.
    line: Vec<u8>,
    /// A number's text.
    text: String,
}

impl CsvOut {
    /// A CSV file with the header row of `table`'s columns.
    pub(super) fn create(
        path: &Path,
        table: &Table,
        options: &WriteOptions,
    ) -> Result<CsvOut, WriteError> {
        let mut file = BufWriter::with_capacity(1 << 18, File::create(path).map_err(io(path))?);
        if options.csv_bom {
            file.write_all(b"\xEF\xBB\xBF").map_err(io(path))?;
        }
        let mut out = CsvOut {
            path: path.to_path_buf(),
            file,
            guard: table
                .columns
                .iter()
                .map(|c| {
                    matches!(c.values, Values::Str(_)) && options.csv_formula_guard && !c.vocabulary
                })
                .collect(),
            line: Vec::with_capacity(1 << 10),
            text: String::new(),
        };
        csv_record(
            &mut out.line,
            table.columns.iter().map(|c| c.name.as_bytes()),
        );
        out.end_record(table.columns.len())?;
        Ok(out)
    }

    /// Ends the record in `line` and hands it to the file.
    fn end_record(&mut self, fields: usize) -> Result<(), WriteError> {
        end_line(&mut self.line, fields);
        let written = self.file.write_all(&self.line);
        self.line.clear();
        written.map_err(io(&self.path))
    }

    /// Appends `table`'s rows, field by field (no copy of a text value).
    pub(super) fn write(&mut self, table: &Table) -> Result<(), WriteError> {
        for row in 0..table.rows() {
            for (i, (c, guard)) in table.columns.iter().zip(&self.guard).enumerate() {
                if i > 0 {
                    self.line.push(b',');
                }
                match &c.values {
                    Values::Str(v) => match v.get(row) {
                        Some(s) if *guard && needs_formula_guard(s) => {
                            self.text.clear();
                            self.text.push('\'');
                            self.text.push_str(s);
                            csv_field(&mut self.line, self.text.as_bytes());
                        }
                        Some(s) => csv_field(&mut self.line, s.as_bytes()),
                        None => {}
                    },
                    Values::Int(v) => {
                        if let Some(n) = v[row] {
                            push_int(&mut self.line, n);
                        }
                    }
                    Values::Bool(v) => {
                        if let Some(b) = v[row] {
                            let text: &[u8] = if b { b"true" } else { b"false" };
                            self.line.extend_from_slice(text);
                        }
                    }
                    Values::Dec {
                        values, min_scale, ..
                    } => {
                        if let Some(d) = values[row] {
                            self.text.clear();
                            write_decimal(&mut self.text, d, *min_scale);
                            self.line.extend_from_slice(self.text.as_bytes());
                        }
                    }
                }
            }
            self.end_record(table.columns.len())?;
        }
        Ok(())
    }

    /// Flushes the file.
    pub(super) fn flush(&mut self) -> Result<(), WriteError> {
        self.file.flush().map_err(io(&self.path))
    }
}

/// Appends the decimal digits of `n` (what `{n}` prints, without the
/// formatting machinery).
fn push_int(line: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let len = crate::grid::decimal_digits(n.unsigned_abs(), &mut digits);
    if n < 0 {
        line.push(b'-');
    }
    line.extend_from_slice(&digits[digits.len() - len..]);
}

/// Appends the fields of a record, comma-separated.
fn csv_record<'f>(line: &mut Vec<u8>, fields: impl IntoIterator<Item = &'f [u8]>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        csv_field(line, field);
    }
}

/// Ends a record of `fields` fields laid out in `line`. A record of one
/// empty field is written `""`, so it still reads as a record.
fn end_line(line: &mut Vec<u8>, fields: usize) {
    if fields == 1 && line.is_empty() {
        line.extend_from_slice(b"\"\"");
    }
    line.push(b'\n');
}

/// Appends one CSV field as the `csv` crate writes it by default (RFC 4180):
/// quoted, with quotes doubled, when it holds a comma, a quote or a line
/// break; as it is otherwise.
fn csv_field(line: &mut Vec<u8>, field: &[u8]) {
    if !field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        line.extend_from_slice(field);
        return;
    }
    line.push(b'"');
    for part in field.split_inclusive(|&b| b == b'"') {
        line.extend_from_slice(part);
        if part.ends_with(b"\"") {
            line.push(b'"');
        }
    }
    line.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;
    /// A record as `CsvOut` lays it out.
    fn ours(fields: &[String]) -> Vec<u8> {
        let mut line = Vec::new();
        csv_record(&mut line, fields.iter().map(|f| f.as_bytes()));
        end_line(&mut line, fields.len());
        line
    }

    fn csv_crate(fields: &[String]) -> Vec<u8> {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        w.write_record(fields).expect("in memory");
        w.into_inner().expect("in memory")
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        for n in [0, 7, -7, 10, 2020, -100, i64::MAX, i64::MIN] {
            let mut line = Vec::new();
            push_int(&mut line, n);
            assert_eq!(String::from_utf8(line).unwrap(), n.to_string());
        }
    }

    #[test]
    fn quoted_fields_are_written_as_the_csv_crate_writes_them() {
        for fields in [
            vec!["a,b".to_string(), "say \"hi\"".into(), "".into()],
            vec!["两行\n文本".into(), "cr\rlf\r\n".into(), "\"".into()],
            vec!["".into()],
            vec!["762-0504-JQN-MTUQ".into(), "≥95%".into()],
        ] {
            assert_eq!(ours(&fields), csv_crate(&fields), "{fields:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_record_is_written_as_the_csv_crate_writes_it(fields in proptest::collection::vec(
            proptest::collection::vec(
                proptest::sample::select(vec!["a", ",", "\"", "\n", "\r", " ", "项目", "'", "=1", ""]),
                0..6,
            ).prop_map(|parts| parts.concat()),
            1..5,
        )) {
            proptest::prop_assert_eq!(ours(&fields), csv_crate(&fields));
        }
    }

    #[test]
    fn formulas_are_guarded() {
        for s in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(needs_formula_guard(s), "{s}");
        }
        for s in [
            "＝1+1",
            "＋1",
            "－1",
            "＠SUM(A1)",
            " =1",
            "  +1",
            "\u{3000}=1",
        ] {
            assert!(needs_formula_guard(s), "{s}");
        }
        for s in ["项目", "1-2", "", "a=1"] {
            assert!(!needs_formula_guard(s), "{s}");
        }
    }
}
