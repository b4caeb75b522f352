//! The whole log (or the log up to a point) read in the reader's order, `(transaction,
//! position)`, a batch at a time: what exports, verifications and forks walk through. Memory
//! stays flat whatever the size of the log.

use sqlx::{PgConnection, PgPool};

use store::log::EVENT_COLUMNS;
use store::{Checkpoint, StoredEvent};

/// The events of the log in the reader's order, up to and including `up_to` (all of them
/// without it), read `size` at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batches {
    after: Checkpoint,
    up_to: Option<Checkpoint>,
    size: i64,
}

impl Batches {
    pub(crate) fn new(size: i64, up_to: Option<Checkpoint>) -> Self {
        Self {
            // xid 0 is below every transaction's (and the index is used).
            after: Checkpoint {
                transaction_id: 0,
                position: i64::MIN,
            },
            up_to,
            size,
        }
    }

    /// The next batch; empty once the walk is over.
    pub(crate) async fn next(&mut self, pool: &PgPool) -> Result<Vec<StoredEvent>, sqlx::Error> {
        let bound = match self.up_to {
            Some(_) => "and (transaction_id, position) <= ($3::bigint::text::xid8, $4)",
            None => "",
        };
        let sql = format!(
            "select {EVENT_COLUMNS} from events
              where (transaction_id, position) > ($1::bigint::text::xid8, $2) {bound}
              order by events.transaction_id, events.position limit {}",
            self.size
        );
        let mut query = sqlx::query_as(&sql)
            .bind(self.after.transaction_id)
            .bind(self.after.position);
        if let Some(up_to) = self.up_to {
            query = query.bind(up_to.transaction_id).bind(up_to.position);
        }
        let rows: Vec<StoredEvent> = query.fetch_all(pool).await?;
        if let Some(last) = rows.last() {
            self.after = last.checkpoint();
        }
        Ok(rows)
    }
}

/// How many events the log holds, up to and including `up_to` (all of them without it).
pub(crate) async fn count(pool: &PgPool, up_to: Option<Checkpoint>) -> Result<u64, sqlx::Error> {
    let total: i64 = match up_to {
        Some(up_to) => {
            sqlx::query_scalar(
                "select count(*) from events
                  where (transaction_id, position) <= ($1::bigint::text::xid8, $2)",
            )
            .bind(up_to.transaction_id)
            .bind(up_to.position)
            .fetch_one(pool)
            .await?
        }
        None => {
            sqlx::query_scalar("select count(*) from events")
                .fetch_one(pool)
                .await?
        }
    };
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Moves the position sequence past the events a copy wrote: new events come after them.
pub(crate) async fn restart_positions(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "select setval(pg_get_serial_sequence('events', 'position'),
                       (select coalesce(max(position), 0) + 1 from events), false)",
    )
    .execute(tx)
    .await?;
    Ok(())
}
