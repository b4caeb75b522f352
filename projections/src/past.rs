//! Records as they stood at a point of the log (`asOf`): one record's events up to there,
//! applied by its read model's own code to empty copies of the read model's tables, read back by
//! the read model's own queries, in a transaction that is rolled back. What the read model showed
//! then is what it shows now for the same events, so there is no second, hand-written fold to
//! drift from it.
//!
//! The copies are temporary tables of the same names, found first because the transaction puts
//! `pg_temp` at the head of its `search_path` (which also makes PostgreSQL plan the read model's
//! statements afresh against them). Nothing is written outside the transaction, and the live
//! tables are never locked.

use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::history::stream_as_of;
use crate::log::{AsOf, StoredEvent};
use crate::runner::{payload, ProjectionError};

/// The record `id` of `aggregate_type` as `read` finds it in a read model (whose tables
/// `tables` its events write) after only that record's events up to `as_of`, applied by
/// `apply` (the read model's own, or [`one_by_one`] with it).
pub(crate) async fn replayed<T>(
    pool: &PgPool,
    tables: &[&str],
    (aggregate_type, id): (&str, Uuid),
    as_of: AsOf,
    apply: impl AsyncFnOnce(&mut PgConnection, &[StoredEvent]) -> Result<(), ProjectionError>,
    read: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    let events = stream_as_of(pool, aggregate_type, &id.to_string(), as_of).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("set local search_path = pg_temp, public")
        .execute(&mut *tx)
        .await?;
    for table in tables {
        sqlx::query(&format!(
            "create temporary table {table} (like public.{table} including all) on commit drop"
        ))
        .execute(&mut *tx)
        .await?;
    }
    apply(&mut tx, &events).await.map_err(|e| match e {
        ProjectionError::Database(e) => e,
        other => sqlx::Error::Decode(other.to_string().into()),
    })?;
    let found = read(&mut tx).await?;
    tx.rollback().await?;
    Ok(found)
}

/// Applies the events of record `id` one by one with a read model's `apply` of one event.
pub(crate) async fn one_by_one<E: DeserializeOwned>(
    tx: &mut PgConnection,
    id: Uuid,
    events: &[StoredEvent],
    apply: impl AsyncFn(&mut PgConnection, Uuid, E, &StoredEvent) -> Result<(), ProjectionError>,
) -> Result<(), ProjectionError> {
    for event in events {
        apply(&mut *tx, id, payload(event)?, event).await?;
    }
    Ok(())
}
