//! The command line of `erp`. Every option can also come from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// An event-sourced ERP backend: GraphQL over HTTP on PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "erp", version, about)]
pub struct Cli {
    /// PostgreSQL database to use, as a URL (postgres://user:password@host:port/database); it is
    /// created if missing. Without it, erp runs its own PostgreSQL cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder of the embedded PostgreSQL cluster (used when no --database-url is given).
    #[arg(long, env = "ERP_DATA_DIR", default_value = ".erp", global = true)]
    pub data_dir: PathBuf,

    /// Port the embedded PostgreSQL cluster listens on, on 127.0.0.1.
    #[arg(long, env = "ERP_PG_PORT", default_value_t = 54329, global = true)]
    pub pg_port: u16,

    /// Name of the database in the embedded cluster.
    #[arg(long, env = "ERP_DATABASE", default_value = "erp", global = true, value_parser = database_name)]
    pub database: String,

    /// Password of the first administrator (login `admin`), used when a database is created.
    /// Without it, a random one is generated and written to `<data-dir>/admin-password-<db>`.
    #[arg(
        long,
        env = "ERP_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,

    /// The master password that guards the database manager. At first start it is stored (as
    /// an argon2 hash only, in `<data-dir>/master-password.argon2`); without it then, a random
    /// one is generated and shown once. Afterwards it is what `erp db` commands check.
    #[arg(
        long,
        env = "ERP_MASTER_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub master_password: Option<String>,

    /// How log lines are written: `text` for people (coloured on a terminal only), `json` for
    /// a log collector (one object a line: time, level, target, message and fields).
    #[arg(long, env = "ERP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL over HTTP (GraphiQL for a browser at the same address).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ERP_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,

        /// Load demo data when the database has none.
        #[arg(long, env = "ERP_DEMO")]
        demo: bool,
        /// A PEM certificate (chain) to serve HTTPS with; needs --tls-key.
        #[arg(long, env = "ERP_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "ERP_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// PEM certificates of the authorities whose client certificates are accepted: with
        /// it, HTTPS checks the certificate a client shows.
        #[arg(long, env = "ERP_TLS_CLIENT_CA", requires = "tls_cert")]
        tls_client_ca: Option<PathBuf>,
        /// Whether a client must show a certificate from --tls-client-ca to connect at all.
        #[arg(
            long,
            env = "ERP_TLS_CLIENT_CERTIFICATES",
            value_enum,
            default_value_t = crate::tls::ClientCertificates::Required,
            requires = "tls_client_ca"
        )]
        tls_client_certificates: crate::tls::ClientCertificates,
        /// Whether callers who are not signed in may read the schema (introspection, and the
        /// SDL at `<endpoint>/schema.graphql`); with `false`, only signed-in users may. The
        /// database manager's schema is open either way.
        #[arg(
            long,
            env = "ERP_ANONYMOUS_INTROSPECTION",
            default_value_t = true,
            action = clap::ArgAction::Set,
            value_name = "true|false"
        )]
        anonymous_introspection: bool,
        /// A hot standby of the default database (PostgreSQL streaming replication), as a URL:
        /// its queries read there, and a mutation answers once the standby shows its change.
        #[arg(long, env = "ERP_REPLICA_URL", hide_env_values = true)]
        replica: Option<String>,
        /// The most connections each served database's pool opens (its listener and its
        /// projections' lease take two more).
        #[arg(long, env = "ERP_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=1000))]
        pool_size: u32,
        /// The most connections all served databases hold together: opening one more database
        /// past it first closes idle ones, or is refused with a clear error. Keep it below
        /// PostgreSQL's max_connections, less what other clients need.
        #[arg(long, env = "ERP_CONNECTION_BUDGET", default_value_t = 80)]
        connection_budget: u32,
        /// Seconds a served database (other than the default) may go unused before it is
        /// closed and its connections given back (it opens again on its next request).
        #[arg(long, env = "ERP_DATABASE_IDLE_SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
        database_idle_seconds: u64,
    },
    /// The database manager: list, create, duplicate, back up, restore, mark and drop the
    /// databases of this server. Every command needs the master password.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Print the GraphQL schema in SDL (the one committed as `api/schema/erp.graphql`), or with
    /// --manager the database manager's (`api/schema/manager.graphql`). Needs no database.
    Schema {
        #[arg(long)]
        manager: bool,
    },
    /// Create the database if needed, apply migrations, and exit.
    Migrate,
    /// Stop the embedded PostgreSQL cluster.
    StopPostgres,
    /// Data modules: files of records loaded as commands.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Replay and audit: verify the log, or copy it up to a point into a new database.
    Replay {
        #[command(subcommand)]
        command: ReplayCommand,
    },
    /// Configuration stages: name the current point, list, compare, go back.
    Stage {
        #[command(subcommand)]
        command: StageCommand,
    },
    /// Write the general ledger as CSV (every company's, or --company's; a line per item with the account's
    /// running balance, each account opened by its balance before --from), streamed as it is
    /// read: constant memory whatever the size of the books. The same as `GET /ledger.csv`.
    Ledger {
        /// Account codes, comma-separated; every account without it.
        #[arg(long, value_delimiter = ',')]
        accounts: Vec<String>,
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// The books as the log stood at this position.
        #[arg(long)]
        as_of_position: Option<i64>,
        /// One company's books (its code); every company's without it (refused when they
        /// keep their books in different currencies).
        #[arg(long)]
        company: Option<String>,
        /// Only the items with this partner (its id): the partner's ledger.
        #[arg(long)]
        partner: Option<String>,
        /// Where to write it (`-`: standard output).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
    /// Users, as the operator: the way back when no one can administer the database.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Make user LOGIN (created if missing) an active administrator with a new password: the
    /// --admin-password, or a random one written to `<data-dir>/admin-password-<db>`. Needs
    /// the master password.
    ResetAdmin {
        #[arg(default_value = "admin")]
        login: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ReplayCommand {
    /// Check the log: every event against its hash chain, the seals over the global order, and
    /// every event read back into its type; then replay every projection next to its read
    /// model and compare. Exits with status 1 on any finding.
    Verify {
        /// A digest printed earlier by `erp replay digest` (`<position>:<hash>`) and kept outside
        /// the database: also prove the log up to that position is unchanged since.
        #[arg(long)]
        digest: Option<replay::digest::Digest>,
    },
    /// Print the log's digest (`<position>:<hash>`): keep it outside the database; `verify
    /// --digest` proves later that nothing up to that position changed.
    Digest,
    /// Rebuild read models from position 0 into new tables, catch up, and swap them in; the
    /// server keeps answering meanwhile.
    Rebuild {
        /// The projection to rebuild (partner, configuration, user, log_seal).
        #[arg(required_unless_present = "all")]
        projection: Option<String>,
        /// Rebuild every projection.
        #[arg(long, conflicts_with = "projection")]
        all: bool,
    },
    /// Write the whole log to FILE (`-`: standard output) as JSON lines, with a manifest line
    /// (count, last position, hash over the export) at the end.
    Export { file: PathBuf },
    /// Make a new database from an export; refused (and nothing kept) unless the file matches
    /// its manifest and every chain and seal verifies.
    Import {
        file: PathBuf,
        /// The new database (on the same server).
        #[arg(long, value_parser = database_name)]
        into: String,
    },
    /// Make a new database holding exactly the log up to a point (one of --position, --time,
    /// --stage), its read models rebuilt; the source is untouched.
    To {
        /// The last log position to include.
        #[arg(long, conflicts_with_all = ["time", "stage"])]
        position: Option<i64>,
        /// Include what was recorded up to this time (RFC 3339, e.g. 2026-11-23T12:00:00Z).
        #[arg(long, conflicts_with = "stage")]
        time: Option<chrono::DateTime<chrono::Utc>>,
        /// Include the log up to this stage.
        #[arg(long)]
        stage: Option<String>,
        /// The new database (on the same server).
        #[arg(long, value_parser = database_name)]
        into: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DbCommand {
    /// The databases of this application on the server.
    List,
    /// A new database, initialized like any; with --demo, the demo company in it; with
    /// --data, a data module loaded into it (made with the module, or not at all).
    Create {
        #[arg(value_parser = database_name)]
        name: String,
        #[arg(long)]
        demo: bool,
        #[arg(long, value_name = "FILE")]
        data: Option<PathBuf>,
    },
    /// Copy database FROM into new database TO, as it is now or as it was at a stage, a log
    /// position or a time.
    Duplicate {
        #[arg(value_parser = database_name)]
        from: String,
        #[arg(value_parser = database_name)]
        to: String,
        #[arg(long, conflicts_with_all = ["position", "time"])]
        stage: Option<String>,
        #[arg(long, conflicts_with = "time")]
        position: Option<i64>,
        #[arg(long)]
        time: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Write database NAME's event log to FILE (checksummed; the replay export format).
    Backup {
        #[arg(value_parser = database_name)]
        name: String,
        file: PathBuf,
    },
    /// Make database NAME from backup FILE (which must verify); over an existing database only
    /// with --replace.
    Restore {
        file: PathBuf,
        #[arg(value_parser = database_name)]
        name: String,
        #[arg(long)]
        replace: bool,
    },
    /// Mark a database as production (or, with --test, as a test database).
    Mark {
        #[arg(value_parser = database_name)]
        name: String,
        #[arg(
            long,
            conflicts_with = "production",
            required_unless_present = "production"
        )]
        test: bool,
        #[arg(long)]
        production: bool,
    },
    /// Drop a database and everything in it.
    Drop {
        #[arg(value_parser = database_name)]
        name: String,
    },
    /// What was asked of the manager, newest first: when, what, by whom, how it ended.
    Trail {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        last: usize,
    },
    /// Change the master password (the current one from --master-password).
    ChangeMasterPassword {
        /// The new master password.
        #[arg(long, env = "ERP_NEW_MASTER_PASSWORD", hide_env_values = true)]
        new: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DataCommand {
    /// Load a data module (JSON Lines; see the README). Loading it again changes nothing.
    Load {
        file: PathBuf,
        /// Say what would be created or changed, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Load a development version (odd middle number) into a production database.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum StageCommand {
    /// Name the current point of the log and keep the configuration there.
    Create {
        name: String,
        /// What the stage is (shown in the list).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the stages, oldest first, with what changed at each.
    List,
    /// What changed in configuration from stage FROM to stage TO (to now without TO).
    Diff { from: String, to: Option<String> },
    /// Write the configuration changes from stage FROM to stage TO as a data module (FILE; `-`
    /// for standard output) that promotes them into another database: `erp data load` there,
    /// `--dry-run` first.
    Export {
        from: String,
        to: String,
        /// The data module's name.
        #[arg(long)]
        module: String,
        /// Its version, A.B.C (an odd B is a development version: production loads it only
        /// when forced).
        #[arg(long)]
        version: String,
        file: PathBuf,
    },
    /// Bring the configuration back to a stage in place (business data stays), or with
    /// --into, make a new database holding the log up to the stage.
    Restore {
        name: String,
        /// A new database (on the same server) to hold the log up to the stage; the current
        /// one is left untouched.
        #[arg(long, value_parser = database_name)]
        into: Option<String>,
    },
}

/// A database name we can use unquoted everywhere: lower-case letters, digits and `_`.
fn database_name(raw: &str) -> Result<String, String> {
    crate::manager::database_name(raw)
}
