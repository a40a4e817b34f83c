//! Flat exports of a budget-management system (and the summary tables
//! departments publish from them): one row per indicator under a header
//! that names both the project's fields (unit, project, budget, goal) and
//! the indicator's (levels, indicator, target, unit of measure, weight,
//! direction) — in one row, or the indicator's in a row under a merged
//! 绩效指标 — the project's fields repeated on each row or merged over its
//! rows, several projects on one sheet. Each project's rows make one form.
//! A row that names a unit and no indicator heads the projects under it
//! (a unit's row, then its projects).

use super::{indicator_row, money_fields, says_target, Carry, RawField, RawForm, RawMoneyLine};
use crate::grid::{Grid, Pos};
use crate::locate::{Block, Field, Kinds, Label};
use crate::vocab::kind::Stage;

/// The project's fields an export's header may name.
const PROJECT_FIELDS: &[Field] = &[
    Field::ProjectCode,
    Field::ProjectName,
    Field::Unit,
    Field::Dept,
    Field::DeptName,
    Field::FuncClass,
    Field::Goals,
    Field::BudgetTotal,
    Field::BudgetFiscal,
    Field::BudgetOther,
    Field::FundCentral,
    Field::FundProvincial,
    Field::FundCity,
    Field::FundCounty,
    Field::FundHigher,
    Field::Carryover,
    Field::UnitOwn,
];

/// An export's header: its first and last row, its columns, its labels.
pub(super) struct Header {
    pub row: u32,
    pub last: u32,
    pub columns: Vec<(Field, u32)>,
    pub labels: Vec<Label>,
}

/// Two indicator columns, one a level, the indicator or its target.
fn indicator_header(labels: &[&Label]) -> bool {
    let columns = labels.iter().filter(|l| l.field.is_indicator_column());
    let key = |l: &&&Label| {
        matches!(
            l.field,
            Field::Level1 | Field::Level2 | Field::Level3 | Field::Target
        )
    };
    columns.clone().count() >= 2 && columns.clone().any(|l| key(&l))
}

/// The export header of a grid, if it has one: a row of labels naming a
/// project, its code or its unit, with the indicator's columns in the same
/// row or the row under it. The name is a column's header, not a form's
/// label: right of it stands another header (a label, or a group merged
/// over the labels under it), never its value.
pub(super) fn header(grid: &Grid, kinds: &Kinds, labels: &[Label]) -> Option<Header> {
    let mut rows: Vec<u32> = labels.iter().map(|l| l.pos.row).collect();
    rows.dedup();
    let heads_a_column = |l: &Label| {
        let right = grid.owner(Pos::new(l.pos.row, grid.right_edge(l.pos) + 1));
        let group = grid.right_edge(right) > right.col
            && grid
                .cells_in(
                    (l.pos.row + 1, l.pos.row + 1),
                    (right.col, grid.right_edge(right)),
                )
                .any(|(p, _)| kinds.field(p).is_some());
        kinds.field(right).is_some() || group || grid.own_text(right).is_empty()
    };
    // The labels by row, in one pass (labels are in row order).
    let by_row: Vec<&[Label]> = labels.chunk_by(|a, b| a.pos.row == b.pos.row).collect();
    let in_row = |r: u32| -> Vec<&Label> {
        by_row
            .binary_search_by_key(&r, |g| g[0].pos.row)
            .map_or_else(|_| Vec::new(), |i| by_row[i].iter().collect())
    };
    rows.into_iter().find_map(|row| {
        // Cheap first: a name, a code or a unit in the row at all.
        let named = |l: &&Label| {
            matches!(
                l.field,
                Field::ProjectName | Field::ProjectCode | Field::Unit | Field::DeptName
            )
        };
        if !in_row(row).iter().any(named) {
            return None;
        }
        let names = in_row(row).iter().any(|l| {
            matches!(
                l.field,
                Field::ProjectName | Field::ProjectCode | Field::Unit | Field::DeptName
            ) && heads_a_column(l)
        });
        let last = match (
            indicator_header(&in_row(row)),
            indicator_header(&in_row(row + 1)),
        ) {
            (true, _) => row,
            (false, true) => row + 1,
            _ => return None,
        };
        if !names {
            return None;
        }
        let mut columns: Vec<(Field, u32)> = Vec::new();
        let mut header_labels = Vec::new();
        for l in labels
            .iter()
            .filter(|l| l.pos.row >= row && l.pos.row <= last)
        {
            let wanted = PROJECT_FIELDS.contains(&l.field) || l.field.is_indicator_column();
            if wanted && !columns.iter().any(|(_, c)| *c == l.pos.col) {
                columns.push((l.field, l.pos.col));
                header_labels.push(*l);
            }
        }
        columns.sort_by_key(|(_, c)| *c);
        Some(Header {
            row,
            last,
            columns,
            labels: header_labels,
        })
    })
}

/// Totals and subtotals of an export (`合计`, `小计`, a department's
/// subtotal row): no project.
fn is_total(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(t.as_str(), "合计" | "小计" | "总计" | "总合计")
        || t.ends_with("合计")
        || t.ends_with("小计")
}

/// One form per project of the export under `h`: rows taken until a
/// footer, a form's title, or a row naming no project and no indicator; a
/// total or subtotal row ends the project before it.
pub(super) fn forms(grid: &Grid, kinds: &Kinds, h: &Header, template: &RawForm) -> Vec<RawForm> {
    let t = Table::of(grid, h);
    let mut out: Vec<RawForm> = Vec::new();
    let (mut current, mut unit): (Option<String>, Option<RawField>) = (None, None);
    let mut carry = Carry::default();
    for row in grid.content_rows((h.last + 1, t.block.last_row)) {
        let first = grid.owner(Pos::new(row, t.block.first_col));
        if kinds.is_title(first) || grid.own_text(first).contains(['：', ':']) {
            break;
        }
        let key = t.key_of(grid, row);
        if key.as_deref().is_some_and(is_total) {
            current = None;
            continue;
        }
        let mut ind = indicator_row(grid, row, &t.block, &t.indicators);
        let named = !ind.level3.is_blank() || !ind.description.is_blank();
        let content = named || !ind.level1.is_blank() || !ind.level2.is_blank();
        match (&key, content) {
            // A department's subtotal row, a blank row: nothing to read.
            (None, false) => continue,
            // A unit's row: it heads the projects under it.
            (Some(_), false) => {
                unit = t.unit_row(grid, row);
                current = None;
                continue;
            }
            (Some(_), true) if key != current => {
                current = key.clone();
                out.push(project(grid, h, &t, row, unit.clone(), template));
                carry = Carry::default();
            }
            _ => {}
        }
        let Some(form) = out.last_mut().filter(|_| named) else {
            continue;
        };
        if carry.node(&ind, t.has_levels) || !(says_target(&ind) || t.has_levels) {
            continue;
        }
        carry.fill(&mut ind, form.indicators.last(), t.has_levels);
        form.indicators.push(ind);
    }
    out
}

/// An export's table: its columns of indicators, the block they span, and
/// the columns that name a project (or, where the export has no project
/// column, the unit-or-project name column of an export that lists units
/// and their projects in one column).
struct Table {
    block: Block,
    indicators: Vec<(Field, u32)>,
    has_levels: bool,
    /// The columns naming the project: its code, its name.
    keys: Vec<u32>,
    /// The column of names when it holds units' rows and projects' rows.
    shared_name: Option<u32>,
    /// A column of codes under a header naming a unit's (单位代码).
    unit_code: Option<u32>,
}

impl Table {
    fn of(grid: &Grid, h: &Header) -> Table {
        let col = |f: Field| h.columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
        let header_says = |c: u32, words: &[&str]| {
            let text = grid.text(Pos::new(h.row, c));
            words.iter().any(|w| text.contains(w))
        };
        let (first_col, last_col) = (
            h.columns.first().map_or(0, |c| c.1),
            h.columns.last().map_or(0, |c| c.1),
        );
        let indicators: Vec<(Field, u32)> = h
            .columns
            .iter()
            .copied()
            .filter(|(f, _)| f.is_indicator_column())
            .collect();
        let unit_cols: Vec<u32> = h
            .labels
            .iter()
            .filter(|l| matches!(l.field, Field::Unit | Field::DeptName))
            .map(|l| l.pos.col)
            .collect();
        let shared_name = col(Field::ProjectName)
            .is_none()
            .then(|| {
                unit_cols
                    .iter()
                    .copied()
                    .find(|c| header_says(*c, &["名称"]))
            })
            .flatten();
        let unit_code = unit_cols
            .iter()
            .copied()
            .find(|c| header_says(*c, &["代码", "编码"]));
        let keys = [
            col(Field::ProjectCode),
            col(Field::ProjectName).or(shared_name),
        ]
        .into_iter()
        .flatten()
        .collect();
        Table {
            block: Block {
                anchor: Pos::new(h.row, first_col),
                last_row: grid.row_span().map_or(h.last, |r| r.1),
                first_col,
                last_col,
            },
            has_levels: indicators
                .iter()
                .any(|(f, _)| matches!(f, Field::Level1 | Field::Level2)),
            indicators,
            keys,
            shared_name,
            unit_code,
        }
    }

    /// What names the project of a row: its code, else its name.
    fn key_of(&self, grid: &Grid, row: u32) -> Option<String> {
        self.keys
            .iter()
            .map(|c| grid.text(Pos::new(row, *c)).trim().to_string())
            .find(|t| !t.is_empty())
    }

    /// The unit a unit's row names: its code and name.
    fn unit_row(&self, grid: &Grid, row: u32) -> Option<RawField> {
        let at = |c: Option<u32>| c.map(|c| super::RawField::at(grid, Pos::new(row, c)));
        let name = at(self.shared_name).filter(|f| !f.is_blank())?;
        Some(match at(self.unit_code).filter(|f| !f.is_blank()) {
            Some(code) => RawField {
                text: format!(
                    "{} {}",
                    code.text.trim().trim_start_matches('\''),
                    name.text.trim()
                ),
                pos: name.pos,
            },
            None => name,
        })
    }
}

/// The form of the project whose first row is `row`: its fields from that
/// row, under the header's columns; its unit the unit's row above it, else
/// its unit column, else what the sheet states.
fn project(
    grid: &Grid,
    h: &Header,
    t: &Table,
    row: u32,
    unit: Option<RawField>,
    template: &RawForm,
) -> RawForm {
    let col = |f: Field| h.columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
    let at = |c: Option<u32>| c.map(|c| super::RawField::at(grid, Pos::new(row, c)));
    let name_col = col(Field::ProjectName).or(t.shared_name);
    let anchor = name_col
        .or_else(|| col(Field::ProjectCode))
        .map_or(Pos::new(row, 0), |c| grid.owner(Pos::new(row, c)));
    let own_unit = || {
        let c = h.columns.iter().find(|(f, c)| {
            matches!(f, Field::Unit | Field::DeptName)
                && Some(*c) != t.shared_name
                && Some(*c) != t.unit_code
        });
        at(c.map(|(_, c)| *c)).filter(|f| !f.is_blank())
    };
    let mut form = RawForm {
        anchor,
        code: at(col(Field::ProjectCode)),
        name: at(name_col),
        unit: unit.or_else(own_unit).or_else(|| template.unit.clone()),
        dept: at(col(Field::Dept)),
        func_class: at(col(Field::FuncClass)),
        goals: at(col(Field::Goals)),
        labels: h.labels.clone(),
        ..template.clone()
    };
    for l in &h.labels {
        if l.field.money_line().is_some() {
            form.funding.push(RawMoneyLine {
                field: l.field,
                label: grid.text(l.pos).as_ref().into(),
                stage: Stage::Budget,
                value: super::RawField::at(grid, Pos::new(row, l.pos.col)),
                weight: None,
                score: None,
            });
        }
    }
    money_fields(&mut form);
    form
}
