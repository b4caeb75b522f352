//! Business rules of the ERP: aggregates, their commands, events and errors.
//!
//! Pure: no SQL, no HTTP, no clock. Time and identifiers come in through commands, so handling a
//! command is deterministic and every aggregate is tested with nothing started.
//!
//! Every aggregate is laid out alike, in a folder of its own: `mod.rs` (its state, its
//! `aggregate!` line, `impl Decide` and `fold`), `commands.rs`, `events.rs`, `error.rs`,
//! `values.rs` where it has value types, and `tests.rs` (given events, when a command, then
//! events or an error). `ledger` holds two aggregates, `ledger/period/` and `ledger/numbering/`.
//! What they all share (`impl Aggregate`, event and command names, version refusals) is written
//! once, as the macros of `macros.rs`.

mod macros;
pub(crate) use macros::{aggregate, command_names, event_names, version_refusals};

pub mod claim;
pub mod code;
pub mod configuration;
pub mod invoice;
pub mod ledger;
pub mod money;
pub mod order;
pub mod partner;
pub mod product;
pub mod stock;
pub mod text;
pub mod upcast;
pub mod user;

#[cfg(test)]
mod testing;

/// An aggregate that decides on a command without waiting on anything: the events it leads to
/// (none when it changes nothing), or why it is refused. What the command bus uses to decide
/// several aggregates' commands and append all their events at once.
pub trait Decide: cqrs_es::Aggregate {
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;
}

/// `Aggregate::handle` for an aggregate that decides with [`Decide`]: its events, each applied
/// through the sink.
pub async fn handle_by_deciding<A: Decide>(
    aggregate: &mut A,
    command: A::Command,
    sink: &cqrs_es::event_sink::EventSink<A>,
) -> Result<(), A::Error> {
    for event in aggregate.decide(command)? {
        sink.write(event, aggregate).await;
    }
    Ok(())
}

/// The refusals of a record whose forms send `expected_version`, which [`at_version`] gives:
/// its error's `NotFound` and `StaleVersion` (see `version_refusals!`).
pub(crate) trait VersionRefusals {
    fn not_found() -> Self;
    fn stale(expected: u64, actual: u64) -> Self;
}

/// The record a command is about, if it exists (`NotFound` otherwise) and is at the version the
/// user's form showed (`StaleVersion` otherwise; no `expected_version`, no check): what every
/// aggregate whose forms send `expected_version` checks first.
pub(crate) fn at_version<T, E: VersionRefusals>(
    current: Option<T>,
    version: u64,
    expected_version: Option<u64>,
) -> Result<T, E> {
    let current = current.ok_or_else(E::not_found)?;
    match expected_version {
        Some(expected) if expected != version => Err(E::stale(expected, version)),
        _ => Ok(current),
    }
}

/// What a `StaleVersion` refusal says, whichever record the form edits.
pub(crate) fn stale_version(record: &str, expected: u64, actual: u64) -> String {
    format!(
        "the {record} was changed by someone else: your form shows version {expected}, it is now \
         at version {actual}; reload it and make your change again"
    )
}
