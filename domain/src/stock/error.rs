//! Why a stock move or count was refused.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    #[error(
        "only {on_hand} on hand, {requested} requested (the settings do not allow negative stock)"
    )]
    NotEnough {
        on_hand: Decimal,
        requested: Decimal,
    },
    #[error(
        "only {on_hand} on hand on {day}, {requested} requested: a move dated back leaves every day since with what it takes (the settings do not allow negative stock)"
    )]
    NotEnoughThen {
        on_hand: Decimal,
        day: NaiveDate,
        requested: Decimal,
    },
    #[error("a move goes from one location to another")]
    SameLocation,
    #[error("a quantity moved must be above zero")]
    NoQuantity,
    #[error("a counted quantity cannot be negative")]
    NegativeCount,
}
