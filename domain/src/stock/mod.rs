//! Stock: one stream per product, holding what is on hand in the warehouse. Every move goes
//! through it, so "is there enough to deliver?" is decided on the exact quantity, and two
//! deliveries of the last unit cannot both pass (the second conflicts and is decided again).

mod commands;
mod error;
mod events;
mod values;

pub use commands::StockCommand;
pub use error::StockError;
pub use events::StockEvent;
pub use values::{Location, MoveOrigin, StockMove};

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::Code;

/// The id of the stream of `product`'s stock in `company`'s warehouse: the product's id for the
/// main company (as it always was), `<product>@<company>` for the others.
pub fn stream_id(company: &Code, product: Uuid) -> String {
    if company.is_main_company() {
        product.to_string()
    } else {
        format!("{product}@{company}")
    }
}

/// The product whose stock stream `id` is ([`stream_id`]).
pub fn product_of(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.split_once('@').map_or(id, |(product, _)| product)).ok()
}

/// What is on hand of one product, and how it changed day by day.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stock {
    on_hand: Decimal,
    /// What came in less what went out, by the moves' dates: a move dated back must leave
    /// every day from its date on with something on hand, not only today. (A snapshot of the
    /// shape before it does not read, and its stream is replayed whole.)
    by_day: BTreeMap<NaiveDate, Decimal>,
}

crate::aggregate! { Stock, "Stock", StockCommand, StockEvent, StockError }

impl Stock {
    pub fn on_hand(&self) -> Decimal {
        self.on_hand
    }

    /// The least on hand at the end of any day from `date` on, and the day it is reached.
    fn least_from(&self, date: NaiveDate) -> (Decimal, NaiveDate) {
        let by_day = &self.by_day;
        // on hand at the end of each day from `date` on (what came in that day counts).
        let mut running: Decimal = by_day.range(..=date).map(|(_, change)| *change).sum();
        let mut least = (running, date);
        let later = (Bound::Excluded(date), Bound::Unbounded);
        for (day, change) in by_day.range(later) {
            running += *change;
            if running < least.0 {
                least = (running, *day);
            }
        }
        least
    }
}

impl crate::Decide for Stock {
    fn decide(&self, command: StockCommand) -> Result<Vec<StockEvent>, StockError> {
        match command {
            StockCommand::MoveStock {
                movement,
                check_on_hand,
            } => {
                if movement.from == movement.to {
                    return Err(StockError::SameLocation);
                }
                if movement.quantity <= Decimal::ZERO {
                    return Err(StockError::NoQuantity);
                }
                if check_on_hand && movement.from == Location::Stock {
                    if movement.quantity > self.on_hand {
                        return Err(StockError::NotEnough {
                            on_hand: self.on_hand,
                            requested: movement.quantity,
                        });
                    }
                    // dated back: every day since would have to have had it.
                    let (least, day) = self.least_from(movement.date);
                    if movement.quantity > least {
                        return Err(StockError::NotEnoughThen {
                            on_hand: least,
                            day,
                            requested: movement.quantity,
                        });
                    }
                }
                Ok(vec![StockEvent::StockMoved { movement }])
            }
            StockCommand::CountStock {
                id,
                counted,
                date,
                company,
            } => {
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
                    movement: StockMove {
                        id,
                        from,
                        to,
                        quantity: difference.abs(),
                        date,
                        origin: MoveOrigin::Adjustment,
                        company,
                    },
                }])
            }
        }
    }
}

impl Stock {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: StockEvent) {
        let StockEvent::StockMoved { movement } = event;
        let mut change = Decimal::ZERO;
        if movement.from == Location::Stock {
            change -= movement.quantity;
        }
        if movement.to == Location::Stock {
            change += movement.quantity;
        }
        self.on_hand += change;
        *self.by_day.entry(movement.date).or_default() += change;
    }
}

#[cfg(test)]
mod tests;
