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
    /// Sets more of open credit note `with` against the document (or of the document against
    /// the credit note): a credit note is applied in as many parts as it has credit.
    SetOff {
        with: Uuid,
        amount: Decimal,
        date: NaiveDate,
    },
    CancelInvoice {
        expected_version: Option<u64>,
    },
    /// Credit note `credit_note`, of `total`, is posted against the document.
    CreditInvoice {
        credit_note: Uuid,
        total: Decimal,
    },
}

crate::command_names! {
    InvoiceCommand,
    [DraftInvoice, ReplaceInvoiceLines, PostInvoice, MatchInvoice, SetOff, CancelInvoice, CreditInvoice]
}
