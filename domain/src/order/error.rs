//! Why an order command was refused.

use rust_decimal::Decimal;
use thiserror::Error;

use super::values::OrderState;
use crate::money::LINES_MAX;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("an order with this id already exists")]
    AlreadyExists,
    #[error("no order with this id")]
    NotFound,
    #[error("{}", crate::stale_version("order", *.expected, *.actual))]
    StaleVersion { expected: u64, actual: u64 },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order has at most {LINES_MAX} lines")]
    TooManyLines,
    #[error("the order is {actual:?}; this needs it {needed}")]
    WrongState {
        actual: OrderState,
        needed: &'static str,
    },
    // `entry` in what follows: which of the delivery's quantities (from 0) is at fault.
    #[error("the order has no line {line}")]
    UnknownLine { line: usize, entry: usize },
    #[error("line {line} is a service: services are not delivered")]
    NotGoods { line: usize, entry: usize },
    #[error("line {line}: {requested} is more than the {remaining} left to deliver")]
    OverDelivery {
        line: usize,
        entry: usize,
        requested: Decimal,
        remaining: Decimal,
    },
    #[error("line {line}: a quantity must be above zero")]
    NoQuantity { line: usize, entry: usize },
    #[error("nothing to deliver: give at least one line and quantity")]
    EmptyDelivery,
    #[error("nothing left to invoice on this order")]
    NothingToInvoice,
    #[error("the order has been {0}: it can no longer be cancelled")]
    CannotCancel(&'static str),
    #[error("this delivery was already recorded")]
    DuplicateDelivery,
}

crate::version_refusals!(OrderError);
