//! The conformance suite on the Kafka backend against a real Apache Kafka broker over
//! TCP, at `KAFKA_BOOTSTRAP_SERVERS` (`scripts/test` starts Kafka 4.4 and sets it).
//! Without it the tests are skipped, except under `CI=true` where a missing or
//! unreachable broker fails them. Every scenario runs here with all its assertions.
#![cfg(feature = "kafka")]

mod conformance;

use std::time::Duration;

use conformance::{Caps, Harness};
use streamlog::test_util::ci_broker;
use streamlog::{Cluster, TopicConfig};

struct Broker {
    cluster: Cluster,
}

fn broker() -> Option<Broker> {
    ci_broker().map(|cluster| Broker { cluster })
}

impl Harness for Broker {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn caps(&self) -> Caps {
        Caps::ALL
    }
    /// Kafka never cleans a log's active segment: segments roll after 100 ms, the
    /// cleaner takes any dirt at all, and compacted records are looked for until
    /// patience runs out (the broker checks every `log.cleaner.backoff.ms`).
    fn compacted_topic(&self, config: TopicConfig) -> TopicConfig {
        config
            .set("segment.ms", "100")
            .set("min.cleanable.dirty.ratio", "0.001")
            .set("min.compaction.lag.ms", "0")
    }
    fn segment_roll(&self) -> Duration {
        Duration::from_millis(300)
    }
}

conformance_tests!(broker());
