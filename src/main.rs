//! The `jixiao` command line: a thin layer over the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use jixiao::pipeline::config::PipelineFile;
use jixiao::pipeline::{self, FileDone, Pipeline, PipelineError};
use jixiao::validate::report;
use jixiao::write::Format;

/// mimalloc: jixiao allocates many small strings (a cell, a field); it took
/// the one-thread run on the 2,000-workbook benchmark from 5.6 to 4.9 s.
/// Its 2.x line (Cargo feature `v2`): the 3.x line was 5-15 % slower on the
/// same run and held about 20 MB more.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Consolidates budget performance target forms (绩效目标表) from unit
/// submissions into clean tables.
///
/// Exit codes: 0 finished with no errors; 1 finished, but the issues table
/// holds errors; 2 could not run (bad arguments, pipeline file or output).
#[derive(Parser)]
#[command(name = "jixiao", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by the commands that read a batch.
#[derive(clap::Args)]
struct Batch {
    /// Files read at once (default: the pipeline's `run.jobs`, else one per
    /// core). The output is the same for any number.
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline file: read its inputs, extract every form, write the
    /// tables and summaries to its output folder.
    Run {
        /// The pipeline file (TOML). Relative paths in it are taken from its
        /// folder.
        #[arg(default_value = "pipelines/sample.toml")]
        pipeline: PathBuf,
        #[command(flatten)]
        batch: Batch,
    },
    /// Extract forms from files or folders with the built-in defaults (no
    /// pipeline file) and write the tables to --out.
    Extract {
        /// Workbooks, or folders searched recursively for workbooks.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The folder to write the tables to.
        #[arg(long, short)]
        out: PathBuf,
        /// Which files to write.
        #[arg(long, value_enum, default_value_t = FormatArg::Both)]
        format: FormatArg,
        /// Do not write the funding table (every money line of every form,
        /// a self-evaluation's money by stage among them).
        #[arg(long)]
        no_funding: bool,
        /// Do not write report.html (the run on one page).
        #[arg(long)]
        no_report: bool,
        /// Do not write the feedback workbooks (one per unit with findings).
        #[arg(long)]
        no_feedback: bool,
        #[command(flatten)]
        batch: Batch,
    },
    /// Read and check files without writing any table: print every issue,
    /// grouped by file with its sheet!cell (or JSON for machines).
    Validate {
        /// Workbooks, or folders searched recursively. Without any, the
        /// pipeline file's inputs.
        inputs: Vec<PathBuf>,
        /// Take labels, reference tables and rule settings from this
        /// pipeline file (built-in defaults otherwise).
        #[arg(long, short)]
        pipeline: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Files read at once (default: one per core).
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Show what jixiao reads from one file: every form found, each field
    /// with its cell and value, and what was skipped and why.
    Inspect {
        /// A workbook, CSV or Word document.
        file: PathBuf,
        /// Also write an HTML preview of each sheet with the cells that
        /// became fields coloured by field and the labels marked.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Take labels from this pipeline file (built-in defaults otherwise).
        #[arg(long, short)]
        pipeline: Option<PathBuf>,
        /// Print, after the report, the `[labels]` lines of a pipeline file
        /// that would teach jixiao this file's labels: those it read only
        /// by their terms, and those it could not read.
        #[arg(long)]
        suggest: bool,
    },
    /// Write a starter pipeline file with every option present and
    /// commented (DIR/pipeline.toml), its reference tables (DIR/reference/)
    /// and an empty DIR/input/ folder for the submissions.
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Parquet,
    Both,
}

fn main() -> ExitCode {
    // A reader worker (`read::worker`): calamine under this process's
    // limits, started by a run of this binary.
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some(jixiao::read::worker::WORKER_COMMAND) {
        let mib = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
        return jixiao::read::worker::serve(mib);
    }
    // A panic caught inside the library (a reader on a damaged file, the
    // XLSX writer on a full disk) is reported by its catcher, not printed.
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !jixiao::fault::is_caught() {
            print(info)
        }
    }));
    let cli = Cli::parse();
    let stop = stop_on_signal();
    // JIXIAO_READ_IN_PROCESS=1 runs calamine in this process, without the
    // worker's limits: for `make bench` to measure what the worker costs.
    let in_process = std::env::var_os("JIXIAO_READ_IN_PROCESS").is_some_and(|v| !v.is_empty());
    if let (Ok(exe), false) = (std::env::current_exe(), in_process) {
        jixiao::read::worker::isolate_readers(exe, stop.clone());
    }
    let result = run(cli, stop);
    jixiao::read::worker::shutdown();
    match result {
        Ok(code) => code,
        Err(e)
            if matches!(
                e.downcast_ref::<PipelineError>(),
                Some(PipelineError::Interrupted)
            ) =>
        {
            eprintln!("jixiao: {e:#}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("jixiao: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A flag set by Ctrl-C (SIGINT) or SIGTERM.
type Stop = Option<std::sync::Arc<std::sync::atomic::AtomicBool>>;

/// A flag set by Ctrl-C (SIGINT) or SIGTERM: the run stops at the next file
/// and removes what it wrote, instead of dying half-way; a read in a
/// worker process is ended at once.
fn stop_on_signal() -> Stop {
    #[cfg(unix)]
    {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, std::sync::Arc::clone(&stop)).ok()?;
        }
        Some(stop)
    }
    #[cfg(not(unix))]
    None
}

fn exit_code(errors: usize) -> ExitCode {
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The built-in defaults, with paths taken from the current folder.
fn default_pipeline(inputs: Vec<PathBuf>) -> anyhow::Result<Pipeline> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let mut p = Pipeline::from_file(PipelineFile::default(), &cwd).map_err(anyhow::Error::msg)?;
    p.inputs = inputs;
    Ok(p)
}

fn read_error(e: PipelineError) -> anyhow::Error {
    match e {
        PipelineError::Input(_) => anyhow::Error::new(e).context("cannot read the inputs"),
        other => anyhow::Error::new(other),
    }
}

fn run(cli: Cli, stop: Stop) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run { pipeline, batch } => batch_run(Pipeline::load(&pipeline)?, &batch, stop),
        Command::Extract {
            inputs,
            out,
            format,
            no_funding,
            no_report,
            no_feedback,
            batch,
        } => {
            let mut p = default_pipeline(inputs)?;
            p.output_dir = out;
            p.settings.funding = !no_funding;
            p.report = !no_report;
            p.feedback = !no_feedback;
            p.formats = match format {
                FormatArg::Csv => vec![Format::Csv],
                FormatArg::Parquet => vec![Format::Parquet],
                FormatArg::Both => vec![Format::Csv, Format::Parquet],
            };
            batch_run(p, &batch, stop)
        }
        Command::Validate {
            inputs,
            pipeline,
            format,
            jobs,
        } => {
            let mut p = match pipeline {
                Some(path) => Pipeline::load(&path)?,
                None if inputs.is_empty() => anyhow::bail!(
                    "name the files or folders to validate, or a pipeline file with --pipeline"
                ),
                None => default_pipeline(Vec::new())?,
            };
            if !inputs.is_empty() {
                p.inputs = inputs;
            }
            p.jobs = jobs.or(p.jobs);
            p.stop = stop;
            let (records, summary) = pipeline::extract(&p).map_err(read_error)?;
            match format {
                ReportFormat::Text => print_out(&report::text(&records, &summary))?,
                ReportFormat::Json => print_out(&(report::json(&records, &summary) + "\n"))?,
            }
            Ok(exit_code(summary.errors))
        }
        Command::Inspect {
            file,
            html,
            pipeline,
            suggest,
        } => inspect(file, html, pipeline, suggest),
        Command::Init { dir } => {
            for f in pipeline::init(&dir)? {
                eprintln!("jixiao: wrote {}", f.display());
            }
            eprintln!(
                "jixiao: put the submissions in {} and run: jixiao run {}",
                dir.join("input").display(),
                dir.join("pipeline.toml").display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs a batch with a progress bar on a terminal, then prints the summary.
fn batch_run(mut p: Pipeline, batch: &Batch, stop: Stop) -> anyhow::Result<ExitCode> {
    p.jobs = batch.jobs.or(p.jobs);
    p.unit_figures = !batch.quiet;
    p.stop = stop;
    let bar = if batch.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files  {msg}  {rate}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&files_per_second(s.per_sec()));
                    },
                ),
        );
        bar
    };
    let (forms, issues) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let progress = |done: FileDone| {
        bar.set_length(done.total as u64);
        let f = forms.fetch_add(done.forms, Ordering::Relaxed) + done.forms;
        let i = issues.fetch_add(done.issues, Ordering::Relaxed) + done.issues;
        bar.set_message(format!("{f} forms, {i} issues"));
        bar.inc(1);
    };
    let result = pipeline::run_reporting(&p, &progress);
    bar.finish_and_clear();
    let summary = result.map_err(read_error)?;
    if !batch.quiet {
        eprint!("{}", pipeline::summary_text(&summary));
        eprint!("{}", pipeline::status_table(&summary, colours()));
    }
    Ok(exit_code(summary.errors))
}

/// A rate as a person reads it: `462 files/s`, `3.5 files/s`.
fn files_per_second(rate: f64) -> String {
    match rate {
        r if !r.is_finite() || r <= 0.0 => "– files/s".to_string(),
        r if r < 10.0 => format!("{r:.1} files/s"),
        r => format!("{r:.0} files/s"),
    }
}

/// Whether standard error shows colours: a terminal, not `TERM=dumb`, no
/// `NO_COLOR` (no-color.org).
fn colours() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

fn inspect(
    file: PathBuf,
    html: Option<PathBuf>,
    pipeline: Option<PathBuf>,
    suggest: bool,
) -> anyhow::Result<ExitCode> {
    let p = match pipeline {
        Some(path) => Pipeline::load(&path)?,
        None => default_pipeline(Vec::new())?,
    };
    let found = jixiao::inspect::inspect_file(&file, &p.labels, &p.limits, html.is_some())
        .with_context(|| format!("cannot read {}", file.display()))?;
    print_out(&found.text)?;
    if suggest {
        print_out(&format!("\n{}", found.suggest))?;
    }
    if let (Some(out), Some(page)) = (html, found.html) {
        std::fs::write(&out, page).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("jixiao: wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to standard output. A reader that has gone away (`| head`)
/// ends the output quietly: what it read was what it wanted.
fn print_out(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

#[cfg(test)]
mod tests {
    use super::files_per_second;

    /// Issue 25: the bar showed `462.2547/s`.
    #[test]
    fn the_progress_rate_reads_as_a_person_says_it() {
        assert_eq!(files_per_second(462.2547), "462 files/s");
        assert_eq!(files_per_second(3.46), "3.5 files/s");
        assert_eq!(files_per_second(f64::NAN), "– files/s");
        assert_eq!(files_per_second(0.0), "– files/s");
    }
}
