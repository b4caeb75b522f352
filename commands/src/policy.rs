//! What a signed-in user may do: the rights their groups give on each model, and the modules an
//! operation needs. Policy of the application, shared by GraphQL and the command line.

use std::collections::BTreeSet;
use std::sync::Arc;

use domain::configuration::{Configuration, Model, Right, ADMIN_GROUP};
use sqlx::PgPool;
use tokio::sync::RwLock;
use uuid::Uuid;

/// The configuration as the read model has it, as one request sees it.
#[derive(Debug, Default)]
pub struct ConfigView {
    pub version: i64,
    pub position: i64,
    pub configuration: Configuration,
}

/// The latest configuration read, shared by all requests; reloaded when a request learns of a
/// newer version.
#[derive(Debug, Default)]
pub struct ConfigCache(RwLock<Arc<ConfigView>>);

impl ConfigCache {
    /// The configuration at `version` or later.
    pub async fn at_least(
        &self,
        pool: &PgPool,
        version: i64,
    ) -> Result<Arc<ConfigView>, sqlx::Error> {
        {
            let cached = self.0.read().await;
            if cached.version >= version {
                return Ok(cached.clone());
            }
        }
        let mut cached = self.0.write().await;
        if cached.version >= version {
            return Ok(cached.clone());
        }
        if let Some(row) = projections::configuration::current(pool).await? {
            *cached = Arc::new(ConfigView {
                version: row.version,
                position: row.position,
                configuration: row.configuration,
            });
        }
        Ok(cached.clone())
    }

    /// The configuration as last read, without asking the database.
    pub async fn cached(&self) -> Arc<ConfigView> {
        self.0.read().await.clone()
    }
}

/// A signed-in user, with the configuration their rights were checked against.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub login: String,
    pub groups: BTreeSet<String>,
    /// The companies whose records the user may see (an administrator: every company).
    pub companies: BTreeSet<String>,
    /// The company the request works in: what it creates belongs to it. One of `companies`.
    pub company: String,
    pub config: Arc<ConfigView>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.groups.contains(ADMIN_GROUP)
    }

    /// The record rules that restrict what the user sees and touches: the global ones and
    /// those of their groups; none for an administrator.
    pub fn record_rules(&self) -> Vec<domain::configuration::RecordRule> {
        if self.is_admin() {
            return Vec::new();
        }
        let groups: BTreeSet<domain::configuration::Code> = self
            .groups
            .iter()
            .filter_map(|g| domain::configuration::Code::parse(g).ok())
            .collect();
        self.config
            .configuration
            .settings()
            .record_rules
            .values()
            .filter(|rule| rule.applies_to(&groups))
            .cloned()
            .collect()
    }

    /// Whether any of the user's groups gives `right` on `model`.
    pub fn may(&self, model: Model, right: Right) -> bool {
        self.is_admin()
            || self.groups.iter().any(|group| {
                self.config
                    .configuration
                    .settings()
                    .groups
                    .iter()
                    .find(|(code, _)| code.as_str() == group)
                    .and_then(|(_, g)| g.rights.get(&model))
                    .is_some_and(|rights| rights.allows(right))
            })
    }
}

/// Why a signed-in user may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("user '{login}' may not {} {} records: no group of theirs has that right", right.as_str(), model.as_str())]
    Forbidden {
        login: String,
        model: Model,
        right: Right,
    },
    #[error("this operation belongs to module '{0}', which is not installed in this database")]
    ModuleNotInstalled(String),
    #[error("user '{login}' may not {what}: only the administrators' group may")]
    AdminOnly { login: String, what: &'static str },
}

impl Actor {
    /// Nothing, if the user has `right` on `model`.
    pub fn require(&self, model: Model, right: Right) -> Result<(), Denied> {
        if self.may(model, right) {
            Ok(())
        } else {
            Err(Denied::Forbidden {
                login: self.login.clone(),
                model,
                right,
            })
        }
    }

    /// Nothing, if the user is an administrator (what `what` needs, `load data modules`).
    pub fn require_admin(&self, what: &'static str) -> Result<(), Denied> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Denied::AdminOnly {
                login: self.login.clone(),
                what,
            })
        }
    }

    /// Nothing, if `module` is installed.
    pub fn require_module(&self, module: &str) -> Result<(), Denied> {
        if self.config.configuration.settings().is_installed(module) {
            Ok(())
        } else {
            Err(Denied::ModuleNotInstalled(module.to_owned()))
        }
    }
}
