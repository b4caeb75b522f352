//! What a user (or a delivery, or an invoice) can ask of an order.

use chrono::NaiveDate;
use uuid::Uuid;

use super::values::{LineQuantity, OrderHead, OrderLine};
use crate::configuration::InvoicePolicy;

#[derive(Debug, Clone, PartialEq)]
pub enum OrderCommand {
    CreateOrder {
        head: OrderHead,
        lines: Vec<OrderLine>,
    },
    ReplaceLines {
        expected_version: Option<u64>,
        lines: Vec<OrderLine>,
    },
    ConfirmOrder {
        expected_version: Option<u64>,
    },
    /// Goods leave for the customer (sales) or arrive from the supplier (purchases).
    DeliverOrder {
        delivery: Uuid,
        date: NaiveDate,
        quantities: Vec<LineQuantity>,
    },
    /// Bills what `policy` says is to be invoiced, on invoice `invoice`.
    InvoiceOrder {
        invoice: Uuid,
        policy: InvoicePolicy,
    },
    /// Invoice `invoice` was cancelled as a draft: what it billed is to be invoiced again.
    ReleaseInvoice {
        invoice: Uuid,
    },
    CancelOrder {
        expected_version: Option<u64>,
    },
}

crate::command_names! {
    OrderCommand,
    [
        CreateOrder, ReplaceLines => "ReplaceOrderLines", ConfirmOrder, DeliverOrder,
        InvoiceOrder, ReleaseInvoice => "ReleaseOrderInvoice", CancelOrder
    ]
}
