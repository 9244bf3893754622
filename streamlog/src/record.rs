//! Records as they cross the log boundary: bytes, with their coordinates.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

/// A topic and one of its partitions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// The topic name.
    pub topic: String,
    /// The partition number, from 0.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`, partition `partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A committed offset with the string Kafka keeps beside it (Kafka's
/// `OffsetAndMetadata`): an application's note about its position, such as the
/// stream time Kafka Streams keeps there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffsetAndMetadata {
    /// The next offset to read.
    pub offset: i64,
    /// The note; empty for none.
    pub metadata: String,
}

impl OffsetAndMetadata {
    /// `offset` with no note.
    pub fn new(offset: i64) -> Self {
        Self {
            offset,
            metadata: String::new(),
        }
    }
}

/// Where a consumer starts reading or seeks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// The first record still in the log.
    Beginning,
    /// After the last record: only records produced from now on.
    End,
    /// A given offset.
    At(i64),
}

/// The timestamp of a record and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// The record carries no timestamp.
    NotAvailable,
    /// Set by the producer (or the producer's clock), milliseconds since the epoch.
    CreateTime(i64),
    /// Set by the log when the record was appended, milliseconds since the epoch.
    LogAppendTime(i64),
}

impl Timestamp {
    /// The milliseconds, if there is a timestamp.
    pub fn millis(&self) -> Option<i64> {
        match self {
            Timestamp::NotAvailable => None,
            Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => Some(*t),
        }
    }
}

/// One header of a record: a key and an optional value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// The header key.
    pub key: String,
    /// The header value; `None` is a null header.
    pub value: Option<Bytes>,
}

/// The ordered headers of a record. Keys may repeat, as in Kafka.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a header.
    pub fn push(&mut self, key: impl Into<String>, value: Option<Bytes>) {
        self.0.push(Header {
            key: key.into(),
            value,
        });
    }

    /// Appends a header, builder style.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.push(key, Some(value.into()));
        self
    }

    /// The value of the last header named `key` (Kafka's `lastHeader`).
    pub fn last(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }

    /// All headers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes the headers take on the wire, roughly: keys and values.
    pub fn size(&self) -> usize {
        self.0
            .iter()
            .map(|h| h.key.len() + h.value.as_ref().map_or(0, Bytes::len))
            .sum()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A record read from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The topic it was read from.
    pub topic: Arc<str>,
    /// The partition it was read from.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Its timestamp.
    pub timestamp: Timestamp,
    /// The key, `None` for a record without key.
    pub key: Option<Bytes>,
    /// The value, `None` for a tombstone.
    pub value: Option<Bytes>,
    /// The headers.
    pub headers: Headers,
}

impl Record {
    /// The topic and partition of this record.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition::new(&*self.topic, self.partition)
    }
}

/// A record to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerRecord {
    /// The destination topic. An `Arc<str>` so a hot loop can reuse one allocation.
    pub topic: Arc<str>,
    /// An explicit partition; `None` lets the partitioner choose (murmur2 of the key).
    pub partition: Option<i32>,
    /// The key.
    pub key: Option<Bytes>,
    /// The value; `None` is a tombstone.
    pub value: Option<Bytes>,
    /// The create time; `None` takes the producer's clock.
    pub timestamp: Option<i64>,
    /// The headers.
    pub headers: Headers,
}

impl ProducerRecord {
    /// A record for `topic` with no key, value or headers yet.
    pub fn new(topic: impl Into<Arc<str>>) -> Self {
        Self {
            topic: topic.into(),
            partition: None,
            key: None,
            value: None,
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the value.
    pub fn value(mut self, value: impl Into<Bytes>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sets an explicit partition.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Sets the create time in milliseconds.
    pub fn timestamp(mut self, millis: i64) -> Self {
        self.timestamp = Some(millis);
        self
    }

    /// Appends a header.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.headers.push(key, Some(value.into()));
        self
    }

    /// Key, value and header bytes.
    pub fn size(&self) -> usize {
        self.key.as_ref().map_or(0, Bytes::len)
            + self.value.as_ref().map_or(0, Bytes::len)
            + self.headers.size()
    }
}

/// Where a produced record was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
    /// The offset the record got.
    pub offset: i64,
    /// The timestamp stored with the record.
    pub timestamp: Timestamp,
}
