//! A minimal keep-alive HTTP/1.1 client for GraphQL requests, one connection per client.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    authorization: String,
}

impl Client {
    /// A connection to `addr` whose requests carry the session `token`.
    pub async fn connect(addr: SocketAddr, token: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .context("connecting to the server")?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self {
            sender,
            authorization: format!("Bearer {token}"),
        })
    }

    /// POSTs a GraphQL request and returns the `data` of the response; fails on any error.
    pub async fn graphql(&mut self, body: &Bytes) -> anyhow::Result<Value> {
        self.sender.ready().await?;
        let request = hyper::Request::post("/graphql")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .header("authorization", &self.authorization)
            .body(Full::new(body.clone()))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let mut document: Value = serde_json::from_slice(&bytes)?;
        if !status.is_success() || document.get("errors").is_some() {
            bail!(
                "request failed ({status}): {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(document["data"].take())
    }
}
