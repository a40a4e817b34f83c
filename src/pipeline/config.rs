//! The pipeline file (TOML). Unknown keys are rejected, naming the key.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::Deserialize;

use super::{reference, PipelineError};
use crate::aggregate::Aggregation;
use crate::locate::{Labels, LabelsConfig};
use crate::model::IssueCode;
use crate::normalise::Settings;
use crate::read::Limits;
use crate::validate::RuleLevel;
use crate::vocab::money::MoneyUnit;
use crate::write::{Captions, Format, WriteOptions};

/// The whole pipeline file. Every section and key is optional; the
/// defaults are documented in `pipelines/README.md`.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineFile {
    pub input: InputConfig,
    pub output: OutputConfig,
    pub normalise: NormaliseConfig,
    pub validate: ValidateConfig,
    pub run: RunConfig,
    /// Budgets per file, each refused before memory is spent.
    pub limits: Limits,
    /// Label words added to the built-in ones, and removed.
    pub labels: LabelsConfig,
    /// Summaries, run in order after the tables are built.
    pub aggregate: Vec<Aggregation>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Files read at once; 0 or unset: one per core.
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ValidateConfig {
    /// Issue code → `"error"`, `"warning"` or `"off"`.
    pub rules: BTreeMap<String, RuleLevel>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Files or folders (searched recursively), relative to the pipeline file.
    pub paths: Vec<PathBuf>,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            paths: vec![PathBuf::from("input")],
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// The folder the tables are written to, relative to the pipeline file.
    pub dir: PathBuf,
    pub formats: Vec<Format>,
    /// Prefix CSV text cells that start with `=`, `+`, `-`, `@` with `'` so
    /// Excel shows them as text instead of running them as formulas.
    pub csv_formula_guard: bool,
    /// Start CSV files with a UTF-8 byte order mark, so Excel on Chinese
    /// Windows opens them as UTF-8.
    pub csv_bom: bool,
    /// Write the `funding` table: every money line of every form (on
    /// unless turned off, like every table a run can fill).
    pub funding: bool,
    /// The XLSX workbook's Chinese captions: `"row"` (a caption row above
    /// the column names), `"header"` (captions instead of column names) or
    /// `"none"`.
    pub xlsx_captions: Captions,
    /// Write each Parquet table that has these columns as a hive-partitioned
    /// dataset (`projects/year=2020/dept_code=762/part-0.parquet`).
    pub parquet_partition_by: Vec<String>,
    /// Write `report.html`: the run on one page for the bureau.
    pub report: bool,
    /// Write `feedback/<unit_code> <unit_name>.xlsx` for each unit with
    /// findings: the list to send back to it.
    pub feedback: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from("output"),
            formats: vec![Format::Csv, Format::Parquet],
            csv_formula_guard: true,
            csv_bom: false,
            funding: true,
            xlsx_captions: Captions::Row,
            parquet_partition_by: Vec::new(),
            report: true,
            feedback: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NormaliseConfig {
    /// Budget year written to `projects.year`; read from a `2020年…` title
    /// in the file when not set.
    pub year: Option<i32>,
    /// The unit all amounts are converted to: 元, 千元, 万元 or 亿元.
    pub amount_unit: String,
    /// The unit assumed for a form that states none.
    pub default_source_unit: String,
    /// Regex for project codes; each named group becomes `code_<name>`.
    pub code_pattern: String,
    /// Leading digits of a unit code that form the department code.
    pub dept_code_length: usize,
    /// A project budget over this many 万元 is reported as implausible.
    pub plausible_max_wanyuan: u64,
    /// In a form read as 万元, whole amounts with at least this many integer
    /// digits are reported as looking like 元.
    pub plausible_yuan_digits: usize,
    /// In a form read as 元, a budget under this many 元 is reported as
    /// looking like 万元.
    pub plausible_min_yuan: u64,
    /// CSV `code,name[,func_class_code]`: project categories by `code_category`.
    pub categories: Option<PathBuf>,
    /// CSV `code,name[,level]`: functional classification (类/款/项).
    pub func_classes: Option<PathBuf>,
    /// CSV `written,canonical`: indicator-level synonyms (built-in list when unset).
    pub level_synonyms: Option<PathBuf>,
}

impl Default for NormaliseConfig {
    /// The normalise stage's own defaults ([`Settings::default`]).
    fn default() -> Self {
        let s = Settings::default();
        NormaliseConfig {
            year: s.year,
            amount_unit: s.amount_unit.name().to_string(),
            default_source_unit: s.default_source_unit.name().to_string(),
            code_pattern: s.code_pattern.as_str().to_string(),
            dept_code_length: s.dept_code_length,
            plausible_max_wanyuan: s.plausible.max_wanyuan,
            plausible_yuan_digits: s.plausible.yuan_digits,
            plausible_min_yuan: s.plausible.min_yuan,
            categories: None,
            func_classes: None,
            level_synonyms: None,
        }
    }
}

/// The `[validate.rules]` keys as issue codes; the error names a key that
/// is not one.
fn rule_levels(
    rules: &BTreeMap<String, RuleLevel>,
) -> Result<BTreeMap<IssueCode, RuleLevel>, String> {
    rules
        .iter()
        .map(|(key, level)| match IssueCode::parse(key) {
            Some(code) => Ok((code, *level)),
            None => Err(format!(
                "validate.rules.{key} is not an issue code; known codes: {}",
                IssueCode::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })
        .collect()
}

/// A loaded pipeline: the file's settings with paths resolved against the
/// pipeline file's folder.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub inputs: Vec<PathBuf>,
    pub output_dir: PathBuf,
    pub formats: Vec<Format>,
    pub write: WriteOptions,
    pub settings: Settings,
    pub labels: Labels,
    pub rules: BTreeMap<IssueCode, RuleLevel>,
    pub aggregations: Vec<Aggregation>,
    /// Threads reading files; `None` or 0: one per core.
    pub jobs: Option<usize>,
    pub limits: Limits,
    /// Write `report.html`, and the feedback workbooks.
    pub report: bool,
    pub feedback: bool,
    /// Gather the per-unit figures (`Summary::report`) also when neither
    /// the report nor the feedback is written: the end-of-run status table
    /// shows them. A quiet run without either skips them.
    pub unit_figures: bool,
    /// Set (by a signal handler) to stop the run at the next file: nothing
    /// is written, the output folder stays as it was.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Pipeline {
    /// Reads and checks a pipeline file.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text = std::fs::read_to_string(path).map_err(|e| PipelineError::Config {
            path: path.to_path_buf(),
            message: format!("cannot read the pipeline file: {e}"),
        })?;
        let file: PipelineFile = toml::from_str(&text).map_err(|e| PipelineError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Pipeline::from_file(file, base).map_err(|message| PipelineError::Config {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Builds a pipeline from parsed settings; relative paths are taken
    /// from `base`. The error names the offending key.
    pub fn from_file(file: PipelineFile, base: &Path) -> Result<Pipeline, String> {
        let settings = settings(&file, base)?;
        let rules = rule_levels(&file.validate.rules)?;
        file.limits.check()?;
        partition_columns_exist(&file.output.parquet_partition_by, &settings.code_groups())?;
        crate::aggregate::check(&file.aggregate, &settings.code_groups())?;
        if let Some(i) = (!file.output.funding)
            .then(|| {
                file.aggregate
                    .iter()
                    .position(|a| a.source.split('+').any(|s| s == "funding"))
            })
            .flatten()
        {
            return Err(format!(
                "aggregate[{i}].source reads the funding table, which is not written; set output.funding = true"
            ));
        }
        if file.output.formats.is_empty() {
            return Err(
                "output.formats is empty; name at least one of \"csv\", \"parquet\"".to_string(),
            );
        }
        Ok(Pipeline {
            inputs: file
                .input
                .paths
                .iter()
                .map(|p| clean_join(base, p))
                .collect(),
            output_dir: clean_join(base, &file.output.dir),
            formats: file.output.formats.clone(),
            write: WriteOptions {
                csv_formula_guard: file.output.csv_formula_guard,
                csv_bom: file.output.csv_bom,
                xlsx_captions: file.output.xlsx_captions,
                parquet_partition_by: file.output.parquet_partition_by.clone(),
            },
            settings,
            labels: Labels::from_config(&file.labels),
            rules,
            aggregations: file.aggregate,
            jobs: file.run.jobs,
            limits: file.limits,
            report: file.output.report,
            feedback: file.output.feedback,
            unit_figures: true,
            stop: None,
        })
    }
}

/// Each `output.parquet_partition_by` column must be a column of a
/// partitioned table (or a group of the code pattern, `code_<group>`): an
/// unknown name would silently partition nothing.
fn partition_columns_exist(columns: &[String], code_groups: &[String]) -> Result<(), String> {
    use crate::model::schema::{CODE_PARTS, PARTITIONED_TABLES, RECORD_TABLES};
    let known: Vec<String> = RECORD_TABLES
        .iter()
        .filter(|t| PARTITIONED_TABLES.contains(&t.name))
        .flat_map(|t| t.columns.iter().map(|c| c.name))
        .filter(|n| *n != CODE_PARTS)
        .map(String::from)
        .chain(code_groups.iter().map(|g| format!("code_{g}")))
        .collect();
    match columns.iter().find(|c| !known.contains(c)) {
        Some(c) => Err(format!(
            "output.parquet_partition_by: '{c}' is not a column of {} (for example year or dept_code)",
            PARTITIONED_TABLES.join(", ")
        )),
        None => Ok(()),
    }
}

/// The normalise stage's settings from the `[normalise]` section (its
/// reference tables read from `base`) and `output.funding`.
fn settings(file: &PipelineFile, base: &Path) -> Result<Settings, String> {
    let n = &file.normalise;
    let unit = |key: &str, v: &str| {
        MoneyUnit::parse(v).ok_or_else(|| {
            format!("normalise.{key} = \"{v}\" is not a money unit; use 元, 千元, 万元 or 亿元")
        })
    };
    let code_pattern = crate::normalise::code::CodePattern::new(&n.code_pattern)
        .map_err(|e| format!("normalise.code_pattern is not a valid regex: {e}"))?;
    if n.dept_code_length == 0 {
        return Err("normalise.dept_code_length must be at least 1".to_string());
    }
    let mut settings = Settings {
        amount_unit: unit("amount_unit", &n.amount_unit)?,
        default_source_unit: unit("default_source_unit", &n.default_source_unit)?,
        code_pattern,
        dept_code_length: n.dept_code_length,
        year: n.year,
        funding: file.output.funding,
        plausible: crate::normalise::Plausible {
            max_wanyuan: n.plausible_max_wanyuan,
            yuan_digits: n.plausible_yuan_digits,
            min_yuan: n.plausible_min_yuan,
        },
        ..Settings::default()
    };
    let key = |k: &str, e: String| format!("normalise.{k}: {e}");
    if let Some(p) = &n.categories {
        settings.categories =
            reference::categories(&clean_join(base, p)).map_err(|e| key("categories", e))?;
    }
    if let Some(p) = &n.func_classes {
        settings.func_classes =
            reference::func_classes(&clean_join(base, p)).map_err(|e| key("func_classes", e))?;
    }
    if let Some(p) = &n.level_synonyms {
        settings.levels = reference::level_synonyms(&clean_join(base, p))
            .map_err(|e| key("level_synonyms", e))?;
    }
    Ok(settings)
}

/// `base/rel` with `.` and `name/..` removed lexically, so messages show
/// `output/x.csv` rather than `pipelines/../output/x.csv`.
pub fn clean_join(base: &Path, rel: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Pipeline, String> {
        let file: PipelineFile = toml::from_str(s).map_err(|e| e.to_string())?;
        Pipeline::from_file(file, Path::new("base"))
    }

    #[test]
    fn defaults_apply() {
        let p = parse("").unwrap();
        assert_eq!(p.inputs, vec![PathBuf::from("base/input")]);
        assert_eq!(p.output_dir, PathBuf::from("base/output"));
        assert_eq!(p.formats, vec![Format::Csv, Format::Parquet]);
        assert_eq!(p.settings.amount_unit, MoneyUnit::Wanyuan);
    }

    #[test]
    fn paths_are_joined_cleanly() {
        assert_eq!(
            clean_join(Path::new("pipelines"), Path::new("../output")),
            PathBuf::from("output")
        );
        assert_eq!(
            clean_join(Path::new(""), Path::new("../x")),
            PathBuf::from("../x")
        );
        assert_eq!(
            clean_join(Path::new("a/b"), Path::new("./c")),
            PathBuf::from("a/b/c")
        );
        assert_eq!(
            clean_join(Path::new("pipelines"), Path::new("..")),
            PathBuf::from(".")
        );
        assert_eq!(
            clean_join(Path::new("p"), Path::new("/abs/o")),
            PathBuf::from("/abs/o")
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("[output]\ndirr = \"x\"\n").unwrap_err();
        assert!(e.contains("dirr"), "{e}");
        let e = parse("[labels]\nproject_cod = [\"x\"]\n").unwrap_err();
        assert!(e.contains("project_cod"), "{e}");
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = parse("[normalise]\namount_unit = \"美元\"\n").unwrap_err();
        assert!(e.contains("normalise.amount_unit"), "{e}");
        let e = parse("[normalise]\ncode_pattern = \"(\"\n").unwrap_err();
        assert!(e.contains("normalise.code_pattern"), "{e}");
        let e = parse("[output]\nformats = [\"xml\"]\n").unwrap_err();
        assert!(e.contains("xml"), "{e}");
        let e = parse("[validate.rules]\nno_such_rule = \"off\"\n").unwrap_err();
        assert!(e.contains("validate.rules.no_such_rule"), "{e}");
        let e = parse("[validate.rules]\nduplicate_goal = \"loud\"\n").unwrap_err();
        assert!(e.contains("loud"), "{e}");
        let p = parse("[validate.rules]\nduplicate_goal = \"off\"\n").unwrap();
        assert_eq!(
            p.rules.get(&IssueCode::DuplicateGoal),
            Some(&RuleLevel::Off)
        );
        let p = parse("[validate.rules]\nvalue_rounded = \"error\"\n").unwrap();
        assert_eq!(
            p.rules.get(&IssueCode::ValueRounded),
            Some(&RuleLevel::Error)
        );
    }

    /// The starter file with every commented `key = value` line enabled.
    fn starter_with_defaults_enabled() -> String {
        let assignment = regex::Regex::new(r"^# ([a-z_0-9]+ = .*)$").unwrap();
        crate::pipeline::init::STARTER
            .lines()
            .map(|l| match assignment.captures(l) {
                Some(c) => c[1].to_string(),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_starter_files_commented_values_are_the_defaults_in_code() {
        let as_written: PipelineFile = toml::from_str(crate::pipeline::init::STARTER).unwrap();
        let enabled_text = starter_with_defaults_enabled();
        assert!(enabled_text.lines().count() == crate::pipeline::init::STARTER.lines().count());
        assert_ne!(
            enabled_text,
            crate::pipeline::init::STARTER,
            "some defaults are commented"
        );
        let mut enabled: PipelineFile = toml::from_str(&enabled_text).unwrap();
        // The label words shown are the built-in ones: adding them again
        // changes no list in use.
        assert_eq!(
            Labels::from_config(&enabled.labels),
            Labels::from_config(&as_written.labels)
        );
        enabled.labels = as_written.labels.clone();
        assert_eq!(enabled, as_written);
    }

    #[test]
    fn the_starter_file_lists_every_label_field_with_its_defaults() {
        let labels = crate::locate::Labels::default();
        let fields = crate::locate::Field::ALL
            .iter()
            .map(|f| (f.name(), labels.of(*f)));
        let expected: Vec<String> = fields
            .chain([("title_suffix", labels.title_suffix.as_slice())])
            .map(|(name, list)| {
                let items: Vec<String> = list.iter().map(|s| format!("\"{s}\"")).collect();
                format!("# {name} = [{}]", items.join(", "))
            })
            .collect();
        let missing: Vec<&String> = expected
            .iter()
            .filter(|l| {
                !crate::pipeline::init::STARTER
                    .lines()
                    .any(|s| s == l.as_str())
            })
            .collect();
        assert!(
            missing.is_empty(),
            "starter.toml lacks these [labels] lines:\n{}",
            missing
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
