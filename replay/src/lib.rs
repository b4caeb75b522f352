//! Rebuilds, verification, point-in-time replay, stages, and backup and restore of event logs.
//!
//! Empty for now: the walking skeleton reads the log only through `projections`. Replay and audit
//! (issue 6) and configuration stages (issue 4) land here.
