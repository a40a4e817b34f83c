//! The compact encoding between jixiao and its reader workers
//! ([`super::worker`]): a request (the file's bytes and how to read them)
//! and an answer (the sheets read, each sheet's error, the reader's name,
//! or the file's error). Little-endian lengths and numbers; text as UTF-8
//! with a `u32` length. Both ends are this binary, so there is no version.

use super::{FileContent, Kind, Limits, ReadError};
use crate::grid::{CellRange, CellValue, Grid, Pos};

/// What a worker is asked to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kind: Kind,
    pub ext: String,
    pub display: String,
    pub limits: Limits,
    /// Sheets the caller's own reader refused by a budget: not read again.
    pub skip: Vec<String>,
    pub bytes: Vec<u8>,
}

/// Appends values to a buffer.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

/// Reads values back; every read is checked against what is left.
pub struct Reader<'a>(&'a [u8]);

type Wire<T> = Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Reader(b)
    }
    fn take(&mut self, n: usize) -> Wire<&'a [u8]> {
        if n > self.0.len() {
            return Err("the worker's answer is cut short".to_string());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Wire<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Wire<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Wire<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn bytes(&mut self) -> Wire<&'a [u8]> {
        let n = usize::try_from(self.u64()?).map_err(|e| e.to_string())?;
        self.take(n)
    }
    fn str(&mut self) -> Wire<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|e| e.to_string())
    }
    /// A count of items each at least `min` bytes long: never more than
    /// what is left could hold, so no allocation trusts the number.
    fn count(&mut self, min: usize) -> Wire<usize> {
        let n = self.u32()? as usize;
        match n.saturating_mul(min) <= self.0.len() {
            true => Ok(n),
            false => Err("the worker's answer claims more items than it holds".to_string()),
        }
    }
}

const KINDS: [Kind; 7] = [
    Kind::Zip,
    Kind::Ole,
    Kind::Encrypted,
    Kind::Html,
    Kind::Pdf,
    Kind::Text,
    Kind::Unknown,
];

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(KINDS.iter().position(|k| *k == self.kind).unwrap_or(6) as u8);
        w.str(&self.ext);
        w.str(&self.display);
        w.str(&serde_json::to_string(&self.limits).unwrap_or_default());
        w.u32(self.skip.len() as u32);
        for s in &self.skip {
            w.str(s);
        }
        w.bytes(&self.bytes);
        w.0
    }

    pub fn decode(b: &[u8]) -> Wire<Request> {
        let mut r = Reader::new(b);
        let kind = *KINDS.get(r.u8()? as usize).ok_or("unknown kind")?;
        let ext = r.str()?.to_string();
        let display = r.str()?.to_string();
        let limits = serde_json::from_str(r.str()?).map_err(|e| e.to_string())?;
        let skip = (0..r.count(8)?)
            .map(|_| r.str().map(str::to_string))
            .collect::<Wire<_>>()?;
        let bytes = r.bytes()?.to_vec();
        Ok(Request {
            kind,
            ext,
            display,
            limits,
            skip,
            bytes,
        })
    }
}

/// Encodes a worker's answer: the file's content, or why it could not be
/// read.
pub fn encode_answer(answer: &Result<FileContent, ReadError>) -> Vec<u8> {
    let mut w = Writer::default();
    let content = match answer {
        Err(e) => {
            w.u8(1);
            match e {
                ReadError::Workbook { reason, .. } => w.str(reason),
                other => w.str(&other.to_string()),
            }
            return w.0;
        }
        Ok(content) => content,
    };
    w.u8(0);
    w.str(&content.reader);
    w.u32(content.grids.len() as u32);
    for g in &content.grids {
        encode_grid(&mut w, g);
    }
    w.u32(content.sheet_errors.len() as u32);
    for e in &content.sheet_errors {
        match e {
            ReadError::Sheet { sheet, reason } => {
                w.str(sheet);
                w.str(reason);
            }
            other => {
                w.str("");
                w.str(&other.to_string());
            }
        }
    }
    w.0
}

fn encode_grid(w: &mut Writer, g: &Grid) {
    w.str(&g.sheet);
    w.u32(g.cells().count() as u32);
    for (p, v) in g.cells() {
        w.u32(p.row);
        w.u32(p.col);
        match v {
            CellValue::Empty => w.u8(0),
            CellValue::Text(s) => {
                w.u8(1);
                w.str(s);
            }
            CellValue::Number(n) => {
                w.u8(2);
                w.u64(n.to_bits());
            }
            CellValue::Bool(b) => {
                w.u8(3);
                w.u8(u8::from(*b));
            }
            CellValue::Error(e) => {
                w.u8(4);
                w.str(e);
            }
        }
    }
    w.u32(g.merges().len() as u32);
    for m in g.merges() {
        for v in [m.first.row, m.first.col, m.last.row, m.last.col] {
            w.u32(v);
        }
    }
}

/// Decodes a worker's answer into the file's content, its sheets named as
/// file `display`; a file error is a [`ReadError::Workbook`] of `ext`.
pub fn decode_answer(b: &[u8], display: &str, ext: &str) -> Wire<Result<FileContent, ReadError>> {
    let mut r = Reader::new(b);
    if r.u8()? == 1 {
        let reason = r.str()?.to_string();
        return Ok(Err(ReadError::Workbook {
            format: ext.to_string(),
            reason,
        }));
    }
    let mut content = FileContent {
        reader: r.str()?.to_string(),
        ..FileContent::default()
    };
    for _ in 0..r.count(16)? {
        content.grids.push(decode_grid(&mut r, display)?);
    }
    for _ in 0..r.count(16)? {
        let sheet = r.str()?.to_string();
        let reason = r.str()?.to_string();
        content
            .sheet_errors
            .push(ReadError::Sheet { sheet, reason });
    }
    Ok(Ok(content))
}

fn decode_grid(r: &mut Reader<'_>, display: &str) -> Wire<Grid> {
    let sheet = r.str()?.to_string();
    let n = r.count(9)?;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let at = Pos::new(r.u32()?, r.u32()?);
        let value = match r.u8()? {
            0 => CellValue::Empty,
            1 => CellValue::Text(r.str()?.into()),
            2 => CellValue::Number(f64::from_bits(r.u64()?)),
            3 => CellValue::Bool(r.u8()? != 0),
            4 => CellValue::Error(r.str()?.to_string()),
            t => return Err(format!("unknown cell type {t} in the worker's answer")),
        };
        cells.push((at, value));
    }
    let merges = (0..r.count(16)?)
        .map(|_| {
            let [a, b, c, d] = [r.u32()?, r.u32()?, r.u32()?, r.u32()?];
            Ok(CellRange::new(Pos::new(a, b), Pos::new(c, d)))
        })
        .collect::<Wire<Vec<_>>>()?;
    Ok(Grid::new(display, sheet, cells, merges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_back_as_it_was_written() {
        let grid = Grid::new(
            "in/a.xls",
            "表1",
            vec![
                (Pos::new(0, 0), CellValue::Text("项目名称".into())),
                (Pos::new(0, 1), CellValue::Number(20.11)),
                (Pos::new(3, 2), CellValue::Bool(true)),
                (Pos::new(70_000, 300), CellValue::Error("#DIV/0!".into())),
            ],
            vec![CellRange::new(Pos::new(0, 1), Pos::new(0, 3))],
        );
        let content = FileContent {
            grids: vec![grid],
            sheet_errors: vec![ReadError::Sheet {
                sheet: "S2".into(),
                reason: "bad".into(),
            }],
            reader: "calamine".into(),
        };
        let bytes = encode_answer(&Ok(content));
        let back = decode_answer(&bytes, "in/a.xls", "xls").unwrap().unwrap();
        assert_eq!(back.reader, "calamine");
        let g = &back.grids[0];
        assert_eq!((&*g.file, &*g.sheet), ("in/a.xls", "表1"));
        let cells: Vec<_> = g.cells().map(|(p, v)| (p, v.clone())).collect();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[1].1, CellValue::Number(20.11));
        assert_eq!(g.merges().len(), 1);
        assert_eq!(
            back.sheet_errors[0].to_string(),
            "sheet 'S2' cannot be read: bad"
        );
        let err = encode_answer(&Err(ReadError::EmptyFile));
        let back = decode_answer(&err, "a", "xls").unwrap().unwrap_err();
        assert!(back.to_string().contains("empty"), "{back}");
    }

    #[test]
    fn a_short_or_lying_answer_is_an_error_not_an_allocation() {
        let mut w = Writer::default();
        w.u8(0);
        w.str("calamine");
        w.u32(u32::MAX);
        assert!(decode_answer(&w.0, "a", "xls").is_err());
        let whole = encode_answer(&Ok(FileContent::default()));
        assert!(decode_answer(&whole[..whole.len() - 1], "a", "xls").is_err());
    }

    #[test]
    fn a_request_reads_back() {
        let req = Request {
            kind: Kind::Ole,
            ext: "xls".into(),
            display: "in/单位.xls".into(),
            limits: Limits::default(),
            skip: vec!["Sheet2".into()],
            bytes: vec![1, 2, 3],
        };
        assert_eq!(Request::decode(&req.encode()).unwrap(), req);
    }
}
