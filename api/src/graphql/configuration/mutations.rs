//! The configuration mutations: each parses its input into a command, checks the rights and
//! answers with the configuration afterwards.

use async_graphql::{Context, Object, Result};
use domain::configuration::{ConfigurationCommand as Command, Model, Right, Settings};

use super::inputs::*;
use super::objects::{BusinessSettingsChange, BusinessSettingsObject};
use super::{send, ConfigurationPayload, Outcome};
use crate::graphql::auth::{actor, require, require_module};
use crate::graphql::error::{UserError, UserErrorCode};
use crate::graphql::payload::Payload;

/// What the mutations of the books' settings need installed.
const ACCOUNT: Option<&str> = Some("account");

/// Checks that `module` (if any) is installed and that the user may change the configuration,
/// then parses the command against the current settings and sends it.
async fn configure(
    ctx: &Context<'_>,
    module: Option<&str>,
    parse: impl FnOnce(&Settings) -> Result<Command, Vec<UserError>>,
) -> Result<ConfigurationPayload> {
    if let Some(module) = module {
        require_module(&actor(ctx).await?, module)?;
    }
    let actor = require(ctx, Model::Configuration, Right::Write).await?;
    let command = match parse(actor.config.configuration.settings()) {
        Ok(command) => command,
        Err(user_errors) => return Ok(ConfigurationPayload::new(Some(actor.config), user_errors)),
    };
    let (view, user_errors) = match send(ctx, &actor, command).await? {
        Outcome::Done(view) => (view, vec![]),
        Outcome::Refused(user_errors, view) => (view, user_errors),
    };
    Ok(ConfigurationPayload::new(Some(view), user_errors))
}

#[derive(Default)]
pub struct ConfigurationMutation;

#[Object]
impl ConfigurationMutation {
    /// Installs a module and the modules it needs.
    async fn install_module(
        &self,
        ctx: &Context<'_>,
        input: InstallModuleInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    /// Uninstalls a module. Its records stay in the database, hidden; installing it again
    /// shows them.
    async fn uninstall_module(
        &self,
        ctx: &Context<'_>,
        input: UninstallModuleInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    async fn update_company(
        &self,
        ctx: &Context<'_>,
        input: UpdateCompanyInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |settings| {
            company_command(input, &settings.company)
        })
        .await
    }

    /// Adds a company or changes one (`main` included): each keeps its own books, in its
    /// currency, and a parent consolidates its children in reports.
    async fn set_company(
        &self,
        ctx: &Context<'_>,
        input: SetCompanyInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |settings| set_company_command(input, settings)).await
    }

    /// Removes a company no user works in, no company consolidates into and no record
    /// belongs to (`main` stays).
    async fn remove_company(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| {
            by_code(&input, |code| Command::RemoveCompany { code })
        })
        .await
    }

    /// Adds a numbering sequence or changes one.
    async fn set_sequence(
        &self,
        ctx: &Context<'_>,
        input: SetSequenceInput,
    ) -> Result<ConfigurationPayload> {
        let last = super::numbers_taken(ctx, None)
            .await?
            .get(&input.code)
            .copied();
        let next = input.next_number;
        configure(ctx, None, |_| match last {
            // a number given once is never given again, so the next one is above it.
            Some(last) if u64::try_from(next).is_ok_and(|next| next <= last) => {
                Err(vec![UserError::new(
                    &["input", "nextNumber"],
                    format!(
                        "sequence '{}' has given numbers up to {last}: the next number must be \
                         above it",
                        input.code
                    ),
                    UserErrorCode::Invalid,
                )])
            }
            _ => input.try_into(),
        })
        .await
    }

    async fn remove_sequence(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| {
            by_code(&input, |code| Command::RemoveSequence { code })
        })
        .await
    }

    /// Adds a tax or changes one (module `account`).
    async fn set_tax(&self, ctx: &Context<'_>, input: SetTaxInput) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| input.try_into()).await
    }

    /// Adds an account to the chart of accounts or changes one (module `account`).
    async fn set_account(
        &self,
        ctx: &Context<'_>,
        input: SetAccountInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| input.try_into()).await
    }

    /// Removes an account no journal or setting uses (module `account`).
    async fn remove_account(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| {
            by_code(&input, |code| Command::RemoveAccount { code })
        })
        .await
    }

    /// Adds a journal or changes one (module `account`).
    async fn set_journal(
        &self,
        ctx: &Context<'_>,
        input: SetJournalInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| input.try_into()).await
    }

    /// Removes a journal no setting uses (module `account`).
    async fn remove_journal(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| {
            by_code(&input, |code| Command::RemoveJournal { code })
        })
        .await
    }

    /// Sets the accounts, journals, sequences and rules daily business uses (all of them:
    /// what is left out is unset).
    async fn set_business_settings(
        &self,
        ctx: &Context<'_>,
        input: BusinessSettingsChange,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |settings| {
            let company = match input.company.as_deref() {
                Some(raw) => Some(
                    domain::configuration::Code::parse(raw)
                        .map_err(|e| vec![UserError::from_text(&["input", "company"], &e)])?,
                ),
                None => None,
            };
            let current = match &company {
                Some(company) => settings.business_for(company),
                None => &settings.business,
            };
            let command = input
                .over(BusinessSettingsObject::from(current))
                .try_into()?;
            Ok(match command {
                Command::SetBusinessSettings { settings, .. } => {
                    Command::SetBusinessSettings { settings, company }
                }
                other => other,
            })
        })
        .await
    }

    /// Takes a company's own business settings away (`code`: the company): it goes by the main
    /// ones again.
    async fn remove_business_settings(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| {
            by_code(&input, |company| Command::RemoveBusinessSettings {
                company,
            })
        })
        .await
    }

    /// Removes a tax (module `account`).
    async fn remove_tax(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, ACCOUNT, |_| {
            by_code(&input, |code| Command::RemoveTax { code })
        })
        .await
    }

    /// Adds a currency or changes its name, symbol or decimals.
    async fn set_currency(
        &self,
        ctx: &Context<'_>,
        input: SetCurrencyInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    /// Sets a currency's rate from a date on.
    async fn set_currency_rate(
        &self,
        ctx: &Context<'_>,
        input: SetCurrencyRateInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    async fn remove_currency(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| {
            by_currency_code(&input, |code| Command::RemoveCurrency { code })
        })
        .await
    }

    /// Renames a field's label in this database (null puts the default back).
    async fn set_label(
        &self,
        ctx: &Context<'_>,
        input: SetLabelInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    /// Adds a group or renames one.
    async fn set_group(
        &self,
        ctx: &Context<'_>,
        input: SetGroupInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    async fn remove_group(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| {
            by_code(&input, |code| Command::RemoveGroup { code })
        })
        .await
    }

    /// Sets what a group may do with one model (rights left out are not given).
    async fn set_access(
        &self,
        ctx: &Context<'_>,
        input: SetAccessInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    /// Adds a record rule or changes one: which orders users see and touch.
    async fn set_record_rule(
        &self,
        ctx: &Context<'_>,
        input: SetRecordRuleInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| input.try_into()).await
    }

    /// Removes a record rule.
    async fn remove_record_rule(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        configure(ctx, None, |_| {
            by_code(&input, |code| Command::RemoveRecordRule { code })
        })
        .await
    }
}
