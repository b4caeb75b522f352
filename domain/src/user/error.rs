//! Why a user command was refused.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("a user with this login exists already")]
    AlreadyExists,
    #[error("there is no such user")]
    NotFound,
    #[error("a user works in at least one company")]
    NoCompany,
    #[error("the current company '{0}' must be one of the user's companies")]
    NotTheirCompany(String),
}
