//! Errors as a client reads them: user errors (field, message, code) for anything the user can
//! put right, mapped from the command layer's [`Failure`] in one place; internal errors logged
//! once with the request id, shown without details.

use std::fmt::Display;

use async_graphql::{Context, ErrorExtensions, SimpleObject};
use commands::{AppState, Failure};
use domain::text::TextError;
use projections::{Checkpoint, Progress};

use super::request::RequestContext;

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

/// Stable codes of [`UserError`]s: the command layer's own, derived as a GraphQL enum there.
pub use commands::ErrorCode as UserErrorCode;

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

/// What an operation comes to for the client, mapped here and nowhere else: its output once
/// the read model `progress` shows it (waited for, within the read-your-writes timeout), or the
/// refusal as user errors (nothing written); anything else is an internal error.
pub async fn settle<T>(
    ctx: &Context<'_>,
    result: Result<(T, Option<Checkpoint>), Failure>,
    progress: &Progress,
) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    let state = ctx.data::<AppState>()?;
    match result {
        Ok((output, at)) => {
            if let Some(at) = at {
                // read-your-writes: the payload shows the change, not the read model of a
                // moment ago.
                let started = std::time::Instant::now();
                let caught_up = progress.wait_for(at, state.read_your_writes_timeout).await;
                let database = state
                    .pool
                    .connect_options()
                    .get_database()
                    .map(str::to_owned);
                crate::metrics::METRICS.observe(
                    crate::metrics::HORIZON_WAIT,
                    vec![("database", database.unwrap_or_default())],
                    started.elapsed().as_secs_f64(),
                );
                // with a standby, the payload is read there: it waits for the standby too.
                let replayed = state
                    .replica_caught_up(state.read_your_writes_timeout)
                    .await;
                let caught_up = caught_up && replayed.unwrap_or(false);
                if !caught_up {
                    tracing::warn!(
                        ?at,
                        "the read model did not catch up in time; the payload may be stale"
                    );
                }
            }
            Ok((Some(output), vec![]))
        }
        Err(Failure::Internal(error)) => Err(internal(ctx, error)),
        Err(failure) => Ok((None, vec![UserError::from(failure)])),
    }
}

/// [`settle`] for a command on one record: the user errors, if any.
pub async fn settle_at(
    ctx: &Context<'_>,
    result: Result<Checkpoint, Failure>,
    progress: &Progress,
) -> async_graphql::Result<Vec<UserError>> {
    let (_, user_errors) = settle(ctx, result.map(|at| ((), Some(at))), progress).await?;
    Ok(user_errors)
}

impl From<Failure> for UserError {
    fn from(failure: Failure) -> Self {
        let code = failure
            .code()
            .map_or(UserErrorCode::Invalid, UserErrorCode::from);
        match failure {
            Failure::Refused { message, field, .. } => UserError {
                field: (!field.is_empty()).then_some(field),
                message,
                code,
            },
            other => UserError::new(&[], other.to_string(), code),
        }
    }
}

/// Logs an unexpected failure once, with the request id, and gives the client a message that
/// names the request id but leaks nothing.
pub fn internal(ctx: &Context<'_>, error: impl Display) -> async_graphql::Error {
    let request_id = ctx
        .data_opt::<RequestContext>()
        .map(|r| r.request_id.to_string())
        .unwrap_or_default();
    tracing::error!(%request_id, %error, "request failed");
    async_graphql::Error::new(format!(
        "internal error; the server log has the details under request id {request_id}"
    ))
    .extend_with(|_, e| e.set("code", "INTERNAL"))
}
