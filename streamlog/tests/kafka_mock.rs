//! The conformance suite on the Kafka backend against librdkafka's mock cluster, which
//! runs in-process and listens on local TCP ports: no service needed.
//!
//! The mock cluster does not compact, so compaction is asserted on the embedded backend;
//! it implements neither CreateTopics nor DeleteTopics, so topics are made through the
//! mock's own call and the Admin API's topic calls are asserted on the real broker.
#![cfg(feature = "kafka")]

mod conformance;

use std::time::Duration;

use conformance::{Caps, Harness};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use streamlog::{ClientConfig, Cluster, TopicConfig};

struct Mock {
    cluster: Cluster,
    _mock: MockCluster<'static, DefaultProducerContext>,
}

impl Mock {
    fn new() -> Self {
        let mock = MockCluster::new(3).expect("mock cluster");
        let cluster = Cluster::kafka(
            ClientConfig::new()
                .bootstrap_servers(mock.bootstrap_servers())
                .default_api_timeout(Duration::from_secs(5)),
        )
        .expect("connect to the mock cluster");
        Self { cluster, _mock: mock }
    }
}

impl Harness for Mock {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn caps(&self) -> Caps {
        Caps {
            compaction: false,
            aborted_records_kept: true,
            commit_during_rebalance: false,
            hides_aborted: false,
            fences_zombies: false,
            transactional_offsets: false,
            topic_admin: false,
        }
    }
    fn create_topic(&self, name: &str, config: &TopicConfig) {
        self._mock
            .create_topic(name, config.partitions, 1)
            .unwrap_or_else(|e| panic!("create topic {name} on the mock cluster: {e}"));
    }
    fn consumer_base(&self) -> ClientConfig {
        ClientConfig::new()
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500")
    }
}

conformance_tests!(Some(Mock::new()));

#[test]
fn unreachable_broker_is_an_error_after_the_timeout() {
    let started = std::time::Instant::now();
    let err = Cluster::kafka(
        ClientConfig::new()
            .bootstrap_servers("127.0.0.1:1")
            .default_api_timeout(Duration::from_millis(1500)),
    )
    .unwrap_err();
    assert!(
        matches!(err, streamlog::Error::BrokerUnreachable { ref servers, .. } if servers == "127.0.0.1:1"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
}
