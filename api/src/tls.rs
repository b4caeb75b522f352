//! HTTPS with rustls, when a certificate and its key are configured.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;

/// The TLS configuration of a PEM certificate (chain) and key.
pub async fn config(cert: &Path, key: &Path) -> std::io::Result<RustlsConfig> {
    // one process-wide crypto provider: ring (no C toolchain needed to build it).
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot use certificate {} with key {}: {e}",
                cert.display(),
                key.display()
            ),
        )
    })
}

/// Whether clients must show a certificate signed by the configured authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientCertificates {
    /// A client may show one (it is then checked against the authority) or none.
    Optional,
    /// A client without one signed by the authority cannot connect.
    Required,
}

/// The TLS configuration of a PEM certificate (chain) and key that checks clients'
/// certificates against the authorities in PEM file `client_ca`, as `clients` says.
pub async fn config_with_clients(
    cert: &Path,
    key: &Path,
    client_ca: &Path,
    clients: ClientCertificates,
) -> std::io::Result<RustlsConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let certificates = |path: &Path| -> std::io::Result<Vec<CertificateDer<'static>>> {
        CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                invalid(format!(
                    "cannot read certificates from {}: {e}",
                    path.display()
                ))
            })
    };
    let chain = certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| invalid(format!("cannot read the key {}: {e}", key.display())))?;
    let mut roots = rustls::RootCertStore::empty();
    for authority in certificates(client_ca)? {
        roots.add(authority).map_err(|e| {
            invalid(format!(
                "{} holds a certificate that cannot be an authority: {e}",
                client_ca.display()
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(invalid(format!(
            "{} holds no certificate",
            client_ca.display()
        )));
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder(std::sync::Arc::new(roots));
    let verifier = match clients {
        ClientCertificates::Optional => verifier.allow_unauthenticated(),
        ClientCertificates::Required => verifier,
    };
    let verifier = verifier.build().map_err(|e| {
        invalid(format!(
            "cannot check clients against {}: {e}",
            client_ca.display()
        ))
    })?;
    let mut config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| {
            invalid(format!(
                "cannot use certificate {} with its key: {e}",
                cert.display()
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(std::sync::Arc::new(config)))
}

/// Serves `app` over HTTPS on a bound `listener` until `shutdown` completes.
pub async fn serve_on(
    listener: std::net::TcpListener,
    config: RustlsConfig,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener, config)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}
