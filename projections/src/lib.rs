//! The read side: the event-log reader, the projection runner, and the read models with the
//! queries that read them.

pub mod business;
pub mod chain;
pub mod configuration;
pub mod history;
pub mod log;
pub mod partner;
pub mod reports;
pub mod runner;
pub mod seal;
pub mod user;

pub use log::{Checkpoint, StoredEvent};
pub use runner::{Progress, Projection, ProjectionError, Wake};
