//! Writes every mutation of the database manager to its trail ([`crate::manager::trail`]):
//! what was asked, with which arguments (passwords left out), by whom, and how it ended.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{Response, ServerResult, Variables};

use super::observe::{outcome, Operations};
use super::RequestContext;
use crate::manager::trail::{self, Entry, SECRET};

/// The longest argument text written down (a data module's content is cut there).
const LONGEST: usize = 200;

/// Keeps the trail of the manager in `data_dir`.
pub struct Trail {
    pub data_dir: PathBuf,
}

impl ExtensionFactory for Trail {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Trailing {
            data_dir: self.data_dir.clone(),
            operations: Operations::default(),
            who: Mutex::new(by(&RequestContext::anonymous())),
        })
    }
}

/// The root fields of a mutation: response key, field name, arguments.
type Fields = Vec<(String, String, serde_json::Map<String, serde_json::Value>)>;

struct Trailing {
    data_dir: PathBuf,
    operations: Operations<Fields>,
    /// Who sent the request (known once the request's data is, at parsing).
    who: Mutex<String>,
}

/// The operations of `document`, each with its root fields and their arguments as the request
/// gave them when it is a mutation (none otherwise).
fn mutations(
    document: &ExecutableDocument,
    variables: &Variables,
) -> Vec<(Option<String>, Fields)> {
    document
        .operations
        .iter()
        .map(|(name, operation)| {
            if operation.node.ty != OperationType::Mutation {
                // a query changes nothing: nothing to write down.
                return (name.map(|n| n.to_string()), vec![]);
            }
            let fields = operation
                .node
                .selection_set
                .node
                .items
                .iter()
                .filter_map(|item| match &item.node {
                    Selection::Field(field) => Some(field),
                    _ => None,
                })
                .map(|field| {
                    let arguments = field
                        .node
                        .arguments
                        .iter()
                        .filter(|(name, _)| !SECRET.contains(&name.node.as_str()))
                        .map(|(name, value)| {
                            let value = value
                                .node
                                .clone()
                                .into_const_with(|v| variables.get(&v).cloned().ok_or(()))
                                .ok()
                                .and_then(|v| v.into_json().ok())
                                .map(shortened)
                                .unwrap_or(serde_json::Value::Null);
                            (name.node.to_string(), value)
                        })
                        .collect();
                    (
                        field.node.response_key().node.to_string(),
                        field.node.name.node.to_string(),
                        arguments,
                    )
                })
                .collect();
            (name.map(|n| n.to_string()), fields)
        })
        .collect()
}

/// `value` with its long texts cut short.
fn shortened(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(text) if text.chars().count() > LONGEST => {
            let cut: String = text.chars().take(LONGEST).collect();
            serde_json::Value::String(format!("{cut}… ({} characters)", text.chars().count()))
        }
        other => other,
    }
}

/// Who sent the request: its address and its program.
pub fn by(request: &RequestContext) -> String {
    let address = request.peer.as_deref().unwrap_or("an unknown address");
    match &request.client {
        Some(client) => format!("{address} ({client})"),
        None => address.to_owned(),
    }
}

#[async_trait::async_trait]
impl Extension for Trailing {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let fields = self.operations.ran().unwrap_or_default();
        let who = self.who.lock().map(|w| w.clone()).unwrap_or_default();
        for (key, name, arguments) in &fields {
            let entry = Entry {
                at: chrono::Utc::now(),
                operation: name.clone(),
                arguments: arguments.clone(),
                by: who.clone(),
                outcome: outcome(&response, key),
            };
            if let Err(error) = trail::record(&self.data_dir, &entry) {
                tracing::error!(%error, operation = %name, "cannot write the manager's trail");
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        self.operations.keep(mutations(&document, variables));
        if let (Some(request), Ok(mut who)) = (ctx.data_opt::<RequestContext>(), self.who.lock()) {
            *who = by(request);
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.operations.choose(operation_name);
        next.run(ctx, operation_name).await
    }
}
