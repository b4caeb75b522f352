//! What happened to a month of the books. The variant names are stored as event types: never
//! rename one.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::ledger::{JournalEntry, PeriodId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PeriodEvent {
    EntryPosted { entry: JournalEntry },
    PeriodClosed { period: PeriodId },
}

impl DomainEvent for PeriodEvent {
    fn event_type(&self) -> String {
        match self {
            PeriodEvent::EntryPosted { .. } => "EntryPosted",
            PeriodEvent::PeriodClosed { .. } => "PeriodClosed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
