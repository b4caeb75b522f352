//! The books' read model: `journal_entry`, every entry posted, and `journal_item`, its lines,
//! each with the log position and time it was recorded at; `account_day`, each account's
//! debits and credits kept per day (posted entries never change, so a day's sums only grow),
//! and `partner_day`, the same per partner, each also per month (`account_month`,
//! `partner_month`: a balance reads the months before and the days of its own month);
//! and the reports drawn from them: the trial balance (from the kept sums, so it costs as much
//! at any size of the books), the general and partner ledgers.
//! (Over 600 lines: the books' read model and every report read from it, the trial balance,
//! the ledgers, their pages and their export, share its tables and the kept sums' rules.)

use chrono::NaiveDate;
use domain::ledger::{EntryOrigin, JournalEntry};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::history::Subject;
use crate::log::{AsOf, StoredEvent};
use crate::page::{push_some, sort, Companies, Filter, KeyType, List, Page, Sort};
use crate::reports::{kept_sums_before, Dates, ReportBinds};

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 6] = [
    "journal_entry",
    "journal_item",
    "account_day",
    "account_month",
    "partner_day",
    "partner_month",
];

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
    // the sums of the entry's day and of its month, per account and per partner.
    let (day, month) = ("$2::date", "date_trunc('month', $2::date)::date");
    for (table, by_partner, column, key) in [
        ("account_day", false, "day", day),
        ("account_month", false, "month", month),
        ("partner_day", true, "day", day),
        ("partner_month", true, "month", month),
    ] {
        let (partner, p, only, group) = match by_partner {
            true => ("partner_id, ", "p, ", "where p is not null", "a, p"),
            false => ("", "", "", "a"),
        };
        sqlx::query(&format!(
            "insert into {table} (company, account, {partner}{column}, debit, credit, items)
             select $1, a, {p}{key}, sum(d), sum(c), count(*)
               from unnest($3::text[], $4::uuid[], $5::numeric[], $6::numeric[])
                    as t(a, p, d, c)
              {only}
              group by {group}
             on conflict (company, account, {partner}{column}) do update
                set debit = {table}.debit + excluded.debit,
                    credit = {table}.credit + excluded.credit,
                    items = {table}.items + excluded.items"
        ))
        .bind(entry.company.as_str())
        .bind(entry.date)
        .bind(&accounts)
        .bind(&partners)
        .bind(&debits)
        .bind(&credits)
        .execute(&mut *tx)
        .await?;
    }
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
pub async fn subject(
    pool: &PgPool,
    companies: &Companies,
    id: Uuid,
) -> Result<Subject, sqlx::Error> {
    // the matches of the documents the reader may see (record rules may hide some).
    let positions = sqlx::query_scalar(&format!(
        "select position from journal_entry where id = $1
         union select m.position from invoice_match m join invoice i on i.id = m.invoice_id
                where m.with_id = $1 and i.company = any($2) {rules}",
        rules = companies.invoice_rules("i.")
    ))
    .bind(id)
    .bind(companies.codes())
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

impl Filter for EntryFilter {
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        push_some(sql, "journal =", self.journal.clone());
        push_some(sql, "origin =", self.origin);
        push_some(sql, "partner_id =", self.partner);
        self.dates.push(sql, "entry_date");
    }
}

/// Entries by date and number unless sorted otherwise, a page at a time.
pub const LIST: List<EntryRow, EntryFilter> =
    List::new("journal_entry", ENTRY_COLUMNS, ENTRY_SORTS, false).of_companies("company");

/// The ways entries may be sorted. By date, entries of one day go by number (the date as ISO
/// text, then the number, byte by byte).
const ENTRY_SORTS: &[Sort] = &[
    sort(
        "DATE",
        "(entry_date::text || ' ' || number) collate \"C\"",
        KeyType::Text,
    ),
    sort("NUMBER", "number collate \"C\"", KeyType::Text),
    sort("JOURNAL", "journal", KeyType::Text),
    sort("ORIGIN", "origin", KeyType::Text),
    sort("REFERENCE", "lower(reference)", KeyType::Text),
    sort("AMOUNT", "amount", KeyType::Numeric),
];

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

/// One account's line of the trial balance, in one company's books.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountBalance {
    pub account: String,
    pub company: String,
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

/// Every account with items up to `dates.to` (of `accounts`, unless empty), in each company's
/// books: its balance before the period, and its debits and credits in it, by account then
/// company. Read from the sums kept per day; with `as_of`, less the items recorded after that
/// point (they were not in the books then).
pub async fn trial_balance(
    pool: &PgPool,
    companies: &Companies,
    dates: Dates,
    as_of: Option<AsOf>,
    accounts: &[String],
) -> Result<Vec<AccountBalance>, sqlx::Error> {
    // the sums up to `to`, and those before `from` (before `to`'s next day if that is sooner):
    // the opening, and what is left the period.
    let filter = "(cardinality($3::text[]) = 0 or account = any($3)) and company = any($4)";
    let columns = "account, company, debit, credit, items";
    let sql = format!(
        "select account, company,
                coalesce(sum(debit - credit) filter (where opening), 0) as opening,
                coalesce(sum(debit) filter (where not opening), 0)
                  - coalesce(sum(debit) filter (where opening), 0) as debit,
                coalesce(sum(credit) filter (where not opening), 0)
                  - coalesce(sum(credit) filter (where opening), 0) as credit,
                coalesce(sum(items) filter (where not opening), 0)::bigint as items
           from (select false as opening, {columns} from {} up_to
                 union all
                 select true, {columns} from {} before_from where $1::date is not null) kept
          group by account, company
          order by account, company",
        kept_sums_before("account", columns, filter, "($2::date + 1)"),
        kept_sums_before("account", columns, filter, "least($1::date, $2::date + 1)"),
    );
    let kept = sqlx::query_as::<_, KeptRow>(&sql)
        .bind_dates(dates)
        .bind(accounts)
        .bind(companies.codes());
    let Some(as_of) = as_of else {
        // now: one query, no transaction.
        let kept = kept.fetch_all(pool).await?;
        return Ok(kept.into_iter().map(|row| row.balance).collect());
    };
    // the kept sums and the items taken away from them read in one snapshot: an entry
    // committed between the two is in both or in neither.
    let mut tx = snapshot(pool).await?;
    let kept = kept.fetch_all(&mut *tx).await?;
    let later: Vec<KeptRow> = sqlx::query_as(
        "select account, company,
                coalesce(sum(debit - credit) filter (where entry_date < $1), 0) as opening,
                coalesce(sum(debit) filter (where $1::date is null or entry_date >= $1), 0) as debit,
                coalesce(sum(credit) filter (where $1::date is null or entry_date >= $1), 0) as credit,
                count(*) as items
           from journal_item
          where (position > $3 or recorded_at > $4)
            and ($2::date is null or entry_date <= $2)
            and (cardinality($5::text[]) = 0 or account = any($5))
            and company = any($6)
          group by account, company",
    )
    .bind_dates(dates)
    .bind_as_of(Some(as_of))
    .bind(accounts)
    .bind(companies.codes())
    .fetch_all(&mut *tx)
    .await?;
    let later: std::collections::HashMap<(String, String), KeptRow> = later
        .into_iter()
        .map(|row| {
            (
                (row.balance.account.clone(), row.balance.company.clone()),
                row,
            )
        })
        .collect();
    Ok(kept
        .into_iter()
        .filter_map(|KeptRow { mut balance, items }| {
            let key = (balance.account.clone(), balance.company.clone());
            let Some(after) = later.get(&key) else {
                return Some(balance);
            };
            balance.opening -= after.balance.opening;
            balance.debit -= after.balance.debit;
            balance.credit -= after.balance.credit;
            // none of its items were in the books then: it was not in the trial balance.
            (items > after.items).then_some(balance)
        })
        .collect())
}

/// A read-only transaction whose reads all see one snapshot of the database.
async fn snapshot(pool: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// A row of sums: an account's balance, and how many items make it.
#[derive(sqlx::FromRow)]
struct KeptRow {
    #[sqlx(flatten)]
    balance: AccountBalance,
    items: i64,
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
    /// The company whose books hold it.
    pub company: String,
}

/// The items of `accounts` (all accounts when empty) in `dates`, by account, date and entry;
/// optionally only those of `partner`; the first `limit` of them.
pub async fn ledger_items(
    pool: &PgPool,
    companies: &Companies,
    accounts: &[String],
    partner: Option<Uuid>,
    dates: Dates,
    as_of: Option<AsOf>,
    limit: usize,
) -> Result<Vec<LedgerItem>, sqlx::Error> {
    sqlx::query_as(
        "select i.entry_id, e.number, i.journal, i.entry_date, i.account, i.partner_id, i.label,
                i.debit, i.credit, i.position, i.company
           from journal_item i join journal_entry e on e.id = i.entry_id
          where (cardinality($1::text[]) = 0 or i.account = any($1))
            and ($2::uuid is null or i.partner_id = $2)
            and ($3::date is null or i.entry_date >= $3)
            and ($4::date is null or i.entry_date <= $4)
            and ($5::bigint is null or i.position <= $5)
            and ($6::timestamptz is null or i.recorded_at <= $6)
            and i.company = any($7)
          order by i.account, i.entry_date, e.number, i.entry_id, i.line_no
          limit $8",
    )
    .bind(accounts)
    .bind(partner)
    .bind_dates(dates)
    .bind_as_of(as_of)
    .bind(companies.codes())
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
}

/// Whether an entry of any company has id `id` (the entry's claim guards the entries posted
/// since claims covered documents' postings; this, those posted before).
/// Whether account `account` has an item in the books (of any company).
pub async fn account_has_items(
    conn: &mut sqlx::PgConnection,
    account: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from journal_item where account = $1)")
        .bind(account)
        .fetch_one(&mut *conn)
        .await
}

pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from journal_entry where id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Where a journal item stands in an account's ledger: by date, entry number, entry, line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LedgerKey {
    pub date: NaiveDate,
    pub number: String,
    pub entry: Uuid,
    pub line: i32,
}

/// A journal item of a ledger page, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PagedItem {
    #[sqlx(flatten)]
    pub item: LedgerItem,
    pub line_no: i32,
}

impl PagedItem {
    pub fn key(&self) -> LedgerKey {
        LedgerKey {
            date: self.item.entry_date,
            number: self.item.number.clone(),
            entry: self.item.entry_id,
            line: self.line_no,
        }
    }
}

/// A page of one account's ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerPage {
    /// The account's balance before the page's first item (at the point asked for).
    pub opening: Decimal,
    pub items: Page<PagedItem>,
}

/// The items of `account` in `dates` (as of `as_of`) after `after`, at most `limit`, in ledger
/// order (date, entry number, entry, line), with the account's balance before the first of
/// them and how many there are in all. The balance and the count come from the sums kept per
/// day (less what was recorded after `as_of`) and the items of one day at most: a page costs
/// the same wherever it is in the books.
pub async fn ledger_page(
    pool: &PgPool,
    companies: &Companies,
    account: &str,
    dates: Dates,
    as_of: Option<AsOf>,
    after: Option<LedgerKey>,
    limit: usize,
) -> Result<LedgerPage, sqlx::Error> {
    let (position, time) = crate::reports::split(as_of);
    // the page, its opening balance and the count read in one snapshot.
    let mut tx = snapshot(pool).await?;
    let items: Vec<PagedItem> = sqlx::query_as(
        "select i.entry_id, e.number, i.journal, i.entry_date, i.account, i.partner_id, i.label,
                i.debit, i.credit, i.position, i.company, i.line_no
           from journal_item i join journal_entry e on e.id = i.entry_id
          where i.account = $1 and i.company = any($2)
            and ($3::date is null or i.entry_date >= $3)
            and ($4::date is null or i.entry_date <= $4)
            and ($5::bigint is null or i.position <= $5)
            and ($6::timestamptz is null or i.recorded_at <= $6)
            and ($7::date is null
                 or (i.entry_date, e.number, i.entry_id, i.line_no) > ($7, $8, $9, $10))
          order by i.entry_date, e.number, i.entry_id, i.line_no
          limit $11",
    )
    .bind(account)
    .bind(companies.codes())
    .bind(dates.from)
    .bind(dates.to)
    .bind(position)
    .bind(time)
    .bind(after.as_ref().map(|a| a.date))
    .bind(after.as_ref().map(|a| a.number.clone()))
    .bind(after.as_ref().map(|a| a.entry))
    .bind(after.as_ref().map(|a| a.line))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .fetch_all(&mut *tx)
    .await?;
    // what the kept sums say before three days, read at once: the page's (from `from`'s day,
    // or the cursor's), the day after `to` and `from` (how many items the dates hold: the kept
    // counts up to `to` less those before `from`).
    let day = after.as_ref().map(|a| a.date).or(dates.from);
    let days = [
        day.unwrap_or(BEFORE_THE_BOOKS),
        dates
            .to
            .map_or(NaiveDate::MAX, |to| to.succ_opt().unwrap_or(to)),
        dates.from.unwrap_or(BEFORE_THE_BOOKS),
    ];
    let kept = kept_before(&mut tx, companies, account, &days, as_of).await?;
    let [(mut opening, _), (_, up_to_to), (_, before_from)] = kept.as_slice() else {
        return Err(sqlx::Error::Protocol(
            "three days asked, not three sums".into(),
        ));
    };
    // and the cursor's own day item by item up to it.
    if let Some(after) = &after {
        let (today,): (Option<Decimal>,) = sqlx::query_as(
            "select sum(i.debit - i.credit)
               from journal_item i join journal_entry e on e.id = i.entry_id
              where i.account = $1 and i.company = any($2) and i.entry_date = $3
                and (e.number, i.entry_id, i.line_no) <= ($4, $5, $6)
                and ($7::bigint is null or i.position <= $7)
                and ($8::timestamptz is null or i.recorded_at <= $8)",
        )
        .bind(account)
        .bind(companies.codes())
        .bind(after.date)
        .bind(&after.number)
        .bind(after.entry)
        .bind(after.line)
        .bind(position)
        .bind(time)
        .fetch_one(&mut *tx)
        .await?;
        opening += today.unwrap_or_default();
    }
    let total = up_to_to - before_from;
    Ok(LedgerPage {
        opening,
        items: Page::of(items, limit, total),
    })
}

/// A day before any entry (and one PostgreSQL's dates hold, unlike `NaiveDate::MIN`).
const BEFORE_THE_BOOKS: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// The balance of `account` and how many items it has, of the days before each of `days`, as
/// of `as_of`: the sums kept per day, less the items recorded after that point. In the order
/// of `days`, two queries whatever their number.
async fn kept_before(
    tx: &mut PgConnection,
    companies: &Companies,
    account: &str,
    days: &[NaiveDate],
    as_of: Option<AsOf>,
) -> Result<Vec<(Decimal, i64)>, sqlx::Error> {
    let kept: Vec<(Option<Decimal>, Option<i64>)> = sqlx::query_as(&format!(
        "select sum(k.debit - k.credit), sum(k.items)::bigint
           from unnest($3::date[]) with ordinality as d(day, n)
           left join lateral {} k on true
          group by d.n order by d.n",
        kept_sums_before(
            "account",
            "debit, credit, items",
            "account = $1 and company = any($2)",
            "d.day"
        )
    ))
    .bind(account)
    .bind(companies.codes())
    .bind(days)
    .fetch_all(&mut *tx)
    .await?;
    let mut kept: Vec<(Decimal, i64)> = kept
        .into_iter()
        .map(|(balance, items)| (balance.unwrap_or_default(), items.unwrap_or_default()))
        .collect();
    if as_of.is_some() {
        let later: Vec<(Option<Decimal>, i64)> = sqlx::query_as(
            "select sum(i.debit - i.credit), count(i.account)
               from unnest($3::date[]) with ordinality as d(day, n)
               left join journal_item i
                 on i.account = $1 and i.company = any($2) and i.entry_date < d.day
                and (i.position > $4 or i.recorded_at > $5)
              group by d.n order by d.n",
        )
        .bind(account)
        .bind(companies.codes())
        .bind(days)
        .bind_as_of(as_of)
        .fetch_all(&mut *tx)
        .await?;
        for ((balance, items), (later_balance, later_items)) in kept.iter_mut().zip(later) {
            *balance -= later_balance.unwrap_or_default();
            *items -= later_items;
        }
    }
    Ok(kept)
}

/// The items of `accounts` (all accounts when empty) in `dates`, as of `as_of` (only those
/// with `partner` if given: a partner's ledger), in the general ledger's order (account, date, entry number, entry, line), as they come from PostgreSQL: a
/// ledger of any length read in constant memory.
pub fn ledger_stream<'a>(
    pool: &'a PgPool,
    companies: &Companies,
    accounts: &[String],
    partner: Option<Uuid>,
    dates: Dates,
    as_of: Option<AsOf>,
) -> futures::stream::BoxStream<'a, Result<LedgerItem, sqlx::Error>> {
    sqlx::query_as(
        "select i.entry_id, e.number, i.journal, i.entry_date, i.account, i.partner_id, i.label,
                i.debit, i.credit, i.position, i.company
           from journal_item i join journal_entry e on e.id = i.entry_id
          where (cardinality($1::text[]) = 0 or i.account = any($1))
            and ($2::date is null or i.entry_date >= $2)
            and ($3::date is null or i.entry_date <= $3)
            and ($4::bigint is null or i.position <= $4)
            and ($5::timestamptz is null or i.recorded_at <= $5)
            and i.company = any($6)
            and ($7::uuid is null or i.partner_id = $7)
          order by i.account collate \"C\", i.entry_date, e.number, i.entry_id, i.line_no",
    )
    .bind(accounts.to_vec())
    .bind_dates(dates)
    .bind_as_of(as_of)
    .bind(companies.codes().to_vec())
    .bind(partner)
    .fetch(pool)
}

/// An account's balance with a partner (or none) in one company's books, before a day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpeningBalance {
    pub account: String,
    pub partner_id: Option<Uuid>,
    pub company: String,
    pub balance: Decimal,
}

/// Whose balances before a day a ledger opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openings {
    /// Each account's (`partner_id` none).
    ByAccount,
    /// Each partner's on each account (items without a partner left out), of one partner or
    /// every one.
    ByPartner(Option<Uuid>),
}

/// Balances before `from` of `accounts` (all when empty), per account (and partner, as `by`
/// says) and company: read from the sums kept per day, less what was recorded after `as_of`
/// (it was not in the books then). An account (or partner) none of whose items before `from`
/// were in the books is left out.
pub async fn opening_balances(
    pool: &PgPool,
    companies: &Companies,
    accounts: &[String],
    from: Option<NaiveDate>,
    as_of: Option<AsOf>,
    by: Openings,
) -> Result<Vec<OpeningBalance>, sqlx::Error> {
    let Some(from) = from else {
        return Ok(vec![]);
    };
    // one statement: the kept sums and the items taken away from them read in one snapshot.
    let accounts_of = "(cardinality($2::text[]) = 0 or account = any($2)) and company = any($3)";
    let sql = match by {
        Openings::ByAccount => format!(
            "select account, null::uuid as partner_id, company, sum(balance) as balance
               from (select account, company, debit - credit as balance, items
                       from {} sums
                     union all
                     select account, company, credit - debit, -1
                       from journal_item
                      where (position > $4 or recorded_at > $5)
                        and entry_date < $1
                        and (cardinality($2::text[]) = 0 or account = any($2))
                        and company = any($3)) kept
              group by account, company
             having sum(items) > 0",
            kept_sums_before(
                "account",
                "account, company, debit, credit, items",
                accounts_of,
                "$1::date"
            )
        ),
        Openings::ByPartner(_) => format!(
            "select account, partner_id, company, sum(balance) as balance
               from (select account, partner_id, company, debit - credit as balance, items
                       from {} sums
                     union all
                     select account, partner_id, company, credit - debit, -1
                       from journal_item
                      where (position > $4 or recorded_at > $5)
                        and entry_date < $1
                        and (cardinality($2::text[]) = 0 or account = any($2))
                        and company = any($3)
                        and partner_id is not null
                        and ($6::uuid is null or partner_id = $6)) kept
              group by account, partner_id, company
             having sum(items) > 0",
            kept_sums_before(
                "partner",
                "account, partner_id, company, debit, credit, items",
                &format!("{accounts_of} and ($6::uuid is null or partner_id = $6)"),
                "$1::date"
            )
        ),
    };
    let query = sqlx::query_as(&sql)
        .bind(from)
        .bind(accounts)
        .bind(companies.codes())
        .bind_as_of(as_of);
    match by {
        Openings::ByPartner(partner) => query.bind(partner).fetch_all(pool).await,
        Openings::ByAccount => query.fetch_all(pool).await,
    }
}
