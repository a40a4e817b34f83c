//! `jixiao init`: a starter pipeline file with every option, and the
//! reference tables it names.

use std::path::{Path, PathBuf};

use super::PipelineError;

/// The starter pipeline file `jixiao init` writes.
pub const STARTER: &str = include_str!("starter.toml");

/// The reference tables `jixiao init` writes beside it.
pub const STARTER_REFERENCE: &[(&str, &str)] = &[
    (
        "categories.csv",
        include_str!("../../pipelines/reference/categories.csv"),
    ),
    (
        "func_class.csv",
        include_str!("../../pipelines/reference/func_class.csv"),
    ),
    (
        "levels.csv",
        include_str!("../../pipelines/reference/levels.csv"),
    ),
];

/// Writes a starter pipeline (`DIR/pipeline.toml`) and its reference tables
/// (`DIR/reference/`). Existing files are never overwritten. Returns the
/// files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, PipelineError> {
    let io = |e: std::io::Error| PipelineError::Input(e);
    let mut files = vec![(dir.join("pipeline.toml"), STARTER)];
    for (name, text) in STARTER_REFERENCE {
        files.push((dir.join("reference").join(name), text));
    }
    if let Some((existing, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(PipelineError::Input(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; jixiao init never overwrites a file",
                existing.display()
            ),
        )));
    }
    std::fs::create_dir_all(dir.join("reference")).map_err(io)?;
    std::fs::create_dir_all(dir.join("input")).map_err(io)?;
    for (path, text) in &files {
        std::fs::write(path, text).map_err(io)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
