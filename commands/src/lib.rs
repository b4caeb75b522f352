//! The application layer: every operation a user (or the system) can ask for, as one unit of
//! work over the store: partners, users, configuration, the business, data modules, demo data.
//! Rights and modules are policy here, so GraphQL and the command line share them; every
//! refusal is a [`Failure`] with an [`ErrorCode`].

mod admins;
pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod bus;
pub mod business;
mod companies;
pub mod data_module;
pub mod demo;
pub mod error;
pub mod policy;
pub mod sessions;
pub mod stage;
pub mod throttle;
pub mod work;

pub use app::{AppState, Backend};
pub use bus::{CommandBus, CommandContext};
pub use error::{ErrorCode, Failure, Refusal};
pub use work::Work;
