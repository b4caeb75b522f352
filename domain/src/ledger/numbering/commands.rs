//! What a document being numbered asks of its sequence.

use crate::configuration::Sequence;

#[derive(Debug, Clone, PartialEq)]
pub enum NumberingCommand {
    /// Takes the next number of `sequence` (as configured: prefix, padding, and the number to
    /// start from, which can move numbering forward but never back).
    TakeNumber { sequence: Sequence },
}
