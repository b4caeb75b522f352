//! What the business parts of the schema share: running an operation for the signed-in user and
//! answering with user errors; parsing lines; cursors over (date, id) and (text, id) keys, and
//! the connection every keyset-paged list answers with.

use std::future::Future;

use async_graphql::connection::{query_with, Connection, Edge, OpaqueCursor};
use async_graphql::{Context, InputObject, OutputType, Result, ID};
use chrono::NaiveDate;
use domain::configuration::{Code, Model, Right, Settings};
use projections::page::{After, Page};
use projections::QueryError;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

use super::auth::{require, require_module};
use super::error::{internal, settle, Problems, UserError, UserErrorCode};
use super::input::{page_size, parse_id};
use super::partner::TotalCount;
use super::request::RequestContext;
use commands::business::LineInput;
use commands::policy::{Actor, ConfigView};
use commands::AppState;
use commands::CommandContext;
use commands::Failure;

/// Who is acting, with what configuration, on which state.
pub struct Acting {
    pub actor: Actor,
    pub context: CommandContext,
    pub config: Arc<ConfigView>,
}

impl Acting {
    pub fn settings(&self) -> &Settings {
        self.config.configuration.settings()
    }
}

/// The signed-in user, if they have `right` on `model` and `module` is installed.
pub async fn acting(ctx: &Context<'_>, model: Model, right: Right, module: &str) -> Result<Acting> {
    let actor = require(ctx, model, right).await?;
    require_module(&actor, module)?;
    let request = ctx
        .data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::anonymous);
    Ok(Acting {
        context: request.command_context(&actor.login),
        config: actor.config.clone(),
        actor,
    })
}

/// The signed-in user may read `model` of `module`.
pub async fn reading(ctx: &Context<'_>, model: Model, module: &str) -> Result<Actor> {
    let actor = require(ctx, model, Right::Read).await?;
    require_module(&actor, module)?;
    Ok(actor)
}

/// What an operation comes to for the client: its output once the business read models show
/// it, or the user errors (nothing written).
pub async fn settled<T>(
    ctx: &Context<'_>,
    result: Result<(T, Option<projections::Checkpoint>), Failure>,
) -> Result<(Option<T>, Vec<UserError>)> {
    let state = ctx.data::<AppState>()?;
    settle(ctx, result, &state.business_progress).await
}

impl Problems {
    /// A record id given in `field`, or a problem noted.
    pub fn uuid(&mut self, field: &[&str], raw: &ID, what: &str) -> Option<Uuid> {
        let id = parse_id(raw);
        if id.is_none() {
            self.add(
                field,
                format!("'{}' is not a {what} id (a UUID)", raw.as_str()),
                UserErrorCode::Invalid,
            );
        }
        id
    }

    /// The id a client chose for a new record, or a new one.
    pub fn new_id(&mut self, raw: &Option<ID>, what: &str) -> Option<Uuid> {
        match raw {
            Some(raw) => self.uuid(&["input", "id"], raw, what),
            None => Some(Uuid::now_v7()),
        }
    }

    /// A version a client sends back, if it is one.
    pub fn expected(&mut self, raw: Option<i64>) -> Option<Option<u64>> {
        match raw {
            None => Some(None),
            Some(v) => match u64::try_from(v) {
                Ok(v) => Some(Some(v)),
                Err(_) => {
                    self.add(
                        &["input", "expectedVersion"],
                        "a version is never negative",
                        UserErrorCode::Invalid,
                    );
                    None
                }
            },
        }
    }

    pub fn code_at(&mut self, field: &[&str], raw: &str) -> Option<Code> {
        self.text(field, Code::parse(raw))
    }
}

/// An order or invoice line.
#[derive(InputObject, Clone)]
pub struct LineInputObject {
    /// The product; its name, price and taxes fill what the line leaves out.
    pub product: Option<ID>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    pub quantity: Decimal,
    /// Defaults to the product's sale price (sales) or cost (purchases).
    pub unit_price: Option<Decimal>,
    /// Percent off, 0 to 100.
    #[graphql(default)]
    pub discount: Decimal,
    /// Tax codes; defaults to the product's taxes. `[]`: no tax.
    pub taxes: Option<Vec<String>>,
}

/// Lines from their inputs, every problem noted.
pub fn lines(problems: &mut Problems, inputs: &[LineInputObject]) -> Vec<LineInput> {
    let mut lines = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        let n = n.to_string();
        let product = match &input.product {
            Some(raw) => problems.uuid(&["input", "lines", &n, "product"], raw, "product"),
            None => None,
        };
        let taxes = input.taxes.as_ref().map(|codes| {
            codes
                .iter()
                .filter_map(|c| problems.code_at(&["input", "lines", &n, "taxes"], c))
                .collect()
        });
        lines.push(LineInput {
            product,
            description: input.description.clone(),
            quantity: input.quantity,
            unit_price: input.unit_price,
            discount: input.discount,
            taxes,
        });
    }
    lines
}

/// A date a client gives, or today (UTC).
pub fn date_or_today(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(|| chrono::Utc::now().date_naive())
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

/// `amount` in the company currency, to its decimals: `0.00`, not `0` (PostgreSQL keeps the
/// scale of amounts, except of a zero).
pub async fn cents(ctx: &Context<'_>, amount: Decimal) -> Decimal {
    let decimals = match ctx.data::<AppState>() {
        Ok(state) => {
            commands::business::decimals(state.config.cached().await.configuration.settings())
        }
        Err(_) => 2,
    };
    domain::money::round(amount, decimals)
}
