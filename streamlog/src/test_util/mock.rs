//! [`MockCluster`]: librdkafka's mock cluster behind `streamlog`'s API.

use std::fmt;
use std::time::Duration;

use rdkafka::mocking::MockCluster as RdMockCluster;
use rdkafka::producer::DefaultProducerContext;

use super::test_client_base;
use crate::{ClientConfig, Cluster};

/// librdkafka's in-process mock cluster: brokers on local TCP ports, no service needed.
///
/// It implements neither CreateTopics nor DeleteTopics, so topics are made with
/// [`MockCluster::create_topic`]; it does not compact, hides no aborted records and lets
/// a fenced producer commit (use a real broker for those).
///
/// ```
/// use streamlog::test_util::MockCluster;
/// use streamlog::{ClientConfig, ProducerRecord};
/// use std::time::Duration;
///
/// let mock = MockCluster::new(1);
/// mock.create_topic("events", 2);
/// let producer = mock.cluster().producer(&ClientConfig::new()).unwrap();
/// producer.send(ProducerRecord::new("events").key("k").value("v")).unwrap();
/// producer.flush(Duration::from_secs(10)).unwrap();
/// ```
pub struct MockCluster {
    cluster: Cluster,
    mock: RdMockCluster<'static, DefaultProducerContext>,
}

impl MockCluster {
    /// A mock cluster of `brokers` brokers, and a [`Cluster`] on it with
    /// [`super::test_client_base`] under every client.
    ///
    /// # Panics
    ///
    /// When librdkafka cannot start the mock cluster or the client cannot reach it.
    pub fn new(brokers: i32) -> Self {
        let mock = RdMockCluster::new(brokers).expect("librdkafka's mock cluster starts");
        let cluster = Cluster::kafka(
            ClientConfig::new()
                .bootstrap_servers(mock.bootstrap_servers())
                .default_api_timeout(Duration::from_secs(5)),
        )
        .expect("a client reaches the mock cluster")
        .with_base(test_client_base());
        Self { cluster, mock }
    }

    /// The cluster to create clients on.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The mock brokers' addresses (`bootstrap.servers`).
    pub fn bootstrap_servers(&self) -> String {
        self.mock.bootstrap_servers()
    }

    /// Creates a topic with `partitions` partitions (replication factor 1).
    ///
    /// # Panics
    ///
    /// When the mock cluster refuses (such as a topic that exists).
    pub fn create_topic(&self, name: &str, partitions: i32) {
        self.mock
            .create_topic(name, partitions, 1)
            .unwrap_or_else(|e| panic!("create topic {name} on the mock cluster: {e}"));
    }
}

impl fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockCluster")
            .field("bootstrap_servers", &self.mock.bootstrap_servers())
            .finish()
    }
}
