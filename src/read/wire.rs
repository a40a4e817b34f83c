//! The compact encoding between jixiao and its reader workers
//! ([`super::worker`]): a request (the file's bytes and how to read them)
//! and an answer (the sheets read, each sheet's error, the reader's name,
//! or the file's error). Little-endian lengths and numbers; text as UTF-8
//! with a `u32` length. Both ends are this binary, so there is no version.

use super::calamine::{SheetSink, SheetsRead, Value};
use super::{Kind, Limits, ReadError, SheetData};
use crate::grid::{CellRange, CellValue, Pos};

/// What a worker is asked to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kind: Kind,
    pub ext: String,
    pub display: String,
    pub limits: Limits,
    /// SheetsRead the caller's own reader refused by a budget: not read again.
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
    /// The request as a message ([`frame`]) but for the file's bytes,
    /// which follow it: they are written after it as they are, never
    /// copied into it.
    pub fn encode_head(&self) -> Vec<u8> {
        let mut w = Writer(vec![0; 8]);
        w.u8(KINDS.iter().position(|k| *k == self.kind).unwrap_or(6) as u8);
        w.str(&self.ext);
        w.str(&self.display);
        w.str(&serde_json::to_string(&self.limits).unwrap_or_default());
        w.u32(self.skip.len() as u32);
        for s in &self.skip {
            w.str(s);
        }
        w.u64(self.bytes.len() as u64);
        let len = (w.0.len() - 8 + self.bytes.len()) as u64;
        w.0[..8].copy_from_slice(&len.to_le_bytes());
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

/// One sheet's cells written straight into the worker's answer as calamine
/// gives them (no grid is built in the worker): each cell's type, row,
/// column and value, an end mark, then the merged ranges. A text met
/// before in the sheet is sent as its number: a label repeated on every
/// form of a workbook crosses once, and the run holds it once.
#[derive(Default)]
pub struct EncodedSheet {
    w: Writer,
    texts: rustc_hash::FxHashMap<Box<str>, u32>,
}

const TEXT: u8 = 1;
const NUMBER: u8 = 2;
const BOOL: u8 = 3;
const ERROR: u8 = 4;
/// A text met before in the sheet, by its number (in order of first use).
const TEXT_AGAIN: u8 = 5;
const END_OF_CELLS: u8 = 0xFF;

impl SheetSink for EncodedSheet {
    type Out = Vec<u8>;
    fn cell(&mut self, at: Pos, value: Value<'_>) {
        let again = match &value {
            Value::Text(s) => self.texts.get(s.as_ref()).copied(),
            _ => None,
        };
        let tag = match (&value, again) {
            (_, Some(_)) => TEXT_AGAIN,
            (Value::Text(_), None) => TEXT,
            (Value::Number(_), _) => NUMBER,
            (Value::Bool(_), _) => BOOL,
            (Value::Error(_), _) => ERROR,
        };
        let w = &mut self.w;
        w.u8(tag);
        w.u32(at.row);
        w.u32(at.col);
        match (value, again) {
            (_, Some(n)) => w.u32(n),
            (Value::Text(s), None) => {
                w.str(&s);
                let n = self.texts.len() as u32;
                self.texts.insert(s.into(), n);
            }
            (Value::Number(n), _) => w.u64(n.to_bits()),
            (Value::Bool(b), _) => w.u8(u8::from(b)),
            (Value::Error(e), _) => w.str(&e),
        }
    }
    fn finish(mut self, merges: Vec<CellRange>) -> Vec<u8> {
        let w = &mut self.w;
        w.u8(END_OF_CELLS);
        w.u32(merges.len() as u32);
        for m in merges {
            for v in [m.first.row, m.first.col, m.last.row, m.last.col] {
                w.u32(v);
            }
        }
        self.w.0
    }
}

/// Encodes a worker's answer: the sheets read, or why the file could not
/// be read.
/// The answer is a message ([`frame`]).
pub fn encode_answer(answer: &Result<SheetsRead<Vec<u8>>, ReadError>) -> Vec<u8> {
    let mut w = Writer(vec![0; 8]);
    let read = match answer {
        Err(e) => {
            w.u8(1);
            match e {
                ReadError::Workbook { reason, .. } => w.str(reason),
                other => w.str(&other.to_string()),
            }
            return frame(w);
        }
        Ok(read) => read,
    };
    w.u8(0);
    w.str(&read.reader);
    w.u32(read.sheets.len() as u32);
    for (name, sheet) in &read.sheets {
        w.str(name);
        match sheet {
            Err(reason) => {
                w.u8(1);
                w.str(reason);
            }
            Ok(cells) => {
                w.u8(0);
                w.0.extend_from_slice(cells);
            }
        }
    }
    frame(w)
}

/// A message: its length (`u64`) in the 8 bytes reserved before it.
fn frame(mut w: Writer) -> Vec<u8> {
    let len = (w.0.len() - 8) as u64;
    w.0[..8].copy_from_slice(&len.to_le_bytes());
    w.0
}

/// Decodes a worker's answer (the message, without its length); a file
/// error is a [`ReadError::Workbook`] of `ext`.
pub fn decode_answer(b: &[u8], ext: &str) -> Wire<Result<SheetsRead, ReadError>> {
    let mut r = Reader::new(b);
    if r.u8()? == 1 {
        let reason = r.str()?.to_string();
        return Ok(Err(ReadError::Workbook {
            format: ext.to_string(),
            reason,
        }));
    }
    let mut read = SheetsRead {
        reader: r.str()?.to_string(),
        sheets: Vec::new(),
    };
    for _ in 0..r.count(9)? {
        let name = r.str()?.to_string();
        let sheet = match r.u8()? {
            1 => Err(r.str()?.to_string()),
            _ => Ok(decode_cells(&mut r)?),
        };
        read.sheets.push((name, sheet));
    }
    Ok(Ok(read))
}

fn decode_cells(r: &mut Reader<'_>) -> Wire<SheetData> {
    let mut cells = Vec::new();
    let mut texts: Vec<std::sync::Arc<str>> = Vec::new();
    loop {
        let tag = r.u8()?;
        if tag == END_OF_CELLS {
            break;
        }
        let at = Pos::new(r.u32()?, r.u32()?);
        let value = match tag {
            TEXT => {
                let text: std::sync::Arc<str> = r.str()?.into();
                texts.push(text.clone());
                CellValue::Text(text)
            }
            TEXT_AGAIN => {
                let n = r.u32()? as usize;
                let text = texts.get(n).ok_or("a text number past the texts sent")?;
                CellValue::Text(text.clone())
            }
            NUMBER => CellValue::Number(f64::from_bits(r.u64()?)),
            BOOL => CellValue::Bool(r.u8()? != 0),
            ERROR => CellValue::Error(r.str()?.to_string()),
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
    Ok((cells, merges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_back_as_it_was_written() {
        let cells = vec![
            (Pos::new(0, 0), CellValue::Text("项目名称".into())),
            (Pos::new(0, 1), CellValue::Number(20.11)),
            (Pos::new(3, 2), CellValue::Bool(true)),
            (Pos::new(70_000, 300), CellValue::Error("#DIV/0!".into())),
        ];
        let merges = vec![CellRange::new(Pos::new(0, 1), Pos::new(0, 3))];
        let mut cells = cells;
        cells.push((Pos::new(5, 0), CellValue::Text("项目名称".into())));
        let mut sheet = EncodedSheet::default();
        for (at, v) in &cells {
            let v = match v {
                CellValue::Text(t) => Value::Text(t.as_ref().into()),
                CellValue::Number(n) => Value::Number(*n),
                CellValue::Bool(b) => Value::Bool(*b),
                CellValue::Error(e) => Value::Error(e.clone()),
                CellValue::Empty => unreachable!(),
            };
            sheet.cell(*at, v);
        }
        let read = SheetsRead {
            reader: "calamine".into(),
            sheets: vec![
                ("表1".into(), Ok(sheet.finish(merges.clone()))),
                ("S2".into(), Err("bad".into())),
            ],
        };
        let bytes = encode_answer(&Ok(read));
        let back = decode_answer(&bytes[8..], "xls").unwrap().unwrap();
        assert_eq!(back.reader, "calamine");
        assert_eq!(back.sheets[0].0, "表1");
        let (got, got_merges) = back.sheets[0].1.clone().unwrap();
        assert_eq!((&got, &got_merges), (&cells, &merges));
        // The repeated text is the first one's, shared.
        let (CellValue::Text(a), CellValue::Text(b)) = (&got[0].1, &got[4].1) else {
            panic!("{got:?}")
        };
        assert!(std::sync::Arc::ptr_eq(a, b));
        assert_eq!(back.sheets[1], ("S2".to_string(), Err("bad".to_string())));
        let content = back.content("in/a.xls");
        assert_eq!(&*content.grids[0].file, "in/a.xls");
        assert_eq!(
            content.sheet_errors[0].to_string(),
            "sheet 'S2' cannot be read: bad"
        );
        let err = encode_answer(&Err(ReadError::EmptyFile));
        let back = decode_answer(&err[8..], "xls").unwrap().unwrap_err();
        assert!(back.to_string().contains("empty"), "{back}");
    }

    #[test]
    fn a_short_or_lying_answer_is_an_error_not_an_allocation() {
        let mut w = Writer::default();
        w.u8(0);
        w.str("calamine");
        w.u32(u32::MAX);
        assert!(decode_answer(&w.0, "xls").is_err());
        let whole = encode_answer(&Ok(SheetsRead::default()));
        assert!(decode_answer(&whole[8..whole.len() - 1], "xls").is_err());
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
        let mut message = req.encode_head();
        message.extend_from_slice(&req.bytes);
        let len = u64::from_le_bytes(message[..8].try_into().unwrap());
        assert_eq!(len as usize, message.len() - 8);
        assert_eq!(Request::decode(&message[8..]).unwrap(), req);
    }
}
