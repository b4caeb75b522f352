//! HTTPS: with a certificate and key configured, the server talks TLS (here to a client that
//! trusts a self-signed certificate made for the test), and nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use tests::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn the_server_speaks_https_with_a_configured_certificate() {
    let app = TestApp::new().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("erp-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let config = api::tls::config(&cert, &key).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::tls::serve_on(
        listener,
        config,
        app.router.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    // a client that trusts only the test's certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let body = r#"{"query":"{ __typename }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#""__typename":"QueryRoot""#),
        "{response}"
    );

    // plain HTTP to the TLS port gets no GraphQL answer.
    let mut plain = tokio::net::TcpStream::connect(address).await.unwrap();
    plain.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut answer),
    )
    .await;
    assert!(!String::from_utf8_lossy(&answer).contains("__typename"));

    let _ = stop.send(());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(15), server).await;
}

/// Posts `{ __typename }` over TLS to `address` as a client that trusts `server_cert` and shows
/// `client` (a certificate and its key) if given: the response, or `None` if the server would
/// not talk.
async fn typename_over_tls(
    address: std::net::SocketAddr,
    server_cert: &rcgen::Certificate,
    client: Option<(&rcgen::Certificate, &rcgen::KeyPair)>,
) -> Option<String> {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(server_cert.der().to_vec()))
        .unwrap();
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect(address).await.ok()?;
        let mut tls = connector
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .ok()?;
        let body = r#"{"query":"{ __typename }"}"#;
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        tls.read_to_end(&mut response).await.ok()?;
        Some(String::from_utf8_lossy(&response).into_owned())
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), exchange)
        .await
        .ok()
        .flatten()
        .filter(|r| !r.is_empty())
}

/// A certificate authority, and a client certificate it signed.
fn authority_and_client() -> (
    rcgen::Certificate,
    rcgen::KeyPair,
    rcgen::Certificate,
    rcgen::KeyPair,
) {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let mut client_params = CertificateParams::new(vec!["accounting-pc".to_owned()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().unwrap();
    let client = client_params.signed_by(&client_key, &ca, &ca_key).unwrap();
    (ca, ca_key, client, client_key)
}

#[tokio::test]
async fn client_certificates_are_checked_and_may_be_required() {
    let app = TestApp::new().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (ca, _, client, client_key) = authority_and_client();
    let (_, _, stranger, stranger_key) = authority_and_client();
    let dir = std::env::temp_dir().join(format!("erp-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, authority) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    std::fs::write(&cert, server.cert.pem()).unwrap();
    std::fs::write(&key, server.key_pair.serialize_pem()).unwrap();
    std::fs::write(&authority, ca.pem()).unwrap();

    for (mode, without) in [
        (api::tls::ClientCertificates::Required, false),
        (api::tls::ClientCertificates::Optional, true),
    ] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let config = api::tls::config_with_clients(&cert, &key, &authority, mode)
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(api::tls::serve_on(
            listener,
            config,
            app.router.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        let answered = |response: Option<String>| {
            response.is_some_and(|r| r.starts_with("HTTP/1.1 200") && r.contains("QueryRoot"))
        };
        let with = typename_over_tls(address, &server.cert, Some((&client, &client_key))).await;
        assert!(
            answered(with),
            "{mode:?}: a client of the authority is served"
        );
        let none = typename_over_tls(address, &server.cert, None).await;
        assert_eq!(
            answered(none),
            without,
            "{mode:?}: a client without a certificate"
        );
        let other =
            typename_over_tls(address, &server.cert, Some((&stranger, &stranger_key))).await;
        assert!(
            !answered(other),
            "{mode:?}: another authority's client is never served"
        );
        let _ = stop.send(());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(15), serving).await;
    }
    // an authority file that holds no certificate is a clear error.
    std::fs::write(&authority, "not a certificate").unwrap();
    let refused = api::tls::config_with_clients(
        &cert,
        &key,
        &authority,
        api::tls::ClientCertificates::Required,
    )
    .await
    .err()
    .unwrap();
    assert!(
        refused.to_string().contains("holds no certificate"),
        "{refused}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
