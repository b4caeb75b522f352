//! A mutation's answer about one record: the record as the read model shows it afterwards, and
//! the user errors; and sending a command on one record to get it.

use std::fmt::Display;
use std::future::Future;

use async_graphql::{Context, Result};
use commands::policy::Actor;
use commands::{AppState, CommandBus, CommandContext, Failure};
use projections::{Checkpoint, PgPool, Progress, QueryError};
use uuid::Uuid;

use super::error::{internal, settle, UserError};
use super::request::RequestContext;

/// A mutation's answer about one record: the record as the read model shows it afterwards,
/// and the user errors.
pub trait Payload: Sized {
    /// The read model's row of the record.
    type Row;

    fn new(row: Option<Self::Row>, user_errors: Vec<UserError>) -> Self;

    /// Nothing written, for these reasons.
    fn refused(user_errors: Vec<UserError>) -> Self {
        Self::new(None, user_errors)
    }

    /// The record `read` reads, with the user errors of what was run.
    async fn reload<E: Display>(
        ctx: &Context<'_>,
        user_errors: Vec<UserError>,
        read: impl Future<Output = std::result::Result<Option<Self::Row>, E>>,
    ) -> Result<Self> {
        let row = read.await.map_err(|e| internal(ctx, e))?;
        Ok(Self::new(row, user_errors))
    }
}

/// Declares `$payload { $field: Option<$object>, user_errors: Vec<UserError> }`, a GraphQL
/// object (the doc comments go with it), and makes it a [`Payload`] whose row `$row` becomes the
/// object by `$to_object`.
macro_rules! payload {
    (
        $(#[$meta:meta])*
        $payload:ident {
            $(#[$field_meta:meta])*
            $field:ident: $object:ty,
            $(#[$errors_meta:meta])*
            user_errors $(,)?
        } from $row:ty => $to_object:expr
    ) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $payload {
            $(#[$field_meta])*
            pub $field: Option<$object>,
            $(#[$errors_meta])*
            pub user_errors: Vec<$crate::graphql::UserError>,
        }

        impl $crate::graphql::payload::Payload for $payload {
            type Row = $row;

            fn new(row: Option<$row>, user_errors: Vec<$crate::graphql::UserError>) -> Self {
                Self {
                    $field: row.map($to_object),
                    user_errors,
                }
            }
        }
    };
}
pub(crate) use payload;

/// What a bus method answers for one record: where the command's events stand in the log, and
/// the record's row as the command wrote it, if it wrote one.
pub trait Sent<Row> {
    fn split(self) -> (Checkpoint, Option<Row>);
}

impl<Row> Sent<Row> for Checkpoint {
    fn split(self) -> (Checkpoint, Option<Row>) {
        (self, None)
    }
}

impl<Row> Sent<Row> for (Checkpoint, Option<Row>) {
    fn split(self) -> (Checkpoint, Option<Row>) {
        self
    }
}

/// Sends the command `parsed` gives for its record as `actor`, by `dispatch` (the bus's method
/// for the record's kind), and answers with the record: the row the command wrote, if any (it
/// shows the command: nothing to wait for); else the record as `read` finds it once the read
/// model (`progress` of the state) shows the command. The user errors of the input, if any,
/// with nothing sent.
pub async fn send_one<'a, P, C, S, Read>(
    ctx: &Context<'a>,
    actor: &Actor,
    parsed: Result<(Uuid, C), Vec<UserError>>,
    dispatch: impl AsyncFnOnce(&'a CommandBus, Uuid, C, &CommandContext) -> Result<S, Failure>,
    progress: impl FnOnce(&AppState) -> &Progress,
    read: impl FnOnce(&'a PgPool, Uuid) -> Read,
) -> Result<P>
where
    P: Payload,
    S: Sent<P::Row>,
    Read: Future<Output = Result<Option<P::Row>, QueryError>>,
{
    let state = ctx.data::<AppState>()?;
    let (id, command) = match parsed {
        Ok(parsed) => parsed,
        Err(user_errors) => return Ok(P::refused(user_errors)),
    };
    let context = RequestContext::of(ctx).command_context(&actor.login);
    let result = dispatch(&state.bus, id, command, &context)
        .await
        .map(S::split);
    // a row written with the events shows them: nothing to wait for. Without one (the command
    // changed nothing, or the row was behind and left to the runner), the read model is waited
    // for.
    let with_the_log = Progress::with_the_log();
    let progress = match &result {
        Ok((_, Some(_))) => &with_the_log,
        _ => progress(state),
    };
    let (row, user_errors) = settle(ctx, result.map(|(at, row)| (row, Some(at))), progress).await?;
    match row {
        Some(Some(row)) => Ok(P::new(Some(row), user_errors)),
        _ => P::reload(ctx, user_errors, read(state.reads(), id)).await,
    }
}
