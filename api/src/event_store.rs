//! Reading a stream for a command and appending its events: one statement per command that also
//! says where the events landed in the log, and chains each event's hash to the one before it.
//! [`crate::store::LogStore`] is the `cqrs_es::EventStore` built on it.
//!
//! postgres-es (whose `events` table this is) appends with BEGIN, one INSERT per event and
//! COMMIT: three round trips, and a fourth to learn the events' position afterwards. Here a
//! command's events go in one
//! `INSERT ... RETURNING` (a single statement is a transaction of its own, so all or none of them
//! are written), and the log position comes back with it. Optimistic concurrency stays the
//! primary key's: a second writer of the same sequence number gets a unique violation, reported
//! as a conflict.

use std::sync::{Arc, Mutex};

use cqrs_es::persist::{PersistenceError, SerializedEvent};
use projections::{chain, Checkpoint};
use sqlx::PgPool;

/// What the store and the command bus tell each other about the command under way.
struct CommandScope {
    /// The stream is taken to be empty without reading it.
    assume_new: bool,
    /// Where the command's events landed.
    appended: Mutex<Option<Checkpoint>>,
    /// The last event of the stream as the command read it: its sequence and hash, which the
    /// next event's hash chains to.
    last: Mutex<Option<(i64, Option<Vec<u8>>)>>,
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
        last: Mutex::new(None),
    });
    let output = COMMAND.scope(scope.clone(), command).await;
    let appended = scope.appended.lock().ok().and_then(|at| *at);
    (output, appended)
}

/// An event of a stream as a command reads it, payload and metadata as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct StreamEvent {
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: String,
    pub metadata: String,
    pub hash: Option<Vec<u8>>,
}

/// Whether the command under way decides on an empty stream without reading it.
pub fn assumes_new() -> bool {
    COMMAND.try_with(|scope| scope.assume_new).unwrap_or(false)
}

/// A database failure as cqrs-es classifies it: a unique violation of the log's key is the
/// optimistic lock refusing a second writer of the same sequence number.
fn failure(e: sqlx::Error) -> PersistenceError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            PersistenceError::OptimisticLockError
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            PersistenceError::ConnectionError(Box::new(e))
        }
        _ => PersistenceError::UnknownError(Box::new(e)),
    }
}

/// The log as the event store reads and appends it.
pub struct EventRepository {
    pool: PgPool,
}

impl EventRepository {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The events of a stream after sequence `after`, in order. The last one's hash is kept for
    /// the command under way: the next event chains to it.
    pub async fn read_stream(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: usize,
    ) -> Result<Vec<StreamEvent>, sqlx::Error> {
        let rows: Vec<StreamEvent> = sqlx::query_as(
            "select sequence, event_type, event_version, payload::text as payload,
                    metadata::text as metadata, hash
               from events where aggregate_type = $1 and aggregate_id = $2 and sequence > $3
              order by sequence",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        if let Some(last) = rows.last() {
            let last = (last.sequence, last.hash.clone());
            let _ = COMMAND.try_with(|scope| {
                if let Ok(mut at) = scope.last.lock() {
                    *at = Some(last);
                }
            });
        }
        Ok(rows)
    }

    /// Appends a command's events and tells the command under way where they landed.
    pub async fn commit(
        &self,
        aggregate_type: &str,
        events: &[SerializedEvent],
    ) -> Result<(), PersistenceError> {
        let landed = self.append(aggregate_type, events).await?;
        let _ = COMMAND.try_with(|scope| {
            if let Ok(mut at) = scope.appended.lock() {
                *at = landed;
            }
        });
        Ok(())
    }

    /// The hash the first of `first`'s stream's new events chains to: the genesis for a new
    /// stream, else the hash of the event before it, as the command read it (or, failing that,
    /// as the log has it).
    async fn previous_hash(
        &self,
        aggregate_type: &str,
        first: &SerializedEvent,
    ) -> Result<Vec<u8>, PersistenceError> {
        let sequence = i64::try_from(first.sequence)
            .map_err(|e| PersistenceError::UnknownError(Box::new(e)))?;
        if sequence <= 1 {
            return Ok(chain::GENESIS.to_vec());
        }
        let read = COMMAND
            .try_with(|scope| scope.last.lock().ok().and_then(|last| last.clone()))
            .ok()
            .flatten();
        if let Some((last, hash)) = read {
            if last == sequence - 1 {
                return Ok(hash.unwrap_or_else(|| chain::GENESIS.to_vec()));
            }
        }
        let hash: Option<Option<Vec<u8>>> = sqlx::query_scalar(
            "select hash from events where aggregate_type = $1 and aggregate_id = $2 and sequence = $3",
        )
        .bind(aggregate_type)
        .bind(&first.aggregate_id)
        .bind(sequence - 1)
        .fetch_optional(&self.pool)
        .await
        .map_err(failure)?;
        Ok(hash.flatten().unwrap_or_else(|| chain::GENESIS.to_vec()))
    }

    async fn append(
        &self,
        aggregate_type: &str,
        events: &[SerializedEvent],
    ) -> Result<Option<Checkpoint>, PersistenceError> {
        if events.is_empty() {
            return Ok(None);
        }
        let mut previous = self.previous_hash(aggregate_type, &events[0]).await?;
        let mut hashes: Vec<Vec<u8>> = Vec::with_capacity(events.len());
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
        // each event chains to the one before it in its stream, over exactly the text stored.
        for (n, event) in events.iter().enumerate() {
            let hash = chain::link(
                &previous,
                chain::Link {
                    aggregate_type,
                    aggregate_id: &event.aggregate_id,
                    sequence: sequences[n],
                    event_type: &event.event_type,
                    event_version: &event.event_version,
                    payload: &payloads[n],
                    metadata: &metadata[n],
                },
            );
            previous = hash.to_vec();
            hashes.push(previous.clone());
        }
        // `with ordinality ... order by` keeps the events' positions in their sequence order.
        let landed: Vec<(i64, i64)> = sqlx::query_as(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, hash)
             select $1, id, seq, ty, ver, p::json, m::json, h
               from unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[])
                    with ordinality as e(id, seq, ty, ver, p, m, h, n)
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
        .bind(&hashes)
        .fetch_all(&self.pool)
        .await
        .map_err(failure)?;
        Ok(landed
            .into_iter()
            .map(|(transaction_id, position)| Checkpoint {
                transaction_id,
                position,
            })
            .max())
    }
}
