//! The records the normalise stage produces and later stages consume.
//!
//! Below every stage; imports only `grid`.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::grid::Pos;
pub use crate::vocab::kind::{FormKind, Stage};

mod facts;

/// The most characters an xlsx cell holds (Excel's limit): a longer text
/// is cut to this in `tables.xlsx` and the feedback workbooks, and the
/// cut is a `value_cut_in_xlsx` warning.
pub const XLSX_CELL_CHARS: usize = 32_767;
pub mod issue;
pub mod report;
pub mod schema;
mod summary;
pub use facts::{FactResult, FormFact};
pub use issue::{Issue, IssueCode, Severity};
pub use summary::Summary;

/// Where a record or finding came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Source {
    /// Shared by every record of a form (one allocation, not one per row).
    pub file: Arc<str>,
    pub sheet: Arc<str>,
    /// The cell (written as an A1 reference), `None` when the finding is
    /// about a whole file or sheet.
    pub cell: Option<Pos>,
}

impl Source {
    pub fn new(file: &str, sheet: &str, cell: Option<Pos>) -> Source {
        Source {
            file: file.into(),
            sheet: sheet.into(),
            cell,
        }
    }

    /// A source in a file and sheet already held by another source.
    pub fn shared(file: &Arc<str>, sheet: &Arc<str>, cell: Option<Pos>) -> Source {
        Source {
            file: Arc::clone(file),
            sheet: Arc::clone(sheet),
            cell,
        }
    }

    /// The cell's A1 reference, or the empty string.
    pub fn a1(&self) -> String {
        self.cell.map(|c| c.a1()).unwrap_or_default()
    }

    /// `file`, `file › sheet` or `file › sheet!A1`, for messages.
    pub fn describe(&self) -> String {
        match (self.sheet.is_empty(), self.cell) {
            (true, _) => self.file.to_string(),
            (false, None) => format!("{} › {}", self.file, self.sheet),
            (false, Some(cell)) => format!("{} › {}!{cell}", self.file, self.sheet),
        }
    }
}

/// What every row of a form repeats: the project's year, department, unit
/// and code (for partitioning, joins and summaries). Shared by the form's
/// records: the texts are reference-counted, one allocation per form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Key {
    pub year: Option<i32>,
    /// Which form of the family the record comes from; `None` for a
    /// finding about a whole file.
    pub form_kind: Option<FormKind>,
    pub dept_code: Option<Arc<str>>,
    pub unit_code: Option<Arc<str>>,
    pub project_code: Option<Arc<str>>,
}

/// One project form.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Project {
    pub source: Source,
    pub key: Key,
    pub unit_name: Option<String>,
    pub unit_raw: String,
    pub project_code_raw: String,
    /// One value per named group of the code pattern, in pattern order.
    pub code_parts: Vec<Option<String>>,
    pub category_name: Option<String>,
    pub func_class_code: Option<String>,
    pub func_class_name: Option<String>,
    /// The classification as the form wrote it, or empty when it was mapped
    /// from the project category.
    pub func_class_raw: String,
    pub project_name: Option<String>,
    pub title: Option<String>,
    pub budget_total: Option<Decimal>,
    pub budget_fiscal: Option<Decimal>,
    pub budget_other: Option<Decimal>,
    pub budget_total_raw: String,
    pub budget_fiscal_raw: String,
    pub budget_other_raw: String,
    /// A self-evaluation's results (`None` on a target form).
    pub result: Option<Box<ProjectResult>>,
    /// The unit the amounts are expressed in (the pipeline's `amount_unit`).
    pub amount_unit: String,
    /// The unit the form stated (`单位：万元`), or empty when it stated none.
    pub amount_unit_raw: String,
    pub purpose: Option<String>,
    /// How many indicator rows and numbered goals the form has.
    pub indicator_count: u32,
    pub goal_count: u32,
}

/// What a self-evaluation says of its money and score.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct ProjectResult {
    /// 全年执行数 of the total line, in the pipeline's amount unit.
    pub executed_total: Option<Decimal>,
    pub executed_total_raw: String,
    /// executed_total ÷ budget_total × 100, recomputed.
    pub execution_rate: Option<Decimal>,
    /// The rate the form writes.
    pub execution_rate_raw: String,
    /// 总分.
    pub score_total: Option<Decimal>,
    pub score_total_raw: String,
    /// 评价等级 as written.
    pub grade: Option<String>,
}

/// One row of a form's indicator table.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Indicator {
    pub source: Source,
    pub key: Key,
    pub seq: u32,
    pub level1: Option<Arc<str>>,
    pub level2: Option<Arc<str>>,
    pub level3: Option<String>,
    pub level1_raw: String,
    pub level2_raw: String,
    pub description: Option<String>,
    pub target_raw: String,
    /// The target cell, for findings about the target.
    pub target_cell: Option<Pos>,
    pub target_op: Option<String>,
    pub target_value: Option<Decimal>,
    pub target_unit: Option<String>,
    /// `positive` (正向) or `negative` (反向), when the form says.
    pub target_direction: Option<&'static str>,
    /// The indicator's weight (分值), from its column or a score in its name.
    pub weight: Option<Decimal>,
    pub basis: Option<String>,
    /// A self-evaluation's result for the indicator (`None` on a target
    /// form).
    pub result: Option<Box<IndicatorResult>>,
}

/// What a self-evaluation says an indicator reached.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct IndicatorResult {
    /// 实际完成值 as written.
    pub actual_raw: String,
    pub actual_value: Option<Decimal>,
    pub actual_unit: Option<String>,
    /// 得分.
    pub score: Option<Decimal>,
    /// Whether the actual reaches the target: empty unless both are numbers.
    pub target_met: Option<bool>,
    /// 偏差原因分析及改进措施.
    pub deviation_note: Option<String>,
}

/// One numbered goal.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Goal {
    pub source: Source,
    pub key: Key,
    /// `target` (a target form's goal), `expected` (a self-evaluation's
    /// goal as set out) or `achieved` (what it says was achieved).
    pub goal_kind: &'static str,
    pub seq: u32,
    pub goal: String,
}

/// One spending-plan checkpoint, cumulative.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct PlanPoint {
    pub source: Source,
    pub key: Key,
    pub checkpoint_label: String,
    pub checkpoint_month: Option<u8>,
    pub cumulative_pct_raw: String,
    pub cumulative_pct: Option<Decimal>,
    pub cumulative_amount: Option<Decimal>,
}

/// One money line of a form: the total, 财政拨款 or one of its lines by
/// government level, money carried over, other money.
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct FundingLine {
    pub source: Source,
    pub key: Key,
    /// `total`, `fiscal`, `fiscal_central`, `fiscal_provincial`,
    /// `fiscal_city`, `fiscal_county`, `carryover`, `other`.
    pub line: &'static str,
    /// The line's label as written (`1.中央资金`), shared with the sheet.
    pub line_raw: Arc<str>,
    /// `budget` on a target form; `year_start`, `adjustment`, `full_year`
    /// or `executed` on a self-evaluation.
    pub stage: Stage,
    /// In the pipeline's amount unit.
    pub amount: Option<Decimal>,
    pub amount_raw: String,
    /// A self-evaluation's weight (分值) and score (得分) of the line's
    /// execution, on its executed amount.
    pub weight: Option<Decimal>,
    pub score: Option<Decimal>,
}

/// One row of a department form's task table (年度主要任务).
#[derive(Debug, Clone, PartialEq, Default, Hash)]
pub struct Task {
    pub source: Source,
    pub key: Key,
    pub seq: u32,
    pub task: Option<String>,
    pub content: Option<String>,
    /// The duty it serves (部门职能) and the project paying for it.
    pub duty: Option<String>,
    pub project_name: Option<String>,
    pub amount_total: Option<Decimal>,
    pub amount_fiscal: Option<Decimal>,
    pub amount_other: Option<Decimal>,
    pub amount_total_raw: String,
    pub amount_fiscal_raw: String,
    pub amount_other_raw: String,
}

/// Everything extracted from a batch of files, in a deterministic order.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub projects: Vec<Project>,
    pub indicators: Vec<Indicator>,
    pub goals: Vec<Goal>,
    pub plan: Vec<PlanPoint>,
    pub funding: Vec<FundingLine>,
    pub tasks: Vec<Task>,
    pub issues: Vec<Issue>,
}

impl Records {
    pub fn append(&mut self, mut other: Records) {
        self.tasks.append(&mut other.tasks);
        self.projects.append(&mut other.projects);
        self.indicators.append(&mut other.indicators);
        self.goals.append(&mut other.goals);
        self.plan.append(&mut other.plan);
        self.funding.append(&mut other.funding);
        self.issues.append(&mut other.issues);
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.issues
            .iter()
            .filter(|i| i.severity == severity)
            .count()
    }
}
