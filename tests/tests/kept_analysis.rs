//! The sales and purchase analyses read whole months from the sums kept per month
//! (`order_month`) and the days around them from the order lines (issue 20's known gap): their
//! figures are the ones worked out by hand, for dates that cut months anywhere, after
//! cancellations, deliveries and invoices, and after a rebuild; and they equal the lines summed
//! (the analysis as of the log's head) after a random history.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use api::read_models;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::PgPool;
use tests::books::{deliver, invoice_and_post, must, order, position, set_up_the_books, Cast};
use tests::TestApp;

/// An analysis' lines by name: orders, quantity, untaxed, delivered, invoiced.
type Lines = BTreeMap<String, (i64, Decimal, Decimal, Decimal, Decimal)>;

fn decimal(value: &Value) -> Decimal {
    value.as_str().unwrap().parse().unwrap()
}

/// The analysis' lines as the API writes them.
async fn answer(app: &TestApp, report: &str, group: &str, arguments: &str) -> Value {
    let data = app
        .graphql(
            &format!(
                "{{ {report}(groupBy: {group}{arguments}) {{
                     name orders quantity untaxed total delivered invoiced }} }}"
            ),
            json!({}),
        )
        .await;
    data[report].clone()
}

async fn analysis(app: &TestApp, report: &str, group: &str, arguments: &str) -> Lines {
    answer(app, report, group, arguments)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let figures = (
                l["orders"].as_i64().unwrap(),
                decimal(&l["quantity"]),
                decimal(&l["untaxed"]),
                decimal(&l["delivered"]),
                decimal(&l["invoiced"]),
            );
            (l["name"].as_str().unwrap().to_owned(), figures)
        })
        .collect()
}

/// An analysis' lines as worked out by hand: name, orders, quantity, untaxed, delivered,
/// invoiced.
type Expected<'a> = &'a [(&'a str, i64, i64, &'a str, i64, i64)];

fn lines(expected: Expected) -> Lines {
    expected
        .iter()
        .map(|&(name, orders, quantity, untaxed, delivered, invoiced)| {
            let untaxed: Decimal = untaxed.parse().unwrap();
            let figures = (
                orders,
                quantity.into(),
                untaxed,
                delivered.into(),
                invoiced.into(),
            );
            (name.to_owned(), figures)
        })
        .collect()
}

/// The dates of an analysis as its arguments.
fn dates(from: Option<&str>, to: Option<&str>) -> String {
    let mut arguments = String::new();
    if let Some(from) = from {
        arguments.push_str(&format!(", from: \"{from}\""));
    }
    if let Some(to) = to {
        arguments.push_str(&format!(", to: \"{to}\""));
    }
    arguments
}

/// What `order_month` keeps: (company, side, month, grouping, key) to orders and the sums
/// (quantity, untaxed, total, delivered, invoiced).
type Kept = BTreeMap<(String, String, String, String, String), (i64, Vec<Decimal>)>;

/// The rows of `sql`: the key's five columns, the orders, the sums as an array.
async fn kept(pool: &PgPool, sql: &str) -> Kept {
    type Row = (String, String, String, String, String, i64, Vec<Decimal>);
    let rows: Vec<Row> = sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    rows.into_iter()
        .map(|(c, s, m, g, k, orders, sums)| {
            let sums = sums.into_iter().map(|x| x.normalize()).collect();
            ((c, s, m, g, k), (orders, sums))
        })
        .collect()
}

async fn kept_now(pool: &PgPool) -> Kept {
    kept(
        pool,
        "select company, side, month::text, grouping, key, orders,
                array[quantity, untaxed, total, delivered, invoiced]
           from order_month",
    )
    .await
}

/// The same sums from the lines of the orders that count (confirmed, not cancelled).
async fn recomputed(pool: &PgPool) -> Kept {
    kept(
        pool,
        "select o.company, o.side, date_trunc('month', o.order_date)::date::text, 'partner',
                o.partner_id::text, count(distinct o.id),
                array[sum(l.quantity), sum(l.untaxed), sum(l.total), sum(l.delivered),
                      sum(l.invoiced)]
           from order_line l join business_order o on o.id = l.order_id
          where o.confirmed_position is not null and o.cancelled_position is null
          group by 1, 2, 3, 5
         union all
         select o.company, o.side, date_trunc('month', o.order_date)::date::text, 'product',
                coalesce(l.product_id::text, ''), count(distinct o.id),
                array[sum(l.quantity), sum(l.untaxed), sum(l.total), sum(l.delivered),
                      sum(l.invoiced)]
           from order_line l join business_order o on o.id = l.order_id
          where o.confirmed_position is not null and o.cancelled_position is null
          group by 1, 2, 3, 5",
    )
    .await
}

#[tokio::test]
async fn the_sales_analysis_of_any_dates_is_worked_out_by_hand_from_months_kept_and_days() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let pool = &app.db.pool;
    let Cast {
        customers: [agrolait, camptocamp],
        supplier: wood,
        products: [desk, fee],
    } = Cast::new(&app).await;
    let line = |product: &str, quantity: &str| json!({ "product": product, "quantity": quantity });

    // January 31: 2 desks (600.00) for Agrolait.
    order(
        &app,
        "sale",
        &agrolait,
        "2026-01-31",
        json!([line(&desk, "2")]),
    )
    .await;
    // February 1: a desk and two fees (300.00 + 91.00 = 391.00) for Agrolait.
    order(
        &app,
        "sale",
        &agrolait,
        "2026-02-01",
        json!([line(&desk, "1"), line(&fee, "2")]),
    )
    .await;
    // February 15: four fees (182.00) for Camptocamp.
    order(
        &app,
        "sale",
        &camptocamp,
        "2026-02-15",
        json!([line(&fee, "4")]),
    )
    .await;
    // March 10: three desks (900.00) for Camptocamp, cancelled below.
    let cancelled = order(
        &app,
        "sale",
        &camptocamp,
        "2026-03-10",
        json!([line(&desk, "3")]),
    )
    .await;
    // March 31: a desk (300.00) for Agrolait, delivered and invoiced below.
    let delivered = order(
        &app,
        "sale",
        &agrolait,
        "2026-03-31",
        json!([line(&desk, "1")]),
    )
    .await;
    // neither a draft nor a purchase is a sale.
    must(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        json!({ "partner": camptocamp, "date": "2026-02-20", "lines": [line(&desk, "7")] }),
        "order { id }",
    )
    .await;
    order(
        &app,
        "purchase",
        &wood,
        "2026-02-10",
        json!([line(&desk, "5")]),
    )
    .await;

    let before_cancelling = position(pool).await;
    must(
        &app,
        "cancelOrder",
        "OrderIdInput",
        json!({ "id": cancelled["id"] }),
        "order { state }",
    )
    .await;
    let id = delivered["id"].as_str().unwrap();
    deliver(
        &app,
        id,
        "2026-04-02",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    invoice_and_post(&app, id, "2026-04-03").await;

    let then = format!(", asOf: {{ position: {before_cancelling} }}");
    let cases: [(&str, &str, String, Expected); 9] = [
        // every month whole.
        (
            "salesAnalysis",
            "MONTH",
            String::new(),
            &[
                ("2026-01", 1, 2, "600.00", 0, 0),
                ("2026-02", 2, 7, "573.00", 0, 0),
                ("2026-03", 1, 1, "300.00", 1, 1),
            ],
        ),
        (
            "salesAnalysis",
            "PRODUCT",
            String::new(),
            &[
                ("DESK", 3, 4, "1200.00", 1, 1),
                ("FEE", 2, 6, "273.00", 0, 0),
            ],
        ),
        // January 31 (a day), February (a whole month), March 1 to 30 (days): the March 31
        // order left out, the cancelled one not counted.
        (
            "salesAnalysis",
            "PARTNER",
            dates(Some("2026-01-31"), Some("2026-03-30")),
            &[
                ("Agrolait", 2, 5, "991.00", 0, 0),
                ("Camptocamp", 1, 4, "182.00", 0, 0),
            ],
        ),
        // February 2 to 28 (days), March (a whole month).
        (
            "salesAnalysis",
            "PRODUCT",
            dates(Some("2026-02-02"), Some("2026-03-31")),
            &[
                ("DESK", 1, 1, "300.00", 1, 1),
                ("FEE", 1, 4, "182.00", 0, 0),
            ],
        ),
        // within a month, and from a month's first day on.
        (
            "salesAnalysis",
            "PARTNER",
            dates(Some("2026-02-01"), Some("2026-02-14")),
            &[("Agrolait", 1, 3, "391.00", 0, 0)],
        ),
        (
            "salesAnalysis",
            "MONTH",
            dates(Some("2026-02-01"), None),
            &[
                ("2026-02", 2, 7, "573.00", 0, 0),
                ("2026-03", 1, 1, "300.00", 1, 1),
            ],
        ),
        // a day before any order, and nothing.
        (
            "salesAnalysis",
            "PARTNER",
            dates(Some("2025-12-31"), Some("2025-12-31")),
            &[],
        ),
        // the purchases on their own: five desks at 120.00.
        (
            "purchaseAnalysis",
            "PARTNER",
            String::new(),
            &[("Wood Corner", 1, 5, "600.00", 0, 0)],
        ),
        // as of before the cancellation (the lines summed): the March 10 order counted; what
        // was delivered and invoiced as it now stands.
        (
            "salesAnalysis",
            "PARTNER",
            then,
            &[
                ("Agrolait", 3, 6, "1291.00", 1, 1),
                ("Camptocamp", 2, 7, "1082.00", 0, 0),
            ],
        ),
    ];
    for (report, group, arguments, expected) in cases {
        assert_eq!(
            analysis(&app, report, group, &arguments).await,
            lines(expected),
            "{report} by {group}{arguments}"
        );
    }

    // what is kept is what the lines add up to; a rebuild keeps the same.
    assert_eq!(kept_now(pool).await, recomputed(pool).await);
    let before = kept_now(pool).await;
    read_models::rebuild(pool, "business", &|_| {})
        .await
        .expect("the business projection")
        .expect("rebuilt");
    assert_eq!(kept_now(pool).await, before);
    // the cancelled order's month keeps nothing of Camptocamp's.
    assert!(before
        .keys()
        .all(|(_, _, month, _, key)| !(month == "2026-03-01" && *key == camptocamp)));
}

#[tokio::test]
async fn an_analysis_from_the_months_kept_equals_the_lines_summed_after_a_random_history() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let pool = &app.db.pool;
    let Cast {
        customers,
        supplier,
        products,
    } = Cast::new(&app).await;
    let mut rng = StdRng::seed_from_u64(20);
    for _ in 0..30 {
        let purchase = rng.random_bool(0.3);
        let partner = if purchase {
            &supplier
        } else {
            &customers[rng.random_range(0..2)]
        };
        let lines: Vec<Value> = (0..rng.random_range(1..=3))
            .map(|_| {
                // some with decimals of their own: 1.5 and 2.25 add up to 3.75, and to 1.5
                // again once the 2.25 is taken out.
                let quantity = rng.random_range(1..=5);
                let quantity = match rng.random_range(0..4) {
                    0 => format!("{quantity}.25"),
                    1 => format!("{quantity}.5"),
                    _ => quantity.to_string(),
                };
                json!({ "product": products[rng.random_range(0..2)], "quantity": quantity })
            })
            .collect();
        // some on a month's last day.
        let month = rng.random_range(1..=5);
        let day = if rng.random_bool(0.2) {
            [31, 28, 31, 30, 31][month - 1]
        } else {
            rng.random_range(1..=28)
        };
        let date = format!("2026-{month:02}-{day:02}");
        let side = if purchase { "purchase" } else { "sale" };
        let placed = order(&app, side, partner, &date, json!(lines)).await;
        let id = placed["id"].as_str().unwrap();
        match rng.random_range(0..5) {
            0 => {
                must(
                    &app,
                    "cancelOrder",
                    "OrderIdInput",
                    json!({ "id": id }),
                    "order { state }",
                )
                .await;
            }
            1 if !purchase => {
                deliver(
                    &app,
                    id,
                    "2026-06-01",
                    json!([{ "line": 0, "quantity": "1" }]),
                )
                .await;
            }
            // delivered in part and invoiced as a draft, which is sometimes cancelled: what
            // it invoiced is released.
            2 if !purchase => {
                deliver(
                    &app,
                    id,
                    "2026-06-01",
                    json!([{ "line": 0, "quantity": "1" }]),
                )
                .await;
                let drafted = must(
                    &app,
                    "invoiceOrder",
                    "InvoiceOrderInput",
                    json!({ "id": id, "date": "2026-06-02" }),
                    "invoice { id }",
                )
                .await;
                if rng.random_bool(0.5) {
                    must(
                        &app,
                        "cancelInvoice",
                        "InvoiceIdInput",
                        json!({ "id": drafted["invoice"]["id"] }),
                        "invoice { state }",
                    )
                    .await;
                }
            }
            _ => {}
        }
    }
    // every way an order goes happened.
    let events: Vec<String> = sqlx::query_scalar("select distinct event_type from events")
        .fetch_all(pool)
        .await
        .unwrap();
    for step in [
        "OrderCancelled",
        "OrderDelivered",
        "OrderInvoiced",
        "OrderInvoiceReleased",
    ] {
        assert!(events.iter().any(|e| e == step), "no {step} in {events:?}");
    }
    assert_eq!(kept_now(pool).await, recomputed(pool).await);
    let head = position(pool).await;
    let now = format!(", asOf: {{ position: {head} }}");
    let windows = [
        (None, None),
        (Some("2026-02-01"), None),
        (None, Some("2026-03-15")),
        (Some("2026-01-20"), Some("2026-04-30")),
        (Some("2026-02-03"), Some("2026-02-27")),
        (Some("2026-03-31"), Some("2026-05-01")),
        (Some("2026-01-31"), Some("2026-04-30")),
    ];
    for (from, to) in windows {
        for report in ["salesAnalysis", "purchaseAnalysis"] {
            for group in ["PARTNER", "PRODUCT", "MONTH"] {
                let cut = dates(from, to);
                // as the API writes them: the same figures, written alike.
                let kept = answer(&app, report, group, &cut).await;
                let summed = answer(&app, report, group, &format!("{cut}{now}")).await;
                assert_eq!(kept, summed, "{report} by {group}, {from:?} to {to:?}");
            }
        }
    }
}
