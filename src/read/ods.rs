//! OpenDocument spreadsheets (`.ods`), read from `content.xml` by hand so
//! merged cells (`number-columns-spanned` / `number-rows-spanned`) are kept
//! and repeated empty rows and columns cost nothing.

use super::xml::{parse, zip_part, Node};
use super::{FileContent, Limits, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

/// A cell with content repeated more often than this is kept this often.
const MAX_REPEAT: u32 = 1024;

pub(super) fn read(bytes: &[u8], display: &str, limits: &Limits) -> Result<FileContent, ReadError> {
    let bad = |reason: String| ReadError::Workbook {
        format: "ods".to_string(),
        reason,
    };
    let xml = zip_part(bytes, "content.xml", limits).map_err(bad)?;
    let nodes = parse(&xml).map_err(bad)?;
    let mut content = FileContent {
        reader: "jixiao's own .ods reader".to_string(),
        ..FileContent::default()
    };
    let mut listed = 0;
    let mut i = 0;
    while i < nodes.len() {
        if let Node::Open { name, .. } = &nodes[i] {
            if name == "table" {
                let sheet = nodes[i].attr("name").unwrap_or("Sheet").to_string();
                let (grid, next, too_big) = table(&nodes, i + 1, display, &sheet, limits);
                listed += 1;
                match too_big {
                    _ if listed > limits.sheets => {}
                    None => content.grids.push(grid),
                    Some(reason) => content
                        .sheet_errors
                        .push(ReadError::Sheet { sheet, reason }),
                }
                i = next;
                continue;
            }
        }
        i += 1;
    }
    content.too_many_sheets(listed, limits.sheets);
    Ok(content)
}

fn count(node: &Node, attr: &str) -> u32 {
    node.attr(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// A sheet being read: its cells and merged ranges so far, the open row's
/// cells, and why it is refused once a budget is passed.
struct Sheet<'l> {
    cells: Vec<(Pos, CellValue)>,
    merges: Vec<CellRange>,
    row_cells: Vec<(u32, CellValue)>,
    too_big: Option<String>,
    limits: &'l Limits,
}

impl Sheet<'_> {
    fn refuse(&mut self, reason: impl FnOnce() -> String) {
        self.too_big.get_or_insert_with(reason);
    }

    /// Copies the finished row's cells `repeat` times (at most
    /// [`MAX_REPEAT`]) unless that passes [`Limits::cells_per_sheet`].
    fn flush_row(&mut self, row: u32, repeat: u32) {
        let copies = if self.row_cells.is_empty() {
            1
        } else {
            repeat.min(MAX_REPEAT)
        };
        let max = self.limits.cells_per_sheet;
        if self.cells.len() + copies as usize * self.row_cells.len() > max {
            self.refuse(|| format!("its repeated rows and columns ask for more than {max} cells (limits.cells_per_sheet); not read"));
            self.row_cells.clear();
        }
        for k in 0..copies {
            for (c, v) in &self.row_cells {
                self.cells
                    .push((Pos::new(row.saturating_add(k), *c), v.clone()));
            }
        }
    }

    /// A cell with a value at (`row`, `col`), repeated over `repeat`
    /// columns, spanning what `node` says.
    fn add_cell(&mut self, node: &Node, v: CellValue, (row, col): (u32, u32), repeat: u32) {
        if self.row_cells.len() >= self.limits.cells_per_sheet {
            return;
        }
        for k in 0..repeat.min(MAX_REPEAT) {
            self.row_cells.push((col.saturating_add(k), v.clone()));
        }
        let (cs, rs) = (
            count(node, "number-columns-spanned"),
            count(node, "number-rows-spanned"),
        );
        let covered = matches!(node, Node::Open { name, .. } if name == "covered-table-cell");
        if covered || (cs == 1 && rs == 1) {
            return;
        }
        let max = self.limits.merges_per_sheet;
        if self.merges.len() == max {
            self.refuse(|| {
                format!("more than {max} merged ranges (limits.merges_per_sheet); not read")
            });
        } else {
            self.merges.push(CellRange::new(
                Pos::new(row, col),
                Pos::new(row.saturating_add(rs - 1), col.saturating_add(cs - 1)),
            ));
        }
    }
}

/// Reads one `table:table` from `start` (after its opening tag); returns
/// the grid, the index after its closing tag, and why the sheet was not
/// read when it passes a budget of `limits`.
fn table(
    nodes: &[Node],
    start: usize,
    display: &str,
    sheet: &str,
    limits: &Limits,
) -> (Grid, usize, Option<String>) {
    let mut s = Sheet {
        cells: Vec::new(),
        merges: Vec::new(),
        row_cells: Vec::new(),
        too_big: None,
        limits,
    };
    let (mut row, mut col) = (0u32, 0u32);
    let mut row_repeat = 1;
    let mut i = start;
    let mut depth = 0usize;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Open { name, .. } if name == "table" => depth += 1,
            Node::Close(name) if name == "table" => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Node::Open { name, .. } if name == "table-row" && depth == 0 => {
                col = 0;
                row_repeat = count(&nodes[i], "number-rows-repeated");
                s.row_cells.clear();
            }
            Node::Close(name) if name == "table-row" && depth == 0 => {
                s.flush_row(row, row_repeat);
                row = row.saturating_add(row_repeat);
            }
            Node::Open { name, .. }
                if (name == "table-cell" || name == "covered-table-cell") && depth == 0 =>
            {
                let repeat = count(&nodes[i], "number-columns-repeated");
                let (value, next) = cell_value(nodes, i);
                if let Some(v) = value {
                    s.add_cell(&nodes[i], v, (row, col), repeat);
                }
                col = col.saturating_add(repeat);
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if s.too_big.is_some() {
        s.cells.clear();
        s.merges.clear();
    }
    (
        Grid::new(display, sheet, s.cells, s.merges),
        i + 1,
        s.too_big,
    )
}

/// The value of the cell opening at `at`, and the index after the cell.
fn cell_value(nodes: &[Node], at: usize) -> (Option<CellValue>, usize) {
    let node = &nodes[at];
    let mut i = at + 1;
    let mut paragraphs: Vec<String> = Vec::new();
    let empty = matches!(node, Node::Open { empty: true, .. });
    if !empty {
        let mut depth = 0;
        // A reviewer's comment on the cell (office:annotation) is not its text.
        let mut comment = 0;
        while i < nodes.len() {
            match &nodes[i] {
                Node::Open {
                    name, empty: false, ..
                } if name == "annotation" => comment += 1,
                Node::Close(name) if name == "annotation" => comment -= 1,
                _ if comment > 0 => {}
                Node::Open { name, .. } if name == "p" => paragraphs.push(String::new()),
                Node::Open { name, .. } if name == "s" => {
                    let n = count(&nodes[i], "c") as usize;
                    if let Some(p) = paragraphs.last_mut() {
                        p.push_str(&" ".repeat(n.min(64)));
                    }
                }
                Node::Open { name, .. } if name == "tab" => {
                    if let Some(p) = paragraphs.last_mut() {
                        p.push('\t');
                    }
                }
                Node::Open { name, .. } if name == "line-break" => {
                    if let Some(p) = paragraphs.last_mut() {
                        p.push('\n');
                    }
                }
                Node::Text(t) => {
                    if let Some(p) = paragraphs.last_mut() {
                        p.push_str(t);
                    }
                }
                Node::Open {
                    name, empty: false, ..
                } if name == "table-cell" || name == "covered-table-cell" => depth += 1,
                Node::Close(name) if name == "table-cell" || name == "covered-table-cell" => {
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            i += 1;
        }
    } else {
        i += 1; // the synthetic Close of an empty element
    }
    let text = paragraphs.join("\n");
    let value = match node.attr("value-type") {
        Some("float" | "percentage" | "currency") => node
            .attr("value")
            .and_then(|v| v.parse::<f64>().ok())
            .map(CellValue::Number)
            .or_else(|| (!text.is_empty()).then(|| CellValue::Text(text.as_str().into()))),
        Some("boolean") => Some(CellValue::Bool(node.attr("boolean-value") == Some("true"))),
        Some("date") => node.attr("date-value").map(|d| CellValue::Text(d.into())),
        Some("time") => node.attr("time-value").map(|d| CellValue::Text(d.into())),
        // A string may be in the attribute alone (office:string-value).
        _ if text.is_empty() => node
            .attr("string-value")
            .filter(|v| !v.is_empty())
            .map(|v| CellValue::Text(v.into())),
        _ => Some(CellValue::Text(text.into())),
    };
    (value, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grid of a `content.xml` holding one table of `rows`, and why it
    /// was not read.
    fn table_of(rows: &str) -> (Grid, Option<String>) {
        let xml = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let nodes = parse(&xml).unwrap();
        let at = nodes
            .iter()
            .position(|n| matches!(n, Node::Open { name, .. } if name == "table"))
            .unwrap();
        let (grid, _, too_big) = table(&nodes, at + 1, "f.ods", "S", &Limits::default());
        (grid, too_big)
    }

    /// The cells of a table of one row of `cells`.
    fn cells_of(cells: &str) -> Vec<(Pos, CellValue)> {
        let (grid, _) = table_of(&format!("<table:table-row>{cells}</table:table-row>"));
        grid.cells().map(|(p, v)| (p, v.clone())).collect()
    }

    #[test]
    fn a_comment_on_a_cell_is_not_its_text() {
        let got = cells_of(
            r#"<table:table-cell office:value-type="string"><office:annotation><text:p>审核意见：请核对</text:p></office:annotation><text:p>项目名称</text:p></table:table-cell>"#,
        );
        assert_eq!(got, [(Pos::new(0, 0), CellValue::Text("项目名称".into()))]);
    }

    #[test]
    fn a_string_in_the_attribute_alone_is_read() {
        let got = cells_of(
            r#"<table:table-cell office:value-type="string" office:string-value="项目编码"/>"#,
        );
        assert_eq!(got, [(Pos::new(0, 0), CellValue::Text("项目编码".into()))]);
    }

    #[test]
    fn repeats_that_ask_for_billions_of_cells_are_refused() {
        // A few hundred bytes: 1,000 columns × 1,000,000 rows of one value.
        let row = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
        let (_, too_big) = table_of(&format!("{row}{row}{row}"));
        assert!(too_big.is_some_and(|r| r.contains("more than")));
    }
}
