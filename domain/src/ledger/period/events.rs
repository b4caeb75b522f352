//! What happened to a month of the books. The variant names are stored as event types: never
//! rename one.

use serde::{Deserialize, Serialize};

use crate::ledger::{JournalEntry, PeriodId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PeriodEvent {
    EntryPosted { entry: JournalEntry },
    PeriodClosed { period: PeriodId },
    PeriodReopened { period: PeriodId },
}

crate::event_names! { PeriodEvent, "1.0", [EntryPosted, PeriodClosed, PeriodReopened] }
