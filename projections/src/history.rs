//! The history of one record: its events, oldest first. Read from the log itself, which is
//! complete and written in the same transaction as the change.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

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

/// Which events of the log an auditor asks for; every field given must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    /// The acting user's login.
    pub user: Option<String>,
    pub correlation_id: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &LogFilter) {
    query.push(" where true");
    if let Some(v) = &filter.aggregate_type {
        query.push(" and aggregate_type = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.aggregate_id {
        query.push(" and aggregate_id = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.event_type {
        query.push(" and event_type = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.user {
        query.push(" and metadata->>'user' = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.correlation_id {
        query
            .push(" and metadata->>'correlation_id' = ")
            .push_bind(v.clone());
    }
    if let Some(v) = filter.from {
        query.push(" and recorded_at >= ").push_bind(v);
    }
    if let Some(v) = filter.to {
        query.push(" and recorded_at < ").push_bind(v);
    }
}

/// Up to `limit` events of the log that `filter` selects, after position `after`, in position
/// order.
pub async fn log_page(
    pool: &PgPool,
    filter: &LogFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let mut query = QueryBuilder::new(format!("select {EVENT_COLUMNS} from events"));
    push_filter(&mut query, filter);
    query
        .push(" and position > ")
        .push_bind(after)
        .push(" order by position limit ")
        .push_bind(limit);
    query.build_query_as().fetch_all(pool).await
}

/// How many events of the log `filter` selects.
pub async fn log_count(pool: &PgPool, filter: &LogFilter) -> Result<i64, sqlx::Error> {
    let mut query = QueryBuilder::new("select count(*) from events");
    push_filter(&mut query, filter);
    query.build_query_scalar().fetch_one(pool).await
}
