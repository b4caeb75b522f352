//! What happened to an invoice. The variant names are stored as event types: never rename one.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::{InvoiceDraft, InvoiceLine};
use crate::money::Totals;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InvoiceEvent {
    InvoiceDrafted {
        draft: InvoiceDraft,
    },
    InvoiceLinesReplaced {
        lines: Vec<InvoiceLine>,
    },
    /// Numbered and in the books: entry `entry` carries its lines.
    InvoicePosted {
        number: String,
        entry: Uuid,
        totals: Totals,
    },
    InvoiceMatched {
        with: Uuid,
        amount: Decimal,
        date: NaiveDate,
    },
    InvoiceCancelled {},
    /// Credit note `credit_note`, of `total`, was posted against the document.
    InvoiceCredited {
        credit_note: Uuid,
        total: Decimal,
    },
}

crate::event_names! {
    InvoiceEvent, "1.0",
    [InvoiceDrafted, InvoiceLinesReplaced, InvoicePosted, InvoiceMatched, InvoiceCancelled,
     InvoiceCredited]
}
