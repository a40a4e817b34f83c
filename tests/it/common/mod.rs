//! Shared test helpers: the seed data, the fixture writer and a `Workdir`
//! that runs the `jixiao` binary in a temporary folder.

#![allow(dead_code)]

pub mod family;
pub mod family_truth;
pub mod forms;
pub mod hostile;
pub mod seed;
pub mod self_eval;
pub mod template_truth;
pub mod templates;
pub mod xls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder to run `jixiao` in (after xsv's `Workdir`).
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The names in a folder of this one, sorted.
    pub fn names_in(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// What runs left beside their output folders in this folder (staging,
    /// trash and lock entries: `.out.jixiao-new-…`).
    pub fn debris(&self) -> Vec<String> {
        let mut names = self.names_in("");
        names.retain(|n| n.contains("jixiao-"));
        names
    }

    /// With `JIXIAO_TEMPLATES_TO=DIR` set, copies the files of these
    /// folders there (the rebuilt workbooks and the tables), to look at.
    pub fn keep_if_asked(&self, dirs: &[&str]) {
        let Some(to) = std::env::var_os("JIXIAO_TEMPLATES_TO") else {
            return;
        };
        let to = PathBuf::from(to);
        for dir in dirs {
            std::fs::create_dir_all(to.join(dir)).unwrap();
            for e in std::fs::read_dir(self.path(dir)).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_file() {
                    std::fs::copy(e.path(), to.join(dir).join(e.file_name())).unwrap();
                }
            }
        }
    }

    /// A `jixiao` command running in this folder.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jixiao"));
        cmd.current_dir(self.dir.path()).args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("jixiao runs")
    }

    /// Copies a file or folder of the repository into `rel`.
    pub fn copy_from_repo(&self, from: &str, rel: &str) {
        let src = repo().join(from);
        if src.is_file() {
            self.write(rel, std::fs::read(&src).unwrap());
            return;
        }
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap();
            if f.file_type().unwrap().is_file() {
                let name = f.file_name().to_string_lossy().into_owned();
                self.write(&format!("{rel}/{name}"), std::fs::read(f.path()).unwrap());
            }
        }
    }

    /// The sample workbooks in `rel/`.
    pub fn sample_into(&self, rel: &str) {
        for f in ["762002.xlsx", "762003.xlsx"] {
            self.copy_from_repo(&format!("sample_data/{f}"), &format!("{rel}/{f}"));
        }
    }

    /// The repository's sample pipeline and its reference tables, in
    /// `pipelines/` (reading `sample_data/`, writing `output/`).
    pub fn sample_pipeline(&self) {
        self.copy_from_repo("pipelines/sample.toml", "pipelines/sample.toml");
        self.copy_from_repo("pipelines/reference", "pipelines/reference");
    }

    /// A workdir with the sample pipeline and the committed sample data
    /// (self-evaluations included) in `sample_data/`.
    pub fn with_committed_sample() -> Workdir {
        let wd = Workdir::new();
        wd.sample_pipeline();
        wd.copy_from_repo("sample_data", "sample_data");
        wd
    }

    /// [`Workdir::with_committed_sample`] after `run pipelines/sample.toml`
    /// (exit 0).
    pub fn ran_committed_sample() -> Workdir {
        let wd = Workdir::with_committed_sample();
        assert_exit(&wd.run(&["run", "pipelines/sample.toml"]), 0);
        wd
    }

    /// Writes the seed's forms with `layout` into `rel/762002.xlsx` and
    /// `rel/762003.xlsx`.
    pub fn seed_workbooks(&self, rel: &str, layout: &forms::Layout) {
        std::fs::create_dir_all(self.path(rel)).unwrap();
        for unit in ["762002", "762003"] {
            let projects: Vec<&seed::SeedProject> = seed::SEED
                .iter()
                .filter(|p| p.unit.starts_with(unit))
                .collect();
            forms::write_workbook(&self.path(&format!("{rel}/{unit}.xlsx")), &projects, layout)
                .unwrap();
        }
    }

    /// Reads `rel` as CSV into rows of named fields.
    /// The rows of a CSV table. Reading an `issues` table also asserts
    /// that jixiao caught no panic of its own (`internal_error`): a bad
    /// or hostile file must be refused, never survived by a caught bug.
    pub fn csv(&self, rel: &str) -> Vec<Row> {
        let rows = read_csv(&self.path(rel));
        if rel.ends_with("issues.csv") {
            let caught: Vec<&Row> = rows
                .iter()
                .filter(|r| {
                    r.0.iter()
                        .any(|(k, v)| k == "code" && v == "internal_error")
                })
                .collect();
            assert!(
                caught.is_empty(),
                "jixiao caught a panic of its own: {caught:?}"
            );
        }
        rows
    }
}

/// A CSV row by column name.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<(String, String)>);

impl Row {
    pub fn get(&self, col: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == col)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no column {col} in {:?}", self.0))
    }
}

pub fn read_csv(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Row(headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect())
        })
        .collect()
}

/// The rows of `dir/<table>.csv` without the columns `drop` names, for
/// comparing the same forms read from different files.
pub fn table_without(
    dir: &Path,
    table: &str,
    drop: impl Fn(&str) -> bool,
) -> Vec<Vec<(String, String)>> {
    read_csv(&dir.join(format!("{table}.csv")))
        .into_iter()
        .map(|Row(cols)| cols.into_iter().filter(|(k, _)| !drop(k)).collect())
        .collect()
}

/// An amount or percentage as the tables write it (the empty cell is 0).
pub fn dec(s: &str) -> rust_decimal::Decimal {
    if s.is_empty() {
        return rust_decimal::Decimal::ZERO;
    }
    s.parse()
        .unwrap_or_else(|e| panic!("'{s}' is not a decimal: {e}"))
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Asserts the process exited with `code`, showing its output otherwise.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
