//! What a user (or the order it bills) can ask of an invoice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::values::{InvoiceDraft, InvoiceLine};

#[derive(Debug, Clone, PartialEq)]
pub enum InvoiceCommand {
    DraftInvoice {
        draft: InvoiceDraft,
    },
    ReplaceInvoiceLines {
        expected_version: Option<u64>,
        lines: Vec<InvoiceLine>,
    },
    PostInvoice {
        expected_version: Option<u64>,
        number: String,
        entry: Uuid,
    },
    /// Sets part of a payment or credit note (`with`) against the document.
    MatchInvoice {
        with: Uuid,
        amount: Decimal,
        date: NaiveDate,
    },
    CancelInvoice {
        expected_version: Option<u64>,
    },
}

crate::command_names! {
    InvoiceCommand,
    [DraftInvoice, ReplaceInvoiceLines, PostInvoice, MatchInvoice, CancelInvoice]
}
