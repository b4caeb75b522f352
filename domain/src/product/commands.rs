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

crate::command_names! {
    ProductCommand,
    [CreateProduct, UpdateProduct, ArchiveProduct, UnarchiveProduct]
}
