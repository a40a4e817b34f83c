//! Locate stage: finds form blocks in a [`Grid`] by their label cells.
//!
//! Labels come from the pipeline file (field → synonyms) and are compared
//! folded (white space removed, full-width folded), never by coordinates.
//!
//! Imports only `vocab` and `grid`.

mod fields;
mod meaning;

pub use fields::{Field, LabelWords, Labels, LabelsConfig, TITLE_SUFFIX};
pub use meaning::{by_meaning, Terms, MULTI_YEAR};

use crate::grid::{Grid, Pos};
use crate::vocab::kind::FormKind;
use crate::vocab::money::MoneyUnit;
use rustc_hash::FxHashMap;

use crate::vocab::text::{fold_label, fold_label_into, fold_width, head, without_notes};

/// Labels folded for lookup.
#[derive(Debug, Clone)]
pub struct Matcher {
    fields: FxHashMap<String, Field>,
    title_suffix: Vec<String>,
    /// Which matcher this is, so a thread's memo of texts
    /// ([`Kinds::new`]) never answers for another pipeline's labels.
    id: usize,
}

/// Texts a thread has classified lately, for the matcher of `.0`: the
/// forms of one template repeat their labels file after file. Bounded: it
/// is emptied when full.
type Memo = (usize, FxHashMap<Box<str>, Option<CellKind>>);

/// Texts up to this many bytes are memoised; longer ones (goals, notes)
/// rarely repeat.
const MEMO_TEXT: usize = 96;
const MEMO_ENTRIES: usize = 16_384;

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new((0, FxHashMap::default()));
}

impl Matcher {
    pub fn new(labels: &Labels) -> Matcher {
        let mut fields = FxHashMap::default();
        for field in Field::ALL {
            for s in labels.of(*field) {
                fields.entry(label_key(s)).or_insert(*field);
            }
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        Matcher {
            fields,
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            title_suffix: labels
                .title_suffix
                .iter()
                .map(|s| fold_label(s).into_owned())
                .collect(),
        }
    }

    /// The field a cell's text labels, if it is a label. A trailing
    /// bracketed note is ignored when the label is not found with it
    /// (`指标值（包含数字及文字描述）`).
    pub fn field(&self, text: &str) -> Option<Field> {
        // At most 41 characters are counted: a cell of a megabyte costs
        // what a label costs.
        if text.is_empty() || text.chars().nth(40).is_some() {
            return None;
        }
        self.field_of_key(&fold_label(text))
    }

    /// [`Matcher::field`] of a folded text ([`fold_label`]): as written,
    /// else without a required mark before it or notes after it
    /// (`*部门名称`, `指标值（包含数字及文字描述）`, `年度目标(90分)`).
    fn field_of_key(&self, key: &str) -> Option<Field> {
        if let Some(f) = self.fields.get(unit_stripped(key)) {
            return Some(*f);
        }
        // A column's circled number or formula (`年度拨付金额④`,
        // `小计③=①+②`), a row's circled list number (`①项目支出`).
        let circled = is_circled(key.chars().next_back()) || is_circled(key.chars().next());
        let key = if circled { without_circled(key) } else { key };
        // Most texts are values, not labels: no note, no mark, no lookup.
        if !circled
            && !key.ends_with(')')
            && !key.starts_with(['*', '★', '☆', '※'])
            && !numbered(key)
        {
            return None;
        }
        let bare = without_notes(key);
        if circled && bare.len() == key.len() {
            return self.fields.get(unit_stripped(bare)).copied();
        }
        if bare.len() == key.len() || bare.is_empty() {
            return None;
        }
        self.fields.get(unit_stripped(bare)).copied()
    }

    /// True for a form title such as `1、城镇残疾人基本养老保险补贴绩效目标表`.
    pub fn is_title(&self, text: &str) -> bool {
        self.is_title_key(&fold_label(text))
    }

    /// A title ends with one of the suffixes, a note after it aside
    /// (`…绩效目标表(一级项目)`).
    fn is_title_key(&self, key: &str) -> bool {
        let bare = without_notes(key);
        self.title_suffix
            .iter()
            .any(|s| key.ends_with(s.as_str()) || bare.ends_with(s.as_str()))
    }

    /// What a text cell is: a label, a form title or an amount-unit
    /// statement. `buf` is scratch space, so a grid's cells are folded
    /// without an allocation each.
    pub fn kind(&self, text: &str, buf: &mut String) -> Option<CellKind> {
        buf.clear();
        fold_label_into(head(text), buf);
        let key = buf.trim_end_matches(':');
        if !text.is_empty() && text.chars().nth(40).is_none() {
            if let Some(f) = self.field_of_key(key) {
                return Some(CellKind::Label(f, How::Listed));
            }
        }
        if self.is_title_key(key) {
            let (dept, self_eval) = FormKind::title_says(key);
            return Some(CellKind::Title(TitleSays {
                dept: dept.is_some(),
                self_eval: self_eval.is_some(),
            }));
        }
        // `单位：万元`, not `编制单位：`: a unit statement names a money unit.
        if buf.contains("单位:") && crate::vocab::money::find_money_unit(text).is_some() {
            return Some(CellKind::UnitMarker);
        }
        if text.chars().nth(40).is_none() {
            let bare = unit_stripped(without_notes(key));
            if let Some((f, terms)) = by_meaning(bare) {
                return Some(CellKind::Label(f, How::Meaning(terms)));
            }
        }
        self.inline(key)
    }

    /// A label and its value in one cell (`资金总额：100万元`, `主管部门:[762]…`):
    /// the words before the first colon name the field.
    fn inline(&self, key: &str) -> Option<CellKind> {
        let (head, rest) = key.split_once(':')?;
        if head.is_empty() || rest.trim().is_empty() || head.chars().nth(16).is_some() {
            return None;
        }
        if let Some(f) = self.field_of_key(head) {
            return Some(CellKind::Inline(f, How::Listed));
        }
        let bare = unit_stripped(without_notes(head));
        by_meaning(bare).map(|(f, terms)| CellKind::Inline(f, How::Meaning(terms)))
    }
}

fn is_circled(c: Option<char>) -> bool {
    c.is_some_and(|c| ('\u{2460}'..='\u{2473}').contains(&c))
}

/// A folded label without the circled numbers forms put around it: a list
/// number before it (`①项目支出`), a column's number or formula after it
/// (`年度拨付金额④`, `小计③=①+②`).
fn without_circled(key: &str) -> &str {
    let circled = |c: char| is_circled(Some(c));
    let s = key.trim_start_matches(circled);
    match s.find(circled) {
        Some(i) if i > 0 => &s[..i],
        _ => s,
    }
}

/// True for a text starting with a list number (`1.`, `2、`, `(3)`, `一、`).
fn numbered(key: &str) -> bool {
    let numeral = |c: char| {
        c.is_ascii_digit()
            || matches!(
                c,
                '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
            )
    };
    match key.chars().next() {
        Some('(') => key[1..].starts_with(|c: char| c.is_ascii_digit()),
        Some(c) if numeral(c) => {
            let rest = key.trim_start_matches(numeral);
            // Not a number such as `20.00`: after the separator comes a word.
            rest.starts_with(['.', '、'])
                && rest.chars().nth(1).is_some_and(|c| !c.is_ascii_digit())
        }
        _ => false,
    }
}

/// A folded label without a trailing parenthesised unit (`(%)`, `(万元)`).
fn unit_stripped(key: &str) -> &str {
    if !key.ends_with(')') {
        return key;
    }
    if let Some(open) = key.rfind('(') {
        let inner = &key[open + 1..key.len() - 1];
        if inner == "%" || MoneyUnit::parse(inner).is_some() {
            return &key[..open];
        }
    }
    key
}

/// The lookup key of a label: folded, with a trailing parenthesised unit
/// (`（%）`, `（万元）`) removed, so `资金支出计划（%）` and `预算数（元）` find
/// their field.
pub fn label_key(text: &str) -> String {
    unit_stripped(&fold_label(text)).to_string()
}

/// A label cell found in a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub pos: Pos,
    pub field: Field,
    pub how: How,
}

/// How a label was recognised: a word of the field's list (the pipeline's
/// `[labels]` and the built-in words), or by its terms ([`by_meaning`]),
/// kept because it stands where a label stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Listed,
    Meaning(Terms),
}

/// One form's place in a grid: the anchor label and the rows and columns it
/// may occupy (up to the next form below it or beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The project-code label, or the project-name label of a form that has
    /// no code label.
    pub anchor: Pos,
    pub last_row: u32,
    pub first_col: u32,
    pub last_col: u32,
}

/// Every text cell of the grid that is a label, in row-major order.
pub fn find_labels(grid: &Grid, matcher: &Matcher) -> Vec<Label> {
    grid.cells()
        .filter_map(|(pos, v)| match v {
            crate::grid::CellValue::Text(t) => matcher.field(t).map(|field| Label {
                pos,
                field,
                how: How::Listed,
            }),
            _ => None,
        })
        .collect()
}

/// Finds the form blocks of a grid. A form starts at its project-code label
/// (or, lacking one, its project-name label); it runs down to the row before
/// the next form in the same columns. Forms side by side split the columns.
/// A sheet with no project label holds a department's form when it says
/// so (`dept_title`: a title such as 部门整体支出绩效目标表) or has a
/// department's duties or task table: it starts at the 部门(单位)名称 label.
pub fn locate(grid: &Grid, labels: &[Label], dept_title: bool) -> Vec<Block> {
    let Some((_, last_row)) = grid.row_span() else {
        return Vec::new();
    };
    let (_, last_col) = grid.col_span().unwrap_or((0, 0));
    let codes: Vec<Pos> = labels
        .iter()
        .filter(|l| l.field == Field::ProjectCode)
        .map(|l| l.pos)
        .collect();
    let mut anchors = codes.clone();
    // A form whose code label is missing is still a form: its name label,
    // with no code label within a few rows, anchors it.
    for l in labels.iter().filter(|l| l.field == Field::ProjectName) {
        let near_code = codes.iter().any(|c| c.row.abs_diff(l.pos.row) <= 3);
        if !near_code {
            anchors.push(l.pos);
        }
    }
    if anchors.is_empty() {
        anchors = dept_anchors(labels, dept_title);
    }
    if anchors.is_empty() {
        anchors = structure_anchors(labels);
    }
    anchors.sort();
    anchors
        .iter()
        .map(|a| {
            let same_row: Vec<&Pos> = anchors.iter().filter(|b| b.row == a.row).collect();
            let first_col = if same_row.first().is_some_and(|b| *b == a) {
                0
            } else {
                a.col
            };
            let block_last_col = same_row
                .iter()
                .find(|b| b.col > a.col)
                .map_or(last_col, |b| b.col - 1);
            let block_last_row = anchors
                .iter()
                .filter(|b| b.row > a.row && b.col >= first_col && b.col <= block_last_col)
                .map(|b| b.row - 1)
                .min()
                .unwrap_or(last_row);
            Block {
                anchor: *a,
                last_row: block_last_row,
                first_col,
                last_col: block_last_col,
            }
        })
        .collect()
}

/// The first label of each row of labels that holds two indicator columns,
/// one of them a level, the indicator's name or its target: the header
/// rows of a sheet's indicator tables, in order.
pub fn indicator_header_rows(labels: &[Label]) -> Vec<Pos> {
    header_rows_of(labels.iter().map(|l| (l.pos, l.field)))
}

/// [`indicator_header_rows`] of labels given as (position, field), in
/// row-major order.
fn header_rows_of(labels: impl Iterator<Item = (Pos, Field)>) -> Vec<Pos> {
    let mut out: Vec<Pos> = Vec::new();
    let mut row: Option<(Pos, usize, bool)> = None;
    for (pos, field) in labels.filter(|(_, f)| f.is_indicator_column()) {
        let key = matches!(
            field,
            Field::Level1 | Field::Level2 | Field::Level3 | Field::Target
        );
        match &mut row {
            Some((first, n, has_key)) if first.row == pos.row => {
                *n += 1;
                *has_key |= key;
            }
            _ => row = Some((pos, 1, key)),
        }
        if let Some((first, n, true)) = row {
            if n >= 2 && out.last().is_none_or(|p| p.row != first.row) {
                out.push(first);
            }
        }
    }
    out
}

/// The anchors of forms whose name label is a word no rule knows: each
/// indicator table's header row (two indicator columns, one a level, the
/// indicator's name or its target) makes a form, anchored at the first
/// label of a form's fields (money, goals, the unit) above it since the
/// table before, else at the header.
fn structure_anchors(labels: &[Label]) -> Vec<Pos> {
    let headers = indicator_header_rows(labels);
    let mut anchors = Vec::new();
    let mut after = 0;
    for h in headers {
        let top = labels
            .iter()
            .filter(|l| l.pos.row >= after && l.pos.row < h.row)
            .find(|l| l.field.takes_value() || l.field == Field::BudgetGroup)
            .map_or(h, |l| l.pos);
        anchors.push(top);
        after = h.row + 1;
    }
    anchors
}

/// The anchors of department forms: each 部门(单位)名称 label, when the
/// sheet says it holds a department's form.
fn dept_anchors(labels: &[Label], dept_title: bool) -> Vec<Pos> {
    let dept_sections = labels
        .iter()
        .any(|l| matches!(l.field, Field::Duties | Field::Tasks));
    if !dept_title && !dept_sections {
        return Vec::new();
    }
    let mut anchors: Vec<Pos> = Vec::new();
    for l in labels.iter().filter(|l| l.field == Field::DeptName) {
        if !anchors.iter().any(|a| a.row.abs_diff(l.pos.row) <= 3) {
            anchors.push(l.pos);
        }
    }
    anchors
}

/// True when `text`, the cell beside (or under) a label found by its
/// terms, is a value of the kind the field takes: an amount for money, a
/// sentence for goals, a name for a name.
fn value_fits(f: Field, text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() {
        return false;
    }
    let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
    if f.money_line().is_some() || matches!(f, Field::ExecutionRate) {
        return digits > 0 && text.chars().count() <= 24;
    }
    match f {
        Field::Goals | Field::GoalsExpected | Field::GoalsAchieved | Field::Purpose => {
            text.chars().count() >= 5
        }
        Field::ProjectCode => digits > 0,
        // A unit or department by its name or its code (单位代码).
        Field::Unit | Field::Dept | Field::DeptName => true,
        _ => digits * 2 < text.chars().count(),
    }
}

/// True when the text states a money unit for the amounts (`单位：万元`).
pub fn is_unit_marker(text: &str) -> bool {
    let folded = fold_width(head(text));
    folded.contains("单位:") || folded.contains("单位：")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cells: &[(u32, u32, &str)]) -> Grid {
        crate::grid::test_grid(cells, &[])
    }

    #[test]
    fn labels_match_folded_and_with_units() {
        let m = Matcher::new(&Labels::default());
        assert_eq!(m.field("项 目 编 码"), Some(Field::ProjectCode));
        assert_eq!(m.field("其中:财政资金"), Some(Field::BudgetFiscal));
        assert_eq!(m.field("资金支出计划（%）"), Some(Field::Plan));
        assert_eq!(m.field("资金支出计划(％)"), Some(Field::Plan));
        assert_eq!(m.field("预算数（万元）"), Some(Field::BudgetTotal));
        assert_eq!(m.field("绩效目标"), Some(Field::Goals));
        assert_eq!(m.field("1、城镇残疾人基本养老保险补贴绩效目标表"), None);
        assert!(m.is_title("1、城镇残疾人基本养老保险补贴绩效目标表"));
        assert!(!m.is_title("绩效目标"));
        assert_eq!(m.field("*主管部门:"), Some(Field::Dept));
        assert_eq!(m.field("项目（专项）名称"), Some(Field::ProjectName));
        assert_eq!(m.field("指标值（包含数字及文字描述）"), Some(Field::Target));
        assert_eq!(m.field("年度目标(90分)"), Some(Field::Goals));
        assert_eq!(m.field("(90分)"), None);
        assert_eq!(m.field("小计③=①+②"), Some(Field::StageFullYear));
        assert_eq!(m.field("年度拨付金额④"), Some(Field::StageExecuted));
        assert_eq!(m.field("支出实现率(%)⑤=④/③"), Some(Field::ExecutionRate));
        assert_eq!(
            m.field("年初部门预算安排金额(含历年结余结转)①"),
            Some(Field::StageYearStart)
        );
        assert_eq!(m.field("① 项目支出"), Some(Field::SpendProject));
        assert_eq!(m.field("全年执行数(B)"), Some(Field::StageExecuted));
        assert_eq!(m.field("部门（单位）名称"), Some(Field::DeptName));
        assert_eq!(m.field("①"), None);
        // Forty characters at most; a longer text is a value.
        assert_eq!(m.field(&"项目名称".repeat(11)), None);
        assert_eq!(m.field(&"项目名称".repeat(250_000)), None);
    }

    #[test]
    fn stacked_forms_split_by_rows() {
        let g = grid(&[
            (2, 1, "项目编码"),
            (2, 3, "项目名称"),
            (9, 1, "项目编码"),
            (9, 3, "项目名称"),
            (14, 2, "x"),
        ]);
        let m = Matcher::new(&Labels::default());
        let blocks = locate(&g, &find_labels(&g, &m), false);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].anchor, Pos::new(2, 1));
        assert_eq!(blocks[0].last_row, 8);
        assert_eq!(blocks[1].last_row, 14);
    }

    #[test]
    fn forms_side_by_side_split_by_columns() {
        let g = grid(&[(0, 0, "项目编码"), (0, 8, "项目编码"), (5, 12, "x")]);
        let m = Matcher::new(&Labels::default());
        let blocks = locate(&g, &find_labels(&g, &m), false);
        assert_eq!(blocks.len(), 2);
        assert_eq!((blocks[0].first_col, blocks[0].last_col), (0, 7));
        assert_eq!((blocks[1].first_col, blocks[1].last_col), (8, 12));
    }

    #[test]
    fn a_form_without_a_code_label_is_anchored_by_its_name() {
        let g = grid(&[(3, 0, "项目名称"), (3, 1, "某项目")]);
        let m = Matcher::new(&Labels::default());
        let blocks = locate(&g, &find_labels(&g, &m), false);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].anchor, Pos::new(3, 0));
    }

    #[test]
    fn a_department_form_is_anchored_by_its_name_when_the_sheet_says_so() {
        let g = grid(&[(1, 0, "部门(单位)名称"), (1, 1, "宁德市地震局")]);
        let m = Matcher::new(&Labels::default());
        let labels = find_labels(&g, &m);
        assert!(locate(&g, &labels, false).is_empty(), "no evidence");
        let blocks = locate(&g, &labels, true);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].anchor, Pos::new(1, 0));
        let g = grid(&[
            (1, 0, "部门名称"),
            (1, 1, "某局"),
            (2, 0, "部门职能职责概述"),
            (2, 1, "负责…"),
        ]);
        assert_eq!(locate(&g, &find_labels(&g, &m), false).len(), 1);
        // A project form's department is no form of its own.
        let g = grid(&[(0, 0, "项目名称"), (0, 1, "某项目"), (1, 0, "部门名称")]);
        let blocks = locate(&g, &find_labels(&g, &m), true);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].anchor, Pos::new(0, 0));
    }

    #[test]
    fn a_sheet_without_labels_has_no_forms() {
        let g = grid(&[(0, 0, "封面"), (1, 0, "2020年部门预算")]);
        let m = Matcher::new(&Labels::default());
        assert!(locate(&g, &find_labels(&g, &m), false).is_empty());
    }
}

/// What a form's title says of its kind (`部门整体支出绩效自评表`: a
/// department's self-evaluation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TitleSays {
    pub dept: bool,
    pub self_eval: bool,
}

/// What a text cell is to the form reader, decided once per grid so each
/// cell's text is folded once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Label(Field, How),
    /// A form's title, and what it says of the form's kind (folded once,
    /// with the cell).
    Title(TitleSays),
    /// An amount-unit statement such as `单位：万元`.
    UnitMarker,
    /// A label and its value in one cell (`财政拨款：6923.3552万元`).
    Inline(Field, How),
}

/// The kinds of a grid's text cells, by position: the classified cells,
/// row-major (the grid's order), looked up by binary search.
#[derive(Debug, Clone, Default)]
pub struct Kinds(Vec<(Pos, CellKind)>);

impl Kinds {
    pub fn new(grid: &Grid, matcher: &Matcher) -> Kinds {
        let mut kinds = Vec::new();
        let mut buf = String::new();
        // A long text held by several cells (one shared string) is
        // classified once.
        let mut shared: FxHashMap<*const u8, Option<CellKind>> = FxHashMap::default();
        MEMO.with_borrow_mut(|memo| {
            if memo.0 != matcher.id || memo.1.len() >= MEMO_ENTRIES {
                *memo = (matcher.id, FxHashMap::default());
            }
            for (pos, v) in grid.cells() {
                let crate::grid::CellValue::Text(t) = v else {
                    continue;
                };
                let kind = if t.len() <= MEMO_TEXT {
                    match memo.1.get(&**t) {
                        Some(k) => *k,
                        None => {
                            let k = matcher.kind(t, &mut buf);
                            memo.1.insert(Box::from(&**t), k);
                            k
                        }
                    }
                } else if std::sync::Arc::strong_count(t) > 1 {
                    *shared
                        .entry(t.as_ptr())
                        .or_insert_with(|| matcher.kind(t, &mut buf))
                } else {
                    matcher.kind(t, &mut buf)
                };
                if let Some(kind) = kind {
                    kinds.push((pos, kind));
                }
            }
        });
        let mut kinds = Kinds(kinds);
        kinds.confirm_guesses(grid);
        kinds
    }

    /// Keeps a label found by its terms only where a label stands: in a
    /// header row of the indicator table (an indicator column), or with a
    /// value of its field's kind right of it or below it. A guess in the
    /// rows under an indicator table's header is that table's content, and
    /// one that is the value of a listed label (a project named …资金) is
    /// that value.
    fn confirm_guesses(&mut self, grid: &Grid) {
        if !self
            .0
            .iter()
            .any(|(_, k)| matches!(k, CellKind::Label(_, How::Meaning(_))))
        {
            return;
        }
        let headers = self.indicator_headers();
        let keep: Vec<bool> = self
            .0
            .iter()
            .map(|(pos, kind)| match kind {
                CellKind::Label(f, How::Meaning(_)) => {
                    self.stands_as_label(grid, *pos, *f, &headers)
                }
                _ => true,
            })
            .collect();
        let mut k = keep.into_iter();
        self.0.retain(|_| k.next().unwrap_or(true));
    }

    /// The header rows of indicator tables: each row holding two indicator
    /// columns, one of them a level, the indicator's name or its target,
    /// with the columns it spans and the last row of the table under it
    /// (before the next title, amount-unit statement, listed label of
    /// another part of a form, or header).
    fn indicator_headers(&self) -> Vec<(u32, u32, u32, u32)> {
        let heads = self.header_rows();
        let barrier = |after: u32| {
            self.0
                .iter()
                .filter(|(p, _)| p.row > after)
                .find(|(p, k)| match k {
                    CellKind::Title(_) | CellKind::UnitMarker => true,
                    CellKind::Label(f, How::Listed) => {
                        !f.is_indicator_column() && f.money_line().is_none()
                    }
                    _ => heads.iter().any(|h| h.row == p.row),
                })
                .map_or(u32::MAX, |(p, _)| p.row - 1)
        };
        // The table's content runs to the sheet's right edge: a column
        // without a header (a description written beside) is content too.
        heads
            .iter()
            .map(|h| (h.row, h.col, u32::MAX, barrier(h.row)))
            .collect()
    }

    /// The header rows of the indicator tables among the labels (not the
    /// inline ones): the first label of each.
    fn header_rows(&self) -> Vec<Pos> {
        header_rows_of(self.0.iter().filter_map(|(p, k)| match k {
            CellKind::Label(f, _) => Some((*p, *f)),
            _ => None,
        }))
    }

    fn stands_as_label(
        &self,
        grid: &Grid,
        pos: Pos,
        f: Field,
        headers: &[(u32, u32, u32, u32)],
    ) -> bool {
        if f.is_indicator_column() {
            return headers.iter().any(|h| h.0 == pos.row);
        }
        // Under an indicator header, within its columns: table content.
        let under = headers
            .iter()
            .any(|h| pos.row > h.0 && pos.row <= h.3 && pos.col >= h.1 && pos.col <= h.2);
        if under {
            return false;
        }
        // The value of a listed label left of it or over it.
        let left = pos
            .col
            .checked_sub(1)
            .map(|c| grid.owner(Pos::new(pos.row, c)));
        let above = pos
            .row
            .checked_sub(1)
            .map(|r| grid.owner(Pos::new(r, pos.col)));
        let of_listed = |p: Option<Pos>| {
            p.is_some_and(|p| match self.get(p) {
                Some(CellKind::Label(g, How::Listed)) => g.takes_value(),
                _ => false,
            })
        };
        // The value of a listed label left of it, unless that label is a
        // group merged down over the row under it too (总体目标 over 中期目标
        // · 年度目标, their goals below them).
        // A listed label with a value under it heads a column: the text
        // beside it may head the next (年度预期目标 · 具体完成情况).
        let value_under = |l: Pos| {
            let below = grid.owner(Pos::new(grid.bottom_edge(l) + 1, l.col));
            self.get(below).is_none() && !grid.own_text(below).is_empty()
        };
        if of_listed(left)
            && left.is_some_and(|l| grid.bottom_edge(l) <= pos.row && !value_under(l))
        {
            return false;
        }
        let right = grid.owner(Pos::new(pos.row, grid.right_edge(pos) + 1));
        // Under a column header, the first cell with a value (a
        // sub-header row of another group may stand between).
        let below = (1..=3)
            .map(|k| grid.owner(Pos::new(grid.bottom_edge(pos) + k, pos.col)))
            .find(|p| !grid.own_text(*p).is_empty());
        let value_ok = |p: Pos| self.get(p).is_none() && value_fits(f, &grid.own_text(p));
        // A listed label over it whose value is not beside it heads it.
        let heads_it = above.is_some_and(|a| {
            of_listed(Some(a))
                && grid
                    .own_text(grid.owner(Pos::new(a.row, grid.right_edge(a) + 1)))
                    .is_empty()
        });
        value_ok(right) || (below.is_some_and(value_ok) && !heads_it)
    }

    /// What the cell at `p` (a stored cell, not inside a merge) is, if any.
    pub fn get(&self, p: Pos) -> Option<CellKind> {
        let i = self.0.binary_search_by_key(&p, |(pos, _)| *pos).ok()?;
        Some(self.0[i].1)
    }

    /// The field the cell at `p` (a stored cell, not inside a merge) labels.
    pub fn field(&self, p: Pos) -> Option<Field> {
        match self.get(p) {
            Some(CellKind::Label(f, _)) => Some(f),
            _ => None,
        }
    }

    pub fn is_title(&self, p: Pos) -> bool {
        self.title(p).is_some()
    }

    /// What the title at `p` says of its form's kind, if `p` is a title.
    pub fn title(&self, p: Pos) -> Option<TitleSays> {
        match self.get(p) {
            Some(CellKind::Title(says)) => Some(says),
            _ => None,
        }
    }

    /// What the form titles of the grid say, in row-major order.
    pub fn titles(&self) -> impl Iterator<Item = TitleSays> + '_ {
        self.0.iter().filter_map(|(_, k)| match k {
            CellKind::Title(says) => Some(*says),
            _ => None,
        })
    }

    pub fn is_unit_marker(&self, p: Pos) -> bool {
        self.get(p) == Some(CellKind::UnitMarker)
    }

    /// True when the cell at `p` holds a label and its value
    /// (`资金总额：100万元`).
    pub fn is_inline(&self, p: Pos) -> bool {
        matches!(self.get(p), Some(CellKind::Inline(..)))
    }

    /// Every label, in row-major order, a label with its value in its own
    /// cell among them.
    pub fn labels(&self) -> Vec<Label> {
        self.0
            .iter()
            .filter_map(|(pos, k)| match k {
                CellKind::Label(field, how) | CellKind::Inline(field, how) => Some(Label {
                    pos: *pos,
                    field: *field,
                    how: *how,
                }),
                _ => None,
            })
            .collect()
    }
}
