//! What happened to an order. The variant names are stored as event types: never rename one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::{LineQuantity, OrderHead, OrderLine};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    OrderCreated {
        #[serde(flatten)]
        head: OrderHead,
        lines: Vec<OrderLine>,
    },
    OrderLinesReplaced {
        lines: Vec<OrderLine>,
    },
    OrderConfirmed {},
    /// Goods delivered (sales) or received (purchases).
    OrderDelivered {
        delivery: Uuid,
        date: NaiveDate,
        quantities: Vec<LineQuantity>,
    },
    OrderInvoiced {
        invoice: Uuid,
        quantities: Vec<LineQuantity>,
    },
    OrderInvoiceReleased {
        invoice: Uuid,
    },
    OrderCancelled {},
}

crate::event_names! {
    OrderEvent, "1.0",
    [
        OrderCreated, OrderLinesReplaced, OrderConfirmed, OrderDelivered, OrderInvoiced,
        OrderInvoiceReleased, OrderCancelled
    ]
}
