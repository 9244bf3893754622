//! Replicate's `changeMask` and `columnMask`: which columns changed, which are present.
//!
//! A mask is a string of hexadecimal digits. Read here as bytes in little-endian order:
//! the first two digits are the byte of columns 0 to 7, the next two of columns 8 to 15,
//! and bit 0 (the least significant) of each byte is the lowest ordinal of its eight.

use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// The column ordinals a mask marks.
pub fn decode(field: &'static str, hex: &str, columns: usize) -> Result<BTreeSet<usize>> {
    let mut ordinals = BTreeSet::new();
    each_ordinal(field, hex, columns, |ordinal| {
        ordinals.insert(ordinal);
    })?;
    Ok(ordinals)
}

/// Checks a mask as [`decode`] does, without collecting its ordinals (the decoders'
/// check that a mask fits its row).
pub(crate) fn check(field: &'static str, hex: &str, columns: usize) -> Result<()> {
    each_ordinal(field, hex, columns, |_| {})
}

/// Calls `marked` with each ordinal the mask marks, in order.
fn each_ordinal(field: &'static str, hex: &str, columns: usize, mut marked: impl FnMut(usize)) -> Result<()> {
    let invalid = |reason: String| Error::InvalidValue {
        format: super::json::FORMAT,
        field: format!("headers.{field}"),
        reason,
    };
    if !hex.len().is_multiple_of(2) {
        return Err(invalid(format!("`{hex}` has an odd number of hex digits")));
    }
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).unwrap_or("");
        let byte =
            u8::from_str_radix(text, 16).map_err(|_| invalid(format!("`{hex}` is not hexadecimal")))?;
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                let ordinal = i * 8 + bit;
                if ordinal >= columns {
                    return Err(Error::MaskOutOfRange {
                        format: super::json::FORMAT,
                        field,
                        ordinal,
                        columns,
                    });
                }
                marked(ordinal);
            }
        }
    }
    Ok(())
}

/// The mask of `ordinals`, as many bytes as `columns` need.
pub fn encode(ordinals: &BTreeSet<usize>, columns: usize) -> String {
    let mut bytes = vec![0u8; columns.div_ceil(8).max(1)];
    for &o in ordinals {
        if let Some(b) = bytes.get_mut(o / 8) {
            *b |= 1 << (o % 8);
        }
    }
    hex(&bytes)
}

/// Bytes as uppercase hex digits (masks are bytes in Avro, hex in JSON).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Hex digits as bytes; `None` for an odd count or a non-hex digit.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mark_ordinals() {
        assert_eq!(decode("changeMask", "0A", 4).unwrap(), BTreeSet::from([1, 3]));
        assert_eq!(decode("changeMask", "0102", 10).unwrap(), BTreeSet::from([0, 9]));
        assert_eq!(encode(&BTreeSet::from([0, 9]), 10), "0102");
        assert_eq!(encode(&BTreeSet::new(), 3), "00");
    }

    #[test]
    fn bad_masks_are_refused() {
        let err = decode("columnMask", "10", 4).unwrap_err();
        assert!(
            matches!(
                err,
                Error::MaskOutOfRange {
                    ordinal: 4,
                    columns: 4,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            decode("changeMask", "0", 4)
                .unwrap_err()
                .to_string()
                .contains("odd")
        );
        assert!(
            decode("changeMask", "ZZ", 4)
                .unwrap_err()
                .to_string()
                .contains("headers.changeMask")
        );
    }
}
