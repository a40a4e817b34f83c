//! Property tests that hunt for failures:
//! - forms placed at random offsets among random noise cells and merges,
//!   with random variants, are each found exactly once with their values;
//! - arbitrary and mutated bytes fed to the readers never let a panic escape;
//! - sheets of random cells drawn from every label of the form family,
//!   titles and awkward values go through parse → normalise → validate →
//!   the family summaries without a panic.

use std::convert::Infallible;

use crate::common::forms::{write_form, CodeStyle, Layout, Sink, Style, UnitStyle};
use crate::common::seed::SEED;
use jixiao::grid::{CellRange, CellValue, Grid, Pos};
use jixiao::locate::{Labels, Matcher};
use jixiao::normalise::{normalise_form, Settings};
use jixiao::parse::{parse_file, parse_grid};
use jixiao::pipeline::config::PipelineFile;
use jixiao::pipeline::Pipeline;
use jixiao::read::{read_file, InputFile};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Collects a form's cells in memory.
#[derive(Default)]
struct GridSink {
    cells: Vec<(Pos, CellValue)>,
    merges: Vec<CellRange>,
}

impl Sink for GridSink {
    type Error = Infallible;
    fn text(&mut self, row: u32, col: u16, text: &str, _: Style) -> Result<(), Infallible> {
        self.cells
            .push((Pos::new(row, col as u32), CellValue::Text(text.into())));
        Ok(())
    }
    fn number(&mut self, row: u32, col: u16, n: f64, _: Style) -> Result<(), Infallible> {
        self.cells
            .push((Pos::new(row, col as u32), CellValue::Number(n)));
        Ok(())
    }
    fn blank(&mut self, _: u32, _: u16, _: Style) -> Result<(), Infallible> {
        Ok(())
    }
    fn merge(
        &mut self,
        r1: u32,
        c1: u16,
        r2: u32,
        c2: u16,
        text: &str,
        s: Style,
    ) -> Result<(), Infallible> {
        self.text(r1, c1, text, s)?;
        self.merges.push(CellRange::new(
            Pos::new(r1, c1 as u32),
            Pos::new(r2, c2 as u32),
        ));
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Scene {
    forms: Vec<usize>,
    row: u32,
    col: u16,
    gaps: Vec<u32>,
    layout: Layout,
    noise: Vec<(u32, u32, Noise)>,
    noise_merges: Vec<(usize, u32, u32)>,
}

#[derive(Debug, Clone)]
enum Noise {
    Text(String),
    Number(f64),
}

fn scene() -> impl Strategy<Value = Scene> {
    let layout = (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(CodeStyle::AsIs),
            Just(CodeStyle::FullWidth),
            Just(CodeStyle::Lower),
            Just(CodeStyle::NoDash),
            Just(CodeStyle::Underscore)
        ],
        prop_oneof![
            Just(UnitStyle::Joined),
            Just(UnitStyle::Bracketed),
            Just(UnitStyle::Spaced),
            Just(UnitStyle::SeparateCells)
        ],
    )
        .prop_flat_map(|l| (Just(l), any::<bool>()))
        .prop_map(
            |((merges, numbers, spaced_labels, yuan, code, unit), footer)| Layout {
                merges,
                numbers,
                spaced_labels,
                yuan,
                code,
                unit,
                footer,
                ..Layout::default()
            },
        );
    let noise = prop_oneof![
        "[a-zA-Z][a-zA-Z0-9 ]{0,8}".prop_map(Noise::Text),
        (-1.0e6..1.0e6f64).prop_map(Noise::Number),
    ];
    (
        proptest::sample::subsequence((0..SEED.len()).collect::<Vec<_>>(), 1..=4),
        0u32..40,
        0u16..12,
        proptest::collection::vec(0u32..5, 4),
        layout,
        proptest::collection::vec((0u32..200, 0u32..40, noise), 0..80),
        proptest::collection::vec((any::<usize>(), 0u32..4, 0u32..4), 0..10),
    )
        .prop_map(
            |(forms, row, col, gaps, layout, noise, noise_merges)| Scene {
                forms,
                row,
                col,
                gaps,
                layout,
                noise,
                noise_merges,
            },
        )
}

/// Builds the grid: forms stacked from (row, col) with the scene's gaps,
/// noise everywhere except inside the forms' columns from the first form's
/// top to one row past the last form (a table ends at a blank row).
fn build(scene: &Scene) -> Grid {
    let mut sink = GridSink::default();
    let mut row = scene.row;
    for (i, f) in scene.forms.iter().enumerate() {
        row = write_form(&mut sink, row, scene.col, &SEED[*f], &scene.layout).unwrap()
            + scene.gaps[i];
    }
    let (top, bottom) = (scene.row, row.max(scene.row) + 1);
    let form_cols = scene.col as u32..=scene.col as u32 + 7;
    let free = |r: u32, c: u32| !(r >= top && r <= bottom && form_cols.contains(&c));
    let taken: std::collections::HashSet<Pos> = sink.cells.iter().map(|(p, _)| *p).collect();
    let mut noise_cells = Vec::new();
    for (r, c, n) in &scene.noise {
        let p = Pos::new(*r, *c);
        if free(*r, *c) && !taken.contains(&p) && !noise_cells.iter().any(|(q, _)| *q == p) {
            let v = match n {
                Noise::Text(t) => CellValue::Text(t.as_str().into()),
                Noise::Number(x) => CellValue::Number(*x),
            };
            noise_cells.push((p, v));
        }
    }
    for (pick, dr, dc) in &scene.noise_merges {
        if noise_cells.is_empty() {
            break;
        }
        let (p, _) = noise_cells[pick % noise_cells.len()];
        let last = Pos::new(p.row + dr, p.col + dc);
        let all_free = (p.row..=last.row).all(|r| (p.col..=last.col).all(|c| free(r, c)));
        if all_free {
            sink.merges.push(CellRange::new(p, last));
        }
    }
    sink.cells.extend(noise_cells);
    Grid::new("scene.xlsx", "S", sink.cells, sink.merges)
}

fn dec(s: &str) -> Option<Decimal> {
    (!s.is_empty()).then(|| crate::common::dec(s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_form_is_found_exactly_once_with_its_values(scene in scene()) {
        let grid = build(&scene);
        let forms = parse_grid(&grid, &Matcher::new(&Labels::default()));
        prop_assert_eq!(forms.len(), scene.forms.len());
        for (raw, i) in forms.iter().zip(&scene.forms) {
            let seed = &SEED[*i];
            let r = normalise_form(raw.clone(), &Settings::default());
            let p = &r.projects[0];
            prop_assert_eq!(p.key.project_code.as_deref(), Some(seed.code));
            prop_assert_eq!(p.project_name.as_deref(), Some(seed.name));
            prop_assert_eq!(p.key.unit_code.as_deref(), Some(&seed.unit[..6]));
            prop_assert_eq!(p.budget_total, dec(seed.budget_total));
            prop_assert_eq!(p.budget_fiscal, dec(seed.budget_fiscal));
            prop_assert_eq!(p.purpose.as_deref(), Some(seed.purpose));
            prop_assert_eq!(r.goals.len(), 2);
            prop_assert_eq!(r.plan.len(), 4);
            let rows: Vec<String> = r
                .indicators
                .iter()
                .map(|i| format!("{} {} {:?} {:?} {}", i.source.a1(), i.level1_raw, i.level2, i.level3, i.target_raw))
                .collect();
            prop_assert_eq!(r.indicators.len(), 3, "{:?}", rows);
            for (ind, want) in r.indicators.iter().zip(&seed.indicators) {
                prop_assert_eq!(&ind.level1_raw, want[0]);
                prop_assert_eq!(ind.level3.as_deref(), Some(want[2]));
                prop_assert_eq!(&ind.target_raw, want[4]);
            }
        }
    }
}

fn pipeline() -> Pipeline {
    Pipeline::from_file(PipelineFile::default(), std::path::Path::new(".")).unwrap()
}

/// Reads `bytes` named `name` with the readers, then parses and normalises
/// what they read: called directly, not through the batch's per-file entry
/// point (which turns a panic into an issue), so a panic fails the test.
fn read_bytes(bytes: &[u8], name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let p = pipeline();
    let file = InputFile {
        path,
        display: name.to_string(),
    };
    // A reader's failure is an error value, never a panic.
    let Ok(content) = read_file(&file, &p.limits) else {
        return;
    };
    for raw in parse_file(&content.grids, &Matcher::new(&p.labels)) {
        normalise_form(raw, &p.settings);
    }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(crate::common::repo().join(name)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        ext in prop_oneof![Just("xlsx"), Just("xls"), Just("ods"), Just("xlsb"), Just("et")],
    ) {
        read_bytes(&bytes, &format!("f.{ext}"));
    }

    #[test]
    fn mutated_workbooks_never_panic(
        which in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let source = [
            "sample_data/762002.xlsx",
            "tests/fixtures/libreoffice/762003.xlsx",
            "tests/fixtures/openpyxl/762002.xlsx",
            "sample_data/762003-self-eval.xlsx",
        ][which];
        let mut bytes = sample(source);
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        read_bytes(&bytes, "mutated.xlsx");
    }
}

/// Texts a cell of the label soup may hold: every built-in label, the
/// family's titles, and values of every awkward kind.
fn soup_texts() -> Vec<String> {
    let mut texts: Vec<String> = jixiao::locate::Field::ALL
        .iter()
        .flat_map(|f| f.defaults().iter().map(|s| s.to_string()))
        .collect();
    let others = [
        "项目支出绩效自评表",
        "部门整体支出绩效目标表",
        "部门整体支出绩效自评表(2023年度)",
        "(2022年度)",
        "单位：万元",
        "762002秦皇岛市北戴河区残疾人联合会",
        "51000021R000000019951-工资性支出",
        "100",
        "0",
        "/",
        "—",
        "≥95%",
        "12.5万元",
        "-3",
        "1,5",
        "达成预期指标",
        "99.92%",
        "产出指标(50分)",
        "数量目标",
        "小计\n③=①+②",
        "目标1:甲;\n目标2:乙",
        "对照年度目标,说明完成情况(100字以内)",
        "……",
        "9999999999999999999999999999999",
    ];
    texts.extend(others.iter().map(|s| s.to_string()));
    texts
}

/// Cells (row, column, which text) and merges (row, column, height, width).
type Soup = (Vec<(u32, u32, usize)>, Vec<(u32, u32, u32, u32)>);

fn soup() -> impl Strategy<Value = Soup> {
    let cells = proptest::collection::vec((0u32..30, 0u32..10, any::<usize>()), 0..160);
    let merges = proptest::collection::vec((0u32..30, 0u32..10, 0u32..4, 0u32..4), 0..12);
    (cells, merges)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn label_soup_goes_through_every_stage_of_the_family_without_a_panic((cells, merges) in soup()) {
        static SOUP: std::sync::OnceLock<(Vec<String>, Pipeline)> = std::sync::OnceLock::new();
        let (texts, p) = SOUP.get_or_init(|| (soup_texts(), pipeline()));
        let grid = Grid::new(
            "soup.xlsx",
            "Sheet1",
            cells
                .iter()
                .map(|(r, c, t)| (Pos::new(*r, *c), CellValue::Text(texts[t % texts.len()].as_str().into()))),
            merges
                .iter()
                .map(|(r, c, h, w)| CellRange::new(Pos::new(*r, *c), Pos::new(r + h, c + w))),
        );
        let spec = jixiao::write::table::TableSpec::new(&p.settings);
        let mut names = jixiao::aggregate::Interner::default();
        let mut facts = Vec::new();
        for raw in parse_grid(&grid, &Matcher::new(&p.labels)) {
            let kind = raw.kind;
            let r = normalise_form(raw, &p.settings);
            jixiao::validate::validate_form(&r, &spec.code_groups);
            prop_assert_eq!(r.projects[0].key.form_kind, Some(kind));
            facts.extend(jixiao::aggregate::fact_of(&r, &mut names));
            jixiao::write::tables(&r, &spec);
        }
        jixiao::aggregate::target_vs_actual(&facts, &spec);
        jixiao::aggregate::self_eval_by_unit(&facts, &spec);
    }
}
