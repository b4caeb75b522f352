//! Why an entry or a closing was refused, or an entry cannot be posted.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::ledger::{PeriodId, ENTRY_LINES_MAX};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("period {0} is closed: nothing can be posted into it")]
    Closed(PeriodId),
    #[error("period {0} is already closed")]
    AlreadyClosed(PeriodId),
    #[error("period {0} is not closed")]
    NotClosed(PeriodId),
    #[error("the entry is dated {date}, outside period {period}")]
    OutsidePeriod { date: NaiveDate, period: PeriodId },
    #[error("the entry does not balance: debit {debit}, credit {credit}")]
    Unbalanced { debit: Decimal, credit: Decimal },
    #[error("an entry has at least two lines")]
    TooFewLines,
    #[error("an entry has at most {ENTRY_LINES_MAX} lines")]
    TooManyLines,
    #[error("line {line}: each line has either a debit or a credit, above zero")]
    BadLine { line: usize },
    #[error(
        "line {line}: an amount is at most {}",
        crate::ledger::ENTRY_AMOUNT_MAX
    )]
    TooLarge { line: usize },
    #[error("this entry was already posted")]
    AlreadyPosted,
}
