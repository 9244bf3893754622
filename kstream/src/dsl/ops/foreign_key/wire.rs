//! What the two sides of a foreign-key join send each other, in Kafka Streams' byte
//! layout: subscriptions (left to right, keyed by foreign key, through the registration
//! topic), responses (right to left, keyed by primary key, through the response topic),
//! and the subscription store's combined key (foreign key, then primary key) that makes
//! a foreign key's subscribers one prefix scan.
//!
//! The serdes of the user's types see pseudo topics derived from the registration topic,
//! as Kafka's do: `<registration topic>-pk` for primary keys, `-fk` for foreign keys in
//! the store and `-vh` for the values hashed.

use bytes::{BufMut, Bytes, BytesMut};

use crate::serdes::{Serde, SerdeError, SerdeRef, SerdeResult};

/// What the right side does with a subscription (the byte is Kafka's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instruction {
    /// Unsubscribe; send nothing (the left key moved to another foreign key, whose
    /// response follows).
    DeleteKeyNoPropagate = 0,
    /// Unsubscribe, and send a response without a value (the left row is gone).
    DeleteKeyAndPropagate = 1,
    /// Subscribe, and send a response with the foreign value or without one.
    PropagateNullIfNoFkValAvailable = 2,
    /// Subscribe, and send a response only when there is a foreign value.
    PropagateOnlyIfFkValAvailable = 3,
}

impl Instruction {
    fn of(byte: u8) -> SerdeResult<Self> {
        Ok(match byte {
            0 => Instruction::DeleteKeyNoPropagate,
            1 => Instruction::DeleteKeyAndPropagate,
            2 => Instruction::PropagateNullIfNoFkValAvailable,
            3 => Instruction::PropagateOnlyIfFkValAvailable,
            other => {
                return Err(SerdeError::bad_data(format!(
                    "unknown foreign-key join instruction {other} (0 to 3 expected)"
                )));
            }
        })
    }

    /// Whether the subscription is removed from the subscription store.
    pub(crate) fn unsubscribes(self) -> bool {
        matches!(
            self,
            Instruction::DeleteKeyNoPropagate | Instruction::DeleteKeyAndPropagate
        )
    }
}

/// A left row's hash: murmur3 128 of its value's bytes, `None` for a deleted row.
pub(crate) type ValueHash = Option<[u64; 2]>;

/// The version of subscriptions written (and the only one read): version 1 carries the
/// left record's partition, where the response must go.
const SUBSCRIPTION_VERSION: u8 = 1;
/// The version of responses.
const RESPONSE_VERSION: u8 = 0;
/// The flag, in a wrapper's first byte, of a wrapper without a hash.
const NO_HASH: u8 = 0x80;

/// A left row subscribing to (or unsubscribing from) a foreign key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Subscription<K> {
    pub(crate) hash: ValueHash,
    pub(crate) instruction: Instruction,
    pub(crate) primary_key: K,
    /// The partition of the left record, where its response goes.
    pub(crate) primary_partition: i32,
}

/// The right side's answer to a left key: the foreign value (`None`: no row), with the
/// hash of the left value it answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response<VO> {
    pub(crate) hash: ValueHash,
    pub(crate) foreign_value: Option<VO>,
    /// Where the response goes: the subscription's partition. Not written: a response
    /// read back has none, and is never written again.
    pub(crate) primary_partition: Option<i32>,
}

/// The first byte of a wrapper: its version, flagged when it has no hash.
fn first_byte(version: u8, hash: &ValueHash) -> u8 {
    if hash.is_some() {
        version
    } else {
        version | NO_HASH
    }
}

/// The hash's 16 bytes, if there is one.
fn put_hash(out: &mut BytesMut, hash: &ValueHash) {
    if let Some([h1, h2]) = hash {
        out.put_u64(*h1);
        out.put_u64(*h2);
    }
}

/// Reads a hash of 16 bytes after the first byte when it says there is one.
fn take_hash<'a>(first: u8, rest: &'a [u8], what: &str) -> SerdeResult<(ValueHash, &'a [u8])> {
    if first & NO_HASH != 0 {
        return Ok((None, rest));
    }
    match rest.split_first_chunk::<16>() {
        Some((hash, rest)) => {
            let (h1, h2) = hash.split_at(8);
            Ok((Some([word(h1), word(h2)]), rest))
        }
        None => Err(SerdeError::bad_data(format!("{what} too short for its hash"))),
    }
}

fn word(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |w, &b| (w << 8) | u64::from(b))
}

/// Writes [`Subscription`]s: `{version | no-hash flag}{instruction}{hash?}{primary
/// key}{partition: 4 bytes}`, the primary key through the left table's key serde.
pub(crate) struct SubscriptionSerde<K>(pub(crate) SerdeRef<K>);

impl<K: 'static> Serde<Subscription<K>> for SubscriptionSerde<K> {
    fn serialize(&self, topic: &str, s: &Subscription<K>) -> SerdeResult<Option<Bytes>> {
        let key = primary_key_bytes(&self.0, topic, &s.primary_key)?;
        let mut out = BytesMut::with_capacity(2 + 16 + key.len() + 4);
        out.put_u8(first_byte(SUBSCRIPTION_VERSION, &s.hash));
        out.put_u8(s.instruction as u8);
        put_hash(&mut out, &s.hash);
        out.put_slice(&key);
        out.put_i32(s.primary_partition);
        Ok(Some(out.freeze()))
    }

    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Subscription<K>> {
        let data =
            data.ok_or_else(|| SerdeError::bad_data("null where a foreign-key subscription was expected"))?;
        let [first, instruction, rest @ ..] = data else {
            return Err(SerdeError::bad_data(
                "foreign-key subscription shorter than 2 bytes",
            ));
        };
        let version = first & !NO_HASH;
        if version != SUBSCRIPTION_VERSION {
            return Err(SerdeError::bad_data(format!(
                "foreign-key subscription of version {version}: kstream reads version {SUBSCRIPTION_VERSION}"
            )));
        }
        let instruction = Instruction::of(*instruction)?;
        let (hash, rest) = take_hash(*first, rest, "foreign-key subscription")?;
        let Some((key, partition)) = rest.split_last_chunk::<4>() else {
            return Err(SerdeError::bad_data(
                "foreign-key subscription too short for its partition",
            ));
        };
        Ok(Subscription {
            hash,
            instruction,
            primary_key: self.0.deserialize(&pseudo_topic(topic, "pk"), Some(key))?,
            primary_partition: i32::from_be_bytes(*partition),
        })
    }

    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.0.prepare(&pseudo_topic(topic, "pk"))
    }
}

fn primary_key_bytes<K: 'static>(serde: &SerdeRef<K>, topic: &str, key: &K) -> SerdeResult<Bytes> {
    serde
        .serialize(&pseudo_topic(topic, "pk"), key)?
        .ok_or_else(|| SerdeError::bad_data("the primary key of a foreign-key join serialized to null"))
}

/// `<topic>-<suffix>`: the pseudo topic the user's serdes see for a part of a wrapper.
pub(crate) fn pseudo_topic(topic: &str, suffix: &str) -> String {
    format!("{topic}-{suffix}")
}

/// Writes [`Response`]s: `{version | no-hash flag}{hash?}{foreign value?}`, the value
/// through the right table's value serde. As in Kafka, a value of no bytes reads back
/// as no value.
pub(crate) struct ResponseSerde<VO>(pub(crate) SerdeRef<VO>);

impl<VO: 'static> Serde<Response<VO>> for ResponseSerde<VO> {
    fn serialize(&self, topic: &str, r: &Response<VO>) -> SerdeResult<Option<Bytes>> {
        let value = match &r.foreign_value {
            Some(v) => self.0.serialize(topic, v)?.unwrap_or_default(),
            None => Bytes::new(),
        };
        let mut out = BytesMut::with_capacity(1 + 16 + value.len());
        out.put_u8(first_byte(RESPONSE_VERSION, &r.hash));
        put_hash(&mut out, &r.hash);
        out.put_slice(&value);
        Ok(Some(out.freeze()))
    }

    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Response<VO>> {
        let data =
            data.ok_or_else(|| SerdeError::bad_data("null where a foreign-key response was expected"))?;
        let [first, rest @ ..] = data else {
            return Err(SerdeError::bad_data("empty foreign-key response"));
        };
        let version = first & !NO_HASH;
        if version != RESPONSE_VERSION {
            return Err(SerdeError::bad_data(format!(
                "foreign-key response of version {version}: kstream reads version {RESPONSE_VERSION}"
            )));
        }
        let (hash, value) = take_hash(*first, rest, "foreign-key response")?;
        let foreign_value = match value {
            [] => None,
            bytes => Some(self.0.deserialize(topic, Some(bytes))?),
        };
        Ok(Response {
            hash,
            foreign_value,
            primary_partition: None,
        })
    }

    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.0.prepare(topic)
    }
}

/// The subscription store's key: `{foreign key length: 4 bytes}{foreign key}{primary
/// key}`. All subscriptions of one foreign key share the prefix [`fk_prefix`].
pub(crate) fn combined_key(fk: &[u8], pk: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(4 + fk.len() + pk.len());
    out.put_slice(&fk_prefix(fk));
    out.put_slice(pk);
    out.freeze()
}

/// The prefix of every combined key of foreign key `fk`.
pub(crate) fn fk_prefix(fk: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(4 + fk.len());
    // A foreign key longer than i32::MAX bytes cannot be a record's key.
    out.put_u32(fk.len() as u32);
    out.put_slice(fk);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::serdes::StringSerde;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn subscriptions() -> SubscriptionSerde<String> {
        SubscriptionSerde(Arc::new(StringSerde))
    }

    fn responses() -> ResponseSerde<String> {
        ResponseSerde(Arc::new(StringSerde))
    }

    /// The bytes are those Kafka Streams 4.4's `SubscriptionWrapperSerde` and
    /// `SubscriptionResponseWrapperSerde` write for the same wrappers.
    #[test]
    fn wrappers_are_written_as_kafka_streams_writes_them_and_read_back() {
        let with_hash = Subscription {
            hash: Some([1, (-2_i64) as u64]),
            instruction: Instruction::PropagateOnlyIfFkValAvailable,
            primary_key: "o1".to_owned(),
            primary_partition: 3,
        };
        let without_hash = Subscription {
            hash: None,
            instruction: Instruction::DeleteKeyAndPropagate,
            primary_key: "o1".to_owned(),
            primary_partition: 0,
        };
        for (subscription, kafka) in [
            (with_hash, "01030000000000000001fffffffffffffffe6f3100000003"),
            (without_hash, "81016f3100000000"),
        ] {
            let bytes = subscriptions().serialize("t", &subscription).unwrap().unwrap();
            assert_eq!(hex(&bytes), kafka);
            assert_eq!(
                subscriptions().deserialize("t", Some(&bytes)).unwrap(),
                subscription
            );
        }
        let answered = Response {
            hash: Some([1, (-2_i64) as u64]),
            foreign_value: Some("Ann".to_owned()),
            primary_partition: Some(3),
        };
        let unanswered = Response::<String> {
            hash: None,
            foreign_value: None,
            primary_partition: Some(3),
        };
        for (response, kafka) in [
            (answered, "000000000000000001fffffffffffffffe416e6e"),
            (unanswered, "80"),
        ] {
            let bytes = responses().serialize("t", &response).unwrap().unwrap();
            assert_eq!(hex(&bytes), kafka);
            let read = responses().deserialize("t", Some(&bytes)).unwrap();
            assert_eq!(
                (read.hash, read.foreign_value),
                (response.hash, response.foreign_value)
            );
            assert_eq!(read.primary_partition, None);
        }
    }

    #[test]
    fn malformed_wrappers_are_bad_data_saying_what_is_wrong() {
        let bad_subscription = |bytes: &[u8], says: &str| {
            let error = subscriptions().deserialize("t", Some(bytes)).unwrap_err();
            assert!(error.to_string().contains(says), "{error} should say {says}");
        };
        bad_subscription(b"\x81", "shorter than 2 bytes");
        bad_subscription(b"\x80\x01o1\x00\x00\x00\x00", "version 0");
        bad_subscription(
            b"\x81\x07o1\x00\x00\x00\x00",
            "unknown foreign-key join instruction 7",
        );
        bad_subscription(b"\x01\x01\x00\x00", "too short for its hash");
        bad_subscription(b"\x81\x01\x00", "too short for its partition");
        let error = subscriptions().deserialize("t", None).unwrap_err();
        assert!(error.to_string().contains("null"), "{error}");
        let bad_response = |bytes: &[u8], says: &str| {
            let error = responses().deserialize("t", Some(bytes)).unwrap_err();
            assert!(error.to_string().contains(says), "{error} should say {says}");
        };
        bad_response(b"", "empty");
        bad_response(b"\x82", "version 2");
        bad_response(b"\x00\x01", "too short for its hash");
    }

    #[test]
    fn combined_keys_put_the_foreign_key_first_behind_its_length() {
        assert_eq!(hex(&combined_key(b"c1", b"o1")), "0000000263316f31");
        assert!(combined_key(b"c1", b"o1").starts_with(&fk_prefix(b"c1")));
        assert!(!combined_key(b"c12", b"o1").starts_with(&fk_prefix(b"c1")));
    }
}
