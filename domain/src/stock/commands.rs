//! What a delivery, a receipt or an inventory count asks of a product's stock.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::values::StockMove;
use crate::configuration::Code;

#[derive(Debug, Clone, PartialEq)]
pub enum StockCommand {
    MoveStock {
        movement: StockMove,
        /// Whether what is on hand is checked (stockable products, unless the settings allow
        /// negative stock).
        check_on_hand: bool,
    },
    /// An inventory count: what is on hand becomes `counted`, the difference going to (or
    /// coming from) inventory loss.
    CountStock {
        id: Uuid,
        counted: Decimal,
        date: NaiveDate,
        /// The company whose warehouse was counted.
        company: Code,
    },
}

crate::command_names! { StockCommand, [MoveStock, CountStock] }
