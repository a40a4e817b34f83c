//! jixiao (绩效): batch ETL for budget performance target forms (绩效目标表).
//!
//! Data flows one way through the stages, one module each:
//! [`read`] files into [`grid::Grid`]s → [`locate`] forms by their labels →
//! [`parse`] their fields → [`normalise`] values into [`model`] records →
//! [`validate`] into issues → [`write`] the record tables → [`aggregate`]
//! the summaries from the written tables (written too). [`vocab`] (the
//! words of the forms), [`grid`] and [`model`] lie below every stage.
//! [`pipeline`] runs them from a pipeline file; the CLI in `main.rs` is a
//! thin layer over it.
//!
//! A module imports only the modules below it, in this order: vocab, grid,
//! model, read, locate, parse, normalise, validate, write, aggregate,
//! report, inspect, pipeline (`docs/ARCHITECTURE.md`; a test checks it).

pub mod aggregate;
pub mod fault;
pub mod grid;
pub mod inspect;
pub mod locate;
pub mod model;
pub mod normalise;
pub mod parse;
pub mod pipeline;
pub mod read;
pub mod report;
pub mod validate;
pub mod vocab;
pub mod write;
