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

/// Serves the REST API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(registry))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves the REST API over `registry` on `address` (port 0 picks a free one) in a task
/// of the current tokio runtime, until the runtime stops; returns the base URL
/// (`http://127.0.0.1:PORT`). Handy for tests and local tools.
pub async fn spawn(registry: Shared, address: &str) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, registry, std::future::pending()));
    Ok(url)
}
