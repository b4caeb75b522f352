//! The reports, drawn from the business read models: trial balance, general and partner
//! ledgers, aged balances, sales and purchase analysis, stock levels and valuation.
//!
//! Every report takes an optional [`AsOf`]: the facts it sums (journal items, matches, moves,
//! confirmations, costs) carry the log position and time they were recorded at, so a report
//! as of a point of the log counts only what had been recorded by then. Dates (`from`, `to`,
//! the aging date) are business dates, a separate thing: an auditor can ask for October's
//! trial balance as it stood on 5 November, before the late invoices were posted.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::log::AsOf;

/// The binds an `asOf` filter takes: a position or a time, the other null.
fn split(as_of: Option<AsOf>) -> (Option<i64>, Option<DateTime<Utc>>) {
    match as_of {
        Some(AsOf::Position(p)) => (Some(p), None),
        Some(AsOf::Time(t)) => (None, Some(t)),
        None => (None, None),
    }
}

/// Business dates a report covers; either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dates {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One account's line of the trial balance.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountBalance {
    pub account: String,
    /// Debit − credit before `from`.
    pub opening: Decimal,
    pub debit: Decimal,
    pub credit: Decimal,
}

impl AccountBalance {
    /// Debit − credit at `to`.
    pub fn closing(&self) -> Decimal {
        self.opening + self.debit - self.credit
    }
}

/// Every account with items up to `dates.to`: its balance before the period, and its debits
/// and credits in it.
pub async fn trial_balance(
    pool: &PgPool,
    dates: Dates,
    as_of: Option<AsOf>,
) -> Result<Vec<AccountBalance>, sqlx::Error> {
    let (position, time) = split(as_of);
    sqlx::query_as(
        "select account,
                coalesce(sum(debit - credit) filter (where entry_date < $1), 0) as opening,
                coalesce(sum(debit) filter (where $1::date is null or entry_date >= $1), 0) as debit,
                coalesce(sum(credit) filter (where $1::date is null or entry_date >= $1), 0) as credit
           from journal_item
          where ($2::date is null or entry_date <= $2)
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
          group by account
          order by account",
    )
    .bind(dates.from)
    .bind(dates.to)
    .bind(position)
    .bind(time)
    .fetch_all(pool)
    .await
}

/// A journal item as the ledgers list it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerItem {
    pub entry_id: Uuid,
    pub number: String,
    pub journal: String,
    pub entry_date: NaiveDate,
    pub account: String,
    pub partner_id: Option<Uuid>,
    pub label: String,
    pub debit: Decimal,
    pub credit: Decimal,
    pub position: i64,
}

/// The items of `accounts` (all accounts when empty) in `dates`, by account, date and entry;
/// optionally only those of `partner`.
pub async fn ledger_items(
    pool: &PgPool,
    accounts: &[String],
    partner: Option<Uuid>,
    dates: Dates,
    as_of: Option<AsOf>,
) -> Result<Vec<LedgerItem>, sqlx::Error> {
    let (position, time) = split(as_of);
    sqlx::query_as(
        "select i.entry_id, e.number, i.journal, i.entry_date, i.account, i.partner_id, i.label,
                i.debit, i.credit, i.position
           from journal_item i join journal_entry e on e.id = i.entry_id
          where (cardinality($1::text[]) = 0 or i.account = any($1))
            and ($2::uuid is null or i.partner_id = $2)
            and ($3::date is null or i.entry_date >= $3)
            and ($4::date is null or i.entry_date <= $4)
            and ($5::bigint is null or i.position <= $5)
            and ($6::timestamptz is null or i.recorded_at <= $6)
          order by i.account, i.entry_date, e.number, i.line_no",
    )
    .bind(accounts)
    .bind(partner)
    .bind(dates.from)
    .bind(dates.to)
    .bind(position)
    .bind(time)
    .fetch_all(pool)
    .await
}

/// Balances before `from` of `accounts` (all when empty), per account and partner.
pub async fn opening_balances(
    pool: &PgPool,
    accounts: &[String],
    from: Option<NaiveDate>,
    as_of: Option<AsOf>,
) -> Result<Vec<(String, Option<Uuid>, Decimal)>, sqlx::Error> {
    let Some(from) = from else {
        return Ok(vec![]);
    };
    let (position, time) = split(as_of);
    sqlx::query_as(
        "select account, partner_id, sum(debit - credit)
           from journal_item
          where (cardinality($1::text[]) = 0 or account = any($1))
            and entry_date < $2
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
          group by account, partner_id",
    )
    .bind(accounts)
    .bind(from)
    .bind(position)
    .bind(time)
    .fetch_all(pool)
    .await
}

/// A posted document still open at the aging date: what it owes then, signed (credit notes
/// negative).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenDocument {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub number: Option<String>,
    pub kind: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub residual: Decimal,
}

/// Posted documents of `kinds` dated up to `date`, with what was still open on `date` (matches
/// dated after it do not count), as recorded by `as_of`. Credit notes come out negative.
pub async fn open_documents(
    pool: &PgPool,
    kinds: &[&str],
    date: NaiveDate,
    as_of: Option<AsOf>,
) -> Result<Vec<OpenDocument>, sqlx::Error> {
    let (position, time) = split(as_of);
    sqlx::query_as(
        "select * from (
            select d.id, d.partner_id, d.number, d.kind, d.invoice_date, d.due_date,
                   (case when d.kind like '%credit_note' then -1 else 1 end)
                   * (d.total - coalesce((select sum(m.amount) from invoice_match m
                                           where m.invoice_id = d.id and m.match_date <= $2
                                             and ($3::bigint is null or m.position <= $3)
                                             and ($4::timestamptz is null or m.recorded_at <= $4)), 0))
                   as residual
              from invoice d
             where d.kind = any($1) and d.posted_position is not null and d.invoice_date <= $2
               and ($3::bigint is null or d.posted_position <= $3)
               and ($4::timestamptz is null or d.posted_at <= $4)
         ) open
         where residual <> 0
         order by partner_id, due_date, number",
    )
    .bind(kinds)
    .bind(date)
    .bind(position)
    .bind(time)
    .fetch_all(pool)
    .await
}

/// One group of a sales or purchase analysis.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnalysisRow {
    /// The partner's or product's id, or the month (`2026-11`).
    pub key: String,
    pub orders: i64,
    pub quantity: Decimal,
    pub untaxed: Decimal,
    pub total: Decimal,
    pub delivered: Decimal,
    pub invoiced: Decimal,
}

/// What an analysis groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Partner,
    Product,
    Month,
}

/// Confirmed (not cancelled) order lines of `side` dated in `dates`, grouped. `as_of` counts
/// orders confirmed (and not yet cancelled) by then; delivered and invoiced quantities are as
/// they now stand.
pub async fn order_analysis(
    pool: &PgPool,
    side: &str,
    group: GroupBy,
    dates: Dates,
    as_of: Option<AsOf>,
) -> Result<Vec<AnalysisRow>, sqlx::Error> {
    let key = match group {
        GroupBy::Partner => "o.partner_id::text",
        GroupBy::Product => "coalesce(l.product_id::text, '')",
        GroupBy::Month => "to_char(o.order_date, 'YYYY-MM')",
    };
    let (position, time) = split(as_of);
    sqlx::query_as(&format!(
        "select {key} as key, count(distinct o.id) as orders, sum(l.quantity) as quantity,
                sum(l.untaxed) as untaxed, sum(l.total) as total,
                sum(l.delivered) as delivered, sum(l.invoiced) as invoiced
           from order_line l join business_order o on o.id = l.order_id
          where o.side = $1 and o.confirmed_position is not null
            and ($2::date is null or o.order_date >= $2)
            and ($3::date is null or o.order_date <= $3)
            and ($4::bigint is null or o.confirmed_position <= $4)
            and ($5::timestamptz is null or o.confirmed_at <= $5)
            and (o.cancelled_position is null
                 or ($4::bigint is not null and o.cancelled_position > $4)
                 or ($5::timestamptz is not null and o.cancelled_at > $5))
          group by 1
          order by 1"
    ))
    .bind(side)
    .bind(dates.from)
    .bind(dates.to)
    .bind(position)
    .bind(time)
    .fetch_all(pool)
    .await
}

/// One product's stock.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StockLevel {
    pub product_id: Uuid,
    pub reference: String,
    pub name: String,
    pub uom: String,
    /// In the warehouse at the date.
    pub on_hand: Decimal,
    /// Still to come in from confirmed purchases (as things now stand).
    pub incoming: Decimal,
    /// Still to go out to confirmed sales (as things now stand).
    pub outgoing: Decimal,
    /// The product's cost at the point the report looks at.
    pub cost: Decimal,
}

impl StockLevel {
    /// What is on hand, plus what is to come in, less what is to go out.
    pub fn forecast(&self) -> Decimal {
        self.on_hand + self.incoming - self.outgoing
    }
}

/// What every product that is not a service has at `location` (`stock`: the warehouse; the
/// others: what went there less what came from there) on `date` (moves dated up to it), as
/// recorded by `as_of`. Incoming and outgoing quantities are the warehouse's.
pub async fn stock_levels(
    pool: &PgPool,
    location: &str,
    date: Option<NaiveDate>,
    as_of: Option<AsOf>,
) -> Result<Vec<StockLevel>, sqlx::Error> {
    let (position, time) = split(as_of);
    sqlx::query_as(
        "select p.id as product_id, p.reference, p.name, p.uom,
                coalesce((select sum(case when m.to_location = $4 then m.quantity else -m.quantity end)
                            from stock_move m
                           where m.product_id = p.id
                             and (m.to_location = $4 or m.from_location = $4)
                             and ($1::date is null or m.move_date <= $1)
                             and ($2::bigint is null or m.position <= $2)
                             and ($3::timestamptz is null or m.recorded_at <= $3)), 0) as on_hand,
                coalesce((select sum(l.quantity - l.delivered) from order_line l
                            join business_order o on o.id = l.order_id
                           where $4 = 'stock' and l.product_id = p.id and l.goods
                             and o.side = 'purchase' and o.state = 'confirmed'), 0) as incoming,
                coalesce((select sum(l.quantity - l.delivered) from order_line l
                            join business_order o on o.id = l.order_id
                           where $4 = 'stock' and l.product_id = p.id and l.goods
                             and o.side = 'sale' and o.state = 'confirmed'), 0) as outgoing,
                coalesce((select c.cost from product_cost c
                           where c.product_id = p.id
                             and ($2::bigint is null or c.position <= $2)
                             and ($3::timestamptz is null or c.recorded_at <= $3)
                           order by c.position desc limit 1), p.cost) as cost
           from product p
          where p.kind <> 'service'
            and exists (select 1 from product_cost c where c.product_id = p.id
                          and ($2::bigint is null or c.position <= $2)
                          and ($3::timestamptz is null or c.recorded_at <= $3))
          order by p.reference",
    )
    .bind(date)
    .bind(position)
    .bind(time)
    .bind(location)
    .fetch_all(pool)
    .await
}
