//! Business rules of the ERP: aggregates, their commands, events and errors.
//!
//! Pure: no SQL, no HTTP, no clock. Time and identifiers come in through commands, so handling a
//! command is deterministic and every aggregate is tested with nothing started.

pub mod claim;
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
