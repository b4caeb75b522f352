//! Over 600 lines: one read model of five tables (documents, lines, matches, and the open
//! amounts kept per partner by due date and in total), each event's writes and the typed reads
//! beside them.
//!
//! The invoice read model: `invoice`, one row per customer invoice, vendor bill or credit note
//! for the form, the lists and the aged balances; `invoice_line`, its lines; `invoice_match`, the
//! payments and credit notes set against it, with the log position and time each was recorded at.
//!
//! Each event changes the rows directly. Lines come in the events; totals are the domain's
//! (`Totals::of_lines`, rounded to the decimals the document was drafted with); what is still
//! open is the total less what the matches add up to, rounded as the domain rounds it.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use domain::invoice::{
    Invoice, InvoiceDraft, InvoiceEvent, InvoiceKind, InvoiceLine, InvoiceState,
};
use domain::money::{round, Totals};
use domain::order::Side;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::lines::{line_row, LineTable};
use crate::log::{AsOf, StoredEvent};
use crate::page::{push_some, sort, Companies, Filter, KeyType, List, Sort};
use crate::past::{one_by_one, replayed};
use crate::reports::{Dates, ReportBinds};
use crate::runner::ProjectionError;
use crate::stored::{Named, Stored};

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 5] = [
    "invoice",
    "invoice_line",
    "invoice_match",
    "open_due",
    "open_total",
];

/// Applies one event of invoice `id`.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    id: Uuid,
    payload: InvoiceEvent,
    event: &StoredEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::InvoiceDrafted { draft } => drafted(tx, id, event, &draft).await,
        InvoiceEvent::InvoiceLinesReplaced { lines } => {
            let Some(head) = Head::of(tx, id).await? else {
                return Ok(());
            };
            let decimals = head.decimals()?;
            let totals = Totals::of_lines(&lines, decimals);
            sqlx::query(
                "update invoice set untaxed = $2, tax = $3, total = $4, residual = $5, version = $6,
                                    updated_at = $7
                  where id = $1",
            )
            .bind(id)
            .bind(totals.untaxed)
            .bind(totals.tax)
            .bind(totals.total)
            .bind(residual(head.state.0, totals.total, head.matched, decimals))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            write_lines(tx, id, &lines, decimals).await
        }
        InvoiceEvent::InvoicePosted { number, .. } => {
            let Some(head) = Head::of(tx, id).await? else {
                return Ok(());
            };
            let state = InvoiceState::Posted;
            sqlx::query(
                "update invoice set number = $2, state = $3, residual = $4, version = $5,
                                    updated_at = $6, posted_position = $7, posted_at = $6
                  where id = $1",
            )
            .bind(id)
            .bind(&number)
            .bind(Stored(state))
            .bind(residual(state, head.total, head.matched, head.decimals()?))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .bind(event.position)
            .execute(&mut *tx)
            .await?;
            keep_open(tx, id, head.total).await
        }
        InvoiceEvent::InvoiceMatched { with, amount, date } => {
            sqlx::query(
                "insert into invoice_match (invoice_id, with_id, amount, match_date, position,
                                            recorded_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(with)
            .bind(amount)
            .bind(date)
            .bind(event.position)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            let Some(head) = Head::of(tx, id).await? else {
                return Ok(());
            };
            sqlx::query(
                "update invoice set residual = $2, version = $3, updated_at = $4 where id = $1",
            )
            .bind(id)
            .bind(residual(
                head.state.0,
                head.total,
                head.matched,
                head.decimals()?,
            ))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            keep_open(tx, id, -amount).await
        }
        InvoiceEvent::InvoiceCredited { .. } => {
            sqlx::query("update invoice set version = $2, updated_at = $3 where id = $1")
                .bind(id)
                .bind(event.sequence)
                .bind(event.recorded_at)
                .execute(&mut *tx)
                .await?;
            Ok(())
        }
        InvoiceEvent::InvoiceCancelled {} => {
            let state = InvoiceState::Cancelled;
            sqlx::query(
                "update invoice set state = $2, residual = $3, version = $4, updated_at = $5
                  where id = $1",
            )
            .bind(id)
            .bind(Stored(state))
            .bind(residual(state, Decimal::ZERO, Decimal::ZERO, 0))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            Ok(())
        }
    }
}

/// Adds `amount` (a credit note's negated) to what posted document `id`'s partner owes by its
/// due date, in `open_due`, and in all, in `open_total`; a key nothing is open under any more
/// is removed. Nothing for a document not posted.
async fn keep_open(
    tx: &mut PgConnection,
    id: Uuid,
    amount: Decimal,
) -> Result<(), ProjectionError> {
    for (table, key) in [
        ("open_due", "company, kind, partner_id, due_date"),
        ("open_total", "company, kind, partner_id"),
    ] {
        let of = |alias: &str| format!("{alias}.{}", key.replace(", ", &format!(", {alias}.")));
        sqlx::query(&format!(
            "insert into {table} ({key}, amount)
             select {key}, (case when kind like '%credit_note' then -1 else 1 end) * $2
               from invoice where id = $1 and posted_position is not null
             on conflict ({key}) do update set amount = {table}.amount + excluded.amount"
        ))
        .bind(id)
        .bind(amount)
        .execute(&mut *tx)
        .await?;
        // (one statement cannot change a row and then remove it)
        sqlx::query(&format!(
            "delete from {table} o using invoice d
              where d.id = $1 and o.amount = 0 and ({}) = ({})",
            of("o"),
            of("d")
        ))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// What a document still owes (or, for a credit note, still credits): a draft its total, a
/// posted document its total less what was matched, a cancelled one nothing.
fn residual(state: InvoiceState, total: Decimal, matched: Decimal, decimals: u32) -> Decimal {
    match state {
        InvoiceState::Draft => total,
        InvoiceState::Posted => round(total - matched, decimals),
        InvoiceState::Cancelled => Decimal::ZERO,
    }
}

/// What the next event of a document needs of its row.
#[derive(Debug, sqlx::FromRow)]
struct Head {
    state: Stored<InvoiceState>,
    total: Decimal,
    decimals: i32,
    /// What the matches recorded so far add up to.
    matched: Decimal,
}

impl Head {
    async fn of(tx: &mut PgConnection, id: Uuid) -> Result<Option<Head>, sqlx::Error> {
        sqlx::query_as(
            "select state, total, decimals,
                    (select coalesce(sum(amount), 0) from invoice_match where invoice_id = $1)
                      as matched
               from invoice where id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
    }

    fn decimals(&self) -> Result<u32, sqlx::Error> {
        u32::try_from(self.decimals).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }
}

async fn drafted(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    draft: &InvoiceDraft,
) -> Result<(), ProjectionError> {
    let totals = Totals::of_lines(&draft.lines, draft.decimals);
    let state = InvoiceState::Draft;
    sqlx::query(
        "insert into invoice (id, kind, partner_id, number, invoice_date, due_date, state, untaxed,
                              tax, total, residual, order_id, reverses, reference, version,
                              created_at, updated_at, decimals, company, salesperson)
         values ($1, $2, $3, null, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16,
                 $17, $18)
         on conflict (id) do update
            set kind = excluded.kind, partner_id = excluded.partner_id, number = null,
                invoice_date = excluded.invoice_date, due_date = excluded.due_date,
                state = excluded.state, untaxed = excluded.untaxed, tax = excluded.tax,
                total = excluded.total, residual = excluded.residual,
                order_id = excluded.order_id, reverses = excluded.reverses,
                reference = excluded.reference, version = excluded.version,
                updated_at = excluded.updated_at, decimals = excluded.decimals,
                company = excluded.company, salesperson = excluded.salesperson",
    )
    .bind(id)
    .bind(Stored(draft.kind))
    .bind(draft.partner)
    .bind(draft.date)
    .bind(draft.due_date)
    .bind(Stored(state))
    .bind(totals.untaxed)
    .bind(totals.tax)
    .bind(totals.total)
    .bind(residual(state, totals.total, Decimal::ZERO, draft.decimals))
    .bind(draft.order)
    .bind(draft.reverses)
    .bind(&draft.reference)
    .bind(event.sequence)
    .bind(event.recorded_at)
    .bind(i32::try_from(draft.decimals).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
    .bind(draft.company.as_str())
    .bind(crate::order::creator(event))
    .execute(&mut *tx)
    .await?;
    write_lines(tx, id, &draft.lines, draft.decimals).await
}

/// The documents' lines.
const LINES: LineTable = LineTable {
    table: "invoice_line",
    document: "invoice_id",
    own: "account",
};

/// Writes a document's lines anew.
async fn write_lines(
    tx: &mut PgConnection,
    id: Uuid,
    lines: &[InvoiceLine],
    decimals: u32,
) -> Result<(), ProjectionError> {
    LINES
        .write(tx, id, lines, decimals, |row, l| {
            row.push_bind(l.account.as_str());
        })
        .await?;
    Ok(())
}

/// A document as its form and the list show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub kind: Stored<InvoiceKind>,
    pub partner_id: Uuid,
    pub number: Option<String>,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub state: Stored<InvoiceState>,
    pub untaxed: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub residual: Decimal,
    pub order_id: Option<Uuid>,
    pub reverses: Option<Uuid>,
    pub reference: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The company the document belongs to.
    pub company: String,
    /// Who drafted it (by hand, or by invoicing an order): whose "own documents" it is.
    pub salesperson: Option<String>,
}

const COLUMNS: &str = "id, kind, partner_id, number, invoice_date, due_date, state, untaxed, tax, \
     total, residual, order_id, reverses, reference, version, created_at, updated_at, company, \
     salesperson";

line_row! {
    /// A line of a document.
    InvoiceLineRow {
        invoice_id;
        /// The income or expense account it posts to.
        account: String,
    }
}

/// Part of a payment (the payment's entry id) or credit note set against a document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MatchRow {
    pub invoice_id: Uuid,
    pub with_id: Uuid,
    pub amount: Decimal,
    pub match_date: NaiveDate,
}

/// One document.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<InvoiceRow>, sqlx::Error> {
    Ok(LIST.get_many(db, &[id]).await?.pop())
}

/// One document, if it belongs to one of `companies`.
pub async fn get_seen<'e>(
    db: impl PgExecutor<'e>,
    companies: &Companies,
    id: Uuid,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    Ok(LIST.get_seen(db, companies, &[id]).await?.pop())
}

/// Of `ids`, the documents of `companies` (and the record rules they carry).
pub async fn seen_ids(
    pool: &PgPool,
    companies: &Companies,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    Ok(LIST
        .get_seen(pool, companies, ids)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect())
}

/// The documents of `ids` that exist, in no particular order.
pub async fn get_many(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    LIST.get_many(pool, ids).await
}

/// A document as it stood at a point of the log, with its lines and matches as they stood then.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceThen {
    pub invoice: InvoiceRow,
    pub lines: Vec<InvoiceLineRow>,
    pub matches: Vec<MatchRow>,
}

/// Document `id` as it stood at `as_of` (see [`crate::past`]); `None` if it did not exist yet.
pub async fn as_of(
    pool: &PgPool,
    id: Uuid,
    as_of: AsOf,
) -> Result<Option<InvoiceThen>, sqlx::Error> {
    let record = (Invoice::TYPE, id);
    let apply_alone = async |tx: &mut PgConnection, events: &[StoredEvent]| {
        one_by_one(tx, id, events, apply).await
    };
    replayed(pool, &TABLES, record, as_of, apply_alone, async |c| {
        let Some(invoice) = get(&mut *c, id).await? else {
            return Ok(None);
        };
        let lines = LINES.read(&mut *c, &[id]).await?;
        let matches = matches_of(&mut *c, &[id]).await?;
        Ok(Some(InvoiceThen {
            invoice,
            lines,
            matches,
        }))
    })
    .await
}

/// The documents made from the orders of `ids`, by order, then oldest first.
pub async fn of_orders(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from invoice where order_id = any($1) order by order_id, created_at, id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// The lines of the documents of `ids`, by document and line number.
pub async fn lines_of(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<InvoiceLineRow>, sqlx::Error> {
    LINES.read(pool, ids).await
}

/// What the payments (or credit notes) of `ids` were set against, by payment and position.
pub async fn matches_with<'e>(
    db: impl PgExecutor<'e>,
    ids: &[Uuid],
) -> Result<Vec<MatchRow>, sqlx::Error> {
    matches(db, "with_id", ids).await
}

/// What was set against the documents of `ids`, by document, oldest first.
pub async fn matches_of<'e>(
    db: impl PgExecutor<'e>,
    ids: &[Uuid],
) -> Result<Vec<MatchRow>, sqlx::Error> {
    matches(db, "invoice_id", ids).await
}

/// The matches whose `by` (`invoice_id` or `with_id`) is one of `ids`, by it and position.
async fn matches<'e>(
    db: impl PgExecutor<'e>,
    by: &'static str,
    ids: &[Uuid],
) -> Result<Vec<MatchRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select invoice_id, with_id, amount, match_date from invoice_match
          where {by} = any($1) order by {by}, position"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Which documents a list shows. Fields left out do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// Customer documents, or vendor ones.
    pub side: Option<Side>,
    pub kind: Option<InvoiceKind>,
    pub partner: Option<Uuid>,
    pub state: Option<InvoiceState>,
    /// `Some(true)`: only posted documents with something left to pay; `Some(false)`: the others.
    pub open: Option<bool>,
    /// Document dates.
    pub dates: Dates,
}

impl Filter for InvoiceFilter {
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        if let Some(side) = self.side {
            let [document, credit_note] = InvoiceKind::of_side(side);
            sql.push(" and kind in (")
                .push_bind(Stored(document))
                .push(", ")
                .push_bind(Stored(credit_note))
                .push(")");
        }
        push_some(sql, "kind =", self.kind.map(Stored));
        push_some(sql, "partner_id =", self.partner);
        push_some(sql, "state =", self.state.map(Stored));
        if let Some(open) = self.open {
            sql.push(" and (state = ")
                .push_bind(Stored(InvoiceState::Posted))
                .push(" and residual <> 0) = ")
                .push_bind(open);
        }
        self.dates.push(sql, "invoice_date");
    }
}

/// Documents, newest first unless sorted otherwise, a page at a time.
pub const LIST: List<InvoiceRow, InvoiceFilter> =
    List::new("invoice", COLUMNS, INVOICE_SORTS, true)
        .of_companies("company")
        .ruled_invoices();

/// The ways documents may be sorted (a draft has no number yet: drafts come first).
const INVOICE_SORTS: &[Sort] = &[
    sort("DATE", "invoice_date", KeyType::Date),
    sort("NUMBER", "coalesce(number, '')", KeyType::Text),
    sort("KIND", "kind", KeyType::Text),
    sort("DUE_DATE", "due_date", KeyType::Date),
    sort("TOTAL", "total", KeyType::Numeric),
    sort("RESIDUAL", "residual", KeyType::Numeric),
    sort("STATE", "state", KeyType::Text),
];

/// What a partner's posted documents of one kind due on one day still owed at the aging date,
/// signed (credit notes negative).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenAmount {
    /// The company whose books hold them.
    pub company: String,
    pub partner_id: Uuid,
    pub due_date: NaiveDate,
    pub amount: Decimal,
}

/// What posted documents of `kinds` dated up to `date` still owed on `date` (matches dated after
/// it do not count), as recorded by `as_of`, by company, kind, partner and due date; what fell
/// due before `due_from` in one amount per company, kind and partner, dated the day before it.
/// None that owe nothing. Read from the amounts kept open now (`open_total` in all, `open_due`
/// by due date from `due_from` on), with what was not in the books at that point put back: a
/// recent point costs little, an old one the documents and matches recorded since.
pub async fn open_amounts(
    pool: &PgPool,
    companies: &Companies,
    kinds: &[InvoiceKind],
    (date, due_from): (NaiveDate, NaiveDate),
    as_of: Option<AsOf>,
) -> Result<Vec<OpenAmount>, sqlx::Error> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    // a document not in the books at the point: dated after it, or posted after `as_of`.
    let later = "(d.invoice_date > $2 or coalesce(d.posted_position > $3, false)
                  or coalesce(d.posted_at > $4, false))";
    let sign = "(case when d.kind like '%credit_note' then -1 else 1 end)";
    let before = due_from.pred_opt().unwrap_or(due_from);
    sqlx::query_as(&format!(
        "select company, partner_id, greatest(due_date, $7) as due_date, sum(amount) as amount
          from (
            -- what each partner owes now in all, as if due the day before $6...
            select company, kind, partner_id, $7 as due_date, amount from open_total
             where kind = any($1) and company = any($5)
            union all
            -- ...but what falls due from $6 on by its due date;
            select o.company, o.kind, o.partner_id, k.due_date, k.amount
              from open_due o
             cross join lateral (values (o.due_date, o.amount), ($7, -o.amount))
                   as k (due_date, amount)
             where o.kind = any($1) and o.company = any($5) and o.due_date >= $6
            union all
            -- documents not in the books then: their totals taken away...
            select d.company, d.kind, d.partner_id, d.due_date, -{sign} * d.total
              from invoice d
             where d.kind = any($1) and d.company = any($5) and d.posted_position is not null
               and {later}
            union all
            -- ...and what was matched against them put back;
            select d.company, d.kind, d.partner_id, d.due_date, {sign} * m.amount
              from invoice d join invoice_match m on m.invoice_id = d.id
             where d.kind = any($1) and d.company = any($5) and d.posted_position is not null
               and {later}
            union all
            -- matches not in the books then, of the documents that were, put back.
            select d.company, d.kind, d.partner_id, d.due_date, {sign} * m.amount
              from invoice_match m join invoice d on d.id = m.invoice_id
             where d.kind = any($1) and d.company = any($5) and d.posted_position is not null
               and not {later}
               and (m.match_date > $2 or coalesce(m.position > $3, false)
                    or coalesce(m.recorded_at > $4, false))
         ) open
         group by company, kind, partner_id, greatest(due_date, $7)
        having sum(amount) <> 0
         order by partner_id, 3"
    ))
    .bind(&kinds)
    .bind(date)
    .bind_as_of(as_of)
    .bind(companies.codes())
    .bind(due_from)
    .bind(before)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_draft_owes_its_total_a_posted_document_what_is_not_matched_a_cancelled_one_nothing() {
        assert_eq!(
            residual(InvoiceState::Draft, d("121.00"), d("0"), 2),
            d("121.00")
        );
        // 121.00 − 50.005 = 70.995 → 71.00, to the currency's two places.
        let posted = residual(InvoiceState::Posted, d("121.00"), d("50.005"), 2);
        assert_eq!(posted.to_string(), "71.00");
        assert_eq!(
            residual(InvoiceState::Cancelled, d("121.00"), d("0"), 2),
            Decimal::ZERO
        );
    }
}
