//! Configuration: property maps that take the names users know from Kafka, with typed
//! setters on top.

mod client;
mod topic;

#[cfg(feature = "kafka")]
pub(crate) use client::STREAMLOG_KEYS;
pub use client::{AutoOffsetReset, ClientConfig, IsolationLevel};
pub use topic::{CleanupPolicy, TimestampType, TopicConfig, TopicSettings};

use crate::error::{Error, Result};

/// Parses `value` of `key`, or names both in the error (a secret value hidden).
pub(crate) fn parse_value<T: std::str::FromStr>(key: &str, value: &str, expected: &str) -> Result<T> {
    value.trim().parse().map_err(|_| Error::InvalidConfig {
        key: key.to_owned(),
        value: ClientConfig::shown(key, value).into_owned(),
        reason: format!("expected {expected}"),
    })
}

/// Parses a boolean the way Kafka does (`true`/`false`, any case).
pub(crate) fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::InvalidConfig {
            key: key.to_owned(),
            value: ClientConfig::shown(key, value).into_owned(),
            reason: "expected `true` or `false`".to_owned(),
        }),
    }
}
