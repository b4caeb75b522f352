//! One process at a time runs the projections of a database: the one holding the lease, a
//! PostgreSQL advisory lock on a connection of its own. The others follow the checkpoints it
//! moves (so read-your-writes holds on every process) and try for the lease every second;
//! when the holder dies, its connection closes, the lock goes with it, and another process
//! takes over within about a second. Two processes applying the same batch at once would still
//! be safe (a batch moves the checkpoint only from where it started): the lease saves the work
//! done twice.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{ConnectOptions, PgConnection, PgPool};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::wake::{Announcer, Wake};

/// The advisory lock of the lease (advisory locks are per database): "erp-proj".
const KEY: i64 = 0x6572_702d_7072_6f6a;
/// How often a process without the lease tries for it, and the holder checks its connection.
const EVERY: Duration = Duration::from_secs(1);

/// Whether this process runs the projections, and how it tells the others it moved them.
#[derive(Debug, Clone)]
pub struct Lease {
    leading: watch::Receiver<bool>,
    announcer: Option<Arc<Announcer>>,
}

impl Lease {
    /// A lease always held, told to nobody: for a process alone on its database (tests,
    /// benchmarks, rebuilds).
    pub fn always() -> Self {
        let (_, leading) = watch::channel(true);
        Self {
            leading,
            announcer: None,
        }
    }

    /// Whether this process runs the projections now.
    pub fn leading(&self) -> bool {
        *self.leading.borrow()
    }

    /// Tells the other processes that a checkpoint moved.
    pub fn announce(&self) {
        if let Some(announcer) = &self.announcer {
            announcer.announce();
        }
    }
}

/// Tries for the lease of `pool`'s database now, then keeps trying (or keeps it) in the
/// background; `wake` nudges this process's runners when the lease changes hands.
pub async fn hold(pool: &PgPool, wake: &Wake) -> (Lease, JoinHandle<()>) {
    let options = pool.connect_options().as_ref().clone();
    let (leading_tx, leading) = watch::channel(false);
    let mut conn = try_for(&options, None, &leading_tx).await;
    let announcer = Some(Arc::new(wake.announcer(pool.clone())));
    let wake = wake.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            let was = *leading_tx.borrow();
            conn = try_for(&options, conn, &leading_tx).await;
            if *leading_tx.borrow() != was {
                wake.nudge();
            }
        }
    });
    (Lease { leading, announcer }, task)
}

/// One round: checks the held lease's connection, or tries for the lease (connecting if need
/// be); says on `leading` whether the lease is held, and returns the connection to keep.
async fn try_for(
    options: &sqlx::postgres::PgConnectOptions,
    conn: Option<PgConnection>,
    leading: &watch::Sender<bool>,
) -> Option<PgConnection> {
    let mut conn = match conn {
        Some(conn) => conn,
        None => match options.connect().await {
            Ok(conn) => conn,
            Err(e) => {
                warn!(error = %e, "cannot connect to try for the projections' lease");
                leading.send_replace(false);
                return None;
            }
        },
    };
    let held = if *leading.borrow() {
        sqlx::query("select 1")
            .execute(&mut conn)
            .await
            .map(|_| true)
    } else {
        sqlx::query_scalar::<_, bool>("select pg_try_advisory_lock($1)")
            .bind(KEY)
            .fetch_one(&mut conn)
            .await
    };
    match held {
        Ok(held) => {
            let was = leading.send_replace(held);
            if held && !was {
                info!("this process now runs the projections");
            }
            Some(conn)
        }
        Err(e) => {
            warn!(error = %e, "lost the connection of the projections' lease");
            leading.send_replace(false);
            None
        }
    }
}
