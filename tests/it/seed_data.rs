//! The typed-in seed forms (`tests/it/common/seed.rs`) say exactly what the
//! seed document says: each form's rows appear in the document's text, in
//! order, under the form's title.

use crate::common::seed::{INDICATOR_HEADER, PLAN_LABELS, SEED};

fn seed_text() -> String {
    std::fs::read_to_string(crate::common::repo().join("tests/data/seed_2020_762.txt")).unwrap()
}

/// A table row as the document's text renders it: one tab-led line per cell.
fn row(cells: &[&str]) -> String {
    cells.iter().map(|c| format!("\t{c}\n")).collect()
}

#[test]
fn every_seed_form_is_in_the_document_row_by_row() {
    let text = seed_text();
    for (i, p) in SEED.iter().enumerate() {
        let start = text
            .find(&format!("{}\n", p.title))
            .unwrap_or_else(|| panic!("title {} not in the seed", p.title));
        let end = SEED
            .get(i + 1)
            .and_then(|n| text.find(n.title))
            .unwrap_or(text.len());
        let section = &text[start..end];
        let rows = [
            row(&[p.unit, "单位：万元"]),
            row(&["项目编码", p.code, "项目名称", p.name]),
            row(&[
                "预算规模及资金用途",
                "预算数",
                p.budget_total,
                "其中：财政资金",
                p.budget_fiscal,
                "其他资金",
                p.budget_other,
            ]),
            row(&["", p.purpose]),
            row(&[
                "资金支出计划（%）",
                PLAN_LABELS[0],
                PLAN_LABELS[1],
                PLAN_LABELS[2],
                PLAN_LABELS[3],
            ]),
            row(&["", p.plan[0], p.plan[1], p.plan[2], p.plan[3]]),
            row(&["绩效目标", p.goals]),
            row(&INDICATOR_HEADER),
            row(&p.indicators[0]),
            row(&p.indicators[1]),
            row(&p.indicators[2]),
        ];
        let mut at = 0;
        for r in &rows {
            let found = section[at..]
                .find(r.as_str())
                .unwrap_or_else(|| panic!("form {}: row {r:?} not found in order", i + 1));
            at += found + r.len();
        }
    }
}

#[test]
fn the_seed_totals_216_51() {
    let cents: i64 = SEED
        .iter()
        .map(|p| {
            let (a, b) = p.budget_total.split_once('.').unwrap();
            a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(cents, 21651);
}

#[test]
fn the_seed_has_ten_forms_of_two_units() {
    assert_eq!(SEED.len(), 10);
    assert_eq!(
        SEED.iter().filter(|p| p.unit.starts_with("762002")).count(),
        4
    );
    assert_eq!(
        SEED.iter().filter(|p| p.unit.starts_with("762003")).count(),
        6
    );
}
