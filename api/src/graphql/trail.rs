//! Writes every mutation of the database manager to its trail ([`crate::manager::trail`]):
//! what was asked, with which arguments (passwords left out), by whom, and how it ended.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{Extension, ExtensionFactory};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Response, Variables};

use super::observe::{outcome, root_fields, Parsed, Watch, Watching};
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
        Watching::extension(Trailing {
            data_dir: self.data_dir.clone(),
            who: Mutex::new(by(&RequestContext::anonymous())),
        })
    }
}

/// The root fields of a mutation: response key, field name, arguments.
type Fields = Vec<(String, String, serde_json::Map<String, serde_json::Value>)>;

struct Trailing {
    data_dir: PathBuf,
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
            let fields = root_fields(&operation.node)
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

impl Watch for Trailing {
    type Made = Fields;

    fn parsed(&self, parsed: Parsed<'_>) -> Vec<(Option<String>, Fields)> {
        let request = parsed.ctx.data_opt::<RequestContext>();
        if let (Some(request), Ok(mut who)) = (request, self.who.lock()) {
            *who = by(request);
        }
        mutations(parsed.document, parsed.variables)
    }

    fn answered(&self, response: &Response, ran: Option<Fields>, _: Duration) {
        let fields = ran.unwrap_or_default();
        let who = self.who.lock().map(|w| w.clone()).unwrap_or_default();
        for (key, name, arguments) in &fields {
            let entry = Entry {
                at: chrono::Utc::now(),
                operation: name.clone(),
                arguments: arguments.clone(),
                by: who.clone(),
                outcome: outcome(response, key),
            };
            if let Err(error) = trail::record(&self.data_dir, &entry) {
                tracing::error!(%error, operation = %name, "cannot write the manager's trail");
            }
        }
    }
}
