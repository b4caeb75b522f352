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
}

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

/// Connects to the database at `url`, creating it first if it does not exist, and applies every
/// migration.
pub async fn open(url: &str, max_connections: u32) -> Result<PgPool, DatabaseError> {
    let options = PgConnectOptions::from_str(url).map_err(DatabaseError::Url)?;
    create_if_missing(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
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
    migrations::MIGRATOR.run(&pool).await?;
    Ok(pool)
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
