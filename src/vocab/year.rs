//! The budget year a title states (`2020年部门预算绩效信息`).

use super::text::fold_width;

/// A four-digit year at the start of a title such as `2020年部门预算绩效信息`.
pub fn year_of(text: &str) -> Option<i32> {
    if !text.contains('年') {
        return None;
    }
    let folded = fold_width(text);
    let s = folded
        .trim()
        .trim_start_matches(['(', '[', '【', '〔'])
        .trim_start();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 4 && s[4..].starts_with('年') {
        let y: i32 = s[..4].parse().ok()?;
        return (1990..=2100).contains(&y).then_some(y);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_starts_a_title() {
        assert_eq!(year_of("2020年部门预算绩效信息"), Some(2020));
        assert_eq!(year_of("（２０２１年）项目支出绩效目标表"), Some(2021));
        assert_eq!(year_of("项目支出绩效目标表"), None);
        assert_eq!(year_of("1850年"), None);
        assert_eq!(year_of("20200年"), None);
    }
}
