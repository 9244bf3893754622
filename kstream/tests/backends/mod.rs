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
