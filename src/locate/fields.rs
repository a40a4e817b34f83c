//! The fields a label can announce, each declared once: its name in the
//! pipeline file's `[labels]` and in `inspect`, and its built-in synonyms
//! (what the templates in use write). The pipeline file adds words to any
//! list, and may remove built-in ones (`[labels.remove]`).

use serde::Deserialize;

/// Declares [`Field`], [`Labels`] (one list of synonyms per field, the
/// pipeline file's `[labels]`) and their defaults.
macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident $name:ident [$($syn:literal),* $(,)?];)*) => {
        /// A field of the form that a label announces.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in the order the pipeline file lists them.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The field's name in the pipeline file and in `inspect` output.
            pub fn name(self) -> &'static str {
                match self {
                    $(Field::$variant => stringify!($name),)*
                }
            }

            /// The built-in synonyms.
            pub fn defaults(self) -> &'static [&'static str] {
                match self {
                    $(Field::$variant => &[$($syn),*],)*
                }
            }
        }

        /// The label words of each field in use: the built-in words, with
        /// the pipeline file's added and removed ([`LabelsConfig`]).
        #[derive(Debug, Clone, PartialEq)]
        pub struct Labels {
            $($(#[$doc])* pub $name: Vec<String>,)*
            /// A title cell ends with one of these (`…绩效目标表`).
            pub title_suffix: Vec<String>,
        }

        impl Default for Labels {
            fn default() -> Self {
                Labels {
                    $($name: list(Field::$variant.defaults()),)*
                    title_suffix: list(TITLE_SUFFIX),
                }
            }
        }

        impl Labels {
            /// The synonyms of `field`.
            pub fn of(&self, field: Field) -> &[String] {
                match field {
                    $(Field::$variant => &self.$name,)*
                }
            }

            /// The built-in words with `config`'s removed and added.
            pub fn from_config(config: &LabelsConfig) -> Labels {
                let d = Labels::default();
                Labels {
                    $($name: merged(&d.$name, &config.remove.$name, &config.$name),)*
                    title_suffix: merged(
                        &d.title_suffix,
                        &config.remove.title_suffix,
                        &config.title_suffix,
                    ),
                }
            }
        }

        /// Words of some fields, none by default: the pipeline file's
        /// `[labels.remove]`.
        #[derive(Debug, Clone, Default, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields, default)]
        pub struct LabelWords {
            $(pub $name: Vec<String>,)*
            pub title_suffix: Vec<String>,
        }

        /// The pipeline file's `[labels]`: words each field is found by
        /// besides the built-in ones, and (`[labels.remove]`) built-in
        /// words it is not.
        #[derive(Debug, Clone, Default, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields, default)]
        pub struct LabelsConfig {
            $($(#[$doc])* pub $name: Vec<String>,)*
            /// A title cell ends with one of these (`…绩效目标表`).
            pub title_suffix: Vec<String>,
            /// Built-in words to drop.
            pub remove: LabelWords,
        }
    };
}

/// `builtin` without `remove`, then `add`, each word once.
fn merged(builtin: &[String], remove: &[String], add: &[String]) -> Vec<String> {
    let mut out: Vec<String> = builtin
        .iter()
        .filter(|w| !remove.contains(w))
        .cloned()
        .collect();
    for w in add {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A title cell ends with one of these.
pub const TITLE_SUFFIX: &[&str] = &[
    "绩效目标表",
    "绩效目标申报表",
    "绩效自评表",
    "自评表",
    "绩效评价表",
];

fields! {
    ProjectCode project_code ["项目编码", "项目代码", "项目编号"];
    ProjectName project_name ["项目名称", "项目(专项)名称", "项目支出名称", "二级项目名称"];
    Unit unit [
        "实施单位", "单位名称", "预算单位", "申报单位", "具体实施单位",
        "项目实施单位", "项目单位", "预算部门",
    ];
    BudgetGroup budget_group [
        "预算规模及资金用途", "项目资金", "预算规模", "资金情况", "项目资金申请",
        "年度预算数", "年度预算安排", "财政资金安排和使用情况", "资金结构", "年度预算申请",
    ];
    BudgetTotal budget_total [
        "预算数", "年度资金总额", "资金总额", "预算金额", "当年年度预算",
        "年度本级预算金额", "预算申报数", "年初安排金额", "总额",
    ];
    BudgetFiscal budget_fiscal [
        "其中：财政资金", "财政资金", "其中：财政拨款", "财政拨款", "其中：当年财政拨款",
        "财政拨款数", "其中：财政拨款数", "其中：本年财政拨款", "本年财政拨款",
        "当年财政拨款", "财政资金小计", "财政拨款小计",
    ];
    BudgetOther budget_other ["其他资金", "其它资金", "其中：其他资金", "其中：其它资金", "其他资金小计"];
    Purpose purpose ["资金用途", "项目资金用途"];
    Plan plan ["资金支出计划", "资金支出计划（%）", "资金支出进度"];
    /// The form's goals, where it sets them (a target form).
    Goals goals [
        "绩效目标", "年度目标", "年度绩效目标", "年度总体目标", "总体目标",
        "本年度绩效目标", "年度主要目标", "年度主要目标和成果",
    ];
    /// The goals a self-evaluation set out with (预期目标).
    GoalsExpected goals_expected ["预期目标", "年初设定目标", "项目年度目标", "年度预期目标"];
    /// What a self-evaluation says was achieved of them (实际完成情况).
    GoalsAchieved goals_achieved [
        "实际完成情况", "目标实际完成情况", "年度总体目标完成情况综述",
        "年度目标完成情况", "总体目标完成情况", "目标完成情况",
    ];
    Level1 level1 ["一级指标", "一级绩效指标"];
    Level2 level2 ["二级指标", "二级绩效指标"];
    Level3 level3 ["三级指标", "三级绩效指标"];
    Description description ["绩效指标描述", "指标描述", "指标内容", "指标解释"];
    Target target [
        "指标值", "目标值", "绩效指标值", "指标值及单位", "指标目标值", "年度指标值",
        "绩效目标值", "年初目标值", "预期指标值",
    ];
    Basis basis ["指标值确定依据", "确定依据", "指标值说明", "绩效标准"];
    /// A column of the target's operator (`≥`, `定性`) or, by its content,
    /// its direction.
    TargetOp target_op ["指标性质", "计算符号", "运算符号", "符号"];
    /// A column of the target's unit (`%`, `人`).
    TargetUnit target_unit ["计量单位", "度量单位", "指标单位"];
    /// A column of the target's direction (`正向`/`反向`) or, by its
    /// content, its operator.
    TargetDirection target_direction ["指标方向", "指标属性"];
    /// A column of the indicator's weight (分值); in a self-evaluation's
    /// money table, the weight of the execution rate.
    Weight weight ["分值", "权重", "指标分值", "权重(分)"];
    /// A self-evaluation's column of what was achieved (实际完成值).
    Actual actual [
        "实际完成值", "全年实际值", "完成值", "实际值", "实际完成数",
        "全年实际完成值", "年度实际完成值",
    ];
    /// A self-evaluation's column of scores (得分).
    Score score ["得分", "自评得分", "实际得分", "评分"];
    /// Why an indicator fell short, and what will be done (偏差原因分析).
    DeviationNote deviation_note [
        "偏差原因分析及改进措施", "未完成原因及拟采取的改进措施", "未完成原因分析",
        "未完成原因", "偏差原因分析", "偏差原因", "原因分析及改进措施",
    ];
    /// The self-evaluation's total score (总分); in a money table, its total line.
    ScoreTotal score_total ["总分", "自评总分", "综合得分", "合计"];
    /// The grade a self-evaluation gives itself (评价等级).
    Grade grade ["评价等级", "自评等级", "绩效等级", "绩效评价等级"];
    /// A self-evaluation's money columns: 年初预算数.
    StageYearStart stage_year_start [
        "年初预算数", "年初预算", "年初部门预算安排金额", "年初预算安排金额",
        "年初预算安排", "年初部门预算安排",
    ];
    /// 年中调整金额.
    StageAdjustment stage_adjustment ["年中调整金额", "年中调整数", "调整金额"];
    /// 全年预算数, 调整后预算数.
    StageFullYear stage_full_year ["全年预算数", "调整后预算数", "调整后预算", "全年预算", "小计"];
    /// 全年执行数, 预算执行数.
    StageExecuted stage_executed [
        "全年执行数", "预算执行数", "执行数", "年度拨付金额", "实际支出数",
        "全年实际支出", "实际执行数",
    ];
    /// 执行率: executed ÷ full-year budget.
    ExecutionRate execution_rate ["执行率", "预算执行率", "支出实现率", "资金执行率"];
    /// Lines of 财政拨款 by government level, and money carried over.
    FundCentral fund_central ["中央资金", "中央财政资金", "中央补助", "中央补助资金", "中央补助安排"];
    FundProvincial fund_provincial ["省级资金", "省级财政资金", "省级财政安排", "省级补助资金", "自治区资金"];
    FundCity fund_city ["市级资金", "市级财政资金", "市级财政安排"];
    FundCounty fund_county [
        "县级资金", "区级资金", "县级财政资金", "区级财政资金", "本级财政资金", "本级资金",
    ];
    /// 财政拨款 from the levels above, their level not named (上级资金).
    FundHigher fund_higher ["上级资金", "上级补助", "上级补助资金", "上级专项资金", "上级转移支付"];
    Carryover carryover ["上年结转", "上年结转资金"];
    /// Money held in a fiscal special account (财政专户管理资金).
    SpecialAccount special_account ["财政专户管理资金", "财政专户资金", "财政专户管理资金收入"];
    /// The unit's own money (单位资金, 自有资金).
    UnitOwn unit_own ["单位资金", "自有资金", "单位其它收入", "单位其他收入", "事业收入"];
    /// A department's money by use: 基本支出 and 项目支出.
    SpendBasic spend_basic ["基本支出"];
    SpendProject spend_project ["项目支出"];
    FuncClass func_class ["支出功能分类", "支出功能分类科目", "功能分类科目", "功能科目", "功能分类"];
    /// The department a project belongs to (its code, or code and name).
    Dept dept [
        "主管部门及代码", "主管部门", "主管部门名称", "业务主管部门", "部门编码",
        "部门预算编码", "部门代码",
    ];
    /// A department form's department (部门(单位)名称): its anchor.
    DeptName dept_name ["部门(单位)名称", "部门名称", "部门单位名称", "单位(部门)名称"];
    /// A department form's duties (部门职能职责概述).
    Duties duties ["部门职能职责概述", "部门职能概述", "职能职责概述", "部门职责", "部门主要职责"];
    /// A department form's table of the year's main tasks (年度主要任务).
    Tasks tasks ["年度主要任务", "年度履职目标", "年度主要工作任务", "年度重点工作任务"];
    /// Columns of the task table: the task, its content, the duty it
    /// serves, the project paying for it.
    TaskName task_name ["任务名称", "年度目标任务", "重点任务", "主要任务"];
    TaskContent task_content ["主要内容", "任务内容", "工作内容", "具体内容"];
    TaskDuty task_duty ["部门职能", "对应职能"];
    TaskProject task_project ["支出项目名称", "对应项目", "对应项目名称"];
}

impl Field {
    /// A line of the form's money: the total, 财政拨款 and its lines by
    /// government level, money carried over, other money, a department's
    /// money by use; with its canonical name in the `funding` table.
    pub fn money_line(self) -> Option<&'static str> {
        Some(match self {
            Field::BudgetTotal => "total",
            Field::BudgetFiscal => "fiscal",
            Field::FundCentral => "fiscal_central",
            Field::FundProvincial => "fiscal_provincial",
            Field::FundCity => "fiscal_city",
            Field::FundCounty => "fiscal_county",
            Field::FundHigher => "fiscal_higher",
            Field::Carryover => "carryover",
            Field::SpecialAccount => "special_account",
            Field::UnitOwn => "unit_own",
            Field::BudgetOther => "other",
            Field::SpendBasic => "basic_expenditure",
            Field::SpendProject => "project_expenditure",
            _ => return None,
        })
    }

    /// Fields whose value stands beside (or under) their label: a name,
    /// code, unit, goal or amount, not a column or group header.
    pub fn takes_value(self) -> bool {
        self.money_line().is_some()
            || matches!(
                self,
                Field::ProjectCode
                    | Field::ProjectName
                    | Field::Unit
                    | Field::Dept
                    | Field::DeptName
                    | Field::Goals
                    | Field::GoalsExpected
                    | Field::GoalsAchieved
                    | Field::FuncClass
                    | Field::Purpose
                    | Field::Duties
                    | Field::Grade
            )
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
                | Field::Actual
                | Field::Score
                | Field::DeviationNote
        )
    }

    /// A column of a self-evaluation's money table (年初预算数, 执行率, …),
    /// with the stage of its amounts (none for a rate, weight or score).
    pub fn is_money_column(self) -> bool {
        self.stage().is_some()
            || matches!(self, Field::ExecutionRate | Field::Weight | Field::Score)
    }

    /// The stage of the amounts in a money-table column.
    pub fn stage(self) -> Option<crate::vocab::kind::Stage> {
        use crate::vocab::kind::Stage;
        Some(match self {
            Field::StageYearStart => Stage::YearStart,
            Field::StageAdjustment => Stage::Adjustment,
            Field::StageFullYear => Stage::FullYear,
            Field::StageExecuted => Stage::Executed,
            _ => return None,
        })
    }

    /// A column of a department form's task table.
    pub fn is_task_column(self) -> bool {
        matches!(
            self,
            Field::TaskName
                | Field::TaskContent
                | Field::TaskDuty
                | Field::TaskProject
                | Field::BudgetTotal
                | Field::BudgetFiscal
                | Field::BudgetOther
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_fits_a_set_of_64() {
        assert!(Field::ALL.len() <= 64, "parse's FieldSet is a u64");
    }

    #[test]
    fn every_field_has_a_name_and_synonyms_and_no_synonym_is_twice() {
        let mut seen = std::collections::HashMap::new();
        for f in Field::ALL {
            assert!(!f.defaults().is_empty(), "{}", f.name());
            assert_eq!(Labels::default().of(*f).len(), f.defaults().len());
            for s in f.defaults() {
                let key = super::super::label_key(s);
                if let Some(other) = seen.insert(key.clone(), f.name()) {
                    assert_eq!(other, f.name(), "'{s}' is a synonym of two fields");
                }
            }
        }
    }
}
