//! Over 600 lines: every route of the server, with the GraphQL-over-HTTP rules they share.
//!
//! The HTTP face of the server: GraphQL over HTTP (the GraphQL Foundation's specification) at
//! `/graphql`, and GraphiQL there for a browser (its files under `/assets/`).
//!
//! - POST with `Content-Type: application/json` runs any operation; GET runs queries only
//!   (a mutation over GET gets 405).
//! - The response is `application/graphql-response+json` when the client accepts it, with 400
//!   for a document that does not parse or validate; `application/json` otherwise, always 200
//!   for a well-formed request.
//! - A malformed request (bad JSON, no query, variables that are not an object, a media type we
//!   do not speak) gets a clear 4xx and runs nothing.

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Executor, Response as GqlResponse, Variables};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{
    ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, USER_AGENT,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use uuid::Uuid;

use crate::assets;
use crate::graphql::{AppSchema, RequestContext};
use crate::manager::{ManagerError, Server};

/// The path GraphQL is served at.
pub const GRAPHQL_PATH: &str = "/graphql";
/// The path of GraphQL subscriptions, over WebSocket (`graphql-transport-ws` or `graphql-ws`).
/// The token goes in the `connection_init` payload as `{"authorization": "Bearer <token>"}`
/// (or in the upgrade request's Authorization header).
pub const SUBSCRIPTIONS_PATH: &str = "/graphql/ws";
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The largest request body accepted (a GraphQL document and its variables).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// How long a request may run before it is stopped with a 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The path of the database manager's GraphQL.
pub const MANAGER_PATH: &str = "/manager/graphql";

/// The schema in SDL, served under each GraphQL endpoint at `<endpoint>/schema.graphql`.
pub const SDL_PATH: &str = "/graphql/schema.graphql";

/// The SDL of the databases' schema, made once.
static SDL: std::sync::LazyLock<String> = std::sync::LazyLock::new(crate::graphql::sdl);
/// The SDL of the manager's schema, made once.
static MANAGER_SDL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(crate::graphql::manager::manager_sdl);

/// `sdl` as a plain-text answer.
fn sdl_response(sdl: &'static str) -> Response {
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], sdl).into_response()
}

/// A database's SDL, to those its schema lets introspect (asked of the schema itself, so the
/// SDL and introspection follow one rule); 401 to others.
async fn database_sdl(schema: &AppSchema, headers: &HeaderMap) -> Response {
    let probe = async_graphql::Request::new("{ __schema { queryType { name } } }")
        .data(request_context(headers));
    let answer = schema.execute(probe).await;
    let Some(error) = answer.errors.first() else {
        return sdl_response(&SDL);
    };
    let unauthenticated = error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .is_some_and(|code| *code == async_graphql::Value::from("UNAUTHENTICATED"));
    if !unauthenticated {
        return reject(
            StatusCode::INTERNAL_SERVER_ERROR,
            MediaType::Json,
            &error.message,
        );
    }
    let mut response = reject(StatusCode::UNAUTHORIZED, MediaType::Json, &error.message);
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer"),
    );
    response
}

/// The whole HTTP application for one schema.
pub fn app(schema: AppSchema) -> Router {
    Router::new()
        .route(
            SDL_PATH,
            get(
                |State(schema): State<AppSchema>, headers: HeaderMap| async move {
                    database_sdl(&schema, &headers).await
                },
            ),
        )
        .route(
            GRAPHQL_PATH,
            get(
                |State(schema): State<AppSchema>, headers, params| async move {
                    graphql_get(&schema, GRAPHQL_PATH, headers, params).await
                },
            )
            .post(
                |State(schema): State<AppSchema>, headers, body| async move {
                    graphql_post(&schema, headers, body).await
                },
            ),
        )
        .route(
            SUBSCRIPTIONS_PATH,
            get(
                |State(schema): State<AppSchema>, protocol, headers, upgrade| async move {
                    subscriptions(schema, protocol, headers, upgrade).await
                },
            ),
        )
        .route("/", get(assets::client_page))
        .route(assets::ASSETS_PATH, get(assets::asset))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(coded_refusals))
        .layer(axum::middleware::from_fn(peer))
        .layer(axum::middleware::from_fn(assets::security_headers))
        .layer(axum::middleware::from_fn(survive_panics))
        .with_state(schema)
}

/// A request whose handling panicked (a bug: every input a client can send has its own
/// answer) is answered with a GraphQL error and status 500, not a dropped connection. The
/// panic itself is logged.
pub async fn survive_panics(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("a request's handling panicked: answered 500");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({ "errors": [{
                    "message": "internal error: the server failed on this request (a bug, \
                                logged): read the records again before retrying, as a change \
                                may have been made",
                    "extensions": { "code": "INTERNAL" }
                }] })),
            )
                .into_response()
        }
    }
}

/// A request to a GraphQL endpoint refused before GraphQL ran (a body over [`BODY_LIMIT`], JSON
/// that does not parse, no query, the wrong content type or method, no such database) is
/// answered as GraphQL answers every refusal: in JSON, each error with a code (axum's and the
/// GraphQL integration's own answers are plain text, or errors without one).
async fn coded_refusals(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let graphql = ["/graphql", "/graphql/ws", "/ledger.csv"]
        .iter()
        .any(|end| path.ends_with(end));
    let response = next.run(request).await;
    let status = response.status();
    if !graphql || !status.is_client_error() {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        _ => "BAD_REQUEST",
    };
    let (parts, body) = response.into_parts();
    // a refusal's text is short; one that is not is passed on as it is.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (
            status,
            axum::Json(json!({ "errors": [{
            "message": "the request was refused", "extensions": { "code": code } }] })),
        )
            .into_response();
    };
    let mut answer: serde_json::Value = serde_json::from_slice(&bytes)
        .ok()
        .filter(|a: &serde_json::Value| a.get("errors").is_some_and(|e| e.is_array()))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&bytes);
            let message = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    format!("the request body is over {BODY_LIMIT} bytes: send less at a time")
                }
                _ if !text.trim().is_empty() => text.trim().to_owned(),
                StatusCode::METHOD_NOT_ALLOWED => {
                    "this method is not served here: GraphQL takes GET and POST, its \
                     subscriptions a WebSocket, the ledger GET"
                        .to_owned()
                }
                _ => status
                    .canonical_reason()
                    .unwrap_or("refused")
                    .to_lowercase(),
            };
            json!({ "errors": [{ "message": message }] })
        });
    if let Some(errors) = answer.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for error in errors.iter_mut().filter_map(|e| e.as_object_mut()) {
            let extensions = error.entry("extensions").or_insert_with(|| json!({}));
            if let Some(extensions) = extensions.as_object_mut() {
                extensions.entry("code").or_insert_with(|| json!(code));
            }
        }
    }
    let mut response = (status, axum::Json(answer)).into_response();
    // the headers said of the refusal stay (Allow, the GraphQL response type), but its length.
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_LENGTH && name != axum::http::header::CONTENT_TYPE {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if let Some(kind) = parts.headers.get(axum::http::header::CONTENT_TYPE) {
        if kind.to_str().is_ok_and(|k| k.contains("json")) {
            response
                .headers_mut()
                .insert(axum::http::header::CONTENT_TYPE, kind.clone());
        }
    }
    response
}

/// The application of a server of many databases: the default one at `/graphql`, each at
/// `/db/<name>/graphql` (subscriptions at `.../graphql/ws`), the manager at `/manager/graphql`.
pub fn server_app(server: Arc<Server>) -> Router {
    let manager = crate::graphql::manager::manager_schema(server.clone());
    let default = server.default_name().to_owned();
    let default_get = default.clone();
    let default_ws = default.clone();
    let default_sdl = default.clone();
    Router::new()
        .route(
            SDL_PATH,
            get(move |State(server): State<Arc<Server>>, headers: HeaderMap| {
                let name = default_sdl.clone();
                async move {
                    match served(&server, &name).await {
                        Ok(schema) => database_sdl(&schema, &headers).await,
                        Err(response) => response,
                    }
                }
            }),
        )
        .route(
            "/db/{name}/graphql/schema.graphql",
            get(
                |State(server): State<Arc<Server>>,
                 Path(name): Path<String>,
                 headers: HeaderMap| async move {
                    match served(&server, &name).await {
                        Ok(schema) => database_sdl(&schema, &headers).await,
                        Err(response) => response,
                    }
                },
            ),
        )
        .route(
            "/manager/graphql/schema.graphql",
            get(|| async { sdl_response(&MANAGER_SDL) }),
        )
        .route(
            GRAPHQL_PATH,
            get(move |State(server): State<Arc<Server>>, headers, params| {
                let name = default_get.clone();
                async move {
                    match served(&server, &name).await {
                        Ok(schema) => graphql_get(&schema, GRAPHQL_PATH, headers, params).await,
                        Err(response) => response,
                    }
                }
            })
            .post(move |State(server): State<Arc<Server>>, headers, body| {
                let name = default.clone();
                async move {
                    match served(&server, &name).await {
                        Ok(schema) => graphql_post(&schema, headers, body).await,
                        Err(response) => response,
                    }
                }
            }),
        )
        .route(
            SUBSCRIPTIONS_PATH,
            get(move |State(server): State<Arc<Server>>, protocol, headers, upgrade| {
                let name = default_ws.clone();
                async move {
                    match served(&server, &name).await {
                        Ok(schema) => subscriptions(schema, protocol, headers, upgrade).await,
                        Err(response) => response,
                    }
                }
            }),
        )
        .route(
            "/db/{name}/graphql",
            get(
                |State(server): State<Arc<Server>>, Path(name): Path<String>, headers, params| async move {
                    let endpoint = format!("/db/{name}/graphql");
                    match served(&server, &name).await {
                        Ok(schema) => graphql_get(&schema, &endpoint, headers, params).await,
                        Err(response) => response,
                    }
                },
            )
            .post(
                |State(server): State<Arc<Server>>, Path(name): Path<String>, headers, body| async move {
                    match served(&server, &name).await {
                        Ok(schema) => graphql_post(&schema, headers, body).await,
                        Err(response) => response,
                    }
                },
            ),
        )
        .route(
            "/db/{name}/graphql/ws",
            get(
                |State(server): State<Arc<Server>>,
                 Path(name): Path<String>,
                 protocol,
                 headers,
                 upgrade| async move {
                    match served(&server, &name).await {
                        Ok(schema) => subscriptions(schema, protocol, headers, upgrade).await,
                        Err(response) => response,
                    }
                },
            ),
        )
        .route(
            MANAGER_PATH,
            get({
                let manager = manager.clone();
                move |headers, params| async move {
                    graphql_get(&manager, MANAGER_PATH, headers, params).await
                }
            })
            .post(move |headers, body| async move {
                graphql_post(&manager, headers, body).await
            }),
        )
        .route(
            "/ledger.csv",
            get({
                let name = server.default_name().to_owned();
                move |State(server): State<Arc<Server>>,
                      headers,
                      Query(params): Query<Vec<(String, String)>>| async move {
                    ledger_csv(&server, &name, &headers, params).await
                }
            }),
        )
        .route(
            "/db/{name}/ledger.csv",
            get(
                |State(server): State<Arc<Server>>,
                 Path(name): Path<String>,
                 headers,
                 Query(params): Query<Vec<(String, String)>>| async move {
                    ledger_csv(&server, &name, &headers, params).await
                },
            ),
        )
        .route("/", get(assets::client_page))
        .route("/healthz", get(crate::health::healthz))
        .route(
            "/readyz",
            get(|State(server): State<Arc<Server>>| crate::health::readyz(server)),
        )
        .route(
            "/metrics",
            get(|State(server): State<Arc<Server>>| crate::health::metrics(server)),
        )
        .route(assets::ASSETS_PATH, get(assets::asset))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(coded_refusals))
        .layer(axum::middleware::from_fn(peer))
        .layer(axum::middleware::from_fn(assets::security_headers))
        .layer(axum::middleware::from_fn(survive_panics))
        .with_state(server)
}

/// The general ledger of database `name` as CSV, streamed (see [`crate::ledger_export`]).
async fn ledger_csv(
    server: &Server,
    name: &str,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
) -> Response {
    // a parameter given twice says two things: neither is taken.
    let mut params = std::collections::BTreeMap::new();
    for (key, value) in pairs {
        if params.insert(key.clone(), value).is_some() {
            let key: String = key.chars().take(40).collect();
            return reject(
                StatusCode::BAD_REQUEST,
                MediaType::Json,
                &format!("parameter '{key}' is given more than once"),
            );
        }
    }
    let params = &params;
    let backend = match server.backend(name).await {
        Ok(backend) => backend,
        Err(error) => return unserved(error, name),
    };
    let request = request_context(headers);
    let asked = (request.token.as_deref(), request.company.as_deref());
    match crate::ledger_export::stream(&backend.state, asked, params).await {
        Ok(body) => {
            let mut response = Response::new(body);
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"ledger.csv\""),
            );
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err((status, message)) => reject(status, MediaType::Json, &message),
    }
}

/// The schema of database `name`, or the response that says why there is none.
async fn served(server: &Server, name: &str) -> Result<AppSchema, Response> {
    server
        .schema(name)
        .await
        .map_err(|error| unserved(error, name))
}

/// The response that says why database `name` is not served.
fn unserved(error: ManagerError, name: &str) -> Response {
    match error {
        ManagerError::BadName(_) | ManagerError::Unknown(_) => reject(
            StatusCode::NOT_FOUND,
            MediaType::Json,
            &format!(
                "there is no database {} on this server",
                name.chars().take(80).collect::<String>()
            ),
        ),
        error @ ManagerError::Budget { .. } => {
            tracing::warn!(%error, database = name, "cannot serve the database");
            reject(
                StatusCode::SERVICE_UNAVAILABLE,
                MediaType::Json,
                &error.to_string(),
            )
        }
        error => {
            tracing::error!(%error, database = name, "cannot serve the database");
            reject(
                StatusCode::SERVICE_UNAVAILABLE,
                MediaType::Json,
                "the database cannot be served just now; the server log says why",
            )
        }
    }
}

async fn subscriptions(
    schema: AppSchema,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let from_headers = request_context(&headers);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let token = payload
                        .get("authorization")
                        .or_else(|| payload.get("Authorization"))
                        .and_then(Value::as_str)
                        .and_then(bearer)
                        .or(from_headers.token);
                    let mut data = async_graphql::Data::default();
                    // a company given as anything but a string is refused, not ignored.
                    let company = match payload.get("company").or_else(|| payload.get("X-Company"))
                    {
                        Some(Value::String(name)) => asked(name),
                        Some(Value::Null) | None => from_headers.company,
                        Some(other) => asked(&other.to_string()),
                    };
                    let mut context = RequestContext::new(token, None, from_headers.client);
                    context.peer = from_headers.peer;
                    context.company = company;
                    data.insert(context);
                    Ok(data)
                })
                .serve()
        })
}

/// The token of an `Authorization: Bearer <token>` value.
fn bearer(value: &str) -> Option<String> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().chars().take(200).collect())
}

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            MediaType::Json => JSON,
        }
    }

    /// Picks what to answer in from the Accept header: the GraphQL response type when the client
    /// takes it, plain JSON when it takes that (or anything, or says nothing), else none.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(ACCEPT) else {
            return Some(MediaType::Json);
        };
        let accept = accept.to_str().ok()?;
        let mut json = false;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match media.as_str() {
                GRAPHQL_RESPONSE_JSON => return Some(MediaType::GraphqlResponseJson),
                JSON | "application/*" | "*/*" => json = true,
                _ => {}
            }
        }
        json.then_some(MediaType::Json)
    }
}

/// A request the server refuses before running anything.
fn reject(status: StatusCode, media: MediaType, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message }] });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(media.as_str()));
    response
}

fn not_acceptable() -> Response {
    reject(
        StatusCode::NOT_ACCEPTABLE,
        MediaType::Json,
        "this endpoint answers in application/graphql-response+json or application/json; \
         the Accept header allows neither",
    )
}

/// The parameters of a GraphQL request, however they came.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    /// Not used, but when given, an object (GraphQL over HTTP).
    extensions: Option<Value>,
}

/// GET parameters arrive as strings; variables and extensions are JSON inside them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get<E: Executor>(
    schema: &E,
    endpoint: &str,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let params = params.ok().map(|Query(p)| p);
    if wants_html && params.as_ref().is_none_or(|p| p.query.is_none()) {
        return assets::graphiql_page(endpoint).into_response();
    }
    let Some(media) = MediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    let Some(params) = params else {
        return reject(
            StatusCode::BAD_REQUEST,
            media,
            "the query string cannot be read",
        );
    };
    let json_param = |name: &str, raw: Option<String>| -> Result<Option<Value>, String> {
        raw.map(|raw| {
            serde_json::from_str(&raw)
                .map_err(|e| format!("the `{name}` parameter is not JSON: {e}"))
        })
        .transpose()
    };
    let (variables, extensions) = match (
        json_param("variables", params.variables),
        json_param("extensions", params.extensions),
    ) {
        (Ok(variables), Ok(extensions)) => (variables, extensions),
        (Err(message), _) | (_, Err(message)) => {
            return reject(StatusCode::BAD_REQUEST, media, &message)
        }
    };
    let params = Params {
        query: params.query,
        operation_name: params.operation_name,
        variables,
        extensions,
    };
    if let Some(query) = &params.query {
        if is_mutation(query, params.operation_name.as_deref()) {
            let mut response = reject(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                "mutations are sent with POST; GET runs queries only",
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(schema, &headers, media, params).await
}

async fn graphql_post<E: Executor>(schema: &E, headers: HeaderMap, body: Bytes) -> Response {
    let Some(media) = MediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(JSON) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send the request as Content-Type: application/json",
        );
    }
    let params: Params = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => match serde_json::from_value(Value::Object(map)) {
            Ok(params) => params,
            Err(e) => {
                return reject(
                    StatusCode::BAD_REQUEST,
                    media,
                    &format!("the request is not a GraphQL request: {e}"),
                )
            }
        },
        Ok(Value::Array(_)) => {
            return reject(
                StatusCode::BAD_REQUEST,
                media,
                "batched requests are not supported: send one request per POST",
            )
        }
        Ok(_) => {
            return reject(
                StatusCode::BAD_REQUEST,
                media,
                "the request body must be a JSON object",
            )
        }
        Err(e) => {
            return reject(
                StatusCode::BAD_REQUEST,
                media,
                &format!("the request body is not valid JSON: {e}"),
            )
        }
    };
    execute(schema, &headers, media, params).await
}

fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|op| op.node.ty == OperationType::Mutation)
}

async fn execute<E: Executor>(
    schema: &E,
    headers: &HeaderMap,
    media: MediaType,
    params: Params,
) -> Response {
    let Some(query) = params.query.filter(|q| !q.trim().is_empty()) else {
        return reject(StatusCode::BAD_REQUEST, media, "the request has no `query`");
    };
    let variables = match params.variables {
        None | Some(Value::Null) => Variables::default(),
        Some(value @ Value::Object(_)) => Variables::from_json(value),
        Some(_) => {
            return reject(
                StatusCode::BAD_REQUEST,
                media,
                "`variables` must be a JSON object",
            )
        }
    };
    if !matches!(
        params.extensions,
        None | Some(Value::Null | Value::Object(_))
    ) {
        return reject(
            StatusCode::BAD_REQUEST,
            media,
            "`extensions` must be a JSON object",
        );
    }
    let context = request_context(headers);
    let request_id = context.request_id;
    let mut request = async_graphql::Request::new(query)
        .variables(variables)
        .data(context.clone());
    let operation = params.operation_name.clone().unwrap_or_default();
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    // one span per request (not per field: a span for every field of every row of a list
    // costs more than resolving it).
    let span = tracing::info_span!("graphql", %request_id, operation = %operation);
    let started = std::time::Instant::now();
    let Ok(mut response) = tokio::time::timeout(
        REQUEST_TIMEOUT,
        schema.execute(request).instrument(span.clone()),
    )
    .await
    else {
        span.in_scope(|| tracing::warn!("request stopped: it ran longer than the limit"));
        return reject(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            &format!(
                "the request ran longer than {} s and was stopped",
                REQUEST_TIMEOUT.as_secs()
            ),
        );
    };
    // the configuration version the answer was computed at: a client whose cached forms are
    // older reloads them.
    if let Some(version) = context.configuration_version() {
        response
            .extensions
            .insert("configurationVersion".to_owned(), version.into());
    }
    span.in_scope(|| {
        tracing::debug!(
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            errors = response.errors.len(),
            "request answered"
        )
    });
    respond(response, media, request_id)
}

/// Reads who is asking from the headers: the bearer token of `Authorization`, the correlation
/// id a client may send, and the client's name (its User-Agent).
fn request_context(headers: &HeaderMap) -> RequestContext {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let token = header("authorization").and_then(bearer);
    let mut context = RequestContext::new(
        token,
        header("x-correlation-id").and_then(|c| Uuid::parse_str(c).ok()),
        headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|u| u.chars().take(200).collect()),
    );
    context.peer = header(PEER_HEADER).map(str::to_owned);
    context.company = company_asked(headers);
    context
}

/// The header a request names the company it works in with (one of the user's).
const COMPANY_HEADER: &str = "x-company";

/// The company the request asks to work in, as the header gives it: bytes that are not plain
/// text and names too long to be a code are kept (and so refused), never taken for "none
/// asked", which would work in the user's current company instead.
fn company_asked(headers: &HeaderMap) -> Option<String> {
    let mut all = headers.get_all(COMPANY_HEADER).iter();
    let raw = all.next()?;
    if all.next().is_some() {
        // two companies asked: neither is taken (a name no company has, so refused).
        return Some("(X-Company given more than once)".to_owned());
    }
    asked(&String::from_utf8_lossy(raw.as_bytes()))
}

/// A company asked for by name: none if blank; at most 100 characters (a longer name is cut and
/// marked, so it matches no code).
fn asked(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut asked: String = text.chars().take(100).collect();
    if text.chars().count() > 100 {
        asked.push('…');
    }
    Some(asked)
}

/// The header [`peer`] sets to the address the request came from. Whatever a client sends in
/// it is removed first: only the connection says where a request comes from.
const PEER_HEADER: &str = "x-erp-peer-address";

/// Tells the handlers where the request came from (the connection's address, when the server
/// was started with it), in [`PEER_HEADER`].
async fn peer(mut request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    let headers = request.headers_mut();
    headers.remove(PEER_HEADER);
    if let Some(value) = address.and_then(|a| HeaderValue::from_str(&a).ok()) {
        headers.insert(PEER_HEADER, value);
    }
    next.run(request).await
}

fn respond(response: GqlResponse, media: MediaType, request_id: Uuid) -> Response {
    // a document that did not parse or validate produced no data and no error with a path:
    // the request itself was at fault, and the response must not have a `data` entry.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let body = if request_error {
        serde_json::to_string(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_string(&response)
    };
    let body = body.unwrap_or_else(|_| {
        r#"{"errors":[{"message":"the response could not be written"}]}"#.to_owned()
    });
    let status = match media {
        MediaType::GraphqlResponseJson if request_error => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let mut http = (status, body).into_response();
    let headers = http.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(media.as_str()));
    if let Ok(id) = HeaderValue::from_str(&request_id.to_string()) {
        headers.insert("x-request-id", id);
    }
    http
}
