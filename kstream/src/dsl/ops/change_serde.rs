//! The records of a grouped table's repartition topic: a row's change as its new group
//! sees it, the new value, the old value, or both (Kafka Streams' `ChangedSerializer`).
//!
//! A record's value is a layout tag byte, then the values' bytes as the grouped values'
//! serde writes them:
//!
//! | tag | layout | meaning |
//! |---|---|---|
//! | `0` | `[0] [new value]` | a row added to the group |
//! | `1` | `[1] [old value]` | a row taken out of the group |
//! | `2` | `[2] [length of the new value: u32, big-endian] [new value] [old value]` | a row updated within the group: taken out and added in one step |
//!
//! Tags `0` and `1` are also all that earlier releases wrote, so their records still in
//! the topic read as before. Any other tag, or a record too short for its layout, is bad
//! data ([`SerdeErrorKind::BadData`](crate::serdes::SerdeErrorKind::BadData), its
//! [`source`](std::error::Error::source) the [`ChangeFormatError`] naming the problem).
//!
//! A value the serde writes as null is a null row, which Kafka Streams leaves out before
//! the repartition topic: that side is left out of the record, and a change with
//! neither side is written without a value and ignored by the aggregation.

use bytes::{BufMut, Bytes, BytesMut};

use super::Change;
use crate::serdes::{Serde, SerdeError, SerdeRef, SerdeResult};

/// The tag of a record with the new value only.
const NEW: u8 = 0;
/// The tag of a record with the old value only.
const OLD: u8 = 1;
/// The tag of a record with both values, the new one first, its length before it.
const BOTH: u8 = 2;
/// The bytes of the new value's length in a [`BOTH`] record.
const LENGTH: usize = 4;

/// Why the bytes of a grouped table's repartition record are not a [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChangeFormatError {
    /// The record has a value of no bytes: not even the layout tag.
    #[error("an empty record, without the layout tag")]
    Empty,
    /// The first byte is not a layout this release reads.
    #[error("layout tag {0}, where 0 (new value), 1 (old value) or 2 (both) was expected")]
    UnknownTag(u8),
    /// A record with both values ends before the new value's length.
    #[error(
        "a record of both values has {0} bytes after its tag, fewer than the 4 of the new value's length"
    )]
    NoLength(usize),
    /// A record with both values ends before the end of its new value.
    #[error("a record of both values gives its new value {length} bytes, but only {left} follow")]
    Truncated {
        /// The new value's length, as the record gives it.
        length: usize,
        /// The bytes after the length.
        left: usize,
    },
}

impl From<ChangeFormatError> for SerdeError {
    fn from(e: ChangeFormatError) -> Self {
        SerdeError::bad_data(format!("not a grouped table's change record: {e}")).with_source(e)
    }
}

/// Writes a [`Change`] to a grouped table's repartition topic and reads it back, the
/// values with the grouped values' serde.
pub(crate) struct ChangeSerde<V>(pub(crate) SerdeRef<V>);

impl<V: 'static> ChangeSerde<V> {
    /// The bytes of one side, `None` for a null value.
    fn side(&self, topic: &str, value: Option<&V>) -> SerdeResult<Option<Bytes>> {
        match value {
            Some(v) => self.0.serialize(topic, v),
            None => Ok(None),
        }
    }
}

impl<V: 'static> Serde<Change<V>> for ChangeSerde<V> {
    fn serialize(&self, topic: &str, change: &Change<V>) -> SerdeResult<Option<Bytes>> {
        let new = self.side(topic, change.new.as_ref())?;
        let old = self.side(topic, change.old.as_ref())?;
        let (tag, first, second) = match (new, old) {
            (None, None) => return Ok(None),
            (Some(new), None) => (NEW, new, None),
            (None, Some(old)) => (OLD, old, None),
            (Some(new), Some(old)) => (BOTH, new, Some(old)),
        };
        let extra = second.as_ref().map_or(0, |old| LENGTH + old.len());
        let mut out = BytesMut::with_capacity(1 + first.len() + extra);
        out.put_u8(tag);
        if second.is_some() {
            let length = u32::try_from(first.len()).map_err(|_| {
                SerdeError::bad_data(format!(
                    "a grouped table's new value of {} bytes is longer than a change record can hold",
                    first.len()
                ))
            })?;
            out.put_u32(length);
        }
        out.put_slice(&first);
        if let Some(old) = second {
            out.put_slice(&old);
        }
        Ok(Some(out.freeze()))
    }

    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Change<V>> {
        let Some(data) = data else {
            return Ok(Change { new: None, old: None });
        };
        let read = |bytes: &[u8]| self.0.deserialize(topic, Some(bytes)).map(Some);
        match data {
            [] => Err(ChangeFormatError::Empty.into()),
            [NEW, new @ ..] => Ok(Change {
                new: read(new)?,
                old: None,
            }),
            [OLD, old @ ..] => Ok(Change {
                new: None,
                old: read(old)?,
            }),
            [BOTH, rest @ ..] => {
                let (length, values) = rest
                    .split_first_chunk::<LENGTH>()
                    .ok_or(ChangeFormatError::NoLength(rest.len()))?;
                let length = u32::from_be_bytes(*length) as usize;
                if length > values.len() {
                    return Err(ChangeFormatError::Truncated {
                        length,
                        left: values.len(),
                    }
                    .into());
                }
                let (new, old) = values.split_at(length);
                Ok(Change {
                    new: read(new)?,
                    old: read(old)?,
                })
            }
            [tag, ..] => Err(ChangeFormatError::UnknownTag(*tag).into()),
        }
    }

    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.0.prepare(topic)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::serdes::{OptionSerde, SerdeErrorKind, StringSerde};

    fn serde() -> ChangeSerde<String> {
        ChangeSerde(Arc::new(StringSerde))
    }

    fn change(new: Option<&str>, old: Option<&str>) -> Change<String> {
        Change {
            new: new.map(str::to_owned),
            old: old.map(str::to_owned),
        }
    }

    fn bytes(c: &Change<String>) -> Vec<u8> {
        serde().serialize("t", c).unwrap().unwrap().to_vec()
    }

    fn error(data: &[u8]) -> ChangeFormatError {
        let e = serde().deserialize("t", Some(data)).unwrap_err();
        assert_eq!(e.kind(), SerdeErrorKind::BadData);
        std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<ChangeFormatError>())
            .cloned()
            .expect("the format error is the source")
    }

    #[test]
    fn each_layout_is_as_documented_and_reads_back() {
        let cases = [
            (change(Some("ab"), None), b"\x00ab".to_vec()),
            (change(None, Some("cd")), b"\x01cd".to_vec()),
            (
                change(Some("ab"), Some("cde")),
                b"\x02\x00\x00\x00\x02abcde".to_vec(),
            ),
            (change(Some(""), Some("x")), b"\x02\x00\x00\x00\x00x".to_vec()),
            (change(Some("x"), Some("")), b"\x02\x00\x00\x00\x01x".to_vec()),
        ];
        for (c, expected) in cases {
            assert_eq!(bytes(&c), expected, "{c:?}");
            assert_eq!(serde().deserialize("t", Some(&expected)).unwrap(), c);
        }
    }

    #[test]
    fn null_values_are_left_out() {
        let serde = ChangeSerde(Arc::new(OptionSerde(StringSerde)));
        let c = Change {
            new: Some(Some("a".to_owned())),
            old: Some(None),
        };
        let data = serde.serialize("t", &c).unwrap().unwrap();
        assert_eq!(&data[..], b"\x00a");
        let neither = Change {
            new: Some(None),
            old: Some(None),
        };
        assert_eq!(serde.serialize("t", &neither).unwrap(), None);
        let read: Change<Option<String>> = serde.deserialize("t", None).unwrap();
        assert_eq!(read, Change { new: None, old: None });
    }

    #[test]
    fn bad_bytes_are_named() {
        assert_eq!(error(b""), ChangeFormatError::Empty);
        assert_eq!(error(b"\x07abc"), ChangeFormatError::UnknownTag(7));
        assert_eq!(error(b"\x02\x00\x00"), ChangeFormatError::NoLength(2));
        assert_eq!(
            error(b"\x02\x00\x00\x00\x09abc"),
            ChangeFormatError::Truncated { length: 9, left: 3 }
        );
        let e = serde().deserialize("t", Some(b"\x03")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a grouped table's change record: layout tag 3, where 0 (new value), 1 (old value) or 2 (both) was expected"
        );
    }

    #[test]
    fn bad_value_bytes_are_the_value_serde_s_error() {
        let e = serde().deserialize("t", Some(b"\x00\xff")).unwrap_err();
        assert_eq!(e.kind(), SerdeErrorKind::BadData);
        assert_eq!(e.to_string(), "a string that is not UTF-8");
    }
}
