//! The event store as cqrs-es sees it: postgres-es reads streams; appends are ours, one statement
//! per command that also says where the events landed in the log.
//!
//! postgres-es appends with BEGIN, one INSERT per event and COMMIT: three round trips, and a
//! fourth to learn the events' position afterwards. Here a command's events go in one
//! `INSERT ... RETURNING` (a single statement is a transaction of its own, so all or none of them
//! are written), and the log position comes back with it. Optimistic concurrency stays the
//! primary key's: a second writer of the same sequence number gets a unique violation, reported
//! as a conflict.

use std::sync::{Arc, Mutex};

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use postgres_es::PostgresEventRepository;
use projections::Checkpoint;
use serde_json::Value;
use sqlx::PgPool;

/// What the store and the command bus tell each other about the command under way.
struct CommandScope {
    /// The stream is taken to be empty without reading it.
    assume_new: bool,
    /// Where the command's events landed.
    appended: Mutex<Option<Checkpoint>>,
}

tokio::task_local! {
    static COMMAND: Arc<CommandScope>;
}

/// Runs `command` (a future that executes one command) and returns its output with the log
/// position its events reached, if it appended any. With `assume_new`, the aggregate's stream
/// is not read: the command is decided on an empty aggregate, and if the stream was not empty
/// after all, the append conflicts on the log's key (the caller then tries again, reading it).
pub async fn tracking_append<T>(
    assume_new: bool,
    command: impl std::future::Future<Output = T>,
) -> (T, Option<Checkpoint>) {
    let scope = Arc::new(CommandScope {
        assume_new,
        appended: Mutex::new(None),
    });
    let output = COMMAND.scope(scope.clone(), command).await;
    let appended = scope.appended.lock().ok().and_then(|at| *at);
    (output, appended)
}

/// The repository behind every aggregate's `CqrsFramework`.
pub struct EventRepository {
    pool: PgPool,
    reads: PostgresEventRepository,
}

impl EventRepository {
    pub fn new(pool: PgPool) -> Self {
        Self {
            reads: PostgresEventRepository::new(pool.clone()),
            pool,
        }
    }

    async fn append(
        &self,
        aggregate_type: &str,
        events: &[SerializedEvent],
    ) -> Result<Option<Checkpoint>, PersistenceError> {
        if events.is_empty() {
            return Ok(None);
        }
        let mut ids = Vec::with_capacity(events.len());
        let mut sequences = Vec::with_capacity(events.len());
        let mut types = Vec::with_capacity(events.len());
        let mut versions = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        let mut metadata = Vec::with_capacity(events.len());
        for event in events {
            ids.push(event.aggregate_id.as_str());
            sequences.push(
                i64::try_from(event.sequence)
                    .map_err(|e| PersistenceError::UnknownError(Box::new(e)))?,
            );
            types.push(event.event_type.as_str());
            versions.push(event.event_version.as_str());
            payloads.push(event.payload.to_string());
            metadata.push(event.metadata.to_string());
        }
        // `with ordinality ... order by` keeps the events' positions in their sequence order.
        let landed: Vec<(i64, i64)> = sqlx::query_as(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             select $1, id, seq, ty, ver, p::json, m::json
               from unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
                    with ordinality as e(id, seq, ty, ver, p, m, n)
              order by n
             returning transaction_id::text::bigint, position",
        )
        .bind(aggregate_type)
        .bind(&ids)
        .bind(&sequences)
        .bind(&types)
        .bind(&versions)
        .bind(&payloads)
        .bind(&metadata)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => PersistenceError::OptimisticLockError,
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => PersistenceError::ConnectionError(Box::new(e)),
            _ => PersistenceError::UnknownError(Box::new(e)),
        })?;
        Ok(landed
            .into_iter()
            .map(|(transaction_id, position)| Checkpoint {
                transaction_id,
                position,
            })
            .max())
    }
}

impl PersistedEventRepository for EventRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        if COMMAND.try_with(|scope| scope.assume_new).unwrap_or(false) {
            return Ok(Vec::new());
        }
        self.reads.get_events::<A>(aggregate_id).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.reads
            .get_last_events::<A>(aggregate_id, last_sequence)
            .await
    }

    /// cqrs-es's snapshots are not used (its snapshot store applies new events twice).
    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if snapshot_update.is_some() {
            return Err(PersistenceError::UnknownError(
                "cqrs-es snapshots are not supported by this store".into(),
            ));
        }
        let landed = self.append(A::TYPE, events).await?;
        let _ = COMMAND.try_with(|scope| {
            if let Ok(mut at) = scope.appended.lock() {
                *at = landed;
            }
        });
        Ok(())
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        self.reads.stream_events::<A>(aggregate_id).await
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        self.reads.stream_all_events::<A>().await
    }
}
