//! The conformance suite on the Kafka backend against librdkafka's mock cluster, which
//! runs in-process and listens on local TCP ports: no service needed.
//!
//! The mock cluster does not compact, returns no aborted-transaction list (so
//! `read_committed` readers see aborted records), lets a fenced producer commit, does
//! not commit offsets with a transaction, answers offset commits during a rebalance with
//! REBALANCE_IN_PROGRESS, and implements neither CreateTopics nor DeleteTopics (its
//! topics are made through the mock's own call). Those assertions run on the embedded
//! backend and on the real broker (`kafka_broker.rs`).
#![cfg(feature = "kafka")]

mod conformance;

use std::time::Duration;

use conformance::{Caps, Harness};
use streamlog::test_util::MockCluster;
use streamlog::{ClientConfig, Cluster, TopicConfig};

struct Mock(MockCluster);

impl Harness for Mock {
    fn cluster(&self) -> &Cluster {
        self.0.cluster()
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
        self.0.create_topic(name, config.partitions);
    }
}

conformance_tests!(Some(Mock(MockCluster::new(3))));

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
    assert!(err.is_retriable(), "an outage: {err}");
    let library_error = std::error::Error::source(&err).expect("the client library's error is kept");
    assert!(
        library_error.downcast_ref::<streamlog::KafkaError>().is_some(),
        "{library_error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
}
