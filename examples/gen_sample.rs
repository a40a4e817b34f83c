//! Generates `sample_data/762002.xlsx` (projects 1–4) and
//! `sample_data/762003.xlsx` (projects 5–10) from the seed forms, and each
//! unit's self-evaluations of the same projects with MADE-UP results
//! (`762002-self-eval.xlsx`, `762003-self-eval.xlsx`; the rule is in
//! `tests/it/common/self_eval.rs`): `cargo run --example gen_sample
//! [OUT_DIR]` (`make sample`).

#[path = "../tests/it/common/forms.rs"]
mod forms;
#[path = "../tests/it/common/seed.rs"]
mod seed;
#[path = "../tests/it/common/self_eval.rs"]
mod self_eval;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "sample_data".into()),
    );
    std::fs::create_dir_all(&out)?;
    let layout = forms::Layout::default();
    for unit in ["762002", "762003"] {
        let projects: Vec<&seed::SeedProject> = seed::SEED
            .iter()
            .filter(|p| p.unit.starts_with(unit))
            .collect();
        let path = out.join(format!("{unit}.xlsx"));
        forms::write_workbook(&path, &projects, &layout)?;
        println!("wrote {} ({} forms)", path.display(), projects.len());
        let numbered: Vec<(usize, &seed::SeedProject)> = seed::SEED
            .iter()
            .enumerate()
            .filter(|(_, p)| p.unit.starts_with(unit))
            .map(|(i, p)| (i + 1, p))
            .collect();
        // 762002's self-evaluations carry the project code, 762003's do not.
        let path = out.join(format!("{unit}-self-eval.xlsx"));
        self_eval::write_self_evals(&path, &numbered, unit == "762002")?;
        println!(
            "wrote {} ({} self-evaluations)",
            path.display(),
            numbered.len()
        );
    }
    Ok(())
}
