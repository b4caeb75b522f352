//! The log as a portable file: one JSON object per line per event (a [`StoredEvent`] as JSON),
//! in the reader's order, each with its payload and metadata exactly as stored (as text, so the
//! hashes still hold), then a manifest line with the count, the last position and the hash over
//! the whole export. Written and read a batch at a time: memory stays flat whatever the size of
//! the log.

use std::io::{BufRead, Write};

use projections::chain::{hex, seal, GENESIS};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgPool};

use crate::batches::{count, restart_positions, Batches};
use crate::configuration::ReplayError;
use store::append::copy as insert;
use store::StoredEvent;

/// The format this code writes and reads.
pub const FORMAT: &str = "erp-log-1";
const BATCH: i64 = 5_000;

/// The last line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub events: u64,
    pub last_position: i64,
    /// The running hash over every event's position and hash, in file order, in hex.
    pub chain: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestLine {
    manifest: Manifest,
}

/// Why an import was refused. Nothing of it stays.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Malformed { line: u64, reason: String },
    #[error("the file has no manifest line: it was cut short")]
    NoManifest,
    #[error("the file does not match its manifest: {0}")]
    Mismatch(String),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the whole log to `out`; returns the manifest written last.
pub async fn export(
    pool: &PgPool,
    mut out: impl Write,
    progress: impl Fn(u64, u64),
) -> Result<Manifest, ImportError> {
    let total = count(pool, None).await.map_err(ReplayError::from)?;
    let mut running = GENESIS.to_vec();
    let mut events = 0u64;
    let mut last_position = 0i64;
    let mut batches = Batches::new(BATCH, None);
    loop {
        let rows = batches.next(pool).await.map_err(ReplayError::from)?;
        if rows.is_empty() {
            break;
        }
        for event in rows {
            running = seal(&running, event.position, event.hash.as_deref()).to_vec();
            serde_json::to_writer(&mut out, &event)
                .map_err(|e| ImportError::Io(std::io::Error::other(e)))?;
            out.write_all(b"\n")?;
            events += 1;
            last_position = last_position.max(event.position);
        }
        progress(events, total);
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        events,
        last_position,
        chain: hex(&running),
    };
    serde_json::to_writer(
        &mut out,
        &ManifestLine {
            manifest: manifest.clone(),
        },
    )
    .map_err(|e| ImportError::Io(std::io::Error::other(e)))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(manifest)
}

/// Reads an export into `target` (a migrated database with an empty log), in one transaction,
/// and checks it against its manifest; on any mismatch nothing is committed.
pub async fn import(
    input: impl BufRead,
    target: &PgPool,
    progress: impl Fn(u64),
) -> Result<Manifest, ImportError> {
    let mut conn = target.acquire().await.map_err(ReplayError::from)?;
    let mut tx = conn.begin().await.map_err(ReplayError::from)?;
    let mut running = GENESIS.to_vec();
    let mut events = 0u64;
    let mut last_position = 0i64;
    let mut batch: Vec<StoredEvent> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for (index, line) in input.lines().enumerate() {
        let line_number = index as u64 + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if manifest.is_some() {
            return Err(ImportError::Malformed {
                line: line_number,
                reason: "nothing may follow the manifest".into(),
            });
        }
        if line.starts_with("{\"manifest\"") {
            let parsed: ManifestLine =
                serde_json::from_str(&line).map_err(|e| ImportError::Malformed {
                    line: line_number,
                    reason: e.to_string(),
                })?;
            manifest = Some(parsed.manifest);
            continue;
        }
        let event: StoredEvent =
            serde_json::from_str(&line).map_err(|e| ImportError::Malformed {
                line: line_number,
                reason: e.to_string(),
            })?;
        running = seal(&running, event.position, event.hash.as_deref()).to_vec();
        events += 1;
        last_position = last_position.max(event.position);
        batch.push(event);
        if batch.len() as i64 >= BATCH {
            store(&mut tx, &batch).await?;
            batch.clear();
            progress(events);
        }
    }
    store(&mut tx, &batch).await?;
    progress(events);
    let manifest = manifest.ok_or(ImportError::NoManifest)?;
    if manifest.format != FORMAT {
        return Err(ImportError::Mismatch(format!(
            "format {} (this version reads {FORMAT})",
            manifest.format
        )));
    }
    if manifest.events != events {
        return Err(ImportError::Mismatch(format!(
            "{events} events, the manifest says {}",
            manifest.events
        )));
    }
    if manifest.last_position != last_position {
        return Err(ImportError::Mismatch(format!(
            "last position {last_position}, the manifest says {}",
            manifest.last_position
        )));
    }
    if manifest.chain != hex(&running) {
        return Err(ImportError::Mismatch(
            "the events do not hash to the manifest's chain: the file was changed".into(),
        ));
    }
    restart_positions(&mut tx)
        .await
        .map_err(ReplayError::from)?;
    tx.commit().await.map_err(ReplayError::from)?;
    Ok(manifest)
}

async fn store(tx: &mut sqlx::PgConnection, rows: &[StoredEvent]) -> Result<(), ImportError> {
    if rows.is_empty() {
        return Ok(());
    }
    insert(tx, rows).await.map_err(|e| ImportError::Malformed {
        line: 0,
        reason: format!("the events cannot be stored: {e}"),
    })
}
