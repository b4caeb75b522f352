//! Document numbering: one stream per sequence, giving each number once, in order, with no gaps
//! (the number is taken in the same append as the document it numbers).

mod commands;
mod error;
mod events;

pub use commands::NumberingCommand;
pub use error::NumberingError;
pub use events::NumberingEvent;

use serde::{Deserialize, Serialize};

/// The last number a sequence gave.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Numbering {
    last: u64,
}

crate::aggregate! { Numbering, "Numbering", NumberingCommand, NumberingEvent, NumberingError }

impl Numbering {
    pub fn last(&self) -> u64 {
        self.last
    }
}

impl crate::Decide for Numbering {
    fn decide(&self, command: NumberingCommand) -> Result<Vec<NumberingEvent>, NumberingError> {
        let NumberingCommand::TakeNumber { sequence } = command;
        self.last.checked_add(1).ok_or(NumberingError::Exhausted)?;
        let sequence = sequence.following(self.last);
        Ok(vec![NumberingEvent::NumberTaken {
            number: sequence.next_number,
            name: sequence.preview(),
        }])
    }
}

impl Numbering {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: NumberingEvent) {
        let NumberingEvent::NumberTaken { number, .. } = event;
        self.last = number;
    }
}

#[cfg(test)]
mod tests;
