//! jixiao (绩效): batch ETL for budget performance target forms (绩效目标表).
//!
//! Data flows one way through the stages, one module each:
//! [`read`] files into [`grid::Grid`]s → [`locate`] forms by their labels →
//! [`parse`] their fields → [`normalise`] values → [`validate`] into issues →
//! [`write`] tables. [`pipeline`] runs them from a pipeline file; the CLI in
//! `main.rs` is a thin layer over it.

pub mod aggregate;
pub mod grid;
pub mod inspect;
pub mod locate;
pub mod model;
pub mod normalise;
pub mod parse;
pub mod pipeline;
pub mod read;
pub mod validate;
pub mod vocab;
pub mod write;
