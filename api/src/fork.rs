//! New databases from a log: another database's up to a point (a stage, a position, a time;
//! the source is only read), or an export file. Their read models are rebuilt from the log by
//! their own projections.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use thiserror::Error;

use crate::database::{self, quote_ident, DatabaseError};

pub use replay::export::{ImportError, Manifest};
pub use replay::fork::CopyProgress;

#[derive(Debug, Error)]
pub enum ForkError {
    #[error("database {0} exists already: choose a new name (nothing was changed)")]
    Exists(String),
    #[error("the target URL names no database")]
    NoName,
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("copying the log: {0}")]
    Copy(#[from] replay::configuration::ReplayError),
    #[error("import refused, nothing was kept: {0}")]
    Import(#[from] ImportError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Creates the database at `target_url` (which must not exist), migrates it, and copies into
/// it `source`'s log up to and including `position`. On failure the new database is dropped.
/// Returns a pool on it and how many events it holds.
pub async fn fork(
    source: &PgPool,
    position: i64,
    target_url: &str,
    progress: impl Fn(CopyProgress),
) -> Result<(PgPool, u64), ForkError> {
    new_database(target_url, |target| async move {
        Ok(replay::fork::copy_log(source, &target, position, progress).await?)
    })
    .await
}

/// Creates the database at `target_url` (which must not exist) from an export of a log, which
/// must match its manifest and verify (every chain and seal); otherwise nothing stays.
pub async fn import(
    input: impl std::io::BufRead,
    target_url: &str,
    progress: impl Fn(u64),
) -> Result<(PgPool, Manifest), ForkError> {
    new_database(target_url, |target| async move {
        let manifest = replay::export::import(input, &target, progress).await?;
        let findings = replay::verify::verify_log(&target, |_| {}).await?;
        if let Some(first) = findings.first() {
            return Err(ForkError::Import(ImportError::Mismatch(format!(
                "the imported log does not verify: {first}"
            ))));
        }
        Ok(manifest)
    })
    .await
}

/// Creates and migrates the database at `target_url`, which must not exist, and fills it with
/// `fill`. The database is built under a name of its own (`<name>_partial_<random>`, marked
/// `erp:partial`) and renamed to the target, marked as a test database, only once `fill`
/// succeeded: a failure drops it, and a process killed meanwhile leaves nothing under the
/// target name (what it leaves is dropped by [`clean_abandoned`]).
async fn new_database<T, F, Fut>(target_url: &str, fill: F) -> Result<(PgPool, T), ForkError>
where
    F: FnOnce(PgPool) -> Fut,
    Fut: std::future::Future<Output = Result<T, ForkError>>,
{
    let options = PgConnectOptions::from_str(target_url).map_err(DatabaseError::Url)?;
    let name = options
        .get_database()
        .map(str::to_owned)
        .ok_or(ForkError::NoName)?;
    let mut conn = database::server_connection(&options).await?;
    if database::exists(&mut conn, &name).await? {
        return Err(ForkError::Exists(name));
    }
    let suffix: String = (0..8)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rand::random_range(0..36)]))
        .collect();
    let partial = format!("{}_partial_{suffix}", truncated(&name, 40));
    let partial_url = options
        .clone()
        .database(&partial)
        .to_url_lossy()
        .to_string();
    let filled = async {
        // held until this connection closes: `clean_abandoned` leaves the database alone
        // meanwhile, even while no session is in it (before it is opened, while it is renamed).
        sqlx::query("select pg_advisory_lock(hashtext($1))")
            .bind(building_lock(&partial))
            .execute(&mut conn)
            .await?;
        // marked before anything is copied: a kill from here on leaves a database
        // `clean_abandoned` recognises.
        sqlx::query(&format!("create database {}", quote_ident(&partial)))
            .execute(&mut conn)
            .await?;
        sqlx::query(&format!(
            "comment on database {} is '{PARTIAL}'",
            quote_ident(&partial)
        ))
        .execute(&mut conn)
        .await?;
        let target = database::open(&partial_url, 4, database::Reach::Create).await?;
        let value = fill(target.clone()).await;
        target.close().await;
        let value = value?;
        database::rename(&mut conn, &partial, &name, Some("erp:test")).await?;
        Ok::<_, ForkError>(value)
    }
    .await;
    let result = match filled {
        Ok(value) => match database::open(target_url, 4, database::Reach::Existing).await {
            Ok(pool) => Ok((pool, value)),
            Err(e) => {
                // complete, but not to be had: not kept either.
                discard(&mut conn, &name).await;
                Err(e.into())
            }
        },
        Err(e) => {
            // nothing half done: a failed fill leaves no database behind.
            discard(&mut conn, &partial).await;
            Err(e)
        }
    };
    let _ = conn.close().await;
    result
}

/// How a database being built is marked until it is complete.
pub const PARTIAL: &str = "erp:partial";

/// The advisory lock (on the server's `postgres` database) its builder holds on a partial
/// database.
fn building_lock(partial: &str) -> String {
    format!("erp-building:{partial}")
}

/// The first `chars` characters of `name` (database names are at most 63 bytes).
fn truncated(name: &str, chars: usize) -> &str {
    match name.char_indices().nth(chars) {
        Some((at, _)) => &name[..at],
        None => name,
    }
}

/// Drops the databases a copy, restore or import left half built when its process was killed:
/// marked `erp:partial` (or named as a partial database and not marked yet), with no one
/// connected and no builder holding its lock (`conn` must be
/// on the server's `postgres` database, where builders take it). Returns their names.
pub async fn clean_abandoned(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    // a builder killed between creating its database and marking it leaves one unmarked, named
    // as only builders name them.
    let candidates: Vec<String> = sqlx::query_scalar(
        "select d.datname::text from pg_database d
          where (shobj_description(d.oid, 'pg_database') = $1
                 or (shobj_description(d.oid, 'pg_database') is null
                     and d.datname ~ '_partial_[a-z0-9]{8}$'))
            and not exists (select 1 from pg_stat_activity a where a.datname = d.datname)",
    )
    .bind(PARTIAL)
    .fetch_all(&mut *conn)
    .await?;
    let mut abandoned = Vec::new();
    for name in candidates {
        let free: bool = sqlx::query_scalar("select pg_try_advisory_lock(hashtext($1))")
            .bind(building_lock(&name))
            .fetch_one(&mut *conn)
            .await?;
        if !free {
            continue; // still being built
        }
        tracing::warn!(database = %name, "dropping a database a killed copy or restore left half built");
        discard(&mut *conn, &name).await;
        sqlx::query("select pg_advisory_unlock(hashtext($1))")
            .bind(building_lock(&name))
            .execute(&mut *conn)
            .await?;
        abandoned.push(name);
    }
    Ok(abandoned)
}

/// Drops database `name` if it is there, whoever is connected to it, on a best-effort basis:
/// what a creation that failed leaves behind goes, and a failure to drop it changes nothing of
/// the error the caller reports.
pub(crate) async fn discard(conn: &mut PgConnection, name: &str) {
    let drop = format!("drop database if exists {} with (force)", quote_ident(name));
    for _ in 0..20 {
        // (a session starting as the others are ended makes it fail: then once more)
        match sqlx::query(&drop).execute(&mut *conn).await {
            Ok(_) => return,
            Err(e) => tracing::debug!(database = %name, error = %e, "dropping failed; again"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tracing::error!(database = %name, "could not drop what a failed copy, restore or import made");
}
