//! The run's report and feedback workbooks, written into the output
//! beside the tables.
//!
//! A unit's feedback workbook is written on a thread of its own while the
//! files are read: once the run has read [`SETTLED_AFTER`] files without
//! touching a unit, that unit's workbook is made from its findings so far;
//! a unit touched again after that is written again only at the end (so a
//! unit whose files are spread over the run is written twice, not once per
//! file: each write holds all its findings so far). The last write of
//! each workbook is made from the unit's final figures, so the output does
//! not depend on when the thread ran, and creating thousands of files (a
//! tenth of a millisecond to a millisecond each on an ordinary disk)
//! overlaps the reading.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::{Pipeline, PipelineError};
use crate::model::report::{ReportData, UnitReport};
use crate::model::Summary;
use crate::report::{feedback, page};
use crate::write::{Output, WriteError};

/// The feedback workbooks' folder in the output.
pub const FEEDBACK_DIR: &str = "feedback";

/// Files read without touching a unit before its workbook is written (a
/// unit's files are usually one after another, named by the unit).
const SETTLED_AFTER: usize = 4;

/// Workbooks handed to the thread at a time: waking it for each one
/// would take a reading thread's core from it thousands of times, and a
/// large batch would leave more to write after the last file.
const BATCH: usize = 8;

/// Writes `report.html` when the pipeline asks for it.
pub(super) fn write_page(
    p: &Pipeline,
    s: &Summary,
    output: &mut Output,
    date: &str,
) -> Result<(), PipelineError> {
    if !p.report {
        return Ok(());
    }
    let inputs: Vec<String> = p.inputs.iter().map(|i| i.display().to_string()).collect();
    let meta = page::Meta {
        date,
        inputs: &inputs,
        feedback: p.feedback.then_some(FEEDBACK_DIR),
    };
    let html = page::html(&s.report, s, &meta);
    let path = output.place("report.html")?;
    std::fs::write(&path, html).map_err(|cause| WriteError::Io { path, cause })?;
    Ok(())
}

/// One workbook to write: the unit's code and figures.
type Job = (String, UnitReport);

/// The feedback workbooks, written on a thread of their own at the
/// lowest priority as units settle; what it has not written when the
/// run ends is written by the run's own thread (so a busy machine cannot
/// starve it).
pub(super) struct FeedbackWriter {
    jobs: Option<Sender<Vec<Job>>>,
    /// The workbooks not yet handed over.
    batch: Vec<Job>,
    /// Set when the run waits: the thread stops writing and hands back
    /// what it has not written.
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<Writer, WriteError>>>,
    schedule: Schedule,
}

impl FeedbackWriter {
    /// Starts the writer into the output's feedback folder.
    pub(super) fn start(output: &mut Output, date: &str) -> Result<FeedbackWriter, PipelineError> {
        let dir = output.place(&format!("{FEEDBACK_DIR}/"))?;
        std::fs::create_dir_all(&dir).map_err(|cause| WriteError::Io {
            path: dir.clone(),
            cause,
        })?;
        let (tx, rx) = channel::<Vec<Job>>();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = Writer {
            rx,
            names: Names::default(),
            dir,
            date: date.to_string(),
            left: Vec::new(),
        };
        let stop_seen = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("jixiao-feedback".into())
            .spawn(move || {
                background();
                writer.run(&stop_seen)
            })
            .map_err(|e| PipelineError::Input(std::io::Error::other(e)))?;
        Ok(FeedbackWriter {
            jobs: Some(tx),
            batch: Vec::with_capacity(BATCH),
            stop,
            thread: Some(thread),
            schedule: Schedule::default(),
        })
    }

    /// After each file: the units it touched, and the workbooks of the
    /// units not touched for a while handed to the thread.
    pub(super) fn after_file(&mut self, data: &ReportData, touched: Vec<String>) {
        for unit in self.schedule.after_file(touched) {
            self.add(data, unit);
        }
        if self.batch.len() >= BATCH {
            self.send();
        }
    }

    /// The unit's workbook to write, if it has findings.
    fn add(&mut self, data: &ReportData, code: String) {
        if let Some(unit) = data.units.get(&code).filter(|u| u.errors + u.warnings > 0) {
            self.batch.push((code, unit.clone()));
        }
    }

    /// Hands the batch to the thread.
    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if let Some(tx) = &self.jobs {
            // A closed channel means the thread stopped on an error, which
            // `wait` reports.
            let _ = tx.send(batch);
        }
    }

    /// Hands over every unit not yet written in its final state; the
    /// thread writes them while the summaries are made.
    pub(super) fn hand_over_rest(&mut self, data: &ReportData) {
        for unit in std::mem::take(&mut self.schedule).rest() {
            self.add(data, unit);
        }
        self.send();
        self.jobs = None;
    }

    /// Stops the thread (after the workbook it is writing) and writes
    /// what it had not, in the order handed over.
    pub(super) fn wait(mut self) -> Result<(), PipelineError> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(writer)) => Ok(writer?.write_left()?),
            Some(Err(_)) => Err(PipelineError::Input(std::io::Error::other(
                "the thread writing the feedback workbooks failed",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for FeedbackWriter {
    /// A run stopped early waits for the thread before its staging folder
    /// goes.
    fn drop(&mut self) {
        self.jobs = None;
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the feedback thread writes with: the workbooks handed over, the
/// names given so far, and the workbooks left when it was stopped.
struct Writer {
    rx: Receiver<Vec<Job>>,
    names: Names,
    dir: PathBuf,
    date: String,
    left: Vec<Job>,
}

impl Writer {
    /// Writes each workbook handed over until the channel closes; once
    /// `stop` is set, keeps the rest in `left` instead.
    fn run(mut self, stop: &AtomicBool) -> Result<Writer, WriteError> {
        while let Ok(batch) = self.rx.recv() {
            for job in batch {
                match stop.load(Ordering::Relaxed) {
                    true => self.left.push(job),
                    false => self.write(&job)?,
                }
            }
        }
        Ok(self)
    }

    fn write(&mut self, (code, unit): &Job) -> Result<(), WriteError> {
        write_workbook(&self.dir, &mut self.names, code, unit, &self.date)
    }

    /// Writes the workbooks left, on the calling thread.
    fn write_left(mut self) -> Result<(), WriteError> {
        for job in std::mem::take(&mut self.left) {
            self.write(&job)?;
        }
        Ok(())
    }
}

/// Lowers the calling thread to the lowest priority (nice 19): the
/// workbooks are written with what the reading leaves of the cores, and
/// while the summaries are made; what is left then is written at the
/// run's priority ([`FeedbackWriter::wait`]). Linux sets a nice value per
/// thread; elsewhere the thread keeps its priority.
fn background() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority changes this thread's nice value; no memory is
    // touched. Failing leaves the priority as it was.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

/// When each unit's workbook is made: once the unit has not been touched
/// for [`SETTLED_AFTER`] files, and again at the end if touched after that.
#[derive(Default)]
struct Schedule {
    /// The file each unit was last touched in, and the units touched since
    /// their workbook was last made, by that file.
    last_touched: HashMap<String, usize>,
    dirty: BTreeMap<usize, BTreeSet<String>>,
    /// Units written once already, and those of them touched since: these
    /// wait for the end.
    written: HashSet<String>,
    late: BTreeSet<String>,
    files: usize,
}

impl Schedule {
    /// After a file that touched `touched`: the units to write now.
    fn after_file(&mut self, touched: Vec<String>) -> Vec<String> {
        self.files += 1;
        for unit in touched {
            if self.written.contains(&unit) {
                self.late.insert(unit);
                continue;
            }
            if let Some(before) = self.last_touched.insert(unit.clone(), self.files) {
                if let Some(set) = self.dirty.get_mut(&before) {
                    set.remove(&unit);
                }
            }
            self.dirty.entry(self.files).or_default().insert(unit);
        }
        let settled = self.files.saturating_sub(SETTLED_AFTER);
        let ripe: Vec<usize> = self.dirty.range(..=settled).map(|(k, _)| *k).collect();
        let now: Vec<String> = ripe
            .into_iter()
            .flat_map(|k| self.dirty.remove(&k).unwrap_or_default())
            .collect();
        self.written.extend(now.iter().cloned());
        now
    }

    /// The units to write at the end, in order of code (so that the names
    /// given do not depend on when a unit was last touched).
    fn rest(self) -> BTreeSet<String> {
        let dirty = self.dirty.into_values().flatten();
        dirty.chain(self.late).collect()
    }
}

/// The names given to the units' workbooks: one per unit, none twice.
#[derive(Default)]
struct Names {
    by_unit: HashMap<String, String>,
    taken: HashSet<String>,
}

impl Names {
    /// The unit's file name; when it changes (a name learned later), the
    /// old file is the one to remove.
    fn assign(&mut self, code: &str, unit: &UnitReport) -> (String, Option<String>) {
        let wanted = feedback::file_name(code, unit);
        if let Some(old) = self.by_unit.get(code) {
            if *old == wanted {
                return (wanted, None);
            }
        }
        let stem = wanted.trim_end_matches(".xlsx").to_string();
        let (mut name, mut n) = (wanted, 1);
        while !self.taken.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{stem}-{n}.xlsx");
        }
        let old = self.by_unit.insert(code.to_string(), name.clone());
        if let Some(o) = &old {
            self.taken.remove(&o.to_lowercase());
        }
        (name, old)
    }
}

fn write_workbook(
    dir: &std::path::Path,
    names: &mut Names,
    code: &str,
    unit: &UnitReport,
    date: &str,
) -> Result<(), WriteError> {
    let (name, old) = names.assign(code, unit);
    if let Some(old) = old {
        let _ = std::fs::remove_file(dir.join(old));
    }
    let path: PathBuf = dir.join(name);
    feedback::workbook_for(code, unit, date)
        .and_then(|bytes| std::fs::write(&path, bytes))
        .map_err(|cause| WriteError::Io { path, cause })
}

/// Today's date (UTC), `2026-12-06`.
pub(super) fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    // A spreadsheet's day number counts from 1899-12-30.
    let serial = rust_decimal::Decimal::from(days + 25_569);
    crate::vocab::year::spreadsheet_date(serial).unwrap_or_else(|| "1970-01-01".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The units written after each of `files` (each the units it
    /// touched), and at the end.
    fn writes(files: &[&[&str]]) -> (Vec<Vec<String>>, Vec<String>) {
        let mut schedule = Schedule::default();
        let during = files
            .iter()
            .map(|f| schedule.after_file(f.iter().map(|u| u.to_string()).collect()))
            .collect();
        (during, schedule.rest().into_iter().collect())
    }

    #[test]
    fn a_unit_is_written_once_it_settles_and_again_only_at_the_end() {
        let mut files: Vec<&[&str]> = vec![&["a", "b"], &["a"], &["b"]];
        files.extend(std::iter::repeat_n(&[][..], SETTLED_AFTER));
        // `a` comes back after it was written, three times.
        files.extend([&["a"][..], &["a"], &[], &[], &[], &[], &[], &["a"]]);
        let (during, end) = writes(&files);
        let when = |unit: &str| -> Vec<usize> {
            (during.iter().enumerate())
                .filter(|(_, w)| w.iter().any(|u| u == unit))
                .map(|(i, _)| i + 1)
                .collect()
        };
        assert_eq!(when("a"), [2 + SETTLED_AFTER]);
        assert_eq!(when("b"), [3 + SETTLED_AFTER]);
        assert_eq!(end, ["a"]);
    }

    #[test]
    fn two_units_never_share_a_workbook_and_a_renamed_one_moves() {
        let named = |n: &str| UnitReport {
            name: Some(n.into()),
            ..UnitReport::default()
        };
        let mut names = Names::default();
        // Names equal but for case are one file on Windows and macOS.
        assert_eq!(
            names.assign("1", &named("a/b")),
            ("1 a_b.xlsx".into(), None)
        );
        let (second, _) = names.assign("1 a", &named("b"));
        assert_eq!(second, "1 a b.xlsx");
        assert_eq!(names.assign("1 A", &named("B")).0, "1 A B-2.xlsx");
        let renamed = names.assign("1", &named("新名"));
        assert_eq!(renamed, ("1 新名.xlsx".into(), Some("1 a_b.xlsx".into())));
        assert_eq!(
            names.assign("1", &named("新名")),
            ("1 新名.xlsx".into(), None)
        );
    }

    #[test]
    fn units_not_settled_by_the_end_are_written_at_the_end_in_order() {
        let (during, end) = writes(&[&["z"], &["m", "c"]]);
        assert!(during.iter().all(Vec::is_empty));
        assert_eq!(end, ["c", "m", "z"]);
    }

    #[test]
    fn a_stopped_writer_leaves_the_rest_to_the_run_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let unit = |name: &str| UnitReport {
            name: Some(name.into()),
            errors: 1,
            ..UnitReport::default()
        };
        let (tx, rx) = channel();
        tx.send(vec![("1".into(), unit("甲")), ("2".into(), unit("乙"))])
            .unwrap();
        tx.send(vec![("1".into(), unit("甲改"))]).unwrap();
        drop(tx);
        let writer = Writer {
            rx,
            names: Names::default(),
            dir: dir.path().into(),
            date: "2026-12-06".into(),
            left: Vec::new(),
        };
        let writer = writer.run(&AtomicBool::new(true)).unwrap();
        assert_eq!(writer.left.len(), 3);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        writer.write_left().unwrap();
        // Written in order: unit 1's second workbook, under its new name,
        // replaced the first.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["1 甲改.xlsx", "2 乙.xlsx"]);
    }
}
