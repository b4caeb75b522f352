//! Stages in GraphQL: naming a point of the configuration's history, comparing two, and going
//! back to one in place.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::configuration::{
    changes, note, restoration, stage_name, ConfigurationCommand, Model, Right, Settings,
};
use projections::configuration::{self as read_model, StageRow};

use super::configuration::{send, Configuration, ConfigurationChange, Outcome};
use super::{internal, Problems, UserError, UserErrorCode};
use crate::auth::require;
use crate::AppState;

/// A named point of the log, with the configuration there.
pub struct Stage(pub StageRow);

#[Object]
impl Stage {
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn note(&self) -> &str {
        &self.0.note
    }

    /// The log position the stage names.
    async fn position(&self) -> i64 {
        self.0.position
    }

    /// The configuration version at the stage.
    async fn configuration_version(&self) -> i64 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Login of who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// What changed since the stage before (since the new database, for the first).
    async fn changes(&self) -> Vec<ConfigurationChange> {
        self.0.changes.iter().cloned().map(Into::into).collect()
    }
}

#[derive(InputObject)]
pub struct CreateStageInput {
    pub name: String,
    #[graphql(default)]
    pub note: String,
}

#[derive(InputObject)]
pub struct RestoreStageInput {
    pub name: String,
}

#[derive(SimpleObject)]
pub struct StagePayload {
    pub stage: Option<Stage>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct RestoreStagePayload {
    /// The configuration afterwards.
    pub configuration: Option<Configuration>,
    /// Whether anything had to change (restoring a stage twice changes nothing the second time).
    pub restored: bool,
    /// What the stage does not have but stays, because business records use it.
    pub kept: Vec<ConfigurationChange>,
    pub user_errors: Vec<UserError>,
}

async fn stage_named(ctx: &Context<'_>, name: &str) -> Result<Option<StageRow>> {
    let state = ctx.data::<AppState>()?;
    read_model::stage(&state.pool, name.trim())
        .await
        .map_err(|e| internal(ctx, e))
}

fn unknown_stage(name: &str) -> UserError {
    UserError::new(
        &["input", "name"],
        format!("there is no stage named '{}'", name.trim()),
        UserErrorCode::NotFound,
    )
}

#[derive(Default)]
pub struct StageQuery;

#[Object]
impl StageQuery {
    /// Every stage, oldest first.
    async fn stages(&self, ctx: &Context<'_>) -> Result<Vec<Stage>> {
        require(ctx, Model::Configuration, Right::Read).await?;
        let state = ctx.data::<AppState>()?;
        let rows = read_model::stages(&state.pool)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(rows.into_iter().map(Stage).collect())
    }

    /// What changed in configuration from stage `from` to stage `to` (to the configuration as
    /// it now stands when `to` is null).
    async fn stage_diff(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: Option<String>,
    ) -> Result<Vec<ConfigurationChange>> {
        let actor = require(ctx, Model::Configuration, Right::Read).await?;
        let Some(before) = stage_named(ctx, &from).await? else {
            return Err(format!("there is no stage named '{}'", from.trim()).into());
        };
        let after: Settings = match to {
            Some(to) => match stage_named(ctx, &to).await? {
                Some(stage) => stage.configuration.settings().clone(),
                None => return Err(format!("there is no stage named '{}'", to.trim()).into()),
            },
            None => actor.config.configuration.settings().clone(),
        };
        Ok(changes(before.configuration.settings(), &after)
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(Default)]
pub struct StageMutation;

#[Object]
impl StageMutation {
    /// Names the current point of the log and keeps the configuration there as a snapshot.
    async fn create_stage(
        &self,
        ctx: &Context<'_>,
        input: CreateStageInput,
    ) -> Result<StagePayload> {
        let actor = require(ctx, Model::Configuration, Right::Write).await?;
        let mut problems = Problems::default();
        let name = problems.text(&["input", "name"], stage_name(&input.name));
        let note = problems.text(&["input", "note"], note(&input.note));
        let command = match problems.finish(name.zip(note)) {
            Ok((name, note)) => ConfigurationCommand::CreateStage { name, note },
            Err(user_errors) => {
                return Ok(StagePayload {
                    stage: None,
                    user_errors,
                })
            }
        };
        let name = match &command {
            ConfigurationCommand::CreateStage { name, .. } => name.clone(),
            _ => String::new(),
        };
        match send(ctx, &actor, command).await? {
            Outcome::Done(_) => Ok(StagePayload {
                stage: stage_named(ctx, &name).await?.map(Stage),
                user_errors: vec![],
            }),
            Outcome::Refused(user_errors, _) => Ok(StagePayload {
                stage: None,
                user_errors,
            }),
        }
    }

    /// Brings the configuration back to a stage's, in place: the changes are appended to the
    /// log (and show in history); business records stay.
    async fn restore_stage(
        &self,
        ctx: &Context<'_>,
        input: RestoreStageInput,
    ) -> Result<RestoreStagePayload> {
        let actor = require(ctx, Model::Configuration, Right::Write).await?;
        let Some(stage) = stage_named(ctx, &input.name).await? else {
            return Ok(RestoreStagePayload {
                configuration: Some(Configuration(actor.config)),
                restored: false,
                kept: vec![],
                user_errors: vec![unknown_stage(&input.name)],
            });
        };
        let target = stage.configuration.settings().clone();
        // what products, orders, invoices and entries use stays, whatever the stage says.
        let state = ctx.data::<AppState>()?;
        let last = projections::log::latest(&state.pool)
            .await
            .map_err(|e| internal(ctx, e))?;
        if let Some(at) = last {
            if !state
                .business_progress
                .wait_for(at, state.read_your_writes_timeout)
                .await
            {
                return Err(
                    "the business read models are behind the log; try again in a moment".into(),
                );
            }
        }
        let in_use = projections::business::in_use(&state.pool)
            .await
            .map_err(|e| internal(ctx, e))?;
        let plan = restoration(actor.config.configuration.settings(), &target, &in_use);
        let kept = plan.kept.into_iter().map(Into::into).collect();
        let restored = !plan.events.is_empty();
        let command = ConfigurationCommand::RestoreStage {
            name: stage.name,
            target: Box::new(target),
            in_use,
        };
        Ok(match send(ctx, &actor, command).await? {
            Outcome::Done(view) => RestoreStagePayload {
                configuration: Some(Configuration(view)),
                restored,
                kept,
                user_errors: vec![],
            },
            Outcome::Refused(user_errors, view) => RestoreStagePayload {
                configuration: Some(Configuration(view)),
                restored: false,
                kept: vec![],
                user_errors,
            },
        })
    }
}
