//! Snapshots: an aggregate as of a sequence of its stream, so loading it reads only the events
//! after. A snapshot is a cache: when it is missing or unreadable, the stream has everything.

use serde::de::DeserializeOwned;
use sqlx::types::Json;
use sqlx::PgExecutor;

/// Aggregate `aggregate_id`'s latest snapshot and the sequence it was taken at, if it has a
/// readable one.
pub async fn read<A: DeserializeOwned>(
    db: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<(usize, A)>, sqlx::Error> {
    let row: Option<(i64, Json<serde_json::Value>)> = sqlx::query_as(
        "select sequence, state from aggregate_snapshot
          where aggregate_type = $1 and aggregate_id = $2",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_optional(db)
    .await?;
    let Some((sequence, state)) = row else {
        return Ok(None);
    };
    let Ok(sequence) = usize::try_from(sequence) else {
        return Ok(None);
    };
    match serde_json::from_value(state.0) {
        Ok(aggregate) => Ok(Some((sequence, aggregate))),
        Err(error) => {
            // a snapshot of an older shape of the aggregate: the log still has everything.
            tracing::warn!(%error, aggregate = aggregate_type, id = aggregate_id, "unreadable snapshot; replaying the whole stream");
            Ok(None)
        }
    }
}

/// Writes the snapshot of an aggregate at `sequence` (its state as JSON), unless a later one is
/// stored already.
pub async fn write(
    db: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: usize,
    state: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into aggregate_snapshot (aggregate_type, aggregate_id, sequence, state)
         values ($1, $2, $3, $4)
         on conflict (aggregate_type, aggregate_id) do update
            set sequence = excluded.sequence, state = excluded.state, taken_at = now()
          where aggregate_snapshot.sequence < excluded.sequence",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(i64::try_from(sequence).unwrap_or(i64::MAX))
    .bind(Json(state))
    .execute(db)
    .await?;
    Ok(())
}

/// Whether an operation that takes a stream from `before` to `after` events crosses a snapshot
/// boundary of every `every` events (0: never snapshot).
pub fn due(before: usize, after: usize, every: usize) -> bool {
    every > 0 && after > before && after / every > before / every
}
