//! The one error type of `streamlog`, and [`KafkaError`], what the Kafka backend's
//! client library reported.

mod kafka;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use kafka::{KafkaError, KafkaErrorCode};

/// What can go wrong when talking to the log, on any backend.
///
/// Every variant names what a user needs to find the cause: the topic, the partition,
/// the offset, the config key. [`Error::is_retriable`] tells an outage of the cluster,
/// which may pass, from a request that will fail again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The topic does not exist (and the backend does not create topics on first use).
    #[error("unknown topic `{topic}`")]
    UnknownTopic {
        /// The topic that was asked for.
        topic: String,
    },
    /// A topic of that name already exists.
    #[error("topic `{topic}` already exists")]
    TopicAlreadyExists {
        /// The topic that was asked for.
        topic: String,
    },
    /// The partition is outside the topic's partitions.
    #[error("topic `{topic}` has {partitions} partitions, there is no partition {partition}")]
    UnknownPartition {
        /// The topic.
        topic: String,
        /// The partition that was asked for.
        partition: i32,
        /// How many partitions the topic has.
        partitions: i32,
    },
    /// A configuration key nobody knows.
    #[error("unknown config key `{key}`")]
    UnknownConfig {
        /// The key as it was given.
        key: String,
    },
    /// A known configuration key with a value that does not fit. The value of a secret
    /// key (see [`ClientConfig::is_secret`](crate::ClientConfig::is_secret)) is given as
    /// `[hidden]`.
    #[error("invalid value `{value}` for config key `{key}`: {reason}")]
    InvalidConfig {
        /// The key.
        key: String,
        /// The value as it was given.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A record larger than the topic or producer accepts.
    #[error("record of {size} bytes for topic `{topic}` is larger than the limit of {max} bytes")]
    RecordTooLarge {
        /// The topic the record was sent to.
        topic: String,
        /// The record's size in bytes (key, value and headers).
        size: usize,
        /// The limit in force.
        max: usize,
    },
    /// A record the topic refuses, for example a record without key on a compacted topic.
    #[error("invalid record for topic `{topic}`: {reason}")]
    InvalidRecord {
        /// The topic.
        topic: String,
        /// Why it was refused.
        reason: String,
        /// The Kafka client library's error, when a broker refused the record.
        #[source]
        source: Option<KafkaError>,
    },
    /// Another producer with the same `transactional.id` has started: this one is a zombie.
    #[error("producer with transactional.id `{transactional_id}` was fenced by a newer instance")]
    ProducerFenced {
        /// The transactional id both producers share.
        transactional_id: String,
    },
    /// A transactional call out of order (begin before init, commit without begin ...),
    /// or a transaction the Kafka cluster could not complete.
    #[error("transaction error: {reason}")]
    Transaction {
        /// What was out of order, or what the cluster said.
        reason: String,
        /// The Kafka client library's error, on the Kafka backend.
        #[source]
        source: Option<KafkaError>,
    },
    /// A call that does not fit the client's state (assign while subscribed, ...).
    #[error("illegal state: {reason}")]
    IllegalState {
        /// What was out of order.
        reason: String,
    },
    /// A partition without committed offset, with `auto.offset.reset=none`.
    #[error("no committed offset for `{topic}` partition {partition} and auto.offset.reset=none")]
    NoOffset {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// A fetch position outside the log, with `auto.offset.reset=none`.
    #[error("offset {offset} is out of range for `{topic}` partition {partition} (log spans {start}..{end})")]
    OffsetOutOfRange {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset that was asked for.
        offset: i64,
        /// The first offset still in the log.
        start: i64,
        /// The end offset of the log.
        end: i64,
    },
    /// An operation on a partition this consumer does not hold.
    #[error("`{topic}` partition {partition} is not assigned to this consumer")]
    NotAssigned {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// An offset commit the group refused (the member left the group or lost the partition).
    #[error("commit for group `{group}` failed: {reason}")]
    CommitFailed {
        /// The consumer group.
        group: String,
        /// Why the group refused it.
        reason: String,
        /// The Kafka client library's error, on the Kafka backend.
        #[source]
        source: Option<KafkaError>,
    },
    /// The operation needs a `group.id`.
    #[error("this operation needs `group.id` to be set")]
    NoGroupId,
    /// No broker answered within the timeout.
    #[error("no broker reachable at `{servers}` within {timeout:?}: {source}")]
    BrokerUnreachable {
        /// The `bootstrap.servers` that were tried.
        servers: String,
        /// How long we waited.
        timeout: Duration,
        /// What the client library said.
        #[source]
        source: KafkaError,
    },
    /// An operation did not finish in time.
    #[error("{operation} did not finish within {timeout:?}")]
    Timeout {
        /// What was waited for.
        operation: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// A produced record was not delivered.
    #[error("delivery to `{topic}` failed: {source}")]
    Delivery {
        /// The topic.
        topic: String,
        /// Why, as the Kafka client library said.
        #[source]
        source: KafkaError,
    },
    /// The client was closed.
    #[error("the {what} is closed")]
    Closed {
        /// Which client.
        what: &'static str,
    },
    /// A value made by one backend was handed to another (for example a group metadata of
    /// an embedded consumer given to a Kafka producer).
    #[error("{what} belongs to another backend")]
    BackendMismatch {
        /// The value.
        what: &'static str,
    },
    /// The broker refused the client's credentials (SASL: a wrong password, an unknown
    /// user, a mechanism the listener does not enable). Trying again does not help.
    #[error("authentication failed: {reason}")]
    Authentication {
        /// The Kafka client library's account of it, naming the broker.
        reason: String,
    },
    /// The TLS handshake with a broker failed: a broker certificate the configured CA does
    /// not sign, a certificate not issued for the host connected to, a client
    /// certificate the broker does not trust, unreadable key or certificate files.
    /// Trying again does not help.
    #[error("TLS handshake failed: {reason}")]
    Tls {
        /// The Kafka client library's account of it, naming the broker.
        reason: String,
    },
    /// An error of the Kafka backend that none of the variants above describes.
    #[error("kafka error during {operation}: {source}")]
    Kafka {
        /// What we were doing.
        operation: &'static str,
        /// What the Kafka client library said.
        #[source]
        source: KafkaError,
    },
}

impl Error {
    /// Whether the error comes from the cluster's availability rather than from the
    /// request: a broker down or unreachable, a coordinator or partition leader not
    /// ready, a request or operation that timed out, a rebalance in progress. The same
    /// work may succeed later (a failed transaction after it is aborted), so a caller
    /// waits and tries again, and does not treat the data as bad.
    ///
    /// `false` for everything trying again does not fix: bad input (unknown topic or
    /// partition, invalid or too large records), configuration, authorization, fencing,
    /// calls out of order, a closed client.
    ///
    /// ```
    /// use streamlog::{Cluster, Error};
    /// let err = Cluster::embedded().admin()?.partition_count("no-such-topic").unwrap_err();
    /// assert!(matches!(err, Error::UnknownTopic { .. }));
    /// assert!(!err.is_retriable());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::BrokerUnreachable { .. } | Error::Timeout { .. } => true,
            Error::Delivery { source, .. } | Error::Kafka { source, .. } => source.is_retriable(),
            Error::Transaction { source, .. } | Error::CommitFailed { source, .. } => {
                source.as_ref().is_some_and(KafkaError::is_retriable)
            }
            Error::UnknownTopic { .. }
            | Error::TopicAlreadyExists { .. }
            | Error::UnknownPartition { .. }
            | Error::UnknownConfig { .. }
            | Error::InvalidConfig { .. }
            | Error::RecordTooLarge { .. }
            | Error::InvalidRecord { .. }
            | Error::ProducerFenced { .. }
            | Error::IllegalState { .. }
            | Error::NoOffset { .. }
            | Error::OffsetOutOfRange { .. }
            | Error::NotAssigned { .. }
            | Error::NoGroupId
            | Error::Closed { .. }
            | Error::Authentication { .. }
            | Error::Tls { .. }
            | Error::BackendMismatch { .. } => false,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
