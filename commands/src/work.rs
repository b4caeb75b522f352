//! One operation across several aggregates, written all at once or not at all.
//!
//! Posting an invoice takes a number (its sequence's stream), marks the invoice posted (its
//! stream) and writes the entry (its month's stream); a delivery touches the order and the
//! stock of each product. A [`Work`] loads each aggregate it needs once, decides each command
//! on the aggregate as the earlier commands of the same operation left it, and appends every
//! event of every stream in one statement ([`store::Streams`]). If anyone appended to one of
//! the streams since it was read, nothing is written and the operation is decided again on
//! fresh state ([`crate::CommandBus::run`]).

use std::sync::Arc;

use cqrs_es::Aggregate;
use domain::Decide;
use sqlx::PgPool;
use store::streams::{AlongWith, Committed, DecideError};
use store::{AggregateCache, Streams};

use crate::error::{Failure, Refusal};

/// A business operation under way.
pub struct Work {
    streams: Streams,
}

impl Work {
    pub fn new(pool: PgPool, cache: Arc<AggregateCache>) -> Self {
        Self {
            streams: Streams::new(pool, cache),
        }
    }

    /// Streams not read yet are taken to be empty (see [`Streams::assume_new`]).
    pub fn assume_new(&mut self) {
        self.streams.assume_new();
    }

    /// Loads the cached ones of `streams` (type and id) with one query for all their tails.
    pub async fn prefetch(&mut self, streams: &[(&'static str, String)]) -> Result<(), Failure> {
        Ok(self.streams.prefetch(streams).await?)
    }

    /// Aggregate `id` as the operation sees it: as stored, with the operation's own events so
    /// far applied.
    pub async fn get<A>(&mut self, id: &str) -> Result<&A, Failure>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        Ok(self.streams.get::<A>(id).await?)
    }

    /// Decides `command` on aggregate `id`; its events are applied at once (later commands of
    /// the operation see them) and kept for the append. Returns them.
    pub async fn decide<A>(
        &mut self,
        id: &str,
        command: A::Command,
    ) -> Result<Vec<A::Event>, Failure>
    where
        A: Decide + Clone + Send + Sync + 'static,
        A::Error: Refusal,
    {
        self.streams
            .decide::<A>(id, command)
            .await
            .map_err(|e| match e {
                DecideError::Refused(error) => error.into(),
                DecideError::Store(error) => error.into(),
            })
    }

    /// Whether the operation has anything to write.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Appends every event of the operation in one statement, each with `metadata` (JSON
    /// text); returns where the last landed (`None` when there was nothing to write).
    /// `Failure::Conflict` when another writer got to one of the streams first.
    /// The records' own read models are written in the same statement ([`projections::riding`]).
    pub async fn commit(self, metadata: &str) -> Result<Option<Committed>, Failure> {
        Ok(self
            .streams
            .commit_riding(metadata, None, projections::riding)
            .await?)
    }

    /// [`Self::commit`], with `along` writing in the same transaction as the events (a
    /// record's own read model): both land, or neither.
    pub async fn commit_with(
        self,
        metadata: &str,
        along: AlongWith<'_>,
    ) -> Result<Option<Committed>, Failure> {
        Ok(self
            .streams
            .commit_riding(metadata, Some(along), projections::riding)
            .await?)
    }
}
