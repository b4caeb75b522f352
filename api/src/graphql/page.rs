//! How lists come a page at a time: the connection's total, cursors over (date, id) and
//! (text, id) keys, lists read forwards (keyset-paged read model lists among them).

use std::fmt::Display;
use std::future::Future;

use async_graphql::connection::{query_with, Connection, CursorType, Edge, OpaqueCursor};
use async_graphql::ErrorExtensions;
use async_graphql::{Context, OutputType, Result, SimpleObject};
use chrono::NaiveDate;
use commands::AppState;
use projections::page::{After, Filter, List, Page};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{Encode, FromRow, Postgres, Type};
use uuid::Uuid;

use super::error::internal;
use super::input::page_size;

/// Fields a connection has beside its edges.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many records the filter selects, over all pages.
    pub total_count: i64,
}

/// Runs a count only when the client asked for it (0 otherwise, which is never shown).
pub async fn count_if<E>(
    wanted: bool,
    count: impl std::future::Future<Output = Result<i64, E>>,
) -> Result<i64, E> {
    if wanted {
        count.await
    } else {
        Ok(0)
    }
}

/// A cursor over a list sorted by a date and then id, newest first.
#[derive(Serialize, Deserialize)]
pub struct DateCursor {
    pub date: NaiveDate,
    pub id: Uuid,
}

impl From<DateCursor> for After<NaiveDate> {
    fn from(cursor: DateCursor) -> Self {
        After {
            key: cursor.date,
            id: cursor.id,
        }
    }
}

/// A cursor over a list sorted by a text and then id.
#[derive(Serialize, Deserialize)]
pub struct TextCursor {
    pub key: String,
    pub id: Uuid,
}

impl From<TextCursor> for After<String> {
    fn from(cursor: TextCursor) -> Self {
        After {
            key: cursor.key,
            id: cursor.id,
        }
    }
}

/// A page of `list` (a read model's keyset-paged list; `first`/`after`, at most 100 a page) of
/// the rows `filter` keeps, as a connection: `cursor` says where a row stands, `node` makes the
/// GraphQL object of a row.
pub async fn keyset_connection<C, K, R, F, N>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    list: &List<R, K, F>,
    filter: F,
    cursor: impl Fn(&R) -> C,
    node: impl Fn(R) -> N,
) -> Result<Connection<OpaqueCursor<C>, N, TotalCount>>
where
    C: Serialize + DeserializeOwned + Send + Sync + Into<After<K>>,
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    K: for<'q> Encode<'q, Postgres> + Type<Postgres> + Send + 'static,
    F: Filter,
    N: OutputType,
{
    let state = ctx.data::<AppState>()?;
    // rows of other companies than the reader's are neither shown nor counted.
    let companies = super::business::seen_companies(ctx).await?;
    forward_connection(
        ctx,
        after,
        first,
        |after: Option<OpaqueCursor<C>>, limit| {
            list.page(
                state.reads(),
                &companies,
                &filter,
                after.map(|c| c.0.into()),
                limit,
            )
        },
        |row| OpaqueCursor(cursor(row)),
        node,
    )
    .await
}

/// Refuses `raw` (the list's `argument`, `after` or `before`) unless it is a cursor of type
/// `C`: an `INVALID_CURSOR` error naming the argument, before anything is read.
pub fn valid_cursor<C: CursorType>(raw: Option<&str>, argument: &str) -> Result<()> {
    let Some(raw) = raw else {
        return Ok(());
    };
    // an opaque cursor is JSON inside: text in it that PostgreSQL cannot take (a forged one)
    // is no cursor of ours either.
    let forged = OpaqueCursor::<serde_json::Value>::decode_cursor(raw)
        .is_ok_and(|cursor| holds_nul(&cursor.0));
    if forged || C::decode_cursor(raw).is_err() {
        return Err(invalid_cursor(
            argument,
            "is not a cursor of this list: give a startCursor or endCursor it returned",
        ));
    }
    Ok(())
}

/// Whether a string in `value` holds a NUL byte.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(fields) => {
            fields.iter().any(|(k, v)| k.contains('\0') || holds_nul(v))
        }
        _ => false,
    }
}

/// The `INVALID_CURSOR` error of `argument`, which `reason`.
pub fn invalid_cursor(argument: &str, reason: &str) -> async_graphql::Error {
    let argument = argument.to_owned();
    async_graphql::Error::new(format!("`{argument}` {reason}")).extend_with(move |_, e| {
        e.set("code", "INVALID_CURSOR");
        e.set("argument", argument.as_str());
    })
}

/// A page of a list read forwards (`first`/`after`, at most 100 a page) as a connection:
/// `fetch` reads the page after the cursor given, `cursor` says where a row stands, `node`
/// makes the GraphQL object of a row.
pub async fn forward_connection<C, R, N, E, Fut>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    fetch: impl FnOnce(Option<C>, usize) -> Fut,
    cursor: impl Fn(&R) -> C,
    node: impl Fn(R) -> N,
) -> Result<Connection<C, N, TotalCount>>
where
    C: CursorType + Send + Sync,
    C::Error: Display + Send + Sync + 'static,
    N: OutputType,
    Fut: Future<Output = Result<Page<R>, E>>,
    E: Display,
{
    valid_cursor::<C>(after.as_deref(), "after")?;
    query_with::<C, _, _, _, _>(after, None, first, None, |after, _, first, _| async move {
        let limit = page_size(first)?;
        let had_after = after.is_some();
        let page = fetch(after, limit).await.map_err(|e| internal(ctx, e))?;
        let mut connection = Connection::with_additional_fields(
            had_after,
            page.has_more,
            TotalCount {
                total_count: page.total_count,
            },
        );
        connection.edges.extend(
            page.rows
                .into_iter()
                .map(|row| Edge::new(cursor(&row), node(row))),
        );
        Ok::<_, async_graphql::Error>(connection)
    })
    .await
}

/// A page of a list held whole in memory (configuration records, stages), in the order of its
/// unique keys: the rows after the cursor's key, at most `first` of them.
pub async fn memory_connection<K, N>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    mut rows: Vec<(K, N)>,
) -> Result<Connection<OpaqueCursor<K>, N, TotalCount>>
where
    K: Ord + Clone + Serialize + DeserializeOwned + Send + Sync,
    N: OutputType,
{
    rows.sort_by(|(a, _), (b, _)| a.cmp(b));
    let total_count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    forward_connection(
        ctx,
        after,
        first,
        |after: Option<OpaqueCursor<K>>, limit| async move {
            let rows: Vec<(K, N)> = match after {
                Some(after) => rows.into_iter().filter(|(k, _)| *k > after.0).collect(),
                None => rows,
            };
            Ok::<_, std::convert::Infallible>(Page::of(rows, limit, total_count))
        },
        |(key, _)| OpaqueCursor(key.clone()),
        |(_, node)| node,
    )
    .await
}
