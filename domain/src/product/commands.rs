//! What a user can ask of a product.

use super::values::ProductDetails;

#[derive(Debug, Clone, PartialEq)]
pub enum ProductCommand {
    CreateProduct {
        details: ProductDetails,
    },
    /// Replaces the details; `expected_version` as for partners.
    UpdateProduct {
        expected_version: Option<u64>,
        details: ProductDetails,
    },
    ArchiveProduct {
        expected_version: Option<u64>,
    },
    UnarchiveProduct {
        expected_version: Option<u64>,
    },
}

impl ProductCommand {
    pub fn name(&self) -> &'static str {
        match self {
            ProductCommand::CreateProduct { .. } => "CreateProduct",
            ProductCommand::UpdateProduct { .. } => "UpdateProduct",
            ProductCommand::ArchiveProduct { .. } => "ArchiveProduct",
            ProductCommand::UnarchiveProduct { .. } => "UnarchiveProduct",
        }
    }
}
