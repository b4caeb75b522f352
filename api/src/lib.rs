//! The `erp` server: HTTP and GraphQL over the command layer and the read models, and what the
//! binary needs around them (configuration, PostgreSQL provisioning, the database manager,
//! TLS). Tests build the same [`app`] and [`schema`] and talk to them without a socket.

pub mod assets;
pub mod cli;
pub mod config;
pub mod database;
pub mod fork;
pub mod graphql;
pub mod health;
pub mod http;
pub mod ledger_export;
pub mod manager;
pub mod metrics;
pub mod pg;
pub mod private;
pub mod read_models;
pub mod tls;

pub use commands::{AppState, Backend};

/// What the server logs when `RUST_LOG` does not say: information and up, but not the spans
/// async-graphql's tracing extension opens for every request and every field it resolves
/// (`RUST_LOG=info,async_graphql=info` shows them; only then is the extension installed), nor
/// sqlx's statements.
pub const LOG_FILTER: &str = "info,sqlx=warn,async_graphql=warn";
pub use http::app;

/// The GraphQL schema of a running backend, which anyone may introspect.
pub fn schema(backend: &Backend) -> graphql::AppSchema {
    graphql::schema(backend.state.clone(), graphql::Introspection::Anyone)
}
