//! The few figures of a project form that set its target form against its
//! self-evaluation: kept through the run for each self-evaluation (about
//! 250 bytes a form; the unit's names are shared), read back from the
//! written projects table for the target forms.

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
    pub unit_name: Option<Arc<str>>,
    pub project_code: Option<Arc<str>>,
    pub project_name: Option<Box<str>>,
    pub budget_total: Option<Decimal>,
    /// Indicator rows.
    pub indicators: u32,
    /// A self-evaluation's results (`None` on a target form).
    pub result: Option<Box<FactResult>>,
    pub source: Source,
}

/// What a self-evaluation adds to its form's figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactResult {
    pub executed_total: Option<Decimal>,
    pub execution_rate: Option<Decimal>,
    pub score_total: Option<Decimal>,
    pub grade: Option<String>,
    /// Indicators with a verdict (`target_met` not empty), and of them
    /// those reached.
    pub evaluated: u32,
    pub met: u32,
}
