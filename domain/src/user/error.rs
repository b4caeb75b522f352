//! Why a user command was refused.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("a user with this login exists already")]
    AlreadyExists,
    #[error("there is no such user")]
    NotFound,
}
