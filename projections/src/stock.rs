//! The stock read model: `stock_move`, every move of goods between locations as recorded, with
//! its log position and time, and the stock levels drawn from it (with what confirmed orders
//! will still bring in and take out, and products valued at their cost of the moment).

use chrono::NaiveDate;
use domain::stock::{Location, MoveOrigin, StockEvent};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::log::{AsOf, StoredEvent};
use crate::page::{After, Companies, Page};
use crate::reports::{kept_sums_before, ReportBinds};
use crate::runner::ProjectionError;
use crate::stored::Stored;

/// The tables this read model owns.
pub(crate) const TABLES: [&str; 3] = ["stock_move", "stock_day", "stock_month"];

/// Applies one event of the stock of `product`.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    product: Uuid,
    payload: StockEvent,
    event: &StoredEvent,
) -> Result<(), ProjectionError> {
    let StockEvent::StockMoved { movement } = payload;
    let order = match movement.origin {
        MoveOrigin::Order { order, .. } => Some(order),
        MoveOrigin::Adjustment => None,
    };
    sqlx::query(
        "insert into stock_move (id, product_id, from_location, to_location, quantity, move_date,
                                 order_id, position, recorded_at, company)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(movement.id)
    .bind(product)
    .bind(Stored(movement.from))
    .bind(Stored(movement.to))
    .bind(movement.quantity)
    .bind(movement.date)
    .bind(order)
    .bind(event.position)
    .bind(event.recorded_at)
    .bind(movement.company.as_str())
    .execute(&mut *tx)
    .await?;
    // the day's and the month's quantities kept: into one location, out of the other.
    for (table, day, key) in [
        ("stock_day", "day", "$5::date"),
        (
            "stock_month",
            "month",
            "date_trunc('month', $5::date)::date",
        ),
    ] {
        sqlx::query(&format!(
            "insert into {table} (product_id, location, company, {day}, quantity, moves)
             values ($1, $2, $4, {key}, $6, 1), ($1, $3, $4, {key}, -$6, 1)
             on conflict (product_id, location, company, {day}) do update
                set quantity = {table}.quantity + excluded.quantity,
                    moves = {table}.moves + 1"
        ))
        .bind(product)
        .bind(Stored(movement.to))
        .bind(Stored(movement.from))
        .bind(movement.company.as_str())
        .bind(movement.date)
        .bind(movement.quantity)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
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

/// Which stock levels to read: the products (every one that is not a service, without), and a
/// page of them by reference (every one, without).
#[derive(Debug, Clone, Default)]
pub struct Levels<'a> {
    pub products: Option<&'a [Uuid]>,
    /// After this reference and id, at most this many.
    pub page: Option<(Option<After>, usize)>,
}

/// What the products `which` names (none of them services) have at `location` (the warehouse:
/// what is there; the others: what went there less what came from there) on `date` (moves
/// dated up to it), as recorded by `as_of`, by reference. Incoming and outgoing quantities are
/// the warehouse's.
pub async fn levels(
    pool: &PgPool,
    companies: &Companies,
    location: Location,
    date: Option<NaiveDate>,
    as_of: Option<AsOf>,
    which: Levels<'_>,
) -> Result<Page<StockLevel>, sqlx::Error> {
    // the products listed: given the parameter numbers
    // of the products, position, time and companies.
    let kept = |products: u8, position: u8, time: u8, companies: u8| {
        format!(
            "p.kind <> 'service'
            -- shared, or of the reader's companies, or one whose stock they hold (a product
            -- moved to another company since leaves its stock where it was)
            and (p.company is null or p.company = any(${companies})
                 or exists (select 1 from stock_month k
                             where k.product_id = p.id and k.company = any(${companies})))
            and (${products}::uuid[] is null or p.id = any(${products}))
            and exists (select 1 from product_cost c where c.product_id = p.id
                          and (${position}::bigint is null or c.position <= ${position})
                          and (${time}::timestamptz is null or c.recorded_at <= ${time}))"
        )
    };
    // what the warehouse still awaits from (or owes to) the confirmed orders of `side`, of the
    // lines not delivered in full (read once, from their partial index: what is open, not the
    // orders' history).
    let undelivered = |side: &str| {
        format!(
            "coalesce((select sum(u.quantity) from undelivered u
                        where u.product_id = p.id and u.side = '{side}'), 0)"
        )
    };
    let (after, limit) = match &which.page {
        Some((after, limit)) => (after.clone(), Some(*limit)),
        None => (None, None),
    };
    let (reference, id) = match after {
        Some(after) => (Some(after.key), Some(after.id)),
        None => (None, None),
    };
    let rows: Vec<StockLevel> = sqlx::query_as(&format!(
        "with open_lines as materialized (
              select product_id, order_id, quantity - delivered as quantity
                from order_line where $4 = 'stock' and open),
              -- (the open lines first, once: a planner without statistics yet, in a fresh
              -- database, went from the orders to their lines, 50 ms at 1,000 orders)
              undelivered as materialized (
              select l.product_id, o.side, l.quantity
                from open_lines l join business_order o on o.id = l.order_id
               where o.state = 'confirmed' and o.company = any($9))
         select p.id as product_id, p.reference, p.name, p.uom,
                -- the quantities kept per day, less the moves recorded after the point asked
                -- for (none without one).
                coalesce((select sum(k.quantity) from {} k), 0)
                - coalesce((select sum(case when m.to_location = $4 then m.quantity else -m.quantity end)
                              from stock_move m
                             where ($2::bigint is not null or $3::timestamptz is not null)
                               and m.product_id = p.id
                               and (m.to_location = $4 or m.from_location = $4)
                               and ($1::date is null or m.move_date <= $1)
                               and (m.position > $2 or m.recorded_at > $3)
                               and m.company = any($9)), 0) as on_hand,
                {} as incoming,
                {} as outgoing,
                coalesce((select c.cost from product_cost c
                           where c.product_id = p.id
                             and ($2::bigint is null or c.position <= $2)
                             and ($3::timestamptz is null or c.recorded_at <= $3)
                           order by c.position desc limit 1), p.cost) as cost
           from product p
          where {}
            and ($6::text is null or (p.reference, p.id) > ($6, $7))
          order by p.reference, p.id limit $8",
        kept_sums_before(
            "stock",
            "quantity",
            "product_id = p.id and location = $4 and company = any($9)",
            "($1::date + 1)"
        ),
        undelivered("purchase"),
        undelivered("sale"),
        kept(5, 2, 3, 9)
    ))
    .bind(date)
    .bind_as_of(as_of)
    .bind(Stored(location))
    .bind(which.products)
    .bind(reference)
    .bind(id)
    .bind(limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX).saturating_add(1)))
    .bind(companies.codes())
    .fetch_all(pool)
    .await?;
    let Some(limit) = limit else {
        let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        return Ok(Page::of(rows, usize::MAX, total));
    };
    let (position, time) = crate::reports::split(as_of);
    let total: i64 = sqlx::query_scalar(&format!(
        "select count(*) from product p where {}",
        kept(1, 2, 3, 4)
    ))
    .bind(which.products)
    .bind(position)
    .bind(time)
    .bind(companies.codes())
    .fetch_one(pool)
    .await?;
    Ok(Page::of(rows, limit, total))
}

/// What is in the warehouses of `companies` of `product`, as recorded by `as_of` if given
/// (every move, whatever its date).
pub async fn on_hand(
    pool: &PgPool,
    companies: &Companies,
    product: Uuid,
    as_of: Option<AsOf>,
) -> Result<Decimal, sqlx::Error> {
    let (on_hand,): (Decimal,) = sqlx::query_as(
        "select coalesce((select sum(quantity) from stock_month
                           where product_id = $1 and location = $4 and company = any($5)), 0)
              - coalesce((select sum(case when to_location = $4 then quantity else -quantity end)
                            from stock_move
                           where ($2::bigint is not null or $3::timestamptz is not null)
                             and product_id = $1 and (to_location = $4 or from_location = $4)
                             and (position > $2 or recorded_at > $3)
                             and company = any($5)), 0)",
    )
    .bind(product)
    .bind_as_of(as_of)
    .bind(Stored(Location::Stock))
    .bind(companies.codes())
    .fetch_one(pool)
    .await?;
    Ok(on_hand)
}
