//! Runs the stages over a batch of files: read → locate/parse → normalise →
//! validate → write. One bad file never stops the batch: its problem
//! becomes an issue row naming the file.
//!
//! The top of the library: may import every stage.

mod batch;
pub mod config;
mod file;
pub mod init;
pub mod reference;
mod report;
mod summary;

use std::path::PathBuf;

use thiserror::Error;

pub use crate::model::Summary;
pub use batch::FileDone;
use batch::Inputs;
pub use config::Pipeline;
pub use file::extract_file;
pub use init::init;
pub use summary::{status_table, summary_text};

use crate::model::report::ReportData;
use crate::model::FormKind;
use crate::model::Records;
use crate::write::spill::FactSpill;
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
    #[error("interrupted: nothing was written, the output folder is as it was")]
    Interrupted,
}

/// Reads every input and returns the validated records and the summary
/// (without writing anything).
pub fn extract(pipeline: &Pipeline) -> Result<(Records, Summary), PipelineError> {
    extract_reporting(pipeline, &|_| {})
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
    let jobs = pipeline.jobs.unwrap_or(0);
    if jobs > MAX_JOBS {
        return Err(PipelineError::Input(std::io::Error::other(format!(
            "run.jobs (--jobs) = {jobs} is more than {MAX_JOBS} threads; use 0 for one per core"
        ))));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(pipeline.jobs.unwrap_or(0))
        .build()
        .map_err(|e| PipelineError::Input(std::io::Error::other(e)))
}

/// The most threads a run starts.
const MAX_JOBS: usize = 1024;

/// [`extract_reporting`] on the current rayon pool.
fn extract_in_pool(
    pipeline: &Pipeline,
    progress: &(dyn Fn(FileDone) + Sync),
) -> Result<(Records, Summary), PipelineError> {
    let inputs = Inputs::discover(pipeline)?;
    let mut records = Records::default();
    let summary = batch::for_each_file(pipeline, inputs, progress, |r| {
        records.append(r);
        Ok(())
    })?;
    Ok((records, summary))
}

/// `target_vs_actual` and `self_eval_by_unit`: the project self-evaluations
/// kept through the run, and (when there are any) the target forms read
/// back from their spill.
fn family_summaries(
    evals: &[crate::model::FormFact],
    targets: FactSpill,
    spec: &TableSpec,
) -> Result<[crate::write::Table; 2], PipelineError> {
    let mut facts = match evals.is_empty() {
        true => Vec::new(),
        false => targets.read()?,
    };
    facts.extend_from_slice(evals);
    Ok([
        crate::aggregate::target_vs_actual(&facts, spec),
        crate::aggregate::self_eval_by_unit(evals, spec),
    ])
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
    let inputs = Inputs::discover(pipeline)?;
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
    // The target forms' figures, for target_vs_actual (read back only when
    // the batch holds self-evaluations).
    let mut targets = FactSpill::create(output.work_file("target_forms.bin"))?;
    // The report's figures, and the feedback workbooks written as units
    // settle (see `report`).
    let date = report::today();
    let mut figures = ReportData::default();
    let gather = pipeline.report || pipeline.feedback || pipeline.unit_figures;
    let mut feedback = match pipeline.feedback {
        true => Some(report::FeedbackWriter::start(&mut output, &date)?),
        false => None,
    };
    let mut summary = batch::for_each_file(pipeline, inputs, progress, |records| {
        let kept = records.projects.iter();
        for p in kept.filter(|p| p.key.form_kind == Some(FormKind::ProjectTarget)) {
            targets.push(p)?;
        }
        if gather {
            let touched = crate::aggregate::gather(&mut figures, &records);
            if let Some(f) = &mut feedback {
                f.after_file(&figures, touched);
            }
        }
        Ok(output.append(tables(&records, &spec))?)
    })?;
    // The last workbooks are written while the summaries are made; the
    // thread is waited for before the output folder is swapped in.
    if let Some(f) = &mut feedback {
        f.hand_over_rest(&figures);
    }
    summary.report = figures;
    output.end_records()?;
    summary.xlsx_rows_omitted = output.xlsx_rows_omitted();
    let mut extra = crate::aggregate::run(
        &pipeline.aggregations,
        &|name| output.scan(name),
        &spec.code_groups,
    )?;
    extra.extend(family_summaries(&summary.facts, targets, &spec)?);
    extra.push(crate::aggregate::run_summary(&summary));
    report::write_page(pipeline, &summary, &mut output, &date)?;
    let feedback_written = || feedback.map_or(Ok(()), report::FeedbackWriter::wait);
    summary.written = output.finish_after(&extra, feedback_written)?;
    Ok(summary)
}
