//! The registry served over HTTP with the Confluent REST API (feature `server`): point
//! any Confluent client at it.
//!
//! ```no_run
//! use std::sync::Arc;
//! use schema_registry_client::{MemoryRegistry, server};
//!
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
//! server::serve(listener, Arc::new(MemoryRegistry::new()), std::future::pending()).await
//! # }
//! ```

mod handlers;
mod security;

pub use security::{ServerSecurity, Users};

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::registry::SchemaRegistry;

/// The shared registry the handlers answer from.
pub type Shared = Arc<dyn SchemaRegistry>;

/// The REST API's routes over `registry`.
pub fn router(registry: Shared) -> Router {
    use handlers::*;
    Router::new()
        .route("/", get(root))
        .route("/subjects", get(subjects))
        .route("/subjects/{subject}", post(lookup).delete(delete_subject))
        .route("/subjects/{subject}/versions", get(versions).post(register))
        .route(
            "/subjects/{subject}/versions/{version}",
            get(version).delete(delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(version_schema_text),
        )
        .route(
            "/subjects/{subject}/versions/{version}/referencedby",
            get(referenced_by),
        )
        .route("/schemas/types", get(schema_types))
        .route("/schemas/ids/{id}", get(schema_by_id))
        .route("/schemas/ids/{id}/schema", get(schema_text_by_id))
        .route("/schemas/ids/{id}/subjects", get(subjects_by_id))
        .route("/schemas/ids/{id}/versions", get(versions_by_id))
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(compatibility_all),
        )
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(compatibility_version),
        )
        .route("/config", get(config).put(set_config).delete(delete_config))
        .route(
            "/config/{subject}",
            get(config).put(set_config).delete(delete_config),
        )
        .route("/mode", get(mode).put(set_mode))
        .route("/mode/{subject}", get(mode).put(set_mode))
        .fallback(not_found)
        .with_state(registry)
}

/// Serves the REST API on `listener` over plain HTTP, open to all, until `shutdown`
/// completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_secured(listener, registry, ServerSecurity::default(), shutdown).await
}

/// Serves the REST API on `listener` as `security` says (HTTPS, client certificates,
/// basic authentication) until `shutdown` completes.
///
/// ```no_run
/// use std::path::Path;
/// use std::sync::Arc;
/// use schema_registry_client::MemoryRegistry;
/// use schema_registry_client::server::{self, ServerSecurity, Users};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let security = ServerSecurity::default()
///     .with_tls(Path::new("registry.pem"), Path::new("registry.key"), None)?
///     .with_users(Users::from_file(Path::new("users.properties"))?);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
/// server::serve_secured(listener, Arc::new(MemoryRegistry::new()), security, std::future::pending()).await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve_secured(
    listener: tokio::net::TcpListener,
    registry: Shared,
    security: ServerSecurity,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut app = router(registry);
    if let Some(users) = &security.users {
        app = app.layer(axum::middleware::from_fn_with_state(
            users.clone(),
            security::require_user,
        ));
    }
    match security.tls {
        None => axum::serve(listener, app).with_graceful_shutdown(shutdown).await,
        Some(tls) => serve_tls(listener, app, tls, shutdown).await,
    }
}

/// The accept loop of HTTPS: each connection's TLS handshake and HTTP/1.1 exchange in a
/// task of its own; a failed handshake ends that connection only.
async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
}

/// Serves the REST API over `registry` on `address` (port 0 picks a free one) in a task
/// of the current tokio runtime, until the runtime stops; returns the base URL
/// (`http://127.0.0.1:PORT`). Handy for tests and local tools.
pub async fn spawn(registry: Shared, address: &str) -> std::io::Result<String> {
    spawn_secured(registry, address, ServerSecurity::default()).await
}

/// [`spawn`] as `security` says; the URL is `https://` when it serves TLS.
pub async fn spawn_secured(
    registry: Shared,
    address: &str,
    security: ServerSecurity,
) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let scheme = if security.tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", listener.local_addr()?);
    tokio::spawn(serve_secured(
        listener,
        registry,
        security,
        std::future::pending(),
    ));
    Ok(url)
}
