//! The output tables: named, typed columns built from records. The column
//! names are the analysts' API (the output contract in the README, declared
//! in [`crate::model::schema`]).

use rust_decimal::Decimal;

use crate::model::schema::{self, Kind, RATIO_SCALE};
use crate::model::{
    FundingLine, Goal, Indicator, Issue, Key, PlanPoint, Project, Records, Source, Task,
};

/// A text column: every value's bytes in one buffer, so that building,
/// writing and converting a column touches memory in order and allocates
/// once per column, not once per value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Strs {
    text: String,
    /// Where each value ends in `text`.
    ends: Vec<usize>,
    /// Whether each value is present (a null is not the empty string).
    present: Vec<bool>,
}

impl Strs {
    /// Room for `n` values.
    pub fn with_capacity(n: usize) -> Strs {
        Strs {
            text: String::new(),
            ends: Vec::with_capacity(n),
            present: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.text.push_str(v);
        }
        self.ends.push(self.text.len());
        self.present.push(value.is_some());
    }

    /// The value of row `i` (panics when `i` is out of range, like a slice).
    pub fn get(&self, i: usize) -> Option<&str> {
        if !self.present[i] {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..self.ends[i]])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.present.clear();
    }

    /// About how many bytes the column takes in memory.
    fn approx_bytes(&self) -> usize {
        self.text.len() + self.ends.len() * 9
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for Strs {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Strs {
        let iter = iter.into_iter();
        let mut strs = Strs::with_capacity(iter.size_hint().0);
        for v in iter {
            strs.push(v.as_ref().map(AsRef::as_ref));
        }
        strs
    }
}

/// A column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Str(Strs),
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    /// Exact decimals; `min_scale` is the fewest decimals the CSV shows
    /// (2 for money: `20.00`).
    Dec {
        values: Vec<Option<Decimal>>,
        min_scale: u32,
        /// The scale Parquet stores the column with. The record tables have
        /// a fixed one (their schema never depends on the data, so years and
        /// partitions stack); `None`: the smallest that holds every value.
        scale: Option<u32>,
    },
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Str(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Dec { values, .. } => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when no row has a value.
    pub fn all_null(&self) -> bool {
        match self {
            Values::Str(v) => !v.present.contains(&true),
            Values::Int(v) => v.iter().all(Option::is_none),
            Values::Bool(v) => v.iter().all(Option::is_none),
            Values::Dec { values, .. } => values.iter().all(Option::is_none),
        }
    }

    fn clear(&mut self) {
        match self {
            Values::Str(v) => v.clear(),
            Values::Int(v) => v.clear(),
            Values::Bool(v) => v.clear(),
            Values::Dec { values, .. } => values.clear(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
    /// Values from jixiao's own vocabulary (`=`, `error`), never from a
    /// form: exempt from the CSV formula guard.
    pub vocabulary: bool,
}

/// A named table of equal-length columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// About how many bytes the values take in memory.
    pub fn approx_bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|c| match &c.values {
                Values::Str(v) => v.approx_bytes(),
                Values::Int(v) => v.len() * 16,
                Values::Bool(v) => v.len(),
                Values::Dec { values, .. } => values.len() * 20,
            })
            .sum()
    }

    /// Removes every row, keeping the columns.
    pub fn clear(&mut self) {
        for c in &mut self.columns {
            c.values.clear();
        }
    }
}

/// Builds a table from records, column by column, in the order and with
/// the types [`schema`] declares (the name at each call is checked against
/// the declaration).
pub struct Builder<'a, T> {
    rows: &'a [T],
    /// The declared columns, `code_*` expanded.
    declared: Vec<(String, schema::Column)>,
    money_scale: u32,
    columns: Vec<Column>,
}

impl<'a, T> Builder<'a, T> {
    pub fn new(rows: &'a [T], table: &schema::Table, spec: &TableSpec) -> Self {
        let declared = table.expand(&spec.code_groups);
        Builder {
            rows,
            columns: Vec::with_capacity(declared.len()),
            declared,
            money_scale: spec.money_scale,
        }
    }

    /// Adds the next declared column, which must be `name`.
    fn push(&mut self, name: &str, values: Values) {
        let (declared, column) = &mut self.declared[self.columns.len()];
        debug_assert_eq!(declared, name, "column out of step with the schema");
        self.columns.push(Column {
            name: std::mem::take(declared),
            values,
            vocabulary: column.kind != Kind::Text,
        });
    }

    fn kind(&self) -> Kind {
        self.declared[self.columns.len()].1.kind
    }

    pub fn str(mut self, name: &str, f: impl Fn(&T) -> Option<&str>) -> Self {
        // The column's bytes counted first, so its buffer is allocated once
        // instead of doubling (and copying) as it fills.
        let bytes = self.rows.iter().map(|r| f(r).map_or(0, str::len)).sum();
        let mut values = Strs::with_capacity(self.rows.len());
        values.text.reserve_exact(bytes);
        for r in self.rows {
            values.push(f(r));
        }
        self.push(name, Values::Str(values));
        self
    }

    pub fn raw(self, name: &str, f: impl Fn(&T) -> &str) -> Self {
        self.str(name, move |r| Some(f(r)))
    }

    pub fn int(mut self, name: &str, f: impl Fn(&T) -> Option<i64>) -> Self {
        let values = self.rows.iter().map(f).collect();
        self.push(name, Values::Int(values));
        self
    }

    pub fn bool(mut self, name: &str, f: impl Fn(&T) -> Option<bool>) -> Self {
        let values = self.rows.iter().map(f).collect();
        self.push(name, Values::Bool(values));
        self
    }

    /// A decimal column at the scale its kind declares.
    pub fn dec(mut self, name: &str, f: impl Fn(&T) -> Option<Decimal>) -> Self {
        let (min_scale, scale) = match self.kind() {
            Kind::Money => (2, self.money_scale),
            Kind::Ratio { min_scale } => (min_scale, RATIO_SCALE),
            other => unreachable!("{name} is declared {other:?}, not a decimal"),
        };
        let values = self.rows.iter().map(f).collect();
        let scale = Some(scale);
        self.push(
            name,
            Values::Dec {
                values,
                min_scale,
                scale,
            },
        );
        self
    }

    /// year, form_kind, dept_code, unit_code, project_code.
    pub fn key(self, f: impl Fn(&T) -> &Key) -> Self {
        let f = &f;
        self.unit_key(f)
            .str("project_code", move |r| f(r).project_code.as_deref())
    }

    /// year, form_kind, dept_code, unit_code.
    pub fn unit_key(self, f: impl Fn(&T) -> &Key) -> Self {
        let f = &f;
        self.int("year", move |r| f(r).year.map(i64::from))
            .str("form_kind", move |r| f(r).form_kind.map(|k| k.as_str()))
            .str("dept_code", move |r| f(r).dept_code.as_deref())
            .str("unit_code", move |r| f(r).unit_code.as_deref())
    }

    pub fn source(self, f: impl Fn(&T) -> &Source) -> Self {
        let f = &f;
        self.raw("source_file", move |r| &f(r).file)
            .raw("source_sheet", move |r| &f(r).sheet)
            .cell("source_cell", move |r| f(r).cell)
    }

    /// A column of A1 references, the empty string for none (written
    /// straight into the column's buffer).
    pub fn cell(mut self, name: &str, f: impl Fn(&T) -> Option<crate::grid::Pos>) -> Self {
        let mut values = Strs::with_capacity(self.rows.len());
        // Most references are 2 to 4 bytes (`C12`).
        values.text.reserve(self.rows.len() * 4);
        let mut buf = [0; crate::grid::A1_MAX];
        for r in self.rows {
            values.push(Some(f(r).map_or("", |p| p.a1_in(&mut buf))));
        }
        self.push(name, Values::Str(values));
        self
    }

    pub fn finish(self, name: &str) -> Table {
        debug_assert_eq!(
            self.columns.len(),
            self.declared.len(),
            "{name}: columns missing"
        );
        Table {
            name: name.to_string(),
            columns: self.columns,
        }
    }
}

/// What shapes the record tables: the `code_*` columns and the money scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The named groups of the code pattern, in order.
    pub code_groups: Vec<String>,
    /// Decimals of money columns (one 分 in the amount unit: 6 for 万元).
    pub money_scale: u32,
    /// Whether the `funding` table is written.
    pub funding: bool,
}

impl TableSpec {
    pub fn new(settings: &crate::normalise::Settings) -> TableSpec {
        TableSpec {
            code_groups: settings.code_groups(),
            money_scale: settings.amount_unit.fen_scale(),
            funding: settings.funding,
        }
    }
}

fn projects(rows: &[Project], spec: &TableSpec) -> Table {
    let mut b = Builder::new(rows, &schema::PROJECTS, spec)
        .int("year", |p| p.key.year.map(i64::from))
        .str("form_kind", |p| p.key.form_kind.map(|k| k.as_str()))
        .str("dept_code", |p| p.key.dept_code.as_deref())
        .str("unit_code", |p| p.key.unit_code.as_deref())
        .str("unit_name", |p| p.unit_name.as_deref())
        .raw("unit_raw", |p| &p.unit_raw)
        .str("project_code", |p| p.key.project_code.as_deref())
        .raw("project_code_raw", |p| &p.project_code_raw);
    for (i, g) in spec.code_groups.iter().enumerate() {
        b = b.str(&format!("code_{g}"), move |p| {
            p.code_parts.get(i).and_then(|c| c.as_deref())
        });
    }
    b.str("category_name", |p| p.category_name.as_deref())
        .str("func_class_code", |p| p.func_class_code.as_deref())
        .str("func_class_name", |p| p.func_class_name.as_deref())
        .raw("func_class_raw", |p| &p.func_class_raw)
        .str("project_name", |p| p.project_name.as_deref())
        .str("title", |p| p.title.as_deref())
        .dec("budget_total", |p| p.budget_total)
        .dec("budget_fiscal", |p| p.budget_fiscal)
        .dec("budget_other", |p| p.budget_other)
        .raw("budget_total_raw", |p| &p.budget_total_raw)
        .raw("budget_fiscal_raw", |p| &p.budget_fiscal_raw)
        .raw("budget_other_raw", |p| &p.budget_other_raw)
        .dec("executed_total", |p| p.result.as_ref()?.executed_total)
        .str("executed_total_raw", |p| {
            Some(&p.result.as_ref()?.executed_total_raw)
        })
        .dec("execution_rate", |p| p.result.as_ref()?.execution_rate)
        .str("execution_rate_raw", |p| {
            Some(&p.result.as_ref()?.execution_rate_raw)
        })
        .dec("score_total", |p| p.result.as_ref()?.score_total)
        .str("score_total_raw", |p| {
            Some(&p.result.as_ref()?.score_total_raw)
        })
        .str("grade", |p| p.result.as_ref()?.grade.as_deref())
        .raw("amount_unit", |p| &p.amount_unit)
        .raw("amount_unit_raw", |p| &p.amount_unit_raw)
        .str("purpose", |p| p.purpose.as_deref())
        .int("indicator_count", |p| Some(i64::from(p.indicator_count)))
        .int("goal_count", |p| Some(i64::from(p.goal_count)))
        .source(|p| &p.source)
        .finish("projects")
}

fn indicators(rows: &[Indicator], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::INDICATORS, spec)
        .key(|i| &i.key)
        .int("seq", |i| Some(i64::from(i.seq)))
        .str("level1", |i| i.level1.as_deref())
        .str("level2", |i| i.level2.as_deref())
        .str("level3", |i| i.level3.as_deref())
        .raw("level1_raw", |i| &i.level1_raw)
        .raw("level2_raw", |i| &i.level2_raw)
        .str("description", |i| i.description.as_deref())
        .raw("target_raw", |i| &i.target_raw)
        .str("target_op", |i| i.target_op.as_deref())
        .dec("target_value", |i| i.target_value)
        .str("target_unit", |i| i.target_unit.as_deref())
        .str("target_direction", |i| i.target_direction)
        .dec("weight", |i| i.weight)
        .str("basis", |i| i.basis.as_deref())
        .str("actual_raw", |i| Some(&i.result.as_ref()?.actual_raw))
        .dec("actual_value", |i| i.result.as_ref()?.actual_value)
        .str("actual_unit", |i| i.result.as_ref()?.actual_unit.as_deref())
        .dec("score", |i| i.result.as_ref()?.score)
        .bool("target_met", |i| i.result.as_ref()?.target_met)
        .str("deviation_note", |i| {
            i.result.as_ref()?.deviation_note.as_deref()
        })
        .source(|i| &i.source)
        .finish("indicators")
}

fn goals(rows: &[Goal], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::GOALS, spec)
        .key(|g| &g.key)
        .raw("goal_kind", |g| g.goal_kind)
        .int("seq", |g| Some(i64::from(g.seq)))
        .raw("goal", |g| &g.goal)
        .source(|g| &g.source)
        .finish("goals")
}

fn spending_plan(rows: &[PlanPoint], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::SPENDING_PLAN, spec)
        .key(|p| &p.key)
        .raw("checkpoint_label", |p| &p.checkpoint_label)
        .int("checkpoint_month", |p| p.checkpoint_month.map(i64::from))
        .raw("cumulative_pct_raw", |p| &p.cumulative_pct_raw)
        .dec("cumulative_pct", |p| p.cumulative_pct)
        .dec("cumulative_amount", |p| p.cumulative_amount)
        .source(|p| &p.source)
        .finish("spending_plan")
}

fn funding(rows: &[FundingLine], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::FUNDING, spec)
        .key(|f| &f.key)
        .raw("line", |f| f.line)
        .raw("line_raw", |f| &f.line_raw)
        .raw("stage", |f| f.stage.as_str())
        .dec("amount", |f| f.amount)
        .raw("amount_raw", |f| &f.amount_raw)
        .dec("weight", |f| f.weight)
        .dec("score", |f| f.score)
        .source(|f| &f.source)
        .finish("funding")
}

fn tasks(rows: &[Task], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::TASKS, spec)
        .unit_key(|t| &t.key)
        .int("seq", |t| Some(i64::from(t.seq)))
        .str("task", |t| t.task.as_deref())
        .str("content", |t| t.content.as_deref())
        .str("duty", |t| t.duty.as_deref())
        .str("project_name", |t| t.project_name.as_deref())
        .dec("amount_total", |t| t.amount_total)
        .dec("amount_fiscal", |t| t.amount_fiscal)
        .dec("amount_other", |t| t.amount_other)
        .raw("amount_total_raw", |t| &t.amount_total_raw)
        .raw("amount_fiscal_raw", |t| &t.amount_fiscal_raw)
        .raw("amount_other_raw", |t| &t.amount_other_raw)
        .source(|t| &t.source)
        .finish("tasks")
}

fn issues(rows: &[Issue], spec: &TableSpec) -> Table {
    Builder::new(rows, &schema::ISSUES, spec)
        .raw("severity", |i| i.severity.as_str())
        .raw("code", |i| i.code.as_str())
        .raw("message", |i| &i.message)
        .str("form_kind", |i| i.key.form_kind.map(|k| k.as_str()))
        .str("unit_code", |i| i.key.unit_code.as_deref())
        .str("project_code", |i| i.key.project_code.as_deref())
        .source(|i| &i.source)
        .finish("issues")
}

/// The record tables of the output contract, in their fixed order
/// ([`schema::RECORD_TABLES`]).
pub fn tables(records: &Records, spec: &TableSpec) -> Vec<Table> {
    // The tables are independent: built in parallel on the current rayon
    // pool. The funding table only when it is written.
    let ((projects, indicators), (goals, (plan, (funding, (tasks, issues))))) = rayon::join(
        || {
            rayon::join(
                || projects(&records.projects, spec),
                || indicators(&records.indicators, spec),
            )
        },
        || {
            rayon::join(
                || goals(&records.goals, spec),
                || {
                    rayon::join(
                        || spending_plan(&records.plan, spec),
                        || {
                            rayon::join(
                                || spec.funding.then(|| funding(&records.funding, spec)),
                                || {
                                    rayon::join(
                                        || tasks(&records.tasks, spec),
                                        || issues(&records.issues, spec),
                                    )
                                },
                            )
                        },
                    )
                },
            )
        },
    );
    let mut out = vec![projects, indicators, goals, plan];
    out.extend(funding);
    out.extend([tasks, issues]);
    out
}

/// A decimal as text with at least `min_scale` decimals and no trailing
/// zeros beyond them: `20` → `20.00`, `0.1234560` → `0.123456`.
pub fn format_decimal(d: Decimal, min_scale: u32) -> String {
    let mut text = String::new();
    write_decimal(&mut text, d, min_scale);
    text
}

/// [`format_decimal`] appended to `out`.
pub fn write_decimal(out: &mut String, d: Decimal, min_scale: u32) {
    use std::fmt::Write as _;
    let mut n = d.normalize();
    if n.scale() < min_scale {
        n.rescale(min_scale);
    }
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_print_exactly() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(format_decimal(d("20"), 2), "20.00");
        assert_eq!(format_decimal(d("216.510"), 2), "216.51");
        assert_eq!(format_decimal(d("0.1234560"), 2), "0.123456");
        assert_eq!(format_decimal(d("100.00"), 0), "100");
        assert_eq!(format_decimal(d("20.11") + d("3.50"), 2), "23.61");
    }

    #[test]
    fn text_columns_keep_nulls_apart_from_empty_strings() {
        let mut a: Strs = [Some("项目"), None, Some(""), Some("x"), None]
            .into_iter()
            .collect();
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [Some("项目"), None, Some(""), Some("x"), None]
        );
        a.clear();
        a.push(Some("y"));
        assert_eq!(a.get(0), Some("y"));
    }

    #[test]
    fn empty_records_give_the_contract_columns() {
        let spec = TableSpec {
            code_groups: vec!["dept".to_string()],
            money_scale: 6,
            funding: true,
        };
        let t = tables(&Records::default(), &spec);
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "projects",
                "indicators",
                "goals",
                "spending_plan",
                "funding",
                "tasks",
                "issues"
            ]
        );
        let projects = &t[0];
        for (table, declared) in t.iter().zip(schema::RECORD_TABLES) {
            let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let expected: Vec<String> = declared
                .expand(&spec.code_groups)
                .into_iter()
                .map(|c| c.0)
                .collect();
            assert_eq!(names, expected, "{}", table.name);
        }
        assert!(projects.column("code_dept").is_some());
    }
}
