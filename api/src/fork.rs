//! A new database holding the log of another up to a point (a stage): the source is only read.
//! The fork's read models are rebuilt from its log by its own projections.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use thiserror::Error;

use crate::database::{self, quote_ident, redact, DatabaseError};

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
    let options = PgConnectOptions::from_str(target_url).map_err(DatabaseError::Url)?;
    let name = options
        .get_database()
        .map(str::to_owned)
        .ok_or(ForkError::NoName)?;
    let admin = options.clone().database("postgres");
    let mut conn = admin
        .connect()
        .await
        .map_err(|source| DatabaseError::Connect {
            url: redact(&admin),
            source,
        })?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if exists {
        return Err(ForkError::Exists(name));
    }
    let copied = async {
        let target = database::open(target_url, 4).await?;
        let copied = replay::fork::copy_log(source, &target, position, progress).await?;
        Ok::<_, ForkError>((target, copied))
    }
    .await;
    if copied.is_err() {
        // nothing half done: a failed fork leaves no database behind.
        let _ = sqlx::query(&format!(
            "drop database if exists {} with (force)",
            quote_ident(&name)
        ))
        .execute(&mut conn)
        .await;
    }
    let _ = conn.close().await;
    copied
}
