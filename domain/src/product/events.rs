//! What happened to a product. The variant names are stored as event types: never rename one.

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

crate::event_names! {
    ProductEvent, "1.0",
    [ProductCreated, ProductUpdated, ProductArchived, ProductUnarchived]
}
