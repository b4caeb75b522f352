//! The master password that guards the database manager: only its argon2 hash is kept; wrong
//! tries wait longer and longer.

use std::path::{Path, PathBuf};

use tokio::sync::RwLock;

use commands::auth::{hash_password, verify_password};
use commands::throttle::{Spacing, Throttle};

use super::{ManagerError, FIRST_WAIT, MAX_WAIT};

/// Every wrong master password waits, the first one too.
const SPACING: Spacing = Spacing {
    free: 0,
    first: FIRST_WAIT,
    most: MAX_WAIT,
};

/// A random password of 20 letters and digits (no look-alikes).
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Writes `secret` to `path`, readable by its owner only; atomically (a temporary file renamed).
pub fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    let mut file = crate::private::create(&temporary)?;
    writeln!(file, "{secret}")?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// The master password, as its hash.
pub struct MasterPassword {
    path: PathBuf,
    hash: RwLock<String>,
    /// One check at a time, spaced out after wrong ones (parallel guesses included).
    throttle: Throttle,
}

impl MasterPassword {
    /// The master password stored in `data_dir`; at first start, `given` (or a generated one,
    /// returned so it can be shown once) is hashed and stored.
    pub async fn open(
        data_dir: &Path,
        given: Option<&str>,
    ) -> Result<(Self, Option<String>), ManagerError> {
        let path = data_dir.join("master-password.argon2");
        let (hash, generated) = match std::fs::read_to_string(&path) {
            Ok(hash) if !hash.trim().is_empty() => (hash.trim().to_owned(), None),
            _ => {
                let (password, generated) = match given {
                    Some(password) => (password.to_owned(), None),
                    None => {
                        let password = random_password();
                        (password.clone(), Some(password))
                    }
                };
                let hash = hash_password(&password).await?.as_str().to_owned();
                write_secret(&path, &hash)?;
                (hash, generated)
            }
        };
        Ok((
            Self {
                path,
                hash: RwLock::new(hash),
                throttle: Throttle::new(SPACING),
            },
            generated,
        ))
    }

    /// The master password stored in `data_dir`, if one was ever set.
    pub fn existing(data_dir: &Path) -> Option<Self> {
        let path = data_dir.join("master-password.argon2");
        let hash = std::fs::read_to_string(&path).ok()?;
        let hash = hash.trim();
        (!hash.is_empty()).then(|| Self {
            hash: RwLock::new(hash.to_owned()),
            path,
            throttle: Throttle::new(SPACING),
        })
    }

    /// Ok if `password` is the master password; otherwise, after a wait that doubles with each
    /// failure in a row, `WrongPassword`. Checks run one at a time, each after the wait the
    /// last wrong one set: guesses sent in parallel take as long as one after the other.
    pub async fn check(&self, password: &str) -> Result<(), ManagerError> {
        let attempt = self.throttle.wait_to_begin(&[String::from("master")]).await;
        let hash = self.hash.read().await.clone();
        if verify_password(password, Some(hash)).await {
            attempt.succeeded();
            return Ok(());
        }
        let waited = attempt.failed();
        tracing::warn!(?waited, "wrong master password");
        tokio::time::sleep(waited).await;
        Err(ManagerError::WrongPassword { waited })
    }

    /// Changes the master password, given the current one.
    pub async fn change(&self, old: &str, new: &str) -> Result<(), ManagerError> {
        self.check(old).await?;
        let hash = hash_password(new).await?.as_str().to_owned();
        let mut current = self.hash.write().await;
        write_secret(&self.path, &hash)?;
        *current = hash;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn wrong_guesses_in_parallel_take_as_long_as_one_after_the_other() {
        let dir = std::env::temp_dir().join(format!("erp-master-{}", uuid::Uuid::new_v4()));
        let (master, _) = MasterPassword::open(&dir, Some("the-right-one"))
            .await
            .unwrap();
        let started = Instant::now();
        let guesses = (0..4).map(|_| master.check("wrong"));
        let answers = futures::future::join_all(guesses).await;
        assert!(answers.iter().all(Result::is_err));
        // waits of 0.25, 0.5, 1 and 2 s, each check after the last one's: 3.75 s at least
        // (guesses answered each on its own would all be done in 2 s).
        assert!(
            started.elapsed() >= Duration::from_millis(3_750),
            "{:?}",
            started.elapsed()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
