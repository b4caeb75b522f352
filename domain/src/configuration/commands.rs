//! What an implementer can ask of the configuration.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::access::Rights;
use super::accounts::{Account, BusinessSettings, Journal};
use super::catalogue::Model;
use super::restoration::InUse;
use super::settings::Settings;
use super::values::{Code, Company, Currency, CurrencyCode, Sequence, Tax};

#[derive(Debug, Clone, PartialEq)]
pub enum ConfigurationCommand {
    /// Installs a module and whatever it needs. `force` lets a production database take a
    /// development version.
    InstallModule {
        name: String,
        force: bool,
    },
    /// Uninstalls a module; with `with_dependents`, the installed modules that need it first.
    UninstallModule {
        name: String,
        with_dependents: bool,
    },
    MarkDatabase {
        production: bool,
    },
    UpdateCompany {
        company: Company,
    },
    SetSequence {
        code: Code,
        sequence: Sequence,
    },
    RemoveSequence {
        code: Code,
    },
    SetTax {
        code: Code,
        tax: Tax,
    },
    RemoveTax {
        code: Code,
    },
    /// Adds a currency, or changes its name, symbol or decimals; its rates stay (those of
    /// `currency` are not looked at).
    SetCurrency {
        code: CurrencyCode,
        currency: Currency,
    },
    SetCurrencyRate {
        code: CurrencyCode,
        date: NaiveDate,
        rate: Decimal,
    },
    RemoveCurrency {
        code: CurrencyCode,
    },
    /// Renames a field's label; `None` puts the default back.
    SetLabel {
        form: String,
        field: String,
        label: Option<String>,
    },
    /// Adds a group, or renames it; its rights stay.
    SetGroup {
        code: Code,
        name: String,
    },
    RemoveGroup {
        code: Code,
    },
    SetAccess {
        group: Code,
        model: Model,
        rights: Rights,
    },
    SetAccount {
        code: Code,
        account: Account,
    },
    /// Removes an account no journal or setting uses.
    RemoveAccount {
        code: Code,
    },
    SetJournal {
        code: Code,
        journal: Journal,
    },
    RemoveJournal {
        code: Code,
    },
    SetBusinessSettings {
        settings: BusinessSettings,
    },
    CreateStage {
        name: String,
        note: String,
    },
    /// Brings the settings back to `target`, the snapshot of stage `name`, keeping what
    /// `in_use` names.
    RestoreStage {
        name: String,
        target: Box<Settings>,
        in_use: InUse,
    },
    /// Several commands as one: all of them apply, or none.
    Batch(Vec<ConfigurationCommand>),
}

impl ConfigurationCommand {
    /// The command's name, recorded in every event's metadata.
    pub fn name(&self) -> &'static str {
        use ConfigurationCommand as C;
        match self {
            C::InstallModule { .. } => "InstallModule",
            C::UninstallModule { .. } => "UninstallModule",
            C::MarkDatabase { .. } => "MarkDatabase",
            C::UpdateCompany { .. } => "UpdateCompany",
            C::SetSequence { .. } => "SetSequence",
            C::RemoveSequence { .. } => "RemoveSequence",
            C::SetTax { .. } => "SetTax",
            C::RemoveTax { .. } => "RemoveTax",
            C::SetCurrency { .. } => "SetCurrency",
            C::SetCurrencyRate { .. } => "SetCurrencyRate",
            C::RemoveCurrency { .. } => "RemoveCurrency",
            C::SetLabel { .. } => "SetLabel",
            C::SetGroup { .. } => "SetGroup",
            C::RemoveGroup { .. } => "RemoveGroup",
            C::SetAccess { .. } => "SetAccess",
            C::SetAccount { .. } => "SetAccount",
            C::RemoveAccount { .. } => "RemoveAccount",
            C::SetJournal { .. } => "SetJournal",
            C::RemoveJournal { .. } => "RemoveJournal",
            C::SetBusinessSettings { .. } => "SetBusinessSettings",
            C::CreateStage { .. } => "CreateStage",
            C::RestoreStage { .. } => "RestoreStage",
            C::Batch(_) => "ConfigurationBatch",
        }
    }
}
