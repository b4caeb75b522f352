//! What happened to a product's stock. The variant names are stored as event types: never
//! rename one.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::{Location, MoveOrigin};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StockEvent {
    StockMoved {
        id: Uuid,
        from: Location,
        to: Location,
        quantity: Decimal,
        date: NaiveDate,
        origin: MoveOrigin,
    },
}

crate::event_names! { StockEvent, "1.0", [StockMoved] }
