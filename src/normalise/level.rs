//! Indicator levels: canonical level-1 and level-2 names, with synonyms.

use std::collections::HashMap;
use std::sync::Arc;

use crate::vocab::level::{level_word, LevelWord};
use crate::vocab::text::fold_label;

/// Canonical level-1 names: the three every form has, and 成本指标 of the
/// framework the Ministry of Finance introduced for 2021 onwards.
pub const LEVEL1: &[&str] = &["产出指标", "效益指标", "满意度指标", "成本指标"];

/// The level-1 groups every indicator table must have.
pub const REQUIRED_LEVEL1: &[&str] = &["产出指标", "效益指标", "满意度指标"];

/// Canonical level-2 names.
pub const LEVEL2: &[&str] = &[
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
    // Under 成本指标 (level 1) from 2021.
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
];

/// The level 1 each standard level 2 belongs to.
const PARENT: &[(&str, &str)] = &[
    ("数量指标", "产出指标"),
    ("质量指标", "产出指标"),
    ("时效指标", "产出指标"),
    ("经济效益指标", "效益指标"),
    ("社会效益指标", "效益指标"),
    ("生态效益指标", "效益指标"),
    ("可持续影响指标", "效益指标"),
    ("服务对象满意度指标", "满意度指标"),
    ("经济成本指标", "成本指标"),
    ("社会成本指标", "成本指标"),
    ("生态环境成本指标", "成本指标"),
];

/// Built-in synonyms (written form → canonical) used when the pipeline
/// names no reference file.
pub const DEFAULT_SYNONYMS: &[(&str, &str)] = &[
    ("效果指标", "效益指标"),
    ("环境效益指标", "生态效益指标"),
    ("社会公众或服务对象满意度指标", "服务对象满意度指标"),
    ("服务对象满意度", "服务对象满意度指标"),
    ("可持续发展指标", "可持续影响指标"),
];

/// Maps written levels to canonical ones.
#[derive(Debug, Clone)]
pub struct Levels {
    /// Folded written name → canonical name, shared by every indicator that
    /// carries it.
    level1: HashMap<String, Arc<str>>,
    level2: HashMap<String, Arc<str>>,
}

impl Default for Levels {
    fn default() -> Self {
        Levels::new(
            DEFAULT_SYNONYMS
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string())),
        )
    }
}

impl Levels {
    /// Canonical names map to themselves, with and without the 指标 suffix;
    /// each synonym maps to its canonical name, likewise.
    pub fn new(synonyms: impl IntoIterator<Item = (String, String)>) -> Levels {
        Levels::with_added(&[], &[], synonyms)
    }

    /// [`Levels::new`] with canonical levels of the user's besides the
    /// standard ones (`added1` level 1, `added2` level 2).
    pub fn with_added(
        added1: &[String],
        added2: &[String],
        synonyms: impl IntoIterator<Item = (String, String)>,
    ) -> Levels {
        fn add(map: &mut HashMap<String, Arc<str>>, written: &str, canonical: &str) {
            let key = fold_label(written).into_owned();
            let bare = key.strip_suffix("指标").unwrap_or(&key).to_string();
            let canonical: Arc<str> = canonical.into();
            map.insert(bare, canonical.clone());
            map.insert(key, canonical);
        }
        let mut level1 = HashMap::new();
        let mut level2 = HashMap::new();
        for l in LEVEL1
            .iter()
            .copied()
            .chain(added1.iter().map(String::as_str))
        {
            add(&mut level1, l, l);
        }
        for l in LEVEL2
            .iter()
            .copied()
            .chain(added2.iter().map(String::as_str))
        {
            add(&mut level2, l, l);
        }
        for (written, canonical) in synonyms {
            if LEVEL1.contains(&canonical.as_str()) || added1.contains(&canonical) {
                add(&mut level1, &written, &canonical);
            } else {
                add(&mut level2, &written, &canonical);
            }
        }
        Levels { level1, level2 }
    }

    /// The canonical level 1 for a written one, if known; a note after it
    /// (`产出指标(50分)`) or a required mark before it (`*产出指标`) aside;
    /// else the one its terms name (`项目完成指标` → 产出指标).
    pub fn level1(&self, raw: &str) -> Option<&Arc<str>> {
        lookup(&self.level1, raw).or_else(|| match level_word(raw)? {
            LevelWord::One(name) => self.level1.get(name),
            LevelWord::Two(_) => None,
        })
    }

    /// The level 1 a standard level 2 belongs to (成本指标 under 产出指标
    /// and 成本指标 of 2021 both exist, so it has none).
    pub fn parent(&self, level2: &str) -> Option<Arc<str>> {
        let (_, parent) = PARENT.iter().find(|(l2, _)| *l2 == level2)?;
        self.level1(parent).cloned()
    }

    /// The canonical level 2 for a written one, if known (notes aside as
    /// for level 1: `数量指标(必填硬性指标)`); else the one its terms name
    /// (`进度指标` → 时效指标).
    pub fn level2(&self, raw: &str) -> Option<&Arc<str>> {
        lookup(&self.level2, raw).or_else(|| match level_word(raw)? {
            LevelWord::Two(name) => self.level2.get(name),
            LevelWord::One(_) => None,
        })
    }
}

/// A written level in `map`, else the same without its notes and marks,
/// else written as a goal or a value (`产出目标`, `数量目标`, `数量值`: 目标
/// or 值 for 指标).
fn lookup<'m>(map: &'m HashMap<String, Arc<str>>, raw: &str) -> Option<&'m Arc<str>> {
    let key = fold_label(raw);
    if let Some(found) = map.get(key.as_ref()) {
        return Some(found);
    }
    let bare = crate::vocab::text::without_notes(&key);
    if let Some(found) = (bare.len() != key.len()).then(|| map.get(bare)).flatten() {
        return Some(found);
    }
    let stem = bare
        .strip_suffix("目标")
        .or_else(|| bare.strip_suffix('值'))?;
    map.get(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_synonym_levels() {
        let l = Levels::default();
        assert_eq!(l.level1("产出指标").map(|s| &**s), Some("产出指标"));
        assert_eq!(l.level1("效果指标").map(|s| &**s), Some("效益指标"));
        assert_eq!(l.level1("效 果").map(|s| &**s), Some("效益指标"));
        assert_eq!(l.level1("满意度").map(|s| &**s), Some("满意度指标"));
        assert_eq!(l.level2("环境效益指标").map(|s| &**s), Some("生态效益指标"));
        assert_eq!(
            l.level2("社会公众或服务对象满意度指标").map(|s| &**s),
            Some("服务对象满意度指标")
        );
        assert_eq!(l.level2("时效").map(|s| &**s), Some("时效指标"));
        assert_eq!(l.level1("其他指标").map(|s| &**s), None);
        // Levels written as goals (宁德市's department forms).
        assert_eq!(l.level1("产出目标").map(|s| &**s), Some("产出指标"));
        assert_eq!(l.level2("数量目标").map(|s| &**s), Some("数量指标"));
        assert_eq!(l.level1("其他目标").map(|s| &**s), None);
        assert_eq!(l.level2("成本值").map(|s| &**s), Some("成本指标"));
        // Words no list holds, by their terms.
        assert_eq!(l.level1("项目完成指标").map(|s| &**s), Some("产出指标"));
        assert_eq!(l.level1("实施效果指标").map(|s| &**s), Some("效益指标"));
        assert_eq!(l.level2("进度指标").map(|s| &**s), Some("时效指标"));
    }
}
