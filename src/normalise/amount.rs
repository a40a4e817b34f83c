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
    let s: String = t
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(&s)
        .map(Some)
        .map_err(|_| format!("'{}' is not a number", raw.trim()))
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
        n.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .normalize(),
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
