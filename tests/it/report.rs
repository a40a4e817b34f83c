//! `report.html` and the feedback workbooks: the figures on the page are
//! the tables' figures, the page references nothing outside itself, and
//! each unit with findings gets the workbook to send back.

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;

use crate::common::{assert_exit, dec, Row, Workdir};

/// Every `data-k="…" data-v="…"` pair of the page, in order.
fn figures(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-k=\"") {
        rest = &rest[at + 8..];
        let key = &rest[..rest.find('"').unwrap()];
        let v = rest.find("data-v=\"").unwrap();
        let value = &rest[v + 8..];
        out.push((
            key.to_string(),
            value[..value.find('"').unwrap()].to_string(),
        ));
    }
    out
}

fn figure<'a>(f: &'a [(String, String)], key: &str) -> &'a str {
    &f.iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no {key}"))
        .1
}

fn metric(run: &[Row], name: &str) -> String {
    run.iter()
        .find(|r| r.get("metric") == name)
        .map(|r| r.get("count").to_string())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn the_reports_figures_are_the_tables_figures() {
    let wd = Workdir::ran_committed_sample();
    let html = std::fs::read_to_string(wd.path("output/report.html")).unwrap();
    let f = figures(&html);
    let run = wd.csv("output/run_summary.csv");
    for (key, m) in [
        ("files_read", "files_read"),
        ("files_skipped", "files_skipped"),
        ("forms_found", "forms_found"),
        ("forms_project_target", "forms_project_target"),
        ("forms_project_self_eval", "forms_project_self_eval"),
        ("issues_error", "issues_error"),
        ("issues_warning", "issues_warning"),
    ] {
        assert_eq!(figure(&f, key), metric(&run, m), "{key}");
    }
    let budget: Decimal = run
        .iter()
        .filter(|r| r.get("metric").starts_with("budget_total"))
        .map(|r| dec(r.get("amount")))
        .sum();
    assert_eq!(dec(figure(&f, "budget_total")), budget);
    assert_eq!(budget, dec("216.51"));
    // Each unit's row against summary_by_unit and self_eval_by_unit.
    let units = wd.csv("output/summary_by_unit.csv");
    let evals = wd.csv("output/self_eval_by_unit.csv");
    let issues = wd.csv("output/issues.csv");
    for u in &units {
        let code = u.get("unit_code");
        let at = html
            .find(&format!("data-unit=\"{code}\""))
            .expect("unit row");
        let row = figures(&html[at..html[at..].find("</tr>").unwrap() + at]);
        assert_eq!(
            dec(figure(&row, "budget")),
            dec(u.get("budget_total")),
            "{code}"
        );
        assert_eq!(figure(&row, "targets"), u.get("projects"), "{code}");
        let e = evals.iter().find(|e| e.get("unit_code") == code).unwrap();
        assert_eq!(dec(figure(&row, "executed")), dec(e.get("executed_total")));
        assert_eq!(figure(&row, "self_evals"), e.get("projects_evaluated"));
        let warnings = issues.iter().filter(|i| i.get("unit_code") == code).count();
        assert_eq!(figure(&row, "warnings"), warnings.to_string(), "{code}");
    }
    assert!(
        html.contains("1、城镇") || html.contains("<svg"),
        "charts drawn"
    );
    assert!(html.matches("<svg").count() >= 8, "the charts");
}

#[test]
fn the_report_references_nothing_outside_itself() {
    let wd = Workdir::ran_committed_sample();
    let html = std::fs::read_to_string(wd.path("output/report.html")).unwrap();
    let lower = html.to_lowercase();
    for needle in [
        "http:", "https:", "<script", "<link", "<img", "<iframe", "@import", "url(", "src=",
    ] {
        assert!(!lower.contains(needle), "the page holds {needle}");
    }
    // Links only to the page's own sections.
    for (i, _) in lower.match_indices("href=\"") {
        assert_eq!(&lower[i + 6..i + 7], "#", "a link out of the page");
    }
}

/// The rows of a workbook's sheet as text.
fn sheet(path: &std::path::Path, name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn each_unit_with_findings_gets_its_feedback_workbook() {
    let wd = Workdir::ran_committed_sample();
    let dir = wd.path("output/feedback");
    let names = wd.names_in("output/feedback");
    assert_eq!(
        names,
        [
            "762002 秦皇岛市北戴河区残疾人联合会.xlsx",
            "762003 秦皇岛市北戴河区残疾人劳动就业服务所.xlsx"
        ]
    );
    // 762003: the 16 garbled targets, each with its cell and the value found.
    let rows = sheet(&dir.join(&names[1]), "问题清单");
    assert_eq!(rows[0][..5], ["序号", "级别", "文件", "工作表", "单元格"]);
    let garbled: Vec<&Vec<String>> = rows.iter().filter(|r| r[7].ends_with("100")).collect();
    assert_eq!(rows.len() - 1, 16);
    assert_eq!(garbled.len(), 16);
    assert!(rows[1][2].ends_with("762003.xlsx"), "{:?}", rows[1]);
    assert!(
        rows[1][8].contains("指标值"),
        "the problem in Chinese: {:?}",
        rows[1]
    );
    // 762002: the duplicated goal (and its self-evaluation's two).
    let rows = sheet(&dir.join(&names[0]), "问题清单");
    assert_eq!(rows.len() - 1, 3);
    assert!(
        rows.iter().skip(1).all(|r| r[8].contains("目标重复")),
        "{rows:?}"
    );
    let cover = sheet(&dir.join(&names[0]), "说明");
    assert!(cover.iter().any(|r| r.len() > 1 && r[1] == "762002"));
}

#[test]
fn a_unit_whose_file_cannot_be_read_gets_a_workbook_and_clean_units_none() {
    let wd = Workdir::new();
    wd.write("in/762009.xlsx", b"not a workbook");
    // A clean form: no finding, no workbook.
    let clean = crate::common::forms::Layout::default();
    let seed: Vec<&crate::common::seed::SeedProject> =
        crate::common::seed::SEED[..1].iter().collect();
    crate::common::forms::write_workbook(&wd.path("in/762002.xlsx"), &seed, &clean).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    assert_eq!(
        wd.names_in("out/feedback"),
        ["762009.xlsx"],
        "the unreadable file's unit, by its name"
    );
    let rows = sheet(&wd.path("out/feedback/762009.xlsx"), "问题清单");
    assert!(rows[1][8].contains("无法读取"), "{rows:?}");
    let html = std::fs::read_to_string(wd.path("out/report.html")).unwrap();
    assert!(
        html.contains("data-unit=\"762002\" data-status=\"green\""),
        "clean unit listed"
    );
    assert!(html.contains("data-unit=\"762009\" data-status=\"red\""));
    // Asked not to, it writes neither.
    let out = wd.run(&[
        "extract",
        "in",
        "--out",
        "out2",
        "--no-report",
        "--no-feedback",
    ]);
    assert_exit(&out, 1);
    assert!(!wd.path("out2/report.html").exists());
    assert!(!wd.path("out2/feedback").exists());
}

#[test]
fn the_end_of_run_lists_the_units_to_send_back_and_the_report() {
    let wd = Workdir::with_committed_sample();
    // Not a terminal: no colour, whatever TERM says.
    let out = wd
        .command(&["run", "pipelines/sample.toml"])
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\u{1b}'), "no colour off a terminal: {err}");
    let table = &err[err.find("units to send back (2)").expect("the table")..];
    let at = |s: &str| table.find(s).unwrap_or_else(|| panic!("{s} in {err}"));
    // Errors first, then warnings; both of the sample's units have
    // warnings only, listed by code.
    assert!(at("有警告    762002") < at("有警告    762003"));
    assert!(err.contains("report: output/report.html"), "{err}");
    assert!(err.contains("feedback workbooks: output/feedback"), "{err}");
}

/// A form whose cells carry markup and control characters: the page shows
/// them as text, the workbook stays a valid workbook.
#[test]
fn hostile_text_stays_text_in_the_report_and_the_feedback() {
    use crate::common::templates::{write_template, Template};
    const HOSTILE: Template = Template {
        id: "hostile",
        province: "",
        what: "",
        source: "",
        note: "",
        rows: &[
            &["项目名称", "<script>alert(1)</script>\u{1}\u{7}", ""],
            &["实施单位", "762005<img src=x onerror=alert(1)>", ""],
            &["预算数", "一百万\"><b>", ""],
        ],
        merges: &[],
    };
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).unwrap();
    write_template(&wd.path("in/hostile.xlsx"), &HOSTILE).unwrap();
    let out = wd.run(&["extract", "in", "--out", "out"]);
    assert_exit(&out, 1);
    let html = std::fs::read_to_string(wd.path("out/report.html")).unwrap();
    assert!(
        !html.to_lowercase().contains("<script") && !html.contains("<img"),
        "markup escaped"
    );
    assert!(html.contains("&lt;script&gt;") || html.contains("&lt;img"));
    let dir = wd.path("out/feedback");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rows = sheet(&name, "问题清单");
    assert!(rows.len() > 1, "the findings are in the workbook: {rows:?}");
    assert!(
        rows.iter().flatten().all(|c| !c.contains('\u{1}')),
        "control characters replaced"
    );
}
