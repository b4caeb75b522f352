//! What the server logs. async-graphql's spans (one a request, one a field) are left out of the
//! schema unless the log would show them, since even filtered out they wrap every field (what
//! that saves is measured by the bench: S3c); asked for (`RUST_LOG=async_graphql=info`), they
//! are there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tests::TestApp;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Log lines written into memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a server started under `filter` logs while it answers one query.
async fn logged_under(filter: &str) -> String {
    let lines = Lines::default();
    let writer = lines.clone();
    let _logging = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .set_default();
    let app = TestApp::new().await;
    let answer = app.graphql("{ me { login } }", json!({})).await;
    assert_eq!(answer["me"]["login"], "admin");
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    text
}

#[tokio::test]
async fn graphql_spans_are_logged_when_the_filter_asks_for_them() {
    let asked = logged_under("warn,async_graphql=info").await;
    // the closed span of the field asked for: `field{path=me ...}: async_graphql::graphql: close`
    let field = asked
        .lines()
        .any(|line| line.contains("field{path=me ") && line.contains("async_graphql::graphql"));
    assert!(field, "no span of the field `me` in:\n{asked}");
}
