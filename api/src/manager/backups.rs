//! Backups of a database (its log, in a checksummed file) and restoring one, never over an
//! existing database unless asked to replace it.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sqlx::Connection;

use crate::database::{self, quote_ident};
use crate::fork;

use super::{name, random_password, BackupInfo, DatabaseInfo, ManagerError, Server};

impl Server {
    /// Writes `name`'s log to `file` (the replay export format: JSON lines and a manifest).
    pub async fn backup_to(&self, name: &str, file: &Path) -> Result<BackupInfo, ManagerError> {
        let exists = || {
            ManagerError::Refused(format!(
                "{} exists already: a backup never replaces a file; name another",
                file.display()
            ))
        };
        if file.exists() {
            return Err(exists());
        }
        let backend = self.backend(name).await?;
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut temporary = file.as_os_str().to_owned();
        temporary.push(".erp-partial");
        let temporary = std::path::PathBuf::from(temporary);
        let writer = std::io::BufWriter::new(crate::private::create(&temporary)?);
        let manifest = replay::export::export(&backend.state.pool, writer, |_, _| {})
            .await
            .map_err(|e| ManagerError::Other(e.to_string()))?;
        // linked, not renamed: a file made meanwhile under the name is not replaced either.
        let linked = std::fs::hard_link(&temporary, file);
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
            linked => linked?,
        }
        Ok(BackupInfo {
            file: file
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::metadata(file)?.len(),
            events: manifest.events,
            last_position: manifest.last_position,
            chain: manifest.chain,
        })
    }

    /// Backs `name` up into the backup folder, as `<name>-<time>.jsonl`.
    pub async fn backup(&self, name: &str) -> Result<BackupInfo, ManagerError> {
        let name = self::name(name)?;
        let file = self.backups_dir().join(format!(
            "{name}-{}.jsonl",
            Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        self.backup_to(&name, &file).await
    }

    /// The backup files in the backup folder, newest first.
    pub fn backups(&self) -> Result<Vec<(String, u64)>, ManagerError> {
        let dir = self.backups_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(vec![]);
        };
        let mut files: Vec<(String, u64)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
            .filter_map(|e| {
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().ok()?.len(),
                ))
            })
            .collect();
        files.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(files)
    }

    /// A backup file of the backup folder, by its bare name (no path: nothing outside the
    /// folder can be named).
    pub fn backup_file(&self, file: &str) -> Result<PathBuf, ManagerError> {
        let bare = !file.is_empty()
            && file.len() <= 200
            && file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !file.starts_with('.');
        let path = self.backups_dir().join(file);
        if !bare || !path.is_file() {
            return Err(ManagerError::Refused(format!(
                "there is no backup '{}' in the backup folder",
                file.chars().take(80).collect::<String>()
            )));
        }
        Ok(path)
    }

    /// Makes database `to` from backup `file`, which must match its manifest and verify, and
    /// whose read models must catch up: whatever fails until then (a bad file, a kill, too few
    /// connections) leaves nothing under `to`. Over an existing database only with `replace`:
    /// the backup is restored under a temporary name first, and the old database replaced only
    /// once that succeeded.
    pub async fn restore_from(
        &self,
        file: &Path,
        to: &str,
        replace: bool,
    ) -> Result<(DatabaseInfo, u64), ManagerError> {
        let to = name(to)?;
        let exists = self.exists(&to).await?;
        if exists && !replace {
            return Err(ManagerError::Exists(to));
        }
        if exists && to == self.default {
            return Err(ManagerError::Refused(format!(
                "{to} is the database this server serves at /graphql: restore into another name"
            )));
        }
        let target = if exists {
            let suffix: String = random_password().to_lowercase().chars().take(8).collect();
            format!("{}_restoring_{suffix}", &to[..to.len().min(40)])
        } else {
            to.clone()
        };
        let input = std::io::BufReader::new(std::fs::File::open(file)?);
        let (pool, manifest) = fork::import(input, &self.url_of(&target)?, |_| {}).await?;
        pool.close().await;
        let opened = self.open_or_discard(target.clone()).await?;
        if !exists {
            return Ok((opened, manifest.events));
        }
        self.stop(&target).await;
        self.stop(&to).await;
        let mut conn = self.server_connection().await?;
        sqlx::query(&format!("drop database {} with (force)", quote_ident(&to)))
            .execute(&mut conn)
            .await?;
        database::rename(&mut conn, &target, &to, None).await?;
        let _ = conn.close().await;
        Ok((self.open_copy(to).await?, manifest.events))
    }
}
