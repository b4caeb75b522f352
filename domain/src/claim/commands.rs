//! What a record can ask of a key.

use uuid::Uuid;

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
