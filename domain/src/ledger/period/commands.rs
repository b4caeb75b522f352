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

impl PeriodCommand {
    pub fn name(&self) -> &'static str {
        match self {
            PeriodCommand::PostEntry { .. } => "PostEntry",
            PeriodCommand::ClosePeriod { .. } => "ClosePeriod",
        }
    }
}
