//! The read side: the event-log reader, the projection runner, and the read models with the
//! queries that read them.

pub mod business;
pub mod chain;
pub mod configuration;
pub mod history;
pub mod invoice;
pub mod journal;
mod lines;
pub mod log;
pub mod order;
pub mod page;
pub mod partner;
pub mod period;
pub mod product;
pub mod reports;
pub mod runner;
pub mod seal;
pub mod stock;
pub mod stored;
pub mod user;

pub use log::{Checkpoint, StoredEvent};
pub use runner::{Progress, Projection, ProjectionError, Wake};
/// What the read models' queries take and fail with, so that their callers need not name the
/// database driver.
pub use sqlx::{Error as QueryError, PgPool};
