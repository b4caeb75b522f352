//! The command layer's one error vocabulary: why an operation wrote nothing ([`Failure`]), with
//! a stable [`ErrorCode`] and the input field at fault for everything a user can put right.
//! Every domain error says here, once, which code and field it is ([`Refusal`]); the GraphQL
//! layer maps [`Failure`] to its `userErrors` in one place, the CLI prints it.

use std::sync::Arc;

use store::StoreError;

// The one doc line below is also the GraphQL description of the enum, where a refusal is a
// `UserError` (the API's `graphql` feature derives the enum, so its values are these).
/// Stable codes of [`UserError`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::Enum),
    graphql(name = "UserErrorCode")
)]
pub enum ErrorCode {
    /// A required value is missing or blank.
    Required,
    /// A value is longer than allowed.
    TooLong,
    /// A value is not of the expected form.
    Invalid,
    /// No record has this id.
    NotFound,
    /// A record with this id exists already.
    AlreadyExists,
    /// The record is archived and must be restored first.
    Archived,
    /// The record changed since the version the client showed: reload it.
    StaleVersion,
    /// Someone else changed the record at the same moment: reload it and try again.
    Conflict,
    /// The operation needs a module that is not installed.
    ModuleNotInstalled,
    /// Other installed modules need this one.
    RequiredByOthers,
    /// A development version, refused by a production database unless forced.
    DevelopmentVersion,
    /// Business records or other settings use it.
    InUse,
    /// Built in: it cannot be changed.
    Reserved,
    /// The login or the password is wrong.
    InvalidCredentials,
    /// The record is not in a state that allows this (a posted invoice, a cancelled order).
    WrongState,
    /// Not enough on hand, and the settings do not allow negative stock.
    NotEnoughStock,
    /// The period is closed: nothing posts into it.
    PeriodClosed,
    /// Debit and credit differ.
    Unbalanced,
    /// The change would leave no active user in the administrators' group.
    LastAdministrator,
    /// Too many wrong passwords for this login or from this address: wait before trying again
    /// (the message says how long).
    TooManyAttempts,
}

/// Why an operation wrote nothing.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// A business rule refused it: the user can put it right.
    #[error("{message}")]
    Refused {
        message: String,
        code: ErrorCode,
        /// The input field the refusal is about (GraphQL names, from the mutation's argument:
        /// `["input", "email"]`), if one.
        field: Vec<String>,
    },
    /// Others kept changing the same records at the same moment; nothing was written.
    #[error("someone else changed the same records at the same moment; nothing was saved: reload and try again")]
    Conflict,
    /// The database failed, or a stored event could not be read: nothing a user can put right.
    #[error("{0}")]
    Internal(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Failure::Refused {
                    message,
                    code,
                    field,
                },
                Failure::Refused {
                    message: m,
                    code: c,
                    field: f,
                },
            ) => message == m && code == c && field == f,
            (Failure::Conflict, Failure::Conflict) => true,
            (Failure::Internal(a), Failure::Internal(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

impl Failure {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure::Refused {
            message: message.into(),
            code,
            field: vec![],
        }
    }

    /// The same failure, about input field `field`.
    pub fn at(self, field: &[&str]) -> Self {
        match self {
            Failure::Refused { message, code, .. } => Failure::Refused {
                message,
                code,
                field: field.iter().map(|f| (*f).to_owned()).collect(),
            },
            other => other,
        }
    }

    /// A failure no user can put right, keeping its source.
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Failure::Internal(Arc::from(error.into()))
    }

    /// The refusal's code, if it is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Failure::Refused { code, .. } => Some(*code),
            Failure::Conflict => Some(ErrorCode::Conflict),
            Failure::Internal(_) => None,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict => Failure::Conflict,
            StoreError::Database(e) if store::writers_met(&e) => Failure::Conflict,
            StoreError::Declined(reason) => match reason.downcast::<Failure>() {
                Ok(failure) => *failure,
                Err(other) => Failure::refused(ErrorCode::Invalid, other.to_string()),
            },
            other => Failure::internal(other),
        }
    }
}

impl From<sqlx::Error> for Failure {
    /// A read model's write that met another writer's is a conflict too (see
    /// [`store::writers_met`]).
    fn from(error: sqlx::Error) -> Self {
        if store::writers_met(&error) {
            return Failure::Conflict;
        }
        Failure::internal(error)
    }
}

/// How a domain error reads to a user: its message (the error's `Display`), a stable code,
/// and the input field at fault, if one (its path from the mutation's argument: a line's field
/// is `["input", "lines", "2", "quantity"]`).
pub trait Refusal: std::error::Error {
    fn code(&self) -> ErrorCode {
        ErrorCode::Invalid
    }

    fn field(&self) -> Vec<String> {
        vec![]
    }
}

impl<E: Refusal> From<E> for Failure {
    fn from(error: E) -> Self {
        match Failure::refused(error.code(), error.to_string()) {
            Failure::Refused { message, code, .. } => Failure::Refused {
                message,
                code,
                field: error.field(),
            },
            other => other,
        }
    }
}

/// A field's path, as [`Refusal::field`] gives it.
fn path(steps: &[&str]) -> Vec<String> {
    steps.iter().map(|step| (*step).to_owned()).collect()
}

/// `fn code` of the refusals of a record kept by id, edited through a form and archived rather
/// than deleted (partners, products): the same four refusals, coded alike.
macro_rules! record_codes {
    () => {
        fn code(&self) -> ErrorCode {
            match self {
                Self::AlreadyExists => ErrorCode::AlreadyExists,
                Self::NotFound => ErrorCode::NotFound,
                Self::Archived => ErrorCode::Archived,
                Self::StaleVersion { .. } => ErrorCode::StaleVersion,
            }
        }
    };
}

impl Refusal for domain::partner::PartnerError {
    record_codes!();

    fn field(&self) -> Vec<String> {
        path(match self {
            domain::partner::PartnerError::StaleVersion { .. } => &["input", "expectedVersion"],
            _ => &["input", "id"],
        })
    }
}

impl Refusal for domain::configuration::ConfigurationError {
    fn code(&self) -> ErrorCode {
        use domain::configuration::ConfigurationError as E;
        match self {
            E::UnknownModule(_)
            | E::UnknownSequence(_)
            | E::UnknownTax(_)
            | E::UnknownCurrency(_)
            | E::UnknownForm(_)
            | E::UnknownField { .. }
            | E::UnknownGroup(_)
            | E::UnknownStage(_)
            | E::UnknownAccount(_)
            | E::UnknownJournal(_)
            | E::UnknownCompany(_)
            | E::NoSuchCompany(_)
            | E::UnknownRecordRule(_) => ErrorCode::NotFound,
            E::InvalidRecordRule(_) => ErrorCode::Invalid,
            E::MainCompany => ErrorCode::Reserved,
            E::CompanyCycle { .. } => ErrorCode::Invalid,
            E::DevelopmentVersion { .. } => ErrorCode::DevelopmentVersion,
            E::EssentialModule(_) | E::ReservedGroup => ErrorCode::Reserved,
            E::RequiredBy { .. } => ErrorCode::RequiredByOthers,
            E::ModuleNotInstalled(_) => ErrorCode::ModuleNotInstalled,
            E::CompanyCurrency(_) | E::Used { .. } => ErrorCode::InUse,
            E::DuplicateStage(_) => ErrorCode::AlreadyExists,
            E::WrongKind { .. } | E::OtherCompany { .. } => ErrorCode::Invalid,
            E::PromotionConflicts { .. } => ErrorCode::Conflict,
            E::PaymentDays(_) => ErrorCode::Invalid,
            E::PrefixTaken { .. } => ErrorCode::AlreadyExists,
        }
    }

    fn field(&self) -> Vec<String> {
        use domain::configuration::ConfigurationError as E;
        path(match self {
            E::UnknownModule(_) | E::EssentialModule(_) => &["input", "name"],
            E::DevelopmentVersion { .. } => &["input", "force"],
            E::RequiredBy { .. } => &["input", "withDependents"],
            E::ModuleNotInstalled(_) => &[],
            E::UnknownSequence(_) | E::UnknownTax(_) => &["input", "code"],
            E::UnknownCurrency(_) => &["input", "currency"],
            E::UnknownCompany(_) | E::CompanyCycle { .. } => &["input", "parent"],
            E::MainCompany => &["input", "code"],
            E::CompanyCurrency(_) | E::ReservedGroup | E::Used { .. } => &["input", "code"],
            E::UnknownForm(_) => &["input", "form"],
            E::UnknownField { .. } => &["input", "field"],
            E::UnknownGroup(_) => &["input", "group"],
            E::NoSuchCompany(_) => &["input", "company"],
            E::OtherCompany { .. } => &["input", "account"],
            E::UnknownRecordRule(_) => &["input", "code"],
            E::InvalidRecordRule(_) => &["input"],
            E::DuplicateStage(_) | E::UnknownStage(_) => &["input", "name"],
            E::UnknownAccount(_) | E::UnknownJournal(_) | E::WrongKind { .. } => &["input"],
            E::PromotionConflicts { .. } => &["content"],
            E::PaymentDays(_) => &["input", "paymentDays"],
            E::PrefixTaken { .. } => &["input", "prefix"],
        })
    }
}

impl Refusal for domain::claim::ClaimError {
    fn code(&self) -> ErrorCode {
        ErrorCode::AlreadyExists
    }
}

impl Refusal for domain::product::ProductError {
    record_codes!();
}

impl Refusal for domain::order::OrderError {
    fn code(&self) -> ErrorCode {
        use domain::order::OrderError as E;
        match self {
            E::AlreadyExists | E::DuplicateDelivery => ErrorCode::AlreadyExists,
            E::NotFound | E::UnknownLine { .. } => ErrorCode::NotFound,
            E::StaleVersion { .. } => ErrorCode::StaleVersion,
            E::WrongState { .. } | E::CannotCancel(_) | E::NothingToInvoice => {
                ErrorCode::WrongState
            }
            _ => ErrorCode::Invalid,
        }
    }

    fn field(&self) -> Vec<String> {
        use domain::order::OrderError as E;
        let quantity = |entry: &usize, field| path(&["input", "lines", &entry.to_string(), field]);
        match self {
            E::NoLines | E::TooManyLines | E::EmptyDelivery => path(&["input", "lines"]),
            E::UnknownLine { entry, .. } | E::NotGoods { entry, .. } => quantity(entry, "line"),
            E::NoQuantity { entry, .. } | E::OverDelivery { entry, .. } => {
                quantity(entry, "quantity")
            }
            _ => vec![],
        }
    }
}

impl Refusal for domain::stock::StockError {
    fn code(&self) -> ErrorCode {
        match self {
            domain::stock::StockError::NotEnough { .. }
            | domain::stock::StockError::NotEnoughThen { .. } => ErrorCode::NotEnoughStock,
            _ => ErrorCode::Invalid,
        }
    }
}

impl Refusal for domain::invoice::InvoiceError {
    fn code(&self) -> ErrorCode {
        use domain::invoice::InvoiceError as E;
        match self {
            E::AlreadyExists | E::AlreadyMatched => ErrorCode::AlreadyExists,
            E::NotFound => ErrorCode::NotFound,
            E::StaleVersion { .. } => ErrorCode::StaleVersion,
            E::WrongState { .. } | E::FromOrder => ErrorCode::WrongState,
            _ => ErrorCode::Invalid,
        }
    }

    fn field(&self) -> Vec<String> {
        use domain::invoice::InvoiceError as E;
        match self {
            E::NoLines | E::TooManyLines => path(&["input", "lines"]),
            E::MatchedBeforeDate { .. } => path(&["input", "date"]),
            _ => vec![],
        }
    }
}

impl Refusal for domain::ledger::LedgerError {
    fn code(&self) -> ErrorCode {
        use domain::ledger::LedgerError as E;
        match self {
            E::Closed(_) | E::AlreadyClosed(_) => ErrorCode::PeriodClosed,
            E::NotClosed(_) => ErrorCode::WrongState,
            E::Unbalanced { .. } => ErrorCode::Unbalanced,
            E::AlreadyPosted => ErrorCode::AlreadyExists,
            _ => ErrorCode::Invalid,
        }
    }
}

impl Refusal for domain::ledger::NumberingError {}

impl Refusal for domain::user::UserError {
    fn code(&self) -> ErrorCode {
        match self {
            domain::user::UserError::AlreadyExists => ErrorCode::AlreadyExists,
            domain::user::UserError::NotFound => ErrorCode::NotFound,
            domain::user::UserError::NoCompany => ErrorCode::Required,
            domain::user::UserError::NotTheirCompany(_) => ErrorCode::Invalid,
        }
    }

    fn field(&self) -> Vec<String> {
        path(match self {
            domain::user::UserError::AlreadyExists => &["input", "login"],
            domain::user::UserError::NotFound => &["input", "id"],
            domain::user::UserError::NoCompany => &["input", "companies"],
            domain::user::UserError::NotTheirCompany(_) => &["input", "company"],
        })
    }
}
