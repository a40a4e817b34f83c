//! The built-in summaries of the form family: each project's target form
//! set against its self-evaluation (`target_vs_actual`), and each unit's
//! self-evaluations (`self_eval_by_unit`), from the few figures the run
//! keeps of every form ([`FormFact`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::model::schema::{RATIO_SCALE, SELF_EVAL_BY_UNIT, TARGET_VS_ACTUAL};
use crate::model::{FactResult, FormFact, FormKind, Project, Records};
use crate::normalise::amount::fit_scale;
use crate::normalise::family::execution_rate;
use crate::vocab::text::fold_label;
use crate::write::table::{Builder, TableSpec};
use crate::write::Table;

/// The texts many forms repeat (their unit's code and name, their
/// department), kept once for the whole run.
#[derive(Debug, Default)]
pub struct Interner(rustc_hash::FxHashSet<Arc<str>>);

impl Interner {
    fn get(&mut self, s: Option<&str>) -> Option<Arc<str>> {
        let s = s?;
        if let Some(a) = self.0.get(s) {
            return Some(Arc::clone(a));
        }
        let a: Arc<str> = s.into();
        self.0.insert(Arc::clone(&a));
        Some(a)
    }
}

/// A project form's figures (a self-evaluation's results aside).
fn project_fact(p: &Project, names: &mut Interner) -> FormFact {
    FormFact {
        kind: p.key.form_kind.unwrap_or_default(),
        year: p.key.year,
        dept_code: names.get(p.key.dept_code.as_deref()),
        unit_code: names.get(p.key.unit_code.as_deref()),
        unit_name: names.get(p.unit_name.as_deref()),
        project_code: p.key.project_code.clone(),
        project_name: p.project_name.as_deref().map(Box::from),
        budget_total: p.budget_total,
        indicators: p.indicator_count,
        result: None,
        source: p.source.clone(),
    }
}

/// What the run keeps of a project self-evaluation's records (`None` for
/// any other form: the target forms' figures are spilled to a working file
/// and read back when there is a self-evaluation to set them against, so
/// memory does not grow with a batch's target forms).
pub fn fact_of(form: &Records, names: &mut Interner) -> Option<FormFact> {
    let p = form.projects.first()?;
    let r = p.result.as_deref()?;
    if p.key.form_kind != Some(FormKind::ProjectSelfEval) {
        return None;
    }
    let verdicts = form
        .indicators
        .iter()
        .filter_map(|i| i.result.as_ref()?.target_met);
    let (mut evaluated, mut met) = (0, 0);
    for v in verdicts {
        evaluated += 1;
        met += u32::from(v);
    }
    let mut fact = project_fact(p, names);
    fact.result = Some(Box::new(FactResult {
        executed_total: r.executed_total,
        execution_rate: r.execution_rate,
        score_total: r.score_total,
        grade: r.grade.clone(),
        evaluated,
        met,
    }));
    Some(fact)
}

/// One row of `target_vs_actual`: a target form, its self-evaluation, or
/// both, and how they were matched.
struct Pair<'a> {
    target: Option<&'a FormFact>,
    eval: Option<&'a FormFact>,
    matched_by: &'static str,
}

impl Pair<'_> {
    /// The form that names the project (the target form's names first).
    fn named(&self) -> &FormFact {
        self.target.or(self.eval).expect("a pair has a form")
    }
}

/// Pairs each project self-evaluation with the target form of the same
/// year and unit: by project code, else by name. Unmatched forms on either
/// side are rows of their own. Empty when the batch holds no
/// self-evaluation.
fn pairs(facts: &[FormFact]) -> Vec<Pair<'_>> {
    let of = |k| facts.iter().filter(move |f| f.kind == k);
    if of(FormKind::ProjectSelfEval).next().is_none() {
        return Vec::new();
    }
    type At<'a> = (Option<i32>, Option<&'a str>, Cow<'a, str>);
    let mut by_code: HashMap<At<'_>, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<At<'_>, Vec<usize>> = HashMap::new();
    let targets: Vec<&FormFact> = of(FormKind::ProjectTarget).collect();
    for (i, t) in targets.iter().enumerate() {
        let unit = t.unit_code.as_deref();
        if let Some(c) = t.project_code.as_deref() {
            by_code.entry((t.year, unit, c.into())).or_default().push(i);
        }
        if let Some(n) = t.project_name.as_deref() {
            by_name
                .entry((t.year, unit, fold_label(n)))
                .or_default()
                .push(i);
        }
    }
    let mut taken: Vec<Option<(&FormFact, &'static str)>> = vec![None; targets.len()];
    let mut unmatched = Vec::new();
    for e in of(FormKind::ProjectSelfEval) {
        let unit = e.unit_code.as_deref();
        let mut find = |map: &HashMap<At<'_>, Vec<usize>>, key: Option<Cow<'_, str>>, how| {
            let list = map.get(&(e.year, unit, key?))?;
            let i = *list.iter().find(|i| taken[**i].is_none())?;
            taken[i] = Some((e, how));
            Some(())
        };
        // A match by the folded name (white space, full width) only when
        // the code finds none.
        let code = e.project_code.as_deref().map(Cow::from);
        let name = e.project_name.as_deref().map(fold_label);
        let found = find(&by_code, code, "code").or_else(|| find(&by_name, name, "name"));
        if found.is_none() {
            unmatched.push(e);
        }
    }
    let mut out: Vec<Pair<'_>> = targets
        .iter()
        .zip(&taken)
        .map(|(t, m)| Pair {
            target: Some(t),
            eval: m.map(|(e, _)| e),
            matched_by: m.map_or("no_self_eval", |(_, how)| how),
        })
        .collect();
    out.extend(unmatched.into_iter().map(|e| Pair {
        target: None,
        eval: Some(e),
        matched_by: "no_target",
    }));
    out
}

/// `target_vs_actual`: a row per project with a target form or a
/// self-evaluation, the two side by side (`facts`: both kinds).
pub fn target_vs_actual(facts: &[FormFact], spec: &TableSpec) -> Table {
    let rows = pairs(facts);
    fn t<'a>(p: &Pair<'a>) -> Option<&'a FormFact> {
        p.target
    }
    fn e<'a>(p: &Pair<'a>) -> Option<&'a FormFact> {
        p.eval
    }
    fn source(f: Option<&FormFact>) -> Option<&crate::model::Source> {
        f.map(|f| &f.source)
    }
    fn r<'a>(p: &Pair<'a>) -> Option<&'a FactResult> {
        p.eval?.result.as_deref()
    }
    Builder::new(&rows, &TARGET_VS_ACTUAL, spec)
        .int("year", |p| p.named().year.map(i64::from))
        .str("dept_code", |p| p.named().dept_code.as_deref())
        .str("unit_code", |p| p.named().unit_code.as_deref())
        .str("unit_name", |p| p.named().unit_name.as_deref())
        .str("project_code", |p| {
            t(p).and_then(|f| f.project_code.as_deref())
                .or(e(p).and_then(|f| f.project_code.as_deref()))
        })
        .str("project_name", |p| p.named().project_name.as_deref())
        .raw("matched_by", |p| p.matched_by)
        .dec("budget_set", |p| t(p)?.budget_total)
        .dec("budget_full_year", |p| e(p)?.budget_total)
        .dec("executed_total", |p| r(p)?.executed_total)
        .dec("execution_rate", |p| r(p)?.execution_rate)
        .int("indicators_set", |p| Some(i64::from(t(p)?.indicators)))
        .int("indicators_evaluated", |p| Some(i64::from(r(p)?.evaluated)))
        .int("indicators_met", |p| Some(i64::from(r(p)?.met)))
        .dec("score_total", |p| r(p)?.score_total)
        .str("grade", |p| r(p)?.grade.as_deref())
        .str("target_file", |p| Some(&source(t(p))?.file))
        .str("target_sheet", |p| Some(&source(t(p))?.sheet))
        .cell("target_cell", |p| source(t(p))?.cell)
        .str("self_eval_file", |p| Some(&source(e(p))?.file))
        .str("self_eval_sheet", |p| Some(&source(e(p))?.sheet))
        .cell("self_eval_cell", |p| source(e(p))?.cell)
        .finish("target_vs_actual")
}

/// One unit's self-evaluations, summed.
#[derive(Default)]
struct UnitEvals {
    year: Option<i32>,
    dept_code: Option<Arc<str>>,
    unit_code: Option<Arc<str>>,
    unit_name: Option<Arc<str>>,
    projects: i64,
    scores: (Decimal, i64),
    evaluated: i64,
    met: i64,
    budget: Option<Decimal>,
    executed: Option<Decimal>,
}

fn add(sum: &mut Option<Decimal>, v: Option<Decimal>) {
    if let Some(v) = v {
        *sum = Some(sum.unwrap_or_default() + v);
    }
}

/// A ratio × 100 to [`RATIO_SCALE`] decimals; `None` over 0.
fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    execution_rate(Some(part), Some(whole))
}

/// `self_eval_by_unit`: per year and unit, its project self-evaluations:
/// how many, their mean score, indicators reached, money spent.
pub fn self_eval_by_unit(facts: &[FormFact], spec: &TableSpec) -> Table {
    let mut units: Vec<UnitEvals> = Vec::new();
    type UnitKey<'a> = (Option<i32>, Option<&'a str>, Option<&'a str>);
    let mut at: HashMap<UnitKey<'_>, usize> = HashMap::new();
    for f in facts.iter().filter(|f| f.kind == FormKind::ProjectSelfEval) {
        // A unit without a code is told by its name.
        let key = (f.year, f.unit_code.as_deref(), f.unit_name.as_deref());
        let i = *at.entry(key).or_insert_with(|| {
            units.push(UnitEvals {
                year: f.year,
                dept_code: f.dept_code.clone(),
                unit_code: f.unit_code.clone(),
                unit_name: f.unit_name.clone(),
                ..UnitEvals::default()
            });
            units.len() - 1
        });
        let u = &mut units[i];
        let r = f.result.as_deref().cloned().unwrap_or_default();
        u.projects += 1;
        if let Some(s) = r.score_total {
            u.scores = (u.scores.0 + s, u.scores.1 + 1);
        }
        u.evaluated += i64::from(r.evaluated);
        u.met += i64::from(r.met);
        add(&mut u.budget, f.budget_total);
        add(&mut u.executed, r.executed_total);
    }
    units.sort_by(|a, b| (a.year, &a.unit_code).cmp(&(b.year, &b.unit_code)));
    Builder::new(&units, &SELF_EVAL_BY_UNIT, spec)
        .int("year", |u| u.year.map(i64::from))
        .str("dept_code", |u| u.dept_code.as_deref())
        .str("unit_code", |u| u.unit_code.as_deref())
        .str("unit_name", |u| u.unit_name.as_deref())
        .int("projects_evaluated", |u| Some(u.projects))
        .dec("score_mean", |u| {
            let (sum, n) = u.scores;
            (n > 0).then(|| fit_scale(sum / Decimal::from(n), RATIO_SCALE).0)
        })
        .int("indicators_evaluated", |u| Some(u.evaluated))
        .int("indicators_met", |u| Some(u.met))
        .dec("met_share", |u| {
            percent(Decimal::from(u.met), Decimal::from(u.evaluated))
        })
        .dec("budget_full_year", |u| u.budget)
        .dec("executed_total", |u| u.executed)
        .dec("execution_rate", |u| percent(u.executed?, u.budget?))
        .finish("self_eval_by_unit")
}
