//! Copies of the log up to a point, for a database forked there: every event the log reader
//! had read when it reached that point, with its position, time and metadata; nothing after.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::configuration::ReplayError;

/// Events copied per statement.
const BATCH: i64 = 5_000;

/// How far a copy has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyProgress {
    pub copied: u64,
    pub total: u64,
}

/// One event as stored, with what its copy must keep: position, time and hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RawEvent {
    pub transaction: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: String,
    pub metadata: String,
    pub position: i64,
    pub recorded_at: DateTime<Utc>,
    pub hash: Option<Vec<u8>>,
}

/// The columns of [`RawEvent`].
pub(crate) const RAW_COLUMNS: &str =
    "transaction_id::text::bigint as transaction, aggregate_type, \
    aggregate_id, sequence, event_type, event_version, payload::text as payload, \
    metadata::text as metadata, position, recorded_at, hash";

/// Copies into `target` (a migrated database with an empty log) every event of `source` up to
/// and including the last one at or before `position`, in the order the log reader reads them. The copy is
/// one transaction: all of it or nothing. Returns how many events were copied.
pub async fn copy_log(
    source: &PgPool,
    target: &PgPool,
    position: i64,
    progress: impl Fn(CopyProgress),
) -> Result<u64, ReplayError> {
    // the reader's order is (transaction, position): an event with a lower position whose
    // transaction committed after the point's was not part of the log there.
    // the point is the last event at or before `position` (positions have gaps).
    let point: Option<(i64, i64)> = sqlx::query_as(
        "select transaction_id::text::bigint, position from events
          where position <= $1 order by position desc limit 1",
    )
    .bind(position)
    .fetch_optional(source)
    .await?;
    let Some((point_transaction, position)) = point else {
        return Ok(0);
    };
    let included = "(transaction_id, position) <= ($1::bigint::text::xid8, $2)";
    let total: i64 = sqlx::query_scalar(&format!("select count(*) from events where {included}"))
        .bind(point_transaction)
        .bind(position)
        .fetch_one(source)
        .await?;
    let total = u64::try_from(total).unwrap_or(0);
    let mut tx = target.begin().await?;
    let mut copied = 0u64;
    // xid 0 is below every transaction's (and the index is used).
    let mut after = (0i64, i64::MIN);
    loop {
        let rows: Vec<RawEvent> = sqlx::query_as(&format!(
            "select {RAW_COLUMNS}
               from events
              where {included} and (transaction_id, position) > ($3::bigint::text::xid8, $4)
              order by events.transaction_id, events.position
              limit {BATCH}"
        ))
        .bind(point_transaction)
        .bind(position)
        .bind(after.0)
        .bind(after.1)
        .fetch_all(source)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = (last.transaction, last.position);
        insert(&mut tx, &rows).await?;
        copied += rows.len() as u64;
        progress(CopyProgress { copied, total });
    }
    // new events in the fork come after the copied ones.
    sqlx::query(
        "select setval(pg_get_serial_sequence('events', 'position'),
                       (select coalesce(max(position), 0) + 1 from events), false)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(copied)
}

/// Appends `rows` as they are (positions, times and hashes kept), in one statement.
pub(crate) async fn insert(tx: &mut PgConnection, rows: &[RawEvent]) -> Result<(), sqlx::Error> {
    let texts = |f: fn(&RawEvent) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata, position, recorded_at, hash)
         overriding system value
         select a, i, s, t, v, p::json, m::json, pos, at, h
           from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::bigint[], $9::timestamptz[], $10::bytea[])
             as u(a, i, s, t, v, p, m, pos, at, h)
          order by pos",
    )
    .bind(texts(|r| &r.aggregate_type))
    .bind(texts(|r| &r.aggregate_id))
    .bind(rows.iter().map(|r| r.sequence).collect::<Vec<_>>())
    .bind(texts(|r| &r.event_type))
    .bind(texts(|r| &r.event_version))
    .bind(texts(|r| &r.payload))
    .bind(texts(|r| &r.metadata))
    .bind(rows.iter().map(|r| r.position).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.recorded_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
}
