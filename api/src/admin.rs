//! The command line's way in: GraphQL operations run in-process as the administrator, so
//! `erp stage ...` goes through exactly the checks and commands a client's request does.

use async_graphql::{Request, Variables};
use serde_json::Value;

use crate::auth::{close_session, open_session, user_id};
use crate::bootstrap::ADMIN_LOGIN;
use crate::graphql::RequestContext;
use crate::Backend;

/// Runs `query` as `admin` and returns its `data`; top-level errors become the error.
pub async fn execute(backend: &Backend, query: &str, variables: Value) -> anyhow::Result<Value> {
    let pool = &backend.state.pool;
    let (token, _) = open_session(pool, user_id(ADMIN_LOGIN)).await?;
    let context = RequestContext::new(
        Some(token.clone()),
        None,
        Some(concat!("erp-cli/", env!("CARGO_PKG_VERSION")).to_owned()),
    );
    let request = Request::new(query)
        .variables(Variables::from_json(variables))
        .data(context);
    let response = backend.schema().execute(request).await;
    close_session(pool, &token).await?;
    if !response.errors.is_empty() {
        let messages: Vec<String> = response.errors.iter().map(|e| e.message.clone()).collect();
        anyhow::bail!("{}", messages.join("; "));
    }
    Ok(response.data.into_json()?)
}
