//! Products in GraphQL: the form, the list, the mutations.

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use cqrs_es::Aggregate;
use domain::configuration::{Model, Right};
use domain::product::{
    DetailsError, Product as ProductAggregate, ProductCommand, ProductDetails, ProductKind,
};
use projections::log::AsOf;
use projections::product::{self as read_model, ProductFilter, ProductRow};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::business::{acting, reading, Acting};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::AsOfInput;
use super::loader::batch_keys;
use super::page::{
    keyset_connection, order_of, ProductOrderField, SortBy, SortedCursor, TotalCount,
};
use super::payload::{payload, Payload};
use super::record::{get_as_of, now_and_then, seen_then, At, History, Recorded, Whose};
use commands::business;
use commands::AppState;
use domain::configuration::Code;
use projections::page::Companies;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProductKind", remote = "ProductKind")]
pub enum ProductKindName {
    /// Kept in stock: deliveries take from what is on hand.
    Stockable,
    /// Moved like goods, never short.
    Consumable,
    /// Not goods: never delivered.
    Service,
}

batch_keys! {
    /// A product by id, read with the others a list asks for.
    ProductKey => one ProductRow, read_model::get_many;
}

/// Something the company sells or buys.
pub struct Product(pub ProductRow, pub At);

now_and_then!(Product(ProductRow));

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
        self.0.kind.0.into()
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

    /// The company the product belongs to; null: every company shares it.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    async fn archived(&self) -> bool {
        self.0.archived
    }

    #[graphql(flatten)]
    async fn record(&self) -> Recorded {
        let (r, point) = (&self.0, self.1.point());
        Recorded::of(
            ProductAggregate::TYPE,
            r.id,
            r.version,
            (r.created_at, r.updated_at),
            point,
        )
    }

    /// What the warehouse holds of the product, as it stood at the point the product is shown
    /// as of. Needs the read right on stock.
    async fn stock(&self, ctx: &Context<'_>) -> Result<ProductStock> {
        reading(ctx, Model::Stock, "stock").await?;
        Ok(ProductStock(self.0.id, self.1.point()))
    }
}

/// What the warehouse holds of one product (at a point of the log, if given), and how it got
/// there.
pub struct ProductStock(Uuid, Option<AsOf>);

#[Object]
impl ProductStock {
    /// In the warehouse: what every move recorded came to, whatever its date.
    async fn on_hand(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let state = ctx.data::<AppState>()?;
        let companies = super::business::seen_companies(ctx).await?;
        projections::stock::on_hand(state.reads(), &companies, self.0, self.1)
            .await
            .map_err(|e| internal(ctx, e))
    }

    /// The stock's history: its moves and counts.
    #[graphql(flatten)]
    async fn events(&self) -> History {
        History(Whose::Stock(self.0), self.1)
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
    /// One product, archived or not. With `asOf`, the product as it stood then, replayed from
    /// its events (null if it did not exist yet), with its stock as it stood then.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<Product>> {
        let actor = reading(ctx, Model::Product, "product").await?;
        let companies = Companies::of(actor.companies);
        let now = |pool, id| read_model::get_seen(pool, &companies, id);
        // its company may have changed since the point asked for.
        let then = async |pool, id, as_of| {
            let now = read_model::get_seen(pool, &companies, id);
            let then = read_model::as_of(pool, id, as_of);
            seen_then(&companies, now, then, |p: &ProductRow| p.company.as_deref()).await
        };
        get_as_of(
            ctx,
            &id,
            "a product",
            as_of,
            now,
            then,
            Product::from,
            Product::then,
        )
        .await
    }

    /// Products by name unless sorted otherwise, a page at a time (`first`/`after`, at most
    /// 100 a page).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<ProductWhere>,
        order_by: Option<SortBy<ProductOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, Product, TotalCount>> {
        reading(ctx, Model::Product, "product").await?;
        let order = order_of(&read_model::LIST, order_by)?;
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
        let filter = ProductFilter {
            search: filter.search,
            kind: filter.kind.map(Into::into),
            archived: filter.archived,
        };
        keyset_connection(
            ctx,
            after,
            first,
            &read_model::LIST,
            filter,
            order,
            Product::from,
        )
        .await
    }
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
    /// The company the product belongs to, one you work in; by default, the one you work in now.
    pub company: Option<String>,
    /// `true`: every company shares the product (then give no `company`).
    #[graphql(default)]
    pub shared: bool,
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
    /// Moves the product to this company, one you work in.
    pub company: Option<String>,
    /// `true`: every company shares the product from now on; `false`: it belongs to `company`,
    /// or to the one you work in now.
    pub shared: Option<bool>,
}

#[derive(InputObject)]
pub struct ProductIdInput {
    pub id: ID,
    pub expected_version: Option<i64>,
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

/// Whether the product's taxes may go on its lines: a tax of one company only on a product of
/// that company (a problem noted otherwise).
fn taxes_fit(
    problems: &mut Problems,
    settings: &domain::configuration::Settings,
    details: &ProductDetails,
) -> bool {
    let before = problems.0.len();
    for code in &details.taxes {
        let tax_company = settings.taxes.get(code).and_then(|t| t.company.as_ref());
        if let Some(tax_company) = tax_company.filter(|c| Some(*c) != details.company.as_ref()) {
            problems.add(
                &["input", "taxes"],
                format!(
                    "tax '{code}' is company {tax_company}'s: only a product of that company \
                     may have it"
                ),
                UserErrorCode::Invalid,
            );
        }
    }
    problems.0.len() == before
}

payload!(ProductPayload { product: Product, user_errors } from ProductRow => Product::from);

/// The product as it now stands, with the user errors of what was run.
async fn answer(
    ctx: &Context<'_>,
    id: Uuid,
    user_errors: Vec<UserError>,
) -> Result<ProductPayload> {
    let state = ctx.data::<AppState>()?;
    // as the reader may see it: an id of another company's product (sent to a create) shows
    // nothing of it.
    let companies = super::business::seen_companies(ctx).await?;
    let product = read_model::get_seen(state.reads(), &companies, id);
    ProductPayload::reload(ctx, user_errors, product).await
}

/// Product `id` as it stands, if the actor sees it (it is shared or of one of their companies).
async fn seen(ctx: &Context<'_>, acting: &Acting, id: Uuid) -> Result<Option<ProductRow>> {
    let state = ctx.data::<AppState>()?;
    let companies = Companies::of(acting.actor.companies.iter().cloned());
    read_model::get_seen(state.reads(), &companies, id)
        .await
        .map_err(|e| internal(ctx, e))
}

/// What a mutation on a product the actor does not see (or that does not exist) answers.
fn no_product() -> UserError {
    UserError::new(
        &["input", "id"],
        "no product with this id",
        UserErrorCode::NotFound,
    )
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
        let company = problems.owner(
            &acting.actor,
            input.company.as_deref(),
            input.shared,
            Some(&acting.actor.company),
        );
        let details = details
            .zip(company)
            .map(|(details, company)| ProductDetails { company, ..details });
        let details = details.filter(|d| taxes_fit(&mut problems, acting.settings(), d));
        let (id, details) = match problems.finish(id.zip(details)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(ProductPayload::refused(errors)),
        };
        let (_, user_errors) = acting
            .run(
                ctx,
                "CreateProduct",
                (id, details),
                |work, _, (id, details)| Box::pin(business::create_product(work, id, details)),
            )
            .await?;
        answer(ctx, id, user_errors).await
    }

    /// Changes some of a product's details. A new reference must be unused.
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductInput,
    ) -> Result<ProductPayload> {
        let acting = acting(ctx, Model::Product, Right::Write, "product").await?;
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "product");
        let expected = problems.expected(input.expected_version);
        let (Some(id), Some(expected)) = (id, expected) else {
            return Ok(ProductPayload::refused(problems.0));
        };
        let Some(current) = seen(ctx, &acting, id).await? else {
            return Ok(ProductPayload::refused(vec![no_product()]));
        };
        let details = details(
            &mut problems,
            Fields {
                reference: input.reference.as_deref().unwrap_or(&current.reference),
                name: input.name.as_deref().unwrap_or(&current.name),
                kind: input.kind.map_or(current.kind.0, Into::into),
                uom: input.uom.as_deref().unwrap_or(&current.uom),
                sale_price: input.sale_price.unwrap_or(current.sale_price),
                cost: input.cost.unwrap_or(current.cost),
                taxes: input.taxes.as_deref().unwrap_or(&current.taxes),
            },
            acting.settings(),
        );
        let company = match (input.company.as_deref(), input.shared) {
            (None, None) => current
                .company
                .as_deref()
                .map(Code::parse)
                .transpose()
                .map_or_else(
                    |e| {
                        problems.add(&["input", "company"], e.to_string(), UserErrorCode::Invalid);
                        None
                    },
                    Some,
                ),
            (company, shared) => problems.owner(
                &acting.actor,
                company,
                shared.unwrap_or(false),
                Some(&acting.actor.company),
            ),
        };
        let details = details
            .zip(company)
            .map(|(details, company)| ProductDetails { company, ..details });
        let details = details.filter(|d| taxes_fit(&mut problems, acting.settings(), d));
        let details = match problems.finish(details) {
            Ok(details) => details,
            Err(errors) => return Ok(ProductPayload::refused(errors)),
        };
        let change = (id, expected, details);
        let (_, user_errors) = acting
            .run(
                ctx,
                "UpdateProduct",
                change,
                |work, settings, (id, expected, details)| {
                    Box::pin(business::update_product(
                        work, settings, id, expected, details,
                    ))
                },
            )
            .await?;
        answer(ctx, id, user_errors).await
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
    let mut problems = Problems::default();
    let id = problems.uuid(&["input", "id"], &input.id, "product");
    let expected = problems.expected(input.expected_version);
    let (Some(id), Some(expected_version)) = (id, expected) else {
        return Ok(ProductPayload::refused(problems.0));
    };
    if seen(ctx, &acting, id).await?.is_none() {
        return Ok(ProductPayload::refused(vec![no_product()]));
    }
    let command = if archive {
        ProductCommand::ArchiveProduct { expected_version }
    } else {
        ProductCommand::UnarchiveProduct { expected_version }
    };
    let (_, user_errors) = acting
        .run(
            ctx,
            command.name(),
            (id, command.clone()),
            |work, _, (id, command)| {
                Box::pin(async move {
                    work.decide::<domain::product::Product>(&id.to_string(), command)
                        .await
                        .map(|_| ())
                })
            },
        )
        .await?;
    answer(ctx, id, user_errors).await
}
