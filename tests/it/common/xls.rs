//! A small writer of Excel 97-2003 `.xls` files (BIFF8 records in a
//! compound file), for fixtures no other writer would make: the hostile
//! files of `hostile.rs` (a DIMENSIONS record claiming four billion rows,
//! a cell in column 65,536, one long shared string copied into 40,000
//! cells, a million empty CONTINUE records) and the `.xls` corpus of
//! `make bench`. It writes what calamine needs and Excel accepts: BOF,
//! BOUNDSHEET8, SST (split into CONTINUE records as [MS-XLS] 2.4.265
//! says), DIMENSIONS, LABELSST / NUMBER cells, MERGEDCELLS, EOF.

#![allow(dead_code)]

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const CONTINUE: u16 = 0x003C;
const DIMENSIONS: u16 = 0x0200;
const LABEL_SST: u16 = 0x00FD;
const NUMBER: u16 = 0x0203;
const MERGED: u16 = 0x00E5;
const CODEPAGE: u16 = 0x0042;
/// The most data a BIFF8 record holds.
const MAX_RECORD: usize = 8224;

/// A cell's value.
#[derive(Clone, Debug)]
pub enum XlsCell {
    /// Shared, so that one long string in many cells is held once.
    Text(std::sync::Arc<str>),
    Number(f64),
}

/// One sheet: its name, cells (row, column, value), merged ranges (first
/// row, last row, first column, last column) and, when set, the
/// DIMENSIONS record's claim (rows, columns) in place of the true one.
#[derive(Clone, Debug, Default)]
pub struct XlsSheet {
    pub name: String,
    pub cells: Vec<(u16, u16, XlsCell)>,
    pub merges: Vec<(u16, u16, u16, u16)>,
    pub claim: Option<(u32, u16)>,
}

/// What goes into the workbook's globals besides the sheets' strings.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    /// Empty CONTINUE records written after the SST.
    pub empty_continues: usize,
    /// Strings written into the SST that no cell uses.
    pub unused_strings: Vec<String>,
    /// The most data an SST or CONTINUE record holds (0: 8,224, as Excel).
    pub piece: usize,
}

pub fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = 0x0600u16.to_le_bytes().to_vec();
    d.extend(dt.to_le_bytes());
    d.extend([0u8; 12]);
    record(BOF, &d)
}

/// The SST record and its CONTINUE records: a string's header is never
/// split; its characters may be, the next piece starting with the flags
/// byte again.
fn sst(strings: &[String], total: u32, piece: usize) -> Vec<u8> {
    let max = if piece == 0 { MAX_RECORD } else { piece };
    let mut pieces: Vec<Vec<u8>> = vec![Vec::new()];
    let head = |p: &mut Vec<Vec<u8>>, bytes: &[u8]| {
        if p.last().unwrap().len() + bytes.len() > max {
            p.push(Vec::new());
        }
        p.last_mut().unwrap().extend_from_slice(bytes);
    };
    let mut first = total.to_le_bytes().to_vec();
    first.extend((strings.len() as u32).to_le_bytes());
    head(&mut pieces, &first);
    for s in strings {
        let units: Vec<u16> = s.encode_utf16().collect();
        let high = units.iter().any(|u| *u > 0xFF);
        let flags = u8::from(high);
        let mut h = (units.len() as u16).to_le_bytes().to_vec();
        h.push(flags);
        head(&mut pieces, &h);
        let (bytes, width): (Vec<u8>, usize) = match high {
            true => (units.iter().flat_map(|u| u.to_le_bytes()).collect(), 2),
            false => (units.iter().map(|u| *u as u8).collect(), 1),
        };
        let mut at = 0;
        while at < bytes.len() {
            let last = pieces.last_mut().unwrap();
            let room = (max - last.len()) / width * width;
            if room == 0 {
                pieces.push(vec![flags]);
                continue;
            }
            let take = room.min(bytes.len() - at);
            last.extend_from_slice(&bytes[at..at + take]);
            at += take;
        }
    }
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        out.extend(record(if i == 0 { SST } else { CONTINUE }, p));
    }
    out
}

fn sheet_stream(sheet: &XlsSheet, index: &dyn Fn(&str) -> u32) -> Vec<u8> {
    let mut s = bof(0x0010);
    let rows = sheet
        .cells
        .iter()
        .map(|c| u32::from(c.0) + 1)
        .max()
        .unwrap_or(0);
    let cols = sheet
        .cells
        .iter()
        .map(|c| c.1.saturating_add(1))
        .max()
        .unwrap_or(0);
    let (rows, cols) = sheet.claim.unwrap_or((rows, cols));
    let mut d = 0u32.to_le_bytes().to_vec();
    d.extend(rows.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    d.extend(cols.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    s.extend(record(DIMENSIONS, &d));
    for (row, col, value) in &sheet.cells {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        match value {
            XlsCell::Text(t) => {
                d.extend(index(t).to_le_bytes());
                s.extend(record(LABEL_SST, &d));
            }
            XlsCell::Number(n) => {
                d.extend(n.to_le_bytes());
                s.extend(record(NUMBER, &d));
            }
        }
    }
    for chunk in sheet.merges.chunks(1000) {
        let mut d = (chunk.len() as u16).to_le_bytes().to_vec();
        for (r0, r1, c0, c1) in chunk {
            for v in [r0, r1, c0, c1] {
                d.extend(v.to_le_bytes());
            }
        }
        s.extend(record(MERGED, &d));
    }
    s.extend(record(EOF, &[]));
    s
}

/// The workbook stream of `sheets`.
pub fn workbook_stream(sheets: &[XlsSheet], extra: &Extra) -> Vec<u8> {
    // Strings are told apart by their allocation, never hashed: one long
    // string shared by 40,000 cells is one entry, found at once.
    let key = |t: &str| t.as_ptr() as usize;
    let mut strings: Vec<String> = Vec::new();
    let mut ids: std::collections::HashMap<usize, u32> = Default::default();
    let mut total = 0u32;
    for sheet in sheets {
        for (_, _, v) in &sheet.cells {
            if let XlsCell::Text(t) = v {
                total += 1;
                ids.entry(key(t)).or_insert_with(|| {
                    strings.push(t.to_string());
                    strings.len() as u32 - 1
                });
            }
        }
    }
    let index = |t: &str| ids[&key(t)];
    strings.extend(extra.unused_strings.iter().cloned());
    let streams: Vec<Vec<u8>> = sheets.iter().map(|s| sheet_stream(s, &index)).collect();
    let bound = |name: &str, at: u32| {
        let units: Vec<u16> = name.encode_utf16().collect();
        let mut d = at.to_le_bytes().to_vec();
        d.extend([0, 0, units.len() as u8, 1]);
        d.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        record(BOUNDSHEET, &d)
    };
    let mut globals = bof(0x0005);
    globals.extend(record(CODEPAGE, &1200u16.to_le_bytes()));
    let bounds_len: usize = sheets.iter().map(|s| bound(&s.name, 0).len()).sum();
    let mut tail = sst(&strings, total, extra.piece);
    for _ in 0..extra.empty_continues {
        tail.extend(record(CONTINUE, &[]));
    }
    tail.extend(record(EOF, &[]));
    let mut at = (globals.len() + bounds_len + tail.len()) as u32;
    for (sheet, stream) in sheets.iter().zip(&streams) {
        globals.extend(bound(&sheet.name, at));
        at += stream.len() as u32;
    }
    globals.extend(tail);
    globals.extend(streams.concat());
    globals
}

/// `stream` as the `Workbook` stream of a compound file (512-byte
/// sectors, padded past the 4,096-byte mini-stream cutoff): the stream's
/// sectors, the directory, the FAT, and DIFAT sectors when the FAT needs
/// more than the header's 109.
pub fn compound_file(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    const FAT_SECT: u32 = 0xFFFF_FFFD;
    const DIFAT_SECT: u32 = 0xFFFF_FFFC;
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
    let data = stream.len() / 512;
    let (mut fat_n, mut difat_n) = (1, 0);
    loop {
        let need_fat = (data + 1 + fat_n + difat_n).div_ceil(128);
        let need_difat = need_fat.saturating_sub(109).div_ceil(127);
        if need_fat <= fat_n && need_difat <= difat_n {
            break;
        }
        (fat_n, difat_n) = (need_fat.max(fat_n), need_difat.max(difat_n));
    }
    let dir = data as u32;
    let fat_at = |i: usize| dir + 1 + i as u32;
    let difat_at = |i: usize| dir + 1 + (fat_n + i) as u32;
    let mut fat: Vec<u32> = (1..=data as u32).collect();
    fat[data - 1] = END;
    fat.push(END);
    fat.extend(std::iter::repeat_n(FAT_SECT, fat_n));
    fat.extend(std::iter::repeat_n(DIFAT_SECT, difat_n));
    fat.resize(fat_n * 128, FREE);
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 =
        |h: &mut Vec<u8>, at: usize, v: u16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |h: &mut Vec<u8>, at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 0x18, 0x003E);
    put16(&mut header, 0x1A, 3);
    put16(&mut header, 0x1C, 0xFFFE);
    put16(&mut header, 0x1E, 9);
    put16(&mut header, 0x20, 6);
    put32(&mut header, 0x2C, fat_n as u32);
    put32(&mut header, 0x30, dir);
    put32(&mut header, 0x38, 4096);
    put32(&mut header, 0x3C, END);
    put32(
        &mut header,
        0x44,
        if difat_n > 0 { difat_at(0) } else { END },
    );
    put32(&mut header, 0x48, difat_n as u32);
    for i in 0..109 {
        put32(
            &mut header,
            0x4C + i * 4,
            if i < fat_n { fat_at(i) } else { FREE },
        );
    }
    let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[0x40..0x42].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
        e[0x42] = kind;
        e[0x43] = 1;
        for (at, v) in [
            (0x44, FREE),
            (0x48, FREE),
            (0x4C, child),
            (0x74, start),
            (0x78, size),
        ] {
            e[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        e
    };
    let mut out = header;
    out.extend(&stream);
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry("Workbook", 2, FREE, 0, stream.len() as u32));
    let mut unused = entry("", 0, FREE, 0, 0);
    unused[0x40] = 0;
    out.extend(&unused);
    out.extend(&unused);
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    // DIFAT sectors: 127 FAT sector numbers each, then the next's number.
    let rest: Vec<u32> = (109..fat_n).map(fat_at).collect();
    for i in 0..difat_n {
        let mut sector: Vec<u32> = rest.iter().skip(i * 127).take(127).copied().collect();
        sector.resize(127, FREE);
        sector.push(if i + 1 < difat_n {
            difat_at(i + 1)
        } else {
            END
        });
        out.extend(sector.iter().flat_map(|v| v.to_le_bytes()));
    }
    out
}

/// An `.xls` file of `sheets`.
pub fn xls(sheets: &[XlsSheet], extra: &Extra) -> Vec<u8> {
    compound_file(&workbook_stream(sheets, extra))
}

/// A sheet's cells as the form writer of `forms.rs` lays them out.
#[derive(Default)]
pub struct XlsSink {
    pub sheet: XlsSheet,
}

impl super::forms::Sink for XlsSink {
    type Error = std::convert::Infallible;
    fn text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        _: super::forms::Style,
    ) -> Result<(), Self::Error> {
        self.sheet
            .cells
            .push((row as u16, col, XlsCell::Text(text.into())));
        Ok(())
    }
    fn number(
        &mut self,
        row: u32,
        col: u16,
        n: f64,
        _: super::forms::Style,
    ) -> Result<(), Self::Error> {
        self.sheet.cells.push((row as u16, col, XlsCell::Number(n)));
        Ok(())
    }
    fn blank(&mut self, _: u32, _: u16, _: super::forms::Style) -> Result<(), Self::Error> {
        Ok(())
    }
    fn merge(
        &mut self,
        r1: u32,
        c1: u16,
        r2: u32,
        c2: u16,
        text: &str,
        style: super::forms::Style,
    ) -> Result<(), Self::Error> {
        self.sheet.merges.push((r1 as u16, r2 as u16, c1, c2));
        self.text(r1, c1, text, style)
    }
}

/// `projects` stacked on one sheet of an `.xls` workbook at `path`, laid
/// out as `layout` says (one sheet whatever `layout.per_sheet` says).
pub fn write_xls_workbook(
    path: &std::path::Path,
    projects: &[&super::seed::SeedProject],
    layout: &super::forms::Layout,
) -> std::io::Result<()> {
    let mut sink = XlsSink::default();
    sink.sheet.name = "绩效目标表".into();
    let mut row = layout.row;
    for p in projects {
        let Ok(end) = super::forms::write_form(&mut sink, row, layout.col, p, layout);
        row = end + layout.gap;
    }
    std::fs::write(path, xls(&[sink.sheet], &Extra::default()))
}
