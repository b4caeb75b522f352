//! The values an invoice is made of: its kind, its state, its lines and its draft.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::Code;
use crate::money::{DocumentLine, Line};
use crate::order::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceKind {
    CustomerInvoice,
    CustomerCreditNote,
    VendorBill,
    VendorCreditNote,
}

impl InvoiceKind {
    /// The document and the credit note of `side`.
    pub fn of_side(side: Side) -> [InvoiceKind; 2] {
        match side {
            Side::Sale => [
                InvoiceKind::CustomerInvoice,
                InvoiceKind::CustomerCreditNote,
            ],
            Side::Purchase => [InvoiceKind::VendorBill, InvoiceKind::VendorCreditNote],
        }
    }

    pub fn side(&self) -> Side {
        match self {
            InvoiceKind::CustomerInvoice | InvoiceKind::CustomerCreditNote => Side::Sale,
            InvoiceKind::VendorBill | InvoiceKind::VendorCreditNote => Side::Purchase,
        }
    }

    pub fn is_credit_note(&self) -> bool {
        matches!(
            self,
            InvoiceKind::CustomerCreditNote | InvoiceKind::VendorCreditNote
        )
    }

    /// The credit note that reverses this kind of document.
    pub fn credit_note(&self) -> InvoiceKind {
        match self.side() {
            Side::Sale => InvoiceKind::CustomerCreditNote,
            Side::Purchase => InvoiceKind::VendorCreditNote,
        }
    }

    /// +1 when the document's total is a debit of its receivable or payable account (a
    /// customer invoice, a vendor credit note), −1 when it is a credit.
    pub fn sign(&self) -> Decimal {
        match self {
            InvoiceKind::CustomerInvoice | InvoiceKind::VendorCreditNote => Decimal::ONE,
            InvoiceKind::CustomerCreditNote | InvoiceKind::VendorBill => Decimal::NEGATIVE_ONE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceState {
    Draft,
    Posted,
    Cancelled,
}

/// An invoice line: the line and the income (or expense) account it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub line: Line,
    pub account: Code,
}

impl DocumentLine for InvoiceLine {
    fn line(&self) -> &Line {
        &self.line
    }
}

/// Everything a draft says, as the user (or the order it comes from) wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDraft {
    pub kind: InvoiceKind,
    pub partner: Uuid,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub decimals: u32,
    pub lines: Vec<InvoiceLine>,
    /// The order the invoice bills, if any: its lines come from the order and stay as they are.
    pub order: Option<Uuid>,
    /// For a credit note, the document it reverses.
    pub reverses: Option<Uuid>,
    pub reference: String,
    /// The company the document belongs to. Absent (as from documents made before a database
    /// held several) for the main one: a document of the main company is stored as it always
    /// was.
    #[serde(
        default = "Code::main_company",
        skip_serializing_if = "Code::is_main_company"
    )]
    pub company: Code,
}

/// Accounts a posting needs beside the lines' own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingAccounts {
    /// Receivable (customer documents) or payable (vendor documents).
    pub counterpart: Code,
    /// Where the document's taxes go.
    pub tax: Code,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    #[test]
    fn each_kind_knows_its_side_its_credit_note_and_its_sign() {
        use InvoiceKind::*;
        let expected = [
            (CustomerInvoice, Side::Sale, false, CustomerCreditNote, "1"),
            (
                CustomerCreditNote,
                Side::Sale,
                true,
                CustomerCreditNote,
                "-1",
            ),
            (VendorBill, Side::Purchase, false, VendorCreditNote, "-1"),
            (
                VendorCreditNote,
                Side::Purchase,
                true,
                VendorCreditNote,
                "1",
            ),
        ];
        for (kind, side, is_credit_note, credit_note, sign) in expected {
            assert_eq!(kind.side(), side, "{kind:?}");
            assert_eq!(kind.is_credit_note(), is_credit_note, "{kind:?}");
            assert_eq!(kind.credit_note(), credit_note, "{kind:?}");
            assert_eq!(kind.sign(), d(sign), "{kind:?}");
        }
    }
}
