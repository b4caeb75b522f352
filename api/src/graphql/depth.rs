//! How deep a query may nest: fields within fields, counted through fragments, as a schema
//! extension that looks at each document before it is validated or run.
//!
//! The schema's introspection (under `__schema` and `__type`) is counted apart. The standard
//! introspection query that graphql-js, GraphiQL, `gql` and schemathesis send nests type
//! references seven levels deep, and must pass on every endpoint. What makes an introspection
//! answer grow is its fan-out (the types of the fields of the types of ...), so that is what is
//! bounded there: three lists deep (types, their fields, their arguments), as the standard query
//! goes.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// How deep introspection may nest at all (the standard query: 13).
const INTROSPECTION_DEPTH: usize = 24;
/// How many lists within lists introspection may ask for.
const INTROSPECTION_FAN_OUT: usize = 3;
/// The introspection fields that answer with a list.
const FAN_OUT: [&str; 8] = [
    "types",
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "args",
    "directives",
];
/// How many fields (through every fragment spread) a document may hold before its depth is
/// not worth counting: a document of fragments spread within fragments is refused as too large.
const VISITS: usize = 100_000;

/// Refuses documents nested deeper than `fields` (introspection counted apart).
pub struct DepthLimit {
    pub fields: usize,
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Limit {
            fields: self.fields,
        })
    }
}

struct Limit {
    fields: usize,
}

#[async_trait::async_trait]
impl Extension for Limit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut walk = Walk {
            document: &document,
            limit: self.fields,
            spread: HashSet::new(),
            visits: 0,
        };
        for (_, operation) in document.operations.iter() {
            walk.set(&operation.node.selection_set.node, Depth::default())?;
        }
        Ok(document)
    }
}

/// Where a field stands: how many fields are around it, and in introspection, how deep and how
/// many lists within lists.
#[derive(Debug, Clone, Copy, Default)]
struct Depth {
    fields: usize,
    introspection: Option<(usize, usize)>,
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    limit: usize,
    /// The fragments being spread on the way here: a fragment spread within itself is passed
    /// over (validation refuses it afterwards).
    spread: HashSet<&'a str>,
    visits: usize,
}

impl<'a> Walk<'a> {
    fn set(&mut self, set: &'a SelectionSet, at: Depth) -> ServerResult<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    self.visits += 1;
                    if self.visits > VISITS {
                        return Err(ServerError::new("Query is too large", None));
                    }
                    let name = field.node.name.node.as_str();
                    let inner = match at.introspection {
                        None if name == "__schema" || name == "__type" => Depth {
                            fields: at.fields,
                            introspection: Some((1, 0)),
                        },
                        None => Depth {
                            fields: at.fields + 1,
                            introspection: None,
                        },
                        Some((depth, fan_out)) => Depth {
                            fields: at.fields,
                            introspection: Some((
                                depth + 1,
                                fan_out + usize::from(FAN_OUT.contains(&name)),
                            )),
                        },
                    };
                    let too_deep = inner.fields > self.limit
                        || inner.introspection.is_some_and(|(depth, fan_out)| {
                            depth > INTROSPECTION_DEPTH || fan_out > INTROSPECTION_FAN_OUT
                        });
                    if too_deep {
                        return Err(ServerError::new(
                            "Query is nested too deep",
                            Some(field.pos),
                        ));
                    }
                    self.set(&field.node.selection_set.node, inner)?;
                }
                Selection::InlineFragment(fragment) => {
                    self.set(&fragment.node.selection_set.node, at)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue; // validation says it is unknown
                    };
                    if !self.spread.insert(name) {
                        continue;
                    }
                    let inner = self.set(&fragment.node.selection_set.node, at);
                    self.spread.remove(name);
                    inner?;
                }
            }
        }
        Ok(())
    }
}
