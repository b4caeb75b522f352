//! The manager's trail: every operation of the database manager that changes something (who
//! asked and from where, what, when, and how it ended), one JSON line each in
//! `<data-dir>/manager-trail.jsonl` (readable by its owner only). `trail` in the manager's
//! GraphQL and `erp db trail` read it. Passwords are never in it.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One operation of the manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// What was asked: the mutation (`createDatabase`) or the command (`db create`).
    pub operation: String,
    /// Its arguments, passwords left out.
    pub arguments: serde_json::Map<String, serde_json::Value>,
    /// Who asked: the client's address and program, or the command line and its user.
    pub by: String,
    /// `OK`, or why it did not happen.
    pub outcome: String,
}

/// The arguments that are never written down.
pub const SECRET: [&str; 4] = ["masterPassword", "old", "new", "master_password"];

/// The trail file of the data folder `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("manager-trail.jsonl")
}

/// Appends `entry` to the trail of `data_dir`, as one write of one line.
pub fn record(data_dir: &Path, entry: &Entry) -> std::io::Result<()> {
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    std::fs::create_dir_all(data_dir)?;
    let mut file = crate::private::append(&path(data_dir))?;
    file.write_all(line.as_bytes())
}

/// The last `last` entries of the trail of `data_dir`, newest first (none if there is no
/// trail yet). A line that does not read is skipped.
pub fn read(data_dir: &Path, last: usize) -> std::io::Result<Vec<Entry>> {
    let file = match std::fs::File::open(path(data_dir)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let mut entries = std::collections::VecDeque::with_capacity(last.min(1_000));
    for line in std::io::BufReader::new(file).lines() {
        if let Ok(entry) = serde_json::from_str::<Entry>(&line?) {
            if entries.len() == last {
                entries.pop_front();
            }
            entries.push_back(entry);
        }
    }
    Ok(entries.into_iter().rev().collect())
}
