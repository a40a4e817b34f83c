//! Labels by meaning: a label no list holds is mapped to its field by the
//! terms it is made of (`专项资金名称` names a project: …名称 of a 项目,
//! 资金 or 任务; `当年预算` is the year's budget: 预算 with 当年), the
//! built-in words staying the strongest evidence. A guess made here is
//! only a candidate: [`super::Kinds`] keeps it when the cell stands where a
//! label stands — a value of the field's kind beside or below it, or a
//! header row of the indicator table — and never when it is itself the
//! value of a listed label.
//!
//! Each rule serves the class of templates its comment names; none holds
//! the words of one form.

use super::Field;

/// Why a text was taken for a field's label: the rule's terms, as
/// `inspect` shows them.
pub type Terms = &'static str;

/// One rule: the field, terms that must all be in the label, terms of which
/// one must be, terms none of which may be, and how the rule is shown.
struct Rule {
    field: Field,
    all: &'static [&'static str],
    any: &'static [&'static str],
    none: &'static [&'static str],
    terms: Terms,
}

const fn rule(
    field: Field,
    all: &'static [&'static str],
    any: &'static [&'static str],
    none: &'static [&'static str],
    terms: Terms,
) -> Rule {
    Rule {
        field,
        all,
        any,
        none,
        terms,
    }
}

/// Words that mark money of the year past (executed, adjusted, carried)
/// or of another stage: never the budget's total, 财政 or other money.
const NOT_BUDGET: &[&str] = &[
    "执行",
    "调整",
    "结转",
    "结余",
    "实际",
    "完成",
    "支出计划",
    "用途",
    "来源",
    "累计",
    "已",
    "拨付",
    "到位",
];

/// The rules, the more specific first: the first that holds decides.
const RULES: &[Rule] = &[
    // Indicator table headers (every template with a 三级 table, and the
    // budget systems' exports): 一级…, 二级…, 三级…, 指标名称, 具体指标.
    rule(Field::Level1, &["一级"], &[], &[], "一级…"),
    rule(Field::Level2, &["二级"], &[], &[], "二级…"),
    rule(Field::Level3, &["三级"], &[], &[], "三级…"),
    rule(
        Field::Level3,
        &["指标"],
        &["名称", "具体"],
        &["单位", "值"],
        "指标 + 名称/具体",
    ),
    rule(
        Field::Actual,
        &[],
        &["实际完成", "完成值", "实际值", "实际数", "实际达到"],
        &[],
        "实际/完成 + 值",
    ),
    rule(
        Field::Target,
        &["值"],
        &["指标", "目标", "标准", "预期", "计划", "数值", "年度"],
        &["实际", "完成"],
        "指标/目标/标准 + 值",
    ),
    rule(
        Field::TargetUnit,
        &["单位"],
        &["计量", "度量", "指标"],
        &[],
        "计量/指标 + 单位",
    ),
    rule(Field::TargetDirection, &[], &["方向"], &[], "方向"),
    rule(
        Field::TargetOp,
        &[],
        &["性质", "符号", "运算"],
        &[],
        "性质/符号",
    ),
    rule(Field::Score, &[], &["得分", "评分"], &["标准"], "得分"),
    rule(Field::Weight, &[], &["分值", "权重"], &[], "分值/权重"),
    rule(
        Field::DeviationNote,
        &[],
        &["偏差", "未完成原因", "原因分析"],
        &[],
        "偏差/原因",
    ),
    rule(
        Field::Basis,
        &["依据"],
        &["指标", "目标", "确定"],
        &[],
        "…依据",
    ),
    rule(
        Field::Description,
        &[],
        &["描述", "指标解释", "指标说明"],
        &[],
        "描述/解释",
    ),
    // A self-evaluation's money stages (财预〔2020〕10号 and its
    // provincial variants).
    rule(
        Field::ExecutionRate,
        &["率"],
        &["执行", "实现", "支付", "支出"],
        &["指标"],
        "执行/实现 + 率",
    ),
    rule(
        Field::StageYearStart,
        &["年初"],
        &["预算", "安排"],
        &[],
        "年初 + 预算",
    ),
    rule(
        Field::StageFullYear,
        &[],
        &["全年预算", "调整后"],
        &[],
        "全年预算/调整后",
    ),
    rule(
        Field::StageExecuted,
        &[],
        &["执行数", "支出数", "实际支出", "执行金额"],
        &["率"],
        "执行数/实际支出",
    ),
    // Codes and names (every template: 项目编码, 专项资金名称, 子项目名称).
    rule(
        Field::ProjectCode,
        &[],
        &["编码", "代码", "编号"],
        &["部门", "单位", "功能", "科目"],
        "项目 + 编码/代码",
    ),
    rule(Field::Level3, &["指标"], &["内容"], &[], "指标 + 内容"),
    rule(
        Field::ProjectName,
        &["名称"],
        &[
            "项目", "专项", "资金", "工程", "计划", "课题", "事项", "政策",
        ],
        &["单位", "部门", "指标", "任务"],
        "项目/资金 + 名称",
    ),
    rule(Field::TaskName, &["名称"], &["任务"], &[], "任务 + 名称"),
    rule(
        Field::DeptName,
        &["名称"],
        &["部门"],
        &["主管"],
        "部门 + 名称",
    ),
    rule(Field::Unit, &["名称"], &["单位"], &["主管"], "单位 + 名称"),
    // The body that drew up the form: 实施单位, 编制单位, 填报单位 … and
    // its department: 主管部门, 归口管理部门.
    rule(Field::Dept, &[], &["主管", "归口"], &[], "主管/归口"),
    rule(
        Field::Unit,
        &[],
        &["单位", "机构"],
        &["计量", "度量", "指标", "金额", "万元", "元"],
        "…单位",
    ),
    // Money (every template: 当年预算, 项目总预算, 预算申请数, 资金合计).
    rule(
        Field::FundCentral,
        &["中央"],
        &["资金", "补助", "转移支付", "专项", "财政"],
        &[],
        "中央 + 资金",
    ),
    rule(
        Field::FundProvincial,
        &["省"],
        &["资金", "补助", "级", "财政"],
        &["省略"],
        "省 + 资金",
    ),
    rule(
        Field::FundHigher,
        &["上级"],
        &["资金", "补助", "专项", "转移支付", "财政"],
        &[],
        "上级 + 资金",
    ),
    rule(
        Field::FundCity,
        &["市"],
        &["资金", "补助", "级", "财政"],
        &[],
        "市 + 资金",
    ),
    rule(
        Field::FundCounty,
        &[],
        &[
            "县级",
            "区级",
            "本级",
            "县财政",
            "区财政",
            "县资金",
            "区资金",
        ],
        &[],
        "县/区/本级 + 资金",
    ),
    rule(Field::Carryover, &[], &["结转", "结余"], &[], "结转/结余"),
    rule(Field::SpecialAccount, &["专户"], &[], &[], "专户"),
    rule(
        Field::BudgetOther,
        &[],
        &[
            "其他资金",
            "其它资金",
            "自筹",
            "自有资金",
            "单位资金",
            "社会资金",
            "其他来源",
            "其它来源",
        ],
        &[],
        "其他/自筹 + 资金",
    ),
    // 其他 alone under a money group (`其他`, `三、其他：3683万元`), kept
    // only with an amount beside it.
    rule(
        Field::BudgetOther,
        &[],
        &["其他", "其它"],
        &["说明", "事项", "问题", "指标", "目标", "情况", "支出"],
        "其他",
    ),
    rule(
        Field::BudgetFiscal,
        &[],
        &["财政", "一般公共预算", "政府性基金"],
        NOT_BUDGET,
        "财政 + 资金/拨款",
    ),
    rule(
        Field::BudgetTotal,
        &[],
        &["预算", "资金", "金额", "经费", "投资"],
        NOT_BUDGET,
        "预算/资金/金额",
    ),
    // Goals (every target form: 当年绩效目标, 项目绩效目标, 年度总目标).
    rule(
        Field::GoalsExpected,
        &["目标"],
        &["预期", "设定", "年初"],
        &["值", "指标"],
        "预期/设定 + 目标",
    ),
    rule(
        Field::GoalsAchieved,
        &[],
        &["目标完成", "目标实现"],
        &["值", "指标"],
        "目标 + 完成/实现",
    ),
    rule(
        Field::GoalsAchieved,
        &["完成情况"],
        &["总体", "年度", "目标", "具体"],
        &["值", "指标"],
        "年度/总体 + 完成情况",
    ),
    rule(
        Field::Goals,
        &["目标"],
        &[],
        &["值", "指标", "任务", "单位", "依据"],
        "…目标",
    ),
    rule(
        Field::Plan,
        &["计划"],
        &["支出", "用款", "资金", "进度"],
        &[],
        "支出/用款 + 计划",
    ),
    rule(Field::Purpose, &["用途"], &[], &[], "用途"),
    rule(
        Field::FuncClass,
        &["功能"],
        &["分类", "科目"],
        &[],
        "功能 + 分类/科目",
    ),
    rule(Field::Grade, &["等级"], &[], &[], "等级"),
];

/// Words that make a money label a total (总, 合计, 年度, 当年, 申请, 安排,
/// 规模, 数, 额): without one, 资金 or 金额 alone names no total.
const TOTAL_WORDS: &[&str] = &[
    "总", "合计", "小计", "年度", "当年", "本年", "申请", "安排", "规模", "数", "额", "预算",
];

/// Terms that alone are no label.
const BARE: &[&str] = &[
    "单位", "部门", "指标", "目标", "名称", "资金", "金额", "预算", "项目", "合计",
];

/// Words of a multi-year amount or goal (中期, 实施期, 中长期, 总体, 累计):
/// the year's wins over them.
pub const MULTI_YEAR: &[&str] = &["中期", "实施期", "中长期", "三年", "累计", "全周期"];

/// The field `key` (a folded label without its notes and list number)
/// names by its terms, with the rule that decided, if it reads like a
/// label at all: 2 to 16 characters, no digit, no sentence punctuation.
pub fn by_meaning(key: &str) -> Option<(Field, Terms)> {
    let chars = key.chars().count();
    // A term alone names no field: `单位` heads a column of units,
    // `指标` one of indicators (told apart where the table is read).
    // A table's or form's title (`…绩效目标表`) names no field.
    if BARE.contains(&key) || key.ends_with('表') {
        return None;
    }
    if !(2..=16).contains(&chars)
        || key.chars().any(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '，' | ',' | '。' | '；' | ';' | '！' | '？' | '%' | '/' | '\\'
                )
        })
    {
        return None;
    }
    let t = compiled();
    let present = t.terms_in(key);
    t.rules
        .iter()
        .zip(RULES)
        .find_map(|(m, r)| m.holds(&present).then_some((r.field, r.terms)))
}

/// A set of terms, by their number in [`Compiled::terms`].
#[derive(Clone, Copy, Default, PartialEq)]
struct TermSet([u64; 4]);

impl TermSet {
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn all_of(&self, of: &TermSet) -> bool {
        self.0.iter().zip(of.0).all(|(a, b)| a & b == b)
    }
    fn any_of(&self, of: &TermSet) -> bool {
        self.0.iter().zip(of.0).any(|(a, b)| a & b != 0)
    }
}

/// A rule as sets of terms.
struct RuleSets {
    all: TermSet,
    any: Option<TermSet>,
    none: TermSet,
    /// A further set one of whose terms must be there (a total's word; a
    /// code's 项目 or 专项).
    also: Option<TermSet>,
}

impl RuleSets {
    fn holds(&self, present: &TermSet) -> bool {
        present.all_of(&self.all)
            && self.any.is_none_or(|a| present.any_of(&a))
            && !present.any_of(&self.none)
            && self.also.is_none_or(|a| present.any_of(&a))
    }
}

/// Every term of the rules in one automaton: a label's terms are found in
/// one pass over it, and the rules are tested on them as sets (every text
/// cell of a form goes through this).
struct Compiled {
    finder: aho_corasick::AhoCorasick,
    rules: Vec<RuleSets>,
}

impl Compiled {
    fn terms_in(&self, key: &str) -> TermSet {
        let mut set = TermSet::default();
        for m in self.finder.find_overlapping_iter(key) {
            set.insert(m.pattern().as_usize());
        }
        set
    }
}

fn compiled() -> &'static Compiled {
    static COMPILED: std::sync::OnceLock<Compiled> = std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut terms: Vec<&'static str> = Vec::new();
        let mut set_of = |words: &[&'static str]| {
            let mut set = TermSet::default();
            for w in words {
                let i = terms.iter().position(|t| t == w).unwrap_or_else(|| {
                    terms.push(w);
                    terms.len() - 1
                });
                set.insert(i);
            }
            set
        };
        let rules = RULES
            .iter()
            .map(|r| RuleSets {
                all: set_of(r.all),
                any: (!r.any.is_empty()).then(|| set_of(r.any)),
                none: set_of(r.none),
                also: match r.field {
                    Field::BudgetTotal => Some(set_of(TOTAL_WORDS)),
                    Field::ProjectCode => Some(set_of(&["项目", "专项"])),
                    _ => None,
                },
            })
            .collect();
        assert!(terms.len() <= 256, "the rules' terms fit a TermSet");
        let finder = aho_corasick::AhoCorasick::new(&terms).expect("the rules' terms");
        Compiled { finder, rules }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str) -> Option<Field> {
        by_meaning(key).map(|(f, _)| f)
    }

    #[test]
    fn labels_never_listed_map_by_their_terms() {
        assert_eq!(field("专项资金名称"), Some(Field::ProjectName));
        assert_eq!(field("子项目名称"), Some(Field::ProjectName));
        assert_eq!(field("当年预算"), Some(Field::BudgetTotal));
        assert_eq!(field("项目总预算"), Some(Field::BudgetTotal));
        assert_eq!(field("资金合计"), Some(Field::BudgetTotal));
        assert_eq!(field("当年绩效目标"), Some(Field::Goals));
        assert_eq!(field("项目绩效目标"), Some(Field::Goals));
        assert_eq!(field("编制单位"), Some(Field::Unit));
        assert_eq!(field("业务主管部门"), Some(Field::Dept));
        assert_eq!(field("归口管理部门"), Some(Field::Dept));
        assert_eq!(field("指标名称"), Some(Field::Level3));
        assert_eq!(field("指标权重"), Some(Field::Weight));
        assert_eq!(field("标准值"), Some(Field::Target));
        assert_eq!(field("上级补助资金"), Some(Field::FundHigher));
        assert_eq!(field("上级资金"), Some(Field::FundHigher));
        assert_eq!(field("自筹资金"), Some(Field::BudgetOther));
        assert_eq!(field("一般公共预算拨款"), Some(Field::BudgetFiscal));
        assert_eq!(field("项目代码"), Some(Field::ProjectCode));
        assert_eq!(field("年度数值"), Some(Field::Target));
        assert_eq!(field("其他"), Some(Field::BudgetOther));
        assert_eq!(field("其他需要说明事项"), None);
    }

    #[test]
    fn values_and_other_words_are_no_label() {
        for key in [
            "残疾人就业保障金",
            "按时足额发放,保障权益",
            "2023年",
            "指标",
            "合计",
            "是",
            "单位",
            "全年执行数的说明文字很长很长很长很长很长",
        ] {
            assert_eq!(field(key), None, "{key}");
        }
        // Money that is not the budget's total.
        assert_eq!(field("资金使用"), None);
        assert_eq!(field("已拨付资金"), None);
    }
}
