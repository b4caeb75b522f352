//! The shape every aggregate shares, written once: its `impl Aggregate`, its events' stored
//! names, its commands' names and its version refusals.

/// `aggregate! { Partner, "Partner", PartnerCommand, PartnerEvent, PartnerError }`: the `impl
/// Aggregate` of an aggregate that decides with [`Decide`](crate::Decide): its `TYPE`, command,
/// event and error types; no services; `handle` by
/// [`handle_by_deciding`](crate::handle_by_deciding); `apply` by the aggregate's own `fold`.
macro_rules! aggregate {
    ($aggregate:ty, $type:literal, $command:ty, $event:ty, $error:ty) => {
        impl ::cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type;
            type Command = $command;
            type Event = $event;
            type Error = $error;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _services: &Self::Services,
                sink: &::cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                $crate::handle_by_deciding(self, command, sink).await
            }

            fn apply(&mut self, event: Self::Event) {
                self.fold(event)
            }
        }
    };
}
pub(crate) use aggregate;

/// `event_names! { PartnerEvent, "1.0", [PartnerCreated, ...] }`: the `impl DomainEvent` of an
/// event enum stored at one version, each variant's event type its own name. Every variant is
/// listed (the match is exhaustive); `{ .. }` matches unit and tuple variants too.
macro_rules! event_names {
    ($event:ty, $version:literal, [$($variant:ident),+ $(,)?]) => {
        impl ::cqrs_es::DomainEvent for $event {
            fn event_type(&self) -> String {
                match self {
                    $(Self::$variant { .. } => stringify!($variant),)+
                }
                .to_owned()
            }

            fn event_version(&self) -> String {
                $version.to_owned()
            }
        }
    };
}
pub(crate) use event_names;

/// `command_names! { OrderCommand, [CreateOrder, ReplaceLines => "ReplaceOrderLines", ...] }`:
/// the command enum's `name()`, each variant's own name or the one given after `=>`. Every
/// variant is listed (the match is exhaustive).
macro_rules! command_names {
    ($command:ty, [$($variant:ident $(=> $name:literal)?),+ $(,)?]) => {
        impl $command {
            /// The command's name, recorded in every event's metadata.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => {
                        $crate::macros::command_names!(@name $variant $($name)?)
                    })+
                }
            }
        }
    };
    (@name $variant:ident) => {
        stringify!($variant)
    };
    (@name $variant:ident $name:literal) => {
        $name
    };
}
pub(crate) use command_names;

/// `version_refusals!(PartnerError)`: the [`VersionRefusals`](crate::VersionRefusals) of an
/// error with a `NotFound` and a `StaleVersion { expected, actual }`.
macro_rules! version_refusals {
    ($error:ty) => {
        impl $crate::VersionRefusals for $error {
            fn not_found() -> Self {
                Self::NotFound
            }

            fn stale(expected: u64, actual: u64) -> Self {
                Self::StaleVersion { expected, actual }
            }
        }
    };
}
pub(crate) use version_refusals;
