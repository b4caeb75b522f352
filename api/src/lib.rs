//! The `erp` server: HTTP and GraphQL over the command layer and the read models, and what the
//! binary needs around them (configuration, PostgreSQL provisioning, the database manager,
//! TLS). Tests build the same [`app`] and [`schema`] and talk to them without a socket.

pub mod cli;
pub mod config;
pub mod database;
pub mod fork;
pub mod graphql;
pub mod health;
pub mod http;
pub mod manager;
pub mod metrics;
pub mod pg;
pub mod private;
pub mod read_models;
pub mod tls;

pub use commands::{AppState, Backend};
pub use http::app;

/// The GraphQL schema of a running backend, which anyone may introspect.
pub fn schema(backend: &Backend) -> graphql::AppSchema {
    graphql::schema(backend.state.clone(), graphql::Introspection::Anyone)
}
