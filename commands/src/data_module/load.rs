//! Loading a parsed data module: what it would change (a dry run), and the changes made as
//! commands, each event recording the module it came from.

use std::fmt;

use cqrs_es::Aggregate;
use domain::configuration::{
    changes, promotion_plan, Change, Configuration, ConfigurationCommand, ConfigurationError,
    Promotion, CONFIGURATION_ID,
};
use domain::partner::{Partner, PartnerChanges, PartnerCommand};

use crate::app::AppState;
use crate::bus::CommandContext;
use crate::error::{ErrorCode, Failure};

use super::{refuse, DataModule, Refusal};

/// What loading a data module did, or would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Configuration changes, as the stage diff shows them.
    pub configuration: Vec<Change>,
    /// One sentence per partner created or changed.
    pub partners: Vec<String>,
    /// Whether the changes were made (false for a dry run).
    pub applied: bool,
    /// Where the changes landed in the log, when made.
    pub at: Option<projections::Checkpoint>,
    /// Of a promotion's things, how many the database has as promoted already.
    pub already: usize,
}

/// How to load a module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loading {
    /// Only say what would change.
    pub dry_run: bool,
    /// Load a development version into a production database all the same.
    pub force: bool,
}

impl Loading {
    /// Make the changes.
    pub const APPLY: Loading = Loading {
        dry_run: false,
        force: false,
    };
    /// Only say what would change.
    pub const DRY_RUN: Loading = Loading {
        dry_run: true,
        force: false,
    };
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.configuration.is_empty() && self.partners.is_empty()
    }
}

/// Why loading failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Refused(Refusal),
    /// A development version, and the database is production.
    #[error("{0}")]
    DevelopmentVersion(String),
    /// What the database changed on its own since, or uses, that the module would change.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Conflicts(Vec<Refusal>),
    /// What business records hold to, that the module would change (a company's currency, an
    /// account's kind).
    #[error("{0}")]
    InUse(String),
    #[error("{0}")]
    Internal(String),
}

fn internal(e: impl fmt::Display) -> LoadError {
    LoadError::Internal(e.to_string())
}

/// Works out what `module` changes (every command decided on the configuration as it stands)
/// and, unless a dry run, makes the changes as user `user`: all of them in one append, or none.
pub async fn load(
    state: &AppState,
    module: &DataModule,
    loading: Loading,
    user: &str,
) -> Result<Report, LoadError> {
    let current = projections::configuration::current(&state.pool)
        .await
        .map_err(internal)?
        .map(|row| row.configuration)
        .unwrap_or_default();
    if current.is_production() && module.version.is_development() && !loading.force {
        return Err(LoadError::DevelopmentVersion(format!(
            "{} is a development version (odd middle number); a production database loads it only when forced",
            module.key()
        )));
    }
    // every command is decided in order on a scratch copy: a refusal names its line.
    let mut scratch: Configuration = current.clone();
    let mut commands = Vec::new();
    let requirements = module.requires.iter().map(|name| {
        (
            0,
            ConfigurationCommand::InstallModule {
                name: name.clone(),
                force: false,
            },
        )
    });
    for (line, command) in requirements.chain(module.configuration.iter().cloned()) {
        let events = scratch
            .decide(command.clone())
            .map_err(|e| LoadError::Refused(refuse(line, e.to_string())))?;
        for event in events {
            scratch.apply(event);
        }
        commands.push(command);
    }
    let mut already = 0;
    if !module.promotions.is_empty() {
        let (command, taken) = promotion(state, module, &scratch, loading.force).await?;
        already = taken;
        let events = scratch.decide(command.clone()).map_err(|e| match e {
            e @ ConfigurationError::DevelopmentVersion { .. } => {
                LoadError::DevelopmentVersion(e.to_string())
            }
            e => LoadError::Refused(refuse(0, e.to_string())),
        })?;
        for event in events {
            scratch.apply(event);
        }
        commands.push(command);
    }
    let mut report = Report {
        configuration: changes(current.settings(), scratch.settings()),
        already,
        ..Report::default()
    };
    let mut partner_commands = Vec::new();
    for (line, id, details) in &module.partners {
        // a partner of one company: one the database (with the module's records) has.
        if let Some(company) = &details.company {
            if scratch.settings().company(company).is_none() {
                return Err(LoadError::Refused(refuse(
                    *line,
                    format!("there is no company '{company}'"),
                )));
            }
        }
        let row = projections::partner::get(&state.pool, *id)
            .await
            .map_err(internal)?;
        let name = details.name.as_str();
        match row {
            None => {
                report.partners.push(format!("create partner '{name}'"));
                partner_commands.push((
                    *id,
                    PartnerCommand::CreatePartner {
                        details: details.clone(),
                    },
                ));
            }
            Some(row) if row.archived => {
                return Err(LoadError::Refused(refuse(
                    *line,
                    format!("partner '{name}' is archived: restore it first"),
                )));
            }
            Some(row) => {
                let same = row.name == name
                    && row.email.as_deref() == details.email.as_ref().map(|e| e.as_str())
                    && row.phone.as_deref() == details.phone.as_ref().map(|p| p.as_str())
                    && row.street == details.address.street
                    && row.city == details.address.city
                    && row.zip == details.address.zip
                    && row.country == details.address.country
                    && row.vat.as_deref() == details.vat.as_ref().map(|v| v.as_str())
                    && row.is_customer == details.is_customer
                    && row.is_supplier == details.is_supplier
                    && row
                        .categories
                        .iter()
                        .eq(details.categories.iter().map(|c| c.as_str()))
                    && row.company.as_deref() == details.company.as_ref().map(|c| c.as_str());
                if !same {
                    report.partners.push(format!("update partner '{name}'"));
                    let details = details.clone();
                    partner_commands.push((
                        *id,
                        PartnerCommand::UpdatePartner {
                            expected_version: None,
                            changes: PartnerChanges {
                                name: Some(details.name),
                                email: Some(details.email),
                                phone: Some(details.phone),
                                address: Some(details.address),
                                vat: Some(details.vat),
                                is_customer: Some(details.is_customer),
                                is_supplier: Some(details.is_supplier),
                                company: Some(details.company),
                                categories: Some(details.categories),
                            },
                        },
                    ));
                }
            }
        }
    }
    // a company whose currency the module changes keeps it once it has books, and an account
    // with items keeps being receivable or payable (or not), as when they are changed by hand:
    // said by a dry run too.
    let held = if report.configuration.is_empty() {
        Default::default()
    } else {
        let batch = ConfigurationCommand::Batch(commands.clone());
        state.bus.held_changes(&batch).await.map_err(internal)?
    };
    if loading.dry_run && !held.is_empty() {
        let mut conn = state.pool.acquire().await.map_err(internal)?;
        if let Some(refusal) = held.held(&mut conn).await.map_err(internal)? {
            return Err(LoadError::InUse(refusal.to_string()));
        }
    }
    if loading.dry_run || report.is_empty() {
        return Ok(report);
    }
    let mut context = CommandContext::system(user);
    context.data_module = Some(module.key());
    let configuration = (!report.configuration.is_empty()).then_some(commands);
    let guarded = !held.is_empty();
    let guard = move || held.guard();
    let guard: Option<crate::bus::Guard<'_>> = guarded.then_some(&guard);
    let (_, at) = state
        .bus
        .run_guarded(&context, "LoadDataModule", guard, |work| {
            let (configuration, partners) = (configuration.clone(), partner_commands.clone());
            Box::pin(async move {
                if let Some(commands) = configuration {
                    let batch = ConfigurationCommand::Batch(commands);
                    work.decide::<Configuration>(CONFIGURATION_ID, batch)
                        .await?;
                }
                for (id, command) in partners {
                    work.decide::<Partner>(&id.to_string(), command).await?;
                }
                Ok(())
            })
        })
        .await
        .map_err(|e| match e {
            // the configuration changed between the plan and the append.
            e @ Failure::Refused {
                code: ErrorCode::Conflict,
                ..
            } => LoadError::Conflicts(vec![refuse(0, e.to_string())]),
            e @ Failure::Refused {
                code: ErrorCode::InUse,
                ..
            } => LoadError::InUse(e.to_string()),
            e @ Failure::Refused { .. } => LoadError::Refused(refuse(0, e.to_string())),
            other => internal(other),
        })?;
    if at.is_none() {
        // decided again on what is stored, nothing was left to change: another load of the
        // same module (at the same moment) made the changes.
        return Ok(Report {
            already: module.promotions.len(),
            ..Report::default()
        });
    }
    report.applied = true;
    report.at = at;
    Ok(report)
}

/// The command that takes `module`'s promoted things into `configuration` (the module's other
/// records decided on it already), and how many of them it has as promoted already; every
/// conflict, by line, if any.
async fn promotion(
    state: &AppState,
    module: &DataModule,
    configuration: &Configuration,
    force: bool,
) -> Result<(ConfigurationCommand, usize), LoadError> {
    // what business records use may not be taken away: the business read models must show the
    // whole log to tell.
    if let Some(at) = projections::log::latest(&state.pool)
        .await
        .map_err(internal)?
    {
        if !state
            .business_progress
            .wait_for(at, state.read_your_writes_timeout)
            .await
        {
            return Err(internal(
                "the business read models are behind the log; try again in a moment",
            ));
        }
    }
    let in_use = projections::business::in_use(&state.pool)
        .await
        .map_err(internal)?;
    let promotions: Vec<Promotion> = module.promotions().cloned().collect();
    let plan =
        promotion_plan(configuration.settings(), &promotions, &in_use).map_err(|conflicts| {
            LoadError::Conflicts(
                conflicts
                    .into_iter()
                    .map(|c| {
                        refuse(
                            module.promotions.get(c.index).map_or(0, |(line, _)| *line),
                            c.reason,
                        )
                    })
                    .collect(),
            )
        })?;
    let command = ConfigurationCommand::Promote {
        module: module.key(),
        promotions,
        in_use,
        force,
    };
    Ok((command, plan.already))
}
