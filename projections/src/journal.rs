//! The books' read model: `journal_entry`, every entry posted, and `journal_item`, its lines,
//! each with the log position and time it was recorded at; and the reports drawn from them: the
//! trial balance, the general and partner ledgers.

use chrono::NaiveDate;
use domain::ledger::{EntryOrigin, JournalEntry};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::history::Subject;
use crate::log::{AsOf, StoredEvent};
use crate::page::{Companies, Page};
use crate::reports::{Dates, ReportBinds};

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 2] = ["journal_entry", "journal_item"];

/// What an entry was posted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Origin {
    /// Posting an invoice, a bill or a credit note.
    Invoice,
    /// A payment.
    Payment,
    /// Written by an accountant.
    Manual,
}

impl Origin {
    /// The name it is stored (and shown) by.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Invoice => "invoice",
            Origin::Payment => "payment",
            Origin::Manual => "manual",
        }
    }
}

/// Records `entry`, posted by `event`.
pub(crate) async fn post(
    tx: &mut PgConnection,
    event: &StoredEvent,
    entry: &JournalEntry,
) -> Result<(), sqlx::Error> {
    let (origin, origin_id, partner) = match &entry.origin {
        EntryOrigin::Invoice { invoice } => (Origin::Invoice, Some(*invoice), None),
        EntryOrigin::Payment { partner, .. } => (Origin::Payment, None, Some(*partner)),
        EntryOrigin::Manual => (Origin::Manual, None, None),
    };
    let partner = partner.or_else(|| entry.lines.iter().find_map(|l| l.partner));
    let (debit, _) = entry.sums();
    sqlx::query(
        "insert into journal_entry (id, journal, number, entry_date, reference, origin,
                                    origin_id, partner_id, amount, position, recorded_at, company)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(entry.id)
    .bind(entry.journal.as_str())
    .bind(&entry.number)
    .bind(entry.date)
    .bind(&entry.reference)
    .bind(origin)
    .bind(origin_id)
    .bind(partner)
    .bind(debit)
    .bind(event.position)
    .bind(event.recorded_at)
    .bind(entry.company.as_str())
    .execute(&mut *tx)
    .await?;
    let lines: Vec<i32> = (0..entry.lines.len())
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
        .collect();
    let accounts: Vec<&str> = entry.lines.iter().map(|l| l.account.as_str()).collect();
    let partners: Vec<Option<Uuid>> = entry.lines.iter().map(|l| l.partner).collect();
    let labels: Vec<&str> = entry.lines.iter().map(|l| l.label.as_str()).collect();
    let debits: Vec<Decimal> = entry.lines.iter().map(|l| l.debit).collect();
    let credits: Vec<Decimal> = entry.lines.iter().map(|l| l.credit).collect();
    sqlx::query(
        "insert into journal_item (entry_id, line_no, account, partner_id, label, debit, credit,
                                   entry_date, journal, position, recorded_at, company)
         select $1, l, a, p, lb, d, c, $7, $8, $9, $10, $12
           from unnest($2::int[], $3::text[], $4::uuid[], $5::text[], $6::numeric[], $11::numeric[])
                as t(l, a, p, lb, d, c)",
    )
    .bind(entry.id)
    .bind(&lines)
    .bind(&accounts)
    .bind(&partners)
    .bind(&labels)
    .bind(&debits)
    .bind(entry.date)
    .bind(entry.journal.as_str())
    .bind(event.position)
    .bind(event.recorded_at)
    .bind(&credits)
    .bind(entry.company.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A journal entry, without its lines.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryRow {
    pub id: Uuid,
    pub journal: String,
    pub number: String,
    pub entry_date: NaiveDate,
    pub reference: String,
    pub origin: Origin,
    /// The partner it is about (a payment's, an invoice's), if one.
    pub partner_id: Option<Uuid>,
    /// Debit (= credit) of the entry.
    pub amount: Decimal,
    /// Where in the log it was recorded.
    pub position: i64,
    /// The company whose books it is in.
    pub company: String,
}

/// A line of a journal entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub entry_id: Uuid,
    pub account: String,
    pub partner_id: Option<Uuid>,
    pub label: String,
    pub debit: Decimal,
    pub credit: Decimal,
}

const ENTRY_COLUMNS: &str =
    "id, journal, number, entry_date, reference, origin, partner_id, amount, position, company";

/// One entry of `companies`; with `as_of`, only if it was posted by then (a posted entry never
/// changes).
pub async fn get(
    pool: &PgPool,
    companies: &Companies,
    id: Uuid,
    as_of: Option<AsOf>,
) -> Result<Option<EntryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from journal_entry
          where id = $1
            and ($2::bigint is null or position <= $2)
            and ($3::timestamptz is null or recorded_at <= $3)
            and company = any($4)"
    ))
    .bind(id)
    .bind_as_of(as_of)
    .bind(companies.codes())
    .fetch_optional(pool)
    .await
}

/// The events of entry `id`'s history: its posting, and for a payment, the documents it was set
/// against.
pub async fn subject(pool: &PgPool, id: Uuid) -> Result<Subject, sqlx::Error> {
    let positions = sqlx::query_scalar(
        "select position from journal_entry where id = $1
         union select position from invoice_match where with_id = $1",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Subject {
        streams: Vec::new(),
        positions,
    })
}

/// Which entries a list keeps: every condition given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    pub journal: Option<String>,
    pub origin: Option<Origin>,
    /// Entries about this partner (a payment's, an invoice's).
    pub partner: Option<Uuid>,
    pub dates: Dates,
}

/// Where an entry stands in the list of entries: by date, then number, then id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryKey {
    pub date: NaiveDate,
    pub number: String,
    pub id: Uuid,
}

impl EntryKey {
    pub fn of(row: &EntryRow) -> Self {
        Self {
            date: row.entry_date,
            number: row.number.clone(),
            id: row.id,
        }
    }
}

/// The first `limit` entries `filter` keeps after `after` (from the first without it), by date
/// and number, and how many it keeps in all.
pub async fn entries(
    pool: &PgPool,
    companies: &Companies,
    filter: &EntryFilter,
    after: Option<EntryKey>,
    limit: usize,
) -> Result<Page<EntryRow>, sqlx::Error> {
    const KEPT: &str = "($1::text is null or journal = $1)
            and ($2::text is null or origin = $2)
            and ($3::uuid is null or partner_id = $3)
            and ($4::date is null or entry_date >= $4)
            and ($5::date is null or entry_date <= $5)
            and company = any($6)";
    let (date, number, id) = match after {
        Some(after) => (Some(after.date), Some(after.number), Some(after.id)),
        None => (None, None, None),
    };
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from journal_entry
          where {KEPT}
            and ($7::date is null or (entry_date, number, id) > ($7, $8, $9))
          order by entry_date, number, id limit $10"
    ))
    .bind(filter.journal.as_deref())
    .bind(filter.origin)
    .bind(filter.partner)
    .bind_dates(filter.dates)
    .bind(companies.codes())
    .bind(date)
    .bind(number)
    .bind(id)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("select count(*) from journal_entry where {KEPT}"))
            .bind(filter.journal.as_deref())
            .bind(filter.origin)
            .bind(filter.partner)
            .bind(filter.dates.from)
            .bind(filter.dates.to)
            .bind(companies.codes())
            .fetch_one(pool)
            .await?;
    Ok(Page::of(rows, limit, total))
}

/// The lines of the entries of `ids`, by entry and line number.
pub async fn items_of(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<ItemRow>, sqlx::Error> {
    sqlx::query_as(
        "select entry_id, account, partner_id, label, debit, credit from journal_item
          where entry_id = any($1) order by entry_id, line_no",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
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

/// Every account with items up to `dates.to` (of `accounts`, unless empty): its balance before
/// the period, and its debits and credits in it.
pub async fn trial_balance(
    pool: &PgPool,
    companies: &Companies,
    dates: Dates,
    as_of: Option<AsOf>,
    accounts: &[String],
) -> Result<Vec<AccountBalance>, sqlx::Error> {
    sqlx::query_as(
        "select account,
                coalesce(sum(debit - credit) filter (where entry_date < $1), 0) as opening,
                coalesce(sum(debit) filter (where $1::date is null or entry_date >= $1), 0) as debit,
                coalesce(sum(credit) filter (where $1::date is null or entry_date >= $1), 0) as credit
           from journal_item
          where ($2::date is null or entry_date <= $2)
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
            and (cardinality($5::text[]) = 0 or account = any($5))
            and company = any($6)
          group by account
          order by account",
    )
    .bind_dates(dates)
    .bind_as_of(as_of)
    .bind(accounts)
    .bind(companies.codes())
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
    companies: &Companies,
    accounts: &[String],
    partner: Option<Uuid>,
    dates: Dates,
    as_of: Option<AsOf>,
) -> Result<Vec<LedgerItem>, sqlx::Error> {
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
            and i.company = any($7)
          order by i.account, i.entry_date, e.number, i.line_no",
    )
    .bind(accounts)
    .bind(partner)
    .bind_dates(dates)
    .bind_as_of(as_of)
    .bind(companies.codes())
    .fetch_all(pool)
    .await
}

/// Balances before `from` of `accounts` (all when empty), per account and partner.
pub async fn opening_balances(
    pool: &PgPool,
    companies: &Companies,
    accounts: &[String],
    from: Option<NaiveDate>,
    as_of: Option<AsOf>,
) -> Result<Vec<(String, Option<Uuid>, Decimal)>, sqlx::Error> {
    let Some(from) = from else {
        return Ok(vec![]);
    };
    sqlx::query_as(
        "select account, partner_id, sum(debit - credit)
           from journal_item
          where (cardinality($1::text[]) = 0 or account = any($1))
            and entry_date < $2
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
            and company = any($5)
          group by account, partner_id",
    )
    .bind(accounts)
    .bind(from)
    .bind_as_of(as_of)
    .bind(companies.codes())
    .fetch_all(pool)
    .await
}
