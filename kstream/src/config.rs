//! [`StreamsConfig`]: Kafka Streams' property names and string values, with typed
//! setters, checked when the configuration is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use streamlog::{AutoOffsetReset, ClientConfig, Record};

use crate::error::{Error, Result};
use crate::serdes::retry::DEFAULT_TASK_TIMEOUT;
use crate::store::StoreKind;

/// `statestore.cache.max.records` unless set.
pub(crate) const DEFAULT_CACHE_MAX_RECORDS: usize = 10_000;

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

/// Kafka Streams' default `statestore.cache.max.bytes`: 10 MiB.
pub(crate) const DEFAULT_CACHE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Kafka Streams' `commit.interval.ms` under `exactly_once_v2`: a transaction per
/// interval, and `read_committed` readers wait for it.
const EXACTLY_ONCE_COMMIT_INTERVAL: Duration = Duration::from_millis(100);

/// Kafka Streams' internal config of the emit interval of windowed aggregations that
/// emit on window close.
pub(crate) const WINDOWED_EMIT_INTERVAL: &str = "__emit.interval.ms.kstreams.windowed.aggregation__";
/// Kafka Streams' internal config of the emit interval of left and outer stream-stream
/// joins' results without a partner.
pub(crate) const JOIN_EMIT_INTERVAL: &str = "__emit.interval.ms.kstreams.outer.join.spurious.results.fix__";

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
    /// How often, in wall-clock time, a windowed aggregation that emits on window
    /// close looks for closed windows (Kafka's internal
    /// `__emit.interval.ms.kstreams.windowed.aggregation__`): 1 s, and 0 in the
    /// [`TopologyTestDriver`](crate::TopologyTestDriver), as in Kafka.
    pub windowed_emit_interval: Duration,
    /// How often a left or outer stream-stream join looks for records whose window
    /// closed without a partner (Kafka's internal
    /// `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`): 1 s, and 0 in
    /// the test driver.
    pub join_emit_interval: Duration,
}

/// A test switch: each stream thread stops on the spot at this commit (counted from 1),
/// after the commit's records were sent and before the offsets (at-least-once) or the
/// transaction (exactly-once) commit: a crash in the middle of a commit.
pub(crate) const ABANDON_AT_COMMIT: &str = "__test.abandon.at.commit__";
/// A test switch that plants a bug, for the [simulation](crate::sim) to find: a commit
/// commits the input offsets before it writes the stores' changelog records (those
/// go with the next commit), so a crash between the two loses the state of records
/// whose offsets are committed.
pub(crate) const OFFSETS_BEFORE_CHANGELOG: &str = "__test.offsets.before.changelog__";
/// The default of both emit intervals (Kafka's).
pub(crate) const DEFAULT_EMIT_INTERVAL: Duration = Duration::from_secs(1);

impl Default for RecordHandling {
    fn default() -> Self {
        RecordHandling {
            deserialization: DeserializationHandler::default(),
            production: ProductionHandler::default(),
            extractor: TimestampExtractor::default(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
            windowed_emit_interval: DEFAULT_EMIT_INTERVAL,
            join_emit_interval: DEFAULT_EMIT_INTERVAL,
        }
    }
}

impl RecordHandling {
    /// The handling `config` asks for; an error naming the first key whose value does
    /// not fit.
    pub fn of(config: &StreamsConfig) -> Result<Self> {
        Ok(config.resolve()?.record_handling())
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

/// `processing.guarantee`: what a failure may do to the records in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProcessingGuarantee {
    /// `at_least_once`: every record is processed, some of them again after a failure
    /// (what was processed since the last commit).
    #[default]
    AtLeastOnce,
    /// `exactly_once_v2`: each commit interval's input offsets, changelog writes and
    /// outputs are one transaction; `read_committed` readers see each result once, and a
    /// failure rolls back to the last commit (the local stores included). The commit
    /// interval defaults to 100 ms, as in Kafka Streams.
    ExactlyOnceV2,
}

impl ProcessingGuarantee {
    /// Kafka Streams' value for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingGuarantee::AtLeastOnce => "at_least_once",
            ProcessingGuarantee::ExactlyOnceV2 => "exactly_once_v2",
        }
    }
}

/// The configuration of a streams application, like [`ClientConfig`]: Kafka Streams
/// property names and string values, with typed setters for the common ones. Keys
/// Kafka Streams does not own (`bootstrap.servers`, `security.protocol`, `ssl.*` ...)
/// go to the log's clients.
///
/// Setting never fails; the configuration is checked when it is used
/// ([`KafkaStreams::new`](crate::KafkaStreams::new),
/// [`TopologyTestDriver::with_config`](crate::TopologyTestDriver::with_config), or
/// [`StreamsConfig::validate`]): a value that does not fit is an
/// [`Error::InvalidConfig`] naming the key and the value, a key that looks like a Kafka
/// Streams property this crate does not know an [`Error::UnknownConfig`].
///
/// ```
/// use std::time::Duration;
/// use kstream::StreamsConfig;
///
/// let config = StreamsConfig::new("billing")
///     .bootstrap_servers("127.0.0.1:9092")
///     .commit_interval(Duration::from_millis(100))
///     .set("default.deserialization.exception.handler", "LogAndContinueExceptionHandler");
/// assert_eq!(config.get("commit.interval.ms"), Some("100"));
/// config.validate().unwrap();
///
/// let typo = StreamsConfig::new("billing").set("num.stream.threads", "two");
/// let err = typo.validate().unwrap_err().to_string();
/// assert!(err.contains("num.stream.threads") && err.contains("two"), "{err}");
/// ```
#[derive(Clone)]
pub struct StreamsConfig {
    properties: BTreeMap<String, String>,
    timestamp_extractor: TimestampExtractor,
}

impl StreamsConfig {
    /// A configuration with Kafka Streams' defaults (commit every 30 s for
    /// at-least-once; one stream thread; state under the system's temp directory).
    pub fn new(application_id: impl Into<String>) -> Self {
        Self {
            properties: BTreeMap::new(),
            timestamp_extractor: TimestampExtractor::default(),
        }
        .application_id(application_id)
    }

    /// Sets a property by its Kafka Streams name (or a client property).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets a property in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.properties.insert(key.into(), value.into());
    }

    /// A property's value as it was set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(String::as_str)
    }

    /// All properties as they were set, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `application.id`: the consumer group, and the prefix of internal topics.
    pub fn application_id(self, id: impl Into<String>) -> Self {
        self.set("application.id", id)
    }

    /// `bootstrap.servers`, passed to the log's clients.
    pub fn bootstrap_servers(self, servers: impl Into<String>) -> Self {
        self.set("bootstrap.servers", servers)
    }

    /// `state.dir`: where persistent stores and checkpoints live (a path that is not
    /// UTF-8 is kept with its invalid bytes replaced).
    pub fn state_dir(self, dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref().to_string_lossy().into_owned();
        self.set("state.dir", dir)
    }

    /// `commit.interval.ms`, in whole milliseconds.
    pub fn commit_interval(self, interval: Duration) -> Self {
        self.set("commit.interval.ms", interval.as_millis().to_string())
    }

    /// `num.stream.threads`.
    pub fn num_stream_threads(self, threads: usize) -> Self {
        self.set("num.stream.threads", threads.to_string())
    }

    /// `application.server`: the `host:port` where this instance answers interactive
    /// queries, announced to the other instances (see
    /// [`KafkaStreams::query_metadata_for_key`](crate::KafkaStreams::query_metadata_for_key)).
    pub fn application_server(self, host_port: impl Into<String>) -> Self {
        self.set("application.server", host_port)
    }

    /// `num.standby.replicas`: how many other instances keep a warm copy of each
    /// task's stores, read from its changelog, so that a failover restores only the
    /// tail.
    pub fn num_standby_replicas(self, replicas: usize) -> Self {
        self.set("num.standby.replicas", replicas.to_string())
    }

    /// `processing.guarantee`.
    pub fn processing_guarantee(self, guarantee: ProcessingGuarantee) -> Self {
        self.set("processing.guarantee", guarantee.as_str())
    }

    /// `auto.offset.reset`: where the stream threads start on a partition the
    /// application has not committed yet (`earliest` unless set, as in Kafka Streams).
    pub fn auto_offset_reset(self, reset: AutoOffsetReset) -> Self {
        self.set("auto.offset.reset", reset.as_str())
    }

    /// `statestore.cache.max.bytes` (Kafka Streams' default, 10 MiB): the record cache
    /// of the stream threads, shared out evenly among them. With caching on, a stored
    /// table's or aggregation's updates to one key between two commits are forwarded
    /// downstream once, with the last update's record context; `0` turns caching off,
    /// and every update is forwarded as it happens. A store opts out with
    /// [`Materialized::with_caching_disabled`](crate::Materialized::with_caching_disabled).
    /// The deprecated `cache.max.bytes.buffering` is read too, when this key is not set.
    pub fn cache_max_bytes(self, bytes: usize) -> Self {
        self.set("statestore.cache.max.bytes", bytes.to_string())
    }

    /// `statestore.cache.max.records`: a task commits early when a store's cache
    /// holds more keys.
    pub fn cache_max_records(self, records: usize) -> Self {
        self.set("statestore.cache.max.records", records.to_string())
    }

    /// `task.timeout.ms` (default 5 minutes, as Kafka Streams): how long a task retries a
    /// record whose serde's dependency is unavailable (a schema registry that does not
    /// answer) before it fails. While it retries (10 ms backoff, doubling to 1 s) the
    /// stream thread waits on that record: nothing is skipped or dead-lettered and no
    /// offset is committed past it; past the timeout the task fails with
    /// [`Error::SerdeUnavailable`] naming the record, and the stream thread reports it as
    /// the application's failure. With the Kafka backend keep it below the consumer's
    /// `max.poll.interval.ms` (also 5 minutes by default), or the group moves the
    /// partitions away meanwhile.
    pub fn task_timeout(self, timeout: Duration) -> Self {
        self.set("task.timeout.ms", timeout.as_millis().to_string())
    }

    /// `default.dsl.store`: the backend of stores that do not choose one.
    pub fn default_store(self, kind: StoreKind) -> Self {
        let value = match kind {
            StoreKind::InMemory => "in_memory",
            #[cfg(feature = "rocksdb")]
            StoreKind::RocksDb => "rocksDB",
        };
        self.set("default.dsl.store", value)
    }

    /// Sets the timestamp extractor (event time; `default.timestamp.extractor`).
    pub fn timestamp_extractor(mut self, extractor: TimestampExtractor) -> Self {
        self.timestamp_extractor = extractor;
        self
    }

    /// Checks every property: the first one that does not fit is the error.
    pub fn validate(&self) -> Result<()> {
        self.resolve().map(drop)
    }

    /// The typed settings; an error naming the first key that does not fit.
    pub(crate) fn resolve(&self) -> Result<StreamsSettings> {
        let mut settings = StreamsSettings {
            application_id: String::new(),
            num_stream_threads: 1,
            commit_interval: Duration::from_secs(30),
            state_dir: std::env::temp_dir().join("kstream"),
            deserialization_handler: ErrorHandler::Fail,
            production_handler: ErrorHandler::Fail,
            timestamp_extractor: self.timestamp_extractor.clone(),
            cache_max_records: DEFAULT_CACHE_MAX_RECORDS,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            default_store: StoreKind::InMemory,
            client: ClientConfig::new(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
            windowed_emit_interval: None,
            join_emit_interval: None,
            guarantee: ProcessingGuarantee::AtLeastOnce,
            abandon_at_commit: None,
            offsets_before_changelog: false,
            application_server: None,
            num_standby_replicas: 0,
        };
        let mut dead_letter_topic = None;
        let mut buffering = None;
        let (mut deserialization, mut production) = (None, None);
        for (key, value) in self.iter() {
            let bad = |reason: &str| Error::InvalidConfig {
                key: key.to_owned(),
                value: ClientConfig::shown(key, value).into_owned(),
                reason: reason.to_owned(),
            };
            match key {
                "application.id" => settings.application_id = application_id(value).map_err(bad)?,
                "num.stream.threads" => {
                    settings.num_stream_threads = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("expected a positive number"))?
                }
                "commit.interval.ms" => {
                    settings.commit_interval = value
                        .parse()
                        .map(Duration::from_millis)
                        .map_err(|_| bad("expected a number of milliseconds"))?
                }
                "state.dir" => settings.state_dir = PathBuf::from(value),
                WINDOWED_EMIT_INTERVAL | JOIN_EMIT_INTERVAL => {
                    let interval = value
                        .parse()
                        .map(Duration::from_millis)
                        .map_err(|_| bad("expected a number of milliseconds"))?;
                    if key == WINDOWED_EMIT_INTERVAL {
                        settings.windowed_emit_interval = Some(interval);
                    } else {
                        settings.join_emit_interval = Some(interval);
                    }
                }
                "num.standby.replicas" => {
                    settings.num_standby_replicas = value
                        .parse()
                        .map_err(|_| bad("expected a number of replicas (0 for none)"))?
                }
                "application.server" => {
                    settings.application_server =
                        Some(crate::runtime::HostInfo::parse(value).map_err(|e| bad(&e))?)
                }
                OFFSETS_BEFORE_CHANGELOG => {
                    settings.offsets_before_changelog =
                        value.parse().map_err(|_| bad("expected true or false"))?
                }
                ABANDON_AT_COMMIT => {
                    settings.abandon_at_commit =
                        Some(value.parse().map_err(|_| bad("expected a commit number"))?)
                }
                "task.timeout.ms" => {
                    settings.task_timeout = value
                        .parse()
                        .map(Duration::from_millis)
                        .map_err(|_| bad("expected a number of milliseconds"))?
                }
                "statestore.cache.max.bytes" => {
                    settings.cache_max_bytes = value.parse().map_err(|_| bad("expected a number of bytes"))?
                }
                "cache.max.bytes.buffering" => {
                    buffering = Some(value.parse().map_err(|_| bad("expected a number of bytes"))?)
                }
                "statestore.cache.max.records" => {
                    settings.cache_max_records = value.parse().map_err(|_| bad("expected a number"))?
                }
                "processing.guarantee" => {
                    settings.guarantee = match value {
                        "at_least_once" => ProcessingGuarantee::AtLeastOnce,
                        "exactly_once_v2" => ProcessingGuarantee::ExactlyOnceV2,
                        _ => return Err(bad("expected at_least_once or exactly_once_v2")),
                    }
                }
                "default.deserialization.exception.handler" => {
                    deserialization = Some(match value {
                        "fail"
                        | "LogAndFailExceptionHandler"
                        | "org.apache.kafka.streams.errors.LogAndFailExceptionHandler" => ErrorHandler::Fail,
                        "continue"
                        | "LogAndContinueExceptionHandler"
                        | "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler" => {
                            ErrorHandler::LogAndContinue
                        }
                        _ => {
                            return Err(bad(
                                "expected LogAndFailExceptionHandler or LogAndContinueExceptionHandler",
                            ));
                        }
                    })
                }
                "default.production.exception.handler" => {
                    production = Some(match value {
                        "fail"
                        | "DefaultProductionExceptionHandler"
                        | "org.apache.kafka.streams.errors.DefaultProductionExceptionHandler" => {
                            ErrorHandler::Fail
                        }
                        "continue" => ErrorHandler::LogAndContinue,
                        _ => {
                            return Err(bad(
                                "expected DefaultProductionExceptionHandler, `fail` or `continue`",
                            ));
                        }
                    })
                }
                "errors.deadletterqueue.topic.name" => dead_letter_topic = Some(value),
                "default.dsl.store" => {
                    settings.default_store = match value {
                        "in_memory" => StoreKind::InMemory,
                        #[cfg(feature = "rocksdb")]
                        "rocksDB" => StoreKind::RocksDb,
                        #[cfg(not(feature = "rocksdb"))]
                        "rocksDB" => return Err(bad("this build has no RocksDB stores (feature `rocksdb`)")),
                        _ => return Err(bad("expected rocksDB or in_memory")),
                    }
                }
                k if is_streams_key(k) => return Err(Error::UnknownConfig { key: k.to_owned() }),
                _ => settings.client.insert(key, value),
            }
        }
        if let Some(bytes) = buffering.filter(|_| self.get("statestore.cache.max.bytes").is_none()) {
            settings.cache_max_bytes = bytes;
        }
        // A dead letter topic applies to the handlers not set explicitly.
        let default =
            || dead_letter_topic.map_or(ErrorHandler::Fail, |t| ErrorHandler::DeadLetter(t.to_owned()));
        settings.deserialization_handler = deserialization.unwrap_or_else(default);
        settings.production_handler = production.unwrap_or_else(default);
        if settings.guarantee == ProcessingGuarantee::ExactlyOnceV2
            && self.get("commit.interval.ms").is_none()
        {
            settings.commit_interval = EXACTLY_ONCE_COMMIT_INTERVAL;
        }
        Ok(settings)
    }
}

/// Kafka Streams' own property names (not passed to clients).
fn is_streams_key(key: &str) -> bool {
    // Client properties under Kafka Streams' prefixes, passed to the clients as Kafka
    // Streams passes them.
    const CLIENT: &[&str] = &["default.api.timeout.ms"];
    if CLIENT.contains(&key) {
        return false;
    }
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
        "__emit.interval.ms.",
    ];
    STREAMS.iter().any(|p| key.starts_with(p))
}

impl std::fmt::Debug for StreamsConfig {
    /// The properties, with secret values (passwords, keys, credentials, URL passwords)
    /// hidden as `streamlog`'s [`ClientConfig::shown`] hides them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k, ClientConfig::shown(k, v))))
            .finish()
    }
}

/// One `key=value` line per property, secret values hidden as in `Debug` (as
/// [`ClientConfig`]'s `Display` writes them).
impl std::fmt::Display for StreamsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.iter().collect::<ClientConfig>(), f)
    }
}

/// A valid `application.id`: not empty, and only what a topic name may hold (it
/// prefixes the internal topics).
fn application_id(value: &str) -> std::result::Result<String, &'static str> {
    if value.is_empty() {
        return Err("expected a name, got an empty one");
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("expected letters, digits, `.`, `_` and `-` only (it prefixes topic names)");
    }
    Ok(value.to_owned())
}

/// A [`StreamsConfig`] checked and typed: what the runtime and the test driver run with.
#[derive(Debug, Clone)]
pub(crate) struct StreamsSettings {
    /// `application.id`.
    pub(crate) application_id: String,
    /// `num.stream.threads`.
    pub(crate) num_stream_threads: usize,
    /// `commit.interval.ms`.
    pub(crate) commit_interval: Duration,
    /// `state.dir`.
    pub(crate) state_dir: PathBuf,
    /// `default.deserialization.exception.handler`.
    deserialization_handler: DeserializationHandler,
    /// `default.production.exception.handler`.
    production_handler: ProductionHandler,
    /// Event time.
    timestamp_extractor: TimestampExtractor,
    /// `statestore.cache.max.records`.
    pub(crate) cache_max_records: usize,
    /// `statestore.cache.max.bytes`.
    pub(crate) cache_max_bytes: usize,
    /// `default.dsl.store`.
    pub(crate) default_store: StoreKind,
    /// The properties passed to the log's clients.
    pub(crate) client: ClientConfig,
    /// `task.timeout.ms`.
    pub(crate) task_timeout: Duration,
    /// Kafka's internal emit intervals, when set.
    pub(crate) windowed_emit_interval: Option<Duration>,
    pub(crate) join_emit_interval: Option<Duration>,
    /// `processing.guarantee`.
    pub(crate) guarantee: ProcessingGuarantee,
    /// The test switch [`ABANDON_AT_COMMIT`], when set.
    pub(crate) abandon_at_commit: Option<u64>,
    /// The test switch [`OFFSETS_BEFORE_CHANGELOG`].
    pub(crate) offsets_before_changelog: bool,
    /// `application.server`: where this instance answers interactive queries.
    pub(crate) application_server: Option<crate::runtime::HostInfo>,
    /// `num.standby.replicas`: warm copies of each task's stores on other instances.
    pub(crate) num_standby_replicas: usize,
}

impl StreamsSettings {
    /// How tasks treat records.
    pub(crate) fn record_handling(&self) -> RecordHandling {
        RecordHandling {
            deserialization: self.deserialization_handler.clone(),
            production: self.production_handler.clone(),
            extractor: self.timestamp_extractor.clone(),
            task_timeout: self.task_timeout,
            windowed_emit_interval: self.windowed_emit_interval.unwrap_or(DEFAULT_EMIT_INTERVAL),
            join_emit_interval: self.join_emit_interval.unwrap_or(DEFAULT_EMIT_INTERVAL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dsl_store_picks_the_backend_of_stores_that_do_not_choose() {
        let c = StreamsConfig::new("app").default_store(StoreKind::InMemory);
        assert_eq!(c.resolve().unwrap().default_store, StoreKind::InMemory);
        #[cfg(feature = "rocksdb")]
        assert_eq!(
            StreamsConfig::new("app")
                .set("default.dsl.store", "rocksDB")
                .resolve()
                .unwrap()
                .default_store,
            StoreKind::RocksDb
        );
        let err = StreamsConfig::new("app")
            .set("default.dsl.store", "tape")
            .resolve()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidConfig { key, value, .. } if key == "default.dsl.store" && value == "tape"),
            "{err}"
        );
    }

    #[test]
    fn properties_by_their_kafka_streams_names_and_typed_setters_agree() {
        let by_name = StreamsConfig::new("app")
            .set("commit.interval.ms", "100")
            .set("num.stream.threads", "2")
            .set("bootstrap.servers", "127.0.0.1:9092")
            .set("state.dir", "/var/lib/app")
            .set("processing.guarantee", "at_least_once")
            .set("auto.offset.reset", "latest")
            .set("statestore.cache.max.records", "5")
            .set("security.protocol", "plaintext");
        let typed = StreamsConfig::new("app")
            .commit_interval(Duration::from_millis(100))
            .num_stream_threads(2)
            .bootstrap_servers("127.0.0.1:9092")
            .state_dir("/var/lib/app")
            .processing_guarantee(ProcessingGuarantee::AtLeastOnce)
            .auto_offset_reset(AutoOffsetReset::Latest)
            .cache_max_records(5)
            .set("security.protocol", "plaintext");
        assert_eq!(by_name.properties, typed.properties);
        let c = typed.resolve().unwrap();
        assert_eq!(c.application_id, "app");
        assert_eq!(c.commit_interval, Duration::from_millis(100));
        assert_eq!(c.num_stream_threads, 2);
        assert_eq!(c.state_dir, PathBuf::from("/var/lib/app"));
        assert_eq!(c.cache_max_records, 5);
        assert_eq!(c.client.get("security.protocol"), Some("plaintext"));
        assert_eq!(c.client.get("bootstrap.servers"), Some("127.0.0.1:9092"));
        assert_eq!(c.client.get("auto.offset.reset"), Some("latest"));
        assert_eq!(c.client.get("commit.interval.ms"), None);
    }

    #[test]
    fn exactly_once_v2_is_read_and_commits_every_100_ms_unless_told() {
        let eos = StreamsConfig::new("app").processing_guarantee(ProcessingGuarantee::ExactlyOnceV2);
        assert_eq!(eos.get("processing.guarantee"), Some("exactly_once_v2"));
        let settings = eos.resolve().unwrap();
        assert_eq!(settings.guarantee, ProcessingGuarantee::ExactlyOnceV2);
        assert_eq!(settings.commit_interval, Duration::from_millis(100));
        let set = StreamsConfig::new("app")
            .set("processing.guarantee", "exactly_once_v2")
            .commit_interval(Duration::from_secs(2))
            .resolve()
            .unwrap();
        assert_eq!(set.commit_interval, Duration::from_secs(2));
        let alos = StreamsConfig::new("app").resolve().unwrap();
        assert_eq!(
            (alos.guarantee, alos.commit_interval),
            (ProcessingGuarantee::AtLeastOnce, Duration::from_secs(30))
        );
    }

    #[test]
    fn bad_values_and_unknown_keys_are_named_when_the_config_is_used() {
        for (key, value) in [
            ("num.stream.threads", "zero"),
            ("num.stream.threads", "0"),
            ("commit.interval.ms", "soon"),
            ("statestore.cache.max.records", "-1"),
            ("processing.guarantee", "exactly_once"),
            ("default.deserialization.exception.handler", "shrug"),
            ("application.id", ""),
            ("application.id", "my app"),
        ] {
            // Setting never fails: the error comes with validation.
            let config = StreamsConfig::new("app").set(key, value);
            match config.validate().unwrap_err() {
                Error::InvalidConfig { key: k, value: v, .. } => {
                    assert_eq!((k.as_str(), v.as_str()), (key, value))
                }
                other => panic!("{key}={value}: expected an invalid value, got {other}"),
            }
        }
        let err = StreamsConfig::new("app")
            .set("state.dirr", "/tmp")
            .validate()
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownConfig { key } if key == "state.dirr"),
            "{err}"
        );
        assert!(err.to_string().contains("`state.dirr`"), "{err}");
    }

    #[test]
    fn a_dead_letter_topic_applies_to_the_handlers_not_set() {
        let c = StreamsConfig::new("app")
            .set("errors.deadletterqueue.topic.name", "dlq")
            .set(
                "default.deserialization.exception.handler",
                "LogAndContinueExceptionHandler",
            )
            .resolve()
            .unwrap()
            .record_handling();
        assert_eq!(c.deserialization, ErrorHandler::LogAndContinue);
        assert_eq!(c.production, ErrorHandler::DeadLetter("dlq".into()));
        let c = StreamsConfig::new("app").resolve().unwrap().record_handling();
        assert_eq!(
            (c.deserialization, c.production),
            (ErrorHandler::Fail, ErrorHandler::Fail)
        );
    }

    #[test]
    fn task_timeout_defaults_to_kafka_streams_and_is_checked() {
        let c = StreamsConfig::new("app");
        assert_eq!(
            c.resolve().unwrap().task_timeout,
            Duration::from_secs(300),
            "Kafka Streams' default"
        );
        let c = c.task_timeout(Duration::from_millis(2500));
        assert_eq!(c.get("task.timeout.ms"), Some("2500"));
        assert_eq!(
            RecordHandling::of(&c).unwrap().task_timeout,
            Duration::from_millis(2500)
        );
        let err = StreamsConfig::new("app")
            .set("task.timeout.ms", "soon")
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("task.timeout.ms"), "{err}");
    }

    #[test]
    fn debug_hides_secret_values() {
        let config = StreamsConfig::new("app")
            .set("sasl.password", "hunter2")
            .set(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule password=\"p4ss\";",
            )
            .set("ssl.key.password", "k3y")
            .set("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----")
            .set("basic.auth.user.info", "user:s3cret")
            .set("security.protocol", "SASL_SSL");
        let shown = format!("{config:?}\n{config}");
        for secret in ["hunter2", "p4ss", "k3y", "PRIVATE KEY", "s3cret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("sasl.password=[hidden]"), "{shown}");
        assert!(shown.contains("\"sasl.password\": \"[hidden]\""), "{shown}");
        assert!(
            shown.contains("SASL_SSL") && shown.contains("\"application.id\": \"app\""),
            "{shown}"
        );
    }
}
