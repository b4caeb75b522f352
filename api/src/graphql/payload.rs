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

/// Sends the command `parsed` gives for its record as `actor`, by `dispatch` (the bus's method
/// for the record's kind); waits until the read model (`progress` of the state) shows it, and
/// answers with the record as `read` finds it then. The user errors of the input, if any, with
/// nothing sent.
pub async fn send_one<'a, P, C, Read>(
    ctx: &Context<'a>,
    actor: &Actor,
    parsed: Result<(Uuid, C), Vec<UserError>>,
    dispatch: impl AsyncFnOnce(&'a CommandBus, Uuid, C, &CommandContext) -> Result<Checkpoint, Failure>,
    progress: impl FnOnce(&AppState) -> &Progress,
    read: impl FnOnce(&'a PgPool, Uuid) -> Read,
) -> Result<P>
where
    P: Payload,
    Read: Future<Output = Result<Option<P::Row>, QueryError>>,
{
    let state = ctx.data::<AppState>()?;
    let (id, command) = match parsed {
        Ok(parsed) => parsed,
        Err(user_errors) => return Ok(P::refused(user_errors)),
    };
    let context = RequestContext::of(ctx).command_context(&actor.login);
    let result = dispatch(&state.bus, id, command, &context).await;
    answer(ctx, id, result.map(|at| (at, None)), progress, read).await
}

/// [`send_one`] for a bus method that answers with the record's row as its command wrote it:
/// the payload is that row, read (once `progress` shows the command) only when there is none.
pub async fn send_one_returning<'a, P, C, Read>(
    ctx: &Context<'a>,
    actor: &Actor,
    parsed: Result<(Uuid, C), Vec<UserError>>,
    dispatch: impl AsyncFnOnce(
        &'a CommandBus,
        Uuid,
        C,
        &CommandContext,
    ) -> Result<(Checkpoint, Option<P::Row>), Failure>,
    progress: impl FnOnce(&AppState) -> &Progress,
    read: impl FnOnce(&'a PgPool, Uuid) -> Read,
) -> Result<P>
where
    P: Payload,
    Read: Future<Output = Result<Option<P::Row>, QueryError>>,
{
    let state = ctx.data::<AppState>()?;
    let (id, command) = match parsed {
        Ok(parsed) => parsed,
        Err(user_errors) => return Ok(P::refused(user_errors)),
    };
    let context = RequestContext::of(ctx).command_context(&actor.login);
    let result = dispatch(&state.bus, id, command, &context).await;
    answer(ctx, id, result, progress, read).await
}

/// The payload of what was sent for record `id`: the row the command wrote, if any, else the
/// record as `read` finds it once `progress` shows the command; or the refusal.
async fn answer<'a, P, Read>(
    ctx: &Context<'a>,
    id: Uuid,
    result: Result<(Checkpoint, Option<P::Row>), Failure>,
    progress: impl FnOnce(&AppState) -> &Progress,
    read: impl FnOnce(&'a PgPool, Uuid) -> Read,
) -> Result<P>
where
    P: Payload,
    Read: Future<Output = Result<Option<P::Row>, QueryError>>,
{
    let state = ctx.data::<AppState>()?;
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
