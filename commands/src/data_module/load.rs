//! Loading a parsed data module: what it would change (a dry run), and the changes made as
//! commands, each event recording the module it came from.

use std::fmt;

use cqrs_es::Aggregate;
use domain::configuration::{
    changes, Change, Configuration, ConfigurationCommand, CONFIGURATION_ID,
};
use domain::partner::{Partner, PartnerChanges, PartnerCommand};

use crate::app::AppState;
use crate::bus::CommandContext;
use crate::error::Failure;

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
    #[error("{0}")]
    Internal(String),
}

fn internal(e: impl fmt::Display) -> LoadError {
    LoadError::Internal(e.to_string())
}

/// Works out what `module` changes (every command decided on the configuration as it stands)
/// and, unless `dry_run`, makes the changes as user `user`: all of them in one append, or none.
pub async fn load(
    state: &AppState,
    module: &DataModule,
    dry_run: bool,
    user: &str,
) -> Result<Report, LoadError> {
    let current = projections::configuration::current(&state.pool)
        .await
        .map_err(internal)?
        .map(|row| row.configuration)
        .unwrap_or_default();
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
    let mut report = Report {
        configuration: changes(current.settings(), scratch.settings()),
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
    if dry_run || report.is_empty() {
        return Ok(report);
    }
    let mut context = CommandContext::system(user);
    context.data_module = Some(module.key());
    let configuration = (!report.configuration.is_empty()).then_some(commands);
    let (_, at) = state
        .bus
        .run(&context, "LoadDataModule", |work| {
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
            e @ Failure::Refused { .. } => LoadError::Refused(refuse(0, e.to_string())),
            other => internal(other),
        })?;
    report.applied = true;
    report.at = at;
    Ok(report)
}
