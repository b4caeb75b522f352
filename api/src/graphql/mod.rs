//! The GraphQL schema: queries read read models, mutations send commands.

mod accounting;
mod admission;
pub mod auth;
mod business;
pub mod configuration;
mod data_module;
mod document;
pub mod error;
mod event;
pub mod input;
mod invoice;
pub mod loader;
pub mod manager;
mod observe;
mod order;
mod page;
mod partner;
mod payload;
mod product;
mod record;
pub mod request;
mod stage;
mod trail;
mod user;

use async_graphql::dataloader::DataLoader;
use async_graphql::{MergedObject, Schema};
use commands::AppState;

pub use admission::Introspection;
pub use event::Event;
pub use partner::Partner;

pub use error::{internal, UserError, UserErrorCode};
pub use input::{page_size, parse_id, AsOfInput, MAX_PAGE_SIZE};
pub use loader::ReadLoader;
pub use request::RequestContext;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    partner::PartnerQuery,
    configuration::ConfigurationQuery,
    event::LogQuery,
    stage::StageQuery,
    user::UserQuery,
    product::ProductQuery,
    order::OrderQuery,
    invoice::InvoiceQuery,
    accounting::AccountingQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    partner::PartnerMutation,
    configuration::ConfigurationMutation,
    stage::StageMutation,
    user::UserMutation,
    product::ProductMutation,
    order::OrderMutation,
    invoice::InvoiceMutation,
    accounting::AccountingMutation,
    data_module::DataModuleMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, configuration::ConfigurationSubscription>;

/// The schema, with the state every resolver reads from; `introspection` says who may read it.
pub fn schema(state: AppState, introspection: Introspection) -> AppSchema {
    let schema = builder()
        .data(DataLoader::new(
            ReadLoader(state.reads().clone()),
            tokio::spawn,
        ))
        .extension(observe::Observe {
            database: state
                .pool
                .connect_options()
                .get_database()
                .unwrap_or_default()
                .to_owned(),
        })
        .data(state)
        .extension(admission::Admission {
            depth: 12,
            introspection,
        })
        .limit_complexity(20_000);
    // async-graphql's spans (one a request and one a field) only where the log shows them
    // (`RUST_LOG=async_graphql=info`): filtered out, they still cost every field a wrapper.
    if tracing::enabled!(target: "async_graphql::graphql", tracing::Level::INFO) {
        schema
            .extension(async_graphql::extensions::Tracing)
            .finish()
    } else {
        schema.finish()
    }
}

/// The schema in SDL, as `erp schema` prints it and `/graphql/schema.graphql` serves it.
pub fn sdl() -> String {
    builder().finish().sdl()
}

fn builder(
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, configuration::ConfigurationSubscription>
{
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        configuration::ConfigurationSubscription,
    )
}
