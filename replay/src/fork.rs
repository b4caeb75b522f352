//! Copies of the log up to a point, for a database forked there: every event the log reader
//! had read when it reached that point, with its position, time and metadata; nothing after.

use sqlx::PgPool;

use store::append::copy as insert;
use store::Checkpoint;

use crate::batches::{count, restart_positions, Batches};
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
/// and including the last one at or before `position`, in the order the log reader reads them;
/// refused if `position` falls inside a transaction. The copy is one transaction: all of it or
/// nothing. Returns how many events were copied.
pub async fn copy_log(
    source: &PgPool,
    target: &PgPool,
    position: i64,
    progress: impl Fn(CopyProgress),
) -> Result<u64, ReplayError> {
    // the reader's order is (transaction, position): an event with a lower position whose
    // transaction committed after the point's was not part of the log there.
    // the point is the last event at or before `position` (positions have gaps), and must end
    // a transaction.
    store::log::check_cut(source, position).await??;
    let point: Option<(i64, i64)> = sqlx::query_as(
        "select transaction_id::text::bigint, position from events
          where position <= $1 order by position desc limit 1",
    )
    .bind(position)
    .fetch_optional(source)
    .await?;
    let Some((transaction_id, position)) = point else {
        return Ok(0);
    };
    let point = Some(Checkpoint {
        transaction_id,
        position,
    });
    let total = count(source, point).await?;
    let mut tx = target.begin().await?;
    let mut copied = 0u64;
    let mut batches = Batches::new(BATCH, point);
    loop {
        let rows = batches.next(source).await?;
        if rows.is_empty() {
            break;
        }
        insert(&mut tx, &rows).await?;
        copied += rows.len() as u64;
        progress(CopyProgress { copied, total });
    }
    // new events in the fork come after the copied ones.
    restart_positions(&mut tx).await?;
    tx.commit().await?;
    Ok(copied)
}
