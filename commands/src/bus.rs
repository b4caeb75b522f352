//! The command bus: every operation goes through here, as one [`Work`] over the store, into the
//! log, with the metadata that says who sent it and why; decided again when another writer got
//! to the same records first.

use std::collections::HashMap;
use std::sync::Arc;

use domain::configuration::{Configuration, ConfigurationCommand, CONFIGURATION_ID};
use domain::partner::{Partner, PartnerCommand};
use domain::user::{User, UserCommand};
use domain::Decide;
use futures::future::BoxFuture;
use projections::partner::PartnerRow;
use projections::runner::Announcer;
use projections::{Checkpoint, Wake};
use sqlx::PgPool;
use store::streams::{AlongWith, Committed};
use store::AggregateCache;
use tracing::instrument;
use uuid::Uuid;

use crate::error::{Failure, Refusal};
use crate::work::Work;

/// How many times an operation is decided again when others keep writing the same records.
const RUN_ATTEMPTS: usize = 10;

/// Waits a little before attempt `attempt` (from 1) decides again: a random moment, up to a
/// few milliseconds more with each attempt, so writers racing for the same stream (a journal's
/// numbering) do not keep colliding in step.
async fn back_off(attempt: usize) {
    use rand::Rng;
    let most = 2 * attempt as u64;
    let wait = rand::rng().random_range(0..=most);
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
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
    /// The bearer token of the request that sends it, if one: the session a user changing
    /// their own password stays signed in with (never written anywhere).
    pub token: Option<String>,
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
            token: None,
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

    /// [`Self::metadata`] as the JSON text stored with each event.
    pub fn metadata_json(&self, command: &str) -> Result<String, Failure> {
        serde_json::to_string(&self.metadata(command)).map_err(Failure::internal)
    }
}

/// How often an operation is decided when the append conflicts.
#[derive(Debug, Clone, Copy)]
struct Attempts {
    times: usize,
    /// The first attempt decides on streams taken to be empty, without reading them.
    first_assumes_new: bool,
}

impl Attempts {
    /// An operation over several records is decided again on fresh state, a few times.
    const RETRY: Self = Self {
        times: RUN_ATTEMPTS,
        first_assumes_new: false,
    };

    /// A command on one record, as the user's form showed it, is never decided again on state
    /// the user has not seen: a conflict is reported. A creation is first decided without
    /// reading, then once more on the stream if its id turned out to be taken.
    fn one(creates: bool) -> Self {
        Self {
            times: if creates { 2 } else { 1 },
            first_assumes_new: creates,
        }
    }
}

/// A check run in the transaction of each append an operation tries (see [`AlongWith`]).
pub(crate) type Guard<'g> = &'g (dyn Fn() -> AlongWith<'static> + Send + Sync);

/// Sends commands to aggregates and reports where their events landed in the log.
pub struct CommandBus {
    pool: PgPool,
    wake: Wake,
    announcer: Announcer,
    /// Aggregates as the last operations left them (see [`AggregateCache`]).
    cache: Arc<AggregateCache>,
}

impl CommandBus {
    /// A bus on `pool` that nudges `wake`'s runners after each command and announces appends
    /// to other processes.
    pub fn new(pool: PgPool, wake: Wake) -> Self {
        Self {
            cache: Arc::default(),
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
    ) -> Result<Checkpoint, Failure> {
        Ok(self.partner_row(id, command, context).await?.0)
    }

    /// [`Self::partner`], answering also with the partner's row as the command's own statement
    /// wrote it (none when the command changed nothing).
    #[instrument(skip_all, fields(aggregate_id = %id, command = command.name()))]
    pub async fn partner_row(
        &self,
        id: Uuid,
        command: PartnerCommand,
        context: &CommandContext,
    ) -> Result<(Checkpoint, Option<PartnerRow>), Failure> {
        let creates = command.creates();
        let committed = self
            .one::<Partner>(
                &id.to_string(),
                command.name(),
                command,
                creates,
                context,
                None,
            )
            .await?;
        // the row is the statement's own answer; should it not read, the caller reads the
        // read model instead (the command went through either way).
        let row = committed.rode.and_then(|json| {
            projections::partner::row_from_json(&json)
                .inspect_err(
                    |error| tracing::warn!(%error, "the partner's row as written does not read"),
                )
                .ok()
                .filter(|row| row.id == id)
        });
        Ok((committed.at, row))
    }

    /// Executes a configuration command; returns the log position its events reached.
    #[instrument(skip_all, fields(command = command.name()))]
    pub async fn configure(
        &self,
        command: ConfigurationCommand,
        context: &CommandContext,
    ) -> Result<Checkpoint, Failure> {
        // what no single aggregate can tell: whether a user or a record still uses it.
        type Check = fn(String) -> AlongWith<'static>;
        let removing: Option<(String, Check)> = match &command {
            ConfigurationCommand::RemoveCompany { code } => {
                Some((code.to_string(), crate::companies::unused))
            }
            ConfigurationCommand::RemoveGroup { code } => {
                Some((code.to_string(), crate::companies::group_unused))
            }
            _ => None,
        };
        let held = self.held_changes(&command).await?;
        let guarded = removing.is_some() || !held.is_empty();
        let guard = move || {
            store::streams::both(
                removing.clone().map(|(code, check)| check(code)),
                (!held.is_empty()).then(|| held.guard()),
            )
        };
        let guard: Option<Guard<'_>> = guarded.then_some(&guard);
        Ok(self
            .one::<Configuration>(
                CONFIGURATION_ID,
                command.name(),
                command,
                false,
                context,
                guard,
            )
            .await?
            .at)
    }

    /// What `command` changes that business records hold to: the companies whose currency it
    /// changes (a company's own change, a batch of a data module, a stage restored), with the
    /// currency their books are in now and the one they would be in, and the accounts it makes
    /// receivable or payable, or no longer so. The command is decided on the configuration as it
    /// now is; nothing if it is refused anyway.
    pub(crate) async fn held_changes(
        &self,
        command: &ConfigurationCommand,
    ) -> Result<crate::companies::HeldChanges, Failure> {
        use cqrs_es::Aggregate;
        // only these change a company's currency or an account's kind: the others need not
        // read and decide the configuration once more.
        let may_hold = matches!(
            command,
            ConfigurationCommand::UpdateCompany { .. }
                | ConfigurationCommand::SetCompany { .. }
                | ConfigurationCommand::SetAccount { .. }
                | ConfigurationCommand::RestoreStage { .. }
                | ConfigurationCommand::Promote { .. }
                | ConfigurationCommand::Batch(_)
        );
        if !may_hold {
            return Ok(Default::default());
        }
        let Some(row) = projections::configuration::current(&self.pool).await? else {
            return Ok(Default::default());
        };
        let before = row.configuration;
        let Ok(events) = before.decide(command.clone()) else {
            return Ok(Default::default());
        };
        let mut after = before.clone();
        for event in events {
            after.apply(event);
        }
        Ok(crate::companies::HeldChanges::between(
            before.settings(),
            after.settings(),
        ))
    }

    /// Executes a command on user `id`; returns the log position its events reached. A change
    /// that would leave no active administrator is refused (`LastAdministrator`).
    #[instrument(skip_all, fields(aggregate_id = %id, command = command.name()))]
    pub async fn user(
        &self,
        id: Uuid,
        command: UserCommand,
        context: &CommandContext,
    ) -> Result<Checkpoint, Failure> {
        let creates = command.creates();
        let field = crate::admins::may_remove_one(&command);
        let ends = crate::sessions::ends_sessions(&command);
        let target = id.to_string();
        // a new password keeps the session that set it; a deactivation keeps none.
        let keep = matches!(command, UserCommand::ChangePassword { .. })
            .then(|| context.token.clone())
            .flatten();
        let guard = move || {
            let admins = field.map(|field| crate::admins::keeps_an_admin(field, target.clone()));
            let sessions = ends.then(|| crate::sessions::end_sessions(id, keep.clone()));
            store::streams::both(admins, sessions)
        };
        let guard: Option<Guard<'_>> = (field.is_some() || ends).then_some(&guard);
        Ok(self
            .one::<User>(
                &id.to_string(),
                command.name(),
                command,
                creates,
                context,
                guard,
            )
            .await?
            .at)
    }

    /// One command on one aggregate. A creation is decided on an empty aggregate without
    /// reading the (almost always empty) stream; should the id be taken, the append conflicts
    /// and the command is decided again on the stream. When the command changes nothing, the
    /// aggregate's latest event is what read models must show. `guard` runs in the append's
    /// transaction, and may decline it.
    async fn one<A>(
        &self,
        id: &str,
        name: &str,
        command: A::Command,
        creates: bool,
        context: &CommandContext,
        guard: Option<Guard<'_>>,
    ) -> Result<Committed, Failure>
    where
        A: Decide + Clone + Send + Sync + 'static,
        A::Command: Clone + Send + Sync,
        A::Error: Refusal,
    {
        let (_, committed) = self
            .attempts(context, name, Attempts::one(creates), guard, |work| {
                let (id, command) = (id.to_owned(), command.clone());
                Box::pin(async move { work.decide::<A>(&id, command).await.map(|_| ()) })
            })
            .await?;
        match committed {
            Some(committed) => Ok(committed),
            None => Ok(Committed {
                at: projections::log::latest_of_aggregate(&self.pool, A::TYPE, id)
                    .await?
                    .unwrap_or_default(),
                rode: None,
            }),
        }
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
        operation: impl for<'w> FnMut(&'w mut Work) -> BoxFuture<'w, Result<T, Failure>>,
    ) -> Result<(T, Option<Checkpoint>), Failure> {
        self.run_guarded(context, command, None, operation).await
    }

    /// Like [`Self::run`], with `guard`'s check run in the append's transaction.
    pub(crate) async fn run_guarded<T>(
        &self,
        context: &CommandContext,
        command: &str,
        guard: Option<Guard<'_>>,
        operation: impl for<'w> FnMut(&'w mut Work) -> BoxFuture<'w, Result<T, Failure>>,
    ) -> Result<(T, Option<Checkpoint>), Failure> {
        let (output, committed) = self
            .attempts(context, command, Attempts::RETRY, guard, operation)
            .await?;
        Ok((output, committed.map(|c| c.at)))
    }

    async fn attempts<T>(
        &self,
        context: &CommandContext,
        command: &str,
        attempts: Attempts,
        guard: Option<Guard<'_>>,
        mut operation: impl for<'w> FnMut(&'w mut Work) -> BoxFuture<'w, Result<T, Failure>>,
    ) -> Result<(T, Option<Committed>), Failure> {
        let metadata = context.metadata_json(command)?;
        for attempt in 0..attempts.times {
            if attempt > 0 && !attempts.first_assumes_new {
                back_off(attempt).await;
            }
            let mut work = Work::new(self.pool.clone(), self.cache.clone());
            if attempts.first_assumes_new && attempt == 0 {
                work.assume_new();
            }
            let output = operation(&mut work).await?;
            match self
                .commit(work, &metadata, guard.map(|guard| guard()))
                .await
            {
                Err(Failure::Conflict) => continue,
                other => return other.map(|at| (output, at)),
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
        let metadata = context.metadata_json(command)?;
        for attempt in 0..RUN_ATTEMPTS {
            if attempt > 0 {
                back_off(attempt).await;
            }
            let (work, output) = operation(Work::new(self.pool.clone(), self.cache.clone())).await;
            let output = output?;
            match self.commit(work, &metadata, None).await {
                Err(Failure::Conflict) => continue,
                other => return other.map(|committed| (output, committed.map(|c| c.at))),
            }
        }
        Err(Failure::Conflict)
    }

    /// Appends the work's events; the local projections look at once (a failed attempt may
    /// also have held back their horizon until now), and other processes hear of appends.
    async fn commit(
        &self,
        work: Work,
        metadata: &str,
        guard: Option<AlongWith<'static>>,
    ) -> Result<Option<Committed>, Failure> {
        let committed = match guard {
            Some(guard) => work.commit_with(metadata, guard).await,
            None => work.commit(metadata).await,
        };
        self.wake.nudge();
        if let Ok(Some(_)) = committed {
            self.announcer.announce();
        }
        committed
    }
}
