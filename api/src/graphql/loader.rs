//! Batched reads for what the fields of list items show (an invoice's partner, an order's lines,
//! an entry's lines): one query for the whole list, not one a row.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use projections::{PgPool, QueryError};

use super::error::internal;

/// Each read model's key type has its `Loader` beside its GraphQL type (declared with
/// [`batch_keys!`]); [`load_one`] and [`load_each`] read through it.
pub struct ReadLoader(pub PgPool);

/// What a batched read fails with: shared by every field that waited on it.
pub type LoadError = Arc<QueryError>;

/// The record `key` names, made an object by `object`; null if there is none.
pub async fn load_one<K, O>(
    ctx: &async_graphql::Context<'_>,
    key: K,
    object: impl FnOnce(<ReadLoader as Loader<K>>::Value) -> O,
) -> async_graphql::Result<Option<O>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ReadLoader: Loader<K, Error = LoadError>,
{
    Ok(load(ctx, key).await?.map(object))
}

/// The rows `key` names (none if it names none), each made an object by `object`.
pub async fn load_each<K, R, O>(
    ctx: &async_graphql::Context<'_>,
    key: K,
    object: impl FnMut(R) -> O,
) -> async_graphql::Result<Vec<O>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ReadLoader: Loader<K, Value = Vec<R>, Error = LoadError>,
{
    let rows = load(ctx, key).await?.unwrap_or_default();
    Ok(rows.into_iter().map(object).collect())
}

/// The value `key` names, read through the schema's [`ReadLoader`] with the other keys asked for
/// at the same moment.
async fn load<K>(
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

/// Rows grouped by the key `key` gives each, each group in the rows' order; rows with no key
/// are left out.
pub fn grouped<K: Hash + Eq, R>(rows: Vec<R>, key: impl Fn(&R) -> Option<K>) -> HashMap<K, Vec<R>> {
    let mut groups: HashMap<K, Vec<R>> = HashMap::new();
    for row in rows {
        if let Some(key) = key(&row) {
            groups.entry(key).or_default().push(row);
        }
    }
    groups
}

/// Declares each `$key(Uuid)`, a record id that fields of list items look up through
/// [`ReadLoader`], and how a batch of them is read: `$read` (`(pool, ids) -> rows`) reads the rows
/// of every id at once; `one $row` gives each id the row whose `id` it is, `many $row where
/// $field` the rows whose `$field` it is (an optional field: rows with none are left out), in the
/// order read.
macro_rules! batch_keys {
    ($($(#[$doc:meta])* $key:ident => $how:ident $row:ty $(where $field:ident)?, $read:path;)+) => {
        $($crate::graphql::loader::batch_keys!(@$how $(#[$doc])* $key, $row $(, $field)?, $read);)+
    };
    (@one $(#[$doc:meta])* $key:ident, $row:ty, $read:path) => {
        $crate::graphql::loader::batch_keys!(@key $(#[$doc])* $key => $row, $read, |rows| {
            $crate::graphql::loader::by_key(rows, |row: &$row| $key(row.id))
        });
    };
    (@many $(#[$doc:meta])* $key:ident, $row:ty, $field:ident, $read:path) => {
        $crate::graphql::loader::batch_keys!(@key $(#[$doc])* $key => Vec<$row>, $read, |rows| {
            $crate::graphql::loader::grouped(rows, |row: &$row| {
                Option::<uuid::Uuid>::from(row.$field).map($key)
            })
        });
    };
    (@key $(#[$doc:meta])* $key:ident => $value:ty, $read:path, |$rows:ident| $collect:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub uuid::Uuid);

        impl async_graphql::dataloader::Loader<$key> for $crate::graphql::loader::ReadLoader {
            type Value = $value;
            type Error = $crate::graphql::loader::LoadError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, $value>, Self::Error> {
                let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
                let $rows = $read(&self.0, &ids).await?;
                Ok($collect)
            }
        }
    };
}
pub(crate) use batch_keys;
