//! The stack's ceiling: the least a server built on our crates (axum, async-graphql, sqlx) can do
//! to answer the same GraphQL requests as `erp serve`, one plain SQL statement per request, no
//! event store, no sign-in, no read model. What `erp serve` is measured against in S1 to S4.
//!
//! It answers the requests the workloads send, with the same field names: a partner by id, a
//! page of partners (optionally by name fragment) with its total count, and `createPartner`
//! into a plain table of its own (`ceiling_partner`). Reads go to the `partner` table `erp`'s
//! read model keeps, so both servers read the same rows.

use std::net::SocketAddr;

use async_graphql::{
    Context, EmptySubscription, InputObject, Object, Result, Schema, SimpleObject, ID,
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::routing::post;
use axum::{Extension, Router};
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

#[derive(SimpleObject, sqlx::FromRow)]
#[graphql(complex)]
struct Partner {
    #[graphql(skip)]
    id: Uuid,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    vat: Option<String>,
    is_customer: bool,
    is_supplier: bool,
    archived: bool,
    version: i64,
    #[graphql(skip)]
    street: Option<String>,
    #[graphql(skip)]
    city: Option<String>,
    #[graphql(skip)]
    zip: Option<String>,
    #[graphql(skip)]
    country: Option<String>,
}

#[async_graphql::ComplexObject]
impl Partner {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn address(&self) -> Address {
        Address {
            street: self.street.clone(),
            city: self.city.clone(),
            zip: self.zip.clone(),
            country: self.country.clone(),
        }
    }
}

#[derive(SimpleObject, InputObject, Default)]
#[graphql(input_name = "AddressInput")]
struct Address {
    street: Option<String>,
    city: Option<String>,
    zip: Option<String>,
    country: Option<String>,
}

#[derive(SimpleObject)]
struct PartnerEdge {
    cursor: String,
    node: Partner,
}

#[derive(SimpleObject)]
struct PartnerConnection {
    total_count: i64,
    edges: Vec<PartnerEdge>,
}

#[derive(InputObject, Default)]
struct PartnerWhere {
    name_contains: Option<String>,
}

#[derive(InputObject)]
struct CreatePartnerInput {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    vat: Option<String>,
    #[graphql(default)]
    address: Address,
    #[graphql(default)]
    is_customer: bool,
    #[graphql(default)]
    is_supplier: bool,
}

#[derive(SimpleObject)]
struct UserError {
    field: Option<Vec<String>>,
    message: String,
    code: String,
}

#[derive(SimpleObject)]
struct CreatePartnerPayload {
    partner: Option<Partner>,
    user_errors: Vec<UserError>,
}

#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(flatten)]
    partner: Partner,
    total: i64,
}

struct Query;

#[Object]
impl Query {
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Partner>> {
        let id = Uuid::parse_str(&id)?;
        Ok(sqlx::query_as("select * from partner where id = $1")
            .bind(id)
            .fetch_optional(ctx.data::<PgPool>()?)
            .await?)
    }

    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: i32,
        r#where: Option<PartnerWhere>,
    ) -> Result<PartnerConnection> {
        let fragment = r#where.and_then(|w| w.name_contains);
        // the page and the count in one statement: the window counts before the limit.
        let rows: Vec<Counted> = sqlx::query_as(
            "select *, count(*) over () as total from partner
              where not archived and ($1::text is null or name ilike '%' || $1 || '%')
              order by name_sort, id limit $2",
        )
        .bind(fragment)
        .bind(i64::from(first))
        .fetch_all(ctx.data::<PgPool>()?)
        .await?;
        Ok(PartnerConnection {
            total_count: rows.first().map_or(0, |r| r.total),
            edges: rows
                .into_iter()
                .map(|r| PartnerEdge {
                    cursor: r.partner.id.to_string(),
                    node: r.partner,
                })
                .collect(),
        })
    }
}

struct Mutation;

#[Object]
impl Mutation {
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> Result<CreatePartnerPayload> {
        let partner: Partner = sqlx::query_as(
            "insert into ceiling_partner (id, name, name_sort, email, phone, street, city, zip,
                                          country, vat, is_customer, is_supplier)
             values ($1, $2, lower($2), $3, $4, $5, $6, $7, $8, $9, $10, $11)
             returning *",
        )
        .bind(Uuid::now_v7())
        .bind(input.name)
        .bind(input.email)
        .bind(input.phone)
        .bind(input.address.street)
        .bind(input.address.city)
        .bind(input.address.zip)
        .bind(input.address.country)
        .bind(input.vat)
        .bind(input.is_customer)
        .bind(input.is_supplier)
        .fetch_one(ctx.data::<PgPool>()?)
        .await?;
        Ok(CreatePartnerPayload {
            partner: Some(partner),
            user_errors: vec![],
        })
    }
}

type CeilingSchema = Schema<Query, Mutation, EmptySubscription>;

async fn graphql(
    Extension(schema): Extension<CeilingSchema>,
    request: GraphQLRequest,
) -> GraphQLResponse {
    schema.execute(request.into_inner()).await.into()
}

/// The ceiling server, listening on a port of its own until dropped.
pub struct Ceiling {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Ceiling {
    /// Makes its table (empty) in `pool`'s database and starts serving.
    pub async fn start(pool: PgPool) -> anyhow::Result<Self> {
        sqlx::query(
            "create table if not exists ceiling_partner (
                 id uuid primary key, name text not null, name_sort text not null, email text,
                 phone text, street text, city text, zip text, country text, vat text,
                 is_customer boolean not null, is_supplier boolean not null,
                 archived boolean not null default false, version bigint not null default 1,
                 created_at timestamptz not null default now())",
        )
        .execute(&pool)
        .await?;
        let schema = Schema::build(Query, Mutation, EmptySubscription)
            .data(pool)
            .finish();
        let app = Router::new()
            .route("/graphql", post(graphql))
            .layer(Extension(schema));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, task })
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        self.task.abort();
    }
}
