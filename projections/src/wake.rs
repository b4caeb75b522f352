//! Waking projection runners: this process's command bus nudges its own runners after each
//! append, and announces appends to other processes (`NOTIFY erp_events`), whose listeners nudge
//! theirs.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tracing::{debug, warn};
use uuid::Uuid;

/// Wakes projection runners when events may have arrived.
#[derive(Debug, Clone)]
pub struct Wake {
    nudges: watch::Sender<u64>,
    /// Names this process in its notifications, so it does not wake itself twice.
    origin: Arc<str>,
}

impl Default for Wake {
    fn default() -> Self {
        Self {
            nudges: watch::Sender::new(0),
            origin: Uuid::new_v4().to_string().into(),
        }
    }
}

impl Wake {
    /// Tells every runner of this process to look at the log now.
    pub fn nudge(&self) {
        self.nudges.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.nudges.subscribe()
    }

    /// Listens for `NOTIFY erp_events` from the other processes writing to this database, and
    /// nudges. Reconnects on error; polling covers what is missed meanwhile.
    pub fn listen(&self, pool: PgPool) -> JoinHandle<()> {
        let wake = self.clone();
        tokio::spawn(async move {
            loop {
                match PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            warn!(error = %e, "cannot LISTEN for new events; polling only");
                        } else {
                            // after (re)connecting, whatever was notified meanwhile is unknown.
                            wake.nudge();
                            while let Ok(notification) = listener.recv().await {
                                if notification.payload() != &*wake.origin {
                                    wake.nudge();
                                }
                            }
                        }
                    }
                    Err(e) => warn!(error = %e, "cannot connect to LISTEN for new events"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    /// Starts announcing this process's appends to the others (`NOTIFY erp_events`).
    ///
    /// Not a trigger on `events`: a transaction that notifies holds a database-wide lock from
    /// its commit until it ends, which would make concurrent commands wait for each other's disk
    /// flush. Here a notification goes out after the append, on its own, and the appends of
    /// each 100 ms fold into one.
    pub fn announcer(&self, pool: PgPool) -> Announcer {
        let pending = Arc::new(Notify::new());
        let origin = self.origin.clone();
        let task = tokio::spawn({
            let pending = pending.clone();
            async move {
                loop {
                    pending.notified().await;
                    let sent = sqlx::query("select pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(&*origin)
                        .execute(&pool)
                        .await;
                    if let Err(e) = sent {
                        debug!(error = %e, "cannot notify other processes; they will poll");
                    }
                    // a notifying transaction holds back every reader's horizon while it runs:
                    // one per interval is enough to wake other processes promptly.
                    tokio::time::sleep(ANNOUNCE_INTERVAL).await;
                }
            }
        });
        Announcer { pending, task }
    }
}

/// The shortest time between two announcements: how late another process may hear of an append.
const ANNOUNCE_INTERVAL: Duration = Duration::from_millis(100);

/// The channel appends are announced on.
const CHANNEL: &str = "erp_events";

/// Announces appends to runners in other processes; see [`Wake::announcer`]. Stops when dropped.
#[derive(Debug)]
pub struct Announcer {
    pending: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Announcer {
    /// Something was appended: tell the other processes (soon, folded with other appends).
    pub fn announce(&self) {
        self.pending.notify_one();
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
