//! Over 600 lines: every operation of the manager is a method of the one `Server`, which holds
//! the served databases and their connection budget.
//!
//! The database manager: one server, many databases. It lists, creates (empty or with the demo
//! company), duplicates (now, or at a stage, a position or a time), backs up (the event log in
//! the replay export's checksummed format), restores (into a new name; over an existing database
//! only when asked to replace it), marks as test or production, and drops databases; and it
//! serves each one's GraphQL at `/db/<name>/graphql`.
//!
//! Every operation needs the master password. It is set at first start (from
//! `ERP_MASTER_PASSWORD`, or generated and shown once), stored only as an argon2 hash in
//! `<data-dir>/master-password.argon2`, and changed with the old one. Each wrong password makes
//! the next answer wait longer (up to [`MAX_WAIT`]); a right one resets the wait.

mod backups;
mod master_password;
pub mod trail;

pub use master_password::{random_password, write_secret, MasterPassword};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use thiserror::Error;
use tokio::sync::{Mutex, RwLock};

use crate::database::{self, quote_ident, DatabaseError};
use crate::fork::{self, ForkError};
use crate::Backend;

/// The longest a wrong master password makes the answer wait.
pub const MAX_WAIT: Duration = Duration::from_secs(8);
/// The first wait after a wrong master password; each further failure doubles it.
pub const FIRST_WAIT: Duration = Duration::from_millis(250);
/// What a database the manager made carries as its PostgreSQL comment, so listing needs one
/// query (followed by `:test` or `:production`).
const MARK: &str = "erp";

#[derive(Debug, Error)]
pub enum ManagerError {
    #[error("wrong master password")]
    WrongPassword {
        /// How long the answer was held back.
        waited: Duration,
    },
    #[error("{0}")]
    BadName(String),
    #[error("there is no database {0} on this server")]
    Unknown(String),
    #[error("database {0} exists already: choose another name, or say to replace it")]
    Exists(String),
    #[error("{0}")]
    Refused(String),
    /// The data module a new database was to be made from does not read or load.
    #[error("the data module, {0}; no database was made")]
    DataModule(String),
    #[error("the new master password: {0}")]
    Password(#[from] commands::auth::PasswordError),
    #[error(transparent)]
    Fork(#[from] ForkError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the connection budget of {budget} is spent: {served} databases are served at {each} \
         connections each, and none has been idle long enough to close; raise \
         --connection-budget or lower --pool-size"
    )]
    Budget {
        budget: u32,
        served: usize,
        each: u32,
    },
    #[error("{0}")]
    Other(String),
}

/// How long a database about to be served waits for its read models to catch up with its log.
const CATCH_UP_ON_START: Duration = Duration::from_secs(30);

/// How many connections the served databases may hold.
#[derive(Debug, Clone, Copy)]
pub struct Pools {
    /// The most connections one served database's pool opens (its listener and its
    /// projections' lease take two more).
    pub per_database: u32,
    /// The most connections all served databases hold together (the manager's own work takes
    /// one more at a time).
    pub budget: u32,
    /// A served database (other than the default) unused this long is closed, giving its
    /// connections back; it opens again on its next request. A pool's idle connections close
    /// after the same time.
    pub idle: Duration,
}

impl Default for Pools {
    fn default() -> Self {
        Self {
            per_database: 8,
            budget: 80,
            idle: Duration::from_secs(600),
        }
    }
}

impl Pools {
    /// What one served database holds: its pool, its listener and its projections' lease.
    pub fn each(&self) -> u32 {
        self.per_database + 2
    }
}

/// A database name: 1 to 63 lower-case letters, digits or `_`, starting with a letter.
pub fn database_name(raw: &str) -> Result<String, String> {
    let valid = !raw.is_empty()
        && raw.len() <= 63
        && raw.starts_with(|c: char| c.is_ascii_lowercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(format!(
            "'{}' is not a database name: 1 to 63 lower-case letters, digits or _, starting with a letter",
            raw.chars().take(80).collect::<String>()
        ))
    }
}

fn name(raw: &str) -> Result<String, ManagerError> {
    database_name(raw).map_err(ManagerError::BadName)
}

/// One database, as the manager lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseInfo {
    pub name: String,
    pub production: bool,
    /// Whether this server serves it at `/graphql` as well.
    pub default: bool,
}

/// A backup file in the server's backup folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub file: String,
    pub bytes: u64,
    pub events: u64,
    pub last_position: i64,
    /// The running hash over the log in the file (the manifest's `chain`).
    pub chain: String,
}

/// Where a duplicate stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    Now,
    Stage(String),
    Position(i64),
    Time(DateTime<Utc>),
}

/// The databases of one PostgreSQL server, and the backends serving them.
pub struct Server {
    /// The URL of the default database; others are on the same server.
    url: String,
    default: String,
    data_dir: PathBuf,
    admin_password: Option<String>,
    pub master: MasterPassword,
    /// Who may introspect the databases' schema.
    introspection: crate::graphql::Introspection,
    /// The databases being served; read by every request, so never held while one starts.
    backends: RwLock<HashMap<String, Served>>,
    pools: Pools,
    /// When the server started: what the databases' last use is counted from.
    started: std::time::Instant,
    /// Held while a database starts being served (one at a time).
    starting: Mutex<()>,
}

/// A database being served: its backend and its schema.
#[derive(Clone)]
struct Served {
    backend: Arc<Backend>,
    schema: crate::graphql::AppSchema,
    /// When it was last asked for, in milliseconds since the server started.
    used: Arc<std::sync::atomic::AtomicU64>,
    /// When the server was last asked whether the database still exists (ditto).
    checked: Arc<std::sync::atomic::AtomicU64>,
}

/// How often a served database is looked for on the server again, at most: one dropped from
/// outside (`erp db drop` in another process, `dropdb`) is no longer served after that long.
const RECHECK_MS: u64 = 2_000;

impl Served {
    fn new(backend: Backend, introspection: crate::graphql::Introspection) -> Self {
        let schema = crate::graphql::schema(backend.state.clone(), introspection);
        Self {
            backend: Arc::new(backend),
            schema,
            used: Arc::default(),
            checked: Arc::default(),
        }
    }
}

impl Server {
    /// A manager for the server of `url` (whose database is served at `/graphql`), already
    /// serving `default`; `introspection` says who may introspect the databases' schema.
    pub fn new(
        url: &str,
        default: Backend,
        data_dir: &Path,
        admin_password: Option<String>,
        master: MasterPassword,
        introspection: crate::graphql::Introspection,
    ) -> Result<Self, ManagerError> {
        let options = PgConnectOptions::from_str(url).map_err(DatabaseError::Url)?;
        let default_name = options.get_database().unwrap_or("erp").to_owned();
        Ok(Self {
            url: url.to_owned(),
            default: default_name.clone(),
            data_dir: data_dir.to_owned(),
            admin_password,
            master,
            introspection,
            backends: RwLock::new(HashMap::from([(
                default_name,
                Served::new(default, introspection),
            )])),
            starting: Mutex::new(()),
            pools: Pools::default(),
            started: std::time::Instant::now(),
        })
    }

    /// The same server with `pools` as its connection limits.
    pub fn with_pools(mut self, pools: Pools) -> Self {
        self.pools = pools;
        self
    }

    /// Closes, every few seconds, the served databases (other than the default) unused for
    /// the idle time, for as long as the server lives.
    pub fn close_idle_databases(self: &Arc<Self>) {
        let server = Arc::downgrade(self);
        let every =
            (self.pools.idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(server) = server.upgrade() else {
                    return;
                };
                server.close_idle(server.pools.idle).await;
                server.close_gone().await;
            }
        });
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Closes the served databases that were dropped from outside (their runners would
    /// otherwise fail on, and log, for as long as the server lives).
    async fn close_gone(&self) {
        let served: Vec<(String, Served)> = self
            .backends
            .read()
            .await
            .iter()
            .map(|(name, served)| (name.clone(), served.clone()))
            .collect();
        for (name, served) in served {
            if let Ok(false) = self.still_there(&name, &served).await {
                self.forget_gone(&name).await;
            }
        }
    }

    /// Closes the served databases (other than the default) unused for `idle`, and says how
    /// many it closed.
    async fn close_idle(&self, idle: Duration) -> usize {
        let now = self.now();
        let idle = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        let stale: Vec<String> = self
            .backends
            .read()
            .await
            .iter()
            .filter(|(name, served)| {
                **name != self.default
                    && now.saturating_sub(served.used.load(std::sync::atomic::Ordering::Relaxed))
                        >= idle
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in &stale {
            tracing::info!(database = %name, "closing an idle database");
            self.stop(name).await;
        }
        stale.len()
    }

    /// Makes room for one more served database within the connection budget: closes idle
    /// ones if it must, or refuses.
    async fn make_room(&self) -> Result<(), ManagerError> {
        let each = self.pools.each();
        let fits = |served: usize| {
            u32::try_from(served + 1).is_ok_and(|n| n.saturating_mul(each) <= self.pools.budget)
        };
        let served = self.backends.read().await.len();
        if fits(served)
            || (self.close_idle(self.pools.idle).await > 0
                && fits(self.backends.read().await.len()))
        {
            return Ok(());
        }
        Err(ManagerError::Budget {
            budget: self.pools.budget,
            served: self.backends.read().await.len(),
            each,
        })
    }

    pub fn default_name(&self) -> &str {
        &self.default
    }

    fn options(&self) -> Result<PgConnectOptions, ManagerError> {
        Ok(PgConnectOptions::from_str(&self.url).map_err(DatabaseError::Url)?)
    }

    /// The URL of database `name` on this server.
    pub fn url_of(&self, name: &str) -> Result<String, ManagerError> {
        Ok(self.options()?.database(name).to_url_lossy().to_string())
    }

    /// The data folder: the master password's hash, the trail, the backups.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The folder backups are written to and restored from.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    async fn server_connection(&self) -> Result<sqlx::PgConnection, ManagerError> {
        Ok(database::server_connection(&self.options()?).await?)
    }

    async fn exists(&self, name: &str) -> Result<bool, ManagerError> {
        let mut conn = self.server_connection().await?;
        let exists = database::exists(&mut conn, name).await?;
        let _ = conn.close().await;
        Ok(exists)
    }

    /// The databases being served, by name.
    pub async fn served_now(&self) -> Vec<(String, Arc<Backend>)> {
        let mut served: Vec<(String, Arc<Backend>)> = self
            .backends
            .read()
            .await
            .iter()
            .map(|(name, served)| (name.clone(), served.backend.clone()))
            .collect();
        served.sort_by(|a, b| a.0.cmp(&b.0));
        served
    }

    /// The backend serving database `name`, started on first use.
    pub async fn backend(&self, name: &str) -> Result<Arc<Backend>, ManagerError> {
        Ok(self.served(name).await?.backend)
    }

    /// The GraphQL schema of database `name`, served from first use.
    pub async fn schema(&self, name: &str) -> Result<crate::graphql::AppSchema, ManagerError> {
        Ok(self.served(name).await?.schema)
    }

    /// Database `name`, served (started on first use). Only databases of this application
    /// (with its event log) are served.
    async fn served(&self, name: &str) -> Result<Served, ManagerError> {
        let name = self::name(name)?;
        let used = |served: &Served| {
            served
                .used
                .store(self.now(), std::sync::atomic::Ordering::Relaxed);
            served.clone()
        };
        let cached = self.backends.read().await.get(&name).cloned();
        if let Some(served) = cached {
            if self.still_there(&name, &served).await? {
                return Ok(used(&served));
            }
            self.forget_gone(&name).await;
            return Err(ManagerError::Unknown(name));
        }
        let _starting = self.starting.lock().await;
        if let Some(served) = self.backends.read().await.get(&name) {
            return Ok(used(served));
        }
        if !self.exists(&name).await? {
            return Err(ManagerError::Unknown(name));
        }
        self.make_room().await?;
        let pool = crate::database::pool_options(self.pools.per_database)
            .min_connections(0)
            .idle_timeout(self.pools.idle)
            .connect(&self.url_of(&name)?)
            .await?;
        let started = async {
            let ours: bool = sqlx::query_scalar("select to_regclass('public.events') is not null")
                .fetch_one(&pool)
                .await?;
            if !ours {
                return Err(ManagerError::Unknown(name.clone()));
            }
            migrations::MIGRATOR
                .run(&pool)
                .await
                .map_err(DatabaseError::from)?;
            let backend = Backend::start(pool.clone()).await?;
            // its first request (a sign-in right after another process made the database)
            // sees everything the log holds.
            if !backend.catch_up(CATCH_UP_ON_START).await? {
                tracing::warn!(database = %name, "serving before the read models caught up with the log");
            }
            Ok(Served::new(backend, self.introspection))
        };
        let served = match started.await {
            Ok(served) => served,
            Err(e) => {
                // no connection kept by a database that is not served
                pool.close().await;
                return Err(e);
            }
        };
        self.backends.write().await.insert(name, served.clone());
        Ok(used(&served))
    }

    /// Whether served database `name` still exists on the server: asked again at most every
    /// [`RECHECK_MS`] (the default database is never dropped while served).
    async fn still_there(&self, name: &str, served: &Served) -> Result<bool, ManagerError> {
        use std::sync::atomic::Ordering;
        let now = self.now();
        let checked = served.checked.load(Ordering::Relaxed);
        if name == self.default || now.saturating_sub(checked) < RECHECK_MS {
            return Ok(true);
        }
        served.checked.store(now, Ordering::Relaxed);
        self.exists(name).await
    }

    /// Stops serving `name`, which was dropped from outside.
    async fn forget_gone(&self, name: &str) {
        tracing::warn!(database = %name, "the database was dropped from outside: no longer served");
        self.stop(name).await;
    }

    /// Stops serving `name` and closes its connections.
    async fn stop(&self, name: &str) {
        let served = self.backends.write().await.remove(name);
        if let Some(served) = served {
            served.backend.state.pool.close().await;
        }
    }

    /// Drops database `name`, whoever is connected, trying for a few seconds while the server
    /// has no connection to spare (what a failed copy or restore made must not stay); on
    /// failure, what is left is logged.
    async fn discard(&self, name: &str) {
        for _ in 0..50 {
            if let Ok(mut conn) = self.server_connection().await {
                fork::discard(&mut conn, name).await;
                let _ = conn.close().await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tracing::error!(database = %name, "could not drop what a failed copy or restore made");
    }

    async fn set_mark(&self, name: &str, production: bool) -> Result<(), ManagerError> {
        let mut conn = self.server_connection().await?;
        let mark = if production {
            format!("{MARK}:production")
        } else {
            format!("{MARK}:test")
        };
        sqlx::query(&format!(
            "comment on database {} is '{mark}'",
            quote_ident(name)
        ))
        .execute(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(())
    }

    /// A database just made as a copy (a duplicate, a restored backup): marked as a test
    /// database (in its log too, if the copied log said production), served, and its read
    /// models caught up with its log.
    async fn open_copy(&self, to: String) -> Result<DatabaseInfo, ManagerError> {
        self.set_mark(&to, false).await?;
        let backend = self.backend(&to).await?;
        if !backend.catch_up(Duration::from_secs(600)).await? {
            return Err(ManagerError::Other(format!(
                "the read models of {to} did not catch up"
            )));
        }
        backend
            .mark_copy_as_test(Duration::from_secs(600))
            .await
            .map_err(|e| ManagerError::Other(e.to_string()))?;
        Ok(DatabaseInfo {
            name: to,
            production: false,
            default: false,
        })
    }

    /// [`Self::open_copy`], or nothing kept: a copy that cannot be served (too few
    /// connections, read models that do not catch up) is dropped.
    async fn open_or_discard(&self, to: String) -> Result<DatabaseInfo, ManagerError> {
        match self.open_copy(to.clone()).await {
            Ok(opened) => Ok(opened),
            Err(e) => {
                self.stop(&to).await;
                self.discard(&to).await;
                Err(e)
            }
        }
    }

    /// The databases of this application on the server, by name.
    pub async fn list(&self) -> Result<Vec<DatabaseInfo>, ManagerError> {
        let mut conn = self.server_connection().await?;
        // what a killed copy or restore left half built goes first.
        fork::clean_abandoned(&mut conn).await?;
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "select datname, shobj_description(oid, 'pg_database') from pg_database
              where not datistemplate
                and (shobj_description(oid, 'pg_database') like 'erp:%' or datname = $1)
                and shobj_description(oid, 'pg_database') is distinct from $2
              order by datname",
        )
        .bind(&self.default)
        .bind(fork::PARTIAL)
        .fetch_all(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(rows
            .into_iter()
            .map(|(name, mark)| DatabaseInfo {
                production: mark.as_deref() == Some("erp:production"),
                default: name == self.default,
                name,
            })
            .collect())
    }

    /// Creates database `name`, initialized like any new database (and with the demo company
    /// when `demo`).
    pub async fn create(
        &self,
        raw: &str,
        demo: bool,
        module: Option<&commands::data_module::DataModule>,
    ) -> Result<DatabaseInfo, ManagerError> {
        let name = name(raw)?;
        if self.exists(&name).await? {
            return Err(ManagerError::Exists(name));
        }
        let filled = self.fill_new(&name, demo, module).await;
        if let Err(error) = filled {
            // nothing half done: a database that could not be made whole does not stay, nor
            // the password of its administrator.
            if self.admin_password.is_none() {
                let _ = std::fs::remove_file(self.data_dir.join(format!("admin-password-{name}")));
            }
            self.stop(&name).await;
            if let Ok(mut conn) = self.server_connection().await {
                fork::discard(&mut conn, &name).await;
                let _ = conn.close().await;
            }
            return Err(error);
        }
        Ok(DatabaseInfo {
            name,
            production: false,
            default: false,
        })
    }

    /// Creates, initializes, marks and serves new database `name`, with the demo company in it
    /// when `demo`, then `module` loaded.
    async fn fill_new(
        &self,
        name: &str,
        demo: bool,
        module: Option<&commands::data_module::DataModule>,
    ) -> Result<(), ManagerError> {
        let pool = database::open(&self.url_of(name)?, 8, database::Reach::Create).await?;
        let password = match &self.admin_password {
            Some(password) => password.clone(),
            None => {
                let password = random_password();
                write_secret(
                    &self.data_dir.join(format!("admin-password-{name}")),
                    &password,
                )?;
                password
            }
        };
        let initialized = commands::bootstrap::initialize(&pool, &password).await;
        pool.close().await;
        initialized.map_err(|e| ManagerError::Other(e.to_string()))?;
        self.set_mark(name, false).await?;
        let backend = self.backend(name).await?;
        if demo {
            commands::demo::load(&backend.state.pool, &backend.state.bus)
                .await
                .map_err(|e| ManagerError::Other(e.to_string()))?;
            commands::demo::business(&backend, Utc::now().date_naive())
                .await
                .map_err(|e| ManagerError::Other(e.to_string()))?;
        }
        if let Some(module) = module {
            // the module is decided on the read models: they show the new database whole first.
            if !backend.catch_up(Duration::from_secs(60)).await? {
                return Err(ManagerError::Other(
                    "the new database's read models did not catch up with its log".into(),
                ));
            }
            use commands::data_module::{load, LoadError, Loading};
            match load(&backend.state, module, Loading::APPLY, "manager").await {
                Ok(_) => {}
                Err(LoadError::Internal(e)) => return Err(ManagerError::Other(e)),
                Err(refused) => return Err(ManagerError::DataModule(refused.to_string())),
            }
            // the new database's read models show the module before it is announced.
            if !backend.catch_up(Duration::from_secs(60)).await? {
                return Err(ManagerError::Other(
                    "the new database's read models did not catch up with its data module".into(),
                ));
            }
        }
        Ok(())
    }

    /// Copies `from`'s log up to `point` into the new database `to`, whose read models are then
    /// rebuilt; `from` is only read. A duplicate starts as a test database.
    pub async fn duplicate(
        &self,
        from: &str,
        to: &str,
        point: Point,
    ) -> Result<(DatabaseInfo, u64), ManagerError> {
        let to = name(to)?;
        let source = self.backend(from).await?;
        let pool = &source.state.pool;
        let position: Option<i64> = match &point {
            Point::Now => {
                sqlx::query_scalar("select max(position) from events")
                    .fetch_one(pool)
                    .await?
            }
            Point::Position(p) => Some(*p),
            Point::Time(t) => {
                sqlx::query_scalar("select max(position) from events where recorded_at <= $1")
                    .bind(t)
                    .fetch_one(pool)
                    .await?
            }
            Point::Stage(stage) => {
                let found: Option<i64> =
                    sqlx::query_scalar("select position from configuration_stage where name = $1")
                        .bind(stage)
                        .fetch_optional(pool)
                        .await?;
                Some(found.ok_or_else(|| {
                    ManagerError::Refused(format!("{from} has no stage named '{stage}'"))
                })?)
            }
        };
        let position = position.unwrap_or(0);
        if position < 0 {
            return Err(ManagerError::Refused(
                "a log position is never negative".into(),
            ));
        }
        let something: bool =
            sqlx::query_scalar("select exists (select 1 from events where position <= $1)")
                .bind(position)
                .fetch_one(pool)
                .await?;
        if !something {
            // an empty copy: no user in it, no one could even sign in.
            return Err(ManagerError::Refused(format!(
                "{from} had nothing recorded by then: its log starts later"
            )));
        }
        let (copy, events) = fork::fork(pool, position, &self.url_of(&to)?, |_| {}).await?;
        copy.close().await;
        Ok((self.open_or_discard(to).await?, events))
    }

    /// Marks `name` as a production database (development module versions are then refused
    /// unless forced) or as a test one.
    pub async fn mark(&self, name: &str, production: bool) -> Result<DatabaseInfo, ManagerError> {
        let backend = self.backend(name).await?;
        let context = commands::CommandContext::system("manager");
        backend
            .state
            .bus
            .configure(
                domain::configuration::ConfigurationCommand::MarkDatabase { production },
                &context,
            )
            .await
            .map_err(|e| ManagerError::Other(e.to_string()))?;
        self.set_mark(name, production).await?;
        Ok(DatabaseInfo {
            name: name.to_owned(),
            production,
            default: name == self.default,
        })
    }

    /// Drops database `name` (not the one this server serves at `/graphql`).
    pub async fn drop_database(&self, raw: &str) -> Result<(), ManagerError> {
        let name = name(raw)?;
        if name == self.default {
            return Err(ManagerError::Refused(format!(
                "{name} is the database this server serves at /graphql; it cannot be dropped while served"
            )));
        }
        let listed = self.list().await?.into_iter().any(|d| d.name == name);
        if !listed {
            return Err(ManagerError::Unknown(name));
        }
        self.stop(&name).await;
        let mut conn = self.server_connection().await?;
        sqlx::query(&format!(
            "drop database {} with (force)",
            quote_ident(&name)
        ))
        .execute(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(())
    }
}
