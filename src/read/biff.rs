//! Checks of an `.xls` (`.et`) workbook stream's records before calamine
//! reads it, where the file states its own sizes: calamine reserves what a
//! sheet's DIMENSIONS record claims, builds a dense range over the cells'
//! extent, copies a shared string into every cell that uses it, and joins
//! a record's CONTINUE pieces one at a time. Each check refuses, with the
//! record and the setting, a file whose claims break the format (BIFF8:
//! 65,536 rows, 256 columns) or a budget of `[limits]`; the worker
//! process bounds whatever passes ([`super::worker`]).

use super::Limits;

/// BIFF8's grid.
const MAX_ROWS: u64 = 65_536;
const MAX_COLS: u64 = 256;

/// A record continued in more pieces than this, averaging under
/// [`MIN_PIECE`] bytes, is refused: writers fill CONTINUE records
/// (8,224 bytes), and calamine joins them at a cost that grows with the
/// square of their number.
const MAX_PIECES: usize = 1_000;
const MIN_PIECE: usize = 256;

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const SST: u16 = 0x00FC;
const DIMENSIONS: u16 = 0x0200;
const LABEL_SST: u16 = 0x00FD;
const LABEL: u16 = 0x0204;
const RSTRING: u16 = 0x00D6;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const BOOLERR: u16 = 0x0205;
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;

/// One record with its CONTINUE pieces.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    pieces: Vec<&'a [u8]>,
}

/// The records of a stream; a record running past the end is an error.
fn records(stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, String>> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let (typ, data) = match split(&mut rest) {
            Ok(r) => r,
            Err(e) => {
                rest = &[];
                return Some(Err(e));
            }
        };
        let mut pieces = Vec::new();
        while rest.len() >= 4 && u16_at(rest, 0) == CONTINUE {
            match split(&mut rest) {
                Ok((_, piece)) => pieces.push(piece),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(Record { typ, data, pieces }))
    })
}

fn split<'a>(rest: &mut &'a [u8]) -> Result<(u16, &'a [u8]), String> {
    let typ = u16_at(rest, 0);
    let len = u16_at(rest, 2) as usize;
    let Some(data) = rest.get(4..4 + len) else {
        return Err(format!(
            "record 0x{typ:04X} runs past the end of the stream"
        ));
    };
    *rest = &rest[4 + len..];
    Ok((typ, data))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// What one sheet has used of its budgets so far.
#[derive(Default)]
struct Sheet {
    number: usize,
    cells: usize,
    text: u64,
    /// The first and last row and column holding a cell.
    extent: Option<[u64; 4]>,
}

impl Sheet {
    fn holds(&mut self, row: u64, first: u64, last: u64) {
        let e = self.extent.get_or_insert([row, row, first, last]);
        *e = [
            e[0].min(row),
            e[1].max(row),
            e[2].min(first),
            e[3].max(last),
        ];
    }

    /// calamine holds a sheet as a dense range over its cells' extent:
    /// two cells at A1 and IV65536 cost 16.7 million.
    fn area_ok(&self, limits: &Limits) -> Result<(), String> {
        let Some([r0, r1, c0, c1]) = self.extent else {
            return Ok(());
        };
        let area = (r1 - r0 + 1) * (c1 - c0 + 1);
        if area > limits.cells_per_sheet as u64 {
            return Err(format!(
                "sheet {}'s cells span {} rows × {} columns ({area} cells, which the .xls reader holds whole), more than limits.cells_per_sheet ({}); not read",
                self.number,
                r1 - r0 + 1,
                c1 - c0 + 1,
                limits.cells_per_sheet
            ));
        }
        Ok(())
    }
}

const BOUNDSHEET: u16 = 0x0085;

/// Why the stream must not be handed to calamine, or `Ok`. The records
/// are walked as calamine walks them: the globals to their EOF, then each
/// sheet from the position its BOUNDSHEET record gives.
pub fn check(stream: &[u8], limits: &Limits) -> Result<(), String> {
    let mut strings: Vec<u64> = Vec::new();
    let mut sheets: Vec<usize> = Vec::new();
    for record in records(stream) {
        let r = record?;
        pieces_ok(&r)?;
        match r.typ {
            SST => strings = shared_strings(&r, limits)?,
            BOUNDSHEET => sheets.push(u32_at(r.data, 0) as usize),
            EOF => break,
            _ => {}
        }
    }
    if sheets.len() > limits.sheets {
        return Err(format!(
            "the workbook lists {} sheets, more than limits.sheets ({}), and an .xls is read whole; not read",
            sheets.len(),
            limits.sheets
        ));
    }
    for (i, pos) in sheets.into_iter().enumerate() {
        let mut sheet = Sheet {
            number: i + 1,
            ..Sheet::default()
        };
        let (mut depth, mut seen_bof) = (0usize, false);
        for record in records(stream.get(pos..).unwrap_or(&[])) {
            let r = record?;
            pieces_ok(&r)?;
            match r.typ {
                BOF if seen_bof => depth += 1,
                BOF => seen_bof = true,
                EOF if depth == 0 => break,
                EOF => depth -= 1,
                _ if depth == 0 => cell_record(&r, &strings, &mut sheet, limits)?,
                _ => {}
            }
        }
        sheet.area_ok(limits)?;
    }
    Ok(())
}

fn pieces_ok(r: &Record<'_>) -> Result<(), String> {
    let n = r.pieces.len();
    let bytes: usize = r.pieces.iter().map(|p| p.len()).sum();
    if n > MAX_PIECES && bytes / n < MIN_PIECE {
        return Err(format!(
            "record 0x{:04X} is continued in {n} pieces averaging {} bytes (writers fill them to 8,224): a damaged or hostile file, not read",
            r.typ,
            bytes / n
        ));
    }
    Ok(())
}

/// Checks a sheet record that states a size or holds a cell.
fn cell_record(
    r: &Record<'_>,
    strings: &[u64],
    sheet: &mut Sheet,
    limits: &Limits,
) -> Result<(), String> {
    let d = r.data;
    let (cells, text): (u64, u64) = match r.typ {
        DIMENSIONS => return dimensions(d, sheet.number),
        LABEL_SST => (1, strings.get(u32_at(d, 6) as usize).copied().unwrap_or(0)),
        LABEL | RSTRING => (1, u64::from(u16_at(d, 6)) * 3),
        NUMBER | RK | BOOLERR | FORMULA => (1, 0),
        MULRK => {
            let last = u16_at(d, d.len().saturating_sub(2));
            (u64::from(last.saturating_sub(u16_at(d, 2))) + 1, 0)
        }
        _ => return Ok(()),
    };
    let col = match r.typ {
        MULRK => u16_at(d, d.len().saturating_sub(2)),
        _ => u16_at(d, 2),
    };
    sheet.holds(
        u64::from(u16_at(d, 0)),
        u64::from(u16_at(d, 2)),
        u64::from(col),
    );
    if u64::from(col) >= MAX_COLS {
        return Err(format!(
            "sheet {} has a cell in column {} (an .xls sheet has {MAX_COLS}): a damaged or hostile file, not read",
            sheet.number,
            u32::from(col) + 1
        ));
    }
    sheet.cells += cells as usize;
    sheet.text += text;
    if sheet.cells > limits.cells_per_sheet {
        return Err(format!(
            "sheet {} has more than {} cells with a value (limits.cells_per_sheet); not read",
            sheet.number, limits.cells_per_sheet
        ));
    }
    if sheet.text > limits.text_bytes() {
        return Err(format!(
            "sheet {} holds more than {} MiB of text, each copy of a shared string counted (limits.text_mib); not read",
            sheet.number, limits.text_mib
        ));
    }
    Ok(())
}

/// A DIMENSIONS record must stay inside the BIFF8 grid.
fn dimensions(d: &[u8], sheet: usize) -> Result<(), String> {
    let (rows, cols) = match d.len() {
        10 => (u64::from(u16_at(d, 2)), u64::from(u16_at(d, 6))),
        14 | 16 => (u64::from(u32_at(d, 4)), u64::from(u16_at(d, 10))),
        _ => return Ok(()),
    };
    if rows > MAX_ROWS || cols > MAX_COLS {
        return Err(format!(
            "sheet {sheet}'s DIMENSIONS record claims {rows} rows and {cols} columns (an .xls sheet has at most {MAX_ROWS} × {MAX_COLS}): a damaged or hostile file, not read"
        ));
    }
    Ok(())
}

/// The pieces of a continued record read as one, where a string's
/// characters that cross into a CONTINUE piece start with a flags byte.
struct Pieces<'a> {
    pieces: Vec<&'a [u8]>,
    at: usize,
    pos: usize,
}

impl<'a> Pieces<'a> {
    fn left(&mut self) -> Option<&'a [u8]> {
        while self.at < self.pieces.len() && self.pos >= self.pieces[self.at].len() {
            self.at += 1;
            self.pos = 0;
        }
        self.pieces.get(self.at).map(|p| &p[self.pos..])
    }

    fn bytes(&mut self, mut n: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        while n > 0 {
            let here = self.left().ok_or("the shared-string table is cut short")?;
            let k = here.len().min(n);
            out.extend_from_slice(&here[..k]);
            self.pos += k;
            n -= k;
        }
        Ok(out)
    }

    fn skip(&mut self, mut n: u64) -> Result<(), String> {
        while n > 0 {
            let here = self.left().ok_or("the shared-string table is cut short")?;
            let k = (here.len() as u64).min(n);
            self.pos += k as usize;
            n -= k;
        }
        Ok(())
    }

    /// Skips `cch` characters, `high` (two bytes each) as the string's
    /// flags say, re-read at each piece boundary.
    fn skip_chars(&mut self, mut cch: u64, mut high: bool) -> Result<(), String> {
        while cch > 0 {
            let here = self.left().ok_or("the shared-string table is cut short")?;
            let width = if high { 2 } else { 1 };
            let k = (here.len() as u64 / width).min(cch).max(1);
            self.pos += (k * width) as usize;
            cch -= k;
            if cch > 0 && self.pos >= self.pieces[self.at].len() {
                self.at += 1;
                self.pos = 0;
                let flags = self.bytes(1)?;
                high = flags[0] & 1 == 1;
            }
        }
        Ok(())
    }
}

/// The size in UTF-8 bytes (at most) of each shared string, refusing a
/// table that claims more strings than it holds or than the budget.
fn shared_strings(r: &Record<'_>, limits: &Limits) -> Result<Vec<u64>, String> {
    let unique = u64::from(u32_at(r.data, 4));
    let held = r.data.len() + r.pieces.iter().map(|p| p.len()).sum::<usize>();
    if unique.saturating_mul(3) > held as u64 || unique > limits.shared_strings as u64 {
        return Err(format!(
            "the shared-string table claims {unique} strings in {held} bytes (limits.shared_strings is {}): a damaged or hostile file, not read",
            limits.shared_strings
        ));
    }
    let mut p = Pieces {
        pieces: std::iter::once(r.data.get(8..).unwrap_or(&[]))
            .chain(r.pieces.iter().copied())
            .collect(),
        at: 0,
        pos: 0,
    };
    let mut sizes = Vec::with_capacity(unique as usize);
    for _ in 0..unique {
        let head = p.bytes(3)?;
        let cch = u64::from(u16::from_le_bytes([head[0], head[1]]));
        let flags = head[2];
        let runs = match flags & 8 {
            0 => 0,
            _ => u64::from(u16_at(&p.bytes(2)?, 0)),
        };
        let ext = match flags & 4 {
            0 => 0,
            _ => u64::from(u32_at(&p.bytes(4)?, 0)),
        };
        p.skip_chars(cch, flags & 1 == 1)?;
        p.skip(runs * 4 + ext)?;
        sizes.push(cch * if flags & 1 == 1 { 3 } else { 1 });
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn bof() -> Vec<u8> {
        rec(BOF, &[0, 6, 0x10, 0, 0, 0, 0, 0])
    }

    /// A globals substream with `sst`, then one sheet with `records`.
    fn stream(sst: &[u8], records: &[Vec<u8>]) -> Vec<u8> {
        let mut s = bof();
        s.extend(sst);
        let at = s.len() + 4 + 10 + 4;
        let mut bound = (at as u32).to_le_bytes().to_vec();
        bound.extend([0, 0, 2, 0, b'S', b'1']);
        s.extend(rec(BOUNDSHEET, &bound));
        s.extend(rec(EOF, &[]));
        s.extend(bof());
        for r in records {
            s.extend(r);
        }
        s.extend(rec(EOF, &[]));
        s
    }

    fn sst(strings: &[&str]) -> Vec<u8> {
        let mut d = (strings.len() as u32).to_le_bytes().to_vec();
        d.extend((strings.len() as u32).to_le_bytes());
        for s in strings {
            d.extend((s.len() as u16).to_le_bytes());
            d.push(0);
            d.extend(s.as_bytes());
        }
        rec(SST, &d)
    }

    fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(isst.to_le_bytes());
        rec(LABEL_SST, &d)
    }

    fn dims(rows: u32, cols: u16) -> Vec<u8> {
        let mut d = 0u32.to_le_bytes().to_vec();
        d.extend(rows.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(cols.to_le_bytes());
        d.extend([0, 0]);
        rec(DIMENSIONS, &d)
    }

    #[test]
    fn an_ordinary_sheet_passes() {
        let s = stream(
            &sst(&["项目名称", "ab"]),
            &[dims(3, 2), label_sst(0, 0, 0), label_sst(0, 1, 1)],
        );
        assert_eq!(check(&s, &Limits::default()), Ok(()));
    }

    #[test]
    fn dimensions_past_the_biff8_grid_are_refused() {
        let s = stream(&sst(&[]), &[dims(4_294_967_294, 2)]);
        let e = check(&s, &Limits::default()).unwrap_err();
        assert!(
            e.contains("DIMENSIONS") && e.contains("4294967294 rows"),
            "{e}"
        );
    }

    #[test]
    fn a_cell_past_column_256_is_refused() {
        let s = stream(&sst(&["a"]), &[label_sst(0, 65_535, 0)]);
        assert!(check(&s, &Limits::default())
            .unwrap_err()
            .contains("column 65536"));
    }

    #[test]
    fn a_shared_string_copied_into_many_cells_counts_each_copy() {
        let long = "x".repeat(60_000);
        let cells: Vec<Vec<u8>> = (0..1_000).map(|i| label_sst(i, 0, 0)).collect();
        let limits = Limits {
            text_mib: 64,
            ..Limits::default()
        };
        let s = stream(&sst(&[&long]), &cells);
        assert_eq!(check(&s, &limits), Ok(()), "60 MB of copies pass 64 MiB");
        let small = Limits {
            text_mib: 32,
            ..limits
        };
        let e = check(&stream(&sst(&[&long]), &cells), &small).unwrap_err();
        assert!(e.contains("limits.text_mib"), "{e}");
    }

    #[test]
    fn a_string_continued_with_a_new_flags_byte_is_followed() {
        // "abcd" split after "ab": the piece starts with the flags byte.
        let mut d = 1u32.to_le_bytes().to_vec();
        d.extend(1u32.to_le_bytes());
        d.extend(4u16.to_le_bytes());
        d.push(0);
        d.extend(b"ab");
        let mut s = rec(SST, &d);
        s.extend(rec(CONTINUE, &[1, b'c', 0, b'd', 0]));
        let r = records(&s).next().unwrap().unwrap();
        assert_eq!(shared_strings(&r, &Limits::default()), Ok(vec![4]));
    }

    #[test]
    fn two_cells_far_apart_are_refused_by_the_area_calamine_would_hold() {
        let s = stream(
            &sst(&["a"]),
            &[label_sst(0, 0, 0), label_sst(65_535, 255, 0)],
        );
        let e = check(&s, &Limits::default()).unwrap_err();
        assert!(
            e.contains("65536 rows × 256 columns") && e.contains("limits.cells_per_sheet"),
            "{e}"
        );
        let near = stream(&sst(&["a"]), &[label_sst(0, 0, 0), label_sst(999, 255, 0)]);
        assert_eq!(check(&near, &Limits::default()), Ok(()));
    }

    #[test]
    fn a_million_empty_continue_records_are_refused() {
        let mut s = sst(&["a"]);
        for _ in 0..2_000 {
            s.extend(rec(CONTINUE, &[]));
        }
        let e = check(&stream(&s, &[]), &Limits::default()).unwrap_err();
        assert!(e.contains("2000 pieces"), "{e}");
    }

    #[test]
    fn a_table_claiming_more_strings_than_bytes_is_refused() {
        let mut d = u32::MAX.to_le_bytes().to_vec();
        d.extend(u32::MAX.to_le_bytes());
        let e = check(&stream(&rec(SST, &d), &[]), &Limits::default()).unwrap_err();
        assert!(e.contains("claims 4294967295 strings"), "{e}");
    }
}
