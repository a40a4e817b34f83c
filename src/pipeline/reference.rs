//! Reference tables named in the pipeline file (CSV with a header row).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::normalise::func_class::FuncClasses;
use crate::normalise::level::Levels;
use crate::normalise::Category;

/// Reads a CSV of `T` rows; the error names the file and the line.
fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        rows.push(row.map_err(|e| format!("{} line {}: {e}", path.display(), i + 2))?);
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
    Ok(read::<CategoryRow>(path)?
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
    #[serde(default)]
    #[allow(dead_code)]
    level: Option<String>,
}

/// `code,name[,level]`: functional classification codes (类/款/项).
pub fn func_classes(path: &Path) -> Result<FuncClasses, String> {
    let rows = read::<FuncClassRow>(path)?;
    for r in &rows {
        if ![3, 5, 7].contains(&r.code.len()) || !r.code.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "{}: code '{}' is not a 3-, 5- or 7-digit functional classification code",
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
}

/// `written,canonical`: indicator-level synonyms. Each canonical name must
/// be one of the standard level-1 or level-2 names.
pub fn level_synonyms(path: &Path) -> Result<Levels, String> {
    use crate::normalise::level::{LEVEL1, LEVEL2};
    let rows = read::<LevelRow>(path)?;
    for r in &rows {
        if !LEVEL1.contains(&r.canonical.as_str()) && !LEVEL2.contains(&r.canonical.as_str()) {
            return Err(format!(
                "{}: '{}' is not a standard indicator level (one of {} / {})",
                path.display(),
                r.canonical,
                LEVEL1.join("、"),
                LEVEL2.join("、")
            ));
        }
    }
    Ok(Levels::new(
        rows.into_iter().map(|r| (r.written, r.canonical)),
    ))
}
