//! The product read model: `product`, one row per product for the form and the list, and
//! `product_cost`, every cost a product had from the log position it was set at (stock is valued
//! at the cost of the moment a report looks at).

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::product::{Product, ProductEvent, ProductKind};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::log::{AsOf, StoredEvent};
use crate::page::{push_some, sort, Companies, Filter, KeyType, List, Sort};
use crate::past::{one_by_one, replayed};
use crate::runner::ProjectionError;
use crate::stored::Stored;

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 2] = ["product", "product_cost"];

/// Applies one event of product `id`.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    id: Uuid,
    payload: ProductEvent,
    event: &StoredEvent,
) -> Result<(), ProjectionError> {
    match payload {
        ProductEvent::ProductCreated { details } | ProductEvent::ProductUpdated { details } => {
            let taxes: Vec<String> = details.taxes.iter().map(ToString::to_string).collect();
            sqlx::query(
                "insert into product (id, reference, name, kind, uom, sale_price, cost, taxes,
                                      company, archived, version, created_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $11, false, $9, $10, $10)
                 on conflict (id) do update
                    set reference = excluded.reference, name = excluded.name,
                        kind = excluded.kind, uom = excluded.uom,
                        sale_price = excluded.sale_price, cost = excluded.cost,
                        taxes = excluded.taxes, company = excluded.company,
                        version = excluded.version, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(&details.reference)
            .bind(&details.name)
            .bind(Stored(details.kind))
            .bind(&details.uom)
            .bind(details.sale_price)
            .bind(details.cost)
            .bind(&taxes)
            .bind(event.sequence)
            .bind(event.recorded_at)
            .bind(details.company.as_ref().map(|c| c.as_str()))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "insert into product_cost (product_id, position, recorded_at, cost)
                 values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(event.position)
            .bind(event.recorded_at)
            .bind(details.cost)
            .execute(&mut *tx)
            .await?;
        }
        ProductEvent::ProductArchived {} | ProductEvent::ProductUnarchived {} => {
            sqlx::query(
                "update product set archived = $2, version = $3, updated_at = $4 where id = $1",
            )
            .bind(id)
            .bind(matches!(payload, ProductEvent::ProductArchived {}))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// A product as its form and the list show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProductRow {
    pub id: Uuid,
    pub reference: String,
    pub name: String,
    pub kind: Stored<ProductKind>,
    pub uom: String,
    pub sale_price: Decimal,
    pub cost: Decimal,
    pub taxes: Vec<String>,
    /// The company the product belongs to; `None`: shared by every company.
    pub company: Option<String>,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, reference, name, kind, uom, sale_price, cost, taxes, company, archived, version, \
     created_at, updated_at";

/// One product, archived or not.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<ProductRow>, sqlx::Error> {
    Ok(LIST.get_many(db, &[id]).await?.pop())
}

/// One product as it stood at `as_of` (see [`crate::past`]); `None` if it did not exist yet.
pub async fn as_of(
    pool: &PgPool,
    id: Uuid,
    as_of: AsOf,
) -> Result<Option<ProductRow>, sqlx::Error> {
    let record = (Product::TYPE, id);
    let apply_alone = async |tx: &mut PgConnection, events: &[StoredEvent]| {
        one_by_one(tx, id, events, apply).await
    };
    replayed(pool, &TABLES, record, as_of, apply_alone, async |c| {
        get(c, id).await
    })
    .await
}

/// One product, archived or not, if it is shared or belongs to one of `companies`.
pub async fn get_seen<'e>(
    db: impl PgExecutor<'e>,
    companies: &Companies,
    id: Uuid,
) -> Result<Option<ProductRow>, sqlx::Error> {
    Ok(LIST.get_seen(db, companies, &[id]).await?.pop())
}

/// The products of `ids` that exist, in no particular order.
pub async fn get_many(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<ProductRow>, sqlx::Error> {
    LIST.get_many(pool, ids).await
}

/// The names of the products of `ids` that exist.
pub async fn names(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("select id, name from product where id = any($1)")
        .bind(ids)
        .fetch_all(pool)
        .await
}

/// Which products a list shows. Fields left out do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// A fragment of the name or reference, without regard to case (`%` and `_` are dropped).
    pub search: Option<String>,
    pub kind: Option<ProductKind>,
    /// `Some(false)`: active products; `Some(true)`: archived ones; `None`: both.
    pub archived: Option<bool>,
}

impl Filter for ProductFilter {
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        if let Some(search) = &self.search {
            let pattern = format!("%{}%", search.replace(['%', '_'], ""));
            sql.push(" and (name ilike ")
                .push_bind(pattern.clone())
                .push(" or reference ilike ")
                .push_bind(pattern)
                .push(")");
        }
        push_some(sql, "kind =", self.kind.map(Stored));
        push_some(sql, "archived =", self.archived);
    }
}

/// Products by name (without regard to case) unless sorted otherwise, a page at a time.
pub const LIST: List<ProductRow, ProductFilter> =
    List::new("product", COLUMNS, PRODUCT_SORTS, false).shared_or_of_companies("company");

/// The ways products may be sorted (names and references without regard to case).
const PRODUCT_SORTS: &[Sort] = &[
    sort("NAME", "lower(name)", KeyType::Text),
    sort("REFERENCE", "lower(reference)", KeyType::Text),
    sort("KIND", "kind", KeyType::Text),
    sort("SALE_PRICE", "sale_price", KeyType::Numeric),
    sort("COST", "cost", KeyType::Numeric),
];
