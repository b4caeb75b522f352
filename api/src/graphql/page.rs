//! How lists come a page at a time: the connection's total, how a list is sorted (`orderBy`)
//! and the cursors of sorted lists, lists read forwards (keyset-paged read model lists among
//! them).

use std::fmt::Display;
use std::future::Future;

use async_graphql::connection::{query_with, Connection, CursorType, Edge, OpaqueCursor};
use async_graphql::resolver_utils::EnumType;
use async_graphql::ErrorExtensions;
use async_graphql::{Context, Enum, InputObject, InputType, OutputType, Result, SimpleObject};
use commands::AppState;
use projections::page::{After, Count, Filter, List, Order, Page};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::FromRow;
use uuid::Uuid;

use super::error::internal;
use super::input::page_size;

/// Fields a connection has beside its edges.
#[derive(SimpleObject, Default)]
pub struct TotalCount {
    /// How many records the filter selects, over all pages: of a long list (the log, products,
    /// partners, orders, invoices), counted up to 10,000 and beyond that the database's
    /// estimate (then `totalCountIsEstimate`), so that counting a long list costs no more than
    /// counting a short one.
    pub total_count: i64,
    /// Whether `totalCount` is an estimate (more than 10,000 records).
    pub total_count_is_estimate: bool,
}

impl TotalCount {
    /// An exact count.
    pub fn exact(total_count: i64) -> Self {
        TotalCount {
            total_count,
            total_count_is_estimate: false,
        }
    }
}

impl From<Count> for TotalCount {
    fn from(count: Count) -> Self {
        TotalCount {
            total_count: count.rows,
            total_count_is_estimate: count.estimate,
        }
    }
}

/// Runs a count only when the client asked for it (nothing otherwise, which is never shown).
pub async fn count_if<T: Default, E>(
    wanted: bool,
    count: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    if wanted {
        count.await
    } else {
        Ok(T::default())
    }
}

/// Whether the client asked for the connection's `totalCount`.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// A cursor over a list sorted by a text and then id.
#[derive(Serialize, Deserialize)]
pub struct TextCursor {
    pub key: String,
    pub id: Uuid,
}

impl From<TextCursor> for After {
    fn from(cursor: TextCursor) -> Self {
        After {
            key: cursor.key,
            id: cursor.id,
        }
    }
}

/// Which way a list is sorted.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// How a list is sorted: by `field`, one way (ascending unless said).
#[derive(InputObject)]
#[graphql(
    concrete(name = "OrderOrderBy", params(OrderOrderField)),
    concrete(name = "InvoiceOrderBy", params(InvoiceOrderField)),
    concrete(name = "ProductOrderBy", params(ProductOrderField)),
    concrete(name = "EntryOrderBy", params(EntryOrderField)),
    concrete(name = "UserOrderBy", params(UserOrderField)),
    concrete(name = "CodeNameOrderBy", params(CodeNameOrderField)),
    concrete(name = "CodeNameKindOrderBy", params(CodeNameKindOrderField)),
    concrete(name = "SequenceOrderBy", params(SequenceOrderField)),
    concrete(name = "TaxOrderBy", params(TaxOrderField)),
    concrete(name = "CurrencyOrderBy", params(CurrencyOrderField))
)]
pub struct SortBy<E: InputType + EnumType> {
    pub field: E,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// The fields orders may be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum OrderOrderField {
    Date,
    Number,
    State,
    Total,
}

/// The fields documents may be sorted by (a draft has no number yet: drafts come first by
/// number).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceOrderField {
    Date,
    Number,
    Kind,
    DueDate,
    Total,
    Residual,
    State,
}

/// The fields products may be sorted by (names and references without regard to case).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ProductOrderField {
    Name,
    Reference,
    Kind,
    SalePrice,
    Cost,
}

/// The fields journal entries may be sorted by (by date, one day's entries go by number).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EntryOrderField {
    Date,
    Number,
    Journal,
    Origin,
    Reference,
    Amount,
}

/// The fields users may be sorted by (names without regard to case; inactive users first).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum UserOrderField {
    Login,
    Name,
    Active,
}

/// The fields groups may be sorted by (names without regard to case).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CodeNameOrderField {
    Code,
    Name,
}

/// The fields accounts and journals may be sorted by (names without regard to case).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CodeNameKindOrderField {
    Code,
    Name,
    Kind,
}

/// The fields sequences may be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SequenceOrderField {
    Code,
    Name,
    Prefix,
    NextNumber,
}

/// The fields taxes may be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TaxOrderField {
    Code,
    Name,
    Rate,
}

/// The fields currencies may be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CurrencyOrderField {
    Code,
    Name,
    Symbol,
}

/// The order `by` asks of `list` (its own order without it).
pub fn order_of<R, F, E: InputType + EnumType>(
    list: &List<R, F>,
    by: Option<SortBy<E>>,
) -> Result<Order> {
    let Some(by) = by else {
        return Ok(list.default_order());
    };
    let name = name_of(by.field);
    let sort = list
        .sort(name)
        .ok_or_else(|| format!("this list cannot be sorted by {name}"))?;
    Ok(Order {
        sort,
        descending: by.direction == OrderDirection::Desc,
    })
}

/// The name of `value` in the GraphQL schema (`SALE_PRICE`).
pub fn name_of<E: EnumType>(value: E) -> &'static str {
    E::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name)
}

/// Where a row stands in a sorted list: the sort (and which way) it was read in, the row's key
/// in it (as text) and its id.
#[derive(Serialize, Deserialize)]
pub struct SortedCursor {
    /// The list's table (orders, invoices, ...).
    #[serde(rename = "t")]
    table: String,
    #[serde(rename = "s")]
    sort: String,
    #[serde(rename = "d")]
    descending: bool,
    #[serde(rename = "k")]
    key: String,
    #[serde(rename = "i")]
    id: Uuid,
}

/// A page of `list` (a read model's keyset-paged list; `first`/`after`, at most 100 a page) of
/// the rows `filter` keeps in `order`, as a connection: `node` makes the GraphQL object of a
/// row.
pub async fn keyset_connection<R, F, N>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    list: &List<R, F>,
    filter: F,
    order: Order,
    node: impl Fn(R) -> N,
) -> Result<Connection<OpaqueCursor<SortedCursor>, N, TotalCount>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    F: Filter,
    N: OutputType,
{
    let state = ctx.data::<AppState>()?;
    // a cursor of this list sorted another way, or holding a key no row of it can have, is
    // refused before anything is read.
    valid_cursor::<OpaqueCursor<SortedCursor>>(after.as_deref(), "after")?;
    if let Some(raw) = after.as_deref() {
        let cursor = OpaqueCursor::<SortedCursor>::decode_cursor(raw)
            .map_err(|_| invalid_cursor("after", "is not a cursor of this list"))?
            .0;
        if cursor.table != list.table() {
            return Err(invalid_cursor(
                "after",
                "is another list's cursor: give a startCursor or endCursor this list returned",
            ));
        }
        if cursor.sort != order.sort.name || cursor.descending != order.descending {
            return Err(invalid_cursor(
                "after",
                "belongs to this list sorted another way: start again without it",
            ));
        }
        if !order.sort.key_type.accepts(&cursor.key) {
            return Err(invalid_cursor(
                "after",
                "is not a cursor of this list: give a startCursor or endCursor it returned",
            ));
        }
    }
    // rows of other companies than the reader's are neither shown nor counted.
    let companies = super::business::seen_companies(ctx).await?;
    let cursor = |after: &After| {
        OpaqueCursor(SortedCursor {
            table: list.table().to_owned(),
            sort: order.sort.name.to_owned(),
            descending: order.descending,
            key: after.key.clone(),
            id: after.id,
        })
    };
    forward_connection(
        ctx,
        after,
        first,
        |after: Option<OpaqueCursor<SortedCursor>>, limit| {
            let after = after.map(|c| After {
                key: c.0.key,
                id: c.0.id,
            });
            list.page(
                state.reads(),
                &companies,
                &filter,
                (order, after),
                limit,
                wants_total(ctx),
            )
        },
        |(_, after)| cursor(after),
        |(row, _)| node(row),
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
                total_count_is_estimate: page.total_count_is_estimate,
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
    page_in_memory(
        ctx,
        after,
        first,
        rows,
        |key, after: &K| key > after,
        K::clone,
    )
    .await
}

/// A page of `rows`, `(key, node)` in the list's order, held whole in memory: the rows `past`
/// the cursor's, at most `first` of them; `cursor` says where a row's key stands.
async fn page_in_memory<C, K, N>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    rows: Vec<(K, N)>,
    past: impl Fn(&K, &C) -> bool,
    cursor: impl Fn(&K) -> C,
) -> Result<Connection<OpaqueCursor<C>, N, TotalCount>>
where
    C: Serialize + DeserializeOwned + Send + Sync,
    N: OutputType,
{
    let total_count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    forward_connection(
        ctx,
        after,
        first,
        |after: Option<OpaqueCursor<C>>, limit| async move {
            let rows: Vec<(K, N)> = match after {
                Some(OpaqueCursor(after)) => rows
                    .into_iter()
                    .filter(|(key, _)| past(key, &after))
                    .collect(),
                None => rows,
            };
            Ok::<_, std::convert::Infallible>(Page::of(rows, limit, total_count))
        },
        |(key, _)| OpaqueCursor(cursor(key)),
        |(_, node)| node,
    )
    .await
}

/// What a record of a list held in memory is sorted by: a text (compared as given: lowercase
/// it to compare without regard to case) or a number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SortValue {
    Text(String),
    Number(Decimal),
}

impl SortValue {
    /// `text` without regard to case.
    pub fn folded(text: &str) -> Self {
        SortValue::Text(text.to_lowercase())
    }
}

/// Where a record stands in a list held in memory, sorted: the sort and its direction, the
/// record's value and its code.
#[derive(Serialize, Deserialize)]
pub struct MemoryCursor {
    #[serde(rename = "s")]
    sort: String,
    #[serde(rename = "d")]
    descending: bool,
    #[serde(rename = "v")]
    value: SortValue,
    #[serde(rename = "c")]
    code: String,
}

/// A page of configuration records held whole in memory, `(code, record)`, sorted as `by`
/// asks (`value` says what a record is sorted by for a field; the code breaks ties) or by
/// their codes without it: the records after the cursor's, at most `first` of them.
pub async fn sorted_memory_connection<E, N>(
    ctx: &Context<'_>,
    after: Option<String>,
    first: Option<i32>,
    rows: Vec<(String, N)>,
    by: Option<SortBy<E>>,
    value: impl Fn(&N, E) -> SortValue,
) -> Result<Connection<OpaqueCursor<MemoryCursor>, N, TotalCount>>
where
    E: InputType + EnumType,
    N: OutputType,
{
    let (field, descending) = match by {
        Some(by) => (Some(by.field), by.direction == OrderDirection::Desc),
        None => (None, false),
    };
    let name = field.map_or("CODE", name_of);
    if let Some(raw) = after.as_deref() {
        if let Ok(cursor) = OpaqueCursor::<MemoryCursor>::decode_cursor(raw) {
            if cursor.0.sort != name || cursor.0.descending != descending {
                return Err(invalid_cursor(
                    "after",
                    "belongs to this list sorted another way: start again without it",
                ));
            }
        }
    }
    let mut keyed: Vec<((SortValue, String), N)> = rows
        .into_iter()
        .map(|(code, row)| {
            let by = match field {
                Some(field) => value(&row, field),
                None => SortValue::Text(code.clone()),
            };
            ((by, code), row)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| a.cmp(b));
    if descending {
        keyed.reverse();
    }
    let past = |(value, code): &(SortValue, String), at: &MemoryCursor| {
        let (key, at) = ((value, code), (&at.value, &at.code));
        if descending {
            key < at
        } else {
            key > at
        }
    };
    let cursor = |(value, code): &(SortValue, String)| MemoryCursor {
        sort: name.to_owned(),
        descending,
        value: value.clone(),
        code: code.clone(),
    };
    page_in_memory(ctx, after, first, keyed, past, cursor).await
}
