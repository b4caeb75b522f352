//! One record for a query, by the id a client gives or another record's pointer: the id parsed,
//! the read model asked (now, or as of a point of the log), the row made the record's GraphQL
//! object.

use std::fmt::Display;
use std::future::Future;

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result, ID};
use chrono::{DateTime, Utc};
use commands::AppState;
use cqrs_es::Aggregate;
use projections::log::AsOf;
use projections::PgPool;
use uuid::Uuid;

use super::error::internal;
use super::event::{history, Event};
use super::input::{parse_id, AsOfInput};
use super::page::TotalCount;
use projections::history::Subject;
use projections::page::Companies;

/// The record id `raw`, or the error that says it is not `what` (`an invoice`) id.
pub fn record_id(raw: &ID, what: &str) -> Result<Uuid> {
    parse_id(raw).ok_or_else(|| format!("'{}' is not {what} id", raw.as_str()).into())
}

/// The record `raw` (`what` id: `an invoice`) names, as `now` finds it (made an object by
/// `object`), or with `as_of`, as `then` replays it from its events at that point (made an object
/// by `past`); null if there is none (or none yet).
#[allow(clippy::too_many_arguments)] // each is one of the record's ways to be read and shown
pub async fn get_as_of<'a, R, P, O, E, Now, Then>(
    ctx: &Context<'a>,
    raw: &ID,
    what: &str,
    as_of: Option<AsOfInput>,
    now: impl FnOnce(&'a PgPool, Uuid) -> Now,
    then: impl FnOnce(&'a PgPool, Uuid, AsOf) -> Then,
    object: impl FnOnce(R) -> O,
    past: impl FnOnce(P, AsOf) -> O,
) -> Result<Option<O>>
where
    Now: Future<Output = Result<Option<R>, E>>,
    Then: Future<Output = Result<Option<P>, E>>,
    E: Display,
{
    let state = ctx.data::<AppState>()?;
    let id = record_id(raw, what)?;
    match as_of {
        None => found(ctx, now(state.reads(), id).await, object),
        Some(as_of) => {
            let point = as_of.parse(ctx).await?;
            found(ctx, then(state.reads(), id, point).await, |row| {
                past(row, point)
            })
        }
    }
}

/// A record shared by every company or of one (a partner, a product) as `then` finds it at a
/// point: shown only to a reader who sees it now (`now`, filtered by `companies`) and who would
/// have seen it then (its `company` then is shared or one of theirs).
pub async fn seen_then<R, E>(
    companies: &Companies,
    now: impl Future<Output = Result<Option<R>, E>>,
    then: impl Future<Output = Result<Option<R>, E>>,
    company: fn(&R) -> Option<&str>,
) -> Result<Option<R>, E> {
    if now.await?.is_none() {
        return Ok(None);
    }
    Ok(then
        .await?
        .filter(|row| companies.sees_shared(company(row))))
}

/// The row read, as an object; a failed read is an internal error.
fn found<R, O, E: Display>(
    ctx: &Context<'_>,
    row: Result<Option<R>, E>,
    object: impl FnOnce(R) -> O,
) -> Result<Option<O>> {
    Ok(row.map_err(|e| internal(ctx, e))?.map(object))
}

/// Where a record shown stands: as it now is, or as it stood at a point of the log, with what
/// it held then (`T`: an order's lines, a document's lines and matches). A record shown as of a
/// point shows the records it points at, and its history, as of the same point.
#[derive(Debug, Clone, Default)]
pub enum At<T = ()> {
    #[default]
    Now,
    Then(AsOf, T),
}

impl<T> At<T> {
    /// The point of the log, if not now.
    pub fn point(&self) -> Option<AsOf> {
        match self {
            At::Now => None,
            At::Then(point, _) => Some(*point),
        }
    }
}

/// A record another points at: as `now` finds it, or, if `point` is given, as `then` finds it
/// at that point (made an object by `past`; null if it did not exist yet).
pub async fn related<'a, P, O, E, Now, Then>(
    ctx: &Context<'a>,
    point: Option<AsOf>,
    now: Now,
    then: impl FnOnce(&'a PgPool, AsOf) -> Then,
    past: impl FnOnce(P, AsOf) -> O,
) -> Result<Option<O>>
where
    Now: Future<Output = Result<Option<O>>>,
    Then: Future<Output = Result<Option<P>, E>>,
    E: Display,
{
    let Some(point) = point else {
        return now.await;
    };
    let state = ctx.data::<AppState>()?;
    let row = then(state.reads(), point).await;
    found(ctx, row, |row| past(row, point))
}

/// `now_and_then!(Partner(PartnerRow))`: a record object `Partner(row, At)` made from its row as
/// it now is (`Partner::from`) or as it stood at a point (`Partner::then`).
macro_rules! now_and_then {
    ($($object:ident($row:ty)),* $(,)?) => {$(
        impl From<$row> for $object {
            fn from(row: $row) -> Self {
                Self(row, $crate::graphql::record::At::Now)
            }
        }

        impl $object {
            pub fn then(row: $row, point: projections::log::AsOf) -> Self {
                Self(row, $crate::graphql::record::At::Then(point, ()))
            }
        }
    )*};
}
pub(crate) use now_and_then;

/// What every record shows alike, flattened into its object (`#[graphql(flatten)]`): its
/// version, its times, and its history.
pub struct Recorded {
    /// The record's aggregate type: whose events its history lists.
    kind: &'static str,
    id: Uuid,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    point: Option<AsOf>,
}

impl Recorded {
    /// The record `id` of aggregate type `kind`, at version `version`, created and last
    /// changed at `times`, shown as of `point` if given.
    pub fn of(
        kind: &'static str,
        id: Uuid,
        version: i64,
        times: (DateTime<Utc>, DateTime<Utc>),
        point: Option<AsOf>,
    ) -> Self {
        let (created_at, updated_at) = times;
        Self {
            kind,
            id,
            version,
            created_at,
            updated_at,
            point,
        }
    }
}

#[Object]
impl Recorded {
    /// How many changes the record has had. Send it back as `expectedVersion` so a change made
    /// on a stale form is refused instead of overwriting someone else's.
    async fn version(&self) -> i64 {
        self.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    #[graphql(flatten)]
    async fn events(&self) -> History {
        History(Whose::Stream(self.kind, self.id), self.point)
    }
}

/// Whose events a record's history lists.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    /// The events of one stream: (aggregate type, id).
    Stream(&'static str, Uuid),
    /// A product's stock moves and counts, in the warehouses of the reader's companies.
    Stock(Uuid),
    /// A journal entry's posting and, for a payment, the documents it was set against.
    Entry(Uuid),
    /// A partner's own events and those of its documents.
    PartnerDocuments(Uuid),
}

impl History {
    /// A page of the history (`first`/`after`, at most 100).
    pub async fn page(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<i64, Event, TotalCount>> {
        let History(whose, point) = *self;
        let companies = super::business::seen_companies(ctx).await?;
        // a partner or product reached through a record the reader sees (an invoice's
        // partner) may be one they do not see (moved to another company since, or hidden by a
        // rule): its history is not theirs to read.
        let reads = ctx.data::<AppState>()?.reads();
        let partner = |id| projections::partner::get_seen(reads, &companies, id);
        let seen = match whose {
            Whose::Stream(kind, id) if kind == domain::partner::Partner::TYPE => {
                partner(id).await.map(|row| row.is_some())
            }
            Whose::PartnerDocuments(id) => partner(id).await.map(|row| row.is_some()),
            Whose::Stream(kind, id) if kind == domain::product::Product::TYPE => {
                projections::product::get_seen(reads, &companies, id)
                    .await
                    .map(|row| row.is_some())
            }
            _ => Ok(true),
        }
        .map_err(|e| internal(ctx, e))?;
        let subject = async |pool| match whose {
            _ if !seen => Ok(Subject::default()),
            Whose::Stream(kind, id) => Ok(Subject::stream(kind, id)),
            Whose::Stock(product) => Ok(Subject {
                streams: companies
                    .codes()
                    .iter()
                    .filter_map(|c| domain::configuration::Code::parse(c).ok())
                    .map(|c| (stock_type(), domain::stock::stream_id(&c, product)))
                    .collect(),
                positions: Vec::new(),
            }),
            Whose::Entry(id) => projections::journal::subject(pool, &companies, id).await,
            Whose::PartnerDocuments(id) => {
                projections::business::partner_documents(pool, &companies, id).await
            }
        };
        history(ctx, subject, point, first, after).await
    }
}

/// A record's `history`, flattened into its object (`#[graphql(flatten)]`): whose events, and
/// the point the record is shown as of, if not now.
pub struct History(pub Whose, pub Option<AsOf>);

#[Object]
impl History {
    /// Every event of the record, oldest first: what happened, when, and who did it (password
    /// hashes redacted); up to the point the record is shown as of.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<i64, Event, TotalCount>> {
        self.page(ctx, first, after).await
    }
}

/// The aggregate type of stock streams.
fn stock_type() -> String {
    use cqrs_es::Aggregate;
    domain::stock::Stock::TYPE.to_owned()
}
