//! What posting a document, or an accountant, can ask of a month of the books.

use crate::ledger::{JournalEntry, PeriodId};

#[derive(Debug, Clone, PartialEq)]
pub enum PeriodCommand {
    PostEntry {
        period: PeriodId,
        entry: JournalEntry,
    },
    ClosePeriod {
        period: PeriodId,
    },
    /// Opens a closed month again: entries post into it until it is closed again.
    ReopenPeriod {
        period: PeriodId,
    },
}

crate::command_names! { PeriodCommand, [PostEntry, ClosePeriod, ReopenPeriod] }
