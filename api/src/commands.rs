//! The command side: every command goes through here to its aggregate and into the log, with
//! the metadata that says who sent it and why.

use std::collections::HashMap;

use cqrs_es::{Aggregate, AggregateError, CqrsFramework};
use domain::configuration::{
    Configuration, ConfigurationCommand, ConfigurationError, CONFIGURATION_ID,
};
use domain::partner::{Partner, PartnerCommand, PartnerError};
use domain::user::{User, UserCommand, UserError};
use futures::future::BoxFuture;
use projections::log::latest_of_aggregate;
use projections::runner::Announcer;
use projections::{Checkpoint, Wake};
use sqlx::PgPool;
use thiserror::Error;
use tracing::instrument;
use uuid::Uuid;

use crate::event_store::tracking_append;
use crate::store::LogStore;
use crate::work::{AggregateCache, Failure, Work};

/// How many times an operation is decided again when others keep writing the same records.
const RUN_ATTEMPTS: usize = 5;

type Cqrs<A> = CqrsFramework<A, LogStore<A>>;

fn store<A: Aggregate>(pool: &PgPool) -> LogStore<A> {
    LogStore::new(pool.clone())
}

/// Who sent a command, and in the course of what. Recorded in every event's metadata.
#[derive(Debug, Clone)]
pub struct CommandContext {
    /// The acting user's login.
    pub user: String,
    /// Ties together everything done for one user action (a request, or a chain of commands).
    pub correlation_id: Uuid,
    /// The message that caused this command, when it is not the user's request itself.
    pub causation_id: Option<Uuid>,
    /// The client program, as it names itself (its User-Agent).
    pub client: Option<String>,
    /// The data module (`name@version`) the command comes from, when it comes from one.
    pub data_module: Option<String>,
}

impl CommandContext {
    /// A context for work the system does on its own (demo data, migrations of data).
    pub fn system(user: &str) -> Self {
        Self {
            user: user.to_owned(),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            client: Some(concat!("erp/", env!("CARGO_PKG_VERSION")).to_owned()),
            data_module: None,
        }
    }

    /// The metadata of every event `command` writes.
    pub fn metadata(&self, command: &str) -> HashMap<String, String> {
        let command_id = Uuid::now_v7();
        let mut metadata = HashMap::from([
            ("user".to_owned(), self.user.clone()),
            ("command".to_owned(), command.to_owned()),
            ("command_id".to_owned(), command_id.to_string()),
            ("correlation_id".to_owned(), self.correlation_id.to_string()),
            (
                "causation_id".to_owned(),
                self.causation_id.unwrap_or(self.correlation_id).to_string(),
            ),
        ]);
        if let Some(client) = &self.client {
            metadata.insert("client".to_owned(), client.clone());
        }
        if let Some(module) = &self.data_module {
            metadata.insert("data_module".to_owned(), module.clone());
        }
        metadata
    }
}

/// Why a command did not go through.
#[derive(Debug, Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused it: the user can fix this.
    #[error(transparent)]
    Refused(E),
    /// Someone else changed the same record at the same moment; nothing was written.
    #[error("the record was changed by someone else at the same moment")]
    Conflict,
    /// Anything else (database down, unreadable event): nothing was written.
    #[error("{0}")]
    Internal(String),
}

/// Sends commands to aggregates and reports where their events landed in the log.
pub struct CommandBus {
    pool: PgPool,
    wake: Wake,
    announcer: Announcer,
    partners: Cqrs<Partner>,
    configuration: Cqrs<Configuration>,
    users: Cqrs<User>,
    /// Aggregates as the last operations left them (see [`AggregateCache`]).
    cache: std::sync::Arc<AggregateCache>,
}

impl CommandBus {
    /// A bus on `pool` that nudges `wake`'s runners after each command and announces appends
    /// to other processes.
    pub fn new(pool: PgPool, wake: Wake) -> Self {
        Self {
            partners: CqrsFramework::new(store(&pool), vec![], ()),
            configuration: CqrsFramework::new(store(&pool), vec![], ()),
            users: CqrsFramework::new(store(&pool), vec![], ()),
            cache: std::sync::Arc::default(),
            announcer: wake.announcer(pool.clone()),
            pool,
            wake,
        }
    }

    /// Executes a partner command. On success, returns the log position the partner's events
    /// reached: read models that have got there show the change.
    #[instrument(skip_all, fields(aggregate_id = %id, command = command.name()))]
    pub async fn partner(
        &self,
        id: Uuid,
        command: PartnerCommand,
        context: &CommandContext,
    ) -> Result<Checkpoint, CommandError<PartnerError>> {
        let metadata = context.metadata(command.name());
        let creates = command.creates();
        self.execute(&self.partners, &id.to_string(), command, creates, metadata)
            .await
    }

    /// Executes a configuration command; returns the log position its events reached.
    #[instrument(skip_all, fields(command = command.name()))]
    pub async fn configure(
        &self,
        command: ConfigurationCommand,
        context: &CommandContext,
    ) -> Result<Checkpoint, CommandError<ConfigurationError>> {
        let metadata = context.metadata(command.name());
        self.execute(
            &self.configuration,
            CONFIGURATION_ID,
            command,
            false,
            metadata,
        )
        .await
    }

    /// Executes a command on user `id`; returns the log position its events reached.
    #[instrument(skip_all, fields(aggregate_id = %id, command = command.name()))]
    pub async fn user(
        &self,
        id: Uuid,
        command: UserCommand,
        context: &CommandContext,
    ) -> Result<Checkpoint, CommandError<UserError>> {
        let metadata = context.metadata(command.name());
        let creates = command.creates();
        self.execute(&self.users, &id.to_string(), command, creates, metadata)
            .await
    }

    /// Runs a business operation over several aggregates: `operation` decides its commands
    /// on a [`Work`], whose events are then appended all at once. When another writer got to
    /// one of the streams first, the operation is decided again on what is now stored (a few
    /// times, then `Failure::Conflict`). Returns the operation's result and where its events
    /// landed (`None` if it wrote nothing).
    pub async fn run<T>(
        &self,
        context: &CommandContext,
        command: &str,
        mut operation: impl for<'w> FnMut(&'w mut Work) -> BoxFuture<'w, Result<T, Failure>>,
    ) -> Result<(T, Option<Checkpoint>), Failure> {
        let metadata =
            serde_json::to_value(context.metadata(command)).map_err(Failure::internal)?;
        for _ in 0..RUN_ATTEMPTS {
            let mut work = Work::new(self.pool.clone(), self.cache.clone());
            let output = operation(&mut work).await?;
            match work.commit(&metadata).await {
                Ok(at) => {
                    self.wake.nudge();
                    if at.is_some() {
                        self.announcer.announce();
                    }
                    return Ok((output, at));
                }
                Err(Failure::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(Failure::Conflict)
    }

    /// [`Self::run`] for an operation that owns the work while it decides and hands it back:
    /// its future may then borrow from the caller (what a script of operations wants).
    pub async fn run_with<'a, T>(
        &self,
        context: &CommandContext,
        command: &str,
        mut operation: impl FnMut(Work) -> BoxFuture<'a, (Work, Result<T, Failure>)>,
    ) -> Result<(T, Option<Checkpoint>), Failure> {
        let metadata =
            serde_json::to_value(context.metadata(command)).map_err(Failure::internal)?;
        for _ in 0..RUN_ATTEMPTS {
            let (work, output) = operation(Work::new(self.pool.clone(), self.cache.clone())).await;
            let output = output?;
            match work.commit(&metadata).await {
                Ok(at) => {
                    self.wake.nudge();
                    if at.is_some() {
                        self.announcer.announce();
                    }
                    return Ok((output, at));
                }
                Err(Failure::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(Failure::Conflict)
    }

    async fn execute<A: Aggregate>(
        &self,
        cqrs: &Cqrs<A>,
        id: &str,
        command: A::Command,
        creates: bool,
        metadata: HashMap<String, String>,
    ) -> Result<Checkpoint, CommandError<A::Error>>
    where
        A::Command: Clone,
    {
        // a creation is decided without reading the (almost always empty) stream; should the
        // id be taken, the append conflicts, and the command is decided again on the stream.
        let retry = creates.then(|| (command.clone(), metadata.clone()));
        let (mut result, mut appended) =
            tracking_append(creates, cqrs.execute_with_metadata(id, command, metadata)).await;
        if let (Some((command, metadata)), Err(AggregateError::AggregateConflict)) =
            (retry, &result)
        {
            (result, appended) =
                tracking_append(false, cqrs.execute_with_metadata(id, command, metadata)).await;
        }
        // the local projections look at once (a failed attempt may also have held back their
        // horizon until now); other processes hear of appends.
        self.wake.nudge();
        if appended.is_some() {
            self.announcer.announce();
        }
        match result {
            Ok(()) => {}
            Err(AggregateError::UserError(e)) => return Err(CommandError::Refused(e)),
            Err(AggregateError::AggregateConflict) => return Err(CommandError::Conflict),
            Err(other) => return Err(CommandError::Internal(other.to_string())),
        }
        if let Some(at) = appended {
            return Ok(at);
        }
        // nothing appended (the command changed nothing): the aggregate's latest event is what
        // the read models must show.
        let at = latest_of_aggregate(&self.pool, A::TYPE, id)
            .await
            .map_err(|e| CommandError::Internal(e.to_string()))?;
        Ok(at.unwrap_or_default())
    }
}
