//! Kafka Connect's REST API over a [`Worker`]: the same paths,
//! bodies and status codes, errors as `{"error_code": .., "message": ..}`. Each request
//! runs the worker's blocking call on tokio's blocking pool.
//!
//! ```no_run
//! use connect_sdk::config::Properties;
//! use connect_sdk::worker::{Plugins, Worker, WorkerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Worker::start(WorkerConfig::from_properties(&Properties::new())?, streamlog::Cluster::embedded(), Plugins::builtin())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8083").await?;
//! connect_sdk::rest::serve(listener, worker, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

mod handlers;

use axum::Router;
use axum::routing::{get, post, put};

use crate::worker::Worker;

pub use handlers::ApiError;

/// The API's routes, for a worker.
pub fn router(worker: Worker) -> Router {
    use handlers::*;
    Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route("/connectors/{name}", get(get_connector).delete(delete_connector))
        .route(
            "/connectors/{name}/config",
            get(get_config).put(put_config).patch(patch_config),
        )
        .route("/connectors/{name}/status", get(get_status))
        .route("/connectors/{name}/tasks", get(get_tasks))
        .route("/connectors/{name}/tasks/{task}/status", get(get_task_status))
        .route("/connectors/{name}/tasks/{task}/restart", post(restart_task))
        .route("/connectors/{name}/pause", put(pause))
        .route("/connectors/{name}/resume", put(resume))
        .route("/connectors/{name}/stop", put(stop))
        .route("/connectors/{name}/restart", post(restart))
        .route("/connectors/{name}/topics", get(get_topics))
        .route("/connectors/{name}/topics/reset", put(reset_topics))
        .route(
            "/connectors/{name}/offsets",
            get(get_offsets).patch(patch_offsets).delete(delete_offsets),
        )
        .route("/connector-plugins", get(list_plugins))
        .route("/connector-plugins/{plugin}/config", get(plugin_config))
        .route("/connector-plugins/{plugin}/config/validate", put(validate))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(worker)
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    worker: Worker,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(worker))
        .with_graceful_shutdown(shutdown)
        .await
}
