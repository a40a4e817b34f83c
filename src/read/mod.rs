//! Read stage: every input format becomes the same [`Grid`]s.
//!
//! Readers know nothing about budgets. One module per format family; this
//! module finds input files and dispatches on the file extension.

mod workbook;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::grid::Grid;

/// File extensions read as spreadsheets (calamine). `.et` is WPS's
/// spreadsheet format, which is an `.xls` or `.xlsx` file underneath.
pub const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods", "et"];

/// Why a file (or one of its sheets) could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("cannot open the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty (0 bytes)")]
    EmptyFile,
    #[error("not a readable {format} workbook: {reason}")]
    Workbook { format: String, reason: String },
    #[error("sheet '{sheet}' cannot be read: {reason}")]
    Sheet { sheet: String, reason: String },
    #[error("file type '.{0}' is not supported")]
    Unsupported(String),
}

/// What reading one file produced: the sheets that could be read, and an
/// error for each sheet that could not.
#[derive(Debug, Default)]
pub struct FileContent {
    pub grids: Vec<Grid>,
    pub sheet_errors: Vec<ReadError>,
}

/// An input file and the name it carries in outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// `root-name/relative/path.xlsx`: independent of the working directory
    /// and of where the input folder lives on this machine.
    pub display: String,
}

/// True when the path's extension is one jixiao reads.
pub fn is_supported(path: &Path) -> bool {
    extension(path).is_some_and(|e| WORKBOOK_EXTENSIONS.contains(&e.as_str()))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Lists the files under the given inputs: a file is taken as it is, a folder
/// is searched recursively. Returns the supported files in a stable order
/// (by display name) and the unsupported files that were skipped.
pub fn discover(inputs: &[PathBuf]) -> std::io::Result<(Vec<InputFile>, Vec<InputFile>)> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| {
            std::io::Error::new(e.kind(), format!("input '{}': {e}", input.display()))
        })?;
        if meta.is_file() {
            let display = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| input.display().to_string());
            found.push(InputFile {
                path: input.clone(),
                display,
            });
            continue;
        }
        let root_name = root_name(input);
        for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            // Office lock files (~$book.xlsx) and hidden files are not submissions.
            if name.starts_with("~$") || name.starts_with('.') {
                continue;
            }
            let rel = entry.path().strip_prefix(input).unwrap_or(entry.path());
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let file = InputFile {
                path: entry.path().to_path_buf(),
                display: if root_name.is_empty() {
                    rel
                } else {
                    format!("{root_name}/{rel}")
                },
            };
            if is_supported(entry.path()) {
                found.push(file);
            } else {
                skipped.push(file);
            }
        }
    }
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.path == b.path);
    skipped.sort_by(|a, b| a.display.cmp(&b.display));
    Ok((found, skipped))
}

/// The last named component of a folder path (`sample_data` for
/// `../sample_data/`), or empty for `.` and `/`.
fn root_name(path: &Path) -> String {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads one file into grids, one per sheet.
pub fn read_file(file: &InputFile) -> Result<FileContent, ReadError> {
    let ext = extension(&file.path).unwrap_or_default();
    if std::fs::metadata(&file.path)?.len() == 0 {
        return Err(ReadError::EmptyFile);
    }
    if WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
        workbook::read(&file.path, &file.display, &ext)
    } else {
        Err(ReadError::Unsupported(ext))
    }
}
