//! Where a windowed store's keys keep their times.

use bytes::{BufMut, Bytes, BytesMut};

/// The layout of a windowed store's keys (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLayout {
    /// `key, window start, sequence number`.
    Window,
    /// `key, session end, session start`.
    Session,
}

/// How a windowed store is cut into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segmentation {
    pub(crate) layout: KeyLayout,
    /// The windows' size (a window's end is its start plus it).
    pub(crate) window_ms: i64,
    pub(crate) retention_ms: i64,
    pub(crate) segment_ms: i64,
    /// Whether the store keeps every record of a key and time (a join's store).
    pub(crate) duplicates: bool,
}

const SEQ: usize = 4;
const TIME: usize = 8;

fn time_at(key: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(key[at..at + TIME].try_into().expect("eight bytes"))
}

impl KeyLayout {
    /// How many bytes follow the record key.
    pub(crate) fn suffix(self) -> usize {
        match self {
            KeyLayout::Window => TIME + SEQ,
            KeyLayout::Session => 2 * TIME,
        }
    }

    /// The time that places a key in a segment: a window's start, a session's end.
    pub(crate) fn segment_time(self, key: &[u8]) -> Option<i64> {
        let at = key.len().checked_sub(self.suffix())?;
        Some(time_at(key, at))
    }

    /// The record key's bytes of a stored key.
    pub(crate) fn record_key(self, key: &[u8]) -> Option<&[u8]> {
        key.get(..key.len().checked_sub(self.suffix())?)
    }
}

/// The store key of `key` in the window starting at `start`, with sequence number `seq`.
pub(crate) fn window_key(key: &[u8], start: i64, seq: u32) -> Bytes {
    let mut out = BytesMut::with_capacity(key.len() + TIME + SEQ);
    out.put_slice(key);
    out.put_i64(start);
    out.put_u32(seq);
    out.freeze()
}

/// The window start and sequence number of a window store key.
pub(crate) fn window_of(key: &[u8]) -> Option<(i64, u32)> {
    let at = key.len().checked_sub(TIME + SEQ)?;
    let seq = u32::from_be_bytes(key[at + TIME..].try_into().ok()?);
    Some((time_at(key, at), seq))
}

/// The store key of `key`'s session from `start` to `end`.
pub(crate) fn session_key(key: &[u8], start: i64, end: i64) -> Bytes {
    let mut out = BytesMut::with_capacity(key.len() + 2 * TIME);
    out.put_slice(key);
    out.put_i64(end);
    out.put_i64(start);
    out.freeze()
}

/// The `(start, end)` of a session store key.
pub(crate) fn session_of(key: &[u8]) -> Option<(i64, i64)> {
    let at = key.len().checked_sub(2 * TIME)?;
    Some((time_at(key, at + TIME), time_at(key, at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_their_times_after_the_record_key() {
        let k = window_key(b"ab", 10_000, 3);
        assert_eq!(k.len(), 14);
        assert_eq!(window_of(&k), Some((10_000, 3)));
        assert_eq!(KeyLayout::Window.segment_time(&k), Some(10_000));
        assert_eq!(KeyLayout::Window.record_key(&k), Some(&b"ab"[..]));
        let s = session_key(b"ab", 5, 9);
        assert_eq!(session_of(&s), Some((5, 9)));
        assert_eq!(KeyLayout::Session.segment_time(&s), Some(9));
        assert_eq!(KeyLayout::Session.record_key(&s), Some(&b"ab"[..]));
        assert_eq!(KeyLayout::Window.segment_time(b"short"), None);
    }
}
