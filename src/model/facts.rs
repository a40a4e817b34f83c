//! What the run keeps of each form to set a project's target form against
//! its self-evaluation once every file is read: a few figures a form, not
//! its rows.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::{FormKind, Source};

/// One form's figures for the `target_vs_actual` and `self_eval_by_unit`
/// summaries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormFact {
    pub kind: FormKind,
    pub year: Option<i32>,
    pub dept_code: Option<Arc<str>>,
    pub unit_code: Option<Arc<str>>,
    pub unit_name: Option<String>,
    pub project_code: Option<Arc<str>>,
    pub project_name: Option<String>,
    /// The project's name folded (white space, full width), for a match by
    /// name.
    pub name_key: Option<String>,
    pub budget_total: Option<Decimal>,
    pub executed_total: Option<Decimal>,
    pub execution_rate: Option<Decimal>,
    pub score_total: Option<Decimal>,
    pub grade: Option<String>,
    /// Indicator rows; of a self-evaluation's, those with a verdict
    /// (`target_met` not empty) and those reached.
    pub indicators: u32,
    pub evaluated: u32,
    pub met: u32,
    pub source: Source,
}
