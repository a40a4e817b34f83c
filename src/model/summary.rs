//! What a run did: the control totals a person reads at the end of a run,
//! and `run_summary` holds.

use std::path::PathBuf;

use rust_decimal::Decimal;

use super::FormKind;

impl Summary {
    /// Forms of `kind` found.
    pub fn forms_of(&self, kind: FormKind) -> usize {
        self.forms_by_kind[kind.index()]
    }
}

/// What a run did, for the summary a person reads.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// budget_total per unit (control totals), in the pipeline's unit.
    pub budget_by_unit: Vec<(String, Decimal)>,
    pub amount_unit: String,
    pub files: usize,
    pub skipped: Vec<String>,
    pub forms: usize,
    pub projects: usize,
    pub indicators: usize,
    pub goals: usize,
    pub plan_rows: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Record-table rows left out of `tables.xlsx` (past Excel's last row).
    pub xlsx_rows_omitted: u64,
    /// Forms found, by kind (in [`FormKind::ALL`]'s order).
    pub forms_by_kind: [usize; 4],
    /// A self-evaluation's total spent per unit (control totals).
    pub executed_by_unit: Vec<(String, Decimal)>,
    /// Each project self-evaluation's figures, for the summaries that set a
    /// project's target form against its self-evaluation (the target forms
    /// are read back from the written projects table).
    pub facts: Vec<super::FormFact>,
    /// The figures the report and the feedback workbooks show.
    pub report: super::report::ReportData,
    pub written: Vec<PathBuf>,
}
