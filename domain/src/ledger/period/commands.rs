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
}

crate::command_names! { PeriodCommand, [PostEntry, ClosePeriod] }
