//! The shared store of a left or outer join: the records still without a partner, by
//! time, side and key, as Kafka Streams keeps them (`TimestampedKeyAndJoinSide` keys:
//! the timestamp, 8 bytes big-endian, a side byte, 1 for left and 0 for right, then the
//! key's bytes), each key holding the list of its values (each a side byte and the
//! value's bytes), so that the store iterates by time, right before left.

use std::ops::Bound;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::Result;
use crate::store::StateStore;

/// Which side a waiting record is from.
pub(crate) const LEFT: u8 = 1;
pub(crate) const RIGHT: u8 = 0;

/// A key of the shared store.
pub(crate) fn waiting_key(timestamp: i64, side: u8, key: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(9 + key.len());
    out.put_i64(timestamp);
    out.put_u8(side);
    out.put_slice(key);
    out.freeze()
}

/// One waiting entry: its time, side, key bytes and values.
pub(crate) struct Waiting {
    pub(crate) key: Bytes,
    pub(crate) timestamp: i64,
    pub(crate) side: u8,
    pub(crate) record_key: Bytes,
    pub(crate) values: Vec<Bytes>,
}

/// The shared store of one join in one task.
pub(crate) struct WaitingStore(pub(crate) Arc<StateStore>);

impl WaitingStore {
    /// Appends `value` to the records waiting under `(timestamp, side, key)`.
    pub(crate) fn append(&self, timestamp: i64, side: u8, key: &[u8], value: &[u8]) -> Result<()> {
        let k = waiting_key(timestamp, side, key);
        let mut values = match self.0.get(&k)? {
            Some(list) => self.decode(&k, &list)?,
            None => Vec::new(),
        };
        values.push(Bytes::copy_from_slice(value));
        self.0.put_stamped(k, Some(encode_list(side, &values)), timestamp);
        Ok(())
    }

    /// Removes the records waiting under `(timestamp, side, key)`, if any.
    pub(crate) fn remove(&self, timestamp: i64, side: u8, key: &[u8]) -> Result<()> {
        let k = waiting_key(timestamp, side, key);
        if self.0.get(&k)?.is_some() {
            self.0.put_stamped(k, None, timestamp);
        }
        Ok(())
    }

    /// Removes one entry by its store key.
    pub(crate) fn delete(&self, key: Bytes) {
        self.0.put(key, None);
    }

    fn decode(&self, key: &[u8], list: &[u8]) -> Result<Vec<Bytes>> {
        decode_list(list).ok_or_else(|| crate::store::corrupt(self.0.name(), key))
    }

    /// Every entry, by time, side (right first) and key.
    pub(crate) fn all(&self) -> Result<Vec<Waiting>> {
        let mut out = Vec::new();
        for (k, list) in self.0.range(Bound::Unbounded, Bound::Unbounded)? {
            if k.len() < 9 {
                return Err(crate::store::corrupt(self.0.name(), &k));
            }
            let timestamp = i64::from_be_bytes(k[..8].try_into().expect("eight bytes"));
            out.push(Waiting {
                timestamp,
                side: k[8],
                record_key: k.slice(9..),
                values: self.decode(&k, &list)?,
                key: k,
            });
        }
        Ok(out)
    }
}

/// A list of values: their count, then each one's length and bytes (a side byte and
/// the value), 4-byte big-endian integers.
fn encode_list(side: u8, values: &[Bytes]) -> Bytes {
    let mut out = BytesMut::new();
    out.put_u32(values.len() as u32);
    for v in values {
        out.put_u32(v.len() as u32 + 1);
        out.put_u8(side);
        out.put_slice(v);
    }
    out.freeze()
}

/// The values of a list, or `None` when the bytes are not one.
fn decode_list(mut data: &[u8]) -> Option<Vec<Bytes>> {
    if data.remaining() < 4 {
        return None;
    }
    let n = data.get_u32();
    let mut out = Vec::new();
    for _ in 0..n {
        if data.remaining() < 4 {
            return None;
        }
        let len = data.get_u32() as usize;
        if data.remaining() < len || len == 0 {
            return None;
        }
        out.push(Bytes::copy_from_slice(&data[1..len]));
        data.advance(len);
    }
    data.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_keys_sort_by_time_then_right_before_left() {
        let values = vec![Bytes::from_static(b"a"), Bytes::from_static(b"")];
        assert_eq!(decode_list(&encode_list(LEFT, &values)), Some(values));
        assert_eq!(decode_list(b"\0\0\0\x01\0\0\0\x09a"), None);
        assert!(waiting_key(5, RIGHT, b"k") < waiting_key(5, LEFT, b"a"));
        assert!(waiting_key(5, LEFT, b"z") < waiting_key(6, RIGHT, b"a"));
    }
}
