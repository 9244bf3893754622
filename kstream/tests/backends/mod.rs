#![allow(dead_code, unused_imports)]
//! The backends the runtime tests run on: the embedded log, librdkafka's mock cluster
//! (feature `kafka`) and, in CI, a real broker (`KAFKA_BOOTSTRAP_SERVERS`; under
//! `CI=true` a missing broker fails the test instead of skipping it).

use std::time::Duration;

use streamlog::{ClientConfig, Cluster, TopicConfig};

/// A log to run on.
pub trait Backend {
    fn cluster(&self) -> &Cluster;
    /// Creates a topic (the mock cluster has no CreateTopics, so it goes through the
    /// mock's own call).
    fn create_topic(&self, name: &str, partitions: i32);
}

/// A log that creates topics through its Admin API (the embedded log, a real broker).
pub struct Log(pub Cluster);

impl Backend for Log {
    fn cluster(&self) -> &Cluster {
        &self.0
    }
    fn create_topic(&self, name: &str, partitions: i32) {
        self.0
            .admin()
            .unwrap()
            .create_topic(name, &TopicConfig::new(partitions))
            .unwrap();
    }
}

pub fn embedded() -> Log {
    Log(Cluster::embedded())
}

#[cfg(feature = "kafka")]
pub struct Mock {
    cluster: Cluster,
    mock: rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
}

#[cfg(feature = "kafka")]
impl Backend for Mock {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn create_topic(&self, name: &str, partitions: i32) {
        self.mock.create_topic(name, partitions, 1).unwrap();
    }
}

#[cfg(feature = "kafka")]
pub fn mock() -> Mock {
    let mock = rdkafka::mocking::MockCluster::new(1).expect("mock cluster");
    let cluster = Cluster::kafka(
        ClientConfig::new()
            .bootstrap_servers(mock.bootstrap_servers())
            .default_api_timeout(Duration::from_secs(5)),
    )
    .unwrap()
    .with_base(
        ClientConfig::new()
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500"),
    );
    Mock { cluster, mock }
}

/// The CI broker, or `None` (skipped) outside CI when none is configured.
#[cfg(feature = "kafka")]
pub fn broker() -> Option<Log> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match std::env::var("KAFKA_BOOTSTRAP_SERVERS") {
        Ok(servers) if !servers.is_empty() => {
            let config = ClientConfig::new()
                .bootstrap_servers(servers.as_str())
                .default_api_timeout(Duration::from_secs(15));
            // nisshi under-reports end offsets of multi-record batches: one record per
            // batch keeps lag and restore exact.
            let base = ClientConfig::new()
                .set("session.timeout.ms", "6000")
                .set("heartbeat.interval.ms", "500")
                .set("batch.num.messages", "1");
            Some(Log(Cluster::kafka(config)
                .expect("broker config")
                .with_base(base)))
        }
        _ if in_ci => panic!("KAFKA_BOOTSTRAP_SERVERS is not set, and CI=true needs the broker tests"),
        _ => {
            eprintln!("skipped: KAFKA_BOOTSTRAP_SERVERS is not set");
            None
        }
    }
}

/// A name no earlier run used (topics outlive a test on a real broker).
pub fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{prefix}-{}-{n}", nanos % 1_000_000_000)
}
