//! Findings: their severity, their codes (declared once, here, with the
//! default severity and the line `docs/issue-codes.md` shows), and the
//! issue record.

use super::{Key, Source};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The severities a code is emitted with: one, or either (warning by
/// default, error where the finding says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    Error,
    Warning,
    WarningOrError,
}

impl Levels {
    /// As `docs/issue-codes.md` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Levels::Error => "error",
            Levels::Warning => "warning",
            Levels::WarningOrError => "warning / error",
        }
    }
}

/// Declares [`IssueCode`]: each code with its text, severities and doc line.
macro_rules! issue_codes {
    ($($(#[$m:meta])* $name:ident = $code:literal, $levels:ident, $doc:literal;)*) => {
        /// Every issue code jixiao emits. The `code` column, the
        /// `[validate.rules]` keys and `docs/issue-codes.md` come from here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum IssueCode {
            $($(#[$m])* $name,)*
        }

        impl IssueCode {
            /// Every code, in the order the docs list them.
            pub const ALL: &'static [IssueCode] = &[$(IssueCode::$name,)*];

            /// The stable text of the code (`budget_sum_mismatch`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(IssueCode::$name => $code,)*
                }
            }

            /// The severities the code is emitted with.
            pub fn levels(self) -> Levels {
                match self {
                    $(IssueCode::$name => Levels::$levels,)*
                }
            }

            /// What the code means, as `docs/issue-codes.md` says it.
            pub fn doc(self) -> &'static str {
                match self {
                    $(IssueCode::$name => $doc,)*
                }
            }
        }
    };
}

issue_codes! {
    /// The file could not be opened as a workbook (empty, corrupt, not really a spreadsheet, or a failure inside the reader). Nothing from it is in the tables; the rest of the batch went on.
    FileUnreadable = "file_unreadable", Error,
        "The file could not be opened as a workbook (empty, corrupt, not really a spreadsheet, or a failure inside the reader). Nothing from it is in the tables; the rest of the batch went on.";
    /// One sheet of a workbook could not be read; the other sheets were.
    SheetUnreadable = "sheet_unreadable", Error,
        "One sheet of a workbook could not be read; the other sheets were.";
    /// A workbook holds no form: no cell labelled 项目编码 or 项目名称 (a cover page, another table).
    NoFormsFound = "no_forms_found", Warning,
        "A workbook holds no form: no cell labelled 项目编码 or 项目名称 (a cover page, another table).";
    /// A form lacks its project code, project name or 预算数. The project row is still written, with the field empty.
    MissingField = "missing_field", Error,
        "A form lacks its project code, project name or 预算数. The project row is still written, with the field empty.";
    /// A project code cannot be brought to the pipeline's `code_pattern`; it is kept as written and the `code_*` columns are empty.
    CodeFormat = "code_format", Error,
        "A project code cannot be brought to the pipeline's `code_pattern`; it is kept as written and the `code_*` columns are empty.";
    /// The project code's category is not in the pipeline's category table.
    CategoryUnknown = "category_unknown", Warning,
        "The project code's category is not in the pipeline's category table.";
    /// The form's functional classification is not in the reference table; kept as written.
    FuncClassUnknown = "func_class_unknown", Warning,
        "The form's functional classification is not in the reference table; kept as written.";
    /// An amount cell (预算数, 财政资金, 其他资金) holds something that is not a number.
    AmountNotNumber = "amount_not_number", Error,
        "An amount cell (预算数, 财政资金, 其他资金) holds something that is not a number.";
    /// A value has more decimals than its output column holds (an amount finer than one 分 in the pipeline's `amount_unit`; a percentage or target with more than 6 decimals). It is rounded half away from zero (四舍五入); the `_raw` column keeps the text.
    ValueRounded = "value_rounded", Warning,
        "A value has more decimals than its output column holds (an amount finer than one 分 in the pipeline's `amount_unit`; a percentage or target with more than 6 decimals). It is rounded half away from zero (四舍五入); the `_raw` column keeps the text.";
    /// The form states no unit for its amounts.
    AmountUnitAssumed = "amount_unit_assumed", Warning,
        "The form states no unit for its amounts (no `单位：元`, no `(万元)` in a money label or the header above it, none on a cover sheet): they were read in the pipeline's `default_source_unit`. Check the form and state the unit.";
    /// The budget looks like it is in another unit than it was read in.
    AmountImplausible = "amount_implausible", Warning,
        "The budget looks like it is in another unit than it was read in: over `plausible_max_wanyuan` 万元, whole amounts of `plausible_yuan_digits` or more digits in a form read as 万元, or under `plausible_min_yuan` 元 in a form read as 元. Nothing is changed; check the form's unit.";
    /// A negative amount.
    AmountNegative = "amount_negative", Error,
        "An amount is negative (`-5`): kept as written and reported; a pipeline may make it a warning or switch it off in `[validate.rules]`.";
    /// The 财政拨款 lines by government level do not add up to 财政拨款.
    FundingSumMismatch = "funding_sum_mismatch", Error,
        "The lines of 财政拨款 by government level (中央, 省级, 市级, 县级) do not add up to the 财政拨款 total the form writes.";
    /// 财政资金 + 其他资金 ≠ 预算数.
    BudgetSumMismatch = "budget_sum_mismatch", Error,
        "财政资金 + 其他资金 ≠ 预算数.";
    /// The project code's department part differs from the department of the unit the form belongs to.
    DeptMismatch = "dept_mismatch", Warning,
        "The project code's department part differs from the department of the unit the form belongs to.";
    /// The indicator table lacks one of 产出指标, 效益指标, 满意度指标.
    MissingLevel1 = "missing_level1", Warning,
        "The indicator table lacks one of 产出指标, 效益指标, 满意度指标.";
    /// A level-1 or level-2 indicator name is not a known level or synonym; it is kept as written.
    UnknownLevel = "unknown_level", Warning,
        "A level-1 or level-2 indicator name is not a known level or synonym; it is kept as written.";
    /// A target looks garbled: a percentage-like indicator (unit `%`, or a 率 / 满意度 indicator) over 100, or a value such as `85100` / `90100` that reads as two numbers run together. Kept as written.
    TargetOutOfRange = "target_out_of_range", Warning,
        "A target looks garbled: a percentage-like indicator (unit `%`, or a 率 / 满意度 indicator) over 100, or a value such as `85100` / `90100` that reads as two numbers run together. Kept as written.";
    /// A date target written as a spreadsheet day number.
    TargetDateSerial = "target_date_serial", Warning,
        "A target of a date indicator (完成时间, 到位时间, 日期) is a spreadsheet's day number (`44,561` for 2021-12-31): the cell was formatted as a number where a date was meant. Kept as written; write the date as text.";
    /// A numbered goal repeats an earlier goal of the same form word for word.
    DuplicateGoal = "duplicate_goal", Warning,
        "A numbered goal repeats an earlier goal of the same form word for word.";
    /// A spending-plan cell is not a percentage.
    PlanNotNumber = "plan_not_number", Error,
        "A spending-plan cell is not a percentage.";
    /// A spending-plan header names no month (expected 3月底, 9月末, 一季度末 …).
    PlanCheckpointUnknown = "plan_checkpoint_unknown", Warning,
        "A spending-plan header names no month (expected 3月底, 9月末, 一季度末 …).";
    /// A cumulative spending-plan value is over 100%.
    PlanOver100 = "plan_over_100", Warning,
        "A cumulative spending-plan value is over 100%.";
    /// The cumulative plan falls from one checkpoint to the next.
    PlanDecreasing = "plan_decreasing", Warning,
        "The cumulative plan falls from one checkpoint to the next.";
    /// The plan does not end at 100%.
    PlanNot100 = "plan_not_100", Warning,
        "The plan does not end at 100%.";
    /// A score or weight cell is not a number.
    ScoreNotNumber = "score_not_number", Warning,
        "A score or weight cell of a self-evaluation (得分, 分值, 总分) holds something that is not a number (`/` and blanks are none). Kept as written in the `_raw` columns.";
    /// An indicator's or money line's score is above its weight.
    ScoreAboveWeight = "score_above_weight", Error,
        "A self-evaluation gives an indicator (or its budget execution) a score above its weight (得分 > 分值).";
    /// The scores do not add up to the total score.
    ScoresDoNotAddUp = "scores_do_not_add_up", Error,
        "A self-evaluation's total score (总分) is not the sum of its indicators' scores and its budget execution's score.";
    /// The execution rate written differs from 执行数 ÷ 预算数.
    ExecutionRateMismatch = "execution_rate_mismatch", Warning,
        "The execution rate a self-evaluation writes (执行率) differs from 全年执行数 ÷ 全年预算数 beyond the rounding it is written with. `execution_rate` holds the recomputed rate, `execution_rate_raw` the form's.";
    /// An actual value written as text where the target is a number.
    ActualNotNumber = "actual_not_number", Warning,
        "A self-evaluation gives an indicator with a numeric target (`≥50个`) an actual value that is no number (`达成预期指标`): whether the target was reached cannot be told, so `target_met` is empty.";
    /// The same project code submitted by two units.
    CodeInTwoUnits = "code_in_two_units", Warning,
        "The same project code is submitted by two units: a project code names one project. Both rows are kept; check which unit it belongs to.";
    /// The same unit and project code were submitted twice: identical content is a warning and one copy is kept; different content is an error and both are kept.
    DuplicateProject = "duplicate_project", WarningOrError,
        "The same unit and project code were submitted twice: identical content is a warning and one copy is kept; different content is an error and both are kept.";
}

impl IssueCode {
    /// The code of a text (`budget_sum_mismatch`), if it is one.
    pub fn parse(text: &str) -> Option<IssueCode> {
        IssueCode::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// The severity the code is emitted with unless the finding says
    /// otherwise.
    pub fn severity(self) -> Severity {
        match self.levels() {
            Levels::Error => Severity::Error,
            Levels::Warning | Levels::WarningOrError => Severity::Warning,
        }
    }

    /// The row of the table in `docs/issue-codes.md`.
    pub fn doc_row(self) -> String {
        format!(
            "| `{}` | {} | {} |",
            self.as_str(),
            self.levels().as_str(),
            self.doc()
        )
    }
}

impl std::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding: what is wrong, where, and for which project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueCode,
    pub message: String,
    /// The form's key (its unit and project are written with the issue);
    /// empty for a finding about a whole file.
    pub key: Key,
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_codes_document_lists_every_code_as_declared() {
        let doc = include_str!("../../docs/issue-codes.md");
        let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();
        let declared: Vec<String> = IssueCode::ALL.iter().map(|c| c.doc_row()).collect();
        assert_eq!(
            rows, declared,
            "docs/issue-codes.md is out of step with IssueCode"
        );
    }

    #[test]
    fn codes_read_back_from_their_text() {
        for c in IssueCode::ALL {
            assert_eq!(IssueCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(IssueCode::parse("no_such_code"), None);
    }
}
