//! Submissions write the same thing in many ways. Workbooks with each
//! variant (full-width, lower-case and undashed codes, units in every form,
//! amounts in 元 and as text, spaced and synonym labels) consolidate to
//! exactly the canonical values of the clean sample; only the `*_raw`
//! columns, which keep what was written, differ.

use crate::common::forms::{amount, write_workbook, CodeStyle, Layout, UnitStyle};
use crate::common::seed::{SeedProject, SEED};
use crate::common::{assert_exit, read_csv, Workdir};

fn extract_with(layout: &Layout) -> Workdir {
    let wd = Workdir::new();
    wd.seed_workbooks("in", layout);
    let out = wd.run(&["extract", "in", "--out", "out", "--format", "csv"]);
    assert_exit(&out, 0);
    wd
}

/// Canonical columns only: no raw forms, no provenance, no messages.
fn canonical(wd: &Workdir, table: &str) -> Vec<Vec<(String, String)>> {
    read_csv(&wd.path(&format!("out/{table}.csv")))
        .into_iter()
        .map(|r| {
            r.0.into_iter()
                .filter(|(k, _)| {
                    !k.ends_with("_raw") && !k.starts_with("source_") && k != "message"
                })
                .collect()
        })
        .collect()
}

fn assert_canonical_as_baseline(name: &str, layout: Layout) {
    let base = extract_with(&Layout::default());
    let variant = extract_with(&layout);
    for t in ["projects", "indicators", "goals", "spending_plan", "issues"] {
        let (a, b) = (canonical(&base, t), canonical(&variant, t));
        assert_eq!(a.len(), b.len(), "{name}: {t} row count");
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{name}: {t} row {i}");
        }
    }
}

#[test]
fn full_width_codes() {
    assert_canonical_as_baseline(
        "full-width",
        Layout {
            code: CodeStyle::FullWidth,
            ..Layout::default()
        },
    );
}

#[test]
fn lower_case_codes() {
    assert_canonical_as_baseline(
        "lower",
        Layout {
            code: CodeStyle::Lower,
            ..Layout::default()
        },
    );
}

#[test]
fn codes_without_dashes() {
    assert_canonical_as_baseline(
        "no dash",
        Layout {
            code: CodeStyle::NoDash,
            ..Layout::default()
        },
    );
}

#[test]
fn codes_with_underscores() {
    assert_canonical_as_baseline(
        "underscore",
        Layout {
            code: CodeStyle::Underscore,
            ..Layout::default()
        },
    );
}

#[test]
fn units_in_every_form() {
    for unit in [
        UnitStyle::Bracketed,
        UnitStyle::Spaced,
        UnitStyle::SeparateCells,
    ] {
        assert_canonical_as_baseline(
            &format!("{unit:?}"),
            Layout {
                unit,
                ..Layout::default()
            },
        );
    }
}

#[test]
fn amounts_in_yuan() {
    assert_canonical_as_baseline(
        "yuan",
        Layout {
            yuan: true,
            ..Layout::default()
        },
    );
}

#[test]
fn amounts_as_text_in_yuan_with_thousands_separators() {
    assert_canonical_as_baseline(
        "yuan text",
        Layout {
            yuan: true,
            thousands: true,
            numbers: false,
            ..Layout::default()
        },
    );
}

#[test]
fn spaced_labels() {
    assert_canonical_as_baseline(
        "spaced",
        Layout {
            spaced_labels: true,
            ..Layout::default()
        },
    );
}

#[test]
fn synonym_labels() {
    assert_canonical_as_baseline(
        "synonyms",
        Layout {
            synonym_labels: true,
            ..Layout::default()
        },
    );
}

#[test]
fn every_variant_at_once() {
    assert_canonical_as_baseline(
        "all",
        Layout {
            row: 4,
            col: 2,
            code: CodeStyle::FullWidth,
            unit: UnitStyle::SeparateCells,
            yuan: true,
            thousands: true,
            numbers: false,
            spaced_labels: true,
            synonym_labels: true,
            ..Layout::default()
        },
    );
}

#[test]
fn raw_forms_are_kept_beside_canonical_values() {
    let wd = extract_with(&Layout {
        code: CodeStyle::NoDash,
        yuan: true,
        thousands: true,
        numbers: false,
        unit: UnitStyle::Bracketed,
        ..Layout::default()
    });
    let p = &wd.csv("out/projects.csv")[0];
    assert_eq!(p.get("project_code"), "762-0504-JQN-MTUQ");
    assert_eq!(p.get("project_code_raw"), "7620504JQNMTUQ");
    assert_eq!(p.get("budget_total"), "20.00");
    assert_eq!(p.get("budget_total_raw"), "200,000.00");
    assert_eq!(p.get("amount_unit"), "万元");
    assert_eq!(p.get("amount_unit_raw"), "单位：元");
    assert_eq!(p.get("unit_code"), "762002");
    assert_eq!(p.get("unit_raw"), "[762002]秦皇岛市北戴河区残疾人联合会");
}

#[test]
fn yuan_amounts_convert_exactly() {
    let yuan = Layout {
        yuan: true,
        ..Layout::default()
    };
    assert_eq!(amount("20.11", &yuan), "201100.00");
    assert_eq!(
        amount(
            "105.00",
            &Layout {
                thousands: true,
                ..yuan
            }
        ),
        "1,050,000.00"
    );
}

/// A 支出功能分类 cell on the form wins over the category mapping, in any
/// written form; the sample pipeline's reference table names it.
#[test]
fn functional_classification_read_from_the_form() {
    let repo = crate::common::repo();
    for (written, code, name) in [
        ("2081104", "2081104", "残疾人康复"),
        ("208 11 04", "2081104", "残疾人康复"),
        ("208-11-04", "2081104", "残疾人康复"),
        ("[2081104]残疾人康复", "2081104", "残疾人康复"),
        ("残疾人康复", "2081104", "残疾人康复"),
    ] {
        let wd = Workdir::new();
        std::fs::create_dir_all(wd.path("in")).unwrap();
        let projects: Vec<&SeedProject> = SEED.iter().take(2).collect();
        let layout = Layout {
            func_class: Some(written),
            ..Layout::default()
        };
        write_workbook(&wd.path("in/u.xlsx"), &projects, &layout).unwrap();
        let reference = repo.join("pipelines/reference");
        wd.write(
            "p.toml",
            format!(
                "[input]\npaths = [\"in\"]\n[normalise]\nfunc_classes = '{}'\ncategories = '{}'\n",
                reference.join("func_class.csv").display(),
                reference.join("categories.csv").display()
            ),
        );
        assert_exit(&wd.run(&["run", "p.toml"]), 0);
        for p in wd.csv("output/projects.csv") {
            assert_eq!(p.get("func_class_code"), code, "{written}");
            assert_eq!(p.get("func_class_name"), name, "{written}");
            assert_eq!(p.get("func_class_raw"), written);
        }
    }
}
