//! The workloads, each with its raw-PostgreSQL twin doing the minimum SQL for the same effect.
//! (Long on purpose: each workload and its twin sit side by side, so a reader sees at once what
//! ours does beyond the minimum; the raw twins write `INSERT INTO events` by hand, as the
//! baseline, never as a write path of the product.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use api::Backend;
use commands::{CommandBus, CommandContext};
use cqrs_es::EventStore;
use domain::partner::{Partner, PartnerChanges, PartnerCommand, PartnerName};
use futures::TryStreamExt;
use hyper::body::Bytes;
use projections::runner::{self, RunnerOptions};
use projections::{Checkpoint, Projection, ProjectionError, StoredEvent, Wake};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::fixtures::{self, RawEvent};
use crate::http_client::Client;
use crate::stats::percentile;

/// Runs `ops` operations split over `clients` concurrent tasks (client `c` runs operations `c`,
/// `c + clients`, ...); returns every operation's latency in milliseconds, and the wall time.
async fn spread_over<F, Fut>(
    clients: usize,
    ops: usize,
    op: F,
) -> anyhow::Result<(Vec<f64>, Duration)>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let tasks: Vec<JoinHandle<anyhow::Result<Vec<f64>>>> = (0..clients)
        .map(|client| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut n = client;
                while n < ops {
                    let at = Instant::now();
                    op(client, n).await?;
                    samples.push(at.elapsed().as_secs_f64() * 1000.0);
                    n += clients;
                }
                Ok(samples)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(ops);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all, started.elapsed()))
}

/// Operations per second of [`spread_over`].
async fn rate<F, Fut>(clients: usize, ops: usize, op: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let (_, elapsed) = spread_over(clients, ops, move |_, n| op(n)).await?;
    Ok(ops as f64 / elapsed.as_secs_f64())
}

/// The p99 latency in milliseconds of [`spread_over`].
async fn latencies<F, Fut>(clients: usize, ops: usize, op: F) -> anyhow::Result<f64>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let (mut samples, _) = spread_over(clients, ops, op).await?;
    Ok(percentile(&mut samples, 99.0))
}

/// One keep-alive connection per client, for the HTTP workloads.
async fn connections(
    server: &Server,
    clients: usize,
) -> anyhow::Result<Arc<Vec<tokio::sync::Mutex<Client>>>> {
    connections_to(server.addr, &server.token, clients).await
}

async fn connections_to(
    addr: SocketAddr,
    token: &str,
    clients: usize,
) -> anyhow::Result<Arc<Vec<tokio::sync::Mutex<Client>>>> {
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        connections.push(tokio::sync::Mutex::new(Client::connect(addr, token).await?));
    }
    Ok(Arc::new(connections))
}

/// What one run of a workload against a GraphQL server comes to.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Requests answered per second.
    pub rate: f64,
    /// The 99th percentile of the requests' latencies, in ms.
    pub p99: f64,
}

impl Measured {
    /// The rate and p99 of operations taking `samples` (ms each) in `elapsed` all told.
    fn of(mut samples: Vec<f64>, elapsed: Duration) -> Self {
        Self {
            rate: samples.len() as f64 / elapsed.as_secs_f64(),
            p99: percentile(&mut samples, 99.0),
        }
    }
}

/// S1, S2: `createPartner` mutations over HTTP to the server at `addr` (ours or the ceiling),
/// each answered with the new partner; partners `first..first + ops`.
pub async fn create_partners_at(
    addr: SocketAddr,
    token: &str,
    clients: usize,
    ops: usize,
    first: u64,
) -> anyhow::Result<Measured> {
    let connections = connections_to(addr, token, clients).await?;
    let (samples, elapsed) = spread_over(clients, ops, move |client, n| {
        let connections = connections.clone();
        async move {
            let body = create_mutation(first + n as u64)?;
            let data = connections[client].lock().await.graphql(&body).await?;
            anyhow::ensure!(
                data["createPartner"]["partner"]["name"].is_string(),
                "the payload does not show the new partner: {data}"
            );
            Ok(())
        }
    })
    .await?;
    Ok(Measured::of(samples, elapsed))
}

/// S3, S4: reads over HTTP to the server at `addr` (ours or the ceiling).
pub async fn reads_at(
    addr: SocketAddr,
    token: &str,
    ids: Arc<Vec<Uuid>>,
    read: Read,
    clients: usize,
    ops: usize,
) -> anyhow::Result<Measured> {
    let connections = connections_to(addr, token, clients).await?;
    let (samples, elapsed) = spread_over(clients, ops, move |client, n| {
        let connections = connections.clone();
        let ids = ids.clone();
        async move {
            let body = read_request(read, &ids, n);
            let data = connections[client].lock().await.graphql(&body).await?;
            let shown = match read {
                Read::Form => data["partner"]["name"].is_string(),
                Read::List | Read::Search => data["partners"]["totalCount"].as_i64() > Some(0),
            };
            anyhow::ensure!(shown, "the answer shows nothing: {data}");
            Ok(())
        }
    })
    .await?;
    Ok(Measured::of(samples, elapsed))
}

/// The GraphQL request of a read workload, the `n`th of its run.
fn read_request(read: Read, ids: &[Uuid], n: usize) -> Bytes {
    let body = match read {
        Read::Form => json!({
            "query": "query($id: ID!) { partner(id: $id) { id name email phone vat isCustomer isSupplier archived version address { street city zip country } } }",
            "variables": { "id": ids[n % ids.len()] },
        }),
        Read::List => json!({
            "query": "{ partners(first: 50) { totalCount edges { cursor node { id name email isCustomer isSupplier version } } } }",
        }),
        Read::Search => json!({
            "query": "{ partners(first: 50, where: { nameContains: \"an\" }) { totalCount edges { cursor node { id name email isCustomer isSupplier version } } } }",
        }),
    };
    Bytes::from(body.to_string())
}

/// W1, W2 (ours): one new partner per command, through the command bus.
pub async fn create_partners(
    bus: Arc<CommandBus>,
    clients: usize,
    ops: usize,
) -> anyhow::Result<f64> {
    let commands: Arc<Vec<PartnerCommand>> = Arc::new(
        (0..ops)
            .map(|n| fixtures::create_command(n as u64))
            .collect::<anyhow::Result<_>>()?,
    );
    rate(clients, ops, move |n| {
        let bus = bus.clone();
        let commands = commands.clone();
        async move {
            let context = CommandContext::system("bench");
            bus.partner(Uuid::now_v7(), commands[n].clone(), &context)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
    })
    .await
}

/// W1, W2, W4 (raw): one INSERT of the same row, in its own transaction.
pub async fn raw_inserts(pool: PgPool, clients: usize, ops: usize) -> anyhow::Result<f64> {
    let event = Arc::new(RawEvent::created(1)?);
    rate(clients, ops, move |_| {
        let pool = pool.clone();
        let event = event.clone();
        async move {
            raw_insert(&pool, &Uuid::now_v7().to_string(), 1, &event).await?;
            Ok(())
        }
    })
    .await
}

async fn raw_insert(
    pool: &PgPool,
    id: &str,
    sequence: i64,
    event: &RawEvent,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         values ('RawPartner', $1, $2, $3, '1.0', $4, $5)",
    )
    .bind(id)
    .bind(sequence)
    .bind(&event.event_type)
    .bind(&event.payload)
    .bind(&event.metadata)
    .execute(pool)
    .await?;
    Ok(())
}

/// W3 (ours): a change to an existing partner of 4 events: load, decide, append the 5th.
pub async fn update_partners(
    bus: Arc<CommandBus>,
    pool: &PgPool,
    ops: usize,
) -> anyhow::Result<f64> {
    let ids = Arc::new(fixtures::fill(pool, "Partner", ops, 4).await?);
    rate(1, ops, move |n| {
        let bus = bus.clone();
        let ids = ids.clone();
        async move {
            let id = Uuid::parse_str(&ids[n])?;
            let changes = PartnerChanges {
                name: Some(PartnerName::parse(&format!("Renamed {n}"))?),
                ..PartnerChanges::default()
            };
            let command = PartnerCommand::UpdatePartner {
                expected_version: Some(4),
                changes,
            };
            bus.partner(id, command, &CommandContext::system("bench"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
    })
    .await
}

/// W3 (raw): SELECT the stream of 4 events, then INSERT the 5th.
pub async fn raw_read_then_insert(pool: PgPool, ops: usize) -> anyhow::Result<f64> {
    let ids = Arc::new(fixtures::fill(&pool, "RawPartner", ops, 4).await?);
    let event = Arc::new(RawEvent::updated(5)?);
    rate(1, ops, move |n| {
        let pool = pool.clone();
        let ids = ids.clone();
        let event = event.clone();
        async move {
            let rows = sqlx::query(
                "select aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata
                   from events where aggregate_type = 'RawPartner' and aggregate_id = $1 order by sequence",
            )
            .bind(&ids[n])
            .fetch_all(&pool)
            .await?;
            raw_insert(&pool, &ids[n], rows.len() as i64 + 1, &event).await
        }
    })
    .await
}

/// A server on a socket, as clients see it.
pub struct Server {
    pub addr: SocketAddr,
    pub backend: Backend,
    /// A session of `admin`, for the clients.
    pub token: String,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts the server and waits until its projections have caught up with the log, so
    /// measurements do not include catching up with earlier workloads.
    pub async fn start(pool: PgPool) -> anyhow::Result<Self> {
        let backend = Backend::start(pool.clone()).await?;
        let caught_up = backend.catch_up(Duration::from_secs(600)).await?;
        anyhow::ensure!(caught_up, "the projections did not catch up with the log");
        let (token, _) = commands::auth::open_session(
            &pool,
            commands::auth::user_id(commands::bootstrap::ADMIN_LOGIN),
        )
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = api::app(api::schema(&backend));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            backend,
            token,
            task,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// W4 (ours): `createPartner` mutations over HTTP, each answered with the projected partner.
pub async fn create_partners_over_http(
    server: &Server,
    clients: usize,
    ops: usize,
) -> anyhow::Result<f64> {
    let connections = connections(server, clients).await?;
    let (_, elapsed) = spread_over(clients, ops, move |client, n| {
        let connections = connections.clone();
        async move {
            let body = create_mutation(n as u64)?;
            let data = connections[client].lock().await.graphql(&body).await?;
            anyhow::ensure!(
                data["createPartner"]["partner"]["id"].is_string(),
                "the payload does not show the new partner: {data}"
            );
            Ok(())
        }
    })
    .await?;
    Ok(ops as f64 / elapsed.as_secs_f64())
}

fn create_mutation(n: u64) -> anyhow::Result<Bytes> {
    let details = fixtures::details(n)?;
    let body = json!({
        "query": "mutation($input: CreatePartnerInput!) { createPartner(input: $input) {
            partner { id name email phone vat isCustomer isSupplier version address { street city zip country } }
            userErrors { field message code } } }",
        "variables": { "input": {
            "name": details.name.as_str(),
            "email": details.email.as_ref().map(|e| e.as_str()),
            "phone": details.phone.as_ref().map(|p| p.as_str()),
            "vat": details.vat.as_ref().map(|v| v.as_str()),
            "address": {
                "street": details.address.street, "city": details.address.city,
                "zip": details.address.zip, "country": details.address.country,
            },
            "isCustomer": details.is_customer,
            "isSupplier": details.is_supplier,
        } }
    });
    Ok(Bytes::from(body.to_string()))
}

/// The read model of W5: one row per event.
pub struct EventRows;

impl Projection for EventRows {
    fn name(&self) -> &'static str {
        "bench_event_rows"
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let positions: Vec<i64> = events.iter().map(|e| e.position).collect();
        let types: Vec<&str> = events.iter().map(|e| e.aggregate_type.as_str()).collect();
        let ids: Vec<&str> = events.iter().map(|e| e.aggregate_id.as_str()).collect();
        let event_types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        sqlx::query(
            "insert into bench_event_rows (position, aggregate_type, aggregate_id, event_type)
             select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
        )
        .bind(&positions)
        .bind(&types)
        .bind(&ids)
        .bind(&event_types)
        .execute(tx)
        .await?;
        Ok(())
    }
}

/// W5 setup: the log filled with `events` standard events (in transactions of 1,000), and the
/// read model's table.
pub async fn prepare_rebuild(pool: &PgPool, events: usize) -> anyhow::Result<()> {
    fixtures::fill(pool, "BenchLog", events / 100, 100).await?;
    sqlx::query(
        "create table if not exists bench_event_rows (position bigint not null, aggregate_type text not null,
            aggregate_id text not null, event_type text not null)",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// W5 (ours): rebuilds the one-row-per-event read model from the first event; events per second.
pub async fn rebuild(pool: &PgPool) -> anyhow::Result<f64> {
    sqlx::query("truncate bench_event_rows")
        .execute(pool)
        .await?;
    sqlx::query("delete from projection_checkpoints where projection = 'bench_event_rows'")
        .execute(pool)
        .await?;
    let total: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(pool)
        .await?;
    let (transaction_id, position): (i64, i64) = sqlx::query_as(
        "select transaction_id::text::bigint, position from events
          order by events.transaction_id desc, events.position desc limit 1",
    )
    .fetch_one(pool)
    .await?;
    let last = Checkpoint {
        transaction_id,
        position,
    };
    let started = Instant::now();
    let (progress, task) = runner::spawn(
        pool.clone(),
        EventRows,
        &Wake::default(),
        RunnerOptions::default(),
    )
    .await?;
    let done = progress.wait_for(last, Duration::from_secs(300)).await;
    let elapsed = started.elapsed();
    task.abort();
    anyhow::ensure!(done, "the rebuild stalled at {:?}", progress.current());
    let rows: i64 = sqlx::query_scalar("select count(*) from bench_event_rows")
        .fetch_one(pool)
        .await?;
    anyhow::ensure!(
        rows == total,
        "the rebuild wrote {rows} rows for {total} events"
    );
    Ok(total as f64 / elapsed.as_secs_f64())
}

/// W5 (raw): the same rows, scanned in the same order; events per second.
pub async fn raw_scan(pool: &PgPool) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut rows = sqlx::query(
        "select position, transaction_id::text::bigint, aggregate_type, aggregate_id, sequence, event_type,
                event_version, payload, metadata, recorded_at
           from events order by events.transaction_id, events.position",
    )
    .fetch(pool);
    let mut count = 0u64;
    while rows.try_next().await?.is_some() {
        count += 1;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// The median, in milliseconds, of `times` runs of `run` (what a run returns is kept from the
/// optimizer, and dropped after the clock stops).
async fn median_ms<T, Fut>(times: usize, mut run: impl FnMut() -> Fut) -> anyhow::Result<f64>
where
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut samples = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        let value = run().await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(value);
    }
    Ok(percentile(&mut samples, 50.0))
}

/// W6 setup: one partner with `events` events.
pub async fn prepare_long_stream(pool: &PgPool, events: usize) -> anyhow::Result<String> {
    let ids = fixtures::fill(pool, "Partner", 1, events).await?;
    ids.into_iter().next().context("no stream was made")
}

/// W6 (ours): milliseconds to load the aggregate from its events, through our event store with
/// no snapshot (median of `times` loads).
pub async fn load_aggregate(pool: &PgPool, id: &str, times: usize) -> anyhow::Result<f64> {
    let store = &store::LogStore::<Partner>::with_snapshots_every(pool.clone(), 0);
    median_ms(times, || async move {
        Ok(store.load_without_snapshot(id).await?)
    })
    .await
}

/// W6s (ours): milliseconds to load the same aggregate from a snapshot of it (median of
/// `times` loads).
pub async fn load_from_snapshot(pool: &PgPool, id: &str, times: usize) -> anyhow::Result<f64> {
    let store = &store::LogStore::<Partner>::new(pool.clone());
    store.take_snapshot(id).await?;
    median_ms(times, || async move { Ok(store.load_aggregate(id).await?) }).await
}

/// W6s (raw): milliseconds to read the snapshot row and look for events after it.
pub async fn raw_read_snapshot(pool: &PgPool, id: &str, times: usize) -> anyhow::Result<f64> {
    median_ms(times, || async move {
        let snapshot: Option<(i64, String)> = sqlx::query_as(
            "select sequence, state::text from aggregate_snapshot
              where aggregate_type = 'Partner' and aggregate_id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        let after = snapshot.as_ref().map_or(0, |s| s.0);
        let rows = sqlx::query(
            "select payload from events where aggregate_type = 'Partner' and aggregate_id = $1
                and sequence > $2 order by sequence",
        )
        .bind(id)
        .bind(after)
        .fetch_all(pool)
        .await?;
        Ok((snapshot, rows))
    })
    .await
}

/// W6 (raw): milliseconds to read the same rows (median of `times` reads).
pub async fn raw_read_stream(pool: &PgPool, id: &str, times: usize) -> anyhow::Result<f64> {
    median_ms(times, || async move {
        let rows = sqlx::query(
            "select aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata
               from events where aggregate_type = 'Partner' and aggregate_id = $1 order by sequence",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        Ok(rows)
    })
    .await
}

/// What W7 reads: a form by id, the first page of 50 partners by name, or a page of 50 whose
/// name contains "an"; lists with their total count.
#[derive(Clone, Copy)]
pub enum Read {
    Form,
    List,
    Search,
}

/// W7 (ours): GraphQL reads over HTTP, `clients` keep-alive connections; p99 in ms.
pub async fn graphql_reads(
    server: &Server,
    ids: Arc<Vec<Uuid>>,
    read: Read,
    clients: usize,
    ops: usize,
) -> anyhow::Result<f64> {
    let connections = connections(server, clients).await?;
    latencies(clients, ops, move |client, n| {
        let connections = connections.clone();
        let ids = ids.clone();
        async move {
            let body = read_request(read, &ids, n);
            let data = connections[client].lock().await.graphql(&body).await?;
            std::hint::black_box(data);
            Ok(())
        }
    })
    .await
}

/// W7 (raw): the same reads as plain SQL through the pool; p99 in ms.
pub async fn raw_reads(
    pool: PgPool,
    ids: Arc<Vec<Uuid>>,
    read: Read,
    clients: usize,
    ops: usize,
) -> anyhow::Result<f64> {
    latencies(clients, ops, move |_, n| {
        let pool = pool.clone();
        let ids = ids.clone();
        async move {
            match read {
                Read::Form => {
                    let row = sqlx::query("select * from partner where id = $1")
                        .bind(ids[n % ids.len()])
                        .fetch_optional(&pool)
                        .await?;
                    std::hint::black_box(row);
                }
                Read::List | Read::Search => {
                    let filter = if matches!(read, Read::Search) {
                        "name ilike '%an%' and archived = false"
                    } else {
                        "archived = false"
                    };
                    let rows = sqlx::query(&format!(
                        "select * from partner where {filter} order by name_sort, id limit 51"
                    ))
                    .fetch_all(&pool)
                    .await?;
                    let count: i64 =
                        sqlx::query_scalar(&format!("select count(*) from partner where {filter}"))
                            .fetch_one(&pool)
                            .await?;
                    std::hint::black_box((rows, count));
                }
            }
            Ok(())
        }
    })
    .await
}

/// The resident memory of this process, in MB.
pub fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// W8: a configuration history of `events` events (renamed labels and changed taxes, in
/// batches), then a stage, then `tail` more events. Returns the position of the last one.
pub async fn prepare_configuration_history(
    pool: &PgPool,
    events: usize,
    tail: usize,
) -> anyhow::Result<i64> {
    use domain::configuration::{Code, ConfigurationCommand, Tax};
    let bus = CommandBus::new(pool.clone(), Wake::default());
    let context = CommandContext::system("bench");
    let configure = |command| async {
        bus.configure(command, &context)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    configure(ConfigurationCommand::InstallModule {
        name: "account".into(),
        force: false,
    })
    .await?;
    let change = |n: usize| -> anyhow::Result<ConfigurationCommand> {
        Ok(if n.is_multiple_of(2) {
            ConfigurationCommand::SetLabel {
                form: "partner".into(),
                field: "name".into(),
                label: Some(format!("Name {n}")),
            }
        } else {
            ConfigurationCommand::SetTax {
                code: Code::parse(&format!("tax{}", n % 50))?,
                tax: Tax::new(
                    &format!("Tax {n}"),
                    rust_decimal::Decimal::new((n % 100) as i64, 0),
                    false,
                )?,
            }
        })
    };
    for chunk in (0..events).collect::<Vec<_>>().chunks(500) {
        let commands = chunk
            .iter()
            .map(|n| change(*n))
            .collect::<anyhow::Result<_>>()?;
        configure(ConfigurationCommand::Batch(commands)).await?;
    }
    configure(ConfigurationCommand::CreateStage {
        name: "bench".into(),
        note: String::new(),
    })
    .await?;
    let commands = (events..events + tail)
        .map(change)
        .collect::<anyhow::Result<_>>()?;
    let last = configure(ConfigurationCommand::Batch(commands)).await?;
    // the stage's snapshot is written by the configuration projection.
    let backend = Backend::start(pool.clone()).await?;
    anyhow::ensure!(
        backend.catch_up(Duration::from_secs(600)).await?,
        "the configuration projection did not catch up"
    );
    Ok(last.position)
}

/// How the configuration at a position is computed.
#[derive(Clone, Copy)]
pub enum ConfigurationReplay {
    /// From the latest stage's snapshot, then the events after it.
    FromSnapshot,
    /// From the first configuration event.
    FromBeginning,
}

/// W8 (ours): milliseconds to compute the configuration at `position` (median of `times`).
pub async fn configuration_at(
    pool: &PgPool,
    position: i64,
    how: ConfigurationReplay,
    times: usize,
) -> anyhow::Result<f64> {
    let mut conn = pool.acquire().await?;
    let mut samples = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        let configuration = match how {
            ConfigurationReplay::FromSnapshot => {
                replay::configuration::configuration_at(&mut conn, position)
                    .await?
                    .0
            }
            ConfigurationReplay::FromBeginning => {
                replay::configuration::configuration_at_from_beginning(&mut conn, position).await?
            }
        };
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(configuration);
    }
    Ok(percentile(&mut samples, 50.0))
}

/// W8 (raw): milliseconds to read the same rows (the snapshot and the tail, or the whole
/// stream) without turning them into a configuration (median of `times`).
pub async fn raw_configuration_rows(
    pool: &PgPool,
    position: i64,
    how: ConfigurationReplay,
    times: usize,
) -> anyhow::Result<f64> {
    let mut conn = pool.acquire().await?;
    let mut samples = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        let after: i64 = match how {
            ConfigurationReplay::FromSnapshot => {
                let stage: Option<(i64, String)> = sqlx::query_as(
                    "select position, state::text from configuration_stage
                      where position <= $1 order by position desc limit 1",
                )
                .bind(position)
                .fetch_optional(&mut *conn)
                .await?;
                std::hint::black_box(&stage);
                stage.map_or(0, |s| s.0)
            }
            ConfigurationReplay::FromBeginning => 0,
        };
        let rows: Vec<String> = sqlx::query_scalar(
            "select payload::text from events
              where aggregate_type = 'Configuration' and position > $1 and position <= $2
              order by sequence",
        )
        .bind(after)
        .bind(position)
        .fetch_all(&mut *conn)
        .await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    Ok(percentile(&mut samples, 50.0))
}

/// W9 (ours): `erp replay verify`'s log checks (chains, seals, every event read back); events
/// per second. Fails if the log does not verify.
pub async fn verify(pool: &PgPool) -> anyhow::Result<f64> {
    let total: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(pool)
        .await?;
    let started = Instant::now();
    let findings = replay::verify::verify_log(pool, |_| {}).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        findings.is_empty(),
        "the bench log does not verify: {}",
        findings[0]
    );
    Ok(total as f64 / elapsed.as_secs_f64())
}

/// W9 (raw): the two ordered scans verify makes (by stream, by log order), reading the same
/// columns; events per second.
pub async fn raw_two_scans(pool: &PgPool) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut count = 0u64;
    for order in [
        "aggregate_type, aggregate_id, sequence",
        "transaction_id, position",
    ] {
        let statement = format!(
            "select position, transaction_id::text::bigint, aggregate_type, aggregate_id, sequence,
                    event_type, event_version, payload::text, metadata::text, hash
               from events order by {order}"
        );
        let mut rows = sqlx::query(&statement).fetch(pool);
        while rows.try_next().await?.is_some() {
            count += 1;
        }
    }
    Ok(count as f64 / 2.0 / started.elapsed().as_secs_f64())
}

/// W10 (ours): `erp replay rebuild partner`: the partner read model replayed into new tables
/// and swapped in; events per second.
pub async fn rebuild_partners(pool: &PgPool) -> anyhow::Result<f64> {
    let total: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(pool)
        .await?;
    let started = Instant::now();
    api::read_models::rebuild(pool, "partner", &|_| {})
        .await
        .context("no partner projection")??;
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The settings a business bench runs on: the demo company's books, folded in memory (the
/// operations read settings; they need none of it in the log).
fn business_settings() -> anyhow::Result<domain::configuration::Settings> {
    use domain::configuration::{Configuration, ConfigurationCommand};
    let module = commands::data_module::DataModule::parse(commands::demo::DEMO_COMPANY)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut configuration = Configuration::default();
    let mut commands: Vec<ConfigurationCommand> = ["base", "sale", "purchase", "stock"]
        .into_iter()
        .map(|name| ConfigurationCommand::InstallModule {
            name: name.to_owned(),
            force: false,
        })
        .collect();
    commands.extend(module.configuration_commands().cloned());
    for command in commands {
        let events = configuration
            .decide(command)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for event in events {
            cqrs_es::Aggregate::apply(&mut configuration, event);
        }
    }
    Ok(configuration.settings().clone())
}

/// W11 (ours): posting an invoice: the next number of the journal's sequence, the invoice
/// marked posted and its entry written into its month, three streams in one append.
pub async fn post_invoices(bus: Arc<CommandBus>, pool: &PgPool, ops: usize) -> anyhow::Result<f64> {
    let settings = Arc::new(business_settings()?);
    let context = CommandContext::system("bench");
    let partner = Uuid::now_v7();
    let details = domain::partner::PartnerDetails {
        name: PartnerName::parse("Bench customer")?,
        email: None,
        phone: None,
        address: domain::partner::Address::default(),
        vat: None,
        is_customer: true,
        is_supplier: false,
        company: None,
        categories: Default::default(),
    };
    bus.partner(partner, PartnerCommand::CreatePartner { details }, &context)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let _ = pool;
    let mut ids = Vec::with_capacity(ops);
    for n in 0..ops {
        let id = Uuid::now_v7();
        let input = commands::business::InvoiceInput {
            kind: domain::invoice::InvoiceKind::CustomerInvoice,
            partner,
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).context("date")?,
            due_date: None,
            lines: vec![commands::business::LineInput {
                product: None,
                description: Some(format!("Consulting {n}")),
                quantity: rust_decimal::Decimal::ONE,
                unit_price: Some(rust_decimal::Decimal::new(10000, 2)),
                discount: rust_decimal::Decimal::ZERO,
                taxes: Some(vec![domain::configuration::Code::parse("vat21")?]),
            }],
            reverses: None,
            reference: String::new(),
            company: domain::configuration::Code::main_company(),
        };
        let settings = settings.clone();
        bus.run(&context, "DraftInvoice", |work| {
            let (settings, input) = (settings.clone(), input.clone());
            Box::pin(async move {
                commands::business::create_invoice(work, &settings, id, &input).await
            })
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ids.push(id);
    }
    let ids = Arc::new(ids);
    rate(1, ops, move |n| {
        let (bus, ids, settings) = (bus.clone(), ids.clone(), settings.clone());
        async move {
            let id = ids[n];
            bus.run(&CommandContext::system("bench"), "PostInvoice", |work| {
                let settings = settings.clone();
                Box::pin(async move {
                    commands::business::post_invoice(work, &settings, id, None).await
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(())
        }
    })
    .await
}

/// W11 (raw): the same by hand: read the three streams' heads, then one INSERT of the three
/// events (number, invoice posted, entry) of about the same size.
pub async fn raw_post_invoices(pool: PgPool, ops: usize) -> anyhow::Result<f64> {
    let run = Uuid::now_v7().simple().to_string();
    let invoices = Arc::new(fixtures::fill(&pool, "RawInvoice", ops, 1).await?);
    let entry = Arc::new(serde_json::json!({ "EntryPosted": { "entry": {
        "id": Uuid::now_v7(), "journal": "sales", "number": "INV/00001", "date": "2026-11-23",
        "reference": "", "origin": { "Invoice": { "invoice": Uuid::now_v7() } },
        "lines": [
            { "account": "411000", "partner": Uuid::now_v7(), "label": "INV/00001", "debit": "121.00", "credit": "0" },
            { "account": "700000", "partner": Uuid::now_v7(), "label": "Consulting", "debit": "0", "credit": "100.00" },
            { "account": "451000", "partner": Uuid::now_v7(), "label": "vat21", "debit": "0", "credit": "21.00" }
        ] } } }).to_string());
    let metadata = Arc::new(fixtures::metadata().to_string());
    rate(1, ops, move |n| {
        let (pool, invoices, entry, metadata, run) =
            (pool.clone(), invoices.clone(), entry.clone(), metadata.clone(), run.clone());
        async move {
            let numbering = format!("inv-{run}");
            let period = format!("2026-11-{run}");
            let heads: Vec<(String, Option<i64>)> = sqlx::query_as(
                "select s.id, (select max(sequence) from events e where e.aggregate_type = s.t and e.aggregate_id = s.id)
                   from (values ('RawNumbering', $1), ('RawInvoice', $2), ('RawPeriod', $3)) as s(t, id)",
            )
            .bind(&numbering)
            .bind(&invoices[n])
            .bind(&period)
            .fetch_all(&pool)
            .await?;
            let next = |id: &str| heads.iter().find(|(i, _)| i == id).and_then(|(_, s)| *s).unwrap_or(0) + 1;
            let posted = serde_json::json!({ "InvoicePosted": { "number": format!("INV/{n:05}"), "entry": Uuid::now_v7(),
                "totals": { "untaxed": "100.00", "tax": "21.00", "total": "121.00", "taxes": { "vat21": "21.00" } } } })
            .to_string();
            let number = serde_json::json!({ "NumberTaken": { "number": n + 1, "name": format!("INV/{n:05}") } }).to_string();
            sqlx::query(
                "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
                 select t, id, seq, ty, '1.0', p::json, $10::json
                   from unnest(array['RawNumbering', 'RawInvoice', 'RawPeriod'], array[$1, $2, $3],
                               array[$4, $5, $6]::bigint[], array['NumberTaken', 'InvoicePosted', 'EntryPosted'],
                               array[$7, $8, $9]) as e(t, id, seq, ty, p)",
            )
            .bind(&numbering)
            .bind(&invoices[n])
            .bind(&period)
            .bind(next(&numbering))
            .bind(next(&invoices[n]))
            .bind(next(&period))
            .bind(number)
            .bind(posted)
            .bind(entry.as_str())
            .bind(metadata.as_str())
            .execute(&pool)
            .await?;
            Ok(())
        }
    })
    .await
}

/// Runs mutation `name` (taking `$input: <type_>!`) with `input` on `client`, selecting
/// `fields`; fails on any error or user error, and returns the payload.
async fn must(
    client: &mut Client,
    name: &str,
    type_: &str,
    input: serde_json::Value,
    fields: &str,
) -> anyhow::Result<serde_json::Value> {
    let body = json!({
        "query": format!("mutation($input: {type_}!) {{ {name}(input: $input) {{ {fields} userErrors {{ field message code }} }} }}"),
        "variables": { "input": input },
    });
    let mut data = client.graphql(&Bytes::from(body.to_string())).await?;
    let payload = data[name].take();
    anyhow::ensure!(
        payload["userErrors"] == json!([]),
        "{name} was refused: {payload}"
    );
    Ok(payload)
}

/// The id `field` of `payload`'s `record`.
fn id_of(payload: &serde_json::Value, record: &str) -> anyhow::Result<String> {
    payload[record]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {record} id in {payload}"))
}

/// S5, S6 set-up, through GraphQL as a client would: the books of a small trading company (the
/// sale, purchase and stock modules, sequences, a tax, accounts, journals, settings), a customer
/// and a consumable product. Returns the customer's and the product's ids.
pub async fn set_up_books(server: &Server) -> anyhow::Result<(String, String)> {
    let mut client = Client::connect(server.addr, &server.token).await?;
    let client = &mut client;
    let configured = "configuration { version }";
    for module in ["sale", "purchase", "stock"] {
        must(
            client,
            "installModule",
            "InstallModuleInput",
            json!({ "name": module }),
            configured,
        )
        .await?;
    }
    for (code, name, prefix) in [
        ("so", "Sales orders", "SO"),
        ("po", "Purchase orders", "PO"),
        ("inv", "Customer invoices", "INV/2026/"),
        ("bill", "Vendor bills", "BILL/2026/"),
        ("misc", "Miscellaneous", "MISC/2026/"),
    ] {
        let input = json!({ "code": code, "name": name, "prefix": prefix, "padding": 6 });
        must(client, "setSequence", "SetSequenceInput", input, configured).await?;
    }
    let tax = json!({ "code": "vat21", "name": "VAT 21%", "rate": "21" });
    must(client, "setTax", "SetTaxInput", tax, configured).await?;
    for (code, name, kind) in [
        ("401000", "Suppliers", "PAYABLE"),
        ("411000", "Customers", "RECEIVABLE"),
        ("411100", "VAT deductible", "ASSET"),
        ("451000", "VAT collected", "LIABILITY"),
        ("600000", "Purchases", "EXPENSE"),
        ("700000", "Sales", "INCOME"),
    ] {
        let input = json!({ "code": code, "name": name, "kind": kind });
        must(client, "setAccount", "SetAccountInput", input, configured).await?;
    }
    for (code, name, kind, sequence) in [
        ("sales", "Sales", "SALE", "inv"),
        ("purchases", "Purchases", "PURCHASE", "bill"),
        ("misc", "Miscellaneous", "GENERAL", "misc"),
    ] {
        let input = json!({ "code": code, "name": name, "kind": kind, "sequence": sequence });
        must(client, "setJournal", "SetJournalInput", input, configured).await?;
    }
    let settings = json!({
        "receivableAccount": "411000", "payableAccount": "401000",
        "incomeAccount": "700000", "expenseAccount": "600000",
        "taxCollectedAccount": "451000", "taxDeductibleAccount": "411100",
        "saleJournal": "sales", "purchaseJournal": "purchases", "generalJournal": "misc",
        "saleOrderSequence": "so", "purchaseOrderSequence": "po",
        "invoicePolicy": "DELIVERED", "allowNegativeStock": false, "paymentDays": 30
    });
    must(
        client,
        "setBusinessSettings",
        "BusinessSettingsInput",
        settings,
        configured,
    )
    .await?;
    let customer = json!({ "name": "Agrolait", "isCustomer": true, "isSupplier": false });
    let customer = must(
        client,
        "createPartner",
        "CreatePartnerInput",
        customer,
        "partner { id }",
    )
    .await?;
    let product = json!({ "reference": "PAPER", "name": "Paper", "kind": "CONSUMABLE",
                          "salePrice": "12.50", "cost": "7.25", "taxes": ["vat21"] });
    let product = must(
        client,
        "createProduct",
        "CreateProductInput",
        product,
        "product { id }",
    )
    .await?;
    Ok((id_of(&customer, "partner")?, id_of(&product, "product")?))
}

/// S5: `flows` times, one after the other, a sale order of one line confirmed, delivered,
/// invoiced and the invoice posted: five mutations, each answered with its record.
pub async fn order_to_posted_invoice(
    server: &Server,
    (customer, product): &(String, String),
    flows: usize,
) -> anyhow::Result<Measured> {
    let mut client = Client::connect(server.addr, &server.token).await?;
    let client = &mut client;
    let order = "order { id state }";
    let mut samples = Vec::with_capacity(flows);
    let started = Instant::now();
    for _ in 0..flows {
        let at = Instant::now();
        let input = json!({ "partner": customer, "date": "2026-06-15",
                            "lines": [{ "product": product, "quantity": "2" }] });
        let created = must(client, "createSaleOrder", "CreateOrderInput", input, order).await?;
        let id = id_of(&created, "order")?;
        must(
            client,
            "confirmOrder",
            "OrderIdInput",
            json!({ "id": id }),
            order,
        )
        .await?;
        let delivery =
            json!({ "id": id, "date": "2026-06-15", "lines": [{ "line": 0, "quantity": "2" }] });
        must(client, "deliverOrder", "DeliverOrderInput", delivery, order).await?;
        let invoiced = json!({ "id": id, "date": "2026-06-15" });
        let drafted = must(
            client,
            "invoiceOrder",
            "InvoiceOrderInput",
            invoiced,
            "invoice { id }",
        )
        .await?;
        post(client, &id_of(&drafted, "invoice")?).await?;
        samples.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Measured::of(samples, started.elapsed()))
}

/// S6: `invoices` times, one after the other, a customer invoice of three lines created, then
/// posted: two mutations, each answered with the invoice.
pub async fn invoice_create_and_post(
    server: &Server,
    (customer, product): &(String, String),
    invoices: usize,
) -> anyhow::Result<Measured> {
    let mut client = Client::connect(server.addr, &server.token).await?;
    let client = &mut client;
    let mut samples = Vec::with_capacity(invoices);
    let started = Instant::now();
    for _ in 0..invoices {
        let at = Instant::now();
        let lines: Vec<serde_json::Value> = ["1", "2", "3"]
            .into_iter()
            .map(|quantity| json!({ "product": product, "quantity": quantity }))
            .collect();
        let input = json!({ "kind": "CUSTOMER_INVOICE", "partner": customer,
                            "date": "2026-06-15", "lines": lines });
        let drafted = must(
            client,
            "createInvoice",
            "CreateInvoiceInput",
            input,
            "invoice { id total }",
        )
        .await?;
        post(client, &id_of(&drafted, "invoice")?).await?;
        samples.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Measured::of(samples, started.elapsed()))
}

/// Posts draft invoice `id` and insists it is posted.
async fn post(client: &mut Client, id: &str) -> anyhow::Result<()> {
    let posted = must(
        client,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": id }),
        "invoice { id number state total }",
    )
    .await?;
    anyhow::ensure!(
        posted["invoice"]["state"] == "POSTED",
        "not posted: {posted}"
    );
    Ok(())
}
