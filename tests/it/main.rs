//! End-to-end tests, in one binary (as xsv and ripgrep do): a module per
//! area, sharing the helpers of `common` (a `Workdir` that runs the
//! `jixiao` binary, the seed data, the fixture writer).

mod common;

mod aggregate;
mod architecture;
mod bad_input;
mod cli;
mod corpus;
mod docs;
mod family;
mod formats;
mod hostile;
mod inspect;
mod interrupt;
mod layouts;
mod properties;
mod report;
mod sample;
mod seed_data;
mod self_eval;
mod templates;
mod variants;
