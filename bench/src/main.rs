//! `bench`: runs every workload next to raw PostgreSQL and prints (and saves) the report.

use std::path::PathBuf;

use anyhow::Context;
use bench::Size;
use clap::Parser;

/// Benchmarks of the event store, projections and GraphQL, side by side with raw PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// PostgreSQL server to run on, as a URL (any database of it: the harness makes its own and
    /// drops it). Without it, the embedded cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,

    /// Folder of the embedded PostgreSQL cluster.
    #[arg(long, env = "ERP_DATA_DIR", default_value = ".erp")]
    data_dir: PathBuf,

    /// Port of the embedded PostgreSQL cluster.
    #[arg(long, env = "ERP_PG_PORT", default_value_t = 54329)]
    pg_port: u16,

    /// Rounds of each workload (ours and raw interleaved).
    #[arg(long, default_value_t = 5)]
    rounds: usize,

    /// A run of seconds with tiny sizes, to check that the harness works.
    #[arg(long)]
    smoke: bool,

    /// Run only these workloads (comma-separated: W1,W4,...).
    #[arg(long)]
    only: Option<String>,

    /// Where to write the report as JSON.
    #[arg(long, default_value = "bench-results/latest.json")]
    json: PathBuf,

    /// Instead of the workloads: grow the demo company through the command layer to each of
    /// these sizes (customer invoices, comma-separated: 1000,20000,200000) and measure every
    /// report and the server's memory at each (issue 20).
    #[arg(long, value_delimiter = ',')]
    growth: Vec<usize>,

    /// The `erp` binary the growth benchmark serves the grown books with (by default, the one
    /// next to this binary: `cargo build --release -p api -p bench`).
    #[arg(long)]
    erp: Option<PathBuf>,

    /// With --growth: keep the grown database (its name is printed) to examine it afterwards,
    /// e.g. with `explain analyze`; drop it by hand.
    #[arg(long, requires = "growth")]
    keep: bool,
}

/// mimalloc rather than glibc's malloc: glibc keeps the 19 MiB an argon2 password check works in
/// resident after it is freed (its mmap threshold rises to the largest block freed), which held a
/// server that had checked two passwords at 68 MB; mimalloc gives freed memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // the servers measured log what `erp serve` logs, by the same filter, into nothing: what
    // logging costs is measured too.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(api::LOG_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::sink)
        .init();
    let server_url = match args.database_url {
        Some(url) => url,
        None => {
            let (dir, port) = (args.data_dir.clone(), args.pg_port);
            tokio::task::spawn_blocking(move || api::pg::LocalCluster::ensure(&dir, port))
                .await??
                .url("postgres")
        }
    };
    if !args.growth.is_empty() {
        let erp = match args.erp {
            Some(erp) => erp,
            None => std::env::current_exe()?.with_file_name("erp"),
        };
        let mut sizes = args.growth.clone();
        sizes.sort_unstable();
        sizes.dedup();
        let growth = bench::growth::growth(&server_url, &sizes, &erp, args.keep, |step| {
            eprintln!("{step}...")
        })
        .await?;
        println!("{}", bench::growth::table(&growth));
        if let Some(parent) = args.json.parent() {
            std::fs::create_dir_all(parent).ok();
        }
        std::fs::write(&args.json, serde_json::to_string_pretty(&growth)?)
            .with_context(|| format!("writing {}", args.json.display()))?;
        eprintln!("report written to {}", args.json.display());
        return Ok(());
    }
    let size = if args.smoke {
        Size::smoke()
    } else {
        Size::full(args.rounds.max(1))
    };
    let report = bench::run(&server_url, size, args.only.as_deref(), |workload| {
        eprintln!("running {workload}...")
    })
    .await?;
    println!("{}", bench::table(&report));
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    eprintln!("report written to {}", args.json.display());
    Ok(())
}
