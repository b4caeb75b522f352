//! Business rules of the ERP: aggregates, their commands, events and errors.
//!
//! Pure: no SQL, no HTTP, no clock. Time and identifiers come in through commands, so handling a
//! command is deterministic and every aggregate is tested with nothing started.

pub mod configuration;
pub mod partner;
pub mod text;
pub mod upcast;
pub mod user;
