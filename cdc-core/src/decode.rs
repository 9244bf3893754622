//! One way to decode change records, whatever their envelope and encoding.

use crate::error::Result;
use crate::event::ChangeEvent;
use crate::row::Row;

/// What one Kafka record decodes to: a change, or a tombstone.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Decoded<T> {
    /// A change: the event, with what its format keeps beside it.
    Change(T),
    /// A tombstone: a record without a value (for Debezium JSON, also a `null` payload
    /// in the schema envelope), which a compacted topic reads as "remove this key".
    /// Every codec decodes a missing value to this.
    Tombstone {
        /// The record's key columns, when the codec reads keys (see each codec) and the
        /// record has a key.
        key: Option<Row>,
    },
}

impl<T> Decoded<T> {
    /// The change, or `None` for a tombstone.
    pub fn into_change(self) -> Option<T> {
        match self {
            Decoded::Change(change) => Some(change),
            Decoded::Tombstone { .. } => None,
        }
    }

    /// The change by reference, or `None` for a tombstone.
    pub fn as_change(&self) -> Option<&T> {
        match self {
            Decoded::Change(change) => Some(change),
            Decoded::Tombstone { .. } => None,
        }
    }

    /// Whether the record is a tombstone.
    pub fn is_tombstone(&self) -> bool {
        matches!(self, Decoded::Tombstone { .. })
    }

    /// A change carrying `key` in its event, or a tombstone of `key` when there is no
    /// change; `event` finds the event in a change.
    pub(crate) fn keyed(
        change: Option<T>,
        key: Option<Row>,
        event: impl FnOnce(&mut T) -> &mut ChangeEvent,
    ) -> Self {
        match change {
            None => Decoded::Tombstone { key },
            Some(mut change) => {
                event(&mut change).key = key;
                Decoded::Change(change)
            }
        }
    }

    /// The change turned by `f`; a tombstone stays one.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decoded<U> {
        match self {
            Decoded::Change(change) => Decoded::Change(f(change)),
            Decoded::Tombstone { key } => Decoded::Tombstone { key },
        }
    }
}

/// A codec that decodes Kafka records: change events of Debezium and Replicate, JSON
/// ([`DebeziumJson`](crate::DebeziumJson), [`ReplicateJson`](crate::ReplicateJson)) and
/// Avro ([`DebeziumAvro`](crate::DebeziumAvro), [`ReplicateAvro`](crate::ReplicateAvro)),
/// Debezium's schema changes
/// ([`DebeziumSchemaChangeJson`](crate::DebeziumSchemaChangeJson)) and its transaction
/// metadata events ([`DebeziumTransactionJson`](crate::DebeziumTransactionJson)).
///
/// A codec takes the record's key and value as Kafka has them, either possibly absent,
/// and holds whatever else it needs (an Avro codec holds its schemas). A record without
/// a value is a [`Decoded::Tombstone`], the same for every codec; anything else is a
/// [`Decoded::Change`] or an [`Error`](crate::Error) naming what was wrong.
///
/// Code written against [`DecodeChange`], the codecs of change events, reads every
/// envelope alike:
///
/// ```
/// use cdc_core::{DebeziumJson, DecodeChange, Decoded, ReplicateJson};
///
/// /// The new `status` of a change; `None` for a tombstone or a row without one.
/// fn new_status<C: DecodeChange>(codec: &C, key: Option<&[u8]>, value: Option<&[u8]>) -> cdc_core::Result<Option<String>> {
///     Ok(match codec.decode(key, value)? {
///         Decoded::Change(record) => record.as_ref().after_value("status").and_then(|v| v.as_str()).map(str::to_owned),
///         Decoded::Tombstone { .. } => None,
///     })
/// }
///
/// let debezium = br#"{"before":null,"after":{"id":7,"status":"Overspeed"},"op":"c","ts_ms":1}"#;
/// let replicate = br#"{"data":{"ID":8,"status":"Normal"},"beforeData":null,
///     "headers":{"operation":"INSERT","changeSequence":"1","streamPosition":"a"}}"#;
/// assert_eq!(new_status(&DebeziumJson, Some(br#"{"id":7}"#), Some(debezium))?.as_deref(), Some("Overspeed"));
/// assert_eq!(new_status(&ReplicateJson, None, Some(replicate))?.as_deref(), Some("Normal"));
/// assert_eq!(new_status(&DebeziumJson, Some(br#"{"id":7}"#), None)?, None); // a tombstone
/// # Ok::<(), cdc_core::Error>(())
/// ```
pub trait Decode {
    /// What a record decodes to: for change events, the event with what the format keeps
    /// beside it to write the same message back (a Connect schema, Replicate's
    /// envelope); for schema changes and transaction metadata, their typed event.
    type Output;

    /// Decodes one record from its key and value.
    fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<Self::Output>>;
}

/// A [`Decode`] of change events: its output is, or holds, a [`ChangeEvent`]. Every
/// change-event codec is one; generic code over change events takes `C: DecodeChange`
/// and reaches the event with `as_ref()` or `into()`.
pub trait DecodeChange: Decode<Output: AsRef<ChangeEvent> + Into<ChangeEvent>> {}

impl<C> DecodeChange for C where C: Decode<Output: AsRef<ChangeEvent> + Into<ChangeEvent>> + ?Sized {}
