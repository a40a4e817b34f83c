//! `report.html`: one page the bureau opens after a run — the control
//! totals, a red/amber/green status per unit, charts, the units, and every
//! unit's findings. Self-contained (styles and SVG inline, no script, no
//! address), printable on A4. Figures carry their exact value in a
//! `data-v` attribute, so a test can read them back.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::chart::{self, Bar, Line};
use super::{escape, money};
use crate::model::report::{ReportData, Status, UnitReport};
use crate::model::{FormKind, Summary};

/// What the page says of the run besides its figures.
pub struct Meta<'a> {
    /// The run's date (`2026-12-06`).
    pub date: &'a str,
    pub inputs: &'a [String],
    /// The feedback folder's name, when feedback workbooks were written.
    pub feedback: Option<&'a str>,
}

/// Findings listed per unit and in all; the rest are counted.
const LISTED_PER_UNIT: usize = 200;
const LISTED_TOTAL: usize = 5_000;
/// Bars per chart; the rest are one bar.
const BARS: usize = 20;

/// The whole page.
pub fn html(data: &ReportData, s: &Summary, meta: &Meta<'_>) -> String {
    let mut out = String::with_capacity(64 * 1024 + data.issues_kept * 300);
    head(&mut out, meta);
    totals(&mut out, data, s);
    charts(&mut out, data, s);
    units(&mut out, data, s);
    findings(&mut out, data, meta);
    out.push_str("</main></body></html>\n");
    out
}

const STYLE: &str = "\
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#222;background:#f6f6f4}\
main{max-width:1100px;margin:0 auto;padding:16px 24px;background:#fff}\
h1{font-size:24px;margin:8px 0}h2{font-size:19px;border-bottom:2px solid #2166ac;padding-bottom:4px;margin-top:28px}\
h3{font-size:16px;margin:18px 0 6px}.meta{color:#666;font-size:13px}\
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}\
.fig{border:1px solid #ddd;border-radius:4px;padding:8px}.fig b{display:block;font-size:20px;overflow-wrap:anywhere}\
.fig span{color:#666;font-size:12px}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#eef2f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}\
.red{background:#c62828}.amber{background:#ef9f00}.green{background:#2e7d32}\
.error{color:#b71c1c;font-weight:bold}.warning{color:#8a5a00}\
.charts{display:grid;grid-template-columns:1fr;gap:12px}.charts svg{max-width:100%;height:auto}\
section.unit{content-visibility:auto;contain-intrinsic-size:auto 400px}\
a{color:#2166ac}\
@media print{body{background:#fff}main{max-width:none;padding:0}h2{break-before:page}\
section.unit{content-visibility:visible;break-inside:avoid-page}tr{break-inside:avoid}\
a{color:#222;text-decoration:none}@page{size:A4;margin:14mm}}";

fn head(out: &mut String, meta: &Meta<'_>) {
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\"><title>绩效表汇总报告 {}</title>\
<style>{STYLE}</style></head><body><main><h1>绩效表汇总报告</h1>\
<p class=\"meta\">生成日期 {} · 读取 {}</p>",
        escape(meta.date),
        escape(meta.date),
        escape(&meta.inputs.join("、"))
    );
}

/// One figure with its caption and exact value.
fn figure(out: &mut String, key: &str, caption: &str, value: &str, shown: &str) {
    let _ = write!(
        out,
        "<div class=\"fig\"><b data-k=\"{key}\" data-v=\"{}\">{}</b><span>{}</span></div>",
        escape(value),
        escape(shown),
        escape(caption)
    );
}

/// A figure that is a count, shown as it is.
fn count(out: &mut String, key: &str, caption: &str, n: usize) {
    let n = n.to_string();
    figure(out, key, caption, &n, &n);
}

fn totals(out: &mut String, data: &ReportData, s: &Summary) {
    out.push_str("<section id=\"totals\"><h2>控制数</h2><div class=\"figures\">");
    count(out, "files_read", "读取文件", s.files);
    count(out, "files_skipped", "跳过文件", s.skipped.len());
    count(out, "forms_found", "表单", s.forms);
    for k in FormKind::ALL {
        count(out, &format!("forms_{}", k.as_str()), k.zh(), s.forms_of(k));
    }
    let units = data.units.keys().filter(|k| !k.is_empty()).count();
    count(out, "units", "单位", units);
    let budget: Decimal = s.budget_by_unit.iter().map(|(_, b)| *b).sum();
    let caption = format!("预算数合计（{}，项目目标表）", s.amount_unit);
    figure(
        out,
        "budget_total",
        &caption,
        &budget.to_string(),
        &money(budget),
    );
    if !s.executed_by_unit.is_empty() {
        let spent: Decimal = s.executed_by_unit.iter().map(|(_, b)| *b).sum();
        let caption = format!("全年执行数合计（{}，项目自评表）", s.amount_unit);
        figure(
            out,
            "executed_total",
            &caption,
            &spent.to_string(),
            &money(spent),
        );
    }
    count(out, "issues_error", "错误", s.errors);
    count(out, "issues_warning", "警告", s.warnings);
    for st in [Status::Errors, Status::Warnings, Status::Clean] {
        let n = data.units.values().filter(|u| u.status() == st).count();
        let key = format!("units_{}", st.as_str());
        count(out, &key, &format!("单位{}", st.zh()), n);
    }
    out.push_str("</div></section>");
}

/// A chart of the largest groups; the rest are summed in its title.
fn top_chart(title: &str, groups: Vec<(String, Decimal)>, what: &str, colour: usize) -> String {
    let mut groups = groups;
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    let (head, tail) = groups.split_at(groups.len().min(BARS));
    let bars: Vec<Bar> = head.iter().map(|(l, v)| bar(l.clone(), *v)).collect();
    let title = match tail.len() {
        0 => title.to_string(),
        n => {
            let rest: Decimal = tail.iter().map(|(_, v)| *v).sum();
            format!(
                "{title}：前 {BARS} 个，其余 {n} 个{what}合计 {}",
                money(rest)
            )
        }
    };
    chart::bars(&title, &bars, colour)
}

fn bar(label: String, v: Decimal) -> Bar {
    Bar {
        label,
        value: float(v),
        shown: money(v),
    }
}

/// An amount as a chart draws it (the nearest `f64`).
fn float(v: Decimal) -> f64 {
    v.to_string().parse().unwrap_or(0.0)
}

fn count_bar(label: String, n: u64) -> Bar {
    Bar {
        label,
        value: n as f64,
        shown: n.to_string(),
    }
}

fn charts(out: &mut String, data: &ReportData, s: &Summary) {
    out.push_str("<section id=\"charts\"><h2>图表</h2><div class=\"charts\">");
    let unit = &s.amount_unit;
    let by_unit: Vec<(String, Decimal)> = data
        .units
        .iter()
        .filter(|(_, u)| u.forms_of(FormKind::ProjectTarget) > 0)
        .map(|(c, u)| (u.label(c), u.budget))
        .collect();
    out.push_str(&top_chart(
        &format!("各单位预算数（{unit}）"),
        by_unit,
        "单位",
        0,
    ));
    let tally = |m: &std::collections::BTreeMap<String, crate::model::report::Tally>| {
        m.iter()
            .map(|(k, t)| (k.clone(), t.budget))
            .collect::<Vec<_>>()
    };
    let title = format!("按项目类别的预算数（{unit}）");
    out.push_str(&top_chart(&title, tally(&data.categories), "类别", 1));
    let title = format!("按支出功能分类的预算数（{unit}）");
    out.push_str(&top_chart(&title, tally(&data.func_classes), "科目", 2));
    plan_chart(out, data, unit);
    level_charts(out, data);
    issue_charts(out, data);
    self_eval_charts(out, data);
    out.push_str("</div></section>");
}

/// The cumulative plan by month: the whole run and its five largest units.
fn plan_chart(out: &mut String, data: &ReportData, unit: &str) {
    let points = |m: &std::collections::BTreeMap<u8, Decimal>| {
        m.iter()
            .map(|(month, v)| (u32::from(*month), float(*v)))
            .collect::<Vec<_>>()
    };
    let mut lines = vec![Line {
        name: "全部单位".into(),
        points: points(&data.plan_by_month),
    }];
    let mut largest: Vec<(&String, &UnitReport)> = data
        .units
        .iter()
        .filter(|(_, u)| !u.plan_by_month.is_empty())
        .collect();
    largest.sort_by_key(|(_, u)| std::cmp::Reverse(u.budget));
    for (code, u) in largest.into_iter().take(5) {
        lines.push(Line {
            name: u.label(code),
            points: points(&u.plan_by_month),
        });
    }
    let title = format!("资金支出计划：累计支出（{unit}）");
    out.push_str(&chart::lines(&title, unit, &lines));
}

fn level_charts(out: &mut String, data: &ReportData) {
    let name = |l: &Option<std::sync::Arc<str>>| l.as_deref().unwrap_or("（未填）").to_string();
    let mut level1: std::collections::BTreeMap<String, u64> = Default::default();
    let mut level2: Vec<(String, u64)> = Vec::new();
    for ((l1, l2), n) in &data.levels {
        *level1.entry(name(l1)).or_default() += n;
        level2.push((format!("{} · {}", name(l1), name(l2)), *n));
    }
    let bars: Vec<Bar> = level1.into_iter().map(|(l, n)| count_bar(l, n)).collect();
    out.push_str(&chart::bars("指标构成：一级指标（个）", &bars, 3));
    level2.sort_by_key(|l| std::cmp::Reverse(l.1));
    let bars: Vec<Bar> = level2
        .into_iter()
        .take(BARS)
        .map(|(l, n)| count_bar(l, n))
        .collect();
    out.push_str(&chart::bars("指标构成：二级指标（个）", &bars, 3));
}

fn issue_charts(out: &mut String, data: &ReportData) {
    let mut by_unit: Vec<(String, u64, u64)> = data
        .units
        .iter()
        .filter(|(_, u)| u.errors + u.warnings > 0)
        .map(|(c, u)| (u.label(c), u.errors, u.warnings))
        .collect();
    by_unit.sort_by_key(|u| std::cmp::Reverse((u.1, u.2)));
    let bars: Vec<Bar> = by_unit
        .into_iter()
        .take(BARS)
        .map(|(l, e, w)| Bar {
            label: l,
            value: (e + w) as f64,
            shown: format!("错误 {e} · 警告 {w}"),
        })
        .collect();
    out.push_str(&chart::bars("问题数：按单位（错误多者在前）", &bars, 1));
    let bars: Vec<Bar> = data
        .issue_codes
        .iter()
        .map(|(code, [e, w])| Bar {
            label: format!(
                "{} {}",
                code.as_str(),
                code.zh().0.split('（').next().unwrap_or("")
            ),
            value: (e + w) as f64,
            shown: (e + w).to_string(),
        })
        .collect();
    out.push_str(&chart::bars("问题数：按问题类型", &bars, 5));
}

/// Targets reached and execution rate by unit, where there are
/// self-evaluations.
fn self_eval_charts(out: &mut String, data: &ReportData) {
    let evaluated: Vec<(&String, &UnitReport)> = data
        .units
        .iter()
        .filter(|(_, u)| u.forms_of(FormKind::ProjectSelfEval) > 0)
        .take(BARS)
        .collect();
    let share = |part: Decimal, whole: Decimal| {
        crate::normalise::family::execution_rate(Some(part), Some(whole))
    };
    let met: Vec<Bar> = evaluated
        .iter()
        .filter_map(|(c, u)| {
            let s = share(Decimal::from(u.met), Decimal::from(u.evaluated))?;
            Some(percent_bar(u.label(c), s))
        })
        .collect();
    out.push_str(&chart::bars("指标达成率：按单位（%）", &met, 2));
    let rate: Vec<Bar> = evaluated
        .iter()
        .filter_map(|(c, u)| {
            Some(percent_bar(
                u.label(c),
                share(u.executed, u.budget_full_year)?,
            ))
        })
        .collect();
    out.push_str(&chart::bars("预算执行率：按单位（%）", &rate, 0));
}

fn percent_bar(label: String, v: Decimal) -> Bar {
    Bar {
        label,
        value: float(v),
        shown: format!("{}%", crate::vocab::money::round_half_up(v, 2)),
    }
}

/// The units: status, figures, a link to their findings; errors first.
fn units(out: &mut String, data: &ReportData, s: &Summary) {
    let unit = &s.amount_unit;
    let _ = write!(
        out,
        "<section id=\"units\"><h2>单位</h2><table><thead><tr><th>状态</th><th>单位编码</th>\
<th>单位名称</th><th class=\"num\">文件</th><th class=\"num\">项目目标表</th><th class=\"num\">自评表</th>\
<th class=\"num\">预算数（{unit}）</th><th class=\"num\">全年执行数（{unit}）</th>\
<th class=\"num\">错误</th><th class=\"num\">警告</th></tr></thead><tbody>"
    );
    for (code, u) in data.units_by_status() {
        unit_row(out, code, u);
    }
    out.push_str("</tbody></table></section>");
}

fn unit_row(out: &mut String, code: &str, u: &UnitReport) {
    let st = u.status();
    let name = escape(u.name_or_none(code));
    let code_cell = match u.errors + u.warnings {
        0 => escape(code),
        _ => format!("<a href=\"#u-{0}\">{0}</a>", escape(code)),
    };
    let num =
        |k: &str, v: String| format!("<td class=\"num\" data-k=\"{k}\" data-v=\"{v}\">{v}</td>");
    let amount = |k: &str, v: Decimal| {
        format!(
            "<td class=\"num\" data-k=\"{k}\" data-v=\"{v}\">{}</td>",
            money(v)
        )
    };
    let _ = write!(
        out,
        "<tr data-unit=\"{}\" data-status=\"{}\"><td><span class=\"dot {}\"></span>{}</td><td>{code_cell}</td><td>{name}</td>{}{}{}{}{}{}{}</tr>",
        escape(code),
        st.as_str(),
        st.as_str(),
        st.zh(),
        num("files", u.files.len().to_string()),
        num("targets", u.forms_of(FormKind::ProjectTarget).to_string()),
        num("self_evals", u.forms_of(FormKind::ProjectSelfEval).to_string()),
        amount("budget", u.budget),
        amount("executed", u.executed),
        num("errors", u.errors.to_string()),
        num("warnings", u.warnings.to_string()),
    );
}

/// Each unit's findings: errors first, with file, sheet!cell, problem and
/// message.
fn findings(out: &mut String, data: &ReportData, meta: &Meta<'_>) {
    out.push_str("<section id=\"findings\"><h2>问题清单</h2>");
    if let Some(dir) = meta.feedback {
        let _ = write!(
            out,
            "<p class=\"meta\">每个有问题的单位另有一份反馈工作簿（{}/），可直接发给单位修改。</p>",
            escape(dir)
        );
    }
    let mut listed = 0;
    let with_findings = data.units_by_status().into_iter();
    for (code, u) in with_findings.filter(|(_, u)| u.errors + u.warnings > 0) {
        let budget = LISTED_PER_UNIT.min(LISTED_TOTAL.saturating_sub(listed));
        listed += unit_findings(out, code, u, budget);
    }
    out.push_str("</section>");
}

/// A unit's section; returns how many findings it lists.
fn unit_findings(out: &mut String, code: &str, u: &UnitReport, budget: usize) -> usize {
    let st = u.status();
    let _ = write!(
        out,
        "<section class=\"unit\" id=\"u-{}\"><h3><span class=\"dot {}\"></span>{}　错误 {} · 警告 {}</h3>",
        escape(code),
        st.as_str(),
        escape(&u.label(code)),
        u.errors,
        u.warnings
    );
    out.push_str("<table><thead><tr><th>级别</th><th>问题</th><th>文件</th><th>位置</th><th>说明</th></tr></thead><tbody>");
    let issues = u.issues_by_severity();
    let shown = issues.len().min(budget);
    for issue in issues.into_iter().take(shown) {
        let (class, word) = (issue.severity.as_str(), issue.severity.zh());
        let place = match (issue.sheet.is_empty(), issue.cell.is_empty()) {
            (true, _) => String::new(),
            (false, true) => issue.sheet.to_string(),
            (false, false) => format!("{}!{}", issue.sheet, issue.cell),
        };
        let _ = write!(
            out,
            "<tr><td class=\"{class}\">{word}</td><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(issue.code.zh().0),
            issue.code.as_str(),
            escape(&issue.file),
            escape(&place),
            escape(&issue.message)
        );
    }
    out.push_str("</tbody></table>");
    let total = (u.errors + u.warnings) as usize;
    if shown < total {
        let _ = write!(
            out,
            "<p class=\"meta\">此处列出 {shown} 条，共 {total} 条：全部问题见 issues 表和该单位的反馈工作簿。</p>"
        );
    }
    out.push_str("</section>");
    shown
}
