//! The read side: the projection runner, and the read models, each with the queries that read
//! it. The log itself (and its reader) is the store's.

pub mod business;
pub mod configuration;
pub mod history;
pub mod invoice;
pub mod journal;
pub mod lease;
mod lines;
pub mod order;
pub mod page;
pub mod partner;
mod past;
pub mod period;
pub mod product;
pub mod reports;
pub mod runner;
pub mod seal;
pub mod stock;
pub mod stored;
pub mod user;
pub mod wake;

// the log and its hash chain live in the store; these paths stay for the read side.
pub use runner::{Progress, Projection, ProjectionError, Wake};
/// What the read models' queries take and fail with, so that their callers need not name the
/// database driver.
pub use sqlx::{Error as QueryError, PgPool};
pub use store::{chain, log};
pub use store::{Checkpoint, StoredEvent};

/// The projections whose rows are also written by [`riding`]: their tables may show events
/// their checkpoint has not reached yet.
pub const RIDING: &[&str] = &["partner"];

/// The read models written in the statement that appends a command's events
/// ([`store::Rider`]): a record's own row, shown as soon as its events are in the log, with no
/// wait for the runners. Today the partner's.
pub fn riding(
    streams: &[store::StreamAppend<'_>],
) -> Result<Option<store::Rider>, store::StoreError> {
    partner::rider(streams).map_err(|e| match e {
        ProjectionError::Database(e) => store::StoreError::Database(e),
        ProjectionError::Payload { source, .. } => store::StoreError::Encode(source),
        // only a runner catches a panic; a rider's would unwind through the append.
        panicked @ ProjectionError::Panicked(_) => store::StoreError::Declined(Box::new(panicked)),
    })
}
