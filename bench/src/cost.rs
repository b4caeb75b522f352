//! What a side of a comparison spends per request, beside its rate: the profile that says why
//! one side is slower. Read before and after each side's run, on counters that do not lag:
//!
//! - the CPU time of this process (the server measured and its benchmark clients, which are the
//!   same for both sides),
//! - the CPU time of PostgreSQL's processes on this machine (backends, WAL writer,
//!   checkpointer), both from the `schedstat` of their tasks, in nanoseconds;
//! - the transactions that wrote (each is given a transaction id; reading ones are not);
//! - the WAL written, in bytes (what every commit must flush to disk before it answers).

use std::future::Future;
use std::time::Duration;

use sqlx::PgPool;

use crate::stats::Spread;

/// Counters at one moment, or their difference over a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    process_cpu_s: f64,
    postgres_cpu_s: Option<f64>,
    writing_transactions: f64,
    wal_bytes: f64,
}

/// Per request, the figures of [`Cost`] over a run of `requests`.
#[derive(Debug, Clone, Copy)]
pub struct PerRequest {
    /// CPU time of this process, µs.
    pub process_cpu_us: f64,
    /// CPU time of PostgreSQL's processes, µs (`NaN` for a server on another machine).
    pub postgres_cpu_us: f64,
    pub writing_transactions: f64,
    pub wal_bytes: f64,
}

impl PerRequest {
    /// The spreads of each figure over several runs, in the order of the fields.
    pub fn spreads(runs: &[PerRequest]) -> [Spread; 4] {
        let of = |f: fn(&PerRequest) -> f64| Spread::of(&runs.iter().map(f).collect::<Vec<_>>());
        [
            of(|r| r.process_cpu_us),
            of(|r| r.postgres_cpu_us),
            of(|r| r.writing_transactions),
            of(|r| r.wal_bytes),
        ]
    }
}

impl Cost {
    async fn now(pool: &PgPool) -> anyhow::Result<Self> {
        let (next_xid, wal): (i64, i64) = sqlx::query_as(
            "select pg_snapshot_xmax(pg_current_snapshot())::text::bigint, \
                    pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
        )
        .fetch_one(pool)
        .await?;
        Ok(Self {
            process_cpu_s: process_cpu_s(),
            postgres_cpu_s: postgres_cpu_s(),
            writing_transactions: next_xid as f64,
            wal_bytes: wal as f64,
        })
    }

    fn per_request(self, before: Self, requests: usize) -> PerRequest {
        let n = requests.max(1) as f64;
        PerRequest {
            process_cpu_us: (self.process_cpu_s - before.process_cpu_s) * 1e6 / n,
            postgres_cpu_us: match (self.postgres_cpu_s, before.postgres_cpu_s) {
                (Some(after), Some(before)) => (after - before) * 1e6 / n,
                _ => f64::NAN,
            },
            writing_transactions: (self.writing_transactions - before.writing_transactions) / n,
            wal_bytes: (self.wal_bytes - before.wal_bytes) / n,
        }
    }
}

/// Runs `run` (which answers `requests` requests) and what it cost per request, the work it left
/// behind (asynchronous projections) included: the counters are read again once it has settled.
pub async fn costed<T>(
    pool: &PgPool,
    requests: usize,
    run: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<(T, PerRequest)> {
    let before = Cost::now(pool).await?;
    let out = run.await?;
    tokio::time::sleep(SETTLE).await;
    let after = Cost::now(pool).await?;
    Ok((out, after.per_request(before, requests)))
}

/// Long enough for the projection runners to finish what a run left them (they gather for 20 ms).
const SETTLE: Duration = Duration::from_millis(300);

/// CPU time of this process's threads, from their `schedstat` (the threads of tokio's runtime
/// live as long as the run).
fn process_cpu_s() -> f64 {
    cpu_s("/proc/self/task", |_| true).unwrap_or(f64::NAN)
}

/// CPU time of every process named `postgres` on this machine; `None` when there is none (the
/// server is elsewhere).
fn postgres_cpu_s() -> Option<f64> {
    cpu_s("/proc", |task| {
        std::fs::read_to_string(task.join("comm")).is_ok_and(|comm| comm.trim_end() == "postgres")
    })
}

/// The CPU time of the tasks under `dir` that `wanted`, from the first field of their
/// `schedstat` (nanoseconds on a CPU); `None` when none was read.
fn cpu_s(dir: &str, wanted: impl Fn(&std::path::Path) -> bool) -> Option<f64> {
    let mut total_ns = 0_u64;
    let mut found = false;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let task = entry.path();
        if !wanted(&task) {
            continue;
        }
        if let Some(ns) = std::fs::read_to_string(task.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        {
            total_ns += ns;
            found = true;
        }
    }
    found.then_some(total_ns as f64 / 1e9)
}
