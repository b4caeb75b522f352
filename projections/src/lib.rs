//! The read side: the event-log reader, the projection runner, and the read models with the
//! queries that read them.

pub mod business;
pub mod configuration;
pub mod history;
pub mod partner;
pub mod reports;
pub mod runner;
pub mod seal;
pub mod user;

// the log and its hash chain live in the store; these paths stay for the read side.
pub use runner::{Progress, Projection, ProjectionError, Wake};
pub use store::{chain, log};
pub use store::{Checkpoint, StoredEvent};
