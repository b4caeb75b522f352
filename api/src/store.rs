//! Our `cqrs_es::EventStore`: loads an aggregate from its latest snapshot (when it has one) and
//! the events after it, reading each payload straight into its event type (through the
//! upcasters when it was stored in an older shape); commits through [`EventRepository`]'s single
//! statement, and snapshots an aggregate every [`SNAPSHOT_EVERY`] events.
//!
//! cqrs-es's own snapshot store is not used: in 0.5 it applies each new event to the snapshot a
//! second time. Here the snapshot is the aggregate exactly as the command left it (`handle`
//! applied the new events once, through the event sink).

use std::collections::HashMap;
use std::marker::PhantomData;

use cqrs_es::persist::SerializedEvent;
use cqrs_es::{
    Aggregate, AggregateContext, AggregateError, DomainEvent, EventEnvelope, EventStore,
};
use sqlx::types::Json;
use sqlx::PgPool;

use crate::event_store::EventRepository;

/// Events between two snapshots of one aggregate.
pub const SNAPSHOT_EVERY: usize = 100;

/// An aggregate as loaded for a command.
pub struct LoadedAggregate<A: Aggregate> {
    aggregate_id: String,
    aggregate: A,
    /// Events the aggregate had when loaded.
    sequence: usize,
}

impl<A: Aggregate> AggregateContext<A> for LoadedAggregate<A> {
    fn aggregate(&mut self) -> &mut A {
        &mut self.aggregate
    }
}

/// The event store of one aggregate type.
pub struct LogStore<A: Aggregate> {
    repository: EventRepository,
    pool: PgPool,
    snapshot_every: usize,
    _aggregate: PhantomData<A>,
}

impl<A: Aggregate> LogStore<A> {
    pub fn new(pool: PgPool) -> Self {
        Self::with_snapshots_every(pool, SNAPSHOT_EVERY)
    }

    /// A store that snapshots every `snapshot_every` events (0: never).
    pub fn with_snapshots_every(pool: PgPool, snapshot_every: usize) -> Self {
        Self {
            repository: EventRepository::new(pool.clone()),
            pool,
            snapshot_every,
            _aggregate: PhantomData,
        }
    }

    /// The aggregate's latest snapshot and its sequence, if it has a readable one.
    async fn snapshot(&self, aggregate_id: &str) -> Option<(usize, A)> {
        let row: Option<(i64, Json<serde_json::Value>)> = sqlx::query_as(
            "select sequence, state from aggregate_snapshot
              where aggregate_type = $1 and aggregate_id = $2",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .fetch_optional(&self.pool)
        .await
        .ok()
        .flatten();
        let (sequence, state) = row?;
        match serde_json::from_value(state.0) {
            Ok(aggregate) => Some((usize::try_from(sequence).ok()?, aggregate)),
            Err(error) => {
                // a snapshot of an older shape of the aggregate: the log still has everything.
                tracing::warn!(%error, aggregate = A::TYPE, id = aggregate_id, "unreadable snapshot; replaying the whole stream");
                None
            }
        }
    }

    /// The aggregate (from its latest snapshot and the events after it) and how many events its
    /// stream has.
    pub async fn load(&self, aggregate_id: &str) -> Result<(A, usize), AggregateError<A::Error>> {
        let (mut sequence, mut aggregate) = self.snapshot(aggregate_id).await.unwrap_or_default();
        for event in self.events_after(aggregate_id, sequence).await? {
            aggregate.apply(event);
            sequence += 1;
        }
        Ok((aggregate, sequence))
    }

    /// Loads the aggregate from the whole stream, ignoring snapshots (what a snapshot must
    /// equal).
    pub async fn load_without_snapshot(
        &self,
        aggregate_id: &str,
    ) -> Result<A, AggregateError<A::Error>> {
        let mut aggregate = A::default();
        for event in self.events_after(aggregate_id, 0).await? {
            aggregate.apply(event);
        }
        Ok(aggregate)
    }

    /// Snapshots the aggregate as its whole stream makes it; returns the events it covers.
    pub async fn take_snapshot(
        &self,
        aggregate_id: &str,
    ) -> Result<usize, AggregateError<A::Error>> {
        let events = self.events_after(aggregate_id, 0).await?;
        let sequence = events.len();
        let mut aggregate = A::default();
        for event in events {
            aggregate.apply(event);
        }
        self.write_snapshot(aggregate_id, sequence, &aggregate)
            .await
            .map_err(|e| AggregateError::DatabaseConnectionError(Box::new(e)))?;
        Ok(sequence)
    }

    async fn write_snapshot(
        &self,
        aggregate_id: &str,
        sequence: usize,
        aggregate: &A,
    ) -> Result<(), sqlx::Error> {
        let state =
            serde_json::to_value(aggregate).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "insert into aggregate_snapshot (aggregate_type, aggregate_id, sequence, state)
             values ($1, $2, $3, $4)
             on conflict (aggregate_type, aggregate_id) do update
                set sequence = excluded.sequence, state = excluded.state, taken_at = now()
              where aggregate_snapshot.sequence < excluded.sequence",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(i64::try_from(sequence).unwrap_or(i64::MAX))
        .bind(Json(state))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn events_after(
        &self,
        aggregate_id: &str,
        after: usize,
    ) -> Result<Vec<A::Event>, AggregateError<A::Error>> {
        let rows = self
            .repository
            .read_stream(A::TYPE, aggregate_id, after)
            .await
            .map_err(|e| AggregateError::DatabaseConnectionError(Box::new(e)))?;
        rows.into_iter()
            .map(|row| {
                domain::upcast::decode(&row.event_type, &row.event_version, &row.payload)
                    .map_err(|e| AggregateError::DeserializationError(Box::new(e)))
            })
            .collect()
    }
}

impl<A: Aggregate> EventStore<A> for LogStore<A> {
    type AC = LoadedAggregate<A>;

    async fn load_events(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        Ok(self
            .events_after(aggregate_id, 0)
            .await?
            .into_iter()
            .enumerate()
            .map(|(n, payload)| EventEnvelope {
                aggregate_id: aggregate_id.to_owned(),
                sequence: n + 1,
                payload,
                metadata: HashMap::new(),
            })
            .collect())
    }

    async fn load_aggregate(
        &self,
        aggregate_id: &str,
    ) -> Result<LoadedAggregate<A>, AggregateError<A::Error>> {
        let (mut sequence, mut aggregate) = (0, A::default());
        // a creation is decided on an empty aggregate without reading (see `tracking_append`).
        if !crate::event_store::assumes_new() {
            if let Some(snapshot) = self.snapshot(aggregate_id).await {
                (sequence, aggregate) = snapshot;
            }
            for event in self.events_after(aggregate_id, sequence).await? {
                aggregate.apply(event);
                sequence += 1;
            }
        }
        Ok(LoadedAggregate {
            aggregate_id: aggregate_id.to_owned(),
            aggregate,
            sequence,
        })
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
        let metadata_json = serde_json::to_value(&metadata)
            .map_err(|e| AggregateError::UnexpectedError(Box::new(e)))?;
        let serialized = events
            .iter()
            .enumerate()
            .map(|(n, event)| {
                Ok(SerializedEvent {
                    aggregate_id: context.aggregate_id.clone(),
                    sequence: context.sequence + n + 1,
                    aggregate_type: A::TYPE.to_owned(),
                    event_type: event.event_type(),
                    event_version: event.event_version(),
                    payload: serde_json::to_value(event)
                        .map_err(|e| AggregateError::UnexpectedError(Box::new(e)))?,
                    metadata: metadata_json.clone(),
                })
            })
            .collect::<Result<Vec<_>, AggregateError<A::Error>>>()?;
        self.repository
            .commit(A::TYPE, &serialized)
            .await
            .map_err(|e| match e {
                cqrs_es::persist::PersistenceError::OptimisticLockError => {
                    AggregateError::AggregateConflict
                }
                other => AggregateError::DatabaseConnectionError(Box::new(other)),
            })?;
        let now = context.sequence + events.len();
        if self.snapshot_every > 0
            && now / self.snapshot_every > context.sequence / self.snapshot_every
        {
            // the aggregate as the command left it: every new event applied once. A snapshot is
            // a cache: if writing it fails, the next load replays a little more.
            if let Err(error) = self
                .write_snapshot(&context.aggregate_id, now, &context.aggregate)
                .await
            {
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
