//! W12 and W13 (issue 18): an order list page and a sales analysis with record rules on against
//! rules off, each against raw PostgreSQL doing the minimum SQL for the same rows.

use std::time::Instant;

use chrono::NaiveDate;
use domain::configuration::{Code, Model, RecordRule, RuleCondition};
use domain::order::Side;
use projections::order::{self, GroupBy, OrderFilter};
use projections::page::Companies;
use projections::reports::Dates;
use sqlx::PgPool;

/// How many salespeople share the orders: a rule "own orders" keeps one in this many.
pub const SELLERS: usize = 10;

/// The salesperson whose rules the "rules on" runs read with.
const READER: &str = "seller3";

/// Fills the order read model with `orders` sales orders of one line each, over a year, of
/// [`SELLERS`] salespeople, a tenth of them cancelled and half the rest confirmed: written
/// straight into the tables (with the sums the analyses keep per month), as the reads only
/// need the rows.
pub async fn prepare(pool: &PgPool, orders: usize) -> anyhow::Result<()> {
    let orders = i64::try_from(orders)?;
    let sellers = i64::try_from(SELLERS)?;
    sqlx::query(
        "insert into business_order (id, side, number, partner_id, order_date, state, untaxed,
                                     tax, total, delivery_status, invoice_status, version,
                                     created_at, updated_at, confirmed_position, confirmed_at,
                                     decimals, company, salesperson)
         select gen_random_uuid(), 'sale', 'SO' || n, gen_random_uuid(),
                date '2026-01-01' + (n % 365)::int,
                case when n % 10 = 0 then 'cancelled' when n % 2 = 0 then 'confirmed'
                     else 'draft' end,
                100, 21, 121, 'nothing', 'nothing', 1, now(), now(),
                case when n % 2 = 0 then n end, case when n % 2 = 0 then now() end,
                2, 'main', 'seller' || ((n / 2) % $2)
           from generate_series(1, $1) as n",
    )
    .bind(orders)
    .bind(sellers)
    .execute(pool)
    .await?;
    sqlx::query(
        "insert into order_line (order_id, line_no, product_id, description, quantity,
                                 unit_price, discount, taxes, goods, untaxed, tax, total,
                                 delivered, invoiced)
         select id, 1, null, 'Consulting', 1, 100, 0, '{}', false, 100, 21, 121, 0, 0
           from business_order",
    )
    .execute(pool)
    .await?;
    // and what the analyses keep of them per month, as the order projection keeps it.
    sqlx::query(
        "insert into order_month (company, side, month, grouping, key, orders, quantity, untaxed,
                                  total, delivered, invoiced)
         select o.company, o.side, date_trunc('month', o.order_date)::date, g.grouping, g.key,
                count(distinct o.id), sum(l.quantity), sum(l.untaxed), sum(l.total),
                sum(l.delivered), sum(l.invoiced)
           from order_line l
           join business_order o on o.id = l.order_id
          cross join lateral (values ('partner', o.partner_id::text),
                                     ('product', coalesce(l.product_id::text, ''))) g (grouping, key)
          where o.confirmed_position is not null and o.cancelled_position is null
          group by 1, 2, 3, 4, 5",
    )
    .execute(pool)
    .await?;
    sqlx::query("analyze business_order, order_line, order_month")
        .execute(pool)
        .await?;
    Ok(())
}

/// What [`READER`] sees with rules on: their own orders (a rule of their group), never a
/// cancelled one (a global rule).
fn ruled() -> anyhow::Result<Companies> {
    let rules = vec![
        RecordRule {
            name: "Own orders".into(),
            model: Model::SaleOrder,
            groups: [Code::parse("sales")?].into(),
            condition: RuleCondition::Own,
        },
        RecordRule {
            name: "Not cancelled".into(),
            model: Model::SaleOrder,
            groups: Default::default(),
            condition: RuleCondition::States(["draft".into(), "confirmed".into()].into()),
        },
    ];
    Ok(Companies::of(["main"]).ruled(READER, rules))
}

fn companies(rules: bool) -> anyhow::Result<Companies> {
    if rules {
        ruled()
    } else {
        Ok(Companies::of(["main"]))
    }
}

/// The raw condition of the same rows: none, or the reader's uncancelled orders.
fn raw_condition(rules: bool) -> String {
    if rules {
        format!(" and salesperson = '{READER}' and state in ('draft', 'confirmed')")
    } else {
        String::new()
    }
}

/// The first page of 20 sales orders and their count, `times` times: pages per second.
pub async fn pages(pool: &PgPool, rules: bool, times: usize) -> anyhow::Result<f64> {
    let companies = companies(rules)?;
    let filter = OrderFilter {
        side: Side::Sale,
        partner: None,
        state: None,
        dates: Dates::default(),
    };
    let started = Instant::now();
    for _ in 0..times {
        let page = order::LIST
            .page(
                pool,
                &companies,
                &filter,
                (order::LIST.default_order(), None),
                20,
                true,
            )
            .await?;
        anyhow::ensure!(page.total_count > 0, "no orders");
    }
    Ok(times as f64 / started.elapsed().as_secs_f64())
}

/// [`pages`] in plain SQL: the page and the count, on the same index.
pub async fn raw_pages(pool: &PgPool, rules: bool, times: usize) -> anyhow::Result<f64> {
    let condition = raw_condition(rules);
    let page = format!(
        "select id, number, order_date, state, total from business_order
          where company = 'main' and side = 'sale'{condition}
          order by order_date desc, id desc limit 21"
    );
    let count = format!(
        "select count(*) from business_order where company = 'main' and side = 'sale'{condition}"
    );
    let started = Instant::now();
    for _ in 0..times {
        let rows: Vec<(uuid::Uuid, String, NaiveDate, String, rust_decimal::Decimal)> =
            sqlx::query_as(&page).fetch_all(pool).await?;
        let total: i64 = sqlx::query_scalar(&count).fetch_one(pool).await?;
        anyhow::ensure!(!rows.is_empty() && total > 0, "no orders");
    }
    Ok(times as f64 / started.elapsed().as_secs_f64())
}

/// The sales analysis by month, `times` times: analyses per second.
pub async fn analyses(pool: &PgPool, rules: bool, times: usize) -> anyhow::Result<f64> {
    let companies = companies(rules)?;
    let started = Instant::now();
    for _ in 0..times {
        let rows = order::analysis(
            pool,
            &companies,
            Side::Sale,
            GroupBy::Month,
            Dates::default(),
            None,
        )
        .await?;
        anyhow::ensure!(!rows.is_empty(), "no analysis");
    }
    Ok(times as f64 / started.elapsed().as_secs_f64())
}

/// [`analyses`] in plain SQL.
pub async fn raw_analyses(pool: &PgPool, rules: bool, times: usize) -> anyhow::Result<f64> {
    let condition = raw_condition(rules).replace(" and ", " and o.");
    let sql = format!(
        "select to_char(o.order_date, 'YYYY-MM'), count(distinct o.id), sum(l.quantity),
                sum(l.untaxed), sum(l.total), sum(l.delivered), sum(l.invoiced)
           from order_line l join business_order o on o.id = l.order_id
          where o.side = 'sale' and o.confirmed_position is not null
            and o.cancelled_position is null and o.company = 'main'{condition}
          group by 1 order by 1"
    );
    let started = Instant::now();
    for _ in 0..times {
        let rows = sqlx::query(&sql).fetch_all(pool).await?;
        anyhow::ensure!(!rows.is_empty(), "no analysis");
    }
    Ok(times as f64 / started.elapsed().as_secs_f64())
}
