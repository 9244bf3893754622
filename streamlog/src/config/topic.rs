//! Topic configuration: partitions, replication and Kafka's topic-level properties.

use std::collections::BTreeMap;

use super::parse_value;
use crate::error::{Error, Result};

/// What the log does with old records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CleanupPolicy {
    /// Delete records older than `retention.ms` (or past `retention.bytes`).
    #[default]
    Delete,
    /// Keep the latest record per key; tombstones go after `delete.retention.ms`.
    Compact,
    /// Both.
    CompactDelete,
}

impl CleanupPolicy {
    /// Whether the policy compacts.
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }

    /// Whether the policy deletes by age or size.
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
}

/// Which time the log stores with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// The producer's timestamp.
    #[default]
    CreateTime,
    /// The time of append.
    LogAppendTime,
}

/// How to create a topic: partitions, replication factor, and topic properties under
/// their Kafka names (`cleanup.policy`, `retention.ms`, ...).
///
/// ```
/// use streamlog::{CleanupPolicy, TopicConfig};
/// let config = TopicConfig::new(3).compacted().set("delete.retention.ms", "0");
/// assert_eq!(config.settings().unwrap().cleanup_policy, CleanupPolicy::Compact);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    /// Number of partitions.
    pub partitions: i32,
    /// Replication factor (ignored by the embedded backend).
    pub replication_factor: i16,
    properties: BTreeMap<String, String>,
}

/// Topic properties the embedded backend knows. The Kafka backend passes every property
/// to the broker, which judges them itself.
const KNOWN_TOPIC_KEYS: &[&str] = &[
    "cleanup.policy",
    "retention.ms",
    "retention.bytes",
    "max.message.bytes",
    "delete.retention.ms",
    "min.cleanable.dirty.ratio",
    "message.timestamp.type",
    "segment.bytes",
    "segment.ms",
    "min.insync.replicas",
    "compression.type",
    "min.compaction.lag.ms",
    "max.compaction.lag.ms",
    "unclean.leader.election.enable",
];

/// The typed view of a [`TopicConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSettings {
    /// `cleanup.policy`.
    pub cleanup_policy: CleanupPolicy,
    /// `retention.ms`; `None` keeps records forever (`-1`).
    pub retention_ms: Option<i64>,
    /// `retention.bytes`; `None` has no size limit (`-1`).
    pub retention_bytes: Option<u64>,
    /// `max.message.bytes`.
    pub max_message_bytes: usize,
    /// `delete.retention.ms`: how long tombstones survive compaction.
    pub delete_retention_ms: i64,
    /// `min.cleanable.dirty.ratio`.
    pub min_cleanable_dirty_ratio: f64,
    /// `message.timestamp.type`.
    pub timestamp_type: TimestampType,
}

impl TopicConfig {
    /// A topic of `partitions` partitions, replication factor 1, default properties.
    pub fn new(partitions: i32) -> Self {
        Self {
            partitions,
            replication_factor: 1,
            properties: BTreeMap::new(),
        }
    }

    /// Sets a topic property by its Kafka name.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// Sets the replication factor.
    pub fn replication_factor(mut self, factor: i16) -> Self {
        self.replication_factor = factor;
        self
    }

    /// `cleanup.policy=compact`.
    pub fn compacted(self) -> Self {
        self.set("cleanup.policy", "compact")
    }

    /// `retention.ms`.
    pub fn retention_ms(self, millis: i64) -> Self {
        self.set("retention.ms", millis.to_string())
    }

    /// The properties as given.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Checks the partition count and every property, and returns the typed view.
    pub fn settings(&self) -> Result<TopicSettings> {
        if self.partitions < 1 {
            return Err(Error::InvalidConfig {
                key: "num.partitions".into(),
                value: self.partitions.to_string(),
                reason: "a topic needs at least one partition".into(),
            });
        }
        if let Some(key) = self
            .properties
            .keys()
            .find(|k| !KNOWN_TOPIC_KEYS.contains(&k.as_str()))
        {
            return Err(Error::UnknownConfig { key: key.clone() });
        }
        let get = |k: &str| self.properties.get(k).map(String::as_str);
        let cleanup_policy = match get("cleanup.policy").map(|v| v.replace(' ', "")) {
            None => CleanupPolicy::Delete,
            Some(v) => match v.as_str() {
                "delete" => CleanupPolicy::Delete,
                "compact" => CleanupPolicy::Compact,
                "compact,delete" | "delete,compact" => CleanupPolicy::CompactDelete,
                _ => {
                    return Err(invalid(
                        "cleanup.policy",
                        &v,
                        "`delete`, `compact` or `compact,delete`",
                    ));
                }
            },
        };
        let limit = |key: &str, default: i64| -> Result<Option<i64>> {
            let v: i64 = get(key).map_or(Ok(default), |v| parse_value(key, v, "a number, or -1"))?;
            Ok((v >= 0).then_some(v))
        };
        let timestamp_type = match get("message.timestamp.type") {
            None | Some("CreateTime") => TimestampType::CreateTime,
            Some("LogAppendTime") => TimestampType::LogAppendTime,
            Some(v) => {
                return Err(invalid(
                    "message.timestamp.type",
                    v,
                    "`CreateTime` or `LogAppendTime`",
                ));
            }
        };
        let ratio: f64 = get("min.cleanable.dirty.ratio").map_or(Ok(0.5), |v| {
            parse_value("min.cleanable.dirty.ratio", v, "a number between 0 and 1")
        })?;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(invalid(
                "min.cleanable.dirty.ratio",
                &ratio.to_string(),
                "a number between 0 and 1",
            ));
        }
        Ok(TopicSettings {
            cleanup_policy,
            retention_ms: limit("retention.ms", 7 * 24 * 3600 * 1000)?,
            retention_bytes: limit("retention.bytes", -1)?.map(|v| v as u64),
            max_message_bytes: get("max.message.bytes").map_or(Ok(1_048_588), |v| {
                parse_value("max.message.bytes", v, "a number of bytes")
            })?,
            delete_retention_ms: get("delete.retention.ms").map_or(Ok(86_400_000), |v| {
                parse_value("delete.retention.ms", v, "a number of milliseconds")
            })?,
            min_cleanable_dirty_ratio: ratio,
            timestamp_type,
        })
    }
}

fn invalid(key: &str, value: &str, expected: &str) -> Error {
    Error::InvalidConfig {
        key: key.into(),
        value: value.into(),
        reason: format!("expected {expected}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_kafkas() {
        let s = TopicConfig::new(1).settings().unwrap();
        assert_eq!(s.cleanup_policy, CleanupPolicy::Delete);
        assert_eq!(s.retention_ms, Some(604_800_000));
        assert_eq!(s.retention_bytes, None);
        assert_eq!(s.max_message_bytes, 1_048_588);
        assert_eq!(s.timestamp_type, TimestampType::CreateTime);
    }

    #[test]
    fn bad_properties_are_named() {
        let err = TopicConfig::new(1)
            .set("cleanup.polcy", "compact")
            .settings()
            .unwrap_err();
        assert!(matches!(err, Error::UnknownConfig { ref key } if key == "cleanup.polcy"));
        let err = TopicConfig::new(1)
            .set("cleanup.policy", "shred")
            .settings()
            .unwrap_err();
        assert!(err.to_string().contains("cleanup.policy"), "{err}");
        let err = TopicConfig::new(1)
            .set("retention.ms", "soon")
            .settings()
            .unwrap_err();
        assert!(err.to_string().contains("retention.ms"), "{err}");
        let err = TopicConfig::new(0).settings().unwrap_err();
        assert!(err.to_string().contains("at least one partition"), "{err}");
    }

    #[test]
    fn infinite_retention_is_minus_one() {
        let s = TopicConfig::new(1).retention_ms(-1).settings().unwrap();
        assert_eq!(s.retention_ms, None);
        let s = TopicConfig::new(1)
            .set("cleanup.policy", "compact, delete")
            .settings()
            .unwrap();
        assert_eq!(s.cleanup_policy, CleanupPolicy::CompactDelete);
    }
}
