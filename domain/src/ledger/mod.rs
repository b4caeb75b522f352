//! The books: journal entries, the periods they post into, and document numbering.
//!
//! Every entry is posted into its month's [`Period`] stream, so closing a month and posting into
//! it cannot both happen: the second to append conflicts, is decided again, and is refused. An
//! entry always balances; the period refuses one that does not, whoever built it.
//!
//! Numbers come from a [`Numbering`] stream per sequence: each number is given once, in order,
//! with no gaps (the number is taken in the same append as the document it numbers).

mod numbering;
mod period;
mod values;

pub use numbering::{Numbering, NumberingCommand, NumberingError, NumberingEvent};
pub use period::{LedgerError, Period, PeriodCommand, PeriodEvent};
pub use values::{
    label, Allocation, EntryLine, EntryOrigin, JournalEntry, PeriodId, ENTRY_AMOUNT_MAX,
    ENTRY_LINES_MAX, LABEL_MAX,
};
