//! Why an invoice command was refused.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use thiserror::Error;

use super::values::InvoiceState;
use crate::money::LINES_MAX;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvoiceError {
    #[error("an invoice with this id already exists")]
    AlreadyExists,
    #[error("no invoice with this id")]
    NotFound,
    #[error("{}", crate::stale_version("invoice", *.expected, *.actual))]
    StaleVersion { expected: u64, actual: u64 },
    #[error("the invoice is {actual:?}; this needs it {needed}")]
    WrongState {
        actual: InvoiceState,
        needed: &'static str,
    },
    #[error("an invoice needs at least one line")]
    NoLines,
    #[error("an invoice has at most {LINES_MAX} lines")]
    TooManyLines,
    #[error("the due date {due} is before the invoice date {date}")]
    DueBeforeDate { date: NaiveDate, due: NaiveDate },
    #[error("the lines of an invoice made from an order come from the order: cancel the invoice and invoice the order again")]
    FromOrder,
    #[error("the total is zero: there is nothing to post")]
    NothingToPost,
    #[error("{amount} is more than the {residual} still open on this document")]
    OverMatched { amount: Decimal, residual: Decimal },
    #[error("an amount matched must be above zero")]
    NoAmount,
    #[error("{amount} has more decimals than the document's currency ({decimals})")]
    TooPrecise { amount: Decimal, decimals: u32 },
    #[error("this payment (or credit note) is already set against the document")]
    AlreadyMatched,
    #[error("a credit note reverses an invoice or bill, not another credit note")]
    NotCreditNote,
    #[error(
        "a credit note of {total} is more than the {creditable} of the document not yet credited"
    )]
    OverCredited { total: Decimal, creditable: Decimal },
    #[error(
        "{date} is before the document's date {dated}: nothing is set against it before it exists"
    )]
    MatchedBeforeDate { date: NaiveDate, dated: NaiveDate },
}

crate::version_refusals!(InvoiceError);
