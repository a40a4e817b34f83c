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
    let mut form_count = 0;
    for file in &files {
        let (mut f, issues) = extract_file(file, pipeline, &matcher);
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
