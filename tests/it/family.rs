//! Self-evaluation and whole-department forms of other provinces,
//! rebuilt from published pages (`common/family.rs`), read with the
//! built-in labels: each form found with its kind, and its fields —
//! money by stage, results, scores, goals as set and as achieved, tasks —
//! against the typed truth (`common/family_truth.rs`). The score is
//! printed (`cargo test --test it family -- --nocapture`) and must not
//! fall.

use crate::common::family::FAMILY;
use crate::common::family_truth::{FamilyTruth, FAMILY_TRUTH};
use crate::common::templates::{write_form, Cells};
use crate::common::{Row, Workdir};
use crate::templates::{of_file, Score};

/// The tables of one form.
struct Tables<'a> {
    projects: Vec<&'a Row>,
    indicators: Vec<&'a Row>,
    goals: Vec<&'a Row>,
    tasks: Vec<&'a Row>,
    issues: Vec<&'a Row>,
}

fn score_form(truth: &FamilyTruth, t: &Tables<'_>) -> Score {
    let mut s = Score::default();
    let Some(p) = t.projects.first() else {
        s.total = 1;
        s.wrong.push("no form found".into());
        return s;
    };
    let fields = [
        ("form_kind", truth.kind),
        ("year", truth.year),
        ("project_name", truth.project_name),
        ("project_code_raw", truth.project_code_raw),
        ("unit_code", truth.unit_code),
        ("unit_name", truth.unit_name),
        ("dept_code", truth.dept_code),
        ("budget_total", truth.budget_total),
        ("budget_fiscal", truth.budget_fiscal),
        ("executed_total", truth.executed_total),
        ("execution_rate", truth.execution_rate),
        ("score_total", truth.score_total),
    ];
    for (column, want) in fields {
        s.check(column, p.get(column), want);
    }
    for (kind, start) in truth.goals {
        let first = t
            .goals
            .iter()
            .find(|g| g.get("goal_kind") == *kind)
            .map_or("", |g| g.get("goal"));
        s.total += 1;
        if first.starts_with(start) {
            s.right += 1;
        } else {
            s.wrong.push(format!("{kind} goal: got '{first}'"));
        }
    }
    let kinds: Vec<&str> = t.goals.iter().map(|g| g.get("goal_kind")).collect();
    for kind in ["target", "expected", "achieved"] {
        if kinds.contains(&kind) && !truth.goals.iter().any(|(k, _)| *k == kind) {
            s.total += 1;
            s.wrong
                .push(format!("{kind} goals read where the form has none"));
        }
    }
    score_tasks(truth, t, &mut s);
    score_indicators(truth, t, &mut s);
    for code in truth.issues {
        s.total += 1;
        match t.issues.iter().any(|i| i.get("code") == *code) {
            true => s.right += 1,
            false => s.wrong.push(format!("no {code} finding")),
        }
    }
    s
}

fn score_tasks(truth: &FamilyTruth, t: &Tables<'_>, s: &mut Score) {
    for (k, (task, project, amount)) in truth.tasks.iter().enumerate() {
        let Some(row) = t.tasks.get(k) else {
            s.total += 3;
            s.wrong.push(format!("task {} missing", k + 1));
            continue;
        };
        s.check(&format!("task {} task", k + 1), row.get("task"), task);
        let at = format!("task {} project_name", k + 1);
        s.check(&at, row.get("project_name"), project);
        let at = format!("task {} amount_total", k + 1);
        s.check(&at, row.get("amount_total"), amount);
    }
    if t.tasks.len() > truth.tasks.len() {
        s.total += 1;
        s.wrong.push(format!(
            "{} tasks read, {} on the form",
            t.tasks.len(),
            truth.tasks.len()
        ));
    }
}

fn score_indicators(truth: &FamilyTruth, t: &Tables<'_>, s: &mut Score) {
    for (k, want) in truth.indicators.iter().enumerate() {
        let Some(i) = t.indicators.get(k) else {
            s.total += 10;
            s.wrong
                .push(format!("indicator {} ({}) missing", k + 1, want.levels[2]));
            continue;
        };
        let at = |c: &str| format!("indicator {} {c}", k + 1);
        for (c, w) in ["level1", "level2", "level3"].iter().zip(want.levels) {
            s.check(&at(c), i.get(c), w);
        }
        for (c, w) in ["target_op", "target_value", "target_unit"]
            .iter()
            .zip(want.target)
        {
            s.check(&at(c), i.get(c), w);
        }
        s.check(&at("actual_value"), i.get("actual_value"), want.actual);
        s.check(&at("weight"), i.get("weight"), want.weight);
        s.check(&at("score"), i.get("score"), want.score);
        s.check(&at("target_met"), i.get("target_met"), want.met);
    }
    for (k, extra) in t.indicators.iter().enumerate().skip(truth.indicators.len()) {
        s.total += 1;
        s.wrong.push(format!(
            "indicator {} ({}) is not on the form",
            k + 1,
            extra.get("level3")
        ));
    }
}

#[test]
fn self_evaluation_and_department_forms_are_read_with_their_kind_and_results() {
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    for t in FAMILY {
        write_form(&wd.path(&format!("in/{}.xlsx", t.id)), t, Cells::Numbers).unwrap();
    }
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    wd.keep_if_asked(&["in", "out"]);
    let read = |t: &str| wd.csv(&format!("out/{t}.csv"));
    let (projects, indicators, goals, tasks, issues) = (
        read("projects"),
        read("indicators"),
        read("goals"),
        read("tasks"),
        read("issues"),
    );
    let (mut right, mut total, mut report) = (0, 0, String::new());
    for t in FAMILY {
        let truth = FAMILY_TRUTH.iter().find(|x| x.id == t.id).expect("truth");
        let file = format!("in/{}.xlsx", t.id);
        let tables = Tables {
            projects: of_file(&projects, &file),
            indicators: of_file(&indicators, &file),
            goals: of_file(&goals, &file),
            tasks: of_file(&tasks, &file),
            issues: of_file(&issues, &file),
        };
        let s = score_form(truth, &tables);
        report.push_str(&format!(
            "{:<36} {:<4} forms {}/1  fields {}/{}\n",
            t.id,
            t.province,
            tables.projects.len(),
            s.right,
            s.total
        ));
        for w in &s.wrong {
            report.push_str(&format!("    {w}\n"));
        }
        assert_eq!(tables.projects.len(), 1, "{}: one form\n{report}", t.id);
        right += s.right;
        total += s.total;
    }
    let percent = right as f64 * 100.0 / total as f64;
    eprintln!("{report}all forms of the family: {right}/{total} fields right ({percent:.1}%)");
    assert!(
        percent >= MIN_PERCENT,
        "{report}{right}/{total} = {percent:.1}% < {MIN_PERCENT}%"
    );
}

/// The share of fields right that must hold.
const MIN_PERCENT: f64 = 98.0;
