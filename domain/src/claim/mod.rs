//! Unique keys. A key (a product's internal reference) is a stream of its own: whoever holds it
//! has appended `KeyClaimed` to it. A record that takes a key appends to the key's stream in the
//! same statement as its own event, so two records can never hold the same key, with no lock
//! and no read model in the way.

mod commands;
mod error;
mod events;

pub use commands::ClaimCommand;
pub use error::ClaimError;
pub use events::ClaimEvent;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stream id of `key` in `namespace` (`product.reference`): keys compare as written.
pub fn key_id(namespace: &str, key: &str) -> String {
    format!("{namespace}/{key}")
}

/// Who holds a key, if anyone.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    owner: Option<Uuid>,
}

crate::aggregate! { Claim, "UniqueKey", ClaimCommand, ClaimEvent, ClaimError }

impl crate::Decide for Claim {
    fn decide(&self, command: ClaimCommand) -> Result<Vec<ClaimEvent>, ClaimError> {
        Ok(match command {
            ClaimCommand::Claim { owner } => match self.owner {
                Some(holder) if holder == owner => vec![],
                Some(holder) => return Err(ClaimError::Taken { owner: holder }),
                None => vec![ClaimEvent::KeyClaimed { owner }],
            },
            ClaimCommand::Release { owner } => match self.owner {
                Some(holder) if holder == owner => vec![ClaimEvent::KeyReleased { owner }],
                _ => vec![],
            },
        })
    }
}

impl Claim {
    /// Whether someone holds the key.
    pub fn is_held(&self) -> bool {
        self.owner.is_some()
    }

    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: ClaimEvent) {
        match event {
            ClaimEvent::KeyClaimed { owner } => self.owner = Some(owner),
            ClaimEvent::KeyReleased { .. } => self.owner = None,
        }
    }
}

#[cfg(test)]
mod tests;
