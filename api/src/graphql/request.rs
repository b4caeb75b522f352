//! What the HTTP layer knows of a request, for resolvers: its id, the bearer token, the
//! correlation id and client, the signed-in user (looked up on first need) and the newest
//! configuration version it saw.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use commands::auth::AuthFailure;
use commands::policy::Actor;
use commands::CommandContext;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// The request's actor, looked up once per request.
#[derive(Debug, Default)]
pub struct Session(pub OnceCell<Result<Actor, AuthFailure>>);

/// What the HTTP layer knows of the request, for resolvers.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: Uuid,
    /// The bearer token the request came with.
    pub token: Option<String>,
    /// The company the request works in (the `X-Company` header), if it names one.
    pub company: Option<String>,
    pub correlation_id: Uuid,
    pub client: Option<String>,
    /// The address the request came from (none without a network connection of its own).
    pub peer: Option<String>,
    /// The signed-in user, looked up on first need.
    pub session: Arc<Session>,
    /// The newest configuration version the request saw (0: none).
    configuration_version: Arc<AtomicI64>,
}

impl RequestContext {
    pub fn new(
        token: Option<String>,
        correlation_id: Option<Uuid>,
        client: Option<String>,
    ) -> Self {
        let request_id = Uuid::now_v7();
        Self {
            request_id,
            token,
            company: None,
            correlation_id: correlation_id.unwrap_or(request_id),
            client,
            peer: None,
            session: Arc::default(),
            configuration_version: Arc::default(),
        }
    }

    /// The request a resolver runs in (one that says nothing of itself when the schema is
    /// called without HTTP).
    pub fn of(ctx: &async_graphql::Context<'_>) -> Self {
        ctx.data_opt::<RequestContext>()
            .cloned()
            .unwrap_or_else(Self::anonymous)
    }

    /// A request that says nothing of itself (a schema call without HTTP).
    pub fn anonymous() -> Self {
        Self::new(None, None, None)
    }

    /// The context of a command `user` sends in this request.
    pub fn command_context(&self, user: &str) -> CommandContext {
        CommandContext {
            user: user.to_owned(),
            correlation_id: self.correlation_id,
            causation_id: Some(self.request_id),
            client: self.client.clone(),
            data_module: None,
            token: self.token.clone(),
        }
    }

    /// Notes that the request read or wrote configuration `version`.
    pub fn saw_configuration(&self, version: i64) {
        self.configuration_version
            .fetch_max(version, Ordering::Relaxed);
    }

    /// The newest configuration version the request saw, if it looked at any.
    pub fn configuration_version(&self) -> Option<i64> {
        let version = self.configuration_version.load(Ordering::Relaxed);
        (version > 0).then_some(version)
    }
}
