//! A synthetic corpus for `make bench`: N unit workbooks with 5–40 forms
//! each, made from the seed forms with new codes, names, amounts, plans and
//! targets, in varied layouts (stacked or one per sheet, merged or not,
//! variant codes, units, amounts in 元 and as text, spaced and synonym
//! labels, footers), a few broken files, and some .xls / .ods copies of the
//! committed fixtures. Fixed seed: the same N gives the same files.
//!
//! `cargo run --release --example gen_corpus -- N OUT_DIR [SEED] [--xls]`
//!
//! With `--xls` every workbook is an Excel 97-2003 `.xls` (the forms
//! stacked on one sheet, written by `tests/it/common/xls.rs`), for the
//! bench of the reader worker that calamine runs in.

#[path = "../tests/it/common/forms.rs"]
mod forms;
#[path = "../tests/it/common/seed.rs"]
mod seed;
#[path = "../tests/it/common/xls.rs"]
mod xls;

use std::path::{Path, PathBuf};

use forms::{write_workbook, CodeStyle, Layout, UnitStyle};
use seed::{SeedProject, SEED};

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn project(rng: &mut Rng, unit: &'static str, dept: u64, file: usize, k: usize) -> SeedProject {
    let base = &SEED[rng.below(SEED.len() as u64) as usize];
    let serial: String = {
        let mut n = (file * 64 + k) as u64;
        (0..4)
            .map(|_| {
                let d = (n % 36) as u32;
                n /= 36;
                std::char::from_digit(d, 36).unwrap().to_ascii_uppercase()
            })
            .collect()
    };
    let total = 100 + rng.below(5_000_000);
    let other = if rng.chance(20) {
        rng.below(total / 2 + 1)
    } else {
        0
    };
    let mut plan = [""; 4];
    let mut pct = 0u64;
    for (i, slot) in plan.iter_mut().enumerate() {
        if i == 3 {
            *slot = "100.00";
        } else if rng.chance(40) {
            pct = (pct + 5 + rng.below(30)).min(95);
            *slot = leak(format!("{pct}.00"));
        }
    }
    let mut indicators = base.indicators;
    for row in indicators.iter_mut() {
        row[4] = match rng.below(10) {
            0 => "90100",
            1 => "≥95%",
            2 => "及时",
            _ => leak(format!("{}", 80 + rng.below(21))),
        };
    }
    SeedProject {
        title: leak(format!("{}、{}（{k}）绩效目标表", k + 1, base.name)),
        unit,
        code: leak(format!("{dept}-{}-JQN-{serial}", &base.code[4..8])),
        name: leak(format!("{}（{k}）", base.name)),
        budget_total: leak(money(total)),
        budget_fiscal: leak(money(total - other)),
        budget_other: if other > 0 { leak(money(other)) } else { "" },
        plan,
        indicators,
        ..SeedProject { ..*base }
    }
}

fn layout(rng: &mut Rng) -> Layout {
    Layout {
        row: rng.below(4) as u32,
        col: rng.below(3) as u16,
        per_sheet: rng.chance(30),
        gap: rng.below(3) as u32,
        numbers: rng.chance(80),
        cover_sheet: rng.chance(20),
        code: [
            CodeStyle::AsIs,
            CodeStyle::AsIs,
            CodeStyle::FullWidth,
            CodeStyle::Lower,
            CodeStyle::NoDash,
        ][rng.below(5) as usize],
        unit: [
            UnitStyle::Joined,
            UnitStyle::Bracketed,
            UnitStyle::Spaced,
            UnitStyle::SeparateCells,
        ][rng.below(4) as usize],
        yuan: rng.chance(20),
        thousands: rng.chance(10),
        spaced_labels: rng.chance(10),
        synonym_labels: rng.chance(10),
        merges: rng.chance(85),
        footer: rng.chance(30),
        ..Layout::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: gen_corpus N OUT_DIR [SEED] [--xls]";
    let all: Vec<String> = std::env::args().skip(1).collect();
    let as_xls = all.iter().any(|a| a == "--xls");
    let mut args = all.into_iter().filter(|a| a != "--xls");
    let n: usize = args.next().ok_or(USAGE)?.parse()?;
    let out = PathBuf::from(args.next().ok_or(USAGE)?);
    let seed: u64 = args.next().map_or(Ok(20_201_231), |s| s.parse())?;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats");
    let mut rng = Rng(seed);
    let mut forms = 0;
    for i in 0..n {
        let dept = 700 + (i % 20) as u64;
        let dir = out.join(format!("dept{dept}"));
        std::fs::create_dir_all(&dir)?;
        let unit_code = format!("{dept}{:03}", (i / 20) % 1000);
        let name = dir.join(format!("{unit_code}-{i:05}"));
        // A few copies of the committed .xls / .ods fixtures, and broken files.
        match i % 50 {
            _ if as_xls => {}
            3 => {
                std::fs::copy(fixtures.join("xls/762003.xls"), name.with_extension("xls"))?;
                continue;
            }
            4 => {
                std::fs::copy(fixtures.join("ods/762003.ods"), name.with_extension("ods"))?;
                continue;
            }
            _ => {}
        }
        let unit = leak(format!("{unit_code}某某区第{i}预算单位"));
        let count = 5 + rng.below(36) as usize;
        let projects: Vec<SeedProject> = (0..count)
            .map(|k| project(&mut rng, unit, dept, i, k))
            .collect();
        let refs: Vec<&SeedProject> = projects.iter().collect();
        let path = match as_xls {
            true => {
                let path = name.with_extension("xls");
                xls::write_xls_workbook(&path, &refs, &layout(&mut rng))?;
                path
            }
            false => {
                let path = name.with_extension("xlsx");
                write_workbook(&path, &refs, &layout(&mut rng))?;
                path
            }
        };
        forms += count;
        if i % 97 == 13 {
            let bytes = std::fs::read(&path)?;
            std::fs::write(&path, &bytes[..bytes.len() / 2])?;
        } else if i % 89 == 7 {
            std::fs::write(&path, "项目编码,项目名称\n1,2\n")?;
        }
    }
    println!(
        "wrote {n} files ({forms} forms in generated workbooks) to {}",
        out.display()
    );
    Ok(())
}
