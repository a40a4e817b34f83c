//! Indicator levels told by their terms: a level word no list holds
//! (`项目完成指标`, `实施效果指标`, `社会公众满意度`) is a level 1 or level 2
//! by what it says: …完成… or …产出… is 产出指标; …效益… or …效果… is
//! 效益指标; …满意… is 满意度指标; …成本… is 成本指标; 数量, 质量, 时效,
//! 经济, 社会, 生态, 可持续 name the level 2 under them. Serves every
//! template's indicator table and the indented trees of budget systems.

/// A level word, canonical, and whether it is a level 1 or a level 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelWord {
    One(&'static str),
    Two(&'static str),
}

/// Level-2 terms and the canonical name, the more specific first.
const LEVEL2_TERMS: &[(&[&str], &str)] = &[
    (
        &[
            "服务对象满意",
            "受益对象满意",
            "群众满意",
            "公众满意",
            "社会公众",
        ],
        "服务对象满意度指标",
    ),
    (&["经济成本"], "经济成本指标"),
    (&["社会成本"], "社会成本指标"),
    (&["生态环境成本", "环境成本"], "生态环境成本指标"),
    (&["数量"], "数量指标"),
    (&["质量"], "质量指标"),
    (&["时效", "进度", "及时"], "时效指标"),
    (&["经济效益", "经济效果"], "经济效益指标"),
    (&["社会效益", "社会效果"], "社会效益指标"),
    (
        &["生态效益", "环境效益", "生态效果", "生态环境效益"],
        "生态效益指标",
    ),
    (&["可持续"], "可持续影响指标"),
];

/// Level-1 terms and the canonical name.
const LEVEL1_TERMS: &[(&[&str], &str)] = &[
    (&["满意"], "满意度指标"),
    (&["产出", "完成"], "产出指标"),
    (&["效益", "效果", "影响"], "效益指标"),
    (&["成本"], "成本指标"),
];

/// The level a text names by its terms, if it reads as a level word: a
/// short text (at most 16 characters) ending in 指标, 目标 or 度, or
/// holding a level term and nothing that is a value (no digit).
pub fn level_word(text: &str) -> Option<LevelWord> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.trim_start_matches(['*', '★', '☆', '※']);
    let t = t.split(['(', '（']).next().unwrap_or(t);
    if t.is_empty() || t.chars().count() > 16 || t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let shaped = t.ends_with("指标") || t.ends_with("目标") || t.ends_with('度');
    let level2 = LEVEL2_TERMS.iter().find_map(|(terms, name)| {
        let term = terms.iter().find(|w| t.contains(*w))?;
        Some((*term, *name))
    });
    if let Some((term, name)) = level2 {
        // 成本指标 alone is the 2021 framework's level 1; a term of four
        // characters (社会公众, 服务对象满意) decides a level cut short.
        if shaped || t.chars().count() <= 4 || term.chars().count() >= 4 {
            return Some(LevelWord::Two(name));
        }
    }
    let (_, name) = LEVEL1_TERMS
        .iter()
        .find(|(terms, _)| terms.iter().any(|w| t.contains(w)))?;
    (shaped || t.chars().count() <= 4).then_some(LevelWord::One(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use LevelWord::*;

    #[test]
    fn level_words_by_their_terms() {
        assert_eq!(level_word("产出指标"), Some(One("产出指标")));
        assert_eq!(level_word("项目完成指标"), Some(One("产出指标")));
        assert_eq!(level_word("实施效果指标"), Some(One("效益指标")));
        assert_eq!(level_word("满意度"), Some(One("满意度指标")));
        assert_eq!(level_word("成本指标"), Some(One("成本指标")));
        assert_eq!(level_word("数量指标"), Some(Two("数量指标")));
        assert_eq!(
            level_word("社会公众或服务对象满意度指标"),
            Some(Two("服务对象满意度指标"))
        );
        assert_eq!(level_word("进度指标"), Some(Two("时效指标")));
        assert_eq!(level_word("经济成本指标"), Some(Two("经济成本指标")));
        assert_eq!(level_word("环境效益"), Some(Two("生态效益指标")));
        assert_eq!(level_word("产出指标(50分)"), Some(One("产出指标")));
        assert_eq!(
            level_word("社会公众或服务"),
            Some(Two("服务对象满意度指标"))
        );
    }

    #[test]
    fn indicators_and_values_are_no_level() {
        for t in [
            "补贴发放率",
            "服务对象满意度调查覆盖的人数与户数统计",
            "95%",
            "按时完成项目建设并通过验收",
            "",
        ] {
            assert_eq!(level_word(t), None, "{t}");
        }
    }
}
