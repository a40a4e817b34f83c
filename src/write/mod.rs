//! Write stage: tables to CSV (the `csv` crate, exact decimal text) and
//! Parquet (polars, typed: decimals as Decimal, zstd).

pub mod table;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use thiserror::Error;

use table::format_decimal;
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
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// Writes every table in every format into `dir` as `<table>.<ext>`. Each
/// file is written beside its final name and renamed into place, so a
/// reader never sees a half-written file. Returns the files written.
pub fn write_all(
    dir: &Path,
    tables: &[Table],
    formats: &[Format],
) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for table in tables {
        for format in formats {
            let path = dir.join(format!("{}.{}", table.name, format.extension()));
            let tmp = dir.join(format!(".{}.{}.tmp", table.name, format.extension()));
            match format {
                Format::Csv => write_csv(&tmp, table)?,
                Format::Parquet => write_parquet(&tmp, table)?,
            }
            std::fs::rename(&tmp, &path).map_err(|source| WriteError::Io {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
    }
    Ok(written)
}

/// UTF-8 CSV with a header row; decimals exactly as computed.
pub fn write_csv(path: &Path, table: &Table) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    let csv_err = |source| WriteError::Csv {
        path: path.to_path_buf(),
        source,
    };
    w.write_record(table.columns.iter().map(|c| c.name.as_str()))
        .map_err(csv_err)?;
    let mut record: Vec<String> = Vec::with_capacity(table.columns.len());
    for row in 0..table.rows() {
        record.clear();
        for c in &table.columns {
            record.push(cell_text(&c.values, row));
        }
        w.write_record(&record).map_err(csv_err)?;
    }
    let mut inner = w.into_inner().map_err(|e| io(e.into_error()))?;
    inner.flush().map_err(io)
}

fn cell_text(values: &Values, row: usize) -> String {
    match values {
        Values::Str(v) => v[row].clone().unwrap_or_default(),
        Values::Int(v) => v[row].map(|n| n.to_string()).unwrap_or_default(),
        Values::Dec { values, min_scale } => values[row]
            .map(|d| format_decimal(d, *min_scale))
            .unwrap_or_default(),
    }
}

/// The smallest scale that holds every value of a decimal column exactly
/// (at least `min_scale`).
fn decimal_scale(values: &[Option<Decimal>], min_scale: u32) -> u32 {
    values
        .iter()
        .flatten()
        .map(|d| d.normalize().scale())
        .max()
        .unwrap_or(0)
        .max(min_scale)
}

/// A table as a polars frame: strings as String, integers as Int64,
/// decimals as Decimal(38, scale) holding every value exactly.
pub fn to_frame(table: &Table) -> Result<DataFrame, PolarsError> {
    let mut columns = Vec::with_capacity(table.columns.len());
    for c in &table.columns {
        let name = PlSmallStr::from(c.name.as_str());
        let series = match &c.values {
            Values::Str(v) => Series::new(name, v.iter().map(|s| s.as_deref()).collect::<Vec<_>>()),
            Values::Int(v) => Series::new(name, v.clone()),
            Values::Dec { values, min_scale } => {
                let scale = decimal_scale(values, *min_scale);
                let mantissas: Vec<Option<i128>> = values
                    .iter()
                    .map(|d| {
                        d.map(|d| {
                            let mut d = d;
                            d.rescale(scale);
                            d.mantissa()
                        })
                    })
                    .collect();
                Int128Chunked::from_iter_options(name, mantissas.into_iter())
                    .into_decimal(38, scale as usize)?
                    .into_series()
            }
        };
        columns.push(series.into_column());
    }
    DataFrame::new_infer_height(columns)
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
