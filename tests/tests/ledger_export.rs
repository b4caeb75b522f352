//! The general ledger exported as CSV over HTTP (issue 20): the same figures as
//! `generalLedger`, a line per item, streamed; refused clearly without the right to read the
//! books or with a wrong parameter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tests::books::{assert_ledger_csv, grow, set_up_the_books, Cast};
use tests::TestApp;
use tower::ServiceExt;

/// GETs `path` with `token` (none if empty): the status, the content type and the body.
async fn get(router: &Router, path: &str, token: &str) -> (StatusCode, String, String) {
    let mut request = Request::builder().uri(path);
    if !token.is_empty() {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_ledger_comes_as_csv_with_the_general_ledgers_figures() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let cast = Cast::new(&app).await;
    grow(&app, &cast, &mut StdRng::seed_from_u64(30), 12).await;
    let (router, _) = app.server_app().await;
    let token = app.admin_token.clone();

    let (status, kind, csv) = get(&router, "/ledger.csv", &token).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(
        csv.starts_with("account,account_name,date,number,"),
        "{csv}"
    );
    assert_ledger_csv(&app, &csv, &[], None, None).await;

    // two accounts, from a date: their balances before it open them.
    let (status, _, csv) = get(
        &router,
        "/ledger.csv?accounts=411000,550000&from=2026-03-01&to=2026-05-31",
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_ledger_csv(
        &app,
        &csv,
        &["411000", "550000"],
        Some("2026-03-01"),
        Some("2026-05-31"),
    )
    .await;
    // the database by name says the same.
    let (_, _, named) = get(
        &router,
        &format!(
            "/db/{}/ledger.csv?accounts=411000,550000&from=2026-03-01&to=2026-05-31",
            app.db.name
        ),
        &token,
    )
    .await;
    assert_eq!(named, csv);

    // refused, with a reason, and nothing written.
    let clerk = app.user("clerk", &[]).await;
    for (path, who, status, reason) in [
        ("/ledger.csv", "", StatusCode::UNAUTHORIZED, "sign in"),
        (
            "/ledger.csv",
            clerk.as_str(),
            StatusCode::FORBIDDEN,
            "accounting",
        ),
        (
            "/ledger.csv?from=yesterday",
            token.as_str(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        // a date PostgreSQL cannot hold: said before the first line, not a stream cut short.
        (
            "/ledger.csv?from=-5000-01-01",
            token.as_str(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/ledger.csv?acounts=411000",
            token.as_str(),
            StatusCode::BAD_REQUEST,
            "acounts",
        ),
        // an account the chart does not have: said, not an empty ledger.
        (
            "/ledger.csv?accounts=411000,999999",
            token.as_str(),
            StatusCode::BAD_REQUEST,
            "there is no account '999999'",
        ),
        (
            "/ledger.csv?company=elsewhere",
            token.as_str(),
            StatusCode::FORBIDDEN,
            "elsewhere",
        ),
        (
            "/ledger.csv?company=main&company=b",
            token.as_str(),
            StatusCode::BAD_REQUEST,
            "more than once",
        ),
        (
            "/db/nowhere/ledger.csv",
            token.as_str(),
            StatusCode::NOT_FOUND,
            "nowhere",
        ),
    ] {
        let (got, _, body) = get(&router, path, who).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(reason), "{path}: {body}");
    }
    // a point inside one command's events (a posting: the invoice, its number, its entry) is
    // refused as GraphQL's asOf refuses it; the command's last event is a point.
    let (inside, last): (i64, i64) = sqlx::query_as(
        "select e.position, (select max(f.position) from events f
                              where f.metadata->>'command_id' = e.metadata->>'command_id')
           from events e
          where exists (select 1 from events f
                         where f.metadata->>'command_id' = e.metadata->>'command_id'
                           and f.position > e.position)
          order by e.position desc limit 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (got, _, body) = get(
        &router,
        &format!("/ledger.csv?asOfPosition={inside}"),
        &token,
    )
    .await;
    assert_eq!(got, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("asOfPosition"), "{body}");
    let (got, _, body) = get(&router, &format!("/ledger.csv?asOfPosition={last}"), &token).await;
    assert_eq!(got, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_partners_ledger_is_exported_with_its_own_opening_and_running_balance() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let cast = Cast::new(&app).await;
    grow(&app, &cast, &mut StdRng::seed_from_u64(31), 14).await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let (router, _) = app.server_app().await;
    let token = app.admin_token.clone();
    let partner = &cast.customers[0];
    let (status, _, csv) = get(
        &router,
        &format!("/ledger.csv?accounts=411000&partner={partner}&from=2026-03-01"),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let rows = tests::books::csv_rows(&csv);
    // by hand from the items: the partner's balance before March, then each item of March on.
    let pool = &app.db.pool;
    let opening: Option<rust_decimal::Decimal> = sqlx::query_scalar(
        "select sum(debit - credit) from journal_item
          where account = '411000' and partner_id = $1::uuid and entry_date < '2026-03-01'",
    )
    .bind(partner)
    .fetch_one(pool)
    .await
    .unwrap();
    let items: Vec<(rust_decimal::Decimal, rust_decimal::Decimal)> = sqlx::query_as(
        "select i.debit, i.credit from journal_item i join journal_entry e on e.id = i.entry_id
          where i.account = '411000' and i.partner_id = $1::uuid and i.entry_date >= '2026-03-01'
          order by i.entry_date, e.number, i.entry_id, i.line_no",
    )
    .bind(partner)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(!items.is_empty(), "a customer with nothing after March");
    // the opening line, then a line per item, each with the partner's running balance.
    assert_eq!(rows.len(), 1 + items.len(), "{csv}");
    let mut balance = opening.unwrap_or_default();
    assert_eq!(rows[0][9], format!("{:.2}", balance), "{csv}");
    for (row, (debit, credit)) in rows[1..].iter().zip(&items) {
        assert_eq!(row[5], *partner, "{csv}");
        balance += debit - credit;
        assert_eq!(row[9], format!("{:.2}", balance), "{csv}");
    }
    // a partner that is not an id: a clear refusal.
    let (status, _, body) = get(&router, "/ledger.csv?partner=agrolait", &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("partner"), "{body}");
}
