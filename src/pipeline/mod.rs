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
use crate::validate::{apply_rules, validate_form, BatchCheck};
use crate::write::table::TableSpec;
use crate::write::{tables, Output, WriteError};

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
    /// Record-table rows left out of `tables.xlsx` (past Excel's last row).
    pub xlsx_rows_omitted: u64,
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

/// Files handed to the pool at a time. Their results are taken in file
/// order while the pool reads the next files, so at most two chunks of
/// results are held.
const CHUNK: usize = 64;

/// Runs `work` on every file in parallel on the current rayon pool and
/// hands the results to `take` one by one, in file order (so the outcome
/// never depends on the thread count). `take` runs beside the workers:
/// while it consumes one chunk, the pool works on the next.
fn each_file_in_order<R: Send>(
    files: &[InputFile],
    work: impl Fn(&InputFile) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), PipelineError> + Send,
) -> Result<(), PipelineError> {
    use rayon::prelude::*;
    if rayon::current_num_threads() == 1 {
        // One thread: each file's results are taken while they are still
        // in the cache.
        return files.iter().try_for_each(|f| take(work(f)));
    }
    let mut pending: Vec<R> = Vec::new();
    for chunk in files.chunks(CHUNK) {
        let (done, taken) = rayon::join(
            || chunk.par_iter().map(&work).collect::<Vec<R>>(),
            || pending.drain(..).try_for_each(&mut take),
        );
        taken?;
        pending = done;
    }
    pending.into_iter().try_for_each(take)
}

/// One file's forms and its own findings.
/// Each form comes with its content fingerprint for the duplicate check,
/// taken by the thread that read it.
type FileResult = (Vec<(Records, u128)>, Vec<Issue>);

/// The batch-level steps, fed file by file in order: the duplicate check,
/// the rule levels, and the counts of the summary.
struct Batch<'a> {
    check: BatchCheck,
    rules: &'a std::collections::BTreeMap<String, crate::validate::RuleLevel>,
    summary: Summary,
    budget_by_unit: std::collections::BTreeMap<String, rust_decimal::Decimal>,
}

impl<'a> Batch<'a> {
    fn new(pipeline: &'a Pipeline, files: usize, skipped: Vec<InputFile>) -> Batch<'a> {
        Batch {
            check: BatchCheck::default(),
            rules: &pipeline.rules,
            summary: Summary {
                files,
                skipped: skipped.into_iter().map(|f| f.display).collect(),
                amount_unit: pipeline.settings.amount_unit.name().to_string(),
                ..Summary::default()
            },
            budget_by_unit: Default::default(),
        }
    }

    /// A file's records as they go out: its own findings first, then its
    /// forms, checked against the forms before them.
    fn take(&mut self, (forms, issues): FileResult) -> Records {
        let mut out = Records {
            issues,
            ..Records::default()
        };
        self.summary.forms += forms.len();
        // Room for every form's records at once: one allocation per table,
        // not a doubling (and a copy) every few forms.
        let room = |n: fn(&Records) -> usize| forms.iter().map(|(r, _)| n(r)).sum::<usize>();
        out.projects.reserve_exact(room(|r| r.projects.len()));
        out.indicators.reserve_exact(room(|r| r.indicators.len()));
        out.goals.reserve_exact(room(|r| r.goals.len()));
        out.plan.reserve_exact(room(|r| r.plan.len()));
        out.issues.reserve(room(|r| r.issues.len()));
        for form in forms {
            self.check.push_printed(form.0, form.1, &mut out);
        }
        apply_rules(&mut out.issues, self.rules);
        let s = &mut self.summary;
        s.projects += out.projects.len();
        s.indicators += out.indicators.len();
        s.goals += out.goals.len();
        s.plan_rows += out.plan.len();
        s.errors += out.count(Severity::Error);
        s.warnings += out.count(Severity::Warning);
        for p in &out.projects {
            let unit = p.unit_code.as_deref().unwrap_or_default();
            let total = match self.budget_by_unit.get_mut(unit) {
                Some(t) => t,
                None => self.budget_by_unit.entry(unit.to_string()).or_default(),
            };
            *total += p.budget_total.unwrap_or_default();
        }
        out
    }

    fn finish(self) -> Summary {
        Summary {
            budget_by_unit: self.budget_by_unit.into_iter().collect(),
            ..self.summary
        }
    }
}

/// One file through read → parse → normalise → per-form validation, with
/// the progress report.
fn work<'a>(
    pipeline: &'a Pipeline,
    matcher: &'a Matcher,
    total: usize,
    progress: &'a (dyn Fn(FileDone) + Sync),
) -> impl Fn(&InputFile) -> FileResult + Sync + 'a {
    move |file| {
        let (forms, issues) = extract_file(file, pipeline, matcher);
        let found: usize = forms.iter().map(|f| f.issues.len()).sum();
        progress(FileDone {
            total,
            forms: forms.len(),
            issues: issues.len() + found,
        });
        let mut scratch = Vec::new();
        let forms = forms
            .into_iter()
            .map(|mut f| {
                let print = crate::validate::fingerprint(&mut f, &mut scratch);
                (f, print)
            })
            .collect();
        (forms, issues)
    }
}

/// [`extract_reporting`] on the current rayon pool.
fn extract_in_pool(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<(Records, Summary), PipelineError> {
    let (files, skipped) = discover(&pipeline.inputs).map_err(PipelineError::Input)?;
    let matcher = Matcher::new(&pipeline.labels);
    let mut batch = Batch::new(pipeline, files.len(), skipped);
    let mut records = Records::default();
    each_file_in_order(
        &files,
        work(pipeline, &matcher, files.len(), progress),
        |r| {
            records.append(batch.take(r));
            Ok(())
        },
    )?;
    Ok((records, batch.finish()))
}

/// Runs the pipeline and writes its tables: the contract tables, the
/// declared summaries, and `run_summary` (control totals).
pub fn run(pipeline: &Pipeline) -> Result<Summary, PipelineError> {
    run_reporting(pipeline, &|_| {})
}

/// [`run`], with a progress callback (see [`extract_reporting`]). Each
/// file's rows are written as soon as the files before it are (see
/// [`crate::write::Output`]), so memory does not grow with the number of
/// files.
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
    let (files, skipped) = discover(&pipeline.inputs).map_err(PipelineError::Input)?;
    let matcher = Matcher::new(&pipeline.labels);
    let spec = TableSpec::new(&pipeline.settings);
    // The record tables the summaries read.
    let scanned: Vec<&str> = pipeline
        .aggregations
        .iter()
        .flat_map(|a| a.source.split('+'))
        .collect();
    let mut output = Output::create(
        &pipeline.output_dir,
        &tables(&Records::default(), &spec),
        &pipeline.formats,
        &pipeline.write,
        &scanned,
    )?;
    let mut batch = Batch::new(pipeline, files.len(), skipped);
    each_file_in_order(
        &files,
        work(pipeline, &matcher, files.len(), progress),
        |r| {
            let records = batch.take(r);
            Ok(output.append(tables(&records, &spec))?)
        },
    )?;
    output.end_records()?;
    let mut summary = batch.finish();
    summary.xlsx_rows_omitted = output.xlsx_rows_omitted();
    let mut extra = crate::aggregate::run(
        &pipeline.aggregations,
        &|name| output.scan(name),
        &spec.code_groups,
    )?;
    extra.push(run_summary(&summary));
    summary.written = output.finish(&extra)?;
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
    let omitted =
        (s.xlsx_rows_omitted > 0).then_some(("xlsx_rows_omitted", s.xlsx_rows_omitted as usize));
    for (m, n) in counts.into_iter().chain(omitted) {
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
            column("metric", Values::Str(metric.into_iter().collect())),
            column("unit_code", Values::Str(unit.into_iter().collect())),
            column("count", Values::Int(count)),
            column(
                "amount",
                Values::Dec {
                    values: amount,
                    min_scale: 2,
                    scale: crate::normalise::amount::MoneyUnit::parse(&s.amount_unit)
                        .map(|u| u.fen_scale()),
                },
            ),
        ],
    }
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
        source: Source::new(&file.display, sheet, None),
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
            let mut records = normalise_form(raw, &pipeline.settings);
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
        assert_eq!(&*issues[0].source.file, "in/x.xlsx");
        assert!(
            issues[0].message.contains("reader bug"),
            "{}",
            issues[0].message
        );
    }
}
