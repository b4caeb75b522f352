//! What an operator's probes ask: `/healthz` (the process answers), `/readyz` (the default
//! database answers and its read models are within [`READY_MAX_LAG`] events and
//! [`READY_MAX_AGE`] of the log), and
//! `/metrics` (Prometheus' text format).

use std::sync::Arc;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::manager::Server;
use crate::metrics::{gauge, Labels, METRICS};

/// The most events a read model may be behind the log for the server to be ready.
pub const READY_MAX_LAG: i64 = 1_000;
/// The oldest an event a read model has not applied may be for the server to be ready: a read
/// model that stopped (in another process, whose failures this one does not see) is not ready
/// however few events wait. One that fails here is not ready at once.
pub const READY_MAX_AGE: Duration = Duration::from_secs(60);
/// How long a probe waits for the database.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `/healthz`: the process is alive and answering.
pub async fn healthz() -> Response {
    (StatusCode::OK, [(CONTENT_TYPE, "text/plain")], "ok\n").into_response()
}

/// `/readyz`: 200 when the default database answers and each read model is at most
/// [`READY_MAX_LAG`] events and [`READY_MAX_AGE`] behind; 503 saying what is not, otherwise.
pub async fn readyz(server: Arc<Server>) -> Response {
    let name = server.default_name().to_owned();
    let problem = match tokio::time::timeout(PROBE_TIMEOUT, server.backend(&name)).await {
        Err(_) => Some(format!("database {name} did not answer in time")),
        Ok(Err(error)) => Some(format!("database {name}: {error}")),
        Ok(Ok(backend)) if !backend.failing().is_empty() => Some(format!(
            "read model {} of {name} fails to apply the log's next events (tried again, later \
             and later; the server log says why)",
            backend.failing().join(", ")
        )),
        Ok(Ok(backend)) => match tokio::time::timeout(PROBE_TIMEOUT, backend.lags()).await {
            Err(_) => Some(format!("database {name} did not answer in time")),
            Ok(Err(error)) => Some(format!("database {name}: {error}")),
            Ok(Ok(lags)) => lags
                .iter()
                .find(|(_, events, seconds)| {
                    *events > READY_MAX_LAG || *seconds > READY_MAX_AGE.as_secs_f64()
                })
                .map(|(projection, events, seconds)| {
                    format!(
                        "read model {projection} of {name} is {events} events behind the log, \
                         the oldest of them {seconds:.0} s old (at most {READY_MAX_LAG} events \
                         and {} s)",
                        READY_MAX_AGE.as_secs()
                    )
                }),
        },
    };
    let (status, body) = match problem {
        None => (StatusCode::OK, json!({ "ready": true, "database": name })),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "ready": false, "database": name, "reason": reason }),
        ),
    };
    (status, axum::Json(body)).into_response()
}

/// `/metrics`: what [`METRICS`] counted, and, read now, each served database's read model lag
/// and pool.
pub async fn metrics(server: Arc<Server>) -> Response {
    let mut out = String::new();
    METRICS.render(&mut out);
    let (mut lag_events, mut lag_seconds, mut pool, mut leads) = (vec![], vec![], vec![], vec![]);
    let served = server.served_now().await;
    for (name, backend) in &served {
        let database = || -> Labels { vec![("database", name.clone())] };
        let lags = tokio::time::timeout(PROBE_TIMEOUT, backend.lags()).await;
        for (projection, events, seconds) in lags.ok().and_then(Result::ok).unwrap_or_default() {
            let mut labels = database();
            labels.push(("projection", projection.to_owned()));
            lag_events.push((labels.clone(), events as f64));
            lag_seconds.push((labels, seconds));
        }
        leads.push((database(), if backend.leads() { 1.0 } else { 0.0 }));
        let p = &backend.state.pool;
        let idle = p.num_idle() as f64;
        let open = f64::from(p.size());
        let max = f64::from(p.options().get_max_connections());
        for (state, value) in [("busy", open - idle), ("idle", idle), ("max", max)] {
            let mut labels = database();
            labels.push(("state", state.to_owned()));
            pool.push((labels, value));
        }
    }
    gauge(
        &mut out,
        "erp_projection_lag_events",
        "Events of the log a read model has not applied yet.",
        &lag_events,
    );
    gauge(
        &mut out,
        "erp_projection_lag_seconds",
        "Age of the oldest event a read model has not applied yet.",
        &lag_seconds,
    );
    gauge(
        &mut out,
        "erp_pool_connections",
        "Connections of each served database's pool: busy, idle, and the most it may open.",
        &pool,
    );
    gauge(
        &mut out,
        "erp_projection_leader",
        "1 where this process runs the database's projections (one process at a time does).",
        &leads,
    );
    gauge(
        &mut out,
        "erp_databases_served",
        "Databases this server has open.",
        &[(vec![], served.len() as f64)],
    );
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}
