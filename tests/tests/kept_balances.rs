//! Balances kept per account and day, and per partner and day (issue 20): after random
//! histories, rebuilds and stage restores they equal a recomputation from the journal items,
//! and the trial balance and the partner ledger's openings read from them (now, for any dates,
//! and as of any point of the log) equal the ones summed item by item.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use api::read_models;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::PgPool;
use tests::books::{configure, grow, must, position, set_up_the_books, text, Cast};
use tests::TestApp;

/// Kept sums per (company, account, day), and per month (`month 2026-03-01`): debit, credit,
/// items.
type Sums = BTreeMap<(String, String, String), (Decimal, Decimal, i64)>;

async fn kept(pool: &PgPool) -> Sums {
    sums(
        pool,
        "select company, account, day::text, debit, credit, items from account_day
         union all
         select company, account, 'month ' || month, debit, credit, items from account_month",
    )
    .await
}

/// The same sums, item by item.
async fn recomputed(pool: &PgPool) -> Sums {
    sums(
        pool,
        "select company, account, entry_date::text, sum(debit), sum(credit), count(*)
           from journal_item group by company, account, entry_date
         union all
         select company, account, 'month ' || date_trunc('month', entry_date)::date,
                sum(debit), sum(credit), count(*)
           from journal_item group by company, account, date_trunc('month', entry_date)",
    )
    .await
}

async fn sums(pool: &PgPool, sql: &str) -> Sums {
    let rows: Vec<(String, String, String, Decimal, Decimal, i64)> =
        sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    rows.into_iter()
        .map(|(c, a, d, debit, credit, items)| ((c, a, d), (debit, credit, items)))
        .collect()
}

/// The trial balance's lines (account, opening, debit, credit) summed item by item from the
/// items in the books at `position` (all without it) dated up to `to`, split at `from`.
async fn summed(
    pool: &PgPool,
    from: Option<&str>,
    to: Option<&str>,
    position: Option<i64>,
) -> Vec<(String, Decimal, Decimal, Decimal)> {
    sqlx::query_as(
        "select account,
                coalesce(sum(debit - credit) filter (where entry_date < $1::date), 0),
                coalesce(sum(debit) filter (where $1::date is null or entry_date >= $1::date), 0),
                coalesce(sum(credit) filter (where $1::date is null or entry_date >= $1::date), 0)
           from journal_item
          where ($2::date is null or entry_date <= $2::date)
            and ($3::bigint is null or position <= $3)
          group by account order by account",
    )
    .bind(from)
    .bind(to)
    .bind(position)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn trial_balance(
    app: &TestApp,
    from: Option<&str>,
    to: Option<&str>,
    position: Option<i64>,
) -> Vec<(String, Decimal, Decimal, Decimal)> {
    let as_of = position.map(|p| json!({ "position": p }));
    let data = app
        .graphql(
            "query($from: NaiveDate, $to: NaiveDate, $asOf: AsOfInput) {
                trialBalance(from: $from, to: $to, asOf: $asOf) {
                    lines { account opening debit credit } } }",
            json!({ "from": from, "to": to, "asOf": as_of }),
        )
        .await;
    let decimal = |v: &Value| text(v).parse::<Decimal>().unwrap();
    data["trialBalance"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                text(&l["account"]).to_owned(),
                decimal(&l["opening"]),
                decimal(&l["debit"]),
                decimal(&l["credit"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn kept_balances_equal_the_items_after_random_histories_rebuilds_and_restores() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    must(
        &app,
        "createStage",
        "CreateStageInput",
        json!({ "name": "books set up" }),
        "stage { name }",
    )
    .await;
    let pool = &app.db.pool;
    let cast = Cast::new(&app).await;
    let mut points = vec![position(pool).await];
    for seed in [7_u64, 8, 9] {
        let mut rng = StdRng::seed_from_u64(seed);
        grow(&app, &cast, &mut rng, 8).await;
        points.push(position(pool).await);
        assert_eq!(
            kept(pool).await,
            recomputed(pool).await,
            "after seed {seed}"
        );
    }
    assert!(!kept(pool).await.is_empty());

    // the trial balance, now and at each point, over dates that split days and months.
    let windows = [
        (None, None),
        (Some("2026-03-01"), None),
        (None, Some("2026-04-15")),
        (Some("2026-02-14"), Some("2026-05-03")),
        (Some("2026-07-01"), None),
    ];
    for &(from, to) in &windows {
        assert_eq!(
            trial_balance(&app, from, to, None).await,
            summed(pool, from, to, None).await,
            "{from:?}..{to:?}"
        );
        for &point in &points {
            assert_eq!(
                trial_balance(&app, from, to, Some(point)).await,
                summed(pool, from, to, Some(point)).await,
                "{from:?}..{to:?} as of {point}"
            );
        }
    }
    // before anything was posted: nothing (not accounts with nothing in them).
    assert_eq!(
        trial_balance(&app, None, None, Some(points[0])).await,
        vec![]
    );

    // rebuilt from the log: the same sums.
    let before = kept(pool).await;
    read_models::rebuild(pool, "business", &|_| {})
        .await
        .expect("the business projection")
        .expect("rebuilt");
    assert_eq!(kept(pool).await, before);
    // the configuration put back to a stage: business data and its sums untouched.
    configure(
        &app,
        "setAccount",
        "SetAccountInput",
        json!({ "code": "999000", "name": "Unused", "kind": "EXPENSE" }),
    )
    .await;
    must(
        &app,
        "restoreStage",
        "RestoreStageInput",
        json!({ "name": "books set up" }),
        "restored",
    )
    .await;
    let mut rng = StdRng::seed_from_u64(10);
    grow(&app, &cast, &mut rng, 5).await;
    assert_eq!(kept(pool).await, recomputed(pool).await);
    assert_eq!(
        trial_balance(&app, Some("2026-02-14"), Some("2026-05-03"), None).await,
        summed(pool, Some("2026-02-14"), Some("2026-05-03"), None).await
    );
}

/// Kept sums per (company, account, partner, day), and per month.
async fn kept_per_partner(
    pool: &PgPool,
) -> BTreeMap<(String, String, String, String), (Decimal, Decimal, i64)> {
    per_partner(
        pool,
        "select company, account, partner_id::text, day::text, debit, credit, items from partner_day
         union all
         select company, account, partner_id::text, 'month ' || month, debit, credit, items
           from partner_month",
    )
    .await
}

async fn per_partner(
    pool: &PgPool,
    sql: &str,
) -> BTreeMap<(String, String, String, String), (Decimal, Decimal, i64)> {
    let rows: Vec<(String, String, String, String, Decimal, Decimal, i64)> =
        sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    rows.into_iter()
        .map(|(c, a, p, d, debit, credit, items)| ((c, a, p, d), (debit, credit, items)))
        .collect()
}

/// Each partner's opening in the partner ledger from `from`, summed item by item from the
/// receivable and payable items in the books at `position` (all without it): partner id ->
/// opening, where it is not 0.
async fn openings_summed(
    pool: &PgPool,
    from: &str,
    position: Option<i64>,
) -> BTreeMap<String, Decimal> {
    let rows: Vec<(String, Decimal)> = sqlx::query_as(
        "select partner_id::text, sum(debit - credit)
           from journal_item
          where partner_id is not null and account in ('411000', '401000')
            and entry_date < $1::date and ($2::bigint is null or position <= $2)
          group by partner_id",
    )
    .bind(from)
    .bind(position)
    .fetch_all(pool)
    .await
    .unwrap();
    // the ledger shows a partner with nothing before `from` at 0: compared where not 0.
    rows.into_iter().filter(|(_, o)| !o.is_zero()).collect()
}

async fn partner_openings(
    app: &TestApp,
    from: &str,
    position: Option<i64>,
) -> BTreeMap<String, Decimal> {
    let as_of = position.map(|p| json!({ "position": p }));
    let data = app
        .graphql(
            "query($from: NaiveDate, $asOf: AsOfInput) {
                partnerLedger(from: $from, asOf: $asOf) { key opening } }",
            json!({ "from": from, "asOf": as_of }),
        )
        .await;
    data["partnerLedger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                text(&l["key"]).to_owned(),
                text(&l["opening"]).parse::<Decimal>().unwrap(),
            )
        })
        .filter(|(_, opening)| !opening.is_zero())
        .collect()
}

#[tokio::test]
async fn partner_balances_kept_per_day_open_the_partner_ledger_at_any_day_and_point() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let pool = &app.db.pool;
    let cast = Cast::new(&app).await;
    let recomputed = "select company, account, partner_id::text, entry_date::text,
                             sum(debit), sum(credit), count(*)
                        from journal_item where partner_id is not null
                       group by company, account, partner_id, entry_date
                      union all
                      select company, account, partner_id::text,
                             'month ' || date_trunc('month', entry_date)::date,
                             sum(debit), sum(credit), count(*)
                        from journal_item where partner_id is not null
                       group by company, account, partner_id, date_trunc('month', entry_date)";
    let mut points = vec![position(pool).await];
    for seed in [21_u64, 22, 23] {
        let mut rng = StdRng::seed_from_u64(seed);
        grow(&app, &cast, &mut rng, 8).await;
        points.push(position(pool).await);
        assert_eq!(
            kept_per_partner(pool).await,
            per_partner(pool, recomputed).await,
            "after seed {seed}"
        );
    }
    assert!(!kept_per_partner(pool).await.is_empty());
    let mut compared = 0;
    for from in ["2026-02-14", "2026-04-01", "2026-06-30", "2027-01-01"] {
        let now = openings_summed(pool, from, None).await;
        assert_eq!(partner_openings(&app, from, None).await, now, "from {from}");
        compared += now.len();
        for &point in &points {
            assert_eq!(
                partner_openings(&app, from, Some(point)).await,
                openings_summed(pool, from, Some(point)).await,
                "from {from} as of {point}"
            );
        }
    }
    assert!(compared > 0, "some partner had a balance before some day");

    let before = kept_per_partner(pool).await;
    read_models::rebuild(pool, "business", &|_| {})
        .await
        .expect("the business projection")
        .expect("rebuilt");
    assert_eq!(kept_per_partner(pool).await, before);
}

/// Every page of `account`'s ledger, `size` lines at a time: each page's opening and closing
/// balance, its lines (number, date, debit, credit, balance), and the total count it says.
async fn pages(
    app: &TestApp,
    account: &str,
    from: Option<&str>,
    to: Option<&str>,
    position: Option<i64>,
    size: i32,
) -> Vec<(Value, Value, Vec<Value>, Value)> {
    let mut after = Value::Null;
    let mut pages = Vec::new();
    loop {
        let data = app
            .graphql(
                "query($account: String!, $from: NaiveDate, $to: NaiveDate, $asOf: AsOfInput,
                       $first: Int, $after: String) {
                    ledgerLines(account: $account, from: $from, to: $to, asOf: $asOf,
                                first: $first, after: $after) {
                        totalCount openingBalance closingBalance
                        pageInfo { hasNextPage endCursor }
                        nodes { number date debit credit balance } } }",
                json!({ "account": account, "from": from, "to": to,
                        "asOf": position.map(|p| json!({ "position": p })),
                        "first": size, "after": after }),
            )
            .await;
        let page = &data["ledgerLines"];
        pages.push((
            page["openingBalance"].clone(),
            page["closingBalance"].clone(),
            page["nodes"].as_array().unwrap().clone(),
            page["totalCount"].clone(),
        ));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return pages;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_ledger_cursor_from_outside_the_dates_asked_is_refused() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let cast = Cast::new(&app).await;
    grow(&app, &cast, &mut StdRng::seed_from_u64(21), 6).await;
    let first = app
        .graphql(
            "{ ledgerLines(account: \"411000\", first: 1) { nodes { date } pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let date = text(&first["ledgerLines"]["nodes"][0]["date"]).to_owned();
    let cursor = first["ledgerLines"]["pageInfo"]["endCursor"].clone();
    // the same cursor given to the ledger from the day after its line: refused, not a wrong
    // opening balance.
    let after: chrono::NaiveDate = date.parse().unwrap();
    let from = after.succ_opt().unwrap().to_string();
    let refused = app
        .graphql_with(
            &app.admin_token,
            "query($c: String, $from: NaiveDate) {
                ledgerLines(account: \"411000\", from: $from, first: 5, after: $c) { totalCount } }",
            json!({ "c": cursor, "from": from }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{refused}"
    );
}

#[tokio::test]
async fn a_ledger_read_a_page_at_a_time_adds_up_to_the_whole_ledger() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let cast = Cast::new(&app).await;
    let pool = &app.db.pool;
    let mut rng = StdRng::seed_from_u64(20);
    grow(&app, &cast, &mut rng, 10).await;
    let middle = position(pool).await;
    grow(&app, &cast, &mut rng, 10).await;
    for account in ["411000", "550000", "700000"] {
        for (from, to) in [
            (None, None),
            (Some("2026-02-10"), Some("2026-05-20")),
            (Some("2026-03-01"), None),
        ] {
            for point in [None, Some(middle)] {
                let whole = app
                    .graphql(
                        "query($accounts: [String!], $from: NaiveDate, $to: NaiveDate,
                               $asOf: AsOfInput) {
                            generalLedger(accounts: $accounts, from: $from, to: $to, asOf: $asOf) {
                                opening closing lines { number date debit credit balance } } }",
                        json!({ "accounts": [account], "from": from, "to": to,
                                "asOf": point.map(|p| json!({ "position": p })) }),
                    )
                    .await;
                let whole = &whole["generalLedger"][0];
                let read = pages(&app, account, from, to, point, 3).await;
                let case = format!("{account} {from:?}..{to:?} as of {point:?}");
                // the pages' lines, one after the other, are the ledger's lines.
                let lines: Vec<Value> = read.iter().flat_map(|p| p.2.clone()).collect();
                let expected = whole["lines"].as_array().cloned().unwrap_or_default();
                assert_eq!(lines, expected, "{case}");
                assert!(read.len() > 1 || expected.len() <= 3, "{case}");
                // each page opens where the one before closed; the first where the ledger opens.
                let opening = whole.get("opening").cloned().unwrap_or(json!("0.00"));
                assert_eq!(read[0].0, opening, "{case}");
                for pair in read.windows(2) {
                    assert_eq!(pair[1].0, pair[0].1, "{case}");
                }
                let closing = whole.get("closing").cloned().unwrap_or(json!("0.00"));
                assert_eq!(read.last().unwrap().1, closing, "{case}");
                for page in &read {
                    assert_eq!(page.3, json!(expected.len()), "{case}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_ledger_longer_than_ten_thousand_lines_is_refused_whole_and_read_a_page_at_a_time() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    // eleven entries of 1,000 lines on the receivables, one a day from 1 March: 500 debits
    // and 500 credits of 1.00 each, all with Agrolait: 11,000 lines of the same account. A
    // manual entry may no longer touch a receivable account; these are posted into their
    // months as entries made before that rule were (what a database of then still holds).
    let partner_id: uuid::Uuid = partner.parse().unwrap();
    for day in 1..=11_u32 {
        use domain::ledger::{
            EntryLine, EntryOrigin, JournalEntry, Period, PeriodCommand, PeriodId,
        };
        let receivable = domain::configuration::Code::parse("411000").unwrap();
        let lines = (0..1000)
            .map(|n| {
                let make = if n % 2 == 0 {
                    EntryLine::debit
                } else {
                    EntryLine::credit
                };
                make(
                    receivable.clone(),
                    Some(partner_id),
                    "legacy",
                    "1.00".parse().unwrap(),
                )
            })
            .collect();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        let entry = JournalEntry {
            id: uuid::Uuid::now_v7(),
            journal: domain::configuration::Code::parse("misc").unwrap(),
            number: format!("LEGACY/{day:02}"),
            date,
            reference: String::new(),
            origin: EntryOrigin::Manual,
            lines,
            company: domain::configuration::Code::main_company(),
        };
        let period = PeriodId::of(date);
        let context = commands::CommandContext::system("legacy");
        app.backend
            .state
            .bus
            .run(&context, "PostEntry", |work| {
                let entry = entry.clone();
                Box::pin(async move {
                    work.decide::<Period>(
                        &period.to_string(),
                        PeriodCommand::PostEntry { period, entry },
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(30))
        .await
        .unwrap();
    for query in [
        "{ generalLedger { debit } }",
        "{ generalLedger(accounts: [\"411000\"]) { debit } }",
        "{ partnerLedger { debit } }",
    ] {
        let refused = app.graphql_with(&app.admin_token, query, json!({})).await;
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("more than 10000 lines"),
            "{query}: {refused}"
        );
    }
    // two days of it: 2,000 lines, answered whole; balances by hand: 1,000 debits and
    // credits of 1.00 each.
    let two_days = app
        .graphql(
            "{ generalLedger(accounts: [\"411000\"], to: \"2026-03-02\") {
                debit credit lines { number } }
               partnerLedger(to: \"2026-03-02\") { debit credit lines { number } } }",
            json!({}),
        )
        .await;
    for report in ["generalLedger", "partnerLedger"] {
        let ledger = &two_days[report][0];
        assert_eq!(ledger["lines"].as_array().unwrap().len(), 2000, "{report}");
        assert_eq!(ledger["debit"], "1000.00", "{report}");
        assert_eq!(ledger["credit"], "1000.00", "{report}");
    }
    // the whole account a page at a time: 11,000 lines counted.
    let first = app
        .graphql(
            "{ ledgerLines(account: \"411000\", first: 100) { totalCount closingBalance } }",
            json!({}),
        )
        .await;
    assert_eq!(first["ledgerLines"]["totalCount"], 11_000, "{first}");
}

/// Kept stock per (product, location, company, day), and per month: quantity, moves.
type Stock = BTreeMap<(String, String, String, String), (Decimal, i64)>;

async fn stock(pool: &PgPool, sql: &str) -> Stock {
    let rows: Vec<(String, String, String, String, Decimal, i64)> =
        sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    rows.into_iter()
        .map(|(p, l, c, d, q, n)| ((p, l, c, d), (q, n)))
        .collect()
}

async fn kept_stock(pool: &PgPool) -> Stock {
    stock(
        pool,
        "select product_id::text, location, company, day::text, quantity, moves from stock_day
         union all
         select product_id::text, location, company, 'month ' || month, quantity, moves
           from stock_month",
    )
    .await
}

/// The same, move by move.
async fn moved(pool: &PgPool) -> Stock {
    stock(
        pool,
        "select product_id::text, location, company, move_date::text, sum(q), count(*)
           from (select product_id, to_location as location, company, move_date, quantity as q
                   from stock_move
                 union all
                 select product_id, from_location, company, move_date, -quantity from stock_move) m
          group by product_id, location, company, move_date
         union all
         select product_id::text, location, company, 'month ' || date_trunc('month', move_date)::date,
                sum(q), count(*)
           from (select product_id, to_location as location, company, move_date, quantity as q
                   from stock_move
                 union all
                 select product_id, from_location, company, move_date, -quantity from stock_move) m
          group by product_id, location, company, date_trunc('month', move_date)",
    )
    .await
}

/// What `stockLevels` says is on hand in the warehouse on `date` as of `position`, by
/// reference.
async fn on_hand(
    app: &TestApp,
    date: Option<&str>,
    position: Option<i64>,
) -> BTreeMap<String, Decimal> {
    let data = app
        .graphql(
            "query($date: NaiveDate, $asOf: AsOfInput) {
                stockLevels(first: 100, date: $date, asOf: $asOf) { nodes { reference onHand } } }",
            json!({ "date": date, "asOf": position.map(|p| json!({ "position": p })) }),
        )
        .await;
    data["stockLevels"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{data}"))
        .iter()
        .map(|n| {
            (
                text(&n["reference"]).to_owned(),
                text(&n["onHand"]).parse().unwrap(),
            )
        })
        .collect()
}

/// The same, summed move by move from `stock_move`.
async fn summed_stock(
    pool: &PgPool,
    date: Option<&str>,
    position: Option<i64>,
) -> BTreeMap<String, Decimal> {
    let rows: Vec<(String, Decimal)> = sqlx::query_as(
        "select p.reference,
                coalesce(sum(case when m.to_location = 'stock' then m.quantity
                                  when m.from_location = 'stock' then -m.quantity end), 0)
           from product p
           left join stock_move m on m.product_id = p.id
                 and ($1::date is null or m.move_date <= $1::date)
                 and ($2::bigint is null or m.position <= $2)
          where p.kind <> 'service'
            and exists (select 1 from product_cost c where c.product_id = p.id
                          and ($2::bigint is null or c.position <= $2))
          group by p.reference",
    )
    .bind(date)
    .bind(position)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

#[tokio::test]
async fn kept_stock_equals_the_moves_after_random_histories_and_rebuilds() {
    use rand::Rng;
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let pool = &app.db.pool;
    let cast = Cast::new(&app).await;
    let chair = tests::books::product(&app, "CHAIR", "STOCKABLE", "80", "35").await;
    let goods = [cast.products[0].clone(), chair];
    let mut points = vec![position(pool).await];
    let mut rng = StdRng::seed_from_u64(21);
    // what the confirmed orders still bring in and take out, by product id, by hand.
    let mut incoming: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut outgoing: BTreeMap<String, Decimal> = BTreeMap::new();
    let day = |rng: &mut StdRng| {
        format!(
            "2026-{:02}-{:02}",
            rng.random_range(1..=6),
            rng.random_range(1..=28)
        )
    };
    for round in 0..8 {
        // bought and received, in part or whole; then sold and delivered, in part.
        let product = &goods[round % 2];
        let bought = rng.random_range(5..=20);
        let purchase = tests::books::order(
            &app,
            "purchase",
            &cast.supplier,
            &day(&mut rng),
            json!([{ "product": product, "quantity": bought.to_string() }]),
        )
        .await;
        let received = rng.random_range(3..=bought);
        *incoming.entry(product.clone()).or_default() += Decimal::from(bought - received);
        let answer = tests::books::deliver(
            &app,
            text(&purchase["id"]),
            &day(&mut rng),
            json!([{ "line": 0, "quantity": received.to_string() }]),
        )
        .await;
        assert_eq!(answer["userErrors"], json!([]), "{answer}");
        let sale = tests::books::order(
            &app,
            "sale",
            &cast.customers[round % 2],
            &day(&mut rng),
            json!([{ "product": product, "quantity": "3" }]),
        )
        .await;
        let sent = rng.random_range(1..=2);
        *outgoing.entry(product.clone()).or_default() += Decimal::from(3 - sent);
        // in July, after every receipt: a delivery dated back before the goods came in is
        // refused (the stock of every day since must hold it).
        let july = format!("2026-07-{:02}", rng.random_range(1..=28));
        let answer = tests::books::deliver(
            &app,
            text(&sale["id"]),
            &july,
            json!([{ "line": 0, "quantity": sent.to_string() }]),
        )
        .await;
        assert_eq!(answer["userErrors"], json!([]), "{answer}");
        points.push(position(pool).await);
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(kept_stock(pool).await, moved(pool).await);
    assert!(!kept_stock(pool).await.is_empty());
    // a draft order brings and takes nothing.
    let draft = must(
        &app,
        "createPurchaseOrder",
        "CreateOrderInput",
        json!({ "partner": cast.supplier, "date": "2026-05-01",
                "lines": [{ "product": goods[0], "quantity": "50" }] }),
        "order { id }",
    )
    .await;
    assert!(draft["order"]["id"].is_string(), "{draft}");
    let levels = app
        .graphql(
            "{ stockLevels(first: 100) { nodes { product { id } incoming outgoing } } }",
            json!({}),
        )
        .await;
    let mut answered = (BTreeMap::new(), BTreeMap::new());
    for node in levels["stockLevels"]["nodes"].as_array().unwrap() {
        let id = text(&node["product"]["id"]).to_owned();
        let amount = |field: &str| text(&node[field]).parse::<Decimal>().unwrap();
        for (map, field) in [(&mut answered.0, "incoming"), (&mut answered.1, "outgoing")] {
            if !amount(field).is_zero() {
                map.insert(id.clone(), amount(field));
            }
        }
    }
    incoming.retain(|_, q| !q.is_zero());
    outgoing.retain(|_, q| !q.is_zero());
    assert!(!incoming.is_empty() && !outgoing.is_empty());
    assert_eq!(answered, (incoming, outgoing));
    // on hand now and at each point, on dates that split the months.
    for date in [
        None,
        Some("2026-02-14"),
        Some("2026-04-30"),
        Some("2026-01-01"),
    ] {
        assert_eq!(
            on_hand(&app, date, None).await,
            summed_stock(pool, date, None).await,
            "{date:?}"
        );
        for &point in &points {
            assert_eq!(
                on_hand(&app, date, Some(point)).await,
                summed_stock(pool, date, Some(point)).await,
                "{date:?} as of {point}"
            );
        }
    }
    // rebuilt from the log: the same quantities.
    let before = kept_stock(pool).await;
    read_models::rebuild(pool, "business", &|_| {})
        .await
        .expect("the business projection")
        .expect("rebuilt");
    assert_eq!(kept_stock(pool).await, before);
}

/// What each partner's documents of `kinds` owed on `date` as of `position`, by partner and
/// due date, document by document from the documents and their matches (the way the aged
/// balance was read before the amounts were kept).
async fn owed_document_by_document(
    pool: &PgPool,
    kinds: &[&str],
    date: &str,
    position: Option<i64>,
) -> BTreeMap<(String, String), Decimal> {
    let rows: Vec<(String, String, Decimal)> = sqlx::query_as(
        "select partner_id::text, due_date::text,
                (case when kind like '%credit_note' then -1 else 1 end)
                * (total - coalesce((select sum(m.amount) from invoice_match m
                                      where m.invoice_id = d.id and m.match_date <= $2::date
                                        and ($3::bigint is null or m.position <= $3)), 0))
           from invoice d
          where kind = any($1) and posted_position is not null and invoice_date <= $2::date
            and ($3::bigint is null or posted_position <= $3)",
    )
    .bind(kinds)
    .bind(date)
    .bind(position)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut owed = BTreeMap::new();
    for (partner, due, amount) in rows {
        *owed.entry((partner, due)).or_default() += amount;
    }
    owed.retain(|_, amount: &mut Decimal| !amount.is_zero());
    owed
}

/// The aged balance's lines per partner, what each owes on `date` as of `position`: not due,
/// 0–30, 31–60, 61–90 and over 90 days late, and in all; lines of nothing but zeros left out.
async fn aged(
    app: &TestApp,
    kind: &str,
    date: &str,
    position: Option<i64>,
) -> BTreeMap<String, [Decimal; 6]> {
    let data = app
        .graphql(
            "query($kind: AgedKind!, $date: NaiveDate, $asOf: AsOfInput) {
                agedBalance(kind: $kind, date: $date, asOf: $asOf) {
                    lines { partner { id } notDue days0To30 days31To60 days61To90 over90 total } } }",
            json!({ "kind": kind, "date": date, "asOf": position.map(|p| json!({ "position": p })) }),
        )
        .await;
    data["agedBalance"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{data}"))
        .iter()
        .map(|l| {
            let amounts = [
                "notDue",
                "days0To30",
                "days31To60",
                "days61To90",
                "over90",
                "total",
            ]
            .map(|field| text(&l[field]).parse::<Decimal>().unwrap());
            (text(&l["partner"]["id"]).to_owned(), amounts)
        })
        .filter(|(_, amounts)| amounts.iter().any(|a| !a.is_zero()))
        .collect()
}

/// `owed` (by partner and due date) put in the aged balance's columns on `date` by hand: days
/// late counted from the due date, each column and the total rounded to cents.
fn bucketed(
    owed: BTreeMap<(String, String), Decimal>,
    date: &str,
) -> BTreeMap<String, [Decimal; 6]> {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut by: BTreeMap<String, [Decimal; 6]> = BTreeMap::new();
    for ((partner, due), amount) in owed {
        let late = (day(date) - day(&due)).num_days();
        let column = if late < 0 {
            0
        } else {
            (1 + (late - 1).max(0) / 30).min(4) as usize
        };
        let line = by.entry(partner).or_default();
        line[column] += amount;
        line[5] += amount;
    }
    by.into_iter()
        .map(|(p, line)| (p, line.map(|a| a.round_dp(2))))
        .filter(|(_, line)| line.iter().any(|a| !a.is_zero()))
        .collect()
}

#[test]
fn days_late_fall_in_the_columns_the_aged_balance_names() {
    let owed = |due: &str| BTreeMap::from([(("p".to_owned(), due.to_owned()), Decimal::ONE)]);
    // on 2026-06-30: due 07-01 not due; 06-30 (0 days) and 05-31 (30) in 0–30; 05-30 (31) and
    // 05-01 (60) in 31–60; 04-30 (61) and 04-01 (90) in 61–90; 03-31 (91) over 90.
    for (due, column) in [
        ("2026-07-01", 0),
        ("2026-06-30", 1),
        ("2026-05-31", 1),
        ("2026-05-30", 2),
        ("2026-05-01", 2),
        ("2026-04-30", 3),
        ("2026-04-01", 3),
        ("2026-03-31", 4),
        ("2020-01-01", 4),
    ] {
        let line = bucketed(owed(due), "2026-06-30")["p"];
        assert_eq!(line[column], Decimal::ONE, "due {due}");
        assert_eq!(line.iter().filter(|a| !a.is_zero()).count(), 2, "due {due}");
    }
}

#[tokio::test]
async fn open_amounts_kept_per_partner_give_the_aged_balance_of_any_day_and_point() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let pool = &app.db.pool;
    let cast = Cast::new(&app).await;
    let mut points = vec![position(pool).await];
    for seed in [31_u64, 32, 33] {
        let mut rng = StdRng::seed_from_u64(seed);
        grow(&app, &cast, &mut rng, 10).await;
        points.push(position(pool).await);
    }
    // a credit note against a posted invoice, posted on the invoice's day: it counts negative.
    let (invoice, day): (String, String) = sqlx::query_as(
        "select id::text, invoice_date::text from invoice
          where kind = 'customer_invoice' and posted_position is not null
          order by posted_position limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let credit = must(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": invoice, "date": day }),
        "invoice { id }",
    )
    .await;
    must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": credit["invoice"]["id"] }),
        "invoice { id }",
    )
    .await;
    points.push(position(pool).await);
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // kept: what is open now, by key, and nothing settled.
    let kept: Vec<(String, String, Decimal)> = sqlx::query_as(
        "select partner_id::text, due_date::text, amount from open_due
          where kind in ('customer_invoice', 'customer_credit_note')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(kept.iter().all(|(.., amount)| !amount.is_zero()));
    let mut now: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for (partner, due, amount) in kept {
        *now.entry((partner, due)).or_default() += amount;
    }
    now.retain(|_, amount| !amount.is_zero());
    let receivable = ["customer_invoice", "customer_credit_note"];
    assert_eq!(
        now,
        owed_document_by_document(pool, &receivable, "2100-01-01", None).await
    );

    // the aged balance on dates that split the months, now and at each point, equals the
    // documents' residuals summed one by one, per partner and column.
    for (kind, kinds) in [
        ("RECEIVABLE", receivable),
        ("PAYABLE", ["vendor_bill", "vendor_credit_note"]),
    ] {
        for date in [
            "2026-02-14",
            "2026-04-30",
            "2026-05-31",
            "2026-06-30",
            "2100-01-01",
        ] {
            for point in points.iter().copied().map(Some).chain([None]) {
                let expected = bucketed(
                    owed_document_by_document(pool, &kinds, date, point).await,
                    date,
                );
                let answered = aged(&app, kind, date, point).await;
                assert_eq!(answered, expected, "{kind} on {date} as of {point:?}");
            }
        }
    }

    // kept in all per partner: the sum of what is kept by due date.
    let totals = "select company, kind, partner_id::text, amount from open_total order by 1, 2, 3";
    let summed: Vec<(String, String, String, Decimal)> = sqlx::query_as(
        "select company, kind, partner_id::text, sum(amount) from open_due
          group by 1, 2, 3 having sum(amount) <> 0 order by 1, 2, 3",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let kept_totals: Vec<(String, String, String, Decimal)> =
        sqlx::query_as(totals).fetch_all(pool).await.unwrap();
    assert!(!kept_totals.is_empty());
    assert_eq!(kept_totals, summed);

    // rebuilt from the log: the same open amounts.
    let before: Vec<(String, String, String, String, Decimal)> = sqlx::query_as(
        "select company, kind, partner_id::text, due_date::text, amount from open_due order by 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    read_models::rebuild(pool, "business", &|_| {})
        .await
        .expect("the business projection")
        .expect("rebuilt");
    let after: Vec<(String, String, String, String, Decimal)> = sqlx::query_as(
        "select company, kind, partner_id::text, due_date::text, amount from open_due order by 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(after, before);
    let rebuilt: Vec<(String, String, String, Decimal)> =
        sqlx::query_as(totals).fetch_all(pool).await.unwrap();
    assert_eq!(rebuilt, kept_totals);
}
