//! Why a partner command was refused.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PartnerError {
    #[error("a partner with this id already exists")]
    AlreadyExists,
    #[error("no partner with this id")]
    NotFound,
    #[error("the partner is archived: restore it before changing it")]
    Archived,
    #[error("{}", crate::stale_version("partner", *.expected, *.actual))]
    StaleVersion { expected: u64, actual: u64 },
}

crate::version_refusals!(PartnerError);
