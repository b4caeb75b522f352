//! The `erp` server: configuration, PostgreSQL provisioning, the HTTP server and the GraphQL
//! schema. Tests build the same [`app`] and [`graphql::schema`] and talk to them without a socket.

pub mod commands;
pub mod config;
pub mod database;
pub mod demo;
pub mod event_store;
pub mod graphql;
pub mod http;
pub mod pg;

use std::sync::Arc;
use std::time::Duration;

use projections::partner::PartnerProjection;
use projections::runner::{self, RunnerOptions};
use projections::{Progress, Wake};
use sqlx::PgPool;
use tokio::task::JoinHandle;

pub use http::app;

use commands::CommandBus;

/// Everything a request needs, shared by all of them.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub bus: Arc<CommandBus>,
    pub partner_progress: Progress,
    /// How long a mutation waits for the read model to show its change.
    pub read_your_writes_timeout: Duration,
}

/// A running backend on one database: the state for requests, and the background tasks that
/// keep the read models up to date.
pub struct Backend {
    pub state: AppState,
    tasks: Vec<JoinHandle<()>>,
}

impl Backend {
    /// Starts the projection runners on `pool` (already migrated) and wires the command bus.
    pub async fn start(pool: PgPool) -> Result<Self, sqlx::Error> {
        let wake = Wake::default();
        let listener = wake.listen(pool.clone());
        let (partner_progress, partner_runner) = runner::spawn(
            pool.clone(),
            PartnerProjection,
            &wake,
            RunnerOptions::default(),
        )
        .await?;
        let bus = Arc::new(CommandBus::new(pool.clone(), wake));
        Ok(Self {
            state: AppState {
                pool,
                bus,
                partner_progress,
                read_your_writes_timeout: Duration::from_secs(5),
            },
            tasks: vec![listener, partner_runner],
        })
    }

    pub fn schema(&self) -> graphql::AppSchema {
        graphql::schema(self.state.clone())
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
