//! The periods read model: `accounting_period`, one row per month of the books that has entries
//! or was closed, with how many entries it has and who closed it when.

use sqlx::{PgConnection, PgPool};

use crate::log::StoredEvent;
use crate::page::{Companies, Page};

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 1] = ["accounting_period"];

/// Counts an entry posted into the period of `event` (its aggregate id: `2026-11`).
pub(crate) async fn count_entry(
    tx: &mut PgConnection,
    event: &StoredEvent,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into accounting_period (id, closed, entries, company) values ($1, false, 1, $2)
         on conflict (id) do update set entries = accounting_period.entries + 1",
    )
    .bind(&event.aggregate_id)
    .bind(company_of(event))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Closes the period of `event`, by the user its metadata names.
pub(crate) async fn close(tx: &mut PgConnection, event: &StoredEvent) -> Result<(), sqlx::Error> {
    let user = event
        .metadata_value()
        .get("user")
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    sqlx::query(
        "insert into accounting_period (id, closed, closed_at, closed_by, entries, company)
         values ($1, true, $2, $3, 0, $4)
         on conflict (id) do update set closed = true, closed_at = $2, closed_by = $3",
    )
    .bind(&event.aggregate_id)
    .bind(event.recorded_at)
    .bind(user)
    .bind(company_of(event))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Opens the period of `event` again: it shows as open, closed by nobody.
pub(crate) async fn reopen(tx: &mut PgConnection, event: &StoredEvent) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update accounting_period set closed = false, closed_at = null, closed_by = null
          where id = $1",
    )
    .bind(&event.aggregate_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The company whose books the period stream of `event` is of (`2026-11@b`: `b`).
fn company_of(event: &StoredEvent) -> &str {
    event
        .aggregate_id
        .split_once('@')
        .map_or(domain::configuration::MAIN_COMPANY, |(_, company)| company)
}

/// What a period read selects: the month, and the stream id (unique: a month of one company)
/// lists are paged by.
const PERIOD_COLUMNS: &str =
    "split_part(id, '@', 1) as id, id as stream, company, closed, closed_by, entries";

/// A month of one company's books.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeriodRow {
    /// `2026-11`.
    pub id: String,
    /// The id of its stream: where a list's page stands.
    pub stream: String,
    /// The company whose books it is of.
    pub company: String,
    pub closed: bool,
    pub closed_by: Option<String>,
    pub entries: i64,
}

/// The first `limit` periods (with entries or closed) after `after` (`2026-10`), in order;
/// only closed ones or open ones if `closed` says so.
pub async fn page(
    pool: &PgPool,
    companies: &Companies,
    closed: Option<bool>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<PeriodRow>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "select {PERIOD_COLUMNS} from accounting_period
          where ($1::bool is null or closed = $1) and ($2::text is null or id > $2)
            and company = any($4)
          order by id limit $3"
    ))
    .bind(closed)
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .bind(companies.codes())
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "select count(*) from accounting_period where ($1::bool is null or closed = $1)
            and company = any($2)",
    )
    .bind(closed)
    .bind(companies.codes())
    .fetch_one(pool)
    .await?;
    Ok(Page::of(rows, limit, total))
}

/// One period of one company's books (its stream id: `2026-11`, `2026-11@b`), if it has
/// entries or was closed.
pub async fn get(pool: &PgPool, stream: &str) -> Result<Option<PeriodRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {PERIOD_COLUMNS} from accounting_period where id = $1"
    ))
    .bind(stream)
    .fetch_optional(pool)
    .await
}
