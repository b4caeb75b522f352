//! Projections replayed from position 0 into tables of their own (a "shadow" schema), then
//! either compared with the live read models (`verify`) or swapped in for them (`rebuild`), while
//! the server keeps answering from the live ones.
//!
//! A projection's SQL names its tables unqualified, so running it with
//! `search_path = <shadow>, public` writes the shadow tables and reads the log from `public`.

use projections::log::read_batch;
use projections::{Checkpoint, Projection, StoredEvent};
use sqlx::{Connection, PgConnection, PgExecutor, PgPool};

use crate::batches::count;
use crate::configuration::ReplayError;

/// Events applied per transaction.
const BATCH: i64 = 5_000;

/// Tables of `projection` rebuilt in schema `schema`, and how far they have got.
#[derive(Debug)]
pub struct Shadow<'p, P: Projection> {
    projection: &'p P,
    schema: String,
    pub at: Checkpoint,
    pub applied: u64,
    /// The session holding the projection's rebuild lock; closing it (dropping the shadow)
    /// releases the lock.
    lock: PgConnection,
}

/// How far a rebuild has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub applied: u64,
    pub total: u64,
}

/// One table whose live rows differ from the replayed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub table: String,
    /// Rows the live table has that the replay does not.
    pub only_live: i64,
    /// Rows the replay has that the live table does not.
    pub only_replayed: i64,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl<'p, P: Projection> Shadow<'p, P> {
    /// Empty copies of the projection's tables (indexes, constraints and the foreign keys
    /// between them included) in a schema named after the projection. One rebuild or verify of
    /// a projection at a time: another one running is refused, and what a killed one left
    /// behind is removed first.
    pub async fn create(pool: &PgPool, projection: &'p P) -> Result<Self, ReplayError> {
        let schema = format!("rebuild_{}", projection.name());
        let mut lock = pool.acquire().await?.detach();
        let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock(hashtext($1))")
            .bind(format!("erp-rebuild:{}", projection.name()))
            .fetch_one(&mut lock)
            .await?;
        if !locked {
            return Err(ReplayError::Busy(projection.name().to_owned()));
        }
        let mut tx = lock.begin().await?;
        sqlx::query(&format!("drop schema if exists {} cascade", quote(&schema)))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("create schema {}", quote(&schema)))
            .execute(&mut *tx)
            .await?;
        for table in projection.tables() {
            sqlx::query(&format!(
                "create table {}.{} (like public.{} including all)",
                quote(&schema),
                quote(table),
                quote(table)
            ))
            .execute(&mut *tx)
            .await?;
        }
        copy_foreign_keys(&mut tx, projection.tables(), &schema).await?;
        tx.commit().await?;
        Ok(Self {
            projection,
            schema,
            at: Checkpoint::default(),
            applied: 0,
            lock,
        })
    }

    /// Applies the log after `self.at` to the shadow tables, up to `until` (everything that is
    /// safe to read when `None`).
    pub async fn advance(
        &mut self,
        pool: &PgPool,
        until: Option<Checkpoint>,
        progress: &impl Fn(RebuildProgress),
    ) -> Result<(), ReplayError> {
        let total = count(pool, None).await?;
        let mut conn = pool.acquire().await?;
        loop {
            let applied = self.step(&mut conn, until).await?;
            if applied == 0 {
                return Ok(());
            }
            progress(RebuildProgress {
                applied: self.applied,
                total,
            });
        }
    }

    /// One batch: returns how many events it applied.
    async fn step(
        &mut self,
        conn: &mut PgConnection,
        until: Option<Checkpoint>,
    ) -> Result<usize, ReplayError> {
        if until.is_some_and(|until| self.at >= until) {
            return Ok(0);
        }
        let mut events = read_batch(&mut *conn, self.at, BATCH).await?.events;
        if let Some(until) = until {
            events.retain(|e| e.checkpoint() <= until);
        }
        let Some(last) = events.last().map(|e| e.checkpoint()) else {
            return Ok(0);
        };
        let mut tx = conn.begin().await?;
        self.apply(&mut tx, &events).await?;
        tx.commit().await?;
        self.at = last;
        self.applied += events.len() as u64;
        Ok(events.len())
    }

    /// Applies `events` to the shadow tables, in `tx`, which then writes them until its end
    /// (or until its `search_path` is set again).
    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ReplayError> {
        sqlx::query(&format!(
            "set local search_path to {}, public",
            quote(&self.schema)
        ))
        .execute(&mut *tx)
        .await?;
        self.projection
            .apply(tx, events)
            .await
            .map_err(|e| ReplayError::Projection(e.to_string()))
    }

    /// Compares the shadow tables with the live ones, in one snapshot, once both stand at the
    /// same checkpoint (the shadow catches up with the live projection as needed). A read model
    /// also written along with the appends ([`projections::RIDING`]) runs ahead of its
    /// checkpoint: its shadow is brought to the last event of the snapshot instead.
    pub async fn compare(&mut self, pool: &PgPool) -> Result<Vec<Difference>, ReplayError> {
        let rides = projections::RIDING.contains(&self.projection.name());
        for _ in 0..200 {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            sqlx::query("set transaction isolation level repeatable read")
                .execute(&mut *tx)
                .await?;
            let live = live_checkpoint(&mut *tx, self.projection.name()).await?;
            if rides {
                // its rows run ahead of its checkpoint, up to the last event: the shadow is
                // brought there in this very snapshot, once every transaction before that
                // event has ended (so that the snapshot holds every event up to it).
                let last: Option<(i64, i64, bool)> = sqlx::query_as(
                    "select transaction_id::text::bigint, position,
                            pg_snapshot_xmin(pg_current_snapshot()) > transaction_id
                       from events order by transaction_id desc, position desc limit 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                let Some((transaction_id, position, settled)) = last else {
                    tx.rollback().await?;
                    return Ok(vec![]);
                };
                let last = Checkpoint {
                    transaction_id,
                    position,
                };
                if !settled || last < self.at.max(live) {
                    tx.rollback().await?;
                    drop(conn);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
                let until = projections::log::Horizon {
                    transaction_id: transaction_id + 1,
                    held_back: false,
                };
                loop {
                    let events =
                        projections::log::events_below(&mut tx, self.at, &until, BATCH).await?;
                    let Some(end) = events.last().map(StoredEvent::checkpoint) else {
                        break;
                    };
                    self.apply(&mut tx, &events).await?;
                    self.at = end;
                    self.applied += events.len() as u64;
                }
                let differences = self.differences(&mut tx).await?;
                tx.commit().await?;
                return Ok(differences);
            }
            if live != self.at {
                tx.rollback().await?;
                drop(conn);
                if live < self.at {
                    // the live projection is behind its replay: let it get there.
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                } else {
                    self.advance(pool, Some(live), &|_| {}).await?;
                }
                continue;
            }
            let differences = self.differences(&mut tx).await?;
            tx.commit().await?;
            return Ok(differences);
        }
        Err(ReplayError::Projection(format!(
            "the live {} projection did not hold still long enough to compare",
            self.projection.name()
        )))
    }

    /// The rows only the live tables hold, and only the shadow ones, table by table, in `tx`'s
    /// snapshot.
    async fn differences(&self, tx: &mut PgConnection) -> Result<Vec<Difference>, ReplayError> {
        let mut differences = Vec::new();
        for table in self.projection.tables() {
            let (live_t, shadow_t) = (
                format!("public.{}", quote(table)),
                format!("{}.{}", quote(&self.schema), quote(table)),
            );
            let count = |a: &str, b: &str| {
                format!("select count(*) from (select * from {a} except all select * from {b}) d")
            };
            let only_live: i64 = sqlx::query_scalar(&count(&live_t, &shadow_t))
                .fetch_one(&mut *tx)
                .await?;
            let only_replayed: i64 = sqlx::query_scalar(&count(&shadow_t, &live_t))
                .fetch_one(&mut *tx)
                .await?;
            if only_live > 0 || only_replayed > 0 {
                differences.push(Difference {
                    table: (*table).to_owned(),
                    only_live,
                    only_replayed,
                });
            }
        }
        Ok(differences)
    }

    /// Swaps the shadow tables in for the live ones, in one transaction: the live tables are
    /// locked, the shadow takes the events that arrived meanwhile, the tables change places and
    /// the projection's checkpoint moves to the shadow's. A live runner that was applying a
    /// batch finds its checkpoint moved and starts again from the new one.
    pub async fn swap(&mut self, pool: &PgPool) -> Result<Checkpoint, ReplayError> {
        let mut conn = pool.acquire().await?;
        let mut tx = conn.begin().await?;
        for table in self.projection.tables() {
            sqlx::query(&format!(
                "lock table public.{} in access exclusive mode",
                quote(table)
            ))
            .execute(&mut *tx)
            .await?;
        }
        // what arrived while the shadow was being built, under the lock.
        loop {
            let events = read_batch(&mut tx, self.at, BATCH).await?.events;
            let Some(last) = events.last().map(|e| e.checkpoint()) else {
                break;
            };
            self.apply(&mut tx, &events).await?;
            sqlx::query("set local search_path to public")
                .execute(&mut *tx)
                .await?;
            self.at = last;
        }
        // in one statement: the foreign keys between them go with them.
        let live: Vec<String> = self
            .projection
            .tables()
            .iter()
            .map(|t| format!("public.{}", quote(t)))
            .collect();
        if !live.is_empty() {
            sqlx::query(&format!("drop table {}", live.join(", ")))
                .execute(&mut *tx)
                .await?;
        }
        for table in self.projection.tables() {
            sqlx::query(&format!(
                "alter table {}.{} set schema public",
                quote(&self.schema),
                quote(table)
            ))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "insert into projection_checkpoints (projection, transaction_id, position)
             values ($1, $2, $3)
             on conflict (projection) do update
                set transaction_id = excluded.transaction_id, position = excluded.position,
                    updated_at = now()",
        )
        .bind(self.projection.name())
        .bind(self.at.transaction_id)
        .bind(self.at.position)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!("drop schema {} cascade", quote(&self.schema)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(self.at)
    }

    /// Removes the shadow tables.
    pub async fn discard(self, pool: &PgPool) -> Result<(), ReplayError> {
        let dropped = sqlx::query(&format!(
            "drop schema if exists {} cascade",
            quote(&self.schema)
        ))
        .execute(pool)
        .await;
        self.release().await;
        dropped?;
        Ok(())
    }

    /// Lets the next rebuild or verify of the read model in, now: the lock goes with its
    /// session, which is ended here rather than whenever the server notices it is gone.
    async fn release(self) {
        let mut lock = self.lock;
        let _ = sqlx::query("select pg_advisory_unlock_all()")
            .execute(&mut lock)
            .await;
        let _ = lock.close().await;
    }
}

/// Where the live projection `name` stands (the start of the log before its first batch).
async fn live_checkpoint<'e>(
    db: impl PgExecutor<'e>,
    name: &str,
) -> Result<Checkpoint, sqlx::Error> {
    let live: Option<(i64, i64)> = sqlx::query_as(
        "select transaction_id, position from projection_checkpoints where projection = $1",
    )
    .bind(name)
    .fetch_optional(db)
    .await?;
    Ok(live
        .map(|(transaction_id, position)| Checkpoint {
            transaction_id,
            position,
        })
        .unwrap_or_default())
}

/// Replays `projection` from position 0 next to its live tables and lists where they differ
/// (nothing: the read model is exactly what the log says).
pub async fn replay_and_compare<P: Projection>(
    pool: &PgPool,
    projection: &P,
    progress: &impl Fn(RebuildProgress),
) -> Result<Vec<Difference>, ReplayError> {
    let mut shadow = Shadow::create(pool, projection).await?;
    let compared = async {
        let live = live_checkpoint(pool, projection.name()).await?;
        shadow.advance(pool, Some(live), progress).await?;
        shadow.compare(pool).await
    }
    .await;
    shadow.discard(pool).await?;
    compared
}

/// Rebuilds `projection` from position 0 into new tables, catches up with what arrived
/// meanwhile, and swaps them in. Returns the checkpoint the rebuilt tables stand at. On failure
/// the live tables are as they were and the new ones are gone.
pub async fn rebuild<P: Projection>(
    pool: &PgPool,
    projection: &P,
    progress: &impl Fn(RebuildProgress),
) -> Result<Checkpoint, ReplayError> {
    let mut shadow = Shadow::create(pool, projection).await?;
    if let Err(e) = shadow.advance(pool, None, progress).await {
        let _ = shadow.discard(pool).await;
        return Err(e);
    }
    // on failure the swap's transaction rolled back: the shadow goes, the lock held until then.
    let swapped = shadow.swap(pool).await;
    if swapped.is_err() {
        // the failure is what the caller hears of; a shadow left behind is removed by the next
        // rebuild of the read model.
        let _ = shadow.discard(pool).await;
    } else {
        shadow.release().await;
    }
    swapped
}

/// Recreates in `schema` the foreign keys between `tables` (`create table (like ...)` copies
/// none): each as `public` has it, pointing at the same table in `schema`.
async fn copy_foreign_keys(
    tx: &mut PgConnection,
    tables: &[&str],
    schema: &str,
) -> Result<(), ReplayError> {
    // with only pg_catalog on the path, every table is named with its schema.
    sqlx::query("set local search_path to pg_catalog")
        .execute(&mut *tx)
        .await?;
    let keys: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "select c.conname::text, t.relname::text, r.relname::text, quote_ident(r.relname),
                pg_get_constraintdef(c.oid)
           from pg_constraint c
           join pg_class t on t.oid = c.conrelid
           join pg_class r on r.oid = c.confrelid
           join pg_namespace n on n.oid = t.relnamespace
          where c.contype = 'f' and n.nspname = 'public'
            and t.relname = any($1) and r.relname = any($1)",
    )
    .bind(tables)
    .fetch_all(&mut *tx)
    .await?;
    for (name, table, referenced, written, definition) in keys {
        // as PostgreSQL writes the table's name: bare, or quoted when it must be.
        let live = format!("REFERENCES public.{written}(");
        let Some(at) = definition.find(&live) else {
            return Err(ReplayError::Projection(format!(
                "cannot copy foreign key {name} of {table}: {definition}"
            )));
        };
        let definition = format!(
            "{}REFERENCES {}.{}({}",
            &definition[..at],
            quote(schema),
            quote(&referenced),
            &definition[at + live.len()..]
        );
        sqlx::query(&format!(
            "alter table {}.{} add constraint {} {definition}",
            quote(schema),
            quote(&table),
            quote(&name)
        ))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("set local search_path to public")
        .execute(&mut *tx)
        .await?;
    Ok(())
}
