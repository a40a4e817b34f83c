//! Numbered goals: `1、促进残疾人增收\n2、保障…` into one goal per number.

use crate::vocab::text::{fold_char, fold_width};

/// Splits a goals cell on its numbering (`1、` `2.` `（1）` `(2)` `①`),
/// returning the goals without their numbers. Text without numbering is one
/// goal per non-empty line. The goal text itself is only trimmed.
pub fn split_goals(text: &str) -> Vec<String> {
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if !has_numbering(text) {
        return lines.map(str::to_string).collect();
    }
    let mut goals: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in lines {
        let Some(mut segment) = strip_number(line) else {
            // A continuation line belongs to the goal above it.
            match current.as_mut() {
                Some(goal) => {
                    goal.push('\n');
                    goal.push_str(line);
                }
                None => current = Some(line.to_string()),
            }
            continue;
        };
        if let Some(goal) = current.take() {
            push(&mut goals, goal);
        }
        // A line can carry several numbered goals: "1、甲；2、乙", "①甲②乙".
        while let Some(i) = next_number(segment) {
            push(&mut goals, segment[..i].to_string());
            segment = strip_number(&segment[i..]).unwrap_or("");
        }
        current = Some(segment.to_string());
    }
    if let Some(goal) = current.take() {
        push(&mut goals, goal);
    }
    goals
}

fn push(goals: &mut Vec<String>, goal: String) {
    let g = goal.trim().trim_end_matches(['；', ';']).trim().to_string();
    if !g.is_empty() {
        goals.push(g);
    }
}

fn has_numbering(text: &str) -> bool {
    text.lines().any(|l| strip_number(l.trim()).is_some())
}

/// If `s` starts with a goal number, the text after it.
fn strip_number(s: &str) -> Option<&str> {
    // 目标1：… (a goal numbered by name, as department forms write them).
    if let Some(rest) = s.strip_prefix("目标") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=2).contains(&digits) {
            let after = rest[digits..].strip_prefix([':', '：', '、', '.', '．']);
            return after.map(str::trim_start);
        }
    }
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    if ('①'..='⑳').contains(&first) {
        return Some(s[first.len_utf8()..].trim_start());
    }
    if fold_char(first) == '(' {
        // (1) / （1）
        let inner_start = first.len_utf8();
        let close = s[inner_start..].find([')', '）'])? + inner_start;
        let inner = fold_width(&s[inner_start..close]);
        if !inner.is_empty() && inner.len() <= 2 && inner.chars().all(|c| c.is_ascii_digit()) {
            let close_len = s[close..].chars().next()?.len_utf8();
            return Some(s[close + close_len..].trim_start());
        }
        return None;
    }
    // 1、 1. 1． 1)
    let digits_end = s
        .char_indices()
        .find(|(_, c)| !fold_char(*c).is_ascii_digit())
        .map(|(i, _)| i)?;
    if digits_end == 0 || s[..digits_end].chars().count() > 2 {
        return None;
    }
    let sep = s[digits_end..].chars().next()?;
    if matches!(sep, '、' | '.' | '．' | ')' | '）') {
        let after = &s[digits_end + sep.len_utf8()..];
        // "1.5万元" is a number, not a numbering.
        if sep == '.' && after.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        return Some(after.trim_start());
    }
    None
}

/// The byte index of the next numbering inside a line: a circled number
/// anywhere, or a number that follows a sentence end (`；` `;` `。`).
fn next_number(s: &str) -> Option<usize> {
    for (i, c) in s.char_indices() {
        if i > 0 && ('①'..='⑳').contains(&c) {
            return Some(i);
        }
        if matches!(c, '；' | ';' | '。') {
            let after = i + c.len_utf8();
            let rest = s[after..].trim_start();
            if strip_number(rest).is_some() {
                return Some(s.len() - rest.len());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_goals_split_per_number() {
        assert_eq!(
            split_goals("1、促进残疾人增收\n2、保障贫困重度残疾人基本生活"),
            vec!["促进残疾人增收", "保障贫困重度残疾人基本生活"]
        );
    }

    #[test]
    fn every_numbering_style() {
        assert_eq!(split_goals("1.甲\n2.乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("（1）甲\n（2）乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("(1) 甲\n(2) 乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("①甲②乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("①甲\n②乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("１、甲\n２、乙"), vec!["甲", "乙"]);
        assert_eq!(split_goals("1、甲；2、乙"), vec!["甲", "乙"]);
        assert_eq!(
            split_goals("目标1:甲;\n目标2：乙;"),
            vec!["甲", "乙"],
            "宁德's department forms"
        );
        assert_eq!(split_goals("目标明确"), vec!["目标明确"]);
    }

    #[test]
    fn continuation_lines_stay_with_their_goal() {
        assert_eq!(split_goals("1、甲\n续写\n2、乙"), vec!["甲\n续写", "乙"]);
    }

    #[test]
    fn unnumbered_text_is_one_goal_per_line() {
        assert_eq!(
            split_goals("保障运转\n提高效率"),
            vec!["保障运转", "提高效率"]
        );
        assert_eq!(split_goals("  "), Vec::<String>::new());
    }

    #[test]
    fn a_decimal_is_not_a_number() {
        assert_eq!(split_goals("1.5万元用于补贴"), vec!["1.5万元用于补贴"]);
    }
}
