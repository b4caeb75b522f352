//! Point-in-time replay: the configuration as it stood at any position (from the nearest stage's
//! snapshot), and copies of the log up to a point, for databases forked at a stage.
//!
//! Rebuilds, verification and export (issue 6) land here too.

mod batches;
pub mod configuration;
pub mod digest;
pub mod export;
pub mod fork;
pub mod rebuild;
pub mod verify;
