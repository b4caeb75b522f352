//! Events as GraphQL shows them: a record's history, an auditor's log.

use std::future::Future;

use async_graphql::connection::{query_with, Connection, ConnectionNameType, Edge, EmptyFields};
use async_graphql::{
    ComplexObject, Context, InputObject, Json, Object, ObjectType, OutputType, Result, SimpleObject,
};
use chrono::{DateTime, Utc};
use domain::configuration::{Model, Right};
use projections::history::{self, log_count, log_page, LogFilter};
use projections::log::AsOf;
use projections::{PgPool, QueryError, StoredEvent};

use super::auth::require;
use super::error::internal;
use super::input::page_size;
use super::page::{count_if, invalid_cursor, valid_cursor, wants_total, TotalCount};
use commands::AppState;

/// Something that happened to a record, as it is stored in the log.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Event {
    /// Where the event stands in the global log.
    pub position: i64,
    /// The position to read the log as of (`asOf: { position }`) to see what the event's command
    /// left: its last event. A position inside a command's events is refused as a point.
    pub as_of: i64,
    /// The event's number within its record's history, from 1.
    pub sequence: i64,
    /// What happened (`PartnerCreated`, ...).
    #[graphql(name = "type")]
    pub event_type: String,
    /// The version of the event's payload format.
    pub version: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// When the database recorded the event.
    pub recorded_at: DateTime<Utc>,
    /// The event's data, secrets (password hashes) shown as `"[redacted]"`.
    pub payload: Json<serde_json::Value>,
    /// Who and what caused the event: user, command, correlation and causation ids, client.
    pub metadata: Json<serde_json::Value>,
}

#[ComplexObject]
impl Event {
    /// The acting user's login.
    async fn user(&self) -> Option<&str> {
        self.metadata.0.get("user").and_then(|v| v.as_str())
    }

    /// The command that produced the event.
    async fn command(&self) -> Option<&str> {
        self.metadata.0.get("command").and_then(|v| v.as_str())
    }

    async fn correlation_id(&self) -> Option<&str> {
        self.metadata
            .0
            .get("correlation_id")
            .and_then(|v| v.as_str())
    }

    async fn causation_id(&self) -> Option<&str> {
        self.metadata.0.get("causation_id").and_then(|v| v.as_str())
    }
}

impl From<StoredEvent> for Event {
    fn from(event: StoredEvent) -> Self {
        let (mut payload, metadata) = (event.payload_value(), event.metadata_value());
        // password hashes stay in the log, unseen.
        domain::user::redact(&mut payload);
        Self {
            position: event.position,
            as_of: event.position,
            sequence: event.sequence,
            event_type: event.event_type,
            version: event.event_version,
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            recorded_at: event.recorded_at,
            payload: Json(payload),
            metadata: Json(metadata),
        }
    }
}

/// Which events of the log to list; every field given must match.
#[derive(InputObject, Default)]
pub struct LogWhere {
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    #[graphql(name = "type")]
    pub event_type: Option<String>,
    /// The acting user's login.
    pub user: Option<String>,
    pub correlation_id: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct LogQuery;

/// The log's connection is `LogConnection` (a record's history is an `EventConnection`).
pub struct LogConnectionName;

impl ConnectionNameType for LogConnectionName {
    fn type_name<T: OutputType>() -> String {
        "LogConnection".to_owned()
    }
}

#[Object]
impl LogQuery {
    /// The event log, in position order, a page at a time (at most 100): what happened, to
    /// which record, when, by whom and in the course of what. Needs the read right on `LOG`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<LogWhere>,
    ) -> Result<Connection<i64, Event, TotalCount, EmptyFields, LogConnectionName>> {
        require(ctx, Model::Log, Right::Read).await?;
        let state = ctx.data::<AppState>()?;
        let companies = &super::business::seen_companies(ctx).await?;
        let filter = filter.unwrap_or_default();
        let filter = LogFilter {
            aggregate_type: filter.aggregate_type,
            aggregate_id: filter.aggregate_id,
            event_type: filter.event_type,
            user: filter.user,
            correlation_id: filter.correlation_id,
            from: filter.from,
            to: filter.to,
        };
        event_connection(ctx, after, first, |after, limit, wants_total| async move {
            let page = log_page(state.reads(), companies, &filter, after, limit);
            let count = async {
                if !wants_total {
                    return Ok(TotalCount::default());
                }
                Ok(TotalCount::from(
                    log_count(state.reads(), companies, &filter).await?,
                ))
            };
            tokio::try_join!(page, count)
        })
        .await
    }
}

/// A record's history: the events of `subject` (found by `subject`), oldest first, up to
/// `until` (where the record is shown as of a point), a page at a time (`first`/`after`, at most
/// 100).
pub async fn history<'a, Subject>(
    ctx: &Context<'a>,
    subject: impl FnOnce(&'a PgPool) -> Subject,
    until: Option<AsOf>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<i64, Event, TotalCount>>
where
    Subject: Future<Output = Result<history::Subject, QueryError>>,
{
    let state = ctx.data::<AppState>()?;
    let subject = subject(state.reads()).await.map_err(|e| internal(ctx, e))?;
    let subject = &subject;
    event_connection(ctx, after, first, |after, limit, wants_total| async move {
        let (events, total_count) = tokio::try_join!(
            history::events_of(state.reads(), subject, after, until, limit),
            count_if(
                wants_total,
                history::count_of(state.reads(), subject, until)
            ),
        )?;
        Ok::<_, sqlx::Error>((events, TotalCount::exact(total_count)))
    })
    .await
}

/// A page of events after a position (`first`/`after`, at most 100 a page): `fetch` reads
/// `limit + 1` events after the one given and their count if `wants_total`.
pub async fn event_connection<Fut, E, Count, Name>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    fetch: impl FnOnce(i64, i64, bool) -> Fut,
) -> Result<Connection<i64, Event, Count, EmptyFields, Name>>
where
    Fut: Future<Output = Result<(Vec<StoredEvent>, Count), E>>,
    E: std::fmt::Display,
    Count: ObjectType,
    Name: ConnectionNameType,
{
    let wants_total = wants_total(ctx);
    valid_cursor::<i64>(after.as_deref(), "after")?;
    // a log position: never negative (a cursor of the log is the position of an event).
    if after.as_deref().is_some_and(|raw| raw.starts_with('-')) {
        return Err(invalid_cursor(
            "after",
            "is not a position of the log: give an endCursor it returned",
        ));
    }
    query_with::<i64, _, _, _, _>(after, None, first, None, |after, _, first, _| async move {
        let limit = page_size(first)?;
        let after = after.unwrap_or(0);
        let (events, total_count) = fetch(after, limit as i64 + 1, wants_total)
            .await
            .map_err(|e| internal(ctx, e))?;
        let more = events.len() > limit;
        let positions: Vec<i64> = events.iter().take(limit).map(|e| e.position).collect();
        let state = ctx.data::<AppState>()?;
        let ends: std::collections::HashMap<i64, i64> =
            projections::log::command_ends(state.reads(), &positions)
                .await
                .map_err(|e| internal(ctx, e))?
                .into_iter()
                .collect();
        let mut connection = Connection::with_additional_fields(after > 0, more, total_count);
        connection
            .edges
            .extend(events.into_iter().take(limit).map(|e| {
                let mut event = Event::from(e);
                event.as_of = ends.get(&event.position).copied().unwrap_or(event.position);
                Edge::new(event.position, event)
            }));
        Ok::<_, async_graphql::Error>(connection)
    })
    .await
}
