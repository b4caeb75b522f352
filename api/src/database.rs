//! Connecting to a database of the server: creating it when it is missing, and migrating it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DatabaseError {
    #[error("invalid database URL: {0}")]
    Url(sqlx::Error),
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot create database {name}: {source}")]
    Create { name: String, source: sqlx::Error },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database is not one this command may use or change.
    #[error("{0}")]
    Refused(String),
    #[error("cannot read database {name}: {source}")]
    Inspect { name: String, source: sqlx::Error },
}

/// What a command may do to the database it is pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Create it if it is missing and apply the migrations (`serve`, `migrate`, `db create`):
    /// an existing database must be empty or already ours.
    Create,
    /// Use it as it is: it must exist, be ours, and need no migration.
    Existing,
}

/// PostgreSQL's own databases: never made into ours, whatever a command is pointed at.
const SYSTEM_DATABASES: [&str; 3] = ["postgres", "template0", "template1"];

/// A database URL without its password, for messages.
pub fn redact(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}

/// Connects to the database at `url`: with [`Reach::Create`], creating it first if it does not
/// exist and applying every migration; with [`Reach::Existing`], only if it is a database of
/// ours that needs no migration. Anything else is refused and left untouched.
pub async fn open(url: &str, max_connections: u32, reach: Reach) -> Result<PgPool, DatabaseError> {
    let options = PgConnectOptions::from_str(url).map_err(DatabaseError::Url)?;
    let name = options.get_database().unwrap_or("postgres").to_owned();
    if SYSTEM_DATABASES.contains(&name.as_str()) {
        return Err(DatabaseError::Refused(format!(
            "{name} is PostgreSQL's own database, not one of this application's: point erp at a \
             database of its own"
        )));
    }
    match reach {
        Reach::Create => create_if_missing(&options).await?,
        Reach::Existing => {
            let mut conn = server_connection(&options).await?;
            let found = exists(&mut conn, &name).await;
            let _ = conn.close().await;
            let found = found.map_err(|source| DatabaseError::Inspect {
                name: name.clone(),
                source,
            })?;
            if !found {
                return Err(DatabaseError::Refused(format!(
                    "there is no database {name}: `erp migrate` or `erp serve` makes one"
                )));
            }
        }
    }
    let pool = pool_options(max_connections)
        .connect_with(options.clone())
        .await;
    let pool = match pool {
        Ok(pool) => pool,
        Err(source) => {
            // the pool retries what may pass (too many clients, a server starting up) until its
            // time is up, then says only that it timed out: one more try says why.
            let source = match source {
                sqlx::Error::PoolTimedOut => options.connect().await.err().unwrap_or(source),
                other => other,
            };
            let url = redact(&options);
            return Err(DatabaseError::Connect { url, source });
        }
    };
    let checked = ours(&pool, &name, reach).await;
    if let Err(refused) = checked {
        pool.close().await;
        return Err(refused);
    }
    if reach == Reach::Create {
        migrations::MIGRATOR.run(&pool).await?;
    }
    Ok(pool)
}

/// The options of every pool of the server: at most `max_connections`, 10 s to wait for one.
///
/// A connection idle for less than [`UNTESTED_FOR`] is handed out as it is; one idle longer is
/// pinged first (a round trip), and replaced if the server hung up on it (a restart, a failover).
/// sqlx pings every connection it hands out by default: a round trip more for every statement
/// taken from the pool, which a profile showed at an eighth of a write's time. (It also pings
/// each one it takes back, which cannot be turned off.) The price: a connection the server hung
/// up on less than a second after its last use is handed out untested, and the request on it
/// fails once; sqlx then drops it.
///
/// Every connection runs with `jit = off`: our statements are short, and the planner's JIT,
/// which switches on above a cost estimate that reports over a grown history pass, added 20 to
/// 26 ms to each of them (issue 20) for nothing they need.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::Executor::execute(conn, "set jit = off").await?;
                Ok(())
            })
        })
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= UNTESTED_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// How long a pooled connection may sit idle and still be handed out without a ping.
pub const UNTESTED_FOR: Duration = Duration::from_secs(1);

/// Whether database `name` is one `reach` lets a command use: ours (it has the event log) and
/// migrated; or, for [`Reach::Create`], also an empty one (no table of its own yet).
async fn ours(pool: &PgPool, name: &str, reach: Reach) -> Result<(), DatabaseError> {
    let inspect = |source| DatabaseError::Inspect {
        name: name.to_owned(),
        source,
    };
    let (has_log, tables): (bool, i64) = sqlx::query_as(
        "select to_regclass('public.events') is not null,
                (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm'))",
    )
    .fetch_one(pool)
    .await
    .map_err(inspect)?;
    if !has_log {
        return match (reach, tables) {
            (Reach::Create, 0) => Ok(()),
            (Reach::Create, _) => Err(DatabaseError::Refused(format!(
                "database {name} holds {tables} tables of its own but no event log: it is not \
                 one of this application's, and erp will not change it"
            ))),
            (Reach::Existing, _) => Err(DatabaseError::Refused(format!(
                "database {name} is not one of this application's (it has no event log): erp \
                 will not change it; `erp migrate` makes a new database of its own"
            ))),
        };
    }
    if reach == Reach::Existing {
        let applied: Vec<i64> =
            sqlx::query_scalar("select version from _sqlx_migrations where success")
                .fetch_all(pool)
                .await
                .map_err(inspect)?;
        let pending = migrations::MIGRATOR
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .any(|m| !applied.contains(&m.version));
        if pending {
            return Err(DatabaseError::Refused(format!(
                "database {name} was made by an older erp and needs migrating: run `erp migrate` \
                 first"
            )));
        }
    }
    Ok(())
}

/// A connection to the `postgres` database of the server `options` points at, for creating and
/// dropping databases.
pub async fn server_connection(options: &PgConnectOptions) -> Result<PgConnection, DatabaseError> {
    let admin = options.clone().database("postgres");
    admin
        .connect()
        .await
        .map_err(|source| DatabaseError::Connect {
            url: redact(&admin),
            source,
        })
}

/// Whether the server `conn` is connected to has a database named `name`.
pub async fn exists(conn: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
}

async fn create_if_missing(options: &PgConnectOptions) -> Result<(), DatabaseError> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    // reaching the database itself is the usual case: nothing to create.
    if let Ok(conn) = options.clone().connect().await {
        let _ = conn.close().await;
        return Ok(());
    }
    let mut conn = server_connection(options).await?;
    let exists = exists(&mut conn, &name)
        .await
        .map_err(|source| DatabaseError::Create {
            name: name.clone(),
            source,
        })?;
    if !exists {
        let created = sqlx::query(&format!("create database {}", quote_ident(&name)))
            .execute(&mut conn)
            .await;
        // another process may have created it meanwhile: that is fine.
        if let Err(source) = created {
            let duplicate = source
                .as_database_error()
                .and_then(|e| e.code())
                .is_some_and(|code| code == "42P04");
            if !duplicate {
                return Err(DatabaseError::Create { name, source });
            }
        }
    }
    let _ = conn.close().await;
    Ok(())
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Renames database `from` to `to` and, with `mark`, sets its comment (how the manager marks
/// its databases) in the same transaction: the database appears under its new name already
/// marked. A pool just closed on `from` may leave its server processes exiting for a moment,
/// and PostgreSQL refuses to rename a database anyone is connected to: those sessions are ended
/// and the rename tried again, for up to five seconds.
pub async fn rename(
    conn: &mut PgConnection,
    from: &str,
    to: &str,
    mark: Option<&str>,
) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut tries = 0;
    loop {
        let renamed = async {
            let mut tx = conn.begin().await?;
            sqlx::query(&format!(
                "alter database {} rename to {}",
                quote_ident(from),
                quote_ident(to)
            ))
            .execute(&mut *tx)
            .await?;
            if let Some(mark) = mark {
                sqlx::query(&format!(
                    "comment on database {} is '{}'",
                    quote_ident(to),
                    mark.replace('\'', "''")
                ))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await;
        match renamed {
            Ok(()) => return Ok(()),
            // 55006: object in use
            Err(e)
                if tries < 50
                    && e.as_database_error().and_then(|d| d.code()).as_deref() == Some("55006") =>
            {
                tries += 1;
                sqlx::query(
                    "select pg_terminate_backend(pid) from pg_stat_activity
                      where datname = $1 and pid <> pg_backend_pid()",
                )
                .bind(from)
                .execute(&mut *conn)
                .await?;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
