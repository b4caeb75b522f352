//! The order read model: `business_order`, one row per sales or purchase order for the form, the
//! lists and the analyses; `order_line`, its lines with what was delivered and invoiced of each;
//! `order_invoiced`, what each invoice made from an order billed, line by line; `order_month`,
//! what the confirmed orders add up to per month, partner and product, for the analyses.
//!
//! Each event changes the rows directly. Lines, quantities and dates come in the events; totals
//! are the domain's (`Totals::of_lines`, rounded to the decimals the order was created with);
//! how far a line has got is the row's own. Releasing an invoice (cancelled as a draft) names
//! only the invoice, so what it billed is kept in `order_invoiced` until then.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use domain::money::Totals;
use domain::order::{LineQuantity, Order, OrderEvent, OrderHead, OrderLine, OrderState, Side};
use rust_decimal::Decimal;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::lines::{line_row, LineTable};
use crate::log::{AsOf, StoredEvent};
use crate::page::{push_some, sort, Companies, Filter, KeyType, List, Sort};
use crate::past::{one_by_one, replayed};
use crate::reports::Dates;
use crate::runner::ProjectionError;
use crate::stored::Stored;

mod analysis;

pub use analysis::{analysis, AnalysisRow, GroupBy};
use analysis::{forget_empty_sums, keep_month, keep_progress, Keep, Progressed};

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 4] = [
    "business_order",
    "order_line",
    "order_invoiced",
    "order_month",
];

/// How far the deliveries (or the invoices) of an order have got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Status {
    Nothing,
    Partial,
    Full,
}

impl Status {
    /// Of `done` against `wanted`: nothing of nothing is nothing, all of something is full.
    pub fn of(done: Decimal, wanted: Decimal) -> Self {
        if wanted.is_zero() || done >= wanted {
            if done.is_zero() && wanted.is_zero() {
                Status::Nothing
            } else {
                Status::Full
            }
        } else if done.is_zero() {
            Status::Nothing
        } else {
            Status::Partial
        }
    }
}

/// Applies one event of order `id`, and keeps what it changes of the sums kept per month (see
/// [`analysis`]): only a confirmed, not cancelled order adds up to anything there, so a
/// draft's events change nothing, a confirmation (of a draft: the domain confirms once) puts
/// the order in, a cancellation takes it out, and a delivery or an invoice adds what it
/// delivered or invoiced.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    id: Uuid,
    payload: OrderEvent,
    event: &StoredEvent,
) -> Result<(), ProjectionError> {
    match payload {
        OrderEvent::OrderCreated { head, lines } => create(tx, id, event, &head, &lines).await,
        OrderEvent::OrderLinesReplaced { lines } => replace_lines(tx, id, event, &lines).await,
        OrderEvent::OrderConfirmed {} => {
            milestone(tx, id, event, Milestone::Confirmed).await?;
            Ok(keep_month(tx, id, Keep::PutIn).await?)
        }
        OrderEvent::OrderCancelled {} => {
            keep_month(tx, id, Keep::TakeOut).await?;
            milestone(tx, id, event, Milestone::Cancelled).await?;
            Ok(forget_empty_sums(tx, id).await?)
        }
        OrderEvent::OrderDelivered { quantities, .. } => {
            progress(tx, id, event, &quantities, |line, q| line.delivered += q).await?;
            Ok(keep_progress(tx, id, &quantities, Progressed::Delivered).await?)
        }
        OrderEvent::OrderInvoiced {
            invoice,
            quantities,
        } => {
            record_invoiced(tx, id, invoice, event, &quantities).await?;
            progress(tx, id, event, &quantities, |line, q| line.invoiced += q).await?;
            Ok(keep_progress(tx, id, &quantities, Progressed::Invoiced).await?)
        }
        OrderEvent::OrderInvoiceReleased { invoice } => {
            let released = release_invoiced(tx, id, invoice).await?;
            progress(tx, id, event, &released, |line, q| line.invoiced -= q).await?;
            Ok(keep_progress(tx, id, &released, Progressed::Released).await?)
        }
    }
}

/// What new lines make of their order's row: the totals, and nothing delivered or invoiced.
struct Figures {
    totals: Totals,
    delivery: Status,
    invoicing: Status,
}

impl Figures {
    fn of(lines: &[OrderLine], decimals: u32) -> Self {
        let (delivery, invoicing) = statuses(lines.iter().map(|l| LineProgress {
            line_no: 0,
            quantity: l.line.quantity,
            goods: l.goods,
            delivered: Decimal::ZERO,
            invoiced: Decimal::ZERO,
        }));
        Self {
            totals: Totals::of_lines(lines, decimals),
            delivery,
            invoicing,
        }
    }

    /// Binds the figures to `query` in the order of the row's columns: untaxed, tax, total,
    /// delivery status, invoice status.
    fn bind(self, query: Query<'_, Postgres, PgArguments>) -> Query<'_, Postgres, PgArguments> {
        query
            .bind(self.totals.untaxed)
            .bind(self.totals.tax)
            .bind(self.totals.total)
            .bind(self.delivery)
            .bind(self.invoicing)
    }
}

/// Who sent the command an event came of, as its metadata says.
pub(crate) fn creator(event: &StoredEvent) -> Option<String> {
    let metadata: serde_json::Value = serde_json::from_str(&event.metadata).ok()?;
    metadata.get("user")?.as_str().map(str::to_owned)
}

async fn create(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    head: &OrderHead,
    lines: &[OrderLine],
) -> Result<(), ProjectionError> {
    let row = sqlx::query(
        "insert into business_order (id, side, number, partner_id, order_date, state, untaxed, tax,
                                     total, delivery_status, invoice_status, version, created_at,
                                     updated_at, decimals, company, salesperson)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)
         on conflict (id) do update
            set side = excluded.side, number = excluded.number, partner_id = excluded.partner_id,
                order_date = excluded.order_date, state = excluded.state,
                untaxed = excluded.untaxed, tax = excluded.tax, total = excluded.total,
                delivery_status = excluded.delivery_status,
                invoice_status = excluded.invoice_status, version = excluded.version,
                updated_at = excluded.updated_at, decimals = excluded.decimals,
                company = excluded.company, salesperson = excluded.salesperson",
    )
    .bind(id)
    .bind(Stored(head.side))
    .bind(&head.number)
    .bind(head.partner)
    .bind(head.date)
    .bind(Stored(OrderState::Draft));
    Figures::of(lines, head.decimals)
        .bind(row)
        .bind(event.sequence)
        .bind(event.recorded_at)
        .bind(i32::try_from(head.decimals).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
        .bind(head.company.as_str())
        .bind(creator(event))
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from order_invoiced where order_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    write_lines(tx, id, lines, head.decimals).await
}

async fn replace_lines(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    lines: &[OrderLine],
) -> Result<(), ProjectionError> {
    let decimals: Option<i32> =
        sqlx::query_scalar("select decimals from business_order where id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(decimals) = decimals else {
        return Ok(());
    };
    let decimals = u32::try_from(decimals).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let row = sqlx::query(
        "update business_order
            set untaxed = $2, tax = $3, total = $4, delivery_status = $5, invoice_status = $6,
                version = $7, updated_at = $8
          where id = $1",
    )
    .bind(id);
    Figures::of(lines, decimals)
        .bind(row)
        .bind(event.sequence)
        .bind(event.recorded_at)
        .execute(&mut *tx)
        .await?;
    write_lines(tx, id, lines, decimals).await
}

/// The orders' lines.
const LINES: LineTable = LineTable {
    table: "order_line",
    document: "order_id",
    own: "goods, delivered, invoiced",
};

/// Writes an order's lines anew, nothing delivered or invoiced of them yet.
async fn write_lines(
    tx: &mut PgConnection,
    id: Uuid,
    lines: &[OrderLine],
    decimals: u32,
) -> Result<(), ProjectionError> {
    let own = |row: &mut Separated<'_, '_, Postgres, &'static str>, line: &OrderLine| {
        row.push_bind(line.goods)
            .push_bind(Decimal::ZERO)
            .push_bind(Decimal::ZERO);
    };
    LINES.write(tx, id, lines, decimals, own).await?;
    Ok(())
}

/// A step an order's row keeps the log position and time of, for reports as of a point.
#[derive(Debug, Clone, Copy)]
enum Milestone {
    Confirmed,
    Cancelled,
}

async fn milestone(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    milestone: Milestone,
) -> Result<(), ProjectionError> {
    let (state, sql) = match milestone {
        Milestone::Confirmed => (
            OrderState::Confirmed,
            "update business_order
                set state = $2, confirmed_position = $3, confirmed_at = $4, version = $5,
                    updated_at = $4
              where id = $1",
        ),
        Milestone::Cancelled => (
            OrderState::Cancelled,
            "update business_order
                set state = $2, cancelled_position = $3, cancelled_at = $4, version = $5,
                    updated_at = $4
              where id = $1",
        ),
    };
    sqlx::query(sql)
        .bind(id)
        .bind(Stored(state))
        .bind(event.position)
        .bind(event.recorded_at)
        .bind(event.sequence)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How far one line has got.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct LineProgress {
    line_no: i32,
    quantity: Decimal,
    goods: bool,
    delivered: Decimal,
    invoiced: Decimal,
}

/// (deliveries, invoices): goods delivered of goods ordered, and all invoiced of all ordered.
fn statuses(lines: impl IntoIterator<Item = LineProgress>) -> (Status, Status) {
    let (mut to_deliver, mut delivered, mut ordered, mut invoiced) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for line in lines {
        if line.goods {
            to_deliver += line.quantity;
            delivered += line.delivered;
        }
        ordered += line.quantity;
        invoiced += line.invoiced;
    }
    (
        Status::of(delivered, to_deliver),
        Status::of(invoiced, ordered),
    )
}

/// Changes how far the lines of order `id` have got: `change` for each of `quantities` (lines
/// the order does not have are passed over), then writes them and the order's statuses.
async fn progress(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    quantities: &[LineQuantity],
    change: impl Fn(&mut LineProgress, Decimal),
) -> Result<(), ProjectionError> {
    let mut lines: Vec<LineProgress> = sqlx::query_as(
        "select line_no, quantity, goods, delivered, invoiced from order_line
          where order_id = $1 order by line_no",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for q in quantities {
        let number = i32::try_from(q.line).ok();
        if let Some(line) = lines.iter_mut().find(|l| Some(l.line_no) == number) {
            change(line, q.quantity);
        }
    }
    if !lines.is_empty() {
        sqlx::query(
            "update order_line set delivered = u.delivered, invoiced = u.invoiced
               from unnest($2::int[], $3::numeric[], $4::numeric[])
                 as u(line_no, delivered, invoiced)
              where order_line.order_id = $1 and order_line.line_no = u.line_no",
        )
        .bind(id)
        .bind(lines.iter().map(|l| l.line_no).collect::<Vec<_>>())
        .bind(lines.iter().map(|l| l.delivered).collect::<Vec<_>>())
        .bind(lines.iter().map(|l| l.invoiced).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let (delivery, invoicing) = statuses(lines);
    sqlx::query(
        "update business_order
            set delivery_status = $2, invoice_status = $3, version = $4, updated_at = $5
          where id = $1",
    )
    .bind(id)
    .bind(delivery)
    .bind(invoicing)
    .bind(event.sequence)
    .bind(event.recorded_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Keeps what `invoice` billed of order `id`, for when it is released.
async fn record_invoiced(
    tx: &mut PgConnection,
    id: Uuid,
    invoice: Uuid,
    event: &StoredEvent,
    quantities: &[LineQuantity],
) -> Result<(), sqlx::Error> {
    let number = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "insert into order_invoiced (order_id, invoice_id, position, entry_no, line_no, quantity)
         select $1, $2, $3, u.entry_no, u.line_no, u.quantity
           from unnest($4::int[], $5::int[], $6::numeric[]) as u(entry_no, line_no, quantity)
          where exists (select 1 from business_order where id = $1)",
    )
    .bind(id)
    .bind(invoice)
    .bind(event.position)
    .bind((0..quantities.len()).map(number).collect::<Vec<_>>())
    .bind(
        quantities
            .iter()
            .map(|q| number(q.line))
            .collect::<Vec<_>>(),
    )
    .bind(quantities.iter().map(|q| q.quantity).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What `invoice` billed of order `id` (the first time, should it have billed twice), taken
/// out of `order_invoiced`: nothing if it billed nothing.
async fn release_invoiced(
    tx: &mut PgConnection,
    id: Uuid,
    invoice: Uuid,
) -> Result<Vec<LineQuantity>, sqlx::Error> {
    let rows: Vec<(i32, Decimal)> = sqlx::query_as(
        "delete from order_invoiced
          where order_id = $1 and invoice_id = $2
            and position = (select min(position) from order_invoiced
                             where order_id = $1 and invoice_id = $2)
         returning line_no, quantity",
    )
    .bind(id)
    .bind(invoice)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|(line, quantity)| {
            let line = usize::try_from(line).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok(LineQuantity { line, quantity })
        })
        .collect()
}

/// An order as its form and the lists show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub side: Stored<Side>,
    pub number: String,
    pub partner_id: Uuid,
    pub order_date: NaiveDate,
    pub state: Stored<OrderState>,
    pub untaxed: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub delivery_status: Status,
    pub invoice_status: Status,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The company the order belongs to.
    pub company: String,
    /// The user who created it (record rules' "own orders").
    pub salesperson: Option<String>,
}

const COLUMNS: &str = "id, side, number, partner_id, order_date, state, untaxed, tax, total, \
     delivery_status, invoice_status, version, created_at, updated_at, company, salesperson";

line_row! {
    /// An order line, with how much of it was delivered and invoiced.
    OrderLineRow {
        order_id;
        /// Goods are delivered or received; services are not.
        goods: bool,
        delivered: Decimal,
        invoiced: Decimal,
    }
}

/// One order.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<OrderRow>, sqlx::Error> {
    Ok(LIST.get_many(db, &[id]).await?.pop())
}

/// One order, if it belongs to one of `companies`.
pub async fn get_seen<'e>(
    db: impl PgExecutor<'e>,
    companies: &Companies,
    id: Uuid,
) -> Result<Option<OrderRow>, sqlx::Error> {
    Ok(LIST.get_seen(db, companies, &[id]).await?.pop())
}

/// An order as it stood at a point of the log, with its lines as they stood then.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderThen {
    pub order: OrderRow,
    pub lines: Vec<OrderLineRow>,
}

/// Order `id` as it stood at `as_of` (see [`crate::past`]); `None` if it did not exist yet.
pub async fn as_of(pool: &PgPool, id: Uuid, as_of: AsOf) -> Result<Option<OrderThen>, sqlx::Error> {
    let record = (Order::TYPE, id);
    let apply_alone = async |tx: &mut PgConnection, events: &[StoredEvent]| {
        one_by_one(tx, id, events, apply).await
    };
    replayed(pool, &TABLES, record, as_of, apply_alone, async |c| {
        let Some(order) = get(&mut *c, id).await? else {
            return Ok(None);
        };
        let lines = LINES.read(&mut *c, &[id]).await?;
        Ok(Some(OrderThen { order, lines }))
    })
    .await
}

/// The orders of `ids` that exist, in no particular order.
pub async fn get_many(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<OrderRow>, sqlx::Error> {
    LIST.get_many(pool, ids).await
}

/// The lines of the orders of `ids`, by order and line number.
pub async fn lines_of(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<OrderLineRow>, sqlx::Error> {
    LINES.read(pool, ids).await
}

/// Which orders of one side a list shows. Fields left out do not filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFilter {
    pub side: Side,
    pub partner: Option<Uuid>,
    pub state: Option<OrderState>,
    /// Order dates.
    pub dates: Dates,
}

impl Filter for OrderFilter {
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        sql.push(" and side = ").push_bind(Stored(self.side));
        push_some(sql, "partner_id =", self.partner);
        push_some(sql, "state =", self.state.map(Stored));
        self.dates.push(sql, "order_date");
    }
}

/// Orders, newest first unless sorted otherwise, a page at a time.
pub const LIST: List<OrderRow, OrderFilter> =
    List::new("business_order", COLUMNS, ORDER_SORTS, true)
        .of_companies("company")
        .ruled_orders();

/// The ways orders may be sorted.
const ORDER_SORTS: &[Sort] = &[
    sort("DATE", "order_date", KeyType::Date),
    sort("NUMBER", "number", KeyType::Text),
    sort("STATE", "state", KeyType::Text),
    sort("TOTAL", "total", KeyType::Numeric),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_nothing_partial_or_full() {
        let d = |n: i64| Decimal::new(n, 0);
        assert_eq!(Status::of(d(0), d(0)), Status::Nothing);
        assert_eq!(Status::of(d(0), d(5)), Status::Nothing);
        assert_eq!(Status::of(d(2), d(5)), Status::Partial);
        assert_eq!(Status::of(d(5), d(5)), Status::Full);
        // services only: nothing to deliver, yet invoiced in full.
        assert_eq!(Status::of(d(3), d(0)), Status::Full);
    }
}
