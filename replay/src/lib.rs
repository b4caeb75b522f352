//! Rebuilds, verification, point-in-time replay, stages, backup and restore of event logs.
//!
//! For now only a projection reset: the runner then rebuilds the read model from position 0.

use sqlx::PgPool;

/// Empties `tables` and sets `projection`'s checkpoint back to the start of the log, in one
/// transaction; its runner then rebuilds the read model from the first event.
pub async fn reset_projection(
    pool: &PgPool,
    projection: &str,
    tables: &[&str],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('erp projection ' || $1, 0))")
        .bind(projection)
        .execute(&mut *tx)
        .await?;
    for table in tables {
        sqlx::query(&format!("delete from {}", quote_ident(table)))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "update projection_checkpoints set transaction_id = 0, position = 0, updated_at = now()
          where projection = $1",
    )
    .bind(projection)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
