//! Where goods are and why they moved.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::Code;

/// Where goods are. Only the warehouse's stock holds a quantity the company counts; the others
/// are where goods come from and go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Location {
    /// The warehouse's stock.
    Stock,
    Customers,
    Suppliers,
    /// Where inventory differences go (and come from).
    InventoryLoss,
}

impl Location {
    pub const ALL: [Location; 4] = [
        Location::Stock,
        Location::Customers,
        Location::Suppliers,
        Location::InventoryLoss,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Location::Stock => "stock",
            Location::Customers => "customers",
            Location::Suppliers => "suppliers",
            Location::InventoryLoss => "inventory_loss",
        }
    }

    pub fn parse(raw: &str) -> Option<Location> {
        Location::ALL.into_iter().find(|l| l.as_str() == raw)
    }
}

/// Why goods moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveOrigin {
    /// A delivery (or receipt) of an order.
    Order { order: Uuid, delivery: Uuid },
    /// An inventory count.
    Adjustment,
}

/// A move of goods of one product from one location to another. Stored flattened into the
/// event (`StockMoved { id, from, to, .. }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMove {
    pub id: Uuid,
    pub from: Location,
    pub to: Location,
    pub quantity: Decimal,
    pub date: NaiveDate,
    pub origin: MoveOrigin,
    /// The company whose warehouse the goods are in or go to. Absent (as from moves made before
    /// a database held several companies) for the main one.
    #[serde(
        default = "Code::main_company",
        skip_serializing_if = "Code::is_main_company"
    )]
    pub company: Code,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_back_what_they_write() {
        for location in Location::ALL {
            assert_eq!(Location::parse(location.as_str()), Some(location));
        }
        assert_eq!(
            Location::parse("inventory_loss"),
            Some(Location::InventoryLoss)
        );
        assert_eq!(Location::parse("Stock"), None);
    }
}
