#![allow(dead_code, unused_imports)]
//! The backends the runtime tests run on: the embedded log, librdkafka's mock cluster
//! (feature `kafka`) and, in CI, a real broker (`KAFKA_BOOTSTRAP_SERVERS`; under
//! `CI=true` a missing broker fails the test instead of skipping it), all through
//! `streamlog`'s `test-util` helpers.

use streamlog::{Cluster, TopicConfig};

/// A log to run on.
pub trait TestLog {
    fn cluster(&self) -> &Cluster;
    /// Creates a topic (the mock cluster has no CreateTopics, so it goes through the
    /// mock's own call).
    fn create_topic(&self, name: &str, partitions: i32);
}

/// A log that creates topics through its Admin API (the embedded log, a real broker).
pub struct Log(pub Cluster);

impl TestLog for Log {
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
impl TestLog for streamlog::test_util::MockCluster {
    fn cluster(&self) -> &Cluster {
        self.cluster()
    }
    fn create_topic(&self, name: &str, partitions: i32) {
        self.create_topic(name, partitions);
    }
}

#[cfg(feature = "kafka")]
pub fn mock() -> streamlog::test_util::MockCluster {
    streamlog::test_util::MockCluster::new(1)
}

/// The CI broker, or `None` (skipped) outside CI when none is configured.
#[cfg(feature = "kafka")]
pub fn broker() -> Option<Log> {
    streamlog::test_util::ci_broker().map(Log)
}

/// The CI broker over its SASL_SSL listener (SCRAM-SHA-512), or `None` (skipped)
/// outside CI when it is not configured.
#[cfg(feature = "kafka")]
pub fn sasl_ssl_broker() -> Option<Log> {
    streamlog::test_util::ci_secured_broker(streamlog::test_util::SecuredListener::SaslScram).map(Log)
}

/// A name no earlier run used (topics outlive a test on a real broker).
pub fn unique(prefix: &str) -> String {
    streamlog::test_util::unique_name(prefix)
}

/// Every record of `topic`'s first `partitions` partitions read with
/// `read_committed`, its key as a string and its value as a big-endian `i64`, per key
/// in offset order: read until `records` came (or 60 s passed), then a little longer
/// for any that should not have come.
pub fn read_committed_i64(
    b: &dyn TestLog,
    topic: &str,
    partitions: i32,
    records: usize,
) -> std::collections::BTreeMap<String, Vec<i64>> {
    use std::time::{Duration, Instant};
    let mut c = b
        .cluster()
        .consumer(
            &streamlog::ClientConfig::new()
                .set("auto.offset.reset", "earliest")
                .set("isolation.level", "read_committed"),
        )
        .unwrap();
    let parts: Vec<streamlog::TopicPartition> = (0..partitions)
        .map(|p| streamlog::TopicPartition::new(topic, p))
        .collect();
    c.assign(&parts).unwrap();
    let mut values: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    let (mut read, mut extra) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while extra < 3 && Instant::now() < deadline {
        if read >= records {
            extra += 1;
        }
        for r in c.poll(Duration::from_millis(200)).unwrap() {
            let k = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
            let v = i64::from_be_bytes(r.value.unwrap().as_ref().try_into().unwrap());
            values.entry(k).or_default().push(v);
            read += 1;
        }
    }
    values
}
