//! What happened to a product's stock. The variant names are stored as event types: never
//! rename one.

use serde::{Deserialize, Serialize};

use super::values::StockMove;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StockEvent {
    StockMoved {
        #[serde(flatten)]
        movement: StockMove,
    },
}

crate::event_names! { StockEvent, "1.0", [StockMoved] }
