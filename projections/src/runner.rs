//! The projection runner: feeds each projection the log in order, exactly once.
//!
//! A batch reads the events after the projection's checkpoint that are safe to read, then, in one
//! transaction, applies them to the read model and moves the checkpoint, on condition that the
//! checkpoint is still where the batch started. A crash anywhere rolls the transaction back, so
//! the next run starts where the last commit left off: nothing missing, nothing doubled; and of
//! two processes applying the same batch, only one commits.
//!
//! The runner wakes on a nudge from this process's command bus, on `NOTIFY erp_events` from
//! other processes' command buses, and by polling as a fallback.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};
use thiserror::Error;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tracing::{debug, error};
use uuid::Uuid;

use crate::lease::Lease;
use crate::log::{events_below, horizon, Checkpoint, StoredEvent};
pub use crate::wake::{Announcer, Wake};
use futures::FutureExt;

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
    /// Applying the batch panicked (a bug): it is rolled back and tried again, and the
    /// projection's growing lag says it is stuck.
    #[error("applying the batch panicked: {0}")]
    Panicked(String),
}

/// What a panic said, as text.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
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

/// The payload of `event`, read as the event type `T`; a payload that does not read fails the
/// batch.
pub(crate) fn payload<T: DeserializeOwned>(event: &StoredEvent) -> Result<T, ProjectionError> {
    event
        .payload_as()
        .map_err(|e| ProjectionError::payload(event, e))
}

/// The id of `event`'s aggregate as a uuid; `None` (with a warning) for an event written under
/// another id, which the read models pass over.
pub(crate) fn uuid_of(event: &StoredEvent) -> Option<Uuid> {
    let id = Uuid::parse_str(&event.aggregate_id).ok();
    if id.is_none() {
        tracing::warn!(position = event.position, kind = %event.aggregate_type, id = %event.aggregate_id, "event with a non-uuid id; skipped");
    }
    id
}

/// Declares a projection: a unit struct `$name` whose checkpoint is stored under `$checkpoint`,
/// that owns `$tables` and applies a batch with `$apply`
/// (`async fn(&mut PgConnection, &[StoredEvent]) -> Result<(), ProjectionError>`).
macro_rules! projection {
    ($(#[$attr:meta])* $name:ident: $checkpoint:literal, $tables:expr, $apply:path) => {
        $(#[$attr])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $crate::runner::Projection for $name {
            fn name(&self) -> &'static str {
                $checkpoint
            }

            fn tables(&self) -> &'static [&'static str] {
                $tables
            }

            async fn apply(
                &self,
                tx: &mut sqlx::PgConnection,
                events: &[$crate::log::StoredEvent],
            ) -> Result<(), $crate::runner::ProjectionError> {
                $apply(tx, events).await
            }
        }
    };
}
pub(crate) use projection;

/// A read model fed from the log.
pub trait Projection: Send + Sync + 'static {
    /// The name its checkpoint is stored under. Never rename it: the projection would start over.
    fn name(&self) -> &'static str;

    /// The tables it owns (and nothing else writes), in `public`: a rebuild makes new ones and
    /// swaps them in. Its SQL names them unqualified, so a rebuild can point it at a schema of
    /// its own with `search_path`.
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// Applies `events` (in log order) to the read model, inside the batch's transaction.
    fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;
}

/// How far a projection has got. Cheap to clone; lets a writer wait to read its own write.
#[derive(Debug, Clone)]
pub struct Progress {
    at: watch::Receiver<Checkpoint>,
    /// Someone waits for the runner: it runs at once instead of gathering appends.
    wanted: Arc<Notify>,
    /// Whether the runner's last batch failed (it is tried again, later and later).
    failing: Arc<AtomicBool>,
}

impl Progress {
    /// Whether the runner's last batch failed: the read model is stuck until what fails is put
    /// right (the batch is tried again, later and later).
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    /// The progress of a read model written in the statement that appends its events
    /// ([`crate::riding`]): it shows every command once the command is in the log, so there is
    /// nothing to wait for.
    pub fn with_the_log() -> Self {
        let (_, at) = watch::channel(Checkpoint {
            transaction_id: i64::MAX,
            position: i64::MAX,
        });
        Self {
            at,
            wanted: Arc::default(),
            failing: Arc::default(),
        }
    }

    /// A receiver that wakes at every checkpoint the runner reaches.
    pub fn subscribe(&self) -> watch::Receiver<Checkpoint> {
        self.at.clone()
    }

    /// The checkpoint of the last batch this process committed or saw committed.
    pub fn current(&self) -> Checkpoint {
        *self.at.borrow()
    }

    /// Waits until the projection has applied everything up to `target`, at most `timeout`.
    /// Returns whether it got there. The runner runs at once for a waiter (see
    /// [`RunnerOptions::gather`]).
    pub async fn wait_for(&self, target: Checkpoint, timeout: Duration) -> bool {
        if self.current() >= target {
            return true;
        }
        self.wanted.notify_one();
        let mut rx = self.at.clone();
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
    /// How long a runner woken by an append gathers further appends before it reads the log,
    /// unless someone waits for it ([`Progress::wait_for`]): then it runs at once. A command
    /// whose own read model is written with its events ([`crate::riding`]) waits for no runner,
    /// so a stream of them costs each runner one batch per interval, not one per command.
    pub gather: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            poll_interval: Duration::from_secs(1),
            gather: Duration::from_millis(20),
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
    spawn_leased(pool, projection, wake, options, Lease::always()).await
}

/// Like [`spawn`], applying batches only while this process holds `lease`; meanwhile it
/// follows the checkpoint the holder moves.
pub async fn spawn_leased<P: Projection>(
    pool: PgPool,
    projection: P,
    wake: &Wake,
    options: RunnerOptions,
    lease: Lease,
) -> Result<(Progress, JoinHandle<()>), sqlx::Error> {
    sqlx::query(
        "insert into projection_checkpoints (projection) values ($1) on conflict do nothing",
    )
    .bind(projection.name())
    .execute(&pool)
    .await?;
    let start = load_checkpoint(&pool, projection.name()).await?;
    let (progress_tx, progress_rx) = watch::channel(start);
    let wanted = Arc::new(Notify::new());
    let failing = Arc::new(AtomicBool::new(false));
    let progress = Progress {
        at: progress_rx,
        wanted: wanted.clone(),
        failing: failing.clone(),
    };
    let mut wake_rx = wake.subscribe();
    let task = tokio::spawn(async move {
        let mut at = start;
        let mut backoff = Duration::ZERO;
        loop {
            wake_rx.mark_unchanged();
            if !lease.leading() {
                // another process runs it: follow the checkpoint it moves.
                match load_checkpoint(&pool, projection.name()).await {
                    Ok(checkpoint) if checkpoint > at => {
                        at = checkpoint;
                        progress_tx.send_replace(at);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        error!(projection = projection.name(), error = %e, "cannot read the checkpoint")
                    }
                }
                tokio::select! {
                    _ = wake_rx.changed() => {}
                    _ = tokio::time::sleep(options.poll_interval) => {}
                }
                continue;
            }
            let batch = run_batch(&pool, &projection, at, options.batch_size);
            let outcome = std::panic::AssertUnwindSafe(batch)
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| Err(ProjectionError::Panicked(panic_message(&panic))));
            failing.store(outcome.is_err(), Ordering::Relaxed);
            match outcome {
                Ok(Outcome::Applied {
                    to,
                    count,
                    held_back,
                }) => {
                    at = to;
                    progress_tx.send_replace(at);
                    lease.announce();
                    if count as i64 == options.batch_size {
                        backoff = Duration::ZERO;
                        continue;
                    }
                    if held_back {
                        backoff = held_back_pause(backoff, options);
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    backoff = Duration::ZERO;
                }
                Ok(Outcome::Nothing { held_back: true }) => {
                    // an older transaction is still open: look again soon, then less often.
                    backoff = held_back_pause(backoff, options);
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Ok(Outcome::Nothing { held_back: false }) => backoff = Duration::ZERO,
                Ok(Outcome::Overtaken) => {
                    // another process applied this batch first: carry on from where it got.
                    match load_checkpoint(&pool, projection.name()).await {
                        Ok(checkpoint) => {
                            at = checkpoint;
                            progress_tx.send_replace(at);
                        }
                        Err(e) => {
                            error!(projection = projection.name(), error = %e, "cannot read the checkpoint")
                        }
                    }
                    continue;
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
                _ = wake_rx.changed() => {
                    // an append: gather the ones that follow, unless someone waits.
                    tokio::select! {
                        _ = wanted.notified() => {}
                        _ = tokio::time::sleep(options.gather) => {}
                    }
                }
                _ = wanted.notified() => {}
                _ = tokio::time::sleep(options.poll_interval) => {}
            }
        }
    });
    Ok((progress, task))
}

fn held_back_pause(previous: Duration, options: RunnerOptions) -> Duration {
    (previous * 2).clamp(Duration::from_millis(1), options.poll_interval / 10)
}

enum Outcome {
    /// Events up to `to` were applied and the checkpoint moved there.
    Applied {
        to: Checkpoint,
        count: usize,
        held_back: bool,
    },
    /// Nothing new is safe to read.
    Nothing { held_back: bool },
    /// Another process moved the checkpoint meanwhile; nothing was applied.
    Overtaken,
}

async fn load_checkpoint(pool: &PgPool, name: &str) -> Result<Checkpoint, sqlx::Error> {
    sqlx::query_as(
        "select transaction_id, position from projection_checkpoints where projection = $1",
    )
    .bind(name)
    .fetch_one(pool)
    .await
}

/// Reads the events after `at` that are safe to read and, if there are any, applies them and
/// moves the checkpoint, in one transaction.
#[tracing::instrument(skip_all, fields(projection = projection.name()))]
async fn run_batch<P: Projection>(
    pool: &PgPool,
    projection: &P,
    at: Checkpoint,
    batch_size: i64,
) -> Result<Outcome, ProjectionError> {
    let mut conn = pool.acquire().await?;
    let horizon = horizon(&mut conn).await?;
    let events = events_below(&mut conn, at, &horizon, batch_size).await?;
    let Some(last) = events.last().map(StoredEvent::checkpoint) else {
        return Ok(Outcome::Nothing {
            held_back: horizon.held_back,
        });
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    projection.apply(&mut tx, &events).await?;
    // Moves the checkpoint only from where this batch started: if another process (or an
    // earlier incarnation of this one) moved it meanwhile, nothing is applied twice. The row
    // lock also makes a concurrent runner wait for this commit, then see the change.
    //
    // The read model is derived from the log, which is durable, so this commit need not wait
    // for the disk: if a crash loses it, the checkpoint is lost with it and the batch is
    // applied again.
    let moved = sqlx::query(
        "update projection_checkpoints
            set transaction_id = $2, position = $3, updated_at = now()
          where projection = $1 and transaction_id = $4 and position = $5
         returning set_config('synchronous_commit', 'off', true)",
    )
    .bind(projection.name())
    .bind(last.transaction_id)
    .bind(last.position)
    .bind(at.transaction_id)
    .bind(at.position)
    .fetch_optional(&mut *tx)
    .await?;
    if moved.is_none() {
        tx.rollback().await?;
        return Ok(Outcome::Overtaken);
    }
    tx.commit().await?;
    debug!(applied = events.len(), ?last, "batch applied");
    Ok(Outcome::Applied {
        to: last,
        count: events.len(),
        held_back: horizon.held_back,
    })
}
