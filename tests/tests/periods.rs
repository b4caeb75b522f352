//! Closing a month of the books, and opening it again: a month is closed once it is over, and
//! one closed by mistake is reopened, with both in its history.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Utc};
use serde_json::{json, Value};
use tests::books::*;
use tests::TestApp;

const PERIOD: &str = "period { id closed closedBy entries }";

async fn close(app: &TestApp, period: &str) -> Value {
    mutate(
        app,
        "closePeriod",
        "ClosePeriodInput",
        json!({ "period": period }),
        PERIOD,
    )
    .await
}

async fn reopen(app: &TestApp, period: &str) -> Value {
    mutate(
        app,
        "reopenPeriod",
        "ReopenPeriodInput",
        json!({ "period": period }),
        PERIOD,
    )
    .await
}

/// A manual entry of 10.00 (bank against capital) dated `date`.
async fn entry(app: &TestApp, date: &str) -> Value {
    capital_entry(app, date).await
}

#[tokio::test]
async fn a_month_is_closed_once_it_is_over_and_only_then() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let today = Utc::now().date_naive();
    let this_month = format!("{:04}-{:02}", today.year(), today.month());
    let next = today.with_day(28).unwrap() + chrono::Days::new(7);
    let next_month = format!("{:04}-{:02}", next.year(), next.month());
    let before = app.event_count().await;
    // the month running, one to come, and months no business has (a slip of the keyboard
    // closing 0000-01 or 9999-12 would stay for good).
    for period in [
        this_month.as_str(),
        &format!(" {this_month}"),
        next_month.as_str(),
        "0000-01",
        "1899-12",
        "2200-01",
        "9999-12",
    ] {
        let refused = close(&app, period).await;
        assert_eq!(
            refused["userErrors"][0]["code"], "INVALID",
            "{period}: {refused}"
        );
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "period"]),
            "{period}: {refused}"
        );
    }
    assert_eq!(app.event_count().await, before, "nothing written");
}

#[tokio::test]
async fn a_month_closed_by_mistake_is_reopened_and_takes_entries_again() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    // the month before this one, worked out from today's date.
    let today = Utc::now().date_naive();
    let last = today.with_day(1).unwrap() - chrono::Days::new(1);
    let month = format!("{:04}-{:02}", last.year(), last.month());
    let day = format!("{month}-15");
    assert_eq!(entry(&app, &day).await["userErrors"], json!([]));

    let closed = close(&app, &month).await;
    assert_eq!(closed["userErrors"], json!([]), "{closed}");
    assert_eq!(
        closed["period"],
        json!({ "id": month, "closed": true, "closedBy": "admin", "entries": 1 })
    );
    let late = entry(&app, &day).await;
    assert_eq!(late["userErrors"][0]["code"], "PERIOD_CLOSED", "{late}");

    let reopened = reopen(&app, &month).await;
    assert_eq!(reopened["userErrors"], json!([]), "{reopened}");
    assert_eq!(
        reopened["period"],
        json!({ "id": month, "closed": false, "closedBy": null, "entries": 1 })
    );
    assert_eq!(entry(&app, &day).await["userErrors"], json!([]));
    // an open month is not reopened; it is closed again, with both entries.
    let again = reopen(&app, &month).await;
    assert_eq!(again["userErrors"][0]["code"], "WRONG_STATE", "{again}");
    let closed = close(&app, &month).await;
    assert_eq!(closed["period"]["closed"], true, "{closed}");
    assert_eq!(closed["period"]["entries"], 2, "{closed}");
    // the month's stream keeps what happened, in order.
    let kinds: Vec<String> = sqlx::query_scalar(
        "select event_type from events where aggregate_type = 'Period' and aggregate_id = $1
          order by sequence",
    )
    .bind(&month)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            "EntryPosted",
            "PeriodClosed",
            "PeriodReopened",
            "EntryPosted",
            "PeriodClosed"
        ]
    );
    // a user without the accounting right may do neither.
    let token = app.user("clerk", &["user"]).await;
    let denied = app
        .graphql_with(
            &token,
            "mutation($p: String!) { reopenPeriod(input: { period: $p }) { userErrors { code } } }",
            json!({ "p": month }),
        )
        .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
}
