//! Indicator target values: `≥95%`, `不少于200人`, `100`, `及时`.

use rust_decimal::Decimal;

use super::amount::parse_decimal;
use crate::vocab::text::fold_width;

/// A parsed target value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// `>=`, `<=`, `=`, `>`, `<`, or `text` for a qualitative target;
    /// empty when the cell is blank.
    pub op: String,
    pub value: Option<Decimal>,
    pub unit: Option<String>,
}

const PREFIX_OPS: &[(&str, &str)] = &[
    (">=", ">="),
    ("=>", ">="),
    ("≥", ">="),
    ("≧", ">="),
    ("<=", "<="),
    ("=<", "<="),
    ("≤", "<="),
    ("≦", "<="),
    ("大于等于", ">="),
    ("大于或等于", ">="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不小于", ">="),
    ("至少", ">="),
    ("达到", ">="),
    ("小于等于", "<="),
    ("小于或等于", "<="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("不大于", "<="),
    ("最多", "<="),
    ("控制在", "<="),
    ("大于", ">"),
    ("高于", ">"),
    ("超过", ">"),
    ("多于", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    (">", ">"),
    ("<", "<"),
    ("=", "="),
    ("等于", "="),
];

const SUFFIX_OPS: &[(&str, &str)] = &[
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
];

/// Parses a target as written. A number with no operator is `=`; text with
/// no number is `text`. The value is exact; full-width digits and thousands
/// separators are accepted.
pub fn parse_target(raw: &str) -> Target {
    let s: String = fold_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // A sentence's full stop after the target (`95%以上。`).
    let s = s.trim_end_matches(['。', ';', '；', ',', '、']);
    if s.is_empty() {
        return Target::default();
    }
    let mut rest = s;
    let mut op = None;
    for (word, o) in PREFIX_OPS {
        if let Some(r) = rest.strip_prefix(word) {
            op = Some(*o);
            rest = r;
            break;
        }
    }
    let num_len = rest
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || *c == ',' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    let number = &rest[..num_len];
    let value = match parse_decimal(number) {
        Ok(Some(v)) if number.chars().any(|c| c.is_ascii_digit()) => v,
        _ => return text_target(),
    };
    let mut unit = &rest[num_len..];
    for (word, o) in SUFFIX_OPS {
        if let Some(u) = unit.strip_suffix(word) {
            op = op.or(Some(*o));
            unit = u;
            break;
        }
    }
    // A number followed by more words or numbers is a description, not a
    // target; a year or a month (`2025年年底前`, `12月底前`) is a date.
    if unit.chars().any(|c| c.is_ascii_digit()) || unit.chars().count() > 6 || is_date(number, unit)
    {
        return text_target();
    }
    Target {
        op: op.unwrap_or("=").to_string(),
        value: Some(value),
        unit: (!unit.is_empty()).then(|| unit.to_string()),
    }
}

/// True when `number` followed by `unit` names a date: a year
/// (`2025年`, `2023年底`) or a month's end (`12月底`, `6月前`), not a
/// quantity (`3年`, `12个月`).
fn is_date(number: &str, unit: &str) -> bool {
    let whole = |range: std::ops::RangeInclusive<u32>| {
        number.parse::<u32>().is_ok_and(|n| range.contains(&n))
    };
    if unit.starts_with('年') {
        return number.len() == 4 && whole(1990..=2100);
    }
    unit.strip_prefix('月')
        .is_some_and(|rest| rest.starts_with(['底', '末', '前', '中', '初']) && whole(1..=12))
}

/// What a cell of an operator or direction column says (the same header
/// carries either in different provinces, so the content decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// `>=`, `<=`, `=`, `>`, `<`, or `text` (定性).
    Op(&'static str),
    /// `positive` (正向: more is better) or `negative` (反向).
    Direction(&'static str),
}

/// The sign a cell gives (`≥`, `大于等于`, `定性`, `正向`), if any.
pub fn sign(raw: &str) -> Option<Sign> {
    if raw.is_empty() || raw.trim().is_empty() {
        return None;
    }
    let s: String = fold_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = s.strip_suffix("指标").unwrap_or(&s);
    match s {
        "" | "定量" => return None,
        "定性" => return Some(Sign::Op("text")),
        "正向" | "越大越好" | "越高越好" => return Some(Sign::Direction("positive")),
        "反向" | "越小越好" | "越低越好" => return Some(Sign::Direction("negative")),
        "＞" => return Some(Sign::Op(">")),
        "＜" => return Some(Sign::Op("<")),
        _ => {}
    }
    PREFIX_OPS
        .iter()
        .find(|(word, _)| *word == s)
        .map(|(_, op)| Sign::Op(op))
}

/// A target whose parts may sit in columns of their own: the operator
/// (or direction) cells, the unit cell, and the level-3 name, which may
/// carry the unit (`保障在职职工人数(人)`). Returns the target and its
/// direction.
pub fn compose(
    target: &str,
    signs: [&str; 2],
    unit: &str,
    level3: &str,
) -> (Target, Option<&'static str>) {
    let mut t = parse_target(target);
    let blank = |s: &str| s.is_empty() || s.trim().is_empty();
    if signs.iter().all(|s| blank(s)) && blank(unit) && !level3.trim_end().ends_with([')', '）']) {
        // The common table: the whole target in its one cell.
        return (t, None);
    }
    let signs = signs.map(sign);
    let op = signs.iter().find_map(|s| match s {
        Some(Sign::Op(o)) => Some(*o),
        _ => None,
    });
    let direction = signs.iter().find_map(|s| match s {
        Some(Sign::Direction(d)) => Some(*d),
        _ => None,
    });
    match op {
        // 定性 with its value left blank is still a text target.
        Some("text") => t = text_target(),
        Some(o) if t.op == "=" => t.op = o.to_string(),
        _ => {}
    }
    // A template's hint in the name (`苗木成活率(≥**%)`) says the operator
    // and the unit of a bare number.
    let hint = mask_in_name(level3);
    if let (Some((op, _)), "=") = (&hint, t.op.as_str()) {
        if t.value.is_some() && signs.iter().all(Option::is_none) {
            t.op = op.to_string();
        }
    }
    if t.value.is_some() && t.unit.is_none() {
        let unit = unit
            .trim()
            .trim_matches(|c| matches!(c, '-' | '—' | '/' | '－'));
        t.unit = if unit.is_empty() {
            unit_in_name(level3).or_else(|| hint.and_then(|(_, u)| u))
        } else {
            Some(fold_width(unit).into_owned())
        };
    }
    (t, direction)
}

/// A blank template's hint left in an indicator's name, its figure masked:
/// `(≥**%)`, `(≥**万元)`, `≤**元/人·月`: the operator, and the unit.
fn mask_in_name(name: &str) -> Option<(&'static str, Option<String>)> {
    let folded = fold_width(name.trim());
    let at = folded.find("**")?;
    let before = folded[..at].trim_end();
    let (_, op) = PREFIX_OPS.iter().find(|(word, _)| before.ends_with(word))?;
    let after = &folded[at + 2..];
    let unit: String = after
        .chars()
        .take_while(|c| !matches!(c, ')' | '(' | '—' | '-' | ',' | ';'))
        .collect();
    let unit = unit.trim();
    Some((
        op,
        (!unit.is_empty() && unit.chars().count() <= 6).then(|| unit.to_string()),
    ))
}

/// A unit in brackets at the end of an indicator's name:
/// `保障在职职工人数(人)` → `人`, `完成率（%）` → `%`.
fn unit_in_name(name: &str) -> Option<String> {
    if !name.trim_end().ends_with([')', '）']) || name.contains("**") {
        return None;
    }
    let folded = fold_width(name.trim());
    let inner = folded.strip_suffix(')')?;
    let unit = &inner[inner.rfind('(')? + 1..];
    let short = !unit.is_empty() && unit.chars().count() <= 4;
    (short && !unit.chars().any(|c| c.is_ascii_digit() || c == '分')).then(|| unit.to_string())
}

fn text_target() -> Target {
    Target {
        op: "text".to_string(),
        value: None,
        unit: None,
    }
}

/// A value such as `85100` or `90100`: a percentage (1–100) followed by
/// `100`, two numbers that ran together when the form was filled in.
/// Returns the two parts.
pub fn run_together(raw: &str) -> Option<(String, String)> {
    let s = fold_width(raw.trim());
    if s.len() < 4 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let head = s.strip_suffix("100")?;
    let n: u32 = head.parse().ok()?;
    (!head.starts_with('0') && (1..=100).contains(&n))
        .then(|| (head.to_string(), "100".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn t(op: &str, v: &str, unit: Option<&str>) -> Target {
        Target {
            op: op.to_string(),
            value: Some(Decimal::from_str(v).unwrap()),
            unit: unit.map(str::to_string),
        }
    }

    #[test]
    fn bare_numbers_are_equalities() {
        assert_eq!(parse_target("100"), t("=", "100", None));
        assert_eq!(parse_target("85100"), t("=", "85100", None));
    }

    #[test]
    fn operators_in_every_spelling() {
        assert_eq!(parse_target("≥95%"), t(">=", "95", Some("%")));
        assert_eq!(parse_target(">=95%"), t(">=", "95", Some("%")));
        assert_eq!(parse_target("≤ 3天"), t("<=", "3", Some("天")));
        assert_eq!(parse_target("＝100%"), t("=", "100", Some("%")));
        assert_eq!(parse_target("不低于90%"), t(">=", "90", Some("%")));
        assert_eq!(parse_target("不少于200人"), t(">=", "200", Some("人")));
        assert_eq!(parse_target("至少5次"), t(">=", "5", Some("次")));
        assert_eq!(parse_target("达到100%"), t(">=", "100", Some("%")));
        assert_eq!(parse_target("不高于20万元"), t("<=", "20", Some("万元")));
        assert_eq!(parse_target("不超过30天"), t("<=", "30", Some("天")));
        assert_eq!(parse_target("低于5%"), t("<", "5", Some("%")));
        assert_eq!(parse_target("10天以内"), t("<=", "10", Some("天")));
        assert_eq!(parse_target("95%以上"), t(">=", "95", Some("%")));
        assert_eq!(parse_target("> 1"), t(">", "1", None));
    }

    #[test]
    fn numbers_in_every_form() {
        assert_eq!(parse_target("１,２００人"), t("=", "1200", Some("人")));
        assert_eq!(parse_target("300元/亩"), t("=", "300", Some("元/亩")));
        assert_eq!(parse_target("99.5%"), t("=", "99.5", Some("%")));
    }

    #[test]
    fn qualitative_targets_are_text() {
        assert_eq!(parse_target("及时").op, "text");
        assert_eq!(parse_target("有效提升").op, "text");
        assert_eq!(parse_target("2020年12月底前完成").op, "text");
        assert_eq!(parse_target("").op, "");
    }

    #[test]
    fn run_together_percentages() {
        assert_eq!(run_together("85100"), Some(("85".into(), "100".into())));
        assert_eq!(run_together("90100"), Some(("90".into(), "100".into())));
        assert_eq!(run_together("100"), None);
        assert_eq!(run_together("1500"), None);
        assert_eq!(run_together("0100"), None);
        assert_eq!(run_together("95%"), None);
    }

    #[test]
    fn dates_and_words_are_text_targets() {
        for raw in [
            "2025年年底前",
            "2023年底",
            "12月底前",
            "2024年",
            "6月末",
            "按期完成",
            "逐步提高",
        ] {
            let t = parse_target(raw);
            assert_eq!((t.op.as_str(), t.value), ("text", None), "{raw}");
        }
        for (raw, unit) in [("3年", "年"), ("12个月", "个月"), ("≥10天", "天")] {
            assert_eq!(parse_target(raw).unit.as_deref(), Some(unit), "{raw}");
        }
    }

    #[test]
    fn a_target_split_over_columns_is_composed() {
        let (t, dir) = compose("95", ["≥", ""], "%", "完成率");
        assert_eq!((t.op.as_str(), t.unit.as_deref()), (">=", Some("%")));
        assert_eq!(t.value, Some(Decimal::from(95)));
        assert_eq!(dir, None);
        // The same header carries a direction in another province.
        let (t, dir) = compose("200", ["正向", ""], "人", "培训人数");
        assert_eq!((t.op.as_str(), dir), ("=", Some("positive")));
        let (t, dir) = compose("5", ["", "≤"], "", "投诉次数");
        assert_eq!((t.op.as_str(), dir), ("<=", None));
        // 定性: a text target, whatever the number cell holds.
        assert_eq!(compose("好", ["定性", ""], "", "x").0.op, "text");
        // An operator written in the value wins over the column.
        assert_eq!(compose("≤3", [">=", ""], "", "x").0.op, "<=");
        // The unit from the name when there is no unit column.
        let (t, _) = compose("120", ["", ""], "", "保障在职职工人数(人)");
        assert_eq!(t.unit.as_deref(), Some("人"));
        let (t, _) = compose("120", ["", ""], "", "产出指标(50分)");
        assert_eq!(t.unit, None);
    }
}
