//! Stages in GraphQL: naming a point of the configuration's history, comparing two, and going
//! back to one in place.

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use commands::{stage as stages, AppState, Failure};
use domain::configuration::{note, stage_name, Model, Right};
use projections::configuration::{self as read_model, StageRow};

use super::auth::{actor, denied, require};
use super::configuration::{
    changes_seen, outcome, Configuration, ConfigurationChange, Outcome, SearchWhere,
};
use super::error::{internal, Problems, UserError};
use super::page::{memory_connection, TotalCount};
use super::payload::{payload, Payload};
use super::request::RequestContext;

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

    /// What changed since the stage before (since the new database, for the first): of the
    /// companies' settings, those of the reader's companies.
    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<ConfigurationChange>> {
        let actor = actor(ctx).await?;
        Ok(changes_seen(&actor, self.0.changes.iter().cloned()))
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

payload!(StagePayload { stage: Stage, user_errors } from StageRow => Stage);

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

/// A promotion written out as a data module.
#[derive(SimpleObject, Default)]
pub struct StageExport {
    /// The data module's text (JSON Lines): load it into another database with
    /// `loadDataModule` (`dryRun: true` first) or `erp data load`.
    pub content: Option<String>,
    /// How many configured things it promotes.
    pub promotions: usize,
    pub user_errors: Vec<UserError>,
}

async fn stage_named(ctx: &Context<'_>, name: &str) -> Result<Option<StageRow>> {
    let state = ctx.data::<AppState>()?;
    read_model::stage(state.reads(), name.trim())
        .await
        .map_err(|e| internal(ctx, e))
}

#[derive(Default)]
pub struct StageQuery;

#[Object]
impl StageQuery {
    /// The stages, oldest first.
    async fn stages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
    ) -> Result<Connection<OpaqueCursor<(i64, String)>, Stage, TotalCount>> {
        require(ctx, Model::Configuration, Right::Read).await?;
        let state = ctx.data::<AppState>()?;
        let rows = read_model::stages(state.reads())
            .await
            .map_err(|e| internal(ctx, e))?;
        let filter = filter.unwrap_or_default();
        let rows = rows
            .into_iter()
            .filter(|row| filter.keeps(&row.name, &row.note))
            .map(|row| ((row.position, row.name.clone()), Stage(row)))
            .collect();
        memory_connection(ctx, after, first, rows).await
    }

    /// The stage `name`.
    async fn stage(&self, ctx: &Context<'_>, name: String) -> Result<Option<Stage>> {
        require(ctx, Model::Configuration, Right::Read).await?;
        Ok(stage_named(ctx, &name).await?.map(Stage))
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
        let state = ctx.data::<AppState>()?;
        let current = actor.config.configuration.settings();
        match stages::diff(state, &from, to.as_deref(), current).await {
            Ok(changes) => Ok(changes_seen(&actor, changes)),
            Err(Failure::Internal(error)) => Err(internal(ctx, error)),
            Err(refused) => Err(refused.to_string().into()),
        }
    }

    /// The configuration changes from stage `from` to stage `to` written as data module
    /// `module` `version` (A.B.C; an odd B is a development version), which promotes them into
    /// another database: each configured thing with what it was at `from` and what it is at
    /// `to`, and this database, the stages and their positions in its header. Administrators
    /// only: it holds every company's settings.
    async fn stage_export(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
        module: String,
        version: String,
    ) -> Result<StageExport> {
        let actor = actor(ctx).await?;
        actor
            .require_admin("export configuration")
            .map_err(denied)?;
        let state = ctx.data::<AppState>()?;
        match stages::export(state, &from, &to, &module, &version).await {
            Ok(export) => Ok(StageExport {
                content: Some(export.content),
                promotions: export.promotions,
                user_errors: vec![],
            }),
            Err(Failure::Internal(error)) => Err(internal(ctx, error)),
            Err(refused) => Ok(StageExport {
                user_errors: vec![refused.into()],
                ..StageExport::default()
            }),
        }
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
        let (name, note) = match problems.finish(name.zip(note)) {
            Ok(parsed) => parsed,
            Err(user_errors) => return Ok(StagePayload::refused(user_errors)),
        };
        let state = ctx.data::<AppState>()?;
        let context = RequestContext::of(ctx).command_context(&actor.login);
        let result = stages::create(state, &context, &name, &note).await;
        match outcome(ctx, &actor, result).await? {
            Outcome::Done(_) => Ok(StagePayload::new(stage_named(ctx, &name).await?, vec![])),
            Outcome::Refused(user_errors, _) => Ok(StagePayload::refused(user_errors)),
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
        let state = ctx.data::<AppState>()?;
        let context = RequestContext::of(ctx).command_context(&actor.login);
        let current = actor.config.configuration.settings();
        let result = stages::restore(state, &context, &input.name, current).await;
        let (restored, kept) = match &result {
            Ok(done) => (
                done.restored,
                changes_seen(&actor, done.kept.iter().cloned()),
            ),
            Err(_) => (false, vec![]),
        };
        Ok(
            match outcome(ctx, &actor, result.map(|done| done.at)).await? {
                Outcome::Done(view) => RestoreStagePayload {
                    configuration: Some(Configuration::now(view)),
                    restored,
                    kept,
                    user_errors: vec![],
                },
                Outcome::Refused(user_errors, view) => RestoreStagePayload {
                    configuration: Some(Configuration::now(view)),
                    restored: false,
                    kept: vec![],
                    user_errors,
                },
            },
        )
    }
}
