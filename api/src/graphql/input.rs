//! What many resolvers parse the same way: points of the log, page sizes, record ids.

use uuid::Uuid;

/// The most rows a page of any list may ask for.
pub const MAX_PAGE_SIZE: usize = 100;
/// Rows in a page when the client asks for no size.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// A point of the log to see a record or report at: give one of the two.
#[derive(Debug, Clone, Copy, async_graphql::InputObject)]
pub struct AsOfInput {
    /// After the events at or before this log position.
    pub position: Option<i64>,
    /// After the events recorded at or before this time.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
}

impl AsOfInput {
    /// The point asked for. A position must be a transaction boundary: the log there must not
    /// hold half of what one command wrote.
    pub async fn parse(
        self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<projections::log::AsOf> {
        use projections::log::AsOf;
        match (self.position, self.time) {
            (Some(position), None) if position >= 0 => {
                let state = ctx.data::<commands::AppState>()?;
                projections::log::check_cut(state.reads(), position)
                    .await
                    .map_err(|e| super::error::internal(ctx, e))??;
                Ok(AsOf::Position(position))
            }
            (Some(_), None) => Err("asOf.position is a log position: never negative".into()),
            (None, Some(time)) => Ok(AsOf::Time(time)),
            _ => Err("asOf takes exactly one of position and time".into()),
        }
    }
}

/// The rows a page holds: what the client asked for, at most [`MAX_PAGE_SIZE`].
pub fn page_size(requested: Option<usize>) -> async_graphql::Result<usize> {
    match requested {
        Some(n) if n > MAX_PAGE_SIZE => {
            Err(format!("a page holds at most {MAX_PAGE_SIZE} records; ask for fewer").into())
        }
        Some(n) => Ok(n),
        None => Ok(DEFAULT_PAGE_SIZE),
    }
}

/// The partner a list's `where.partner` names, if it names one.
pub fn where_partner(raw: Option<&async_graphql::ID>) -> async_graphql::Result<Option<Uuid>> {
    raw.map(|raw| parse_id(raw).ok_or_else(|| "where.partner is not a partner id".into()))
        .transpose()
}

/// Parses a record id given by a client.
pub fn parse_id(raw: &async_graphql::ID) -> Option<Uuid> {
    Uuid::parse_str(raw.as_str()).ok()
}
