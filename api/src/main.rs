//! Over 600 lines: the wiring and the printed answers of every subcommand, one arm each; the
//! work itself is in the library.
//!
//! `erp`: starts the server, or runs one administrative command.

use anyhow::Context;
use api::config::{
    Cli, Command, DataCommand, DbCommand, LogFormat, ReplayCommand, StageCommand, UserCommand,
};
use std::time::Duration;

use api::database::Reach;
use api::{cli, database, fork, pg, read_models, Backend};
use clap::Parser;
use commands::{bootstrap, data_module, demo};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc's malloc: glibc keeps the 19 MiB an argon2 password check works in
/// resident after it is freed (its mmap threshold rises to the largest block freed), which held a
/// server that had checked two passwords at 68 MB; mimalloc gives freed memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    logging(cli.log_format);
    match run(&cli).await {
        Err(error) => Err(explained(error).await),
        done => done,
    }
}

/// Writes log lines to standard error as `format` says, in colour only on a terminal
/// (standard output keeps what a command answers).
fn logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(api::LOG_FILTER));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// The URL of the database this command works on, once it is known.
static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `error`, with why PostgreSQL gave no connection if a pool timed out waiting for one: a pool
/// retries what may pass (too many clients, a server starting up) until its time is up, and then
/// says only that it timed out; one more connection asks PostgreSQL why.
async fn explained(error: anyhow::Error) -> anyhow::Error {
    let timed_out = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::PoolTimedOut)
        )
    });
    let Some(url) = URL.get().filter(|_| timed_out) else {
        return error;
    };
    match <sqlx::PgConnection as sqlx::Connection>::connect(url).await {
        Err(reason) => error.context(format!("PostgreSQL gave no connection in time: {reason}")),
        Ok(conn) => {
            let _ = sqlx::Connection::close(conn).await;
            error.context(
                "PostgreSQL gave no connection in time: the server may be at its max_connections \
                 (other clients hold them), or every connection this command may open was busy",
            )
        }
    }
}

async fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Schema { manager } => {
            let sdl = if *manager {
                api::graphql::manager::manager_sdl()
            } else {
                api::graphql::sdl()
            };
            print!("{sdl}");
        }
        Command::Serve {
            listen,
            demo,
            tls_cert,
            tls_key,
            tls_client_ca,
            tls_client_certificates,
            anonymous_introspection,
            pool_size,
            connection_budget,
            database_idle_seconds,
            replica,
        } => {
            let pools = api::manager::Pools {
                per_database: *pool_size,
                budget: *connection_budget,
                idle: Duration::from_secs(*database_idle_seconds),
            };
            if pools.each() > pools.budget {
                anyhow::bail!(
                    "--connection-budget {} does not hold even the default database's pool of {} and its listener",
                    pools.budget,
                    pools.per_database
                );
            }
            // the port (and the certificate) first: a server that cannot listen touches no
            // database.
            let listener = std::net::TcpListener::bind(listen)
                .with_context(|| format!("cannot listen on {listen}"))?;
            let tls = match (tls_cert, tls_key, tls_client_ca) {
                (Some(cert), Some(key), None) => Some(
                    api::tls::config(cert, key)
                        .await
                        .context("reading the TLS certificate and key")?,
                ),
                (Some(cert), Some(key), Some(ca)) => Some(
                    api::tls::config_with_clients(cert, key, ca, *tls_client_certificates)
                        .await
                        .context("reading the TLS certificates and key")?,
                ),
                _ => None,
            };
            let (url, pool) = open_sized(cli, pools.per_database, Reach::Create).await?;
            let mut backend = Backend::start(pool.clone())
                .await
                .context("starting the projections")?;
            if let Some(url) = replica {
                backend.state.replica = Some(standby(url, pools.per_database).await?);
            }
            if *demo {
                let created = demo::load(&pool, &backend.state.bus)
                    .await
                    .context("loading demo data")?;
                if created > 0 {
                    println!("Loaded demo data: {created} partners.");
                }
                let today = chrono::Utc::now().date_naive();
                let operations = demo::business(&backend, today)
                    .await
                    .context("loading the demo company's business")?;
                if operations > 0 {
                    println!(
                        "Loaded the demo company's books and {operations} business operations \
                         (a branch, 'north', and users ana, bea and cy, who sign in with the \
                         administrator's password)."
                    );
                }
            }
            let introspection = if *anonymous_introspection {
                api::graphql::Introspection::Anyone
            } else {
                api::graphql::Introspection::SignedIn
            };
            let server = std::sync::Arc::new(
                manager_server(cli, &url, backend, introspection)
                    .await?
                    .with_pools(pools),
            );
            server.close_idle_databases();
            let app = api::http::server_app(server);
            match tls {
                Some(config) => {
                    println!(
                        "GraphQL: https://{listen}{} (each database at /db/<name>/graphql; the manager at {})",
                        api::http::GRAPHQL_PATH,
                        api::http::MANAGER_PATH
                    );
                    api::tls::serve_on(listener, config, app, shutdown_signal())
                        .await
                        .context("serving HTTPS")?;
                }
                None => {
                    if !listen.ip().is_loopback() {
                        tracing::warn!(%listen, "serving plain HTTP beyond this machine: anyone on the network can read the traffic (give --tls-cert and --tls-key for HTTPS)");
                    }
                    listener
                        .set_nonblocking(true)
                        .context("setting up the listener")?;
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .context("setting up the listener")?;
                    println!(
                        "GraphQL: http://{listen}{} (open it in a browser for GraphiQL; each database at /db/<name>/graphql; the manager at {})",
                        api::http::GRAPHQL_PATH,
                        api::http::MANAGER_PATH
                    );
                    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                    axum::serve(listener, app)
                        .with_graceful_shutdown(shutdown_signal())
                        .await
                        .context("serving HTTP")?;
                }
            }
        }
        Command::Db { command } => {
            // making a database may make the server's default one too; nothing else does.
            let reach = match command {
                DbCommand::Create { .. } => Reach::Create,
                _ => Reach::Existing,
            };
            let (url, pool) = open_sized(cli, COMMAND_POOL, reach).await?;
            let backend = Backend::start(pool)
                .await
                .context("starting the projections")?;
            let server =
                manager_server(cli, &url, backend, api::graphql::Introspection::Anyone).await?;
            db(command.clone(), cli, &server).await?;
        }
        Command::Migrate => {
            open_sized(cli, COMMAND_POOL, Reach::Create).await?;
            println!("The database is up to date.");
        }
        Command::Data {
            command:
                DataCommand::Load {
                    file,
                    dry_run,
                    force,
                },
        } => {
            let module = data_module_file(file)?;
            let backend = caught_up(open(cli).await?, Duration::from_secs(600)).await?;
            let loading = data_module::Loading {
                dry_run: *dry_run,
                force: *force,
            };
            let report = data_module::load(&backend.state, &module, loading, "erp-cli")
                .await
                .map_err(|e| match e {
                    data_module::LoadError::Conflicts(conflicts) => {
                        let lines: Vec<String> =
                            conflicts.iter().map(|c| format!("    {c}")).collect();
                        anyhow::anyhow!(
                            "{}: nothing was loaded; what does not fit this database:\n{}",
                            file.display(),
                            lines.join("\n")
                        )
                    }
                    e => anyhow::anyhow!("{}: {e}; nothing was loaded", file.display()),
                })?;
            // the read models show the module before the command returns.
            backend.catch_up(Duration::from_secs(600)).await?;
            let verb = if *dry_run { "would" } else { "did" };
            if report.is_empty() {
                println!("{}: nothing to change.", module.key());
                if report.already > 0 {
                    println!(
                        "    ({} of the promoted settings are here as promoted already)",
                        report.already
                    );
                }
            } else {
                println!("{} {verb} change:", module.key());
                for change in &report.configuration {
                    let (before, after) = (change.before.as_deref(), change.after.as_deref());
                    let what = match (before, after) {
                        (None, Some(after)) => format!("add {after}"),
                        (Some(before), None) => format!("remove {before}"),
                        (Some(before), Some(after)) => format!("{before} -> {after}"),
                        (None, None) => String::new(),
                    };
                    println!("    {:?} {}: {what}", change.area, change.key);
                }
                for partner in &report.partners {
                    println!("    {partner}");
                }
            }
        }
        Command::Replay { command } => {
            let (url, pool) = open_with_url(cli).await?;
            let clean = replay(command.clone(), &url, pool).await?;
            if !clean {
                std::process::exit(1);
            }
        }
        Command::Stage { command } => {
            let (url, pool) = open_with_url(cli).await?;
            stage(command.clone(), &url, pool).await?;
        }
        Command::Ledger {
            accounts,
            from,
            to,
            as_of_position,
            company,
            partner,
            out,
        } => {
            let mut params = std::collections::BTreeMap::new();
            params.insert("accounts".to_owned(), accounts.join(","));
            if let Some(partner) = partner {
                params.insert("partner".to_owned(), partner.clone());
            }
            for (name, date) in [("from", from), ("to", to)] {
                if let Some(date) = date {
                    params.insert(name.to_owned(), date.to_string());
                }
            }
            if let Some(position) = as_of_position {
                params.insert("asOfPosition".to_owned(), position.to_string());
            }
            let ask = api::ledger_export::LedgerAsk::parse(&params).map_err(anyhow::Error::msg)?;
            let pool = open(cli).await?;
            let backend = caught_up(pool, Duration::from_secs(600)).await?;
            ledger(&backend, &ask, company.as_deref(), out).await?;
        }
        Command::User {
            command: UserCommand::ResetAdmin { login },
        } => reset_admin(cli, login).await?,
        Command::StopPostgres => {
            pg::stop(&cli.data_dir).context("stopping PostgreSQL")?;
            println!("PostgreSQL stopped.");
        }
    }
    Ok(())
}

/// A pool on the hot standby at `url`, once it is known to be one.
async fn standby(url: &str, pool_size: u32) -> anyhow::Result<sqlx::PgPool> {
    let options: sqlx::postgres::PgConnectOptions =
        url.parse().context("the replica's URL does not read")?;
    let pool = api::database::pool_options(pool_size)
        .connect_with(options)
        .await
        .context("cannot connect to the replica")?;
    let standby: bool = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&pool)
        .await
        .context("cannot ask the replica what it is")?;
    if !standby {
        anyhow::bail!("the replica is not a standby (it is not in recovery): queries would read a different database");
    }
    Ok(pool)
}

/// The database manager of this server (serving `backend`'s database by default), with the
/// master password stored in the data folder (set now if it is the first start).
async fn manager_server(
    cli: &Cli,
    url: &str,
    backend: Backend,
    introspection: api::graphql::Introspection,
) -> anyhow::Result<api::manager::Server> {
    let (master, generated) =
        api::manager::MasterPassword::open(&cli.data_dir, cli.master_password.as_deref())
            .await
            .context("the master password")?;
    if let Some(password) = generated {
        println!(
            "The master password of the database manager is {password} (shown this once; only its hash is kept)."
        );
    }
    Ok(api::manager::Server::new(
        url,
        backend,
        &cli.data_dir,
        cli.admin_password.clone(),
        master,
        introspection,
    )?)
}

/// Runs a `db` subcommand, and writes what changes something to the manager's trail.
async fn db(command: DbCommand, cli: &Cli, server: &api::manager::Server) -> anyhow::Result<()> {
    let described = described(&command);
    let result = db_run(command, cli, server).await;
    if let Some((operation, arguments)) = described {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "an unknown user".to_owned());
        let entry = api::manager::trail::Entry {
            at: chrono::Utc::now(),
            operation: operation.to_owned(),
            arguments,
            by: format!("the command line ({user})"),
            outcome: match &result {
                Ok(()) => "OK".to_owned(),
                Err(error) => error.to_string(),
            },
        };
        if let Err(error) = api::manager::trail::record(&cli.data_dir, &entry) {
            tracing::error!(%error, "cannot write the manager's trail");
        }
    }
    result
}

/// What `command` is called in the manager's trail, with its arguments; none for those that
/// change nothing.
fn described(
    command: &DbCommand,
) -> Option<(&'static str, serde_json::Map<String, serde_json::Value>)> {
    let (operation, arguments) = match command {
        DbCommand::List | DbCommand::Trail { .. } => return None,
        DbCommand::Create { name, demo, data } => (
            "db create",
            serde_json::json!({ "name": name, "demo": demo, "data": data }),
        ),
        DbCommand::Duplicate {
            from,
            to,
            stage,
            position,
            time,
        } => (
            "db duplicate",
            serde_json::json!({ "from": from, "to": to, "stage": stage, "position": position, "time": time }),
        ),
        DbCommand::Backup { name, file } => (
            "db backup",
            serde_json::json!({ "name": name, "file": file }),
        ),
        DbCommand::Restore {
            file,
            name,
            replace,
        } => (
            "db restore",
            serde_json::json!({ "file": file, "name": name, "replace": replace }),
        ),
        DbCommand::Mark {
            name, production, ..
        } => (
            "db mark",
            serde_json::json!({ "name": name, "production": production }),
        ),
        DbCommand::Drop { name } => ("db drop", serde_json::json!({ "name": name })),
        DbCommand::ChangeMasterPassword { .. } => {
            ("db change-master-password", serde_json::json!({}))
        }
    };
    match arguments {
        serde_json::Value::Object(arguments) => Some((operation, arguments)),
        _ => Some((operation, serde_json::Map::new())),
    }
}

/// Runs a `db` subcommand, once the master password is checked.
async fn db_run(
    command: DbCommand,
    cli: &Cli,
    server: &api::manager::Server,
) -> anyhow::Result<()> {
    use api::manager::Point;
    let Some(password) = &cli.master_password else {
        anyhow::bail!("the database manager needs the master password: give --master-password or ERP_MASTER_PASSWORD");
    };
    server.master.check(password).await?;
    match command {
        DbCommand::Trail { last } => {
            for entry in api::manager::trail::read(&cli.data_dir, last)? {
                println!(
                    "{}	{}	{}	{}	{}",
                    entry.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    entry.operation,
                    serde_json::Value::Object(entry.arguments),
                    entry.by,
                    entry.outcome
                );
            }
        }
        DbCommand::List => {
            for database in server.list().await? {
                let kind = if database.production {
                    "production"
                } else {
                    "test"
                };
                let default = if database.default { " (default)" } else { "" };
                println!("{}\t{kind}{default}", database.name);
            }
        }
        DbCommand::Create { name, demo, data } => {
            let module = match &data {
                Some(file) => Some(data_module_file(file)?),
                None => None,
            };
            server.create(&name, demo, module.as_ref()).await?;
            println!("Created {name}.");
        }
        DbCommand::Duplicate {
            from,
            to,
            stage,
            position,
            time,
        } => {
            let point = match (stage, position, time) {
                (Some(stage), _, _) => Point::Stage(stage),
                (_, Some(position), _) => Point::Position(position),
                (_, _, Some(time)) => Point::Time(time),
                _ => Point::Now,
            };
            let (_, events) = server.duplicate(&from, &to, point).await?;
            println!("Duplicated {from} into {to}: {events} events; {to} is a test database.");
        }
        DbCommand::Backup { name, file } => {
            let backup = server.backup_to(&name, &file).await?;
            println!(
                "Backed up {name} to {}: {} events, up to position {}, chain {}.",
                file.display(),
                backup.events,
                backup.last_position,
                backup.chain
            );
        }
        DbCommand::Restore {
            file,
            name,
            replace,
        } => {
            let (_, events) = server.restore_from(&file, &name, replace).await?;
            println!(
                "Restored {name} from {}: {events} events, verified; {name} is a test database \
                 (`erp db mark {name} --production` makes it production).",
                file.display()
            );
        }
        DbCommand::Mark {
            name, production, ..
        } => {
            server.mark(&name, production).await?;
            let kind = if production { "production" } else { "test" };
            println!("{name} is now a {kind} database.");
        }
        DbCommand::Drop { name } => {
            server.drop_database(&name).await?;
            println!("Dropped {name}.");
        }
        DbCommand::ChangeMasterPassword { new } => {
            server.master.change(password, &new).await?;
            println!("The master password is changed.");
        }
    }
    Ok(())
}

/// `erp user reset-admin`: checks the master password (which must have been set: a reset is
/// no way to set it), then makes `login` an active administrator with a new password.
async fn reset_admin(cli: &Cli, login: &str) -> anyhow::Result<()> {
    let login = domain::user::Login::parse(login).map_err(|e| anyhow::anyhow!("login: {e}"))?;
    let Some(master) = &cli.master_password else {
        anyhow::bail!("resetting an administrator needs the master password: give --master-password or ERP_MASTER_PASSWORD");
    };
    let Some(guard) = api::manager::MasterPassword::existing(&cli.data_dir) else {
        anyhow::bail!(
            "no master password is set in {}: a reset needs the one the server was started with (give the server's --data-dir)",
            cli.data_dir.display()
        );
    };
    guard.check(master).await?;
    let pool = open(cli).await?;
    let (password, given) = match &cli.admin_password {
        Some(password) => (password.clone(), true),
        None => (api::manager::random_password(), false),
    };
    let hash = commands::auth::hash_password(&password)
        .await
        .map_err(|e| anyhow::anyhow!("the password: {e}"))?;
    let bus = commands::CommandBus::new(pool.clone(), projections::Wake::default());
    let context = commands::CommandContext::system("erp-cli (master password)");
    commands::bootstrap::reset_admin(&bus, &context, &login, &hash)
        .await
        .map_err(|e| anyhow::anyhow!("{e}; nothing was changed"))?;
    if given {
        println!("`{login}` is an active administrator: sign in with the password you gave.");
        return Ok(());
    }
    // written once the reset is done: a failed one leaves the file as it was.
    let name = projections::configuration::database_name(&pool).await?;
    let path = cli.data_dir.join(format!("admin-password-{name}"));
    match api::manager::write_secret(&path, &password) {
        Ok(()) => println!(
            "`{login}` is an active administrator: sign in with the password in {} (and change it).",
            path.display()
        ),
        Err(e) => println!(
            "`{login}` is an active administrator; {} could not be written ({e}), so here is the password, shown this once: {password}",
            path.display()
        ),
    }
    Ok(())
}

/// The most a data module file may hold: a configuration's text, not a dump (a device or a
/// file that never ends is refused, not read for ever).
const DATA_MODULE_MAX: u64 = 16 * 1024 * 1024;

/// The data module in `file`, or why it is not one.
fn data_module_file(file: &std::path::Path) -> anyhow::Result<data_module::DataModule> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(DATA_MODULE_MAX + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", file.display()))?;
    if bytes.len() as u64 > DATA_MODULE_MAX {
        anyhow::bail!(
            "{} is over {} MiB: not a data module; nothing was loaded",
            file.display(),
            DATA_MODULE_MAX / 1024 / 1024
        );
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (byte {})",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    data_module::DataModule::parse(&text)
        .map_err(|refusal| anyhow::anyhow!("{}: {refusal}; nothing was loaded", file.display()))
}

/// Opens the configured database, which must exist, be ours and be migrated.
async fn open(cli: &Cli) -> anyhow::Result<sqlx::PgPool> {
    Ok(open_with_url(cli).await?.1)
}

/// Like [`open`], with the database's URL.
async fn open_with_url(cli: &Cli) -> anyhow::Result<(String, sqlx::PgPool)> {
    open_sized(cli, COMMAND_POOL, Reach::Existing).await
}

/// How many connections a command other than `serve` opens at most.
const COMMAND_POOL: u32 = 8;

/// Like [`open_with_url`], with a pool of at most `pool_size` connections, doing to the
/// database what `reach` allows (creating and migrating it, or only using it).
async fn open_sized(
    cli: &Cli,
    pool_size: u32,
    reach: Reach,
) -> anyhow::Result<(String, sqlx::PgPool)> {
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
    let _ = URL.set(url.clone());
    let pool = database::open(&url, pool_size, reach).await?;
    if bootstrap::needs_initialization(&pool).await? {
        let (password, written) = match &cli.admin_password {
            Some(password) => (password.clone(), None),
            None => {
                let password = api::manager::random_password();
                let name = projections::configuration::database_name(&pool).await?;
                let path = cli.data_dir.join(format!("admin-password-{name}"));
                api::manager::write_secret(&path, &password)
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
    Ok((url, pool))
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

/// Runs a `stage` subcommand on the database at `url`, as the administrator.
async fn stage(command: StageCommand, url: &str, pool: sqlx::PgPool) -> anyhow::Result<()> {
    // the stages' read model shows the whole log first: a stage another process just created
    // is there.
    let backend = caught_up(pool.clone(), Duration::from_secs(600)).await?;
    if let StageCommand::Restore {
        name,
        into: Some(target),
    } = &command
    {
        let stage = projections::configuration::stage(&pool, name)
            .await?
            .with_context(|| format!("there is no stage named '{name}'"))?;
        let copied = fork_into(url, &pool, stage.position, target).await?;
        println!(
            "Database {target} holds the log up to stage {name} ({copied} events, position {}); the source is untouched.",
            stage.position
        );
        return Ok(());
    }
    cli::stage(&backend, command).await
}

/// Writes the general ledger `ask` names, of `company` (every company without it), as CSV to
/// `out` (`-`: standard output).
async fn ledger(
    backend: &Backend,
    ask: &api::ledger_export::LedgerAsk,
    company: Option<&str>,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::Write;
    let state = &backend.state;
    // the configuration as the log has it now (the first version is 1).
    let config = state.config.at_least(state.reads(), 1).await?;
    let settings = config.configuration.settings();
    ask.check(settings, state.reads())
        .await?
        .map_err(anyhow::Error::msg)?;
    let companies: Vec<String> = match company {
        Some(code) => {
            let known = domain::configuration::Code::parse(code)
                .ok()
                .is_some_and(|c| settings.company(&c).is_some());
            anyhow::ensure!(known, "there is no company '{code}'");
            vec![code.to_owned()]
        }
        // every company with something in its books.
        None => {
            sqlx::query_scalar("select distinct company from account_month")
                .fetch_all(state.reads())
                .await?
        }
    };
    let currencies = settings.currencies_of(&companies);
    anyhow::ensure!(
        currencies.len() <= 1,
        "the companies' books are kept in {}: export one company at a time (--company CODE)",
        currencies
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let companies = projections::page::Companies::of(companies);
    let mut sink: Box<dyn Write> = if out.as_os_str() == "-" {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        let file =
            api::private::create(out).with_context(|| format!("creating {}", out.display()))?;
        Box::new(std::io::BufWriter::new(file))
    };
    let mut failed = None;
    let items = api::ledger_export::write_csv(
        state.reads(),
        &companies,
        config.configuration.settings(),
        ask,
        |chunk| {
            let written = sink.write_all(chunk.as_bytes());
            let ok = written.is_ok();
            if let Err(error) = written {
                failed = Some(error);
            }
            std::future::ready(ok)
        },
    )
    .await?;
    if let Some(error) = failed {
        return Err(error).context("writing the ledger");
    }
    sink.flush().context("writing the ledger")?;
    eprintln!("Wrote {items} ledger items.");
    Ok(())
}

/// The projections started on `pool` and caught up with its log, so the read models show
/// everything in it.
async fn caught_up(pool: sqlx::PgPool, timeout: Duration) -> anyhow::Result<Backend> {
    let name = projections::configuration::database_name(&pool).await?;
    let backend = Backend::start(pool)
        .await
        .context("starting the projections")?;
    anyhow::ensure!(
        backend.catch_up(timeout).await?,
        "the read models of {name} did not catch up with its log"
    );
    Ok(backend)
}

/// Copies the log of `pool` up to `position` into the new database `target` (on the server of
/// `url`), showing progress, and rebuilds its read models. Returns how many events it holds.
async fn fork_into(
    url: &str,
    pool: &sqlx::PgPool,
    position: i64,
    target: &str,
) -> anyhow::Result<u64> {
    let target_url = url_of(url, target)?;
    let started = std::time::Instant::now();
    let (fork_pool, copied) = fork::fork(pool, position, &target_url, |p| {
        show_progress(&progress_line(
            "copying the log",
            p.copied,
            p.total,
            started,
        ));
    })
    .await?;
    end_progress();
    eprintln!("rebuilding the read models of {target}...");
    let copy = caught_up(fork_pool, Duration::from_secs(3600)).await?;
    if copy.mark_copy_as_test(Duration::from_secs(600)).await? {
        eprintln!("{target} is a test database: the log said production, and says it no longer is");
    }
    Ok(copied)
}

/// The URL of database `name` on the server of `url`.
fn url_of(url: &str, name: &str) -> anyhow::Result<String> {
    use sqlx::ConnectOptions;
    Ok(
        <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url)?
            .database(name)
            .to_url_lossy()
            .to_string(),
    )
}

/// `what: done/total events (rate events/s, ETA)`.
/// When the last progress line was written, on a standard error that is not a terminal.
static LAST_PROGRESS: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// Shows a progress line: redrawn in place on a terminal; as plain lines, at most one a second,
/// when standard error is a pipe or a file (a log then reads line by line).
fn show_progress(line: &str) {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprint!("\r{line}");
        return;
    }
    let Ok(mut last) = LAST_PROGRESS.lock() else {
        return;
    };
    if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
        eprintln!("{}", line.trim_end());
        *last = Some(std::time::Instant::now());
    }
}

/// Ends the progress line a terminal shows (the next line starts below it).
fn end_progress() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprintln!();
    } else if let Ok(mut last) = LAST_PROGRESS.lock() {
        *last = None;
    }
}

fn progress_line(what: &str, done: u64, total: u64, started: std::time::Instant) -> String {
    let seconds = started.elapsed().as_secs_f64().max(1e-3);
    let rate = done as f64 / seconds;
    let eta = if rate > 0.0 {
        total.saturating_sub(done) as f64 / rate
    } else {
        0.0
    };
    format!("{what}: {done}/{total} events ({rate:.0} events/s, about {eta:.0} s left)   ")
}

/// Runs a `replay` subcommand; false when `verify` found something.
async fn replay(command: ReplayCommand, url: &str, pool: sqlx::PgPool) -> anyhow::Result<bool> {
    match command {
        ReplayCommand::Digest => {
            match replay::digest::digest(&pool).await? {
                Some(digest) => {
                    println!("{digest}");
                    eprintln!(
                        "The log up to position {}. Keep this line outside the database: `erp replay verify --digest {digest}` proves later that nothing up to there changed.",
                        digest.position
                    );
                }
                None => eprintln!("The log is empty: nothing to digest."),
            }
            Ok(true)
        }
        ReplayCommand::Verify { digest } => {
            let mut kept_digest_holds = true;
            if let Some(kept) = &digest {
                match replay::digest::check(&pool, kept).await? {
                    Ok(()) => println!(
                        "The log up to position {} is the one the digest was taken of.",
                        kept.position
                    ),
                    Err(problem) => {
                        println!("The digest does not hold: {problem}");
                        kept_digest_holds = false;
                    }
                }
            }
            let started = std::time::Instant::now();
            let findings = replay::verify::verify_log(&pool, |p| {
                show_progress(&progress_line(p.pass, p.checked, p.total, started));
            })
            .await?;
            end_progress();
            let mut clean = findings.is_empty();
            if clean {
                println!("The log is intact: every event matches its chain and its seal, and reads back.");
            } else {
                println!(
                    "{} finding(s); the first bad position is {}:",
                    findings.len(),
                    findings[0].position
                );
                for finding in &findings {
                    println!("    {finding}");
                }
            }
            for name in read_models::PROJECTIONS {
                let started = std::time::Instant::now();
                let differences = read_models::compare(&pool, name, &|p| {
                    show_progress(&progress_line(
                        &format!("replaying {name}"),
                        p.applied,
                        p.total,
                        started,
                    ));
                })
                .await
                .with_context(|| format!("no projection {name}"))??;
                end_progress();
                if differences.is_empty() {
                    println!("Read model {name} is exactly what the log says.");
                }
                for d in differences {
                    clean = false;
                    println!(
                        "Read model {name}, table {}: {} live row(s) not in the replay, {} replayed row(s) not live",
                        d.table, d.only_live, d.only_replayed
                    );
                }
            }
            Ok(clean && kept_digest_holds)
        }
        ReplayCommand::Rebuild { projection, all } => {
            let names: Vec<String> = if all {
                read_models::PROJECTIONS
                    .iter()
                    .map(|n| (*n).to_owned())
                    .collect()
            } else {
                projection.into_iter().collect()
            };
            for name in names {
                let started = std::time::Instant::now();
                let at = read_models::rebuild(&pool, &name, &|p| {
                    show_progress(&progress_line(
                        &format!("rebuilding {name}"),
                        p.applied,
                        p.total,
                        started,
                    ));
                })
                .await
                .with_context(|| {
                    format!(
                        "there is no projection {name} (there are: {})",
                        read_models::PROJECTIONS.join(", ")
                    )
                })??;
                end_progress();
                println!(
                    "Read model {name} rebuilt and swapped in, at log position {}.",
                    at.position
                );
            }
            Ok(true)
        }
        ReplayCommand::Export { file } => {
            let started = std::time::Instant::now();
            let show =
                |done, total| show_progress(&progress_line("exporting", done, total, started));
            let manifest = if file.as_os_str() == "-" {
                let out = std::io::BufWriter::new(std::io::stdout().lock());
                replay::export::export(&pool, out, show).await?
            } else {
                let out = api::private::create(&file)
                    .with_context(|| format!("creating {}", file.display()))?;
                replay::export::export(&pool, std::io::BufWriter::new(out), show).await?
            };
            end_progress();
            eprintln!(
                "Exported {} events (last position {}, chain {}).",
                manifest.events, manifest.last_position, manifest.chain
            );
            Ok(true)
        }
        ReplayCommand::Import { file, into } => {
            let target_url = url_of(url, &into)?;
            let started = std::time::Instant::now();
            let show = |done| show_progress(&progress_line("importing", done, done, started));
            let (target, manifest) = if file.as_os_str() == "-" {
                fork::import(std::io::stdin().lock(), &target_url, show).await?
            } else {
                let input = std::fs::File::open(&file)
                    .with_context(|| format!("opening {}", file.display()))?;
                fork::import(std::io::BufReader::new(input), &target_url, show).await?
            };
            end_progress();
            eprintln!("rebuilding the read models of {into}...");
            let copy = caught_up(target, Duration::from_secs(3600)).await?;
            let marked = copy.mark_copy_as_test(Duration::from_secs(600)).await?;
            println!(
                "Database {into} holds the {} imported events (last position {}); they verify.{}",
                manifest.events,
                manifest.last_position,
                if marked {
                    " It is a test database: the log said production, and says it no longer is."
                } else {
                    ""
                }
            );
            Ok(true)
        }
        ReplayCommand::To {
            position,
            time,
            stage,
            into,
        } => {
            let position = match (position, time, stage) {
                (Some(position), _, _) => position,
                (None, Some(time), _) => sqlx::query_scalar::<_, Option<i64>>(
                    "select max(position) from events where recorded_at <= $1",
                )
                .bind(time)
                .fetch_one(&pool)
                .await?
                .with_context(|| format!("nothing was recorded by {time}"))?,
                (None, None, Some(name)) => {
                    caught_up(pool.clone(), Duration::from_secs(600)).await?;
                    projections::configuration::stage(&pool, &name)
                        .await?
                        .with_context(|| format!("there is no stage named '{name}'"))?
                        .position
                }
                (None, None, None) => {
                    anyhow::bail!("say where to stop: --position, --time or --stage")
                }
            };
            let copied = fork_into(url, &pool, position, &into).await?;
            println!(
                "Database {into} holds the log up to position {position} ({copied} events); the source is untouched."
            );
            Ok(true)
        }
    }
}
