//! Flat exports of a budget-management system (and the summary tables
//! departments publish from them): one row per indicator under one header
//! row that names both the project's fields (unit, project, budget, goal)
//! and the indicator's (levels, indicator, target, unit of measure,
//! weight, direction), the project's fields repeated on each row or merged
//! over its rows, several projects on one sheet. Each project's rows make
//! one form.

use super::{indicator_row, money_fields, says_target, Carry, RawForm, RawMoneyLine};
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

/// An export's header: the row of labels that holds a project's name (or
/// code) and two indicator columns, one a level, the indicator or its
/// target; with the row under it when that row is labels too (a money
/// group over 总额 · 财政 · 其他).
pub(super) struct Header {
    pub row: u32,
    /// The last row of the header.
    pub last: u32,
    pub columns: Vec<(Field, u32)>,
    pub labels: Vec<Label>,
}

/// The export header of a grid, if it has one.
pub(super) fn header(grid: &Grid, labels: &[Label]) -> Option<Header> {
    let mut rows: Vec<u32> = labels.iter().map(|l| l.pos.row).collect();
    rows.dedup();
    rows.into_iter().find_map(|row| {
        let in_row = |r: u32| labels.iter().filter(move |l| l.pos.row == r);
        let names = in_row(row).any(|l| matches!(l.field, Field::ProjectName | Field::ProjectCode));
        let indicator: Vec<&Label> = in_row(row)
            .filter(|l| l.field.is_indicator_column())
            .collect();
        let key = indicator.iter().any(|l| {
            matches!(
                l.field,
                Field::Level1 | Field::Level2 | Field::Level3 | Field::Target
            )
        });
        if !names || indicator.len() < 2 || !key {
            return None;
        }
        // A second header row: labels under merged group cells.
        let mut last = row;
        let under: Vec<&Label> = in_row(row + 1).collect();
        if !under.is_empty()
            && grid.cells_in((row + 1, row + 1), (0, u32::MAX)).count() <= under.len() + 1
        {
            last = row + 1;
        }
        let mut columns: Vec<(Field, u32)> = Vec::new();
        let mut header_labels = Vec::new();
        for l in labels
            .iter()
            .filter(|l| l.pos.row >= row && l.pos.row <= last)
        {
            let wanted = PROJECT_FIELDS.contains(&l.field) || l.field.is_indicator_column();
            if wanted && !columns.iter().any(|(f, _)| *f == l.field) {
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
/// footer, a form's title, or a row naming no project and no indicator;
/// a total or subtotal row ends the project before it.
pub(super) fn forms(grid: &Grid, kinds: &Kinds, h: &Header, template: &RawForm) -> Vec<RawForm> {
    let t = Table::of(grid, h);
    let mut out: Vec<RawForm> = Vec::new();
    let mut current: Option<String> = None;
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
        match (&key, named) {
            (None, false) if current.is_some() => continue,
            (None, false) => break,
            (Some(_), _) if key != current => {
                current = key.clone();
                out.push(project(grid, h, row, template));
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

/// An export's table: its columns of indicators, the block they span.
struct Table {
    block: Block,
    indicators: Vec<(Field, u32)>,
    has_levels: bool,
    /// The columns naming the project: its code, its name.
    keys: Vec<u32>,
}

impl Table {
    fn of(grid: &Grid, h: &Header) -> Table {
        let col = |f: Field| h.columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
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
            keys: [Field::ProjectCode, Field::ProjectName]
                .iter()
                .filter_map(|f| col(*f))
                .collect(),
        }
    }

    /// What names the project of a row: its code, else its name.
    fn key_of(&self, grid: &Grid, row: u32) -> Option<String> {
        self.keys
            .iter()
            .map(|c| grid.text(Pos::new(row, *c)).trim().to_string())
            .find(|t| !t.is_empty())
    }
}

/// The form of the project whose first row is `row`: its fields from that
/// row, under the header's columns.
fn project(grid: &Grid, h: &Header, row: u32, template: &RawForm) -> RawForm {
    let col = |f: Field| h.columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
    let at = |f: Field| col(f).map(|c| super::RawField::at(grid, Pos::new(row, c)));
    let anchor = col(Field::ProjectName)
        .or_else(|| col(Field::ProjectCode))
        .map_or(Pos::new(row, 0), |c| grid.owner(Pos::new(row, c)));
    let mut form = RawForm {
        anchor,
        code: at(Field::ProjectCode),
        name: at(Field::ProjectName),
        unit: at(Field::Unit)
            .filter(|f| !f.is_blank())
            .or_else(|| at(Field::DeptName))
            .or_else(|| template.unit.clone()),
        dept: at(Field::Dept),
        func_class: at(Field::FuncClass),
        goals: at(Field::Goals),
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
