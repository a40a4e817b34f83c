//! Checks of an `.xlsb` package before calamine reads it, where the file
//! states its own sizes: every part's inflated size (stated, then
//! counted while inflating, so a ZIP bomb that lies is cut off at
//! `limits.part_mib`), the records of the sheets and of the shared-string
//! table (each record's length inside its part; BrtWsDim inside the grid;
//! cells and text of a sheet, a shared string counted each time a cell
//! uses it; the number of shared strings). The worker process bounds
//! whatever passes ([`super::worker`]).

use std::io::Read;

use super::Limits;

const MAX_ROWS: u64 = 1_048_576;
const MAX_COLS: u64 = 16_384;

const ROW_HDR: u32 = 0x0000;
const CELL_ST: u32 = 0x0006;
const CELL_ISST: u32 = 0x0007;
const FMLA_STRING: u32 = 0x0008;
const WS_DIM: u32 = 0x0094;
const SST_ITEM: u32 = 0x0013;

/// Why the package must not be handed to calamine, or `Ok`. A file that
/// is not a readable ZIP is left to calamine, which says why.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut strings = Vec::new();
    if let Some(part) = inflate(&mut zip, "xl/sharedStrings.bin", limits, true)? {
        strings = shared_strings(&part, limits)?;
    }
    for name in part_names(&zip) {
        let is_sheet = name.starts_with("xl/worksheets/") && name.ends_with(".bin");
        if let Some(part) = inflate(&mut zip, &name, limits, is_sheet)? {
            sheet(&part, &strings, limits).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    Ok(())
}

/// Every part of an `.xlsx` package that jixiao's own reader could not
/// read, inflated and held to the part limits before calamine reads it.
pub fn parts_ok(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    for name in part_names(&zip) {
        inflate(&mut zip, &name, limits, false)?;
    }
    Ok(())
}

fn part_names<R: Read + std::io::Seek>(zip: &zip::ZipArchive<R>) -> Vec<String> {
    zip.file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect()
}

/// A part inflated (`keep`: its bytes returned), its stated size and then
/// its real one held to the limits: never more than `limits.part_mib`,
/// nor, past 8 MiB, `limits.inflate_ratio` times its compressed size, is
/// inflated, whatever the package says. `None` when the package has no
/// such part (or it is not kept).
fn inflate<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limits: &Limits,
    keep: bool,
) -> Result<Option<Vec<u8>>, String> {
    let Ok(entry) = zip.by_name(name) else {
        return Ok(None);
    };
    let compressed = entry.compressed_size();
    limits.inflation_ok(name, entry.size(), compressed)?;
    let cap = limits.inflation_cap(compressed);
    let mut part = Vec::new();
    let mut taken = entry.take(cap + 1);
    let inflated = match keep {
        true => taken.read_to_end(&mut part).map(|n| n as u64),
        false => std::io::copy(&mut taken, &mut std::io::sink()),
    }
    .map_err(|e| format!("{name} cannot be inflated: {e}"))?;
    limits.inflation_ok(name, inflated, compressed)?;
    Ok(keep.then_some(part))
}

/// The records of a part: (type, data); a record running past the end is
/// an error.
fn records(part: &[u8]) -> impl Iterator<Item = Result<(u32, &[u8]), String>> {
    let mut rest = part;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let read = (|| {
            let typ = varint(&mut rest, 2)?;
            let len = varint(&mut rest, 4)? as usize;
            let data = rest.get(..len).ok_or_else(|| {
                format!("record 0x{typ:04X} of {len} bytes runs past the end of its part")
            })?;
            rest = &rest[len..];
            Ok((typ, data))
        })();
        if read.is_err() {
            rest = &[];
        }
        Some(read)
    })
}

/// A record header's number: 7 bits a byte, at most `max` bytes.
fn varint(rest: &mut &[u8], max: usize) -> Result<u32, String> {
    let mut v = 0u32;
    for i in 0..max {
        let b = *rest.first().ok_or("a record header is cut short")?;
        *rest = &rest[1..];
        v |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok(v)
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4).map_or(0, |b| {
        u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    })
}

/// Each shared string's size in UTF-8 bytes (at most), refusing more
/// strings than `limits.shared_strings`.
fn shared_strings(part: &[u8], limits: &Limits) -> Result<Vec<u64>, String> {
    let mut sizes = Vec::new();
    for record in records(part) {
        let (typ, data) = record?;
        if typ == SST_ITEM {
            if sizes.len() >= limits.shared_strings {
                return Err(format!(
                    "more than {} shared strings (limits.shared_strings); not read",
                    limits.shared_strings
                ));
            }
            sizes.push(u32_at(data, 1).saturating_mul(3));
        }
    }
    Ok(sizes)
}

/// A sheet's records against the grid and the sheet budgets.
fn sheet(part: &[u8], strings: &[u64], limits: &Limits) -> Result<(), String> {
    let (mut cells, mut text) = (0usize, 0u64);
    for record in records(part) {
        let (typ, data) = record?;
        match typ {
            WS_DIM => {
                let (rows, cols) = (u32_at(data, 4) + 1, u32_at(data, 12) + 1);
                if rows > MAX_ROWS || cols > MAX_COLS {
                    return Err(format!(
                        "its dimension claims {rows} rows and {cols} columns (a sheet has at most {MAX_ROWS} × {MAX_COLS}): a damaged or hostile file, not read"
                    ));
                }
            }
            ROW_HDR if u32_at(data, 0) >= MAX_ROWS => {
                return Err(format!(
                    "a row numbered {} (a sheet has {MAX_ROWS}): a damaged or hostile file, not read",
                    u32_at(data, 0) + 1
                ));
            }
            1..=11 => {
                if u32_at(data, 0) >= MAX_COLS {
                    return Err(format!(
                        "a cell in column {} (a sheet has {MAX_COLS}): a damaged or hostile file, not read",
                        u32_at(data, 0) + 1
                    ));
                }
                cells += usize::from(typ != 1);
                text += match typ {
                    CELL_ISST => strings.get(u32_at(data, 8) as usize).copied().unwrap_or(0),
                    CELL_ST | FMLA_STRING => u32_at(data, 8).saturating_mul(3),
                    _ => 0,
                };
            }
            _ => continue,
        }
        if cells > limits.cells_per_sheet {
            return Err(format!(
                "more than {} cells with a value (limits.cells_per_sheet); not read",
                limits.cells_per_sheet
            ));
        }
        if text > limits.text_bytes() {
            return Err(format!(
                "more than {} MiB of text, each copy of a shared string counted (limits.text_mib); not read",
                limits.text_mib
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u32, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut t = typ;
        loop {
            let b = (t & 0x7F) as u8;
            t >>= 7;
            out.push(if t > 0 { b | 0x80 } else { b });
            if t == 0 {
                break;
            }
        }
        let mut n = data.len();
        loop {
            let b = (n & 0x7F) as u8;
            n >>= 7;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(data);
        out
    }

    fn isst(col: u32, i: u32) -> Vec<u8> {
        let mut d = col.to_le_bytes().to_vec();
        d.extend(0u32.to_le_bytes());
        d.extend(i.to_le_bytes());
        rec(CELL_ISST, &d)
    }

    #[test]
    fn records_are_read_by_their_varint_headers() {
        let part = [rec(0x0094, &[0; 16]), rec(0x0200, &[1, 2, 3])].concat();
        let got: Vec<(u32, usize)> = records(&part)
            .map(|r| r.map(|(t, d)| (t, d.len())).unwrap())
            .collect();
        assert_eq!(got, vec![(0x94, 16), (0x200, 3)]);
        let cut = &part[..part.len() - 1];
        assert!(records(cut).any(|r| r.is_err()));
    }

    #[test]
    fn a_dimension_past_the_grid_and_a_far_column_are_refused() {
        let mut dim = 0u32.to_le_bytes().to_vec();
        dim.extend(u32::MAX.to_le_bytes());
        dim.extend([0; 8]);
        let e = sheet(&rec(WS_DIM, &dim), &[], &Limits::default()).unwrap_err();
        assert!(e.contains("dimension claims"), "{e}");
        let e = sheet(&isst(70_000, 0), &[0], &Limits::default()).unwrap_err();
        assert!(e.contains("column 70001"), "{e}");
    }

    #[test]
    fn copies_of_a_long_shared_string_count_against_the_text_budget() {
        let cells: Vec<u8> = (0..100).flat_map(|_| isst(0, 0)).collect();
        let small = Limits {
            text_mib: 1,
            ..Limits::default()
        };
        assert!(
            sheet(&cells, &[10_000], &small).is_ok(),
            "100 × 10 KB pass 1 MiB"
        );
        let e = sheet(&cells, &[65_535 * 3], &small).unwrap_err();
        assert!(e.contains("limits.text_mib"), "{e}");
    }
}
