//! Copies of the log up to a point, for a database forked there: every event the log reader
//! had read when it reached that point, with its position, time and metadata; nothing after.

use sqlx::PgPool;

use store::append::copy as insert;
use store::log::EVENT_COLUMNS;
use store::StoredEvent;

use crate::configuration::ReplayError;

/// Events copied per statement.
const BATCH: i64 = 5_000;

/// How far a copy has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyProgress {
    pub copied: u64,
    pub total: u64,
}

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
        let rows: Vec<StoredEvent> = sqlx::query_as(&format!(
            "select {EVENT_COLUMNS}
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
        after = (last.transaction_id, last.position);
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
