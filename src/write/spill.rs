//! The target forms' figures written to a working file as the run goes
//! and read back at its end, when there are self-evaluations to set them
//! against ([`FormFact`]): memory does not grow with a batch's target
//! forms. Each field is its length (u32, little-endian) and its bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::{io, WriteError};
use crate::grid::Pos;
use crate::model::{FormFact, FormKind, Project, Source};

/// The fields of a record.
const FIELDS: usize = 11;

/// A working file of target forms' figures.
pub struct FactSpill {
    path: PathBuf,
    file: BufWriter<File>,
    count: usize,
    /// Scratch space for a record's numbers.
    buf: String,
}

impl FactSpill {
    pub fn create(path: PathBuf) -> Result<FactSpill, WriteError> {
        let file = File::create(&path).map_err(io(&path))?;
        Ok(FactSpill {
            file: BufWriter::with_capacity(1 << 16, file),
            path,
            count: 0,
            buf: String::new(),
        })
    }

    /// Appends a target form's figures, straight from its project row.
    pub fn push(&mut self, p: &Project) -> Result<(), WriteError> {
        use std::fmt::Write as _;
        // year, budget and indicator count share the scratch buffer.
        self.buf.clear();
        if let Some(y) = p.key.year {
            let _ = write!(self.buf, "{y}");
        }
        let year_end = self.buf.len();
        if let Some(b) = p.budget_total {
            let _ = write!(self.buf, "{b}");
        }
        let budget_end = self.buf.len();
        let _ = write!(self.buf, "{}", p.indicator_count);
        let mut cell = [0; crate::grid::A1_MAX];
        fn text(s: Option<&std::sync::Arc<str>>) -> &str {
            s.map_or("", |s| s)
        }
        let record: [&str; FIELDS] = [
            &self.buf[..year_end],
            text(p.key.dept_code.as_ref()),
            text(p.key.unit_code.as_ref()),
            p.unit_name.as_deref().unwrap_or_default(),
            text(p.key.project_code.as_ref()),
            p.project_name.as_deref().unwrap_or_default(),
            &self.buf[year_end..budget_end],
            &self.buf[budget_end..],
            &p.source.file,
            &p.source.sheet,
            p.source.cell.map_or("", |c| c.a1_in(&mut cell)),
        ];
        for field in record {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            self.file
                .write_all(&len.to_le_bytes())
                .and_then(|_| self.file.write_all(&field.as_bytes()[..len as usize]))
                .map_err(io(&self.path))?;
        }
        self.count += 1;
        Ok(())
    }

    /// The figures written, read back in their order.
    pub fn read(mut self) -> Result<Vec<FormFact>, WriteError> {
        self.file.flush().map_err(io(&self.path))?;
        let bytes = std::fs::read(&self.path).map_err(io(&self.path))?;
        let mut at = 0;
        let mut next = || -> Option<&str> {
            let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            let field = bytes.get(at + 4..at + 4 + len)?;
            at += 4 + len;
            std::str::from_utf8(field).ok()
        };
        let mut out = Vec::with_capacity(self.count);
        for _ in 0..self.count {
            let mut record = [""; FIELDS];
            for f in &mut record {
                *f = next().ok_or_else(|| WriteError::Io {
                    path: self.path.clone(),
                    cause: std::io::Error::other("the working file of target forms is damaged"),
                })?;
            }
            out.push(fact(&record));
        }
        Ok(out)
    }
}

/// A form's figures from one record of the spill.
fn fact(r: &[&str; FIELDS]) -> FormFact {
    let field = |i: usize| Some(r[i]).filter(|s| !s.is_empty());
    FormFact {
        kind: FormKind::ProjectTarget,
        year: field(0).and_then(|y| y.parse().ok()),
        dept_code: field(1).map(Into::into),
        unit_code: field(2).map(Into::into),
        unit_name: field(3).map(Into::into),
        project_code: field(4).map(Into::into),
        project_name: field(5).map(Into::into),
        budget_total: field(6).and_then(|d| Decimal::from_str(d).ok()),
        indicators: field(7).and_then(|n| n.parse().ok()).unwrap_or(0),
        result: None,
        source: Source::new(r[8], r[9], field(10).and_then(Pos::parse_a1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms_read_back_as_written() {
        use crate::model::Key;
        let dir = tempfile::tempdir().unwrap();
        let p = Project {
            key: Key {
                year: Some(2020),
                form_kind: Some(FormKind::ProjectTarget),
                unit_code: Some("762002".into()),
                project_code: Some("762-0504-JQN-MTUQ".into()),
                ..Key::default()
            },
            unit_name: Some("某单位, \"甲\"\n乙".into()),
            project_name: Some("项目".into()),
            budget_total: Some(Decimal::new(2051, 2)),
            indicator_count: 3,
            source: Source::new("a/b.xlsx", "S", Pos::parse_a1("B5")),
            ..Project::default()
        };
        let mut spill = FactSpill::create(dir.path().join("f.bin")).unwrap();
        spill.push(&p).unwrap();
        spill.push(&Project::default()).unwrap();
        let facts = spill.read().unwrap();
        assert_eq!(facts.len(), 2);
        let f = &facts[0];
        assert_eq!(f.year, Some(2020));
        assert_eq!(f.unit_code.as_deref(), Some("762002"));
        assert_eq!(f.unit_name.as_deref(), p.unit_name.as_deref());
        assert_eq!(f.project_code.as_deref(), Some("762-0504-JQN-MTUQ"));
        assert_eq!(f.project_name.as_deref(), Some("项目"));
        assert_eq!(f.budget_total, Some(Decimal::new(2051, 2)));
        assert_eq!(f.indicators, 3);
        assert_eq!(f.source, p.source);
        assert_eq!(facts[1], FormFact::default());
    }
}
