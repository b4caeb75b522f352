//! One record for a query, by the id a client gives: the id parsed, the read model asked, the
//! row made the record's GraphQL object.

use std::fmt::Display;
use std::future::Future;

use async_graphql::{Context, Result, ID};
use commands::AppState;
use projections::log::AsOf;
use projections::PgPool;
use uuid::Uuid;

use super::error::internal;
use super::input::{parse_id, AsOfInput};

/// The record id `raw`, or the error that says it is not `what` (`an invoice`) id.
pub fn record_id(raw: &ID, what: &str) -> Result<Uuid> {
    parse_id(raw).ok_or_else(|| format!("'{}' is not {what} id", raw.as_str()).into())
}

/// The record `raw` (`what` id: `an invoice`) names as `read` finds it, made an object by `object`; null if
/// there is none.
pub async fn get_by_id<'a, R, O, E, Read>(
    ctx: &Context<'a>,
    raw: &ID,
    what: &str,
    read: impl FnOnce(&'a PgPool, Uuid) -> Read,
    object: impl FnOnce(R) -> O,
) -> Result<Option<O>>
where
    Read: Future<Output = Result<Option<R>, E>>,
    E: Display,
{
    let state = ctx.data::<AppState>()?;
    let id = record_id(raw, what)?;
    found(ctx, read(&state.pool, id).await, object)
}

/// [`get_by_id`] for a record with a history: as `now` finds it, or with `as_of`, as `then`
/// replays it from its events at that point (null if it did not exist yet).
pub async fn get_as_of<'a, R, O, E, Now, Then>(
    ctx: &Context<'a>,
    raw: &ID,
    what: &str,
    as_of: Option<AsOfInput>,
    now: impl FnOnce(&'a PgPool, Uuid) -> Now,
    then: impl FnOnce(&'a PgPool, Uuid, AsOf) -> Then,
    object: impl FnOnce(R) -> O,
) -> Result<Option<O>>
where
    Now: Future<Output = Result<Option<R>, E>>,
    Then: Future<Output = Result<Option<R>, E>>,
    E: Display,
{
    let state = ctx.data::<AppState>()?;
    let id = record_id(raw, what)?;
    let row = match as_of {
        None => now(&state.pool, id).await,
        Some(as_of) => then(&state.pool, id, as_of.parse(ctx).await?).await,
    };
    found(ctx, row, object)
}

/// The row read, as an object; a failed read is an internal error.
fn found<R, O, E: Display>(
    ctx: &Context<'_>,
    row: Result<Option<R>, E>,
    object: impl FnOnce(R) -> O,
) -> Result<Option<O>> {
    Ok(row.map_err(|e| internal(ctx, e))?.map(object))
}
