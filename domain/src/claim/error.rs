//! Why a claim on a key was refused.

use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClaimError {
    #[error("already used by another record")]
    Taken { owner: Uuid },
}
