//! The one shape every input format is read into: a sheet of cells with
//! merged ranges, its sheet name and the file it came from.
//!
//! Coordinates are 0-based `(row, col)` in the sheet's own space, so a cell's
//! A1 address is the one a spreadsheet program shows. Only the bounding box of
//! non-empty cells is stored, so a sheet that claims a huge used range costs
//! nothing beyond its real content.

use std::borrow::Cow;
use std::fmt;

/// A cell's value as the file holds it. Readers never interpret it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A formula error such as `#DIV/0!`, kept as written.
    Error(String),
}

impl CellValue {
    /// The cell as text. A number prints as its shortest round-trip decimal
    /// (`20.11`, `85100`), the text a spreadsheet stores for it, so it can be
    /// parsed into an exact decimal without binary floating point noise.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            CellValue::Empty => Cow::Borrowed(""),
            CellValue::Text(s) | CellValue::Error(s) => Cow::Borrowed(s.as_str()),
            CellValue::Number(n) => Cow::Owned(format_number(*n)),
            CellValue::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        }
    }

    /// Empty, or text that is only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Shortest decimal text that reads back as the same `f64`; integers without
/// a fraction. Rust's `Display` for `f64` never uses exponent notation.
pub fn format_number(n: f64) -> String {
    if n == 0.0 {
        // Also maps -0.0 to "0".
        return "0".to_string();
    }
    format!("{n}")
}

/// A 0-based cell position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub row: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(row: u32, col: u32) -> Pos {
        Pos { row, col }
    }

    /// The A1 address of this cell (`C5`).
    pub fn a1(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", column_name(self.col), self.row as u64 + 1)
    }
}

/// Spreadsheet column letters for a 0-based column: 0 → `A`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// An inclusive rectangle of cells, as a merged range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRange {
    pub first: Pos,
    pub last: Pos,
}

impl CellRange {
    pub fn new(first: Pos, last: Pos) -> CellRange {
        CellRange {
            first: Pos::new(first.row.min(last.row), first.col.min(last.col)),
            last: Pos::new(first.row.max(last.row), first.col.max(last.col)),
        }
    }

    pub fn contains(&self, p: Pos) -> bool {
        p.row >= self.first.row
            && p.row <= self.last.row
            && p.col >= self.first.col
            && p.col <= self.last.col
    }
}

impl fmt::Display for CellRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.first, self.last)
    }
}

const NO_MERGE: u32 = u32::MAX;

/// How far past the last content row or column a merged range may extend
/// the stored box; the rest of a huge merge holds nothing worth storing.
const MERGE_SLACK: u32 = 64;

/// One sheet (or one document table) of one file.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The file as it is named in outputs (relative to its input root).
    pub file: String,
    /// The sheet name, or `table N` for a document table.
    pub sheet: String,
    origin: Pos,
    nrows: u32,
    ncols: u32,
    cells: Vec<CellValue>,
    merges: Vec<CellRange>,
    /// For each stored cell, the index into `merges` of the range covering it.
    merge_of: Vec<u32>,
}

impl Grid {
    /// Builds a grid from sparse cells and merged ranges. Blank cells are
    /// dropped; storage covers only the bounding box of the remaining ones.
    /// Merged ranges are clipped to that box (a merge whose top-left cell
    /// lies outside holds no value and is dropped).
    pub fn new(
        file: impl Into<String>,
        sheet: impl Into<String>,
        cells: impl IntoIterator<Item = (Pos, CellValue)>,
        merges: impl IntoIterator<Item = CellRange>,
    ) -> Grid {
        let cells: Vec<(Pos, CellValue)> =
            cells.into_iter().filter(|(_, v)| !v.is_blank()).collect();
        let mut grid = Grid {
            file: file.into(),
            sheet: sheet.into(),
            origin: Pos::new(0, 0),
            nrows: 0,
            ncols: 0,
            cells: Vec::new(),
            merges: Vec::new(),
            merge_of: Vec::new(),
        };
        if cells.is_empty() {
            return grid;
        }
        let min_row = cells.iter().map(|(p, _)| p.row).min().unwrap_or(0);
        let min_col = cells.iter().map(|(p, _)| p.col).min().unwrap_or(0);
        let content_max_row = cells.iter().map(|(p, _)| p.row).max().unwrap_or(0);
        let content_max_col = cells.iter().map(|(p, _)| p.col).max().unwrap_or(0);
        // A merged range whose value cell holds content may reach past the
        // last content row or column (a label merged over the last two
        // rows); the box grows to hold it, by at most MERGE_SLACK.
        let merges: Vec<CellRange> = merges
            .into_iter()
            .filter(|m| {
                (min_row..=content_max_row).contains(&m.first.row)
                    && (min_col..=content_max_col).contains(&m.first.col)
            })
            .collect();
        let max_row = merges
            .iter()
            .map(|m| m.last.row.min(content_max_row.saturating_add(MERGE_SLACK)))
            .fold(content_max_row, u32::max);
        let max_col = merges
            .iter()
            .map(|m| m.last.col.min(content_max_col.saturating_add(MERGE_SLACK)))
            .fold(content_max_col, u32::max);
        grid.origin = Pos::new(min_row, min_col);
        grid.nrows = max_row - min_row + 1;
        grid.ncols = max_col - min_col + 1;
        let size = grid.nrows as usize * grid.ncols as usize;
        grid.cells = vec![CellValue::Empty; size];
        grid.merge_of = vec![NO_MERGE; size];
        for (p, v) in cells {
            let i = grid.index(p).expect("inside bounding box");
            grid.cells[i] = v;
        }
        for m in merges {
            let last = Pos::new(m.last.row.min(max_row), m.last.col.min(max_col));
            let clipped = CellRange::new(m.first, last);
            if clipped.first == clipped.last {
                continue;
            }
            let id = grid.merges.len() as u32;
            grid.merges.push(clipped);
            for r in clipped.first.row..=clipped.last.row {
                for c in clipped.first.col..=clipped.last.col {
                    let i = grid.index(Pos::new(r, c)).expect("clipped to the box");
                    if grid.merge_of[i] == NO_MERGE {
                        grid.merge_of[i] = id;
                    }
                }
            }
        }
        grid
    }

    fn in_box(&self, p: Pos) -> bool {
        p.row >= self.origin.row
            && p.col >= self.origin.col
            && p.row < self.origin.row + self.nrows
            && p.col < self.origin.col + self.ncols
    }

    fn index(&self, p: Pos) -> Option<usize> {
        if !self.in_box(p) {
            return None;
        }
        let r = (p.row - self.origin.row) as usize;
        let c = (p.col - self.origin.col) as usize;
        Some(r * self.ncols as usize + c)
    }

    /// True when the sheet holds no non-blank cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// First and last rows of the stored box (content, and merged ranges
    /// reaching past it), inclusive; `None` for an empty sheet.
    pub fn row_span(&self) -> Option<(u32, u32)> {
        (!self.is_empty()).then(|| (self.origin.row, self.origin.row + self.nrows - 1))
    }

    /// First and last columns of the stored box, inclusive.
    pub fn col_span(&self) -> Option<(u32, u32)> {
        (!self.is_empty()).then(|| (self.origin.col, self.origin.col + self.ncols - 1))
    }

    /// The merged range covering `p`, if any.
    pub fn merge_at(&self, p: Pos) -> Option<CellRange> {
        let i = self.index(p)?;
        let id = self.merge_of[i];
        (id != NO_MERGE).then(|| self.merges[id as usize])
    }

    /// The cell that holds the value shown at `p`: the top-left of its merged
    /// range, or `p` itself.
    pub fn owner(&self, p: Pos) -> Pos {
        self.merge_at(p).map_or(p, |m| m.first)
    }

    /// The value shown at `p`, with merged ranges resolved (every cell of a
    /// merged range shows the range's value).
    pub fn value(&self, p: Pos) -> &CellValue {
        static EMPTY: CellValue = CellValue::Empty;
        let owner = self.owner(p);
        self.index(owner).map_or(&EMPTY, |i| &self.cells[i])
    }

    /// The value at `p` as trimmed text (merged ranges resolved).
    pub fn text(&self, p: Pos) -> Cow<'_, str> {
        match self.value(p).text() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        }
    }

    /// The last column of the merged range at `p`, or `p.col`.
    pub fn right_edge(&self, p: Pos) -> u32 {
        self.merge_at(p).map_or(p.col, |m| m.last.col)
    }

    /// The last row of the merged range at `p`, or `p.row`.
    pub fn bottom_edge(&self, p: Pos) -> u32 {
        self.merge_at(p).map_or(p.row, |m| m.last.row)
    }

    /// Every stored non-blank cell (merged ranges not expanded), row-major.
    pub fn cells(&self) -> impl Iterator<Item = (Pos, &CellValue)> + '_ {
        let ncols = self.ncols as usize;
        let origin = self.origin;
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_blank())
            .map(move |(i, v)| {
                let r = (i / ncols) as u32 + origin.row;
                let c = (i % ncols) as u32 + origin.col;
                (Pos::new(r, c), v)
            })
    }

    /// The merged ranges that survived clipping.
    pub fn merges(&self) -> &[CellRange] {
        &self.merges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_string())
    }

    #[test]
    fn a1_addresses() {
        assert_eq!(Pos::new(0, 0).a1(), "A1");
        assert_eq!(Pos::new(4, 2).a1(), "C5");
        assert_eq!(Pos::new(9, 25).a1(), "Z10");
        assert_eq!(Pos::new(0, 26).a1(), "AA1");
        assert_eq!(Pos::new(1_048_575, 16_383).a1(), "XFD1048576");
    }

    #[test]
    fn numbers_print_as_shortest_decimal() {
        assert_eq!(CellValue::Number(20.11).text(), "20.11");
        assert_eq!(CellValue::Number(100.0).text(), "100");
        assert_eq!(CellValue::Number(85100.0).text(), "85100");
        assert_eq!(CellValue::Number(-0.0).text(), "0");
        assert_eq!(CellValue::Number(1e20).text(), "100000000000000000000");
    }

    #[test]
    fn merged_cells_show_their_range_value() {
        let g = Grid::new(
            "f.xlsx",
            "S",
            vec![
                (Pos::new(2, 1), text("预算规模及资金用途")),
                (Pos::new(2, 2), text("预算数")),
            ],
            vec![CellRange::new(Pos::new(2, 1), Pos::new(3, 1))],
        );
        assert_eq!(g.text(Pos::new(3, 1)), "预算规模及资金用途");
        assert_eq!(g.owner(Pos::new(3, 1)), Pos::new(2, 1));
        assert_eq!(g.bottom_edge(Pos::new(2, 1)), 3);
        assert_eq!(g.text(Pos::new(3, 2)), "");
        assert_eq!(g.row_span(), Some((2, 3)));
        assert_eq!(g.text(Pos::new(9, 9)), "");
    }

    #[test]
    fn storage_covers_only_content_even_for_huge_merges() {
        let g = Grid::new(
            "f.xlsx",
            "S",
            vec![
                (Pos::new(5, 5), text("x")),
                (Pos::new(6, 6), CellValue::Empty),
            ],
            vec![CellRange::new(Pos::new(5, 5), Pos::new(1_048_575, 16_383))],
        );
        assert_eq!(g.row_span(), Some((5, 5 + MERGE_SLACK)));
        assert_eq!(g.col_span(), Some((5, 5 + MERGE_SLACK)));
        assert_eq!(g.merges().len(), 1);
        assert_eq!(g.cells().count(), 1);
    }

    #[test]
    fn an_empty_sheet_is_empty() {
        let g = Grid::new("f", "S", vec![(Pos::new(0, 0), text("  "))], vec![]);
        assert!(g.is_empty());
        assert_eq!(g.text(Pos::new(0, 0)), "");
        assert_eq!(g.row_span(), None);
    }
}
