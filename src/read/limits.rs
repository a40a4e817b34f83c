//! Budgets per file, each enforced before the memory is spent: a file, a
//! package part, a sheet's cells and merged ranges, a workbook's sheets.
//! The `[limits]` section of a pipeline sets them; the defaults are far
//! above any real form and far below what exhausts a machine. Exceeding
//! one is that file's (or sheet's) error row, naming it; the batch goes on.

use serde::{Deserialize, Serialize};

/// A part larger than this many bytes is also held to
/// [`Limits::inflate_ratio`] (real sheet XML compresses 10 to 30 times;
/// zeros a thousand times).
const RATIO_FROM_BYTES: u64 = 8 << 20;

/// What the refusal of a ZIP container whose entries overlap says
/// ([`super::xml::overlap_refused`]): a refusal, not a damage another
/// reader might get past.
pub const OVERLAP: &str = "share their bytes";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// An input file larger than this many MiB is not read (it is read
    /// whole into memory).
    pub file_mib: u64,
    /// A part of an `.xlsx`, `.ods` or `.docx` package may inflate to this
    /// many MiB.
    pub part_mib: u64,
    /// A part over 8 MiB may inflate at most this many times its
    /// compressed size (as Apache POI's `ZipSecureFile` checks).
    pub inflate_ratio: u64,
    /// Cells with a value one sheet may give, `.ods` repeats counted.
    pub cells_per_sheet: usize,
    /// Shared strings one workbook may have (each costs memory however
    /// short: 20 million `<si/>` fit in 100 MB).
    pub shared_strings: usize,
    /// Merged ranges one sheet may have.
    pub merges_per_sheet: usize,
    /// Sheets of one workbook that are read; the rest are one issue.
    pub sheets: usize,
    /// Text one sheet may hold, in MiB, a shared string counted each time
    /// a reader copies it into a cell.
    pub text_mib: u64,
    /// Address space, in MiB, of the worker process that reads a file
    /// with calamine (`.xls`, `.et`, `.xlsb`, an `.xlsx` jixiao's own
    /// reader could not read): past it the worker dies and the file is
    /// one error.
    pub worker_mib: u64,
    /// Processor time, in seconds, one file may take in that worker.
    pub cpu_seconds: u64,
    /// Wall-clock time, in seconds, one file may take in that worker.
    pub read_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_mib: 512,
            part_mib: 256,
            inflate_ratio: 200,
            cells_per_sheet: 2_000_000,
            shared_strings: 2_000_000,
            merges_per_sheet: 20_000,
            sheets: 1_000,
            text_mib: 64,
            worker_mib: 1_024,
            cpu_seconds: 10,
            read_seconds: 20,
        }
    }
}

impl Limits {
    /// The error naming the key of a limit set to 0, if any.
    pub fn check(&self) -> Result<(), String> {
        let zero = [
            ("file_mib", self.file_mib == 0),
            ("part_mib", self.part_mib == 0),
            ("inflate_ratio", self.inflate_ratio == 0),
            ("cells_per_sheet", self.cells_per_sheet == 0),
            ("shared_strings", self.shared_strings == 0),
            ("merges_per_sheet", self.merges_per_sheet == 0),
            ("sheets", self.sheets == 0),
            ("text_mib", self.text_mib == 0),
            ("worker_mib", self.worker_mib == 0),
            ("cpu_seconds", self.cpu_seconds == 0),
            ("read_seconds", self.read_seconds == 0),
        ];
        match zero.iter().find(|(_, z)| *z) {
            Some((key, _)) => Err(format!("limits.{key} must be at least 1")),
            None => Ok(()),
        }
    }

    /// True for a reason given by one of these budgets (each names its
    /// key): the file must not then be handed to another reader, which
    /// would spend what the budget saved.
    pub fn is_refusal(reason: &str) -> bool {
        reason.contains("limits.") || reason.contains(OVERLAP)
    }

    pub fn part_bytes(&self) -> u64 {
        self.part_mib.saturating_mul(1 << 20)
    }

    pub fn text_bytes(&self) -> u64 {
        self.text_mib.saturating_mul(1 << 20)
    }

    pub fn file_bytes(&self) -> u64 {
        self.file_mib.saturating_mul(1 << 20)
    }

    /// The most bytes a part of `compressed` bytes may inflate to: past
    /// it, [`Limits::inflation_ok`] refuses the part (one more byte is read
    /// to tell).
    pub fn inflation_cap(&self, compressed: u64) -> u64 {
        let by_ratio = compressed
            .saturating_mul(self.inflate_ratio)
            .max(RATIO_FROM_BYTES);
        self.part_bytes().min(by_ratio)
    }

    /// Refuses a part that says it inflates past the limits, before it is
    /// read.
    pub fn inflation_ok(&self, part: &str, size: u64, compressed: u64) -> Result<(), String> {
        if size > self.part_bytes() {
            return Err(format!(
                "part {part} inflates to {} MiB, more than the {} MiB a part may (limits.part_mib); not read",
                size >> 20,
                self.part_mib
            ));
        }
        let ratio = size / compressed.max(1);
        if size > RATIO_FROM_BYTES && ratio > self.inflate_ratio {
            return Err(format!(
                "part {part} inflates {ratio} times ({} MiB from {} KiB), more than limits.inflate_ratio: a ZIP bomb, not read",
                size >> 20,
                compressed >> 10
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_part_that_inflates_a_thousand_times_is_refused() {
        let l = Limits::default();
        assert!(l
            .inflation_ok("p", 24 << 20, 24 << 10)
            .unwrap_err()
            .contains("ZIP bomb"));
        assert!(
            l.inflation_ok("p", 24 << 20, 1 << 20).is_ok(),
            "24 times is sheet XML"
        );
        assert!(
            l.inflation_ok("p", 1 << 20, 100).is_ok(),
            "small parts are not held to the ratio"
        );
        assert!(l
            .inflation_ok("p", 300 << 20, 100 << 20)
            .unwrap_err()
            .contains("part_mib"));
    }

    #[test]
    fn a_limit_of_zero_names_its_key() {
        let l = Limits {
            merges_per_sheet: 0,
            ..Limits::default()
        };
        assert_eq!(
            l.check().unwrap_err(),
            "limits.merges_per_sheet must be at least 1"
        );
    }
}
