//! Parquet through polars: a table as a typed frame (text as String,
//! integers as Int64, decimals as Decimal(38, scale), exact), record tables
//! written row group by row group, summaries whole, and hive-partitioned
//! datasets.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::table::{Table, Values};
use super::{io, polars_err, WriteError};

/// A record table's rows are buffered until they take about this many
/// bytes (or [`ROW_GROUP_ROWS`] rows), then written as a Parquet row group.
pub const ROW_GROUP_BYTES: usize = 2 << 20;

/// The most rows of a Parquet row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Where a record table's Parquet rows go.
pub(super) enum ParquetRole {
    /// `<table>.parquet`, an output file.
    Output,
    /// A working file, split into a hive-partitioned dataset at the end.
    Dataset(Vec<String>),
    /// A working file for the summaries only, removed at the end.
    Work,
}

pub(super) struct ParquetOut {
    pub(super) path: PathBuf,
    pub(super) role: ParquetRole,
    writer: Option<polars::io::parquet::write::BatchedWriter<BufWriter<File>>>,
    /// The tables of the files since the last row group (moved in, not
    /// copied: they are read once, when the row group is written).
    buffer: Vec<Table>,
    /// About how many bytes the buffered tables hold.
    buffered: usize,
}

/// A table as a polars frame: strings as String, integers as Int64,
/// decimals as Decimal(38, scale) holding every value exactly.
pub fn to_frame(table: &Table) -> Result<DataFrame, PolarsError> {
    to_frame_parts(std::slice::from_ref(table))
}

/// A decimal column at `scale` (or, without one, the smallest that holds
/// every value, at least `min_scale`).
fn decimal_series<I: Iterator<Item = Option<rust_decimal::Decimal>>>(
    name: PlSmallStr,
    decimals: impl Fn() -> I,
    scale: Option<u32>,
    min_scale: u32,
) -> Result<Series, PolarsError> {
    let scale = scale.unwrap_or_else(|| {
        decimals()
            .flatten()
            .map(|d| d.normalize().scale())
            .max()
            .unwrap_or(0)
            .max(min_scale)
    });
    let mantissas = decimals().map(|d| {
        d.map(|mut d| {
            d.rescale(scale);
            d.mantissa()
        })
    });
    Ok(Int128Chunked::from_iter_options(name, mantissas)
        .into_decimal(38, scale as usize)?
        .into_series())
}

/// The type of a column of nulls, as its values would have it.
fn null_type(values: &Values) -> DataType {
    match values {
        Values::Str(_) => DataType::String,
        Values::Int(_) => DataType::Int64,
        Values::Bool(_) => DataType::Boolean,
        Values::Dec {
            scale, min_scale, ..
        } => DataType::Decimal(38, scale.unwrap_or(*min_scale) as usize),
    }
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
        // A column no form fills (a target form's result columns) is one
        // null array, with no values to look at.
        if values().all(Values::all_null) {
            columns.push(Series::full_null(name, rows, &null_type(&c.values)).into_column());
            continue;
        }
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
            Values::Bool(_) => {
                let mut bools: Vec<Option<bool>> = Vec::with_capacity(rows);
                for v in values() {
                    let Values::Bool(v) = v else {
                        unreachable!("{v:?} in the Boolean column {}", c.name)
                    };
                    bools.extend_from_slice(v);
                }
                Series::new(name, bools)
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
                decimal_series(name, decimals, *scale, *min_scale)?
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
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    if df.height() == 0 {
        return Ok(());
    }
    let parts = df
        .partition_by_stable(keys.iter().map(String::as_str), true)
        .map_err(polars_err(table))?;
    let key_frame = df
        .select(keys.iter().map(String::as_str))
        .and_then(|k| k.unique_stable(None, UniqueKeepStrategy::First, None))
        .map_err(polars_err(table))?;
    for (i, mut part) in parts.into_iter().enumerate() {
        let path = partition_path(dir, &key_frame, keys, i).map_err(polars_err(table))?;
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        let file_path = path.join("part-0.parquet");
        let file = File::create(&file_path).map_err(io(&file_path))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut part)
            .map_err(polars_err(table))?;
    }
    Ok(())
}

/// Characters a partition value cannot hold as they are: path separators,
/// Hive's own escapes, characters Windows refuses, control characters.
fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '"' | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '{'
                | '['
                | ']'
                | '^'
                | '<'
                | '>'
                | '|'
        )
}

/// The longest partition value kept whole, in bytes; a longer one keeps
/// its start and a hash of the whole (file names have a length limit).
const PARTITION_VALUE_MAX: usize = 120;

/// A partition value as a folder name: escaped as Hive and Spark do
/// (`%2F` for `/`), so different values never share a folder; a long one
/// cut, with a hash of the whole value after it.
fn partition_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if escaped(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.len() <= PARTITION_VALUE_MAX {
        return out;
    }
    let mut cut = PARTITION_VALUE_MAX / 2;
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    format!("{}~{hash:016x}", &out[..cut])
}

/// The folder of partition `i`: `dir/k1=v1/k2=v2`, with `/ \ = :` in a
/// value made `_`.
fn partition_path(
    dir: &Path,
    key_frame: &DataFrame,
    keys: &[String],
    i: usize,
) -> Result<PathBuf, PolarsError> {
    let mut path = dir.to_path_buf();
    for k in keys {
        let text = match key_frame.column(k)?.get(i)? {
            AnyValue::Null => "__HIVE_DEFAULT_PARTITION__".to_string(),
            AnyValue::String(s) => s.to_string(),
            AnyValue::StringOwned(s) => s.to_string(),
            other => other.to_string(),
        };
        path.push(format!("{k}={}", partition_value(&text)));
    }
    Ok(path)
}

/// Parquet, zstd-compressed, with the frame's types.
pub fn write_parquet(path: &Path, table: &Table) -> Result<(), WriteError> {
    let mut df = to_frame(table).map_err(polars_err(&table.name))?;
    let file = File::create(path).map_err(io(path))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(polars_err(&table.name))?;
    Ok(())
}

impl ParquetOut {
    /// A record table's Parquet at `path`, with `table`'s columns.
    pub(super) fn create(
        path: PathBuf,
        role: ParquetRole,
        table: &Table,
    ) -> Result<ParquetOut, WriteError> {
        let schema = to_frame(table)
            .map_err(polars_err(&table.name))?
            .schema()
            .as_ref()
            .clone();
        // Buffered: the writer emits many small pieces (page headers); its
        // footer flushes.
        let file = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .set_parallel(false)
            .batched(&schema)
            .map_err(polars_err(&table.name))?;
        Ok(ParquetOut {
            path,
            role,
            writer: Some(writer),
            buffer: Vec::new(),
            buffered: 0,
        })
    }

    /// Takes a file's rows; a row group is written when enough are held.
    pub(super) fn push(&mut self, rows: Table) -> Result<(), WriteError> {
        self.buffered += rows.approx_bytes();
        self.buffer.push(rows);
        let buffered_rows: usize = self.buffer.iter().map(Table::rows).sum();
        if self.buffered >= ROW_GROUP_BYTES || buffered_rows >= ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is held and the footer (once).
    pub(super) fn end(&mut self, table: &str) -> Result<(), WriteError> {
        self.flush()?;
        if let Some(w) = self.writer.take() {
            w.finish().map_err(polars_err(table))?;
        }
        Ok(())
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_safe_and_never_share_a_folder() {
        let values = ["X/1", "X_1", "X:1", "X%2F1", "a\u{0}b", "..", "762"];
        let names: Vec<String> = values.iter().map(|v| partition_value(v)).collect();
        for (v, n) in values.iter().zip(&names) {
            assert!(!n.contains(['/', '\\', ':', '\u{0}']), "{v:?} -> {n}");
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(partition_value("762"), "762");
        assert_eq!(partition_value("X/1"), "X%2F1");
        let long = "9".repeat(300);
        let other = format!("{}8", "9".repeat(299));
        let (a, b) = (partition_value(&long), partition_value(&other));
        assert!(a.len() <= PARTITION_VALUE_MAX && a != b, "{a} {b}");
    }
}
