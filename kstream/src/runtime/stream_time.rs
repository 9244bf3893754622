//! A task's stream time kept beside its committed input offsets, as Kafka Streams keeps
//! it: so that a task that moves or restarts judges late records (a window's grace)
//! by the stream time it had reached, not from scratch.
//!
//! The note is Kafka Streams' own encoding, Base64 of a version byte then the time as
//! a big-endian `i64`: version 1 is that alone, version 2 (Kafka Streams' current
//! one) adds its processors' metadata after it, which is not read here.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const VERSION: u8 = 1;

/// The note for a stream time.
pub(crate) fn encode(stream_time: i64) -> String {
    let mut bytes = Vec::with_capacity(9);
    bytes.push(VERSION);
    bytes.extend_from_slice(&stream_time.to_be_bytes());
    STANDARD.encode(bytes)
}

/// The stream time in a note: `None` for an empty note or one that is not a stream
/// time (another application's, or a future version).
pub(crate) fn decode(note: &str) -> Option<i64> {
    let bytes = STANDARD.decode(note).ok()?;
    match bytes.split_first() {
        Some((1 | 2, rest)) if rest.len() >= 8 => Some(i64::from_be_bytes(rest[..8].try_into().ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_time_comes_back_and_other_notes_are_none() {
        for time in [-1, 0, 1_700_000_000_123, i64::MAX] {
            assert_eq!(decode(&encode(time)), Some(time));
        }
        // Kafka Streams' version 2: the time, then its processors' metadata.
        let mut v2 = vec![2];
        v2.extend_from_slice(&42i64.to_be_bytes());
        v2.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(decode(&STANDARD.encode(v2)), Some(42));
        assert_eq!(decode(""), None);
        assert_eq!(decode("not base64!"), None);
        assert_eq!(decode(&STANDARD.encode([3, 0, 0, 0, 0, 0, 0, 0, 1])), None);
        assert_eq!(decode(&STANDARD.encode([1, 0, 0])), None);
    }
}
