//! The log's digest: one line an auditor keeps outside the database (printed, mailed, in
//! another system), which proves later that the log up to that point is unchanged.
//!
//! The digest of the log up to position `P` is a running SHA-256 over every event at or before
//! `P`, in position order: its position, its stored hash (which covers the event's stream,
//! sequence, type, version, payload and metadata) and the time it was recorded. Anyone who can
//! write SQL can change an event and recompute its hash and the seals, since they are unkeyed;
//! no one can make the changed log hash to a digest kept where they cannot write. Events
//! appended after `P` are not covered: a newer digest covers them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sha2::Digest as _;
use sqlx::{Connection, PgPool};

use store::chain::{hex, running_hasher, unhex, GENESIS};

use crate::configuration::ReplayError;

/// Events read per statement.
const BATCH: i64 = 10_000;

/// The log up to `position`, as a hash (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The last position covered.
    pub position: i64,
    /// The running hash after it.
    pub hash: [u8; 32],
}

impl fmt::Display for Digest {
    /// `<position>:<hash in hex>`, what `erp replay verify --digest` takes back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.position, hex(&self.hash))
    }
}

impl FromStr for Digest {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = || {
            format!(
                "'{}' is not a digest: expected <position>:<64 hex digits>, as `erp replay digest` prints",
                text.chars().take(100).collect::<String>()
            )
        };
        let (position, hash) = text.trim().split_once(':').ok_or_else(wrong)?;
        let position = position.parse::<i64>().map_err(|_| wrong())?;
        let hash = unhex(hash)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(wrong)?;
        if position < 0 {
            return Err(wrong());
        }
        Ok(Self { position, hash })
    }
}

/// One more event into the running hash.
fn step(
    running: &[u8],
    position: i64,
    hash: Option<&[u8]>,
    recorded_at: DateTime<Utc>,
) -> [u8; 32] {
    let mut hasher = running_hasher(b"erp-digest-v1", running, position, hash);
    hasher.update(recorded_at.timestamp_micros().to_be_bytes());
    hasher.finalize().into()
}

/// The digest of the log up to `position` as it is now; `None` if the log holds no event at
/// or before it.
pub async fn digest_up_to(pool: &PgPool, position: i64) -> Result<Option<Digest>, ReplayError> {
    let mut running = GENESIS;
    let mut last = None;
    loop {
        let rows: Vec<(i64, Option<Vec<u8>>, DateTime<Utc>)> = sqlx::query_as(
            "select position, hash, recorded_at from events
              where position > $1 and position <= $2 order by position limit $3",
        )
        .bind(last.unwrap_or(i64::MIN))
        .bind(position)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for (position, hash, recorded_at) in rows {
            running = step(&running, position, hash.as_deref(), recorded_at);
            last = Some(position);
        }
    }
    Ok(last.map(|position| Digest {
        position,
        hash: running,
    }))
}

/// The digest of the whole log as it is now. Writers are held off for the moment it takes to
/// find the last position, so no transaction still running can later add an event before it.
pub async fn digest(pool: &PgPool) -> Result<Option<Digest>, ReplayError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    // waits for the appends under way to end, and holds new ones off until the commit; not
    // for long behind a writer that does not end (new appends would queue behind this).
    sqlx::query("set local lock_timeout = '5s'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("lock table events in share mode")
        .execute(&mut *tx)
        .await?;
    let last: Option<i64> = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    match last {
        Some(last) => digest_up_to(pool, last).await,
        None => Ok(None),
    }
}

/// Whether the log still extends `kept`: the events up to its position hash to it. `Err` with
/// what differs otherwise.
pub async fn check(pool: &PgPool, kept: &Digest) -> Result<Result<(), String>, ReplayError> {
    let now = digest_up_to(pool, kept.position).await?;
    Ok(match now {
        Some(now) if now == *kept => Ok(()),
        Some(now) if now.position != kept.position => Err(format!(
            "the log no longer holds position {}: its last event at or before it is at {} (events were removed)",
            kept.position, now.position
        )),
        Some(_) => Err(format!(
            "the log up to position {} does not hash to the digest kept: an event at or before it was changed, added or removed since",
            kept.position
        )),
        None => Err(format!(
            "the log holds no event at or before position {}: it was emptied",
            kept.position
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_step_is_the_documented_sha_256_computed_elsewhere() {
        // expected value from Python's hashlib over b"erp-digest-v1" + running + position (8
        // bytes, big-endian) + 1 + the event's hash + its time in µs since 1970 (8 bytes).
        let at = DateTime::parse_from_rfc3339("2026-12-02T12:00:00.000001Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            hex(&step(&GENESIS, 7, Some(&[0xab; 32]), at)),
            "8f2f93da54918b46378674a45e08975bd5ae268dca903ba8acfa128a61561719"
        );
    }

    #[test]
    fn a_digest_reads_back_as_printed_and_bad_text_is_refused() {
        let digest = Digest {
            position: 168,
            hash: [0xab; 32],
        };
        assert_eq!(digest.to_string().parse::<Digest>(), Ok(digest));
        for bad in [
            "",
            "168",
            "x:ab",
            "168:abc",
            "-1:ab",
            &format!("168:{}", "ab".repeat(31)),
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn each_field_of_an_event_moves_the_digest() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let base = step(&GENESIS, 1, Some(&[1; 32]), at);
        assert_ne!(base, step(&GENESIS, 2, Some(&[1; 32]), at));
        assert_ne!(base, step(&GENESIS, 1, Some(&[2; 32]), at));
        assert_ne!(base, step(&GENESIS, 1, None, at));
        assert_ne!(
            base,
            step(
                &GENESIS,
                1,
                Some(&[1; 32]),
                at + chrono::Duration::microseconds(1)
            )
        );
        assert_ne!(base, step(&[1; 32], 1, Some(&[1; 32]), at));
    }
}
