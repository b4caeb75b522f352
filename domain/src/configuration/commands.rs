//! What an implementer can ask of the configuration.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::access::{RecordRule, Rights};
use super::accounts::{Account, BusinessSettings, Journal};
use super::catalogue::Model;
use super::promoted::Promotion;
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
    /// Changes the main company.
    UpdateCompany {
        company: Company,
    },
    /// Adds a company or changes one (the main one included).
    SetCompany {
        code: Code,
        company: Company,
    },
    /// Removes a company other than the main one, if no company, user or record names it.
    RemoveCompany {
        code: Code,
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
    /// Sets the business settings: the main ones (what every company without its own goes by),
    /// or, with `company`, that company's own.
    SetBusinessSettings {
        settings: BusinessSettings,
        company: Option<Code>,
    },
    /// Takes a company's own business settings away: it goes by the main ones again.
    RemoveBusinessSettings {
        company: Code,
    },
    /// Adds a record rule or changes one.
    SetRecordRule {
        code: Code,
        rule: RecordRule,
    },
    RemoveRecordRule {
        code: Code,
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
    /// Takes a promotion from another database (`module`, `name@version`): each thing as the
    /// other database has it at its second stage, where this one still has it as the other had
    /// it at the first; any conflict refuses the whole of it. `force` lets a production
    /// database take a module whose version is a development one.
    Promote {
        module: String,
        promotions: Vec<Promotion>,
        in_use: InUse,
        force: bool,
    },
    /// Several commands as one: all of them apply, or none.
    Batch(Vec<ConfigurationCommand>),
}

crate::command_names! {
    ConfigurationCommand,
    [
        InstallModule, UninstallModule, MarkDatabase, UpdateCompany, SetSequence,
        RemoveSequence, SetTax, RemoveTax, SetCurrency, SetCurrencyRate, RemoveCurrency,
        SetLabel, SetGroup, RemoveGroup, SetAccess, SetAccount, RemoveAccount, SetJournal,
        RemoveJournal, SetBusinessSettings, CreateStage, RestoreStage, SetCompany, RemoveCompany,
        SetRecordRule, RemoveRecordRule, RemoveBusinessSettings, Promote, Batch => "ConfigurationBatch"
    ]
}
