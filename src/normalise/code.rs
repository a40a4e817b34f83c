//! Project codes: one canonical form, split into named parts by the
//! pipeline's pattern.

use regex::Regex;

use crate::vocab::text::fold_width;

/// A project code brought to canonical form and split by the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Canonical when `matched`, else the code as written (trimmed).
    pub code: String,
    /// `(group name, value)` for each named group of the pattern, in order;
    /// empty when the code does not match.
    pub parts: Vec<(String, String)>,
    pub matched: bool,
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '–' | '—' | '.' | '/' | '·')
}

/// A project-code pattern, compiled once: the pattern itself, the same
/// with its `-` separators optional (for codes written without them), and
/// its named groups in order.
#[derive(Debug, Clone)]
pub struct CodePattern {
    strict: Regex,
    relaxed: Option<Regex>,
    groups: Vec<String>,
}

impl CodePattern {
    pub fn new(pattern: &str) -> Result<CodePattern, regex::Error> {
        let strict = Regex::new(pattern)?;
        let relaxed = Regex::new(&separators_optional(pattern)).ok();
        let groups = strict
            .capture_names()
            .flatten()
            .map(str::to_string)
            .collect();
        Ok(CodePattern {
            strict,
            relaxed,
            groups,
        })
    }

    pub fn as_str(&self) -> &str {
        self.strict.as_str()
    }

    /// The named groups, in pattern order.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }
}

/// Trims, folds full-width characters, upper-cases and turns any run of
/// separators (`－`, `_`, space) into `-`. If that does not match `pattern`,
/// the code without separators is matched with the pattern's `-` made
/// optional (`7620504JQNMTUQ`) and rebuilt from its named groups joined by
/// `-`. A code that still does not match stays as written.
pub fn normalise_code(raw: &str, pattern: &CodePattern) -> Code {
    let folded = fold_width(raw).trim().to_uppercase();
    let mut canonical = String::with_capacity(folded.len());
    for c in folded.chars() {
        if is_separator(c) {
            if !canonical.is_empty() && !canonical.ends_with('-') {
                canonical.push('-');
            }
        } else {
            canonical.push(c);
        }
    }
    let canonical = canonical.trim_end_matches('-').to_string();
    if let Some(code) = split(&canonical, &pattern.strict) {
        return code;
    }
    let compact: String = canonical.chars().filter(|c| *c != '-').collect();
    if let Some(caps) = pattern.relaxed.as_ref().and_then(|r| r.captures(&compact)) {
        let rebuilt = pattern
            .groups
            .iter()
            .filter_map(|n| caps.name(n).map(|m| m.as_str()))
            .collect::<Vec<_>>()
            .join("-");
        if let Some(code) = split(&rebuilt, &pattern.strict) {
            return code;
        }
    }
    Code {
        code: raw.trim().to_string(),
        parts: Vec::new(),
        matched: false,
    }
}

fn split(code: &str, pattern: &Regex) -> Option<Code> {
    let caps = pattern.captures(code)?;
    let parts = pattern
        .capture_names()
        .flatten()
        .map(|n| {
            let v = caps.name(n).map_or("", |m| m.as_str());
            (n.to_string(), v.to_string())
        })
        .collect();
    Some(Code {
        code: code.to_string(),
        parts,
        matched: true,
    })
}

/// The pattern with every literal `-` outside a character class made
/// optional (`-` becomes `-?`).
fn separators_optional(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                    if n == '-' && !in_class {
                        out.push('?');
                    }
                }
            }
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            '-' if !in_class => out.push_str("-?"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern() -> CodePattern {
        CodePattern::new(
            r"^(?P<dept>\d{3})-(?P<category>\d{4})-(?P<batch>[A-Z]{3})-(?P<serial>[A-Z0-9]{4})$",
        )
        .unwrap()
    }

    fn canonical(raw: &str) -> String {
        let c = normalise_code(raw, &pattern());
        assert!(c.matched, "{raw} should match");
        c.code
    }

    #[test]
    fn clean_code_splits_into_parts() {
        let c = normalise_code("762-0504-JQN-MTUQ", &pattern());
        assert_eq!(c.code, "762-0504-JQN-MTUQ");
        assert_eq!(
            c.parts,
            vec![
                ("dept".to_string(), "762".to_string()),
                ("category".to_string(), "0504".to_string()),
                ("batch".to_string(), "JQN".to_string()),
                ("serial".to_string(), "MTUQ".to_string()),
            ]
        );
    }

    #[test]
    fn variants_come_to_one_form() {
        assert_eq!(
            canonical("７６２－０５０４－ＪＱＮ－ＭＴＵＱ"),
            "762-0504-JQN-MTUQ"
        );
        assert_eq!(canonical("762-0504-jqn-mtuq"), "762-0504-JQN-MTUQ");
        assert_eq!(canonical("762_0504_JQN_MTUQ"), "762-0504-JQN-MTUQ");
        assert_eq!(canonical(" 762 0504 JQN MTUQ "), "762-0504-JQN-MTUQ");
        assert_eq!(canonical("7620504JQNMTUQ"), "762-0504-JQN-MTUQ");
        assert_eq!(canonical("762-0504JQN-MTUQ"), "762-0504-JQN-MTUQ");
    }

    #[test]
    fn a_code_off_the_pattern_stays_as_written() {
        let c = normalise_code(" 76-05-X ", &pattern());
        assert!(!c.matched);
        assert_eq!(c.code, "76-05-X");
        assert!(c.parts.is_empty());
    }

    #[test]
    fn class_ranges_are_not_separators() {
        assert_eq!(separators_optional(r"^[A-Z]-\d\-x$"), r"^[A-Z]-?\d\-?x$");
    }
}
