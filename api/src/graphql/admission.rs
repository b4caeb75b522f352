//! What a document must be to be run, checked by a schema extension on every document (and its
//! variables) before it is validated or run, for every field and argument in one place:
//!
//! - **Text PostgreSQL can take.** A string with a NUL byte (0x00) cannot be stored or searched;
//!   an argument holding one (in a literal, or in the variable it names, at any depth of an
//!   input object or list) is refused with `BAD_USER_INPUT`, naming the field and the argument.
//! - **Depth.** Fields within fields, counted through fragments.
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
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Pos, ServerError, ServerResult, Variables};
use async_graphql_value::Value;

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

/// Refuses documents nested deeper than `depth` fields (introspection counted apart), and
/// arguments holding text PostgreSQL cannot take.
pub struct Admission {
    pub depth: usize,
}

impl ExtensionFactory for Admission {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checks { depth: self.depth })
    }
}

struct Checks {
    depth: usize,
}

#[async_trait::async_trait]
impl Extension for Checks {
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
            variables,
            limit: self.depth,
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
    variables: &'a Variables,
    limit: usize,
    /// The fragments being spread on the way here: a fragment spread within itself is passed
    /// over (validation refuses it afterwards).
    spread: HashSet<&'a str>,
    visits: usize,
}

impl<'a> Walk<'a> {
    /// Refuses `field` if one of its arguments holds text PostgreSQL cannot take.
    fn arguments(&self, field: &Field, pos: Pos) -> ServerResult<()> {
        for (argument, value) in &field.arguments {
            let mut path = argument.node.to_string();
            if self.holds_nul(&value.node, &mut path) {
                let mut code = ErrorExtensionValues::default();
                code.set("code", "BAD_USER_INPUT");
                code.set("argument", path.clone());
                let mut error = ServerError::new(
                    format!(
                        "argument `{path}` of `{}` holds a NUL byte (\\u0000), which text cannot hold: remove it",
                        field.name.node
                    ),
                    Some(pos),
                );
                error.extensions = Some(code);
                return Err(error);
            }
        }
        Ok(())
    }

    /// Whether `value` (with the variables it names) holds a string with a NUL byte; `path`
    /// grows to where (`input.lines.0.description`).
    fn holds_nul(&self, value: &Value, path: &mut String) -> bool {
        match value {
            Value::String(text) => text.contains('\0'),
            Value::Variable(name) => self
                .variables
                .get(name)
                .is_some_and(|value| self.holds_nul(&value.clone().into_value(), path)),
            Value::List(items) => items
                .iter()
                .enumerate()
                .any(|(n, item)| within(path, n, |path| self.holds_nul(item, path))),
            Value::Object(fields) => fields
                .iter()
                .any(|(name, item)| within(path, name, |path| self.holds_nul(item, path))),
            _ => false,
        }
    }

    fn set(&mut self, set: &'a SelectionSet, at: Depth) -> ServerResult<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    self.visits += 1;
                    if self.visits > VISITS {
                        return Err(ServerError::new("Query is too large", None));
                    }
                    let name = field.node.name.node.as_str();
                    self.arguments(&field.node, field.pos)?;
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

/// `check` with `.step` added to `path`, which keeps it if `check` holds.
fn within(
    path: &mut String,
    step: impl std::fmt::Display,
    check: impl FnOnce(&mut String) -> bool,
) -> bool {
    let length = path.len();
    path.push('.');
    path.push_str(&step.to_string());
    if check(path) {
        return true;
    }
    path.truncate(length);
    false
}
