//! Exact decimal numbers. No binary floating point. (Money units are
//! vocabulary: [`crate::vocab::money`].)

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::vocab::text::fold_width;

/// Parses a number as written: trimmed, full-width digits folded, thousands
/// separators removed (`1,050,000.00`), exact. Blank is `Ok(None)`.
pub fn parse_decimal(raw: &str) -> Result<Option<Decimal>, String> {
    let folded = fold_width(raw);
    let t = folded.trim();
    if t.is_ascii() && !t.bytes().any(|b| b == b',' || b.is_ascii_whitespace()) {
        // Nothing to take out (the usual `20.11`): parsed in place.
        if t.is_empty() {
            return Ok(None);
        }
        return Decimal::from_str(t)
            .map(Some)
            .map_err(|_| format!("'{}' is not a number", raw.trim()));
    }
    let s: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if !thousands_in_place(&s) {
        return Err(format!(
            "'{}' has a thousands separator where none belongs (they group three digits: 1,234.50); not read, to invent no number",
            raw.trim()
        ));
    }
    let s: String = s.chars().filter(|c| *c != ',' && *c != '，').collect();
    if s.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(&s)
        .map(Some)
        .map_err(|_| format!("'{}' is not a number", raw.trim()))
}

/// True when every thousands separator of a number groups three digits:
/// `1,234`, `1,050,000.00`; not `1,5`, `1.234,50`, `1,23,456.7`.
fn thousands_in_place(s: &str) -> bool {
    let s = s.replace('，', ",");
    if !s.contains(',') {
        return true;
    }
    let (whole, fraction) = s.split_once('.').unwrap_or((&s, ""));
    let whole = whole.trim_start_matches(['-', '+']);
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or("");
    !fraction.contains(',') && (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
}

/// `v` with at most `scale` decimals, rounded half away from zero (四舍五入)
/// when it has more; the flag says whether it was rounded. Output columns
/// have a fixed scale, so a value is fitted before it is written.
pub fn fit_scale(v: Decimal, scale: u32) -> (Decimal, bool) {
    let n = v.normalize();
    if n.scale() <= scale {
        return (n, false);
    }
    (
        crate::vocab::money::round_half_up(n, scale).normalize(),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::money::MoneyUnit;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_are_exact() {
        let a = parse_decimal("20.11").unwrap().unwrap();
        let b = parse_decimal("3.50").unwrap().unwrap();
        assert_eq!((a + b).to_string(), "23.61");
    }

    #[test]
    fn text_amounts_parse() {
        assert_eq!(parse_decimal("20.00 ").unwrap(), Some(d("20.00")));
        assert_eq!(parse_decimal("２０.００").unwrap(), Some(d("20.00")));
        assert_eq!(
            parse_decimal("1,050,000.00").unwrap(),
            Some(d("1050000.00"))
        );
        assert_eq!(parse_decimal("  ").unwrap(), None);
        assert!(parse_decimal("二十").is_err());
        assert_eq!(
            parse_decimal("１，２３４．５０").unwrap(),
            Some(d("1234.50"))
        );
        assert_eq!(parse_decimal("-1,234").unwrap(), Some(d("-1234")));
        for ambiguous in ["1,5", "1.234,50", "1,23,456.7", "12,34", ",123"] {
            let e = parse_decimal(ambiguous).unwrap_err();
            assert!(e.contains("thousands separator"), "{ambiguous}: {e}");
        }
    }

    #[test]
    fn values_fit_a_column_scale() {
        assert_eq!(fit_scale(d("216.510"), 6), (d("216.51"), false));
        assert_eq!(fit_scale(d("0.1234565"), 6), (d("0.123457"), true));
        assert_eq!(fit_scale(d("-0.1234565"), 6), (d("-0.123457"), true));
        assert_eq!(fit_scale(d("12.345"), 2), (d("12.35"), true));
        // One 分 fits the money scale of every unit.
        for u in [
            MoneyUnit::Yuan,
            MoneyUnit::Qianyuan,
            MoneyUnit::Wanyuan,
            MoneyUnit::Yiyuan,
        ] {
            let fen = MoneyUnit::Yuan.convert(d("0.01"), u);
            assert_eq!(fit_scale(fen, u.fen_scale()), (fen, false), "{u:?}");
        }
    }
}
