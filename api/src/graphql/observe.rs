//! Counts every GraphQL request and its time by operation, and every mutation by outcome, into
//! [`crate::metrics::METRICS`]. An operation is named by its type and first root field
//! (`mutation createPartner`): names the schema bounds, whatever a client calls its operations.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{Name, Response, ServerResult, Value, Variables};

use crate::metrics::{Labels, COMMANDS, LATENCY, METRICS, REQUESTS};

/// What an extension made of each operation of a request's document, by operation name, and
/// which operation the request runs (a document may hold several; the request names one).
pub(super) struct Operations<T> {
    parsed: Mutex<Vec<(Option<String>, T)>>,
    chosen: Mutex<Option<String>>,
}

impl<T> Default for Operations<T> {
    fn default() -> Self {
        Self {
            parsed: Mutex::new(vec![]),
            chosen: Mutex::new(None),
        }
    }
}

impl<T> Operations<T> {
    /// Keeps what was made of the document's operations (at parsing).
    pub(super) fn keep(&self, parsed: Vec<(Option<String>, T)>) {
        if let Ok(mut kept) = self.parsed.lock() {
            *kept = parsed;
        }
    }

    /// Notes the operation the request runs (at execution).
    pub(super) fn choose(&self, name: Option<&str>) {
        if let Ok(mut chosen) = self.chosen.lock() {
            *chosen = name.map(str::to_owned);
        }
    }

    /// What was made of the operation the request ran, if it got that far.
    pub(super) fn ran(&self) -> Option<T> {
        let parsed = std::mem::take(&mut *self.parsed.lock().unwrap_or_else(|e| e.into_inner()));
        let chosen = self.chosen.lock().map(|c| c.clone()).unwrap_or_default();
        if parsed.len() == 1 {
            return parsed.into_iter().next().map(|(_, made)| made);
        }
        parsed
            .into_iter()
            .find(|(name, _)| chosen.is_some() && *name == chosen)
            .map(|(_, made)| made)
    }
}

/// Observes the requests of database `database`.
pub struct Observe {
    pub database: String,
}

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observed {
            database: self.database.clone(),
            operations: Operations::default(),
        })
    }
}

/// One operation of a document: its label, and the response keys and names of its root
/// fields when it is a mutation.
struct Operation {
    label: String,
    mutations: Vec<(String, String)>,
}

struct Observed {
    database: String,
    operations: Operations<Operation>,
}

fn operations(document: &ExecutableDocument) -> Vec<(Option<String>, Operation)> {
    document
        .operations
        .iter()
        .map(|(name, operation)| {
            let ty = match operation.node.ty {
                OperationType::Query => "query",
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
            };
            let fields: Vec<(String, String)> = operation
                .node
                .selection_set
                .node
                .items
                .iter()
                .filter_map(|item| match &item.node {
                    Selection::Field(field) => Some((
                        field.node.response_key().node.to_string(),
                        field.node.name.node.to_string(),
                    )),
                    _ => None,
                })
                .collect();
            let first = fields.first().map_or("", |(_, name)| name.as_str());
            let made = Operation {
                label: format!("{ty} {first}").trim_end().to_owned(),
                mutations: match operation.node.ty {
                    OperationType::Mutation => fields,
                    _ => vec![],
                },
            };
            (name.map(|n| n.to_string()), made)
        })
        .collect()
}

/// What became of mutation field `key`: `OK`, the code of its first user error, or the code
/// of the error at its path.
pub(super) fn outcome(response: &Response, key: &str) -> String {
    if let Value::Object(data) = &response.data {
        if let Some(Value::Object(payload)) = data.get(&Name::new(key)) {
            if let Some(Value::List(errors)) = payload.get(&Name::new("userErrors")) {
                if let Some(Value::Object(first)) = errors.first() {
                    return match first.get(&Name::new("code")) {
                        Some(Value::Enum(code)) => code.to_string(),
                        Some(Value::String(code)) => code.clone(),
                        _ => "REFUSED".to_owned(),
                    };
                }
            }
        }
    }
    let failed = response.errors.iter().find(|e| {
        e.path.first().is_some_and(
            |segment| matches!(segment, async_graphql::PathSegment::Field(f) if f == key),
        )
    });
    match failed {
        None => "OK".to_owned(),
        Some(error) => error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|code| match code {
                Value::String(code) => code.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "ERROR".to_owned()),
    }
}

#[async_trait::async_trait]
impl Extension for Observed {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let seconds = started.elapsed().as_secs_f64();
        let operation = self.operations.ran();
        let operation = operation.as_ref();
        let label = operation.map_or("invalid", |o| o.label.as_str());
        let labels = || -> Labels {
            vec![
                ("database", self.database.clone()),
                ("operation", label.to_owned()),
            ]
        };
        METRICS.count(REQUESTS, labels());
        METRICS.observe(LATENCY, labels(), seconds);
        for (key, mutation) in operation
            .map(|o| o.mutations.as_slice())
            .unwrap_or_default()
        {
            METRICS.count(
                COMMANDS,
                vec![
                    ("database", self.database.clone()),
                    ("mutation", mutation.clone()),
                    ("outcome", outcome(&response, key)),
                ],
            );
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
        self.operations.keep(operations(&document));
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
