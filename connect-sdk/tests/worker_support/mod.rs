//! A worker with its REST API on a free port, and a blocking client of that API, for
//! the worker tests.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use connect_sdk::config::Properties;
use connect_sdk::worker::{Plugins, Worker, WorkerConfig};
use serde_json::Value;
use streamlog::Cluster;

/// A worker serving its REST API until dropped.
pub struct Served {
    pub worker: Worker,
    pub url: String,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Served {
    /// A worker on `cluster` with `properties`, serving on 127.0.0.1 (a free port).
    pub fn start(cluster: Cluster, properties: &[(&str, &str)]) -> Served {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let mut props: Properties = properties
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        props.insert("listeners".into(), format!("http://{address}"));
        props
            .entry("offset.flush.interval.ms".into())
            .or_insert_with(|| "200".into());
        let config = WorkerConfig::from_properties(&props).unwrap();
        let worker = Worker::start(config, cluster, Plugins::builtin()).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = worker.clone();
        runtime.spawn(async move {
            connect_sdk::rest::serve(listener, served, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Served {
            worker,
            url: format!("http://{address}"),
            runtime: Some(runtime),
            stop: Some(stop),
        }
    }

    /// A call: the status code and the body (JSON, or `Null` when empty).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.url, method, path, body)
    }

    /// Polls `path` until the JSON pointer `pointer` of its body equals `want`.
    pub fn wait_for(&self, path: &str, pointer: &str, want: &str) -> Value {
        wait_for(&self.url, path, pointer, want)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.worker.shutdown();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// A call to the REST API at `url`.
pub fn call(url: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{url}{path}"));
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Polls `path` at `url` until the JSON pointer `pointer` of its body equals `want`
/// (a string); fails after 30 s showing the last body.
pub fn wait_for(url: &str, path: &str, pointer: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = call(url, "GET", path, None);
        if body.pointer(pointer).and_then(Value::as_str) == Some(want) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: {pointer} never became {want}; last body {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `check` holds, failing after 30 s with `what`.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lines of `path` (none when it does not exist yet).
pub fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every record of `topic` (all partitions, from the start, committed only).
pub fn read_topic(cluster: &Cluster, topic: &str) -> Vec<streamlog::Record> {
    let admin = cluster.admin().unwrap();
    let ends = admin.end_offsets(topic).unwrap();
    let mut consumer = cluster
        .consumer(&streamlog::ClientConfig::new().isolation_level(streamlog::IsolationLevel::ReadCommitted))
        .unwrap();
    let partitions: Vec<streamlog::TopicPartition> = (0..ends.len() as i32)
        .map(|p| streamlog::TopicPartition::new(topic, p))
        .collect();
    consumer.assign(&partitions).unwrap();
    for p in &partitions {
        consumer.seek(p, streamlog::Offset::Beginning).unwrap();
    }
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while partitions
        .iter()
        .zip(&ends)
        .any(|(p, end)| consumer.position(p).unwrap_or(0) < *end)
    {
        assert!(Instant::now() < deadline, "could not read {topic} to its end");
        records.extend(consumer.poll(Duration::from_millis(100)).unwrap());
    }
    records
}
