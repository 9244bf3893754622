//! The registry's HTTP server for the Avro serde's tests: on a local port, served from
//! a thread of its own (so a test that blocks its runtime still gets answers), with a
//! switch that takes it down (every request answered 503) and counters of requests.
// Each test binary uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use schema_registry_client::{CachedRegistry, HttpConfig, HttpRegistry, MemoryRegistry, SchemaRegistry};

#[derive(Default)]
struct Switch {
    down: AtomicBool,
    requests: AtomicUsize,
    requests_while_down: AtomicUsize,
}

/// A registry served over HTTP that can be taken down and brought back.
#[derive(Clone)]
pub struct TestRegistry {
    /// The base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The registry behind the server, for the test's own reads and writes.
    pub memory: Arc<MemoryRegistry>,
    switch: Arc<Switch>,
}

impl TestRegistry {
    /// A registry on a free local port.
    pub fn start() -> Self {
        let memory = Arc::new(MemoryRegistry::new());
        let switch = Arc::new(Switch::default());
        let app = schema_registry_client::server::router(memory.clone())
            .layer(axum::middleware::from_fn_with_state(switch.clone(), outage));
        let (bound, address) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("test-registry".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    bound.send(listener.local_addr().unwrap()).unwrap();
                    axum::serve(listener, app).await.unwrap();
                });
            })
            .unwrap();
        let url = format!("http://{}", address.recv().unwrap());
        TestRegistry { url, memory, switch }
    }

    /// A fresh client of it (HTTP behind the cache, as `registry_from_url` makes),
    /// without retries of its own, so every failed call is the task's to retry.
    pub fn client(&self) -> Arc<dyn SchemaRegistry> {
        let mut config = HttpConfig::from_urls(&self.url).unwrap();
        config.max_retries = 0;
        config.request_timeout = Duration::from_secs(5);
        Arc::new(CachedRegistry::new(HttpRegistry::new(config).unwrap()))
    }

    /// From now on every request is answered 503.
    pub fn go_down(&self) {
        self.switch.down.store(true, Ordering::SeqCst);
    }

    /// Answers again.
    pub fn come_back(&self) {
        self.switch.down.store(false, Ordering::SeqCst);
    }

    /// Requests received in all.
    pub fn requests(&self) -> usize {
        self.switch.requests.load(Ordering::SeqCst)
    }

    /// Requests received while down.
    pub fn requests_while_down(&self) -> usize {
        self.switch.requests_while_down.load(Ordering::SeqCst)
    }
}

async fn outage(
    axum::extract::State(switch): axum::extract::State<Arc<Switch>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    switch.requests.fetch_add(1, Ordering::SeqCst);
    if switch.down.load(Ordering::SeqCst) {
        switch.requests_while_down.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "down for the test").into_response();
    }
    next.run(request).await
}
