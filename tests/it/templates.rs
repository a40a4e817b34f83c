//! Forms of other provinces' templates, rebuilt from published pages
//! (`common/templates.rs`), read with the built-in labels: per template,
//! forms found and fields right against the typed truth
//! (`common/template_truth.rs`). The score is printed (`cargo test --test it
//! templates -- --nocapture`) and must not fall.

use crate::common::template_truth::{Truth, TRUTH};
use crate::common::templates::{write_template, TEMPLATES};
use crate::common::{dec, Row, Workdir};

/// Fields right, and fields scored, of one form.
#[derive(Default)]
pub(crate) struct Score {
    pub right: usize,
    pub total: usize,
    pub wrong: Vec<String>,
}

impl Score {
    pub fn check(&mut self, what: &str, got: &str, want: &str) {
        self.total += 1;
        let same = got == want
            || (!got.is_empty()
                && !want.is_empty()
                && got.parse::<f64>().is_ok()
                && dec(got) == dec(want));
        if same {
            self.right += 1;
        } else {
            self.wrong
                .push(format!("{what}: got '{got}', want '{want}'"));
        }
    }
}

fn score(
    truth: &Truth,
    projects: &[&Row],
    indicators: &[&Row],
    goals: &[&Row],
    assumed: bool,
) -> Score {
    let mut s = Score::default();
    let Some(p) = projects.first() else {
        s.total = 9 + truth.indicators.len() * 8;
        s.wrong.push("no form found".into());
        return s;
    };
    if let Some(year) = truth.year {
        s.check("year", p.get("year"), year);
    }
    s.check("project_name", p.get("project_name"), truth.project_name);
    s.check("unit_code", p.get("unit_code"), truth.unit_code);
    s.check("unit_name", p.get("unit_name"), truth.unit_name);
    s.check("dept_code", p.get("dept_code"), truth.dept_code);
    for (column, want) in [
        ("budget_total", truth.budget_total),
        ("budget_fiscal", truth.budget_fiscal),
        ("budget_other", truth.budget_other),
    ] {
        if let Some(want) = want {
            s.check(column, p.get(column), want);
        }
    }
    s.total += 1;
    if assumed {
        s.wrong
            .push("amount unit assumed, though the form states it".into());
    } else {
        s.right += 1;
    }
    let first_goal = goals.first().map_or("", |g| g.get("goal"));
    s.total += 1;
    if !truth.goal_start.is_empty() && first_goal.starts_with(truth.goal_start) {
        s.right += 1;
    } else {
        s.wrong.push(format!("goal: got '{first_goal}'"));
    }
    for (k, want) in truth.indicators.iter().enumerate() {
        let Some(i) = indicators.get(k) else {
            s.total += 8;
            s.wrong
                .push(format!("indicator {} ({}) missing", k + 1, want.2));
            continue;
        };
        let at = |c: &str| format!("indicator {} {c}", k + 1);
        s.check(&at("level1"), i.get("level1"), want.0);
        s.check(&at("level2"), i.get("level2"), want.1);
        s.check(&at("level3"), i.get("level3"), want.2);
        s.check(&at("target_op"), i.get("target_op"), want.3);
        s.check(&at("target_value"), i.get("target_value"), want.4);
        s.check(&at("target_unit"), i.get("target_unit"), want.5);
        s.check(&at("target_direction"), i.get("target_direction"), want.6);
        s.check(&at("weight"), i.get("weight"), want.7);
    }
    for (k, extra) in indicators.iter().enumerate().skip(truth.indicators.len()) {
        s.total += 1;
        s.wrong.push(format!(
            "indicator {} ({}) is not on the form",
            k + 1,
            extra.get("level3")
        ));
    }
    s
}

/// The rows read from `file`.
pub(crate) fn of_file<'a>(rows: &'a [Row], file: &str) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| r.get("source_file") == file)
        .collect()
}

#[test]
fn forms_of_other_provinces_templates_are_read_with_the_built_in_labels() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    for t in TEMPLATES {
        write_template(&wd.path(&format!("in/{}.xlsx", t.id)), t).unwrap();
    }
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    wd.keep_if_asked(&["in", "out"]);
    let (projects, indicators, goals, issues) = (
        wd.csv("out/projects.csv"),
        wd.csv("out/indicators.csv"),
        wd.csv("out/goals.csv"),
        wd.csv("out/issues.csv"),
    );
    let (mut right, mut total, mut report) = (0, 0, String::new());
    for t in TEMPLATES {
        let truth = TRUTH
            .iter()
            .find(|x| x.id == t.id)
            .expect("truth for every template");
        let file = format!("in/{}.xlsx", t.id);
        let (p, i, g) = (
            of_file(&projects, &file),
            of_file(&indicators, &file),
            of_file(&goals, &file),
        );
        let assumed = of_file(&issues, &file)
            .iter()
            .any(|r| r.get("code") == "amount_unit_assumed");
        let s = score(truth, &p, &i, &g, assumed);
        report.push_str(&format!(
            "{:<26} {:<6} forms {}/1  fields {}/{}\n",
            t.id,
            t.province,
            p.len(),
            s.right,
            s.total
        ));
        for w in &s.wrong {
            report.push_str(&format!("    {w}\n"));
        }
        assert_eq!(p.len(), 1, "{}: one form\n{report}", t.id);
        right += s.right;
        total += s.total;
    }
    let percent = right as f64 * 100.0 / total as f64;
    eprintln!("{report}all templates: {right}/{total} fields right ({percent:.1}%)");
    assert!(
        percent >= MIN_PERCENT,
        "{report}{right}/{total} = {percent:.1}% < {MIN_PERCENT}%"
    );
}

/// The share of fields right that must hold (what this build reaches).
const MIN_PERCENT: f64 = 98.0;

/// The probe that read `资金情况(元)` as 万元: a unit in the money group's
/// header is the form's unit, over the pipeline's default; a form stating
/// none is read in the default with `amount_unit_assumed`.
#[test]
fn a_money_header_in_yuan_is_read_as_yuan_and_no_unit_is_reported() {
    use crate::common::templates::Template;
    const YUAN: Template = Template {
        id: "yuan",
        province: "",
        what: "",
        source: "",
        note: "",
        rows: &[
            &["项目名称", "某项目", ""],
            &["资金情况(元)", "年度资金总额", "1,050,000.00"],
            &["", "其中：财政拨款", "1,050,000.00"],
        ],
        merges: &[(1, 0, 2, 0)],
    };
    const NONE: Template = Template {
        id: "none",
        rows: &[
            &["项目名称", "某项目", ""],
            &["资金情况", "年度资金总额", "105"],
            &["", "其中：财政拨款", "105"],
        ],
        ..YUAN
    };
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    write_template(&wd.path("in/yuan.xlsx"), &YUAN).unwrap();
    write_template(&wd.path("in/none.xlsx"), &NONE).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let projects = wd.csv("out/projects.csv");
    let issues = wd.csv("out/issues.csv");
    for (file, unit_raw, assumed) in [
        ("in/yuan.xlsx", "资金情况(元)", false),
        ("in/none.xlsx", "", true),
    ] {
        let p = of_file(&projects, file)[0];
        assert_eq!(dec(p.get("budget_total")), dec("105"), "{file}: 105 万元");
        assert_eq!(p.get("amount_unit_raw"), unit_raw, "{file}");
        let codes: Vec<&str> = of_file(&issues, file)
            .iter()
            .map(|r| r.get("code"))
            .collect();
        assert_eq!(
            codes.contains(&"amount_unit_assumed"),
            assumed,
            "{file}: {codes:?}"
        );
        assert!(!codes.contains(&"amount_implausible"), "{file}: {codes:?}");
    }
}
