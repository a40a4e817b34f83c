//! The output folder as a transaction: everything is written into a
//! staging folder beside it, then the staging folder's entries are moved
//! in, replacing the entries jixiao wrote last time (named in the folder's
//! manifest, `.jixiao-manifest`); the new manifest goes in last. Nothing
//! else in the output folder is moved or touched. A run killed during the
//! swap leaves a complete staging folder, which the next run moves in.

use std::path::{Path, PathBuf};

use super::{io, Format, WriteError};
use crate::model::schema::{PARTITIONED_TABLES, RECORD_TABLES, RUN_SUMMARY};

/// The list of the entries jixiao wrote into an output folder, one name
/// per line, in the folder itself.
const MANIFEST: &str = ".jixiao-manifest";

/// A staging folder beside the output folder, with a `.work` folder
/// inside for working files. Dropped without [`Staging::commit`], it is
/// removed and the output folder is as it was.
pub(super) struct Staging {
    dir: PathBuf,
    /// `.<name>.jixiao-lock` beside `dir`: one run at a time writes it.
    /// Released after the staging folder is removed (fields drop after
    /// [`Staging`]'s own `drop`).
    _lock: Lock,
    /// The staging folder: `.<name>.jixiao-new-<pid>` beside `dir`.
    pub(super) path: PathBuf,
    /// Working files, removed before the swap.
    pub(super) work: PathBuf,
}

impl Staging {
    /// Opens the staging folder for the output folder `dir` (creating its
    /// parent when needed).
    pub(super) fn open(dir: &Path) -> Result<Staging, WriteError> {
        let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(WriteError::Io {
                path: dir.to_path_buf(),
                cause: std::io::Error::other(
                    "the output must be a named folder (not `.`, `..` or `/`)",
                ),
            });
        };
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let lock = lock(&parent, &name)?;
        // From here on the lock is released on every way out (Drop).
        let mut staging = Staging {
            dir: dir.to_path_buf(),
            _lock: lock,
            path: PathBuf::new(),
            work: PathBuf::new(),
        };
        if dir.metadata().is_ok_and(|m| m.permissions().readonly()) {
            return Err(WriteError::Io {
                path: dir.to_path_buf(),
                cause: std::io::Error::other(
                    "the output folder is read-only; jixiao does not replace it",
                ),
            });
        }
        recover(dir, &parent, &name)?;
        let path = parent.join(format!(".{name}.jixiao-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path).map_err(io(&path))?;
        staging.path = path;
        let work = staging.path.join(".work");
        std::fs::create_dir(&work).map_err(io(&work))?;
        staging.work = work;
        Ok(staging)
    }

    /// The output folder.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the working files, lists what is left in the staging
    /// folder's manifest (from then on it is complete) and moves it in.
    pub(super) fn commit(self) -> Result<(), WriteError> {
        std::fs::remove_dir_all(&self.work).map_err(io(&self.work))?;
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .map_err(io(&self.path))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()
            .map_err(io(&self.path))?;
        names.sort();
        let manifest = self.path.join(MANIFEST);
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        std::fs::write(&manifest, text).map_err(io(&manifest))?;
        move_in(&self.dir, &self.path)
    }
}

impl Drop for Staging {
    /// A run that fails before [`Staging::commit`] leaves nothing behind.
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The lock of an output folder, held while a run writes it.
struct Lock {
    path: PathBuf,
    /// The open lock file: on Unix the `flock` lives as long as it does,
    /// and the kernel releases it when the process dies however it dies.
    _file: std::fs::File,
}

impl Drop for Lock {
    /// Removes the lock file while still holding it, so a run waiting on
    /// this file finds it replaced and takes the new one ([`lock`]).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn held_by_another(parent: &Path, name: &str, lock: &Path) -> WriteError {
    let holder = std::fs::read_to_string(lock)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .map_or_else(
            || "another jixiao run".to_string(),
            |pid| format!("another jixiao run (process {pid})"),
        );
    WriteError::Io {
        path: parent.join(name),
        cause: std::io::Error::other(format!(
            "{holder} is writing this output folder; wait for it, or write elsewhere"
        )),
    }
}

/// Takes the lock of the output folder `name` in `parent`: an exclusive
/// `flock` on `.<name>.jixiao-lock`, which holds the process id for the
/// message of a run that finds it taken. Taking it is one system call, so
/// two runs started together never both pass; a lock file whose holder
/// died is free (the kernel released it); a lock file removed and created
/// again between opening and locking it is opened again.
#[cfg(unix)]
fn lock(parent: &Path, name: &str) -> Result<Lock, WriteError> {
    use std::io::Write as _;
    use std::os::unix::fs::MetadataExt as _;
    use std::os::unix::io::AsRawFd as _;
    let path = parent.join(format!(".{name}.jixiao-lock"));
    for _ in 0..8 {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(held_by_another(parent, name, &path));
            }
            return Err(io(&path)(e));
        }
        let opened = file.metadata().map_err(io(&path))?;
        let same = std::fs::metadata(&path)
            .is_ok_and(|now| (now.dev(), now.ino()) == (opened.dev(), opened.ino()));
        if !same {
            continue; // released and removed by its holder meanwhile
        }
        file.set_len(0).map_err(io(&path))?;
        file.write_all(std::process::id().to_string().as_bytes())
            .map_err(io(&path))?;
        return Ok(Lock { path, _file: file });
    }
    Err(io(&path)(std::io::Error::other(
        "the lock could not be taken",
    )))
}

/// Elsewhere: a lock file created only if none exists, holding this
/// process's id; a lock of a process that is gone is taken over.
#[cfg(not(unix))]
fn lock(parent: &Path, name: &str) -> Result<Lock, WriteError> {
    use std::io::Write as _;
    let path = parent.join(format!(".{name}.jixiao-lock"));
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(std::process::id().to_string().as_bytes())
                    .map_err(io(&path))?;
                return Ok(Lock { path, _file: f });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                if holder.is_some_and(|p: u32| p != std::process::id() && alive(p)) {
                    return Err(held_by_another(parent, name, &path));
                }
                let _ = std::fs::remove_file(&path);
            }
            Err(e) => return Err(io(&path)(e)),
        }
    }
    Err(io(&path)(std::io::Error::other(
        "the lock could not be taken",
    )))
}

/// Puts right what a run killed outright (no chance to clean up) left
/// beside `dir`: a staging folder whose swap had begun becomes the output
/// folder when the old one was already moved aside, else gives back the
/// user's files it had taken and is removed; a moved-aside old folder is
/// removed once `dir` is whole. Only folders of processes that are gone
/// are touched.
fn recover(dir: &Path, parent: &Path, name: &str) -> Result<(), WriteError> {
    let (new, old, trash) = (
        format!(".{name}.jixiao-new-"),
        format!(".{name}.jixiao-old-"),
        format!(".{name}.jixiao-trash-"),
    );
    let mut left = Vec::new();
    for entry in std::fs::read_dir(parent).map_err(io(parent))? {
        let entry = entry.map_err(io(parent))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let dead = |prefix: &str| {
            file_name
                .strip_prefix(prefix)
                .and_then(|p| p.parse().ok())
                .is_some_and(|pid: u32| pid != std::process::id() && !alive(pid))
        };
        if dead(&trash) {
            // Replaced entries of jixiao's own, on their way out.
            let _ = std::fs::remove_dir_all(entry.path());
            continue;
        }
        for (prefix, is_new) in [(&new, true), (&old, false)] {
            let pid = file_name
                .strip_prefix(prefix.as_str())
                .and_then(|p| p.parse().ok());
            if pid.is_some_and(|pid| pid != std::process::id() && !alive(pid)) {
                left.push((is_new, entry.path()));
            }
        }
    }
    // Staging folders first: one may be the output folder's whole new set.
    left.sort_by_key(|(is_new, _)| !is_new);
    for (is_new, path) in left {
        let complete = !path.join(".work").exists();
        match (is_new, dir.exists()) {
            (true, _) if complete && path.join(MANIFEST).exists() => move_in(dir, &path)?,
            // Left by a jixiao before manifests: the whole folder swapped.
            (true, false) if complete => std::fs::rename(&path, dir).map_err(io(dir))?,
            (true, true) => give_back(&path, dir)?,
            (false, false) => std::fs::rename(&path, dir).map_err(io(dir))?,
            _ => {}
        }
        let _ = std::fs::remove_dir_all(&path);
    }
    Ok(())
}

/// Moves the files in `staging` that are not jixiao tables (the user's,
/// taken by an interrupted swap of a jixiao before manifests) back into
/// `dir`.
fn give_back(staging: &Path, dir: &Path) -> Result<(), WriteError> {
    for entry in std::fs::read_dir(staging).map_err(io(staging))? {
        let entry = entry.map_err(io(staging))?;
        let n = entry.file_name().to_string_lossy().into_owned();
        let target = dir.join(&n);
        if !is_ours(&n, &[]) && n != ".work" && !target.exists() {
            std::fs::rename(entry.path(), &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

/// Whether process `pid` is still running (on Unix, by signal 0; where
/// that cannot be told every process counts as running, so nothing of
/// another run's is touched).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Whether an entry of the output folder is a jixiao table: one of this
/// run's `tables`, a partitioned dataset, or a file of an output format.
fn is_ours(n: &str, tables: &[&str]) -> bool {
    tables.contains(&n)
        || PARTITIONED_TABLES.contains(&n)
        || n.rsplit_once('.').is_some_and(|(_, ext)| {
            [Format::Csv, Format::Parquet, Format::Xlsx]
                .iter()
                .any(|f| f.extension() == ext)
        })
}

/// The names a manifest lists, or `None` when there is none.
fn manifest(folder: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(folder.join(MANIFEST)).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

/// What jixiao wrote into `dir` last: its manifest, else (a folder written
/// before manifests) the contract tables in every format and the
/// partitioned datasets found there.
fn written_before(dir: &Path) -> Vec<String> {
    if let Some(names) = manifest(dir) {
        return names;
    }
    let formats = [Format::Csv, Format::Parquet];
    RECORD_TABLES
        .iter()
        .chain([&&RUN_SUMMARY])
        .flat_map(|t| formats.map(|f| format!("{}.{}", t.name, f.extension())))
        .chain(PARTITIONED_TABLES.map(String::from))
        .chain([super::XLSX_NAME.to_string()])
        .filter(|n| dir.join(n).exists())
        .collect()
}

/// Moves the entries of the complete staging folder `staging` into `dir`:
/// what jixiao wrote there before and does not write now goes, what it
/// writes now replaces what is there, the manifest comes last. Run again
/// after a kill at any step, it finishes the same way; the user's entries
/// are never moved.
fn move_in(dir: &Path, staging: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let new = manifest(staging).unwrap_or_default();
    let parent = staging.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let trash = parent.join(format!(
        ".{}.jixiao-trash-{}",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let discard = |n: &str| -> Result<(), WriteError> {
        let from = dir.join(n);
        if from.symlink_metadata().is_err() {
            return Ok(());
        }
        std::fs::create_dir_all(&trash).map_err(io(&trash))?;
        std::fs::rename(&from, trash.join(n)).map_err(io(&from))
    };
    for n in written_before(dir).iter().filter(|n| !new.contains(n)) {
        discard(n)?;
    }
    for n in &new {
        let from = staging.join(n);
        if from.symlink_metadata().is_ok() {
            discard(n)?;
            std::fs::rename(&from, dir.join(n)).map_err(io(&from))?;
        }
    }
    let from = staging.join(MANIFEST);
    std::fs::rename(&from, dir.join(MANIFEST)).map_err(io(&from))?;
    let _ = std::fs::remove_dir_all(&trash);
    let _ = std::fs::remove_dir_all(staging);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id no process has.
    const GONE: u32 = u32::MAX - 1;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Issue 25: a lock file just created, its process id not yet written,
    /// was taken for a dead run's and removed, and both runs wrote.
    #[cfg(unix)]
    #[test]
    fn a_lock_taken_but_not_yet_written_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path(), "out").unwrap();
        std::fs::write(&first.path, "").unwrap();
        let second = lock(dir.path(), "out");
        assert!(second.is_err(), "both hold the lock");
        assert!(first.path.exists(), "the loser left the winner's lock");
        drop(first);
        assert!(!dir.path().join(".out.jixiao-lock").exists());
        let again = lock(dir.path(), "out").unwrap();
        assert!(again.path.exists());
    }

    #[test]
    fn a_swap_killed_between_its_renames_is_finished() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        // The old folder moved aside; the new one, complete, not yet in place.
        write(
            &tmp.path()
                .join(format!(".out.jixiao-old-{GONE}/projects.csv")),
            "old",
        );
        let staging = tmp.path().join(format!(".out.jixiao-new-{GONE}"));
        write(&staging.join("projects.csv"), "new");
        write(&staging.join("notes.txt"), "mine");
        recover(&dir, tmp.path(), "out").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("projects.csv")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "only out"
        );
    }

    #[test]
    fn a_swap_killed_while_moving_the_users_files_gives_them_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join("projects.csv"), "old");
        write(&dir.join("b.txt"), "mine too");
        let staging = tmp.path().join(format!(".out.jixiao-new-{GONE}"));
        write(&staging.join("projects.csv"), "new");
        write(&staging.join("a.txt"), "mine");
        recover(&dir, tmp.path(), "out").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("projects.csv")).unwrap(),
            "old"
        );
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "mine");
        assert_eq!(
            std::fs::read_to_string(dir.join("b.txt")).unwrap(),
            "mine too"
        );
        assert!(!staging.exists());
    }

    #[test]
    fn a_swap_killed_halfway_is_finished_and_the_users_files_never_move() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        // Killed after projects.csv was moved in, before gone.csv (last
        // run's, not this one's) was discarded and issues.csv moved in.
        write(&dir.join(MANIFEST), "gone.csv\nprojects.csv\n");
        write(&dir.join("projects.csv"), "new");
        write(&dir.join("gone.csv"), "old");
        write(&dir.join("notes.txt"), "mine");
        write(&dir.join("mine.csv"), "mine too");
        let staging = tmp.path().join(format!(".out.jixiao-new-{GONE}"));
        write(&staging.join(MANIFEST), "issues.csv\nprojects.csv\n");
        write(&staging.join("issues.csv"), "new issues");
        write(
            &tmp.path()
                .join(format!(".out.jixiao-trash-{GONE}/projects.csv")),
            "old",
        );
        recover(&dir, tmp.path(), "out").unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".jixiao-manifest",
                "issues.csv",
                "mine.csv",
                "notes.txt",
                "projects.csv"
            ]
        );
        let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
        assert_eq!(read("projects.csv"), "new");
        assert_eq!(read("issues.csv"), "new issues");
        assert_eq!(read("mine.csv"), "mine too");
        assert_eq!(read(MANIFEST), "issues.csv\nprojects.csv\n");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "only out"
        );
    }

    #[test]
    fn an_incomplete_staging_folder_of_a_dead_run_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join("projects.csv"), "old");
        let staging = tmp.path().join(format!(".out.jixiao-new-{GONE}"));
        write(&staging.join(".work/projects.csv.part"), "half");
        write(&staging.join("projects.csv"), "half");
        recover(&dir, tmp.path(), "out").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("projects.csv")).unwrap(),
            "old"
        );
        assert!(!staging.exists());
    }

    #[test]
    fn a_live_runs_staging_folder_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir.join("projects.csv"), "old");
        // This process is alive (another process's id would be, too).
        let ours = tmp
            .path()
            .join(format!(".out.jixiao-new-{}", std::process::id()));
        write(&ours.join(".work/x"), "");
        recover(&dir, tmp.path(), "out").unwrap();
        assert!(ours.exists());
    }
}
