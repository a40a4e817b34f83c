//! Word documents (`.docx`): each top-level table of `word/document.xml`
//! becomes a grid (`table 1`, `table 2`, …), with horizontal spans
//! (`gridSpan`) and vertical merges (`vMerge`) as merged ranges. The
//! paragraphs before a table (since the previous one) are its captions, so
//! a title such as `1、…绩效目标表` above the table is read as the form's.

use super::xml::{parse, zip_part, Node};
use super::{FileContent, Limits, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

pub(super) fn read(bytes: &[u8], display: &str, limits: &Limits) -> Result<FileContent, ReadError> {
    let bad = |reason: String| ReadError::Workbook {
        format: "docx".to_string(),
        reason,
    };
    let xml = zip_part(bytes, "word/document.xml", limits).map_err(bad)?;
    let nodes = parse(&xml).map_err(bad)?;
    let mut content = FileContent {
        reader: "jixiao's own .docx reader".to_string(),
        ..FileContent::default()
    };
    let mut captions: Vec<String> = Vec::new();
    let mut document_year: Option<String> = None;
    let mut i = 0;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Open { name, .. } if name == "tbl" => {
                let (cells, merges, next) = table(&nodes, i + 1);
                let mut lines = Vec::new();
                if let Some(y) = &document_year {
                    lines.push(y.clone());
                }
                lines.append(&mut captions);
                let sheet = format!("table {}", content.grids.len() + 1);
                content
                    .grids
                    .push(Grid::new(display, sheet.as_str(), cells, merges).with_captions(lines));
                i = next;
                continue;
            }
            Node::Open { name, .. } if name == "p" => {
                let (text, next) = paragraph(&nodes, i + 1);
                let text = text.trim().to_string();
                if !text.is_empty() {
                    if document_year.is_none() && crate::vocab::year::year_of(&text).is_some() {
                        document_year = Some(text.clone());
                    }
                    captions.push(text);
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(content)
}

/// The text of a paragraph opening before `start`; returns it and the index
/// after its closing tag.
fn paragraph(nodes: &[Node], start: usize) -> (String, usize) {
    let mut text = String::new();
    let mut i = start;
    let mut in_t = false;
    let mut depth = 0;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Open { name, .. } if name == "p" => depth += 1,
            Node::Close(name) if name == "p" => {
                if depth == 0 {
                    return (text, i + 1);
                }
                depth -= 1;
                text.push('\n');
            }
            Node::Open { name, .. } if name == "t" => in_t = true,
            Node::Close(name) if name == "t" => in_t = false,
            Node::Open { name, .. } if name == "tab" => text.push('\t'),
            Node::Open { name, .. } if name == "br" || name == "cr" => text.push('\n'),
            Node::Text(t) if in_t => text.push_str(t),
            _ => {}
        }
        i += 1;
    }
    (text, i)
}

type Table = (Vec<(Pos, CellValue)>, Vec<CellRange>, usize);

/// Reads a table opening before `start`; nested tables become text of
/// their cell.
fn table(nodes: &[Node], start: usize) -> Table {
    let mut cells = Vec::new();
    let mut merges: Vec<CellRange> = Vec::new();
    // Open vertical merges: grid column → index into `merges`.
    let mut open_vmerge: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut row: i64 = -1;
    let mut col = 0u32;
    let mut i = start;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Close(name) if name == "tbl" => return (cells, merges, i + 1),
            Node::Open { name, .. } if name == "tr" => {
                row += 1;
                col = 0;
            }
            Node::Open { name, .. } if name == "gridBefore" => {
                col += nodes[i]
                    .attr("val")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            }
            Node::Open { name, .. } if name == "tc" => {
                let (span, vmerge, text, next) = table_cell(nodes, i + 1);
                let r = row.max(0) as u32;
                let pos = Pos::new(r, col);
                match vmerge {
                    VMerge::Continue => {
                        if let Some(&m) = open_vmerge.get(&col) {
                            merges[m].last.row = r;
                        }
                    }
                    other => {
                        open_vmerge.retain(|c, _| *c < col || *c >= col + span);
                        if !text.trim().is_empty() {
                            cells.push((pos, CellValue::Text(text.into())));
                        }
                        if span > 1 || other == VMerge::Restart {
                            merges.push(CellRange::new(pos, Pos::new(r, col + span - 1)));
                            if other == VMerge::Restart {
                                open_vmerge.insert(col, merges.len() - 1);
                            }
                        }
                    }
                }
                col += span;
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (cells, merges, i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

/// A table cell opening before `start`: its grid span, vertical merge, text
/// (paragraphs joined by `\n`) and the index after it.
fn table_cell(nodes: &[Node], start: usize) -> (u32, VMerge, String, usize) {
    let mut span = 1;
    let mut vmerge = VMerge::None;
    let mut paragraphs: Vec<String> = Vec::new();
    let mut i = start;
    let mut depth = 0;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Open { name, .. } if name == "tc" => depth += 1,
            Node::Close(name) if name == "tc" => {
                if depth == 0 {
                    return (span, vmerge, paragraphs.join("\n"), i + 1);
                }
                depth -= 1;
            }
            Node::Open { name, .. } if name == "gridSpan" && depth == 0 => {
                span = nodes[i]
                    .attr("val")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1)
                    .max(1);
            }
            Node::Open { name, .. } if name == "vMerge" && depth == 0 => {
                vmerge = match nodes[i].attr("val") {
                    Some("restart") => VMerge::Restart,
                    _ => VMerge::Continue,
                };
            }
            Node::Open { name, .. } if name == "p" => {
                let (text, next) = paragraph(nodes, i + 1);
                paragraphs.push(text);
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (span, vmerge, paragraphs.join("\n"), i)
}
