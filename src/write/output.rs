//! The output folder of a run, written as the rows arrive.
//!
//! The record tables are opened first and receive their rows file by file,
//! in file order: CSV rows are appended ([`super::csv`]), Parquet rows are
//! buffered and written a row group at a time ([`super::parquet`]), XLSX
//! rows go to a constant-memory sheet ([`super::xlsx`]). So memory holds
//! one row group per table, not the whole run. Summaries (small, computed
//! at the end) are added whole by [`Output::finish`]. Everything goes to a
//! staging folder swapped in at the end ([`super::folder`]).

use std::fs::File;
use std::path::PathBuf;

use polars::prelude::*;

use super::csv::{write_csv, CsvOut};
use super::folder::Staging;
use super::parquet::{write_dataset, write_parquet, ParquetOut, ParquetRole};
use super::xlsx::Book;
use super::{io, polars_err, Format, Table, WriteError, WriteOptions, XLSX_NAME};
use crate::model::schema::PARTITIONED_TABLES;

/// One record table's files.
struct TableOut {
    name: String,
    csv: Option<CsvOut>,
    parquet: Option<ParquetOut>,
    xlsx: Option<usize>,
}

/// An output folder being written.
pub struct Output {
    staging: Staging,
    formats: Vec<Format>,
    options: WriteOptions,
    tables: Vec<TableOut>,
    xlsx: Option<Book>,
    /// Other files and folders written into the output (`report.html`,
    /// `feedback`), by their names in it.
    others: Vec<String>,
}

fn xlsx_err(path: PathBuf) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> WriteError {
    move |cause| WriteError::Xlsx { path, cause }
}

impl Output {
    /// Opens the staging folder for `dir` and the record tables (`empty`:
    /// their columns, no rows). `scanned`: record tables the summaries read,
    /// kept as Parquet (in a working file when Parquet is not an output).
    pub fn create(
        dir: &std::path::Path,
        empty: &[Table],
        formats: &[Format],
        options: &WriteOptions,
        scanned: &[&str],
    ) -> Result<Output, WriteError> {
        let staging = Staging::open(dir)?;
        let xlsx = match formats.contains(&Format::Xlsx) {
            true => Some(
                Book::new(options.xlsx_captions, &staging.work)
                    .map_err(xlsx_err(staging.path.join(XLSX_NAME)))?,
            ),
            false => None,
        };
        let mut out = Output {
            staging,
            formats: formats.to_vec(),
            options: options.clone(),
            tables: Vec::new(),
            xlsx,
            others: Vec::new(),
        };
        for table in empty {
            out.open(table, scanned)?;
        }
        Ok(out)
    }

    /// Opens a record table's files in every format it is written in.
    fn open(&mut self, table: &Table, scanned: &[&str]) -> Result<(), WriteError> {
        let csv = match self.formats.contains(&Format::Csv) {
            true => {
                let path = self.staging.path.join(format!("{}.csv", table.name));
                Some(CsvOut::create(&path, table, &self.options)?)
            }
            false => None,
        };
        let parquet = match self.parquet_role(table, scanned) {
            Some(role) => {
                let path = match role {
                    ParquetRole::Output => {
                        self.staging.path.join(format!("{}.parquet", table.name))
                    }
                    _ => self.staging.work.join(format!("{}.parquet", table.name)),
                };
                Some(ParquetOut::create(path, role, table)?)
            }
            None => None,
        };
        let xlsx = match &mut self.xlsx {
            Some(book) => {
                let mut header = table.clone();
                header.clear();
                let opened = book.open(&header, true);
                Some(opened.map_err(xlsx_err(self.staging.path.join(XLSX_NAME)))?)
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

    /// Where a record table's Parquet goes: an output file, a partitioned
    /// dataset, a working file for the summaries, or nowhere.
    fn parquet_role(&self, table: &Table, scanned: &[&str]) -> Option<ParquetRole> {
        let keys = &self.options.parquet_partition_by;
        if self.formats.contains(&Format::Parquet) {
            let partitioned = PARTITIONED_TABLES.contains(&table.name.as_str())
                && !keys.is_empty()
                && keys.iter().all(|k| table.column(k).is_some());
            return Some(match partitioned {
                true => ParquetRole::Dataset(keys.clone()),
                false => ParquetRole::Output,
            });
        }
        scanned
            .contains(&table.name.as_str())
            .then_some(ParquetRole::Work)
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
                    .map_err(xlsx_err(self.staging.path.join(XLSX_NAME)))?;
            }
            if let Some(p) = &mut out.parquet {
                p.push(rows)?;
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
                p.end(&t.name)?;
            }
        }
        Ok(())
    }

    /// Where a file of the output other than a table goes (`report.html`,
    /// `feedback/<unit>.xlsx`): in the staging folder, its folder made; it
    /// is moved in with the tables.
    pub fn place(&mut self, rel: &str) -> Result<PathBuf, WriteError> {
        let path = self.staging.path.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let top = rel.split('/').next().unwrap_or(rel).to_string();
        if !self.others.contains(&top) {
            self.others.push(top);
        }
        Ok(path)
    }

    /// A working file of the run's, in the staging folder's working
    /// folder (removed with it).
    pub fn work_file(&self, name: &str) -> std::path::PathBuf {
        self.staging.work.join(name)
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
    pub fn finish(self, extra: &[Table]) -> Result<Vec<PathBuf>, WriteError> {
        self.finish_after(extra, || Ok::<(), WriteError>(()))
    }

    /// [`Output::finish`], with `ready` called after the tables are
    /// written and before the folder is swapped in: whatever else writes
    /// into the output (the feedback workbooks' thread) ends there.
    pub fn finish_after<E: From<WriteError>>(
        mut self,
        extra: &[Table],
        ready: impl FnOnce() -> Result<(), E>,
    ) -> Result<Vec<PathBuf>, E> {
        self.end_records()?;
        self.split_datasets()?;
        self.write_summaries(extra)?;
        ready()?;
        let names = self.written(extra);
        let dir = self.staging_dir();
        self.staging.commit()?;
        Ok(names.into_iter().map(|n| dir.join(n)).collect())
    }

    fn staging_dir(&self) -> PathBuf {
        self.staging.dir().to_path_buf()
    }

    /// The partitioned tables: read back one at a time and split.
    fn split_datasets(&self) -> Result<(), WriteError> {
        for t in &self.tables {
            let Some(ParquetOut {
                path,
                role: ParquetRole::Dataset(keys),
                ..
            }) = &t.parquet
            else {
                continue;
            };
            let file = File::open(path).map_err(io(path))?;
            let df = ParquetReader::new(file)
                .finish()
                .map_err(polars_err(&t.name))?;
            write_dataset(&self.staging.path.join(&t.name), &t.name, &df, keys)?;
        }
        Ok(())
    }

    /// The summaries in every format; the CSV and Parquet files are small
    /// and independent, written in parallel on the current rayon pool.
    fn write_summaries(&mut self, extra: &[Table]) -> Result<(), WriteError> {
        use rayon::prelude::*;
        let jobs: Vec<(Format, &Table)> = self
            .formats
            .iter()
            .filter(|f| **f != Format::Xlsx)
            .flat_map(|f| extra.iter().map(move |t| (*f, t)))
            .collect();
        let (staging, options) = (&self.staging.path, &self.options);
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
            let path = self.staging.path.join(XLSX_NAME);
            for t in extra {
                book.open(t, false).map_err(xlsx_err(path.clone()))?;
            }
            book.save(&path).map_err(xlsx_err(path.clone()))?;
        }
        Ok(())
    }

    /// The files written, formats in order, then tables in order.
    fn written(&self, extra: &[Table]) -> Vec<String> {
        let mut names = Vec::new();
        for f in &self.formats {
            if *f == Format::Xlsx {
                names.push(XLSX_NAME.to_string());
                continue;
            }
            for t in &self.tables {
                let dataset = *f == Format::Parquet
                    && matches!(&t.parquet, Some(p) if matches!(p.role, ParquetRole::Dataset(_)));
                names.push(match dataset {
                    true => t.name.clone(),
                    false => format!("{}.{}", t.name, f.extension()),
                });
            }
            for t in extra {
                names.push(format!("{}.{}", t.name, f.extension()));
            }
        }
        names.extend(self.others.iter().cloned());
        names
    }
}
