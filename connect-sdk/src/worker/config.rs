//! The worker's own configuration: Kafka Connect's `worker.properties` keys.

use std::time::Duration;

use streamlog::ClientConfig;

use crate::config::{ConfigReader, Properties};
use crate::error::{Error, Result};

/// Keys a worker takes as they are; prefixes below take any key under them.
const KNOWN_KEYS: &[&str] = &[
    "bootstrap.servers",
    "group.id",
    "client.id",
    "key.converter",
    "value.converter",
    "header.converter",
    "offset.flush.interval.ms",
    "offset.flush.timeout.ms",
    "config.storage.topic",
    "offset.storage.topic",
    "status.storage.topic",
    "config.storage.replication.factor",
    "offset.storage.replication.factor",
    "status.storage.replication.factor",
    "offset.storage.partitions",
    "status.storage.partitions",
    "offset.storage.file.filename",
    "exactly.once.source.support",
    "listeners",
    "rest.advertised.host.name",
    "rest.advertised.port",
    "rest.advertised.listener",
    "plugin.path",
    "plugin.discovery",
    "config.providers",
    "task.shutdown.graceful.timeout.ms",
    "topic.tracking.enable",
    "topic.tracking.allow.reset",
    "connector.client.config.override.policy",
    "security.protocol",
    "request.timeout.ms",
];

/// Prefixes under which any key is taken: client settings and plugin settings.
const KNOWN_PREFIXES: &[&str] = &[
    "key.converter.",
    "value.converter.",
    "header.converter.",
    "producer.",
    "consumer.",
    "admin.",
    "config.providers.",
    "sasl.",
    "ssl.",
];

/// Keys a worker accepts for compatibility with Kafka Connect's files but does not use,
/// with why; each is named in a warning when set.
const IGNORED_KEYS: &[(&str, &str)] = &[
    (
        "offset.storage.file.filename",
        "offsets are kept in `offset.storage.topic`",
    ),
    (
        "plugin.path",
        "connectors are Rust types registered in the worker's plugins",
    ),
    (
        "plugin.discovery",
        "connectors are Rust types registered in the worker's plugins",
    ),
    (
        "connector.client.config.override.policy",
        "every `producer.override.*` and `consumer.override.*` key is applied",
    ),
];

/// Whether source connectors may run exactly once (`exactly.once.source.support`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactlyOnceSource {
    /// Records and source offsets are written separately (at least once).
    Disabled,
    /// Records and source offsets are committed in one transaction per batch.
    Enabled,
}

/// A worker's configuration (Kafka Connect's `WorkerConfig`), from its properties.
///
/// ```
/// use connect_sdk::config::Properties;
/// use connect_sdk::worker::WorkerConfig;
///
/// let config = WorkerConfig::from_properties(&Properties::from([
///     ("bootstrap.servers".into(), "embedded:".into()),
///     ("offset.flush.interval.ms".into(), "1000".into()),
/// ]))?;
/// assert_eq!(config.offset_flush_interval.as_millis(), 1000);
/// assert_eq!(config.config_topic, "connect-configs");
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Every property as given (converter defaults, client settings).
    pub properties: Properties,
    /// `group.id`: names the worker's cluster, and prefixes transactional ids.
    pub group_id: String,
    /// `config.storage.topic`: connector configs and target states.
    pub config_topic: String,
    /// `offset.storage.topic`: source offsets.
    pub offset_topic: String,
    /// `status.storage.topic`: connector and task states, and active topics.
    pub status_topic: String,
    /// `offset.storage.partitions`.
    pub offset_partitions: i32,
    /// `status.storage.partitions`.
    pub status_partitions: i32,
    /// `offset.flush.interval.ms`: how often offsets are committed.
    pub offset_flush_interval: Duration,
    /// `offset.flush.timeout.ms`: how long a commit may wait for records to be written.
    pub offset_flush_timeout: Duration,
    /// `exactly.once.source.support`.
    pub exactly_once_source: ExactlyOnceSource,
    /// `task.shutdown.graceful.timeout.ms`.
    pub task_shutdown_timeout: Duration,
    /// `topic.tracking.enable`.
    pub topic_tracking: bool,
    /// `topic.tracking.allow.reset`.
    pub topic_tracking_reset: bool,
}

fn millis(reader: &ConfigReader<'_>, key: &str, default: i64) -> Result<Duration> {
    let value = match reader.string(key) {
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::config(key, text, "Not a number of type LONG"))?,
        None => default,
    };
    u64::try_from(value)
        .map(Duration::from_millis)
        .map_err(|_| Error::config(key, value, "Value must be at least 0"))
}

impl WorkerConfig {
    /// The config of `properties`; an unknown key is an error naming it (keys under
    /// `producer.`, `consumer.`, `admin.`, the converters' and the config providers'
    /// prefixes are passed on).
    pub fn from_properties(properties: &Properties) -> Result<Self> {
        for key in properties.keys() {
            let known =
                KNOWN_KEYS.contains(&key.as_str()) || KNOWN_PREFIXES.iter().any(|p| key.starts_with(p));
            if !known {
                return Err(Error::config_message(
                    key.clone(),
                    format!("Unknown worker configuration '{key}'"),
                ));
            }
        }
        for (key, why) in IGNORED_KEYS {
            if properties.contains_key(*key) {
                tracing::warn!("worker configuration '{key}' is accepted and not used: {why}");
            }
        }
        let reader = ConfigReader::new(properties);
        let string = |key: &str, default: &str| reader.string(key).unwrap_or(default).trim().to_owned();
        let partitions = |key: &str, default: i32| -> Result<i32> {
            let n = reader.int(key, default)?;
            if n < 1 {
                return Err(Error::config(key, n, "Value must be at least 1"));
            }
            Ok(n)
        };
        let exactly_once_source = match reader.choice(
            "exactly.once.source.support",
            &["disabled", "enabled", "preparing"],
            "disabled",
        )? {
            "enabled" => ExactlyOnceSource::Enabled,
            _ => ExactlyOnceSource::Disabled,
        };
        Ok(WorkerConfig {
            properties: properties.clone(),
            group_id: string("group.id", "connect-cluster"),
            config_topic: string("config.storage.topic", "connect-configs"),
            offset_topic: string("offset.storage.topic", "connect-offsets"),
            status_topic: string("status.storage.topic", "connect-status"),
            offset_partitions: partitions("offset.storage.partitions", 25)?,
            status_partitions: partitions("status.storage.partitions", 5)?,
            offset_flush_interval: millis(&reader, "offset.flush.interval.ms", 60_000)?,
            offset_flush_timeout: millis(&reader, "offset.flush.timeout.ms", 5_000)?,
            exactly_once_source,
            task_shutdown_timeout: millis(&reader, "task.shutdown.graceful.timeout.ms", 5_000)?,
            topic_tracking: reader.boolean("topic.tracking.enable", true)?,
            topic_tracking_reset: reader.boolean("topic.tracking.allow.reset", true)?,
        })
    }

    /// The settings every client of the worker gets: `bootstrap.servers` and the
    /// security keys.
    pub(crate) fn client_base(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in &self.properties {
            if key == "bootstrap.servers"
                || key == "security.protocol"
                || key.starts_with("sasl.")
                || key.starts_with("ssl.")
            {
                config.insert(key.clone(), value.clone());
            }
        }
        config
    }

    /// The client settings under `prefix` (`producer.`, `consumer.`), the prefix removed,
    /// laid over the base settings.
    pub(crate) fn client_config(&self, prefix: &str) -> ClientConfig {
        let mut config = self.client_base();
        for (key, value) in &self.properties {
            if let Some(key) = key.strip_prefix(prefix) {
                config.insert(key.to_owned(), value.clone());
            }
        }
        config
    }

    /// The worker's converter settings (`key.converter`, `value.converter`,
    /// `header.converter` and their `.`-prefixed keys), which a connector's own keys
    /// replace.
    pub(crate) fn converter_defaults(&self) -> Properties {
        self.properties
            .iter()
            .filter(|(k, _)| {
                ["key.converter", "value.converter", "header.converter"]
                    .iter()
                    .any(|p| k.as_str() == *p || k.starts_with(&format!("{p}.")))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The REST listener named by `listeners` (`http://HOST:PORT`), if any.
    pub fn rest_listener(&self) -> Option<String> {
        let listeners = self.properties.get("listeners")?;
        let first = listeners.split(',').next()?.trim();
        Some(first.strip_prefix("http://").unwrap_or(first).to_owned())
    }
}
