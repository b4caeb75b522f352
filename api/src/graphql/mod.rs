//! The GraphQL schema: queries read read models, mutations send commands.

mod accounting;
mod business;
pub mod configuration;
mod event;
mod invoice;
pub mod manager;
mod order;
mod partner;
mod product;
mod stage;
mod user;

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Enum, MergedObject, Schema, SimpleObject};
use domain::text::TextError;
use projections::{PgPool, QueryError};
use uuid::Uuid;

use crate::auth::Session;
use crate::AppState;

pub use event::Event;
pub use partner::Partner;

/// The most rows a page of any list may ask for.
pub const MAX_PAGE_SIZE: usize = 100;
/// Rows in a page when the client asks for no size.
pub const DEFAULT_PAGE_SIZE: usize = 20;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    partner::PartnerQuery,
    configuration::ConfigurationQuery,
    event::LogQuery,
    stage::StageQuery,
    user::UserQuery,
    product::ProductQuery,
    order::OrderQuery,
    invoice::InvoiceQuery,
    accounting::AccountingQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    partner::PartnerMutation,
    configuration::ConfigurationMutation,
    stage::StageMutation,
    user::UserMutation,
    product::ProductMutation,
    order::OrderMutation,
    invoice::InvoiceMutation,
    accounting::AccountingMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, configuration::ConfigurationSubscription>;

/// The schema, with the state every resolver reads from.
pub fn schema(state: AppState) -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        configuration::ConfigurationSubscription,
    )
    .data(DataLoader::new(
        ReadLoader(state.pool.clone()),
        tokio::spawn,
    ))
    .data(state)
    .limit_depth(12)
    .limit_complexity(20_000)
    .extension(async_graphql::extensions::Tracing)
    .finish()
}

/// Reads what the fields of list items show (an invoice's partner, an order's lines, an entry's
/// lines), batched: one query for the whole list, not one a row. Each read model's key type has
/// its `Loader` beside its GraphQL type; [`load`] reads through it.
pub struct ReadLoader(PgPool);

/// What a batched read fails with: shared by every field that waited on it.
pub type LoadError = Arc<QueryError>;

/// The value `key` names, read through the schema's [`ReadLoader`] with the other keys asked for
/// at the same moment.
pub async fn load<K>(
    ctx: &async_graphql::Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<ReadLoader as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ReadLoader: Loader<K, Error = LoadError>,
{
    ctx.data::<DataLoader<ReadLoader>>()?
        .load_one(key)
        .await
        .map_err(|e| internal(ctx, e))
}

/// Rows by the key `key` gives each (one row a key).
fn by_key<K: Hash + Eq, R>(rows: Vec<R>, key: impl Fn(&R) -> K) -> HashMap<K, R> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

/// Rows grouped by the key `key` gives each, each group in the rows' order.
fn grouped<K: Hash + Eq, R>(rows: Vec<R>, key: impl Fn(&R) -> K) -> HashMap<K, Vec<R>> {
    let mut groups: HashMap<K, Vec<R>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}

/// What the HTTP layer knows of the request, for resolvers.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: Uuid,
    /// The bearer token the request came with.
    pub token: Option<String>,
    pub correlation_id: Uuid,
    pub client: Option<String>,
    /// The signed-in user, looked up on first need.
    pub session: Arc<Session>,
    /// The newest configuration version the request saw (0: none).
    configuration_version: Arc<AtomicI64>,
}

impl RequestContext {
    pub fn new(
        token: Option<String>,
        correlation_id: Option<Uuid>,
        client: Option<String>,
    ) -> Self {
        let request_id = Uuid::now_v7();
        Self {
            request_id,
            token,
            correlation_id: correlation_id.unwrap_or(request_id),
            client,
            session: Arc::default(),
            configuration_version: Arc::default(),
        }
    }

    /// A request that says nothing of itself (a schema call without HTTP).
    pub fn anonymous() -> Self {
        Self::new(None, None, None)
    }

    /// The context of a command `user` sends in this request.
    pub fn command_context(&self, user: &str) -> crate::commands::CommandContext {
        crate::commands::CommandContext {
            user: user.to_owned(),
            correlation_id: self.correlation_id,
            causation_id: Some(self.request_id),
            client: self.client.clone(),
            data_module: None,
        }
    }

    /// Notes that the request read or wrote configuration `version`.
    pub fn saw_configuration(&self, version: i64) {
        self.configuration_version
            .fetch_max(version, Ordering::Relaxed);
    }

    /// The newest configuration version the request saw, if it looked at any.
    pub fn configuration_version(&self) -> Option<i64> {
        let version = self.configuration_version.load(Ordering::Relaxed);
        (version > 0).then_some(version)
    }
}

/// A problem with a mutation's input that the user can fix. The mutation wrote nothing.
#[derive(Debug, Clone, PartialEq, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, from the mutation's argument (`["input", "email"]`);
    /// null when no single field is at fault.
    pub field: Option<Vec<String>>,
    /// A sentence for the user.
    pub message: String,
    /// A stable code for programs.
    pub code: UserErrorCode,
}

impl UserError {
    pub fn new(field: &[&str], message: impl Into<String>, code: UserErrorCode) -> Self {
        Self {
            field: (!field.is_empty()).then(|| field.iter().map(|f| (*f).to_owned()).collect()),
            message: message.into(),
            code,
        }
    }

    pub fn from_text(field: &[&str], error: &TextError) -> Self {
        let code = match error {
            TextError::Empty => UserErrorCode::Required,
            TextError::TooLong { .. } => UserErrorCode::TooLong,
            TextError::ControlCharacter | TextError::Invalid(_) => UserErrorCode::Invalid,
        };
        Self::new(field, error.to_string(), code)
    }
}

/// Stable codes of [`UserError`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// A required value is missing or blank.
    Required,
    /// A value is longer than allowed.
    TooLong,
    /// A value is not of the expected form.
    Invalid,
    /// No record has this id.
    NotFound,
    /// A record with this id exists already.
    AlreadyExists,
    /// The record is archived and must be restored first.
    Archived,
    /// The record changed since the version the client showed: reload it.
    StaleVersion,
    /// Someone else changed the record at the same moment: reload it and try again.
    Conflict,
    /// The operation needs a module that is not installed.
    ModuleNotInstalled,
    /// Other installed modules need this one.
    RequiredByOthers,
    /// A development version, refused by a production database unless forced.
    DevelopmentVersion,
    /// Business records or other settings use it.
    InUse,
    /// Built in: it cannot be changed.
    Reserved,
    /// The login or the password is wrong.
    InvalidCredentials,
    /// The record is not in a state that allows this (a posted invoice, a cancelled order).
    WrongState,
    /// Not enough on hand, and the settings do not allow negative stock.
    NotEnoughStock,
    /// The period is closed: nothing posts into it.
    PeriodClosed,
    /// Debit and credit differ.
    Unbalanced,
}

/// The problems found while parsing a mutation's input: all of them are reported at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<UserError>);

impl Problems {
    /// The parsed value, or `None` with the error noted against `field`.
    pub fn text<T>(&mut self, field: &[&str], parsed: Result<T, TextError>) -> Option<T> {
        parsed
            .map_err(|e| self.0.push(UserError::from_text(field, &e)))
            .ok()
    }

    /// Notes a problem.
    pub fn add(&mut self, field: &[&str], message: impl Into<String>, code: UserErrorCode) {
        self.0.push(UserError::new(field, message, code));
    }

    /// `value` if nothing was wrong, every problem otherwise.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<UserError>> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(self.0),
        }
    }
}

/// What a sent command comes to for the client: no user error once the read model shows it
/// (waited for, within the read-your-writes timeout), the refusal as a user error, or a conflict;
/// anything else is an internal error. `record` names what changed (`this partner`).
pub async fn settle<E: std::error::Error>(
    ctx: &async_graphql::Context<'_>,
    result: Result<projections::Checkpoint, crate::commands::CommandError<E>>,
    progress: &projections::Progress,
    record: &str,
    refusal: impl Fn(&E) -> UserError,
) -> async_graphql::Result<Vec<UserError>> {
    use crate::commands::CommandError;
    let state = ctx.data::<AppState>()?;
    match result {
        Ok(at) => {
            // read-your-writes: the payload shows the change, not the read model of a moment ago.
            if !progress.wait_for(at, state.read_your_writes_timeout).await {
                tracing::warn!(?at, record, "the read model did not catch up in time; the payload may be stale");
            }
            Ok(vec![])
        }
        Err(CommandError::Refused(error)) => Ok(vec![refusal(&error)]),
        Err(CommandError::Conflict) => Ok(vec![UserError::new(
            &[],
            format!("someone else changed {record} at the same moment; nothing was saved: reload it and try again"),
            UserErrorCode::Conflict,
        )]),
        Err(CommandError::Internal(error)) => Err(internal(ctx, error)),
    }
}

/// Logs an unexpected failure once, with the request id, and gives the client a message that
/// names the request id but leaks nothing.
pub fn internal(ctx: &async_graphql::Context<'_>, error: impl Display) -> async_graphql::Error {
    let request_id = ctx
        .data_opt::<RequestContext>()
        .map(|r| r.request_id.to_string())
        .unwrap_or_default();
    tracing::error!(%request_id, %error, "request failed");
    async_graphql::Error::new(format!(
        "internal error; the server log has the details under request id {request_id}"
    ))
}

/// A point of the log to see a record or report at: give one of the two.
#[derive(Debug, Clone, Copy, async_graphql::InputObject)]
pub struct AsOfInput {
    /// After the events at or before this log position.
    pub position: Option<i64>,
    /// After the events recorded at or before this time.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
}

impl AsOfInput {
    pub fn parse(self) -> async_graphql::Result<projections::log::AsOf> {
        use projections::log::AsOf;
        match (self.position, self.time) {
            (Some(position), None) if position >= 0 => Ok(AsOf::Position(position)),
            (Some(_), None) => Err("asOf.position is a log position: never negative".into()),
            (None, Some(time)) => Ok(AsOf::Time(time)),
            _ => Err("asOf takes exactly one of position and time".into()),
        }
    }
}

/// The rows a page holds: what the client asked for, at most [`MAX_PAGE_SIZE`].
pub fn page_size(requested: Option<usize>) -> async_graphql::Result<usize> {
    match requested {
        Some(n) if n > MAX_PAGE_SIZE => {
            Err(format!("a page holds at most {MAX_PAGE_SIZE} records; ask for fewer").into())
        }
        Some(n) => Ok(n),
        None => Ok(DEFAULT_PAGE_SIZE),
    }
}

/// Parses a record id given by a client.
pub fn parse_id(raw: &async_graphql::ID) -> Option<Uuid> {
    Uuid::parse_str(raw.as_str()).ok()
}
