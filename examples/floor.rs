//! The reading floor for `make bench`: open every workbook under a folder
//! with calamine and visit every cell of every sheet, nothing else.
//! `floor DIR` prints files, sheets and non-empty cells.

use calamine::{open_workbook_auto, Data, Reader};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: floor DIR");
    let (mut files, mut sheets, mut cells, mut failed) = (0u64, 0u64, 0u64, 0u64);
    let mut paths: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("xlsx" | "xls" | "ods" | "xlsb")
            )
        })
        .collect();
    paths.sort();
    for path in paths {
        files += 1;
        let Ok(mut book) = open_workbook_auto(&path) else {
            failed += 1;
            continue;
        };
        for name in book.sheet_names() {
            let Ok(range) = book.worksheet_range(&name) else {
                failed += 1;
                continue;
            };
            sheets += 1;
            cells += range
                .used_cells()
                .filter(|(_, _, v)| **v != Data::Empty)
                .count() as u64;
        }
    }
    println!("{files} files, {sheets} sheets, {cells} cells, {failed} unreadable");
}
