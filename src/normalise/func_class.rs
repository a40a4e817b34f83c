//! Functional classification (支出功能分类科目): 类 (3 digits) › 款 (5) › 项 (7).

use std::collections::HashMap;

use crate::vocab::text::fold_width;

/// The reference table: code → name, for 类, 款 and 项 codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuncClasses {
    names: HashMap<String, String>,
    codes: HashMap<String, String>,
}

impl FuncClasses {
    pub fn new(entries: impl IntoIterator<Item = (String, String)>) -> FuncClasses {
        let mut t = FuncClasses::default();
        for (code, name) in entries {
            t.codes
                .entry(name.trim().to_string())
                .or_insert_with(|| code.clone());
            t.names.insert(code, name.trim().to_string());
        }
        t
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    pub fn code(&self, name: &str) -> Option<&str> {
        self.codes.get(name.trim()).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// `2081107` → `社会保障和就业 › 残疾人事业 › 残疾人生活和护理补贴`, from
    /// the names of its 类, 款 and 项 found in the table.
    pub fn path(&self, code: &str) -> String {
        [3, 5, 7]
            .iter()
            .filter(|n| code.len() >= **n)
            .filter_map(|n| self.name(&code[..*n]))
            .collect::<Vec<_>>()
            .join(" › ")
    }
}

/// A classification as read from a form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FuncClass {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// Splits `2081107`, `208 11 07`, `208-11-07`, `[2081107]残疾人生活和护理补贴`
/// or a name alone into code and name. A code is 3, 5 or 7 digits.
pub fn split_func_class(raw: &str) -> FuncClass {
    let s = fold_width(raw);
    let s = s.trim();
    let inner = s.trim_start_matches(['[', '【', '(']);
    let lead_len = inner
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.'))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    let digits: String = inner[..lead_len]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if ![3, 5, 7].contains(&digits.len()) {
        return FuncClass {
            code: None,
            name: (!s.is_empty()).then(|| s.to_string()),
        };
    }
    let name = inner[lead_len..]
        .trim_start_matches([']', '】', ')'])
        .trim()
        .to_string();
    FuncClass {
        code: Some(digits),
        name: (!name.is_empty()).then_some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(code: Option<&str>, name: Option<&str>) -> FuncClass {
        FuncClass {
            code: code.map(str::to_string),
            name: name.map(str::to_string),
        }
    }

    #[test]
    fn every_written_form() {
        let code = fc(Some("2081107"), None);
        assert_eq!(split_func_class("2081107"), code);
        assert_eq!(split_func_class("208 11 07"), code);
        assert_eq!(split_func_class("208-11-07"), code);
        assert_eq!(split_func_class("２０８１１０７"), code);
        assert_eq!(
            split_func_class("[2081107]残疾人生活和护理补贴"),
            fc(Some("2081107"), Some("残疾人生活和护理补贴"))
        );
        assert_eq!(
            split_func_class("2081107 残疾人生活和护理补贴"),
            fc(Some("2081107"), Some("残疾人生活和护理补贴"))
        );
        assert_eq!(
            split_func_class("残疾人生活和护理补贴"),
            fc(None, Some("残疾人生活和护理补贴"))
        );
        assert_eq!(split_func_class("20811"), fc(Some("20811"), None));
        assert_eq!(split_func_class("2081"), fc(None, Some("2081")));
    }

    #[test]
    fn names_and_paths_from_the_table() {
        let t = FuncClasses::new(
            [
                ("208", "社会保障和就业"),
                ("20811", "残疾人事业"),
                ("2081107", "残疾人生活和护理补贴"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string())),
        );
        assert_eq!(t.name("2081107"), Some("残疾人生活和护理补贴"));
        assert_eq!(t.code("残疾人生活和护理补贴"), Some("2081107"));
        assert_eq!(
            t.path("2081107"),
            "社会保障和就业 › 残疾人事业 › 残疾人生活和护理补贴"
        );
    }
}
