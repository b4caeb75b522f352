//! Stock: one stream per product, holding what is on hand in the warehouse. Every move goes
//! through it, so "is there enough to deliver?" is decided on the exact quantity, and two
//! deliveries of the last unit cannot both pass (the second conflicts and is decided again).

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

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

#[derive(Debug, Clone, PartialEq)]
pub enum StockCommand {
    MoveStock {
        id: Uuid,
        from: Location,
        to: Location,
        quantity: Decimal,
        date: NaiveDate,
        origin: MoveOrigin,
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
    },
}

impl StockCommand {
    pub fn name(&self) -> &'static str {
        match self {
            StockCommand::MoveStock { .. } => "MoveStock",
            StockCommand::CountStock { .. } => "CountStock",
        }
    }
}

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

impl DomainEvent for StockEvent {
    fn event_type(&self) -> String {
        "StockMoved".to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    #[error(
        "only {on_hand} on hand, {requested} requested (the settings do not allow negative stock)"
    )]
    NotEnough {
        on_hand: Decimal,
        requested: Decimal,
    },
    #[error("a move goes from one location to another")]
    SameLocation,
    #[error("a quantity moved must be above zero")]
    NoQuantity,
    #[error("a counted quantity cannot be negative")]
    NegativeCount,
}

/// What is on hand of one product.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stock {
    on_hand: Decimal,
}

impl Stock {
    pub fn on_hand(&self) -> Decimal {
        self.on_hand
    }
}

impl crate::Decide for Stock {
    fn decide(&self, command: StockCommand) -> Result<Vec<StockEvent>, StockError> {
        match command {
            StockCommand::MoveStock {
                id,
                from,
                to,
                quantity,
                date,
                origin,
                check_on_hand,
            } => {
                if from == to {
                    return Err(StockError::SameLocation);
                }
                if quantity <= Decimal::ZERO {
                    return Err(StockError::NoQuantity);
                }
                if check_on_hand && from == Location::Stock && quantity > self.on_hand {
                    return Err(StockError::NotEnough {
                        on_hand: self.on_hand,
                        requested: quantity,
                    });
                }
                Ok(vec![StockEvent::StockMoved {
                    id,
                    from,
                    to,
                    quantity,
                    date,
                    origin,
                }])
            }
            StockCommand::CountStock { id, counted, date } => {
                if counted < Decimal::ZERO {
                    return Err(StockError::NegativeCount);
                }
                let difference = counted - self.on_hand;
                let (from, to) = if difference > Decimal::ZERO {
                    (Location::InventoryLoss, Location::Stock)
                } else {
                    (Location::Stock, Location::InventoryLoss)
                };
                if difference.is_zero() {
                    return Ok(vec![]);
                }
                Ok(vec![StockEvent::StockMoved {
                    id,
                    from,
                    to,
                    quantity: difference.abs(),
                    date,
                    origin: MoveOrigin::Adjustment,
                }])
            }
        }
    }
}

impl Aggregate for Stock {
    const TYPE: &'static str = "Stock";
    type Command = StockCommand;
    type Event = StockEvent;
    type Error = StockError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::handle_by_deciding(self, command, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        let StockEvent::StockMoved {
            from, to, quantity, ..
        } = event;
        if from == Location::Stock {
            self.on_hand -= quantity;
        }
        if to == Location::Stock {
            self.on_hand += quantity;
        }
    }
}

#[cfg(test)]
mod tests;
