//! The budget year a title states (`2020年部门预算绩效信息`).

use rust_decimal::Decimal;

use super::text::fold_width;

/// A four-digit year at the start of a title such as `2020年部门预算绩效信息`,
/// or in brackets after it (`项目支出绩效自评表(2023年度)`, `( 2020 年度)`).
pub fn year_of(text: &str) -> Option<i32> {
    let text = super::text::head(text);
    if !text.contains('年') {
        return None;
    }
    let folded = fold_width(text);
    let s = folded
        .trim()
        .trim_start_matches(['(', '[', '【', '〔'])
        .trim_start();
    leading_year(s).or_else(|| {
        let compact: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
        compact
            .match_indices(['(', '（'])
            .find_map(|(i, p)| leading_year(&compact[i + p.len()..]))
    })
}

/// The budget year a form's title names anywhere in it
/// (`成安县民政局2020年度预算项目绩效自评表`), else as [`year_of`] finds it.
pub fn year_in_title(text: &str) -> Option<i32> {
    year_of(text).or_else(|| {
        // One pass, no allocation: a run of exactly four digits (white
        // space inside ignored, full-width folded) followed by 年.
        let (mut digits, mut year) = (0u32, 0i32);
        for c in super::text::head(text).chars().map(super::text::fold_char) {
            if c.is_whitespace() {
                continue;
            }
            if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
                digits += 1;
                year = year.saturating_mul(10).saturating_add(d as i32);
                continue;
            }
            if c == '年' && digits == 4 && (1990..=2100).contains(&year) {
                return Some(year);
            }
            (digits, year) = (0, 0);
        }
        None
    })
}

/// A year of four digits followed by 年, at the start of `s`.
fn leading_year(s: &str) -> Option<i32> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 4 && s[4..].starts_with('年') {
        let y: i32 = s[..4].parse().ok()?;
        return (1990..=2100).contains(&y).then_some(y);
    }
    None
}

/// The date a spreadsheet means by day number `v` (1900 date system, days
/// from 1899-12-30), for whole numbers from 2000-01-01 to 2099-12-31.
pub fn spreadsheet_date(v: Decimal) -> Option<String> {
    if v < Decimal::from(36_526) || v > Decimal::from(73_050) || !v.fract().is_zero() {
        return None;
    }
    let days = i64::try_from(v.trunc().mantissa() / 10i128.pow(v.scale())).ok()?;
    if !(36_526..=73_050).contains(&days) {
        return None;
    }
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!("{year}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_names_its_year_anywhere() {
        assert_eq!(
            year_in_title("成安县民政局2020年度预算项目绩效自评表"),
            Some(2020)
        );
        assert_eq!(year_in_title("项目支出绩效自评表(2023年度)"), Some(2023));
        assert_eq!(year_in_title("绩效目标表"), None);
        assert_eq!(year_in_title("编号12020年"), None);
        assert_eq!(year_in_title("某某局 ２０２１ 年预算项目"), Some(2021));
        assert_eq!(year_in_title("某某局1989年"), None);
    }

    #[test]
    fn spreadsheet_day_numbers_are_dates() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(spreadsheet_date(d("44561")).as_deref(), Some("2021-12-31"));
        assert_eq!(spreadsheet_date(d("36526")).as_deref(), Some("2000-01-01"));
        assert_eq!(spreadsheet_date(d("45351")).as_deref(), Some("2024-02-29"));
        assert_eq!(spreadsheet_date(d("100")), None);
        assert_eq!(spreadsheet_date(d("44561.5")), None);
    }

    #[test]
    fn a_year_starts_a_title() {
        assert_eq!(year_of("2020年部门预算绩效信息"), Some(2020));
        assert_eq!(year_of("（２０２１年）项目支出绩效目标表"), Some(2021));
        assert_eq!(year_of("项目支出绩效目标表"), None);
        assert_eq!(year_of("1850年"), None);
        assert_eq!(year_of("20200年"), None);
        assert_eq!(year_of("部门预算项目支出绩效自评表(2023年度)"), Some(2023));
        assert_eq!(year_of("( 2020 年度)"), Some(2020));
        assert_eq!(
            year_of("对照2023年度目标"),
            None,
            "a year inside a sentence"
        );
    }
}
