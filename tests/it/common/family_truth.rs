//! What each rebuilt form of the family (`family.rs`) says, typed from the
//! published form, apart from the generator: the fields a person reading
//! the form would take from it. `""` where the form does not say.

#![allow(dead_code)]

/// One indicator row.
pub struct Ind {
    /// Level 1 and level 2 (canonical), level 3.
    pub levels: [&'static str; 3],
    /// Target operator, value and unit.
    pub target: [&'static str; 3],
    /// The actual value's number, the weight, the score.
    pub actual: &'static str,
    pub weight: &'static str,
    pub score: &'static str,
    /// `true`, `false`, or `""` (cannot be told).
    pub met: &'static str,
}

/// One task of a department form: the task, the project paying for it,
/// its amount (万元).
pub type TaskRow = (&'static str, &'static str, &'static str);

/// The truth of one form.
pub struct FamilyTruth {
    pub id: &'static str,
    pub kind: &'static str,
    pub year: &'static str,
    pub project_name: &'static str,
    pub project_code_raw: &'static str,
    pub unit_code: &'static str,
    pub unit_name: &'static str,
    pub dept_code: &'static str,
    /// Amounts in 万元; the rate in percent, recomputed.
    pub budget_total: &'static str,
    pub budget_fiscal: &'static str,
    pub executed_total: &'static str,
    pub execution_rate: &'static str,
    pub score_total: &'static str,
    /// Goals: (goal_kind, how the first begins).
    pub goals: &'static [(&'static str, &'static str)],
    pub tasks: &'static [TaskRow],
    pub indicators: &'static [Ind],
    /// Findings the form must give (each code at least once).
    pub issues: &'static [&'static str],
}

const fn ind(
    levels: [&'static str; 3],
    target: [&'static str; 3],
    actual: &'static str,
    weight: &'static str,
    score: &'static str,
    met: &'static str,
) -> Ind {
    Ind {
        levels,
        target,
        actual,
        weight,
        score,
        met,
    }
}

const OUT: &str = "产出指标";
const EFF: &str = "效益指标";
const TEXT: [&str; 3] = ["text", "", ""];

pub const FAMILY_TRUTH: &[FamilyTruth] = &[
    FamilyTruth {
        id: "anhui-chizhou-2022-self-eval",
        kind: "project_self_eval",
        year: "2022",
        project_name: "委托业务项目",
        project_code_raw: "",
        unit_code: "219001",
        unit_name: "池州市贵池区棠溪镇人民政府",
        dept_code: "219",
        // 年度资金总额 reads 0: as written, reported against its lines.
        budget_total: "0",
        budget_fiscal: "89.974",
        executed_total: "0",
        execution_rate: "",
        score_total: "",
        goals: &[
            ("expected", "本项目共申请预算资金90万元"),
            ("achieved", "本项目共完成预算资金89.97万元"),
        ],
        tasks: &[],
        indicators: &[
            ind(
                [OUT, "数量指标", "基建工程委托业务项目数量"],
                [">=", "50", "个"],
                "50",
                "8",
                "8",
                "true",
            ),
            ind(
                [OUT, "质量指标", "委托业务报告合格率"],
                [">=", "100", "百分比"],
                "100",
                "8",
                "8",
                "true",
            ),
            ind([OUT, "质量指标", "经费支出合规性"], TEXT, "", "8", "8", ""),
            ind([OUT, "时效指标", "提交报告及时性"], TEXT, "", "8", "8", ""),
            ind(
                [OUT, "成本指标", "项目总成本"],
                ["<=", "90", "万元"],
                "90",
                "8",
                "8",
                "true",
            ),
            ind([OUT, "成本指标", "单项业务成本"], TEXT, "", "10", "10", ""),
            ind(
                [EFF, "社会效益指标", "对维护基建市场公平的影响程度"],
                TEXT,
                "",
                "10",
                "10",
                "",
            ),
            ind(
                [EFF, "生态效益指标", "对控制基建项目成本影响程度"],
                TEXT,
                "",
                "10",
                "10",
                "",
            ),
            ind(
                [
                    EFF,
                    "可持续影响指标",
                    "对推动基建项目“四项制度”健全和落实的持续性影响",
                ],
                TEXT,
                "",
                "10",
                "10",
                "",
            ),
        ],
        issues: &["budget_sum_mismatch"],
    },
    FamilyTruth {
        id: "sichuan-zhongjiang-2022-self-eval",
        kind: "project_self_eval",
        year: "2022",
        project_name: "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装",
        project_code_raw: "",
        unit_code: "",
        unit_name: "中江县水利局",
        dept_code: "",
        budget_total: "20",
        budget_fiscal: "20",
        executed_total: "20",
        execution_rate: "100",
        score_total: "100",
        goals: &[
            ("expected", "对农村地区供水计量设施设备进行改进"),
            ("achieved", "对项目区农业用水计量"),
        ],
        tasks: &[],
        indicators: &[
            ind(
                [OUT, "数量指标", "安装坡面水标尺"],
                [">=", "266", "米"],
                "266",
                "10",
                "10",
                "true",
            ),
            ind(
                [OUT, "数量指标", "水标尺宽度"],
                [">=", "50", "厘米"],
                "50",
                "10",
                "10",
                "true",
            ),
            ind(
                [OUT, "质量指标", "项目(工程)验收合格率"],
                ["=", "100", "%"],
                "100",
                "20",
                "20",
                "true",
            ),
            ind(
                [OUT, "时效指标", "及时(按期)开工率"],
                [">=", "90", "%"],
                "90",
                "10",
                "10",
                "true",
            ),
            ind(
                [OUT, "时效指标", "及时(按期)完工率"],
                [">=", "90", "%"],
                "90",
                "10",
                "10",
                "true",
            ),
            ind(
                [OUT, "成本指标", "项目计划总投资"],
                ["=", "20", "万元"],
                "20",
                "10",
                "10",
                "true",
            ),
            ind(
                [EFF, "社会效益指标", "受益脱贫(含监测对象)户人口数"],
                [">=", "1000", "人"],
                "1000",
                "10",
                "10",
                "true",
            ),
            ind(
                [EFF, "社会效益指标", "群众生产生活条件改善状况"],
                TEXT,
                "",
                "10",
                "10",
                "",
            ),
            ind(
                [
                    "满意度指标",
                    "服务对象满意度指标",
                    "受益脱贫(含监测对象)户满意度",
                ],
                [">=", "95", "%"],
                "95",
                "10",
                "10",
                "true",
            ),
        ],
        // 100 for the indicators and 10 for the execution, 总分 100.
        issues: &["scores_do_not_add_up"],
    },
    FamilyTruth {
        id: "sichuan-qingshen-2023-self-eval",
        kind: "project_self_eval",
        year: "2023",
        project_name: "工资性支出",
        project_code_raw: "51000021R000000019951",
        unit_code: "",
        unit_name: "青神县发展和改革局",
        dept_code: "",
        budget_total: "251.89",
        budget_fiscal: "251.89",
        executed_total: "251.89",
        execution_rate: "100",
        score_total: "",
        // 年度目标完成情况 holds the template's instruction: no goal.
        goals: &[("expected", "严格执行相关政策")],
        tasks: &[],
        indicators: &[
            ind(
                [OUT, "数量指标", "发放(缴纳)覆盖率"],
                ["=", "100", "%"],
                "",
                "60",
                "",
                "",
            ),
            ind(
                [EFF, "社会效益指标", "足额保障率(参保率)"],
                ["=", "100", "%"],
                "",
                "30",
                "",
                "",
            ),
        ],
        issues: &[],
    },
    FamilyTruth {
        id: "fujian-ningde-2019-dept-target",
        kind: "dept_target",
        year: "2019",
        project_name: "",
        project_code_raw: "",
        unit_code: "901001033",
        unit_name: "中共宁德市委党史和地方志研究室",
        dept_code: "901",
        budget_total: "171.41",
        budget_fiscal: "",
        executed_total: "",
        execution_rate: "",
        score_total: "",
        goals: &[("target", "确保本室各人员工资及福利的发放")],
        tasks: &[
            (
                "保障志鉴地情相关工作开展所需资金,确保完成2019年度任务",
                "地情、市志编纂与年鉴出版经费",
                "49.8",
            ),
            (
                "按时发放2019年人员福利",
                "地情、市志编纂与年鉴出版经费",
                "11",
            ),
            ("按时发放2019年人员工资待遇", "基本支出", "171.41"),
        ],
        indicators: &[
            ind(
                [OUT, "数量指标", "志鉴地情相关工作开展所需资金的供应时效"],
                ["=", "100", "%"],
                "",
                "",
                "",
                "",
            ),
            ind(
                [OUT, "数量指标", "确保日常工作正常运行"],
                ["=", "100", "%"],
                "",
                "",
                "",
                "",
            ),
            ind(
                [
                    OUT,
                    "数量指标",
                    "按年度发放绩效奖、文明奖、综治平安奖、应休未休补贴",
                ],
                [">=", "60", "%"],
                "",
                "",
                "",
                "",
            ),
            ind(
                [
                    OUT,
                    "质量指标",
                    "调研、督促、指导志、鉴、地情编纂的县(市、区)的覆盖率",
                ],
                ["=", "1", ""],
                "",
                "",
                "",
                "",
            ),
            ind(
                [OUT, "质量指标", "各类书籍审稿率"],
                ["=", "1", ""],
                "",
                "",
                "",
                "",
            ),
            ind(
                [OUT, "时效指标", "项目完成时间"],
                ["=", "100", "%"],
                "",
                "",
                "",
                "",
            ),
        ],
        issues: &[],
    },
    FamilyTruth {
        id: "fujian-ningde-2020-dept-self-eval",
        kind: "dept_self_eval",
        year: "2020",
        project_name: "",
        project_code_raw: "",
        unit_code: "409001007",
        unit_name: "宁德市地震局",
        dept_code: "409",
        budget_total: "188.61",
        budget_fiscal: "188.61",
        executed_total: "188.45",
        execution_rate: "99.915169",
        score_total: "",
        goals: &[
            ("expected", "遵循创新、协调、绿色、开放、共享的发展理念"),
            ("achieved", "完成年度目标"),
        ],
        tasks: &[],
        indicators: &[
            ind(
                [OUT, "数量指标", "抽查全市地震监测台站运维情况个数"],
                ["=", "9", "个"],
                "9",
                "6",
                "6",
                "true",
            ),
            ind(
                [OUT, "数量指标", "开展防震减灾科普“进基层”宣传活动场数"],
                ["=", "10", "场"],
                "11",
                "6",
                "6",
                "true",
            ),
        ],
        issues: &[],
    },
];
