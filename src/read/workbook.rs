//! Spreadsheet workbooks: `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, and WPS `.et`
//! (detected by content).
//!
//! `.xlsx` goes to jixiao's own reader ([`super::xlsx`]) first; `.xlsx` it
//! cannot read, `.xlsb`, `.xls` and `.et` go to calamine
//! ([`super::calamine`]) in the bounded worker ([`super::worker`]), after
//! the checks each format allows on its own sizes ([`super::cfb`],
//! [`super::biff`], [`super::xlsb`]).

use super::wire::Request;
use super::Kind;
use super::{FileContent, Limits, ReadError, Reading};

/// Begins reading a workbook from its bytes, with the reader its content
/// calls for: a read that goes to a worker is under way when this returns.
pub(super) fn read(
    bytes: Vec<u8>,
    kind: Kind,
    display: &str,
    ext: &str,
    limits: &Limits,
) -> Result<Reading, ReadError> {
    if kind == Kind::Zip && ext != "xlsb" {
        return match own_xlsx(&bytes, display, ext, limits)? {
            Own::Read(content) => Ok(Reading::done(Ok(content))),
            Own::Failed(why) => {
                // calamine reads what the own reader could not: a package
                // it does not understand, a sheet it failed; each part
                // held to the part limits first.
                super::xlsb::parts_ok(&bytes, limits).map_err(|reason| ReadError::Workbook {
                    format: ext.to_string(),
                    reason,
                })?;
                let reading = with_calamine(bytes, kind, display, ext, limits, Vec::new());
                Ok(reading.map(move |mut content| {
                    content.reader = format!("calamine ({why})");
                    content
                }))
            }
            Own::Partly(own, why) => {
                // A sheet the own reader refused by a budget is not read
                // again: calamine would spend what the budget saved.
                let skip = refused(&own);
                let cal = with_calamine(bytes, kind, display, ext, limits, skip).finish();
                Ok(Reading::done(Ok(better(own, why, cal))))
            }
        };
    }
    let failed = |reason: String| ReadError::Workbook {
        format: ext.to_string(),
        reason,
    };
    match kind {
        Kind::Ole => {
            let stream = super::cfb::check(&bytes).map_err(failed)?;
            if let Some(stream) = stream {
                super::biff::check(&stream, limits).map_err(failed)?;
            }
        }
        Kind::Zip => super::xlsb::check(&bytes, limits).map_err(failed)?,
        _ => {}
    }
    Ok(with_calamine(bytes, kind, display, ext, limits, Vec::new()))
}

/// The sheets a reading refused by a budget.
fn refused(content: &FileContent) -> Vec<String> {
    content
        .sheet_errors
        .iter()
        .filter_map(|e| match e {
            ReadError::Sheet { sheet, reason } if Limits::is_refusal(reason) => Some(sheet.clone()),
            _ => None,
        })
        .collect()
}

/// What jixiao's own `.xlsx` reader made of a package.
enum Own {
    /// Every sheet read (or refused by a budget, which calamine must not
    /// then spend).
    Read(FileContent),
    /// Some sheets failed for another reason: calamine may do better.
    Partly(FileContent, String),
    /// The package was not understood.
    Failed(String),
}

fn own_xlsx(bytes: &[u8], display: &str, ext: &str, limits: &Limits) -> Result<Own, ReadError> {
    match super::xlsx::read(bytes, display, limits) {
        Err(super::xlsx::NotRead(reason)) if Limits::is_refusal(&reason) => {
            Err(ReadError::Workbook {
                format: ext.to_string(),
                reason,
            })
        }
        Err(super::xlsx::NotRead(reason)) => Ok(Own::Failed(format!(
            "jixiao's own reader could not: {reason}"
        ))),
        Ok(content) => {
            let failed = content.sheet_errors.iter().find_map(|e| match e {
                ReadError::Sheet { sheet, reason } if !Limits::is_refusal(reason) => Some(format!(
                    "jixiao's own reader failed sheet '{sheet}': {reason}"
                )),
                _ => None,
            });
            Ok(match failed {
                Some(why) => Own::Partly(content, why),
                None => Own::Read(content),
            })
        }
    }
}

/// calamine's reading of a file whose sheets jixiao's own reader partly
/// failed (`why`), when it reads more of them; else the own reading. The
/// sheets the own reader refused by a budget keep their refusal.
fn better(own: FileContent, why: String, cal: Result<FileContent, ReadError>) -> FileContent {
    match cal {
        Ok(mut cal) if cal.sheet_errors.len() < own.sheet_errors.len() - refused(&own).len() => {
            cal.reader = format!("calamine ({why})");
            let refusals = own.sheet_errors.into_iter().filter(|e| match e {
                ReadError::Sheet { reason, .. } => Limits::is_refusal(reason),
                _ => false,
            });
            cal.sheet_errors.extend(refusals);
            cal
        }
        _ => own,
    }
}

/// Begins reading a workbook with calamine: in a bounded worker process
/// when the command line set that up ([`super::worker`]), else here.
/// `skip`: sheets not to read.
pub(super) fn with_calamine(
    bytes: Vec<u8>,
    kind: Kind,
    display: &str,
    ext: &str,
    limits: &Limits,
    skip: Vec<String>,
) -> Reading {
    let pending = super::worker::start(Request {
        kind,
        ext: ext.to_string(),
        display: display.to_string(),
        limits: *limits,
        skip,
        bytes,
    });
    let display = display.to_string();
    Reading::later(move || pending.finish().map(|read| read.content(&display)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn calamine_is_taken_when_it_reads_sheets_the_own_reader_failed() {
        let failed = |n: usize| FileContent {
            sheet_errors: (0..n)
                .map(|i| ReadError::Sheet {
                    sheet: format!("S{i}"),
                    reason: "malformed XML".to_string(),
                })
                .collect(),
            reader: "own".to_string(),
            ..FileContent::default()
        };
        let why = || "jixiao's own reader failed sheet 'S0'".to_string();
        let taken = better(failed(1), why(), Ok(failed(0)));
        assert_eq!(
            taken.reader,
            "calamine (jixiao's own reader failed sheet 'S0')"
        );
        assert_eq!(better(failed(1), why(), Ok(failed(1))).reader, "own");
        let err = Err(ReadError::EmptyFile);
        assert_eq!(better(failed(1), why(), err).reader, "own");
    }

    /// calamine subtracts a `<dimension>`'s corners unchecked: reversed
    /// (`G53:A1`, one flipped byte of a real file, found by
    /// `properties::mutated_workbooks_never_panic`) it overflowed and
    /// panicked in a debug build. The panic is the sheet's error now.
    #[test]
    fn a_reversed_dimension_that_overflowed_calamine_is_never_a_panic() {
        use std::io::{Read, Write};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/762002.xlsx");
        let mut zip = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap())).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut text = Vec::new();
            part.read_to_end(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(text).unwrap();
                assert!(xml.contains(r#"<dimension ref="A1:G53"/>"#));
                text = xml
                    .replace(
                        r#"<dimension ref="A1:G53"/>"#,
                        r#"<dimension ref="G53:A1"/>"#,
                    )
                    .into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&text).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        // Whatever calamine makes of it (a build without overflow checks
        // reads on), it is a value.
        let read = with_calamine(
            bytes,
            Kind::Zip,
            "d.xlsx",
            "xlsx",
            &Limits::default(),
            Vec::new(),
        )
        .finish();
        if let Ok(content) = &read {
            for e in &content.sheet_errors {
                assert!(e.to_string().contains("the reader failed"), "{e}");
            }
        }
    }

    /// jixiao's own `.xlsx` reader gives the cells and merged ranges
    /// calamine gives, on workbooks written by other software (openpyxl,
    /// LibreOffice) and the sample data.
    #[test]
    fn own_xlsx_reader_agrees_with_calamine() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = [
            "sample_data/762002.xlsx",
            "sample_data/762003.xlsx",
            "tests/fixtures/openpyxl/762002.xlsx",
            "tests/fixtures/openpyxl/762003.xlsx",
            "tests/fixtures/libreoffice/762002.xlsx",
            "tests/fixtures/libreoffice/762003.xlsx",
        ];
        for f in files {
            let bytes = std::fs::read(root.join(f)).unwrap();
            let own = crate::read::xlsx::read(&bytes, f, &Limits::default()).unwrap();
            let cal = with_calamine(bytes, Kind::Zip, f, "xlsx", &Limits::default(), Vec::new())
                .finish()
                .unwrap();
            assert_eq!(own.grids.len(), cal.grids.len(), "{f}");
            assert!(own.sheet_errors.is_empty() && cal.sheet_errors.is_empty());
            for (a, b) in own.grids.iter().zip(&cal.grids) {
                assert_eq!(a.sheet, b.sheet, "{f}");
                let cells = |g: &crate::grid::Grid| {
                    g.cells().map(|(p, v)| (p, v.clone())).collect::<Vec<_>>()
                };
                assert_eq!(cells(a), cells(b), "{f} › {}", a.sheet);
                assert!(!a.merges().is_empty(), "{f} › {} has merged cells", a.sheet);
                assert_eq!(a.merges(), b.merges(), "{f} › {}", a.sheet);
            }
        }
    }
}
