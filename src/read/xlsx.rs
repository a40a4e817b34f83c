//! `.xlsx` / `.xlsm` read directly from the package: one pass over each
//! sheet's XML gives its cells and its merged ranges (calamine would parse
//! the sheet twice for both, and decode number formats jixiao never uses).
//!
//! Only what a form needs is read: shared strings (phonetic runs left out,
//! `_x000D_` escapes decoded), inline strings, cached formula results,
//! numbers, booleans and errors. A package this reader does not understand
//! (no workbook part where the relationships say) is handed back, and the
//! caller reads it with calamine instead.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use super::scan::{attr, push_text, Scanner, SheetItem, Token};
use super::{FileContent, Limits, ReadError, SheetData};
use crate::grid::{CellRange, CellValue, Pos};

/// The most [`Package::part`] reserves ahead from a part's stated size.
const PART_HINT_MAX: usize = 64 << 20;

/// Why the package could not be read here.
#[derive(Debug)]
pub(super) struct NotRead(pub String);

/// The largest part inflated in one call into a buffer of its stated size;
/// a larger one (or a false size) goes through the streaming reader.
const ONE_SHOT_MAX: u64 = 256 << 20;

/// The ZIP package and a reusable buffer for its parts.
struct Package<'a> {
    bytes: &'a [u8],
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Holds the last part read (its length only grows: a part is read into
    /// its first bytes, so the buffer is not zeroed again for each part).
    buf: Vec<u8>,
    inflater: libdeflater::Decompressor,
    limits: &'a Limits,
}

impl Package<'_> {
    /// The bytes of one part (`xl/workbook.xml`). A deflated part is
    /// inflated in one call from the package's bytes into a buffer of the
    /// size the package states, and its CRC checked; other parts (stored,
    /// encrypted, very large) go through the `zip` crate's reader.
    fn part(&mut self, name: &str) -> Result<&[u8], String> {
        let name = &self.entry_name(name);
        let bytes = self.bytes;
        let entry = self
            .zip
            .by_name_raw(name.as_bytes())
            .map_err(|e| format!("the package has no part {name} ({e})"))?;
        self.limits
            .inflation_ok(name, entry.size(), entry.compressed_size())?;
        let one_shot = entry.compression() == zip::CompressionMethod::Deflated
            && !entry.encrypted()
            && entry.size() <= ONE_SHOT_MAX;
        let data = entry.data_start().and_then(|start| {
            let start = usize::try_from(start).ok()?;
            let len = usize::try_from(entry.compressed_size()).ok()?;
            bytes.get(start..start.checked_add(len)?)
        });
        if let (true, Some(data)) = (one_shot, data) {
            // Both fit in usize: size ≤ ONE_SHOT_MAX.
            let size = entry.size() as usize;
            let crc = entry.crc32();
            if self.buf.len() < size {
                self.buf.resize(size, 0);
            }
            let out = &mut self.buf[..size];
            let n = self.inflater.deflate_decompress(data, out).map_err(|e| {
                let why = match e {
                    libdeflater::DecompressionError::BadData => {
                        "its compressed data is damaged".to_string()
                    }
                    libdeflater::DecompressionError::InsufficientSpace => {
                        format!("it holds more than the {size} bytes the package states")
                    }
                };
                format!("part {name} cannot be read: {why}")
            })?;
            if n != size {
                return Err(format!(
                    "part {name} cannot be read: it holds {n} bytes, the package states {size}"
                ));
            }
            if libdeflater::crc32(&self.buf[..n]) != crc {
                return Err(format!(
                    "part {name} cannot be read: its checksum does not match (damaged data)"
                ));
            }
            return Ok(&self.buf[..n]);
        }
        drop(entry);
        self.buf.clear();
        let mut entry = self
            .zip
            .by_name(name)
            .map_err(|e| format!("the package has no part {name} ({e})"))?;
        // The size the package states, so the buffer does not grow by
        // doubling (and copying) through a large sheet; only a hint, capped
        // so a false size cannot reserve much.
        self.buf
            .reserve(usize::try_from(entry.size()).map_or(0, |n| n.min(PART_HINT_MAX)));
        // The stated size may lie: never more than the limit is read.
        let limit = self.limits.part_bytes();
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut self.buf)
            .map_err(|e| format!("part {name} cannot be read: {e}"))?;
        if self.buf.len() as u64 > limit {
            return Err(format!(
                "part {name} inflates past {} MiB (limits.part_mib); not read",
                self.limits.part_mib
            ));
        }
        Ok(&self.buf)
    }

    /// The shared strings by their relationship from the workbook
    /// `book_path` (`rels`: its relationships), else where Excel puts them
    /// (a package without the relationship lost every text cell).
    fn shared_strings(
        &mut self,
        book_path: &str,
        rels: &[(String, String, String)],
    ) -> Result<Vec<Arc<str>>, String> {
        let path = rels
            .iter()
            .find(|(_, t, _)| t.ends_with("/sharedStrings"))
            .map(|(_, _, path)| path.clone())
            .or_else(|| {
                let dir = book_path.rsplit_once('/').map_or("", |(d, _)| d);
                let beside = resolve(dir, "sharedStrings.xml");
                self.zip
                    .index_for_name(&self.entry_name(&beside))
                    .map(|_| beside)
            });
        match path {
            Some(path) => {
                let max = self.limits.shared_strings;
                shared_strings(self.part(&path)?, max)
            }
            None => Ok(Vec::new()),
        }
    }

    /// The package's name of part `name`: as given, else the entry whose
    /// name differs only in case or in `\` for `/` (some writers store
    /// `xl\worksheets\Sheet1.xml`); else `name`, for the error.
    fn entry_name(&self, name: &str) -> String {
        if self.zip.index_for_name(name).is_some() {
            return name.to_string();
        }
        let key = |n: &str| {
            n.trim_start_matches(['/', '\\'])
                .replace('\\', "/")
                .to_lowercase()
        };
        let wanted = key(name);
        self.zip
            .file_names()
            .filter_map(|n| n.ok())
            .find(|n| key(n) == wanted)
            .map_or_else(|| name.to_string(), |n| n.into_owned())
    }

    /// The relationships of a part: (id, type, resolved target).
    fn rels(&mut self, of: &str) -> Result<Vec<(String, String, String)>, String> {
        let (dir, file) = of.rsplit_once('/').unwrap_or(("", of));
        let path = if dir.is_empty() {
            format!("_rels/{file}.rels")
        } else {
            format!("{dir}/_rels/{file}.rels")
        };
        let xml = self.part(&path)?;
        Ok(start_tags(xml, b"Relationship")?
            .into_iter()
            .filter_map(|attrs| {
                let target = attr_text(attrs, b"Target")?;
                Some((
                    attr_text(attrs, b"Id").unwrap_or_default(),
                    attr_text(attrs, b"Type").unwrap_or_default(),
                    resolve(dir, &target),
                ))
            })
            .collect())
    }
}

/// The attributes of every start tag named `tag` in a small part (the
/// relationships, the workbook).
fn start_tags<'x>(xml: &'x [u8], tag: &[u8]) -> Result<Vec<&'x [u8]>, String> {
    let mut scan = Scanner::new(xml);
    let mut out = Vec::new();
    while let Some(token) = scan.next()? {
        if let Token::Start { name, attrs, .. } = token {
            if name == tag {
                out.push(attrs);
            }
        }
    }
    Ok(out)
}

/// An attribute's value with references resolved (`&amp;` in a sheet name).
fn attr_text(attrs: &[u8], key: &[u8]) -> Option<String> {
    let mut out = Vec::new();
    push_text(attr(attrs, key)?, &mut out);
    String::from_utf8(out).ok()
}

/// A relationship target relative to the folder `dir` of its source part.
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Reads every worksheet of an `.xlsx` package. A sheet whose XML is
/// broken becomes that sheet's error; the others are read.
pub(super) fn read(bytes: &[u8], display: &str, limits: &Limits) -> Result<FileContent, NotRead> {
    let fail = NotRead;
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(e.to_string()))?;
    if let Some(pair) = super::xml::overlapping_entries(&zip) {
        return Err(fail(super::xml::overlap_refused(pair)));
    }
    let mut pkg = Package {
        bytes,
        zip,
        buf: Vec::new(),
        inflater: libdeflater::Decompressor::new(),
        limits,
    };
    let book_path = pkg
        .rels("")
        .map_err(fail)?
        .into_iter()
        .find(|(_, t, _)| t.ends_with("/officeDocument"))
        .map(|(_, _, target)| target)
        .ok_or_else(|| NotRead("no workbook part".to_string()))?;
    // The sheets in workbook order: (name, relationship id).
    let book: Vec<(String, Option<String>)> = {
        let xml = pkg.part(&book_path).map_err(fail)?;
        start_tags(xml, b"sheet")
            .map_err(fail)?
            .into_iter()
            .map(|attrs| {
                (
                    attr_text(attrs, b"name").unwrap_or_default(),
                    attr_text(attrs, b"id"),
                )
            })
            .collect()
    };
    let rels = pkg.rels(&book_path).map_err(fail)?;
    let shared = pkg.shared_strings(&book_path, &rels).map_err(fail)?;
    let mut content = FileContent {
        reader: "jixiao's own .xlsx reader".to_string(),
        ..FileContent::default()
    };
    let rels: HashMap<&str, (&str, &str)> = rels
        .iter()
        .map(|(id, kind, path)| (id.as_str(), (kind.as_str(), path.as_str())))
        .collect();
    let listed = book.len();
    let mut missing = Vec::new();
    for (sheet, id) in book.into_iter().take(limits.sheets) {
        let rel = id.and_then(|id| rels.get(id.as_str()).copied());
        let Some((kind, path)) = rel else {
            missing.push(sheet);
            continue;
        };
        if !kind.ends_with("/worksheet") {
            continue; // a chart sheet or dialog sheet: no cells
        }
        let parsed = pkg
            .part(path)
            .and_then(|xml| read_sheet(xml, &shared, limits));
        content.push_sheet(display, sheet, parsed);
    }
    missing_sheets(&mut content, missing);
    content.too_many_sheets(listed, limits.sheets);
    Ok(content)
}

/// Sheets the workbook lists but the package does not hold: one error
/// each, or one for them all when there are more than three (a damaged
/// or hostile workbook may list a thousand).
fn missing_sheets(content: &mut FileContent, missing: Vec<String>) {
    const WHY: &str = "the workbook lists this sheet but the package does not hold it";
    if missing.len() <= 3 {
        for sheet in missing {
            let reason = WHY.to_string();
            content
                .sheet_errors
                .push(ReadError::Sheet { sheet, reason });
        }
        return;
    }
    let (n, first) = (missing.len(), &missing[0]);
    content.sheet_errors.push(ReadError::Sheet {
        sheet: format!("{first} and {} more", n - 1),
        reason: format!(
            "the workbook lists {n} sheets that the package does not hold ({}, …)",
            missing[..3].join(", ")
        ),
    });
}

/// A cell's `t` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellType {
    Number,
    Shared,
    Inline,
    /// A formula's cached text (`str`) or an ISO date (`d`).
    Text,
    Bool,
    Error,
}

impl CellType {
    fn of(t: Option<&[u8]>) -> CellType {
        match t {
            Some(b"s") => CellType::Shared,
            Some(b"inlineStr") => CellType::Inline,
            Some(b"str") | Some(b"d") => CellType::Text,
            Some(b"b") => CellType::Bool,
            Some(b"e") => CellType::Error,
            _ => CellType::Number,
        }
    }
}

/// The shared-string table: the text of each `<si>`, runs joined, phonetic
/// guides (`<rPh>`) left out.
fn shared_strings(xml: &[u8], max: usize) -> Result<Vec<Arc<str>>, String> {
    let mut scan = Scanner::new(xml);
    let mut out: Vec<Arc<str>> = Vec::new();
    let mut current = Vec::new();
    let (mut in_t, mut phonetic) = (false, 0u32);
    while let Some(token) = scan.next()? {
        if out.len() > max {
            return Err(format!(
                "more than {max} shared strings (limits.shared_strings); not read"
            ));
        }
        match token {
            Token::Start { name, empty, .. } => match name {
                b"si" if empty => out.push(Arc::from("")),
                b"si" => current.clear(),
                b"t" if !empty => in_t = phonetic == 0,
                b"rPh" if !empty => phonetic += 1,
                _ => {}
            },
            Token::End(name) => match name {
                b"si" => {
                    let text = std::str::from_utf8(&current)
                        .map_err(|_| format!("shared string {} is not UTF-8", out.len()))?;
                    out.push(Arc::from(decode_escapes(text)));
                }
                b"t" => in_t = false,
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Token::Text(raw) if in_t => push_text(raw, &mut current),
            Token::CData(raw) if in_t => current.extend_from_slice(raw),
            _ => {}
        }
    }
    Ok(out)
}

/// Decodes OOXML's `_xHHHH_` escapes (`_x000D_` is a carriage return).
fn decode_escapes(s: &str) -> Cow<'_, str> {
    if !s.contains("_x") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("_x") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let decoded = after
            .get(..5)
            .filter(|h| h.ends_with('_'))
            .and_then(|h| u32::from_str_radix(&h[..4], 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[5..];
            }
            None => {
                out.push_str("_x");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One sheet's cells and merged ranges, in one pass over its XML.
fn read_sheet(xml: &[u8], shared: &[Arc<str>], limits: &Limits) -> Result<SheetData, String> {
    if xml.starts_with(&[0xFF, 0xFE]) || xml.starts_with(&[0xFE, 0xFF]) {
        return Err("the sheet XML is UTF-16, not UTF-8".to_string());
    }
    let mut scan = Scanner::new(xml);
    let mut sheet = SheetState {
        max_cells: limits.cells_per_sheet,
        max_merges: limits.merges_per_sheet,
        ..SheetState::default()
    };
    while let Some(item) = scan.next_item()? {
        match item {
            SheetItem::Cell { r, t, value } => {
                sheet.place(r);
                if let Some(raw) = value {
                    sheet.value.clear();
                    push_text(raw, &mut sheet.value);
                    sheet.end_cell(CellType::of(t), shared)?;
                }
            }
            SheetItem::Open { r, t } => {
                sheet.has_is = false;
                sheet.place(r);
                sheet.kind = CellType::of(t);
                sheet.value.clear();
            }
            SheetItem::Row(r) => start_row(r, &mut sheet.row, &mut sheet.col, &mut sheet.first_row),
            SheetItem::Other(token) => sheet.token(token, shared)?,
        }
    }
    Ok((sheet.cells, sheet.merges))
}

/// The state of a sheet being read: where the next cell goes, the cell
/// being read (place, type, text), and what was read so far.
struct SheetState {
    /// The budgets of [`Limits`].
    max_cells: usize,
    max_merges: usize,
    cells: Vec<(Pos, CellValue)>,
    merges: Vec<CellRange>,
    /// Where the next cell without an `r` goes.
    row: u32,
    col: u32,
    first_row: bool,
    pos: Pos,
    kind: CellType,
    value: Vec<u8>,
    /// Inside `<v>`, `<is>`, `<t>`, and how deep in phonetic runs.
    in_v: bool,
    in_is: bool,
    /// The open cell holds an inline string (`<is>`): its text is the
    /// cell's, any `<v>` beside it is not.
    has_is: bool,
    in_t: bool,
    phonetic: u32,
}

impl Default for SheetState {
    fn default() -> Self {
        let limits = Limits::default();
        SheetState {
            max_cells: limits.cells_per_sheet,
            max_merges: limits.merges_per_sheet,
            cells: Vec::new(),
            merges: Vec::new(),
            row: 0,
            col: 0,
            first_row: true,
            pos: Pos::new(0, 0),
            kind: CellType::Number,
            value: Vec::new(),
            in_v: false,
            in_is: false,
            has_is: false,
            in_t: false,
            phonetic: 0,
        }
    }
}

impl SheetState {
    /// Places the cell starting now: at its `r`, else after the last one.
    fn place(&mut self, r: Option<&[u8]>) {
        self.pos = r
            .and_then(Pos::parse_a1_bytes)
            .unwrap_or(Pos::new(self.row, self.col));
        self.col = self.pos.col + 1;
    }

    /// Ends the cell: keeps its value, if it has one (within
    /// [`Limits::cells_per_sheet`]), and clears the text read for it.
    fn end_cell(&mut self, kind: CellType, shared: &[Arc<str>]) -> Result<(), String> {
        if let Some(v) = cell_value(kind, &self.value, shared, self.pos)? {
            if self.cells.len() == self.max_cells {
                return Err(format!(
                    "more than {} cells with a value (limits.cells_per_sheet); not read",
                    self.max_cells
                ));
            }
            self.cells.push((self.pos, v));
        }
        self.value.clear();
        Ok(())
    }

    /// A token of a cell written token by token, or of the rest of the
    /// sheet (merged ranges).
    fn token(&mut self, token: Token<'_>, shared: &[Arc<str>]) -> Result<(), String> {
        match token {
            Token::Start { name, attrs, empty } => match name {
                b"v" if !empty => self.in_v = true,
                b"is" if !empty => {
                    self.in_is = true;
                    if !self.has_is {
                        self.has_is = true;
                        self.value.clear();
                    }
                }
                b"t" if self.in_is && !empty => self.in_t = self.phonetic == 0,
                b"rPh" if !empty => self.phonetic += 1,
                b"mergeCell" => {
                    self.merges.extend(merge_range(attrs));
                    if self.merges.len() > self.max_merges {
                        return Err(format!(
                            "more than {} merged ranges (limits.merges_per_sheet); not read",
                            self.max_merges
                        ));
                    }
                }
                _ => {}
            },
            Token::End(name) => match name {
                b"v" => self.in_v = false,
                b"c" => self.end_cell(self.kind, shared)?,
                b"is" => self.in_is = false,
                b"t" => self.in_t = false,
                b"rPh" => self.phonetic = self.phonetic.saturating_sub(1),
                _ => {}
            },
            Token::Text(raw) if (self.in_v && !self.has_is) || self.in_t => {
                push_text(raw, &mut self.value)
            }
            Token::CData(raw) if (self.in_v && !self.has_is) || self.in_t => {
                self.value.extend_from_slice(raw)
            }
            _ => {}
        }
        Ok(())
    }
}

/// A `<mergeCell ref="A1:B2"/>`'s range.
fn merge_range(attrs: &[u8]) -> Option<CellRange> {
    let r = attr(attrs, b"ref")?;
    let colon = r.iter().position(|b| *b == b':')?;
    Some(CellRange::new(
        Pos::parse_a1_bytes(&r[..colon])?,
        Pos::parse_a1_bytes(&r[colon + 1..])?,
    ))
}

/// Starts a row: `r` its number as written (`12`); without one, the row
/// after the last (the first row: row 1).
fn start_row(r: Option<&[u8]>, row: &mut u32, col: &mut u32, first_row: &mut bool) {
    *row = match r.and_then(parse_u32) {
        Some(r) if r > 0 => r - 1,
        _ if *first_row => 0,
        _ => *row + 1,
    };
    *first_row = false;
    *col = 0;
}

/// A row number (`r="12"`).
fn parse_u32(digits: &[u8]) -> Option<u32> {
    let digits = digits.trim_ascii();
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// A cell's value from its type and text; text that is not UTF-8 makes the
/// sheet unreadable.
fn cell_value(
    kind: CellType,
    text: &[u8],
    shared: &[Arc<str>],
    pos: Pos,
) -> Result<Option<CellValue>, String> {
    fn utf8(text: &[u8], pos: Pos) -> Result<&str, String> {
        std::str::from_utf8(text).map_err(|_| format!("the text of cell {pos} is not UTF-8"))
    }
    Ok(Some(match kind {
        CellType::Shared => {
            let Some(s) = parse_u32(text).and_then(|i| shared.get(i as usize)) else {
                return Ok(None);
            };
            CellValue::Text(Arc::clone(s))
        }
        CellType::Inline | CellType::Text => {
            CellValue::Text(decode_escapes(utf8(text, pos)?).into())
        }
        CellType::Bool => CellValue::Bool(text.trim_ascii() == b"1"),
        CellType::Error => CellValue::Error(utf8(text, pos)?.to_string()),
        CellType::Number if text.trim_ascii().is_empty() => return Ok(None),
        CellType::Number => {
            let parsed = std::str::from_utf8(text.trim_ascii())
                .ok()
                .and_then(|t| t.parse::<f64>().ok());
            match parsed {
                Some(n) => CellValue::Number(n),
                None => CellValue::Text(utf8(text, pos)?.into()),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet_cells(xml: &[u8], shared: &[Arc<str>]) -> Result<SheetData, String> {
        read_sheet(xml, shared, &Limits::default())
    }

    /// A package of two sheets as rust_xlsxwriter writes it (parts
    /// deflated): "一" with 甲 in A1, "二" with 2 in B2.
    fn two_sheets() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .set_name("一")
            .unwrap()
            .write_string(0, 0, "甲")
            .unwrap();
        book.add_worksheet()
            .set_name("二")
            .unwrap()
            .write_number(1, 1, 2)
            .unwrap();
        book.save_to_buffer().unwrap()
    }

    /// Where part `name`'s compressed bytes lie in `package`.
    fn data_of(package: &[u8], name: &str) -> std::ops::Range<usize> {
        let mut zip = zip::ZipArchive::new(Cursor::new(package)).unwrap();
        let entry = zip.by_name_raw(name.as_bytes()).unwrap();
        let start = entry.data_start().unwrap() as usize;
        start..start + entry.compressed_size() as usize
    }

    /// (sheet, A1, text) of every cell read.
    fn cells(content: &FileContent) -> Vec<(String, String, String)> {
        content
            .grids
            .iter()
            .flat_map(|g| {
                g.cells()
                    .map(|(p, v)| (g.sheet.to_string(), p.a1(), v.text().into_owned()))
            })
            .collect()
    }

    /// `package` rewritten (stored) with each part renamed by `rename` and
    /// its text edited by `edit`.
    fn rewritten(
        package: &[u8],
        rename: impl Fn(&str) -> String,
        edit: impl Fn(&str, String) -> String,
    ) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipArchive::new(Cursor::new(package)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            out.start_file(rename(&name), stored).unwrap();
            out.write_all(edit(&name, text).as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn parts_named_in_another_case_or_with_backslashes_are_found() {
        let package = rewritten(
            &two_sheets(),
            |n| match n {
                "xl/worksheets/sheet1.xml" => "xl\\worksheets\\Sheet1.xml".to_string(),
                "xl/worksheets/sheet2.xml" => "XL/Worksheets/SHEET2.XML".to_string(),
                other => other.to_string(),
            },
            |_, text| text,
        );
        let content = read(&package, "t.xlsx", &Limits::default()).unwrap();
        assert!(
            content.sheet_errors.is_empty(),
            "{:?}",
            content.sheet_errors
        );
        assert_eq!(cells(&content).len(), 2);
    }

    #[test]
    fn shared_strings_without_their_relationship_are_still_read() {
        // Every text cell was lost.
        let package = rewritten(
            &two_sheets(),
            |n| n.to_string(),
            |name, text| match name {
                "xl/_rels/workbook.xml.rels" => {
                    // The one <Relationship …/> of the shared strings, cut out.
                    let at = text.find("sharedStrings").unwrap();
                    let start = text[..at].rfind("<Relationship ").unwrap();
                    let end = at + text[at..].find("/>").unwrap() + 2;
                    format!("{}{}", &text[..start], &text[end..])
                }
                _ => text,
            },
        );
        let content = read(&package, "t.xlsx", &Limits::default()).unwrap();
        assert!(
            cells(&content).iter().any(|(_, _, t)| t == "甲"),
            "{:?}",
            cells(&content)
        );
    }

    #[test]
    fn deflated_parts_are_read_whole() {
        let content = read(&two_sheets(), "t.xlsx", &Limits::default()).unwrap();
        assert!(content.sheet_errors.is_empty());
        assert_eq!(
            cells(&content),
            [("一", "A1", "甲"), ("二", "B2", "2")].map(|(s, c, t)| (
                s.to_string(),
                c.to_string(),
                t.to_string()
            ))
        );
    }

    #[test]
    fn stored_parts_are_read_like_deflated_ones() {
        // The same parts, stored without compression (as some writers do):
        // they go through the zip crate's reader.
        use std::io::Write;
        let deflated = two_sheets();
        let mut zip = zip::ZipArchive::new(Cursor::new(&deflated[..])).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            out.start_file(entry.name().unwrap(), stored).unwrap();
            out.write_all(&data).unwrap();
        }
        let stored = out.finish().unwrap().into_inner();
        assert_eq!(
            cells(&read(&stored, "s.xlsx", &Limits::default()).unwrap()),
            cells(&read(&deflated, "t.xlsx", &Limits::default()).unwrap())
        );
    }

    #[test]
    fn a_damaged_sheet_part_is_that_sheets_error_and_the_others_are_read() {
        let mut package = two_sheets();
        let range = data_of(&package, "xl/worksheets/sheet2.xml");
        for b in &mut package[range] {
            *b ^= 0x5a;
        }
        let content = read(&package, "t.xlsx", &Limits::default()).unwrap();
        assert_eq!(
            cells(&content),
            [("一", "A1", "甲")].map(|(s, c, t)| (s.to_string(), c.to_string(), t.to_string()))
        );
        let errors: Vec<String> = content.sheet_errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with(
                "sheet '二' cannot be read: part xl/worksheets/sheet2.xml cannot be read"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn a_sheet_part_whose_checksum_does_not_match_is_an_error() {
        // The CRC-32 the central directory states for sheet1 is changed:
        // the part inflates, but its bytes are not the ones stored.
        let mut package = two_sheets();
        let name = b"xl/worksheets/sheet1.xml";
        let at = package
            .windows(name.len())
            .enumerate()
            .filter(|(i, w)| *w == name && *i >= 46 && package[i - 46..i - 42] == *b"PK\x01\x02")
            .map(|(i, _)| i - 46)
            .next()
            .expect("sheet1 in the central directory");
        package[at + 16] ^= 0xff;
        let content = read(&package, "t.xlsx", &Limits::default()).unwrap();
        let errors: Vec<String> = content.sheet_errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errors,
            ["sheet '一' cannot be read: part xl/worksheets/sheet1.xml cannot be read: its checksum does not match (damaged data)"]
        );
        assert_eq!(content.grids.len(), 1);
    }

    #[test]
    fn targets_resolve_against_their_folder() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve("xl", "/xl/worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(
            resolve("xl/sub", "../sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }

    #[test]
    fn more_shared_strings_than_the_budget_are_refused() {
        let xml = b"<sst><si/><si/><si><t>x</t></si></sst>";
        assert_eq!(shared_strings(xml, 3).unwrap().len(), 3);
        let e = shared_strings(xml, 2).unwrap_err();
        assert!(e.contains("limits.shared_strings"), "{e}");
    }

    #[test]
    fn shared_strings_join_runs_and_skip_phonetics() {
        let xml = r#"<sst xmlns="x"><si><t>A &amp; B</t></si><si><r><t>项目</t></r><r><rPr/><t xml:space="preserve">编码 </t></r><rPh sb="0" eb="1"><t>xiang</t></rPh></si><si/><si><t>a_x000D_b</t></si></sst>"#;
        assert_eq!(
            shared_strings(xml.as_bytes(), usize::MAX).unwrap(),
            ["A & B", "项目编码 ", "", "a\rb"].map(Arc::<str>::from)
        );
    }

    #[test]
    fn cells_of_every_type_and_merges_in_one_pass() {
        let xml = r#"<worksheet><sheetData>
            <row r="2"><c r="B2" t="s"><v>1</v></c><c t="n"><v>20.5</v></c><c r="E2" s="3"/></row>
            <row><c t="inlineStr"><is><t>内联</t></is></c><c t="str"><f>A1</f><v>公式</v></c><c t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c></row>
            </sheetData><mergeCells count="1"><mergeCell ref="B2:C3"/></mergeCells></worksheet>"#;
        let shared: Vec<Arc<str>> = vec!["甲".into(), "乙".into()];
        let (cells, merges) = sheet_cells(xml.as_bytes(), &shared).unwrap();
        let at = |a1: &str| {
            let p = Pos::parse_a1(a1).unwrap();
            cells.iter().find(|(q, _)| *q == p).map(|(_, v)| v.clone())
        };
        assert_eq!(at("B2"), Some(CellValue::Text("乙".into())));
        assert_eq!(at("C2"), Some(CellValue::Number(20.5)));
        assert_eq!(at("E2"), None, "a styled empty cell is no cell");
        assert_eq!(at("A3"), Some(CellValue::Text("内联".into())));
        assert_eq!(at("B3"), Some(CellValue::Text("公式".into())));
        assert_eq!(at("C3"), Some(CellValue::Bool(true)));
        assert_eq!(at("D3"), Some(CellValue::Error("#DIV/0!".into())));
        assert_eq!(cells.len(), 6);
        assert_eq!(
            merges,
            [CellRange::new(
                Pos::parse_a1("B2").unwrap(),
                Pos::parse_a1("C3").unwrap()
            )]
        );
        assert!(sheet_cells(b"<worksheet><sheetData><row></worksheet>", &shared).is_err());
    }

    #[test]
    fn an_inline_string_cell_with_a_value_beside_it_reads_its_string_once() {
        // Both texts were read into the cell (`旧新`).
        for cell in [
            r#"<c r="A1" t="inlineStr"><v>旧</v><is><t>新</t></is></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t>新</t></is><v>旧</v></c>"#,
        ] {
            let xml =
                format!("<worksheet><sheetData><row r=\"1\">{cell}</row></sheetData></worksheet>");
            let (cells, _) = sheet_cells(xml.as_bytes(), &[]).unwrap();
            assert_eq!(
                cells,
                [(Pos::new(0, 0), CellValue::Text("新".into()))],
                "{cell}"
            );
        }
    }

    #[test]
    fn plain_and_other_ways_of_writing_a_value_read_the_same() {
        let shared: Vec<Arc<str>> = vec!["甲".into()];
        let sheet = |cells: &str| {
            format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
        };
        let expected = vec![
            (Pos::new(0, 0), CellValue::Text("甲".into())),
            (Pos::new(0, 1), CellValue::Text("a&b\nc".into())),
            (Pos::new(0, 2), CellValue::Number(85100.0)),
        ];
        for cells in [
            // The plain form, read in one step.
            r#"<c r="A1" t="s"><v>0</v></c><c r="B1" t="str"><v>a&amp;b&#10;c</v></c><c r="C1"><v>85100</v></c><c r="D1"><v></v></c>"#,
            // Prefixed, spaced, CDATA: read token by token.
            r#"<x:c r="A1" t="s"><x:v>0</x:v></x:c><c r="B1" t="str"> <v>a&amp;b&#10;c</v> </c><c r="C1"><v><![CDATA[85100]]></v></c><c r="D1"><v></v> </c>"#,
        ] {
            let (got, _) = sheet_cells(sheet(cells).as_bytes(), &shared).unwrap();
            assert_eq!(got, expected, "{cells}");
        }
        // Cells without `r` follow the one before them, also after a cell
        // without a value, read whole or token by token.
        for cells in [
            r#"<c r="B1" s="2"/><c t="s"><v>0</v></c><c><v>2</v></c>"#,
            r#"<c r="B1" s="2" /><c  t="s"><v>0</v></c><c ><v>2</v></c>"#,
        ] {
            let (got, _) = sheet_cells(sheet(cells).as_bytes(), &shared).unwrap();
            assert_eq!(
                got,
                [
                    (Pos::new(0, 2), CellValue::Text("甲".into())),
                    (Pos::new(0, 3), CellValue::Number(2.0))
                ],
                "{cells}"
            );
        }
        // Rows written the common way (Excel's prefixed attributes among
        // them) and any other way number their cells alike.
        let rows = |tags: [&str; 3]| {
            format!(
                "<worksheet><sheetData>{}<c r=\"A3\"><v>1</v></c></row>{}{}<c><v>2</v></c></row><rowBreaks/></sheetData></worksheet>",
                tags[0], tags[1], tags[2]
            )
        };
        for tags in [
            [
                r#"<row r="3" spans="1:2" x14ac:dyDescent="0.25">"#,
                r#"<row r="4"/>"#,
                "<row>",
            ],
            [r#"<row  r="3">"#, r#"<row r='4' />"#, "<row >"],
        ] {
            let (got, _) = sheet_cells(rows(tags).as_bytes(), &shared).unwrap();
            assert_eq!(
                got,
                [
                    (Pos::new(2, 0), CellValue::Number(1.0)),
                    (Pos::new(4, 0), CellValue::Number(2.0))
                ],
                "{tags:?}"
            );
        }
        assert!(sheet_cells(
            r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></sheetData></worksheet>"#
                .as_bytes(),
            &shared
        )
        .is_err());
        // Other elements starting with `c` are not cells.
        let (got, _) = sheet_cells(
            sheet(r#"<cx r="A1"><v>1</v></cx><c r="B1"><v>1</v></c>"#).as_bytes(),
            &shared,
        )
        .unwrap();
        assert_eq!(got, [(Pos::new(0, 1), CellValue::Number(1.0))]);
        // A plain-looking cell that is not closed is still an error.
        assert!(sheet_cells(sheet(r#"<c r="A1"><v>1</v></row>"#).as_bytes(), &shared).is_err());
    }
}
