//! The projection runner: feeds each projection the log in order, exactly once.
//!
//! Every batch runs in one transaction that takes the projection's lock, reads its checkpoint, reads the
//! events after it, applies them to the read model and moves the checkpoint. A crash anywhere
//! rolls all of it back, so the next run starts where the last commit left off: nothing missing,
//! nothing doubled. A lock per projection keeps two processes from applying the same batch.
//!
//! The runner wakes on a nudge from this process's command bus, on `NOTIFY erp_events` from
//! other processes' command buses, and by polling as a fallback.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use thiserror::Error;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tracing::{debug, error, warn};
use uuid::Uuid;

use crate::log::{read_batch, Checkpoint, StoredEvent};

/// Why a projection could not apply a batch. The batch is rolled back and tried again later:
/// an event is never skipped.
#[derive(Debug, Error)]
pub enum ProjectionError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event {position} ({event_type}) cannot be read: {source}")]
    Payload {
        position: i64,
        event_type: String,
        source: serde_json::Error,
    },
}

impl ProjectionError {
    pub fn payload(event: &StoredEvent, source: serde_json::Error) -> Self {
        Self::Payload {
            position: event.position,
            event_type: event.event_type.clone(),
            source,
        }
    }
}

/// A read model fed from the log.
pub trait Projection: Send + Sync + 'static {
    /// The name its checkpoint is stored under. Never rename it: the projection would start over.
    fn name(&self) -> &'static str;

    /// Applies `events` (in log order) to the read model, inside the batch's transaction.
    fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;
}

/// Wakes projection runners when events may have arrived.
#[derive(Debug, Clone)]
pub struct Wake {
    nudges: watch::Sender<u64>,
    /// Names this process in its notifications, so it does not wake itself twice.
    origin: Arc<str>,
}

impl Default for Wake {
    fn default() -> Self {
        Self {
            nudges: watch::Sender::new(0),
            origin: Uuid::new_v4().to_string().into(),
        }
    }
}

impl Wake {
    /// Tells every runner of this process to look at the log now.
    pub fn nudge(&self) {
        self.nudges.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.nudges.subscribe()
    }

    /// Listens for `NOTIFY erp_events` from the other processes writing to this database, and
    /// nudges. Reconnects on error; polling covers what is missed meanwhile.
    pub fn listen(&self, pool: PgPool) -> JoinHandle<()> {
        let wake = self.clone();
        tokio::spawn(async move {
            loop {
                match PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            warn!(error = %e, "cannot LISTEN for new events; polling only");
                        } else {
                            // after (re)connecting, whatever was notified meanwhile is unknown.
                            wake.nudge();
                            while let Ok(notification) = listener.recv().await {
                                if notification.payload() != &*wake.origin {
                                    wake.nudge();
                                }
                            }
                        }
                    }
                    Err(e) => warn!(error = %e, "cannot connect to LISTEN for new events"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    /// Starts announcing this process's appends to the others (`NOTIFY erp_events`).
    ///
    /// Not a trigger on `events`: a transaction that notifies holds a database-wide lock from
    /// its commit until it ends, which would make concurrent commands wait for each other's disk
    /// flush. Here a notification goes out after the append, on its own, and bursts of appends
    /// fold into one.
    pub fn announcer(&self, pool: PgPool) -> Announcer {
        let pending = Arc::new(Notify::new());
        let origin = self.origin.clone();
        let task = tokio::spawn({
            let pending = pending.clone();
            async move {
                loop {
                    pending.notified().await;
                    let sent = sqlx::query("select pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(&*origin)
                        .execute(&pool)
                        .await;
                    if let Err(e) = sent {
                        debug!(error = %e, "cannot notify other processes; they will poll");
                    }
                }
            }
        });
        Announcer { pending, task }
    }
}

/// The channel appends are announced on.
const CHANNEL: &str = "erp_events";

/// Announces appends to runners in other processes; see [`Wake::announcer`]. Stops when dropped.
#[derive(Debug)]
pub struct Announcer {
    pending: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Announcer {
    /// Something was appended: tell the other processes (soon, folded with other appends).
    pub fn announce(&self) {
        self.pending.notify_one();
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How far a projection has got. Cheap to clone; lets a writer wait to read its own write.
#[derive(Debug, Clone)]
pub struct Progress(watch::Receiver<Checkpoint>);

impl Progress {
    /// The checkpoint of the last batch this process committed or saw committed.
    pub fn current(&self) -> Checkpoint {
        *self.0.borrow()
    }

    /// Waits until the projection has applied everything up to `target`, at most `timeout`.
    /// Returns whether it got there.
    pub async fn wait_for(&self, target: Checkpoint, timeout: Duration) -> bool {
        let mut rx = self.0.clone();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|at| *at >= target)).await;
        matches!(reached, Ok(Ok(_)))
    }
}

/// Tuning of a runner.
#[derive(Debug, Clone, Copy)]
pub struct RunnerOptions {
    /// Most events applied in one transaction.
    pub batch_size: i64,
    /// How often to look at the log when no notification arrives.
    pub poll_interval: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// Starts feeding `projection` from the log in the background. Aborting the returned task is
/// safe at any moment: the batch under way rolls back.
pub async fn spawn<P: Projection>(
    pool: PgPool,
    projection: P,
    wake: &Wake,
    options: RunnerOptions,
) -> Result<(Progress, JoinHandle<()>), sqlx::Error> {
    sqlx::query(
        "insert into projection_checkpoints (projection) values ($1) on conflict do nothing",
    )
    .bind(projection.name())
    .execute(&pool)
    .await?;
    let start = load_checkpoint(&pool, projection.name()).await?;
    let (progress_tx, progress_rx) = watch::channel(start);
    let mut wake_rx = wake.subscribe();
    let task = tokio::spawn(async move {
        let mut backoff = Duration::ZERO;
        loop {
            wake_rx.mark_unchanged();
            match run_batch(&pool, &projection, options.batch_size).await {
                Ok(outcome) => {
                    progress_tx.send_if_modified(|at| {
                        let moved = outcome.checkpoint > *at;
                        if moved {
                            *at = outcome.checkpoint;
                        }
                        moved
                    });
                    if outcome.applied as i64 == options.batch_size {
                        backoff = Duration::ZERO;
                        continue;
                    }
                    if outcome.held_back {
                        // an older transaction is still open: look again soon, then less often.
                        backoff = (backoff * 2)
                            .clamp(Duration::from_millis(1), options.poll_interval / 10);
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    backoff = Duration::ZERO;
                }
                Err(e) => {
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(100), Duration::from_secs(30));
                    error!(projection = projection.name(), error = %e, retry_in = ?backoff, "projection batch failed");
                    tokio::time::sleep(backoff).await;
                    continue;
                }
            }
            tokio::select! {
                _ = wake_rx.changed() => {}
                _ = tokio::time::sleep(options.poll_interval) => {}
            }
        }
    });
    Ok((Progress(progress_rx), task))
}

struct Outcome {
    checkpoint: Checkpoint,
    applied: usize,
    held_back: bool,
}

async fn load_checkpoint(pool: &PgPool, name: &str) -> Result<Checkpoint, sqlx::Error> {
    let (transaction_id, position): (i64, i64) = sqlx::query_as(
        "select transaction_id, position from projection_checkpoints where projection = $1",
    )
    .bind(name)
    .fetch_one(pool)
    .await?;
    Ok(Checkpoint {
        transaction_id,
        position,
    })
}

#[tracing::instrument(skip_all, fields(projection = projection.name()))]
async fn run_batch<P: Projection>(
    pool: &PgPool,
    projection: &P,
    batch_size: i64,
) -> Result<Outcome, ProjectionError> {
    let mut tx = pool.begin().await?;
    // One batch at a time per projection, across processes. An advisory lock, not `select ...
    // for update`: a row lock would give this transaction an id (and a place among the running
    // transactions that hold back every other reader's horizon) for the whole batch.
    //
    // The read model is derived from the log, which is durable: its commit need not wait for the
    // disk. If a crash loses it, the checkpoint (in the same transaction) is lost with it, and
    // the batch is applied again.
    sqlx::query(
        "select pg_advisory_xact_lock(hashtextextended('erp projection ' || $1, 0)),
                set_config('synchronous_commit', 'off', true)",
    )
    .bind(projection.name())
    .execute(&mut *tx)
    .await?;
    let (transaction_id, position): (i64, i64) = sqlx::query_as(
        "select transaction_id, position from projection_checkpoints where projection = $1",
    )
    .bind(projection.name())
    .fetch_one(&mut *tx)
    .await?;
    let from = Checkpoint {
        transaction_id,
        position,
    };
    let batch = read_batch(&mut tx, from, batch_size).await?;
    let Some(last) = batch.events.last().map(StoredEvent::checkpoint) else {
        tx.rollback().await?;
        return Ok(Outcome {
            checkpoint: from,
            applied: 0,
            held_back: batch.held_back,
        });
    };
    projection.apply(&mut tx, &batch.events).await?;
    sqlx::query(
        "update projection_checkpoints
            set transaction_id = $2, position = $3, updated_at = now()
          where projection = $1",
    )
    .bind(projection.name())
    .bind(last.transaction_id)
    .bind(last.position)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    debug!(applied = batch.events.len(), ?last, "batch applied");
    Ok(Outcome {
        checkpoint: last,
        applied: batch.events.len(),
        held_back: batch.held_back,
    })
}
