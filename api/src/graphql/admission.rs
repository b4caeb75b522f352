//! What a document must be to be run, checked by a schema extension on every document (and its
//! variables) before it is validated or run, for every field and argument in one place:
//!
//! - **Text PostgreSQL can take.** A string with a NUL byte (0x00) cannot be stored or searched;
//!   an argument holding one (in a literal, or in the variable it names, at any depth of an
//!   input object or list) is refused with `BAD_USER_INPUT`, naming the field and the argument.
//! - **Figures and dates that parse.** A decimal, date or time that does not read as one is
//!   refused the same way, with the path to it (`input.lines.0.quantity`): the scalar's own
//!   parser, run where the schema says the value goes. A decimal sent as a JSON number must
//!   read as the figure sent (the scalar reads numbers through a float: `0.30000000000000004`
//!   would become `0.3`), and a date is of the years 1 to 9999. (Left to the executor, the error would
//!   name only the input type.) Other values of the wrong type are refused by validation, whose
//!   errors get the same code and path here.
//! - **Depth.** Fields within fields, counted through fragments.
//!
//! - **Who may introspect.** A server started with `--anonymous-introspection false` answers
//!   introspection (`__schema`, `__type`) to signed-in users only ([`Introspection`]).
//!
//! The schema's introspection (under `__schema` and `__type`) is counted apart. The standard
//! introspection query that graphql-js, GraphiQL, `gql` and schemathesis send nests type
//! references seven levels deep, and must pass on every endpoint. What makes an introspection
//! answer grow is its fan-out (the types of the fields of the types of ...), so that is what is
//! bounded there: three lists deep (types, their fields, their arguments), as the standard query
//! goes.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaField, MetaType, MetaTypeName, Registry};
use async_graphql::{
    ErrorExtensionValues, InputType, Pos, Response, ScalarType, ServerError, ServerResult,
    ValidationResult, Variables,
};
use async_graphql_value::{ConstValue, Value};

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

/// Who may read the schema by introspection: anyone (the default: every standard tool starts
/// with it), or signed-in users only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Introspection {
    #[default]
    Anyone,
    SignedIn,
}

/// Refuses documents nested deeper than `depth` fields (introspection counted apart), arguments
/// holding text PostgreSQL cannot take or figures that do not parse, and introspection by
/// callers `introspection` does not let in.
pub struct Admission {
    pub depth: usize,
    pub introspection: Introspection,
}

impl ExtensionFactory for Admission {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checks {
            depth: self.depth,
            introspection: self.introspection,
        })
    }
}

struct Checks {
    depth: usize,
    introspection: Introspection,
}

/// Whether the request (if it came with one) carries the token of an active user.
async fn signed_in(ctx: &ExtensionContext<'_>) -> bool {
    let (Some(state), Some(request)) = (
        ctx.data_opt::<commands::AppState>(),
        ctx.data_opt::<super::RequestContext>(),
    ) else {
        return false;
    };
    request
        .session
        .0
        .get_or_init(|| {
            commands::auth::sign_in(state, request.token.as_deref(), request.company.as_deref())
        })
        .await
        .is_ok()
}

#[async_trait::async_trait]
impl Extension for Checks {
    /// Every error answered has a code: one the resolver gave (`FORBIDDEN`, `INTERNAL`, ...),
    /// else `BAD_USER_INPUT`: what is left is the client's (a document that does not parse, a
    /// cursor or an id that is not one, a point of the log that is not one).
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let coded = error
                .extensions
                .as_ref()
                .is_some_and(|e| e.get("code").is_some());
            if !coded {
                error
                    .extensions
                    .get_or_insert_with(ErrorExtensionValues::default)
                    .set("code", "BAD_USER_INPUT");
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
        let registry = &ctx.schema_env.registry;
        let mut walk = Walk {
            document: &document,
            registry,
            variables,
            limit: self.depth,
            spread: HashSet::new(),
            visits: 0,
            introspects: false,
        };
        for (_, operation) in document.operations.iter() {
            let root = match operation.node.ty {
                OperationType::Query => Some(registry.query_type.as_str()),
                OperationType::Mutation => registry.mutation_type.as_deref(),
                OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            walk.set(
                &operation.node.selection_set.node,
                Depth::default(),
                root.unwrap_or_default(),
            )?;
        }
        if walk.introspects
            && self.introspection == Introspection::SignedIn
            && !signed_in(ctx).await
        {
            let mut error = ServerError::new(
                "this server shows its schema to signed-in users only: sign in first (the login mutation gives a token)",
                None,
            );
            let mut code = ErrorExtensionValues::default();
            code.set("code", "UNAUTHENTICATED");
            error.extensions = Some(code);
            return Err(error);
        }
        Ok(document)
    }

    /// Validation's refusals of an argument's value get the code and path a client can act on.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut error| {
                    let argument = error
                        .message
                        .strip_prefix("Invalid value for argument \"")
                        .and_then(|rest| rest.split_once('"'))
                        .map(|(path, _)| path.to_owned());
                    if let Some(argument) = argument {
                        error.extensions = Some(bad_input(&argument));
                    }
                    error
                })
                .collect()
        })
    }
}

/// `BAD_USER_INPUT`, about argument `path`.
fn bad_input(path: &str) -> ErrorExtensionValues {
    let mut code = ErrorExtensionValues::default();
    code.set("code", "BAD_USER_INPUT");
    code.set("argument", path);
    code
}

/// A scalar whose values only its parser can tell apart from strings: its name, whether a value
/// parses, and what one looks like.
struct Parsed {
    name: std::borrow::Cow<'static, str>,
    parses: fn(ConstValue) -> bool,
    example: &'static str,
}

/// A decimal as its text says: a JSON number goes through a float in the scalar's parser, so
/// `0.30000000000000004` or `12345678901234567` would be taken as another figure than the one
/// sent. Those are refused (strings are read exactly).
fn exact_decimal(value: ConstValue) -> bool {
    use std::str::FromStr;
    let sent = match &value {
        ConstValue::Number(n) => {
            let text = n.to_string();
            rust_decimal::Decimal::from_str(&text)
                .or_else(|_| rust_decimal::Decimal::from_scientific(&text))
                .ok()
        }
        _ => None,
    };
    match (<rust_decimal::Decimal as ScalarType>::parse(value), sent) {
        (Ok(read), Some(sent)) => read == sent,
        (read, _) => read.is_ok(),
    }
}

/// A date of the years 1 to 9999: what PostgreSQL and every report can hold (chrono reads
/// `-5000-01-01` and `+10000-01-01` too).
fn a_date(value: ConstValue) -> bool {
    use chrono::Datelike;
    <chrono::NaiveDate as ScalarType>::parse(value).is_ok_and(|d| (1..=9999).contains(&d.year()))
}

/// A time of the years 1 to 9999, as [`a_date`].
fn a_time(value: ConstValue) -> bool {
    use chrono::Datelike;
    <chrono::DateTime<chrono::Utc> as ScalarType>::parse(value)
        .is_ok_and(|t| (1..=9999).contains(&t.year()))
}

fn parsed_scalars() -> [Parsed; 3] {
    [
        Parsed {
            name: rust_decimal::Decimal::type_name(),
            parses: exact_decimal,
            example: "a decimal number, such as \"1250.50\" (a string: a JSON number is read \
                      through a float, and this one would not be read as sent)",
        },
        Parsed {
            name: chrono::NaiveDate::type_name(),
            parses: a_date,
            example: "a date from 0001-01-01 to 9999-12-31, such as \"2026-12-31\"",
        },
        Parsed {
            name: chrono::DateTime::<chrono::Utc>::type_name(),
            parses: a_time,
            example: "a time with its offset, of the years 1 to 9999, such as \
                      \"2026-12-31T23:59:59Z\"",
        },
    ]
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
    registry: &'a Registry,
    variables: &'a Variables,
    limit: usize,
    /// The fragments being spread on the way here: a fragment spread within itself is passed
    /// over (validation refuses it afterwards).
    spread: HashSet<&'a str>,
    visits: usize,
    /// Whether the document reads the schema (`__schema`, `__type`).
    introspects: bool,
}

impl<'a> Walk<'a> {
    /// Refuses `field` (`meta` in the schema, if known) if one of its arguments holds text
    /// PostgreSQL cannot take, or a figure or date that does not parse.
    fn arguments(&self, field: &Field, pos: Pos, meta: Option<&MetaField>) -> ServerResult<()> {
        let refuse = |path: &str, why: String| {
            let mut error = ServerError::new(
                format!("argument `{path}` of `{}` {why}", field.name.node),
                Some(pos),
            );
            error.extensions = Some(bad_input(path));
            Err(error)
        };
        for (argument, value) in &field.arguments {
            let mut path = argument.node.to_string();
            if self.holds_nul(&value.node, &mut path) {
                return refuse(
                    &path,
                    "holds a NUL byte (\\u0000), which text cannot hold: remove it".into(),
                );
            }
            let declared = meta.and_then(|meta| meta.args.get(argument.node.as_str()));
            if let Some(declared) = declared {
                let mut path = argument.node.to_string();
                if let Some(scalar) = self.malformed(&declared.ty, &value.node, &mut path) {
                    return refuse(
                        &path,
                        format!("is not a {}: give {}", scalar.name, scalar.example),
                    );
                }
            }
        }
        Ok(())
    }

    /// The scalar `value` (of type `ty`, with the variables it names) holds a malformed value
    /// of, if any; `path` grows to where.
    fn malformed(&self, ty: &str, value: &Value, path: &mut String) -> Option<Parsed> {
        if let Value::Variable(name) = value {
            let value = self.variables.get(name)?.clone().into_value();
            return self.malformed(ty, &value, path);
        }
        match (MetaTypeName::create(ty), value) {
            (_, Value::Null) => None,
            (MetaTypeName::NonNull(inner), _) => self.malformed(inner, value, path),
            (MetaTypeName::List(inner), Value::List(items)) => items
                .iter()
                .enumerate()
                .find_map(|(n, item)| within(path, n, |path| self.malformed(inner, item, path))),
            (MetaTypeName::List(inner), _) => self.malformed(inner, value, path),
            (MetaTypeName::Named(name), _) => match (self.registry.types.get(name)?, value) {
                (MetaType::InputObject { input_fields, .. }, Value::Object(fields)) => {
                    fields.iter().find_map(|(field, item)| {
                        let declared = input_fields.get(field.as_str())?;
                        within(path, field, |path| self.malformed(&declared.ty, item, path))
                    })
                }
                (MetaType::Scalar { .. }, _) => {
                    let scalar = parsed_scalars().into_iter().find(|s| s.name == name)?;
                    let value = value.clone().into_const()?;
                    (!(scalar.parses)(value)).then_some(scalar)
                }
                _ => None,
            },
        }
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
            Value::List(items) => items.iter().enumerate().any(|(n, item)| {
                within(path, n, |path| self.holds_nul(item, path).then_some(())).is_some()
            }),
            Value::Object(fields) => fields.iter().any(|(name, item)| {
                within(path, name, |path| self.holds_nul(item, path).then_some(())).is_some()
            }),
            _ => false,
        }
    }

    /// Checks the fields of `set`, selected on type `parent` ("" when it is not known).
    fn set(&mut self, set: &'a SelectionSet, at: Depth, parent: &'a str) -> ServerResult<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    self.visits += 1;
                    if self.visits > VISITS {
                        return Err(ServerError::new("Query is too large", None));
                    }
                    let name = field.node.name.node.as_str();
                    let meta = self
                        .registry
                        .types
                        .get(parent)
                        .and_then(|parent| parent.field_by_name(name));
                    self.arguments(&field.node, field.pos, meta)?;
                    let inner = match at.introspection {
                        None if name == "__schema" || name == "__type" => {
                            self.introspects = true;
                            Depth {
                                fields: at.fields,
                                introspection: Some((1, 0)),
                            }
                        }
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
                    let inner_type =
                        meta.map_or("", |meta| MetaTypeName::concrete_typename(&meta.ty));
                    self.set(&field.node.selection_set.node, inner, inner_type)?;
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref();
                    let on = on.map_or(parent, |on| on.node.on.node.as_str());
                    self.set(&fragment.node.selection_set.node, at, on)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue; // validation says it is unknown
                    };
                    if !self.spread.insert(name) {
                        continue;
                    }
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    let inner = self.set(&fragment.node.selection_set.node, at, on);
                    self.spread.remove(name);
                    inner?;
                }
            }
        }
        Ok(())
    }
}

/// `check` with `.step` added to `path`, which keeps it if `check` finds something.
fn within<T>(
    path: &mut String,
    step: impl std::fmt::Display,
    check: impl FnOnce(&mut String) -> Option<T>,
) -> Option<T> {
    let length = path.len();
    path.push('.');
    path.push_str(&step.to_string());
    let found = check(path);
    if found.is_none() {
        path.truncate(length);
    }
    found
}
