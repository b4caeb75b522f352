//! A list's page for a reader of several companies (found growing the books, issue 20): it
//! reads each company's first rows in order and merges them, so it costs what the page shows,
//! not every row of the companies, and it holds the same order, page after page, as one sort of
//! all the rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use domain::invoice::InvoiceKind;
use projections::invoice::{InvoiceFilter, InvoiceRow, LIST};
use projections::page::{After, Companies, Order};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sqlx::PgPool;
use tests::TestDb;
use uuid::Uuid;

/// A document of the list as the test wrote it: id, company, date, total, whether a vendor
/// bill (else a customer invoice).
type Written = (Uuid, String, NaiveDate, Decimal, bool);

/// `per_company` posted customer invoices in each of `companies`, on random days of a year (many
/// on the same day) with random totals, written straight into the read model.
async fn documents(pool: &PgPool, companies: &[&str], per_company: usize) -> Vec<Written> {
    let mut rng = StdRng::seed_from_u64(26);
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let written: Vec<Written> = companies
        .iter()
        .flat_map(|company| std::iter::repeat_n(*company, per_company))
        .map(|company| {
            let day = start + chrono::Days::new(rng.random_range(0..365));
            let total = Decimal::new(rng.random_range(100..100_000), 2);
            let bill = rng.random_bool(0.3);
            (Uuid::new_v4(), company.to_owned(), day, total, bill)
        })
        .collect();
    sqlx::query(
        "insert into invoice (id, kind, partner_id, number, invoice_date, due_date, state,
                              untaxed, tax, total, residual, reference, version, created_at,
                              updated_at, decimals, company)
         select id, case when bill then 'vendor_bill' else 'customer_invoice' end,
                gen_random_uuid(), null, day, day, 'posted', total, 0, total, total, '', 2, now(),
                now(), 2, company
           from unnest($1::uuid[], $2::text[], $3::date[], $4::numeric[], $5::bool[])
                as w (id, company, day, total, bill)",
    )
    .bind(written.iter().map(|w| w.0).collect::<Vec<_>>())
    .bind(written.iter().map(|w| w.1.clone()).collect::<Vec<_>>())
    .bind(written.iter().map(|w| w.2).collect::<Vec<_>>())
    .bind(written.iter().map(|w| w.3).collect::<Vec<_>>())
    .bind(written.iter().map(|w| w.4).collect::<Vec<_>>())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("analyze invoice").execute(pool).await.unwrap();
    written
}

/// Every row of the list `filter` keeps in `order`, read `size` at a time: the ids.
async fn walk(
    pool: &PgPool,
    companies: &Companies,
    filter: &InvoiceFilter,
    order: Order,
    size: usize,
) -> Vec<Uuid> {
    let mut after: Option<After> = None;
    let mut ids = Vec::new();
    loop {
        let page = LIST
            .page(pool, companies, filter, (order, after.take()), size, false)
            .await
            .unwrap();
        ids.extend(
            page.rows
                .iter()
                .map(|(row, _): &(InvoiceRow, After)| row.id),
        );
        if !page.has_more {
            return ids;
        }
        after = page.rows.last().map(|(_, a)| a.clone());
    }
}

#[tokio::test]
async fn a_page_of_several_companies_rows_holds_one_order_across_pages() {
    let db = TestDb::new().await;
    let written = documents(&db.pool, &["main", "b", "c"], 150).await;
    let both = Companies::of(["main", "b"]);

    // newest first, then by id, highest first: the list's own order.
    let mut expected: Vec<&Written> = written.iter().filter(|w| w.1 != "c").collect();
    expected.sort_by_key(|w| std::cmp::Reverse((w.2, w.0)));
    let ids: Vec<Uuid> = expected.iter().map(|w| w.0).collect();
    let all = InvoiceFilter::default();
    assert_eq!(
        walk(&db.pool, &both, &all, LIST.default_order(), 7).await,
        ids
    );
    // the vendor bills only: the filter holds in each company's part.
    let bills = InvoiceFilter {
        kind: Some(InvoiceKind::VendorBill),
        ..InvoiceFilter::default()
    };
    let bill_ids: Vec<Uuid> = expected.iter().filter(|w| w.4).map(|w| w.0).collect();
    assert!(!bill_ids.is_empty());
    assert_eq!(
        walk(&db.pool, &both, &bills, LIST.default_order(), 5).await,
        bill_ids
    );

    // by total, lowest first.
    expected.sort_by_key(|w| (w.3, w.0));
    let ids: Vec<Uuid> = expected.iter().map(|w| w.0).collect();
    let by_total = Order {
        sort: LIST.sort("TOTAL").unwrap(),
        descending: false,
    };
    assert_eq!(walk(&db.pool, &both, &all, by_total, 20).await, ids);
}

#[tokio::test]
async fn the_first_page_of_several_companies_reads_what_it_shows_not_their_every_row() {
    let db = TestDb::new().await;
    documents(&db.pool, &["main", "b"], 3_000).await;
    let mut tx = db.pool.begin().await.unwrap();
    // the rows this transaction has read of the documents' table, by any scan.
    let read = "select pg_stat_get_xact_tuples_returned('invoice'::regclass)
                     + pg_stat_get_xact_tuples_fetched('invoice'::regclass)";
    let before: i64 = sqlx::query_scalar(read).fetch_one(&mut *tx).await.unwrap();
    let page = LIST
        .page(
            &mut *tx,
            &Companies::of(["main", "b"]),
            &InvoiceFilter::default(),
            (LIST.default_order(), None),
            50,
            false,
        )
        .await
        .unwrap();
    let after: i64 = sqlx::query_scalar(read).fetch_one(&mut *tx).await.unwrap();
    assert_eq!(page.rows.len(), 50);
    // each company's 51 newest and the rest of the last day's (about 16 documents a day).
    assert!(
        after - before <= 200,
        "{} of 6,000 rows read for a page of 50",
        after - before
    );
}
