//! The values an order is made of: its side, its state, its lines and quantities of them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::Code;
use crate::money::{DocumentLine, Line};

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

/// What an order says beside its lines, fixed when it is created. Stored flattened into the
/// event (`OrderCreated { side, number, .., lines }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHead {
    pub side: Side,
    /// From the order sequence.
    pub number: String,
    pub partner: Uuid,
    pub date: NaiveDate,
    /// The company currency's decimals, which totals are rounded to.
    pub decimals: u32,
    /// The company the order belongs to. Absent (as from orders made before a database held
    /// several) for the main one: an order of the main company is stored as it always was.
    #[serde(
        default = "Code::main_company",
        skip_serializing_if = "Code::is_main_company"
    )]
    pub company: Code,
}

/// An order line: what was ordered, and whether it is goods (delivered) or a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line: Line,
    /// Goods are delivered or received; services are not.
    pub goods: bool,
}

impl DocumentLine for OrderLine {
    fn line(&self) -> &Line {
        &self.line
    }
}

/// A quantity of one line of an order (lines are numbered from 0, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantity {
    pub line: usize,
    pub quantity: Decimal,
}
