//! Parse stage: reads each located block's fields relative to their labels.
//!
//! Knows the form, not the file formats. Every value keeps the cell it came
//! from; values are raw text here, typed by the normalise stage.
//!
//! Imports only `locate`, `vocab` and `grid`.

mod export;
mod family;

pub use family::{is_instruction, RawTask};

use crate::grid::{Grid, Pos};
use crate::locate::{
    is_unit_marker, locate, Block, CellKind, Field, How, Kinds, Label, Matcher, TitleSays,
};
use crate::vocab::kind::{FormKind, Stage};
use crate::vocab::month::checkpoint_month;
use crate::vocab::unit::looks_like_unit;
use crate::vocab::year::year_of;

/// A value as written and the cell it was read from. A blank value still
/// names the cell where it was expected, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawField {
    pub text: String,
    pub pos: Option<Pos>,
}

impl RawField {
    fn at(grid: &Grid, pos: Pos) -> RawField {
        RawField::of_owner(grid, grid.owner(pos))
    }

    /// The field held by the cell at `owner` (a position [`Grid::owner`]
    /// gave: its merged range already resolved).
    fn of_owner(grid: &Grid, owner: Pos) -> RawField {
        RawField {
            text: grid.own_text(owner).into_owned(),
            pos: Some(owner),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.text.is_empty() || self.text.trim().is_empty()
    }
}

/// One spending-plan checkpoint as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCheckpoint {
    pub label: RawField,
    pub value: RawField,
}

/// One indicator row as written, merged cells resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawIndicator {
    pub row: Pos,
    pub level1: RawField,
    pub level2: RawField,
    pub level3: RawField,
    pub description: RawField,
    pub target: RawField,
    pub basis: RawField,
    /// The target's parts in columns of their own, when the table has them.
    pub op: RawField,
    pub unit: RawField,
    pub direction: RawField,
    pub weight: RawField,
    /// A self-evaluation's result, score and note on falling short, when
    /// the table has columns for them.
    pub result: Option<Box<RawResultCells>>,
}

/// An indicator row's cells of a self-evaluation's result columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawResultCells {
    pub actual: RawField,
    pub score: RawField,
    pub deviation: RawField,
}

/// Everything read from one form block, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawForm {
    pub file: std::sync::Arc<str>,
    pub sheet: std::sync::Arc<str>,
    /// The anchor label's cell.
    pub anchor: Pos,
    pub title: Option<RawField>,
    pub year: Option<RawField>,
    pub unit: Option<RawField>,
    pub amount_unit: Option<RawField>,
    pub code: Option<RawField>,
    pub name: Option<RawField>,
    pub budget_total: Option<RawField>,
    pub budget_fiscal: Option<RawField>,
    pub budget_other: Option<RawField>,
    pub purpose: Option<RawField>,
    pub func_class: Option<RawField>,
    /// 主管部门及代码: `[762]秦皇岛市…`.
    pub dept: Option<RawField>,
    pub plan: Vec<RawCheckpoint>,
    pub goals: Option<RawField>,
    pub indicators: Vec<RawIndicator>,
    /// Every label the form was read by, for `inspect`.
    pub labels: Vec<Label>,
    /// Rows passed over, and why, for `inspect`.
    pub skipped: Vec<Skipped>,
    /// Every money line of the form (total, 财政拨款 and its lines, carried
    /// over, other), in the order written; a self-evaluation's, by stage.
    pub funding: Vec<RawMoneyLine>,
    /// Which form of the family this is.
    pub kind: FormKind,
    /// A self-evaluation's goals as set out (预期目标) and as achieved
    /// (实际完成情况).
    pub goals_expected: Option<RawField>,
    pub goals_achieved: Option<RawField>,
    /// A self-evaluation's total executed (全年执行数 of the total line),
    /// its execution rate as written, total score (总分) and grade.
    pub executed_total: Option<RawField>,
    pub execution_rate: Option<RawField>,
    pub score_total: Option<RawField>,
    pub grade: Option<RawField>,
    /// A department form's task table (年度主要任务).
    pub tasks: Vec<RawTask>,
}

/// One money line as written: its field, label, stage and value; on a
/// self-evaluation's executed amount, the line's weight and score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMoneyLine {
    pub field: Field,
    /// The label as written (the sheet's own text, shared).
    pub label: std::sync::Arc<str>,
    pub stage: Stage,
    pub value: RawField,
    pub weight: Option<RawField>,
    pub score: Option<RawField>,
}

/// A row of a form that was passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub pos: Pos,
    pub why: &'static str,
}

/// Sheet- or workbook-wide statements that apply to every form below them.
#[derive(Debug, Clone, Default)]
pub struct Context {
    year: Option<RawField>,
    unit: Option<RawField>,
    amount_unit: Option<RawField>,
}

/// Finds and parses every form of a grid, in row order.
pub fn parse_grid(grid: &Grid, matcher: &Matcher) -> Vec<RawForm> {
    parse_grid_in(grid, matcher, &mut Context::default())
}

/// Finds and parses every form of a file's grids, in order. A year, unit or
/// amount unit stated once in the workbook (on a cover sheet, at the top of
/// the first sheet) applies to every form after it until another is stated.
pub fn parse_file(grids: &[Grid], matcher: &Matcher) -> Vec<RawForm> {
    let mut context = Context::default();
    grids
        .iter()
        .flat_map(|g| parse_grid_in(g, matcher, &mut context))
        .collect()
}

fn parse_grid_in(grid: &Grid, matcher: &Matcher, context: &mut Context) -> Vec<RawForm> {
    let kinds = Kinds::new(grid, matcher);
    let labels = kinds.labels();
    if let Some(header) = export::header(grid, &kinds, &labels) {
        return export_forms(grid, &kinds, &header, context);
    }
    let blocks = locate(grid, &labels, says_dept(grid, &kinds, matcher));
    let Some((first_row, _)) = grid.row_span() else {
        // A sheet without cells still states nothing; a cover sheet with
        // only a title or unit is read through its preamble below.
        return Vec::new();
    };
    if context.year.is_none() {
        context.year = grid
            .captions()
            .iter()
            .find(|c| year_of(c).is_some())
            .map(|c| RawField {
                text: c.clone(),
                pos: None,
            });
    }
    if blocks.is_empty() {
        // A sheet without forms (a cover page) may state the workbook's
        // year, unit or amount unit.
        let whole = Block {
            anchor: Pos::new(grid.row_span().map_or(0, |r| r.1) + 1, 0),
            last_row: 0,
            first_col: 0,
            last_col: grid.col_span().map_or(0, |c| c.1),
        };
        read_preamble(grid, &kinds, &whole, first_row, context);
        return Vec::new();
    }
    let mut forms = Vec::with_capacity(blocks.len());
    // The row after the previous form's last consumed row, per block column band.
    let mut consumed_to: Vec<(u32, u32, u32)> = Vec::new();
    for block in &blocks {
        let preamble_start = consumed_to
            .iter()
            .filter(|(c0, c1, _)| *c0 <= block.last_col && *c1 >= block.first_col)
            .map(|(_, _, r)| *r + 1)
            .max()
            .unwrap_or(first_row);
        let title = read_preamble(grid, &kinds, block, preamble_start, context);
        let mut form = parse_block(grid, &kinds, block, preamble_start, &labels, context);
        // A Word table's title is the paragraph above it.
        form.title = title.or_else(|| {
            let caption = grid.captions().iter().rev().find(|c| matcher.is_title(c))?;
            Some(RawField {
                text: caption.clone(),
                pos: None,
            })
        });
        let dept_anchor = kinds.field(block.anchor) == Some(Field::DeptName);
        // A title cell was classified with what it says; a caption is read.
        let says = form.title.as_ref().map(|t| match t.pos {
            Some(p) => kinds.title(p).unwrap_or_default(),
            None => title_says(&t.text),
        });
        form.kind = family::kind_of(says.unwrap_or_default(), &form.labels, dept_anchor);
        let end = form_end(&form).max(block.anchor.row);
        consumed_to.push((block.first_col, block.last_col, end));
        forms.push(form);
    }
    forms
}

/// The forms of a budget system's export ([`export`]): what the rows above
/// its header state (title, year, unit, amount unit) applies to each.
fn export_forms(
    grid: &Grid,
    kinds: &Kinds,
    header: &export::Header,
    context: &mut Context,
) -> Vec<RawForm> {
    let first_row = grid.row_span().map_or(0, |r| r.0);
    let above = Block {
        anchor: Pos::new(header.row, 0),
        last_row: header.row,
        first_col: 0,
        last_col: grid.col_span().map_or(0, |c| c.1),
    };
    let title = read_preamble(grid, kinds, &above, first_row, context);
    let says = title
        .as_ref()
        .map(|t| match t.pos {
            Some(p) => kinds.title(p).unwrap_or_default(),
            None => title_says(&t.text),
        })
        .unwrap_or_default();
    let template = RawForm {
        file: grid.file.clone(),
        sheet: grid.sheet.clone(),
        title,
        year: context.year.clone(),
        unit: context.unit.clone(),
        amount_unit: amount_unit(grid, &header.labels).or_else(|| context.amount_unit.clone()),
        kind: family::kind_of(says, &header.labels, false),
        ..RawForm::default()
    };
    export::forms(grid, kinds, header, &template)
}

/// True when a title of the sheet (a cell, or a Word table's caption) names
/// a department's form (部门整体支出绩效目标表).
fn says_dept(grid: &Grid, kinds: &Kinds, matcher: &Matcher) -> bool {
    kinds.titles().any(|t| t.dept)
        || grid
            .captions()
            .iter()
            .any(|c| matcher.is_title(c) && title_says(c).dept)
}

/// What a title's text says of its form's kind.
fn title_says(text: &str) -> TitleSays {
    let (dept, self_eval) = FormKind::title_says(&crate::vocab::text::fold_label(text));
    TitleSays {
        dept: dept.is_some(),
        self_eval: self_eval.is_some(),
    }
}

/// Reads title, year, unit and amount unit from the rows above a form and
/// returns the title. A year, unit or amount unit found replaces the sheet
/// context, so one stated once at the top of a sheet applies to every form
/// below it.
fn read_preamble(
    grid: &Grid,
    kinds: &Kinds,
    block: &Block,
    from: u32,
    ctx: &mut Context,
) -> Option<RawField> {
    let mut title = None;
    if from >= block.anchor.row {
        return None;
    }
    let rows = (from, block.anchor.row - 1);
    for (pos, _) in grid.cells_in(rows, (block.first_col, block.last_col)) {
        if grid.owner(pos) != pos {
            continue;
        }
        let text = grid.text(pos);
        let field = || RawField {
            text: text.to_string(),
            pos: Some(pos),
        };
        // A title may state the year too (`…自评表(2023年度)`).
        let is_title = kinds.is_title(pos);
        if is_title {
            title = Some(field());
        }
        let year = match is_title {
            true => crate::vocab::year::year_in_title(&text),
            false => year_of(&text),
        };
        if year.is_some() {
            ctx.year = Some(field());
        } else if is_title {
            continue;
        } else if kinds.is_unit_marker(pos) {
            ctx.amount_unit = Some(field());
        } else if looks_like_unit(&text) {
            ctx.unit = Some(joined_unit(grid, pos, block.last_col));
        }
    }
    title
}

/// A unit or department value that is a code alone (`433001`) takes its
/// name from the next cell when that is no label (`433001 | 乌海市…`).
fn with_name(grid: &Grid, kinds: &Kinds, field: RawField) -> RawField {
    let Some(pos) = field.pos else {
        return field;
    };
    let code = field.text.trim();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
        return field;
    }
    let next = grid.owner(Pos::new(pos.row, grid.right_edge(pos) + 1));
    if kinds.field(next).is_some() {
        return field;
    }
    let name = grid.own_text(next);
    if name.is_empty() {
        return field;
    }
    RawField {
        text: format!("{code} {name}"),
        pos: Some(pos),
    }
}

/// A unit code alone in its cell takes the name from the next cell.
fn joined_unit(grid: &Grid, pos: Pos, last_col: u32) -> RawField {
    let text = grid.text(pos).into_owned();
    if text.chars().all(|c| c.is_ascii_digit()) {
        let next = grid.right_edge(pos) + 1;
        if next <= last_col {
            let name = grid.text(Pos::new(pos.row, next));
            if !name.is_empty() && !is_unit_marker(&name) {
                return RawField {
                    text: format!("{text} {name}"),
                    pos: Some(pos),
                };
            }
        }
    }
    RawField {
        text,
        pos: Some(pos),
    }
}

/// A text that reads as a label by its terms, kept as a label or not.
fn label_like(text: &str) -> bool {
    let key = crate::vocab::text::fold_label(text);
    crate::locate::by_meaning(crate::vocab::text::without_notes(&key)).is_some()
}

/// A section heading (`绩效指标`, `产出指标`): the start of the indicator
/// table under a goals label, never the goals.
fn is_heading(text: &str) -> bool {
    let key = crate::vocab::text::fold_label(text);
    key.chars().count() <= 10
        && (key.ends_with("指标") || key.ends_with("目标") || key.ends_with('表'))
}

/// The value of a cell holding its label too: what follows the first
/// colon (`财政拨款：6923.3552万元(其中…)` → `6923.3552万元(其中…)`).
fn inline_value(grid: &Grid, at: Pos) -> RawField {
    let text = grid.own_text(at);
    let value = text.split_once([':', '：']).map_or("", |(_, v)| v).trim();
    RawField {
        text: value.to_string(),
        pos: Some(at),
    }
}

/// A column header carrying its unit (`总体完成率(%)`, `金额(万元)`): a
/// header, never a value.
fn is_unit_header(text: &str) -> bool {
    // Most cells are values: no closing bracket, no folding.
    if !text.trim_end().ends_with([')', '）']) {
        return false;
    }
    let key = crate::vocab::text::fold_label(text);
    let Some(inner) = key.strip_suffix(')').and_then(|k| k.rsplit_once('(')) else {
        return false;
    };
    let unit = inner.1;
    !inner.0.is_empty()
        && inner.0.chars().count() <= 12
        && (unit == "%" || crate::vocab::money::MoneyUnit::parse(unit).is_some())
}

/// The label's value: the cell just right of the label (after its merged
/// range). A cell that is itself a label, a form's title or an amount-unit
/// statement means the value is blank: a value is never a label.
fn adjacent(grid: &Grid, kinds: &Kinds, label: Pos) -> RawField {
    if kinds.is_inline(label) {
        return inline_value(grid, label);
    }
    let pos = Pos::new(label.row, grid.right_edge(label) + 1);
    let owner = grid.owner(pos);
    let unit_header = || match grid.own_value(owner) {
        crate::grid::CellValue::Text(t) => is_unit_header(t),
        _ => false,
    };
    if matches!(
        kinds.get(owner),
        Some(CellKind::Label(..) | CellKind::Title(_) | CellKind::UnitMarker)
    ) || unit_header()
    {
        return RawField {
            text: String::new(),
            pos: Some(pos),
        };
    }
    RawField::of_owner(grid, owner)
}

/// Reads a block's fields. Labels are taken from `from` (the row after the
/// previous form) down to the block's end, so a label written above the
/// anchor (项目名称 over 项目代码) belongs to the form.
fn parse_block(
    grid: &Grid,
    kinds: &Kinds,
    block: &Block,
    from: u32,
    all_labels: &[Label],
    ctx: &Context,
) -> RawForm {
    let labels: Vec<Label> = all_labels
        .iter()
        .filter(|l| {
            l.pos.row >= from.min(block.anchor.row)
                && l.pos.row <= block.last_row
                && l.pos.col >= block.first_col
                && l.pos.col <= block.last_col
        })
        .copied()
        .collect();
    let first = |f: Field| labels.iter().find(|l| l.field == f).map(|l| l.pos);
    let value = |f: Field| value_of(grid, kinds, &labels, f);
    let mut form = RawForm {
        file: grid.file.clone(),
        sheet: grid.sheet.clone(),
        anchor: block.anchor,
        year: ctx.year.clone(),
        code: value(Field::ProjectCode),
        name: value(Field::ProjectName),
        func_class: value(Field::FuncClass),
        dept: value(Field::Dept)
            .filter(|f| !f.is_blank())
            .or_else(|| value(Field::DeptName))
            .map(|f| with_name(grid, kinds, f)),
        ..RawForm::default()
    };
    // A form with no unit of its own is its department's (主管部门
    // submitting its own project).
    form.unit = value(Field::Unit)
        .map(|f| with_name(grid, kinds, f))
        .filter(|f| !f.is_blank())
        .or_else(|| dept_unit(grid, kinds, block, &labels))
        .or_else(|| ctx.unit.clone())
        .or_else(|| form.dept.clone().filter(|d| !d.is_blank()));
    form.amount_unit = amount_unit(grid, &labels).or_else(|| ctx.amount_unit.clone());
    if let Some(p) = first(Field::Plan) {
        form.plan = plan(grid, kinds, p, block.last_col);
    }
    let header = indicator_header(grid, &labels);
    if let Some(header) = header {
        form.indicators = indicators(grid, kinds, header, block, &mut form.skipped);
    }
    read_family(grid, kinds, block, &labels, header, &mut form);
    // The purpose under a money group label, unless the group heads a
    // self-evaluation's money table (its stage columns are no purpose).
    let staged = form.funding.iter().any(|m| m.stage != Stage::Budget);
    form.purpose = value(Field::Purpose)
        .or_else(|| {
            let group = first(Field::BudgetGroup).filter(|_| !staged);
            purpose_in_group(grid, kinds, group, first(Field::BudgetTotal))
        })
        .or_else(|| value(Field::Duties));
    form.labels = labels;
    form
}

/// The first label of the field with a value beside it, else the first
/// (a column header such as 年初安排金额 above the money rows has none).
/// A listed label goes before one found by its terms, and the year's
/// before a multi-year one (`中期资金总额` beside `年度资金总额`).
fn value_of(grid: &Grid, kinds: &Kinds, labels: &[Label], f: Field) -> Option<RawField> {
    let mut blank = None;
    for l in by_preference(grid, labels, f) {
        let v = adjacent(grid, kinds, l.pos);
        if !v.is_blank() {
            return Some(v);
        }
        blank.get_or_insert(v);
    }
    blank
}

/// The labels of field `f`, the most telling first: the year's before a
/// multi-year one, listed before found by terms, one naming the year
/// (年度, 当年) before one that does not, then in sheet order.
fn by_preference<'a>(grid: &Grid, labels: &'a [Label], f: Field) -> Vec<&'a Label> {
    let mut of: Vec<&Label> = labels.iter().filter(|l| l.field == f).collect();
    if of.len() > 1 {
        let multi_year = |l: &Label| {
            let text = grid.text(l.pos);
            crate::locate::MULTI_YEAR.iter().any(|w| text.contains(w))
        };
        let annual = |l: &Label| {
            let text = grid.text(l.pos);
            ["年度", "当年", "本年"].iter().any(|w| text.contains(w))
        };
        // A stable sort: sheet order within each rank.
        of.sort_by_key(|l| (multi_year(l), l.how != How::Listed, !annual(l)));
    }
    of
}

/// A department form's unit: the department itself, its code
/// (部门预算编码) and name (部门(单位)名称) joined.
fn dept_unit(grid: &Grid, kinds: &Kinds, block: &Block, labels: &[Label]) -> Option<RawField> {
    if kinds.field(block.anchor) != Some(Field::DeptName) {
        return None;
    }
    let name = adjacent(grid, kinds, block.anchor);
    let code = value_of(grid, kinds, labels, Field::Dept).filter(|c| !c.is_blank());
    Some(match code {
        Some(c) if !name.is_blank() => RawField {
            text: format!("{} {}", c.text.trim(), name.text.trim()),
            pos: name.pos,
        },
        _ => name,
    })
}

/// The parts of a form that belong to the family beyond the project target
/// form: money (by stage in a self-evaluation's table), goals as set and
/// as achieved, total score and grade, a department's tasks.
fn read_family(
    grid: &Grid,
    kinds: &Kinds,
    block: &Block,
    labels: &[Label],
    header: Option<Pos>,
    form: &mut RawForm,
) {
    // Most forms are target forms: each part is looked for only when one
    // of its labels is there.
    let present = FieldSet::of(labels);
    let mut taken: Vec<(u32, u32)> = Vec::new();
    // Money words in the indicator table (基本支出 as an indicator) are
    // no money lines.
    if let (Some(h), Some(last)) = (header, form.indicators.last()) {
        taken.push((h.row, last.row.row));
    }
    if present.has(Field::Tasks) {
        if let Some((rows, at)) = family::tasks(grid, labels, block.last_row) {
            form.tasks = rows;
            taken.push(at);
        }
    }
    // 合计 in the money table is its total line, not the total score.
    let mut money_rows = (1, 0);
    let staged = [
        Field::StageYearStart,
        Field::StageFullYear,
        Field::StageExecuted,
    ];
    if staged.iter().any(|f| present.has(*f)) {
        if let Some(t) = family::money_table(grid, labels) {
            form.execution_rate = t.rate;
            form.funding = t.lines;
            money_rows = t.rows;
            taken.push(t.rows);
        }
    }
    let outside = |l: &Label| {
        !taken
            .iter()
            .any(|(a, b)| l.pos.row >= *a && l.pos.row <= *b)
    };
    form.funding
        .extend(money_lines(grid, kinds, labels, outside));
    if !form.funding.iter().any(|m| m.stage == Stage::Executed) {
        form.funding.extend(executed_beside(grid, kinds, labels));
    }
    read_results(grid, kinds, block, labels, present, money_rows, form);
    money_fields(form);
}

/// A form without a table of stages that writes what was spent as a label
/// and its amount (`执行数 | 6.84`, `全年执行数：89.97`): the executed
/// total.
fn executed_beside(grid: &Grid, kinds: &Kinds, labels: &[Label]) -> Option<RawMoneyLine> {
    labels
        .iter()
        .filter(|l| l.field == Field::StageExecuted)
        .find_map(|l| {
            let value = adjacent(grid, kinds, l.pos);
            family::is_amount(&value.text).then(|| RawMoneyLine {
                field: Field::BudgetTotal,
                label: label_text(grid, l.pos),
                stage: Stage::Executed,
                value,
                weight: None,
                score: None,
            })
        })
}

/// The goals (as set, or set out and achieved), the total score and the
/// grade.
fn read_results(
    grid: &Grid,
    kinds: &Kinds,
    block: &Block,
    labels: &[Label],
    present: FieldSet,
    money_rows: (u32, u32),
    form: &mut RawForm,
) {
    let heading = |f: Field| {
        present
            .has(f)
            .then(|| family::heading_value(grid, kinds, labels, f))
            .flatten()
    };
    form.goals_expected = heading(Field::GoalsExpected);
    form.goals_achieved = heading(Field::GoalsAchieved);
    if form.goals_expected.is_none() && form.goals_achieved.is_none() {
        form.goals = goals(grid, kinds, labels);
    }
    if present.has(Field::ScoreTotal) {
        let score_col = indicator_columns_of(grid, kinds, labels, block)
            .into_iter()
            .find(|(f, _)| *f == Field::Score)
            .map(|(_, c)| c);
        form.score_total = family::score_total(grid, kinds, labels, score_col, money_rows);
    }
    if present.has(Field::Grade) {
        form.grade = value_of(grid, kinds, labels, Field::Grade);
    }
}

/// The fields a form's labels announce, as a set.
#[derive(Debug, Clone, Copy, Default)]
struct FieldSet(u64);

impl FieldSet {
    fn of(labels: &[Label]) -> FieldSet {
        FieldSet(labels.iter().fold(0, |m, l| m | 1 << (l.field as u64)))
    }

    fn has(self, f: Field) -> bool {
        self.0 & 1 << (f as u64) != 0
    }
}

/// The indicator table's columns, when the form has one.
fn indicator_columns_of(
    grid: &Grid,
    kinds: &Kinds,
    labels: &[Label],
    block: &Block,
) -> Vec<(Field, u32)> {
    match indicator_header(grid, labels) {
        Some(h) => indicator_columns(grid, kinds, h, block).0,
        None => Vec::new(),
    }
}

/// The money fields are lines of the funding read (read once, kept in
/// both): the total, 财政拨款 and other money as budgeted (on a
/// self-evaluation, for the full year, else at its start), and the total
/// executed.
fn money_fields(form: &mut RawForm) {
    // The year's line before a multi-year one (`年度资金总额` beside
    // `中期资金总额`).
    let multi_year = |m: &RawMoneyLine| {
        crate::locate::MULTI_YEAR
            .iter()
            .any(|w| m.label.contains(w))
    };
    let pick = |f: Field, stages: &[Stage], col: Option<u32>| {
        stages.iter().find_map(|s| {
            let of = || {
                form.funding
                    .iter()
                    .filter(|m| m.field == f && m.stage == *s)
            };
            // In the total's column (the year's half of a form that writes
            // the money twice), else the year's, else the first.
            let in_col = |m: &&RawMoneyLine| col.is_some() && m.value.pos.map(|p| p.col) == col;
            of().find(in_col)
                .or_else(|| of().find(|m| !multi_year(m)))
                .or_else(|| of().next())
                .map(|m| m.value.clone())
        })
    };
    let line = |f: Field, stages: &[Stage]| pick(f, stages, None);
    let budget = [Stage::Budget, Stage::FullYear, Stage::YearStart];
    let total = line(Field::BudgetTotal, &budget);
    let col = total.as_ref().and_then(|t| t.pos).map(|p| p.col);
    form.budget_fiscal = pick(Field::BudgetFiscal, &budget, col);
    form.budget_other = pick(Field::BudgetOther, &budget, col);
    form.budget_total = total;
    form.executed_total = line(Field::BudgetTotal, &[Stage::Executed]);
}

/// A label's text, trimmed: the cell's own shared text when it needs no
/// trimming (no copy).
fn label_text(grid: &Grid, pos: Pos) -> std::sync::Arc<str> {
    // A label is a stored cell: no merged range to resolve.
    match grid.own_value(pos) {
        crate::grid::CellValue::Text(t) if t.trim().len() == t.len() => std::sync::Arc::clone(t),
        _ => grid.text(pos).as_ref().into(),
    }
}

/// The form's money lines: each money label with its value; a label with
/// no value only when no other label of its field has one (a column
/// header such as 年初安排金额 above the lines is not a line).
fn money_lines(
    grid: &Grid,
    kinds: &Kinds,
    labels: &[Label],
    keep: impl Fn(&Label) -> bool,
) -> Vec<RawMoneyLine> {
    let mut lines: Vec<RawMoneyLine> = labels
        .iter()
        .filter(|l| l.field.money_line().is_some() && keep(l))
        .map(|l| RawMoneyLine {
            field: l.field,
            label: label_text(grid, l.pos),
            stage: Stage::Budget,
            value: adjacent(grid, kinds, l.pos),
            weight: None,
            score: None,
        })
        .collect();
    let valued = FieldSet(
        lines
            .iter()
            .filter(|m| !m.value.is_blank())
            .fold(0, |set, m| set | 1 << (m.field as u64)),
    );
    lines.retain(|m| !m.value.is_blank() || !valued.has(m.field));
    lines
}

/// The goals: the value right of a goals label, or, in a header-then-content
/// layout (`年度目标` in a header row), the text in the row below it. A
/// label with neither (a section heading such as `年度绩效目标` over the
/// indicator table) gives way to the next goals label.
fn goals(grid: &Grid, kinds: &Kinds, labels: &[Label]) -> Option<RawField> {
    let mut first = None;
    for l in by_preference(grid, labels, Field::Goals) {
        let right = adjacent(grid, kinds, l.pos);
        // Goals are sentences: a header beside the label (`年度总体目标完成情况`
        // over a column of its own) is none.
        if !right.is_blank() && !label_like(&right.text) {
            return Some(right);
        }
        let below = grid.owner(Pos::new(grid.bottom_edge(l.pos) + 1, l.pos.col));
        if kinds.field(below).is_none() && !kinds.is_title(below) {
            let value = RawField::of_owner(grid, below);
            if !value.is_blank() && !is_heading(&value.text) {
                return Some(value);
            }
        }
        first.get_or_insert(right);
    }
    first
}

/// The unit a form's money labels state, the nearest first: in a money
/// label itself (`预算数（元）`, `财政拨款(万元)`), in the group label over
/// them (`项目资金（元）`, `资金情况(元)`), or in the header cell left of
/// the 预算数 label (a merged `投入目标(万元)`).
fn amount_unit(grid: &Grid, labels: &[Label]) -> Option<RawField> {
    use crate::vocab::money::find_money_unit;
    let money = [
        Field::BudgetTotal,
        Field::BudgetFiscal,
        Field::BudgetOther,
        Field::BudgetGroup,
    ];
    let states = |p: &Pos| find_money_unit(&grid.text(*p)).is_some();
    let in_label = money
        .iter()
        .flat_map(|f| labels.iter().filter(move |l| l.field == *f))
        .map(|l| l.pos)
        .find(states);
    let left_of_total = || {
        let total = labels.iter().find(|l| l.field == Field::BudgetTotal)?.pos;
        let left = grid.owner(Pos::new(total.row, total.col.checked_sub(1)?));
        states(&left).then_some(left)
    };
    in_label
        .or_else(left_of_total)
        .map(|p| RawField::at(grid, p))
}

/// The purpose under a group label such as 预算规模及资金用途 merged over two
/// rows: the text in the group's row that is not the 预算数 row.
fn purpose_in_group(
    grid: &Grid,
    kinds: &Kinds,
    group: Option<Pos>,
    total: Option<Pos>,
) -> Option<RawField> {
    let group = group?;
    let total_row = total.map(|t| t.row);
    let last = grid.bottom_edge(group);
    let rows: Vec<u32> = if last > group.row {
        (group.row..=last)
            .filter(|r| Some(*r) != total_row)
            .collect()
    } else {
        // Not merged: the purpose is on the row below, under a blank label cell.
        let below = Pos::new(group.row + 1, group.col);
        if grid.text(below).is_empty() {
            vec![group.row + 1]
        } else {
            Vec::new()
        }
    };
    let start_col = grid.right_edge(group) + 1;
    let (_, last_col) = grid.col_span()?;
    for row in rows {
        for (pos, _) in grid.cells_in((row, row), (start_col, last_col)) {
            if kinds.field(pos).is_none() {
                return Some(RawField::at(grid, pos));
            }
        }
    }
    None
}

/// Checkpoint headers right of the plan label; each value is the cell below
/// its header.
fn plan(grid: &Grid, kinds: &Kinds, label: Pos, last_col: u32) -> Vec<RawCheckpoint> {
    let mut out = Vec::new();
    let cols = (grid.right_edge(label) + 1, last_col);
    for (pos, _) in grid.cells_in((label.row, label.row), cols) {
        if kinds.field(pos).is_some() {
            break;
        }
        let text = grid.text(pos);
        if grid.owner(pos) == pos && (checkpoint_month(&text).is_some() || text.contains('月')) {
            let value_pos = Pos::new(grid.bottom_edge(pos) + 1, pos.col);
            out.push(RawCheckpoint {
                label: RawField::at(grid, pos),
                value: RawField::at(grid, value_pos),
            });
        }
    }
    out
}

/// The indicator table's header: the first row of labels holding two
/// indicator columns, one of them a level, the indicator's name or its
/// target — 一级指标 in most templates; 指标名称 and 指标值 in one without
/// level columns. Its first such label.
fn indicator_header(grid: &Grid, labels: &[Label]) -> Option<Pos> {
    let headers = crate::locate::indicator_header_rows(labels);
    // Tables stacked one under the other (长期绩效指标, then 年度绩效指标):
    // the year's, the one whose row is headed by 年度.
    let annual = |h: &&Pos| {
        grid.cells_in((h.row, h.row), (0, h.col.saturating_sub(1)))
            .any(|(p, _)| grid.own_text(grid.owner(p)).contains("年度"))
    };
    headers.iter().find(annual).or(headers.first()).copied()
}

/// The indicator table under its header row. Columns are found by their
/// header labels; merged cells (level 1 over several rows) give each row
/// their value, and a blank level 1 or 2 repeats the one above. The table
/// ends at the next form's title, unit or labels, a footer (`填报人：…`), a
/// row with no level that does not sit right under the table, or the
/// block's end.
fn indicators(
    grid: &Grid,
    kinds: &Kinds,
    header: Pos,
    block: &Block,
    skipped: &mut Vec<Skipped>,
) -> Vec<RawIndicator> {
    let (columns, header_last) = indicator_columns(grid, kinds, header, block);
    let has_levels = columns
        .iter()
        .any(|(f, _)| matches!(f, Field::Level1 | Field::Level2));
    let mut out: Vec<RawIndicator> = Vec::new();
    // The last row read as an indicator or passed over as a placeholder.
    let mut last_taken: Option<u32> = None;
    let mut carry = Carry::default();
    let start = header_last + 1;
    for row in grid.content_rows((start, block.last_row)) {
        if ends_table(grid, kinds, row, block, &columns) {
            break;
        }
        let mut ind = indicator_row(grid, row, block, &columns);
        if ind.level3.is_blank() && ind.description.is_blank() && ind.target.is_blank() {
            continue;
        }
        if is_placeholder(&ind) {
            last_taken = Some(row);
            skipped.push(Skipped {
                pos: ind.row,
                why: "a template placeholder row (指标1, ……), not an indicator",
            });
            continue;
        }
        // A footer such as 填报人：张三 ends the table.
        if ind.level1.text.contains([':', '：']) || is_footer(&ind.level3.text) {
            break;
        }
        if carry.node(&ind, has_levels) {
            last_taken = Some(row);
            continue;
        }
        let right_under = last_taken.is_some_and(|r| r + 1 == row);
        if !continues(&ind, has_levels, right_under) || one_note(grid, &ind) {
            break;
        }
        carry.fill(&mut ind, out.last(), has_levels);
        last_taken = Some(row);
        out.push(ind);
    }
    level1_from_below(&mut out);
    out
}

/// The first rows of a table with no level 1 take the first one written
/// below them: a level 1 written once in the middle of its rows (a cell
/// centred by hand, not merged).
fn level1_from_below(rows: &mut [RawIndicator]) {
    let Some(first) = rows.iter().position(|i| !i.level1.is_blank()) else {
        return;
    };
    let level1 = rows[first].level1.clone();
    for ind in &mut rows[..first] {
        ind.level1 = level1.clone();
    }
}

/// A form's footer (`填报人：张三`, `联系电话：…`, `审核人：…`) in the
/// indicator column of a table without level columns.
fn is_footer(text: &str) -> bool {
    let key = crate::vocab::text::fold_label(text);
    key.contains(':')
        && [
            "填报",
            "填表",
            "联系",
            "审核",
            "负责人",
            "经办",
            "日期",
            "制表",
        ]
        .iter()
        .any(|w| key.starts_with(w))
}

/// Right under an indicator row, a row continues the table when it has a
/// level, or both its indicator and target; after a blank row (or as the
/// first row) its level 1 must look like one. In a table without level
/// columns, a row continues it when it names an indicator and says
/// something of its target.
fn continues(ind: &RawIndicator, has_levels: bool, right_under: bool) -> bool {
    if !has_levels {
        !ind.level3.is_blank() && says_target(ind)
    } else if right_under {
        !ind.level1.is_blank()
            || !ind.level2.is_blank()
            || (!ind.level3.is_blank() && !ind.target.is_blank())
    } else {
        // A level 1 written once in the middle of its rows leaves the
        // first rows with a level 2 alone.
        looks_like_level1(&ind.level1.text)
            || (ind.level1.is_blank() && looks_like_level1(&ind.level2.text))
    }
}

/// The levels an indicator row leaves blank: the row above's in a table
/// with level columns (level 1 merged over its rows, written once), or
/// those of an indented tree (产出指标, then 数量指标, then the indicators,
/// each level a row of its own in the indicator column).
#[derive(Default)]
struct Carry {
    tree: (RawField, RawField),
}

impl Carry {
    /// Takes a row that only names a level as a node of the tree.
    fn node(&mut self, ind: &RawIndicator, has_levels: bool) -> bool {
        match level_row(ind, has_levels) {
            Some((true, f)) => self.tree = (f, RawField::default()),
            Some((false, f)) => self.tree.1 = f,
            None => return false,
        }
        true
    }

    fn fill(&self, ind: &mut RawIndicator, prev: Option<&RawIndicator>, has_levels: bool) {
        if let (Some(prev), true) = (prev, has_levels) {
            if ind.level1.is_blank() {
                ind.level1 = prev.level1.clone();
                if ind.level2.is_blank() {
                    ind.level2 = prev.level2.clone();
                }
            }
        }
        if ind.level1.is_blank() && ind.level2.is_blank() {
            (ind.level1, ind.level2) = self.tree.clone();
        }
    }
}

/// A row that only names a level (产出指标, 数量指标) in the indicator
/// column, nothing of a target: a node of an indented tree of levels, not
/// an indicator. `true` for a level 1.
fn level_row(ind: &RawIndicator, has_levels: bool) -> Option<(bool, RawField)> {
    if has_levels || says_target(ind) || !ind.description.is_blank() {
        return None;
    }
    use crate::vocab::level::{level_word, LevelWord};
    match level_word(&ind.level3.text)? {
        LevelWord::One(_) => Some((true, ind.level3.clone())),
        LevelWord::Two(_) => Some((false, ind.level3.clone())),
    }
}

/// True when the row says something of its indicator's target: a value,
/// an operator (`定性` too), a unit or a weight.
fn says_target(ind: &RawIndicator) -> bool {
    [&ind.target, &ind.op, &ind.unit, &ind.weight, &ind.direction]
        .iter()
        .any(|f| !f.is_blank())
}

/// One row of the indicator table, each cell under its column's header.
fn indicator_row(grid: &Grid, row: u32, block: &Block, columns: &[(Field, u32)]) -> RawIndicator {
    let col_of = |f: Field| columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
    let get = |f: Field| {
        col_of(f).map_or_else(RawField::default, |c| RawField::at(grid, Pos::new(row, c)))
    };
    let results = columns
        .iter()
        .any(|(f, _)| matches!(f, Field::Actual | Field::Score | Field::DeviationNote));
    RawIndicator {
        row: Pos::new(row, columns.first().map_or(block.first_col, |(_, c)| *c)),
        level1: get(Field::Level1),
        level2: get(Field::Level2),
        level3: get(Field::Level3),
        description: get(Field::Description),
        target: get(Field::Target),
        basis: get(Field::Basis),
        op: get(Field::TargetOp),
        unit: get(Field::TargetUnit),
        direction: get(Field::TargetDirection),
        weight: get(Field::Weight),
        result: results.then(|| {
            Box::new(RawResultCells {
                actual: get(Field::Actual),
                score: get(Field::Score),
                deviation: get(Field::DeviationNote),
            })
        }),
    }
}

/// The indicator table's columns: each indicator field's header cell, and
/// the header's last row. A header of two rows (a group such as 年度指标值
/// merged over 指标性质 · 指标值 · 度量单位, or 绩效指标 over 一级 · 二级 ·
/// 三级) takes each column's own label from the lower row, else the label
/// merged over it from the upper; a group's first column without a label
/// of its own takes the group's field. A table of two halves side by side
/// (long-term and annual: each field twice) is read from the half whose
/// indicators are filled in, the later when both are. A table with no
/// 三级指标 column names its indicators in the header cell that says 指标
/// alone (`指标`, `绩效指标`), else in its 指标内容 column.
fn indicator_columns(
    grid: &Grid,
    kinds: &Kinds,
    header: Pos,
    block: &Block,
) -> (Vec<(Field, u32)>, u32) {
    let r = header.row;
    let span = (block.first_col, block.last_col);
    let lower_labels = grid.cells_in((r + 1, r + 1), span).any(|(p, _)| {
        kinds.field(p).is_some_and(Field::is_indicator_column) || under_a_group(grid, kinds, p)
    });
    let (all, bare, last) = match lower_labels {
        false => (
            header_row(grid, kinds, r, span),
            bare_indicator(grid, kinds, r, span),
            r,
        ),
        true => (two_row_header(grid, kinds, r, span), None, r + 1),
    };
    let mut columns = filled_half(grid, split_halves(all), (last, block.last_row));
    let has = |f: Field| columns.iter().any(|(g, _)| *g == f);
    if !has(Field::Level3) {
        if let Some(col) = bare {
            columns.push((Field::Level3, col));
        } else if let Some(d) = columns.iter_mut().find(|(f, _)| *f == Field::Description) {
            d.0 = Field::Level3;
        }
        columns.sort_by_key(|(_, c)| *c);
    }
    (columns, last.max(grid.bottom_edge(header)))
}

/// The indicator columns of one header row, in column order.
fn header_row(grid: &Grid, kinds: &Kinds, row: u32, span: (u32, u32)) -> Vec<(Field, u32)> {
    grid.cells_in((row, row), span)
        .filter(|(p, _)| grid.owner(*p) == *p)
        .filter_map(|(p, _)| {
            kinds
                .field(p)
                .filter(|f| f.is_indicator_column())
                .map(|f| (f, p.col))
        })
        .collect()
}

/// The header cell left of every labelled indicator column that says 指标
/// alone: the column of indicators' names in a table without levels.
fn bare_indicator(grid: &Grid, kinds: &Kinds, row: u32, span: (u32, u32)) -> Option<u32> {
    let mut found = None;
    for (p, _) in grid.cells_in((row, row), span) {
        match kinds.field(p) {
            Some(f) if f.is_indicator_column() => break,
            // Not a heading merged down over the table's rows (长期绩效指标).
            None if grid.owner(p) == p
                && grid.bottom_edge(p) == row
                && says_indicator(&grid.own_text(p)) =>
            {
                found = Some(p.col)
            }
            _ => {}
        }
    }
    found
}

/// True when `p`, in the row under a header, holds text under an indicator
/// label merged over several columns: a sub-header (`2021年实际实现值`,
/// `预期2022年实现值` under 指标值).
fn under_a_group(grid: &Grid, kinds: &Kinds, p: Pos) -> bool {
    let Some(row) = p.row.checked_sub(1) else {
        return false;
    };
    let upper = grid.owner(Pos::new(row, p.col));
    // The sub-cells split the group (a value row merged as the group is
    // is no sub-header).
    grid.right_edge(upper) > upper.col
        && grid.right_edge(p) < grid.right_edge(upper)
        && kinds.field(upper).is_some_and(Field::is_indicator_column)
        && !grid.own_text(p).is_empty()
}

/// Of a group's sub-columns without labels of their own (values by year),
/// the one a target is read from: one that says it is expected or planned
/// (预期, 目标, 计划, 预计), else one that is not what was achieved (实际).
fn year_column(grid: &Grid, row: u32, cols: &[u32]) -> Option<u32> {
    let says = |c: &u32, words: &[&str]| {
        let text = grid.own_text(Pos::new(row, *c));
        words.iter().any(|w| text.contains(w))
    };
    cols.iter()
        .find(|c| says(c, &["预期", "目标", "计划", "预计"]))
        .or_else(|| cols.iter().find(|c| !says(c, &["实际", "完成"])))
        .copied()
}

/// The columns of a header of two rows (see [`indicator_columns`]).
fn two_row_header(grid: &Grid, kinds: &Kinds, r: u32, span: (u32, u32)) -> Vec<(Field, u32)> {
    let mut out: Vec<(Field, u32)> = Vec::new();
    let mut groups_used: Vec<Pos> = Vec::new();
    let last = grid.col_span().map_or(span.1, |c| c.1).min(span.1);
    for c in span.0..=last {
        let lower = grid.owner(Pos::new(r + 1, c));
        let upper = grid.owner(Pos::new(r, c));
        let field = if lower == Pos::new(r + 1, c) {
            let own = kinds
                .field(lower)
                .filter(|f| f.is_indicator_column())
                .or_else(|| {
                    let text = grid.own_text(lower);
                    crate::vocab::text::fold_label(&text)
                        .starts_with("单位")
                        .then_some(Field::TargetUnit)
                });
            // A group's column without a label of its own: the one of its
            // unlabelled sub-columns a target is read from.
            own.or_else(|| {
                let group = kinds.field(upper).filter(|f| f.is_indicator_column())?;
                if groups_used.contains(&upper) || out.iter().any(|(f, _)| *f == group) {
                    return None;
                }
                let unlabelled: Vec<u32> = (upper.col..=grid.right_edge(upper))
                    .filter(|k| kinds.field(grid.owner(Pos::new(r + 1, *k))).is_none())
                    .collect();
                (year_column(grid, r + 1, &unlabelled) == Some(c)).then(|| {
                    groups_used.push(upper);
                    group
                })
            })
        } else if lower.row == r && lower.col == c {
            kinds.field(lower).filter(|f| f.is_indicator_column())
        } else {
            None
        };
        if let Some(f) = field {
            out.push((f, c));
        }
    }
    out
}

/// The columns split where a field comes again: the halves of a table of
/// two side by side. A later half that does not repeat a column of the
/// first (一级指标 written once, left of both halves) shares it.
fn split_halves(all: Vec<(Field, u32)>) -> Vec<Vec<(Field, u32)>> {
    let mut halves: Vec<Vec<(Field, u32)>> = vec![Vec::new()];
    for (f, c) in all {
        let half = halves.last_mut().expect("one half");
        if half.iter().any(|(g, _)| *g == f) {
            halves.push(vec![(f, c)]);
        } else {
            half.push((f, c));
        }
    }
    let first = halves[0].clone();
    for half in halves.iter_mut().skip(1) {
        let start = half.first().map_or(0, |(_, c)| *c);
        for (f, c) in &first {
            if *c < start && !half.iter().any(|(g, _)| g == f) {
                half.push((*f, *c));
            }
        }
        half.sort_by_key(|(_, c)| *c);
    }
    halves
}

/// The half whose indicators' names and targets are filled in most (the
/// later of equals).
fn filled_half(
    grid: &Grid,
    halves: Vec<Vec<(Field, u32)>>,
    (header, last): (u32, u32),
) -> Vec<(Field, u32)> {
    let filled = |cols: &[(Field, u32)]| {
        let rows = (header + 1, last.min(header + 60));
        cols.iter()
            .filter(|(f, _)| matches!(f, Field::Level3 | Field::Target))
            .map(|(_, c)| {
                grid.cells_in(rows, (*c, *c))
                    .filter(|(_, v)| !v.is_blank())
                    .count()
            })
            .sum::<usize>()
    };
    halves
        .into_iter()
        .max_by_key(|h| filled(h))
        .unwrap_or_default()
}

/// A header cell naming the indicators without a level (`指标`, `绩效指标`).
fn says_indicator(text: &str) -> bool {
    let key = crate::vocab::text::fold_label(text);
    key.ends_with("指标") && !key.contains("级") && key.chars().count() <= 6
}

/// A row a blank template left as it was: its indicator is `指标1`,
/// `……` or `**`, and its target empty or a mask (`≥**%`).
fn is_placeholder(ind: &RawIndicator) -> bool {
    let mask = |t: &str| {
        let t = t.trim();
        t.chars()
            .all(|c| matches!(c, '…' | '.' | '。' | '*' | '＊' | '-' | '—' | ' '))
            || t.strip_prefix("指标").is_some_and(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
            })
    };
    let name = if ind.level3.is_blank() {
        &ind.description
    } else {
        &ind.level3
    };
    let masked_target = || {
        let t = &ind.target.text;
        ind.target.is_blank() || t.as_bytes().windows(2).any(|w| w == b"**") || mask(t)
    };
    mask(&name.text) && masked_target()
}

/// A level-1 cell as forms write it: `产出指标`, `效果指标`, `满意度`, …
fn looks_like_level1(text: &str) -> bool {
    let key = crate::vocab::text::fold_label(text);
    key.contains("指标")
        || ["产出", "效益", "效果", "满意度"]
            .iter()
            .any(|w| key.starts_with(w))
}

/// True when the row's indicator, description and target cells are all one
/// merged range and the row names no level 2 of its own: a note written
/// across the table, not an indicator (a level 2 beside it makes it an
/// indicator whose name is its target, as a qualitative one is written).
fn one_note(grid: &Grid, ind: &RawIndicator) -> bool {
    let own_level2 = ind.level2.pos.is_some_and(|p| p.row == ind.row.row) && !ind.level2.is_blank();
    let cells = [&ind.level3, &ind.description, &ind.target];
    let merges: Vec<_> = cells
        .iter()
        .filter(|f| !f.is_blank())
        .filter_map(|f| f.pos)
        .map(|p| grid.merge_at(p).map(|m| m.first))
        .collect();
    !own_level2 && merges.len() > 1 && merges.iter().all(|m| m.is_some() && *m == merges[0])
}

/// A row that cannot belong to the indicator table: it holds a form label,
/// a title or an amount-unit statement, or one merged cell spans all of the
/// table's columns (a heading).
fn ends_table(
    grid: &Grid,
    kinds: &Kinds,
    row: u32,
    block: &Block,
    columns: &[(Field, u32)],
) -> bool {
    for (pos, _) in grid.cells_in((row, row), (block.first_col, block.last_col)) {
        if grid.owner(pos) != pos {
            continue;
        }
        if kinds.is_title(pos) || kinds.is_unit_marker(pos) {
            return true;
        }
        // A money word as an indicator's name or value (基本支出 under 成本
        // 指标) is content, not the next form's label.
        let content = columns.iter().any(|(f, c)| {
            *c == pos.col
                && matches!(
                    f,
                    Field::Level3 | Field::Description | Field::Target | Field::Actual
                )
        });
        if kinds
            .field(pos)
            .is_some_and(|f| !(f.is_indicator_column() || content && f.money_line().is_some()))
        {
            return true;
        }
    }
    // The header of another table (长期 then 年度 stacked): its level or
    // indicator labels where this table has values.
    let headers = columns
        .iter()
        .filter(|(f, c)| {
            matches!(f, Field::Level1 | Field::Level2 | Field::Level3)
                && kinds.field(grid.owner(Pos::new(row, *c))) == Some(*f)
        })
        .count();
    if headers >= 2 {
        return true;
    }
    if columns.len() > 1 {
        let merges: Vec<_> = columns
            .iter()
            .map(|(_, c)| grid.merge_at(Pos::new(row, *c)))
            .collect();
        if let Some(Some(first)) = merges.first() {
            if merges.iter().all(|m| m.as_ref() == Some(first)) {
                return true;
            }
        }
    }
    false
}

/// The last row a form's fields were read from.
pub fn form_end(form: &RawForm) -> u32 {
    let fields = [
        &form.code,
        &form.name,
        &form.budget_total,
        &form.budget_fiscal,
        &form.budget_other,
        &form.purpose,
        &form.goals,
        &form.func_class,
        &form.goals_expected,
        &form.goals_achieved,
        &form.execution_rate,
        &form.score_total,
        &form.grade,
    ];
    let mut end = fields
        .iter()
        .filter_map(|f| f.as_ref().and_then(|f| f.pos).map(|p| p.row))
        .max()
        .unwrap_or(form.anchor.row);
    for c in &form.plan {
        end = end.max(c.value.pos.map_or(0, |p| p.row));
    }
    for l in &form.labels {
        end = end.max(l.pos.row);
    }
    if let Some(last) = form.indicators.last() {
        end = end.max(last.row.row);
    }
    for m in &form.funding {
        end = end.max(m.value.pos.map_or(0, |p| p.row));
    }
    if let Some(last) = form.tasks.last() {
        end = end.max(last.row.row);
    }
    end
}

impl RawForm {
    /// The money lines not read into a field of their own (by stage, with
    /// a self-evaluation's weight and score), and the tasks' cells.
    fn money_and_task_fields<'a>(&'a self, out: &mut Vec<(String, &'a RawField)>) {
        let scalars: Vec<Option<Pos>> = out.iter().map(|(_, f)| f.pos).collect();
        for m in &self.funding {
            let line = m.field.money_line().unwrap_or("other");
            if !scalars.contains(&m.value.pos) {
                out.push((format!("money {line} {}", m.stage.as_str()), &m.value));
            }
            for (what, f) in [("weight", &m.weight), ("score", &m.score)] {
                if let Some(f) = f {
                    out.push((format!("money {line} {what}"), f));
                }
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            for (name, f) in [
                ("name", &t.name),
                ("content", &t.content),
                ("duty", &t.duty),
                ("project", &t.project),
                ("total", &t.total),
                ("fiscal", &t.fiscal),
                ("other", &t.other),
            ] {
                if f.pos.is_some() {
                    out.push((format!("task {} {name}", i + 1), f));
                }
            }
        }
    }

    /// Every value the form was read into, with its field name, in reading
    /// order: for `inspect`.
    pub fn fields(&self) -> Vec<(String, &RawField)> {
        let mut out: Vec<(String, &RawField)> = Vec::new();
        let scalar = [
            ("title", &self.title),
            ("year", &self.year),
            ("unit", &self.unit),
            ("amount_unit", &self.amount_unit),
            ("dept", &self.dept),
            ("project_code", &self.code),
            ("project_name", &self.name),
            ("func_class", &self.func_class),
            ("budget_total", &self.budget_total),
            ("budget_fiscal", &self.budget_fiscal),
            ("budget_other", &self.budget_other),
            ("executed_total", &self.executed_total),
            ("execution_rate", &self.execution_rate),
            ("purpose", &self.purpose),
            ("goals_expected", &self.goals_expected),
            ("goals_achieved", &self.goals_achieved),
            ("score_total", &self.score_total),
            ("grade", &self.grade),
        ];
        for (name, f) in scalar {
            if let Some(f) = f {
                out.push((name.to_string(), f));
            }
        }
        for c in &self.plan {
            out.push((format!("plan {}", c.label.text), &c.value));
        }
        self.money_and_task_fields(&mut out);
        if let Some(g) = &self.goals {
            out.push(("goals".to_string(), g));
        }
        for (i, ind) in self.indicators.iter().enumerate() {
            for (name, f) in [
                ("level1", &ind.level1),
                ("level2", &ind.level2),
                ("level3", &ind.level3),
                ("description", &ind.description),
                ("target", &ind.target),
                ("basis", &ind.basis),
                ("target_op", &ind.op),
                ("target_unit", &ind.unit),
                ("target_direction", &ind.direction),
                ("weight", &ind.weight),
            ] {
                if f.pos.is_some() {
                    out.push((format!("indicator {} {name}", i + 1), f));
                }
            }
            if let Some(r) = &ind.result {
                for (name, f) in [
                    ("actual", &r.actual),
                    ("score", &r.score),
                    ("deviation_note", &r.deviation),
                ] {
                    if f.pos.is_some() {
                        out.push((format!("indicator {} {name}", i + 1), f));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::test_grid as grid;
    use crate::locate::Labels;

    fn one_form(g: &Grid) -> RawForm {
        let mut forms = parse_grid(g, &Matcher::new(&Labels::default()));
        assert_eq!(forms.len(), 1);
        forms.remove(0)
    }

    fn unit_of(form: &RawForm) -> Option<&str> {
        form.amount_unit.as_ref().map(|f| f.text.as_str())
    }

    #[test]
    fn the_amount_unit_comes_from_the_nearest_money_label() {
        // 资金情况(元) merged over the three money rows, left of them.
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "资金情况(元)"),
                (1, 1, "年度资金总额"),
                (1, 2, "105000"),
                (2, 1, "其中：财政拨款"),
                (2, 2, "105000"),
            ],
            &[((1, 0), (3, 0))],
        );
        assert_eq!(unit_of(&one_form(&g)), Some("资金情况(元)"));
        // In the 预算数 label itself, over a sheet-wide 单位：万元.
        let g = grid(
            &[
                (0, 3, "单位：万元"),
                (1, 0, "项目名称"),
                (1, 1, "某项目"),
                (2, 0, "预算数（元）"),
                (2, 1, "105000"),
            ],
            &[],
        );
        assert_eq!(unit_of(&one_form(&g)), Some("预算数（元）"));
        // A header cell left of 预算数 that is no label: 投入目标(万元).
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "投入目标(万元)"),
                (1, 1, "预算数"),
                (1, 2, "10.5"),
            ],
            &[],
        );
        assert_eq!(unit_of(&one_form(&g)), Some("投入目标(万元)"));
    }

    #[test]
    fn a_form_stating_no_unit_has_none() {
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "预算数"),
                (1, 1, "10.5"),
            ],
            &[],
        );
        assert_eq!(unit_of(&one_form(&g)), None);
    }

    #[test]
    fn goals_below_a_header_label_and_not_under_a_section_heading() {
        // 年度绩效目标 heads the indicator table across its width; the goals
        // are under 年度目标 in the header row above, in merged rows below.
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "长期目标"),
                (1, 2, "年度目标"),
                (2, 0, "三年完成改造"),
                (2, 2, "1.完成改造10处"),
                (4, 0, "年度绩效目标(90分)"),
                (5, 0, "一级指标"),
                (5, 1, "二级指标"),
                (5, 2, "三级指标"),
                (5, 3, "指标值"),
                (6, 0, "产出指标"),
                (6, 1, "数量指标"),
                (6, 2, "改造数量"),
                (6, 3, "10处"),
            ],
            &[((2, 2), (3, 3)), ((4, 0), (4, 3))],
        );
        let form = one_form(&g);
        let goals = form.goals.expect("goals");
        assert_eq!(goals.text, "1.完成改造10处");
        assert_eq!(goals.pos, Some(Pos::new(2, 2)));
        assert_eq!(form.indicators.len(), 1);
    }

    #[test]
    fn template_placeholder_rows_are_skipped_with_a_note() {
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "一级指标"),
                (1, 1, "二级指标"),
                (1, 2, "三级指标"),
                (1, 3, "指标值"),
                (2, 0, "产出指标"),
                (2, 1, "数量指标"),
                (2, 2, "改造数量"),
                (2, 3, "10处"),
                (3, 2, "指标1"),
                (4, 2, "……"),
                (4, 3, "≥**%"),
                (5, 2, "完成率"),
                (5, 3, "100%"),
            ],
            &[],
        );
        let form = one_form(&g);
        let names: Vec<&str> = form
            .indicators
            .iter()
            .map(|i| i.level3.text.as_str())
            .collect();
        assert_eq!(names, ["改造数量", "完成率"]);
        let rows: Vec<u32> = form.skipped.iter().map(|s| s.pos.row).collect();
        assert_eq!(rows, [3, 4]);
    }

    #[test]
    fn a_money_word_as_an_indicator_name_does_not_end_the_table() {
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "一级指标"),
                (1, 1, "二级指标"),
                (1, 2, "三级指标"),
                (1, 3, "指标值"),
                (2, 0, "产出指标"),
                (2, 1, "成本指标"),
                (2, 2, "基本支出"),
                (2, 3, "≤110万元"),
                (3, 0, "效益指标"),
                (3, 1, "社会效益指标"),
                (3, 2, "覆盖率"),
                (3, 3, "100%"),
                (4, 0, "资金总额"),
                (4, 1, "110"),
            ],
            &[],
        );
        let form = one_form(&g);
        let names: Vec<&str> = form
            .indicators
            .iter()
            .map(|i| i.level3.text.as_str())
            .collect();
        assert_eq!(names, ["基本支出", "覆盖率"]);
        assert_eq!(form.budget_total.map(|f| f.text).as_deref(), Some("110"));
        let lines: Vec<Field> = form.funding.iter().map(|m| m.field).collect();
        assert_eq!(lines, [Field::BudgetTotal], "基本支出 is an indicator");
    }

    #[test]
    fn a_department_form_of_the_ministrys_template() {
        // 部门整体支出绩效目标申报表: duties, and a task table whose 预算金额
        // heads 总额 / 财政拨款 / 其他资金 in the row under it.
        let g = grid(
            &[
                (0, 0, "部门整体支出绩效目标申报表"),
                (1, 0, "部门（单位）名称"),
                (1, 1, "某县教育局"),
                (2, 0, "部门职能职责概述"),
                (2, 1, "负责全县教育工作"),
                (3, 0, "年度主要任务"),
                (3, 1, "任务名称"),
                (3, 2, "主要内容"),
                (3, 3, "预算金额（万元）"),
                (4, 3, "总额"),
                (4, 4, "财政拨款"),
                (4, 5, "其他资金"),
                (5, 1, "学生资助"),
                (5, 2, "发放助学金"),
                (5, 3, "120"),
                (5, 4, "100"),
                (5, 5, "20"),
                (6, 1, "校舍维修"),
                (6, 2, "维修3所学校"),
                (6, 3, "80"),
                (6, 4, "80"),
                (7, 0, "年度总体目标"),
                (7, 1, "1、保障教育经费"),
            ],
            &[((0, 0), (0, 5)), ((3, 0), (6, 0)), ((3, 3), (3, 5))],
        );
        let form = one_form(&g);
        assert_eq!(form.kind, FormKind::DeptTarget);
        assert_eq!(form.unit.map(|u| u.text).as_deref(), Some("某县教育局"));
        assert_eq!(
            form.purpose.map(|p| p.text).as_deref(),
            Some("负责全县教育工作")
        );
        let tasks: Vec<[&str; 5]> = form
            .tasks
            .iter()
            .map(|t| {
                [
                    t.name.text.as_str(),
                    t.content.text.as_str(),
                    t.total.text.as_str(),
                    t.fiscal.text.as_str(),
                    t.other.text.as_str(),
                ]
            })
            .collect();
        assert_eq!(
            tasks,
            [
                ["学生资助", "发放助学金", "120", "100", "20"],
                ["校舍维修", "维修3所学校", "80", "80", ""],
            ]
        );
        // The task table's money headers are no money lines of the form.
        assert!(form.funding.is_empty(), "{:?}", form.funding);
        assert_eq!(
            form.goals.map(|g| g.text).as_deref(),
            Some("1、保障教育经费")
        );
    }

    #[test]
    fn every_money_line_is_kept_numbered_lines_too() {
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "资金总额"),
                (1, 1, "100"),
                (2, 0, "其中：财政拨款"),
                (2, 1, "80"),
                (3, 0, "1.中央资金"),
                (3, 1, "50"),
                (4, 0, "2.省级资金"),
                (4, 1, "20"),
                (5, 0, "3.市级资金"),
                (5, 1, "10"),
                (6, 0, "上年结转"),
                (6, 1, "15"),
                (7, 0, "其他资金"),
                (7, 1, "5"),
            ],
            &[],
        );
        let form = one_form(&g);
        let lines: Vec<(&str, &str)> = form
            .funding
            .iter()
            .map(|m| (m.field.money_line().unwrap(), m.value.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("total", "100"),
                ("fiscal", "80"),
                ("fiscal_central", "50"),
                ("fiscal_provincial", "20"),
                ("fiscal_city", "10"),
                ("carryover", "15"),
                ("other", "5"),
            ]
        );
    }

    #[test]
    fn a_unit_code_and_its_name_in_two_cells_are_read_together() {
        let g = grid(
            &[
                (0, 0, "项目名称"),
                (0, 1, "某项目"),
                (1, 0, "实施单位"),
                (1, 1, "219001"),
                (1, 2, "池州市教育局"),
                (2, 0, "部门编码"),
                (2, 1, "219"),
                (2, 2, "部门名称"),
                (2, 3, "池州市教育局"),
            ],
            &[],
        );
        let form = one_form(&g);
        assert_eq!(
            form.unit.map(|f| f.text).as_deref(),
            Some("219001 池州市教育局")
        );
        assert_eq!(form.dept.map(|f| f.text).as_deref(), Some("219"));
    }
}
