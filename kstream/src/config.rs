//! [`StreamsConfig`]: a typed builder that also takes Kafka Streams' property names.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use streamlog::{ClientConfig, Record};

use crate::error::{Error, Result};
use crate::serdes::retry::DEFAULT_TASK_TIMEOUT;
use crate::store::StoreKind;

/// What to do with a record that cannot be handled: as [`DeserializationHandler`], a
/// consumed record whose key or value does not deserialize; as [`ProductionHandler`], a
/// record the topology produces whose key or value does not serialize.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ErrorHandler {
    /// Stop the application with the error (Kafka Streams' `LogAndFailExceptionHandler`,
    /// `DefaultProductionExceptionHandler`).
    #[default]
    Fail,
    /// Log it, count it and go on (`LogAndContinueExceptionHandler`).
    LogAndContinue,
    /// Write the record to this topic, with headers naming the error and the input record
    /// it came from (`__dlq.error`, `__dlq.topic`, `__dlq.partition`, `__dlq.offset`).
    /// A consumed record goes there raw; a produced record that does not serialize goes
    /// there with a null key and value and `__dlq.sink` naming the topic it was for.
    DeadLetter(String),
}

/// The handler for consumed records that do not deserialize
/// (`default.deserialization.exception.handler`).
pub type DeserializationHandler = ErrorHandler;

/// The handler for produced records that do not serialize
/// (`default.production.exception.handler`).
pub type ProductionHandler = ErrorHandler;

/// How a task treats records: the two handlers, the timestamp extractor, and how long
/// a record may wait for a serde's unavailable dependency.
#[derive(Debug, Clone)]
pub struct RecordHandling {
    /// For records that do not deserialize.
    pub deserialization: DeserializationHandler,
    /// For records that do not serialize.
    pub production: ProductionHandler,
    /// Event time.
    pub extractor: TimestampExtractor,
    /// `task.timeout.ms`: see [`StreamsConfig::task_timeout`].
    pub task_timeout: Duration,
}

impl Default for RecordHandling {
    fn default() -> Self {
        RecordHandling {
            deserialization: DeserializationHandler::default(),
            production: ProductionHandler::default(),
            extractor: TimestampExtractor::default(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
        }
    }
}

impl RecordHandling {
    /// The handling `config` asks for.
    pub fn of(config: &StreamsConfig) -> Self {
        RecordHandling {
            deserialization: config.deserialization_handler.clone(),
            production: config.production_handler.clone(),
            extractor: config.timestamp_extractor.clone(),
            task_timeout: config.task_timeout,
        }
    }
}

/// Event time: the timestamp a record is processed with (`default.timestamp.extractor`).
/// It gets the record and the task's stream time so far; the default takes the
/// record's own timestamp, or the stream time for a record without one.
#[derive(Clone)]
pub struct TimestampExtractor(Arc<ExtractFn>);

/// The function behind a [`TimestampExtractor`].
type ExtractFn = dyn Fn(&Record, i64) -> i64 + Send + Sync;

impl TimestampExtractor {
    /// An extractor from a function of the record and the stream time.
    pub fn new(f: impl Fn(&Record, i64) -> i64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// The event time of `record`.
    pub fn extract(&self, record: &Record, stream_time: i64) -> i64 {
        (self.0)(record, stream_time)
    }
}

impl Default for TimestampExtractor {
    fn default() -> Self {
        Self::new(|record, stream_time| record.timestamp.millis().unwrap_or(stream_time))
    }
}

impl std::fmt::Debug for TimestampExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TimestampExtractor")
    }
}

/// The configuration of a streams application.
#[derive(Debug, Clone)]
pub struct StreamsConfig {
    /// `application.id`: the consumer group, and the prefix of internal topics.
    pub application_id: String,
    /// `num.stream.threads`.
    pub num_stream_threads: usize,
    /// `commit.interval.ms`.
    pub commit_interval: Duration,
    /// `state.dir`: where persistent stores and checkpoints live.
    pub state_dir: PathBuf,
    /// `default.deserialization.exception.handler`.
    pub deserialization_handler: DeserializationHandler,
    /// `default.production.exception.handler`.
    pub production_handler: ProductionHandler,
    /// `default.timestamp.extractor`.
    pub timestamp_extractor: TimestampExtractor,
    /// `statestore.cache.max.records`: a task flushes its stores early when a store's
    /// cache holds more keys.
    pub cache_max_records: usize,
    /// The backend of stores that do not choose one (`default.dsl.store`: `in_memory`,
    /// or `rocksDB` with feature `rocksdb`).
    pub default_store: StoreKind,
    /// Properties passed to the log's clients (`bootstrap.servers`, `security.protocol` ...).
    pub client: ClientConfig,
    /// `task.timeout.ms`: see [`StreamsConfig::task_timeout`].
    pub task_timeout: Duration,
}

impl StreamsConfig {
    /// A configuration with Kafka Streams' defaults (commit every 30 s for
    /// at-least-once; one stream thread; state under the system's temp directory).
    pub fn new(application_id: impl Into<String>) -> Self {
        Self {
            application_id: application_id.into(),
            num_stream_threads: 1,
            commit_interval: Duration::from_secs(30),
            state_dir: std::env::temp_dir().join("kstream"),
            deserialization_handler: DeserializationHandler::Fail,
            production_handler: ProductionHandler::Fail,
            timestamp_extractor: TimestampExtractor::default(),
            cache_max_records: 10_000,
            default_store: StoreKind::InMemory,
            client: ClientConfig::new(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
        }
    }

    /// Sets `task.timeout.ms` (default 5 minutes, as Kafka Streams): how long a task
    /// retries a record whose serde's dependency is unavailable (a schema registry that
    /// does not answer) before it fails. While it retries (10 ms backoff, doubling to
    /// 1 s) the stream thread waits on that record: nothing is skipped or
    /// dead-lettered and no offset is committed past it; past the timeout the task
    /// fails with [`Error::SerdeUnavailable`] naming
    /// the record, and the stream thread reports it as the application's failure.
    /// With the Kafka backend keep it below the consumer's `max.poll.interval.ms`
    /// (also 5 minutes by default), or the group moves the partitions away meanwhile.
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = timeout;
        self
    }

    /// Sets the timestamp extractor (event time).
    pub fn timestamp_extractor(mut self, extractor: TimestampExtractor) -> Self {
        self.timestamp_extractor = extractor;
        self
    }

    /// Sets a property by its Kafka Streams name; other names go to the clients
    /// (`bootstrap.servers`, `ssl.*` ...) unless they look like a Streams property this
    /// crate does not know, which is an error naming the key.
    pub fn set(mut self, key: &str, value: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Config {
            key: key.to_owned(),
            reason: format!("`{value}`: {reason}"),
        };
        let millis = || {
            value
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| bad("not a number of milliseconds"))
        };
        match key {
            "application.id" => self.application_id = value.to_owned(),
            "num.stream.threads" => {
                self.num_stream_threads = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("not a positive number"))?
            }
            "commit.interval.ms" => self.commit_interval = millis()?,
            "task.timeout.ms" => self.task_timeout = millis()?,
            "state.dir" => self.state_dir = PathBuf::from(value),
            "statestore.cache.max.records" => {
                self.cache_max_records = value.parse().map_err(|_| bad("not a number"))?
            }
            "processing.guarantee" => match value {
                "at_least_once" => {}
                _ => return Err(bad("this version runs at_least_once only")),
            },
            "default.deserialization.exception.handler" => {
                self.deserialization_handler = match value {
                    "fail" | "org.apache.kafka.streams.errors.LogAndFailExceptionHandler" => {
                        DeserializationHandler::Fail
                    }
                    "continue" | "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler" => {
                        DeserializationHandler::LogAndContinue
                    }
                    _ => {
                        return Err(bad(
                            "expected LogAndFailExceptionHandler or LogAndContinueExceptionHandler",
                        ));
                    }
                }
            }
            "default.dsl.store" => {
                self.default_store = match value {
                    "in_memory" => StoreKind::InMemory,
                    #[cfg(feature = "rocksdb")]
                    "rocksDB" => StoreKind::RocksDb,
                    #[cfg(not(feature = "rocksdb"))]
                    "rocksDB" => return Err(bad("this build has no RocksDB stores (feature `rocksdb`)")),
                    _ => return Err(bad("expected rocksDB or in_memory")),
                }
            }
            "default.production.exception.handler" => {
                self.production_handler = match value {
                    "fail" | "org.apache.kafka.streams.errors.DefaultProductionExceptionHandler" => {
                        ProductionHandler::Fail
                    }
                    "continue" => ProductionHandler::LogAndContinue,
                    _ => {
                        return Err(bad(
                            "expected DefaultProductionExceptionHandler, `fail` or `continue`",
                        ));
                    }
                }
            }
            "errors.deadletterqueue.topic.name" => {
                self.deserialization_handler = ErrorHandler::DeadLetter(value.to_owned());
                self.production_handler = ErrorHandler::DeadLetter(value.to_owned());
            }
            "bootstrap.servers" => self.client.insert(key, value),
            k if is_streams_key(k) => {
                return Err(Error::Config {
                    key: key.to_owned(),
                    reason: "not a property this crate knows".into(),
                });
            }
            _ => self.client.insert(key, value),
        }
        Ok(self)
    }
}

/// Kafka Streams' own property names (not passed to clients).
fn is_streams_key(key: &str) -> bool {
    const STREAMS: &[&str] = &[
        "application.",
        "num.",
        "commit.",
        "state.",
        "statestore.",
        "processing.",
        "default.",
        "cache.",
        "topology.",
        "replication.",
        "window.",
        "max.task.",
        "acceptable.",
        "probing.",
    ];
    STREAMS.iter().any(|p| key.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dsl_store_picks_the_backend_of_stores_that_do_not_choose() {
        let c = StreamsConfig::new("app")
            .set("default.dsl.store", "in_memory")
            .unwrap();
        assert_eq!(c.default_store, StoreKind::InMemory);
        #[cfg(feature = "rocksdb")]
        assert_eq!(
            StreamsConfig::new("app")
                .set("default.dsl.store", "rocksDB")
                .unwrap()
                .default_store,
            StoreKind::RocksDb
        );
        let err = StreamsConfig::new("app")
            .set("default.dsl.store", "tape")
            .unwrap_err();
        assert!(err.to_string().contains("default.dsl.store"), "{err}");
    }

    #[test]
    fn properties_by_their_kafka_streams_names() {
        let c = StreamsConfig::new("app")
            .set("commit.interval.ms", "100")
            .and_then(|c| c.set("num.stream.threads", "2"))
            .and_then(|c| c.set("bootstrap.servers", "127.0.0.1:9092"))
            .and_then(|c| c.set("security.protocol", "plaintext"))
            .unwrap();
        assert_eq!(c.commit_interval, Duration::from_millis(100));
        assert_eq!(c.task_timeout, Duration::from_secs(300), "Kafka Streams' default");
        let c = c.set("task.timeout.ms", "2500").unwrap();
        assert_eq!(c.task_timeout, Duration::from_millis(2500));
        assert_eq!(RecordHandling::of(&c).task_timeout, Duration::from_millis(2500));
        let err = StreamsConfig::new("app")
            .set("task.timeout.ms", "soon")
            .unwrap_err();
        assert!(err.to_string().contains("task.timeout.ms"), "{err}");
        assert_eq!(c.num_stream_threads, 2);
        assert_eq!(c.client.get("security.protocol"), Some("plaintext"));
        let err = StreamsConfig::new("app")
            .set("num.stream.threads", "zero")
            .unwrap_err();
        assert!(err.to_string().contains("num.stream.threads"), "{err}");
        let err = StreamsConfig::new("app").set("state.dirr", "/tmp").unwrap_err();
        assert!(err.to_string().contains("`state.dirr`"), "{err}");
        assert!(
            StreamsConfig::new("app")
                .set("processing.guarantee", "exactly_once_v2")
                .is_err()
        );
    }
}
