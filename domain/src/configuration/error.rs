//! Why a configuration command was refused. Each says what to do about it.

use thiserror::Error;

use super::catalogue::ModuleVersion;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigurationError {
    #[error("there is no module named '{0}'")]
    UnknownModule(String),
    #[error("module '{module}' {version} is a development version (odd middle number); a production database installs it only when forced")]
    DevelopmentVersion {
        module: String,
        version: ModuleVersion,
    },
    #[error("module '{0}' is the base of every other and cannot be uninstalled")]
    EssentialModule(String),
    #[error("module '{module}' is needed by {}: uninstall them first, or uninstall with its dependents", .dependents.join(", "))]
    RequiredBy {
        module: String,
        dependents: Vec<String>,
    },
    #[error("this needs module '{0}', which is not installed")]
    ModuleNotInstalled(String),
    #[error("there is no sequence '{0}'")]
    UnknownSequence(String),
    #[error("there is no tax '{0}'")]
    UnknownTax(String),
    #[error("there is no currency '{0}'; add it first")]
    UnknownCurrency(String),
    #[error("currency '{0}' is the company's currency and cannot be removed")]
    CompanyCurrency(String),
    #[error("there is no company '{0}'")]
    UnknownCompany(String),
    /// The company a setting (a tax) is given to does not exist.
    #[error("there is no company '{0}'")]
    NoSuchCompany(String),
    #[error("company 'main' is the one every database starts with and cannot be removed")]
    MainCompany,
    #[error(
        "company '{code}' cannot have '{parent}' as its parent: '{parent}' is '{code}' or under it"
    )]
    CompanyCycle { code: String, parent: String },
    #[error("there is no form '{0}'")]
    UnknownForm(String),
    #[error("form '{form}' has no field '{field}'")]
    UnknownField { form: String, field: String },
    #[error("there is no group '{0}'")]
    UnknownGroup(String),
    #[error("{what} '{code}' is company {owner}'s: {user} cannot use it")]
    OtherCompany {
        what: &'static str,
        code: String,
        owner: String,
        user: String,
    },
    #[error("there is no record rule '{0}'")]
    UnknownRecordRule(String),
    #[error("{0}")]
    InvalidRecordRule(String),
    #[error("group 'admin' is built in: its members may do everything, and it cannot be changed")]
    ReservedGroup,
    #[error("there is no account '{0}'")]
    UnknownAccount(String),
    #[error("there is no journal '{0}'")]
    UnknownJournal(String),
    #[error("sequence '{by}' numbers with prefix '{prefix}' already: two sequences of one prefix would give the same numbers twice")]
    PrefixTaken { prefix: String, by: String },
    #[error("{what} '{code}' is used by {by}; change that first")]
    Used {
        what: &'static str,
        code: String,
        by: String,
    },
    #[error("the {what} must be {expected}, and '{code}' is not")]
    WrongKind {
        what: &'static str,
        code: String,
        expected: String,
    },
    #[error("there is already a stage named '{0}'")]
    DuplicateStage(String),
    #[error("there is no stage named '{0}'")]
    UnknownStage(String),
    #[error("payment days are from 0 to 3660, not {0}")]
    PaymentDays(u32),
    #[error("promotion {module} refused, nothing of it was taken: {}", .conflicts.join("; "))]
    PromotionConflicts {
        module: String,
        conflicts: Vec<String>,
    },
}
