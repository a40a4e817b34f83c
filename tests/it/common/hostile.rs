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
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, patched(bytes, part, edit)).unwrap();
}

/// A package with one part rewritten by `edit`.
pub fn patched(package: Vec<u8>, part: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
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
    out.finish().unwrap().into_inner()
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

/// One `.xlsb` record: its type and length as 7-bit varints, then `data`.
pub fn xlsb_record(typ: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (mut v, max) in [(typ, 2), (data.len() as u32, 4)] {
        for _ in 0..max {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            out.push(if v > 0 { b | 0x80 } else { b });
            if v == 0 {
                break;
            }
        }
    }
    out.extend_from_slice(data);
    out
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

/// A one-sheet `.xlsb` package (what calamine needs of one: the workbook's
/// sheet list, its relationships, the sheet, the shared strings), with
/// `sheet_data` between the sheet's BrtBeginSheetData and BrtEndSheetData
/// and `sst_items` raw BrtSSTItem records.
pub fn bare_xlsb(sheet_data: &[u8], sst_items: &[u8], sst_count: u32) -> Vec<u8> {
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#;
    let mut bundle = 0u32.to_le_bytes().to_vec();
    bundle.extend(1u32.to_le_bytes());
    bundle.extend(wide("rId1"));
    bundle.extend(wide("S1"));
    let book = [
        xlsb_record(0x009C, &bundle),
        xlsb_record(0x0090, &[]),
        xlsb_record(0x009D, &[0; 4]),
    ]
    .concat();
    let mut dim = 0u32.to_le_bytes().to_vec();
    dim.extend(10u32.to_le_bytes());
    dim.extend(0u32.to_le_bytes());
    dim.extend(2u32.to_le_bytes());
    let sheet = [
        xlsb_record(0x0081, &[]),
        xlsb_record(0x0094, &dim),
        xlsb_record(0x0091, &[]),
        sheet_data.to_vec(),
        xlsb_record(0x0092, &[]),
    ]
    .concat();
    let mut begin = sst_count.to_le_bytes().to_vec();
    begin.extend(sst_count.to_le_bytes());
    let sst = [
        xlsb_record(0x009F, &begin),
        sst_items.to_vec(),
        xlsb_record(0x00A0, &[]),
    ]
    .concat();
    zip_of(&[
        ("xl/workbook.bin", &book),
        ("xl/_rels/workbook.bin.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.bin", &sheet),
        ("xl/sharedStrings.bin", &sst),
    ])
}

/// A BrtRowHdr and a BrtCellIsst (row, column, shared string index).
pub fn xlsb_isst(row: u32, col: u32, isst: u32) -> Vec<u8> {
    let mut hdr = row.to_le_bytes().to_vec();
    hdr.extend([0; 13]);
    let mut cell = col.to_le_bytes().to_vec();
    cell.extend(0u32.to_le_bytes());
    cell.extend(isst.to_le_bytes());
    [xlsb_record(0, &hdr), xlsb_record(7, &cell)].concat()
}

/// A BrtSSTItem of `text`.
pub fn xlsb_sst_item(text: &str) -> Vec<u8> {
    let mut d = vec![0u8];
    d.extend(wide(text));
    xlsb_record(0x0013, &d)
}

/// A small readable `.xlsb`: two shared strings in two cells.
pub fn plain_xlsb() -> Vec<u8> {
    let cells = [xlsb_isst(0, 0, 0), xlsb_isst(0, 1, 1)].concat();
    let items = [xlsb_sst_item("项目名称"), xlsb_sst_item("某项目")].concat();
    bare_xlsb(&cells, &items, 2)
}

/// The hostile `.xls`, `.et`, `.xlsb` and fallback `.xlsx` files of issue
/// 23, each a class that stopped a whole batch when calamine read it in
/// the batch's own process: (file name, bytes, what the error must name).
pub fn calamine_hostiles() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    use super::xls::{xls, Extra, XlsCell, XlsSheet};
    let text = |s: &str| XlsCell::Text(s.into());
    let sheet = |cells: Vec<(u16, u16, XlsCell)>, claim| XlsSheet {
        name: "Sheet1".into(),
        cells,
        merges: Vec::new(),
        claim,
    };
    let dims = xls(
        &[sheet(
            vec![(0, 0, text("项目名称"))],
            Some((4_294_967_294, 2)),
        )],
        &Extra::default(),
    );
    // The cell lies past the 256 columns its DIMENSIONS record admits.
    let far = xls(
        &[sheet(
            vec![(0, 0, text("a")), (0, 65_535, text("b"))],
            Some((1, 2)),
        )],
        &Extra::default(),
    );
    // Two cells 16.7 million apart: calamine's dense range over them.
    let spread = xls(
        &[sheet(
            vec![(0, 0, text("a")), (65_535, 255, text("b"))],
            None,
        )],
        &Extra::default(),
    );
    let long = "x".repeat(65_535);
    let shared: std::sync::Arc<str> = long.as_str().into();
    let copies = (0..40_000u32)
        .map(|i| {
            (
                (i / 200) as u16,
                (i % 200) as u16,
                XlsCell::Text(shared.clone()),
            )
        })
        .collect();
    let long_sst = xls(&[sheet(copies, None)], &Extra::default());
    let continues = xls(
        &[sheet(vec![(0, 0, text("a"))], None)],
        &Extra {
            empty_continues: 1_000_000,
            ..Extra::default()
        },
    );
    let sheet_bomb = bare_xlsb(&vec![0u8; 9 << 20], &xlsb_sst_item("a"), 1);
    let lying_bomb = claiming_size(sheet_bomb.clone(), "xl/worksheets/sheet1.bin", 4096);
    let item = xlsb_sst_item("");
    let huge_sst = item.repeat(1_400_000);
    let huge_sst = bare_xlsb(&xlsb_isst(0, 0, 0), &huge_sst, 1_400_000);
    let far_xlsb = bare_xlsb(&xlsb_isst(0, 70_000, 0), &xlsb_sst_item("a"), 1);
    let fallback = fallback_xlsx(&long);
    vec![
        ("dims-4g.xls", dims.clone(), "DIMENSIONS"),
        ("dims-4g.et", dims, "DIMENSIONS"),
        ("col-65536.xls", far, "column 65536"),
        ("spread.xls", spread, "limits.cells_per_sheet"),
        ("long-sst.xls", long_sst, "limits.text_mib"),
        ("continues.xls", continues, "pieces"),
        ("sheet-bomb.xlsb", sheet_bomb, "limits.inflate_ratio"),
        ("lying-bomb.xlsb", lying_bomb, "declared uncompressed size"),
        ("huge-sst.xlsb", huge_sst, "limits."),
        ("far.xlsb", far_xlsb, "column 70001"),
        ("fallback-long-sst.xlsx", fallback, "limits.text_mib"),
        (
            "overlap.xlsx",
            overlapping(bare_xlsx("", &[], 1)),
            "share their bytes",
        ),
    ]
}

/// `package` with its last central-directory entry pointing at the first
/// entry's local header: two entries sharing their bytes, the trick of
/// the small zip bombs that inflate one stream many times.
fn overlapping(mut package: Vec<u8>) -> Vec<u8> {
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap()) as usize;
    let eocd = (0..package.len() - 21)
        .rev()
        .find(|&i| package[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("an end of central directory");
    let entries = u16_at(&package, eocd + 10);
    let mut at = u32_at(&package, eocd + 16);
    let first = u32_at(&package, at + 42) as u32;
    for _ in 0..entries - 1 {
        at +=
            46 + u16_at(&package, at + 28) + u16_at(&package, at + 30) + u16_at(&package, at + 32);
    }
    package[at + 42..at + 46].copy_from_slice(&first.to_le_bytes());
    package
}

/// An `.xlsx` that jixiao's own reader fails and calamine reads: both
/// sheets end without `</worksheet>`, which calamine forgives. Sheet 1
/// has `long` in 40,000 cells (a shared string calamine copies into every
/// cell: 2.6 GB); sheet 2 a note.
fn fallback_xlsx(long: &str) -> Vec<u8> {
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let rows: String = (1..=200)
        .map(|r| {
            let cells: String = (0..200)
                .map(|c| format!(r#"<c r="{}{r}" t="s"><v>0</v></c>"#, column(c)))
                .collect();
            format!(r#"<row r="{r}">{cells}</row>"#)
        })
        .collect();
    let open = |data: &str| format!("<worksheet><sheetData>{data}</sheetData>");
    let root = format!(
        r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let book = format!(
        r#"<workbook xmlns:r="{REL}"><sheets><sheet name="S1" sheetId="1" r:id="rId1"/><sheet name="S2" sheetId="2" r:id="rId2"/></sheets></workbook>"#
    );
    let rels = format!(
        r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let sst = format!("<sst><si><t>{long}</t></si><si><t>说明</t></si></sst>");
    zip_of(&[
        ("_rels/.rels", root.as_bytes()),
        ("xl/workbook.xml", book.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", open(&rows).as_bytes()),
        (
            "xl/worksheets/sheet2.xml",
            open(r#"<row r="1"><c r="A1" t="s"><v>1</v></c></row>"#).as_bytes(),
        ),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ])
}

/// A column's letters (0 → A).
fn column(mut c: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            return s;
        }
        c = c / 26 - 1;
    }
}
