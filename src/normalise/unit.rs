//! Budget units: `762002秦皇岛市…`, `[762002]秦皇岛市…`, `762002 秦皇岛市…`.

use crate::vocab::text::fold_width;
use crate::vocab::unit::unit_parts;

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
}
