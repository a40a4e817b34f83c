//! Read stage: every input format becomes the same [`Grid`]s.
//!
//! Readers know nothing about budgets. One module per format family; this
//! module finds input files and dispatches on the file extension.
//!
//! Imports only `vocab` and `grid`: readers know nothing about budgets.

mod biff;
mod calamine;
mod cfb;
mod csv;
#[cfg(test)]
mod differential;
mod docx;
mod limits;
mod ods;
mod scan;
mod wire;
mod workbook;
pub mod worker;
mod xlsb;
mod xlsx;
mod xml;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use limits::Limits;

use crate::grid::{CellRange, CellValue, Grid, Pos};

/// File extensions jixiao reads. `.et` is WPS's spreadsheet format, an
/// `.xls` or `.xlsx` file underneath; the format is always taken from the
/// content, the extension only says the file is a submission.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xlsb", "xls", "et", "ods", "csv", "tsv", "docx",
];

/// Why a file (or one of its sheets) could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("cannot open the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty (0 bytes); ask the unit to resubmit it")]
    EmptyFile,
    #[error("the workbook is password-protected (encrypted); remove the password and resubmit it")]
    Encrypted,
    #[error("the file is {0}, not a workbook, although it is named .{1}; open it and save it as .xlsx, or ask the unit to resubmit it")]
    NotAWorkbook(&'static str, String),
    #[error("not a readable {format} workbook: {reason}; open it in Excel or WPS and save it again as .xlsx, or ask the unit to resubmit it")]
    Workbook { format: String, reason: String },
    #[error("sheet '{sheet}' cannot be read: {reason}")]
    Sheet { sheet: String, reason: String },
    #[error("file type '.{0}' is not supported")]
    Unsupported(String),
    #[error("not a regular file (a folder, a pipe or a device); not read")]
    NotAFile,
    #[error(
        "the file is {0} MiB, more than the {1} MiB a file may be (limits.file_mib); not read"
    )]
    TooLarge(u64, u64),
}

/// What reading one file produced: the sheets that could be read, and an
/// error for each sheet that could not.
#[derive(Debug, Default)]
pub struct FileContent {
    pub grids: Vec<Grid>,
    pub sheet_errors: Vec<ReadError>,
    /// Which reader read the file (`inspect` shows it), and why when it
    /// was calamine in place of jixiao's own.
    pub reader: String,
}

/// One sheet as a reader gives it: its cells and merged ranges.
type SheetData = (Vec<(Pos, CellValue)>, Vec<CellRange>);

impl FileContent {
    /// One sheet error when the workbook listed more than `max` sheets
    /// ([`Limits::sheets`]; only the first were read).
    fn too_many_sheets(&mut self, listed: usize, max: usize) {
        if let Some((sheet, Err(reason))) = too_many_sheets(listed, max) {
            self.sheet_errors.push(ReadError::Sheet { sheet, reason });
        }
    }

    /// Adds a sheet read from file `display`: its grid, or why it could
    /// not be read.
    fn push_sheet(&mut self, display: &str, sheet: String, read: Result<SheetData, String>) {
        match read {
            Ok((cells, merges)) => self.grids.push(Grid::new(display, sheet, cells, merges)),
            Err(reason) => self.sheet_errors.push(ReadError::Sheet { sheet, reason }),
        }
    }
}

/// The sheet error of a workbook that lists more than `max` sheets
/// ([`Limits::sheets`]; only the first are read), as a sheet read.
fn too_many_sheets(listed: usize, max: usize) -> Option<(String, Result<SheetData, String>)> {
    (listed > max).then(|| {
        (
            format!("sheets {} to {listed}", max + 1),
            Err(format!(
                "the workbook has {listed} sheets; only the first {max} are read (limits.sheets)"
            )),
        )
    })
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
    extension(path).is_some_and(|e| SUPPORTED_EXTENSIONS.contains(&e.as_str()))
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
    discover_except(inputs, &[]).map(|d| (d.files, d.skipped))
}

/// What [`discover_except`] found: the files to read, the files of other
/// kinds passed over, and what could not be looked into (an unreadable
/// folder, a symlink loop), by display path, with why.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<InputFile>,
    pub skipped: Vec<InputFile>,
    pub problems: Vec<(String, String)>,
}

/// [`discover`], leaving out the folders `exclude` (a run's own output
/// folder inside its input folder) and hidden folders (`.Trash`, a run's
/// staging folders) as well as hidden files.
pub fn discover_except(inputs: &[PathBuf], exclude: &[PathBuf]) -> std::io::Result<Discovered> {
    let exclude: Vec<PathBuf> = exclude
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut found = Discovered::default();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| {
            std::io::Error::new(e.kind(), format!("input '{}': {e}", input.display()))
        })?;
        if meta.is_file() {
            let display = input
                .file_name()
                .map(name_of)
                .unwrap_or_else(|| input.display().to_string());
            found.files.push(InputFile {
                path: input.clone(),
                display,
            });
            continue;
        }
        // A pipe, a device or a socket named as an input would read as an
        // empty folder and replace the tables with empty ones.
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "input '{}' is not a file or a folder (a pipe, a device or a socket); name the workbooks or their folder",
                    input.display()
                ),
            ));
        }
        walk(input, &exclude, &mut found);
    }
    found.files.sort_by(|a, b| a.display.cmp(&b.display));
    found.files.dedup_by(|a, b| a.path == b.path);
    found.skipped.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(found)
}

/// Walks the folder `input` into `found`, following symlinks (a loop is a
/// problem, not walked forever) and leaving out hidden entries and the
/// `exclude`d folders.
fn walk(input: &Path, exclude: &[PathBuf], found: &mut Discovered) {
    let excluded = |e: &walkdir::DirEntry| {
        let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
        hidden
            || (e.file_type().is_dir()
                && !exclude.is_empty()
                && e.path().canonicalize().is_ok_and(|p| exclude.contains(&p)))
    };
    let root_name = root_name(input);
    let display = |path: &Path| {
        let rel = path.strip_prefix(input).unwrap_or(path);
        let rel = rel
            .components()
            .map(|c| name_of(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/");
        match root_name.is_empty() {
            true => rel,
            false => format!("{root_name}/{rel}"),
        }
    };
    let entries = walkdir::WalkDir::new(input)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !excluded(e));
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .map_or_else(|| input.display().to_string(), display);
                found.problems.push((at, e.to_string()));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        // Office lock files (~$book.xlsx), hidden files and a folder's
        // notes (README.md) are not submissions.
        if entry.file_type().is_dir()
            || name.starts_with("~$")
            || name.starts_with('.')
            || is_readme(&name)
        {
            continue;
        }
        let file = InputFile {
            path: entry.path().to_path_buf(),
            display: display(entry.path()),
        };
        // A pipe, a socket, a device is noted, never opened.
        match entry.file_type().is_file() && is_supported(entry.path()) {
            true => found.files.push(file),
            false => found.skipped.push(file),
        }
    }
}

/// A folder's notes: `README`, `README.md`, `readme.txt`.
fn is_readme(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.eq_ignore_ascii_case("readme")
        && (stem.len() == name.len() || name.ends_with(".md") || name.ends_with(".txt"))
}

/// The last named component of a folder path (`sample_data` for
/// `../sample_data/`), or empty for `.` and `/`.
fn root_name(path: &Path) -> String {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    canonical.file_name().map(name_of).unwrap_or_default()
}

/// A file or folder name as text, losslessly: in a name that is not
/// UTF-8 each byte that is not is written `\xNN` and a `\` is written `\\`,
/// so two such names never share a `source_file` (a lossy `�` made them
/// equal). A UTF-8 name is kept as it is.
pub fn name_of(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(&chunk.valid().replace('\\', "\\\\"));
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// What a file's first bytes say it is, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ZIP container: `.xlsx`, `.xlsm`, `.xlsb`, `.ods`, WPS `.et`.
    Zip,
    /// An OLE2 compound file: `.xls`, WPS `.et`, or an encrypted `.xlsx`.
    Ole,
    /// An OLE2 file holding an `EncryptionInfo` stream: a password-protected
    /// Office Open XML workbook.
    Encrypted,
    Html,
    Pdf,
    Text,
    Unknown,
}

/// Identifies a file by its content.
pub fn sniff(bytes: &[u8]) -> Kind {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if bytes.starts_with(&OLE) {
        let marker: Vec<u8> = "EncryptionInfo"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        if memchr::memmem::find(bytes, &marker).is_some() {
            return Kind::Encrypted;
        }
        return Kind::Ole;
    }
    if bytes.starts_with(b"%PDF") {
        return Kind::Pdf;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<table")
    {
        return Kind::Html;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let printable = sample
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    if !sample.is_empty() && printable * 100 >= sample.len() * 95 && !sample.contains(&0) {
        return Kind::Text;
    }
    Kind::Unknown
}

/// A read begun: done, or under way in a worker process (which reads the
/// file while the caller works on the one before).
pub struct Reading(Box<dyn FnOnce() -> Result<FileContent, ReadError> + Send>);

impl From<Result<FileContent, ReadError>> for Reading {
    fn from(result: Result<FileContent, ReadError>) -> Reading {
        Reading::done(result)
    }
}

impl Reading {
    fn done(result: Result<FileContent, ReadError>) -> Reading {
        Reading(Box::new(move || result))
    }

    fn later(finish: impl FnOnce() -> Result<FileContent, ReadError> + Send + 'static) -> Reading {
        Reading(Box::new(finish))
    }

    fn map(self, f: impl FnOnce(FileContent) -> FileContent + Send + 'static) -> Reading {
        Reading(Box::new(move || (self.0)().map(f)))
    }

    /// The file's content, waiting for the worker if it is still reading.
    pub fn finish(self) -> Result<FileContent, ReadError> {
        (self.0)()
    }
}

/// Reads one file into grids, one per sheet. The format is taken from the
/// file's content; its name only has to say it is a workbook.
pub fn read_file(file: &InputFile, limits: &Limits) -> Result<FileContent, ReadError> {
    begin_read(file, limits).finish()
}

/// Begins reading one file ([`read_file`]): a file that goes to a worker
/// process is handed over, and read there while the caller goes on.
pub fn begin_read(file: &InputFile, limits: &Limits) -> Reading {
    match begin(file, limits) {
        Ok(reading) => reading,
        Err(e) => Reading::done(Err(e)),
    }
}

fn begin(file: &InputFile, limits: &Limits) -> Result<Reading, ReadError> {
    let ext = extension(&file.path).unwrap_or_default();
    if !SUPPORTED_EXTENSIONS.contains(&ext.as_str()) {
        return Err(ReadError::Unsupported(ext));
    }
    // A pipe would block the read, a device never end it.
    let meta = std::fs::metadata(&file.path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > limits.file_bytes() {
        return Err(ReadError::TooLarge(meta.len() >> 20, limits.file_mib));
    }
    let bytes = std::fs::read(&file.path)?;
    if bytes.is_empty() {
        return Err(ReadError::EmptyFile);
    }
    let text_file = matches!(ext.as_str(), "csv" | "tsv");
    let kind = sniff(&bytes);
    let read = match (kind, package_kind_of(kind, &bytes)) {
        (Kind::Encrypted, _) | (_, Some(Package::EncryptedOds)) => Err(ReadError::Encrypted),
        (Kind::Html, _) => Err(ReadError::NotAWorkbook("an HTML page", ext)),
        (Kind::Pdf, _) => Err(ReadError::NotAWorkbook("a PDF document", ext)),
        (Kind::Text | Kind::Unknown, _) if text_file => csv::read(&bytes, &file.display, &ext),
        (Kind::Text, _) => Err(ReadError::NotAWorkbook(
            "plain text (a CSV or text export?)",
            ext,
        )),
        (_, Some(Package::Docx)) => docx::read(&bytes, &file.display, limits),
        (_, Some(Package::Ods)) => ods::read(&bytes, &file.display, limits),
        // Workbooks: `.xlsx` and the rest, whatever calamine makes of them.
        _ => return workbook::read(bytes, kind, &file.display, &ext, limits),
    };
    Ok(Reading::done(read))
}

/// What a ZIP container holds, for a ZIP.
fn package_kind_of(kind: Kind, bytes: &[u8]) -> Option<Package> {
    (kind == Kind::Zip).then(|| package_kind(bytes))
}

/// What a ZIP container holds.
#[derive(Debug, PartialEq, Eq)]
enum Package {
    Docx,
    Ods,
    /// An OpenDocument file whose manifest says its parts are encrypted.
    EncryptedOds,
    /// `.xlsx`, `.xlsm`, `.xlsb`, WPS `.et`, or not readable as a ZIP.
    Other,
}

/// Tells a Word document and an OpenDocument spreadsheet from a workbook
/// package by their parts: an `.ods` by its `mimetype` part, wherever it
/// is in the archive and however it is stored (the specification wants it
/// first and stored; not every writer does), else by a `content.xml`
/// without Office's `[Content_Types].xml`.
fn package_kind(bytes: &[u8]) -> Package {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Package::Other;
    };
    if zip.index_for_name("word/document.xml").is_some() {
        return Package::Docx;
    }
    let mut mimetype = String::new();
    if let Ok(entry) = zip.by_name("mimetype") {
        let _ = entry.take(200).read_to_string(&mut mimetype);
    }
    let ods = mimetype.contains("opendocument.spreadsheet")
        || (zip.index_for_name("content.xml").is_some()
            && zip.index_for_name("[Content_Types].xml").is_none());
    if !ods {
        return Package::Other;
    }
    let mut manifest = String::new();
    if let Ok(entry) = zip.by_name("META-INF/manifest.xml") {
        let _ = entry.take(1 << 20).read_to_string(&mut manifest);
    }
    match manifest.contains("encryption-data") {
        true => Package::EncryptedOds,
        false => Package::Ods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| name_of(std::ffi::OsStr::from_bytes(b));
        assert_eq!(name(b"unit\xff.xlsx"), "unit\\xFF.xlsx");
        assert_ne!(name(b"unit\xff.xlsx"), name(b"unit\xfe.xlsx"));
        assert_eq!(name(b"a\\b\xff"), "a\\\\b\\xFF");
        assert_eq!(name("单位.xlsx".as_bytes()), "单位.xlsx");
    }
}
