//! The `business` projection: one runner, one checkpoint, feeding the business read models each
//! the events of its aggregates: products ([`crate::product`]), orders ([`crate::order`]), stock
//! ([`crate::stock`]), invoices ([`crate::invoice`]), the books ([`crate::journal`]) and their
//! periods ([`crate::period`]). Each read model owns its tables, its writes and its queries.

use std::sync::LazyLock;

use cqrs_es::Aggregate;
use domain::invoice::Invoice;
use domain::ledger::{Period, PeriodEvent};
use domain::order::Order;
use domain::product::Product;
use domain::stock::Stock;
use sqlx::PgConnection;

use crate::log::StoredEvent;
use crate::runner::{payload, projection, uuid_of, ProjectionError};
use crate::{invoice, journal, order, period, product, stock};

/// The tables of the business read models.
static TABLES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        &product::TABLES[..],
        &order::TABLES,
        &stock::TABLES,
        &invoice::TABLES,
        &journal::TABLES,
        &period::TABLES,
    ]
    .concat()
});

projection!(
    /// Keeps the business read models in step with the log.
    BusinessProjection: "business", &TABLES, apply
);

async fn apply(tx: &mut PgConnection, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    for event in events {
        let kind = event.aggregate_type.as_str();
        if kind == Period::TYPE {
            match payload(event)? {
                PeriodEvent::EntryPosted { entry } => {
                    journal::post(tx, event, &entry).await?;
                    period::count_entry(tx, event).await?;
                }
                PeriodEvent::PeriodClosed { .. } => period::close(tx, event).await?,
                PeriodEvent::PeriodReopened { .. } => period::reopen(tx, event).await?,
            }
            continue;
        }
        if kind == Stock::TYPE {
            // a stock stream is a product's in one company's warehouse: `<product>[@company]`.
            let Some(product) = domain::stock::product_of(&event.aggregate_id) else {
                tracing::warn!(position = event.position, id = %event.aggregate_id, "stock event of no product; skipped");
                continue;
            };
            stock::apply(tx, product, payload(event)?, event).await?;
            continue;
        }
        if ![Product::TYPE, Order::TYPE, Invoice::TYPE].contains(&kind) {
            continue;
        }
        let Some(id) = uuid_of(event) else {
            continue;
        };
        if kind == Product::TYPE {
            product::apply(tx, id, payload(event)?, event).await?;
        } else if kind == Order::TYPE {
            order::apply(tx, id, payload(event)?, event).await?;
        } else {
            invoice::apply(tx, id, payload(event)?, event).await?;
        }
    }
    Ok(())
}

/// The configuration business records use, which restoring a stage must keep: taxes on
/// products and lines, accounts and journals with entries (or draft lines), sequences that have
/// numbered documents.
pub async fn in_use(pool: &sqlx::PgPool) -> Result<domain::configuration::InUse, sqlx::Error> {
    use domain::configuration::Code;
    let codes = |rows: Vec<String>| -> std::collections::BTreeSet<Code> {
        rows.iter().filter_map(|r| Code::parse(r).ok()).collect()
    };
    let taxes: Vec<String> = sqlx::query_scalar(
        "select unnest(taxes) from product union select unnest(taxes) from order_line
         union select unnest(taxes) from invoice_line",
    )
    .fetch_all(pool)
    .await?;
    let accounts: Vec<String> = sqlx::query_scalar(
        "select distinct account from journal_item union select distinct account from invoice_line",
    )
    .fetch_all(pool)
    .await?;
    let journals: Vec<String> = sqlx::query_scalar("select distinct journal from journal_entry")
        .fetch_all(pool)
        .await?;
    let sequences: Vec<String> =
        sqlx::query_scalar("select distinct aggregate_id from events where aggregate_type = $1")
            .bind(<domain::ledger::Numbering as Aggregate>::TYPE)
            .fetch_all(pool)
            .await?;
    let companies: Vec<String> = sqlx::query_scalar(
        "select unnest(companies) from app_user union select company from app_user
         union select company from business_order union select company from invoice
         union select company from journal_entry union select company from stock_move",
    )
    .fetch_all(pool)
    .await?;
    let groups: Vec<String> = sqlx::query_scalar("select distinct unnest(groups) from app_user")
        .fetch_all(pool)
        .await?;
    Ok(domain::configuration::InUse {
        groups: codes(groups),
        companies: codes(companies),
        taxes: codes(taxes),
        currencies: Default::default(),
        sequences: codes(sequences),
        accounts: codes(accounts),
        journals: codes(journals),
    })
}

/// What uses company `code`, said for a person (`user 'alice'`, `order SO0042`), if anything
/// does: a user who works in it, or an order, a document or an entry that belongs to it.
pub async fn company_used_by(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Option<String>, sqlx::Error> {
    let user: Option<String> = sqlx::query_scalar(&format!(
        "(select format('user ''%s''', login) from app_user
           where $1 = any(companies) or company = $1 limit 1)
         union all {BOOKS_OF}
         union all (select 'stock' from stock_move where company = $1 limit 1)
         limit 1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(user)
}

/// A record (`order SO0001`, `invoice draft`, `entry MISC/0001`) of company `$1`'s books.
const BOOKS_OF: &str = "(select 'order ' || number from business_order where company = $1 limit 1)
     union all (select 'invoice ' || coalesce(number, 'draft') from invoice
                 where company = $1 limit 1)
     union all (select 'entry ' || number from journal_entry where company = $1 limit 1)";

/// One of company `code`'s orders, documents or entries, named, if it has any: what its
/// amounts are written in the currency of.
pub async fn company_books_record(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(&format!("{BOOKS_OF} limit 1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await
}

/// The last number each sequence gave (up to log position `upto`, if given), by sequence code
/// (sequences that gave none are not there): what the next document's number must be above.
pub async fn numbers_taken<'e>(
    db: impl sqlx::PgExecutor<'e>,
    upto: Option<i64>,
) -> Result<std::collections::BTreeMap<String, u64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select distinct on (aggregate_id) aggregate_id,
                (payload -> 'NumberTaken' ->> 'number')::bigint
           from events where aggregate_type = $1 and ($2::bigint is null or position <= $2)
          order by aggregate_id, sequence desc",
    )
    .bind(<domain::ledger::Numbering as Aggregate>::TYPE)
    .bind(upto)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, last)| (code, u64::try_from(last).unwrap_or(0)))
        .collect())
}

/// The events of partner `id`'s history with its documents: the partner's own, its orders' and
/// its documents' (invoices, bills, credit notes), and the entries posted for it (its documents'
/// and its payments).
pub async fn partner_documents(
    pool: &sqlx::PgPool,
    companies: &crate::page::Companies,
    id: uuid::Uuid,
) -> Result<crate::history::Subject, sqlx::Error> {
    let streams: Vec<(String, String)> = sqlx::query_as(&format!(
        "select $2::text, $1::text
         union all select $3, id::text from business_order
                    where partner_id = $1 and company = any($5) {rules}
         union all select $4, id::text from invoice
                    where partner_id = $1 and company = any($5) {invoice_rules}",
        rules = companies.order_rules(""),
        invoice_rules = companies.invoice_rules(""),
    ))
    .bind(id)
    .bind(<domain::partner::Partner as Aggregate>::TYPE)
    .bind(Order::TYPE)
    .bind(Invoice::TYPE)
    .bind(companies.codes())
    .fetch_all(pool)
    .await?;
    let positions = sqlx::query_scalar(
        "select position from journal_entry where partner_id = $1 and company = any($2)",
    )
    .bind(id)
    .bind(companies.codes())
    .fetch_all(pool)
    .await?;
    Ok(crate::history::Subject { streams, positions })
}
