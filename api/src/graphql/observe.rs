//! Counts every GraphQL request and its time by operation, and every mutation by outcome, into
//! [`crate::metrics::METRICS`]. An operation is named by its type and first root field
//! (`mutation createPartner`): names the schema bounds, whatever a client calls its operations.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Name, Positioned, Response, ServerResult, Value, Variables};

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

/// What an extension that watches every request does: it makes something of each operation of
/// the request's document, at parsing; once the request is answered, it is given what it made
/// of the operation that ran.
pub(super) trait Watch: Send + Sync + 'static {
    /// What it makes of an operation.
    type Made: Send + 'static;

    /// What it makes of each operation of the document parsed, by operation name.
    fn parsed(&self, parsed: Parsed<'_>) -> Vec<(Option<String>, Self::Made)>;

    /// The request was answered `response` after `took`, having run the operation it made
    /// `ran` of (none if it did not get that far).
    fn answered(&self, response: &Response, ran: Option<Self::Made>, took: Duration);
}

/// A request's document, just parsed.
pub(super) struct Parsed<'a> {
    pub ctx: &'a ExtensionContext<'a>,
    pub document: &'a ExecutableDocument,
    pub variables: &'a Variables,
}

/// The extension of a request that `watch` watches.
pub(super) struct Watching<W: Watch> {
    watch: W,
    operations: Operations<W::Made>,
}

impl<W: Watch> Watching<W> {
    /// The extension, for the factory to hand out.
    pub(super) fn extension(watch: W) -> Arc<dyn Extension> {
        Arc::new(Self {
            watch,
            operations: Operations::default(),
        })
    }
}

#[async_trait::async_trait]
impl<W: Watch> Extension for Watching<W> {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let took = started.elapsed();
        self.watch.answered(&response, self.operations.ran(), took);
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
        let parsed = Parsed {
            ctx,
            document: &document,
            variables,
        };
        self.operations.keep(self.watch.parsed(parsed));
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

/// The fields at the root of `operation` (those of fragments left out).
pub(super) fn root_fields(
    operation: &OperationDefinition,
) -> impl Iterator<Item = &Positioned<Field>> {
    let items = operation.selection_set.node.items.iter();
    items.filter_map(|item| match &item.node {
        Selection::Field(field) => Some(field),
        _ => None,
    })
}

/// Observes the requests of database `database`.
pub struct Observe {
    pub database: String,
}

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Watching::extension(Observed {
            database: self.database.clone(),
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
            let fields: Vec<(String, String)> = root_fields(&operation.node)
                .map(|field| {
                    (
                        field.node.response_key().node.to_string(),
                        field.node.name.node.to_string(),
                    )
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

impl Watch for Observed {
    type Made = Operation;

    fn parsed(&self, parsed: Parsed<'_>) -> Vec<(Option<String>, Operation)> {
        operations(parsed.document)
    }

    fn answered(&self, response: &Response, ran: Option<Operation>, took: Duration) {
        let seconds = took.as_secs_f64();
        let operation = ran.as_ref();
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
                    ("outcome", outcome(response, key)),
                ],
            );
        }
    }
}
