//! `.xlsx` / `.xlsm` read directly from the package: one pass over each
//! sheet's XML gives its cells and its merged ranges (calamine would parse
//! the sheet twice for both, and decode number formats jixiao never uses).
//!
//! Only what a form needs is read: shared strings (phonetic runs left out,
//! `_x000D_` escapes decoded), inline strings, cached formula results,
//! numbers, booleans and errors. A package this reader does not understand
//! (no workbook part where the relationships say) is handed back, and the
//! caller reads it with calamine instead.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml;
use super::{FileContent, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

/// Why the package could not be read here.
#[derive(Debug)]
pub(super) struct NotRead(#[allow(dead_code)] pub String);

/// The ZIP package and a reusable buffer for its parts.
struct Package<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    buf: Vec<u8>,
}

impl Package<'_> {
    /// The bytes of one part (`xl/workbook.xml`).
    fn part(&mut self, name: &str) -> Result<&[u8], String> {
        self.buf.clear();
        let mut entry = self
            .zip
            .by_name(name)
            .map_err(|e| format!("the package has no part {name} ({e})"))?;
        entry
            .read_to_end(&mut self.buf)
            .map_err(|e| format!("part {name} cannot be read: {e}"))?;
        Ok(&self.buf)
    }

    fn text(&mut self, name: &str) -> Result<String, String> {
        let bytes = self.part(name)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("part {name} is not UTF-8"))
    }

    /// The relationships of a part: (id, type, resolved target).
    fn rels(&mut self, of: &str) -> Result<Vec<(String, String, String)>, String> {
        let (dir, file) = of.rsplit_once('/').unwrap_or(("", of));
        let path = if dir.is_empty() {
            format!("_rels/{file}.rels")
        } else {
            format!("{dir}/_rels/{file}.rels")
        };
        let nodes = xml::parse(&self.text(&path)?)?;
        Ok(nodes
            .iter()
            .filter_map(|n| {
                let target = n.attr("Target")?;
                Some((
                    n.attr("Id").unwrap_or_default().to_string(),
                    n.attr("Type").unwrap_or_default().to_string(),
                    resolve(dir, target),
                ))
            })
            .collect())
    }
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
pub(super) fn read(bytes: &[u8], display: &str) -> Result<FileContent, NotRead> {
    let fail = NotRead;
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(e.to_string()))?;
    let mut pkg = Package {
        zip,
        buf: Vec::new(),
    };
    let book_path = pkg
        .rels("")
        .map_err(fail)?
        .into_iter()
        .find(|(_, t, _)| t.ends_with("/officeDocument"))
        .map(|(_, _, target)| target)
        .ok_or_else(|| NotRead("no workbook part".to_string()))?;
    let book = xml::parse(&pkg.text(&book_path).map_err(fail)?).map_err(fail)?;
    let rels = pkg.rels(&book_path).map_err(fail)?;
    let shared = match rels.iter().find(|(_, t, _)| t.ends_with("/sharedStrings")) {
        Some((_, _, path)) => {
            let path = path.clone();
            shared_strings(pkg.part(&path).map_err(fail)?).map_err(fail)?
        }
        None => Vec::new(),
    };
    let mut content = FileContent::default();
    for node in &book {
        let xml::Node::Open { name, .. } = node else {
            continue;
        };
        if name != "sheet" {
            continue;
        }
        let sheet = node.attr("name").unwrap_or_default().to_string();
        let rel = node
            .attr("id")
            .and_then(|id| rels.iter().find(|(rid, _, _)| rid == id));
        let Some((_, kind, path)) = rel else {
            content.sheet_errors.push(ReadError::Sheet {
                sheet,
                reason: "the workbook lists this sheet but the package does not hold it"
                    .to_string(),
            });
            continue;
        };
        if !kind.ends_with("/worksheet") {
            continue; // a chart sheet or dialog sheet: no cells
        }
        let parsed = pkg.part(path).and_then(|xml| sheet_cells(xml, &shared));
        match parsed {
            Ok((cells, merges)) => content
                .grids
                .push(Grid::new(display, &sheet, cells, merges)),
            Err(reason) => content
                .sheet_errors
                .push(ReadError::Sheet { sheet, reason }),
        }
    }
    Ok(content)
}

/// The raw value of an attribute by local name (for ASCII values such as
/// `r="B2"`, `t="s"`: no entity can occur in them), found by scanning the
/// tag's text for `key="`: this runs for every cell.
fn attr<'b>(e: &'b BytesStart<'_>, key: &str) -> Option<&'b str> {
    let tag: &str = e;
    let bytes = tag.as_bytes();
    let mut from = 0;
    while let Some(i) = tag[from..].find(key) {
        let at = from + i;
        let mut end = at + key.len();
        from = end;
        if at == 0 || !(bytes[at - 1].is_ascii_whitespace() || bytes[at - 1] == b':') {
            continue;
        }
        let skip = |mut j: usize| {
            while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            j
        };
        end = skip(end);
        if bytes.get(end) != Some(&b'=') {
            continue;
        }
        end = skip(end + 1);
        let Some(&quote) = bytes.get(end).filter(|q| **q == b'"' || **q == b'\'') else {
            continue;
        };
        let body = &tag[end + 1..];
        return body.find(quote as char).map(|j| &body[..j]);
    }
    None
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
    fn of(t: Option<&str>) -> CellType {
        match t {
            Some("s") => CellType::Shared,
            Some("inlineStr") => CellType::Inline,
            Some("str") | Some("d") => CellType::Text,
            Some("b") => CellType::Bool,
            Some("e") => CellType::Error,
            _ => CellType::Number,
        }
    }
}

/// Appends the text of a text event or an entity reference to `out`.
fn push_text(event: &Event<'_>, out: &mut String) {
    match event {
        Event::Text(t) => out.push_str(&t.xml10_content()),
        Event::CData(t) => out.push_str(t),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => out.push_str(match &**r {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                _ => "",
            }),
        },
        _ => {}
    }
}

fn malformed(reader: &Reader<&[u8]>, e: impl std::fmt::Display) -> String {
    format!(
        "malformed sheet XML at byte {}: {e}",
        reader.buffer_position()
    )
}

/// The shared-string table: the text of each `<si>`, runs joined, phonetic
/// guides (`<rPh>`) left out.
fn shared_strings(xml: &[u8]) -> Result<Vec<String>, String> {
    let xml = std::str::from_utf8(xml).map_err(|e| format!("shared strings are not UTF-8: {e}"))?;
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut in_t, mut phonetic) = (false, 0u32);
    loop {
        let event = reader.read_event().map_err(|e| malformed(&reader, e))?;
        match &event {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current.clear(),
                "t" => in_t = phonetic == 0,
                "rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => out.push(decode_escapes(std::mem::take(&mut current))),
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            other if in_t => push_text(other, &mut current),
            _ => {}
        }
    }
    Ok(out)
}

/// Decodes OOXML's `_xHHHH_` escapes (`_x000D_` is a carriage return).
fn decode_escapes(s: String) -> String {
    if !s.contains("_x") {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
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
    out
}

type SheetData = (Vec<(Pos, CellValue)>, Vec<CellRange>);

/// One sheet's cells and merged ranges, in one pass over its XML.
fn sheet_cells(xml: &[u8], shared: &[String]) -> Result<SheetData, String> {
    let xml = std::str::from_utf8(xml).map_err(|e| format!("the sheet XML is not UTF-8: {e}"))?;
    let mut reader = Reader::from_str(xml);
    let mut cells = Vec::new();
    let mut merges = Vec::new();
    // Where the next cell without an `r` goes.
    let (mut row, mut col) = (0u32, 0u32);
    let mut first_row = true;
    // The cell being read: its place, type and text.
    let mut pos = Pos::new(0, 0);
    let mut kind = CellType::Number;
    let mut value = String::new();
    let (mut in_v, mut in_is, mut in_t, mut phonetic) = (false, false, false, 0u32);
    loop {
        let event = reader.read_event().map_err(|e| malformed(&reader, e))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "row" => {
                        row = match attr(e, "r").and_then(|r| r.parse::<u32>().ok()) {
                            Some(r) if r > 0 => r - 1,
                            _ if first_row => 0,
                            _ => row + 1,
                        };
                        first_row = false;
                        col = 0;
                    }
                    "c" => {
                        pos = attr(e, "r")
                            .and_then(|r| Pos::parse_a1(&r))
                            .unwrap_or(Pos::new(row, col));
                        col = pos.col + 1;
                        kind = CellType::of(attr(e, "t"));
                        value.clear();
                    }
                    "v" if !empty => in_v = true,
                    "is" if !empty => in_is = true,
                    "t" if in_is && !empty => in_t = phonetic == 0,
                    "rPh" if !empty => phonetic += 1,
                    "mergeCell" => {
                        let range = attr(e, "ref").and_then(|r| {
                            let (a, b) = r.split_once(':')?;
                            Some(CellRange::new(Pos::parse_a1(a)?, Pos::parse_a1(b)?))
                        });
                        merges.extend(range);
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "v" => in_v = false,
                "is" => in_is = false,
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "c" => {
                    if let Some(v) = cell_value(kind, &mut value, shared) {
                        cells.push((pos, v));
                    }
                    value.clear();
                }
                _ => {}
            },
            Event::Eof => break,
            other if in_v || in_t => push_text(other, &mut value),
            _ => {}
        }
    }
    Ok((cells, merges))
}

/// A cell's value from its type and text.
fn cell_value(kind: CellType, text: &mut String, shared: &[String]) -> Option<CellValue> {
    Some(match kind {
        CellType::Shared => {
            let i: usize = text.trim().parse().ok()?;
            CellValue::Text(shared.get(i)?.clone())
        }
        CellType::Inline | CellType::Text => CellValue::Text(decode_escapes(std::mem::take(text))),
        CellType::Bool => CellValue::Bool(text.trim() == "1"),
        CellType::Error => CellValue::Error(std::mem::take(text)),
        CellType::Number if text.trim().is_empty() => return None,
        CellType::Number => match text.trim().parse::<f64>() {
            Ok(n) => CellValue::Number(n),
            Err(_) => CellValue::Text(std::mem::take(text)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_by_local_name() {
        let xml = r#"<c r="B2" s="3" x:t='s' rt="no"/>"#;
        let mut reader = Reader::from_str(xml);
        let Ok(Event::Empty(e)) = reader.read_event() else {
            panic!("an empty element")
        };
        assert_eq!(attr(&e, "r"), Some("B2"));
        assert_eq!(attr(&e, "t"), Some("s"));
        assert_eq!(attr(&e, "s"), Some("3"));
        assert_eq!(attr(&e, "rt"), Some("no"));
        assert_eq!(attr(&e, "x"), None);
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
    fn shared_strings_join_runs_and_skip_phonetics() {
        let xml = r#"<sst xmlns="x"><si><t>A &amp; B</t></si><si><r><t>项目</t></r><r><rPr/><t xml:space="preserve">编码 </t></r><rPh sb="0" eb="1"><t>xiang</t></rPh></si><si/><si><t>a_x000D_b</t></si></sst>"#;
        assert_eq!(
            shared_strings(xml.as_bytes()).unwrap(),
            ["A & B", "项目编码 ", "", "a\rb"]
        );
    }

    #[test]
    fn cells_of_every_type_and_merges_in_one_pass() {
        let xml = r#"<worksheet><sheetData>
            <row r="2"><c r="B2" t="s"><v>1</v></c><c t="n"><v>20.5</v></c><c r="E2" s="3"/></row>
            <row><c t="inlineStr"><is><t>内联</t></is></c><c t="str"><f>A1</f><v>公式</v></c><c t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c></row>
            </sheetData><mergeCells count="1"><mergeCell ref="B2:C3"/></mergeCells></worksheet>"#;
        let shared = vec!["甲".to_string(), "乙".to_string()];
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
}
