//! Products in GraphQL: the form, the list, the mutations.

use async_graphql::connection::{query_with, Connection, Edge, OpaqueCursor};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use domain::configuration::{Model, Right};
use domain::product::{DetailsError, ProductCommand, ProductDetails, ProductKind};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::business::{acting, reading, settled, TextCursor};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::{page_size, parse_id};
use super::partner::TotalCount;
use commands::business;
use commands::AppState;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub id: Uuid,
    pub reference: String,
    pub name: String,
    pub kind: String,
    pub uom: String,
    pub sale_price: Decimal,
    pub cost: Decimal,
    pub taxes: Vec<String>,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, reference, name, kind, uom, sale_price, cost, taxes, archived, version, created_at, updated_at";

pub async fn get(pool: &sqlx::PgPool, id: Uuid) -> Result<Option<ProductRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from product where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProductKind")]
pub enum ProductKindName {
    /// Kept in stock: deliveries take from what is on hand.
    Stockable,
    /// Moved like goods, never short.
    Consumable,
    /// Not goods: never delivered.
    Service,
}

impl From<ProductKindName> for ProductKind {
    fn from(kind: ProductKindName) -> Self {
        match kind {
            ProductKindName::Stockable => ProductKind::Stockable,
            ProductKindName::Consumable => ProductKind::Consumable,
            ProductKindName::Service => ProductKind::Service,
        }
    }
}

fn kind_of(raw: &str) -> ProductKindName {
    match raw {
        "stockable" => ProductKindName::Stockable,
        "consumable" => ProductKindName::Consumable,
        _ => ProductKindName::Service,
    }
}

/// Something the company sells or buys.
pub struct Product(pub ProductRow);

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The internal reference: unique among products.
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> ProductKindName {
        kind_of(&self.0.kind)
    }

    /// Unit of measure.
    async fn uom(&self) -> &str {
        &self.0.uom
    }

    async fn sale_price(&self) -> Decimal {
        self.0.sale_price
    }

    /// What a unit costs the company; stock is valued at it.
    async fn cost(&self) -> Decimal {
        self.0.cost
    }

    /// Codes of the taxes new lines of the product get.
    async fn taxes(&self) -> &[String] {
        &self.0.taxes
    }

    async fn archived(&self) -> bool {
        self.0.archived
    }

    /// Send it back as `expectedVersion`.
    async fn version(&self) -> i64 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Which products a list shows.
#[derive(InputObject, Default)]
pub struct ProductWhere {
    /// A fragment of the name or reference, without regard to case.
    pub search: Option<String>,
    pub kind: Option<ProductKindName>,
    /// `false` (the default): active products; `true`: archived ones; `null`: both.
    #[graphql(default_with = "Some(false)")]
    pub archived: Option<bool>,
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// One product, archived or not.
    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        reading(ctx, Model::Product, "product").await?;
        let state = ctx.data::<AppState>()?;
        let Some(id) = parse_id(&id) else {
            return Err(format!("'{}' is not a product id", id.as_str()).into());
        };
        let row = get(&state.pool, id).await.map_err(|e| internal(ctx, e))?;
        Ok(row.map(Product))
    }

    /// Products by name, a page at a time (`first`/`after`, at most 100 a page).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<ProductWhere>,
    ) -> Result<Connection<OpaqueCursor<TextCursor>, Product, TotalCount>> {
        reading(ctx, Model::Product, "product").await?;
        let state = ctx.data::<AppState>()?;
        let filter = filter.unwrap_or(ProductWhere {
            archived: Some(false),
            ..ProductWhere::default()
        });
        if filter
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 200)
        {
            return Err("search is at most 200 characters".into());
        }
        let search = filter
            .search
            .map(|s| format!("%{}%", s.replace(['%', '_'], "")));
        let kind = filter.kind.map(|k| domain_kind_name(k.into()));
        let archived = filter.archived;
        query_with::<OpaqueCursor<TextCursor>, _, _, _, _>(
            after,
            None,
            first,
            None,
            |after, _, first, _| async move {
                let limit = page_size(first)?;
                let (after_key, after_id) = match &after {
                    Some(c) => (Some(c.0.key.clone()), Some(c.0.id)),
                    None => (None, None),
                };
                let filter_sql = "($1::text is null or name ilike $1 or reference ilike $1)
                      and ($2::text is null or kind = $2)
                      and ($3::boolean is null or archived = $3)";
                let rows: Vec<ProductRow> = sqlx::query_as(&format!(
                    "select {COLUMNS} from product
                      where {filter_sql}
                        and ($4::text is null or (lower(name), id) > ($4, $5))
                      order by lower(name), id limit $6"
                ))
                .bind(&search)
                .bind(kind)
                .bind(archived)
                .bind(&after_key)
                .bind(after_id)
                .bind(limit as i64 + 1)
                .fetch_all(&state.pool)
                .await
                .map_err(|e| internal(ctx, e))?;
                let total_count: i64 =
                    sqlx::query_scalar(&format!("select count(*) from product where {filter_sql}"))
                        .bind(&search)
                        .bind(kind)
                        .bind(archived)
                        .fetch_one(&state.pool)
                        .await
                        .map_err(|e| internal(ctx, e))?;
                let more = rows.len() > limit;
                let mut connection = Connection::with_additional_fields(
                    after.is_some(),
                    more,
                    TotalCount { total_count },
                );
                connection
                    .edges
                    .extend(rows.into_iter().take(limit).map(|row| {
                        let cursor = TextCursor {
                            key: row.name.to_lowercase(),
                            id: row.id,
                        };
                        Edge::new(OpaqueCursor(cursor), Product(row))
                    }));
                Ok::<_, async_graphql::Error>(connection)
            },
        )
        .await
    }
}

fn domain_kind_name(kind: ProductKind) -> &'static str {
    projections::business::kind_name(kind)
}

#[derive(InputObject)]
pub struct CreateProductInput {
    /// The new product's id, if the client chooses it.
    pub id: Option<ID>,
    pub reference: String,
    pub name: String,
    pub kind: ProductKindName,
    #[graphql(default_with = "\"Unit\".to_owned()")]
    pub uom: String,
    #[graphql(default)]
    pub sale_price: Decimal,
    #[graphql(default)]
    pub cost: Decimal,
    /// Tax codes.
    #[graphql(default)]
    pub taxes: Vec<String>,
}

/// Only the fields given change.
#[derive(InputObject)]
pub struct UpdateProductInput {
    pub id: ID,
    pub expected_version: Option<i64>,
    pub reference: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ProductKindName>,
    pub uom: Option<String>,
    pub sale_price: Option<Decimal>,
    pub cost: Option<Decimal>,
    pub taxes: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct ProductIdInput {
    pub id: ID,
    pub expected_version: Option<i64>,
}

#[derive(SimpleObject)]
pub struct ProductPayload {
    pub product: Option<Product>,
    pub user_errors: Vec<UserError>,
}

/// A product's fields as given (or as they stand, for those an update leaves out).
struct Fields<'a> {
    reference: &'a str,
    name: &'a str,
    kind: ProductKind,
    uom: &'a str,
    sale_price: Decimal,
    cost: Decimal,
    taxes: &'a [String],
}

fn details(
    problems: &mut Problems,
    fields: Fields<'_>,
    settings: &domain::configuration::Settings,
) -> Option<ProductDetails> {
    let Fields {
        reference,
        name,
        kind,
        uom,
        sale_price,
        cost,
        taxes,
    } = fields;
    let codes: Vec<_> = taxes
        .iter()
        .filter_map(|t| problems.code_at(&["input", "taxes"], t))
        .collect();
    for code in &codes {
        if !settings.taxes.contains_key(code) {
            problems.add(
                &["input", "taxes"],
                format!("there is no tax '{code}'"),
                UserErrorCode::NotFound,
            );
        }
    }
    match ProductDetails::new(reference, name, kind, uom, sale_price, cost, codes) {
        Ok(details) => Some(details),
        Err(e) => {
            let field = match e {
                DetailsError::Reference(_) => "reference",
                DetailsError::Name(_) => "name",
                DetailsError::Uom(_) => "uom",
                DetailsError::SalePrice(_) => "salePrice",
                DetailsError::Cost(_) => "cost",
                DetailsError::TooManyTaxes => "taxes",
            };
            let code = match &e {
                DetailsError::Reference(t) | DetailsError::Name(t) | DetailsError::Uom(t) => {
                    UserError::from_text(&[], t).code
                }
                _ => UserErrorCode::Invalid,
            };
            problems.add(&["input", field], e.to_string(), code);
            None
        }
    }
}

async fn answer(
    ctx: &Context<'_>,
    id: Uuid,
    result: Result<((), Option<projections::Checkpoint>), commands::Failure>,
) -> Result<ProductPayload> {
    let (_, user_errors) = settled(ctx, result).await?;
    let state = ctx.data::<AppState>()?;
    let product = get(&state.pool, id).await.map_err(|e| internal(ctx, e))?;
    Ok(ProductPayload {
        product: product.map(Product),
        user_errors,
    })
}

fn refused(user_errors: Vec<UserError>) -> ProductPayload {
    ProductPayload {
        product: None,
        user_errors,
    }
}

#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Creates a product; its reference must be unused.
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<ProductPayload> {
        let acting = acting(ctx, Model::Product, Right::Create, "product").await?;
        let state = ctx.data::<AppState>()?;
        let mut problems = Problems::default();
        let id = problems.new_id(&input.id, "product");
        let details = details(
            &mut problems,
            Fields {
                reference: &input.reference,
                name: &input.name,
                kind: input.kind.into(),
                uom: &input.uom,
                sale_price: input.sale_price,
                cost: input.cost,
                taxes: &input.taxes,
            },
            acting.settings(),
        );
        let (id, details) = match problems.finish(id.zip(details)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(refused(errors)),
        };
        let result = state
            .bus
            .run(&acting.context, "CreateProduct", |work| {
                Box::pin(business::create_product(work, id, details.clone()))
            })
            .await;
        answer(ctx, id, result).await
    }

    /// Changes some of a product's details. A new reference must be unused.
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductInput,
    ) -> Result<ProductPayload> {
        let acting = acting(ctx, Model::Product, Right::Write, "product").await?;
        let state = ctx.data::<AppState>()?;
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "product");
        let expected = problems.expected(input.expected_version);
        let (Some(id), Some(expected)) = (id, expected) else {
            return Ok(refused(problems.0));
        };
        let Some(current) = get(&state.pool, id).await.map_err(|e| internal(ctx, e))? else {
            return Ok(refused(vec![UserError::new(
                &["input", "id"],
                "no product with this id",
                UserErrorCode::NotFound,
            )]));
        };
        let details = details(
            &mut problems,
            Fields {
                reference: input.reference.as_deref().unwrap_or(&current.reference),
                name: input.name.as_deref().unwrap_or(&current.name),
                kind: input.kind.unwrap_or(kind_of(&current.kind)).into(),
                uom: input.uom.as_deref().unwrap_or(&current.uom),
                sale_price: input.sale_price.unwrap_or(current.sale_price),
                cost: input.cost.unwrap_or(current.cost),
                taxes: input.taxes.as_deref().unwrap_or(&current.taxes),
            },
            acting.settings(),
        );
        let details = match problems.finish(details) {
            Ok(details) => details,
            Err(errors) => return Ok(refused(errors)),
        };
        let result = state
            .bus
            .run(&acting.context, "UpdateProduct", |work| {
                Box::pin(business::update_product(
                    work,
                    id,
                    expected,
                    details.clone(),
                ))
            })
            .await;
        answer(ctx, id, result).await
    }

    /// Archives a product: kept with its history, left out of lists and new lines.
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        input: ProductIdInput,
    ) -> Result<ProductPayload> {
        archive(ctx, input, true).await
    }

    async fn unarchive_product(
        &self,
        ctx: &Context<'_>,
        input: ProductIdInput,
    ) -> Result<ProductPayload> {
        archive(ctx, input, false).await
    }
}

async fn archive(
    ctx: &Context<'_>,
    input: ProductIdInput,
    archive: bool,
) -> Result<ProductPayload> {
    let acting = acting(ctx, Model::Product, Right::Write, "product").await?;
    let state = ctx.data::<AppState>()?;
    let mut problems = Problems::default();
    let id = problems.uuid(&["input", "id"], &input.id, "product");
    let expected = problems.expected(input.expected_version);
    let (Some(id), Some(expected_version)) = (id, expected) else {
        return Ok(refused(problems.0));
    };
    let command = if archive {
        ProductCommand::ArchiveProduct { expected_version }
    } else {
        ProductCommand::UnarchiveProduct { expected_version }
    };
    let result = state
        .bus
        .run(&acting.context, command.name(), |work| {
            let command = command.clone();
            Box::pin(async move {
                work.decide::<domain::product::Product>(&id.to_string(), command)
                    .await
                    .map(|_| ())
            })
        })
        .await;
    answer(ctx, id, result).await
}
