//! What happened to the configuration. The variant names are stored as event types: never
//! rename one.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::access::{Group, RecordRule, Rights};
use super::accounts::{Account, BusinessSettings, Journal};
use super::catalogue::{Model, ModuleVersion};
use super::values::{Code, Company, Currency, CurrencyCode, Sequence, Tax};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConfigurationEvent {
    /// `requested` is false for a module installed because another one needs it.
    ModuleInstalled {
        name: String,
        version: ModuleVersion,
        requested: bool,
    },
    ModuleUninstalled {
        name: String,
    },
    /// The database was marked as production (or back as a test database).
    DatabaseMarked {
        production: bool,
    },
    /// Carries the whole main company as it now stands.
    CompanyUpdated {
        company: Company,
    },
    /// A company other than the main one, added or changed: carries all of it.
    CompanySet {
        code: Code,
        company: Company,
    },
    CompanyRemoved {
        code: Code,
    },
    SequenceSet {
        code: Code,
        sequence: Sequence,
    },
    SequenceRemoved {
        code: Code,
    },
    TaxSet {
        code: Code,
        tax: Tax,
    },
    TaxRemoved {
        code: Code,
    },
    /// Carries the whole currency, its rates included.
    CurrencySet {
        code: CurrencyCode,
        currency: Currency,
    },
    CurrencyRateSet {
        code: CurrencyCode,
        date: NaiveDate,
        rate: Decimal,
    },
    CurrencyRemoved {
        code: CurrencyCode,
    },
    LabelSet {
        form: String,
        field: String,
        label: String,
    },
    /// The field shows its default label again.
    LabelReset {
        form: String,
        field: String,
    },
    /// Carries the whole group, its rights included.
    GroupSet {
        code: Code,
        group: Group,
    },
    GroupRemoved {
        code: Code,
    },
    AccessSet {
        group: Code,
        model: Model,
        rights: Rights,
    },
    AccountSet {
        code: Code,
        account: Account,
    },
    AccountRemoved {
        code: Code,
    },
    JournalSet {
        code: Code,
        journal: Journal,
    },
    JournalRemoved {
        code: Code,
    },
    /// Carries all the business settings as they now stand: the main ones, or `company`'s own.
    BusinessSettingsSet {
        settings: BusinessSettings,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        company: Option<Code>,
    },
    /// A company's own business settings were taken away.
    BusinessSettingsRemoved {
        company: Code,
    },
    /// A record rule, added or changed: carries all of it.
    RecordRuleSet {
        code: Code,
        rule: RecordRule,
    },
    RecordRuleRemoved {
        code: Code,
    },
    /// The log up to here is a named stage; the configuration here is its snapshot.
    StageCreated {
        name: String,
        note: String,
    },
    /// The events since the previous `StageCreated`/`StageRestored` brought the configuration
    /// back to stage `name`.
    StageRestored {
        name: String,
    },
}

crate::event_names! {
    ConfigurationEvent, "1.0",
    [
        ModuleInstalled, ModuleUninstalled, DatabaseMarked, CompanyUpdated, SequenceSet,
        SequenceRemoved, TaxSet, TaxRemoved, CurrencySet, CurrencyRateSet, CurrencyRemoved,
        LabelSet, LabelReset, GroupSet, GroupRemoved, AccessSet, AccountSet, AccountRemoved,
        JournalSet, JournalRemoved, BusinessSettingsSet, StageCreated, StageRestored, CompanySet,
        CompanyRemoved, RecordRuleSet, RecordRuleRemoved, BusinessSettingsRemoved
    ]
}
