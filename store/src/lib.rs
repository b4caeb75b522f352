//! The event log in PostgreSQL, and nothing of the business: appending a command's events (the
//! one `INSERT INTO events`, with the hash chain and optimistic concurrency per stream), reading
//! a stream, snapshots, the cache of aggregates this process has seen, and the gap-free reader
//! of the whole log in global order.
//!
//! The layers above: `commands` decides on what this crate loads and appends through it;
//! `projections` reads the log through [`log`]; `replay` verifies and copies it.

pub mod append;
pub mod cache;
pub mod chain;
pub mod log;
pub mod log_store;
pub mod snapshot;
pub mod stream;
pub mod streams;

pub use append::{append, append_riding, Appended, NewEvent, Rider, StreamAppend};
pub use cache::AggregateCache;
pub use log::{Checkpoint, StoredEvent};
pub use log_store::LogStore;
pub use streams::Streams;

/// Events between two snapshots of one aggregate.
pub const SNAPSHOT_EVERY: usize = 100;

/// Why the store could not do what was asked. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended to one of the streams since it was read: decide again.
    #[error("another writer appended to the same record first")]
    Conflict,
    /// The database failed.
    #[error("the event store failed: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored event or snapshot does not read as the type it should be.
    #[error("{aggregate_type} {aggregate_id}: stored event {sequence} does not read as today's event type: {source}")]
    Decode {
        aggregate_type: &'static str,
        aggregate_id: String,
        sequence: i64,
        #[source]
        source: serde_json::Error,
    },
    /// An event or aggregate could not be written as JSON.
    #[error("an event or aggregate could not be written as JSON: {0}")]
    Encode(#[source] serde_json::Error),
    /// A check run in the append's transaction (see [`streams::AlongWith`]) declined the
    /// operation: a rule across records that the records alone cannot see. The reason is the
    /// caller's own error, for it to take back.
    #[error("{0}")]
    Declined(Box<dyn std::error::Error + Send + Sync>),
    /// The same stream was loaded as two different aggregate types in one unit of work.
    #[error("{0} loaded as another aggregate type")]
    WrongType(String),
}

impl StoreError {
    /// A database failure as the store reports it: a unique violation of the log's key is the
    /// optimistic lock refusing a second writer of the same sequence number (one of a read
    /// model written with the append is a failure like any other).
    pub fn from_append(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("23505")
                    && db.constraint().is_none_or(|c| c == "events_pkey") =>
            {
                StoreError::Conflict
            }
            _ if writers_met(&error) => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}

/// Whether `error` is PostgreSQL giving up on a transaction because another one met it: a
/// deadlock (two writers taking the same keys in opposite orders) or a serialization failure.
/// Nothing of it was written; deciding again is the answer, as for any conflict.
pub fn writers_met(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01" | "40001")),
        _ => false,
    }
}
