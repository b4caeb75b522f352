//! The read models this server keeps, by projection name: for rebuilding one from the log, or
//! replaying it next to the live one to prove they agree.

use projections::configuration::ConfigurationProjection;
use projections::partner::PartnerProjection;
use projections::seal::SealProjection;
use projections::user::UserProjection;
use projections::Checkpoint;
use replay::configuration::ReplayError;
use replay::rebuild::{self, Difference, RebuildProgress};
use sqlx::PgPool;

/// Every projection, by the name its checkpoint is stored under.
pub const PROJECTIONS: &[&str] = &["partner", "configuration", "user", "business", "log_seal"];

/// Runs `$body` with `$projection` bound to the projection named `$name`.
macro_rules! with_projection {
    ($name:expr, $projection:ident => $body:expr) => {
        match $name {
            "partner" => {
                let $projection = &PartnerProjection;
                Some($body)
            }
            "configuration" => {
                let $projection = &ConfigurationProjection;
                Some($body)
            }
            "user" => {
                let $projection = &UserProjection;
                Some($body)
            }
            "business" => {
                let $projection = &projections::business::BusinessProjection;
                Some($body)
            }
            "log_seal" => {
                let $projection = &SealProjection;
                Some($body)
            }
            _ => None,
        }
    };
}

/// Rebuilds projection `name` from position 0 into new tables and swaps them in, while the
/// live tables keep answering. `None` if there is no such projection.
pub async fn rebuild(
    pool: &PgPool,
    name: &str,
    progress: &impl Fn(RebuildProgress),
) -> Option<Result<Checkpoint, ReplayError>> {
    with_projection!(name, projection => rebuild::rebuild(pool, projection, progress).await)
}

/// Replays projection `name` next to its live tables and lists where they differ. `None` if
/// there is no such projection.
pub async fn compare(
    pool: &PgPool,
    name: &str,
    progress: &impl Fn(RebuildProgress),
) -> Option<Result<Vec<Difference>, ReplayError>> {
    with_projection!(name, projection => rebuild::replay_and_compare(pool, projection, progress).await)
}
