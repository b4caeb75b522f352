//! The log as a `cqrs_es::EventStore` of one aggregate type, for code that speaks cqrs-es's
//! `CqrsFramework` (tests and benchmarks of the store), and the loads that verification and
//! snapshots need. Appends go through [`crate::append`] like every other write.
//!
//! cqrs-es's own snapshot store is not used: in 0.5 it applies each new event to the snapshot a
//! second time. Here the snapshot is the aggregate exactly as the command left it.

use std::collections::HashMap;
use std::marker::PhantomData;

use cqrs_es::{
    Aggregate, AggregateContext, AggregateError, DomainEvent, EventEnvelope, EventStore,
};
use sqlx::PgPool;

use crate::append::{append, NewEvent, StreamAppend};
use crate::{snapshot, stream, StoreError, SNAPSHOT_EVERY};

/// An aggregate as loaded for a command.
pub struct LoadedAggregate<A: Aggregate> {
    aggregate_id: String,
    aggregate: A,
    /// Events the aggregate had when loaded.
    sequence: usize,
    /// The hash of its last event, when read.
    last_hash: Option<Vec<u8>>,
}

impl<A: Aggregate> AggregateContext<A> for LoadedAggregate<A> {
    fn aggregate(&mut self) -> &mut A {
        &mut self.aggregate
    }
}

/// The event store of one aggregate type.
pub struct LogStore<A: Aggregate> {
    pool: PgPool,
    snapshot_every: usize,
    _aggregate: PhantomData<A>,
}

fn aggregate_error<E: std::error::Error>(error: StoreError) -> AggregateError<E> {
    match error {
        StoreError::Conflict => AggregateError::AggregateConflict,
        StoreError::Decode { .. } => AggregateError::DeserializationError(Box::new(error)),
        StoreError::Database(_) => AggregateError::DatabaseConnectionError(Box::new(error)),
        other => AggregateError::UnexpectedError(Box::new(other)),
    }
}

impl<A: Aggregate> LogStore<A> {
    pub fn new(pool: PgPool) -> Self {
        Self::with_snapshots_every(pool, SNAPSHOT_EVERY)
    }

    /// A store that snapshots every `snapshot_every` events (0: never).
    pub fn with_snapshots_every(pool: PgPool, snapshot_every: usize) -> Self {
        Self {
            pool,
            snapshot_every,
            _aggregate: PhantomData,
        }
    }

    /// Folds the events after `sequence` into `aggregate`; returns the new sequence and the
    /// last event's hash.
    async fn fold(
        &self,
        aggregate_id: &str,
        aggregate: &mut A,
        sequence: usize,
    ) -> Result<(usize, Option<Vec<u8>>), StoreError> {
        let rows = stream::read(&self.pool, A::TYPE, aggregate_id, sequence).await?;
        let (mut sequence, mut hash) = (sequence, None);
        for row in rows {
            aggregate.apply(row.decode(A::TYPE, aggregate_id)?);
            sequence += 1;
            hash = Some(row.hash.unwrap_or_else(|| crate::chain::GENESIS.to_vec()));
        }
        Ok((sequence, hash))
    }

    async fn loaded(&self, aggregate_id: &str) -> Result<LoadedAggregate<A>, StoreError> {
        let (sequence, mut aggregate) = snapshot::read::<A>(&self.pool, A::TYPE, aggregate_id)
            .await?
            .unwrap_or_default();
        let (sequence, last_hash) = self.fold(aggregate_id, &mut aggregate, sequence).await?;
        Ok(LoadedAggregate {
            aggregate_id: aggregate_id.to_owned(),
            aggregate,
            sequence,
            last_hash,
        })
    }

    /// The aggregate (from its latest snapshot and the events after it) and how many events its
    /// stream has.
    pub async fn load(&self, aggregate_id: &str) -> Result<(A, usize), AggregateError<A::Error>> {
        let loaded = self.loaded(aggregate_id).await.map_err(aggregate_error)?;
        Ok((loaded.aggregate, loaded.sequence))
    }

    /// Loads the aggregate from the whole stream, ignoring snapshots (what a snapshot must
    /// equal).
    pub async fn load_without_snapshot(
        &self,
        aggregate_id: &str,
    ) -> Result<A, AggregateError<A::Error>> {
        let mut aggregate = A::default();
        self.fold(aggregate_id, &mut aggregate, 0)
            .await
            .map_err(aggregate_error)?;
        Ok(aggregate)
    }

    /// Snapshots the aggregate as its whole stream makes it; returns the events it covers.
    pub async fn take_snapshot(
        &self,
        aggregate_id: &str,
    ) -> Result<usize, AggregateError<A::Error>> {
        let mut aggregate = A::default();
        let (sequence, _) = self
            .fold(aggregate_id, &mut aggregate, 0)
            .await
            .map_err(aggregate_error)?;
        let state =
            serde_json::to_value(&aggregate).map_err(|e| aggregate_error(StoreError::Encode(e)))?;
        snapshot::write(&self.pool, A::TYPE, aggregate_id, sequence, &state)
            .await
            .map_err(|e| aggregate_error(e.into()))?;
        Ok(sequence)
    }
}

impl<A: Aggregate> EventStore<A> for LogStore<A> {
    type AC = LoadedAggregate<A>;

    async fn load_events(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let rows = stream::read(&self.pool, A::TYPE, aggregate_id, 0)
            .await
            .map_err(|e| aggregate_error(e.into()))?;
        rows.iter()
            .enumerate()
            .map(|(n, row)| {
                Ok(EventEnvelope {
                    aggregate_id: aggregate_id.to_owned(),
                    sequence: n + 1,
                    payload: row.decode(A::TYPE, aggregate_id).map_err(aggregate_error)?,
                    metadata: serde_json::from_str(&row.metadata).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn load_aggregate(
        &self,
        aggregate_id: &str,
    ) -> Result<LoadedAggregate<A>, AggregateError<A::Error>> {
        self.loaded(aggregate_id).await.map_err(aggregate_error)
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: LoadedAggregate<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let serialized = events
            .iter()
            .map(|event| {
                Ok(NewEvent {
                    event_type: event.event_type(),
                    event_version: event.event_version(),
                    payload: serde_json::to_string(event).map_err(StoreError::Encode)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
            .map_err(aggregate_error)?;
        let metadata_json =
            serde_json::to_string(&metadata).map_err(|e| aggregate_error(StoreError::Encode(e)))?;
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| aggregate_error(e.into()))?;
        let stream = StreamAppend {
            aggregate_type: A::TYPE,
            aggregate_id: &context.aggregate_id,
            base: context.sequence,
            last_hash: context.last_hash.as_deref(),
            events: &serialized,
        };
        append(&mut conn, &[stream], &metadata_json)
            .await
            .map_err(aggregate_error)?;
        let now = context.sequence + events.len();
        if snapshot::due(context.sequence, now, self.snapshot_every) {
            // the aggregate as the command left it: every new event applied once.
            let written = match serde_json::to_value(&context.aggregate) {
                Ok(state) => {
                    snapshot::write(&self.pool, A::TYPE, &context.aggregate_id, now, &state)
                        .await
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = written {
                tracing::warn!(%error, aggregate = A::TYPE, "snapshot not written");
            }
        }
        Ok(events
            .into_iter()
            .enumerate()
            .map(|(n, payload)| EventEnvelope {
                aggregate_id: context.aggregate_id.clone(),
                sequence: context.sequence + n + 1,
                payload,
                metadata: metadata.clone(),
            })
            .collect())
    }
}
