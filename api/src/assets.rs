//! What a browser loads from the server besides GraphQL: GraphiQL's page and every file it
//! needs, embedded in the binary, and the security headers every answer carries. Nothing a page
//! of ours loads comes from another host, so it works without the Internet and runs no script
//! that someone else chose at load time.
//!
//! The third-party files (GraphiQL, React: pinned production builds, with their licences) are
//! in `api/assets/vendor/`, fetched by `scripts/vendor-graphiql.sh`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use axum::extract::{Path, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// Where the files are served: `/assets/<name>`.
pub const ASSETS_PATH: &str = "/assets/{*name}";

/// Scripts, styles, connections (HTTP and WebSocket: `'self'` covers both) and images from our
/// own origin only; fonts and images also inline (`data:`, how GraphiQL's stylesheet carries
/// its fonts and icons); no inline script, no plug-in, no framing by another site. A page that
/// must add a style element of its own (GraphiQL's dialogs do) gets a nonce for it, new with
/// every answer.
pub fn content_security_policy(style_nonce: Option<&str>) -> String {
    let styles = match style_nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}'"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src {styles}; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of every answer but a page's.
static DEFAULT_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&content_security_policy(None))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
});

/// A file the server serves under `/assets/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../assets/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("client/index.html", "text/html; charset=utf-8"),
    asset!("client/main.js", JS),
    asset!("client/admin.js", JS),
    asset!("client/manager.js", JS),
    asset!("client/api.js", JS),
    asset!("client/dom.js", JS),
    asset!("client/fields.js", JS),
    asset!("client/form.js", JS),
    asset!("client/history.js", JS),
    asset!("client/list.js", JS),
    asset!("client/reports.js", JS),
    asset!("client/schema.js", JS),
    asset!("client/style.css", CSS),
    asset!("graphiql.js", JS),
    asset!("graphiql.css", CSS),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("vendor/graphiql-4.1.2.min.js", JS),
    asset!("vendor/graphiql-4.1.2.min.css", CSS),
    asset!("vendor/react-18.3.1.production.min.js", JS),
    asset!("vendor/react-dom-18.3.1.production.min.js", JS),
    asset!("vendor/LICENSE-graphiql", TEXT),
    asset!("vendor/LICENSE-react", TEXT),
];

/// The entity tag of every asset: a digest of the files, so a new build's files are fetched
/// again and an unchanged one answers 304.
static ETAG_VALUE: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    for asset in ASSETS {
        asset.name.hash(&mut hasher);
        asset.body.hash(&mut hasher);
    }
    format!("\"{:016x}\"", hasher.finish())
});

/// `GET /assets/<name>`: the file, or 404. Browsers check back each time (`no-cache`) and get a
/// 304 while the build is the same, so a new build's files are never shadowed by old ones.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, TEXT)],
            "no such file",
        )
            .into_response();
    };
    let etag = ETAG_VALUE.as_str();
    let cached = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let headers = [
        (CACHE_CONTROL, "no-cache"),
        (ETAG, etag),
        (CONTENT_TYPE, asset.content_type),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, asset.body).into_response()
}

/// `GET /`: the web client's page (its scripts and styles under `/assets/client/`).
pub async fn client_page(headers: HeaderMap) -> Response {
    asset(Path("client/index.html".to_owned()), headers).await
}

/// GraphiQL's page for the GraphQL endpoint at `endpoint` (a path on this server), with the
/// policy that lets its dialogs add their style element (and nothing else inline).
pub fn graphiql_page(endpoint: &str) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL: {endpoint}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/vendor/graphiql-4.1.2.min.css">
<link rel="stylesheet" href="/assets/graphiql.css">
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}" data-style-nonce="{nonce}">Loading GraphiQL…</div>
<script src="/assets/vendor/react-18.3.1.production.min.js"></script>
<script src="/assets/vendor/react-dom-18.3.1.production.min.js"></script>
<script src="/assets/vendor/graphiql-4.1.2.min.js"></script>
<script src="/assets/graphiql.js"></script>
</body>
</html>
"#,
        endpoint = escape(endpoint)
    );
    let policy = HeaderValue::from_str(&content_security_policy(Some(&nonce)))
        .unwrap_or_else(|_| DEFAULT_POLICY.clone());
    ([(CONTENT_SECURITY_POLICY, policy)], Html(page)).into_response()
}

/// `text` safe inside an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Middleware: every answer says what a browser may load with it (the content security
/// policy), not to guess media types, not to send our addresses to other sites, and not to be
/// framed.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // a page's own policy (with its nonce) stays.
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, DEFAULT_POLICY.clone());
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn page_text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn an_endpoint_is_escaped_in_the_page() {
        let page = page_text(graphiql_page("/db/a\"><script>x</script>/graphql")).await;
        assert!(!page.contains("<script>x"), "{page}");
        assert!(page
            .contains("data-endpoint=\"/db/a&quot;&gt;&lt;script&gt;x&lt;/script&gt;/graphql\""));
    }

    #[test]
    fn every_module_the_web_client_imports_is_served() {
        let client = ASSETS.iter().filter(|a| a.name.starts_with("client/"));
        for asset in client.filter(|a| a.name.ends_with(".js")) {
            let text = String::from_utf8_lossy(asset.body);
            for import in text.split("from \"./").skip(1) {
                let name = format!("client/{}", &import[..import.find('"').unwrap_or(0)]);
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{} imports {name}, which is not served",
                    asset.name
                );
            }
        }
    }

    #[tokio::test]
    async fn every_file_the_page_names_is_served() {
        let page = page_text(graphiql_page("/graphql")).await;
        for link in page.split("=\"/assets/").skip(1) {
            let name = &link[..link.find('"').unwrap_or(link.len())];
            assert!(
                ASSETS.iter().any(|a| a.name == name),
                "the page names /assets/{name}, which is not served"
            );
        }
    }
}
