//! The `configuration` and `configuration_stage` read models: the configuration as it now
//! stands (read by every rights check and every settings form), and each stage with its
//! snapshot and what changed since the stage before.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::configuration::{changes, Change, Configuration, ConfigurationEvent};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};

use crate::log::StoredEvent;
use crate::runner::{payload, projection, ProjectionError};

/// The configuration as the read model has it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurationRow {
    /// Events in the configuration stream so far.
    pub version: i64,
    /// Log position of the latest configuration event.
    pub position: i64,
    pub configuration: Configuration,
    pub updated_at: DateTime<Utc>,
}

/// A stage: a named point of the log and the configuration there.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    pub name: String,
    pub note: String,
    pub position: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The snapshot: the configuration at the stage.
    pub configuration: Configuration,
    /// What changed since the stage before (since the empty database for the first).
    pub changes: Vec<Change>,
}

#[derive(sqlx::FromRow)]
struct RawStage {
    name: String,
    note: String,
    position: i64,
    version: i64,
    created_at: DateTime<Utc>,
    created_by: String,
    state: Json<Configuration>,
    changes: Json<Vec<Change>>,
}

impl From<RawStage> for StageRow {
    fn from(raw: RawStage) -> Self {
        Self {
            name: raw.name,
            note: raw.note,
            position: raw.position,
            version: raw.version,
            created_at: raw.created_at,
            created_by: raw.created_by,
            configuration: raw.state.0,
            changes: raw.changes.0,
        }
    }
}

projection!(
    /// Keeps `configuration` and `configuration_stage` in step with the log.
    ConfigurationProjection: "configuration", &["configuration", "configuration_stage"], apply
);

async fn apply(tx: &mut PgConnection, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    let ours: Vec<&StoredEvent> = events
        .iter()
        .filter(|e| e.aggregate_type == Configuration::TYPE)
        .collect();
    if ours.is_empty() {
        return Ok(());
    }
    let current = current(&mut *tx).await?;
    let mut configuration = current
        .as_ref()
        .map(|c| c.configuration.clone())
        .unwrap_or_default();
    let mut position = current.as_ref().map(|c| c.position).unwrap_or(0);
    let mut updated_at = current.map(|c| c.updated_at).unwrap_or_default();
    for event in ours {
        // the version counts the stream's events: one already folded in is skipped, so applying
        // a batch twice changes nothing.
        if event.sequence <= version_of(&configuration) {
            continue;
        }
        let payload: ConfigurationEvent = payload(event)?;
        configuration.apply(payload.clone());
        position = event.position;
        updated_at = event.recorded_at;
        if let ConfigurationEvent::StageCreated { name, note } = payload {
            write_stage(tx, event, &configuration, name, note).await?;
        }
    }
    sqlx::query(
        "insert into configuration (version, position, state, updated_at)
         values ($1, $2, $3, $4)
         on conflict (singleton) do update
            set version = excluded.version, position = excluded.position,
                state = excluded.state, updated_at = excluded.updated_at",
    )
    .bind(version_of(&configuration))
    .bind(position)
    .bind(Json(&configuration))
    .bind(updated_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn version_of(configuration: &Configuration) -> i64 {
    i64::try_from(configuration.version()).unwrap_or(i64::MAX)
}

async fn write_stage(
    tx: &mut PgConnection,
    event: &StoredEvent,
    configuration: &Configuration,
    name: String,
    note: String,
) -> Result<(), ProjectionError> {
    let previous: Option<Json<Configuration>> = sqlx::query_scalar(
        "select state from configuration_stage where position < $1
          order by position desc limit 1",
    )
    .bind(event.position)
    .fetch_optional(&mut *tx)
    .await?;
    let before = previous.map(|p| p.0).unwrap_or_default();
    let changed = changes(before.settings(), configuration.settings());
    let author = event
        .metadata_value()
        .get("user")
        .and_then(|u| u.as_str())
        .unwrap_or("unknown")
        .to_owned();
    sqlx::query(
        "insert into configuration_stage
                (name, note, position, version, created_at, created_by, state, changes)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (name) do nothing",
    )
    .bind(name)
    .bind(note)
    .bind(event.position)
    .bind(version_of(configuration))
    .bind(event.recorded_at)
    .bind(author)
    .bind(Json(configuration))
    .bind(Json(&changed))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The configuration as the read model has it; `None` before the first configuration event.
pub async fn current<'e>(db: impl PgExecutor<'e>) -> Result<Option<ConfigurationRow>, sqlx::Error> {
    let row: Option<(i64, i64, Json<Configuration>, DateTime<Utc>)> =
        sqlx::query_as("select version, position, state, updated_at from configuration")
            .fetch_optional(db)
            .await?;
    Ok(
        row.map(|(version, position, state, updated_at)| ConfigurationRow {
            version,
            position,
            configuration: state.0,
            updated_at,
        }),
    )
}

/// Every stage, oldest first.
pub async fn stages<'e>(db: impl PgExecutor<'e>) -> Result<Vec<StageRow>, sqlx::Error> {
    let rows: Vec<RawStage> =
        sqlx::query_as("select * from configuration_stage order by position, name")
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(StageRow::from).collect())
}

/// The stage named `name`.
pub async fn stage<'e>(
    db: impl PgExecutor<'e>,
    name: &str,
) -> Result<Option<StageRow>, sqlx::Error> {
    let row: Option<RawStage> = sqlx::query_as("select * from configuration_stage where name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(row.map(StageRow::from))
}

/// The name of the database `db` is on: where a promotion says it came from.
pub async fn database_name<'e>(db: impl PgExecutor<'e>) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("select current_database()")
        .fetch_one(db)
        .await
}

/// The latest stage at or before log position `position`.
pub async fn stage_at_or_before<'e>(
    db: impl PgExecutor<'e>,
    position: i64,
) -> Result<Option<StageRow>, sqlx::Error> {
    let row: Option<RawStage> = sqlx::query_as(
        "select * from configuration_stage where position <= $1 order by position desc limit 1",
    )
    .bind(position)
    .fetch_optional(db)
    .await?;
    Ok(row.map(StageRow::from))
}
