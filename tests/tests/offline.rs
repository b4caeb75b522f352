//! Works without the Internet (issue 21): every byte a browser loads for our pages comes from our
//! server, under a content security policy that allows nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::http::{Method, StatusCode};
use tests::browser::{screenshot_path, Browser};
use tests::{TestApp, ADMIN_PASSWORD};

#[tokio::test]
async fn every_page_draws_with_nothing_from_another_host() {
    let app = TestApp::new().await;
    let address = app.listen().await;
    let database = app.db.name.clone();
    let mut browser = Browser::start().await;

    // the recorder sees a request that leaves, and the resolver stops it: a control, so that
    // the checks below cannot pass by seeing nothing.
    let outside = browser
        .call(
            "Page.navigate",
            serde_json::json!({ "url": "https://unpkg.com/react" }),
        )
        .await;
    assert!(outside.get("errorText").is_some(), "{outside}");
    assert!(browser
        .requests()
        .await
        .contains(&"https://unpkg.com/react".to_owned()));

    for (page, shot) in [
        ("/graphql".to_owned(), "graphiql"),
        (format!("/db/{database}/graphql"), "graphiql-database"),
        ("/manager/graphql".to_owned(), "graphiql-manager"),
    ] {
        let before = browser.requests().await.len();
        browser.goto(&format!("{address}{page}")).await;
        // GraphiQL drew its editor...
        assert!(
            browser
                .wait_until(
                    "document.querySelector('.graphiql-container .graphiql-query-editor .CodeMirror')",
                    Duration::from_secs(30),
                )
                .await,
            "{page}: GraphiQL's editor was not drawn"
        );
        // ...and its documentation pane, from the schema it asked our server for.
        browser
            .eval("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()")
            .await;
        assert!(
            browser
                .wait_until(
                    "(document.querySelector('.graphiql-doc-explorer') || {}).innerText?.includes('Query')",
                    Duration::from_secs(30),
                )
                .await,
            "{page}: the documentation pane did not show the schema"
        );
        // a query runs and answers.
        browser
            .eval(
                "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ __typename }');
                 document.querySelector('.graphiql-execute-button').click()",
            )
            .await;
        assert!(
            browser
                .wait_until(
                    "(document.querySelector('.graphiql-response') || {}).innerText?.includes('__typename')",
                    Duration::from_secs(30),
                )
                .await,
            "{page}: the query's answer was not shown"
        );
        browser.screenshot(&screenshot_path(shot)).await;
        // the settings dialog opens (its styles too come from our origin).
        browser
            .eval("document.querySelector('[aria-label=\"Open settings dialog\"]').click()")
            .await;
        assert!(
            browser
                .wait_until(
                    "document.querySelector('.graphiql-dialog')",
                    Duration::from_secs(10),
                )
                .await,
            "{page}: the settings dialog did not open"
        );

        let requests = browser.requests().await;
        let asked = &requests[before..];
        let elsewhere: Vec<&String> = asked
            .iter()
            .filter(|url| !url.starts_with(&format!("{address}/")) && !url.starts_with("data:"))
            .collect();
        assert!(
            elsewhere.is_empty(),
            "{page} asked other hosts: {elsewhere:?}"
        );
        assert!(
            asked.iter().any(|url| url.ends_with(&page)),
            "{page}: the GraphQL requests were not seen: {asked:?}"
        );
        assert_eq!(browser.problems().await, Vec::<String>::new(), "{page}");
    }

    // the web client: signed in, its menus drawn, a list read.
    let before = browser.requests().await.len();
    browser.goto(&format!("{address}/")).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.click("a[data-view=partner]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('table.list')",
                Duration::from_secs(30)
            )
            .await,
        "the web client did not draw the partners' list"
    );
    let requests = browser.requests().await;
    let elsewhere: Vec<&String> = requests[before..]
        .iter()
        .filter(|url| {
            !url.starts_with(&format!("{address}/")) && !url.starts_with("ws://127.0.0.1")
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "the web client asked other hosts: {elsewhere:?}"
    );
    assert_eq!(
        browser.problems().await,
        Vec::<String>::new(),
        "the web client"
    );
}

#[tokio::test]
async fn every_answer_says_what_a_browser_may_load() {
    let app = TestApp::new().await;
    let page = app
        .http(
            Method::GET,
            "/graphql",
            &[("accept", "text/html")],
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("GraphiQL"), "{}", page.body);
    // no address of another host in the page.
    assert!(!page.body.contains("://"), "{}", page.body);
    let answer = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            r#"{"query":"{ __typename }"}"#.to_owned(),
        )
        .await;
    for response in [&page, &answer] {
        let csp = response.header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "script-src 'self';",
            "connect-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} not in {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(response.header("x-content-type-options"), "nosniff");
        assert_eq!(response.header("referrer-policy"), "no-referrer");
    }

    // the one inline thing allowed, GraphiQL's dialog style, takes a nonce new with each page.
    let nonce = |csp: &str| {
        csp.split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .map(ToOwned::to_owned)
    };
    let first = nonce(&page.header("content-security-policy")).expect("a style nonce");
    let again = app
        .http(
            Method::GET,
            "/graphql",
            &[("accept", "text/html")],
            String::new(),
        )
        .await;
    let second = nonce(&again.header("content-security-policy")).expect("a style nonce");
    assert_ne!(first, second);
    assert!(again.body.contains(&second));
    assert_eq!(nonce(&answer.header("content-security-policy")), None);

    // the files it names are served with their media types, and checked back cheaply.
    let script = app
        .http(
            Method::GET,
            "/assets/vendor/graphiql-4.1.2.min.js",
            &[],
            String::new(),
        )
        .await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").starts_with("text/javascript"));
    assert!(script.body.len() > 500_000, "the whole GraphiQL build");
    let etag = script.header("etag");
    let again = app
        .http(
            Method::GET,
            "/assets/vendor/graphiql-4.1.2.min.js",
            &[("if-none-match", etag.as_str())],
            String::new(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let style = app
        .http(
            Method::GET,
            "/assets/vendor/graphiql-4.1.2.min.css",
            &[],
            String::new(),
        )
        .await;
    assert!(style.header("content-type").starts_with("text/css"));
    let licence = app
        .http(
            Method::GET,
            "/assets/vendor/LICENSE-graphiql",
            &[],
            String::new(),
        )
        .await;
    assert!(licence.body.contains("MIT License"), "{}", licence.body);
    for missing in [
        "/assets/nothing.js",
        "/assets/../Cargo.toml",
        "/assets/vendor/",
    ] {
        let answer = app.http(Method::GET, missing, &[], String::new()).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
    }
}
