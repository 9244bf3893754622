//! Replicate's `changeMask` and `columnMask`: which columns changed, which are present.
//!
//! Qlik documents a mask as a string of hexadecimal digits that is one number, written
//! most significant digit first: the table's first column is its least significant bit,
//! the second column the next bit, and so on. Qlik's own example, `0B` (binary `1011`),
//! marks the first, second and fourth columns. Ordinals here count from 0, as positions
//! in a row do (Qlik's documentation counts them from 1), so `0B` marks ordinals 0, 1
//! and 3, and for a 16-column table `00FFFF` marks all 16 and `008080` ordinals 7 and 15.
//!
//! Reading takes any number of digits, odd counts included, in either case. Writing
//! gives what Qlik writes: uppercase, two digits a byte, `columns / 8 + 1` bytes (a
//! 3-column table's masks are `07`-like, a 16-column table's `00FFFF`-like, as in
//! messages Replicate sent).
//!
//! In the Avro form a mask is `bytes`: the bytes its hex digits spell, most significant
//! first, so the JSON and the Avro forms carry the same number ([`hex`] and [`unhex`]
//! convert between the two).

use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// The column ordinals a mask marks, in a row of `columns` columns. An error names the
/// mask field for text that is not hexadecimal, and the first ordinal past the row for
/// a mask that marks one.
///
/// ```
/// use cdc_core::replicate::mask;
/// use std::collections::BTreeSet;
/// assert_eq!(mask::decode("changeMask", "0B", 4)?, BTreeSet::from([0, 1, 3]));
/// assert_eq!(mask::decode("changeMask", "008080", 16)?, BTreeSet::from([7, 15]));
/// assert!(mask::decode("changeMask", "10", 4).is_err()); // ordinal 4 of a 4-column row
/// # Ok::<(), cdc_core::Error>(())
/// ```
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

/// Calls `marked` with each ordinal the mask marks, in ascending order.
fn each_ordinal(field: &'static str, hex: &str, columns: usize, mut marked: impl FnMut(usize)) -> Result<()> {
    if let Some(bad) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(Error::InvalidValue {
            format: super::json::FORMAT,
            field: format!("headers.{field}"),
            reason: format!("`{hex}` is not hexadecimal (`{bad}`)"),
        });
    }
    // The last digit holds ordinals 0 to 3, the one before it 4 to 7, and so on.
    for (position, digit) in hex.bytes().rev().enumerate() {
        let nibble = char::from(digit).to_digit(16).unwrap_or(0);
        for bit in 0..4 {
            if nibble & (1 << bit) == 0 {
                continue;
            }
            let ordinal = position * 4 + bit;
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
    Ok(())
}

/// The mask of `ordinals` for a table of `columns` columns, as Qlik writes it:
/// `columns / 8 + 1` bytes, more when an ordinal needs them.
///
/// ```
/// use cdc_core::replicate::mask;
/// use std::collections::BTreeSet;
/// assert_eq!(mask::encode(&BTreeSet::from([0, 1, 3]), 4), "0B");
/// assert_eq!(mask::encode(&(0..16).collect(), 16), "00FFFF");
/// ```
pub fn encode(ordinals: &BTreeSet<usize>, columns: usize) -> String {
    let needed = ordinals.last().map_or(0, |&o| o / 8 + 1);
    let mut bytes = vec![0u8; (columns / 8 + 1).max(needed)];
    let last = bytes.len() - 1;
    for &o in ordinals {
        bytes[last - o / 8] |= 1 << (o % 8);
    }
    self::hex(&bytes)
}

/// Bytes as uppercase hex digits, two a byte (an Avro mask as the JSON form writes it).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Hex digits as the bytes they spell, most significant first (a JSON mask as the Avro
/// form writes it); an odd count reads as if it had a leading `0`. `None` for a
/// non-hex digit.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = match text.len() % 2 {
        0 => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(format!("0{text}")),
    };
    padded
        .as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_read_as_one_number_with_ordinal_0_least_significant() {
        // Qlik's documented example: 0B is binary 1011.
        assert_eq!(decode("changeMask", "0B", 4).unwrap(), BTreeSet::from([0, 1, 3]));
        // A 16-column table, from a message Replicate sent.
        assert_eq!(
            decode("columnMask", "00FFFF", 16).unwrap(),
            (0..16).collect::<BTreeSet<_>>()
        );
        assert_eq!(
            decode("changeMask", "008080", 16).unwrap(),
            BTreeSet::from([7, 15])
        );
        // Any number of digits, odd counts, lowercase, leading zeros.
        assert_eq!(decode("changeMask", "B", 4).unwrap(), BTreeSet::from([0, 1, 3]));
        assert_eq!(decode("changeMask", "100", 9).unwrap(), BTreeSet::from([8]));
        assert_eq!(decode("changeMask", "0000ff", 8).unwrap(), (0..8).collect());
        assert_eq!(decode("changeMask", "", 3).unwrap(), BTreeSet::new());
    }

    #[test]
    fn masks_are_written_as_qlik_writes_them() {
        assert_eq!(encode(&BTreeSet::from([0, 1, 3]), 4), "0B");
        assert_eq!(encode(&(0..16).collect(), 16), "00FFFF");
        assert_eq!(encode(&BTreeSet::from([7, 15]), 16), "008080");
        assert_eq!(encode(&BTreeSet::from([0, 1, 2]), 3), "07");
        assert_eq!(encode(&BTreeSet::from([0, 9]), 10), "0201");
        assert_eq!(encode(&BTreeSet::new(), 3), "00");
        // An ordinal past `columns` widens the mask rather than being lost.
        assert_eq!(encode(&BTreeSet::from([9]), 3), "0200");
    }

    #[test]
    fn hex_and_bytes_spell_the_same_number() {
        assert_eq!(unhex("00FFFF"), Some(vec![0x00, 0xff, 0xff]));
        assert_eq!(unhex("B"), Some(vec![0x0b]));
        assert_eq!(unhex("1ff"), Some(vec![0x01, 0xff]));
        assert_eq!(unhex("0G"), None);
        assert_eq!(hex(&[0x00, 0x80, 0x80]), "008080");
    }

    #[test]
    fn bad_masks_are_refused() {
        let err = decode("columnMask", "10", 4).unwrap_err();
        assert!(
            matches!(
                err,
                Error::MaskOutOfRange {
                    field: "columnMask",
                    ordinal: 4,
                    columns: 4,
                    ..
                }
            ),
            "{err}"
        );
        // The first ordinal past the row is the one named.
        let err = decode("changeMask", "FF0100", 10).unwrap_err();
        assert!(matches!(err, Error::MaskOutOfRange { ordinal: 16, .. }), "{err}");
        let err = decode("changeMask", "ZZ", 4).unwrap_err().to_string();
        assert!(
            err.contains("headers.changeMask") && err.contains("not hexadecimal"),
            "{err}"
        );
    }

    /// The naive model: a set of ordinals is the sum of `2^ordinal`.
    fn number(ordinals: &BTreeSet<usize>) -> u128 {
        ordinals.iter().map(|o| 1u128 << o).sum()
    }

    proptest! {
        #[test]
        fn a_mask_is_the_number_its_ordinals_sum_to(
            columns in 1usize..100,
            picks in proptest::collection::vec(any::<bool>(), 100),
        ) {
            let ordinals: BTreeSet<usize> = (0..columns).filter(|&o| picks[o]).collect();
            let text = encode(&ordinals, columns);
            prop_assert_eq!(text.len(), 2 * (columns / 8 + 1));
            prop_assert_eq!(u128::from_str_radix(&text, 16).unwrap(), number(&ordinals));
            prop_assert_eq!(decode("changeMask", &text, columns).unwrap(), ordinals.clone());
            prop_assert_eq!(hex(&unhex(&text).unwrap()), text);
        }
    }
}
