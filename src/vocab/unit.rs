//! How a budget unit is written: a code of digits, optionally bracketed,
//! then its name (`762002秦皇岛市…`, `[762002]秦皇岛市…`).

use super::text::fold_width;

/// The code (3 digits or more) and the name of a unit statement whose
/// full-width characters are already folded.
pub fn unit_parts(folded: &str) -> (Option<&str>, Option<&str>) {
    let s = folded.trim();
    let s = ["单位名称", "具体实施单位", "实施单位", "申报单位", "单位"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .map(|r| r.trim_start_matches([':', ' ']))
        .unwrap_or(s);
    let inner = s.trim_start_matches(['[', '【', '(', '〔']);
    let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 3 {
        return (None, (!s.is_empty()).then_some(s));
    }
    // `762002秦皇岛…`, `[762002]…`, `(433001)乌海市…`, `219001-池州市…`.
    let rest = inner[digits..]
        .trim_start_matches([']', '】', ')', '〕', '-', '—', '_'])
        .trim();
    (Some(&inner[..digits]), (!rest.is_empty()).then_some(rest))
}

/// True when a cell looks like a unit: a code of 5 to 12 digits, optionally
/// bracketed, followed by a name, or a code alone. `2020年…` is a year.
pub fn looks_like_unit(raw: &str) -> bool {
    let folded = fold_width(super::text::head(raw));
    let (code, name) = unit_parts(&folded);
    code.is_some_and(|c| (5..=12).contains(&c.len()))
        && name.is_none_or(|n| {
            !n.starts_with(['年', '.', '%', '-']) && !n.starts_with(|c: char| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_written_every_way() {
        for (written, code, name) in [
            ("(433001)乌海市财政局", "433001", "乌海市财政局"),
            ("（433）乌海市人民政府(部门)", "433", "乌海市人民政府(部门)"),
            ("219001-池州市教育局", "219001", "池州市教育局"),
            ("219001 池州市教育局", "219001", "池州市教育局"),
            ("申报单位：219001池州市教育局", "219001", "池州市教育局"),
        ] {
            let folded = fold_width(written);
            assert_eq!(unit_parts(&folded), (Some(code), Some(name)), "{written}");
        }
    }

    #[test]
    fn what_is_a_unit() {
        assert!(looks_like_unit("762002秦皇岛市北戴河区残疾人联合会"));
        assert!(looks_like_unit("762002"));
        assert!(!looks_like_unit("20.00"));
        assert!(!looks_like_unit("单位：万元"));
        assert!(!looks_like_unit("2020年部门预算绩效信息"));
    }
}
