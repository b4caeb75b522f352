//! The growth benchmark (issue 20): the demo company grown through the command layer (not
//! HTTP) to each size asked, in customer invoices from sale orders (confirmed, delivered,
//! invoiced, posted; every other one paid; goods bought and received as the stock runs
//! down), and at each size every report measured through `erp serve` (a process of its own,
//! so that its resident memory is the server's alone), one client and eight.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use api::Backend;
use chrono::NaiveDate;
use commands::business::{self as ops, LineInput, NewOrder, PaymentInput};
use commands::{CommandContext, Failure};
use domain::configuration::{Code, Settings};
use domain::invoice::Invoice;
use domain::ledger::Allocation;
use domain::order::{LineQuantity, OrderCommand, Side};
use hyper::body::Bytes;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::http_client::Client;
use crate::stats::percentile;
use crate::BenchDb;

/// How many invoices a day the grown books hold (so 200,000 span about nine years).
const PER_DAY: usize = 60;
/// Growers running at once.
const GROWERS: usize = 4;
/// Requests of each report, one client; and per client with eight.
const REQUESTS: usize = 20;
const CLIENTS: usize = 8;

/// One report at one size.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub report: &'static str,
    /// Median of [`REQUESTS`] requests, one client, milliseconds.
    pub median_ms: f64,
    /// 99th percentile with [`CLIENTS`] clients, milliseconds.
    pub p99_ms_8_clients: f64,
    /// Bytes of one answer.
    pub answer_bytes: usize,
}

/// Everything measured at one size.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub invoices: usize,
    pub events: i64,
    /// Seconds the growth to this size took (from the size before).
    pub grow_seconds: f64,
    pub reports: Vec<Measure>,
    /// The server's resident memory after every report, and its peak, MB.
    pub rss_mb: f64,
    pub peak_rss_mb: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    pub started_at: String,
    pub machine: String,
    pub stages: Vec<Stage>,
}

/// Grows a company to each of `sizes` (invoices, ascending) in a database of `server_url`,
/// measuring at each with the `erp` binary at `erp`. The database is dropped at the end unless
/// `keep`.
pub async fn growth(
    server_url: &str,
    sizes: &[usize],
    erp: &Path,
    keep: bool,
    progress: impl Fn(&str),
) -> anyhow::Result<Growth> {
    let stamp = chrono::Utc::now();
    let name = format!("erp_growth_{}", stamp.timestamp());
    let db = BenchDb::create(server_url, name.clone()).await?;
    let result = grow_and_measure(&db, server_url, sizes, erp, &progress).await;
    if keep {
        progress(&format!("kept the grown database {name}"));
    } else {
        db.drop().await?;
    }
    Ok(Growth {
        started_at: stamp.to_rfc3339(),
        machine: crate::machine(),
        stages: result?,
    })
}

async fn grow_and_measure(
    db: &BenchDb,
    server_url: &str,
    sizes: &[usize],
    erp: &Path,
    progress: &impl Fn(&str),
) -> anyhow::Result<Vec<Stage>> {
    let pool = &db.pool;
    let cast = {
        let backend = Backend::start(pool.clone()).await?;
        commands::demo::load(pool, &backend.state.bus).await?;
        commands::demo::business(&backend, chrono::Utc::now().date_naive()).await?;
        backend.catch_up(Duration::from_secs(600)).await?;
        Cast::of(pool).await?
    };
    let url = {
        use sqlx::ConnectOptions;
        let options: sqlx::postgres::PgConnectOptions = server_url.parse()?;
        options.database(&db.name).to_url_lossy().to_string()
    };
    let mut stages = Vec::new();
    let mut grown = 0;
    for &size in sizes {
        progress(&format!("growing to {size} invoices"));
        let started = Instant::now();
        {
            let backend = Backend::start(pool.clone()).await?;
            grow(&backend, &cast, grown, size).await?;
            backend.catch_up(Duration::from_secs(3600)).await?;
        }
        let grow_seconds = started.elapsed().as_secs_f64();
        grown = size;
        progress(&format!("measuring at {size} invoices"));
        let events: i64 = sqlx::query_scalar("select count(*) from events")
            .fetch_one(pool)
            .await?;
        let server = Served::start(erp, &url).await?;
        let (token, _) = commands::auth::open_session(
            pool,
            commands::auth::user_id(commands::bootstrap::ADMIN_LOGIN),
        )
        .await?;
        let mut reports = Vec::new();
        for (report, query) in reports_of(&cast) {
            reports.push(measure(&server, &token, report, &query).await?);
        }
        let (rss_mb, peak_rss_mb) = server.memory()?;
        stages.push(Stage {
            invoices: size,
            events,
            grow_seconds,
            reports,
            rss_mb,
            peak_rss_mb,
        });
    }
    Ok(stages)
}

/// Who and what the grown business deals with.
#[derive(Clone)]
struct Cast {
    customers: Vec<Uuid>,
    supplier: Uuid,
    /// Goods sold: (product, most sold on a line, bought at a time).
    goods: Vec<(Uuid, u32, u32)>,
    settings: Arc<Settings>,
}

impl Cast {
    async fn of(pool: &PgPool) -> anyhow::Result<Self> {
        let customers: Vec<Uuid> =
            sqlx::query_scalar("select id from partner where is_customer order by name")
                .fetch_all(pool)
                .await?;
        let supplier: Uuid = sqlx::query_scalar(
            "select id from partner where is_supplier and not is_customer order by name limit 1",
        )
        .fetch_one(pool)
        .await?;
        let product = |reference: &'static str| async move {
            sqlx::query_scalar::<_, Uuid>("select id from product where reference = $1")
                .bind(reference)
                .fetch_one(pool)
                .await
                .with_context(|| format!("demo product {reference}"))
        };
        let goods = vec![
            (product("MOUSE").await?, 3, 400),
            (product("CABLE").await?, 5, 600),
            (product("SCR-27").await?, 1, 120),
        ];
        let settings = projections::configuration::current(pool)
            .await?
            .context("no configuration")?
            .configuration
            .settings()
            .clone();
        anyhow::ensure!(!customers.is_empty(), "the demo has no customers");
        Ok(Self {
            customers,
            supplier,
            goods,
            settings: Arc::new(settings),
        })
    }
}

/// Grows the books from `from` invoices to `to`, [`GROWERS`] at once.
async fn grow(backend: &Backend, cast: &Cast, from: usize, to: usize) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    for grower in 0..GROWERS {
        let bus = backend.state.bus.clone();
        let cast = cast.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = from + grower;
            let mut sold = 0;
            while n < to {
                if sold % 100 == 0 {
                    buy(&bus, &cast, day_of(n)).await?;
                }
                sell(&bus, &cast, n).await?;
                sold += 1;
                n += GROWERS;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// The business day of the `n`th invoice.
fn day_of(n: usize) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or_default();
    start + chrono::Days::new((n / PER_DAY) as u64)
}

/// Runs `operation` through the bus as the benchmark.
async fn run<T: Send>(
    bus: &commands::CommandBus,
    command: &str,
    mut operation: impl for<'w> FnMut(
        &'w mut commands::Work,
    ) -> futures::future::BoxFuture<'w, Result<T, Failure>>,
) -> anyhow::Result<T> {
    let context = CommandContext::system("growth");
    // the growers post into one journal's numbering: when the bus's own attempts all met
    // another grower's posting, the command is sent again, as a client would.
    for _ in 0..100 {
        match bus.run(&context, command, &mut operation).await {
            Ok((output, _)) => return Ok(output),
            Err(Failure::Conflict) => tokio::task::yield_now().await,
            Err(e) => anyhow::bail!("{command}: {e:?}"),
        }
    }
    anyhow::bail!("{command}: still in conflict after 100 sendings")
}

/// An order of `side` with `lines`, confirmed and delivered (received) in full on `day`.
async fn order(
    bus: &commands::CommandBus,
    settings: &Arc<Settings>,
    side: Side,
    partner: Uuid,
    day: NaiveDate,
    lines: Vec<LineInput>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let quantities: Vec<LineQuantity> = lines
        .iter()
        .enumerate()
        .map(|(line, l)| LineQuantity {
            line,
            quantity: l.quantity,
        })
        .collect();
    let new = NewOrder {
        side,
        partner,
        date: day,
        company: Code::main_company(),
    };
    run(bus, "CreateOrder", |work| {
        let (settings, new, lines) = (settings.clone(), new.clone(), lines.clone());
        Box::pin(async move { ops::create_order(work, &settings, id, new, &lines).await })
    })
    .await?;
    run(bus, "ConfirmOrder", |work| {
        Box::pin(ops::order_command(
            work,
            id,
            side,
            OrderCommand::ConfirmOrder {
                expected_version: None,
            },
        ))
    })
    .await?;
    run(bus, "DeliverOrder", |work| {
        let (settings, quantities) = (settings.clone(), quantities.clone());
        Box::pin(async move {
            ops::deliver_order(work, &settings, id, side, Uuid::now_v7(), day, quantities).await
        })
    })
    .await?;
    Ok(id)
}

fn line(product: Uuid, quantity: u32) -> LineInput {
    LineInput {
        product: Some(product),
        description: None,
        quantity: Decimal::from(quantity),
        unit_price: None,
        discount: Decimal::ZERO,
        taxes: None,
    }
}

/// Goods bought from the supplier and received.
async fn buy(bus: &commands::CommandBus, cast: &Cast, day: NaiveDate) -> anyhow::Result<()> {
    let lines = cast
        .goods
        .iter()
        .map(|&(product, _, bought)| line(product, bought))
        .collect();
    order(
        bus,
        &cast.settings,
        Side::Purchase,
        cast.supplier,
        day,
        lines,
    )
    .await?;
    Ok(())
}

/// The `n`th customer invoice: a sale order of three lines, delivered, invoiced and posted; paid
/// if `n` is even.
async fn sell(bus: &commands::CommandBus, cast: &Cast, n: usize) -> anyhow::Result<()> {
    let day = day_of(n);
    let customer = cast.customers[n % cast.customers.len()];
    let lines = cast
        .goods
        .iter()
        .enumerate()
        .map(|(k, &(product, most, _))| line(product, 1 + ((n + k) as u32 % most)))
        .collect();
    let id = order(bus, &cast.settings, Side::Sale, customer, day, lines).await?;
    let invoice = Uuid::now_v7();
    let settings = &cast.settings;
    run(bus, "InvoiceOrder", |work| {
        let settings = settings.clone();
        Box::pin(
            async move { ops::invoice_order(work, &settings, id, Side::Sale, invoice, day).await },
        )
    })
    .await?;
    run(bus, "PostInvoice", |work| {
        let settings = settings.clone();
        Box::pin(async move { ops::post_invoice(work, &settings, invoice, None).await })
    })
    .await?;
    if n.is_multiple_of(2) {
        let paid_on = day + chrono::Days::new(20);
        let bank = Code::parse("bank")?;
        run(bus, "RegisterPayment", |work| {
            let (settings, bank) = (settings.clone(), bank.clone());
            Box::pin(async move {
                let amount = work.get::<Invoice>(&invoice.to_string()).await?.residual();
                let payment = PaymentInput {
                    journal: bank,
                    partner: customer,
                    date: paid_on,
                    amount,
                    allocations: vec![Allocation { invoice, amount }],
                    reference: String::new(),
                };
                ops::register_payment(work, &settings, Uuid::now_v7(), &payment).await
            })
        })
        .await?;
    }
    Ok(())
}

/// The reports measured, as GraphQL requests.
fn reports_of(cast: &Cast) -> Vec<(&'static str, String)> {
    let customer = cast.customers[0];
    vec![
        ("trialBalance", "{ trialBalance { totalDebit } }".to_owned()),
        (
            "agedBalance RECEIVABLE",
            "{ agedBalance(kind: RECEIVABLE) { totals { total } } }".to_owned(),
        ),
        (
            "partnerLedger, one customer, last 30 days",
            format!(
                "{{ partnerLedger(partner: \"{customer}\", from: \"{}\") {{ debit credit }} }}",
                chrono::Utc::now().date_naive() - chrono::Days::new(30)
            ),
        ),
        (
            "ledgerLines 411000, first page of 100",
            "{ ledgerLines(account: \"411000\", first: 100) { totalCount openingBalance closingBalance } }"
                .to_owned(),
        ),
        (
            "stockValuation",
            "{ stockValuation { totalValue } }".to_owned(),
        ),
        (
            "stockLevels, first 50",
            "{ stockLevels(first: 50) { totalCount nodes { onHand } } }".to_owned(),
        ),
        (
            "salesAnalysis by month",
            "{ salesAnalysis(groupBy: MONTH) { key total } }".to_owned(),
        ),
        (
            "invoices, first 50 with totalCount",
            "{ invoices(first: 50) { totalCount nodes { number total } } }".to_owned(),
        ),
        (
            "log, first 50 with totalCount",
            "{ log(first: 50) { totalCount totalCountIsEstimate nodes { position } } }".to_owned(),
        ),
    ]
}

/// One report: the median of [`REQUESTS`] with one client, then the p99 with [`CLIENTS`].
async fn measure(
    server: &Served,
    token: &str,
    report: &'static str,
    query: &str,
) -> anyhow::Result<Measure> {
    let body = Bytes::from(json!({ "query": query }).to_string());
    let mut client = Client::connect(server.addr, token).await?;
    let answer = client
        .graphql(&body)
        .await
        .with_context(|| report.to_string())?;
    let answer_bytes = answer.to_string().len();
    let mut alone = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        client.graphql(&body).await?;
        alone.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (addr, token, body) = (server.addr, token.to_owned(), body.clone());
        clients.push(tokio::spawn(async move {
            let mut client = Client::connect(addr, &token).await?;
            let mut times = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let started = Instant::now();
                client.graphql(&body).await?;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut together = Vec::new();
    for client in clients {
        together.extend(client.await??);
    }
    Ok(Measure {
        report,
        median_ms: percentile(&mut alone, 50.0),
        p99_ms_8_clients: percentile(&mut together, 99.0),
        answer_bytes,
    })
}

/// `erp serve` on the grown database, killed when dropped.
struct Served {
    child: Child,
    addr: std::net::SocketAddr,
    _data: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Served {
    async fn start(erp: &Path, url: &str) -> anyhow::Result<Self> {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.local_addr()?.port()
        };
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let data = TempDir(std::env::temp_dir().join(format!("erp-growth-{}", Uuid::now_v7())));
        std::fs::create_dir_all(&data.0)?;
        let child = Command::new(erp)
            .args([
                "serve",
                "--database-url",
                url,
                "--listen",
                &addr.to_string(),
            ])
            .arg("--data-dir")
            .arg(&data.0)
            .env("ERP_MASTER_PASSWORD", "growth-benchmark-master")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", erp.display()))?;
        let served = Self {
            child,
            addr,
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "erp serve did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(served)
    }

    /// The server's resident memory now and at its peak, in MB.
    fn memory(&self) -> anyhow::Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb = |field: &str| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        Ok((kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stages as a Markdown table: a row per report, a column per size.
pub fn table(growth: &Growth) -> String {
    let mut out = String::from("| report (median ms, 1 client / p99 ms, 8 clients) |");
    for stage in &growth.stages {
        out.push_str(&format!(" {} invoices |", stage.invoices));
    }
    out.push_str("\n|---|");
    for _ in &growth.stages {
        out.push_str("---:|");
    }
    out.push('\n');
    let Some(first) = growth.stages.first() else {
        return out;
    };
    for (k, measure) in first.reports.iter().enumerate() {
        out.push_str(&format!("| {} |", measure.report));
        for stage in &growth.stages {
            match stage.reports.get(k) {
                Some(m) => out.push_str(&format!(
                    " {:.1} / {:.1} |",
                    m.median_ms, m.p99_ms_8_clients
                )),
                None => out.push_str(" |"),
            }
        }
        out.push('\n');
    }
    out.push_str("| events in the log |");
    for stage in &growth.stages {
        out.push_str(&format!(" {} |", stage.events));
    }
    out.push_str("\n| server memory after every report, MB (peak) |");
    for stage in &growth.stages {
        out.push_str(&format!(
            " {:.0} ({:.0}) |",
            stage.rss_mb, stage.peak_rss_mb
        ));
    }
    out.push_str("\n| growth to this size, s |");
    for stage in &growth.stages {
        out.push_str(&format!(" {:.0} |", stage.grow_seconds));
    }
    out.push('\n');
    out
}
