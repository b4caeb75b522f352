//! Why a product command was refused.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProductError {
    #[error("a product with this id already exists")]
    AlreadyExists,
    #[error("no product with this id")]
    NotFound,
    #[error("the product is archived: restore it before changing it")]
    Archived,
    #[error("{}", crate::stale_version("product", *.expected, *.actual))]
    StaleVersion { expected: u64, actual: u64 },
}

crate::version_refusals!(ProductError);
