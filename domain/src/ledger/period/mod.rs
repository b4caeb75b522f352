//! A month of the books: the stream every entry dated in it is posted into, so that closing the
//! month and posting into it cannot both happen.

mod commands;
mod error;
mod events;

pub use commands::PeriodCommand;
pub use error::LedgerError;
pub use events::PeriodEvent;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ledger::PeriodId;

/// A month of the books, as far as posting goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    closed: bool,
    entries: u64,
    /// The latest entries' ids, to refuse posting one twice.
    #[serde(default)]
    recent: Vec<Uuid>,
}

crate::aggregate! { Period, "Period", PeriodCommand, PeriodEvent, LedgerError }

impl Period {
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }
}

const RECENT: usize = 64;

impl crate::Decide for Period {
    fn decide(&self, command: PeriodCommand) -> Result<Vec<PeriodEvent>, LedgerError> {
        match command {
            PeriodCommand::PostEntry { period, entry } => {
                if self.closed {
                    return Err(LedgerError::Closed(period));
                }
                if PeriodId::of(entry.date) != period {
                    return Err(LedgerError::OutsidePeriod {
                        date: entry.date,
                        period,
                    });
                }
                if self.recent.contains(&entry.id) {
                    return Err(LedgerError::AlreadyPosted);
                }
                entry.check()?;
                Ok(vec![PeriodEvent::EntryPosted { entry }])
            }
            PeriodCommand::ClosePeriod { period } => {
                if self.closed {
                    return Err(LedgerError::AlreadyClosed(period));
                }
                Ok(vec![PeriodEvent::PeriodClosed { period }])
            }
            PeriodCommand::ReopenPeriod { period } => {
                if !self.closed {
                    return Err(LedgerError::NotClosed(period));
                }
                Ok(vec![PeriodEvent::PeriodReopened { period }])
            }
        }
    }
}

impl Period {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: PeriodEvent) {
        match event {
            PeriodEvent::EntryPosted { entry } => {
                self.entries += 1;
                self.recent.push(entry.id);
                if self.recent.len() > RECENT {
                    self.recent.remove(0);
                }
            }
            PeriodEvent::PeriodClosed { .. } => self.closed = true,
            PeriodEvent::PeriodReopened { .. } => self.closed = false,
        }
    }
}

#[cfg(test)]
mod tests;
