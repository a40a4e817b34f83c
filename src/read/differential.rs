//! Differential test of jixiao's own `.xlsx` reader: workbooks generated
//! with the spellings other writers use (a namespace prefix on every
//! element, cells and rows without `r`, inline strings, rich-text runs,
//! comments between cells, an absolute part name) are read by the own
//! reader and by calamine; every cell must be what was written, and what
//! calamine reads. So the own reader's fast paths can change safely.

use std::io::Write;

use proptest::prelude::*;

use super::workbook::with_calamine;
use super::{Kind, Limits};
use crate::grid::{CellValue, Pos};

/// A cell as generated.
#[derive(Debug, Clone)]
enum Cell {
    Number(&'static str),
    /// A shared string, written as runs when there are several.
    Shared(Vec<String>),
    /// An inline string (`t="inlineStr"`), as runs.
    Inline(Vec<String>),
    Bool(bool),
}

impl Cell {
    fn expected(&self) -> CellValue {
        match self {
            Cell::Number(n) => CellValue::Number(n.parse().unwrap()),
            Cell::Shared(runs) | Cell::Inline(runs) => CellValue::Text(runs.concat().into()),
            Cell::Bool(b) => CellValue::Bool(*b),
        }
    }
}

/// How a workbook is spelled.
#[derive(Debug, Clone)]
struct Spelling {
    prefix: bool,
    omit_cell_r: bool,
    omit_row_r: bool,
    comments: bool,
    absolute_target: bool,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn runs_xml(runs: &[String], p: &str) -> String {
    let t = |s: &String| format!(r#"<{p}t xml:space="preserve">{}</{p}t>"#, escape(s));
    match runs {
        [one] => t(one),
        _ => runs
            .iter()
            .map(|r| format!("<{p}r>{}</{p}r>", t(r)))
            .collect(),
    }
}

/// The sheet XML and shared strings of `rows` (cells by column; `None`:
/// empty), spelled as `sp` says.
fn sheet_xml(rows: &[Vec<Option<Cell>>], sp: &Spelling) -> (String, Vec<String>) {
    let p = if sp.prefix { "x:" } else { "" };
    let sep = if sp.comments {
        "<!-- a comment -->"
    } else {
        ""
    };
    let mut shared = Vec::new();
    let mut data = String::new();
    let mut last_row: Option<usize> = None;
    for (r, row) in rows.iter().enumerate() {
        if row.iter().all(Option::is_none) {
            continue;
        }
        let row_r = match (sp.omit_row_r, last_row) {
            (true, Some(l)) if l + 1 == r => String::new(),
            (true, None) if r == 0 => String::new(),
            _ => format!(r#" r="{}""#, r + 1),
        };
        last_row = Some(r);
        data.push_str(&format!("<{p}row{row_r}>{sep}"));
        let mut last_col: Option<usize> = None;
        for (c, cell) in row.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let next = last_col.map_or(c == 0, |l| l + 1 == c);
            let a1 = Pos::new(r as u32, c as u32).to_string();
            let at = if sp.omit_cell_r && next {
                String::new()
            } else {
                format!(r#" r="{a1}""#)
            };
            last_col = Some(c);
            let xml = match cell {
                Cell::Number(n) => format!("<{p}c{at}><{p}v>{n}</{p}v></{p}c>"),
                Cell::Bool(b) => format!(r#"<{p}c{at} t="b"><{p}v>{}</{p}v></{p}c>"#, u8::from(*b)),
                Cell::Shared(runs) => {
                    shared.push(runs_xml(runs, p));
                    format!(
                        r#"<{p}c{at} t="s"><{p}v>{}</{p}v></{p}c>"#,
                        shared.len() - 1
                    )
                }
                Cell::Inline(runs) => format!(
                    r#"<{p}c{at} t="inlineStr"><{p}is>{}</{p}is></{p}c>"#,
                    runs_xml(runs, p)
                ),
            };
            data.push_str(&xml);
            data.push_str(sep);
        }
        data.push_str(&format!("</{p}row>"));
    }
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let xmlns = if sp.prefix {
        format!(r#"xmlns:x="{ns}""#)
    } else {
        format!(r#"xmlns="{ns}""#)
    };
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}><{p}sheetData>{data}</{p}sheetData></{p}worksheet>"#
    );
    (sheet, shared)
}

/// A whole package around the sheet.
fn package(rows: &[Vec<Option<Cell>>], sp: &Spelling) -> Vec<u8> {
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let (sheet, shared) = sheet_xml(rows, sp);
    let p = if sp.prefix { "x:" } else { "" };
    let xmlns = if sp.prefix {
        format!(r#"xmlns:x="{MAIN}""#)
    } else {
        format!(r#"xmlns="{MAIN}""#)
    };
    let sst: String = shared
        .iter()
        .map(|si| format!("<{p}si>{si}</{p}si>"))
        .collect();
    let target = if sp.absolute_target {
        "/xl/worksheets/sheet1.xml"
    } else {
        "worksheets/sheet1.xml"
    };
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_string()),
        ("_rels/.rels", format!(r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0"?><{p}workbook {xmlns} xmlns:r="{REL}"><{p}sheets><{p}sheet name="S" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>"#)),
        ("xl/_rels/workbook.xml.rels", format!(r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#)),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", format!(r#"<?xml version="1.0"?><{p}sst {xmlns}>{sst}</{p}sst>"#)),
    ];
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in parts {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "项目",
            "名称",
            " ",
            "a",
            "Z",
            "1",
            "&",
            "<",
            ">",
            "\"",
            "'",
            "％",
            "（万元）",
            "—",
        ]),
        1..5,
    )
    .prop_map(|parts| parts.concat())
}

fn cell() -> impl Strategy<Value = Cell> {
    let runs = || proptest::collection::vec(text(), 1..4);
    prop_oneof![
        prop::sample::select(vec![
            "1",
            "0",
            "216.51",
            "-3",
            "0.5",
            "1E3",
            "85100",
            "12345678901",
            "20.11"
        ])
        .prop_map(Cell::Number),
        runs().prop_map(Cell::Shared),
        runs().prop_map(Cell::Inline),
        any::<bool>().prop_map(Cell::Bool),
    ]
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(prefix, omit_cell_r, omit_row_r, comments, absolute_target)| Spelling {
                prefix,
                omit_cell_r,
                omit_row_r,
                comments,
                absolute_target,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn own_reader_reads_every_spelling_as_written_and_as_calamine_does(
        rows in proptest::collection::vec(proptest::collection::vec(proptest::option::weighted(0.7, cell()), 1..6), 1..7),
        sp in spelling(),
    ) {
        let bytes = package(&rows, &sp);
        let own = super::xlsx::read(&bytes, "g.xlsx", &Limits::default()).unwrap();
        prop_assert!(own.sheet_errors.is_empty(), "{:?}", own.sheet_errors);
        let got: Vec<(Pos, CellValue)> = own.grids.iter().flat_map(|g| g.cells().map(|(p, v)| (p, v.clone()))).collect();
        let mut expected = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let v = cell.as_ref().map(Cell::expected).filter(|v| !v.is_blank());
                if let Some(v) = v {
                    expected.push((Pos::new(r as u32, c as u32), v));
                }
            }
        }
        prop_assert_eq!(&got, &expected, "as written");
        let cal = with_calamine(bytes, Kind::Zip, "g.xlsx", "xlsx", &Limits::default(), Vec::new()).finish().unwrap();
        let theirs: Vec<(Pos, CellValue)> = cal.grids.iter().flat_map(|g| g.cells().map(|(p, v)| (p, v.clone()))).collect();
        prop_assert_eq!(&got, &theirs, "as calamine reads it");
    }
}
