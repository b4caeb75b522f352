//! The database schema, embedded in the binary and applied at start-up.
//!
//! Files in `migrations/sql/` are named `<timestamp>_<verb_object>.sql` and are never edited once
//! they have landed: a change is a new file.

use sqlx::migrate::Migrator;

/// Every migration of the schema, in order.
pub static MIGRATOR: Migrator = sqlx::migrate!("./sql");

/// A short fingerprint of the whole schema (every migration's version and checksum).
///
/// Test databases are cloned from a template named after it, so a changed migration gets a fresh
/// template instead of a stale one.
pub fn fingerprint() -> String {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in MIGRATOR.iter() {
        let bytes = migration
            .version
            .to_le_bytes()
            .into_iter()
            .chain(migration.checksum.iter().copied());
        for byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
