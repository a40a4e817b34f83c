//! Runs the stages over a batch of files: read → locate/parse → normalise →
//! validate → write. One bad file never stops the batch: its problem
//! becomes an issue row naming the file.

pub mod config;

/// The starter pipeline file `jixiao init` writes.
pub const STARTER: &str = include_str!("starter.toml");

/// The reference tables `jixiao init` writes beside it.
pub const STARTER_REFERENCE: &[(&str, &str)] = &[
    (
        "categories.csv",
        include_str!("../../pipelines/reference/categories.csv"),
    ),
    (
        "func_class.csv",
        include_str!("../../pipelines/reference/func_class.csv"),
    ),
    (
        "levels.csv",
        include_str!("../../pipelines/reference/levels.csv"),
    ),
];

/// Writes a starter pipeline (`DIR/pipeline.toml`) and its reference tables
/// (`DIR/reference/`). Existing files are never overwritten. Returns the
/// files written.
pub fn init(dir: &std::path::Path) -> Result<Vec<PathBuf>, PipelineError> {
    let io = |e: std::io::Error| PipelineError::Input(e);
    let mut files = vec![(dir.join("pipeline.toml"), STARTER)];
    for (name, text) in STARTER_REFERENCE {
        files.push((dir.join("reference").join(name), text));
    }
    if let Some((existing, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(PipelineError::Input(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; jixiao init never overwrites a file",
                existing.display()
            ),
        )));
    }
    std::fs::create_dir_all(dir.join("reference")).map_err(io)?;
    std::fs::create_dir_all(dir.join("input")).map_err(io)?;
    for (path, text) in &files {
        std::fs::write(path, text).map_err(io)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
pub mod reference;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use thiserror::Error;

pub use config::Pipeline;

use crate::locate::Matcher;
use crate::model::{Issue, Records, Severity, Source};
use crate::normalise::normalise_form;
use crate::read::{discover, read_file, InputFile};
use crate::validate::{apply_rules, validate_batch, validate_form};
use crate::write::{tables, write_all, WriteError};

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error("pipeline file {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{0}")]
    Input(std::io::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Aggregate(#[from] crate::aggregate::AggregateError),
}

/// What a run did, for the summary a person reads.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// budget_total per unit (control totals), in the pipeline's unit.
    pub budget_by_unit: Vec<(String, rust_decimal::Decimal)>,
    pub amount_unit: String,
    pub files: usize,
    pub skipped: Vec<String>,
    pub forms: usize,
    pub projects: usize,
    pub indicators: usize,
    pub goals: usize,
    pub plan_rows: usize,
    pub errors: usize,
    pub warnings: usize,
    pub written: Vec<PathBuf>,
}

/// Reads every input and returns the validated records and the summary
/// (without writing anything).
pub fn extract(pipeline: &Pipeline) -> Result<(Records, Summary), PipelineError> {
    extract_reporting(pipeline, &|_| {})
}

/// What a worker reports after each file, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct FileDone {
    /// Files in the batch.
    pub total: usize,
    pub forms: usize,
    pub issues: usize,
}

/// [`extract`], calling `progress` after each file (from worker threads).
/// Files are read in parallel on `pipeline.jobs` threads; each file's work
/// (read → parse → normalise → validate) shares nothing, and the results
/// are merged in file order, so the output is the same for any thread count.
pub fn extract_reporting(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<(Records, Summary), PipelineError> {
    thread_pool(pipeline)?.install(|| extract_in_pool(pipeline, progress))
}

/// The pool every parallel step of a run uses: `pipeline.jobs` threads
/// (0 or unset: one per core).
fn thread_pool(pipeline: &Pipeline) -> Result<rayon::ThreadPool, PipelineError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(pipeline.jobs.unwrap_or(0))
        .build()
        .map_err(|e| PipelineError::Input(std::io::Error::other(e)))
}

/// [`extract_reporting`] on the current rayon pool.
fn extract_in_pool(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<(Records, Summary), PipelineError> {
    use rayon::prelude::*;
    let (files, skipped) = discover(&pipeline.inputs).map_err(PipelineError::Input)?;
    let matcher = Matcher::new(&pipeline.labels);
    let total = files.len();
    let per_file: Vec<(Vec<Records>, Vec<Issue>)> = {
        files
            .par_iter()
            .map(|file| {
                let (forms, issues) = extract_file(file, pipeline, &matcher);
                let found: usize = forms.iter().map(|f| f.issues.len()).sum();
                progress(FileDone {
                    total,
                    forms: forms.len(),
                    issues: issues.len() + found,
                });
                (forms, issues)
            })
            .collect()
    };
    let mut forms = Vec::new();
    let mut form_count = 0;
    for (mut f, issues) in per_file {
        form_count += f.len();
        // The file's own findings come first, then its forms, in file order.
        forms.push(Records {
            issues,
            ..Records::default()
        });
        forms.append(&mut f);
    }
    let mut records = validate_batch(forms);
    apply_rules(&mut records.issues, &pipeline.rules);
    let summary = Summary {
        files: files.len(),
        skipped: skipped.into_iter().map(|f| f.display).collect(),
        forms: form_count,
        projects: records.projects.len(),
        indicators: records.indicators.len(),
        goals: records.goals.len(),
        plan_rows: records.plan.len(),
        errors: records.count(Severity::Error),
        warnings: records.count(Severity::Warning),
        written: Vec::new(),
        budget_by_unit: budget_by_unit(&records),
        amount_unit: pipeline.settings.amount_unit.name().to_string(),
    };
    Ok((records, summary))
}

/// Runs the pipeline and writes its tables: the contract tables, the
/// declared summaries, and `run_summary` (control totals).
pub fn run(pipeline: &Pipeline) -> Result<Summary, PipelineError> {
    run_reporting(pipeline, &|_| {})
}

/// [`run`], with a progress callback (see [`extract_reporting`]). The
/// records are dropped once the output tables are built, so they are not
/// held twice while writing.
pub fn run_reporting(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<Summary, PipelineError> {
    thread_pool(pipeline)?.install(|| run_in_pool(pipeline, progress))
}

/// [`run_reporting`] on the current rayon pool (reading and writing both
/// use it, so `--jobs 1` is one thread throughout).
fn run_in_pool(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<Summary, PipelineError> {
    let (records, mut summary) = extract_in_pool(pipeline, progress)?;
    let groups = pipeline.settings.code_groups();
    let mut tables = tables(&records, &groups);
    drop(records);
    let summaries = crate::aggregate::run(&pipeline.aggregations, &tables, &groups)?;
    tables.extend(summaries);
    tables.push(run_summary(&summary));
    summary.written = write_all(
        &pipeline.output_dir,
        &tables,
        &pipeline.formats,
        &pipeline.write,
    )?;
    Ok(summary)
}

/// The control totals as a table: one row per metric, and budget_total
/// per unit.
pub fn run_summary(s: &Summary) -> crate::write::Table {
    use crate::write::{Column, Table, Values};
    let counts = [
        ("files_read", s.files),
        ("files_skipped", s.skipped.len()),
        ("forms_found", s.forms),
        ("projects", s.projects),
        ("indicators", s.indicators),
        ("goals", s.goals),
        ("spending_plan_rows", s.plan_rows),
        ("issues_error", s.errors),
        ("issues_warning", s.warnings),
    ];
    let mut metric = Vec::new();
    let mut unit = Vec::new();
    let mut count = Vec::new();
    let mut amount = Vec::new();
    for (m, n) in counts {
        metric.push(Some(m.to_string()));
        unit.push(None);
        count.push(Some(n as i64));
        amount.push(None);
    }
    for (u, total) in &s.budget_by_unit {
        metric.push(Some(format!("budget_total ({})", s.amount_unit)));
        unit.push(Some(u.clone()));
        count.push(None);
        amount.push(Some(*total));
    }
    let column = |name: &str, values| Column {
        name: name.to_string(),
        values,
        vocabulary: true,
    };
    Table {
        name: "run_summary".to_string(),
        columns: vec![
            column("metric", Values::Str(metric)),
            column("unit_code", Values::Str(unit)),
            column("count", Values::Int(count)),
            column(
                "amount",
                Values::Dec {
                    values: amount,
                    min_scale: 2,
                },
            ),
        ],
    }
}

/// Sums budget_total per unit code, in unit order (a project without a unit
/// code counts under "").
fn budget_by_unit(records: &Records) -> Vec<(String, rust_decimal::Decimal)> {
    let mut totals: std::collections::BTreeMap<String, rust_decimal::Decimal> = Default::default();
    for p in &records.projects {
        let t = totals
            .entry(p.unit_code.clone().unwrap_or_default())
            .or_default();
        *t += p.budget_total.unwrap_or_default();
    }
    totals.into_iter().collect()
}

fn file_issue(
    file: &InputFile,
    sheet: &str,
    severity: Severity,
    code: &'static str,
    message: String,
) -> Issue {
    Issue {
        severity,
        code,
        message,
        unit_code: None,
        project_code: None,
        source: Source::new(&file.display, sheet, ""),
    }
}

/// One file through read → parse → normalise → per-form validation. Any
/// failure, even a panic inside a reader, becomes an issue for this file.
pub fn extract_file(
    file: &InputFile,
    pipeline: &Pipeline,
    matcher: &Matcher,
) -> (Vec<Records>, Vec<Issue>) {
    extract_with(file, pipeline, matcher, read_file)
}

fn extract_with(
    file: &InputFile,
    pipeline: &Pipeline,
    matcher: &Matcher,
    read: impl Fn(&InputFile) -> Result<crate::read::FileContent, crate::read::ReadError>,
) -> (Vec<Records>, Vec<Issue>) {
    let groups = pipeline.settings.code_groups();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let content = read(file)?;
        let mut forms = Vec::new();
        let mut issues: Vec<Issue> = content
            .sheet_errors
            .iter()
            .map(|e| {
                let sheet = match e {
                    crate::read::ReadError::Sheet { sheet, .. } => sheet.as_str(),
                    _ => "",
                };
                file_issue(
                    file,
                    sheet,
                    Severity::Error,
                    "sheet_unreadable",
                    e.to_string(),
                )
            })
            .collect();
        for raw in crate::parse::parse_file(&content.grids, matcher) {
            let mut records = normalise_form(&raw, &pipeline.settings);
            let found = validate_form(&records, &groups);
            records.issues.extend(found);
            forms.push(records);
        }
        if forms.is_empty() {
            issues.push(file_issue(
                file,
                "",
                Severity::Warning,
                "no_forms_found",
                format!(
                    "no performance target form found in {} sheet(s): no cell labelled 项目编码 or 项目名称 (is this a cover page or another table?)",
                    content.grids.len()
                ),
            ));
        }
        Ok::<_, crate::read::ReadError>((forms, issues))
    }));
    match result {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => (
            Vec::new(),
            vec![file_issue(
                file,
                "",
                Severity::Error,
                "file_unreadable",
                e.to_string(),
            )],
        ),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown failure".to_string());
            (
                Vec::new(),
                vec![file_issue(
                    file,
                    "",
                    Severity::Error,
                    "file_unreadable",
                    format!("reading the file failed unexpectedly ({what}); the rest of the batch went on"),
                )],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::config::PipelineFile;

    #[test]
    fn a_panic_while_reading_becomes_that_files_error() {
        let pipeline =
            Pipeline::from_file(PipelineFile::default(), std::path::Path::new(".")).unwrap();
        let matcher = Matcher::new(&pipeline.labels);
        let file = InputFile {
            path: "x.xlsx".into(),
            display: "in/x.xlsx".into(),
        };
        let (forms, issues) = extract_with(&file, &pipeline, &matcher, |_| panic!("reader bug"));
        assert!(forms.is_empty());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, "file_unreadable");
        assert_eq!(issues[0].severity, Severity::Error);
        assert_eq!(issues[0].source.file, "in/x.xlsx");
        assert!(
            issues[0].message.contains("reader bug"),
            "{}",
            issues[0].message
        );
    }
}
