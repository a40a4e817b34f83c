//! The one shape every input format is read into: a sheet of cells with
//! merged ranges, its sheet name and the file it came from.
//!
//! Coordinates are 0-based `(row, col)` in the sheet's own space, so a cell's
//! A1 address is the one a spreadsheet program shows. Only non-blank cells
//! are stored, so a sheet that claims a huge used range costs nothing beyond
//! its real content.
//!
//! Imports no other module of the crate.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A cell's value as the file holds it. Readers never interpret it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    /// Text; shared, as a workbook's shared strings are, so that a label
    /// repeated on every form is held once.
    Text(Arc<str>),
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
            CellValue::Text(s) => Cow::Borrowed(s),
            CellValue::Error(s) => Cow::Borrowed(s.as_str()),
            CellValue::Number(n) => Cow::Owned(format_number(*n)),
            CellValue::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        }
    }

    /// Empty, or text that is only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.chars().all(char::is_whitespace),
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
    // Whole numbers (most numeric cells) print as integers, the same digits
    // `f64`'s `Display` gives and several times faster.
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return (n as i64).to_string();
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

    /// Reads an A1 address (`C5`, `$C$5`); `None` when it is not one.
    pub fn parse_a1(s: &str) -> Option<Pos> {
        Pos::parse_a1_bytes(s.trim().as_bytes())
    }

    /// [`Pos::parse_a1`] over bytes (an attribute of sheet XML).
    pub fn parse_a1_bytes(s: &[u8]) -> Option<Pos> {
        // What sheet XML writes (`B4`): capitals, then at most 9 digits.
        let letters = s.iter().take_while(|b| b.is_ascii_uppercase()).count();
        let digits = &s[letters..];
        if (1..=3).contains(&letters)
            && (1..=9).contains(&digits.len())
            && digits.iter().all(u8::is_ascii_digit)
        {
            let col = s[..letters]
                .iter()
                .fold(0u32, |c, b| c * 26 + u32::from(b - b'A' + 1));
            let row = digits
                .iter()
                .fold(0u32, |r, b| r * 10 + u32::from(b - b'0'));
            return (row >= 1).then(|| Pos::new(row - 1, col - 1));
        }
        Pos::parse_a1_any(s)
    }

    /// [`Pos::parse_a1_bytes`] of anything else: spaces around, `$`
    /// anywhere, small letters.
    fn parse_a1_any(s: &[u8]) -> Option<Pos> {
        let mut bytes = s
            .trim_ascii()
            .iter()
            .copied()
            .filter(|b| *b != b'$')
            .peekable();
        let (mut col, mut letters) = (0u32, 0);
        while let Some(b) = bytes.next_if(u8::is_ascii_alphabetic) {
            letters += 1;
            if letters > 3 {
                // Past XFD: no column (and no overflow of `col`).
                return None;
            }
            col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
        }
        if letters == 0 {
            return None;
        }
        let (mut row, mut digits) = (0u32, 0);
        for b in bytes {
            if !b.is_ascii_digit() {
                return None;
            }
            row = row.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
            digits += 1;
        }
        (digits > 0 && row >= 1).then(|| Pos::new(row - 1, col - 1))
    }

    /// The A1 address of this cell (`C5`).
    pub fn a1(&self) -> String {
        self.a1_in(&mut [0; A1_MAX]).to_string()
    }

    /// The A1 address written into `buf`, from its end (no allocation).
    pub fn a1_in<'b>(&self, buf: &'b mut [u8; A1_MAX]) -> &'b str {
        let mut i = buf.len();
        i -= decimal_digits(u64::from(self.row) + 1, &mut buf[..i]);
        i -= column_letters(self.col, &mut buf[..i]);
        std::str::from_utf8(&buf[i..]).expect("ASCII letters and digits")
    }
}

/// The longest A1 address of a [`Pos`]: 7 letters (a `u32` column) and 10
/// digits (a `u32` row).
pub const A1_MAX: usize = 17;

/// Writes the decimal digits of `n` at the end of `buf` (20 bytes hold any
/// `u64`); returns how many.
pub fn decimal_digits(mut n: u64, buf: &mut [u8]) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.len() - i
}

/// Writes the letters of 0-based column `col` at the end of `buf`; returns
/// how many.
fn column_letters(col: u32, buf: &mut [u8]) -> usize {
    let mut n = u64::from(col) + 1;
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    buf.len() - i
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.a1_in(&mut [0; A1_MAX]))
    }
}

/// Spreadsheet column letters for a 0-based column: 0 → `A`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    let mut buf = [0; A1_MAX];
    let n = column_letters(col, &mut buf);
    String::from_utf8(buf[A1_MAX - n..].to_vec()).expect("ASCII letters")
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

/// How many rows past its first row a merged range is indexed. Real forms
/// merge a few rows; a merge reaching much further (a styled-empty sheet)
/// holds nothing past its first cell worth finding.
const MERGE_ROWS: u32 = 1024;

/// The most (row, range) entries the merge index of one sheet holds: past
/// it, further ranges are indexed on their first row only, so overlapping
/// tall ranges by the thousand cost memory in proportion to the file.
const MERGE_INDEX_BUDGET: usize = 1 << 20;

/// One sheet (or one document table) of one file.
///
/// Storage is sparse: the non-blank cells sorted row-major, so a sheet that
/// claims a huge used range, or has two cells a million rows apart, costs
/// what its content costs.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The file as it is named in outputs (relative to its input root).
    pub file: Arc<str>,
    /// The sheet name, or `table N` for a document table.
    pub sheet: Arc<str>,
    cells: Vec<(Pos, CellValue)>,
    merges: Vec<CellRange>,
    /// (row, index into `merges`) for each row a range covers (up to
    /// `MERGE_ROWS`), sorted: a row's ranges are a run found by binary
    /// search, in the order they were given.
    merge_rows: Vec<(u32, u32)>,
    rows: (u32, u32),
    cols: (u32, u32),
    captions: Vec<String>,
}

impl Grid {
    /// Builds a grid from cells and merged ranges. Blank cells are dropped;
    /// merged ranges whose value cell is blank are dropped too (they show
    /// nothing), and the rest are indexed for at most `MERGE_ROWS` rows.
    pub fn new(
        file: impl Into<Arc<str>>,
        sheet: impl Into<Arc<str>>,
        cells: impl IntoIterator<Item = (Pos, CellValue)>,
        merges: impl IntoIterator<Item = CellRange>,
    ) -> Grid {
        let mut cells: Vec<(Pos, CellValue)> =
            cells.into_iter().filter(|(_, v)| !v.is_blank()).collect();
        cells.sort_by_key(|(p, _)| *p);
        cells.dedup_by_key(|(p, _)| *p);
        let mut grid = Grid {
            file: file.into(),
            sheet: sheet.into(),
            cells,
            merges: Vec::new(),
            merge_rows: Vec::new(),
            rows: (0, 0),
            cols: (0, 0),
            captions: Vec::new(),
        };
        if grid.cells.is_empty() {
            return grid;
        }
        let first_row = grid.cells[0].0.row;
        let mut last_row = grid.cells[grid.cells.len() - 1].0.row;
        let mut first_col = u32::MAX;
        let mut last_col = 0;
        for (p, _) in &grid.cells {
            first_col = first_col.min(p.col);
            last_col = last_col.max(p.col);
        }
        let mut anchors = rustc_hash::FxHashSet::default();
        for m in merges {
            // A range starting where another starts overlaps it (Excel
            // refuses both): the first given is kept, as Excel shows it.
            if m.first == m.last || grid.find(m.first).is_none() || !anchors.insert(m.first) {
                continue;
            }
            let id = grid.merges.len() as u32;
            let rows = if grid.merge_rows.len() < MERGE_INDEX_BUDGET {
                MERGE_ROWS
            } else {
                0
            };
            let indexed_last = m.last.row.min(m.first.row.saturating_add(rows));
            for r in m.first.row..=indexed_last {
                grid.merge_rows.push((r, id));
            }
            last_row = last_row.max(indexed_last);
            last_col = last_col.max(m.last.col.min(m.first.col.saturating_add(MERGE_ROWS)));
            grid.merges.push(m);
        }
        grid.merge_rows.sort_unstable();
        grid.rows = (first_row, last_row);
        grid.cols = (first_col, last_col);
        grid
    }

    /// Text that precedes the grid outside it, nearest last: the
    /// paragraphs before a Word table (its title, the document's heading).
    pub fn with_captions(mut self, captions: Vec<String>) -> Grid {
        self.captions = captions;
        self
    }

    pub fn captions(&self) -> &[String] {
        &self.captions
    }

    fn find(&self, p: Pos) -> Option<usize> {
        self.cells.binary_search_by_key(&p, |(q, _)| *q).ok()
    }

    /// True when the sheet holds no non-blank cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// First and last rows holding content or a merged range that shows
    /// content, inclusive; `None` for an empty sheet.
    pub fn row_span(&self) -> Option<(u32, u32)> {
        (!self.is_empty()).then_some(self.rows)
    }

    /// First and last columns, likewise.
    pub fn col_span(&self) -> Option<(u32, u32)> {
        (!self.is_empty()).then_some(self.cols)
    }

    /// The merged range covering `p`, if any.
    pub fn merge_at(&self, p: Pos) -> Option<CellRange> {
        let start = self.merge_rows.partition_point(|(r, _)| *r < p.row);
        self.merge_rows[start..]
            .iter()
            .take_while(|(r, _)| *r == p.row)
            .map(|(_, id)| self.merges[*id as usize])
            .find(|m| m.contains(p))
    }

    /// The cell that holds the value shown at `p`: the top-left of its merged
    /// range, or `p` itself.
    pub fn owner(&self, p: Pos) -> Pos {
        self.merge_at(p).map_or(p, |m| m.first)
    }

    /// The value shown at `p`, with merged ranges resolved (every cell of a
    /// merged range shows the range's value).
    pub fn value(&self, p: Pos) -> &CellValue {
        self.own_value(self.owner(p))
    }

    /// The value of the cell at `owner` itself, with no merged range looked
    /// up.
    pub fn own_value(&self, owner: Pos) -> &CellValue {
        static EMPTY: CellValue = CellValue::Empty;
        self.find(owner).map_or(&EMPTY, |i| &self.cells[i].1)
    }

    /// The value at `p` as trimmed text (merged ranges resolved).
    pub fn text(&self, p: Pos) -> Cow<'_, str> {
        self.own_text(self.owner(p))
    }

    /// The trimmed text of the cell at `owner` itself, with no merged range
    /// looked up: for a position already resolved by [`Grid::owner`].
    pub fn own_text(&self, owner: Pos) -> Cow<'_, str> {
        match self.own_value(owner).text() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            // A number's text has no white space to trim.
            Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
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

    /// Every non-blank cell (merged ranges not expanded), row-major.
    pub fn cells(&self) -> impl Iterator<Item = (Pos, &CellValue)> + '_ {
        self.cells.iter().map(|(p, v)| (*p, v))
    }

    /// The non-blank cells within the given rows and columns (inclusive),
    /// row-major. Costs what the cells of those rows cost, never the area.
    pub fn cells_in(
        &self,
        rows: (u32, u32),
        cols: (u32, u32),
    ) -> impl Iterator<Item = (Pos, &CellValue)> + '_ {
        let start = self
            .cells
            .partition_point(|(p, _)| *p < Pos::new(rows.0, 0));
        self.cells[start..]
            .iter()
            .take_while(move |(p, _)| p.row <= rows.1)
            .filter(move |(p, _)| p.col >= cols.0 && p.col <= cols.1)
            .map(|(p, v)| (*p, v))
    }

    /// The rows within `rows` (inclusive) that hold at least one non-blank
    /// cell, ascending.
    pub fn content_rows(&self, rows: (u32, u32)) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .cells_in(rows, (0, u32::MAX))
            .map(|(p, _)| p.row)
            .collect();
        out.dedup();
        out
    }

    /// The merged ranges whose value cell holds content.
    pub fn merges(&self) -> &[CellRange] {
        &self.merges
    }
}

/// A merged range for [`test_grid`]: first and last cell, (row, column).
#[cfg(test)]
pub(crate) type TestMerge = ((u32, u32), (u32, u32));

/// A sheet of text cells and merged ranges, for other modules' tests.
#[cfg(test)]
pub(crate) fn test_grid(cells: &[(u32, u32, &str)], merges: &[TestMerge]) -> Grid {
    Grid::new(
        "f.xlsx",
        "S",
        cells
            .iter()
            .map(|(r, c, t)| (Pos::new(*r, *c), CellValue::Text((*t).into()))),
        merges
            .iter()
            .map(|(a, b)| CellRange::new(Pos::new(a.0, a.1), Pos::new(b.0, b.1)))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_with_too_many_letters_is_no_cell() {
        // Was an overflow (a panic in debug builds) that lost the workbook.
        assert_eq!(Pos::parse_a1("AAAAAAAA60"), None);
        assert_eq!(Pos::parse_a1("aaaaaaaaaaaaaaaaaaaaaaaaa1"), None);
        assert_eq!(
            Pos::parse_a1("XFD1048576"),
            Some(Pos::new(1_048_575, 16_383))
        );
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.into())
    }

    #[test]
    fn a1_addresses() {
        assert_eq!(Pos::new(0, 0).a1(), "A1");
        assert_eq!(Pos::new(4, 2).a1(), "C5");
        assert_eq!(Pos::new(9, 25).a1(), "Z10");
        assert_eq!(Pos::new(0, 26).a1(), "AA1");
        assert_eq!(Pos::new(1_048_575, 16_383).a1(), "XFD1048576");
        assert_eq!(Pos::new(u32::MAX, u32::MAX).a1(), "MWLQKWV4294967296");
        assert_eq!(format!("{}", Pos::new(4, 2)), "C5");
        assert_eq!(column_name(27), "AB");
    }

    #[test]
    fn a1_addresses_parse() {
        assert_eq!(Pos::parse_a1("C5"), Some(Pos::new(4, 2)));
        assert_eq!(Pos::parse_a1("$AA$1"), Some(Pos::new(0, 26)));
        assert_eq!(
            Pos::parse_a1("XFD1048576"),
            Some(Pos::new(1_048_575, 16_383))
        );
        assert_eq!(Pos::parse_a1("A0"), None);
        assert_eq!(Pos::parse_a1("5"), None);
        assert_eq!(Pos::parse_a1("AB"), None);
        assert_eq!(Pos::parse_a1("c5"), Some(Pos::new(4, 2)));
        assert_eq!(Pos::parse_a1_bytes(b"C5$"), Some(Pos::new(4, 2)));
        assert_eq!(Pos::parse_a1_bytes(b"A0"), None);
        assert_eq!(
            Pos::parse_a1_bytes(b"A1234567890"),
            Some(Pos::new(1_234_567_889, 0))
        );
        assert_eq!(Pos::parse_a1_bytes(b"A99999999999"), None);
        assert_eq!(Pos::parse_a1_bytes(b"ABCD1"), None);
    }

    #[test]
    fn numbers_print_as_shortest_decimal() {
        assert_eq!(CellValue::Number(20.11).text(), "20.11");
        assert_eq!(CellValue::Number(100.0).text(), "100");
        assert_eq!(CellValue::Number(85100.0).text(), "85100");
        assert_eq!(CellValue::Number(-0.0).text(), "0");
        assert_eq!(CellValue::Number(1e20).text(), "100000000000000000000");
        for n in [
            1.0,
            -1.0,
            85100.0,
            4503599627370496.0,
            8999999999999998.0,
            -123456789.0,
        ] {
            assert_eq!(CellValue::Number(n).text(), format!("{n}"), "{n}");
        }
    }

    #[test]
    fn ranges_sharing_a_first_cell_are_indexed_once_the_first_kept() {
        // 100,000 copies of one whole-sheet range cost 100,000 x 1,025
        // index entries before: 800 MB.
        let whole = ((0, 0), (1_048_575, 16_383));
        let mut merges = vec![((0, 0), (1, 1))];
        merges.extend(std::iter::repeat_n(whole, 50_000));
        let g = test_grid(&[(0, 0, "项目名称")], &merges);
        assert_eq!(g.merges().len(), 1);
        assert_eq!(g.merge_rows.len(), 2);
        assert_eq!(g.text(Pos::new(1, 1)), "项目名称");
        assert_eq!(g.text(Pos::new(2, 2)), "");
    }

    #[test]
    fn tall_ranges_past_the_index_budget_are_indexed_on_their_first_row() {
        let cells: Vec<(u32, u32, &str)> = (0..3000).map(|c| (0, c, "x")).collect();
        let merges: Vec<TestMerge> = (0..3000).map(|c| ((0, c), (1_000_000, c))).collect();
        let g = test_grid(&cells, &merges);
        assert_eq!(g.merges().len(), 3000);
        assert!(g.merge_rows.len() <= MERGE_INDEX_BUDGET + 1025 + 3000);
        assert_eq!(g.text(Pos::new(0, 2999)), "x");
        assert_eq!(
            g.text(Pos::new(5, 0)),
            "x",
            "the first ranges are indexed in full"
        );
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
            vec![
                CellRange::new(Pos::new(5, 5), Pos::new(1_048_575, 16_383)),
                CellRange::new(Pos::new(7, 7), Pos::new(9, 9)),
            ],
        );
        assert_eq!(g.cells().count(), 1);
        assert_eq!(g.merges().len(), 1, "a merge showing nothing is dropped");
        assert_eq!(g.text(Pos::new(900, 900)), "x");
        assert_eq!(
            g.text(Pos::new(1_000_000, 5)),
            "",
            "indexed for MERGE_ROWS rows only"
        );
        assert_eq!(g.row_span(), Some((5, 5 + MERGE_ROWS)));
    }

    #[test]
    fn cells_far_apart_cost_only_themselves() {
        let g = Grid::new(
            "f.xlsx",
            "S",
            vec![
                (Pos::new(0, 0), text("a")),
                (Pos::new(1_048_575, 16_383), text("z")),
            ],
            vec![],
        );
        assert_eq!(g.row_span(), Some((0, 1_048_575)));
        assert_eq!(g.text(Pos::new(1_048_575, 16_383)), "z");
        assert_eq!(g.content_rows((0, 1_048_575)), vec![0, 1_048_575]);
        let row: Vec<Pos> = g
            .cells_in((1_048_575, 1_048_575), (0, 16_383))
            .map(|(p, _)| p)
            .collect();
        assert_eq!(row, vec![Pos::new(1_048_575, 16_383)]);
    }

    #[test]
    fn an_empty_sheet_is_empty() {
        let g = Grid::new("f", "S", vec![(Pos::new(0, 0), text("  "))], vec![]);
        assert!(g.is_empty());
        assert_eq!(g.text(Pos::new(0, 0)), "");
        assert_eq!(g.row_span(), None);
    }
}
