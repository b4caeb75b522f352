//! How lists come a page at a time: the connection's total, cursors over (date, id) and
//! (text, id) keys, keyset-paged lists and the history of events.

use std::future::Future;

use async_graphql::connection::{query_with, Connection, Edge, OpaqueCursor};
use async_graphql::{Context, OutputType, Result, SimpleObject};
use chrono::NaiveDate;
use projections::page::{After, Page};
use projections::QueryError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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

/// A page of a keyset-paged list as a connection (`first`/`after`, at most 100 a page): `fetch`
/// reads the rows after the cursor given, `cursor` says where a row stands, `node` makes the
/// GraphQL object of a row.
pub async fn keyset_connection<C, K, R, N, Fut>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    fetch: impl FnOnce(Option<After<K>>, usize) -> Fut,
    cursor: impl Fn(&R) -> C,
    node: impl Fn(R) -> N,
) -> Result<Connection<OpaqueCursor<C>, N, TotalCount>>
where
    C: Serialize + DeserializeOwned + Send + Sync + Into<After<K>>,
    N: OutputType,
    Fut: Future<Output = Result<Page<R>, QueryError>>,
{
    query_with::<OpaqueCursor<C>, _, _, _, _>(
        after,
        None,
        first,
        None,
        |after, _, first, _| async move {
            let limit = page_size(first)?;
            let had_after = after.is_some();
            let page = fetch(after.map(|c| c.0.into()), limit)
                .await
                .map_err(|e| internal(ctx, e))?;
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
                    .map(|row| Edge::new(OpaqueCursor(cursor(&row)), node(row))),
            );
            Ok::<_, async_graphql::Error>(connection)
        },
    )
    .await
}
