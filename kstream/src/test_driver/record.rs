//! [`TestRecord`]: a record as a test pipes it in or reads it out, with Kafka's nulls,
//! its timestamp and its headers.

use bytes::Bytes;
use streamlog::Headers;

/// A record piped into a [`TestInputTopic`](crate::TestInputTopic) or read from a
/// [`TestOutputTopic`](crate::TestOutputTopic) (Kafka Streams' `TestRecord`): a key and
/// a value that may each be null (`None`, written and read as no bytes, whatever the
/// serde), a timestamp and headers.
///
/// ```
/// use kstream::{Consumed, Produced, StreamsBuilder, StringSerde, TestRecord, TopologyTestDriver};
///
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("in", Consumed::with(StringSerde, StringSerde))
///     .map_values(|v| v.to_uppercase())
///     .to("out", Produced::with(StringSerde, StringSerde));
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let input = driver.input_topic("in", StringSerde, StringSerde);
/// let output = driver.output_topic("out", StringSerde, StringSerde);
///
/// input.pipe_record(TestRecord::new("k".to_string(), "hi".to_string()).at(42).with_header("trace", "7"))?;
/// let out = output.read_record()?.expect("one record");
/// assert_eq!(out, TestRecord::new("k".to_string(), "HI".to_string()).at(42).with_header("trace", "7"));
/// assert_eq!(out.timestamp, Some(42));
/// assert_eq!(out.headers.last("trace").and_then(|h| h.value.as_deref()), Some(&b"7"[..]));
/// # Ok::<(), kstream::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TestRecord<K, V> {
    /// The key; `None` is a record without a key.
    pub key: Option<K>,
    /// The value; `None` is a null value (a tombstone, for a table).
    pub value: Option<V>,
    /// Epoch milliseconds. Piped without one, a record takes its input topic's current
    /// time; a record read from an output topic always has one.
    pub timestamp: Option<i64>,
    /// The headers, in order.
    pub headers: Headers,
}

impl<K, V> TestRecord<K, V> {
    /// A record with a key and a value, no timestamp and no headers.
    pub fn new(key: K, value: V) -> Self {
        Self::nullable(Some(key), Some(value))
    }

    /// A record with a value and no key (Kafka's `new TestRecord(value)`).
    pub fn without_key(value: V) -> Self {
        Self::nullable(None, Some(value))
    }

    /// A record with a key and a null value: a tombstone.
    pub fn tombstone(key: K) -> Self {
        Self::nullable(Some(key), None)
    }

    /// A record whose key and value may each be null.
    pub fn nullable(key: Option<K>, value: Option<V>) -> Self {
        Self {
            key,
            value,
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// The record with timestamp `timestamp_ms` (epoch milliseconds).
    pub fn at(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }

    /// The record with a header `key` of `value` added after its others.
    pub fn with_header(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.headers.push(key, Some(value.into()));
        self
    }

    /// The record with these headers in place of its own.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }
}
