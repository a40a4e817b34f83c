//! Budget units: `762002秦皇岛市…`, `[762002]秦皇岛市…`, `762002 秦皇岛市…`.

use super::text::fold_width;

/// A unit cell split into its code and name. Either may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unit {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// Splits a unit cell into code (leading digits, optionally bracketed) and
/// name (the rest, trimmed).
pub fn split_unit(raw: &str) -> Unit {
    let folded = fold_width(raw);
    let (code, name) = unit_parts(&folded);
    Unit {
        code: code.map(str::to_string),
        name: name.map(str::to_string),
    }
}

/// The code (3 digits or more) and the name of a unit statement whose
/// full-width characters are already folded.
fn unit_parts(folded: &str) -> (Option<&str>, Option<&str>) {
    let s = folded.trim();
    let s = s
        .strip_prefix("单位名称")
        .or_else(|| s.strip_prefix("实施单位"))
        .or_else(|| s.strip_prefix("单位"))
        .map(|r| r.trim_start_matches([':', ' ']))
        .unwrap_or(s);
    let inner = s.trim_start_matches(['[', '【', '(']);
    let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 3 {
        return (None, (!s.is_empty()).then_some(s));
    }
    let rest = inner[digits..].trim_start_matches([']', '】', ')']).trim();
    (Some(&inner[..digits]), (!rest.is_empty()).then_some(rest))
}

/// True when a cell looks like a unit: a code of 5 to 12 digits, optionally
/// bracketed, followed by a name, or a code alone. `2020年…` is a year.
pub fn looks_like_unit(raw: &str) -> bool {
    let folded = fold_width(raw);
    let (code, name) = unit_parts(&folded);
    code.is_some_and(|c| (5..=12).contains(&c.len()))
        && name.is_none_or(|n| !n.starts_with(['年', '.', '%']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str) -> Unit {
        Unit {
            code: Some(code.to_string()),
            name: Some(name.to_string()),
        }
    }

    #[test]
    fn every_unit_form() {
        let u = unit("762002", "秦皇岛市北戴河区残疾人联合会");
        assert_eq!(split_unit("762002秦皇岛市北戴河区残疾人联合会"), u);
        assert_eq!(split_unit("[762002]秦皇岛市北戴河区残疾人联合会"), u);
        assert_eq!(split_unit("【762002】秦皇岛市北戴河区残疾人联合会"), u);
        assert_eq!(split_unit("762002 秦皇岛市北戴河区残疾人联合会"), u);
        assert_eq!(split_unit("７６２００２秦皇岛市北戴河区残疾人联合会"), u);
        assert_eq!(
            split_unit("实施单位：[762002]秦皇岛市北戴河区残疾人联合会"),
            u
        );
        assert_eq!(
            split_unit("秦皇岛市北戴河区残疾人联合会"),
            Unit {
                code: None,
                name: Some("秦皇岛市北戴河区残疾人联合会".into())
            }
        );
        assert_eq!(
            split_unit("762002"),
            Unit {
                code: Some("762002".into()),
                name: None
            }
        );
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
