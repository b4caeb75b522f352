//! The application as one process runs it on one database: the projection runners that keep
//! the read models up to date, the command bus, and the state every request shares.

use std::sync::Arc;
use std::time::Duration;

use projections::business::BusinessProjection;
use projections::configuration::ConfigurationProjection;
use projections::lease::{self, Lease};
use projections::partner::PartnerProjection;
use projections::runner::{self, RunnerOptions};
use projections::seal::SealProjection;
use projections::user::UserProjection;
use projections::{Progress, Projection, Wake};
use sqlx::PgPool;
use tokio::task::JoinHandle;

use domain::configuration::ConfigurationCommand;

use crate::bus::{CommandBus, CommandContext};
use crate::error::Failure;
use crate::policy::ConfigCache;
use crate::sessions::Sessions;
use crate::throttle::SignIns;

/// Everything a request needs, shared by all of them.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub bus: Arc<CommandBus>,
    pub partner_progress: Progress,
    pub configuration_progress: Progress,
    pub user_progress: Progress,
    /// Products, orders, stock, invoices and the books.
    pub business_progress: Progress,
    /// The configuration as last read, for rights checks.
    pub config: Arc<ConfigCache>,
    /// How long a mutation waits for the read model to show its change.
    pub read_your_writes_timeout: Duration,
    /// Wrong passwords at sign-in, by login and by client address.
    pub sign_ins: Arc<SignIns>,
    /// Sessions looked up a moment ago.
    pub sessions: Arc<Sessions>,
    /// A hot standby of the database that queries read from (`--replica`); none: they read
    /// from the database itself.
    pub replica: Option<PgPool>,
}

impl AppState {
    /// Where queries read: the standby if there is one, else the database itself. A mutation
    /// answers only once the standby shows its change ([`Self::replica_caught_up`]).
    pub fn reads(&self) -> &PgPool {
        self.replica.as_ref().unwrap_or(&self.pool)
    }

    /// Waits (at most `timeout`) until the standby, if any, has replayed everything the
    /// database had written when this was called; false if it did not get there in time.
    pub async fn replica_caught_up(&self, timeout: Duration) -> Result<bool, sqlx::Error> {
        let Some(replica) = &self.replica else {
            return Ok(true);
        };
        // the insert position, not the write one: the read models' batches commit without
        // waiting for the disk, so their commit may not be written out yet.
        let written: String = sqlx::query_scalar("select pg_current_wal_insert_lsn()::text")
            .fetch_one(&self.pool)
            .await?;
        let started = std::time::Instant::now();
        loop {
            let replayed: bool =
                sqlx::query_scalar("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)")
                    .bind(&written)
                    .fetch_one(replica)
                    .await?;
            if replayed {
                return Ok(true);
            }
            if started.elapsed() >= timeout {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}
/// A running backend on one database: the state for requests, and the background tasks that
/// keep the read models up to date.
pub struct Backend {
    pub state: AppState,
    /// Held only to be dropped with the backend, which aborts them.
    _tasks: Tasks,
    /// The seals over the log (no request reads them; `catch_up` waits for them).
    seal_progress: Progress,
    /// Whether this process runs the projections.
    lease: Lease,
}

/// Starts projection runners on one database, keeping their tasks.
struct Runners<'a> {
    pool: &'a PgPool,
    wake: &'a Wake,
    lease: &'a Lease,
    tasks: &'a mut Tasks,
}

impl Runners<'_> {
    async fn spawn<P: Projection>(&mut self, projection: P) -> Result<Progress, sqlx::Error> {
        let (progress, task) = runner::spawn_leased(
            self.pool.clone(),
            projection,
            self.wake,
            RunnerOptions::default(),
            self.lease.clone(),
        )
        .await?;
        self.tasks.0.push(task);
        Ok(progress)
    }
}

impl Backend {
    /// Starts the projection runners on `pool` (already migrated) and wires the command bus.
    pub async fn start(pool: PgPool) -> Result<Self, sqlx::Error> {
        let wake = Wake::default();
        // aborted if a later step fails: nothing keeps running on a backend that did not start.
        let mut tasks = Tasks(vec![wake.listen(pool.clone())]);
        // one process at a time runs the projections; the others follow its checkpoints.
        let (lease, lease_task) = lease::hold(&pool, &wake).await;
        tasks.0.push(lease_task);
        let mut runners = Runners {
            pool: &pool,
            wake: &wake,
            lease: &lease,
            tasks: &mut tasks,
        };
        let partner_progress = runners.spawn(PartnerProjection).await?;
        let configuration_progress = runners.spawn(ConfigurationProjection).await?;
        let user_progress = runners.spawn(UserProjection).await?;
        let business_progress = runners.spawn(BusinessProjection).await?;
        let seal_progress = runners.spawn(SealProjection).await?;
        let bus = Arc::new(CommandBus::new(pool.clone(), wake));
        Ok(Self {
            state: AppState {
                pool,
                bus,
                partner_progress,
                configuration_progress,
                user_progress,
                business_progress,
                config: Arc::default(),
                read_your_writes_timeout: Duration::from_secs(5),
                sign_ins: Arc::default(),
                sessions: Arc::default(),
                replica: None,
            },
            _tasks: tasks,
            seal_progress,
            lease,
        })
    }

    /// Whether this process runs the database's projections now (one process at a time does).
    pub fn leads(&self) -> bool {
        self.lease.leading()
    }

    /// Every read model's runner, by name, with where it stands.
    fn runners(&self) -> [(&'static str, &Progress); 5] {
        let state = &self.state;
        [
            ("partner", &state.partner_progress),
            ("configuration", &state.configuration_progress),
            ("user", &state.user_progress),
            ("business", &state.business_progress),
            ("seal", &self.seal_progress),
        ]
    }

    /// How far each read model is behind the log: by name, the events it has not applied and
    /// the age in seconds of the oldest of them.
    /// The read models whose last batch failed in this process (tried again, later and later).
    pub fn failing(&self) -> Vec<&'static str> {
        self.runners()
            .into_iter()
            .filter(|(_, progress)| progress.failing())
            .map(|(name, _)| name)
            .collect()
    }

    pub async fn lags(&self) -> Result<Vec<(&'static str, i64, f64)>, sqlx::Error> {
        let mut lags = vec![];
        for (name, progress) in self.runners() {
            let (events, seconds) =
                store::log::behind(&self.state.pool, progress.current()).await?;
            lags.push((name, events, seconds));
        }
        Ok(lags)
    }

    /// Makes a database just copied from another's log (a duplicate, a restored backup, a copy
    /// up to a stage or a point) a test database in its own log too: where the copied log says
    /// production, one event by `copy` records that the copy is not, and the read models are
    /// waited for (up to `timeout`). Returns whether the copied log said production.
    pub async fn mark_copy_as_test(&self, timeout: Duration) -> Result<bool, Failure> {
        let copied = projections::configuration::current(&self.state.pool)
            .await
            .map_err(Failure::internal)?;
        if !copied.is_some_and(|row| row.configuration.is_production()) {
            return Ok(false);
        }
        let mark = ConfigurationCommand::MarkDatabase { production: false };
        self.state
            .bus
            .configure(mark, &CommandContext::system("copy"))
            .await?;
        if !self.catch_up(timeout).await.map_err(Failure::internal)? {
            return Err(Failure::internal(
                "the copy's read models did not catch up with its mark as a test database",
            ));
        }
        Ok(true)
    }

    /// Waits (up to `timeout`) until every read model shows the log as it is now; false if
    /// they did not get there in time.
    pub async fn catch_up(&self, timeout: Duration) -> Result<bool, sqlx::Error> {
        let Some(at) = projections::log::latest(&self.state.pool).await? else {
            return Ok(true);
        };
        for (_, progress) in self.runners() {
            if !progress.wait_for(at, timeout).await {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A backend's background tasks, aborted when it goes.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}
