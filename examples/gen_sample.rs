//! Generates `sample_data/762002.xlsx` (projects 1–4) and
//! `sample_data/762003.xlsx` (projects 5–10) from the seed forms:
//! `cargo run --example gen_sample [OUT_DIR]` (`make sample`).

#[path = "../tests/it/common/forms.rs"]
mod forms;
#[path = "../tests/it/common/seed.rs"]
mod seed;

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
    }
    Ok(())
}
