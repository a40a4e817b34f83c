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

    /// The word the report and the feedback use.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
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
    /// jixiao itself failed on the file (a caught panic: a bug, not the file's fault).
    InternalError = "internal_error", Error,
        "jixiao itself failed on this file (a bug in jixiao, caught: not the file's fault). Nothing from it is in the tables; the rest of the batch went on. Please report it with the file.";
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
    /// A text longer than an xlsx cell holds (32,767 characters): `tables.xlsx` and the feedback workbooks cut it; CSV and Parquet keep it whole.
    ValueCutInXlsx = "value_cut_in_xlsx", Warning,
        "A text longer than an xlsx cell holds (32,767 characters): `tables.xlsx` and the feedback workbooks cut it to that length; the CSV and Parquet tables keep it whole.";
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
    /// The form writes its money by source but no total: the total is computed.
    BudgetTotalComputed = "budget_total_computed", Warning,
        "The form writes its money by source (财政拨款, its lines by level, 上年结转, 其他资金) but no total: `budget_total` is their sum, and `budget_total_raw` is empty. Check the form.";
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
    /// What is wrong and what to change, in Chinese, for the unit that
    /// filled the form (the report and the feedback workbooks).
    pub fn zh(self) -> (&'static str, &'static str) {
        use IssueCode::*;
        match self {
            InternalError => ("程序内部错误（非报送文件问题）", "无需修改，财政局将处理"),
            FileUnreadable => (
                "文件无法读取（空文件、已损坏、加密或并非表格文件）",
                "请重新导出为 .xlsx 文件后再次报送",
            ),
            SheetUnreadable => ("工作表无法读取", "请检查该工作表是否损坏，另存后再次报送"),
            NoFormsFound => (
                "文件中未找到绩效表（没有“项目编码”“项目名称”或“部门（单位）名称”等栏目）",
                "请确认报送的是绩效目标表或自评表，栏目名称与模板一致",
            ),
            MissingField => (
                "缺少必填项（项目编码、项目名称或预算数）",
                "请在表中补填该项",
            ),
            CodeFormat => ("项目编码格式不符合规定", "请按规定格式填写项目编码"),
            CategoryUnknown => ("项目编码中的类别不在类别表中", "请核对项目编码中的类别段"),
            FuncClassUnknown => (
                "支出功能分类科目不在科目表中",
                "请按《政府收支分类科目》填写功能分类科目",
            ),
            AmountNotNumber => ("金额不是数字", "请填写数字金额，如 20.00"),
            ValueRounded => ("数值小数位过多，已四舍五入", "请核对该数值的精度"),
            ValueCutInXlsx => ("文字超过 Excel 单元格上限，已截断", "请精简该单元格的内容"),
            AmountUnitAssumed => ("表中未注明金额单位", "请注明金额单位（如“单位：万元”）"),
            AmountImplausible => (
                "预算数与金额单位不相称（疑似元与万元混淆）",
                "请核对金额单位与预算数",
            ),
            AmountNegative => ("金额为负数", "请核对该金额"),
            FundingSumMismatch => (
                "各级财政资金之和与财政拨款合计不符",
                "请核对中央、省、市、县各级资金及合计",
            ),
            BudgetSumMismatch => ("财政资金与其他资金之和不等于预算数", "请核对预算数及其构成"),
            BudgetTotalComputed => (
                "表中未填写资金总额，已按各项资金来源合计",
                "请填写项目资金总额（年度预算数）",
            ),
            DeptMismatch => (
                "项目编码所属部门与填报单位不一致",
                "请核对项目编码或填报单位",
            ),
            MissingLevel1 => (
                "缺少一级指标（产出、效益或满意度指标）",
                "请补充相应的一级指标及其下级指标",
            ),
            UnknownLevel => ("指标级别名称不规范", "请使用规范的一级、二级指标名称"),
            TargetOutOfRange => (
                "指标值疑似有误（如 90100 为两个数值相连，或百分比超过 100）",
                "请核对并更正指标值",
            ),
            TargetDateSerial => (
                "日期类指标值被填成了数字序号",
                "请将日期以文字填写，如“2021年12月底前”",
            ),
            DuplicateGoal => ("绩效目标重复", "请删除重复的目标或改写"),
            PlanNotNumber => ("资金支出计划不是百分比数字", "请填写累计支出百分比，如 40"),
            PlanCheckpointUnknown => (
                "资金支出计划的时间节点未写明月份",
                "请按“3月底”“6月底”等填写时间节点",
            ),
            PlanOver100 => ("累计支出进度超过 100%", "请核对资金支出计划"),
            PlanDecreasing => ("累计支出进度前后递减", "累计进度应逐期不减，请核对"),
            PlanNot100 => ("资金支出计划年末未达到 100%", "请核对年末累计支出进度"),
            ScoreNotNumber => ("分值或得分不是数字", "请填写数字分值或得分"),
            ScoreAboveWeight => ("得分超过该项分值", "请核对得分，得分不应超过分值"),
            ScoresDoNotAddUp => ("各项得分之和与总分不符", "请核对各项得分与总分"),
            ExecutionRateMismatch => (
                "执行率与执行数 ÷ 预算数不符",
                "请核对全年执行数、预算数和执行率",
            ),
            ActualNotNumber => ("定量指标的实际完成值未填数字", "请填写实际完成的数值"),
            CodeInTwoUnits => ("同一项目编码由两个单位报送", "请核对该项目所属单位"),
            DuplicateProject => ("同一项目重复报送", "请删除重复的表，或核对哪一份正确"),
        }
    }

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
