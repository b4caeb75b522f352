//! Who is asking, for resolvers: the request's actor (signed in once per request) and the
//! rights check every resolver makes before it reads or sends anything, as GraphQL errors with
//! a code (`UNAUTHENTICATED`, `FORBIDDEN`, `MODULE_NOT_INSTALLED`).

use async_graphql::{Context, ErrorExtensions};
use commands::auth::{sign_in, AuthFailure};
use commands::policy::{Actor, Denied};
use commands::AppState;
use domain::configuration::{Model, Right};

use super::error::internal;
use super::request::RequestContext;

pub fn coded(message: impl Into<String>, code: &'static str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// The signed-in user of the request, or the error that says to sign in.
pub async fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    let state = ctx.data::<AppState>()?;
    let Some(request) = ctx.data_opt::<RequestContext>() else {
        return Err(coded(
            "sign in first (the login mutation gives a token)",
            "UNAUTHENTICATED",
        ));
    };
    let outcome = request
        .session
        .0
        .get_or_init(|| sign_in(state, request.token.as_deref(), request.company.as_deref()))
        .await;
    match outcome {
        Ok(actor) => {
            let mut actor = actor.clone();
            // a mutation earlier in the same request may have changed the configuration.
            let latest = state.config.cached().await;
            if latest.version > actor.config.version {
                actor.config = latest;
            }
            request.saw_configuration(actor.config.version);
            Ok(actor)
        }
        Err(AuthFailure::NotSignedIn) => Err(coded(
            "sign in first: send `Authorization: Bearer <token>` with a token from the login mutation (the token may have expired, or the user been deactivated)",
            "UNAUTHENTICATED",
        )),
        Err(AuthFailure::NotYourCompany(company)) => Err(coded(
            format!("company '{company}' (the X-Company header) is not one of the companies you work in"),
            "FORBIDDEN",
        )),
        Err(AuthFailure::Internal(error)) => Err(internal(ctx, error)),
    }
}

/// A policy refusal as the GraphQL error a client reads, with its code.
pub fn denied(denied: Denied) -> async_graphql::Error {
    let code = match denied {
        Denied::Forbidden { .. } | Denied::AdminOnly { .. } => "FORBIDDEN",
        Denied::ModuleNotInstalled(_) => "MODULE_NOT_INSTALLED",
    };
    coded(denied.to_string(), code)
}

/// The signed-in user, if they have `right` on `model`; a `FORBIDDEN` error otherwise.
pub async fn require(
    ctx: &Context<'_>,
    model: Model,
    right: Right,
) -> async_graphql::Result<Actor> {
    let actor = actor(ctx).await?;
    actor.require(model, right).map_err(denied)?;
    Ok(actor)
}

/// An error unless `module` is installed: what a client gets from an operation of a module
/// the database does not have.
pub fn require_module(actor: &Actor, module: &str) -> async_graphql::Result<()> {
    actor.require_module(module).map_err(denied)
}
