//! A small workbook of text and number sheets written straight as an
//! `.xlsx` package (the feedback workbooks: a unit's findings to send
//! back). A few parts, inline strings, a frozen header, filters and column
//! widths — no shared-string table, no theme — so thousands of units'
//! workbooks cost little. The creation date is the run's, so the same run
//! gives the same bytes.

use std::borrow::Cow;

use super::package::Package;

/// A cell's value (text borrowed from the figures it shows where it can
/// be).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

/// How a cell looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Plain text, wrapped, thin border.
    Plain,
    /// A header: bold on grey, wrapped, thin border.
    Header,
    /// A title: bold, larger, no border.
    Title,
}

impl Look {
    /// The index of the look's cell format in `styles.xml`.
    fn style(self) -> u8 {
        match self {
            Look::Plain => 1,
            Look::Header => 2,
            Look::Title => 3,
        }
    }
}

/// One sheet: rows of cells (a row may be shorter than the others).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet<'a> {
    pub name: String,
    pub rows: Vec<Vec<(Cell<'a>, Look)>>,
    /// Column widths in characters.
    pub widths: Vec<f64>,
    /// Rows frozen at the top (0: none).
    pub frozen_rows: u32,
    /// A filter over the table from this row (0-based) to the last.
    pub filter_from: Option<u32>,
}

/// The longest text a cell holds (Excel's limit).
const MAX_CELL: usize = crate::model::XLSX_CELL_CHARS;

/// The size from which a sheet's XML is deflated.
const DEFLATE_FROM: usize = 64 * 1024;

/// The package's bytes: `created` is an ISO 8601 time (`2026-12-06T00:00:00Z`).
pub fn workbook(sheets: &[Sheet], title: &str, created: &str) -> std::io::Result<Vec<u8>> {
    let xmls: Vec<String> = sheets.iter().map(sheet_xml).collect();
    let size = 8 * 1024 + xmls.iter().map(String::len).sum::<usize>();
    let mut package = Package::with_capacity(size);
    // Parts stored, only a large sheet deflated: setting up a compressor
    // costs more than it saves on a few kilobytes.
    let mut part = |name: &str, body: &str| package.add(name, body.as_bytes(), false);
    part("[Content_Types].xml", &content_types(sheets.len()))?;
    part("_rels/.rels", RELS)?;
    part("docProps/core.xml", &core(title, created))?;
    part("xl/workbook.xml", &workbook_xml(sheets))?;
    part("xl/_rels/workbook.xml.rels", &workbook_rels(sheets.len()))?;
    part("xl/styles.xml", STYLES)?;
    for (i, xml) in xmls.iter().enumerate() {
        let name = format!("xl/worksheets/sheet{}.xml", i + 1);
        package.add(&name, xml.as_bytes(), xml.len() >= DEFLATE_FROM)?;
    }
    package.finish()
}

const RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
    r#"</Relationships>"#
);

/// Fonts: plain, bold, bold 14; fills: none, gray125, light grey; borders:
/// none, thin; cell formats: 0 default, 1 plain, 2 header, 3 title.
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="3"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font><font><b/><sz val="14"/><name val="等线"/></font></fonts>"#,
    r#"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFE7E6E6"/><bgColor indexed="64"/></patternFill></fill></fills>"#,
    r#"<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>"#,
    r#"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"</styleSheet>"#
);

fn content_types(sheets: usize) -> String {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
        r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
        r#"<Default Extension="xml" ContentType="application/xml"/>"#,
        r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
        r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
        r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
    ));
    for i in 1..=sheets {
        s.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
    }
    s.push_str("</Types>");
    s
}

fn core(title: &str, created: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<dc:title>{}</dc:title><dc:creator>jixiao</dc:creator>"#,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created></cp:coreProperties>"#
        ),
        escape(title),
        escape(created)
    )
}

fn workbook_xml(sheets: &[Sheet]) -> String {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
    ));
    for (i, sheet) in sheets.iter().enumerate() {
        s.push_str(&format!(
            r#"<sheet name="{}" sheetId="{}" r:id="rId{}"/>"#,
            escape(&sheet.name),
            i + 1,
            i + 1
        ));
    }
    s.push_str("</sheets>");
    // Excel finds a sheet's filter by this name.
    let filters: Vec<String> = sheets
        .iter()
        .enumerate()
        .filter_map(|(i, sheet)| {
            let range = filter_range(sheet)?;
            Some(format!(
                r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'{}'!{}</definedName>"#,
                escape(&sheet.name.replace('\'', "''")),
                absolute(&range)
            ))
        })
        .collect();
    if !filters.is_empty() {
        s.push_str(&format!(
            "<definedNames>{}</definedNames>",
            filters.concat()
        ));
    }
    s.push_str("</workbook>");
    s
}

fn workbook_rels(sheets: usize) -> String {
    let mut s = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
    ));
    for i in 1..=sheets {
        s.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#
        ));
    }
    s.push_str(&format!(
        r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
        sheets + 1
    ));
    s
}

/// The filter's range (`A2:K40`), if the sheet has one.
fn filter_range(sheet: &Sheet) -> Option<String> {
    let from = sheet.filter_from?;
    let cols = sheet.rows.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
    let last = (sheet.rows.len() as u32).max(from + 1);
    let last_col = crate::grid::column_name(cols - 1);
    Some(format!("A{}:{last_col}{last}", from + 1))
}

/// `A2:K40` → `$A$2:$K$40`.
fn absolute(range: &str) -> String {
    range
        .split(':')
        .map(|cell| {
            let split = cell
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(cell.len());
            format!("${}${}", &cell[..split], &cell[split..])
        })
        .collect::<Vec<_>>()
        .join(":")
}

fn sheet_xml(sheet: &Sheet) -> String {
    // Room for the markup around each cell and its text.
    let size: usize = (sheet.rows.iter().flatten())
        .map(|(c, _)| 96 + if let Cell::Text(t) = c { t.len() } else { 24 })
        .sum();
    let mut s = String::with_capacity(1024 + sheet.rows.len() * 64 + size);
    s.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
    ));
    if sheet.frozen_rows > 0 {
        let top = sheet.frozen_rows + 1;
        s.push_str(&format!(
            r#"<sheetViews><sheetView workbookViewId="0"><pane ySplit="{}" topLeftCell="A{top}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A{top}" sqref="A{top}"/></sheetView></sheetViews>"#,
            sheet.frozen_rows
        ));
    }
    if !sheet.widths.is_empty() {
        s.push_str("<cols>");
        for (i, w) in (1..).zip(&sheet.widths) {
            s.push_str(r#"<col min=""#);
            push_number(&mut s, i);
            s.push_str(r#"" max=""#);
            push_number(&mut s, i);
            s.push_str(r#"" width=""#);
            match whole(*w) {
                Some(w) => {
                    push_number(&mut s, w);
                    s.push_str(".0");
                }
                None => s.push_str(&format!("{w:.1}")),
            }
            s.push_str(r#"" customWidth="1"/>"#);
        }
        s.push_str("</cols>");
    }
    s.push_str("<sheetData>");
    for (r, row) in sheet.rows.iter().enumerate() {
        s.push_str(r#"<row r=""#);
        push_number(&mut s, r as u64 + 1);
        // Wrapped text needs its lines' height: readers do not all work it
        // out (LibreOffice prints one line).
        match row_lines(row, &sheet.widths) {
            1 => s.push_str(r#"">"#),
            n => {
                s.push_str(r#"" ht=""#);
                push_number(&mut s, 15 * n as u64);
                s.push_str(r#"" customHeight="1">"#);
            }
        }
        for (c, (cell, look)) in row.iter().enumerate() {
            cell_xml(&mut s, r as u32, c as u32, cell, *look);
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData>");
    if let Some(range) = filter_range(sheet) {
        s.push_str(&format!(r#"<autoFilter ref="{range}"/>"#));
    }
    s.push_str("</worksheet>");
    s
}

/// One cell's XML, put together piece by piece (this runs for every
/// cell of every unit's workbook).
fn cell_xml(s: &mut String, row: u32, col: u32, cell: &Cell, look: Look) {
    let inline = match cell {
        Cell::Number(n) if !n.is_finite() => return,
        Cell::Number(_) => false,
        Cell::Text(t) => !t.is_empty(),
    };
    let mut buf = [0; crate::grid::A1_MAX];
    s.push_str(r#"<c r=""#);
    s.push_str(crate::grid::Pos::new(row, col).a1_in(&mut buf));
    s.push_str(if inline {
        r#"" t="inlineStr" s=""#
    } else {
        r#"" s=""#
    });
    s.push(char::from(b'0' + look.style()));
    match cell {
        Cell::Text(t) if inline => {
            s.push_str(r#""><is><t xml:space="preserve">"#);
            escape_into(s, cut(t));
            s.push_str("</t></is></c>");
        }
        Cell::Text(_) => s.push_str(r#""/>"#),
        Cell::Number(n) => {
            s.push_str(r#""><v>"#);
            match whole(*n) {
                Some(whole) => push_number(s, whole),
                None => s.push_str(&n.to_string()),
            }
            s.push_str("</v></c>");
        }
    }
}

/// `n` as a whole number, when it is one (and small enough to be exact).
fn whole(n: f64) -> Option<u64> {
    let exact = n.fract() == 0.0 && n.is_sign_positive() && n < 9.0e15;
    exact.then_some(n as u64)
}

/// The decimal digits of `n`.
fn push_number(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let len = crate::grid::decimal_digits(n, &mut digits);
    s.extend(digits[digits.len() - len..].iter().map(|&d| char::from(d)));
}

/// The lines the tallest cell of a row wraps to in its column's width (at
/// most 40).
fn row_lines(row: &[(Cell, Look)], widths: &[f64]) -> usize {
    let mut most = 1;
    for (i, (cell, _)) in row.iter().enumerate() {
        let Cell::Text(t) = cell else { continue };
        let width = widths.get(i).copied().unwrap_or(8.43).max(1.0);
        if fits(t, width) {
            continue;
        }
        let lines: usize = t
            .lines()
            .map(|l| ((columns(l) as f64 / width).ceil() as usize).max(1))
            .sum();
        most = most.max(lines);
    }
    most.min(40)
}

/// At most [`MAX_CELL`] characters.
pub(super) fn cut(t: &str) -> &str {
    if t.len() <= MAX_CELL {
        return t;
    }
    match t.char_indices().nth(MAX_CELL) {
        Some((end, _)) => &t[..end],
        None => t,
    }
}

/// Text made safe in XML: the five entities escaped, and characters XML
/// 1.0 does not allow (control characters, as a hostile cell may hold)
/// replaced by U+FFFD.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    escape_into(&mut out, t);
    out
}

/// [`escape`] appended to `out`: runs of ordinary text copied whole (every
/// character replaced is ASCII or U+FFFE/U+FFFF, `EF BF BE`/`EF BF BF`),
/// sixteen bytes at a time while none of them could need a look.
fn escape_into(out: &mut String, t: &str) {
    let bytes = t.as_bytes();
    let (mut plain, mut i) = (0, 0);
    while i < bytes.len() {
        let end = (i + 16).min(bytes.len());
        let looked = bytes[i..end]
            .iter()
            .fold(false, |any, &b| any | may_escape(b));
        if end - i == 16 && !looked {
            i = end;
            continue;
        }
        while i < end {
            let (with, len) = match bytes[i] {
                b'&' => ("&amp;", 1),
                b'<' => ("&lt;", 1),
                b'>' => ("&gt;", 1),
                b'"' => ("&quot;", 1),
                b'\'' => ("&apos;", 1),
                0..0x20 if !matches!(bytes[i], b'\t' | b'\n' | b'\r') => ("\u{FFFD}", 1),
                0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                    ("\u{FFFD}", 3)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            // `plain` and `i` are character boundaries: `i` starts an
            // ASCII character or a three-byte sequence, and `plain`
            // follows one.
            out.push_str(&t[plain..i]);
            out.push_str(with);
            plain = i + len;
            i = plain;
        }
    }
    out.push_str(&t[plain..]);
}

/// Whether [`escape_into`] must look at the byte: an XML special, a
/// control character, or the lead byte of U+FFFE/U+FFFF (and of every
/// other character from U+F000).
fn may_escape(b: u8) -> bool {
    b < 0x20 || matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF)
}

/// Whether `text` is one line of at most `width` columns, seen from its
/// length alone: a character takes at most as many columns as its UTF-8
/// bytes.
pub fn fits(text: &str, width: f64) -> bool {
    text.len() as f64 <= width && !text.contains('\n')
}

/// The width a column needs for `text`, in characters (see [`width`]),
/// between 6 and `max`.
pub fn width_of(text: &str, max: f64) -> f64 {
    (width(text) as f64 + 2.0).clamp(6.0, max)
}

/// The display width of text: its longest line, a CJK or full-width
/// character (U+1100 and up) counting two.
pub(super) fn width(text: &str) -> usize {
    text.lines().map(columns).max().unwrap_or(0)
}

/// The columns a line takes, counted from its UTF-8 bytes: every byte
/// but a continuation byte starts a character, and one from U+1100 on
/// (lead byte `E2` and up, or `E1` with a second byte from `84`) takes
/// two.
fn columns(line: &str) -> usize {
    let bytes = line.as_bytes();
    let chars = bytes
        .iter()
        .filter(|&&b| !(0x80..0xC0).contains(&b))
        .count();
    let wide = bytes.iter().filter(|&&b| b >= 0xE2).count();
    let wide_e1 = match bytes.contains(&0xE1) {
        true => bytes
            .windows(2)
            .filter(|w| w[0] == 0xE1 && w[1] >= 0x84)
            .count(),
        false => 0,
    };
    chars + wide + wide_e1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sheet() -> Sheet<'static> {
        Sheet {
            name: "问题清单".into(),
            rows: vec![
                vec![
                    (Cell::Text("级别".into()), Look::Header),
                    (Cell::Text("说明".into()), Look::Header),
                ],
                vec![
                    (Cell::Text("错误".into()), Look::Plain),
                    (Cell::Text("a<b & \"c\"\u{1}".into()), Look::Plain),
                ],
                vec![(Cell::Number(3.5), Look::Plain)],
            ],
            widths: vec![8.0, 30.0],
            frozen_rows: 1,
            filter_from: Some(0),
        }
    }

    #[test]
    fn the_workbook_reads_back_with_calamine() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = workbook(&[sheet()], "反馈", "2026-12-06T00:00:00Z").unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["问题清单"]);
        let range = book.worksheet_range("问题清单").unwrap();
        assert_eq!(range.get((0, 0)), Some(&Data::String("级别".into())));
        assert_eq!(
            range.get((1, 1)),
            Some(&Data::String("a<b & \"c\"\u{FFFD}".into()))
        );
        assert_eq!(range.get((2, 0)), Some(&Data::Float(3.5)));
    }

    #[test]
    fn the_same_sheets_give_the_same_bytes() {
        let a = workbook(&[sheet()], "t", "2026-12-06T00:00:00Z").unwrap();
        let b = workbook(&[sheet()], "t", "2026-12-06T00:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(absolute("A1:K40"), "$A$1:$K$40");
        assert_eq!(width_of("级别", 60.0), 6.0);
        assert_eq!(width_of("一二三四五六七八九十", 60.0), 22.0);
        assert_eq!(width_of("ab\n级别级别级别", 60.0), 14.0);
    }

    #[test]
    fn a_large_sheet_is_deflated_and_reads_back() {
        use calamine::{Data, Reader, Xlsx};
        let mut big = sheet();
        for n in 0..2_000 {
            big.rows.push(vec![(
                Cell::Text(format!("第{n}条 & 说明").into()),
                Look::Plain,
            )]);
        }
        let bytes = workbook(&[big, sheet()], "t", "2026-12-06T00:00:00Z").unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        let method = |zip: &mut zip::ZipArchive<_>, name| zip.by_name(name).unwrap().compression();
        let deflated = zip::CompressionMethod::Deflated;
        assert_eq!(method(&mut zip, "xl/worksheets/sheet1.xml"), deflated);
        assert_ne!(method(&mut zip, "xl/worksheets/sheet2.xml"), deflated);
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("问题清单").unwrap();
        assert_eq!(
            range.get((2_002, 0)),
            Some(&Data::String("第1999条 & 说明".into()))
        );
    }

    /// The escape as first written, a character at a time.
    fn escape_by_char(t: &str) -> String {
        t.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&apos;".to_string(),
                '\t' | '\n' | '\r' => c.to_string(),
                c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => "\u{FFFD}".into(),
                c => c.to_string(),
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn columns_count_wide_characters_twice(t in "\\PC{0,30}|[a\u{10FF}\u{1100}\u{1FFF}\u{2000}级\u{FFFF}\u{10000}]{0,30}") {
            let by_char: usize = t.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum();
            proptest::prop_assert_eq!(columns(&t), by_char);
        }

        #[test]
        fn escape_replaces_what_xml_cannot_hold(chars in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::arbitrary::any::<char>(),
                proptest::sample::select(vec!['&', '<', '\'', '\u{1}', '\n', '\u{FFFE}', '\u{FFFF}', '\u{FFFD}', '\u{FFBF}', '级']),
            ],
            0..40,
        )) {
            let t: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(escape(&t), escape_by_char(&t));
        }
    }
}
