//! Batched reads for what the fields of list items show (an invoice's partner, an order's lines,
//! an entry's lines): one query for the whole list, not one a row.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use projections::{PgPool, QueryError};

use super::error::internal;

/// Each read model's key type has its `Loader` beside its GraphQL type; [`load`] reads through
/// it.
pub struct ReadLoader(pub PgPool);

/// What a batched read fails with: shared by every field that waited on it.
pub type LoadError = Arc<QueryError>;

/// The value `key` names, read through the schema's [`ReadLoader`] with the other keys asked for
/// at the same moment.
pub async fn load<K>(
    ctx: &async_graphql::Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<ReadLoader as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ReadLoader: Loader<K, Error = LoadError>,
{
    ctx.data::<DataLoader<ReadLoader>>()?
        .load_one(key)
        .await
        .map_err(|e| internal(ctx, e))
}

/// Rows by the key `key` gives each (one row a key).
pub fn by_key<K: Hash + Eq, R>(rows: Vec<R>, key: impl Fn(&R) -> K) -> HashMap<K, R> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

/// Rows grouped by the key `key` gives each, each group in the rows' order.
pub fn grouped<K: Hash + Eq, R>(rows: Vec<R>, key: impl Fn(&R) -> K) -> HashMap<K, Vec<R>> {
    let mut groups: HashMap<K, Vec<R>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}
