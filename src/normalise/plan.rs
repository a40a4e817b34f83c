//! Spending plan checkpoints and their cumulative semantics.

use rust_decimal::Decimal;

/// Fills a cumulative plan: blanks before the first value are 0, blanks after
/// a value carry it forward. `None` stays `None` only when the whole plan is
/// blank.
pub fn fill_cumulative(values: &[Option<Decimal>]) -> Vec<Option<Decimal>> {
    if values.iter().all(Option::is_none) {
        return values.to_vec();
    }
    let mut last = Decimal::ZERO;
    values
        .iter()
        .map(|v| {
            if let Some(v) = v {
                last = *v;
            }
            Some(last)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn blanks_before_are_zero_and_after_carry_forward() {
        let d = |s: &str| Some(Decimal::from_str(s).unwrap());
        assert_eq!(
            fill_cumulative(&[None, d("50.00"), None, d("100.00")]),
            vec![d("0"), d("50.00"), d("50.00"), d("100.00")]
        );
        assert_eq!(
            fill_cumulative(&[None, None, d("100.00"), None]),
            vec![d("0"), d("0"), d("100.00"), d("100.00")]
        );
        assert_eq!(fill_cumulative(&[None, None]), vec![None, None]);
    }
}
