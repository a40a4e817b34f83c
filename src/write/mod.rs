//! Write stage: tables to CSV (the `csv` crate, exact decimal text) and
//! Parquet (polars, typed: decimals as Decimal, zstd).

pub mod stream;
pub mod table;
pub mod xlsx;

pub use stream::Output;

pub use xlsx::Captions;

use std::fs::File;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Deserialize;
use thiserror::Error;

pub use table::{tables, Column, Table, Values};

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot build or write table '{table}': {source}")]
    Polars { table: String, source: PolarsError },
    #[error("cannot write {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Parquet,
    /// One workbook, `tables.xlsx`, with a sheet per table.
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The record tables that `parquet_partition_by` applies to; summaries are
/// always single files.
pub const PARTITIONED_TABLES: &[&str] = &["projects", "indicators", "goals", "spending_plan"];

/// The XLSX workbook's file name.
pub const XLSX_NAME: &str = "tables.xlsx";

/// How tables are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Guard CSV text cells against formula injection (see [`needs_formula_guard`]).
    pub csv_formula_guard: bool,
    /// Start CSV files with a UTF-8 byte order mark.
    pub csv_bom: bool,
    pub xlsx_captions: Captions,
    /// Columns to partition Parquet tables by (hive style), when a table
    /// has them all.
    pub parquet_partition_by: Vec<String>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            csv_formula_guard: true,
            csv_bom: false,
            xlsx_captions: Captions::Row,
            parquet_partition_by: Vec::new(),
        }
    }
}

/// Writes every table in every format as `dir/<table>.<ext>`, safely (see
/// [`stream`]): into a staging folder, swapped in at the end. Returns the
/// files written.
pub fn write_all(
    dir: &Path,
    tables: &[Table],
    formats: &[Format],
    options: &WriteOptions,
) -> Result<Vec<PathBuf>, WriteError> {
    Output::create(dir, &[], formats, options, &[])?.finish(tables)
}

/// True for a text cell that a spreadsheet would run as a formula (`=`,
/// `+`, `-`, `@`, or a tab or carriage return first). CSV writes it with a
/// leading `'`, which Excel and LibreOffice show as text; Parquet keeps the
/// exact text.
pub fn needs_formula_guard(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// UTF-8 CSV with a header row; decimals exactly as computed.
pub fn write_csv(path: &Path, table: &Table, options: &WriteOptions) -> Result<(), WriteError> {
    let mut out = stream::CsvOut::create(path, table, options)?;
    out.write(table)?;
    out.flush()
}

/// A table as a polars frame: strings as String, integers as Int64,
/// decimals as Decimal(38, scale) holding every value exactly.
pub fn to_frame(table: &Table) -> Result<DataFrame, PolarsError> {
    to_frame_parts(std::slice::from_ref(table))
}

/// Tables with the same columns, one after the other, as one polars frame
/// (see [`to_frame`]): the values are read once, into the frame's columns.
pub fn to_frame_parts(parts: &[Table]) -> Result<DataFrame, PolarsError> {
    let Some(first) = parts.first() else {
        return DataFrame::new_infer_height(Vec::new());
    };
    let rows = parts.iter().map(Table::rows).sum();
    let mut columns = Vec::with_capacity(first.columns.len());
    for (i, c) in first.columns.iter().enumerate() {
        let name = PlSmallStr::from(c.name.as_str());
        let values = || parts.iter().map(move |t| &t.columns[i].values);
        let series = match &c.values {
            Values::Str(_) => {
                // Sized up front: the values of all parts in one array.
                let mut texts = StringChunkedBuilder::new(name, rows);
                for v in values() {
                    let Values::Str(v) = v else {
                        unreachable!("{v:?} in the text column {}", c.name)
                    };
                    for s in v.iter() {
                        match s {
                            Some(s) => texts.append_value(s),
                            None => texts.append_null(),
                        }
                    }
                }
                texts.finish().into_series()
            }
            Values::Int(_) => {
                let mut ints: Vec<Option<i64>> = Vec::with_capacity(rows);
                for v in values() {
                    let Values::Int(v) = v else {
                        unreachable!("{v:?} in the integer column {}", c.name)
                    };
                    ints.extend_from_slice(v);
                }
                Series::new(name, ints)
            }
            Values::Dec {
                min_scale, scale, ..
            } => {
                let decimals = || {
                    values().flat_map(|v| match v {
                        Values::Dec { values, .. } => values.iter().copied(),
                        other => unreachable!("{other:?} in the decimal column {}", c.name),
                    })
                };
                let scale = scale.unwrap_or_else(|| {
                    decimals()
                        .flatten()
                        .map(|d| d.normalize().scale())
                        .max()
                        .unwrap_or(0)
                        .max(*min_scale)
                });
                let mantissas = decimals().map(|d| {
                    d.map(|mut d| {
                        d.rescale(scale);
                        d.mantissa()
                    })
                });
                Int128Chunked::from_iter_options(name, mantissas)
                    .into_decimal(38, scale as usize)?
                    .into_series()
            }
        };
        columns.push(series.into_column());
    }
    DataFrame::new_infer_height(columns)
}

/// A hive-partitioned Parquet dataset: `dir/k1=v1/k2=v2/part-0.parquet`,
/// the key columns in the paths (a null key is `__HIVE_DEFAULT_PARTITION__`).
pub fn write_dataset(
    dir: &Path,
    table: &str,
    df: &DataFrame,
    keys: &[String],
) -> Result<(), WriteError> {
    let polars_err = |source| WriteError::Polars {
        table: table.to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if df.height() == 0 {
        return Ok(());
    }
    let parts = df
        .partition_by_stable(keys.iter().map(String::as_str), true)
        .map_err(polars_err)?;
    let key_frame = df
        .select(keys.iter().map(String::as_str))
        .map_err(polars_err)?
        .unique_stable(None, UniqueKeepStrategy::First, None)
        .map_err(polars_err)?;
    for (i, mut part) in parts.into_iter().enumerate() {
        let mut path = dir.to_path_buf();
        for k in keys {
            let v = key_frame
                .column(k)
                .map_err(polars_err)?
                .get(i)
                .map_err(polars_err)?;
            let text = match v {
                AnyValue::Null => "__HIVE_DEFAULT_PARTITION__".to_string(),
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                other => other.to_string(),
            };
            let safe: String = text
                .chars()
                .map(|c| {
                    if matches!(c, '/' | '\\' | '=' | ':') {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            path.push(format!("{k}={safe}"));
        }
        std::fs::create_dir_all(&path).map_err(|source| WriteError::Io {
            path: path.clone(),
            source,
        })?;
        let file_path = path.join("part-0.parquet");
        let file = File::create(&file_path).map_err(|source| WriteError::Io {
            path: file_path.clone(),
            source,
        })?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut part)
            .map_err(polars_err)?;
    }
    Ok(())
}

/// Parquet, zstd-compressed, with the frame's types.
pub fn write_parquet(path: &Path, table: &Table) -> Result<(), WriteError> {
    let polars_err = |source| WriteError::Polars {
        table: table.name.clone(),
        source,
    };
    let mut df = to_frame(table).map_err(polars_err)?;
    let file = File::create(path).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(polars_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_guarded() {
        for s in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(needs_formula_guard(s), "{s}");
        }
        for s in ["项目", "1-2", "", " =1"] {
            assert!(!needs_formula_guard(s), "{s}");
        }
    }
}
