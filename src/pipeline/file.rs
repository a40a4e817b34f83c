//! One file through read → parse → normalise → per-form validation. Any
//! failure, even a panic inside a reader, becomes an issue for this file.

use super::Pipeline;
use crate::locate::Matcher;
use crate::model::{Issue, IssueCode, Key, Records, Source};
use crate::normalise::normalise_form;
use crate::read::{begin_read, read_file, FileContent, InputFile, ReadError, Reading};
use crate::validate::validate_form;

fn file_issue(file: &InputFile, sheet: &str, code: IssueCode, message: String) -> Issue {
    Issue {
        severity: code.severity(),
        code,
        message,
        key: Key::default(),
        source: Source::new(&file.display, sheet, None),
    }
}

/// One file through read → parse → normalise → per-form validation. Any
/// failure, even a panic inside a reader, becomes an issue for this file.
pub fn extract_file(
    file: &InputFile,
    pipeline: &Pipeline,
    matcher: &Matcher,
) -> (Vec<Records>, Vec<Issue>) {
    extract_with(file, pipeline, matcher, |f| read_file(f, &pipeline.limits))
}

/// The read of a file begun ([`begin_read`]): a file that goes to a
/// reader worker is read there while the run works on the file before.
/// A panic while beginning is its message.
pub fn begin_file(file: &InputFile, pipeline: &Pipeline) -> Result<Reading, String> {
    crate::fault::catch(|| begin_read(file, &pipeline.limits))
}

/// [`extract_file`] of a file whose read was begun.
pub fn finish_file(
    file: &InputFile,
    begun: Result<Reading, String>,
    pipeline: &Pipeline,
    matcher: &Matcher,
) -> (Vec<Records>, Vec<Issue>) {
    extract_with(file, pipeline, matcher, |_| match begun {
        Ok(reading) => reading.finish(),
        Err(what) => std::panic::resume_unwind(Box::new(what)),
    })
}

/// [`extract_file`] with the reader given (tests give a failing one).
fn extract_with(
    file: &InputFile,
    pipeline: &Pipeline,
    matcher: &Matcher,
    read: impl FnOnce(&InputFile) -> Result<FileContent, ReadError>,
) -> (Vec<Records>, Vec<Issue>) {
    let result = crate::fault::catch(|| {
        let content = read(file)?;
        Ok::<_, ReadError>(forms_of(file, &content, pipeline, matcher))
    });
    // A caught panic is jixiao's bug, told apart from a bad file so that
    // no test of bad input can pass by catching one.
    let (code, failure) = match result {
        Ok(Ok(done)) => return done,
        Ok(Err(e)) => (IssueCode::FileUnreadable, e.to_string()),
        Err(what) => (
            IssueCode::InternalError,
            format!("jixiao failed on this file ({what}); the rest of the batch went on"),
        ),
    };
    let issue = file_issue(file, "", code, failure);
    (Vec::new(), vec![issue])
}

/// The forms of a file that was read, and the file's own findings (sheets
/// that could not be read, no form at all).
fn forms_of(
    file: &InputFile,
    content: &FileContent,
    pipeline: &Pipeline,
    matcher: &Matcher,
) -> (Vec<Records>, Vec<Issue>) {
    let groups = pipeline.settings.code_groups();
    let mut issues: Vec<Issue> = content
        .sheet_errors
        .iter()
        .map(|e| {
            let sheet = match e {
                ReadError::Sheet { sheet, .. } => sheet.as_str(),
                _ => "",
            };
            file_issue(file, sheet, IssueCode::SheetUnreadable, e.to_string())
        })
        .collect();
    let mut forms = Vec::new();
    for raw in crate::parse::parse_file(&content.grids, matcher) {
        let mut records = normalise_form(raw, &pipeline.settings);
        let found = validate_form(&records, &groups);
        records.issues.extend(found);
        forms.push(records);
    }
    if forms.is_empty() {
        issues.push(file_issue(
            file,
            "",
            IssueCode::NoFormsFound,
            format!(
                "no performance target form found in {} sheet(s): no cell labelled 项目编码 or 项目名称 (is this a cover page or another table?)",
                content.grids.len()
            ),
        ));
    }
    (forms, issues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use crate::pipeline::config::PipelineFile;

    #[test]
    fn a_panic_while_reading_becomes_that_files_internal_error() {
        let pipeline =
            Pipeline::from_file(PipelineFile::default(), std::path::Path::new(".")).unwrap();
        let matcher = Matcher::new(&pipeline.labels);
        let file = InputFile {
            path: "x.xlsx".into(),
            display: "in/x.xlsx".into(),
        };
        let (forms, issues) = extract_with(&file, &pipeline, &matcher, |_| panic!("reader bug"));
        assert!(forms.is_empty());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, IssueCode::InternalError);
        assert_eq!(issues[0].severity, Severity::Error);
        assert_eq!(&*issues[0].source.file, "in/x.xlsx");
        assert!(
            issues[0].message.contains("reader bug"),
            "{}",
            issues[0].message
        );
    }
}
