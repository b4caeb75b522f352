//! Unique keys. A key (a product's internal reference) is a stream of its own: whoever holds it
//! has appended `KeyClaimed` to it. A record that takes a key appends to the key's stream in the
//! same statement as its own event, so two records can never hold the same key, with no lock
//! and no read model in the way.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

/// The stream id of `key` in `namespace` (`product.reference`): keys compare as written.
pub fn key_id(namespace: &str, key: &str) -> String {
    format!("{namespace}/{key}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimCommand {
    Claim {
        owner: Uuid,
    },
    /// Lets the key go, if `owner` holds it.
    Release {
        owner: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimEvent {
    KeyClaimed { owner: Uuid },
    KeyReleased { owner: Uuid },
}

impl DomainEvent for ClaimEvent {
    fn event_type(&self) -> String {
        match self {
            ClaimEvent::KeyClaimed { .. } => "KeyClaimed",
            ClaimEvent::KeyReleased { .. } => "KeyReleased",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClaimError {
    #[error("already used by another record")]
    Taken { owner: Uuid },
}

/// Who holds a key, if anyone.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    owner: Option<Uuid>,
}

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

impl Aggregate for Claim {
    const TYPE: &'static str = "UniqueKey";
    type Command = ClaimCommand;
    type Event = ClaimEvent;
    type Error = ClaimError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::handle_by_deciding(self, command, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ClaimEvent::KeyClaimed { owner } => self.owner = Some(owner),
            ClaimEvent::KeyReleased { .. } => self.owner = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decide;

    #[test]
    fn a_key_has_one_holder_at_a_time() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut claim = Claim::default();
        let events = claim.decide(ClaimCommand::Claim { owner: a }).unwrap();
        assert_eq!(events, vec![ClaimEvent::KeyClaimed { owner: a }]);
        events.into_iter().for_each(|e| claim.apply(e));
        assert_eq!(
            claim.decide(ClaimCommand::Claim { owner: b }),
            Err(ClaimError::Taken { owner: a })
        );
        assert_eq!(claim.decide(ClaimCommand::Claim { owner: a }), Ok(vec![]));
        assert_eq!(claim.decide(ClaimCommand::Release { owner: b }), Ok(vec![]));
        for e in claim.decide(ClaimCommand::Release { owner: a }).unwrap() {
            claim.apply(e);
        }
        assert!(claim.decide(ClaimCommand::Claim { owner: b }).is_ok());
    }
}
