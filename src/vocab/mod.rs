//! The shared vocabulary of the forms, below every stage: how labels are
//! compared ([`text`]), money units ([`money`]), checkpoint months
//! ([`month`]), budget years ([`year`]) and how a unit is written
//! ([`unit`]). Pure functions over text; any stage may use them, and this
//! module uses no other module of the crate.

pub mod kind;
pub mod money;
pub mod month;
pub mod text;
pub mod unit;
pub mod year;
