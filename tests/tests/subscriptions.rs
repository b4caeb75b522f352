//! GraphQL subscriptions over a real WebSocket (`graphql-transport-ws`), as a browser client
//! opens them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tests::TestApp;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value["type"] != "ping" && value["type"] != "pong" {
                return value;
            }
        }
    }
}

async fn send(socket: &mut Socket, value: Value) {
    socket.send(Message::text(value.to_string())).await.unwrap();
}

async fn connect(app: &TestApp) -> Socket {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

#[tokio::test]
async fn a_websocket_client_hears_of_a_configuration_change() {
    let app = TestApp::new().await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", app.admin_token) } }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription { configurationChanged { changes { area key after } } }" } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let installed = app
        .graphql(
            "mutation { installModule(input: { name: \"account\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(installed["installModule"]["userErrors"], json!([]));
    let message = receive(&mut socket).await;
    assert_eq!(
        message,
        json!({ "id": "1", "type": "next", "payload": { "data": { "configurationChanged": {
            "changes": [{ "area": "MODULE", "key": "account", "after": "1.0.0" }] } } } })
    );
}

#[tokio::test]
async fn a_websocket_client_without_a_token_is_refused() {
    let app = TestApp::new().await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription { configurationChanged { version } } " } }),
    )
    .await;
    let message = receive(&mut socket).await;
    assert_eq!(message["id"], "1");
    let errors = if message["type"] == "error" {
        message["payload"].clone()
    } else {
        message["payload"]["errors"].clone()
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
}

/// What `{ workingCompany }` answers over a WebSocket whose `connection_init` names `company`.
async fn working_company_over_a_socket(app: &TestApp, company: Value) -> Value {
    let mut socket = connect(app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {
            "authorization": format!("Bearer {}", app.admin_token), "company": company } }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ workingCompany }" } }),
    )
    .await;
    receive(&mut socket).await
}

#[tokio::test]
async fn a_websocket_client_works_in_the_company_it_names_and_a_bad_name_is_refused() {
    let app = TestApp::new().await;
    let answer = working_company_over_a_socket(&app, json!("main")).await;
    assert_eq!(
        answer["payload"]["data"]["workingCompany"], "main",
        "{answer}"
    );
    let answer = working_company_over_a_socket(&app, Value::Null).await;
    assert_eq!(
        answer["payload"]["data"]["workingCompany"], "main",
        "{answer}"
    );
    // a company that does not exist, or a name that is not a string, is refused: never taken
    // for "none named".
    for company in [json!("nowhere"), json!(5), json!({ "code": "main" })] {
        let answer = working_company_over_a_socket(&app, company.clone()).await;
        let errors = if answer["type"] == "error" {
            answer["payload"].clone()
        } else {
            answer["payload"]["errors"].clone()
        };
        assert_eq!(
            errors[0]["extensions"]["code"], "FORBIDDEN",
            "{company}: {answer}"
        );
    }
}
