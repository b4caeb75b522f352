//! Data modules over GraphQL: what `erp data load` does with a file, for a client that sets up
//! a database without the command line.

use async_graphql::{Context, Object, Result, SimpleObject};
use commands::data_module::{self, DataModule, LoadError, Report};
use commands::AppState;

use super::auth::{actor, denied};
use super::configuration::ConfigurationChange;
use super::error::{internal, UserError, UserErrorCode};

/// What loading a data module did, or would do.
#[derive(SimpleObject, Default)]
pub struct DataModulePayload {
    /// The module (`name@version`), once its text reads as one.
    pub module: Option<String>,
    /// Whether the changes were made (false for a dry run, or when nothing was to change).
    pub applied: bool,
    /// The configuration changes, as a stage diff shows them.
    pub configuration: Vec<ConfigurationChange>,
    /// One sentence per partner created or changed.
    pub partners: Vec<String>,
    /// Of a promotion's things (`promote` records), how many the database has as promoted
    /// already (promoting twice: all of them).
    pub already_promoted: usize,
    /// Why nothing was loaded: the line of the module at fault in the message.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct DataModuleMutation;

#[Object]
impl DataModuleMutation {
    /// Loads a data module (its JSON-lines text, as `erp data load` reads a file): every
    /// record as a command, all in one append or none of it; loading the same module again
    /// changes nothing. With `dryRun: true`, only says what it would change. A promotion's
    /// conflicts come one user error each (code CONFLICT, the line in the message). A
    /// development version (odd middle number) is refused by a production database unless
    /// `force: true`. Administrators only.
    async fn load_data_module(
        &self,
        ctx: &Context<'_>,
        content: String,
        dry_run: Option<bool>,
        force: Option<bool>,
    ) -> Result<DataModulePayload> {
        let loading = data_module::Loading {
            dry_run: dry_run.unwrap_or(false),
            force: force.unwrap_or(false),
        };
        let actor = actor(ctx).await?;
        actor.require_admin("load data modules").map_err(denied)?;
        let refused = |message: String| DataModulePayload {
            user_errors: vec![UserError::new(
                &["content"],
                message,
                UserErrorCode::Invalid,
            )],
            ..DataModulePayload::default()
        };
        let module = match DataModule::parse(&content) {
            Ok(module) => module,
            Err(refusal) => return Ok(refused(refusal.to_string())),
        };
        let state = ctx.data::<AppState>()?;
        // the module is decided on the read models of the configuration and the partners: they
        // show the whole log first.
        let latest = projections::log::latest(&state.pool)
            .await
            .map_err(|e| internal(ctx, e))?;
        if let Some(latest) = latest {
            for progress in [&state.configuration_progress, &state.partner_progress] {
                if !progress
                    .wait_for(latest, state.read_your_writes_timeout)
                    .await
                {
                    return Err(internal(
                        ctx,
                        "the read models did not catch up with the log",
                    ));
                }
            }
        }
        let user_errors = match data_module::load(state, &module, loading, &actor.login).await {
            Ok(report) => {
                let changed = report.applied && !report.configuration.is_empty();
                let payload = loaded(state, &module, report).await;
                if changed {
                    // the answer names the configuration the module made, as a change by hand.
                    super::configuration::changed_configuration(ctx, &actor).await?;
                }
                return Ok(payload);
            }
            Err(LoadError::Internal(error)) => return Err(internal(ctx, error)),
            Err(LoadError::Refused(refusal)) => refused(refusal.to_string()).user_errors,
            Err(LoadError::DevelopmentVersion(message)) => vec![UserError::new(
                &["force"],
                message,
                UserErrorCode::DevelopmentVersion,
            )],
            Err(LoadError::InUse(message)) => {
                vec![UserError::new(&["content"], message, UserErrorCode::InUse)]
            }
            Err(LoadError::Conflicts(conflicts)) => conflicts
                .iter()
                .map(|c| UserError::new(&["content"], c.to_string(), UserErrorCode::Conflict))
                .collect(),
        };
        Ok(DataModulePayload {
            module: Some(module.key()),
            user_errors,
            ..DataModulePayload::default()
        })
    }
}

/// The payload of a module loaded (or a dry run), once the read models show it.
async fn loaded(state: &AppState, module: &DataModule, report: Report) -> DataModulePayload {
    if let Some(at) = report.at {
        // what the client reads next shows the module: its configuration and partners.
        for progress in [&state.configuration_progress, &state.partner_progress] {
            if !progress.wait_for(at, state.read_your_writes_timeout).await {
                tracing::warn!(
                    ?at,
                    "a read model did not catch up with a data module in time"
                );
            }
        }
    }
    DataModulePayload {
        module: Some(module.key()),
        applied: report.applied,
        configuration: report.configuration.into_iter().map(Into::into).collect(),
        partners: report.partners,
        already_promoted: report.already,
        user_errors: vec![],
    }
}
