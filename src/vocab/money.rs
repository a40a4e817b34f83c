//! Money units a form states (`单位：万元`, `项目资金（元）`) and their sizes.

use rust_decimal::Decimal;

use super::text::fold_width;

/// A money unit a form states (`单位：万元`) and its size in 元.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    Qianyuan,
    Wanyuan,
    Yiyuan,
}

impl MoneyUnit {
    /// Reads `元`, `千元`, `万元`, `亿元` (surrounding text ignored).
    pub fn parse(s: &str) -> Option<MoneyUnit> {
        let s: String = fold_width(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let s = s.trim_matches(|c| matches!(c, '(' | ')' | '[' | ']' | '【' | '】'));
        match s {
            "元" | "人民币元" => Some(MoneyUnit::Yuan),
            "千元" => Some(MoneyUnit::Qianyuan),
            "万元" => Some(MoneyUnit::Wanyuan),
            "亿元" => Some(MoneyUnit::Yiyuan),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Qianyuan => "千元",
            MoneyUnit::Wanyuan => "万元",
            MoneyUnit::Yiyuan => "亿元",
        }
    }

    fn yuan(self) -> Decimal {
        match self {
            MoneyUnit::Yuan => Decimal::ONE,
            MoneyUnit::Qianyuan => Decimal::from(1_000),
            MoneyUnit::Wanyuan => Decimal::from(10_000),
            MoneyUnit::Yiyuan => Decimal::from(100_000_000),
        }
    }

    /// Decimals of one 分 in this unit (元 2, 万元 6): the scale money
    /// columns are stored with, so every amount a form can state fits.
    pub fn fen_scale(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 2,
            MoneyUnit::Qianyuan => 5,
            MoneyUnit::Wanyuan => 6,
            MoneyUnit::Yiyuan => 10,
        }
    }

    /// Converts `v` from this unit to `to`, exactly.
    pub fn convert(self, v: Decimal, to: MoneyUnit) -> Decimal {
        if self == to {
            return v;
        }
        (v * self.yuan() / to.yuan()).normalize()
    }
}

/// Finds a stated money unit in a cell such as `单位：万元`, `金额单位:元`
/// or a label such as `项目资金（元）`.
pub fn find_money_unit(s: &str) -> Option<MoneyUnit> {
    // Neither `单位:` nor a parenthesis: no unit (and no allocation).
    if !s.contains(['单', '(', '（']) {
        return None;
    }
    let folded: String = fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if let Some(i) = folded.find("单位:") {
        let rest = &folded[i + "单位:".len()..];
        let end = rest.find([',', ';', '，', '；']).unwrap_or(rest.len());
        return MoneyUnit::parse(&rest[..end]);
    }
    let open = folded.rfind('(')?;
    let close = folded[open..].find(')')? + open;
    MoneyUnit::parse(&folded[open + 1..close])
}

/// An amount written with a note after it in brackets, the note set aside:
/// `854万(高标准农田建设400万元,…)` → `854万`. Text that does not start
/// with a digit is kept whole.
fn without_note(s: &str) -> &str {
    let starts_with_digit =
        s.starts_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
    if !starts_with_digit || !s.ends_with([')', '）']) {
        return s;
    }
    match s.find(['(', '（']) {
        Some(open) if open > 0 => s[..open].trim_end(),
        _ => s,
    }
}

/// An amount written with its unit (`250万`, `20万元`, `1,050,000元`) and
/// perhaps a note after it: the number's text and the unit; the text as it
/// is and `None` without a unit.
pub fn amount_and_unit(s: &str) -> (&str, Option<MoneyUnit>) {
    let t = without_note(s.trim());
    for (suffix, unit) in [
        ("亿元", MoneyUnit::Yiyuan),
        ("万元", MoneyUnit::Wanyuan),
        ("千元", MoneyUnit::Qianyuan),
        ("万", MoneyUnit::Wanyuan),
        ("元", MoneyUnit::Yuan),
    ] {
        if let Some(number) = t.strip_suffix(suffix) {
            if number.ends_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
                return (number.trim_end(), Some(unit));
            }
        }
    }
    (s, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn units_convert_exactly() {
        let v = MoneyUnit::Yuan.convert(d("1050000.00"), MoneyUnit::Wanyuan);
        assert_eq!(v, d("105"));
        let v = MoneyUnit::Yuan.convert(d("1234.56"), MoneyUnit::Wanyuan);
        assert_eq!(v, d("0.123456"));
        let v = MoneyUnit::Wanyuan.convert(d("20.11"), MoneyUnit::Yuan);
        assert_eq!(v, d("201100"));
    }

    #[test]
    fn amounts_written_with_their_unit() {
        assert_eq!(amount_and_unit("250万"), ("250", Some(MoneyUnit::Wanyuan)));
        assert_eq!(amount_and_unit("20万元"), ("20", Some(MoneyUnit::Wanyuan)));
        assert_eq!(
            amount_and_unit(" 1,050,000元"),
            ("1,050,000", Some(MoneyUnit::Yuan))
        );
        assert_eq!(amount_and_unit("20.00"), ("20.00", None));
        assert_eq!(amount_and_unit("二十万"), ("二十万", None));
        assert_eq!(
            amount_and_unit("854万(高标准农田建设400万元,示范建设295万元)"),
            ("854", Some(MoneyUnit::Wanyuan))
        );
        assert_eq!(
            amount_and_unit("854万854万(…)"),
            ("854万854", Some(MoneyUnit::Wanyuan))
        );
    }

    #[test]
    fn money_units_are_found_in_labels() {
        assert_eq!(find_money_unit("单位：万元"), Some(MoneyUnit::Wanyuan));
        assert_eq!(find_money_unit("金额单位: 元"), Some(MoneyUnit::Yuan));
        assert_eq!(find_money_unit("项目资金（元）"), Some(MoneyUnit::Yuan));
        assert_eq!(
            find_money_unit("项目资金（万元）"),
            Some(MoneyUnit::Wanyuan)
        );
        assert_eq!(find_money_unit("资金支出计划（%）"), None);
        assert_eq!(find_money_unit("项目名称"), None);
        assert_eq!(find_money_unit("单 位：万 元"), Some(MoneyUnit::Wanyuan));
        assert_eq!(find_money_unit("预算数(元)"), Some(MoneyUnit::Yuan));
    }
}

/// `d` rounded to `dp` decimals half away from zero (四舍五入), the one
/// rounding rule of every figure jixiao writes or shows (`round_dp`
/// alone rounds half to even: 0.125 → 0.12).
pub fn round_half_up(d: rust_decimal::Decimal, dp: u32) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod rounding_tests {
    use super::round_half_up;
    use rust_decimal::Decimal;

    #[test]
    fn halves_round_away_from_zero_as_the_docs_promise() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(round_half_up(d("0.125"), 2), d("0.13"));
        assert_eq!(round_half_up(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round_half_up(d("2.5"), 0), d("3"));
        assert_eq!(round_half_up(d("2.4999"), 0), d("2"));
    }
}
