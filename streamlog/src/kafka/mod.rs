//! The Kafka backend, on librdkafka through `rdkafka` (feature `kafka`).
//!
//! Every librdkafka property passes through (`security.protocol`, `sasl.*`, `ssl.*`
//! ...); librdkafka refuses unknown ones and we name the key. A few Java-client names
//! that librdkafka lacks are read by `streamlog` itself: `max.poll.records`,
//! `default.api.timeout.ms` (how long blocking calls wait, default 30 s) and
//! `max.block.ms` (how long `send` waits for room in a full queue, default 60 s).
//!
//! A login the broker refuses is [`Error::Authentication`] and a failed TLS handshake
//! [`Error::Tls`], returned by the waiting call as soon as librdkafka reports them.
//! librdkafka's log lines become `tracing` events of target `librdkafka`.
//!
//! librdkafka's default partitioner is CRC32-based; this backend sets
//! `partitioner=murmur2_random` unless told otherwise, so keys land where the Java
//! client and the embedded backend put them.
//!
//! Create times differ from the Java client's at the edges: librdkafka reads a timestamp
//! of 0 as "none" and stamps the record with the producer's clock (the Java client
//! writes 0), and it sends negative timestamps that the Java producer refuses. Records
//! stored with 0 are read back as 0. `tests/java_interop.rs` checks the rest against the
//! Java client.

mod admin;
mod consumer;
mod errors;
mod group;
mod producer;
mod security;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::TopicPartitionList;
use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::error::KafkaError;

use crate::client::{Admin, Consumer, Producer};
use crate::cluster::Backend;
use crate::config::{ClientConfig, STREAMLOG_KEYS};
use crate::error::{Error, Result};
use crate::record::TopicPartition;
use crate::time::Deadline;

pub(crate) use errors::{map_error, wrap};

/// A Kafka cluster reached through librdkafka.
#[derive(Debug)]
pub struct KafkaBackend {
    admin: Arc<admin::KafkaAdmin>,
}

impl KafkaBackend {
    /// Connects and checks that a broker answers within `default.api.timeout.ms`.
    pub fn connect(config: &ClientConfig) -> Result<Self> {
        Ok(Self {
            admin: Arc::new(admin::KafkaAdmin::connect(config)?),
        })
    }
}

impl crate::sealed::Sealed for KafkaBackend {}

impl Backend for KafkaBackend {
    fn name(&self) -> &'static str {
        "kafka"
    }

    fn admin(&self, config: &ClientConfig) -> Result<Box<dyn Admin>> {
        // The connected admin serves every caller; a different configuration gets its own.
        if config == self.admin.config() {
            return Ok(Box::new(self.admin.clone()));
        }
        Ok(Box::new(admin::KafkaAdmin::connect(config)?))
    }

    fn producer(&self, config: &ClientConfig) -> Result<Box<dyn Producer>> {
        Ok(Box::new(producer::KafkaProducer::new(config)?))
    }

    fn consumer(&self, config: &ClientConfig) -> Result<Box<dyn Consumer>> {
        Ok(Box::new(consumer::KafkaConsumer::new(config)?))
    }
}

/// The librdkafka configuration: every property but the ones `streamlog` reads itself.
fn rd_config(config: &ClientConfig) -> RdConfig {
    let mut rd = RdConfig::new();
    for (k, v) in config.iter() {
        if !STREAMLOG_KEYS.contains(&k) {
            rd.set(k, v);
        }
    }
    rd
}

fn api_timeout(config: &ClientConfig) -> Result<Duration> {
    config.millis("default.api.timeout.ms", 30_000)
}

fn servers(config: &ClientConfig) -> String {
    config.get("bootstrap.servers").unwrap_or("").to_owned()
}

/// A consumer group member's identity for transactional offset commits.
#[derive(Clone)]
pub(crate) struct KafkaGroupMetadata(pub(crate) Arc<rdkafka::consumer::ConsumerGroupMetadata>);

impl fmt::Debug for KafkaGroupMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KafkaGroupMetadata")
    }
}

/// A partition list of `partitions`, without offsets.
fn partition_list(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for tp in partitions {
        tpl.add_partition(&tp.topic, tp.partition);
    }
    tpl
}

/// The offsets `consumer`'s group committed for `partitions`, with their notes
/// (`None` where none).
fn committed_offsets<C: rdkafka::consumer::ConsumerContext>(
    consumer: &rdkafka::consumer::BaseConsumer<C>,
    partitions: &[TopicPartition],
    timeout: Duration,
) -> Result<Vec<Option<crate::OffsetAndMetadata>>> {
    use rdkafka::consumer::Consumer as _;
    let committed = retry_transient(timeout, || {
        consumer.committed_offsets(partition_list(partitions), timeout)
    })
    .map_err(|e| map_error("fetch committed offsets", None, e))?;
    Ok(partitions
        .iter()
        .map(|tp| {
            let elem = committed.find_partition(&tp.topic, tp.partition)?;
            match elem.offset() {
                rdkafka::Offset::Offset(offset) => Some(crate::OffsetAndMetadata {
                    offset,
                    metadata: elem.metadata().to_owned(),
                }),
                _ => None,
            }
        })
        .collect())
}

/// Runs `call` again, with a growing pause, while it fails with an error a broker gives
/// for a moment (a coordinator or leader still being elected or loaded, as right after
/// a broker starts or a topic is created), until `patience` has passed; then returns the
/// last error.
fn retry_transient<T>(
    patience: Duration,
    mut call: impl FnMut() -> std::result::Result<T, KafkaError>,
) -> std::result::Result<T, KafkaError> {
    let deadline = Deadline::after(patience);
    let mut pause = Duration::from_millis(50);
    loop {
        match call() {
            Err(e)
                if e.rdkafka_error_code().is_some_and(errors::is_not_ready)
                    && pause < deadline.remaining() =>
            {
                tracing::debug!(error = %e, "transient broker error, trying again");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            other => return other,
        }
    }
}

fn unreachable(config: &ClientConfig, timeout: Duration, err: KafkaError) -> Error {
    Error::BrokerUnreachable {
        servers: servers(config),
        timeout,
        source: wrap(err),
    }
}

#[cfg(test)]
mod retry_tests {
    use std::time::Duration;

    use rdkafka::error::{KafkaError, RDKafkaErrorCode as Code};

    use super::retry_transient;

    #[test]
    fn a_transient_error_is_tried_again_until_the_call_succeeds() {
        let mut calls = 0;
        let got = retry_transient(Duration::from_secs(5), || {
            calls += 1;
            if calls < 3 {
                Err(KafkaError::MetadataFetch(Code::NotCoordinator))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(got.unwrap(), 3);
    }

    #[test]
    fn other_errors_and_spent_patience_return_the_error() {
        let mut calls = 0;
        let got: Result<(), _> = retry_transient(Duration::from_secs(5), || {
            calls += 1;
            Err(KafkaError::MetadataFetch(Code::UnknownTopicOrPartition))
        });
        assert_eq!(
            got.unwrap_err().rdkafka_error_code(),
            Some(Code::UnknownTopicOrPartition)
        );
        assert_eq!(calls, 1, "not a transient error: no second call");

        let started = std::time::Instant::now();
        let got: Result<(), _> = retry_transient(Duration::from_millis(300), || {
            Err(KafkaError::MetadataFetch(Code::CoordinatorLoadInProgress))
        });
        assert_eq!(
            got.unwrap_err().rdkafka_error_code(),
            Some(Code::CoordinatorLoadInProgress)
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "gives up after its patience"
        );
    }
}
