//! Write stage: the record tables and summaries as CSV ([`csv`]: exact
//! decimal text, laid out by jixiao with the `csv` crate's quoting),
//! Parquet ([`parquet`]: polars, typed, zstd) and one XLSX workbook
//! ([`xlsx`]), into an output folder replaced as a whole ([`folder`],
//! [`output`]). Tables are built from records by [`table`], with the
//! columns [`crate::model::schema`] declares.
//!
//! Imports only the stages below it: model, normalise (settings), grid.

pub mod csv;
mod folder;
pub mod output;
mod package;
pub mod parquet;
pub mod sheets;
pub mod spill;
pub mod table;
pub mod xlsx;

pub use csv::needs_formula_guard;
pub use output::Output;
pub use parquet::{to_frame, to_frame_parts};
pub use table::{tables, Column, Table, Values};
pub use xlsx::Captions;

use std::path::{Path, PathBuf};

use polars::prelude::PolarsError;
use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot write {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot build or write table '{table}': {cause}")]
    Polars { table: String, cause: PolarsError },
    #[error("cannot write {path}: {cause}")]
    Xlsx {
        path: PathBuf,
        cause: rust_xlsxwriter::XlsxError,
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

/// The error of an I/O failure on `path` (the path is copied only then).
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |cause| WriteError::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// The error of a polars failure on `table`.
fn polars_err(table: &str) -> impl FnOnce(PolarsError) -> WriteError + '_ {
    move |cause| WriteError::Polars {
        table: table.to_string(),
        cause,
    }
}
