//! The Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then
//! the encoded value.

use crate::error::{Error, Result};

/// The first byte of every framed payload.
pub const MAGIC_BYTE: u8 = 0;

/// The header's length.
pub const HEADER_LEN: usize = 5;

/// Starts a payload: the header for `schema_id`, in a buffer with room for `capacity`
/// bytes of body.
pub fn start_payload(schema_id: u32, capacity: usize) -> Vec<u8> {
    let mut payload = Vec::with_capacity(HEADER_LEN + capacity);
    payload.push(MAGIC_BYTE);
    payload.extend_from_slice(&schema_id.to_be_bytes());
    payload
}

/// Splits a payload into the schema id and the body.
pub fn split_payload(payload: &[u8]) -> Result<(u32, &[u8])> {
    if payload.len() < HEADER_LEN {
        return Err(Error::ShortPayload { len: payload.len() });
    }
    if payload[0] != MAGIC_BYTE {
        return Err(Error::UnknownMagicByte { found: payload[0] });
    }
    let id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
    Ok((id, &payload[HEADER_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_bad_headers_are_named() {
        let mut payload = start_payload(0x0102_0304, 1);
        payload.push(42);
        assert_eq!(payload, [0, 1, 2, 3, 4, 42]);
        assert_eq!(split_payload(&payload).unwrap(), (0x0102_0304, &[42u8][..]));
        assert!(matches!(
            split_payload(&[0, 0, 0]),
            Err(Error::ShortPayload { len: 3 })
        ));
        assert!(matches!(
            split_payload(&[1, 0, 0, 0, 1]),
            Err(Error::UnknownMagicByte { found: 1 })
        ));
    }
}
