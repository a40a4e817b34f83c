//! The output tables, declared once: each column's name, type, Chinese
//! caption and meaning. The table builders, the Parquet types, the XLSX
//! captions, the aggregate checks and the README's contract table all come
//! from here.

/// The scale of percentage and target columns (`85.5`, `0.000001`).
pub const RATIO_SCALE: u32 = 6;

/// How a column's values are typed and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text as the form wrote it (or cleaned): CSV guards it against
    /// formula injection.
    Text,
    /// Text from jixiao's own vocabulary (codes, units, operators): written
    /// as it is.
    Vocab,
    /// A whole number (Int64).
    Int,
    /// An amount: exact decimal at one 分 of the pipeline's amount unit,
    /// at least two decimals in CSV.
    Money,
    /// A percentage or target: exact decimal at [`RATIO_SCALE`], at least
    /// `min_scale` decimals in CSV.
    Ratio { min_scale: u32 },
    /// True or false (Boolean in Parquet, `true`/`false` in CSV).
    Bool,
}

/// One column of an output table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// The caption of the XLSX caption row.
    pub caption: &'static str,
    pub doc: &'static str,
}

/// One output table: its name, what a row is, and its columns in order.
/// A column named `code_*` stands for one column per named group of the
/// pipeline's code pattern (`code_dept`, `code_category`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub row: &'static str,
    pub columns: &'static [Column],
}

/// The placeholder for the code pattern's groups.
pub const CODE_PARTS: &str = "code_*";

const fn col(name: &'static str, kind: Kind, caption: &'static str, doc: &'static str) -> Column {
    Column {
        name,
        kind,
        caption,
        doc,
    }
}

use Kind::{Bool, Int, Money, Ratio, Text, Vocab};

const YEAR: Column = col(
    "year",
    Int,
    "年度",
    "budget year: the pipeline's, else the form's title",
);
const FORM_KIND: Column = col(
    "form_kind",
    Vocab,
    "表类型",
    "`project_target`, `project_self_eval`, `dept_target` or `dept_self_eval`",
);
const DEPT_CODE: Column = col(
    "dept_code",
    Text,
    "部门编码",
    "department: the first `dept_code_length` digits of the unit code",
);
const UNIT_CODE: Column = col("unit_code", Text, "单位编码", "budget unit code (`762002`)");
const PROJECT_CODE: Column = col(
    "project_code",
    Text,
    "项目编码",
    "project code brought to the code pattern (`762-0504-JQN-MTUQ`)",
);
const SEQ: Column = col("seq", Int, "序号", "row number within the form, from 1");
const SOURCE_FILE: Column = col(
    "source_file",
    Text,
    "来源文件",
    "file, relative to the input folder",
);
const SOURCE_SHEET: Column = col(
    "source_sheet",
    Text,
    "来源工作表",
    "sheet (`table N` in a Word document)",
);
const SOURCE_CELL: Column = col("source_cell", Text, "来源单元格", "cell as an A1 reference");

/// `projects`: one row per form found.
pub const PROJECTS: Table = Table {
    name: "projects",
    row: "form found",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        UNIT_NAME,
        col("unit_raw", Text, "单位（原文）", "the unit as written"),
        PROJECT_CODE,
        col(
            "project_code_raw",
            Text,
            "项目编码（原文）",
            "the project code as written",
        ),
        col(
            CODE_PARTS,
            Text,
            "编码段",
            "one column per named group of `code_pattern`",
        ),
        col(
            "category_name",
            Text,
            "项目类别",
            "category of the code's `category` group",
        ),
        col(
            "func_class_code",
            Text,
            "功能分类编码",
            "functional classification code",
        ),
        col(
            "func_class_name",
            Text,
            "功能分类名称",
            "functional classification name",
        ),
        col(
            "func_class_raw",
            Text,
            "功能分类（原文）",
            "the classification as written; empty when mapped from the category",
        ),
        PROJECT_NAME,
        col("title", Text, "表题", "the form's title"),
        col(
            "budget_total",
            Money,
            "预算数",
            "budget total in `amount_unit`",
        ),
        col(
            "budget_fiscal",
            Money,
            "财政资金",
            "fiscal funds in `amount_unit`",
        ),
        col(
            "budget_other",
            Money,
            "其他资金",
            "other funds in `amount_unit` (blank is 0)",
        ),
        col(
            "budget_total_raw",
            Text,
            "预算数（原文）",
            "budget total as written",
        ),
        col(
            "budget_fiscal_raw",
            Text,
            "财政资金（原文）",
            "fiscal funds as written",
        ),
        col(
            "budget_other_raw",
            Text,
            "其他资金（原文）",
            "other funds as written",
        ),
        EXECUTED_TOTAL,
        col(
            "executed_total_raw",
            Text,
            "全年执行数（原文）",
            "the total spent as written",
        ),
        EXECUTION_RATE,
        col(
            "execution_rate_raw",
            Text,
            "执行率（原文）",
            "the execution rate the form writes",
        ),
        col(
            "score_total",
            Ratio { min_scale: 0 },
            "总分",
            "a self-evaluation's total score (总分)",
        ),
        col(
            "score_total_raw",
            Text,
            "总分（原文）",
            "the total score as written",
        ),
        col(
            "grade",
            Text,
            "评价等级",
            "the grade the self-evaluation gives",
        ),
        col(
            "amount_unit",
            Vocab,
            "金额单位",
            "the unit of the amounts (the pipeline's)",
        ),
        col(
            "amount_unit_raw",
            Text,
            "金额单位（原文）",
            "the unit the form stated",
        ),
        col("purpose", Text, "资金用途", "资金用途 text"),
        col(
            "indicator_count",
            Int,
            "指标数",
            "indicator rows of the form",
        ),
        col("goal_count", Int, "目标数", "numbered goals of the form"),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `indicators`: one row per indicator row.
pub const INDICATORS: Table = Table {
    name: "indicators",
    row: "indicator row",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        PROJECT_CODE,
        SEQ,
        col("level1", Text, "一级指标", "level-1 indicator, canonical"),
        col("level2", Text, "二级指标", "level-2 indicator, canonical"),
        col("level3", Text, "三级指标", "level-3 indicator"),
        col("level1_raw", Text, "一级指标（原文）", "level 1 as written"),
        col("level2_raw", Text, "二级指标（原文）", "level 2 as written"),
        col("description", Text, "绩效指标描述", "indicator description"),
        col(
            "target_raw",
            Text,
            "指标值（原文）",
            "the target as written",
        ),
        col(
            "target_op",
            Vocab,
            "比较符",
            "comparison: `>=`, `<=`, `=`, `>`, `<`",
        ),
        col(
            "target_value",
            Ratio { min_scale: 0 },
            "指标值",
            "the target's number",
        ),
        col(
            "target_unit",
            Text,
            "计量单位",
            "the target's unit (`%`, `人`)",
        ),
        col(
            "target_direction",
            Vocab,
            "指标方向",
            "`positive` (正向: more is better) or `negative` (反向)",
        ),
        col(
            "weight",
            Ratio { min_scale: 0 },
            "分值",
            "the indicator's weight (分值, 权重)",
        ),
        col("basis", Text, "指标值确定依据", "basis of the target"),
        col(
            "actual_raw",
            Text,
            "实际完成值（原文）",
            "a self-evaluation's result as written",
        ),
        col(
            "actual_value",
            Ratio { min_scale: 0 },
            "实际完成值",
            "the result's number",
        ),
        col("actual_unit", Text, "实际值单位", "the result's unit"),
        col(
            "score",
            Ratio { min_scale: 0 },
            "得分",
            "the score given (得分)",
        ),
        col(
            "target_met",
            Bool,
            "是否达成",
            "whether the result reaches the target (by its operator and direction); empty unless both are numbers",
        ),
        col(
            "deviation_note",
            Text,
            "偏差原因分析",
            "why it fell short and what will be done (偏差原因分析及改进措施)",
        ),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `goals`: one row per numbered goal.
pub const GOALS: Table = Table {
    name: "goals",
    row: "numbered goal",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        PROJECT_CODE,
        col(
            "goal_kind",
            Vocab,
            "目标类型",
            "`target` (a target form's), `expected` (a self-evaluation's as set out), `achieved` (as achieved)",
        ),
        SEQ,
        col("goal", Text, "绩效目标", "the goal, its number removed"),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `spending_plan`: one row per plan checkpoint.
pub const SPENDING_PLAN: Table = Table {
    name: "spending_plan",
    row: "plan checkpoint",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        PROJECT_CODE,
        col(
            "checkpoint_label",
            Text,
            "时间节点",
            "checkpoint as written (`3月底`)",
        ),
        col(
            "checkpoint_month",
            Int,
            "月份",
            "the checkpoint's month, 1 to 12",
        ),
        col(
            "cumulative_pct_raw",
            Text,
            "累计进度（原文）",
            "the percentage as written",
        ),
        col(
            "cumulative_pct",
            Ratio { min_scale: 2 },
            "累计支出进度（%）",
            "cumulative percentage (blanks before 0, after carried)",
        ),
        col(
            "cumulative_amount",
            Money,
            "累计支出金额",
            "cumulative_pct of budget_total, in `amount_unit`",
        ),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `funding`: one row per money line of a form.
pub const FUNDING: Table = Table {
    name: "funding",
    row: "money line of a form",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        PROJECT_CODE,
        col(
            "line",
            Vocab,
            "资金项目",
            "`total`, `fiscal`, `fiscal_central`, `fiscal_provincial`, `fiscal_city`, `fiscal_county`, `fiscal_higher` (上级资金, its level not named), `carryover`, `special_account`, `unit_own`, `other`; a department's `basic_expenditure`, `project_expenditure`",
        ),
        col("line_raw", Text, "资金项目（原文）", "the line's label as written"),
        col(
            "stage",
            Vocab,
            "阶段",
            "`budget` (set at budget time); a self-evaluation's `year_start`, `adjustment`, `full_year`, `executed`",
        ),
        col("amount", Money, "金额", "the line's amount in `amount_unit`"),
        col("amount_raw", Text, "金额（原文）", "the amount as written"),
        col(
            "weight",
            Ratio { min_scale: 0 },
            "分值",
            "the weight (分值) of the line's execution, on its executed amount",
        ),
        col(
            "score",
            Ratio { min_scale: 0 },
            "得分",
            "the score given (得分)",
        ),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `tasks`: one row per task of a department form's task table.
pub const TASKS: Table = Table {
    name: "tasks",
    row: "年度主要任务 row of a department form",
    columns: &[
        YEAR,
        FORM_KIND,
        DEPT_CODE,
        UNIT_CODE,
        SEQ,
        col(
            "task",
            Text,
            "任务名称",
            "the task (任务名称, 年度目标任务)",
        ),
        col("content", Text, "主要内容", "what the task involves"),
        col("duty", Text, "部门职能", "the duty it serves"),
        col(
            "project_name",
            Text,
            "项目名称",
            "the project paying for it (支出项目名称)",
        ),
        col(
            "amount_total",
            Money,
            "预算金额",
            "the task's budget in `amount_unit`",
        ),
        col("amount_fiscal", Money, "其中：财政拨款", "of it, 财政拨款"),
        col(
            "amount_other",
            Money,
            "其中：其他资金",
            "of it, other money",
        ),
        col(
            "amount_total_raw",
            Text,
            "预算金额（原文）",
            "the budget as written",
        ),
        col(
            "amount_fiscal_raw",
            Text,
            "其中：财政拨款（原文）",
            "财政拨款 as written",
        ),
        col(
            "amount_other_raw",
            Text,
            "其中：其他资金（原文）",
            "other money as written",
        ),
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `issues`: one row per finding.
pub const ISSUES: Table = Table {
    name: "issues",
    row: "finding",
    columns: &[
        col("severity", Vocab, "级别", "`error` or `warning`"),
        col(
            "code",
            Vocab,
            "问题代码",
            "issue code (docs/issue-codes.md)",
        ),
        col("message", Text, "说明", "what is wrong and what to do"),
        FORM_KIND,
        UNIT_CODE,
        PROJECT_CODE,
        SOURCE_FILE,
        SOURCE_SHEET,
        SOURCE_CELL,
    ],
};

/// `run_summary`: the control totals of a run.
pub const RUN_SUMMARY: Table = Table {
    name: "run_summary",
    row: "metric",
    columns: &[
        col("metric", Vocab, "指标", "what is counted or summed"),
        col(
            "unit_code",
            Vocab,
            "单位编码",
            "the unit of a per-unit total",
        ),
        col("count", Int, "数量", "a count"),
        col("amount", Money, "金额", "a total in `amount_unit`"),
    ],
};

const UNIT_NAME: Column = col("unit_name", Text, "单位名称", "budget unit name");
const PROJECT_NAME: Column = col("project_name", Text, "项目名称", "project name");
const EXECUTED_TOTAL: Column = col(
    "executed_total",
    Money,
    "全年执行数",
    "a self-evaluation's total spent (全年执行数) in `amount_unit`",
);
const EXECUTION_RATE: Column = col(
    "execution_rate",
    Ratio { min_scale: 2 },
    "执行率（%）",
    "executed_total ÷ budget_total × 100, recomputed",
);
const INDICATORS_EVALUATED: Column = col(
    "indicators_evaluated",
    Int,
    "已评价指标数",
    "indicators of the self-evaluation whose target and result are both numbers",
);
const INDICATORS_MET: Column = col(
    "indicators_met",
    Int,
    "达成指标数",
    "of them, those whose result reaches the target",
);
const BUDGET_FULL_YEAR: Column = col(
    "budget_full_year",
    Money,
    "全年预算数",
    "the self-evaluation's budget for the year (全年预算数, else 年初预算数)",
);

/// `target_vs_actual`: each project's target form set against its
/// self-evaluation of the same year (a built-in summary).
pub const TARGET_VS_ACTUAL: Table = Table {
    name: "target_vs_actual",
    row: "project: its target form and its self-evaluation",
    columns: &[
        YEAR,
        DEPT_CODE,
        UNIT_CODE,
        UNIT_NAME,
        PROJECT_CODE,
        PROJECT_NAME,
        col(
            "matched_by",
            Vocab,
            "匹配方式",
            "`code` (unit and project code), `name` (unit and project name only), `no_self_eval`, `no_target`",
        ),
        col(
            "budget_set",
            Money,
            "目标表预算数",
            "the target form's budget_total",
        ),
        BUDGET_FULL_YEAR,
        EXECUTED_TOTAL,
        EXECUTION_RATE,
        col(
            "indicators_set",
            Int,
            "设定指标数",
            "the target form's indicators",
        ),
        INDICATORS_EVALUATED,
        INDICATORS_MET,
        col(
            "score_total",
            Ratio { min_scale: 0 },
            "总分",
            "a self-evaluation's total score (总分)",
        ),
        col("grade", Text, "评价等级", "the grade the self-evaluation gives"),
        col("target_file", Text, "目标表文件", "the target form's file"),
        col("target_sheet", Text, "目标表工作表", "its sheet"),
        col("target_cell", Text, "目标表单元格", "its cell"),
        col("self_eval_file", Text, "自评表文件", "the self-evaluation's file"),
        col("self_eval_sheet", Text, "自评表工作表", "its sheet"),
        col("self_eval_cell", Text, "自评表单元格", "its cell"),
    ],
};

/// `self_eval_by_unit`: the self-evaluations of each unit (a built-in
/// summary).
pub const SELF_EVAL_BY_UNIT: Table = Table {
    name: "self_eval_by_unit",
    row: "unit with project self-evaluations",
    columns: &[
        YEAR,
        DEPT_CODE,
        UNIT_CODE,
        UNIT_NAME,
        col(
            "projects_evaluated",
            Int,
            "自评项目数",
            "project self-evaluations of the unit",
        ),
        col(
            "score_mean",
            Ratio { min_scale: 2 },
            "平均得分",
            "the mean of their total scores (forms giving one)",
        ),
        INDICATORS_EVALUATED,
        INDICATORS_MET,
        col(
            "met_share",
            Ratio { min_scale: 2 },
            "指标达成率（%）",
            "indicators_met ÷ indicators_evaluated × 100",
        ),
        BUDGET_FULL_YEAR,
        EXECUTED_TOTAL,
        EXECUTION_RATE,
    ],
};

/// The summaries every run writes, whatever the pipeline declares.
pub const BUILT_IN_SUMMARIES: [&Table; 2] = [&TARGET_VS_ACTUAL, &SELF_EVAL_BY_UNIT];

/// The record tables, in their fixed order.
pub const RECORD_TABLES: [&Table; 7] = [
    &PROJECTS,
    &INDICATORS,
    &GOALS,
    &SPENDING_PLAN,
    &FUNDING,
    &TASKS,
    &ISSUES,
];

/// The record tables that `parquet_partition_by` applies to; summaries and
/// issues are always single files.
pub const PARTITIONED_TABLES: [&str; 6] = [
    "projects",
    "indicators",
    "goals",
    "spending_plan",
    "funding",
    "tasks",
];

/// Captions of the measures the sample pipeline's summaries name.
const MEASURE_CAPTIONS: &[(&str, &str)] = &[("projects", "项目数"), ("indicators", "指标数")];

impl Table {
    /// The record table called `name`.
    pub fn record(name: &str) -> Option<&'static Table> {
        RECORD_TABLES.into_iter().find(|t| t.name == name)
    }

    /// The columns with `code_*` expanded for `code_groups`: (name, column).
    pub fn expand(&self, code_groups: &[String]) -> Vec<(String, Column)> {
        let mut out = Vec::with_capacity(self.columns.len() + code_groups.len());
        for c in self.columns {
            if c.name == CODE_PARTS {
                out.extend(code_groups.iter().map(|g| (format!("code_{g}"), *c)));
            } else {
                out.push((c.name.to_string(), *c));
            }
        }
        out
    }

    /// The contract row of the README: `| name | row | col, col, … |`.
    pub fn contract_row(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        format!("| {} | {} | {} |", self.name, self.row, names.join(", "))
    }
}

/// The Chinese caption of a column of any table; the column name where
/// none is known.
pub fn caption(column: &str) -> String {
    let declared = RECORD_TABLES
        .into_iter()
        .chain([&RUN_SUMMARY])
        .chain(BUILT_IN_SUMMARIES)
        .flat_map(|t| t.columns)
        .find(|c| c.name == column)
        .map(|c| c.caption)
        .or_else(|| {
            MEASURE_CAPTIONS
                .iter()
                .find(|(n, _)| *n == column)
                .map(|(_, c)| *c)
        });
    match (declared, column.strip_prefix("code_")) {
        (Some(c), _) => c.to_string(),
        (None, Some(part)) => format!("编码段 {part}"),
        (None, None) => column.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_columns_have_one_caption_everywhere() {
        let all: Vec<&Column> = RECORD_TABLES
            .into_iter()
            .chain([&RUN_SUMMARY])
            .chain(BUILT_IN_SUMMARIES)
            .flat_map(|t| t.columns)
            .collect();
        for a in &all {
            for b in &all {
                if a.name == b.name {
                    assert_eq!(a.caption, b.caption, "{}", a.name);
                }
            }
        }
        assert_eq!(caption("budget_total"), "预算数");
        assert_eq!(caption("code_category"), "编码段 category");
        assert_eq!(caption("projects"), "项目数");
        assert_eq!(caption("my_measure"), "my_measure");
    }

    #[test]
    fn code_parts_expand_per_group() {
        let groups = ["dept".to_string(), "serial".to_string()];
        let names: Vec<String> = PROJECTS.expand(&groups).into_iter().map(|c| c.0).collect();
        let at = names.iter().position(|n| n == "code_dept").unwrap();
        assert_eq!(names[at - 1], "project_code_raw");
        assert_eq!(names[at + 1], "code_serial");
        assert_eq!(names[at + 2], "category_name");
    }
}
