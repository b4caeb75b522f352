//! What an operator runs into, through the binary: the probes and the metrics, JSON logs
//! without colour, the port taken before any database is touched, and the connection budget.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::wire::exchange;
use tests::{TestDb, ADMIN_PASSWORD};

const MASTER: &str = "master-password-for-tests";

fn erp(url: &str, data_dir: &Path, args: &[&str], stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("ERP_DATA_DIR", data_dir)
        .env("ERP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ERP_MASTER_PASSWORD", MASTER)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("erp starts")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn graphql(port: u16, path: &str, token: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, body) = exchange(port, "POST", path, token, &body).await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Signs in as admin once the server answers.
async fn ready(port: u16) -> String {
    let started = Instant::now();
    loop {
        let body = json!({
            "query": "mutation($p: String!) { login(input: { login: \"admin\", password: $p }) { token } }",
            "variables": { "p": ADMIN_PASSWORD } })
        .to_string();
        if let Some((200, answer)) = exchange(port, "POST", "/graphql", "", &body).await {
            let answer: Value = serde_json::from_str(&answer).unwrap();
            if let Some(token) = answer["data"]["login"]["token"].as_str() {
                return token.to_owned();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the metric line that starts with `series` (name and labels), if any.
fn metric(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_metrics_answer_and_logs_are_json_lines_without_colour() {
    let db = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let log = data_dir.join("log");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = erp(
        &TestDb::url_of(&db.name),
        &data_dir,
        &["serve", "--listen", &listen, "--log-format", "json"],
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let token = ready(port).await;

    assert_eq!(
        exchange(port, "GET", "/healthz", "", "").await,
        Some((200, "ok\n".to_owned()))
    );
    let (status, body) = exchange(port, "GET", "/readyz", "", "").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let readiness: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(readiness["ready"], true);
    assert_eq!(readiness["database"], db.name.as_str());

    // one partner made, one refused (no name), one request that does not parse.
    let create = "mutation($n: String!) { createPartner(input: { name: $n }) { partner { id } userErrors { code } } }";
    let made = graphql(port, "/graphql", &token, create, json!({ "n": "Agrolait" })).await;
    assert_eq!(
        made["data"]["createPartner"]["userErrors"],
        json!([]),
        "{made}"
    );
    let refused = graphql(port, "/graphql", &token, create, json!({ "n": "" })).await;
    let code = refused["data"]["createPartner"]["userErrors"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{refused}"))
        .to_owned();
    let _ = exchange(
        port,
        "POST",
        "/graphql",
        &token,
        r#"{"query": "{ partners {"}"#,
    )
    .await;

    let (status, metrics) = exchange(port, "GET", "/metrics", "", "").await.unwrap();
    assert_eq!(status, 200);
    let d = &db.name;
    let requests = format!(
        "erp_graphql_requests_total{{database=\"{d}\",operation=\"mutation createPartner\"}}"
    );
    assert_eq!(metric(&metrics, &requests), Some(2.0), "{metrics}");
    let ok =
        format!("erp_commands_total{{database=\"{d}\",mutation=\"createPartner\",outcome=\"OK\"}}");
    assert_eq!(metric(&metrics, &ok), Some(1.0), "{metrics}");
    let no = format!(
        "erp_commands_total{{database=\"{d}\",mutation=\"createPartner\",outcome=\"{code}\"}}"
    );
    assert_eq!(metric(&metrics, &no), Some(1.0), "{metrics}");
    let invalid = format!("erp_graphql_requests_total{{database=\"{d}\",operation=\"invalid\"}}");
    assert_eq!(metric(&metrics, &invalid), Some(1.0), "{metrics}");
    let latency = format!(
        "erp_graphql_request_duration_seconds_count{{database=\"{d}\",operation=\"mutation createPartner\"}}"
    );
    assert_eq!(metric(&metrics, &latency), Some(2.0), "{metrics}");
    let waited = format!("erp_read_your_writes_wait_seconds_count{{database=\"{d}\"}}");
    assert!(
        metric(&metrics, &waited).is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
    let lag = format!("erp_projection_lag_events{{database=\"{d}\",projection=\"partner\"}}");
    assert!(metric(&metrics, &lag).is_some(), "{metrics}");
    let pool = format!("erp_pool_connections{{database=\"{d}\",state=\"max\"}}");
    assert_eq!(
        metric(&metrics, &pool),
        Some(8.0),
        "the default pool size: {metrics}"
    );

    // an event the business read model cannot apply (as a bug would make one): not ready at
    // once, not only once the event is a minute old.
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         values ('Invoice', $1, 1, 'InvoiceDrafted', '1.0', '{\"InvoiceDrafted\": 7}', '{}')",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .execute(&db.pool)
    .await
    .unwrap();
    let started = Instant::now();
    let reason = loop {
        let (status, body) = exchange(port, "GET", "/readyz", "", "").await.unwrap();
        if status == 503 {
            break serde_json::from_str::<Value>(&body).unwrap()["reason"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still ready 20 s after a read model stopped: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let reason = reason.as_str().unwrap_or_default();
    assert!(
        reason.contains("business") && reason.contains("fails"),
        "{reason}"
    );

    server.kill().unwrap();
    let _ = server.wait();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains('\u{1b}'),
        "no colour codes in a file: {logged}"
    );
    let lines: Vec<Value> = logged
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty(), "the server logs at info");
    for line in &lines {
        assert!(
            line["level"].is_string() && line["timestamp"].is_string(),
            "{line}"
        );
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_cannot_listen_touches_no_database() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let name = TestDb::fresh_name();
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let listen = format!("127.0.0.1:{port}");
    let output = erp(
        &TestDb::url_of(&name),
        &data_dir,
        &["serve", "--listen", &listen, "--demo"],
        Stdio::piped(),
    )
    .wait_with_output()
    .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("cannot listen on"), "{said}");
    let admin = tests::connect_database("postgres", 1).await;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(!exists, "no database was made");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stays_within_its_connection_budget_and_gives_idle_databases_back() {
    let main = TestDb::new().await;
    let (a, b, c) = (
        TestDb::new().await,
        TestDb::new().await,
        TestDb::new().await,
    );
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    // 4 connections a database (a pool of 2, a listener and the projections' lease): the
    // default and two more fit in 12.
    let mut server = erp(
        &TestDb::url_of(&main.name),
        &data_dir,
        &[
            "serve",
            "--listen",
            &listen,
            "--pool-size",
            "2",
            "--connection-budget",
            "12",
            "--database-idle-seconds",
            "2",
        ],
        Stdio::null(),
    );
    ready(port).await;
    let touch = |name: String| async move {
        let body = json!({ "query": "{ __typename }" }).to_string();
        exchange(port, "POST", &format!("/db/{name}/graphql"), "", &body)
            .await
            .unwrap()
    };
    assert_eq!(touch(a.name.clone()).await.0, 200);
    assert_eq!(touch(b.name.clone()).await.0, 200);
    let (status, body) = touch(c.name.clone()).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("connection budget of 12"), "{body}");
    let served = |metrics: &str| metric(metrics, "erp_databases_served");
    let (_, metrics) = exchange(port, "GET", "/metrics", "", "").await.unwrap();
    assert_eq!(served(&metrics), Some(3.0), "{metrics}");
    // unused for longer than the idle time, a and b are closed: c is served.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, metrics) = exchange(port, "GET", "/metrics", "", "").await.unwrap();
    assert_eq!(
        served(&metrics),
        Some(1.0),
        "only the default stays: {metrics}"
    );
    assert_eq!(touch(c.name.clone()).await.0, 200);
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Runs `erp` to the end on `url`, and says whether it succeeded and what it wrote on stderr.
fn run(url: &str, args: &[&str]) -> (bool, String) {
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let ran = run_in(url, &data_dir, args);
    let _ = std::fs::remove_dir_all(&data_dir);
    ran
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_change_no_database_that_is_not_theirs() {
    let admin = tests::connect_database("postgres", 1).await;
    let has_log = |name: String| async move {
        let db = tests::connect_database(&name, 1).await;
        let found: bool = sqlx::query_scalar("select to_regclass('public.events') is not null")
            .fetch_one(&db)
            .await
            .unwrap();
        db.close().await;
        found
    };
    // PostgreSQL's own database, whatever the command.
    for args in [&["db", "list"][..], &["stage", "list"], &["migrate"]] {
        let (ok, said) = run(&TestDb::url_of("postgres"), args);
        assert!(!ok, "{args:?}");
        assert!(
            said.contains("PostgreSQL's own database"),
            "{args:?}: {said}"
        );
    }
    assert!(!has_log("postgres".to_owned()).await);

    // a missing database is made only by what makes databases.
    let missing = TestDb::fresh_name();
    let (ok, said) = run(&TestDb::url_of(&missing), &["stage", "list"]);
    assert!(!ok);
    assert!(
        said.contains(&format!("there is no database {missing}")),
        "{said}"
    );
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&missing)
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(!exists, "nothing made");

    // another application's database: refused, whatever the command, and left as it was.
    let foreign = TestDb::fresh_name();
    sqlx::query(&format!("create database {foreign}"))
        .execute(&admin)
        .await
        .unwrap();
    let _dropped_later = TestDb::adopt(&foreign).await;
    let other = tests::connect_database(&foreign, 1).await;
    sqlx::query("create table invoices (id int)")
        .execute(&other)
        .await
        .unwrap();
    other.close().await;
    let url = TestDb::url_of(&foreign);
    let (ok, said) = run(&url, &["migrate"]);
    assert!(!ok);
    assert!(
        said.contains("holds 1 tables of its own but no event log"),
        "{said}"
    );
    let (ok, said) = run(&url, &["replay", "verify"]);
    assert!(!ok);
    assert!(said.contains("is not one of this application's"), "{said}");
    assert!(!has_log(foreign.clone()).await, "left as it was");

    // an empty database is what `migrate` may make its own.
    let empty = TestDb::fresh_name();
    sqlx::query(&format!("create database {empty}"))
        .execute(&admin)
        .await
        .unwrap();
    let _dropped_too = TestDb::adopt(&empty).await;
    let (ok, said) = run(&TestDb::url_of(&empty), &["migrate"]);
    assert!(ok, "{said}");
    assert!(has_log(empty.clone()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_works_the_moment_db_create_returns() {
    let main = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let url = TestDb::url_of(&main.name);
    let mut server = erp(
        &url,
        &data_dir,
        &["serve", "--listen", &listen],
        Stdio::null(),
    );
    ready(port).await;
    let login = "mutation($p: String!) { login(input: { login: \"admin\", password: $p }) { token userErrors { code } } }";
    for _ in 0..3 {
        let name = TestDb::fresh_name();
        let created = erp(&url, &data_dir, &["db", "create", &name], Stdio::piped())
            .wait_with_output()
            .unwrap();
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let _dropped_later = TestDb::adopt(&name).await;
        let signed = graphql(
            port,
            &format!("/db/{name}/graphql"),
            "",
            login,
            json!({ "p": ADMIN_PASSWORD }),
        )
        .await;
        assert!(
            signed["data"]["login"]["token"].is_string(),
            "the first try signs in: {signed}"
        );
    }
    // the same through the manager's GraphQL, with and without the demo company.
    for demo in [false, true, false] {
        let name = TestDb::fresh_name();
        let created = graphql(
            port,
            "/manager/graphql",
            "",
            "mutation($pw: String!, $n: String!, $d: Boolean!) {
                createDatabase(masterPassword: $pw, name: $n, demo: $d) { userErrors { message } } }",
            json!({ "pw": MASTER, "n": name, "d": demo }),
        )
        .await;
        assert_eq!(
            created["data"]["createDatabase"]["userErrors"],
            json!([]),
            "{created}"
        );
        let _dropped_later = TestDb::adopt(&name).await;
        let signed = graphql(
            port,
            &format!("/db/{name}/graphql"),
            "",
            login,
            json!({ "p": ADMIN_PASSWORD }),
        )
        .await;
        assert!(
            signed["data"]["login"]["token"].is_string(),
            "the first try signs in: {signed}"
        );
    }
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_slow_down_a_login_and_an_address() {
    let main = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let url = TestDb::url_of(&main.name);
    let mut server = erp(
        &url,
        &data_dir,
        &["serve", "--listen", &listen],
        Stdio::null(),
    );
    ready(port).await;
    let login = |user: String, password: &'static str| async move {
        let answer = graphql(
            port,
            "/graphql",
            "",
            "mutation($l: String!, $p: String!) { login(input: { login: $l, password: $p }) {
                token userErrors { code message } } }",
            json!({ "l": user, "p": password }),
        )
        .await;
        answer["data"]["login"].clone()
    };
    let code = |answer: &Value| answer["userErrors"][0]["code"].as_str().map(str::to_owned);

    // two wrong passwords are free, then 0.25, 0.5 and 1 s are waited out; the next wait
    // (2 s) is too long: the try is refused at once, even with the right password.
    let started = Instant::now();
    for _ in 0..6 {
        let wrong = login("admin".to_owned(), "wrong password").await;
        assert_eq!(
            code(&wrong).as_deref(),
            Some("INVALID_CREDENTIALS"),
            "{wrong}"
        );
    }
    assert!(
        started.elapsed() >= Duration::from_millis(1_750),
        "{:?}",
        started.elapsed()
    );
    let refused = login("admin".to_owned(), ADMIN_PASSWORD).await;
    assert_eq!(
        code(&refused).as_deref(),
        Some("TOO_MANY_ATTEMPTS"),
        "{refused}"
    );
    assert!(refused["token"].is_null());
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("try again in 2 s"),
        "{refused}"
    );
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let signed = login("admin".to_owned(), ADMIN_PASSWORD).await;
    assert!(signed["token"].is_string(), "after the wait: {signed}");

    // guesses at ever other logins from one address: slowed down too, then refused.
    let mut refused_after = None;
    for n in 0..16 {
        let answer = login(format!("nobody{n}"), "wrong password").await;
        if code(&answer).as_deref() == Some("TOO_MANY_ATTEMPTS") {
            refused_after = Some(n);
            break;
        }
    }
    // six wrong ones so far from this address: tries 0 to 3 bring it to ten, all free; the
    // eleventh wrong one (try 4) sets a wait of 0.25 s, which tries 5, 6 and 7 wait out
    // (0.25, 0.5, 1 s); try 8 would wait 2 s: refused.
    assert_eq!(refused_after, Some(8));
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_managers_operations_leave_a_trail_without_passwords() {
    let main = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let url = TestDb::url_of(&main.name);
    let mut server = erp(
        &url,
        &data_dir,
        &["serve", "--listen", &listen],
        Stdio::null(),
    );
    ready(port).await;
    let manage = |query: &'static str, variables: Value| async move {
        graphql(port, "/manager/graphql", "", query, variables).await
    };
    let name = TestDb::fresh_name();
    let created = manage(
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n) {
            userErrors { message } } }",
        json!({ "pw": MASTER, "n": name }),
    )
    .await;
    assert_eq!(
        created["data"]["createDatabase"]["userErrors"],
        json!([]),
        "{created}"
    );
    let _dropped_later = TestDb::adopt(&name).await;
    let wrong = manage(
        "mutation($n: String!) { dropDatabase(masterPassword: \"not it\", name: $n) { userErrors { message } } }",
        json!({ "n": name }),
    )
    .await;
    assert!(wrong["errors"].is_array(), "{wrong}");
    let (ok, said) = run_in(&url, &data_dir, &["db", "drop", &name]);
    assert!(ok, "{said}");

    let trail = manage(
        "query($pw: String!) { trail(masterPassword: $pw, last: 10) { at operation arguments by outcome } }",
        json!({ "pw": MASTER }),
    )
    .await;
    let entries = trail["data"]["trail"]
        .as_array()
        .unwrap_or_else(|| panic!("{trail}"));
    let summary: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("db drop", "OK"),
            ("dropDatabase", "WRONG_MASTER_PASSWORD"),
            ("createDatabase", "OK")
        ],
        "newest first: {trail}"
    );
    assert_eq!(
        entries[2]["arguments"],
        json!({ "name": name }),
        "no password"
    );
    assert!(
        entries[2]["by"].as_str().unwrap().starts_with("127.0.0.1"),
        "{trail}"
    );
    assert!(
        entries[0]["by"]
            .as_str()
            .unwrap()
            .starts_with("the command line"),
        "{trail}"
    );
    let file = std::fs::read_to_string(data_dir.join("manager-trail.jsonl")).unwrap();
    assert!(!file.contains(MASTER) && !file.contains("not it"), "{file}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data_dir.join("manager-trail.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Runs `erp` to the end on `url` with data folder `data_dir`: whether it succeeded, and its
/// standard error.
fn run_in(url: &str, data_dir: &Path, args: &[&str]) -> (bool, String) {
    let output = erp(url, data_dir, args, Stdio::piped())
        .wait_with_output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_runs_the_projections_and_another_takes_over_when_it_is_killed() {
    let db = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("erp-ops-{}", uuid::Uuid::new_v4()));
    let url = TestDb::url_of(&db.name);
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = erp(
        &url,
        &data_dir,
        &["serve", "--listen", &format!("127.0.0.1:{port_a}")],
        Stdio::null(),
    );
    ready(port_a).await;
    let mut b = erp(
        &url,
        &data_dir,
        &["serve", "--listen", &format!("127.0.0.1:{port_b}")],
        Stdio::null(),
    );
    let token = ready(port_b).await;
    let leads = |port: u16| {
        let name = db.name.clone();
        async move {
            let (_, metrics) = exchange(port, "GET", "/metrics", "", "").await?;
            metric(
                &metrics,
                &format!("erp_projection_leader{{database=\"{name}\"}}"),
            )
        }
    };
    assert_eq!(
        (leads(port_a).await, leads(port_b).await),
        (Some(1.0), Some(0.0)),
        "the first one leads"
    );

    // partners made through the one that does not lead: each payload shows its partner, so
    // the follower reads the leader's work.
    let create = {
        let token = token.clone();
        move |n: usize| {
            let token = token.clone();
            async move {
                let answer = graphql(
                port_b,
                "/graphql",
                &token,
                "mutation($n: String!) { createPartner(input: { name: $n }) { partner { name } userErrors { code } } }",
                json!({ "n": format!("Partner {n}") }),
            )
            .await;
                answer["data"]["createPartner"]["partner"]["name"].clone()
            }
        }
    };
    for n in 0..10 {
        assert_eq!(
            create(n).await,
            json!(format!("Partner {n}")),
            "through the follower"
        );
    }
    // the leader killed under load: the other takes over, and no payload comes back stale.
    let loader = tokio::spawn({
        let create = create.clone();
        async move {
            let mut shown = 0;
            for n in 10..60 {
                if create(n).await == json!(format!("Partner {n}")) {
                    shown += 1;
                }
            }
            shown
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.kill().unwrap();
    let _ = a.wait();
    let started = Instant::now();
    while leads(port_b).await != Some(1.0) {
        assert!(started.elapsed() < Duration::from_secs(10), "no take-over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "taken over in {:?}",
        started.elapsed()
    );
    assert_eq!(
        loader.await.unwrap(),
        50,
        "every payload showed its partner"
    );
    let listed = graphql(
        port_b,
        "/graphql",
        &token,
        "{ partners(where: { archived: null }) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(listed["data"]["partners"]["totalCount"], 60, "{listed}");
    b.kill().unwrap();
    let _ = b.wait();
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_read_a_hot_standby_and_a_mutation_answers_once_it_shows_the_change() {
    // a primary and its standby of our own (streaming replication), small enough to copy fast.
    let dir = std::env::temp_dir().join(format!("erp-replica-{}", uuid::Uuid::new_v4()));
    let (primary_port, standby_port, port) = (free_port(), free_port(), free_port());
    let primary_dir = dir.join("primary");
    let primary = tokio::task::spawn_blocking({
        let primary_dir = primary_dir.clone();
        move || api::pg::LocalCluster::ensure(&primary_dir, primary_port)
    })
    .await
    .unwrap()
    .unwrap();
    let url = primary.url("erp");
    let (ok, said) = run_in(&url, &dir, &["migrate"]);
    assert!(ok, "{said}");
    let standby_dir = dir.join("standby");
    let standby = tokio::task::spawn_blocking({
        let (primary, standby_dir) = (primary.clone(), standby_dir.clone());
        move || primary.standby(&standby_dir, standby_port)
    })
    .await
    .unwrap()
    .unwrap();
    let replica = standby.url("erp");
    let mut server = erp(
        &url,
        &dir,
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--replica",
            &replica,
        ],
        Stdio::null(),
    );
    let token = ready(port).await;
    let create = |name: &'static str| {
        let token = token.clone();
        async move {
            graphql(
                port,
                "/graphql",
                &token,
                "mutation($n: String!) { createPartner(input: { name: $n }) { partner { name } } }",
                json!({ "n": name }),
            )
            .await["data"]["createPartner"]["partner"]["name"]
                .clone()
        }
    };
    let found = |name: &'static str| {
        let token = token.clone();
        async move {
            graphql(
                port,
                "/graphql",
                &token,
                "query($n: String!) { partners(where: { nameContains: $n }) { totalCount } }",
                json!({ "n": name }),
            )
            .await["data"]["partners"]["totalCount"]
                .clone()
        }
    };
    assert_eq!(
        create("Agrolait").await,
        json!("Agrolait"),
        "read your write"
    );
    assert_eq!(found("Agrolait").await, json!(1));

    // the standby stops replaying: what is written now is on the primary only, and queries,
    // which read the standby, do not see it until it replays again.
    let on_standby = sqlx::PgPool::connect(&replica).await.unwrap();
    sqlx::query("select pg_wal_replay_pause()")
        .execute(&on_standby)
        .await
        .unwrap();
    let _ = create("Camptocamp").await;
    let on_primary = sqlx::PgPool::connect(&url).await.unwrap();
    let written: i64 = sqlx::query_scalar("select count(*) from partner where name = 'Camptocamp'")
        .fetch_one(&on_primary)
        .await
        .unwrap();
    assert_eq!(written, 1, "on the primary");
    assert_eq!(
        found("Camptocamp").await,
        json!(0),
        "not yet on the standby"
    );
    sqlx::query("select pg_wal_replay_resume()")
        .execute(&on_standby)
        .await
        .unwrap();
    let started = Instant::now();
    while found("Camptocamp").await != json!(1) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never replayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // a server pointed at a database that is not a standby as its replica refuses to start.
    let (ok, said) = run_in(
        &url,
        &dir,
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--replica",
            &url,
        ],
    );
    assert!(!ok);
    assert!(said.contains("not a standby"), "{said}");

    server.kill().unwrap();
    let _ = server.wait();
    on_standby.close().await;
    on_primary.close().await;
    let _ = api::pg::stop(&standby_dir);
    let _ = api::pg::stop(&primary_dir);
    let _ = std::fs::remove_dir_all(&dir);
}
