//! The conformance suite on the Kafka backend against a real Apache Kafka broker over
//! TCP, at `KAFKA_BOOTSTRAP_SERVERS` (`scripts/test` starts Kafka 4.4 and sets it).
//! Without it the tests are skipped, except under `CI=true` where a missing or
//! unreachable broker fails them. Every scenario runs here with all its assertions.
#![cfg(feature = "kafka")]

mod conformance;

use conformance::RealBroker;
use streamlog::test_util::ci_broker;

fn broker() -> Option<RealBroker> {
    ci_broker().map(|cluster| RealBroker { cluster })
}

conformance_tests!(broker());
