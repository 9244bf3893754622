//! The typed topics of a [`TopologyTestDriver`]: [`TestInputTopic`] pipes records in,
//! [`TestOutputTopic`] reads what the topology wrote.

use std::time::Duration;

use bytes::Bytes;
use streamlog::ProducerRecord;

use super::{TestRecord, TopologyTestDriver};
use crate::error::{Error, Result};
use crate::serdes::{SerdeError, SerdeRef};

/// A topic records are piped into, with their serdes.
///
/// Records without a timestamp take the topic's current time, which starts at 0 and
/// moves only with [`set_time`](Self::set_time) and
/// [`advance_time`](Self::advance_time).
///
/// ```
/// use kstream::{Consumed, Produced, StreamsBuilder, StringSerde, TestRecord, TopologyTestDriver};
///
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("in", Consumed::with(kstream::OptionSerde(StringSerde), StringSerde))
///     .to("out", Produced::with(kstream::OptionSerde(StringSerde), StringSerde));
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let mut input = driver.input_topic("in", StringSerde, StringSerde);
/// input.set_time(1_000);
/// // A record without a key: its key is written as null, whatever the key serde.
/// input.pipe_record(TestRecord::without_key("v".to_string()))?;
/// let out = driver.output_topic("out", StringSerde, StringSerde).read_record()?.expect("a record");
/// assert_eq!(out, TestRecord::without_key("v".to_string()).at(1_000));
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct TestInputTopic<K, V> {
    driver: TopologyTestDriver,
    topic: String,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
    time: i64,
}

impl<K: 'static, V: 'static> TestInputTopic<K, V> {
    pub(super) fn new(
        driver: TopologyTestDriver,
        topic: &str,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
    ) -> Self {
        Self {
            driver,
            topic: topic.to_owned(),
            keys,
            values,
            time: 0,
        }
    }

    /// Pipes a record with the topic's current time (which does not advance).
    pub fn pipe_input(&self, key: K, value: V) -> Result<()> {
        self.pipe_input_at(key, value, self.time)
    }

    /// Pipes a record with timestamp `timestamp_ms` (epoch milliseconds).
    pub fn pipe_input_at(&self, key: K, value: V, timestamp_ms: i64) -> Result<()> {
        self.pipe_record(TestRecord::new(key, value).at(timestamp_ms))
    }

    /// Pipes a tombstone (null value) for `key` with timestamp `timestamp_ms` (epoch
    /// milliseconds).
    pub fn pipe_tombstone(&self, key: K, timestamp_ms: i64) -> Result<()> {
        self.pipe_record(TestRecord::tombstone(key).at(timestamp_ms))
    }

    /// Pipes `record`: a `None` key or value as null (no bytes), its timestamp or else
    /// the topic's current time, and its headers.
    pub fn pipe_record(&self, record: TestRecord<K, V>) -> Result<()> {
        let TestRecord {
            key,
            value,
            timestamp,
            headers,
        } = record;
        let key = self.bytes(&self.keys, key)?;
        let value = self.bytes(&self.values, value)?;
        let timestamp = timestamp.unwrap_or(self.time);
        self.driver
            .pipe_with_headers(&self.topic, key, value, timestamp, headers)
    }

    /// Pipes `records` in order, each as [`pipe_record`](Self::pipe_record) does; stops
    /// at the first that fails.
    pub fn pipe_record_list(&self, records: impl IntoIterator<Item = TestRecord<K, V>>) -> Result<()> {
        records.into_iter().try_for_each(|r| self.pipe_record(r))
    }

    /// Sets the timestamp (epoch milliseconds) of records piped without one.
    pub fn set_time(&mut self, timestamp_ms: i64) {
        self.time = timestamp_ms;
    }

    /// Moves the timestamp of records piped without one forward by `by` (in whole
    /// milliseconds).
    pub fn advance_time(&mut self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.time = self.time.saturating_add(millis);
    }

    fn bytes<T: 'static>(&self, serde: &SerdeRef<T>, part: Option<T>) -> Result<Option<Bytes>> {
        let Some(part) = part else { return Ok(None) };
        serde
            .serialize_owned(&self.topic, part)
            .map_err(|source| Error::Serialize {
                topic: self.topic.clone(),
                source,
            })
    }
}

impl<K, V> std::fmt::Debug for TestInputTopic<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestInputTopic")
            .field("topic", &self.topic)
            .field("time_ms", &self.time)
            .finish()
    }
}

/// A topic the topology writes to, read with its serdes: each record once, in the order
/// the topology wrote them.
///
/// ```
/// use kstream::{Consumed, Materialized, Produced, StreamsBuilder, StringSerde, TestRecord, TopologyTestDriver};
///
/// let builder = StreamsBuilder::new();
/// builder
///     .table("in", Consumed::with(StringSerde, StringSerde), Materialized::with(StringSerde, StringSerde))
///     .to_stream()
///     .to("out", Produced::with(StringSerde, kstream::OptionSerde(StringSerde)));
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let input = driver.input_topic("in", StringSerde, StringSerde);
/// input.pipe_input_at("a".to_string(), "1".to_string(), 10)?;
/// input.pipe_tombstone("a".to_string(), 20)?;
///
/// let output = driver.output_topic("out", StringSerde, StringSerde);
/// assert_eq!(output.queue_size(), 2);
/// // The deletion is a record whose value is null: `None`.
/// assert_eq!(
///     output.read_records_to_list()?,
///     vec![TestRecord::new("a".to_string(), "1".to_string()).at(10), TestRecord::tombstone("a".to_string()).at(20)]
/// );
/// assert!(output.is_empty());
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct TestOutputTopic<K, V> {
    driver: TopologyTestDriver,
    topic: String,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
}

impl<K: 'static, V: 'static> TestOutputTopic<K, V> {
    pub(super) fn new(
        driver: TopologyTestDriver,
        topic: &str,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
    ) -> Self {
        Self {
            driver,
            topic: topic.to_owned(),
            keys,
            values,
        }
    }

    /// The records written since the last read, as (key, value): a null key or value is
    /// read by the serde (most refuse it: read those with
    /// [`read_records_to_list`](Self::read_records_to_list)).
    pub fn read_key_values(&self) -> Result<Vec<(K, V)>> {
        let mut pairs = Vec::with_capacity(self.queue_size());
        while let Some((offset, r)) = self.driver.read_next(&self.topic) {
            let key = self.part(&self.keys, offset, "key", r.key.as_deref())?;
            let value = self.part(&self.values, offset, "value", r.value.as_deref())?;
            pairs.push((key, value));
        }
        Ok(pairs)
    }

    /// The next record not read yet, with its timestamp and headers (`None` when every
    /// record was read). A null key or value is `None`, without asking the serde.
    pub fn read_record(&self) -> Result<Option<TestRecord<K, V>>> {
        self.driver
            .read_next(&self.topic)
            .map(|(offset, r)| self.record(offset, r))
            .transpose()
    }

    /// Every record not read yet, in order, as [`read_record`](Self::read_record) reads
    /// them.
    pub fn read_records_to_list(&self) -> Result<Vec<TestRecord<K, V>>> {
        let mut records = Vec::with_capacity(self.queue_size());
        while let Some(record) = self.read_record()? {
            records.push(record);
        }
        Ok(records)
    }

    /// How many records were written and not read yet.
    pub fn queue_size(&self) -> usize {
        self.driver.unread(&self.topic)
    }

    /// Whether every record written was read.
    pub fn is_empty(&self) -> bool {
        self.queue_size() == 0
    }

    fn record(&self, offset: i64, r: ProducerRecord) -> Result<TestRecord<K, V>> {
        Ok(TestRecord {
            key: self.nullable_part(&self.keys, offset, "key", r.key.as_deref())?,
            value: self.nullable_part(&self.values, offset, "value", r.value.as_deref())?,
            timestamp: r.timestamp,
            headers: r.headers,
        })
    }

    /// A key or value, `None` for null bytes.
    fn nullable_part<T: 'static>(
        &self,
        serde: &SerdeRef<T>,
        offset: i64,
        part: &'static str,
        bytes: Option<&[u8]>,
    ) -> Result<Option<T>> {
        bytes.map(|b| self.part(serde, offset, part, Some(b))).transpose()
    }

    fn part<T: 'static>(
        &self,
        serde: &SerdeRef<T>,
        offset: i64,
        part: &'static str,
        bytes: Option<&[u8]>,
    ) -> Result<T> {
        serde
            .deserialize(&self.topic, bytes)
            .map_err(|source: SerdeError| Error::Deserialize {
                topic: self.topic.clone(),
                partition: 0,
                offset,
                part,
                source,
            })
    }
}

impl<K, V> std::fmt::Debug for TestOutputTopic<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestOutputTopic")
            .field("topic", &self.topic)
            .finish()
    }
}
