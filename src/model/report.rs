//! What the report and the feedback workbooks show, gathered as each
//! file's records are written: small sums per unit, category, month and
//! level, and the findings of each unit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::{FormKind, IssueCode, Severity};

/// The figures of a run for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportData {
    /// By unit code (`""`: findings no unit can be told for).
    pub units: BTreeMap<String, UnitReport>,
    /// Project target forms by category name and by functional
    /// classification (`code name`): forms, budget.
    pub categories: BTreeMap<String, Tally>,
    pub func_classes: BTreeMap<String, Tally>,
    /// The target forms' cumulative plan, by checkpoint month.
    pub plan_by_month: BTreeMap<u8, Decimal>,
    /// Target forms' indicators by level 1 and level 2 (canonical; `None`
    /// where the form has none).
    pub levels: BTreeMap<Levels, u64>,
    /// Findings by code: errors, warnings.
    pub issue_codes: BTreeMap<IssueCode, [u64; 2]>,
    /// Findings kept for the report and feedback, and those counted only
    /// (past [`ReportData::KEEP_PER_UNIT`] or [`ReportData::KEEP_TOTAL`]).
    pub issues_kept: usize,
    pub issues_dropped: usize,
}

impl ReportData {
    /// The findings of one unit kept for the feedback workbook, at most.
    pub const KEEP_PER_UNIT: usize = 10_000;
    /// The findings of the run kept, at most (the rest are counted).
    pub const KEEP_TOTAL: usize = 500_000;

    /// The units with errors first (most errors first), then those with
    /// warnings, then the clean; by code within each.
    pub fn units_by_status(&self) -> Vec<(&String, &UnitReport)> {
        let mut units: Vec<(&String, &UnitReport)> = self.units.iter().collect();
        units.sort_by_key(|(code, u)| (u.status(), std::cmp::Reverse(u.errors), code.as_str()));
        units
    }
}

/// What the findings of no known unit are shown as.
pub const NO_UNIT: &str = "未识别单位";

/// An indicator's level 1 and level 2.
pub type Levels = (Option<Arc<str>>, Option<Arc<str>>);

/// Forms and budget of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub forms: u64,
    pub budget: Decimal,
}

/// One unit's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitReport {
    pub name: Option<String>,
    pub dept_code: Option<String>,
    /// The files its forms and findings came from.
    pub files: BTreeSet<Arc<str>>,
    /// Forms by kind ([`FormKind::ALL`]'s order).
    pub forms: [u64; 4],
    /// The budget its project target forms set.
    pub budget: Decimal,
    /// Its project self-evaluations: full-year budget, spent, indicators
    /// with a verdict and reached.
    pub budget_full_year: Decimal,
    pub executed: Decimal,
    pub evaluated: u64,
    pub met: u64,
    pub plan_by_month: BTreeMap<u8, Decimal>,
    pub errors: u64,
    pub warnings: u64,
    /// Its findings, in the order found (at most [`ReportData::KEEP_PER_UNIT`]).
    pub issues: Vec<IssueLine>,
}

impl UnitReport {
    pub fn forms_of(&self, kind: FormKind) -> u64 {
        self.forms[kind.index()]
    }

    /// The unit's name, or [`NO_UNIT`] for the findings of no unit (code
    /// `""`), or empty.
    pub fn name_or_none<'a>(&'a self, code: &str) -> &'a str {
        match (&self.name, code) {
            (Some(name), _) => name,
            (None, "") => NO_UNIT,
            (None, _) => "",
        }
    }

    /// `code name` (or the code alone; [`NO_UNIT`] for code `""`).
    pub fn label(&self, code: &str) -> String {
        match (code, self.name.as_deref()) {
            ("", _) => NO_UNIT.to_string(),
            (c, Some(n)) => format!("{c} {n}"),
            (c, None) => c.to_string(),
        }
    }

    /// Its findings, errors first, in the order found within each.
    pub fn issues_by_severity(&self) -> Vec<&IssueLine> {
        let mut issues: Vec<&IssueLine> = self.issues.iter().collect();
        issues.sort_by_key(|i| i.severity);
        issues
    }

    /// Red (errors), amber (warnings only) or green.
    pub fn status(&self) -> Status {
        match (self.errors, self.warnings) {
            (0, 0) => Status::Clean,
            (0, _) => Status::Warnings,
            _ => Status::Errors,
        }
    }
}

/// A unit's state after the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Errors,
    Warnings,
    Clean,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Errors => "有错误",
            Status::Warnings => "有警告",
            Status::Clean => "无问题",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Errors => "red",
            Status::Warnings => "amber",
            Status::Clean => "green",
        }
    }
}

/// One finding as the report and the feedback show it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueLine {
    pub severity: Severity,
    pub code: IssueCode,
    pub message: String,
    pub form_kind: Option<FormKind>,
    pub project_code: Option<Arc<str>>,
    pub file: Arc<str>,
    pub sheet: Arc<str>,
    /// The cell as an A1 reference, or empty.
    pub cell: String,
}

impl IssueLine {
    /// The value the finding is about: the first text its message quotes
    /// (`'90100'`), or empty.
    pub fn found(&self) -> &str {
        let Some(start) = self.message.find('\'') else {
            return "";
        };
        let rest = &self.message[start + 1..];
        rest.find('\'').map_or("", |end| &rest[..end])
    }
}
