//! Connect records: a topic, an optional partition, a key and a value with their
//! schemas, a timestamp and headers; with the source partition and offset of a source
//! record, or the Kafka position of a sink record.

use crate::data::{Schema, Value};

/// A header: a key, and a value with its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The header's key.
    pub key: String,
    /// The value's schema, if it has one.
    pub schema: Option<Schema>,
    /// The value.
    pub value: Value,
}

/// What every Connect record has (Kafka's `ConnectRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectRecord {
    /// The topic.
    pub topic: String,
    /// The partition, when chosen.
    pub kafka_partition: Option<i32>,
    /// The key's schema.
    pub key_schema: Option<Schema>,
    /// The key ([`Value::Null`] for none).
    pub key: Value,
    /// The value's schema.
    pub value_schema: Option<Schema>,
    /// The value ([`Value::Null`] for a tombstone).
    pub value: Value,
    /// The timestamp, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// The headers, in order.
    pub headers: Vec<Header>,
}

impl ConnectRecord {
    /// A record for `topic` with a value and its schema, and nothing else.
    pub fn new(topic: impl Into<String>, value_schema: Option<Schema>, value: Value) -> Self {
        ConnectRecord {
            topic: topic.into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            timestamp: None,
            headers: Vec::new(),
        }
    }

    /// The same record with a key and its schema.
    pub fn with_key(mut self, key_schema: Option<Schema>, key: Value) -> Self {
        self.key_schema = key_schema;
        self.key = key;
        self
    }

    /// The same record with a timestamp.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// The first header with `key`.
    pub fn header(&self, key: &str) -> Option<&Header> {
        self.headers.iter().find(|h| h.key == key)
    }
}

/// A record a source task produced: where in its source it came from, and the record.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// The part of the source it came from (a table, a file), as the connector names
    /// it: a map of string keys.
    pub source_partition: Value,
    /// Where in that part it came from (a position, a line), read back at start to
    /// resume: a map of string keys.
    pub source_offset: Value,
    /// The record.
    pub record: ConnectRecord,
}

/// A record a sink task is given: the record and where in Kafka it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    /// The record (its partition always set).
    pub record: ConnectRecord,
    /// Its offset in its partition.
    pub kafka_offset: i64,
}
