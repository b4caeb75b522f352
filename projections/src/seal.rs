//! The `log_seal` read model: a running hash over every event's hash in the reader's order, with
//! a seal kept every [`SEAL_EVERY`] events, so that removing an event no later event chains to
//! is found too.

use sqlx::{PgConnection, PgExecutor};

use crate::chain::{seal, GENESIS};
use crate::log::StoredEvent;
use crate::runner::{projection, ProjectionError};

/// Events between two seals.
pub const SEAL_EVERY: i64 = 1000;

/// A seal: the running hash after `events` events, the last at `position`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Seal {
    pub position: i64,
    pub transaction_id: i64,
    pub events: i64,
    pub hash: Vec<u8>,
}

projection!(
    /// Keeps `log_seal` and `log_seal_head` in step with the log.
    SealProjection: "log_seal", &["log_seal", "log_seal_head"], apply
);

async fn apply(tx: &mut PgConnection, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    let head = head(&mut *tx).await?;
    let (mut running, mut count) = match head {
        Some(head) => (head.hash, head.events),
        None => (GENESIS.to_vec(), 0),
    };
    for event in events {
        running = seal(&running, event.position, event.hash.as_deref()).to_vec();
        count += 1;
        if count % SEAL_EVERY == 0 {
            sqlx::query(
                "insert into log_seal (position, transaction_id, events, hash, sealed_at)
                 values ($1, $2, $3, $4, $5) on conflict (position) do nothing",
            )
            .bind(event.position)
            .bind(event.transaction_id)
            .bind(count)
            .bind(&running)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "insert into log_seal_head (position, transaction_id, events, hash)
         values ($1, $2, $3, $4)
         on conflict (singleton) do update
            set position = excluded.position, transaction_id = excluded.transaction_id,
                events = excluded.events, hash = excluded.hash",
    )
    .bind(last.position)
    .bind(last.transaction_id)
    .bind(count)
    .bind(&running)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The running hash after the last batch applied.
pub async fn head<'e>(db: impl PgExecutor<'e>) -> Result<Option<Seal>, sqlx::Error> {
    sqlx::query_as("select position, transaction_id, events, hash from log_seal_head")
        .fetch_optional(db)
        .await
}

/// Every seal, in log order.
pub async fn seals<'e>(db: impl PgExecutor<'e>) -> Result<Vec<Seal>, sqlx::Error> {
    sqlx::query_as(
        "select position, transaction_id, events, hash from log_seal order by transaction_id, position",
    )
    .fetch_all(db)
    .await
}
