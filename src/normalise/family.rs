//! Pure functions for the forms of the family beyond the project target
//! form: whether an indicator's result reaches its target, an execution
//! rate recomputed and held against the one written, a project code
//! written in front of the project's name, a score as written.

use rust_decimal::Decimal;

use super::amount::{fit_scale, parse_decimal};
use super::target::Target;
use crate::model::schema::RATIO_SCALE;
use crate::vocab::text::fold_width;

/// Whether `actual` reaches the target `t`: by the target's operator; a
/// target written as a plain number (`=`) is reached from above for a
/// positive (正向) indicator and from below for a negative (反向) one;
/// without a direction, from below for a cost (成本) and from above for
/// anything else. `None` when either is not a number, or their units
/// differ.
pub fn target_met(
    t: &Target,
    actual: Option<Decimal>,
    actual_unit: Option<&str>,
    direction: Option<&str>,
    cost: bool,
) -> Option<bool> {
    let (target, actual) = (t.value?, actual?);
    if let (Some(a), Some(b)) = (t.unit.as_deref(), actual_unit) {
        if unit_key(a) != unit_key(b) {
            return None;
        }
    }
    Some(match t.op.as_str() {
        ">=" => actual >= target,
        ">" => actual > target,
        "<=" => actual <= target,
        "<" => actual < target,
        "=" => match direction {
            Some("negative") => actual <= target,
            Some("positive") => actual >= target,
            _ if cost => actual <= target,
            _ => actual >= target,
        },
        _ => return None,
    })
}

/// A unit as compared: `%` and `百分比` are one.
fn unit_key(u: &str) -> &str {
    match u {
        "百分比" | "％" => "%",
        other => other,
    }
}

/// The execution rate, executed ÷ budget × 100, to [`RATIO_SCALE`]
/// decimals; `None` without both, or with a budget of 0.
pub fn execution_rate(executed: Option<Decimal>, budget: Option<Decimal>) -> Option<Decimal> {
    let (e, b) = (executed?, budget?);
    if b.is_zero() {
        return None;
    }
    let rate = e.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(b)?;
    Some(fit_scale(rate, RATIO_SCALE).0)
}

/// True when the rate a form writes (`99.92`, `93%`, `1`, `0.9992`)
/// agrees with the recomputed one to the decimals it is written with; a
/// rate written as a fraction (≤ 1.5) is compared as one.
pub fn rate_agrees(written: &str, rate: Decimal) -> Option<bool> {
    let text = fold_width(written);
    let text = text.trim();
    let percent = text.ends_with('%');
    let number = parse_decimal(text.trim_end_matches('%')).ok()??;
    let agrees = |shown: Decimal, value: Decimal| {
        crate::vocab::money::round_half_up(value, shown.scale()) == shown
    };
    let as_fraction = !percent && number <= Decimal::new(15, 1) && rate > Decimal::new(15, 1);
    Some(if as_fraction {
        agrees(number, rate / Decimal::ONE_HUNDRED)
    } else {
        agrees(number, rate)
    })
}

/// A cell that says "not applicable" (`/`, `—`, `无`): no value.
pub fn not_applicable(raw: &str) -> bool {
    matches!(
        fold_width(raw).trim(),
        "/" | "\\" | "-" | "—" | "--" | "——" | "无" | "不适用"
    )
}

/// A score or weight as written: a number, or nothing when blank or not
/// applicable; `Err` with the text when it is something else.
pub fn score_value(raw: &str) -> Result<Option<Decimal>, String> {
    if not_applicable(raw) {
        return Ok(None);
    }
    let t = raw.trim().trim_end_matches('分');
    parse_decimal(t).map(|v| v.map(|v| fit_scale(v, RATIO_SCALE).0))
}

/// A project code written in front of the project's name in one cell
/// (`51000021R000000019951-工资性支出`, as Sichuan's system prints them):
/// the code and the name. The code is at least ten letters and digits, six
/// of them digits.
pub fn split_code_name(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
        .map(|(i, _)| i)?;
    let code = &t[..end];
    let digits = code.chars().filter(char::is_ascii_digit).count();
    if code.len() < 10 || digits < 6 {
        return None;
    }
    let rest = t[end..].trim_start_matches(['-', '－', '—', '_', ' ', '\u{3000}']);
    (!rest.is_empty() && rest.len() < t.len() - end).then_some((code, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::target::parse_target;
    use std::str::FromStr;

    fn d(s: &str) -> Option<Decimal> {
        Some(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn a_result_reaches_its_target_by_operator_and_direction() {
        let met = |target: &str, actual: &str, dir: Option<&str>, cost: bool| {
            let t = parse_target(target);
            let a = parse_target(actual);
            target_met(&t, a.value, a.unit.as_deref(), dir, cost)
        };
        assert_eq!(met("≥95%", "96%", None, false), Some(true));
        assert_eq!(met("≥95%", "94.9%", None, false), Some(false));
        assert_eq!(met("≤90万元", "90", None, false), Some(true));
        assert_eq!(met("≤90万元", "91万元", None, false), Some(false));
        assert_eq!(met("100", "100", None, false), Some(true));
        assert_eq!(met("8", "7", None, false), Some(false));
        assert_eq!(met("8", "7", Some("negative"), false), Some(true));
        assert_eq!(met("20万元", "19万元", None, true), Some(true), "a cost");
        assert_eq!(met("20万元", "21万元", None, true), Some(false));
        assert_eq!(met("≥100百分比", "100%", None, false), Some(true));
        assert_eq!(met("≥50个", "达成预期指标", None, false), None);
        assert_eq!(met("及时", "及时", None, false), None, "text");
        assert_eq!(met("≥266米", "≥266米", None, false), Some(true));
        assert_eq!(met("10万元", "100000元", None, true), None, "units differ");
    }

    #[test]
    fn execution_rates_are_recomputed_and_held_against_the_form() {
        assert_eq!(execution_rate(d("188.45"), d("188.61")), d("99.915169"));
        assert_eq!(execution_rate(d("0"), d("0")), None);
        assert_eq!(execution_rate(None, d("1")), None);
        let r = execution_rate(d("188.45"), d("188.61")).unwrap();
        assert_eq!(rate_agrees("99.92", r), Some(true));
        assert_eq!(rate_agrees("99.92%", r), Some(true));
        assert_eq!(rate_agrees("99.9", r), Some(true));
        assert_eq!(rate_agrees("100%", r), Some(true));
        assert_eq!(rate_agrees("99.90", r), Some(false));
        assert_eq!(rate_agrees("0.9992", r), Some(true), "as a fraction");
        assert_eq!(rate_agrees("93%", r), Some(false));
        assert_eq!(rate_agrees("一百", r), None);
    }

    #[test]
    fn scores_as_written() {
        assert_eq!(score_value("8"), Ok(d("8")));
        assert_eq!(score_value(" 22.5 "), Ok(d("22.5")));
        assert_eq!(score_value("10分"), Ok(d("10")));
        assert_eq!(score_value("/"), Ok(None));
        assert_eq!(score_value(""), Ok(None));
        assert!(score_value("满分").is_err());
    }

    #[test]
    fn a_code_in_front_of_the_name_is_split_off() {
        assert_eq!(
            split_code_name("51000021R000000019951-工资性支出"),
            Some(("51000021R000000019951", "工资性支出"))
        );
        assert_eq!(
            split_code_name("51092324T000010263357-2023年全县安可替代补助资金项目"),
            Some(("51092324T000010263357", "2023年全县安可替代补助资金项目"))
        );
        assert_eq!(split_code_name("2023年全县安可替代补助资金项目"), None);
        assert_eq!(split_code_name("城镇残疾人基本养老保险补贴"), None);
        assert_eq!(split_code_name("ABCDEFGHIJK-名称"), None, "too few digits");
        assert_eq!(split_code_name("51000021R000000019951"), None, "no name");
    }
}
