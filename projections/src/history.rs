//! The history of one record: its events, oldest first. Read from the log itself, which is
//! complete and written in the same transaction as the change.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::log::{AsOf, StoredEvent, EVENT_COLUMNS};
use crate::page::push_some;
use crate::reports::ReportBinds;

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

/// The events of one aggregate recorded by `as_of`, oldest first, each with its payload read as
/// `T`: what a read model folds to show the record as it stood then.
pub(crate) async fn events_as_of<T: DeserializeOwned>(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    as_of: AsOf,
) -> Result<Vec<(StoredEvent, T)>, sqlx::Error> {
    let events: Vec<StoredEvent> = sqlx::query_as(&format!(
        "select {EVENT_COLUMNS} from events
          where aggregate_type = $1 and aggregate_id = $2
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
          order by sequence"
    ))
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind_as_of(Some(as_of))
    .fetch_all(pool)
    .await?;
    events
        .into_iter()
        .map(|event| {
            let payload = event.payload_as().map_err(|e| {
                let reason = format!(
                    "event {} is not a {aggregate_type} event: {e}",
                    event.position
                );
                sqlx::Error::Decode(reason.into())
            })?;
            Ok((event, payload))
        })
        .collect()
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
    let text = |value: &Option<String>| value.clone();
    push_some(query, "aggregate_type =", text(&filter.aggregate_type));
    push_some(query, "aggregate_id =", text(&filter.aggregate_id));
    push_some(query, "event_type =", text(&filter.event_type));
    push_some(query, "metadata->>'user' =", text(&filter.user));
    push_some(
        query,
        "metadata->>'correlation_id' =",
        text(&filter.correlation_id),
    );
    push_some(query, "recorded_at >=", filter.from);
    push_some(query, "recorded_at <", filter.to);
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
