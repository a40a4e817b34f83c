//! The shared vocabulary of the forms, below every stage: how labels are
//! compared ([`text`]), money units ([`money`]), checkpoint months
//! ([`month`]), budget years ([`year`]), how a unit is written
//! ([`unit`]) and indicator levels told by their terms ([`level`]). Pure functions over text; any stage may use them, and this
//! module uses no other module of the crate.

pub mod kind;
pub mod level;
pub mod money;
pub mod month;
pub mod text;
pub mod unit;
pub mod year;
