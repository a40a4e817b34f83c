//! Runs the stages over a batch of files: read → locate/parse → normalise →
//! validate → write. One bad file never stops the batch: its problem
//! becomes an issue row naming the file.

pub mod config;
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
}

/// What a run did, for the summary a person reads.
#[derive(Debug, Clone, Default)]
pub struct Summary {
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
    let (files, skipped) = discover(&pipeline.inputs).map_err(PipelineError::Input)?;
    let matcher = Matcher::new(&pipeline.labels);
    let mut forms = Vec::new();
    let mut file_issues = Vec::new();
    for file in &files {
        let (mut f, mut issues) = extract_file(file, pipeline, &matcher);
        forms.append(&mut f);
        file_issues.append(&mut issues);
    }
    let form_count = forms.len();
    let mut records = validate_batch(forms);
    records.issues.splice(0..0, file_issues);
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
    };
    Ok((records, summary))
}

/// Runs the pipeline and writes its tables.
pub fn run(pipeline: &Pipeline) -> Result<(Records, Summary), PipelineError> {
    let (records, mut summary) = extract(pipeline)?;
    let groups = pipeline.settings.code_groups();
    let tables = tables(&records, &groups);
    summary.written = write_all(
        &pipeline.output_dir,
        &tables,
        &pipeline.formats,
        &pipeline.write,
    )?;
    Ok((records, summary))
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
fn extract_file(
    file: &InputFile,
    pipeline: &Pipeline,
    matcher: &Matcher,
) -> (Vec<Records>, Vec<Issue>) {
    let groups = pipeline.settings.code_groups();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let content = read_file(file)?;
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
        for grid in &content.grids {
            for raw in crate::parse::parse_grid(grid, matcher) {
                let mut records = normalise_form(&raw, &pipeline.settings);
                let found = validate_form(&records, &groups);
                records.issues.extend(found);
                forms.push(records);
            }
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
