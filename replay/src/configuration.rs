//! The configuration as it stood at a log position: the latest stage at or before it (its
//! snapshot), then the configuration events after that stage. The cost grows with the events
//! since the stage, not with the whole log.

use cqrs_es::Aggregate;
use domain::configuration::{Configuration, ConfigurationEvent};
use projections::configuration::stage_at_or_before;
use sqlx::PgConnection;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReplayError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event {position} cannot be read: {source}")]
    Payload {
        position: i64,
        source: serde_json::Error,
    },
    #[error("projection: {0}")]
    Projection(String),
    #[error("a rebuild or verify of the {0} read model is running already: wait for it to end")]
    Busy(String),
    #[error(transparent)]
    Cut(#[from] store::log::InsideTransaction),
}

/// Where a replay started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The snapshot of this stage.
    Stage(String),
    /// The beginning of the log.
    Beginning,
}

/// The configuration at `position`, and what the replay started from.
pub async fn configuration_at(
    conn: &mut PgConnection,
    position: i64,
) -> Result<(Configuration, Start), ReplayError> {
    let stage = stage_at_or_before(&mut *conn, position).await?;
    let (configuration, after, start) = match stage {
        Some(stage) => (
            stage.configuration,
            stage.position,
            Start::Stage(stage.name),
        ),
        None => (Configuration::default(), 0, Start::Beginning),
    };
    let configuration = fold_from(conn, configuration, after, position).await?;
    Ok((configuration, start))
}

/// The configuration at `position`, folded from the first event: what [`configuration_at`]
/// saves. For comparisons and benchmarks.
pub async fn configuration_at_from_beginning(
    conn: &mut PgConnection,
    position: i64,
) -> Result<Configuration, ReplayError> {
    fold_from(conn, Configuration::default(), 0, position).await
}

async fn fold_from(
    conn: &mut PgConnection,
    mut configuration: Configuration,
    after: i64,
    up_to: i64,
) -> Result<Configuration, ReplayError> {
    let events: Vec<(i64, String)> = sqlx::query_as(
        "select position, payload::text from events
          where aggregate_type = $1 and position > $2 and position <= $3
          order by sequence",
    )
    .bind(Configuration::TYPE)
    .bind(after)
    .bind(up_to)
    .fetch_all(&mut *conn)
    .await?;
    for (position, payload) in events {
        let event: ConfigurationEvent = serde_json::from_str(&payload)
            .map_err(|source| ReplayError::Payload { position, source })?;
        configuration.apply(event);
    }
    Ok(configuration)
}
