//! The bureau's view of a run: `report.html`, one self-contained page
//! (control totals, charts, units, findings: [`page`]), and a feedback
//! workbook for each unit with findings ([`feedback`]).
//!
//! Imports `write` (the workbook writer), `normalise` (its pure
//! functions), `model` and `vocab`.

pub mod chart;
pub mod feedback;
pub mod page;

use rust_decimal::Decimal;

/// Text made safe in HTML text and in a quoted attribute value (line
/// breaks kept as `<br>`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    // Runs of other text are copied whole: every character replaced is
    // ASCII, so each cut falls between characters.
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' => "<br>",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        out.push_str(with);
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out
}

/// An amount as people read it: two decimals (half away from zero),
/// thousands separated (`1,234.56`).
pub fn money(d: Decimal) -> String {
    let d = crate::vocab::money::round_half_up(d, 2);
    let text = format!("{:.2}", d);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_read_as_people_write_them() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(money(d("1234.5")), "1,234.50");
        assert_eq!(money(d("216.51")), "216.51");
        assert_eq!(money(d("1234567.005")), "1,234,567.01");
        assert_eq!(money(d("-1000")), "-1,000.00");
        assert_eq!(money(d("0")), "0.00");
        assert_eq!(
            escape("<a href=\"x\">'&'\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;<br>"
        );
    }

    proptest::proptest! {
        #[test]
        fn escape_is_the_character_by_character_escape(t in "[&<>\"'\n a级\u{1F600}\u{FFFF}]{0,40}|\\PC{0,40}") {
            let by_char: String = t
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    '\n' => "<br>".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(escape(&t), by_char);
        }
    }
}
