//! Why a sequence gave no number.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberingError {
    #[error("the sequence has run out of numbers")]
    Exhausted,
}
