//! The test harness: a real PostgreSQL, one fresh database per test, and the application on it.
//!
//! The server is the embedded cluster under `<workspace>/.erp` (started on first use, exactly as
//! `erp serve` does), or the one `ERP_TEST_DATABASE_URL` points at (any database of that server;
//! tests create their own next to it). The schema is migrated once into a template database
//! named after the migrations' fingerprint; each test gets `CREATE DATABASE ... TEMPLATE`
//! (milliseconds), so tests run in parallel and never see each other's data. A test's database
//! is dropped once the test has ended. Set `TEST_LOG=debug` to see the application's logs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod books;
pub mod browser;
pub mod wire;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api::Backend;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use tower::ServiceExt;

/// The password of `admin` in every test database.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The password of the users [`TestApp::user`] creates.
pub const USER_PASSWORD: &str = "user-password-for-tests";
/// The master password of the server `TestApp::listen` starts.
pub const MASTER_PASSWORD: &str = "master-password-for-tests";

/// The URL of the test server's `postgres` database, set up once per process.
fn server() -> PgConnectOptions {
    static SERVER: OnceLock<String> = OnceLock::new();
    let url = SERVER.get_or_init(|| {
        init_logs();
        if let Ok(url) = std::env::var("ERP_TEST_DATABASE_URL") {
            return url;
        }
        let data_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.erp");
        let port = std::env::var("ERP_PG_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(54329);
        match api::pg::LocalCluster::ensure(&data_dir, port) {
            Ok(cluster) => cluster.url("postgres"),
            Err(e) => panic!("cannot start PostgreSQL for the tests: {e}"),
        }
    });
    PgConnectOptions::from_str(url)
        .expect("a valid test server URL")
        .database("postgres")
}

/// The details of a partner that is a customer and nothing more: `name`, no contact, no address.
pub fn customer_details(name: &str) -> domain::partner::PartnerDetails {
    domain::partner::PartnerDetails {
        name: domain::partner::PartnerName::parse(name).expect("a valid partner name"),
        email: None,
        phone: None,
        address: domain::partner::Address::default(),
        vat: None,
        is_customer: true,
        is_supplier: false,
        company: None,
        categories: Default::default(),
    }
}

/// The URL of the test server (its `postgres` database), for harnesses that make their own
/// databases.
pub fn server_url() -> String {
    server().to_url_lossy().to_string()
}

fn init_logs() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

async fn admin() -> PgConnection {
    server()
        .connect()
        .await
        .expect("connect to the test server")
}

/// Makes sure the migrated template exists, and returns its name.
async fn template() -> String {
    let name = format!(
        "erp_tpl_{}_{}",
        migrations::fingerprint(),
        commands::bootstrap::REVISION
    );
    let mut conn = admin().await;
    // one process builds the template; the others wait for it.
    sqlx::query("select pg_advisory_lock(727272)")
        .execute(&mut conn)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    if !exists {
        let building = format!("{name}_wip");
        sqlx::query(&format!("drop database if exists {building} with (force)"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("create database {building}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(server().database(&building))
            .await
            .unwrap();
        migrations::MIGRATOR
            .run(&pool)
            .await
            .expect("migrations apply");
        commands::bootstrap::initialize(&pool, ADMIN_PASSWORD)
            .await
            .expect("the first configuration and administrator");
        pool.close().await;
        sqlx::query(&format!("alter database {building} rename to {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sweep_old_databases(&mut conn).await;
    sqlx::query("select pg_advisory_unlock(727272)")
        .execute(&mut conn)
        .await
        .unwrap();
    let _ = conn.close().await;
    name
}

/// Drops test databases left behind by earlier runs (created more than ten minutes ago).
async fn sweep_old_databases(conn: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'erp_t\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let now = unix_now();
    for name in names {
        let created: Option<u64> = name.split('_').nth(2).and_then(|t| t.parse().ok());
        if created.is_some_and(|t| t + 600 < now) {
            let _ = serialized(
                conn,
                &format!("drop database if exists {name} with (force)"),
            )
            .await;
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs a CREATE or DROP DATABASE under a server-wide lock: two DROP DATABASE at once can each
/// wait on the other's signal barrier for a minute. The lock is taken by trying in a loop, not
/// by waiting in the server: a backend asleep on a lock does not answer the barrier either.
async fn serialized(conn: &mut PgConnection, statement: &str) -> Result<(), sqlx::Error> {
    while !sqlx::query_scalar::<_, bool>("select pg_try_advisory_lock(727273)")
        .fetch_one(&mut *conn)
        .await?
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let result = sqlx::query(statement).execute(&mut *conn).await;
    sqlx::query("select pg_advisory_unlock(727273)")
        .execute(&mut *conn)
        .await?;
    result.map(|_| ())
}

/// A fresh, migrated database of its own; dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template().await;
        let name = Self::fresh_name();
        let mut conn = admin().await;
        drop_finished_databases(&mut conn).await;
        serialized(
            &mut conn,
            &format!("create database {name} template {template}"),
        )
        .await
        .unwrap();
        let _ = conn.close().await;
        let pool = connect_database(&name, 10).await;
        Self { name, pool }
    }

    /// A database name no test has used, for a test that creates a database itself.
    pub fn fresh_name() -> String {
        format!("erp_t_{}_{}", unix_now(), uuid::Uuid::new_v4().simple())
    }

    /// The URL of database `name` on the test server.
    pub fn url_of(name: &str) -> String {
        server().database(name).to_url_lossy().to_string()
    }

    /// Takes over database `name`, made by the test; dropped like any test database.
    pub async fn adopt(name: &str) -> Self {
        let pool = connect_database(name, 10).await;
        Self {
            name: name.to_owned(),
            pool,
        }
    }

    /// Another pool on the same database (for a second "process").
    pub async fn connect(&self, max_connections: u32) -> PgPool {
        connect_database(&self.name, max_connections).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Dropping the database here would block this test's runtime while its own connections
        // may still be half-open, and DROP DATABASE waits for those. The next test to start (or
        // the next run, by age) drops it, once this test's runtime and connections are gone.
        if let Ok(mut pending) = PENDING_DROPS.lock() {
            pending.push(self.name.clone());
        }
    }
}

/// Databases of finished tests, to drop.
static PENDING_DROPS: Mutex<Vec<String>> = Mutex::new(Vec::new());

async fn drop_finished_databases(conn: &mut PgConnection) {
    let names = PENDING_DROPS
        .lock()
        .map(|mut pending| std::mem::take(&mut *pending))
        .unwrap_or_default();
    for name in names {
        let _ = serialized(
            conn,
            &format!("drop database if exists {name} with (force)"),
        )
        .await;
    }
}

/// A pool on the test database `name`; for a runtime of its own, where a [`TestDb`]'s pool
/// cannot go.
pub async fn connect_database(name: &str, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .connect_with(server().database(name))
        .await
        .unwrap()
}

/// The whole application on a fresh database, answering HTTP requests without a socket.
pub struct TestApp {
    pub router: Router,
    pub backend: Backend,
    pub db: TestDb,
    /// A session of `admin`.
    pub admin_token: String,
    /// Events the database had when the application started.
    initial_events: i64,
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl HttpResponse {
    /// The value of header `name`; empty when there is none.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    /// The application on a fresh database, with `admin` signed in.
    pub async fn new() -> Self {
        let db = TestDb::new().await;
        Self::on(db).await
    }

    /// The application on `db`, with `admin` signed in.
    pub async fn on(db: TestDb) -> Self {
        let backend = Backend::start(db.pool.clone()).await.unwrap();
        assert!(
            backend.catch_up(Duration::from_secs(30)).await.unwrap(),
            "the read models did not catch up with the new database's log"
        );
        let router = api::app(api::schema(&backend));
        let initial_events = sqlx::query_scalar("select count(*) from events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let mut app = Self {
            router,
            backend,
            db,
            admin_token: String::new(),
            initial_events,
        };
        app.admin_token = app.login("admin", ADMIN_PASSWORD).await;
        app
    }

    /// The demo company on a fresh database: partners, products, orders, invoices posted and
    /// paid on 2026-11-23, a branch; the read models caught up.
    pub async fn demo() -> TestApp {
        let app = TestApp::new().await;
        commands::demo::load(&app.db.pool, &app.backend.state.bus)
            .await
            .unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        commands::demo::business(&app.backend, today).await.unwrap();
        assert!(app.backend.catch_up(Duration::from_secs(30)).await.unwrap());
        app
    }

    /// A copy of this database as its log stands now, served like this one: a test database
    /// made from production.
    pub async fn copy(&self) -> TestApp {
        let position = books::position(&self.db.pool).await;
        let name = TestDb::fresh_name();
        api::fork::fork(&self.db.pool, position, &TestDb::url_of(&name), |_| {})
            .await
            .unwrap();
        TestApp::on(TestDb::adopt(&name).await).await
    }

    /// Serves this database on a port of 127.0.0.1 as `erp serve` does (the database at
    /// `/graphql` and `/db/<name>/graphql`, the manager, the web client and GraphiQL) until the
    /// test ends; returns the address (`http://127.0.0.1:<port>`).
    pub async fn listen(&self) -> String {
        let (router, _) = self.server_app().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        address
    }

    /// The application `erp serve` runs on this database (with the manager, whose master
    /// password is [`MASTER_PASSWORD`]), and the manager's data directory.
    pub async fn server_app(&self) -> (Router, std::path::PathBuf) {
        let data_dir = std::env::temp_dir().join(format!("erp-served-{}", uuid::Uuid::new_v4()));
        let (master, generated) =
            api::manager::MasterPassword::open(&data_dir, Some(MASTER_PASSWORD))
                .await
                .unwrap();
        assert_eq!(generated, None);
        let backend = Backend::start(self.db.pool.clone()).await.unwrap();
        let server = api::manager::Server::new(
            &TestDb::url_of(&self.db.name),
            backend,
            &data_dir,
            Some(ADMIN_PASSWORD.to_owned()),
            master,
            api::graphql::Introspection::Anyone,
        )
        .unwrap();
        (api::http::server_app(std::sync::Arc::new(server)), data_dir)
    }

    /// Sends one HTTP request to the application.
    pub async fn http(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> HttpResponse {
        let mut request = Request::builder().method(method).uri(uri);
        // as `admin` unless the caller says otherwise (an empty value: no authorization).
        let authorized = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        if !authorized && !self.admin_token.is_empty() {
            request = request.header("authorization", format!("Bearer {}", self.admin_token));
        }
        for (name, value) in headers {
            if !value.is_empty() {
                request = request.header(*name, *value);
            }
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        HttpResponse {
            status,
            content_type,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// POSTs a GraphQL operation with `token` (none if empty) and returns the whole response
    /// document; panics on a transport failure.
    pub async fn graphql_with(&self, token: &str, query: &str, variables: Value) -> Value {
        self.graphql_in(token, None, query, variables).await
    }

    /// Like [`Self::graphql_with`], working in `company` (the `X-Company` header) if given.
    pub async fn graphql_in(
        &self,
        token: &str,
        company: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let bearer = if token.is_empty() {
            String::new()
        } else {
            format!("Bearer {token}")
        };
        let mut headers = vec![
            ("content-type", "application/json"),
            ("authorization", bearer.as_str()),
        ];
        if let Some(company) = company {
            headers.push(("x-company", company));
        }
        let response = self.http(Method::POST, "/graphql", &headers, body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.json()
    }

    /// Like [`Self::graphql_with`], as `admin`, and insists there are no top-level errors.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql_with(&self.admin_token, query, variables).await;
        assert!(response.get("errors").is_none(), "errors: {response}");
        response["data"].clone()
    }

    /// Signs in through the `login` mutation and returns the token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let response = self
            .graphql_with(
                "",
                "mutation($login: String!, $password: String!) {
                    login(input: { login: $login, password: $password }) { token userErrors { message } } }",
                json!({ "login": login, "password": password }),
            )
            .await;
        response["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{login} cannot sign in: {response}"))
            .to_owned()
    }

    /// Creates user `login` in `groups` (as `admin`) and returns their token.
    pub async fn user(&self, login: &str, groups: &[&str]) -> String {
        self.user_in(login, groups, &[]).await
    }

    /// Like [`Self::user`], working in `companies` (none given: the main company).
    pub async fn user_in(&self, login: &str, groups: &[&str], companies: &[&str]) -> String {
        let mut input = json!({
            "login": login, "name": login, "password": USER_PASSWORD, "groups": groups
        });
        if !companies.is_empty() {
            input["companies"] = json!(companies);
        }
        let created = self
            .graphql(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { message } } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(created["createUser"]["userErrors"], json!([]), "{created}");
        self.login(login, USER_PASSWORD).await
    }

    /// How many events the log holds beyond those every new database starts with.
    pub async fn event_count(&self) -> i64 {
        let all: i64 = sqlx::query_scalar("select count(*) from events")
            .fetch_one(&self.db.pool)
            .await
            .unwrap();
        all - self.initial_events
    }
}

/// Waits up to `timeout` for `check` to hold, polling.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The introspection query graphql-js 16's `getIntrospectionQuery()` writes with its default
/// options: what GraphiQL, graphql-js clients, Python's `gql` and schemathesis send to learn a
/// schema.
pub const STANDARD_INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name description type { ...TypeRef } defaultValue
    }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name
        ofType { kind name
          ofType { kind name
            ofType { kind name
              ofType { kind name
                ofType { kind name
                  ofType { kind name
                  }
                }
              }
            }
          }
        }
      }
    }
"#;
