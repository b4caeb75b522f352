//! The history of one record: its events, oldest first. Read from the log itself, which is
//! complete and written in the same transaction as the change.

use sqlx::PgPool;

use crate::log::{StoredEvent, EVENT_COLUMNS};

/// Up to `limit` events of one aggregate with a sequence above `after_sequence`, oldest first.
pub async fn events_of(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    after_sequence: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {EVENT_COLUMNS} from events
          where aggregate_type = $1 and aggregate_id = $2 and sequence > $3
          order by sequence
          limit $4"
    ))
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(after_sequence)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many events one aggregate has.
pub async fn count_of(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from events where aggregate_type = $1 and aggregate_id = $2",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_one(pool)
    .await
}
