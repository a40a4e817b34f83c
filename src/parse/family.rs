//! The forms of the family beyond the project target form: a
//! self-evaluation's money table by stage (年初预算数 / 全年预算数 /
//! 全年执行数, 执行率, 分值, 得分), its goals set against what was
//! achieved, its total score and grade; a department form's task table;
//! and which kind each form is.

use super::{label_text, RawField, RawMoneyLine};
use crate::grid::{Grid, Pos};
use crate::locate::{Field, Kinds, Label, TitleSays};
use crate::vocab::kind::FormKind;

/// A self-evaluation's money table: one line per money label below a
/// header row of stage columns.
#[derive(Debug, Default)]
pub(super) struct MoneyTable {
    pub lines: Vec<RawMoneyLine>,
    /// The form's execution rate as written (the total line's 执行率).
    pub rate: Option<RawField>,
    /// The rows the table takes, header included.
    pub rows: (u32, u32),
}

/// The money table of a form, when it has one: a row of stage columns
/// (年初预算数, 全年预算数, 全年执行数 …), with money lines (年度资金总额,
/// 其中：财政拨款, 其他资金 …, and 合计 as the total) to the left of them
/// in the rows below.
pub(super) fn money_table(grid: &Grid, labels: &[Label]) -> Option<MoneyTable> {
    let first = labels.iter().find(|l| l.field.stage().is_some())?;
    // A stage label with its amount beside it (`执行数 | 6.84`) labels a
    // value, it heads no column: no table of stages.
    if is_amount(&grid.text(Pos::new(first.pos.row, grid.right_edge(first.pos) + 1))) {
        return None;
    }
    let columns = money_columns(grid, labels, first.pos.row);
    let first_col = columns.iter().map(|(_, c)| *c).min()?;
    let header_end = columns
        .iter()
        .map(|(_, c)| grid.bottom_edge(Pos::new(first.pos.row, *c)))
        .max()
        .unwrap_or(first.pos.row);
    let mut table = MoneyTable {
        rows: (first.pos.row, header_end),
        ..MoneyTable::default()
    };
    let below = labels
        .iter()
        .filter(|l| l.pos.row > header_end && l.pos.col < first_col);
    for l in below {
        let line = match l.field {
            Field::ScoreTotal => Field::BudgetTotal,
            f if f.money_line().is_some() => f,
            _ => break,
        };
        // A line two rows or more below the last one is another table's.
        if l.pos.row > table.rows.1 + 2 {
            break;
        }
        table.rows.1 = grid.bottom_edge(l.pos);
        money_row(grid, l.pos, line, &columns, &mut table);
    }
    (!table.lines.is_empty() || table.rate.is_some()).then_some(table)
}

/// True for a cell that holds an amount (digits, a decimal point,
/// thousands separators, a unit after them).
pub(super) fn is_amount(text: &str) -> bool {
    let t = text.trim();
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '万' | '元' | '%'))
}

/// The money table's columns: each money-column label of the header row
/// (or the row under it, a two-row header), one per column, by column.
fn money_columns(grid: &Grid, labels: &[Label], row: u32) -> Vec<(Field, u32)> {
    let mut columns: Vec<(Field, u32)> = Vec::new();
    for l in labels
        .iter()
        .filter(|l| l.pos.row == row || l.pos.row == row + 1)
    {
        if l.field.is_money_column()
            && grid.owner(l.pos) == l.pos
            && !columns.iter().any(|(_, c)| *c == l.pos.col)
        {
            columns.push((l.field, l.pos.col));
        }
    }
    columns.sort_by_key(|(_, c)| *c);
    columns
}

/// One line of the money table: an amount per stage column; its rate,
/// weight and score.
fn money_row(grid: &Grid, at: Pos, line: Field, columns: &[(Field, u32)], t: &mut MoneyTable) {
    let first_line = t.lines.is_empty() && t.rate.is_none();
    let label = label_text(grid, at);
    let (mut weight, mut score) = (None, None);
    let start = t.lines.len();
    for (field, col) in columns {
        let cell = RawField::at(grid, Pos::new(at.row, *col));
        match (field.stage(), field) {
            (Some(stage), _) if !cell.is_blank() => t.lines.push(RawMoneyLine {
                field: line,
                label: label.clone(),
                stage,
                value: cell,
                weight: None,
                score: None,
            }),
            // The rate of the total line, else of the first line.
            (None, Field::ExecutionRate)
                if !cell.is_blank() && (line == Field::BudgetTotal || first_line) =>
            {
                t.rate = Some(cell)
            }
            (None, Field::Weight) => weight = Some(cell),
            (None, Field::Score) => score = Some(cell),
            _ => {}
        }
    }
    // The weight and score of a line are its execution's: kept on the
    // line's executed amount, else its last.
    let own = &mut t.lines[start..];
    let at = own
        .iter()
        .position(|m| m.stage == crate::vocab::kind::Stage::Executed)
        .or(own.len().checked_sub(1));
    if let Some(i) = at {
        own[i].weight = weight.filter(|w| !w.is_blank());
        own[i].score = score.filter(|s| !s.is_blank());
    }
}

/// The value of a label that heads a value below it or labels one beside
/// it: the cell right of it when that holds text, else the cell below it
/// (`预期目标` over the goals a self-evaluation set out with).
pub(super) fn beside_or_below(grid: &Grid, kinds: &Kinds, label: Pos) -> RawField {
    let right = super::adjacent(grid, kinds, label);
    if !right.is_blank() {
        return right;
    }
    let below = grid.owner(Pos::new(grid.bottom_edge(label) + 1, label.col));
    if kinds.field(below).is_none() && !kinds.is_title(below) {
        let value = RawField::of_owner(grid, below);
        if !value.is_blank() {
            return value;
        }
    }
    right
}

/// The first label of `field` with a value beside or below it, else the
/// first label's blank value; a template's instruction left in the cell
/// (`说明完成情况(100字以内)`) is no value.
pub(super) fn heading_value(
    grid: &Grid,
    kinds: &Kinds,
    labels: &[Label],
    field: Field,
) -> Option<RawField> {
    let mut first = None;
    for l in labels.iter().filter(|l| l.field == field) {
        let v = beside_or_below(grid, kinds, l.pos);
        if !v.is_blank() && !is_instruction(&v.text) {
            return Some(v);
        }
        first.get_or_insert(RawField {
            text: String::new(),
            pos: v.pos,
        });
    }
    first
}

/// A template's instruction left where a value belongs: `…(100字以内)`.
pub fn is_instruction(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with("字以内)") || t.ends_with("字以内）")
}

/// One row of a department form's task table (年度主要任务).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTask {
    pub row: Pos,
    pub name: RawField,
    pub content: RawField,
    pub duty: RawField,
    pub project: RawField,
    pub total: RawField,
    pub fiscal: RawField,
    pub other: RawField,
}

/// The task table under a 年度主要任务 label: its column labels in the
/// label's row (or the row under it), one row per task below, within the
/// label's merged range (or, unmerged, until a blank row or a row that
/// starts a section of its own), at most to `last_row`. Returns the tasks
/// and the rows the table takes.
pub(super) fn tasks(
    grid: &Grid,
    labels: &[Label],
    last_row: u32,
) -> Option<(Vec<RawTask>, (u32, u32))> {
    let t = labels.iter().find(|l| l.field == Field::Tasks)?;
    let right_of = grid.right_edge(t.pos);
    let mut columns: Vec<(Field, u32)> = Vec::new();
    let mut header_end = t.pos.row;
    let in_header =
        |l: &&Label| (l.pos.row == t.pos.row || l.pos.row == t.pos.row + 1) && l.pos.col > right_of;
    for l in labels.iter().filter(in_header) {
        if !l.field.is_task_column() {
            continue;
        }
        header_end = header_end.max(grid.bottom_edge(l.pos));
        // A sub-header (总额 under 预算金额) is the column's own name.
        columns.retain(|(_, c)| *c != l.pos.col);
        columns.push((l.field, l.pos.col));
    }
    if columns.is_empty() {
        return None;
    }
    let merged = grid.bottom_edge(t.pos) > header_end;
    let end = if merged {
        grid.bottom_edge(t.pos)
    } else {
        last_row
    };
    let mut out = Vec::new();
    let mut last = header_end;
    for row in grid.content_rows((header_end + 1, end.max(header_end))) {
        let starts_section = !grid.text(Pos::new(row, t.pos.col)).is_empty();
        if !merged && (row > last + 1 || starts_section) {
            break;
        }
        let task = task_row(grid, row, &columns);
        let fields = [
            &task.name,
            &task.content,
            &task.duty,
            &task.project,
            &task.total,
        ];
        if fields.iter().all(|f| f.is_blank()) {
            continue;
        }
        out.push(task);
        last = row;
    }
    let rows = (t.pos.row, if merged { end } else { last });
    Some((out, rows))
}

fn task_row(grid: &Grid, row: u32, columns: &[(Field, u32)]) -> RawTask {
    let get = |f: Field| {
        columns
            .iter()
            .find(|(g, _)| *g == f)
            .map_or_else(RawField::default, |(_, c)| {
                RawField::at(grid, Pos::new(row, *c))
            })
    };
    RawTask {
        row: Pos::new(row, columns.first().map_or(0, |(_, c)| *c)),
        name: get(Field::TaskName),
        content: get(Field::TaskContent),
        duty: get(Field::TaskDuty),
        project: get(Field::TaskProject),
        total: get(Field::BudgetTotal),
        fiscal: get(Field::BudgetFiscal),
        other: get(Field::BudgetOther),
    }
}

/// The form's total score: the 总分 row's cell in the indicator table's
/// score column (得分), else the value beside the label.
pub(super) fn score_total(
    grid: &Grid,
    kinds: &Kinds,
    labels: &[Label],
    score_col: Option<u32>,
    skip_rows: (u32, u32),
) -> Option<RawField> {
    let l = labels.iter().find(|l| {
        l.field == Field::ScoreTotal && !(l.pos.row >= skip_rows.0 && l.pos.row <= skip_rows.1)
    })?;
    Some(match score_col {
        Some(c) => RawField::at(grid, Pos::new(l.pos.row, c)),
        None => super::adjacent(grid, kinds, l.pos),
    })
}

/// The kind of a form: about a whole department when it is anchored by
/// the department's name or its title says so (部门整体支出); a
/// self-evaluation when its title says so (自评) or it has a result
/// column, executed amounts or achieved goals.
pub(super) fn kind_of(title: TitleSays, labels: &[Label], dept_anchor: bool) -> FormKind {
    let results = labels.iter().any(|l| {
        matches!(
            l.field,
            Field::Actual | Field::GoalsAchieved | Field::StageExecuted | Field::ExecutionRate
        )
    });
    FormKind::of(dept_anchor || title.dept, title.self_eval || results)
}
