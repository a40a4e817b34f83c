//! Hostile files, built by code: each rebuilds a case that once stopped
//! a batch (a bomb, a loop, a multiplication). Used by `bad_input` (one
//! case per test) and `hostile` (all at once under a memory limit).

use std::io::Write;

use super::forms::{write_workbook, Layout};
use super::seed::{SeedProject, SEED};

/// A zip of `parts`, each deflated.
pub fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A one-project workbook written at `path`.
pub fn one_project(path: &std::path::Path) {
    let projects: Vec<&SeedProject> = SEED.iter().take(1).collect();
    write_workbook(path, &projects, &Layout::default()).unwrap();
}

/// A one-project workbook whose sheet carries 24 MiB of blanks in a
/// comment: they deflate about a thousand times.
pub fn zip_bomb_xlsx(path: &std::path::Path) {
    one_project(path);
    patch_xlsx(path, "xl/worksheets/sheet1.xml", |xml| {
        let pad = format!("<!--{}-->", " ".repeat(24 << 20));
        xml.replacen("<sheetData", &format!("{pad}<sheetData"), 1)
    });
}

/// A one-project workbook whose shared strings carry 24 MiB of blanks:
/// refused by a budget, it must not go to calamine, which would inflate it.
pub fn zip_bomb_strings_xlsx(path: &std::path::Path) {
    one_project(path);
    patch_xlsx(path, "xl/sharedStrings.xml", |xml| {
        let pad = format!("<!--{}-->", " ".repeat(24 << 20));
        xml.replacen("<si>", &format!("{pad}<si>"), 1)
    });
}

/// `package` with the central-directory entry of `part` claiming
/// `size` bytes inflated (as a 500 MB cell's sheet would).
pub fn claiming_size(mut package: Vec<u8>, part: &str, size: u32) -> Vec<u8> {
    let name = part.as_bytes();
    let at = (0..package.len() - 46)
        .find(|&i| {
            package[i..i + 4] == [0x50, 0x4B, 0x01, 0x02]
                && package.get(i + 46..i + 46 + name.len()) == Some(name)
        })
        .expect("the part is in the central directory");
    package[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
    package
}

/// A `.docx` whose document part is 24 MiB of blanks around one table.
pub fn zip_bomb_docx() -> Vec<u8> {
    let pad = " ".repeat(24 << 20);
    let doc = format!(
        r#"<w:document xmlns:w="w"><w:body>{pad}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#
    );
    zip_of(&[("word/document.xml", doc.as_bytes())])
}

/// An `.ods` of under a kilobyte whose repeated rows and columns ask for
/// three billion cells.
pub fn repeats_ods() -> Vec<u8> {
    let row = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    let content = format!(
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">{row}{row}{row}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
    ])
}

/// A minimal `.xlsx` package of one sheet (`sheet_data` inside
/// `<sheetData>`), the shared strings `shared`, and `sheets` entries in the
/// workbook, all but the first naming a relationship that does not exist.
pub fn bare_xlsx(sheet_data: &str, shared: &[&str], sheets: usize) -> Vec<u8> {
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let root = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let list: String = (1..=sheets)
        .map(|i| format!(r#"<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>"#))
        .collect();
    let book = format!(r#"<workbook xmlns:r="{REL}"><sheets>{list}</sheets></workbook>"#);
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let sheet = format!("<worksheet><sheetData>{sheet_data}</sheetData></worksheet>");
    let sst: String = shared
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!("<sst>{sst}</sst>");
    zip_of(&[
        ("_rels/.rels", root.as_bytes()),
        ("xl/workbook.xml", book.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ])
}

/// 12,000 cells sharing one shared string of 1 MB (as Apache POI's
/// `poc-shared-strings.xlsx`).
pub fn shared_string_poc_xlsx() -> Vec<u8> {
    let rows: String = (1..=1000)
        .map(|r| {
            let cells: String = ('A'..='L')
                .map(|c| format!(r#"<c r="{c}{r}" t="s"><v>0</v></c>"#))
                .collect();
            format!(r#"<row r="{r}">{cells}</row>"#)
        })
        .collect();
    bare_xlsx(&rows, &["项目名称".repeat(87_000).as_str()], 1)
}

/// Rewrites one part of an xlsx (a zip) with `edit`, keeping the rest.
pub fn patch_xlsx(path: &std::path::Path, part: &str, edit: impl Fn(String) -> String) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == part {
            content = edit(String::from_utf8(content).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// Adds `n` whole-sheet merged ranges to the sheet of a one-project
/// workbook written at `path`.
pub fn with_merges(path: &std::path::Path, n: usize) {
    one_project(path);
    patch_xlsx(path, "xl/worksheets/sheet1.xml", |xml| {
        let merges = "<mergeCell ref=\"A1:XFD1048576\"/>".repeat(n);
        let block = format!("<mergeCells count=\"{n}\">{merges}</mergeCells>");
        match xml.find("<mergeCells") {
            Some(at) => {
                let end = xml[at..].find("</mergeCells>").unwrap() + at + "</mergeCells>".len();
                format!("{}{block}{}", &xml[..at], &xml[end..])
            }
            None => xml.replacen("</sheetData>", &format!("</sheetData>{block}"), 1),
        }
    });
}

/// PhpSpreadsheet's `tests/data/Reader/XLS/oleloop.xls` (MIT), rebuilt
/// byte for byte: 1,024 bytes, all zero but the header's magic, sector
/// size, one FAT sector (sector 0) and one mini FAT sector. The FAT says
/// sector 0 follows itself, so every chain loops.
pub fn oleloop_xls() -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    b[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    for (at, v) in [
        (0x1C, 0xFE),
        (0x1D, 0xFF),
        (0x1E, 0x09),
        (0x20, 0x06),
        (0x2C, 0x01),
        (0x39, 0x10),
        (0x40, 0x01),
        (0x44, 0xFE),
        (0x45, 0xFF),
        (0x46, 0xFF),
        (0x47, 0xFF),
    ] {
        b[at] = v;
    }
    b
}
