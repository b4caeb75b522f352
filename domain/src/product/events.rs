//! What happened to a product. The variant names are stored as event types: never rename one.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::values::ProductDetails;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProductEvent {
    ProductCreated {
        details: ProductDetails,
    },
    /// Carries every detail as it now stands.
    ProductUpdated {
        details: ProductDetails,
    },
    ProductArchived {},
    ProductUnarchived {},
}

impl DomainEvent for ProductEvent {
    fn event_type(&self) -> String {
        match self {
            ProductEvent::ProductCreated { .. } => "ProductCreated",
            ProductEvent::ProductUpdated { .. } => "ProductUpdated",
            ProductEvent::ProductArchived {} => "ProductArchived",
            ProductEvent::ProductUnarchived {} => "ProductUnarchived",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
