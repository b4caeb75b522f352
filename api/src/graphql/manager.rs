//! The database manager in GraphQL, at `/manager/graphql`: its own schema, every field guarded
//! by the master password.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{
    Context, EmptySubscription, ErrorExtensions, Object, Result, Schema, SimpleObject,
};
use chrono::{DateTime, Utc};
use commands::data_module::DataModule;

use super::error::{UserError, UserErrorCode};
use super::payload::{payload, Payload};
use crate::manager::{BackupInfo, DatabaseInfo, ManagerError, Point, Server};

pub type ManagerSchema = Schema<ManagerQuery, ManagerMutation, EmptySubscription>;

/// The manager's schema in SDL.
pub fn manager_sdl() -> String {
    Schema::build(ManagerQuery, ManagerMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// The manager's schema over `server`.
pub fn manager_schema(server: Arc<Server>) -> ManagerSchema {
    let trail = super::trail::Trail {
        data_dir: server.data_dir().to_owned(),
    };
    Schema::build(ManagerQuery, ManagerMutation, EmptySubscription)
        .extension(trail)
        .data(server)
        // the manager's schema is the same for every server (it is in the repository): anyone
        // may introspect it.
        .extension(super::admission::Admission {
            depth: 6,
            introspection: super::Introspection::Anyone,
        })
        .limit_complexity(500)
        .finish()
}

/// A database of this server.
#[derive(SimpleObject)]
pub struct ManagedDatabase {
    pub name: String,
    pub production: bool,
    /// Whether the server serves it at `/graphql` too (every database is at `/db/<name>/graphql`).
    pub default: bool,
    /// Where its GraphQL is served.
    pub endpoint: String,
}

impl From<DatabaseInfo> for ManagedDatabase {
    fn from(d: DatabaseInfo) -> Self {
        Self {
            endpoint: format!("/db/{}/graphql", d.name),
            name: d.name,
            production: d.production,
            default: d.default,
        }
    }
}

/// A backup in the server's backup folder.
#[derive(SimpleObject)]
pub struct Backup {
    /// Its name in the backup folder: what `restoreDatabase` takes.
    pub file: String,
    pub bytes: i64,
    /// Events it holds (null when only listed).
    pub events: Option<i64>,
    pub last_position: Option<i64>,
    /// The running hash over the log in it, as its manifest says.
    pub chain: Option<String>,
}

impl From<BackupInfo> for Backup {
    fn from(b: BackupInfo) -> Self {
        Self {
            file: b.file,
            bytes: i64::try_from(b.bytes).unwrap_or(i64::MAX),
            events: i64::try_from(b.events).ok(),
            last_position: Some(b.last_position),
            chain: Some(b.chain),
        }
    }
}

#[derive(SimpleObject)]
pub struct DatabasePayload {
    pub database: Option<ManagedDatabase>,
    /// Events copied (duplicate, restore).
    pub events: Option<i64>,
    pub user_errors: Vec<UserError>,
}

payload!(BackupPayload { backup: Backup, user_errors } from BackupInfo => Backup::from);

#[derive(SimpleObject)]
pub struct DonePayload {
    pub done: bool,
    pub user_errors: Vec<UserError>,
}

fn server<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Server>> {
    ctx.data::<Arc<Server>>()
}

/// Checks the master password; a wrong one is an error (not a user error: nothing is shown).
async fn guard(ctx: &Context<'_>, password: &str) -> Result<Arc<Server>> {
    let server = server(ctx)?.clone();
    match server.master.check(password).await {
        Ok(()) => Ok(server),
        Err(ManagerError::WrongPassword { waited }) => Err(wrong_password(
            "wrong master password; each wrong try makes the next answer wait longer",
            waited,
        )),
        Err(other) => Err(internal(other)),
    }
}

/// A wrong master password as the client reads it: `message`, with how long the answer waited.
fn wrong_password(message: &str, waited: Duration) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| {
        e.set("code", "WRONG_MASTER_PASSWORD");
        e.set("waitedMs", waited.as_millis() as u64);
    })
}

fn internal(error: ManagerError) -> async_graphql::Error {
    tracing::error!(%error, "database manager failed");
    async_graphql::Error::new(format!("the operation failed: {error}"))
}

/// A manager failure as the user reads it, or an internal error.
fn refusal(error: ManagerError) -> Result<Vec<UserError>> {
    let (field, code): (&[&str], _) = match &error {
        ManagerError::BadName(_) => (&["name"], UserErrorCode::Invalid),
        ManagerError::Unknown(_) => (&["name"], UserErrorCode::NotFound),
        ManagerError::Exists(_) => (&["name"], UserErrorCode::AlreadyExists),
        ManagerError::Refused(_) => (&[], UserErrorCode::Invalid),
        ManagerError::DataModule(_) => (&["dataModule"], UserErrorCode::Invalid),
        ManagerError::Password(_) => (&["new"], UserErrorCode::Invalid),
        ManagerError::Fork(crate::fork::ForkError::Exists(_)) => {
            (&["to"], UserErrorCode::AlreadyExists)
        }
        ManagerError::Fork(crate::fork::ForkError::Import(_)) => {
            (&["file"], UserErrorCode::Invalid)
        }
        ManagerError::Fork(crate::fork::ForkError::Copy(
            replay::configuration::ReplayError::Cut(_),
        )) => (&["position"], UserErrorCode::Invalid),
        _ => return Err(internal(error)),
    };
    Ok(vec![UserError::new(field, error.to_string(), code)])
}

/// `done`, or the user errors the refusal is.
fn done(result: Result<(), ManagerError>) -> Result<DonePayload> {
    Ok(match result {
        Ok(()) => DonePayload {
            done: true,
            user_errors: vec![],
        },
        Err(e) => DonePayload {
            done: false,
            user_errors: refusal(e)?,
        },
    })
}

fn database_payload(
    result: Result<(DatabaseInfo, Option<u64>), ManagerError>,
) -> Result<DatabasePayload> {
    Ok(match result {
        Ok((database, events)) => DatabasePayload {
            database: Some(database.into()),
            events: events.and_then(|e| i64::try_from(e).ok()),
            user_errors: vec![],
        },
        Err(e) => DatabasePayload {
            database: None,
            events: None,
            user_errors: refusal(e)?,
        },
    })
}

#[derive(Default)]
pub struct ManagerQuery;

#[Object]
impl ManagerQuery {
    /// The databases of this application on this server.
    async fn databases(
        &self,
        ctx: &Context<'_>,
        master_password: String,
    ) -> Result<Vec<ManagedDatabase>> {
        let server = guard(ctx, &master_password).await?;
        Ok(server
            .list()
            .await
            .map_err(internal)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The backups in the server's backup folder, newest first.
    async fn backups(&self, ctx: &Context<'_>, master_password: String) -> Result<Vec<Backup>> {
        let server = guard(ctx, &master_password).await?;
        Ok(server
            .backups()
            .map_err(internal)?
            .into_iter()
            .map(|(file, bytes)| Backup {
                file,
                bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
                events: None,
                last_position: None,
                chain: None,
            })
            .collect())
    }

    /// What was asked of the manager (its mutations, and `erp db` commands), newest first:
    /// when, what with which arguments (passwords left out), by whom, and how it ended.
    async fn trail(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        #[graphql(default = 50, validator(minimum = 1, maximum = 1000))] last: i32,
    ) -> Result<Vec<TrailEntry>> {
        let server = guard(ctx, &master_password).await?;
        let last = usize::try_from(last).unwrap_or(50);
        Ok(crate::manager::trail::read(server.data_dir(), last)
            .map_err(|e| internal(ManagerError::Io(e)))?
            .into_iter()
            .map(|e| TrailEntry {
                at: e.at,
                operation: e.operation,
                arguments: serde_json::Value::Object(e.arguments),
                by: e.by,
                outcome: e.outcome,
            })
            .collect())
    }
}

/// One operation of the manager.
#[derive(SimpleObject)]
pub struct TrailEntry {
    pub at: DateTime<Utc>,
    /// The mutation (`createDatabase`) or the command (`db create`).
    pub operation: String,
    /// Its arguments, passwords left out.
    pub arguments: serde_json::Value,
    /// The client's address and program, or the command line and its user.
    pub by: String,
    /// `OK`, or the code of why it did not happen.
    pub outcome: String,
}

#[derive(Default)]
pub struct ManagerMutation;

#[Object]
impl ManagerMutation {
    /// A new database, initialized like any (module `base`, EUR, the `user` group, `admin`);
    /// with `demo`, the demo company's books and business.
    async fn create_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        name: String,
        #[graphql(default)] demo: bool,
        #[graphql(
            desc = "A data module's text (JSON lines, as `loadDataModule` takes) to load into the new database: it is made with the module in it, or not at all."
        )]
        data_module: Option<String>,
    ) -> Result<DatabasePayload> {
        let server = guard(ctx, &master_password).await?;
        let module = match data_module.as_deref().map(DataModule::parse).transpose() {
            Ok(module) => module,
            Err(refusal) => {
                let refused = Err(ManagerError::DataModule(refusal.to_string()));
                return database_payload(refused);
            }
        };
        let created = server.create(&name, demo, module.as_ref()).await;
        database_payload(created.map(|d| (d, None)))
    }

    /// A copy of database `from` as it is now, or as it was at a stage, a log position or a
    /// time (give at most one), as new database `to`; `from` is only read. The copy is a test
    /// database, by its own log too.
    #[allow(clippy::too_many_arguments)] // the arguments are the GraphQL field's
    async fn duplicate_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        from: String,
        to: String,
        stage: Option<String>,
        position: Option<i64>,
        time: Option<DateTime<Utc>>,
    ) -> Result<DatabasePayload> {
        let server = guard(ctx, &master_password).await?;
        let point = match (stage, position, time) {
            (None, None, None) => Point::Now,
            (Some(stage), None, None) => Point::Stage(stage),
            (None, Some(position), None) => Point::Position(position),
            (None, None, Some(time)) => Point::Time(time),
            _ => {
                return Ok(DatabasePayload {
                    database: None,
                    events: None,
                    user_errors: vec![UserError::new(
                        &[],
                        "give at most one of stage, position and time",
                        UserErrorCode::Invalid,
                    )],
                })
            }
        };
        database_payload(
            server
                .duplicate(&from, &to, point)
                .await
                .map(|(d, e)| (d, Some(e))),
        )
    }

    /// Writes database `name`'s event log to a checksummed file in the backup folder.
    async fn backup_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        name: String,
    ) -> Result<BackupPayload> {
        let server = guard(ctx, &master_password).await?;
        Ok(match server.backup(&name).await {
            Ok(backup) => BackupPayload::new(Some(backup), vec![]),
            Err(e) => BackupPayload::refused(refusal(e)?),
        })
    }

    /// Makes database `name` from backup `file` (of the backup folder), which must match its
    /// manifest and verify. Over an existing database only with `replace: true`. It is a test
    /// database, by its own log too, until marked production.
    async fn restore_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        file: String,
        name: String,
        #[graphql(default)] replace: bool,
    ) -> Result<DatabasePayload> {
        let server = guard(ctx, &master_password).await?;
        let path = match server.backup_file(&file) {
            Ok(path) => path,
            Err(e) => {
                return Ok(DatabasePayload {
                    database: None,
                    events: None,
                    user_errors: vec![UserError::new(
                        &["file"],
                        e.to_string(),
                        UserErrorCode::NotFound,
                    )],
                })
            }
        };
        database_payload(
            server
                .restore_from(&path, &name, replace)
                .await
                .map(|(d, e)| (d, Some(e))),
        )
    }

    /// Marks a database as production (development module versions refused unless forced)
    /// or as a test database.
    async fn mark_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        name: String,
        production: bool,
    ) -> Result<DatabasePayload> {
        let server = guard(ctx, &master_password).await?;
        database_payload(server.mark(&name, production).await.map(|d| (d, None)))
    }

    /// Drops a database and everything in it.
    async fn drop_database(
        &self,
        ctx: &Context<'_>,
        master_password: String,
        name: String,
    ) -> Result<DonePayload> {
        let server = guard(ctx, &master_password).await?;
        done(server.drop_database(&name).await)
    }

    /// Changes the master password, given the current one.
    async fn change_master_password(
        &self,
        ctx: &Context<'_>,
        old: String,
        new: String,
    ) -> Result<DonePayload> {
        let server = server(ctx)?.clone();
        match server.master.change(&old, &new).await {
            Err(ManagerError::WrongPassword { waited }) => {
                Err(wrong_password("wrong master password", waited))
            }
            result => done(result),
        }
    }
}
