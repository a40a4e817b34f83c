//! Aggregate stage: summaries declared in the pipeline file, executed with
//! polars lazy frames over the output tables. Sums stay exact decimals.
//!
//! ```toml
//! [[aggregate]]
//! name = "summary_by_unit"
//! source = "projects"                 # or "projects+indicators", …
//! filter = [{ column = "year", op = "=", value = 2020 }]
//! group_by = ["dept_code", "unit_code", "unit_name"]
//! measures = [
//!   { op = "count", column = "*", as = "projects" },
//!   { op = "sum", column = "budget_total", as = "budget_total" },
//! ]
//! sort = ["unit_code"]
//! ```
//!
//! Imports only `write`, `normalise` (its pure functions), `model` and
//! `vocab`: it reads the written tables, and the figures kept of each form.

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use thiserror::Error;

use crate::model::schema;

mod family;
mod report_data;
mod run_summary;
use crate::write::{Column as OutColumn, Table, Values};
pub use family::{fact_of, self_eval_by_unit, target_vs_actual, Interner};
pub use report_data::gather;
pub use run_summary::run_summary;

#[derive(Debug, Error)]
pub enum AggregateError {
    #[error("aggregate '{name}': {source}")]
    Polars { name: String, source: PolarsError },
}

/// One declared summary.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// The output table's name.
    pub name: String,
    /// A table, or `projects+<table>`: the table joined with its project's
    /// columns on `unit_code` + `project_code`.
    pub source: String,
    #[serde(default)]
    pub filter: Vec<Filter>,
    #[serde(default)]
    pub group_by: Vec<String>,
    pub measures: Vec<Measure>,
    /// Columns (or measure names) to sort by, ascending; by default the
    /// groups come in the order they first appear.
    #[serde(default)]
    pub sort: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub op: Op,
    /// A column of the source; `*` (rows) for `count`.
    pub column: String,
    /// The output column's name.
    #[serde(rename = "as")]
    pub output: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Count,
    Sum,
    Mean,
    Min,
    Max,
    NUnique,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    pub value: FilterValue,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum FilterOp {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "in")]
    In,
}

/// A filter value: a string, an integer, or a list of them for `in`.
/// Decimals are written as strings (`"10.50"`) so they stay exact.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum FilterValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<FilterValue>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Dec,
    Bool,
}

/// The columns of a record table as declared, with their kinds and (for
/// decimals) the CSV's minimum scale.
fn columns(table: &schema::Table, code_groups: &[String]) -> Vec<(String, Kind, u32)> {
    table
        .expand(code_groups)
        .into_iter()
        .map(|(name, c)| match c.kind {
            schema::Kind::Text | schema::Kind::Vocab => (name, Kind::Str, 0),
            schema::Kind::Int => (name, Kind::Int, 0),
            schema::Kind::Money => (name, Kind::Dec, 2),
            schema::Kind::Ratio { min_scale } => (name, Kind::Dec, min_scale),
            schema::Kind::Bool => (name, Kind::Bool, 0),
        })
        .collect()
}

/// The columns of a source (`projects`, or `projects+<table>`: the table's
/// columns, then the projects' columns it lacks).
fn schema(source: &str, code_groups: &[String]) -> Result<Vec<(String, Kind, u32)>, String> {
    let cols = |name: &str| schema::Table::record(name).map(|t| columns(t, code_groups));
    let unknown = || {
        let names: Vec<&str> = schema::RECORD_TABLES.iter().map(|t| t.name).collect();
        format!(
            "unknown source '{source}'; use one of {} or projects+<table>",
            names.join(", ")
        )
    };
    match source.split_once('+') {
        None => cols(source).ok_or_else(unknown),
        Some(("projects", other)) if other != "projects" => {
            let mut out = cols(other).ok_or_else(unknown)?;
            for c in cols("projects").unwrap_or_default() {
                if !out.iter().any(|(n, _, _)| *n == c.0) {
                    out.push(c);
                }
            }
            Ok(out)
        }
        _ => Err(unknown()),
    }
}

/// Checks every declared aggregation against the tables' columns, before
/// any file is read. The error names the key (`aggregate[2].measures[0].column`).
pub fn check(aggs: &[Aggregation], code_groups: &[String]) -> Result<(), String> {
    let mut names: Vec<&str> = Vec::new();
    for (i, a) in aggs.iter().enumerate() {
        let key = format!("aggregate[{i}]");
        check_name(a, &key, &names)?;
        names.push(&a.name);
        let columns = Columns {
            source: &a.source,
            all: schema(&a.source, code_groups).map_err(|e| format!("{key}.source: {e}"))?,
        };
        for (j, g) in a.group_by.iter().enumerate() {
            columns.kind(format!("{key}.group_by[{j}]"), g)?;
        }
        check_measures(a, &key, &columns)?;
        for (j, f) in a.filter.iter().enumerate() {
            let path = format!("{key}.filter[{j}]");
            let kind = columns.kind(format!("{path}.column"), &f.column)?;
            filter_expr(f, kind)
                .map(drop)
                .map_err(|e| format!("{path}.value: {e}"))?;
        }
        for (j, s) in a.sort.iter().enumerate() {
            let known = a.group_by.contains(s) || a.measures.iter().any(|m| &m.output == s);
            if !known {
                return Err(format!(
                    "{key}.sort[{j}]: '{s}' is neither a group_by column nor a measure"
                ));
            }
        }
    }
    Ok(())
}

/// An output name: letters, digits and `_`, and no table's name already.
fn check_name(a: &Aggregation, key: &str, earlier: &[&str]) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if a.name.is_empty() || !a.name.chars().all(word) {
        return Err(format!(
            "{key}.name '{}' must be letters, digits and _",
            a.name
        ));
    }
    if schema::Table::record(&a.name).is_some()
        || a.name == schema::RUN_SUMMARY.name
        || earlier.contains(&a.name.as_str())
    {
        return Err(format!("{key}.name '{}' is already a table's name", a.name));
    }
    Ok(())
}

/// The columns of an aggregation's source, for checking what it names.
struct Columns<'a> {
    source: &'a str,
    all: Vec<(String, Kind, u32)>,
}

impl Columns<'_> {
    /// The kind of column `c`; the error names `path` and the columns there are.
    fn kind(&self, path: String, c: &str) -> Result<Kind, String> {
        if let Some((_, kind, _)) = self.all.iter().find(|(n, _, _)| n == c) {
            return Ok(*kind);
        }
        let names: Vec<&str> = self.all.iter().map(|(n, _, _)| n.as_str()).collect();
        Err(format!(
            "{path}: no column '{c}' in {} (columns: {})",
            self.source,
            names.join(", ")
        ))
    }
}

/// At least one measure; each on a column of a kind its op can use; each
/// output named once.
fn check_measures(a: &Aggregation, key: &str, columns: &Columns<'_>) -> Result<(), String> {
    if a.measures.is_empty() {
        return Err(format!("{key}.measures is empty; name at least one"));
    }
    for (j, m) in a.measures.iter().enumerate() {
        let path = format!("{key}.measures[{j}]");
        if m.column == "*" {
            if m.op != Op::Count {
                return Err(format!(
                    "{path}.column '*' only counts rows (op = \"count\")"
                ));
            }
        } else {
            let kind = columns.kind(format!("{path}.column"), &m.column)?;
            if matches!(m.op, Op::Sum | Op::Mean) && matches!(kind, Kind::Str | Kind::Bool) {
                return Err(format!(
                    "{path}: {:?} needs a numeric column; '{}' is not one",
                    m.op, m.column
                ));
            }
        }
        if a.group_by.contains(&m.output) || a.measures[..j].iter().any(|n| n.output == m.output) {
            return Err(format!("{path}.as '{}' names two output columns", m.output));
        }
    }
    Ok(())
}

fn literal(v: &FilterValue, kind: Kind) -> Result<Expr, String> {
    match (v, kind) {
        (FilterValue::Str(s), Kind::Str) => Ok(lit(s.clone())),
        (FilterValue::Int(n), Kind::Int) => Ok(lit(*n)),
        (FilterValue::Str(s), Kind::Int) => s
            .parse::<i64>()
            .map(lit)
            .map_err(|_| format!("'{s}' is not an integer")),
        (FilterValue::Int(n), Kind::Str) => Ok(lit(n.to_string())),
        (FilterValue::Bool(b), Kind::Bool) => Ok(lit(*b)),
        (FilterValue::Str(s), Kind::Bool) => match s.as_str() {
            "true" => Ok(lit(true)),
            "false" => Ok(lit(false)),
            _ => Err(format!("'{s}' is not true or false")),
        },
        (FilterValue::Bool(b), Kind::Str) => Ok(lit(b.to_string())),
        (FilterValue::Bool(_), _) => Err("true or false is only for a true/false column".into()),
        (FilterValue::Int(_), Kind::Bool) => Err("a true/false column takes true or false".into()),
        (v, Kind::Dec) => {
            let d = match v {
                FilterValue::Int(n) => Decimal::from(*n),
                FilterValue::Str(s) => s
                    .parse::<Decimal>()
                    .map_err(|_| format!("'{s}' is not a number"))?,
                FilterValue::Bool(_) => return Err("true or false is not a number".into()),
                FilterValue::List(_) => return Err("a list is only for op = \"in\"".into()),
            };
            let d = d.normalize();
            Ok(lit(Scalar::new_decimal(
                d.mantissa(),
                38,
                d.scale() as usize,
            )))
        }
        (FilterValue::List(_), _) => Err("a list is only for op = \"in\"".into()),
    }
}

fn filter_expr(f: &Filter, kind: Kind) -> Result<Expr, String> {
    let c = col(f.column.as_str());
    if f.op == FilterOp::In {
        let FilterValue::List(items) = &f.value else {
            return Err("op = \"in\" needs a list of values".into());
        };
        let mut expr: Option<Expr> = None;
        for item in items {
            let e = c.clone().eq(literal(item, kind)?);
            expr = Some(match expr {
                Some(x) => x.or(e),
                None => e,
            });
        }
        return Ok(expr.unwrap_or(lit(false)));
    }
    let v = literal(&f.value, kind)?;
    Ok(match f.op {
        FilterOp::Eq => c.eq(v),
        FilterOp::Ne => c.neq(v),
        FilterOp::Gt => c.gt(v),
        FilterOp::Ge => c.gt_eq(v),
        FilterOp::Lt => c.lt(v),
        FilterOp::Le => c.lt_eq(v),
        FilterOp::In => unreachable!("handled above"),
    })
}

/// Where an aggregation reads a record table from: a lazy frame (a scan
/// of the written Parquet, or a frame in memory).
pub type Source<'a> = dyn Fn(&str) -> Result<LazyFrame, PolarsError> + 'a;

/// Runs the aggregations over the record tables; returns one table each.
/// [`check`] must have accepted them.
pub fn run(
    aggs: &[Aggregation],
    frame: &Source<'_>,
    code_groups: &[String],
) -> Result<Vec<Table>, AggregateError> {
    aggs.iter()
        .map(|a| {
            run_one(a, frame, code_groups).map_err(|source| AggregateError::Polars {
                name: a.name.clone(),
                source,
            })
        })
        .collect()
}

/// One aggregation: its source (joined with projects when it says so),
/// filtered, grouped, measured, sorted.
fn run_one(
    a: &Aggregation,
    frame: &Source<'_>,
    code_groups: &[String],
) -> Result<Table, PolarsError> {
    let schema = schema(&a.source, code_groups).unwrap_or_default();
    let kind_of = |c: &str| {
        schema
            .iter()
            .find(|(n, _, _)| n == c)
            .map(|(_, k, s)| (*k, *s))
    };
    let mut lf = source_frame(&a.source, frame)?;
    for f in &a.filter {
        let kind = kind_of(&f.column).map_or(Kind::Str, |k| k.0);
        let e = filter_expr(f, kind).map_err(|e| PolarsError::ComputeError(e.into()))?;
        lf = lf.filter(e);
    }
    let exprs: Vec<Expr> = a.measures.iter().flat_map(measure_exprs).collect();
    let keys: Vec<Expr> = a.group_by.iter().map(|g| col(g.as_str())).collect();
    lf = if keys.is_empty() {
        lf.select(exprs)
    } else {
        lf.group_by_stable(keys).agg(exprs)
    };
    if !a.sort.is_empty() {
        let by: Vec<PlSmallStr> = a
            .sort
            .iter()
            .map(|s| PlSmallStr::from(s.as_str()))
            .collect();
        lf = lf.sort(by, SortMultipleOptions::default().with_maintain_order(true));
    }
    let df = lf.collect()?;
    let mut table = from_frame(&a.name, &df, &|name: &str| {
        // Money columns keep their two decimals in CSV.
        a.measures
            .iter()
            .find(|m| m.output == name)
            .and_then(|m| kind_of(&m.column))
            .or_else(|| kind_of(name))
            .map_or(0, |(_, s)| s)
    })?;
    finish_means(&mut table, a, &|c: &str| kind_of(c).map_or(0, |(_, s)| s));
    Ok(table)
}

/// A source's frame: a record table, or `projects+<table>`: the table
/// left-joined with its form's columns on unit_code + project_code +
/// form_kind (a project's target form and its self-evaluation are two).
fn source_frame(source: &str, frame: &Source<'_>) -> Result<LazyFrame, PolarsError> {
    let Some((_, other)) = source.split_once('+') else {
        return frame(source);
    };
    let mut left = frame(other)?;
    let mut projects = frame("projects")?;
    let left_names = left.collect_schema()?;
    let keep: Vec<Expr> = projects
        .collect_schema()?
        .iter_names()
        .filter(|n| {
            let n = n.as_str();
            JOIN_KEY.contains(&n) || !left_names.contains(n)
        })
        .map(|n| col(n.as_str()))
        .collect();
    // The tasks table has no project code: its form is its unit's.
    let on = || -> Vec<Expr> {
        JOIN_KEY
            .iter()
            .filter(|k| left_names.contains(k))
            .map(|k| col(*k))
            .collect()
    };
    Ok(left.join(
        projects.select(keep),
        on(),
        on(),
        JoinArgs::new(JoinType::Left),
    ))
}

/// The columns a record table is joined with its form on.
const JOIN_KEY: [&str; 3] = ["unit_code", "project_code", "form_kind"];

/// The expressions of a measure (a mean is a hidden sum and count,
/// divided in decimal afterwards, so it stays exact).
fn measure_exprs(m: &Measure) -> Vec<Expr> {
    let c = || col(m.column.as_str());
    let out = m.output.as_str();
    match m.op {
        Op::Count if m.column == "*" => vec![len().cast(DataType::Int64).alias(out)],
        Op::Count => vec![c().count().cast(DataType::Int64).alias(out)],
        Op::NUnique => vec![c().n_unique().cast(DataType::Int64).alias(out)],
        Op::Sum => vec![c().sum().alias(out)],
        Op::Min => vec![c().min().alias(out)],
        Op::Max => vec![c().max().alias(out)],
        Op::Mean => vec![
            c().sum().alias(format!("__sum_{out}").as_str()),
            c().count()
                .cast(DataType::Int64)
                .alias(format!("__n_{out}").as_str()),
        ],
    }
}

/// Replaces each mean's hidden sum and count with sum / count, in decimal
/// (rounded to 6 decimals past the source column's).
fn finish_means(table: &mut Table, a: &Aggregation, min_scale: &dyn Fn(&str) -> u32) {
    for m in a.measures.iter().filter(|m| m.op == Op::Mean) {
        let sum_name = format!("__sum_{}", m.output);
        let n_name = format!("__n_{}", m.output);
        let take = |t: &mut Table, n: &str| {
            let i = t.columns.iter().position(|c| c.name == n)?;
            Some((i, t.columns.remove(i)))
        };
        let (Some((at, sum)), Some((_, n))) = (take(table, &sum_name), take(table, &n_name)) else {
            continue;
        };
        // The mean keeps 6 decimals more than its column.
        let (sums, scale): (Vec<Option<Decimal>>, u32) = match sum.values {
            Values::Dec { values, scale, .. } => (values, scale.unwrap_or(0) + 6),
            Values::Int(v) => (v.into_iter().map(|x| x.map(Decimal::from)).collect(), 6),
            Values::Str(v) => (vec![None; v.len()], 6),
            Values::Bool(v) => (vec![None; v.len()], 6),
        };
        let scale = scale.min(28);
        let counts: Vec<Option<i64>> = match n.values {
            Values::Int(v) => v,
            _ => vec![None; sums.len()],
        };
        let values = sums
            .iter()
            .zip(&counts)
            .map(|(s, n)| match (s, n) {
                (Some(s), Some(n)) if *n > 0 => Some(
                    crate::vocab::money::round_half_up(*s / Decimal::from(*n), scale).normalize(),
                ),
                _ => None,
            })
            .collect();
        table.columns.insert(
            at.min(table.columns.len()),
            OutColumn {
                name: m.output.clone(),
                values: Values::Dec {
                    values,
                    min_scale: min_scale(&m.column),
                    scale: Some(scale),
                },
                vocabulary: true,
            },
        );
    }
}

/// A polars frame back into an output table (for the CSV and XLSX writers).
pub fn from_frame(
    name: &str,
    df: &DataFrame,
    min_scale: &dyn Fn(&str) -> u32,
) -> Result<Table, PolarsError> {
    let mut columns = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series();
        let cname = s.name().to_string();
        let values = match s.dtype() {
            DataType::Decimal(_, scale) => {
                let scale = *scale as u32;
                let values = s
                    .decimal()?
                    .physical()
                    .iter()
                    .map(|v| v.map(|m| Decimal::from_i128_with_scale(m, scale)))
                    .collect();
                Values::Dec {
                    values,
                    min_scale: min_scale(&cname),
                    scale: Some(scale),
                }
            }
            dt if dt.is_integer() => Values::Int(s.cast(&DataType::Int64)?.i64()?.iter().collect()),
            DataType::Boolean => Values::Bool(s.bool()?.iter().collect()),
            _ => Values::Str(s.cast(&DataType::String)?.str()?.iter().collect()),
        };
        columns.push(OutColumn {
            name: cname,
            values,
            vocabulary: false,
        });
    }
    Ok(Table {
        name: name.to_string(),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<String> {
        ["dept", "category", "batch", "serial"]
            .map(String::from)
            .to_vec()
    }

    fn parse(s: &str) -> Vec<Aggregation> {
        #[derive(Deserialize)]
        struct F {
            aggregate: Vec<Aggregation>,
        }
        toml::from_str::<F>(s).unwrap().aggregate
    }

    #[test]
    fn unknown_columns_and_measures_are_named() {
        let a = parse(
            "[[aggregate]]\nname='x'\nsource='projects'\ngroup_by=['unit']\nmeasures=[{op='sum',column='budget_total',as='b'}]\n",
        );
        let e = check(&a, &groups()).unwrap_err();
        assert!(
            e.starts_with("aggregate[0].group_by[0]: no column 'unit'"),
            "{e}"
        );
        let a = parse("[[aggregate]]\nname='x'\nsource='projects'\nmeasures=[{op='sum',column='project_name',as='b'}]\n");
        assert!(check(&a, &groups())
            .unwrap_err()
            .contains("aggregate[0].measures[0]"));
        let a = parse("[[aggregate]]\nname='x'\nsource='projectz'\nmeasures=[{op='count',column='*',as='n'}]\n");
        assert!(check(&a, &groups())
            .unwrap_err()
            .contains("aggregate[0].source"));
        let a = parse("[[aggregate]]\nname='projects'\nsource='projects'\nmeasures=[{op='count',column='*',as='n'}]\n");
        assert!(check(&a, &groups())
            .unwrap_err()
            .contains("aggregate[0].name"));
        let a = parse(
            "[[aggregate]]\nname='x'\nsource='projects+indicators'\ngroup_by=['level1','category_name']\nmeasures=[{op='n_unique',column='project_code',as='n'}]\nsort=['n']\n",
        );
        assert!(check(&a, &groups()).is_ok());
        let bad = "[[aggregate]]\nname='x'\nsource='projects'\nmeasures=[{op='median',column='budget_total',as='m'}]\n";
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct F {
            aggregate: Vec<Aggregation>,
        }
        assert!(toml::from_str::<F>(bad)
            .unwrap_err()
            .to_string()
            .contains("median"));
    }
}
