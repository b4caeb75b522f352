//! Points of the log are transaction boundaries: a position inside what one command wrote
//! (an invoice posted with its number and its journal entry) is refused wherever a position is
//! taken, with the boundaries around it; at a boundary every report agrees with every other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::{TestApp, TestDb};

/// Every transaction of the log that wrote more than one event: (first, last) position.
async fn multi_event_transactions(app: &TestApp) -> Vec<(i64, i64)> {
    sqlx::query_as(
        "select min(position), max(position) from events
          group by transaction_id having count(*) > 1 order by 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

async fn trial_balance_at(app: &TestApp, position: i64) -> Value {
    app.graphql_with(
        &app.admin_token,
        "query($p: Int!) { trialBalance(asOf: { position: $p }) { totalDebit totalCredit totalBalance lines { account balance } } }",
        json!({ "p": position }),
    )
    .await
}

#[tokio::test]
async fn a_position_inside_a_transaction_is_refused_everywhere_with_its_boundaries() {
    let app = TestApp::demo().await;
    let transactions = multi_event_transactions(&app).await;
    // posting an invoice writes the invoice, its number and its entry together.
    assert!(
        transactions.iter().any(|(first, last)| last - first >= 2),
        "{transactions:?}"
    );
    for &(first, last) in &transactions {
        for position in first..last {
            let refused = projections::log::check_cut(&app.db.pool, position)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!((refused.first, refused.last), (first, last));
            let answer = trial_balance_at(&app, position).await;
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(&format!("position {position} falls inside one transaction"))
                    && message.contains(&format!("positions {first} to {last}"))
                    && message.contains(&format!("take {last}")),
                "{answer}"
            );
            assert!(answer["data"].is_null() || answer["data"]["trialBalance"].is_null());
        }
        // its ends are boundaries: before it and after it.
        assert!(projections::log::check_cut(&app.db.pool, first - 1)
            .await
            .unwrap()
            .is_ok());
        assert!(projections::log::check_cut(&app.db.pool, last)
            .await
            .unwrap()
            .is_ok());
    }
}

#[tokio::test]
async fn at_every_boundary_the_books_balance_and_receivables_match_the_aged_balance() {
    let app = TestApp::demo().await;
    for (_, last) in multi_event_transactions(&app).await {
        let data = app
            .graphql(
                "query($p: Int!) {
                   trialBalance(asOf: { position: $p }) { totalBalance lines { account balance } }
                   agedBalance(kind: RECEIVABLE, date: \"2099-12-31\", asOf: { position: $p }) { totals { total } } }",
                json!({ "p": last }),
            )
            .await;
        assert_eq!(
            data["trialBalance"]["totalBalance"], "0.00",
            "at {last}: {data}"
        );
        // the receivable account holds what the aged balance says customers owe.
        let receivable: rust_decimal::Decimal = data["trialBalance"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["account"] == "411000")
            .map(|l| {
                l["balance"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        let aged: rust_decimal::Decimal = data["agedBalance"]["totals"]["total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(receivable, aged, "at {last}: {data}");
    }
}

#[tokio::test]
async fn a_database_is_not_copied_up_to_a_position_inside_a_transaction() {
    let app = TestApp::demo().await;
    let transactions = multi_event_transactions(&app).await;
    let &(first, last) = transactions.iter().max_by_key(|(f, l)| l - f).unwrap();
    let name = TestDb::fresh_name();
    let refused = api::fork::fork(&app.db.pool, first, &TestDb::url_of(&name), |_| {})
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains(&format!("position {first} falls inside one transaction")),
        "{refused}"
    );
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(!exists, "a refused copy left database {name} behind");
    // at the transaction's end, the copy holds all of it.
    let (pool, copied) = api::fork::fork(&app.db.pool, last, &TestDb::url_of(&name), |_| {})
        .await
        .unwrap();
    let expected: i64 = sqlx::query_scalar("select count(*) from events where position <= $1")
        .bind(last)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(copied as i64, expected);
    pool.close().await;
}

#[tokio::test]
async fn a_copy_of_the_log_keeps_the_boundaries_of_the_commands_it_copied() {
    let app = TestApp::demo().await;
    let transactions = multi_event_transactions(&app).await;
    let last: i64 = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let name = TestDb::fresh_name();
    // a copy writes every event in one transaction of its own.
    let (copy, _) = api::fork::fork(&app.db.pool, last, &TestDb::url_of(&name), |_| {})
        .await
        .unwrap();
    for &(first, end) in &transactions {
        for position in first..end {
            let refused = projections::log::check_cut(&copy, position)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!((refused.first, refused.last), (first, end));
        }
        assert!(projections::log::check_cut(&copy, end)
            .await
            .unwrap()
            .is_ok());
        assert!(projections::log::check_cut(&copy, first - 1)
            .await
            .unwrap()
            .is_ok());
    }
    copy.close().await;
}
