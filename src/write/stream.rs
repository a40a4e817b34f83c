//! The output folder of a run, written as the rows arrive.
//!
//! The record tables are opened first and receive their rows file by file,
//! in file order: CSV rows are appended, Parquet rows are buffered up to
//! [`ROW_GROUP_BYTES`] and written as a row group, XLSX rows go to a
//! constant-memory sheet. So memory holds one row group per table, not the
//! whole run. Summaries (small, computed at the end) are added whole by
//! [`Output::finish`].
//!
//! Everything is written into a staging folder beside the output folder and
//! swapped in at the end with two renames, so an interrupted run never
//! leaves old and new tables mixed. Files in the output folder that are not
//! jixiao tables are kept.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::xlsx::Book;
use super::{
    to_frame, to_frame_parts, write_csv, write_dataset, write_parquet, Format, Table, Values,
    WriteError, WriteOptions, PARTITIONED_TABLES, XLSX_NAME,
};

/// A record table's rows are buffered until they take about this many
/// bytes (or [`ROW_GROUP_ROWS`] rows), then written as a Parquet row group.
pub const ROW_GROUP_BYTES: usize = 2 << 20;

/// The most rows of a Parquet row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Where a record table's Parquet rows go.
enum ParquetRole {
    /// `<table>.parquet`, an output file.
    Output,
    /// A working file, split into a hive-partitioned dataset at the end.
    Dataset(Vec<String>),
    /// A working file for the summaries only, removed at the end.
    Work,
}

struct ParquetOut {
    path: PathBuf,
    role: ParquetRole,
    writer: Option<polars::io::parquet::write::BatchedWriter<BufWriter<File>>>,
    /// The tables of the files since the last row group (moved in, not
    /// copied: they are read once, when the row group is written).
    buffer: Vec<Table>,
    /// About how many bytes the buffered tables hold.
    buffered: usize,
}

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

struct TableOut {
    name: String,
    csv: Option<CsvOut>,
    parquet: Option<ParquetOut>,
    xlsx: Option<usize>,
}

/// An output folder being written.
pub struct Output {
    dir: PathBuf,
    staging: PathBuf,
    work: PathBuf,
    formats: Vec<Format>,
    options: WriteOptions,
    tables: Vec<TableOut>,
    xlsx: Option<Book>,
}

/// The error of an I/O failure on `path` (the path is copied only then).
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn polars_err(table: &str) -> impl FnOnce(PolarsError) -> WriteError {
    let table = table.to_string();
    move |source| WriteError::Polars { table, source }
}

fn xlsx_err(path: &Path) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Xlsx { path, source }
}

impl Output {
    /// Opens the staging folder for `dir` and the record tables (`empty`:
    /// their columns, no rows). `scanned`: record tables the summaries read,
    /// kept as Parquet (in a working file when Parquet is not an output).
    pub fn create(
        dir: &Path,
        empty: &[Table],
        formats: &[Format],
        options: &WriteOptions,
        scanned: &[&str],
    ) -> Result<Output, WriteError> {
        let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(WriteError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(
                    "the output must be a named folder (not `.`, `..` or `/`)",
                ),
            });
        };
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let staging = parent.join(format!(".{name}.jixiao-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(io(&staging))?;
        let work = staging.join(".work");
        std::fs::create_dir(&work).map_err(io(&work))?;
        let mut out = Output {
            dir: dir.to_path_buf(),
            staging,
            work,
            formats: formats.to_vec(),
            options: options.clone(),
            tables: Vec::new(),
            xlsx: None,
        };
        if formats.contains(&Format::Xlsx) {
            let book = Book::new(options.xlsx_captions, &out.work)
                .map_err(xlsx_err(&out.staging.join(XLSX_NAME)))?;
            out.xlsx = Some(book);
        }
        for table in empty {
            out.open(table, scanned)?;
        }
        Ok(out)
    }

    fn open(&mut self, table: &Table, scanned: &[&str]) -> Result<(), WriteError> {
        let csv = if self.formats.contains(&Format::Csv) {
            let path = self.staging.join(format!("{}.csv", table.name));
            Some(CsvOut::create(&path, table, &self.options)?)
        } else {
            None
        };
        let keys = &self.options.parquet_partition_by;
        let role = if self.formats.contains(&Format::Parquet) {
            let partitioned = PARTITIONED_TABLES.contains(&table.name.as_str())
                && !keys.is_empty()
                && keys.iter().all(|k| table.column(k).is_some());
            Some(if partitioned {
                ParquetRole::Dataset(keys.clone())
            } else {
                ParquetRole::Output
            })
        } else if scanned.contains(&table.name.as_str()) {
            Some(ParquetRole::Work)
        } else {
            None
        };
        let parquet = match role {
            None => None,
            Some(role) => {
                let path = match role {
                    ParquetRole::Output => self.staging.join(format!("{}.parquet", table.name)),
                    _ => self.work.join(format!("{}.parquet", table.name)),
                };
                let schema = to_frame(table)
                    .map_err(polars_err(&table.name))?
                    .schema()
                    .as_ref()
                    .clone();
                // Buffered: the writer emits many small pieces (page headers);
                // its footer flushes.
                let file =
                    BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
                let writer = ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .set_parallel(false)
                    .batched(&schema)
                    .map_err(polars_err(&table.name))?;
                Some(ParquetOut {
                    path,
                    role,
                    writer: Some(writer),
                    buffer: Vec::new(),
                    buffered: 0,
                })
            }
        };
        let xlsx = match &mut self.xlsx {
            Some(book) => {
                let mut header = table.clone();
                header.clear();
                Some(
                    book.open(&header, true)
                        .map_err(xlsx_err(&self.staging.join(XLSX_NAME)))?,
                )
            }
            None => None,
        };
        self.tables.push(TableOut {
            name: table.name.clone(),
            csv,
            parquet,
            xlsx,
        });
        Ok(())
    }

    /// Appends rows to the record tables: `chunk` holds one table per
    /// record table, in the order they were opened.
    pub fn append(&mut self, chunk: Vec<Table>) -> Result<(), WriteError> {
        for (out, rows) in self.tables.iter_mut().zip(chunk) {
            if rows.rows() == 0 {
                continue;
            }
            if let Some(c) = &mut out.csv {
                c.write(&rows)?;
            }
            if let (Some(book), Some(handle)) = (&mut self.xlsx, out.xlsx) {
                book.append(handle, &rows)
                    .map_err(xlsx_err(&self.staging.join(XLSX_NAME)))?;
            }
            if let Some(p) = &mut out.parquet {
                p.buffered += rows.approx_bytes();
                p.buffer.push(rows);
                let buffered_rows: usize = p.buffer.iter().map(Table::rows).sum();
                if p.buffered >= ROW_GROUP_BYTES || buffered_rows >= ROW_GROUP_ROWS {
                    p.flush()?;
                }
            }
        }
        Ok(())
    }

    /// Ends the record tables' files (CSV flushed, Parquet footers written),
    /// so that [`Output::scan`] can read them.
    pub fn end_records(&mut self) -> Result<(), WriteError> {
        for t in &mut self.tables {
            if let Some(c) = &mut t.csv {
                c.flush()?;
            }
            if let Some(p) = &mut t.parquet {
                p.flush()?;
                if let Some(w) = p.writer.take() {
                    w.finish().map_err(polars_err(&t.name))?;
                }
            }
        }
        Ok(())
    }

    /// A lazy scan of a record table's Parquet (after [`Output::end_records`]).
    pub fn scan(&self, name: &str) -> Result<LazyFrame, PolarsError> {
        let t = self
            .tables
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.parquet.as_ref())
            .ok_or_else(|| {
                PolarsError::ColumnNotFound(format!("{name} (not kept as Parquet)").into())
            })?;
        LazyFrame::scan_parquet(
            PlRefPath::try_from_path(&t.path)?,
            ScanArgsParquet::default(),
        )
    }

    /// Rows of record tables not written to the workbook because a sheet
    /// reached Excel's last row.
    pub fn xlsx_rows_omitted(&self) -> u64 {
        self.xlsx.as_ref().map_or(0, Book::omitted)
    }

    /// Writes `extra` (whole tables: summaries) in every format after the
    /// record tables, splits the partitioned datasets, and swaps the staging
    /// folder in. Returns the files written, in a fixed order.
    pub fn finish(mut self, extra: &[Table]) -> Result<Vec<PathBuf>, WriteError> {
        self.end_records()?;
        // The partitioned tables: read back one at a time and split.
        for t in &self.tables {
            if let Some(ParquetOut {
                path,
                role: ParquetRole::Dataset(keys),
                ..
            }) = &t.parquet
            {
                let file = File::open(path).map_err(io(path))?;
                let df = ParquetReader::new(file)
                    .finish()
                    .map_err(polars_err(&t.name))?;
                write_dataset(&self.staging.join(&t.name), &t.name, &df, keys)?;
            }
        }
        // The summaries are independent small files: written in parallel on
        // the current rayon pool.
        use rayon::prelude::*;
        let jobs: Vec<(Format, &Table)> = self
            .formats
            .iter()
            .filter(|f| **f != Format::Xlsx)
            .flat_map(|f| extra.iter().map(move |t| (*f, t)))
            .collect();
        let staging = &self.staging;
        let options = &self.options;
        jobs.par_iter()
            .try_for_each(|(format, table)| -> Result<(), WriteError> {
                let path = staging.join(format!("{}.{}", table.name, format.extension()));
                match format {
                    Format::Csv => write_csv(&path, table, options),
                    Format::Parquet => write_parquet(&path, table),
                    Format::Xlsx => unreachable!("the workbook is written below"),
                }
            })?;
        if let Some(mut book) = self.xlsx.take() {
            let path = self.staging.join(XLSX_NAME);
            for t in extra {
                book.open(t, false).map_err(xlsx_err(&path))?;
            }
            book.save(&path).map_err(xlsx_err(&path))?;
        }
        std::fs::remove_dir_all(&self.work).map_err(io(&self.work))?;

        // The files written, formats in order, then tables in order.
        let mut names = Vec::new();
        for f in &self.formats {
            if *f == Format::Xlsx {
                names.push(XLSX_NAME.to_string());
                continue;
            }
            for t in &self.tables {
                let dataset = *f == Format::Parquet
                    && matches!(
                        t.parquet,
                        Some(ParquetOut {
                            role: ParquetRole::Dataset(_),
                            ..
                        })
                    );
                names.push(if dataset {
                    t.name.clone()
                } else {
                    format!("{}.{}", t.name, f.extension())
                });
            }
            for t in extra {
                names.push(format!("{}.{}", t.name, f.extension()));
            }
        }
        let table_names: Vec<&str> = self
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .chain(extra.iter().map(|t| t.name.as_str()))
            .collect();
        swap_in(&self.dir, &self.staging, &table_names)?;
        Ok(names.into_iter().map(|n| self.dir.join(n)).collect())
    }
}

impl Drop for Output {
    /// A run that fails before [`Output::finish`] leaves nothing behind (the
    /// output folder as it was).
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
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
                        Some(s) if *guard && super::needs_formula_guard(s) => {
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
                    Values::Dec {
                        values, min_scale, ..
                    } => {
                        if let Some(d) = values[row] {
                            self.text.clear();
                            super::table::write_decimal(&mut self.text, d, *min_scale);
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

impl ParquetOut {
    /// Writes the buffered rows as a row group.
    fn flush(&mut self) -> Result<(), WriteError> {
        let Some(first) = self.buffer.first() else {
            return Ok(());
        };
        let name = first.name.clone();
        let df = to_frame_parts(&self.buffer).map_err(polars_err(&name))?;
        if let Some(w) = &mut self.writer {
            w.write_batch(&df).map_err(polars_err(&name))?;
        }
        self.buffer.clear();
        self.buffered = 0;
        Ok(())
    }
}

/// Replaces `dir` by `staging`: what in `dir` is not a jixiao table is moved
/// over first; jixiao tables of an earlier run are replaced as a set (a
/// table this run does not write is not carried over).
fn swap_in(dir: &Path, staging: &Path, tables: &[&str]) -> Result<(), WriteError> {
    let parent = staging.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let old = parent.join(format!(
        ".{}.jixiao-old-{}",
        name.unwrap_or_default(),
        std::process::id()
    ));
    if dir.is_dir() {
        let ours = |n: &str| {
            tables.contains(&n)
                || PARTITIONED_TABLES.contains(&n)
                || n.rsplit_once('.').is_some_and(|(_, ext)| {
                    [Format::Csv, Format::Parquet, Format::Xlsx]
                        .iter()
                        .any(|f| f.extension() == ext)
                })
        };
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let n = entry.file_name().to_string_lossy().into_owned();
            if !ours(&n) {
                std::fs::rename(entry.path(), staging.join(&n)).map_err(io(&entry.path()))?;
            }
        }
        std::fs::rename(dir, &old).map_err(io(dir))?;
    }
    std::fs::rename(staging, dir).map_err(io(dir))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
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
        let mut w = csv::Writer::from_writer(Vec::new());
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
}
