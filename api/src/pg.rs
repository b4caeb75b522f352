//! The embedded default: a private PostgreSQL cluster under the data folder, set up and started on
//! demand, for when no database URL is given.
//!
//! Uses the operating system's PostgreSQL (installed with apt when missing): `initdb` and
//! `pg_ctl` of the newest version under `/usr/lib/postgresql`. The cluster listens on 127.0.0.1
//! only, with a generated password kept in the data folder. PostgreSQL refuses to run as root, so
//! under root the cluster belongs to the `postgres` user the package creates.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use thiserror::Error;
use tracing::info;

/// The superuser of the private cluster.
const SUPERUSER: &str = "erp";

#[derive(Debug, Error)]
pub enum PgError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what} failed ({status}):\n{output}")]
    Command {
        what: String,
        status: String,
        output: String,
    },
    #[error("PostgreSQL is not installed and could not be installed: {0}")]
    NotInstalled(String),
    #[error(
        "the PostgreSQL server runs as user `postgres`, which cannot reach {0}; \
         choose a data folder it can reach with --data-dir"
    )]
    Unreachable(PathBuf),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> PgError {
    let what = what.into();
    move |source| PgError::Io { what, source }
}

/// A running private cluster.
#[derive(Debug, Clone)]
pub struct LocalCluster {
    port: u16,
    password: String,
}

impl LocalCluster {
    /// Makes sure a cluster lives under `data_dir` and runs on `port`: installs PostgreSQL if
    /// needed, creates the cluster on first use, starts it if it is down. Safe to call from
    /// several processes at once. Blocking.
    pub fn ensure(data_dir: &Path, port: u16) -> Result<Self, PgError> {
        fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io(format!("resolving {}", data_dir.display())))?;
        let lock = File::create(data_dir.join("pg.lock")).map_err(io("creating pg.lock"))?;
        lock.lock().map_err(io("locking pg.lock"))?;

        let bin = find_or_install_binaries()?;
        let owner = ClusterOwner::current()?;
        let cluster_dir = data_dir.join("pgdata");
        let password = password(&data_dir)?;
        if !cluster_dir.join("PG_VERSION").exists() {
            init_cluster(&bin, &owner, &data_dir, &cluster_dir, &password)?;
        }
        let status = owner.run(
            &bin.join("pg_ctl"),
            &["status", "-D", path_str(&cluster_dir)?],
        )?;
        if !status.status.success() {
            start_cluster(&bin, &owner, &data_dir, &cluster_dir, port)?;
        }
        Ok(Self { port, password })
    }

    /// A hot standby of this cluster, made under `data_dir` with `pg_basebackup -R` (streaming
    /// replication from this cluster, which must be running), and started on `port`. Its
    /// superuser and password are this cluster's. Blocking.
    pub fn standby(&self, data_dir: &Path, port: u16) -> Result<Self, PgError> {
        fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io(format!("resolving {}", data_dir.display())))?;
        let bin = find_or_install_binaries()?;
        let owner = ClusterOwner::current()?;
        owner.give(&data_dir)?;
        let cluster_dir = data_dir.join("pgdata");
        let source = format!(
            "host=127.0.0.1 port={} user={SUPERUSER} password={}",
            self.port, self.password
        );
        let output = owner.run(
            &bin.join("pg_basebackup"),
            &[
                "-d",
                &source,
                "-D",
                path_str(&cluster_dir)?,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        )?;
        check(output, "pg_basebackup")?;
        start_cluster(&bin, &owner, &data_dir, &cluster_dir, port)?;
        Ok(Self {
            port,
            password: self.password.clone(),
        })
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }
}

/// Who runs the cluster: ourselves, or `postgres` when we are root.
enum ClusterOwner {
    Me,
    Postgres,
}

impl ClusterOwner {
    fn current() -> Result<Self, PgError> {
        let uid = run_plain(Command::new("id").arg("-u"), "id -u")?;
        Ok(if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
            ClusterOwner::Postgres
        } else {
            ClusterOwner::Me
        })
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            ClusterOwner::Me => Command::new(program),
            ClusterOwner::Postgres => {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(program);
                command
            }
        }
    }

    fn run(&self, program: &Path, args: &[&str]) -> Result<Output, PgError> {
        let mut command = self.command(program);
        command.args(args);
        command
            .output()
            .map_err(io(format!("running {}", program.display())))
    }

    /// Hands `path` to the cluster's user.
    fn give(&self, path: &Path) -> Result<(), PgError> {
        if let ClusterOwner::Postgres = self {
            let output = run_plain(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(path),
                "chown",
            )?;
            check(output, "chown to postgres")?;
            let reachable = Command::new("runuser")
                .args(["-u", "postgres", "--", "test", "-w"])
                .arg(path)
                .status()
                .map_err(io("runuser"))?;
            if !reachable.success() {
                return Err(PgError::Unreachable(path.to_owned()));
            }
        }
        Ok(())
    }
}

fn path_str(path: &Path) -> Result<&str, PgError> {
    path.to_str().ok_or_else(|| PgError::Io {
        what: format!("{}", path.display()),
        source: std::io::Error::other("path is not UTF-8"),
    })
}

fn run_plain(command: &mut Command, what: &str) -> Result<Output, PgError> {
    command.output().map_err(io(what))
}

fn check(output: Output, what: &str) -> Result<Output, PgError> {
    if output.status.success() {
        return Ok(output);
    }
    Err(PgError::Command {
        what: what.to_owned(),
        status: output.status.to_string(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

/// The directory with `initdb`, `pg_ctl` and `postgres` of the newest PostgreSQL installed;
/// installs the distribution's PostgreSQL with apt when there is none.
fn find_or_install_binaries() -> Result<PathBuf, PgError> {
    if let Some(bin) = find_binaries() {
        return Ok(bin);
    }
    info!("PostgreSQL is not installed: installing the distribution's package with apt");
    eprintln!("PostgreSQL is not installed: installing it with apt-get (this takes a minute)...");
    let sudo: &[&str] = match ClusterOwner::current()? {
        ClusterOwner::Postgres => &[],
        ClusterOwner::Me => &["sudo", "-n"],
    };
    for args in [
        &["apt-get", "update", "-q"][..],
        &[
            "apt-get",
            "install",
            "-y",
            "-q",
            "postgresql",
            "postgresql-contrib",
        ][..],
    ] {
        let full: Vec<&str> = sudo.iter().chain(args).copied().collect();
        let output = Command::new(full[0])
            .args(&full[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map_err(|e| PgError::NotInstalled(format!("{}: {e}", full.join(" "))))?;
        check(output, &full.join(" ")).map_err(|e| PgError::NotInstalled(e.to_string()))?;
    }
    find_binaries().ok_or_else(|| {
        PgError::NotInstalled("apt-get succeeded but no initdb was found".to_owned())
    })
}

fn find_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The cluster's password, made on first use and kept readable by its owner only.
fn password(data_dir: &Path) -> Result<String, PgError> {
    let file = data_dir.join("pg-password");
    if let Ok(existing) = fs::read_to_string(&file) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(existing.to_owned());
        }
    }
    let password: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
        .collect();
    let mut out = crate::private::create(&file).map_err(io("writing pg-password"))?;
    out.write_all(password.as_bytes())
        .map_err(io("writing pg-password"))?;
    Ok(password)
}

fn init_cluster(
    bin: &Path,
    owner: &ClusterOwner,
    data_dir: &Path,
    cluster_dir: &Path,
    password: &str,
) -> Result<(), PgError> {
    eprintln!("Creating a PostgreSQL cluster in {}", cluster_dir.display());
    // a cluster left half-made by an interrupted initdb is started over.
    if cluster_dir.exists() {
        fs::remove_dir_all(cluster_dir).map_err(io("removing a half-made cluster"))?;
    }
    fs::create_dir_all(cluster_dir).map_err(io("creating the cluster folder"))?;
    fs::set_permissions(cluster_dir, fs::Permissions::from_mode(0o700))
        .map_err(io("securing the cluster folder"))?;
    let pwfile = data_dir.join("pg-initpw");
    crate::private::create(&pwfile)
        .and_then(|mut file| file.write_all(password.as_bytes()))
        .map_err(io("writing the initial password"))?;
    owner.give(cluster_dir)?;
    owner.give(&pwfile)?;
    let pwfile_arg = format!("--pwfile={}", path_str(&pwfile)?);
    let output = owner.run(
        &bin.join("initdb"),
        &[
            "-D",
            path_str(cluster_dir)?,
            "-U",
            SUPERUSER,
            &pwfile_arg,
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ],
    );
    let _ = fs::remove_file(&pwfile);
    check(output?, "initdb")?;
    Ok(())
}

fn start_cluster(
    bin: &Path,
    owner: &ClusterOwner,
    data_dir: &Path,
    cluster_dir: &Path,
    port: u16,
) -> Result<(), PgError> {
    let log = data_dir.join("postgresql.log");
    if !log.exists() {
        File::create(&log).map_err(io("creating postgresql.log"))?;
    }
    owner.give(&log)?;
    let options = format!(
        "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}'",
        path_str(cluster_dir)?
    );
    info!(port, "starting PostgreSQL");
    let output = owner.run(
        &bin.join("pg_ctl"),
        &[
            "start",
            "-D",
            path_str(cluster_dir)?,
            "-l",
            path_str(&log)?,
            "-w",
            "-t",
            "120",
            "-o",
            &options,
        ],
    )?;
    check(output, "pg_ctl start").map_err(|e| match e {
        PgError::Command {
            what,
            status,
            output,
        } => {
            let tail: Vec<String> = fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .rev()
                .take(15)
                .map(str::to_owned)
                .collect();
            let tail: Vec<String> = tail.into_iter().rev().collect();
            PgError::Command {
                what,
                status,
                output: format!(
                    "{output}\nlast lines of {}:\n{}",
                    log.display(),
                    tail.join("\n")
                ),
            }
        }
        other => other,
    })?;
    Ok(())
}

/// Stops the cluster under `data_dir`, if one runs there.
pub fn stop(data_dir: &Path) -> Result<(), PgError> {
    let cluster_dir = data_dir.join("pgdata");
    if !cluster_dir.join("PG_VERSION").exists() {
        return Ok(());
    }
    let bin = find_binaries().ok_or_else(|| PgError::NotInstalled("no pg_ctl".to_owned()))?;
    let owner = ClusterOwner::current()?;
    let output = owner.run(
        &bin.join("pg_ctl"),
        &["stop", "-D", path_str(&cluster_dir)?, "-m", "fast", "-w"],
    )?;
    // "not running" is as good as stopped.
    if !output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("not running")
    {
        check(output, "pg_ctl stop")?;
    }
    Ok(())
}
