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
