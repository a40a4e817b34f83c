//! A batch of files through the stages: each file read, parsed,
//! normalised and checked on the pool (sharing nothing), then taken in file
//! order by the batch-level steps (duplicates, rule levels, counts), so the
//! outcome never depends on the thread count.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use rust_decimal::Decimal;

use super::file::{begin_file, finish_file};
use super::{Pipeline, PipelineError};
use crate::locate::Matcher;
use crate::model::{FormKind, Issue, IssueCode, Records, Severity, Summary};
use crate::read::{discover_except, InputFile};
use crate::validate::{apply_rules, BatchCheck, RuleLevel};

/// What a worker reports after each file, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct FileDone {
    /// Files in the batch.
    pub total: usize,
    pub forms: usize,
    pub issues: usize,
}

/// The files a run reads, and those it skips (found before anything is
/// written).
pub(super) struct Inputs {
    files: Vec<InputFile>,
    skipped: Vec<InputFile>,
    /// What could not be looked into (a folder, a symlink loop), and why.
    problems: Vec<(String, String)>,
}

impl Inputs {
    pub(super) fn discover(pipeline: &Pipeline) -> Result<Inputs, PipelineError> {
        // The run's own output folder is never read as input.
        let own = [pipeline.output_dir.clone()];
        let found = discover_except(&pipeline.inputs, &own).map_err(PipelineError::Input)?;
        Ok(Inputs {
            files: found.files,
            skipped: found.skipped,
            problems: found.problems,
        })
    }
}

/// Reads `inputs` on the current rayon pool and hands each file's checked
/// records to `take`, in file order. Returns the run's counts.
pub(super) fn for_each_file(
    pipeline: &Pipeline,
    Inputs {
        files,
        skipped,
        problems,
    }: Inputs,
    progress: &(dyn Fn(FileDone) + Sync),
    mut take: impl FnMut(Records) -> Result<(), PipelineError> + Send,
) -> Result<Summary, PipelineError> {
    let matcher = Matcher::new(&pipeline.labels);
    let mut batch = Batch::new(pipeline, files.len(), skipped);
    if !problems.is_empty() {
        // Each an issue of its own, before the files' rows.
        let issues = problems
            .into_iter()
            .map(|(at, why)| Issue {
                severity: IssueCode::FileUnreadable.severity(),
                code: IssueCode::FileUnreadable,
                message: format!("cannot look into {at}: {why}; the rest of the batch went on"),
                key: Default::default(),
                source: crate::model::Source::new(&at, "", None),
            })
            .collect();
        take(batch.take((Vec::new(), issues)))?;
    }
    each_file_in_order(
        &files,
        |f| begin_file(f, pipeline),
        work(pipeline, &matcher, files.len(), progress),
        |r| {
            let stopped = pipeline
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed));
            match stopped {
                true => Err(PipelineError::Interrupted),
                false => take(batch.take(r)),
            }
        },
    )?;
    Ok(batch.finish())
}

/// Files a thread takes in a row, each next one's read begun before the
/// one before is worked on ([`ahead`]).
const RUN: usize = 8;

/// Hands each file and its begun read to `each`, in order, beginning the
/// next file's read before `each` works on this one: a file that goes to
/// a reader worker is read there meanwhile.
fn ahead<B, E>(
    files: &[InputFile],
    begin: &impl Fn(&InputFile) -> B,
    mut each: impl FnMut(&InputFile, B) -> Result<(), E>,
) -> Result<(), E> {
    let mut next = files.first().map(begin);
    for (i, file) in files.iter().enumerate() {
        let Some(begun) = next.take() else { break };
        next = files.get(i + 1).map(begin);
        each(file, begun)?;
    }
    Ok(())
}

/// Files handed to the pool at a time. Their results are taken in file
/// order while the pool reads the next files, so at most two chunks of
/// results are held.
const CHUNK: usize = 64;

/// Runs `work` on every file (its read `begin`un first) in parallel on the
/// current rayon pool and hands the results to `take` one by one, in file
/// order (so the outcome never depends on the thread count). `take` runs
/// beside the workers: while it consumes one chunk, the pool works on the
/// next.
fn each_file_in_order<B: Send, R: Send>(
    files: &[InputFile],
    begin: impl Fn(&InputFile) -> B + Sync,
    work: impl Fn(&InputFile, B) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), PipelineError> + Send,
) -> Result<(), PipelineError> {
    use rayon::prelude::*;
    if rayon::current_num_threads() == 1 {
        // One thread: each file's results are taken while they are still
        // in the cache.
        return ahead(files, &begin, |f, b| take(work(f, b)));
    }
    let mut pending: Vec<R> = Vec::new();
    for chunk in files.chunks(CHUNK) {
        let run = |run: &[InputFile]| {
            let mut out = Vec::with_capacity(run.len());
            let _ = ahead(run, &begin, |f, b| {
                out.push(work(f, b));
                Ok::<(), ()>(())
            });
            out
        };
        let (done, taken) = rayon::join(
            || chunk.par_chunks(RUN).flat_map_iter(run).collect::<Vec<R>>(),
            || pending.drain(..).try_for_each(&mut take),
        );
        taken?;
        pending = done;
    }
    pending.into_iter().try_for_each(take)
}

/// A file's read as begun ([`begin_file`]).
type Begun = Result<crate::read::Reading, String>;

/// One file's forms and its own findings.
/// Each form comes with its content fingerprint for the duplicate check,
/// taken by the thread that read it.
type FileResult = (Vec<(Records, u128)>, Vec<Issue>);

/// The batch-level steps, fed file by file in order: the duplicate check,
/// the rule levels, and the counts of the summary.
struct Batch<'a> {
    check: BatchCheck,
    rules: &'a BTreeMap<IssueCode, RuleLevel>,
    summary: Summary,
    budget_by_unit: BTreeMap<String, Decimal>,
    executed_by_unit: BTreeMap<String, Decimal>,
    /// The texts the forms' facts share.
    names: crate::aggregate::Interner,
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
            executed_by_unit: Default::default(),
            names: Default::default(),
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
        out.funding.reserve_exact(room(|r| r.funding.len()));
        out.issues.reserve(room(|r| r.issues.len()));
        for form in forms {
            let kind = form.0.projects.first().and_then(|p| p.key.form_kind);
            let fact = crate::aggregate::fact_of(&form.0, &mut self.names);
            let before = out.projects.len();
            self.check.push_printed(form.0, form.1, &mut out);
            // A duplicate dropped by the check is no form of the run's.
            if out.projects.len() > before {
                self.summary.forms_by_kind[kind.unwrap_or_default().index()] += 1;
                self.summary.facts.extend(fact);
            }
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
            // Control totals: the budgets set by project target forms (a
            // department's form and a self-evaluation restate them), and
            // what the project self-evaluations say was spent.
            let (totals, amount) = match p.key.form_kind {
                Some(FormKind::ProjectTarget) => (&mut self.budget_by_unit, p.budget_total),
                Some(FormKind::ProjectSelfEval) => (
                    &mut self.executed_by_unit,
                    p.result.as_ref().and_then(|r| r.executed_total),
                ),
                _ => continue,
            };
            let unit = p.key.unit_code.as_deref().unwrap_or_default();
            let total = match totals.get_mut(unit) {
                Some(t) => t,
                None => totals.entry(unit.to_string()).or_default(),
            };
            *total += amount.unwrap_or_default();
        }
        out
    }

    fn finish(self) -> Summary {
        Summary {
            budget_by_unit: self.budget_by_unit.into_iter().collect(),
            executed_by_unit: self.executed_by_unit.into_iter().collect(),
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
) -> impl Fn(&InputFile, Begun) -> FileResult + Sync + 'a {
    move |file, begun| {
        let (forms, issues) = finish_file(file, begun, pipeline, matcher);
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
