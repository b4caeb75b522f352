//! What a side of a comparison spends per request, beside its rate: the profile that says why
//! one side is slower. Read before and after each side's run, on counters that do not lag:
//!
//! - the CPU time of this process (the server measured and its benchmark clients, which are the
//!   same for both sides), threads that ended included, from `/proc/self/stat` (to 10 ms);
//! - the CPU time of the PostgreSQL cluster the pool is on (its postmaster and the processes it
//!   started: backends, WAL writer, checkpointer), from each one's `schedstat` in nanoseconds,
//!   process by process (one that ends during a run takes its time with it; one that starts
//!   counts from nothing), and only where that cluster runs on this machine;
//! - the transactions that wrote, in the whole cluster (each is given a transaction id; reading
//!   ones are not);
//! - the WAL inserted, in the whole cluster, in bytes (what every commit must flush to disk
//!   before it answers).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use sqlx::PgPool;

use crate::stats::Spread;

/// Counters at one moment, or their difference over a run.
#[derive(Debug, Clone, Default)]
pub struct Cost {
    process_cpu_s: f64,
    /// CPU seconds of each process of the cluster, by pid; `None` when it is not on this machine.
    postgres_cpu_s: Option<HashMap<u32, f64>>,
    writing_transactions: f64,
    wal_bytes: f64,
}

/// Per request, the figures of [`Cost`] over a run of `requests`.
#[derive(Debug, Clone, Copy)]
pub struct PerRequest {
    /// CPU time of this process, µs.
    pub process_cpu_us: f64,
    /// CPU time of the pool's PostgreSQL cluster, µs (`NaN` for a server on another machine).
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
        let (next_xid, wal, backend): (i64, i64, i32) = sqlx::query_as(
            "select pg_snapshot_xmax(pg_current_snapshot())::text::bigint, \
                    pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint, \
                    pg_backend_pid()",
        )
        .fetch_one(pool)
        .await?;
        Ok(Self {
            process_cpu_s: process_cpu_s(),
            postgres_cpu_s: u32::try_from(backend).ok().and_then(cluster_cpu_s),
            writing_transactions: next_xid as f64,
            wal_bytes: wal as f64,
        })
    }

    fn per_request(&self, before: &Self, requests: usize) -> PerRequest {
        let n = requests.max(1) as f64;
        PerRequest {
            process_cpu_us: (self.process_cpu_s - before.process_cpu_s) * 1e6 / n,
            postgres_cpu_us: match (&self.postgres_cpu_s, &before.postgres_cpu_s) {
                (Some(after), Some(before)) => {
                    let spent: f64 = after
                        .iter()
                        .map(|(pid, s)| s - before.get(pid).copied().unwrap_or(0.0))
                        .sum();
                    spent * 1e6 / n
                }
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
    Ok((out, after.per_request(&before, requests)))
}

/// Long enough for the projection runners to finish what a run left them (they gather for 20 ms).
const SETTLE: Duration = Duration::from_millis(300);

/// CPU time (user and system) of this process, its ended threads included, from
/// `/proc/self/stat` in the kernel's user-visible ticks (100 a second on Linux).
fn process_cpu_s() -> f64 {
    const TICKS_PER_SECOND: f64 = 100.0;
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // the fields after the command's name, which is in parentheses: utime and stime are
            // the 14th and 15th of the whole line.
            let rest = &stat[stat.rfind(')')? + 1..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
        })
        .unwrap_or(f64::NAN)
}

/// CPU seconds of each process of the cluster that `backend` (a pid) belongs to: its postmaster
/// (the backend's parent) and the postmaster's children. `None` when the backend is not a process
/// of this machine (the server is elsewhere).
fn cluster_cpu_s(backend: u32) -> Option<HashMap<u32, f64>> {
    let postgres = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim_end() == "postgres")
    };
    if !postgres(backend) {
        return None;
    }
    let postmaster = parent(backend).filter(|&pid| postgres(pid))?;
    let mut cpu = HashMap::new();
    cpu.insert(postmaster, on_cpu_s(postmaster)?);
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if parent(pid) == Some(postmaster) {
            if let Some(seconds) = on_cpu_s(pid) {
                cpu.insert(pid, seconds);
            }
        }
    }
    Some(cpu)
}

/// The parent of process `pid`, from its `status`.
fn parent(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("PPid:"))?
        .trim()
        .parse()
        .ok()
}

/// The time process `pid` has spent on a CPU, from the first field of its `schedstat` (ns).
fn on_cpu_s(pid: u32) -> Option<f64> {
    let ns: u64 = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(ns as f64 / 1e9)
}
