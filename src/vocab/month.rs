//! Month names of spending-plan checkpoints (`3月底`, `一季度末`, `全年`).

use super::text::fold_label;

/// The month a checkpoint label names: `3月底` → 3, `12月末` → 12,
/// `三月底` → 3, `一季度末` → 3, `上半年` → 6, `全年` → 12.
pub fn checkpoint_month(label: &str) -> Option<u8> {
    let folded = fold_label(label);
    // `strip_prefix`, not `trim_start_matches`, which builds a substring
    // searcher on every call.
    let mut s = folded.as_ref();
    for prefix in ["截至", "截止"] {
        while let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    for (name, month) in [
        ("一季度", 3),
        ("第一季度", 3),
        ("二季度", 6),
        ("第二季度", 6),
        ("三季度", 9),
        ("第三季度", 9),
        ("四季度", 12),
        ("第四季度", 12),
    ] {
        if s.starts_with(name) && s[name.len()..].starts_with(['末', '底']) {
            return Some(month);
        }
    }
    match s {
        "上半年" | "半年" => return Some(6),
        "全年" | "年底" | "年末" => return Some(12),
        _ => {}
    }
    let idx = s.find('月')?;
    let rest = &s[idx + '月'.len_utf8()..];
    if !(rest.is_empty() || rest.starts_with(['底', '末'])) {
        return None;
    }
    let month = parse_month_number(&s[..idx])?;
    (1..=12).contains(&month).then_some(month)
}

fn parse_month_number(s: &str) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|d| d == c);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c).map(|d| d as u8),
        ['十', c] => digit(*c).map(|d| 10 + d as u8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_from_labels() {
        assert_eq!(checkpoint_month("3月底"), Some(3));
        assert_eq!(checkpoint_month("6月底"), Some(6));
        assert_eq!(checkpoint_month("10月底"), Some(10));
        assert_eq!(checkpoint_month("12月底"), Some(12));
        assert_eq!(checkpoint_month("9月末"), Some(9));
        assert_eq!(checkpoint_month("三月底"), Some(3));
        assert_eq!(checkpoint_month("十二月底"), Some(12));
        assert_eq!(checkpoint_month("一季度末"), Some(3));
        assert_eq!(checkpoint_month("截至10月底"), Some(10));
        assert_eq!(checkpoint_month("１２月底"), Some(12));
        assert_eq!(checkpoint_month("13月底"), None);
        assert_eq!(checkpoint_month("绩效目标"), None);
        assert_eq!(checkpoint_month("月度"), None);
    }
}
