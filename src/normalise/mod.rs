//! Normalise stage: pure functions from raw strings to typed values, and
//! [`normalise_form`], which applies them to one parsed form.
//!
//! Every normalised value keeps its raw form beside it in the records. A
//! value that cannot be read is kept as written and reported as an issue.
//!
//! Imports only `parse`, `model`, `vocab` and `grid`.

pub mod amount;
pub mod code;
pub mod family;
mod form;
pub mod func_class;
pub mod goals;
pub mod level;
pub mod plan;
mod result;
pub mod target;
pub mod unit;

use std::collections::HashMap;

use crate::vocab::money::MoneyUnit;

pub use form::{normalise_form, primary_stage};

/// What normalisation needs from the pipeline file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The unit every amount is converted to.
    pub amount_unit: MoneyUnit,
    /// The unit assumed when a form states none.
    pub default_source_unit: MoneyUnit,
    /// The project-code pattern; its named groups become `code_<name>`.
    pub code_pattern: code::CodePattern,
    /// How many leading digits of a unit code are the department code.
    pub dept_code_length: usize,
    /// The budget year, when the pipeline sets it (else read from the files).
    pub year: Option<i32>,
    pub levels: level::Levels,
    /// `code_category` value → category.
    pub categories: HashMap<String, Category>,
    /// The functional classification reference table.
    pub func_classes: func_class::FuncClasses,
    /// When a form's amounts look like another unit than the one read.
    pub plausible: Plausible,
    /// Keep every money line as a row of the `funding` table (off: only the
    /// lines a check needs — 财政拨款 by level, 上年结转 and the other money
    /// of the 预算数 check, an execution's weight and score).
    pub funding: bool,
}

/// The bounds past which a form's budget looks like it was read in the
/// wrong unit (元 for 万元 or the reverse): reported, never changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plausible {
    /// A project budget over this many 万元 looks like 元 read as 万元.
    pub max_wanyuan: u64,
    /// In a form read as 万元, a whole amount with at least this many
    /// integer digits looks like 元 (`1050000`).
    pub yuan_digits: usize,
    /// In a form read as 元, a budget under this many 元 looks like 万元.
    pub min_yuan: u64,
}

impl Default for Plausible {
    fn default() -> Self {
        Plausible {
            max_wanyuan: 100_000,
            yuan_digits: 5,
            min_yuan: 1_000,
        }
    }
}

/// A project category of the reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    /// The functional classification a project of this category is booked
    /// under when its form names none.
    pub func_class_code: Option<String>,
}

impl Settings {
    /// The named groups of the code pattern, in order.
    pub fn code_groups(&self) -> Vec<String> {
        self.code_pattern.groups().to_vec()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            amount_unit: MoneyUnit::Wanyuan,
            default_source_unit: MoneyUnit::Wanyuan,
            code_pattern: code::CodePattern::new(DEFAULT_CODE_PATTERN)
                .expect("valid default pattern"),
            dept_code_length: 3,
            year: None,
            levels: level::Levels::default(),
            categories: HashMap::new(),
            func_classes: func_class::FuncClasses::default(),
            plausible: Plausible::default(),
            funding: false,
        }
    }
}

/// The sample pipeline's code pattern (`762-0504-JQN-MTUQ`).
pub const DEFAULT_CODE_PATTERN: &str =
    r"^(?P<dept>\d{3})-(?P<category>\d{4})-(?P<batch>[A-Z]{3})-(?P<serial>[A-Z0-9]{4})$";
