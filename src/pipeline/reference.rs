//! Reference tables named in the pipeline file (CSV with a header row).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::normalise::func_class::FuncClasses;
use crate::normalise::level::Levels;
use crate::normalise::Category;

/// Reads a CSV of `T` rows, each with a different `key` (the column
/// named `what`); the error names the file and the line. A table with no
/// rows is an error: a lookup that finds nothing is not what was meant.
fn read<T: for<'de> Deserialize<'de>>(
    path: &Path,
    what: &str,
    key: impl Fn(&T) -> &str,
) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        rows.push(row.map_err(|e| format!("{} line {}: {e}", path.display(), i + 2))?);
    }
    if rows.is_empty() {
        return Err(format!("{} has no rows", path.display()));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(first) = seen.insert(key(r), i) {
            return Err(format!(
                "{}: {what} '{}' is on line {} and again on line {}",
                path.display(),
                key(r),
                first + 2,
                i + 2
            ));
        }
    }
    Ok(rows)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryRow {
    code: String,
    name: String,
    #[serde(default)]
    func_class_code: Option<String>,
}

/// `code,name[,func_class_code]`: project categories (`code_category`).
pub fn categories(path: &Path) -> Result<HashMap<String, Category>, String> {
    Ok(read(path, "code", |r: &CategoryRow| &r.code)?
        .into_iter()
        .map(|r| {
            let category = Category {
                name: r.name,
                func_class_code: r.func_class_code.filter(|c| !c.is_empty()),
            };
            (r.code, category)
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FuncClassRow {
    code: String,
    name: String,
    /// 类, 款 or 项: checked against the code's length when given.
    #[serde(default)]
    level: Option<String>,
}

/// `code,name[,level]`: functional classification codes (类/款/项).
pub fn func_classes(path: &Path) -> Result<FuncClasses, String> {
    let rows = read(path, "code", |r: &FuncClassRow| &r.code)?;
    for r in &rows {
        if ![3, 5, 7].contains(&r.code.len()) || !r.code.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "{}: code '{}' is not a 3-, 5- or 7-digit functional classification code",
                path.display(),
                r.code
            ));
        }
        let expected = match r.code.len() {
            3 => "类",
            5 => "款",
            _ => "项",
        };
        if let Some(level) = r
            .level
            .as_deref()
            .filter(|l| !l.is_empty() && *l != expected)
        {
            return Err(format!(
                "{}: code '{}' is a {expected} code, but its level says {level}",
                path.display(),
                r.code
            ));
        }
    }
    Ok(FuncClasses::new(rows.into_iter().map(|r| (r.code, r.name))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelRow {
    written: String,
    canonical: String,
    /// `1` or `2`: makes `canonical` a level of the user's, besides the
    /// standard ones.
    #[serde(default)]
    level: Option<u8>,
}

/// `written,canonical[,level]`: indicator-level synonyms. A canonical name
/// is one of the standard level-1 or level-2 names, or a level of the
/// user's when the row gives its `level` (1 or 2).
pub fn level_synonyms(path: &Path) -> Result<Levels, String> {
    use crate::normalise::level::{LEVEL1, LEVEL2};
    let rows = read(path, "written", |r: &LevelRow| &r.written)?;
    let standard = |c: &str| LEVEL1.contains(&c) || LEVEL2.contains(&c);
    let (mut added1, mut added2) = (Vec::new(), Vec::new());
    for r in &rows {
        let added = match r.level {
            Some(1) => &mut added1,
            Some(2) => &mut added2,
            Some(n) => {
                return Err(format!(
                    "{}: level {n} of '{}' is neither 1 nor 2",
                    path.display(),
                    r.canonical
                ))
            }
            None => continue,
        };
        if !standard(&r.canonical) && !added.contains(&r.canonical) {
            added.push(r.canonical.clone());
        }
    }
    let known = |c: &String| standard(c) || added1.contains(c) || added2.contains(c);
    if let Some(r) = rows.iter().find(|r| !known(&r.canonical)) {
        return Err(format!(
            "{}: '{}' is not a standard indicator level (one of {} / {}); to add it as a level of your own, give its level (1 or 2) in a `level` column",
            path.display(),
            r.canonical,
            LEVEL1.join("、"),
            LEVEL2.join("、")
        ));
    }
    Ok(Levels::with_added(
        &added1,
        &added2,
        rows.into_iter().map(|r| (r.written, r.canonical)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn func_class_levels_are_checked() {
        let ok = file("code,name,level\n208,社会保障和就业,类\n20811,残疾人事业,款\n2081107,残疾人生活和护理补贴,项\n");
        let t = func_classes(ok.path()).unwrap();
        assert_eq!(t.name("20811"), Some("残疾人事业"));
        let bad = file("code,name,level\n20811,残疾人事业,项\n");
        let e = func_classes(bad.path()).unwrap_err();
        assert!(e.contains("20811") && e.contains("款"), "{e}");
        let short = file("code,name\n2081,x\n");
        assert!(func_classes(short.path()).is_err());
    }

    #[test]
    fn level_synonyms_must_name_standard_levels() {
        let bad = file("written,canonical\n效果指标,效果指标\n");
        assert!(level_synonyms(bad.path())
            .unwrap_err()
            .contains("not a standard indicator level"));
        let ok = file("written,canonical\n效果指标,效益指标\n");
        assert_eq!(
            level_synonyms(ok.path())
                .unwrap()
                .level1("效果")
                .map(|s| &**s),
            Some("效益指标")
        );
        let added =
            file("written,canonical,level\n项目管理,项目管理指标,1\n管理指标,项目管理指标,\n");
        let levels = level_synonyms(added.path()).unwrap();
        assert_eq!(
            levels.level1("管理指标").map(|s| &**s),
            Some("项目管理指标")
        );
        assert_eq!(
            levels.level1("项目管理指标").map(|s| &**s),
            Some("项目管理指标")
        );
        let bad = file("written,canonical,level\nx,y,3\n");
        assert!(level_synonyms(bad.path())
            .unwrap_err()
            .contains("neither 1 nor 2"));
    }

    #[test]
    fn empty_tables_and_repeated_keys_are_refused() {
        for header_only in ["", "code,name\n"] {
            let f = file(header_only);
            assert!(categories(f.path()).unwrap_err().contains("has no rows"));
        }
        let dup = file("code,name\n0504,a\n0601,b\n0504,c\n");
        let e = categories(dup.path()).unwrap_err();
        assert!(
            e.contains("code '0504' is on line 2 and again on line 4"),
            "{e}"
        );
        let dup = file("written,canonical\n效果,效益指标\n效果,产出指标\n");
        assert!(level_synonyms(dup.path())
            .unwrap_err()
            .contains("written '效果'"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let bad = file("code,name,colour\n0504,x,red\n");
        let e = categories(bad.path()).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }
}
