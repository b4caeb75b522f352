//! Products: what the company sells and buys. A product's internal reference is unique; the
//! command bus claims it (see [`crate::claim`]) in the same append as the product's event.

mod commands;
mod error;
mod events;
mod values;

pub use commands::ProductCommand;
pub use error::ProductError;
pub use events::ProductEvent;
pub use values::{
    DetailsError, ProductDetails, ProductKind, NAME_MAX, REFERENCE_MAX, TAXES_MAX, UOM_MAX,
};

use serde::{Deserialize, Serialize};

/// A product as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    version: u64,
    details: Option<ProductDetails>,
    archived: bool,
}

crate::aggregate! { Product, "Product", ProductCommand, ProductEvent, ProductError }

impl Product {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The product's details, if it exists.
    pub fn details(&self) -> Option<&ProductDetails> {
        self.details.as_ref()
    }

    pub fn is_archived(&self) -> bool {
        self.archived
    }

    fn existing(&self, expected_version: Option<u64>) -> Result<&ProductDetails, ProductError> {
        crate::at_version(self.details.as_ref(), self.version, expected_version)
    }
}

impl crate::Decide for Product {
    fn decide(&self, command: ProductCommand) -> Result<Vec<ProductEvent>, ProductError> {
        let event = match command {
            ProductCommand::CreateProduct { details } => {
                if self.details.is_some() {
                    return Err(ProductError::AlreadyExists);
                }
                Some(ProductEvent::ProductCreated { details })
            }
            ProductCommand::UpdateProduct {
                expected_version,
                details,
            } => {
                let current = self.existing(expected_version)?;
                if self.archived {
                    return Err(ProductError::Archived);
                }
                (details != *current).then_some(ProductEvent::ProductUpdated { details })
            }
            ProductCommand::ArchiveProduct { expected_version } => {
                self.existing(expected_version)?;
                (!self.archived).then_some(ProductEvent::ProductArchived {})
            }
            ProductCommand::UnarchiveProduct { expected_version } => {
                self.existing(expected_version)?;
                self.archived.then_some(ProductEvent::ProductUnarchived {})
            }
        };
        Ok(event.into_iter().collect())
    }
}

impl Product {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: ProductEvent) {
        self.version += 1;
        match event {
            ProductEvent::ProductCreated { details } | ProductEvent::ProductUpdated { details } => {
                self.details = Some(details)
            }
            ProductEvent::ProductArchived {} => self.archived = true,
            ProductEvent::ProductUnarchived {} => self.archived = false,
        }
    }
}

#[cfg(test)]
mod tests;
