//! `erp`: starts the server, or runs one administrative command.

use anyhow::Context;
use api::config::{Cli, Command};
use api::{bootstrap, database, demo, pg, Backend};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen, demo } => {
            let pool = open(&cli).await?;
            let backend = Backend::start(pool.clone())
                .await
                .context("starting the projections")?;
            if demo {
                let created = demo::load(&pool, &backend.state.bus)
                    .await
                    .context("loading demo data")?;
                if created > 0 {
                    println!("Loaded demo data: {created} partners.");
                }
            }
            if !listen.ip().is_loopback() {
                tracing::warn!(%listen, "serving plain HTTP beyond this machine: anyone on the network can read the traffic");
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!(
                "GraphQL: http://{listen}{} (open it in a browser for GraphiQL)",
                api::http::GRAPHQL_PATH
            );
            axum::serve(listener, api::app(backend.schema()))
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("serving HTTP")?;
        }
        Command::Migrate => {
            open(&cli).await?;
            println!("The database is up to date.");
        }
        Command::StopPostgres => {
            pg::stop(&cli.data_dir).context("stopping PostgreSQL")?;
            println!("PostgreSQL stopped.");
        }
    }
    Ok(())
}

/// Opens (creating and migrating if needed) the configured database.
async fn open(cli: &Cli) -> anyhow::Result<sqlx::PgPool> {
    let url = match &cli.database_url {
        Some(url) => url.clone(),
        None => {
            let (data_dir, port) = (cli.data_dir.clone(), cli.pg_port);
            let cluster =
                tokio::task::spawn_blocking(move || pg::LocalCluster::ensure(&data_dir, port))
                    .await
                    .context("setting up PostgreSQL")??;
            cluster.url(&cli.database)
        }
    };
    let pool = database::open(&url, 16).await?;
    if bootstrap::needs_initialization(&pool).await? {
        let (password, written) = match &cli.admin_password {
            Some(password) => (password.clone(), None),
            None => {
                let password = random_password();
                let name = sqlx::query_scalar::<_, String>("select current_database()")
                    .fetch_one(&pool)
                    .await?;
                let path = cli.data_dir.join(format!("admin-password-{name}"));
                write_secret(&path, &password)
                    .with_context(|| format!("writing {}", path.display()))?;
                (password, Some(path))
            }
        };
        if bootstrap::initialize(&pool, &password).await? {
            match written {
                Some(path) => println!(
                    "New database: sign in as `{}` with the password in {} (and change it).",
                    bootstrap::ADMIN_LOGIN,
                    path.display()
                ),
                None => println!(
                    "New database: sign in as `{}` with the password you gave.",
                    bootstrap::ADMIN_LOGIN
                ),
            }
        }
    }
    Ok(pool)
}

/// 20 random letters and digits.
fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Writes `secret` to `path`, readable by its owner only.
fn write_secret(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(path)?;
    writeln!(file, "{secret}")
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
