//! Text folding. Labels are compared folded; free text is only trimmed.

/// Full-width ASCII forms (`７６２－０５０４`, `（`, `：`) to their half-width
/// characters, the ideographic space to a plain space. Everything else is
/// kept as it is.
pub fn fold_width(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(|c| fold_char(c) == c) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.chars().map(fold_char).collect())
}

/// [`fold_width`] of one character.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The key a label is compared by: full-width folded, all white space
/// removed (so `项 目 名 称` matches 项目名称), a trailing colon dropped, and
/// ASCII letters lower-cased. Borrows `s` when it is its own key.
pub fn fold_label(s: &str) -> std::borrow::Cow<'_, str> {
    let folds = |c: char| fold_char(c) != c || c.is_whitespace() || c.is_ascii_uppercase();
    if !s.ends_with([':', '\u{FF1A}']) && !s.chars().any(folds) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    fold_label_into(s, &mut out);
    while out.ends_with(':') {
        out.pop();
    }
    std::borrow::Cow::Owned(out)
}

/// [`fold_label`] appended to `out`, trailing colons kept: one pass, no
/// allocation when `out` has room.
pub fn fold_label_into(s: &str, out: &mut String) {
    // Runs of characters the key keeps as they are are copied whole.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        // CJK punctuation, kana and ideographs (U+3001–U+FF00), the bulk of
        // a label, neither fold nor are white space: no table lookup.
        if ('\u{3001}'..='\u{FF00}').contains(&c) {
            continue;
        }
        let f = fold_char(c);
        if f == c && !c.is_whitespace() && !c.is_ascii_uppercase() {
            continue;
        }
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        if !f.is_whitespace() {
            out.push(f.to_ascii_lowercase());
        }
    }
    out.push_str(&s[run..]);
}

/// How much of a cell's text is looked at to tell what the cell is (a
/// label, a title, a unit, a year, an amount-unit statement): those are
/// short. A long cell is kept in full as a value; classifying it by its
/// head keeps a sheet of 12,000 cells sharing one 1 MB text linear.
pub const CLASSIFY_BYTES: usize = 512;

/// The first [`CLASSIFY_BYTES`] of `s`, cut at a character boundary.
pub fn head(s: &str) -> &str {
    if s.len() <= CLASSIFY_BYTES {
        return s;
    }
    let mut end = CLASSIFY_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A folded label ([`fold_label`]) without what forms write around a name:
/// required marks before it (`*部门名称`, `★数量指标`), bracketed notes and
/// scores after it (`产出指标(50分)`, `数量指标(必填硬性指标)`,
/// `年度绩效目标(90分)`), and colons.
pub fn without_notes(key: &str) -> &str {
    let mut s = without_number(key.trim_start_matches(['*', '★', '☆', '※']));
    loop {
        let t = s.trim_end_matches([':', '：']);
        // A score range after the note: `成本指标(0-20)分`.
        let t = t
            .strip_suffix("分")
            .filter(|b| b.ends_with(')'))
            .unwrap_or(t);
        let Some(open) = t.strip_suffix(')').and_then(|b| b.rfind('(')) else {
            return t;
        };
        if open == 0 {
            return t;
        }
        s = &t[..open];
    }
}

/// A label without its list number (`1.中央资金`, `2、省级资金`, `(3)市级资金`,
/// `二、自有资金`).
fn without_number(s: &str) -> &str {
    let numeral = |c: char| {
        c.is_ascii_digit()
            || matches!(
                c,
                '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
            )
    };
    let rest = s.trim_start_matches(numeral);
    if rest.len() < s.len() {
        if let Some(r) = rest.strip_prefix(['.', '、']) {
            return r;
        }
        return s;
    }
    s.strip_prefix('(')
        .and_then(|r| r.trim_start_matches(numeral).strip_prefix(')'))
        .filter(|r| !r.is_empty())
        .unwrap_or(s)
}

/// The score a note gives (`产出指标(50分)` → 50), if any.
pub fn score_of(key: &str) -> Option<&str> {
    let open = key.rfind('(')?;
    let note = key[open + 1..].strip_suffix(')')?;
    let number = note.strip_suffix('分')?;
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.')).then_some(number)
}

/// Free text (names, purposes, goals, descriptions): trimmed, with Windows
/// line ends made `\n`; never otherwise rewritten.
pub fn clean_text(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").trim().to_string()
    } else {
        s.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_of_a_long_text_ends_on_a_character() {
        let long = "项".repeat(1000);
        assert_eq!(head(&long), "项".repeat(170));
        assert_eq!(head("项目名称"), "项目名称");
    }

    #[test]
    fn full_width_digits_and_dashes_fold() {
        assert_eq!(fold_width("７６２－０５０４"), "762-0504");
        assert_eq!(fold_width("资金支出计划（％）"), "资金支出计划(%)");
    }

    #[test]
    fn text_without_full_width_forms_is_not_copied() {
        assert!(matches!(
            fold_width("762-0504 项目"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(fold_width("项目\u{3000}编码：１"), "项目 编码:1");
    }

    #[test]
    fn spaced_labels_match() {
        assert_eq!(fold_label("项 目 名 称"), "项目名称");
        assert_eq!(fold_label(" 其中：财政资金 "), "其中:财政资金");
        assert_eq!(fold_label("项目编码："), "项目编码");
        assert_eq!(fold_label("项目编码\u{3000}"), "项目编码");
    }

    #[test]
    fn labels_that_are_their_own_key_are_not_copied() {
        assert!(matches!(
            fold_label("项目名称"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(fold_label("项目名称："), "项目名称");
        assert_eq!(fold_label("Ａ类"), "a类");
        assert_eq!(fold_label("A类"), "a类");
    }

    proptest::proptest! {
        #[test]
        fn fold_label_into_folds_each_character(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "Z", " ", "\t", "\u{b}", "\u{85}", "\u{a0}", "\u{3000}", "\u{3001}",
                "：", "：", "Ａ", "ｚ", "７", "～", "\u{ff00}", "\u{ff5f}", "项目", "€", ":",
            ]),
            0..12,
        )) {
            let s = parts.concat();
            let mut fast = String::new();
            fold_label_into(&s, &mut fast);
            let each: String = s
                .chars()
                .map(fold_char)
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            proptest::prop_assert_eq!(fast, each);
        }
    }

    #[test]
    fn notes_and_marks_around_a_label_are_set_aside() {
        for (written, bare) in [
            ("产出指标(50分)", "产出指标"),
            ("数量指标(必填硬性指标)", "数量指标"),
            ("*部门名称:", "部门名称"),
            ("★数量指标", "数量指标"),
            ("年度绩效目标(90分)", "年度绩效目标"),
            ("项目(专项)名称", "项目(专项)名称"),
            ("(50分)", "(50分)"),
            ("成本指标(0-20)分", "成本指标"),
            ("1.中央资金", "中央资金"),
            ("2、省级资金", "省级资金"),
            ("(3)市级资金", "市级资金"),
            ("二、自有资金:", "自有资金"),
            ("2020", "2020"),
            ("产出指标\n(40-50)分", "产出指标"),
        ] {
            assert_eq!(without_notes(&fold_label(written)), bare, "{written}");
        }
        assert_eq!(score_of(&fold_label("产出指标（50分）")), Some("50"));
        assert_eq!(score_of("数量指标(必填)"), None);
    }

    #[test]
    fn free_text_is_only_trimmed() {
        assert_eq!(clean_text("  通过 培训基地 \r\n"), "通过 培训基地");
    }
}
