//! Records lent by [`Consumer::poll_each`](crate::Consumer::poll_each): key, value
//! and headers point into the consumer's own buffers (librdkafka's fetch buffer on the
//! Kafka backend), so reading them copies and allocates nothing. Keep what outlives the
//! call with [`RecordRef::to_record`].

use std::sync::Arc;

use bytes::Bytes;

use crate::record::{Headers, Record, Timestamp};

/// A record lent for the length of a callback.
///
/// ```
/// use std::time::Duration;
/// use streamlog::{ClientConfig, Cluster, ProducerRecord, TopicConfig, TopicPartition};
/// let cluster = Cluster::embedded();
/// cluster.admin()?.create_topic("readings", &TopicConfig::new(1))?;
/// let producer = cluster.producer(&ClientConfig::new())?;
/// producer.send(ProducerRecord::new("readings").key("t1").value("21.5"))?;
/// producer.send(ProducerRecord::new("readings").key("t2").value("19.5"))?;
/// let mut consumer =
///     cluster.consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))?;
/// consumer.assign(&[TopicPartition::new("readings", 0)])?;
/// let mut total = 0.0;
/// let lent = consumer.poll_each(Duration::from_secs(1), &mut |r| {
///     let text = std::str::from_utf8(r.value.unwrap_or_default()).unwrap_or("0");
///     total += text.parse::<f64>().unwrap_or(0.0);
/// })?;
/// assert_eq!((lent, total), (2, 41.0));
/// # Ok::<(), streamlog::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The topic it was read from.
    pub topic: &'a str,
    /// The partition it was read from.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Its timestamp.
    pub timestamp: Timestamp,
    /// The key, `None` for a record without key.
    pub key: Option<&'a [u8]>,
    /// The value, `None` for a tombstone.
    pub value: Option<&'a [u8]>,
    /// The headers.
    pub headers: HeadersRef<'a>,
}

impl RecordRef<'_> {
    /// An owned copy of the record.
    pub fn to_record(&self) -> Record {
        Record {
            topic: Arc::from(self.topic),
            partition: self.partition,
            offset: self.offset,
            timestamp: self.timestamp,
            key: self.key.map(Bytes::copy_from_slice),
            value: self.value.map(Bytes::copy_from_slice),
            headers: self.headers.to_headers(),
        }
    }
}

impl Record {
    /// The record lent as a [`RecordRef`].
    pub fn as_lent(&self) -> RecordRef<'_> {
        RecordRef {
            topic: &self.topic,
            partition: self.partition,
            offset: self.offset,
            timestamp: self.timestamp,
            key: self.key.as_deref(),
            value: self.value.as_deref(),
            headers: HeadersRef(Repr::Owned(&self.headers)),
        }
    }
}

/// The headers of a [`RecordRef`], in order; keys may repeat, as in Kafka. On the
/// Kafka backend they are read from the message only when asked for (librdkafka parses
/// them on each request), so a consumer that ignores headers does not pay for them.
#[derive(Clone, Copy)]
pub struct HeadersRef<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    Owned(&'a Headers),
    None,
    #[cfg(feature = "kafka")]
    Message(&'a rdkafka::message::BorrowedMessage<'a>),
}

/// Headers once found.
#[derive(Clone, Copy)]
enum Found<'a> {
    Owned(&'a Headers),
    None,
    #[cfg(feature = "kafka")]
    Kafka(&'a rdkafka::message::BorrowedHeaders),
}

impl<'a> Found<'a> {
    fn len(&self) -> usize {
        match self {
            Found::Owned(headers) => headers.len(),
            Found::None => 0,
            #[cfg(feature = "kafka")]
            Found::Kafka(headers) => {
                use rdkafka::message::Headers as _;
                headers.count()
            }
        }
    }

    fn get(&self, index: usize) -> Option<(&'a str, Option<&'a [u8]>)> {
        match *self {
            Found::Owned(headers) => headers
                .iter()
                .as_slice()
                .get(index)
                .map(|h| (h.key.as_str(), h.value.as_deref())),
            Found::None => None,
            #[cfg(feature = "kafka")]
            Found::Kafka(headers) => {
                use rdkafka::message::Headers as _;
                headers.try_get(index).map(|h| (h.key, h.value))
            }
        }
    }
}

impl<'a> HeadersRef<'a> {
    /// No headers.
    pub const NONE: HeadersRef<'static> = HeadersRef(Repr::None);

    /// The headers of a librdkafka message, read when asked for.
    #[cfg(feature = "kafka")]
    pub(crate) fn kafka(message: &'a rdkafka::message::BorrowedMessage<'a>) -> Self {
        HeadersRef(Repr::Message(message))
    }

    fn find(&self) -> Found<'a> {
        match self.0 {
            Repr::Owned(headers) => Found::Owned(headers),
            Repr::None => Found::None,
            #[cfg(feature = "kafka")]
            Repr::Message(message) => {
                use rdkafka::message::Message as _;
                message.headers().map_or(Found::None, Found::Kafka)
            }
        }
    }

    /// The headers in order, as (key, value) pairs; a `None` value is a null header.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Option<&'a [u8]>)> + 'a {
        let found = self.find();
        (0..found.len()).filter_map(move |i| found.get(i))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.find().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of the last header named `key` (Kafka's `lastHeader`): `Some(None)`
    /// for a null header.
    pub fn last(&self, key: &str) -> Option<Option<&'a [u8]>> {
        self.iter().filter(|(k, _)| *k == key).last().map(|(_, v)| v)
    }

    /// Owned copies of the headers.
    pub fn to_headers(&self) -> Headers {
        let mut headers = Headers::new();
        for (key, value) in self.iter() {
            headers.push(key, value.map(Bytes::copy_from_slice));
        }
        headers
    }
}

impl std::fmt::Debug for HeadersRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lent_record_copies_back_to_the_record() {
        let mut headers = Headers::new().with("trace", "abc").with("trace", "def");
        headers.push("empty", None);
        let record = Record {
            topic: Arc::from("orders"),
            partition: 2,
            offset: 41,
            timestamp: Timestamp::CreateTime(7),
            key: Some(Bytes::from_static(b"k")),
            value: None,
            headers,
        };
        let lent = record.as_lent();
        assert_eq!(lent.headers.len(), 3);
        assert_eq!(lent.headers.last("trace"), Some(Some(&b"def"[..])));
        assert_eq!(lent.headers.last("empty"), Some(None));
        assert_eq!(lent.headers.last("missing"), None);
        assert_eq!(lent.to_record(), record);
        assert!(HeadersRef::NONE.is_empty());
    }
}
