//! Locate stage: finds form blocks in a [`Grid`] by their label cells.
//!
//! Labels come from the pipeline file (field → synonyms) and are compared
//! folded (white space removed, full-width folded), never by coordinates.
//!
//! Imports only `vocab` and `grid`.

use serde::Deserialize;

use crate::grid::{Grid, Pos};
use crate::vocab::money::MoneyUnit;
use rustc_hash::FxHashMap;

use crate::vocab::text::{fold_label, fold_label_into, fold_width, head, without_notes};

/// The label synonyms of each field of the form. Every list replaces the
/// default list of that field when given in the pipeline file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Labels {
    pub project_code: Vec<String>,
    pub project_name: Vec<String>,
    pub unit: Vec<String>,
    pub budget_group: Vec<String>,
    pub budget_total: Vec<String>,
    pub budget_fiscal: Vec<String>,
    pub budget_other: Vec<String>,
    pub purpose: Vec<String>,
    pub plan: Vec<String>,
    pub goals: Vec<String>,
    pub level1: Vec<String>,
    pub level2: Vec<String>,
    pub level3: Vec<String>,
    pub description: Vec<String>,
    pub target: Vec<String>,
    pub basis: Vec<String>,
    /// A column of the target's operator (`≥`, `定性`) or, by its content,
    /// its direction.
    pub target_op: Vec<String>,
    /// A column of the target's unit (`%`, `人`).
    pub target_unit: Vec<String>,
    /// A column of the target's direction (`正向`/`反向`) or, by its
    /// content, its operator.
    pub target_direction: Vec<String>,
    /// A column of the indicator's weight (score).
    pub weight: Vec<String>,
    /// Lines of 财政拨款 by government level, and money carried over.
    pub fund_central: Vec<String>,
    pub fund_provincial: Vec<String>,
    pub fund_city: Vec<String>,
    pub fund_county: Vec<String>,
    pub carryover: Vec<String>,
    pub func_class: Vec<String>,
    pub dept: Vec<String>,
    /// A title cell ends with one of these (`…绩效目标表`).
    pub title_suffix: Vec<String>,
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The built-in synonyms of each field (the pipeline file may replace any
/// list): what the templates in use write.
mod defaults {
    pub const PROJECT_CODE: &[&str] = &["项目编码", "项目代码", "项目编号"];
    pub const PROJECT_NAME: &[&str] =
        &["项目名称", "项目(专项)名称", "项目支出名称", "二级项目名称"];
    pub const UNIT: &[&str] = &[
        "实施单位",
        "单位名称",
        "预算单位",
        "申报单位",
        "具体实施单位",
        "项目实施单位",
        "项目单位",
        "预算部门",
    ];
    pub const BUDGET_GROUP: &[&str] = &[
        "预算规模及资金用途",
        "项目资金",
        "预算规模",
        "资金情况",
        "项目资金申请",
    ];
    pub const BUDGET_TOTAL: &[&str] = &[
        "预算数",
        "年度资金总额",
        "资金总额",
        "预算金额",
        "当年年度预算",
        "年度本级预算金额",
        "预算申报数",
        "年初安排金额",
    ];
    pub const BUDGET_FISCAL: &[&str] = &[
        "其中：财政资金",
        "财政资金",
        "其中：财政拨款",
        "财政拨款",
        "其中：当年财政拨款",
        "财政拨款数",
        "其中：财政拨款数",
    ];
    pub const BUDGET_OTHER: &[&str] = &["其他资金", "其它资金", "其中：其他资金", "其中：其它资金"];
    pub const PURPOSE: &[&str] = &["资金用途", "项目资金用途"];
    pub const PLAN: &[&str] = &["资金支出计划", "资金支出计划（%）", "资金支出进度"];
    pub const GOALS: &[&str] = &[
        "绩效目标",
        "年度目标",
        "年度绩效目标",
        "年度总体目标",
        "总体目标",
        "本年度绩效目标",
        "项目年度目标",
        "年度主要目标",
        "年度主要目标和成果",
        "预期目标",
    ];
    pub const LEVEL1: &[&str] = &["一级指标", "一级绩效指标"];
    pub const LEVEL2: &[&str] = &["二级指标", "二级绩效指标"];
    pub const LEVEL3: &[&str] = &["三级指标", "三级绩效指标"];
    pub const DESCRIPTION: &[&str] = &["绩效指标描述", "指标描述", "指标内容"];
    pub const TARGET: &[&str] = &[
        "指标值",
        "目标值",
        "绩效指标值",
        "指标值及单位",
        "指标目标值",
        "年度指标值",
    ];
    pub const BASIS: &[&str] = &["指标值确定依据", "确定依据", "指标值说明", "绩效标准"];
    pub const TARGET_OP: &[&str] = &["指标性质", "计算符号", "运算符号", "符号"];
    pub const TARGET_UNIT: &[&str] = &["计量单位", "度量单位", "指标单位"];
    pub const TARGET_DIRECTION: &[&str] = &["指标方向", "指标属性"];
    pub const WEIGHT: &[&str] = &["分值", "权重", "指标分值", "权重(分)"];
    pub const FUND_CENTRAL: &[&str] = &[
        "中央资金",
        "中央财政资金",
        "中央补助",
        "中央补助资金",
        "中央补助安排",
    ];
    pub const FUND_PROVINCIAL: &[&str] = &[
        "省级资金",
        "省级财政资金",
        "省级财政安排",
        "省级补助资金",
        "自治区资金",
    ];
    pub const FUND_CITY: &[&str] = &["市级资金", "市级财政资金", "市级财政安排"];
    pub const FUND_COUNTY: &[&str] = &[
        "县级资金",
        "区级资金",
        "县级财政资金",
        "区级财政资金",
        "本级财政资金",
        "本级资金",
    ];
    pub const CARRYOVER: &[&str] = &["上年结转", "上年结转资金"];
    pub const FUNC_CLASS: &[&str] = &[
        "支出功能分类",
        "支出功能分类科目",
        "功能分类科目",
        "功能科目",
        "功能分类",
    ];
    pub const DEPT: &[&str] = &[
        "主管部门及代码",
        "主管部门",
        "主管部门名称",
        "部门名称",
        "业务主管部门",
        "部门编码",
    ];
    pub const TITLE_SUFFIX: &[&str] = &["绩效目标表", "绩效目标申报表"];
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            project_code: list(defaults::PROJECT_CODE),
            project_name: list(defaults::PROJECT_NAME),
            unit: list(defaults::UNIT),
            budget_group: list(defaults::BUDGET_GROUP),
            budget_total: list(defaults::BUDGET_TOTAL),
            budget_fiscal: list(defaults::BUDGET_FISCAL),
            budget_other: list(defaults::BUDGET_OTHER),
            purpose: list(defaults::PURPOSE),
            plan: list(defaults::PLAN),
            goals: list(defaults::GOALS),
            level1: list(defaults::LEVEL1),
            level2: list(defaults::LEVEL2),
            level3: list(defaults::LEVEL3),
            description: list(defaults::DESCRIPTION),
            target: list(defaults::TARGET),
            basis: list(defaults::BASIS),
            target_op: list(defaults::TARGET_OP),
            target_unit: list(defaults::TARGET_UNIT),
            target_direction: list(defaults::TARGET_DIRECTION),
            weight: list(defaults::WEIGHT),
            fund_central: list(defaults::FUND_CENTRAL),
            fund_provincial: list(defaults::FUND_PROVINCIAL),
            fund_city: list(defaults::FUND_CITY),
            fund_county: list(defaults::FUND_COUNTY),
            carryover: list(defaults::CARRYOVER),
            func_class: list(defaults::FUNC_CLASS),
            dept: list(defaults::DEPT),
            title_suffix: list(defaults::TITLE_SUFFIX),
        }
    }
}

/// A field of the form that a label announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ProjectCode,
    ProjectName,
    Unit,
    BudgetGroup,
    BudgetTotal,
    BudgetFiscal,
    BudgetOther,
    Purpose,
    Plan,
    Goals,
    Level1,
    Level2,
    Level3,
    Description,
    Target,
    Basis,
    TargetOp,
    TargetUnit,
    TargetDirection,
    Weight,
    FundCentral,
    FundProvincial,
    FundCity,
    FundCounty,
    Carryover,
    FuncClass,
    Dept,
}

impl Field {
    /// The field's name in the pipeline file and in `inspect` output.
    pub fn name(self) -> &'static str {
        match self {
            Field::ProjectCode => "project_code",
            Field::ProjectName => "project_name",
            Field::Unit => "unit",
            Field::BudgetGroup => "budget_group",
            Field::BudgetTotal => "budget_total",
            Field::BudgetFiscal => "budget_fiscal",
            Field::BudgetOther => "budget_other",
            Field::Purpose => "purpose",
            Field::Plan => "plan",
            Field::Goals => "goals",
            Field::Level1 => "level1",
            Field::Level2 => "level2",
            Field::Level3 => "level3",
            Field::Description => "description",
            Field::Target => "target",
            Field::Basis => "basis",
            Field::TargetOp => "target_op",
            Field::TargetUnit => "target_unit",
            Field::TargetDirection => "target_direction",
            Field::Weight => "weight",
            Field::FundCentral => "fund_central",
            Field::FundProvincial => "fund_provincial",
            Field::FundCity => "fund_city",
            Field::FundCounty => "fund_county",
            Field::Carryover => "carryover",
            Field::FuncClass => "func_class",
            Field::Dept => "dept",
        }
    }

    /// A line of the form's money: the total, 财政拨款 and its lines by
    /// government level, money carried over, other money; with its
    /// canonical name in the `funding` table.
    pub fn money_line(self) -> Option<&'static str> {
        Some(match self {
            Field::BudgetTotal => "total",
            Field::BudgetFiscal => "fiscal",
            Field::FundCentral => "fiscal_central",
            Field::FundProvincial => "fiscal_provincial",
            Field::FundCity => "fiscal_city",
            Field::FundCounty => "fiscal_county",
            Field::Carryover => "carryover",
            Field::BudgetOther => "other",
            _ => return None,
        })
    }

    /// Fields of the indicator table header.
    pub fn is_indicator_column(self) -> bool {
        matches!(
            self,
            Field::Level1
                | Field::Level2
                | Field::Level3
                | Field::Description
                | Field::Target
                | Field::Basis
                | Field::TargetOp
                | Field::TargetUnit
                | Field::TargetDirection
                | Field::Weight
        )
    }
}

/// Labels folded for lookup.
#[derive(Debug, Clone)]
pub struct Matcher {
    fields: FxHashMap<String, Field>,
    title_suffix: Vec<String>,
}

impl Matcher {
    pub fn new(labels: &Labels) -> Matcher {
        let mut fields = FxHashMap::default();
        let groups: [(&Vec<String>, Field); 27] = [
            (&labels.project_code, Field::ProjectCode),
            (&labels.project_name, Field::ProjectName),
            (&labels.unit, Field::Unit),
            (&labels.budget_group, Field::BudgetGroup),
            (&labels.budget_total, Field::BudgetTotal),
            (&labels.budget_fiscal, Field::BudgetFiscal),
            (&labels.budget_other, Field::BudgetOther),
            (&labels.purpose, Field::Purpose),
            (&labels.plan, Field::Plan),
            (&labels.goals, Field::Goals),
            (&labels.level1, Field::Level1),
            (&labels.level2, Field::Level2),
            (&labels.level3, Field::Level3),
            (&labels.description, Field::Description),
            (&labels.target, Field::Target),
            (&labels.basis, Field::Basis),
            (&labels.target_op, Field::TargetOp),
            (&labels.target_unit, Field::TargetUnit),
            (&labels.target_direction, Field::TargetDirection),
            (&labels.weight, Field::Weight),
            (&labels.fund_central, Field::FundCentral),
            (&labels.fund_provincial, Field::FundProvincial),
            (&labels.fund_city, Field::FundCity),
            (&labels.fund_county, Field::FundCounty),
            (&labels.carryover, Field::Carryover),
            (&labels.func_class, Field::FuncClass),
            (&labels.dept, Field::Dept),
        ];
        for (synonyms, field) in groups {
            for s in synonyms {
                fields.entry(label_key(s)).or_insert(field);
            }
        }
        Matcher {
            fields,
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
        if text.is_empty() || text.chars().count() > 40 {
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
        // Most texts are values, not labels: no note, no mark, no lookup.
        if !key.ends_with(')') && !key.starts_with(['*', '★', '☆', '※']) && !numbered(key) {
            return None;
        }
        let bare = without_notes(key);
        if bare.len() == key.len() || bare.is_empty() {
            return None;
        }
        self.fields.get(unit_stripped(bare)).copied()
    }

    /// True for a form title such as `1、城镇残疾人基本养老保险补贴绩效目标表`.
    pub fn is_title(&self, text: &str) -> bool {
        self.is_title_key(&fold_label(text))
    }

    fn is_title_key(&self, key: &str) -> bool {
        self.title_suffix.iter().any(|s| key.ends_with(s.as_str()))
    }

    /// What a text cell is: a label, a form title or an amount-unit
    /// statement. `buf` is scratch space, so a grid's cells are folded
    /// without an allocation each.
    pub fn kind(&self, text: &str, buf: &mut String) -> Option<CellKind> {
        buf.clear();
        fold_label_into(head(text), buf);
        let key = buf.trim_end_matches(':');
        if !text.is_empty() && text.chars().count() <= 40 {
            if let Some(f) = self.field_of_key(key) {
                return Some(CellKind::Label(f));
            }
        }
        if self.is_title_key(key) {
            Some(CellKind::Title)
        } else if buf.contains("单位:") {
            Some(CellKind::UnitMarker)
        } else {
            None
        }
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
            crate::grid::CellValue::Text(t) => matcher.field(t).map(|field| Label { pos, field }),
            _ => None,
        })
        .collect()
}

/// Finds the form blocks of a grid. A form starts at its project-code label
/// (or, lacking one, its project-name label); it runs down to the row before
/// the next form in the same columns. Forms side by side split the columns.
pub fn locate(grid: &Grid, labels: &[Label]) -> Vec<Block> {
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
        let blocks = locate(&g, &find_labels(&g, &m));
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].anchor, Pos::new(2, 1));
        assert_eq!(blocks[0].last_row, 8);
        assert_eq!(blocks[1].last_row, 14);
    }

    #[test]
    fn forms_side_by_side_split_by_columns() {
        let g = grid(&[(0, 0, "项目编码"), (0, 8, "项目编码"), (5, 12, "x")]);
        let m = Matcher::new(&Labels::default());
        let blocks = locate(&g, &find_labels(&g, &m));
        assert_eq!(blocks.len(), 2);
        assert_eq!((blocks[0].first_col, blocks[0].last_col), (0, 7));
        assert_eq!((blocks[1].first_col, blocks[1].last_col), (8, 12));
    }

    #[test]
    fn a_form_without_a_code_label_is_anchored_by_its_name() {
        let g = grid(&[(3, 0, "项目名称"), (3, 1, "某项目")]);
        let m = Matcher::new(&Labels::default());
        let blocks = locate(&g, &find_labels(&g, &m));
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].anchor, Pos::new(3, 0));
    }

    #[test]
    fn a_sheet_without_labels_has_no_forms() {
        let g = grid(&[(0, 0, "封面"), (1, 0, "2020年部门预算")]);
        let m = Matcher::new(&Labels::default());
        assert!(locate(&g, &find_labels(&g, &m)).is_empty());
    }
}

/// What a text cell is to the form reader, decided once per grid so each
/// cell's text is folded once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Label(Field),
    Title,
    /// An amount-unit statement such as `单位：万元`.
    UnitMarker,
}

/// The kinds of a grid's text cells, by position: the classified cells,
/// row-major (the grid's order), looked up by binary search.
#[derive(Debug, Clone, Default)]
pub struct Kinds(Vec<(Pos, CellKind)>);

impl Kinds {
    pub fn new(grid: &Grid, matcher: &Matcher) -> Kinds {
        let mut kinds = Vec::new();
        let mut buf = String::new();
        // A text held by several cells (a workbook's shared string: the
        // labels of every form on the sheet) is classified once.
        let mut shared: FxHashMap<*const u8, Option<CellKind>> = FxHashMap::default();
        for (pos, v) in grid.cells() {
            let crate::grid::CellValue::Text(t) = v else {
                continue;
            };
            let kind = if std::sync::Arc::strong_count(t) > 1 {
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
        Kinds(kinds)
    }

    fn get(&self, p: Pos) -> Option<CellKind> {
        let i = self.0.binary_search_by_key(&p, |(pos, _)| *pos).ok()?;
        Some(self.0[i].1)
    }

    /// The field the cell at `p` (a stored cell, not inside a merge) labels.
    pub fn field(&self, p: Pos) -> Option<Field> {
        match self.get(p) {
            Some(CellKind::Label(f)) => Some(f),
            _ => None,
        }
    }

    pub fn is_title(&self, p: Pos) -> bool {
        self.get(p) == Some(CellKind::Title)
    }

    pub fn is_unit_marker(&self, p: Pos) -> bool {
        self.get(p) == Some(CellKind::UnitMarker)
    }

    /// Every label, in row-major order.
    pub fn labels(&self) -> Vec<Label> {
        self.0
            .iter()
            .filter_map(|(pos, k)| match k {
                CellKind::Label(field) => Some(Label {
                    pos: *pos,
                    field: *field,
                }),
                _ => None,
            })
            .collect()
    }
}
