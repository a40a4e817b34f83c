//! The output folder as a transaction: everything is written into a
//! staging folder beside it and swapped in at the end with two renames, so
//! an interrupted run never leaves old and new tables mixed. Files in the
//! output folder that are not jixiao tables are kept.

use std::path::{Path, PathBuf};

use super::{io, Format, WriteError};
use crate::model::schema::PARTITIONED_TABLES;

/// A staging folder beside the output folder, with a `.work` folder
/// inside for working files. Dropped without [`Staging::commit`], it is
/// removed and the output folder is as it was.
pub(super) struct Staging {
    dir: PathBuf,
    /// `.<name>.jixiao-lock` beside `dir`: one run at a time writes it.
    lock: PathBuf,
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
                source: std::io::Error::other(
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
            lock,
            path: PathBuf::new(),
            work: PathBuf::new(),
        };
        if dir.metadata().is_ok_and(|m| m.permissions().readonly()) {
            return Err(WriteError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(
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

    /// Removes the working files and swaps the staging folder in for the
    /// output folder; `tables` are this run's tables.
    pub(super) fn commit(self, tables: &[&str]) -> Result<(), WriteError> {
        std::fs::remove_dir_all(&self.work).map_err(io(&self.work))?;
        swap_in(&self.dir, &self.path, tables)
    }
}

impl Drop for Staging {
    /// A run that fails before [`Staging::commit`] leaves nothing behind.
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Takes the lock of the output folder `name` in `parent`: a file holding
/// this process's id, created only if none exists. A lock of a process
/// that is gone is taken over; one of a running process is an error, so
/// two runs never write one folder at once.
fn lock(parent: &Path, name: &str) -> Result<PathBuf, WriteError> {
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
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                if let Some(pid) = holder.filter(|p| *p != std::process::id() && alive(*p)) {
                    return Err(WriteError::Io {
                        path: parent.join(name),
                        source: std::io::Error::other(format!(
                            "another jixiao run (process {pid}) is writing this output folder; wait for it, or write elsewhere"
                        )),
                    });
                }
                // Left by a run that is gone (or unreadable): taken over.
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
    let (new, old) = (
        format!(".{name}.jixiao-new-"),
        format!(".{name}.jixiao-old-"),
    );
    let mut left = Vec::new();
    for entry in std::fs::read_dir(parent).map_err(io(parent))? {
        let entry = entry.map_err(io(parent))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
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
        match (is_new, dir.exists()) {
            (true, false) if !path.join(".work").exists() => {
                std::fs::rename(&path, dir).map_err(io(dir))?
            }
            (true, true) => give_back(&path, dir)?,
            (false, false) => std::fs::rename(&path, dir).map_err(io(dir))?,
            _ => {}
        }
        let _ = std::fs::remove_dir_all(&path);
    }
    Ok(())
}

/// Moves the files in `staging` that are not jixiao tables (the user's,
/// taken by an interrupted swap) back into `dir`.
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

/// Replaces `dir` by `staging`: what in `dir` is not a jixiao table is moved
/// over first; jixiao tables of an earlier run are replaced as a set (a
/// table this run does not write is not carried over).
fn swap_in(dir: &Path, staging: &Path, tables: &[&str]) -> Result<(), WriteError> {
    let parent = staging.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let old = parent.join(format!(
        ".{}.jixiao-old-{}",
        name.unwrap_or_default(),
        std::process::id()
    ));
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let n = entry.file_name().to_string_lossy().into_owned();
            if !is_ours(&n, tables) {
                std::fs::rename(entry.path(), staging.join(&n)).map_err(io(&entry.path()))?;
            }
        }
        std::fs::rename(dir, &old).map_err(io(dir))?;
    }
    std::fs::rename(staging, dir).map_err(io(dir))?;
    let _ = std::fs::remove_dir_all(&old);
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
