//! The serdes of windowed keys, byte for byte Kafka Streams' `TimeWindowedSerde` and
//! `SessionWindowedSerde` (`WindowedSerdes`).

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};

use super::{Window, Windowed, millis};
use crate::serdes::{Serde, SerdeError, SerdeRef, SerdeResult};

fn key_and_times<K: 'static>(
    inner: &SerdeRef<K>,
    topic: &str,
    data: Option<&[u8]>,
    times: usize,
) -> SerdeResult<(K, [i64; 2])> {
    let data = data.ok_or_else(|| SerdeError::bad_data("null where a windowed key was expected"))?;
    let Some(key_len) = data.len().checked_sub(8 * times) else {
        return Err(SerdeError::bad_data(format!(
            "a windowed key of {} bytes, shorter than its {} timestamps",
            data.len(),
            times
        )));
    };
    let key = inner.deserialize(topic, Some(&data[..key_len]))?;
    let mut out = [0i64; 2];
    for (i, slot) in out.iter_mut().enumerate().take(times) {
        let at = key_len + 8 * i;
        *slot = i64::from_be_bytes(data[at..at + 8].try_into().expect("eight bytes"));
    }
    Ok((key, out))
}

fn with_times<K: 'static>(
    inner: &SerdeRef<K>,
    topic: &str,
    key: &K,
    times: &[i64],
) -> SerdeResult<Option<Bytes>> {
    let Some(key) = inner.serialize(topic, key)? else {
        return Ok(None);
    };
    let mut out = BytesMut::with_capacity(key.len() + 8 * times.len());
    out.put_slice(&key);
    for t in times {
        out.put_i64(*t);
    }
    Ok(Some(out.freeze()))
}

/// The serde of time-windowed keys: the inner key's bytes, then the window's start (8
/// bytes, big-endian). The end is not written: it is the start plus the window size
/// this serde is made with, as with Kafka's `timeWindowedSerdeFrom(type, size)`.
pub struct TimeWindowedSerde<K> {
    inner: SerdeRef<K>,
    size_ms: i64,
}

impl<K> std::fmt::Debug for TimeWindowedSerde<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeWindowedSerde")
            .field("size_ms", &self.size_ms)
            .finish()
    }
}

impl<K> std::fmt::Debug for SessionWindowedSerde<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionWindowedSerde")
    }
}

impl<K: 'static> TimeWindowedSerde<K> {
    /// Keys of `inner`, in windows of `window_size`.
    pub fn new(inner: impl Serde<K>, window_size: Duration) -> Self {
        TimeWindowedSerde {
            inner: std::sync::Arc::new(inner),
            size_ms: millis(window_size),
        }
    }
}

impl<K: 'static> Serde<Windowed<K>> for TimeWindowedSerde<K> {
    fn serialize(&self, topic: &str, value: &Windowed<K>) -> SerdeResult<Option<Bytes>> {
        with_times(&self.inner, topic, &value.key, &[value.window.start])
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Windowed<K>> {
        let (key, [start, _]) = key_and_times(&self.inner, topic, data, 1)?;
        Ok(Windowed::new(
            key,
            Window::new(start, start.saturating_add(self.size_ms)),
        ))
    }
}

/// The serde of session-windowed keys: the inner key's bytes, the session's end, then
/// its start (8 bytes each, big-endian).
pub struct SessionWindowedSerde<K> {
    inner: SerdeRef<K>,
}

impl<K: 'static> SessionWindowedSerde<K> {
    /// Keys of `inner`.
    pub fn new(inner: impl Serde<K>) -> Self {
        SessionWindowedSerde {
            inner: std::sync::Arc::new(inner),
        }
    }
}

impl<K: 'static> Serde<Windowed<K>> for SessionWindowedSerde<K> {
    fn serialize(&self, topic: &str, value: &Windowed<K>) -> SerdeResult<Option<Bytes>> {
        with_times(
            &self.inner,
            topic,
            &value.key,
            &[value.window.end, value.window.start],
        )
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<Windowed<K>> {
        let (key, [end, start]) = key_and_times(&self.inner, topic, data, 2)?;
        Ok(Windowed::new(key, Window::new(start, end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StringSerde;

    #[test]
    fn windowed_keys_are_the_key_then_big_endian_times() {
        let serde = TimeWindowedSerde::new(StringSerde, Duration::from_secs(10));
        let key = Windowed::new("a".to_owned(), Window::new(10_000, 20_000));
        let bytes = serde.serialize("t", &key).unwrap().unwrap();
        assert_eq!(&bytes[..], b"a\0\0\0\0\0\0\x27\x10");
        assert_eq!(serde.deserialize("t", Some(&bytes)).unwrap(), key);
        let session = SessionWindowedSerde::new(StringSerde);
        let key = Windowed::new("a".to_owned(), Window::new(1, 2));
        let bytes = session.serialize("t", &key).unwrap().unwrap();
        assert_eq!(&bytes[..], b"a\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x01");
        assert_eq!(session.deserialize("t", Some(&bytes)).unwrap(), key);
        assert!(session.deserialize("t", Some(b"abc")).is_err());
    }
}
