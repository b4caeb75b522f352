//! The values an order is made of: its side, its state, its lines and quantities of them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Line;

/// Which way goods and money go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// To customers: sales orders, deliveries, customer invoices.
    Sale,
    /// From suppliers: purchase orders, receipts, vendor bills.
    Purchase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// A quotation (sales) or request for quotation (purchases): lines can still change.
    Draft,
    Confirmed,
    Cancelled,
}

/// An order line: what was ordered, and whether it is goods (delivered) or a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line: Line,
    /// Goods are delivered or received; services are not.
    pub goods: bool,
}

/// A quantity of one line of an order (lines are numbered from 0, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantity {
    pub line: usize,
    pub quantity: Decimal,
}
