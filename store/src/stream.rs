//! Reading one stream (an aggregate's events) as a command loads it, and several streams'
//! tails at once.

use serde::de::DeserializeOwned;
use sqlx::PgExecutor;

use crate::StoreError;

/// An event of a stream as a command reads it, payload and metadata as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreamEvent {
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: String,
    pub metadata: String,
    pub hash: Option<Vec<u8>>,
}

impl StreamEvent {
    /// The payload as the event type it is, in today's shape (through the upcasters when it was
    /// stored in an older one).
    pub fn decode<E: DeserializeOwned>(
        &self,
        aggregate_type: &'static str,
        aggregate_id: &str,
    ) -> Result<E, StoreError> {
        domain::upcast::decode(&self.event_type, &self.event_version, &self.payload).map_err(
            |source| StoreError::Decode {
                aggregate_type,
                aggregate_id: aggregate_id.to_owned(),
                sequence: self.sequence,
                source,
            },
        )
    }
}

/// The events of a stream after sequence `after`, in order.
pub async fn read(
    db: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: &str,
    after: usize,
) -> Result<Vec<StreamEvent>, sqlx::Error> {
    sqlx::query_as(
        "select sequence, event_type, event_version, payload::text as payload,
                metadata::text as metadata, hash
           from events where aggregate_type = $1 and aggregate_id = $2 and sequence > $3
          order by sequence",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await
}

/// The events of a stream as they stood before the current transaction wrote any: what a check
/// run in an append's transaction reads to know the record before the change.
pub async fn read_before_this_transaction(
    db: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<StreamEvent>, sqlx::Error> {
    sqlx::query_as(
        "select sequence, event_type, event_version, payload::text as payload,
                metadata::text as metadata, hash
           from events where aggregate_type = $1 and aggregate_id = $2
            and transaction_id <> pg_current_xact_id()
          order by sequence",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_all(db)
    .await
}

/// An event of one of the streams of a type, with its stream's id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypedEvent {
    pub aggregate_id: String,
    #[sqlx(flatten)]
    pub event: StreamEvent,
}

/// Every event of every stream of `aggregate_type`, stream by stream, each in order: for a rule
/// over all the records of a kind that are few (users).
pub async fn read_type(
    db: impl PgExecutor<'_>,
    aggregate_type: &str,
) -> Result<Vec<TypedEvent>, sqlx::Error> {
    sqlx::query_as(
        "select aggregate_id, sequence, event_type, event_version, payload::text as payload,
                metadata::text as metadata, hash
           from events where aggregate_type = $1
          order by aggregate_id, sequence",
    )
    .bind(aggregate_type)
    .fetch_all(db)
    .await
}

/// An event of one of several streams read together: `n` numbers the stream from 1.
#[derive(sqlx::FromRow)]
struct TailEvent {
    n: i64,
    #[sqlx(flatten)]
    event: StreamEvent,
}

/// The tails of several streams, each after its own sequence, in one query: for each stream (by
/// its index in `streams`) its events in order.
pub async fn read_tails(
    db: impl PgExecutor<'_>,
    streams: &[(&str, &str, usize)],
) -> Result<Vec<Vec<StreamEvent>>, sqlx::Error> {
    let types: Vec<&str> = streams.iter().map(|s| s.0).collect();
    let ids: Vec<&str> = streams.iter().map(|s| s.1).collect();
    let sequences: Vec<i64> = streams
        .iter()
        .map(|s| i64::try_from(s.2).unwrap_or(i64::MAX))
        .collect();
    let rows: Vec<TailEvent> = sqlx::query_as(
        "select w.n, e.sequence, e.event_type, e.event_version, e.payload::text as payload,
                e.metadata::text as metadata, e.hash
           from unnest($1::text[], $2::text[], $3::bigint[]) with ordinality as w(t, id, seq, n)
           join events e on e.aggregate_type = w.t and e.aggregate_id = w.id and e.sequence > w.seq
          order by w.n, e.sequence",
    )
    .bind(&types)
    .bind(&ids)
    .bind(&sequences)
    .fetch_all(db)
    .await?;
    let mut tails: Vec<Vec<StreamEvent>> = vec![Vec::new(); streams.len()];
    for row in rows {
        if let Some(tail) = usize::try_from(row.n - 1)
            .ok()
            .and_then(|n| tails.get_mut(n))
        {
            tail.push(row.event);
        }
    }
    Ok(tails)
}
