//! The benchmark harness: every workload measured next to raw PostgreSQL doing the minimum SQL for
//! the same effect, in the same run, at the same concurrency, over several interleaved rounds.
//! (Over 600 lines because the table of workloads, W1 to W11 with their targets, reads best in
//! one place.)
//!
//! It creates its own databases (on the embedded cluster, or the server `--database-url` names),
//! runs the workloads, drops the databases, and reports medians with their range.

mod ceiling;
mod cost;
mod fixtures;
pub mod growth;
mod http_client;
mod rules;
pub mod stats;
mod workloads;

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use commands::{CommandBus, CommandContext};
use projections::Wake;
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use uuid::Uuid;

use ceiling::Ceiling;
use cost::PerRequest;
use stats::Spread;
use workloads::{Measured, Read, Server};

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub rounds: usize,
    pub single_client_ops: usize,
    pub multi_client_ops: usize,
    pub clients: usize,
    pub rebuild_events: usize,
    pub rebuild_rounds: usize,
    pub long_stream: usize,
    pub loads: usize,
    pub read_partners: usize,
    pub reads: usize,
    pub configuration_events: usize,
    pub audit_events: usize,
}

impl Size {
    /// The full run (a few minutes).
    pub fn full(rounds: usize) -> Self {
        Self {
            rounds,
            single_client_ops: 1000,
            multi_client_ops: 3000,
            clients: 8,
            rebuild_events: 200_000,
            rebuild_rounds: rounds.min(3),
            long_stream: 1000,
            loads: 30,
            read_partners: 10_000,
            reads: 4000,
            configuration_events: 20_000,
            audit_events: 1_000_000,
        }
    }

    /// A run of seconds that exercises every workload, so the harness cannot rot.
    pub fn smoke() -> Self {
        Self {
            rounds: 1,
            single_client_ops: 10,
            multi_client_ops: 24,
            clients: 8,
            rebuild_events: 2_000,
            rebuild_rounds: 1,
            long_stream: 1000,
            loads: 3,
            read_partners: 60,
            reads: 40,
            configuration_events: 1_000,
            audit_events: 5_000,
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: &'static str,
    pub workload: String,
    pub unit: &'static str,
    pub ours: Spread,
    pub raw: Option<Spread>,
    /// ours / raw, on medians.
    pub ratio: Option<f64>,
    pub target: &'static str,
    /// Whether the target is met; `None` when it cannot be measured yet.
    pub met: Option<bool>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub started_at: String,
    pub machine: String,
    pub postgres: String,
    pub rounds: usize,
    pub seconds: f64,
    pub rows: Vec<Row>,
}

/// Measures `ours` and `raw` over `rounds` rounds, alternating which goes first.
async fn interleaved<O, R, FO, FR>(
    rounds: usize,
    ours: FO,
    raw: FR,
) -> anyhow::Result<(Spread, Spread)>
where
    FO: FnMut() -> O,
    FR: FnMut() -> R,
    O: Future<Output = anyhow::Result<f64>>,
    R: Future<Output = anyhow::Result<f64>>,
{
    let (o, r) = rounds_of(rounds, ours, raw).await?;
    Ok((Spread::of(&o), Spread::of(&r)))
}

/// Both sides of a comparison as a rate and a p99 latency, with what each spent per request.
struct Compared {
    rates: (Spread, Spread),
    p99s: (Spread, Spread),
    costs: ([Spread; 4], [Spread; 4]),
}

/// Like [`interleaved`], for workloads of `requests` requests measured as a rate and a p99
/// latency, each run costed ([`cost::costed`]) on the server behind `pool`.
async fn interleaved_measured<O, R, FO, FR>(
    rounds: usize,
    (pool, requests): (&PgPool, usize),
    mut ours: FO,
    mut theirs: FR,
) -> anyhow::Result<Compared>
where
    FO: FnMut() -> O,
    FR: FnMut() -> R,
    O: Future<Output = anyhow::Result<Measured>>,
    R: Future<Output = anyhow::Result<Measured>>,
{
    let (o, t) = rounds_of(
        rounds,
        || cost::costed(pool, requests, ours()),
        || cost::costed(pool, requests, theirs()),
    )
    .await?;
    let spread = |m: &[(Measured, PerRequest)], f: fn(&Measured) -> f64| {
        Spread::of(&m.iter().map(|(m, _)| f(m)).collect::<Vec<_>>())
    };
    let costs = |m: &[(Measured, PerRequest)]| {
        PerRequest::spreads(&m.iter().map(|(_, c)| *c).collect::<Vec<_>>())
    };
    Ok(Compared {
        rates: (spread(&o, |m| m.rate), spread(&t, |m| m.rate)),
        p99s: (spread(&o, |m| m.p99), spread(&t, |m| m.p99)),
        costs: (costs(&o), costs(&t)),
    })
}

/// Each side's figure of every round, the sides taking turns at going first.
async fn rounds_of<T, O, R, FO, FR>(
    rounds: usize,
    mut ours: FO,
    mut theirs: FR,
) -> anyhow::Result<(Vec<T>, Vec<T>)>
where
    FO: FnMut() -> O,
    FR: FnMut() -> R,
    O: Future<Output = anyhow::Result<T>>,
    R: Future<Output = anyhow::Result<T>>,
{
    let (mut o, mut t) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            t.push(theirs().await?);
            o.push(ours().await?);
        } else {
            o.push(ours().await?);
            t.push(theirs().await?);
        }
    }
    Ok((o, t))
}

fn row(
    id: &'static str,
    workload: String,
    unit: &'static str,
    (ours, raw): (Spread, Spread),
    target: &'static str,
    met: impl Fn(f64, f64) -> bool,
) -> Row {
    let ratio = ours.median / raw.median;
    Row {
        id,
        workload,
        unit,
        ours,
        raw: Some(raw),
        ratio: Some(ratio),
        target,
        met: Some(met(ours.median, ratio)),
    }
}

/// A database made for the run, dropped at its end.
struct BenchDb {
    admin: PgConnectOptions,
    name: String,
    pool: PgPool,
}

impl BenchDb {
    async fn create(server_url: &str, name: String) -> anyhow::Result<Self> {
        let admin = PgConnectOptions::from_str(server_url)?.database("postgres");
        let url = admin.clone().database(&name).to_url_lossy().to_string();
        let pool = api::database::open(&url, 20, api::database::Reach::Create).await?;
        // a password nobody needs: the harness opens its sessions directly.
        let password: String = (0..4)
            .map(|_| uuid::Uuid::new_v4().simple().to_string())
            .collect();
        commands::bootstrap::initialize(&pool, &password).await?;
        Ok(Self { admin, name, pool })
    }

    async fn drop(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let mut conn = self.admin.connect().await?;
        sqlx::query(&format!(
            "drop database if exists {} with (force)",
            api::database::quote_ident(&self.name)
        ))
        .execute(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok(())
    }
}

/// Runs every workload against the server at `server_url` (any database of it; the harness
/// makes its own). `progress` hears of each workload as it starts.
pub async fn run(
    server_url: &str,
    size: Size,
    only: Option<&str>,
    progress: impl Fn(&str),
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let stamp = chrono::Utc::now();
    let name = format!("erp_bench_{}", stamp.timestamp());
    let db = BenchDb::create(server_url, name.clone()).await?;
    let reads_db = BenchDb::create(server_url, format!("{name}_reads")).await?;
    let mut result = run_in(&db.pool, &reads_db.pool, size, only, &progress).await;
    let wanted = |id: &str| only.is_none_or(|only| only.split(',').any(|w| w.trim() == id));
    if result.is_ok() && wanted("S") {
        let flows_db = BenchDb::create(server_url, format!("{name}_flows")).await?;
        let flows = business_flows(&flows_db.pool, size, &progress).await;
        flows_db.drop().await?;
        if let Ok(rows) = result.as_mut() {
            rows.extend(flows?);
        }
    }
    if result.is_ok() && (wanted("W9") || wanted("W10")) {
        let audit_db = BenchDb::create(server_url, format!("{name}_audit")).await?;
        let audit = audit(&audit_db.pool, size, &progress).await;
        audit_db.drop().await?;
        if let Ok(rows) = result.as_mut() {
            rows.extend(audit?);
        }
    }
    let postgres: String = sqlx::query_scalar("select version()")
        .fetch_one(&db.pool)
        .await
        .unwrap_or_default();
    db.drop().await?;
    reads_db.drop().await?;
    Ok(Report {
        started_at: stamp.to_rfc3339(),
        machine: machine(),
        postgres,
        rounds: size.rounds,
        seconds: started.elapsed().as_secs_f64(),
        rows: result?,
    })
}

/// W9 and W10, on a log of `size.audit_events` chained partner events of their own.
async fn audit(pool: &PgPool, size: Size, progress: &impl Fn(&str)) -> anyhow::Result<Vec<Row>> {
    progress("W9/W10 filling the audit log");
    let events = fixtures::fill_chained(pool, size.audit_events / 10, 10).await?;
    let rounds = size.rounds.min(2);
    let mut rows = Vec::new();
    progress("W9 verify");
    let spread = interleaved(
        rounds,
        || workloads::verify(pool),
        || workloads::raw_two_scans(pool),
    )
    .await?;
    rows.push(row(
        "W9",
        format!("replay verify (chains, seals, every event read back) over {events} events"),
        "events/s",
        spread,
        "reported (issue 6); ≥ 25 % of the two raw scans",
        |_, r| r >= 0.25,
    ));
    progress("W10 rebuild");
    let spread = interleaved(
        rounds,
        || workloads::rebuild_partners(pool),
        || workloads::raw_scan(pool),
    )
    .await?;
    rows.push(row(
        "W10",
        format!("replay rebuild partner (new tables, swap) over {events} events"),
        "events/s",
        spread,
        "reported (issue 6); ≥ 25 % of a raw ordered scan",
        |_, r| r >= 0.25,
    ));
    Ok(rows)
}

async fn run_in(
    pool: &PgPool,
    reads_pool: &PgPool,
    size: Size,
    only: Option<&str>,
    progress: &impl Fn(&str),
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let wanted = |id: &str| only.is_none_or(|only| only.split(',').any(|w| w.trim() == id));
    let bus = Arc::new(CommandBus::new(pool.clone(), Wake::default()));
    let Size {
        rounds,
        single_client_ops: one,
        multi_client_ops: many,
        clients,
        ..
    } = size;

    if wanted("W1") {
        progress("W1 new aggregate, 1 client");
        let spread = interleaved(
            rounds,
            || workloads::create_partners(bus.clone(), 1, one),
            || workloads::raw_inserts(pool.clone(), 1, one),
        )
        .await?;
        rows.push(row(
            "W1",
            "new aggregate, one event per command, 1 client".into(),
            "commands/s",
            spread,
            "≥ 80 % of raw INSERT",
            |_, r| r >= 0.8,
        ));
    }
    if wanted("W2") {
        progress("W2 new aggregate, 8 clients");
        let spread = interleaved(
            rounds,
            || workloads::create_partners(bus.clone(), clients, many),
            || workloads::raw_inserts(pool.clone(), clients, many),
        )
        .await?;
        rows.push(row(
            "W2",
            format!("new aggregate, one event per command, {clients} clients"),
            "commands/s",
            spread,
            "≥ 70 % of raw INSERT",
            |_, r| r >= 0.7,
        ));
    }
    if wanted("W3") {
        progress("W3 existing aggregate of 5 events");
        let spread = interleaved(
            rounds,
            || workloads::update_partners(bus.clone(), pool, one),
            || workloads::raw_read_then_insert(pool.clone(), one),
        )
        .await?;
        rows.push(row(
            "W3",
            "command on an aggregate of 4 events: load, decide, append the 5th".into(),
            "commands/s",
            spread,
            "≥ 80 % of raw SELECT then INSERT",
            |_, r| r >= 0.8,
        ));
    }
    if wanted("W11") {
        progress("W11 post invoices");
        let spread = interleaved(
            rounds,
            || workloads::post_invoices(bus.clone(), pool, one),
            || workloads::raw_post_invoices(pool.clone(), one),
        )
        .await?;
        rows.push(row(
            "W11",
            "post an invoice: number, invoice and entry in one append of three streams, 1 client"
                .into(),
            "invoices/s",
            spread,
            "≥ 50 % of raw (three heads read, one INSERT of three rows)",
            |_, r| r >= 0.5,
        ));
    }
    if wanted("W12") || wanted("W13") {
        // on the reads' database, where no workload makes orders.
        let orders = size.read_partners * 2;
        progress("W12/W13 filling the order read model");
        rules::prepare(reads_pool, orders).await?;
        let (pages, analyses) = ((size.reads / 10).max(2), (size.reads / 40).max(2));
        for (id, on, what) in [("W12", false, "off"), ("W12r", true, "on")] {
            progress(&format!("{id} order list, rules {what}"));
            let spread = interleaved(
                rounds,
                || rules::pages(reads_pool, on, pages),
                || rules::raw_pages(reads_pool, on, pages),
            )
            .await?;
            rows.push(row(
                id,
                format!(
                    "sales order list, first page of 20 and totalCount, of {orders} orders \
                     ({} salespeople), record rules {what}",
                    rules::SELLERS
                ),
                "pages/s",
                spread,
                "reported (issue 18); ≥ 50 % of raw",
                |_, r| r >= 0.5,
            ));
        }
        for (id, on, what) in [("W13", false, "off"), ("W13r", true, "on")] {
            progress(&format!("{id} sales analysis, rules {what}"));
            let spread = interleaved(
                rounds,
                || rules::analyses(reads_pool, on, analyses),
                || rules::raw_analyses(reads_pool, on, analyses),
            )
            .await?;
            rows.push(row(
                id,
                format!("sales analysis by month over {orders} orders, record rules {what}"),
                "reports/s",
                spread,
                "reported (issue 18); ≥ 50 % of raw",
                |_, r| r >= 0.5,
            ));
        }
    }
    if wanted("W6") {
        progress("W6 load an aggregate of 1,000 events");
        let id = workloads::prepare_long_stream(pool, size.long_stream).await?;
        let spread = interleaved(
            rounds,
            || workloads::load_aggregate(pool, &id, size.loads),
            || workloads::raw_read_stream(pool, &id, size.loads),
        )
        .await?;
        rows.push(row(
            "W6",
            format!(
                "load an aggregate of {} events (median of {} loads)",
                size.long_stream, size.loads
            ),
            "ms",
            spread,
            "≤ 1.5 × the raw read",
            |_, r| r <= 1.5,
        ));
        let spread = interleaved(
            rounds,
            || workloads::load_from_snapshot(pool, &id, size.loads),
            || workloads::raw_read_snapshot(pool, &id, size.loads),
        )
        .await?;
        rows.push(row(
            "W6s",
            "load the same aggregate from its snapshot".into(),
            "ms",
            spread,
            "≤ 1 ms",
            |ours, _| ours <= 1.0,
        ));
    }
    if wanted("W4") {
        progress("W4 through GraphQL over HTTP");
        {
            let server = Server::start(pool.clone()).await?;
            let spread = interleaved(
                rounds,
                || workloads::create_partners_over_http(&server, 1, one),
                || workloads::raw_inserts(pool.clone(), 1, one),
            )
            .await?;
            rows.push(row(
                "W4a",
                "W1 through GraphQL over HTTP (mutation in, projected payload out), 1 client"
                    .into(),
                "commands/s",
                spread,
                "≥ 60 % of raw INSERT",
                |_, r| r >= 0.6,
            ));
            let spread = interleaved(
                rounds,
                || workloads::create_partners_over_http(&server, clients, many),
                || workloads::raw_inserts(pool.clone(), clients, many),
            )
            .await?;
            rows.push(row(
                "W4b",
                format!("W2 through GraphQL over HTTP, {clients} clients"),
                "commands/s",
                spread,
                "≥ 60 % of raw INSERT",
                |_, r| r >= 0.6,
            ));
        }
    }
    if wanted("W5") {
        progress("W5 projection rebuild");
        workloads::prepare_rebuild(pool, size.rebuild_events).await?;
        let spread = interleaved(
            size.rebuild_rounds,
            || workloads::rebuild(pool),
            || workloads::raw_scan(pool),
        )
        .await?;
        rows.push(row(
            "W5",
            "projection rebuild into a one-row-per-event read model (the whole log)".into(),
            "events/s",
            spread,
            "≥ 50 % of a raw ordered scan and ≥ 100,000 events/s",
            |ours, r| r >= 0.5 && ours >= 100_000.0,
        ));
    }
    if wanted("W8") {
        progress("W8 configuration at a stage");
        let position =
            workloads::prepare_configuration_history(pool, size.configuration_events, 20).await?;
        for (id, how, what, target) in [
            (
                "W8a",
                workloads::ConfigurationReplay::FromSnapshot,
                "from the stage's snapshot and the 20 events after it",
                "≤ 3 × reading those rows; flat as the log grows",
            ),
            (
                "W8b",
                workloads::ConfigurationReplay::FromBeginning,
                "folded from the first event (what the snapshot saves)",
                "context: grows with the whole configuration log",
            ),
        ] {
            let spread = interleaved(
                rounds,
                || workloads::configuration_at(pool, position, how, size.loads),
                || workloads::raw_configuration_rows(pool, position, how, size.loads),
            )
            .await?;
            let snapshot = matches!(how, workloads::ConfigurationReplay::FromSnapshot);
            rows.push(row(
                id,
                format!(
                    "configuration at a stage {} configuration events into the log, {what}",
                    size.configuration_events
                ),
                "ms",
                spread,
                target,
                move |_, r| !snapshot || r <= 3.0,
            ));
        }
    }
    if wanted("W7") {
        progress("W7 GraphQL reads");
        {
            let server = Server::start(reads_pool.clone()).await?;
            let ids = read_partners(&server, size.read_partners).await?;
            let reads = [
                (Read::Form, "W7a", "form read (one partner)"),
                (
                    Read::List,
                    "W7b",
                    "list read (first page of 50 by name, with totalCount)",
                ),
                (
                    Read::Search,
                    "W7c",
                    "list read (page of 50 by name fragment, with totalCount)",
                ),
            ];
            for (read, id, what) in reads {
                let spread = interleaved(
                    rounds,
                    || workloads::graphql_reads(&server, ids.clone(), read, clients, size.reads),
                    || {
                        workloads::raw_reads(
                            reads_pool.clone(),
                            ids.clone(),
                            read,
                            clients,
                            size.reads,
                        )
                    },
                )
                .await?;
                rows.push(row(
                    id,
                    format!("GraphQL {what}, {clients} clients, p99"),
                    "ms",
                    spread,
                    "p99 ≤ 5 ms",
                    |ours, _| ours <= 5.0,
                ));
            }
            let rss = workloads::resident_mb();
            rows.push(Row {
                id: "W7m",
                workload: "resident memory of the process (server and benchmark clients) after W7"
                    .into(),
                unit: "MB",
                ours: Spread::of(&[rss]),
                raw: None,
                ratio: None,
                target: "≤ 150 MB",
                met: Some(rss <= 150.0),
            });
        }
    }
    if wanted("S") {
        rows.extend(against_ceiling(pool, reads_pool, size, progress).await?);
    }
    Ok(rows)
}

/// S5 and S6 (issue 16): business flows through GraphQL at 1 client, on books set up through
/// GraphQL. No ceiling to compare with: the targets are absolute.
async fn business_flows(
    pool: &PgPool,
    size: Size,
    progress: &impl Fn(&str),
) -> anyhow::Result<Vec<Row>> {
    progress("S5, S6 business flows through GraphQL");
    let server = Server::start(pool.clone()).await?;
    let books = workloads::set_up_books(&server).await?;
    let (flows, invoices) = (size.single_client_ops / 5, size.single_client_ops / 3);
    let (flows, invoices) = (flows.max(1), invoices.max(1));
    let (mut s5, mut s6) = (Vec::new(), Vec::new());
    for _ in 0..size.rounds {
        let flow = workloads::order_to_posted_invoice(&server, &books, flows);
        s5.push(cost::costed(pool, flows, flow).await?);
        let invoice = workloads::invoice_create_and_post(&server, &books, invoices);
        s6.push(cost::costed(pool, invoices, invoice).await?);
    }
    let profile = |ids: [&'static str; 4], what: &str, runs: &[(Measured, PerRequest)]| {
        let costs = PerRequest::spreads(&runs.iter().map(|(_, c)| *c).collect::<Vec<_>>());
        cost_rows(&ids, what, (costs, None))
    };
    let (s5_profile, s6_profile) = (
        profile(["S5c", "S5g", "S5t", "S5w"], "a flow", &s5),
        profile(["S6c", "S6g", "S6t", "S6w"], "an invoice", &s6),
    );
    let rates = |runs: Vec<(Measured, PerRequest)>| runs.into_iter().map(|(m, _)| m).collect();
    let (s5, s6): (Vec<Measured>, Vec<Measured>) = (rates(s5), rates(s6));
    let alone = |id, workload: &str, unit, measured: &[Measured], target, at_least: f64| {
        let spread = Spread::of(&measured.iter().map(|m| m.rate).collect::<Vec<_>>());
        Row {
            id,
            workload: workload.to_owned(),
            unit,
            ours: spread,
            raw: None,
            ratio: None,
            target,
            met: Some(spread.median >= at_least),
        }
    };
    let mut rows = vec![
        alone(
            "S5",
            "sale order → confirm → deliver → invoice → post, through GraphQL, 1 client",
            "flows/s",
            &s5,
            "≥ 100 flows/s",
            100.0,
        ),
        alone(
            "S6",
            "customer invoice of 3 lines, create + post, through GraphQL, 1 client",
            "invoices/s",
            &s6,
            "≥ 300 invoices/s",
            300.0,
        ),
    ];
    rows.splice(1..1, s5_profile);
    rows.extend(s6_profile);
    Ok(rows)
}

/// The partners of the read workloads, made once in the server's database (by W7 or S).
async fn read_partners(server: &Server, wanted: usize) -> anyhow::Result<Arc<Vec<Uuid>>> {
    let pool = &server.backend.state.pool;
    let mut ids: Vec<Uuid> = sqlx::query_scalar("select id from partner order by created_position")
        .fetch_all(pool)
        .await?;
    let context = CommandContext::system("bench");
    for n in ids.len()..wanted {
        let id = Uuid::now_v7();
        server
            .backend
            .state
            .bus
            .partner(id, fixtures_read_partner(n)?, &context)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        ids.push(id);
    }
    Ok(Arc::new(ids))
}

/// S1 to S4 (issue 16): `erp serve` against the stack's ceiling ([`ceiling`]), the same
/// requests over HTTP, in the same run; each as a rate and a p99.
async fn against_ceiling(
    pool: &PgPool,
    reads_pool: &PgPool,
    size: Size,
    progress: &impl Fn(&str),
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let Size {
        rounds,
        single_client_ops: one,
        multi_client_ops: many,
        clients,
        ..
    } = size;
    let rate_and_p99 = |rows: &mut Vec<Row>,
                        (id, p99_id, cost_ids): CompareIds,
                        what: String,
                        compared: Compared,
                        (at_least, target): (f64, &'static str)| {
        rows.push(row(
            id,
            what.clone(),
            "requests/s",
            compared.rates,
            target,
            move |_, r| r >= at_least,
        ));
        // a list page has a target of its own: 10 ms whatever the ceiling does.
        let list = p99_id == "S4p";
        rows.push(row(
            p99_id,
            format!("{what}, p99"),
            "ms",
            compared.p99s,
            if list {
                "≤ 10 ms"
            } else {
                "≤ 1.5 × the ceiling's"
            },
            move |ours, r| if list { ours <= 10.0 } else { r <= 1.5 },
        ));
        let (ours, theirs) = compared.costs;
        rows.extend(cost_rows(cost_ids, &what, (ours, Some(theirs))));
    };
    {
        progress("S1, S2 create partner: erp against the ceiling");
        let server = Server::start(pool.clone()).await?;
        let ceiling = Ceiling::start(pool.clone()).await?;
        let mut next = 1_000_000_u64;
        let creates: [(usize, usize, CompareIds); 2] = [
            (1, one, ("S1", "S1p", &["S1c", "S1g", "S1t", "S1w"])),
            (clients, many, ("S2", "S2p", &["S2c", "S2g", "S2t", "S2w"])),
        ];
        for (clients, ops, ids) in creates {
            let measured = interleaved_measured(
                rounds,
                (pool, ops),
                || {
                    next += ops as u64;
                    workloads::create_partners_at(server.addr, &server.token, clients, ops, next)
                },
                || workloads::create_partners_at(ceiling.addr, "", clients, ops, 0),
            )
            .await?;
            rate_and_p99(
                &mut rows,
                ids,
                format!("create partner, record in the payload, {clients} client(s)"),
                measured,
                (0.7, "≥ 70 % of the ceiling"),
            );
        }
    }
    {
        progress("S3, S4 reads: erp against the ceiling");
        let server = Server::start(reads_pool.clone()).await?;
        let ids = read_partners(&server, size.read_partners).await?;
        let ceiling = Ceiling::start(reads_pool.clone()).await?;
        let reads: [(Read, CompareIds, &str, (f64, &'static str)); 2] = [
            (
                Read::Form,
                ("S3", "S3p", &["S3c", "S3g"]),
                "form read by id",
                (0.8, "≥ 80 % of the ceiling"),
            ),
            (
                Read::Search,
                ("S4", "S4p", &["S4c", "S4g"]),
                "list page of 50 by name fragment, with totalCount",
                (1.0, "≥ 100 % of the ceiling"),
            ),
        ];
        for (read, row_ids, what, at_least) in reads {
            let measured = interleaved_measured(
                rounds,
                (reads_pool, size.reads),
                || {
                    workloads::reads_at(
                        server.addr,
                        &server.token,
                        ids.clone(),
                        read,
                        clients,
                        size.reads,
                    )
                },
                || workloads::reads_at(ceiling.addr, "", ids.clone(), read, clients, size.reads),
            )
            .await?;
            rate_and_p99(
                &mut rows,
                row_ids,
                format!("{what}, {clients} clients"),
                measured,
                at_least,
            );
        }
    }
    let rss = workloads::resident_mb();
    rows.push(Row {
        id: "Sm",
        workload: "resident memory of the process (servers and benchmark clients) after S".into(),
        unit: "MB",
        ours: Spread::of(&[rss]),
        raw: None,
        ratio: None,
        target: "≤ 64 MB",
        met: Some(rss <= 64.0),
    });
    Ok(rows)
}

/// The rows of a comparison: its rate, its p99 and its profile's figures.
type CompareIds = (&'static str, &'static str, &'static [&'static str]);

/// The profile of a comparison: what each side spent per request, one row a figure named in
/// `ids` (CPU of this process, CPU of PostgreSQL, writing transactions, WAL bytes; the first
/// `ids.len()` of them). Figures to explain a ratio with, not targets.
fn cost_rows(
    ids: &[&'static str],
    what: &str,
    (ours, theirs): ([Spread; 4], Option<[Spread; 4]>),
) -> Vec<Row> {
    const FIGURES: [(&str, &str); 4] = [
        ("CPU of the bench process (server and clients)", "µs each"),
        ("CPU of PostgreSQL", "µs each"),
        ("transactions that wrote", "each"),
        ("WAL written", "bytes each"),
    ];
    let theirs = theirs.map(|t| t.map(Some)).unwrap_or([None; 4]);
    ids.iter()
        .zip(FIGURES)
        .zip(ours.into_iter().zip(theirs))
        .map(|((id, (figure, unit)), (ours, theirs))| Row {
            id,
            workload: format!("{what}: {figure}"),
            unit,
            ours,
            raw: theirs,
            ratio: theirs.map(|theirs| ours.median / theirs.median),
            target: "(profile)",
            met: None,
        })
        .collect()
}

/// Partners for the read workloads: varied names, about half of them containing "an".
fn fixtures_read_partner(n: usize) -> anyhow::Result<domain::partner::PartnerCommand> {
    const WORDS: [&str; 8] = [
        "Agrolait",
        "Camptocamp",
        "Axelor",
        "Seagate",
        "Bank Wealthy",
        "Delta PC",
        "Mediapole",
        "Think Big",
    ];
    let mut details = fixtures::details(n as u64)?;
    details.name = domain::partner::PartnerName::parse(&format!("{} {n}", WORDS[n % WORDS.len()]))?;
    Ok(domain::partner::PartnerCommand::CreatePartner { details })
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(String::new(), |kb| {
            format!(", {:.0} GiB", kb / 1024.0 / 1024.0)
        });
    format!("{cpus} cores ({model}){memory}")
}

/// The report as a table a person reads.
pub fn table(report: &Report) -> String {
    let mut out = format!(
        "machine: {}\n{}\nrounds: {} (medians, [min–max]); took {:.0} s\n\n| id | workload | unit | ours | baseline (raw PostgreSQL; S: the ceiling) | ours/baseline | target | met |\n|---|---|---|---|---|---|---|---|\n",
        report.machine, report.postgres, report.rounds, report.seconds
    );
    let fmt = |s: &Spread| {
        if s.median.is_nan() {
            "–".to_owned()
        } else if s.median >= 100.0 {
            format!("{:.0} [{:.0}–{:.0}]", s.median, s.min, s.max)
        } else {
            format!("{:.2} [{:.2}–{:.2}]", s.median, s.min, s.max)
        }
    };
    for row in &report.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.id,
            row.workload,
            row.unit,
            fmt(&row.ours),
            row.raw.as_ref().map_or("–".to_owned(), fmt),
            row.ratio
                .map_or("–".to_owned(), |r| format!("{:.0} %", r * 100.0)),
            row.target,
            match row.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "not measured",
            }
        ));
    }
    out
}
